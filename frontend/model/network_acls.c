// SPDX-License-Identifier: Apache-2.0
/*
 * Network ACLs (network_acls.h): rows of the network_acls table, what
 * uses each (networks, profiles and instances through their nics'
 * security.acls), the typed set of a security.acls value, and a change
 * carried to the filters that use the ACL before it is stored. Runs in
 * moatd-api (unprivileged); names and rules are untrusted client input,
 * checked (acl_rules.c) before they are stored, and reach sqlite only as
 * bound parameters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "db/db.h"
#include "model/instances.h"
#include "model/network_acls.h"
#include "model/network_use.h"

static const char *js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* ---- what uses an ACL ----------------------------------------------------------------------- */

/* Does a device map hold a nic whose security.acls names it? */
static bool devices_use(json_object *devices, const char *name)
{
	json_object_object_foreach(devices, dev, d)
	{
		json_object *type = NULL, *acls = NULL;

		(void)dev;
		if (json_object_object_get_ex(d, "type", &type) &&
		    strcmp(json_object_get_string(type), "nic") == 0 &&
		    json_object_object_get_ex(d, "security.acls", &acls) &&
		    fe_acl_list_has(json_object_get_string(acls), name))
			return true;
	}
	return false;
}

/*
 * The URLs of what uses the ACL (the lock held): networks by their
 * security.acls (model/network_use.h), profiles and instances by their
 * nics (an instance's expanded devices). first: stop at the first.
 */
static json_object *users_locked(sqlite3 *db, const char *name, bool first)
{
	json_object *list = json_object_new_array();
	sqlite3_stmt *st = NULL;

	fe_networks_using_acl_locked(db, name, list);
	if (sqlite3_prepare_v2(db, "SELECT name, devices FROM profiles ORDER BY name;", -1, &st,
			       NULL) == SQLITE_OK) {
		while (!(first && json_object_array_length(list)) &&
		       sqlite3_step(st) == SQLITE_ROW) {
			json_object *d = fe_db_json_column(st, 1, json_type_object);

			if (devices_use(d, name)) {
				__do_free char *url = fe_path_join_escaped(
					"/1.0/profiles/", (const char *)sqlite3_column_text(st, 0));

				if (url)
					json_object_array_add(list, json_object_new_string(url));
			}
			json_object_put(d);
		}
		sqlite3_finalize(st);
	}
	st = NULL;
	/* an instance's expanded devices: its profiles' in order, then its own */
	if (sqlite3_prepare_v2(db,
			       "SELECT i.name, i.devices, (SELECT json_group_array(p.devices) FROM"
			       " json_each(i.profiles) AS e JOIN profiles AS p ON p.name = e.value)"
			       " FROM instances AS i ORDER BY i.name;",
			       -1, &st, NULL) == SQLITE_OK) {
		while (!(first && json_object_array_length(list)) &&
		       sqlite3_step(st) == SQLITE_ROW) {
			json_object *own = fe_db_json_column(st, 1, json_type_object);
			json_object *profs = fe_db_json_column(st, 2, json_type_array);
			json_object *x = json_object_new_object();

			for (size_t k = 0; x && k < json_object_array_length(profs); k++) {
				json_object *pd = json_tokener_parse(json_object_get_string(
					json_object_array_get_idx(profs, k)));

				json_object_object_foreach(pd, dn, dv)
					json_object_object_add(x, dn, json_object_get(dv));
				json_object_put(pd);
			}
			json_object_object_foreach(own, on, ov)
				json_object_object_add(x, on, json_object_get(ov));
			if (x && devices_use(x, name)) {
				char url[128];

				snprintf(url, sizeof(url), "/1.0/instances/%s",
					 sqlite3_column_text(st, 0));
				json_object_array_add(list, json_object_new_string(url));
			}
			json_object_put(x);
			json_object_put(own);
			json_object_put(profs);
		}
		sqlite3_finalize(st);
	}
	return list;
}

/* ---- rows --------------------------------------------------------------------------------------- */

#define ACL_COLUMNS "SELECT name, description, ingress, egress, config FROM network_acls"

