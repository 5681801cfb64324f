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

#endif
