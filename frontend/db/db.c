// SPDX-License-Identifier: Apache-2.0
/*
 * The database: sqlite3 in $MOAT_DIR/database/moat.db, WAL, schema
 * versioned by PRAGMA user_version and moved forward by the migrations
 * below, each in one transaction. Runs in moatd-api (unprivileged, owner of
 * the database directory). Values from requests reach sqlite only as bound
 * parameters. One connection serves every thread; fe_db_lock() serialises
 * users so that a multi-statement transaction is never interleaved.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "log.h"

static sqlite3 *db;
static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;

sqlite3 *fe_db_lock(void)
{
	pthread_mutex_lock(&db_lock);
	return db;
}

void fe_db_unlock(void)
{
	pthread_mutex_unlock(&db_lock);
}

int fe_db_exec_locked(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("database: %s", err ? err : "error");
		sqlite3_free(err);
		return -EIO;
	}
	return 0;
}

/* Migration N takes the schema from version N to N+1. Never edit one. */
static const char *const migrations[] = {
	"CREATE TABLE config (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",

	/*
	 * 2: images, aliases, profiles, instances. Maps (config, devices,
	 * properties) are stored as JSON objects in text columns; times as
	 * RFC 3339 text, the way the API shows them.
	 */
	"CREATE TABLE images ("
	" fingerprint TEXT PRIMARY KEY NOT NULL,"
	" filename TEXT NOT NULL DEFAULT '',"
	" size INTEGER NOT NULL,"
	" public INTEGER NOT NULL DEFAULT 0,"
	" auto_update INTEGER NOT NULL DEFAULT 0,"
	" architecture TEXT NOT NULL,"
	" type TEXT NOT NULL DEFAULT 'container',"
	" created_at TEXT NOT NULL,"
	" expires_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00Z',"
	" uploaded_at TEXT NOT NULL,"
	" last_used_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
	" properties TEXT NOT NULL DEFAULT '{}',"
	" profiles TEXT NOT NULL DEFAULT '[\"default\"]',"
	" templates TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE image_aliases ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" fingerprint TEXT NOT NULL REFERENCES images (fingerprint) ON DELETE CASCADE,"
	" description TEXT NOT NULL DEFAULT '',"
	" type TEXT NOT NULL DEFAULT 'container');"
	"CREATE TABLE profiles ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" config TEXT NOT NULL DEFAULT '{}',"
	" devices TEXT NOT NULL DEFAULT '{}');"
	"INSERT INTO profiles (name, description, devices) VALUES ('default',"
	" 'Default LXD profile', '{\"root\":{\"path\":\"/\",\"pool\":\"default\",\"type\":\"disk\"}}');"
	"CREATE TABLE instances ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" architecture TEXT NOT NULL,"
	" type TEXT NOT NULL DEFAULT 'container',"
	" ephemeral INTEGER NOT NULL DEFAULT 0,"
	" stateful INTEGER NOT NULL DEFAULT 0,"
	" description TEXT NOT NULL DEFAULT '',"
	" created_at TEXT NOT NULL,"
	" last_used_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00Z',"
	" config TEXT NOT NULL DEFAULT '{}',"
	" devices TEXT NOT NULL DEFAULT '{}',"
	" profiles TEXT NOT NULL DEFAULT '[\"default\"]',"
	" base_image TEXT NOT NULL DEFAULT '');",

	/*
	 * 3: the sources of an image's templates, copied out of its tarball
	 * at first use, so that a start does not decompress the tarball again
	 * to find them. They go with the image.
	 */
	"CREATE TABLE image_templates ("
	" fingerprint TEXT NOT NULL REFERENCES images (fingerprint) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" content BLOB NOT NULL,"
	" PRIMARY KEY (fingerprint, name));",

	/*
	 * 4: managed networks (LXD's api.Network): a name that is also its
	 * bridge's, its type ("bridge"), its description and config (a JSON
	 * object, the addresses `auto` picked already in it). server_marks
	 * holds the things done once for good, such as the default network
	 * made at first start (so that deleting it does not bring it back).
	 */
	"CREATE TABLE networks ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" type TEXT NOT NULL DEFAULT 'bridge',"
	" config TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE server_marks (name TEXT PRIMARY KEY NOT NULL,"
	" value TEXT NOT NULL DEFAULT '');",

	/*
	 * 5: network ACLs (rules as the normalised JSON lists the API shows)
	 * and network forwards, keyed by their network and listen address.
	 */
	"CREATE TABLE network_acls ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" ingress TEXT NOT NULL DEFAULT '[]',"
	" egress TEXT NOT NULL DEFAULT '[]',"
	" config TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE network_forwards ("
	" network TEXT NOT NULL,"
	" listen_address TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" config TEXT NOT NULL DEFAULT '{}',"
	" ports TEXT NOT NULL DEFAULT '[]',"
	" PRIMARY KEY (network, listen_address));",

	/*
	 * 6: storage pools (LXD's api.StoragePool: a name that is also its
	 * directory's under storage-pools/, the driver, a description and the
	 * config as JSON, without `source`, which is always moatd's directory
	 * of the pool and shown as such); "default", which every instance so
	 * far is on, and the pool of each instance, chosen at create; the
	 * images unpacked in each pool (LXD's image volumes: in used_by).
	 */
	"CREATE TABLE storage_pools ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" driver TEXT NOT NULL DEFAULT 'dir',"
	" config TEXT NOT NULL DEFAULT '{}');"
	"INSERT INTO storage_pools (name) VALUES ('default');"
	"CREATE TABLE storage_pool_images ("
	" pool TEXT NOT NULL REFERENCES storage_pools (name) ON DELETE CASCADE,"
	" fingerprint TEXT NOT NULL REFERENCES images (fingerprint) ON DELETE CASCADE,"
	" PRIMARY KEY (pool, fingerprint));"
	"ALTER TABLE instances ADD COLUMN pool TEXT NOT NULL DEFAULT 'default';",

	/*
	 * 7: the instances whose create or copy has not finished: the next
	 * frontend removes them, storage then row (model/instance_sweep.c), so
	 * a daemon killed mid-copy leaves neither.
	 */
	"CREATE TABLE instances_unfinished ("
	" name TEXT PRIMARY KEY NOT NULL REFERENCES instances (name)"
	"  ON DELETE CASCADE ON UPDATE CASCADE);",

	/*
	 * 8: instance snapshots (model/snapshots.c): what the instance was
	 * when each was taken (its own config, devices and profiles, and the
	 * expanded ones), keyed by instance and name; id is the creation
	 * order. A row goes with its instance, and follows its rename.
	 */
	"CREATE TABLE instance_snapshots ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" instance TEXT NOT NULL REFERENCES instances (name)"
	"  ON DELETE CASCADE ON UPDATE CASCADE,"
	" name TEXT NOT NULL,"
	" created_at TEXT NOT NULL,"
	" expires_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
	" stateful INTEGER NOT NULL DEFAULT 0,"
	" architecture TEXT NOT NULL,"
	" ephemeral INTEGER NOT NULL DEFAULT 0,"
	" description TEXT NOT NULL DEFAULT '',"
	" config TEXT NOT NULL DEFAULT '{}',"
	" devices TEXT NOT NULL DEFAULT '{}',"
	" profiles TEXT NOT NULL DEFAULT '[]',"
	" expanded_config TEXT NOT NULL DEFAULT '{}',"
	" expanded_devices TEXT NOT NULL DEFAULT '{}',"
	" UNIQUE (instance, name));",
};

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
		if (fe_db_exec_locked("BEGIN IMMEDIATE;") < 0)
			return -EIO;
		if (fe_db_exec_locked(migrations[v]) < 0 || fe_db_exec_locked(pragma) < 0) {
			fe_db_exec_locked("ROLLBACK;");
			return -EIO;
		}
		if (fe_db_exec_locked("COMMIT;") < 0)
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
	if (fe_db_exec_locked("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
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

json_object *fe_db_json_column(sqlite3_stmt *st, int col, json_type want)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	json_object *o = s ? json_tokener_parse(s) : NULL;

	if (!o || !json_object_is_type(o, want)) {
		json_object_put(o);
		return want == json_type_array ? json_object_new_array() : json_object_new_object();
	}
	return o;
}

json_object *fe_db_object_column(sqlite3_stmt *st, int col)
{
	return fe_db_json_column(st, col, json_type_object);
}

int fe_db_run_locked(sqlite3 *conn, const char *sql, const char *const *texts)
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	for (int k = 0; texts[k]; k++)
		sqlite3_bind_text(st, k + 1, texts[k], -1, SQLITE_TRANSIENT);
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		r = sqlite3_changes(conn);
		break;
	case SQLITE_CONSTRAINT:
		r = -EEXIST;
		break;
	}
	sqlite3_finalize(st);
	return r;
}

int fe_db_collect(sqlite3_stmt *st, size_t size, int (*read)(sqlite3_stmt *st, void *ret),
		  void (*release)(void *elem), void **ret, size_t *ret_n)
{
	char *all = NULL, *grown;
	size_t n = 0, cap = 0;
	int r = 0;

	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(all, cap * size);
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			all = grown;
		}
		r = read(st, all + n * size);
		if (r == 0)
			n++;
	}
	if (r < 0) {
		for (size_t k = 0; k < n; k++)
			release(all + k * size);
		free(all);
		return r;
	}
	*ret = all;
	*ret_n = n;
	return 0;
}

json_object *fe_db_strings(const char *sql)
{
	json_object *a = json_object_new_array();
	sqlite3 *conn = fe_db_lock();
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			json_object_array_add(a, json_object_new_string(
							 (const char *)sqlite3_column_text(st, 0)));
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return a;
}
