/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The private header of images.c and image_upload.c (model/ only): the
 * helpers of the image store both need, prefixed img_. Run by moatd-api,
 * unprivileged; the strings checked here are untrusted, the database and
 * the images/ directory are this process's own.
 */
#ifndef MOAT_FE_IMAGES_INT_H
#define MOAT_FE_IMAGES_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

/* How JSON columns are written: compact, '/' unescaped ("/etc/hostname"). */
#define DB_JSON (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* min to 64 hex digits. */
bool img_fingerprint_valid(const char *s, size_t min);
/* $MOAT_DIR/images, opened O_DIRECTORY: a descriptor, or a negative errno. */
int img_open_images_dir(void);

/* Run one statement with text parameters (NULL = SQL NULL); caller holds the lock. */
int img_db_run(sqlite3 *db, const char *sql, int nparams, const char *const *params,
	       int *ret_changes);
bool img_db_exists(sqlite3 *db, const char *sql, const char *param);

#endif
