// SPDX-License-Identifier: Apache-2.0
/*
 * Profiles (profiles.h): rows of the profiles table, the instances that
 * name them, and a profile change carried to its members. Runs in
 * moatd-api (unprivileged, uid moat, seccomp). Names, keys and devices
 * are untrusted client input, checked before they are stored, and reach
 * sqlite only as bound parameters.
 *
 * An instance names its profiles in a JSON list (instances.profiles), as
 * images do (images.profiles); a rename rewrites those lists in the same
 * transaction, so no list ever names a profile that is not there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "db/db.h"
#include "log.h"
#include "model/images.h"
#include "model/instances.h"
#include "model/live.h"
#include "model/pools.h"
#include "model/profiles.h"

int fe_check_profile_name(const char *name, char err[static FE_ERR_MAX])
{
	if (!*name)
		snprintf(err, FE_ERR_MAX, "No name provided");
	else if (strchr(name, '/'))
		snprintf(err, FE_ERR_MAX, "Profile names may not contain slashes");
	else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		 !img_text_valid(name, FE_PROFILE_NAME_MAX))
		snprintf(err, FE_ERR_MAX, "Invalid profile name \"%.64s\"", name);
	else
		return 0;
	return -EINVAL;
}

int fe_check_profile_config(json_object *config, char err[static FE_ERR_MAX])
{
	int r = fe_check_config(config, err);

	if (r < 0 || !config)
		return r;
	json_object_object_foreach(config, k, v)
	{
		(void)v;
		if (fe_config_from_profile(k))
			continue;
		/* LXD's words (instance.ValidConfig) */
		snprintf(err, FE_ERR_MAX, "%s keys can only be set on instances",
			 strncmp(k, "image.", 6) == 0 ? "Image" : "Volatile");
		return -EINVAL;
	}
	return 0;
}

/* ---- rows ------------------------------------------------------------------------------ */

/*
 * The instances whose list names the profile, by name (the lock held):
 * their URLs, or (urls false) their names.
 */
static json_object *users_locked(sqlite3 *db, const char *name, bool urls)
{
	json_object *list = json_object_new_array();
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT name FROM instances WHERE EXISTS (SELECT 1 FROM"
			       " json_each(instances.profiles) WHERE value = ?1) ORDER BY name;",
			       -1, &st, NULL) != SQLITE_OK)
		return list;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char url[128];

		snprintf(url, sizeof(url), "%s%s", urls ? "/1.0/instances/" : "",
			 sqlite3_column_text(st, 0));
		json_object_array_add(list, json_object_new_string(url));
	}
	sqlite3_finalize(st);
	return list;
}