static int read_row(sqlite3 *db, sqlite3_stmt *st, bool with_users, struct lxd_network_acl *ret)
{
	struct lxd_network_acl a = { 0 };

	a.name = strdup((const char *)sqlite3_column_text(st, 0));
	a.description = strdup((const char *)sqlite3_column_text(st, 1));
	a.ingress = fe_db_json_column(st, 2, json_type_array);
	a.egress = fe_db_json_column(st, 3, json_type_array);
	a.config = fe_db_json_column(st, 4, json_type_object);
	a.used_by = with_users ? users_locked(db, a.name ? a.name : "", false)
			       : json_object_new_array();
	if (!a.name || !a.description) {
		lxd_free(&lxd_network_acl_type, &a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

static int load_locked(sqlite3 *db, const char *name, bool with_users, struct lxd_network_acl *ret)
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, ACL_COLUMNS " WHERE name = ?;", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		r = sqlite3_step(st) == SQLITE_ROW ? read_row(db, st, with_users, ret) : -ENOENT;
		sqlite3_finalize(st);
	}
	return r;
}

int fe_acl_load(const char *name, struct lxd_network_acl *ret)
{
	sqlite3 *db = fe_db_lock();
	int r = load_locked(db, name, true, ret);

	fe_db_unlock();
	return r;
}

int fe_acl_list(bool full, json_object **ret)
{
	json_object *list = json_object_new_array();
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, ACL_COLUMNS " ORDER BY name;", -1, &st, NULL) == SQLITE_OK) {
		r = 0;
		while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
			struct lxd_network_acl a;

			if (!full) {
				__do_free char *url = fe_path_join_escaped(
					"/1.0/network-acls/",
					(const char *)sqlite3_column_text(st, 0));

				if (!url)
					r = -ENOMEM;
				else
					json_object_array_add(list, json_object_new_string(url));
				continue;
			}
			r = read_row(db, st, true, &a);
			if (r == 0) {
				json_object_array_add(
					list, lxd_render(&lxd_network_acl_type, &a, NULL, 0));
				lxd_free(&lxd_network_acl_type, &a);
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

int fe_acl_insert(const struct lxd_network_acl *a)
{
	const char *texts[] = { a->name,        a->description ? a->description : "",
				js(a->ingress), js(a->egress),
				js(a->config),  NULL };
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(
		db,
		"INSERT INTO network_acls (name, description, ingress, egress, config)"
		" VALUES (?, ?, ?, ?, ?);",
		texts);

	fe_db_unlock();
	return r < 0 ? r : 0;
}

static int store_row(const struct lxd_network_acl *a)
{
	const char *texts[] = { a->description ? a->description : "",
				js(a->ingress),
				js(a->egress),
				js(a->config),
				a->name,
				NULL };
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(
		db,
		"UPDATE network_acls SET description = ?1, ingress = ?2, egress = ?3,"
		" config = ?4 WHERE name = ?5;",
		texts);

	fe_db_unlock();
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* The row's change (sql: ?1 the name, ?2 the new one) once nothing uses it, in one lock. */
static int change_unused(const char *sql, const char *from, const char *to, const char *verb,
			 char err[static FE_ERR_MAX])
{
	const char *names[] = { from, to, NULL };
	sqlite3 *db = fe_db_lock();
	json_object *users = users_locked(db, from, true);
	int r;

	if (json_object_array_length(users) > 0) {
		snprintf(err, FE_ERR_MAX, "Cannot %s an ACL that is in use", verb);
		r = -EBUSY;
	} else {
		r = fe_db_run_locked(db, sql, names);
		if (r == -EEXIST)
			snprintf(err, FE_ERR_MAX, "An ACL by that name exists already");
		r = r == 0 ? -ENOENT : r < 0 ? r : 0;
	}
	json_object_put(users);
	fe_db_unlock();
	return r;
}

int fe_acl_rename(const char *from, const char *to, char err[static FE_ERR_MAX])
{
	return change_unused("UPDATE network_acls SET name = ?2 WHERE name = ?1;", from, to,
			     "rename", err);
}

int fe_acl_delete(const char *name, char err[static FE_ERR_MAX])
{
	return change_unused("DELETE FROM network_acls WHERE name = ?1;", name, NULL, "delete",
			     err);
}

/* ---- sets ---------------------------------------------------------------------------------------- */

int fe_check_acl_list(const char *value, char err[static FE_ERR_MAX])
{
	__do_free char *copy = NULL;
	char *save, *part;
	int r = fe_check_acl_list_syntax(value, err);

	if (r < 0 || !value)
		return r;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	save = copy;
	while ((part = strsep(&save, ","))) {
		char *name = part + strspn(part, " \t");
		size_t n = strcspn(name, " \t");
		struct lxd_network_acl a;

		name[n] = '\0';
		if (!*name)
			continue;
		if (fe_acl_load(name, &a) < 0) {
			snprintf(err, FE_ERR_MAX, "Network ACL \"%s\" does not exist", name);
			return -EINVAL;
		}
		lxd_free(&lxd_network_acl_type, &a);
		for (char *q = save; q && *q;) {
			char *other = q + strspn(q, " \t,");
			size_t m = strcspn(other, " \t,");

			if (m == n && strncmp(other, name, n) == 0) {
				snprintf(err, FE_ERR_MAX,
					 "Network ACL \"%s\" specified multiple times", name);
				return -EINVAL;
			}
			q = other + m;
		}
	}
	return 0;
}

/* Rules of one direction of one ACL into the set's list, in LXD's order of actions. */
static int add_rules(json_object *rules, struct ph_acl_rule *list, size_t *n,
		     char err[static FE_ERR_MAX])
{
	for (size_t k = 0; k < json_object_array_length(rules); k++) {
		json_object *rule = json_object_array_get_idx(rules, k), *state = NULL;
		struct ph_acl_rule t;

		if (json_object_object_get_ex(rule, "state", &state) &&
		    strcmp(json_object_get_string(state), "disabled") == 0)
			continue;
		if (fe_acl_rule_compile(rule, &t) < 0)
			continue; /* stored rules were checked; one that no longer passes is left out */
		if (*n >= PH_ACL_RULES_MAX) {
			snprintf(err, FE_ERR_MAX, "Too many ACL rules: at most %d in one direction",
				 PH_ACL_RULES_MAX);
			return -E2BIG;
		}
		list[(*n)++] = t;
	}
	return 0;
}

/* Drop rules first, then reject, then allow (LXD's order); stable within each. */
static void order_rules(struct ph_acl_rule *list, size_t n)
{
	static const enum ph_acl_action order[] = { PH_ACL_DROP, PH_ACL_REJECT, PH_ACL_ALLOW };
	struct ph_acl_rule *tmp = calloc(n ? n : 1, sizeof(*tmp));
	size_t m = 0;

	if (!tmp)
		return;
	for (size_t o = 0; o < 3; o++)
		for (size_t k = 0; k < n; k++)
			if (list[k].action == order[o])
				tmp[m++] = list[k];
	memcpy(list, tmp, m * sizeof(*tmp));
	free(tmp);
}

int fe_acl_set_build(const char *value, const char *def_in, const char *def_out,
		     struct ph_acl_set **ret, char err[static FE_ERR_MAX])
{
	__do_free struct ph_acl_set *set = calloc(1, sizeof(*set));
	__do_free char *copy = strdup(value ? value : "");
	char *save = copy, *part;
	int r = 0;

	if (!set || !copy)
		return -ENOMEM;
	if (fe_acl_action_parse(def_in, &set->default_ingress) < 0 ||
	    fe_acl_action_parse(def_out, &set->default_egress) < 0) {
		snprintf(err, FE_ERR_MAX, "Invalid default ACL action");
		return -EINVAL;
	}
	while (r == 0 && (part = strsep(&save, ","))) {
		char *name = part + strspn(part, " \t");
		struct lxd_network_acl a = { 0 };

		name[strcspn(name, " \t")] = '\0';
		if (!*name)
			continue;
		set->enabled = true;
		r = fe_acl_load(name, &a);
		if (r == -ENOENT)
			snprintf(err, FE_ERR_MAX, "Network ACL \"%s\" does not exist", name);
		if (r == 0)
			r = add_rules(a.ingress, set->ingress, &set->n_ingress, err);
		if (r == 0)
			r = add_rules(a.egress, set->egress, &set->n_egress, err);
		lxd_free(&lxd_network_acl_type, &a);
	}
	if (r < 0)
		return r;
	order_rules(set->ingress, set->n_ingress);
	order_rules(set->egress, set->n_egress);
	*ret = TAKE_PTR(set);
	return 0;
}

/* ---- a change carried to its users --------------------------------------------------------- */

int fe_acl_update(const struct lxd_network_acl *a, char err[static FE_ERR_MAX])
{
	struct lxd_network_acl old = { 0 };
	int r = fe_acl_load(a->name, &old);

	if (r < 0)
		return r;
	/*
	 * Stored first, since a network's and a nic's sets are built from the
	 * rows; then every user gets its new filter from moatd. One refusal
	 * puts the old row back and the old filters on the users done (moatd
	 * kept the old rules of the one it refused).
	 */
	r = store_row(a);
	if (r == 0 && (r = fe_acl_users_apply(a->name, err)) < 0) {
		char ignored[FE_ERR_MAX];

		if (store_row(&old) == 0)
			fe_acl_users_apply(a->name, ignored);
	}
	lxd_free(&lxd_network_acl_type, &old);
	return r;
}
