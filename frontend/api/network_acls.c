// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/network-acls in LXD 5.0's shapes: list (recursion 0 and 1),
 * create, GET with its ETag, PUT and PATCH (through ops/object.c), rename
 * and delete (both refused while the ACL is used), and .../log (501: a
 * logged rule's matches go to the host's kernel log, which moatd-api
 * cannot read; the network_acl_log extension is not claimed). Runs in
 * moatd-api (unprivileged); paths and bodies are untrusted: names, rules
 * and config are checked by model/acl_rules.c before anything is stored.
 * Where LXD 5.0 answers 500 for a client's mistake (a bad rule, an ACL in
 * use) the status is 400 here, with LXD's message.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/images.h"
#include "model/network_acls.h"
#include "ops/events.h"
#include "ops/object.h"

static int not_found(struct fe_resp *resp)
{
	return fe_error(resp, 404, "Network ACL not found");
}

static int acls_get(struct fe_req *req, struct fe_resp *resp)
{
	json_object *list;

	if (fe_acl_list(fe_recursion(req) > 0, &list) < 0)
		return fe_error(resp, 500, "Failed to read the network ACLs");
	return fe_sync(resp, list);
}

/* ---- one ACL through ops/object.c --------------------------------------------------------------- */

/* ACL writes one at a time: a change and the filters it gives its users never interleave. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static int acl_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	int r = fe_acl_load(fe_param(req, "name"), obj);

	if (r == -ENOENT)
		not_found(resp);
	else if (r < 0)
		fe_error(resp, 500, "Failed to read the network ACL");
	return r;
}

/* The body's name (on create), config and rules; the rules replaced by their normal form. */
static int acl_validate(struct fe_req *req, const void *cur, json_object *body,
			enum fe_object_write how, struct fe_resp *resp)
{
	static const char *const dirs[] = { "ingress", "egress" };
	json_object *name = NULL, *config = NULL;
	char err[FE_ERR_MAX];

	json_object_object_get_ex(body, "name", &name);
	json_object_object_get_ex(body, "config", &config);
	if ((how == FE_OBJECT_CREATE &&
	     fe_check_acl_name(name ? json_object_get_string(name) : "", err) < 0) ||
	    fe_check_acl_config(config, err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	for (size_t d = 0; d < 2; d++) {
		json_object *rules = NULL, *norm = NULL;
		int r;

		if (!json_object_object_get_ex(body, dirs[d], &rules) || !rules)
			continue;
		r = fe_acl_rules_normalise(rules, dirs[d], &norm, err);
		if (r < 0) {
			fe_error(resp, r == -ENOMEM ? 500 : 400, "%s",
				 r == -ENOMEM ? "Out of memory" : err);
			return r;
		}
		json_object_object_add(body, dirs[d], norm);
	}
	return 0;
}

static int acl_lock(const void *obj, struct fe_resp *resp)
{
	pthread_mutex_lock(&write_lock);
	return 0;
}

static void acl_unlock(const void *obj)
{
	pthread_mutex_unlock(&write_lock);
}

static int acl_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	struct lxd_network_acl *a = obj;

	if (a->description && !img_description_valid(a->description)) {
		fe_error(resp, 400, "Invalid network ACL description");
		return -EINVAL;
	}
	return 0;
}

static int acl_store(void *obj, struct fe_resp *resp)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_acl_update(obj, err);

	if (r == -ENOENT)
		not_found(resp);
	else if (r == -EINVAL || r == -E2BIG || r == -EPERM)
		fe_error(resp, 400, "%s", err);
	else if (r < 0)
		fe_error(resp, 500, "%s", err[0] ? err : "Failed to update the network ACL");
	return r;
}

static int acl_insert(void *obj, struct fe_resp *resp)
{
	int r = fe_acl_insert(obj);

	if (r == -EEXIST)
		fe_error(resp, 409, "An ACL by that name exists already");
	else if (r < 0)
		fe_error(resp, 500, "Failed to save the network ACL");
	return r;
}

static int acl_remove(void *obj, struct fe_resp *resp)
{
	struct lxd_network_acl *a = obj;
	char err[FE_ERR_MAX] = "";
	int r;

	pthread_mutex_lock(&write_lock);
	r = fe_acl_delete(a->name, err);
	pthread_mutex_unlock(&write_lock);
	if (r == -EBUSY)
		fe_error(resp, 400, "%s", err);
	else if (r == -ENOENT)
		not_found(resp);
	else if (r < 0)
		fe_error(resp, 500, "Failed to delete the network ACL");
	return r;
}

static const struct fe_object_ops acl_ops = {
	.type = &lxd_network_acl_type,
	.size = sizeof(struct lxd_network_acl),
	.load = acl_load,
	.validate = acl_validate,
	.lock = acl_lock,
	.unlock = acl_unlock,
	.check = acl_check,
	.store = acl_store,
	.insert = acl_insert,
	.remove = acl_remove,
};

static int acls_post(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_create(req, resp, &acl_ops);
}

static int acl_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &acl_ops);
}

static int acl_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &acl_ops);
}

static int acl_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &acl_ops);
}

static int acl_delete(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_delete(req, resp, &acl_ops);
}

/* POST /1.0/network-acls/<name> {"name": "new"}: 201 with the new Location. */
static int acl_rename(struct fe_req *req, struct fe_resp *resp)
{
	__do_json json_object *body = NULL;
	const char *from = fe_param(req, "name"), *to = NULL;
	char err[FE_ERR_MAX] = "";
	int r;

	if (fe_json_body(req, resp, &body) < 0 || fe_json_string(body, "name", "", resp, &to) < 0)
		return 0;
	if (fe_check_acl_name(to, err) < 0)
		return fe_error(resp, 400, "%s", err);
	pthread_mutex_lock(&write_lock);
	r = fe_acl_rename(from, to, err);
	pthread_mutex_unlock(&write_lock);
	if (r == -ENOENT)
		return not_found(resp);
	if (r == -EEXIST)
		return fe_error(resp, 409, "%s", err);
	if (r == -EBUSY)
		return fe_error(resp, 400, "%s", err);
	if (r < 0)
		return fe_error(resp, 500, "Failed to rename the network ACL");
	return fe_object_renamed(resp, &lxd_network_acl_type, "network-acl-renamed", from, to);
}

static int acl_log(struct fe_req *req, struct fe_resp *resp)
{
	struct lxd_network_acl a;

	if (fe_acl_load(fe_param(req, "name"), &a) < 0)
		return not_found(resp);
	lxd_free(&lxd_network_acl_type, &a);
	return fe_error(resp, 501,
			"Network ACL logs are not available: logged rules go to the host's "
			"kernel log");
}

static const struct fe_route routes[] = {
	{ "/1.0/network-acls", "GET", acls_get, 0, NULL },
	{ "/1.0/network-acls", "POST", acls_post, 0, NULL },
	{ "/1.0/network-acls/{name}", "GET", acl_get, 0, NULL },
	{ "/1.0/network-acls/{name}", "POST", acl_rename, 0, NULL },
	{ "/1.0/network-acls/{name}", "PUT", acl_put, 0, NULL },
	{ "/1.0/network-acls/{name}", "PATCH", acl_patch, 0, NULL },
	{ "/1.0/network-acls/{name}", "DELETE", acl_delete, 0, NULL },
	{ "/1.0/network-acls/{name}/log", "GET", acl_log, 0, NULL },
	{ 0 },
};

static const char *const extensions[] = { "network_acl", NULL };

const struct fe_api_module fe_module_network_acls = { "network-acls", routes, extensions };
