// SPDX-License-Identifier: Apache-2.0
/*
 * Instance snapshots in moatd-api (unprivileged): rows of the
 * instance_snapshots table (db.c's migration 6), each what its instance
 * was when it was taken, their LXD names and JSON shape. Values from
 * requests reach sqlite only as bound parameters; the names were checked
 * by the handlers (fe_check_snapshot_name()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "db/db.h"
#include "model/snapshots.h"

void fe_snapshot_free(struct fe_snapshot *s)
{
	json_object_put(s->config);
	json_object_put(s->devices);
	json_object_put(s->expanded_config);
	json_object_put(s->expanded_devices);
	json_object_put(s->profiles);
	free(s->description);
	memset(s, 0, sizeof(*s));
}

void fe_snapshots_free(struct fe_snapshot *all, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fe_snapshot_free(&all[k]);
	free(all);
}

static void text_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", s ? s : "");
}

/* Every column but the id, in read_row()'s order. */
#define ROW_COLUMNS                                                                                \
	"instance, name, created_at, expires_at, stateful, architecture, ephemeral, description,"  \
	" config, devices, profiles, expanded_config, expanded_devices"
#define SNAPSHOT_COLUMNS "SELECT " ROW_COLUMNS " FROM instance_snapshots WHERE instance = ?"

