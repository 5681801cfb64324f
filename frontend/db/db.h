/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db/: the sqlite3 database (WAL, versioned schema). Only db/ and model/
 * include this header. moatd-api, unprivileged.
 */
#ifndef MOAT_FE_DB_DB_H
#define MOAT_FE_DB_DB_H

#include <sqlite3.h>

#include "fe.h"

/* ---- database (db.c) --------------------------------------------------------- */

int fe_db_open(const char *dir);
/* The connection, held by the caller until fe_db_unlock(). */
sqlite3 *fe_db_lock(void);
void fe_db_unlock(void);
int fe_db_exec_locked(const char *sql);
void fe_db_close(void);
int fe_db_schema_version(void);
json_object *fe_db_server_config(void);
/* A text column holding a JSON value of type want (an object or an array):
 * it, or an empty one of that type when missing or of another type. */
json_object *fe_db_json_column(sqlite3_stmt *st, int col, json_type want);
/* fe_db_json_column() of an object. */
json_object *fe_db_object_column(sqlite3_stmt *st, int col);
/* One statement with the texts bound (NULL ends them), the lock held: the rows it
 * changed, -EEXIST on a constraint (a name taken), or -EIO. */
int fe_db_run_locked(sqlite3 *db, const char *sql, const char *const *texts);
/* Every row st yields, read(st, elem) into a new array of size-byte elements
 * (the lock held by the caller); on failure those read are release()d. */
int fe_db_collect(sqlite3_stmt *st, size_t size, int (*read)(sqlite3_stmt *st, void *ret),
		  void (*release)(void *elem), void **ret, size_t *ret_n);
/* The first column of every row of a query, as strings (the lock taken here). */
json_object *fe_db_strings(const char *sql);

#endif
