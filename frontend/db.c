// SPDX-License-Identifier: Apache-2.0
/*
 * The database: sqlite3 in $MOAT_DIR/database/moat.db, WAL, schema
 * versioned by PRAGMA user_version and moved forward by the migrations
 * below, each in one transaction. Runs in moatd-api (unprivileged, owner of
 * the database directory). Values from requests reach sqlite only as bound
 * parameters.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "fe.h"
#include "log.h"

static sqlite3 *db;

/* Migration N takes the schema from version N to N+1. Never edit one. */
static const char *const migrations[] = {
	"CREATE TABLE config (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",
};

static int exec_sql(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("database: %s", err ? err : "error");
		sqlite3_free(err);
		return -EIO;
	}
	return 0;
}

int fe_db_schema_version(void)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version;", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(void)
{
	int v = fe_db_schema_version();
	const int target = (int)(sizeof(migrations) / sizeof(migrations[0]));

	if (v < 0)
		return -EIO;
	if (v > target) {
		log_error("database schema %d is newer than this moatd-api (%d)", v, target);
		return -EPROTONOSUPPORT;
	}
	for (; v < target; v++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v + 1);
		if (exec_sql("BEGIN IMMEDIATE;") < 0)
			return -EIO;
		if (exec_sql(migrations[v]) < 0 || exec_sql(pragma) < 0) {
			exec_sql("ROLLBACK;");
			return -EIO;
		}
		if (exec_sql("COMMIT;") < 0)
			return -EIO;
		log_info("database schema moved to version %d", v + 1);
	}
	return 0;
}

int fe_db_open(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/database/moat.db", dir);
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX |
				    SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK) {
		log_error("database \"%s\": %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		return -EIO;
	}
	sqlite3_busy_timeout(db, 5000);
	if (exec_sql("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
		     "PRAGMA synchronous = NORMAL;") < 0)
		return -EIO;
	return migrate();
}

void fe_db_close(void)
{
	sqlite3_close(db);
	db = NULL;
}

json_object *fe_db_server_config(void)
{
	json_object *o = json_object_new_object();
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM config ORDER BY key;", -1, &st, NULL) !=
	    SQLITE_OK)
		return o;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_object_add(
			o, (const char *)sqlite3_column_text(st, 0),
			json_object_new_string((const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	return o;
}