static int read_row(sqlite3_stmt *st, struct fe_snapshot *ret)
{
	struct fe_snapshot s = { 0 };
	const char *desc = (const char *)sqlite3_column_text(st, 7);

	text_col(st, 0, s.instance, sizeof(s.instance));
	text_col(st, 1, s.name, sizeof(s.name));
	text_col(st, 2, s.created_at, sizeof(s.created_at));
	text_col(st, 3, s.expires_at, sizeof(s.expires_at));
	s.stateful = sqlite3_column_int(st, 4) != 0;
	text_col(st, 5, s.architecture, sizeof(s.architecture));
	s.ephemeral = sqlite3_column_int(st, 6) != 0;
	s.description = strdup(desc ? desc : "");
	s.config = fe_db_json_column(st, 8, json_type_object);
	s.devices = fe_db_json_column(st, 9, json_type_object);
	s.profiles = fe_db_json_column(st, 10, json_type_array);
	s.expanded_config = fe_db_json_column(st, 11, json_type_object);
	s.expanded_devices = fe_db_json_column(st, 12, json_type_object);
	if (!s.description) {
		fe_snapshot_free(&s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

int fe_snapshot_load(const char *instance, const char *name, struct fe_snapshot *ret)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -ENOENT;

	if (sqlite3_prepare_v2(db, SNAPSHOT_COLUMNS " AND name = ?;", -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = read_row(st, ret);
	sqlite3_finalize(st);
	fe_db_unlock();
	return r;
}

static int read_any(sqlite3_stmt *st, void *ret)
{
	return read_row(st, ret);
}

static void free_any(void *s)
{
	fe_snapshot_free(s);
}

int fe_snapshot_load_all(const char *instance, struct fe_snapshot **ret, size_t *ret_n)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	void *all = NULL;
	int r;

	if (sqlite3_prepare_v2(db, SNAPSHOT_COLUMNS " ORDER BY id;", -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	r = fe_db_collect(st, sizeof(struct fe_snapshot), read_any, free_any, &all, ret_n);
	sqlite3_finalize(st);
	fe_db_unlock();
	if (r == 0)
		*ret = all;
	return r;
}

int fe_snapshot_names(const char *instance, char ***ret, size_t *ret_n)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	char **v = calloc(1, sizeof(*v)), **grown;
	size_t n = 0;
	int r = 0;

	if (!v || sqlite3_prepare_v2(db,
				     "SELECT name FROM instance_snapshots WHERE instance = ?"
				     " ORDER BY id;",
				     -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		free(v);
		return v ? -EIO : -ENOMEM;
	}
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		grown = realloc(v, (n + 2) * sizeof(*v));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		v = grown;
		v[n] = strdup((const char *)sqlite3_column_text(st, 0));
		if (!v[n])
			r = -ENOMEM;
		else
			v[++n] = NULL;
	}
	sqlite3_finalize(st);
	fe_db_unlock();
	if (r < 0) {
		strv_free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int fe_snapshot_copy_rows(const char *from, const char *to)
{
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(
		db,
		"INSERT INTO instance_snapshots (" ROW_COLUMNS ")"
		" SELECT ?, name, created_at, expires_at, stateful, architecture, ephemeral,"
		" description, config, devices, profiles, expanded_config, expanded_devices"
		" FROM instance_snapshots WHERE instance = ? ORDER BY id;",
		(const char *const[]){ to, from, NULL });

	fe_db_unlock();
	return r < 0 ? r : 0;
}

int fe_instance_rename_rows(const char *from, const char *to)
{
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(db, "UPDATE instances SET name = ? WHERE name = ?;",
				 (const char *const[]){ to, from, NULL });

	fe_db_unlock();
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

static json_object *copy_of(json_object *o)
{
	json_object *c = NULL;

	return o && json_object_deep_copy(o, &c, NULL) == 0 ? c : NULL;
}

int fe_snapshot_of(const struct fe_instance *i, const char *name, const char *expires_at,
		   const struct timespec *now, struct fe_snapshot *ret)
{
	struct fe_snapshot s = { 0 };

	snprintf(s.instance, sizeof(s.instance), "%s", i->name);
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.architecture, sizeof(s.architecture), "%s", i->architecture);
	snprintf(s.expires_at, sizeof(s.expires_at), "%s", expires_at);
	fe_time_format(now, s.created_at);
	s.ephemeral = i->ephemeral;
	s.description = strdup(i->description ? i->description : "");
	s.config = copy_of(i->config);
	s.devices = copy_of(i->devices);
	s.profiles = copy_of(i->profiles);
	if (fe_instance_expand(i, &s.expanded_config, &s.expanded_devices) < 0 || !s.description ||
	    !s.config || !s.devices || !s.profiles) {
		fe_snapshot_free(&s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

static const char *js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}

int fe_snapshot_insert(const struct fe_snapshot *s)
{
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(
		db,
		"INSERT INTO instance_snapshots (" ROW_COLUMNS ")"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);",
		(const char *const[]){ s->instance, s->name, s->created_at, s->expires_at,
				       s->stateful ? "1" : "0", s->architecture,
				       s->ephemeral ? "1" : "0", s->description, js(s->config),
				       js(s->devices), js(s->profiles), js(s->expanded_config),
				       js(s->expanded_devices), NULL });

	fe_db_unlock();
	return r < 0 ? r : 0;
}

int fe_snapshot_delete_row(const char *instance, const char *name)
{
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(db,
				 "DELETE FROM instance_snapshots WHERE instance = ? AND name = ?;",
				 (const char *const[]){ instance, name, NULL });

	fe_db_unlock();
	return r < 0 ? r : 0;
}

int fe_snapshot_rename_row(const char *instance, const char *from, const char *to)
{
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(
		db, "UPDATE instance_snapshots SET name = ? WHERE instance = ? AND name = ?;",
		(const char *const[]){ to, instance, from, NULL });

	fe_db_unlock();
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int fe_snapshot_save(const struct fe_snapshot *s)
{
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(
		db, "UPDATE instance_snapshots SET expires_at = ? WHERE instance = ? AND name = ?;",
		(const char *const[]){ s->expires_at, s->instance, s->name, NULL });

	fe_db_unlock();
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

json_object *fe_snapshot_json(const struct fe_snapshot *s)
{
	return lxd_render(&lxd_snapshot_type, s, NULL, 0);
}

json_object *fe_snapshots_json(const char *instance)
{
	struct fe_snapshot *all = NULL;
	json_object *out;
	size_t n = 0;

	if (fe_snapshot_load_all(instance, &all, &n) < 0 || n == 0)
		return NULL;
	out = json_object_new_array();
	for (size_t k = 0; out && k < n; k++)
		json_object_array_add(out, fe_snapshot_json(&all[k]));
	fe_snapshots_free(all, n);
	return out;
}

int fe_check_snapshot_name(const char *name, char err[static FE_ERR_MAX])
{
	if (strchr(name, '/')) {
		snprintf(err, FE_ERR_MAX, "Snapshot names may not contain slashes");
		return -EINVAL;
	}
	if (!name_device_valid(name)) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid snapshot name \"%.80s\": names are 1 to 63 letters, digits, "
			 "'.', '_' and '-', starting with a letter or digit",
			 name);
		return -EINVAL;
	}
	return 0;
}

/* LXD's GetNextInstanceSnapshotIndex: one past the highest N of the names that read
 * as prefix, N, suffix (as Go's Sscanf: anything may follow). */
static long next_index(char **names, size_t n, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	long next = 0;

	for (size_t k = 0; k < n; k++) {
		const char *d = names[k] + pl;
		char *end;
		long v;

		if (strncmp(names[k], prefix, pl) != 0 || *d < '0' || *d > '9')
			continue;
		v = strtol(d, &end, 10);
		if (strncmp(end, suffix, sl) == 0 && v >= next && v < 1000000000)
			next = v + 1;
	}
	return next;
}

int fe_snapshot_next_name(const char *instance, const char *pattern,
			  char ret[static NAME_MAX_LEN + 1])
{
	__do_strv char **names = NULL;
	__do_free char *with = NULL;
	const char *pct = strstr(pattern, "%d");
	size_t n = 0;
	int len;

	if (pct && strstr(pct + 2, "%d"))
		return -EINVAL; /* LXD: "Snapshot pattern may contain '%d' only once" */
	if (fe_snapshot_names(instance, &names, &n) < 0)
		n = 0;
	if (!pct) {
		bool taken = false;

		for (size_t k = 0; k < n; k++)
			taken = taken || strcmp(names[k], pattern) == 0;
		if (!taken) {
			len = snprintf(ret, NAME_MAX_LEN + 1, "%s", pattern);
			return len > NAME_MAX_LEN ? -ENAMETOOLONG : 0;
		}
		/* "<pattern>-%d" */
		if (asprintf(&with, "%s-", pattern) < 0)
			return -ENOMEM;
		len = snprintf(ret, NAME_MAX_LEN + 1, "%s%ld", with,
			       next_index(names, n, with, ""));
		return len > NAME_MAX_LEN ? -ENAMETOOLONG : 0;
	}
	with = strndup(pattern, (size_t)(pct - pattern));
	if (!with)
		return -ENOMEM;
	len = snprintf(ret, NAME_MAX_LEN + 1, "%s%ld%s", with, next_index(names, n, with, pct + 2),
		       pct + 2);
	return len > NAME_MAX_LEN || len < 0 ? -ENAMETOOLONG : 0;
}