static int read_row(sqlite3 *db, sqlite3_stmt *st, struct lxd_profile *ret)
{
	struct lxd_profile p = { 0 };

	p.name = strdup((const char *)sqlite3_column_text(st, 0));
	p.description = strdup((const char *)sqlite3_column_text(st, 1));
	p.config = fe_db_object_column(st, 2);
	p.devices = fe_db_object_column(st, 3);
	p.used_by = users_locked(db, p.name ? p.name : "", true);
	if (!p.name || !p.description) {
		lxd_free(&lxd_profile_type, &p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

#define PROFILE_COLUMNS "SELECT name, description, config, devices FROM profiles"

int fe_profile_load(const char *name, struct lxd_profile *ret)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, PROFILE_COLUMNS " WHERE name = ?;", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		r = sqlite3_step(st) == SQLITE_ROW ? read_row(db, st, ret) : -ENOENT;
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

int fe_profile_list(bool full, json_object **ret)
{
	json_object *list = json_object_new_array();
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, PROFILE_COLUMNS " ORDER BY name;", -1, &st, NULL) == SQLITE_OK) {
		r = 0;
		while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
			struct lxd_profile p;

			if (!full) {
				/* the name as a path segment, as lxc splits it back */
				__do_free char *url = fe_path_join_escaped(
					"/1.0/profiles/", (const char *)sqlite3_column_text(st, 0));

				if (!url)
					r = -ENOMEM;
				else
					json_object_array_add(list, json_object_new_string(url));
				continue;
			}
			r = read_row(db, st, &p);
			if (r == 0) {
				json_object_array_add(list,
						      lxd_render(&lxd_profile_type, &p, NULL, 0));
				lxd_free(&lxd_profile_type, &p);
			}
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	if (r < 0)
		json_object_put(list);
	else
		*ret = list;
	return r;
}

static const char *js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

int fe_profile_insert(const struct lxd_profile *p)
{
	const char *texts[] = { p->name, p->description ? p->description : "", js(p->config),
				js(p->devices), NULL };
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(db,
				 "INSERT INTO profiles (name, description, config, devices)"
				 " VALUES (?, ?, ?, ?);",
				 texts);

	fe_db_unlock();
	return r < 0 ? r : 0;
}

static int store_row(const struct lxd_profile *p)
{
	const char *texts[] = { js(p->config), p->description ? p->description : "", js(p->devices),
				p->name, NULL };
	sqlite3 *db = fe_db_lock();
	int r;

	r = fe_db_run_locked(db,
			     "UPDATE profiles SET config = ?1, description = ?2, devices = ?3"
			     " WHERE name = ?4;",
			     texts);
	fe_db_unlock();
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* The list of each row of table that names `from`, with `to` in its place (NULL: left out). */
static const char *const rewrite_sql[] = {
	"UPDATE instances SET profiles = (SELECT json_group_array(v) FROM (SELECT CASE WHEN"
	" value = ?1 THEN ?2 ELSE value END AS v FROM json_each(instances.profiles) ORDER BY"
	" key) WHERE v IS NOT NULL) WHERE EXISTS (SELECT 1 FROM json_each(instances.profiles)"
	" WHERE value = ?1);",
	"UPDATE images SET profiles = (SELECT json_group_array(v) FROM (SELECT CASE WHEN"
	" value = ?1 THEN ?2 ELSE value END AS v FROM json_each(images.profiles) ORDER BY"
	" key) WHERE v IS NOT NULL) WHERE EXISTS (SELECT 1 FROM json_each(images.profiles)"
	" WHERE value = ?1);",
};

/*
 * In one transaction: the profile row's change (sql, with ?1 the name and
 * ?2 the new one or NULL), then the lists that name it. A delete first
 * finds no instance naming it, under the same lock.
 */
static int change_row(const char *sql, const char *from, const char *to)
{
	const char *names[] = { from, to, NULL };
	sqlite3 *db = fe_db_lock();
	int r = fe_db_exec_locked("BEGIN IMMEDIATE;");

	if (r == 0 && !to) {
		json_object *users = users_locked(db, from, false);

		if (json_object_array_length(users) > 0)
			r = -EBUSY;
		json_object_put(users);
	}
	if (r == 0) {
		r = fe_db_run_locked(db, sql, names);
		r = r == 0 ? -ENOENT : r < 0 ? r : 0;
	}
	/* sqlite binds NULL to a ?2 left unbound: the name leaves the list */
	for (size_t k = 0; r == 0 && k < sizeof(rewrite_sql) / sizeof(rewrite_sql[0]); k++)
		r = fe_db_run_locked(db, rewrite_sql[k], names) < 0 ? -EIO : 0;
	if (r == 0)
		r = fe_db_exec_locked("COMMIT;") == 0 ? 0 : -EIO;
	if (r < 0)
		fe_db_exec_locked("ROLLBACK;");
	fe_db_unlock();
	return r;
}

/* A name taken fails the UPDATE on the primary key: -EEXIST. */
int fe_profile_rename(const char *from, const char *to)
{
	return change_row("UPDATE profiles SET name = ?2 WHERE name = ?1;", from, to);
}

int fe_profile_delete(const char *name)
{
	return change_row("DELETE FROM profiles WHERE name = ?1;", name, NULL);
}

/* ---- a change carried to the members ------------------------------------------------- */

/* One instance that uses the profile: its expanded maps before and after. */
struct member {
	struct fe_instance i;
	json_object *oxc, *oxd, *nxc, *nxd;
	bool held, running, applied;
};

static void members_free(struct member *m, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (m[k].held)
			fe_instance_idle(m[k].i.name);
		fe_instance_free(&m[k].i);
		json_object_put(m[k].oxc);
		json_object_put(m[k].oxd);
		json_object_put(m[k].nxc);
		json_object_put(m[k].nxd);
	}
	free(m);
}

static bool has_root_disk(json_object *xd)
{
	json_object_object_foreach(xd, name, dev)
	{
		(void)name;
		if (fe_device_is_root(dev))
			return true;
	}
	return false;
}

/* Every profile as now (cur) and with p's new config and devices in its place (next). */
static int profile_sets(const struct lxd_profile *p, json_object **ret_cur, json_object **ret_next)
{
	json_object *cur = fe_profiles_load(NULL), *next = NULL, *mine = json_object_new_object();

	if (!cur || !mine || json_object_deep_copy(cur, &next, NULL) < 0) {
		json_object_put(cur);
		json_object_put(mine);
		return -ENOMEM;
	}
	json_object_object_add(mine, "config", json_object_get(p->config));
	json_object_object_add(mine, "devices", json_object_get(p->devices));
	json_object_object_add(next, p->name, mine);
	*ret_cur = cur;
	*ret_next = next;
	return 0;
}

/* Hold each member, expand it both ways and check the result; fills m. */
static int members_prepare(json_object *names, json_object *cur, json_object *next,
			   struct member *m, char err[static FE_ERR_MAX])
{
	for (size_t k = 0; k < json_object_array_length(names); k++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, k));
		struct fe_instance_state st;
		char why[FE_ERR_MAX];

		if (fe_instance_load(name, &m[k].i) < 0)
			continue; /* deleted meanwhile: nothing to apply */
		if (fe_instance_busy(name, "update") < 0) {
			snprintf(err, FE_ERR_MAX,
				 "Instance \"%s\" is busy running another operation", name);
			return -EBUSY;
		}
		m[k].held = true;
		fe_instance_expand_with(&m[k].i, cur, &m[k].oxc, &m[k].oxd);
		fe_instance_expand_with(&m[k].i, next, &m[k].nxc, &m[k].nxd);
		if (!has_root_disk(m[k].nxd)) {
			snprintf(err, FE_ERR_MAX,
				 "Failed to update instance \"%s\": No root device could be found",
				 name);
			return -EINVAL;
		}
		if (fe_pool_change_check(&m[k].i, m[k].nxd, why) < 0) {
			snprintf(err, FE_ERR_MAX, "Failed to update instance \"%s\": %.400s", name,
				 why);
			return -EINVAL;
		}
		m[k].running = fe_instance_status(name, &st) == 0 &&
			       (st.status_code == 103 || st.status_code == 110);
	}
	return 0;
}

