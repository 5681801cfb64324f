// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/storage-pools in LXD 5.0.2's shapes: the list (recursion 0 and 1),
 * create, GET with its ETag, PUT and PATCH (through ops/object.c), delete
 * (refused while used) and .../resources. Runs in moatd-api
 * (unprivileged); paths and bodies are untrusted: names, drivers and keys
 * are checked by model/pools.c before anything reaches moatd or the
 * database. A pool's directory is moatd's (the storage op), made before
 * the row is kept and removed before the row goes; no path a client sends
 * reaches moatd.
 *
 * Status codes are LXD's: a bad name, driver, key or value and a pool in
 * use are 400 (LXD's BadRequest), a pool of that name 409 (its
 * ErrAlreadyDefined), a missing one 404 ("Storage pool not found").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/images.h"
#include "model/pools.h"
#include "ops/object.h"

static int not_found(struct fe_resp *resp)
{
	return fe_error(resp, 404, "Storage pool not found");
}

/* A model error: 400 for the client's (and moatd's refusal), 404, 409, else 500. */
static int model_error(int r, const char *err, struct fe_resp *resp)
{
	switch (r) {
	case -ENOENT:
		return not_found(resp);
	case -EEXIST:
		return fe_error(resp, 409, "%s", err[0] ? err : "The storage pool already exists");
	case -EIO:
	case -ENOMEM:
		return fe_error(resp, 500, "%s", err[0] ? err : strerror(-r));
	default:
		return fe_error(resp, 400, "%s", err[0] ? err : strerror(-r));
	}
}

static int pools_get(struct fe_req *req, struct fe_resp *resp)
{
	json_object *list;

	if (fe_pool_list(fe_recursion(req) > 0, &list) < 0)
		return fe_error(resp, 500, "Failed to read the storage pools");
	return fe_sync(resp, list);
}

/* ---- one pool through ops/object.c ------------------------------------------------------ */

static int pool_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	const char *name = fe_param(req, "name");
	int r = name_valid_str(name) ? fe_pool_load(name, obj) : -ENOENT;

	if (r == -ENOENT)
		not_found(resp);
	else if (r < 0)
		fe_error(resp, 500, "Failed loading storage pool");
	return r;
}

/* A create's name and driver, before its config is looked at (LXD's order). */
static int pool_validate(struct fe_req *req, const void *cur, json_object *body,
			 enum fe_object_write how, struct fe_resp *resp)
{
	json_object *name = NULL, *driver = NULL;
	char err[FE_ERR_MAX];

	(void)req;
	(void)cur;
	if (how != FE_OBJECT_CREATE)
		return 0;
	json_object_object_get_ex(body, "name", &name);
	json_object_object_get_ex(body, "driver", &driver);
	if (fe_check_pool_name(name ? json_object_get_string(name) : "", err) < 0 ||
	    fe_check_pool_driver(driver ? json_object_get_string(driver) : "", err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	return 0;
}

/* The pool as the body left it (a PATCH merged): its config whole, and the description. */
static int pool_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	struct lxd_storage_pool *p = obj;
	char err[FE_ERR_MAX];

	if (p->description && !img_description_valid(p->description)) {
		fe_error(resp, 400, "Invalid storage pool description");
		return -EINVAL;
	}
	if (fe_check_pool_config(p->name, p->driver, p->config, how == FE_OBJECT_CREATE, err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	return 0;
}

static int pool_store(void *obj, struct fe_resp *resp)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_pool_update(obj, err);

	if (r < 0)
		model_error(r, err, resp);
	return r;
}

static int pool_insert(void *obj, struct fe_resp *resp)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_pool_create(obj, err);

	if (r < 0)
		model_error(r, err, resp);
	return r;
}

static int pool_remove(void *obj, struct fe_resp *resp)
{
	const struct lxd_storage_pool *p = obj;
	char err[FE_ERR_MAX] = "";
	int r = fe_pool_delete(p->name, err);

	if (r < 0)
		model_error(r, err, resp);
	return r;
}

static const struct fe_object_ops pool_ops = {
	.type = &lxd_storage_pool_type,
	.size = sizeof(struct lxd_storage_pool),
	.load = pool_load,
	.validate = pool_validate,
	.check = pool_check,
	.store = pool_store,
	.insert = pool_insert,
	.remove = pool_remove,
};

static int pools_post(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_create(req, resp, &pool_ops);
}

static int pool_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &pool_ops);
}

static int pool_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &pool_ops);
}

static int pool_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &pool_ops);
}

static int pool_delete(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_delete(req, resp, &pool_ops);
}

static int pool_resources(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name");
	json_object *res;
	int r = name_valid_str(name) ? fe_pool_resources(name, &res) : -ENOENT;

	if (r == -ENOENT)
		return not_found(resp);
	if (r < 0)
		return fe_error(resp, 500, "Failed getting the storage pool's resources: %s",
				strerror(-r));
	return fe_sync(resp, res);
}

static const struct fe_route routes[] = {
	{ "/1.0/storage-pools", "GET", pools_get, 0, NULL },
	{ "/1.0/storage-pools", "POST", pools_post, 0, NULL },
	{ "/1.0/storage-pools/{name}", "GET", pool_get, 0, NULL },
	{ "/1.0/storage-pools/{name}", "PUT", pool_put, 0, NULL },
	{ "/1.0/storage-pools/{name}", "PATCH", pool_patch, 0, NULL },
	{ "/1.0/storage-pools/{name}", "DELETE", pool_delete, 0, NULL },
	{ "/1.0/storage-pools/{name}/resources", "GET", pool_resources, 0, NULL },
	{ 0 },
};

/*
 * LXD 5.0.2's names of what these endpoints implement: `storage` (the
 * pools) and `resources`, the stock client's gate for .../resources (moat
 * serves no /1.0/resources of the host, which `lxc info --resources`
 * gates on resources_v2, not claimed). The drivers are in GET /1.0's
 * environment.
 */
static const char *const extensions[] = {
	"storage",
	"resources",
	NULL,
};

const struct fe_api_module fe_module_storage_pools = { "storage pools", routes, extensions };