/* What changes live, to each running member; on a failure the ones done are undone. */
static int members_apply(struct member *m, size_t n, char err[static FE_ERR_MAX])
{
	for (size_t k = 0; k < n; k++) {
		struct ph_error e = { "" };
		int r;

		if (!m[k].running)
			continue;
		r = fe_live_apply(m[k].i.name, m[k].oxc, m[k].oxd, m[k].nxc, m[k].nxd, &e);
		if (r < 0) {
			snprintf(err, FE_ERR_MAX, "Failed to update instance \"%s\": %s",
				 m[k].i.name, e.msg[0] ? e.msg : strerror(-r));
			return r;
		}
		m[k].applied = true;
	}
	return 0;
}

static void members_undo(struct member *m, size_t n)
{
	for (size_t k = n; k-- > 0;)
		if (m[k].applied &&
		    fe_live_apply(m[k].i.name, m[k].nxc, m[k].nxd, m[k].oxc, m[k].oxd, NULL) < 0)
			log_error("profile change: instance \"%s\" could not be set back",
				  m[k].i.name);
}

/* A nic the change hot-plugged into a member keeps its hwaddr and host end; its network
 * learns it. */
static void members_keep_nics(struct member *m, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!m[k].applied)
			continue;
		fe_nics_keep_volatile(m[k].i.config, m[k].nxc);
		if (fe_instance_save(&m[k].i) < 0)
			log_error(
				"profile change: instance \"%s\": its nics' volatile keys not stored",
				m[k].i.name);
		fe_nics_sync_changed(m[k].oxd, m[k].nxd);
	}
}

int fe_profile_update(const struct lxd_profile *p, char err[static FE_ERR_MAX])
{
	json_object *cur = NULL, *next = NULL, *names;
	struct member *m;
	size_t n;
	int r;

	sqlite3 *db = fe_db_lock();

	names = users_locked(db, p->name, false);
	fe_db_unlock();
	n = json_object_array_length(names);
	m = calloc(n + 1, sizeof(*m));
	r = m ? profile_sets(p, &cur, &next) : -ENOMEM;
	if (r == 0)
		r = members_prepare(names, cur, next, m, err);
	if (r == 0)
		r = members_apply(m, n, err);
	if (r == 0) {
		r = store_row(p);
		if (r < 0) {
			snprintf(err, FE_ERR_MAX,
				 r == -ENOENT ? "Profile not found" : "Failed to save the profile");
			members_undo(m, n);
		} else {
			members_keep_nics(m, n);
		}
	} else if (r != -ENOMEM) {
		members_undo(m, n);
	}
	if (r == -ENOMEM)
		snprintf(err, FE_ERR_MAX, "Out of memory");
	if (m)
		members_free(m, n);
	json_object_put(names);
	json_object_put(cur);
	json_object_put(next);
	return r;
}
