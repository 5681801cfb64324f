// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/profiles in LXD's shapes (LXD-API.md §9): list (recursion 0 and
 * 1), create, GET with its ETag, PUT and PATCH (through ops/object.c),
 * rename and delete. Runs in moatd-api (unprivileged); paths and bodies
 * are untrusted: names, keys and devices are checked by model/profiles.c
 * and the config schema before anything is stored.
 *
 * Every answer is sync, as LXD's: a create and a rename are 201 with the
 * Location; a change reaches every instance that uses the profile before
 * it is stored, all or nothing (model/profiles.c). Profile writes are one
 * at a time, so two changes never interleave their members' updates.
 * Status codes where LXD 5.0 answers 500 for a client's mistake (a name
 * taken, a profile in use) are 409 and 400 here, with LXD's messages.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/images.h"
#include "model/profiles.h"
#include "ops/events.h"
#include "ops/object.h"

static int not_found(struct fe_resp *resp)
{
	return fe_error(resp, 404, "Profile not found");
}

static int profiles_get(struct fe_req *req, struct fe_resp *resp)
{
	json_object *list;

	if (fe_profile_list(fe_recursion(req) > 0, &list) < 0)
		return fe_error(resp, 500, "Failed to read the profiles");
	return fe_sync(resp, list);
}

/* ---- one profile through ops/object.c ------------------------------------------------ */

static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static int profile_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	int r = fe_profile_load(fe_param(req, "name"), obj);

	if (r == -ENOENT)
		not_found(resp);
	else if (r < 0)
		fe_error(resp, 500, "Failed to read the profile");
	return r;
}

/* The body's name (on create), config and devices, against LXD's rules and the schema. */
static int profile_validate(struct fe_req *req, const void *cur, json_object *body,
			    enum fe_object_write how, struct fe_resp *resp)
{
	json_object *name = NULL, *config = NULL, *devices = NULL;
	char err[FE_ERR_MAX];

	json_object_object_get_ex(body, "name", &name);
	json_object_object_get_ex(body, "config", &config);
	json_object_object_get_ex(body, "devices", &devices);
	if ((how == FE_OBJECT_CREATE &&
	     fe_check_profile_name(name ? json_object_get_string(name) : "", err) < 0) ||
	    fe_check_profile_config(config, err) < 0 || fe_check_devices(devices, err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	return 0;
}

static int profile_lock(const void *obj, struct fe_resp *resp)
{
	pthread_mutex_lock(&write_lock);
	return 0;
}

static void profile_unlock(const void *obj)
{
	pthread_mutex_unlock(&write_lock);
}

static int profile_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	struct lxd_profile *p = obj;

	if (p->description && !img_description_valid(p->description)) {
		fe_error(resp, 400, "Invalid profile description");
		return -EINVAL;
	}
	return 0;
}

static int profile_store(void *obj, struct fe_resp *resp)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_profile_update(obj, err);

	switch (r) {
	case 0:
		break;
	case -ENOENT:
		not_found(resp);
		break;
	case -EBUSY:
		fe_error(resp, 409, "%s", err);
		break;
	case -EINVAL:
	case -EPERM:
	case -ERANGE:
		fe_error(resp, 400, "%s", err);
		break;
	default:
		fe_error(resp, 500, "%s", err[0] ? err : "Failed to update the profile");
	}
	return r;
}

static int profile_insert(void *obj, struct fe_resp *resp)
{
	struct lxd_profile *p = obj;
	int r = fe_profile_insert(p);

	if (r == -EEXIST)
		fe_error(resp, 409,
			 "Error inserting \"%s\" into database: The profile already exists",
			 p->name);
	else if (r < 0)
		fe_error(resp, 500, "Failed to save the profile");
	return r;
}

static int profile_remove(void *obj, struct fe_resp *resp)
{
	struct lxd_profile *p = obj;
	int r;

	if (strcmp(p->name, FE_PROFILE_DEFAULT) == 0) {
		fe_error(resp, 403, "The \"default\" profile cannot be deleted");
		return -EPERM;
	}
	pthread_mutex_lock(&write_lock);
	r = fe_profile_delete(p->name);
	pthread_mutex_unlock(&write_lock);
	if (r == -EBUSY)
		fe_error(resp, 400, "Profile is currently in use");
	else if (r == -ENOENT)
		not_found(resp);
	else if (r < 0)
		fe_error(resp, 500, "Failed to delete the profile");
	return r;
}

static const struct fe_object_ops profile_ops = {
	.type = &lxd_profile_type,
	.size = sizeof(struct lxd_profile),
	.load = profile_load,
	.validate = profile_validate,
	.lock = profile_lock,
	.unlock = profile_unlock,
	.check = profile_check,
	.store = profile_store,
	.insert = profile_insert,
	.remove = profile_remove,
};

static int profiles_post(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_create(req, resp, &profile_ops);
}

static int profile_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &profile_ops);
}

static int profile_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &profile_ops);
}

static int profile_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &profile_ops);
}

static int profile_delete(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_delete(req, resp, &profile_ops);
}

/* POST /1.0/profiles/<name> {"name": "new"}: 201 with the new Location. */
static int profile_rename(struct fe_req *req, struct fe_resp *resp)
{
	__do_json json_object *body = NULL;
	const char *from = fe_param(req, "name"), *to = NULL;
	char err[FE_ERR_MAX];
	int r;

	if (strcmp(from, FE_PROFILE_DEFAULT) == 0)
		return fe_error(resp, 403, "The \"default\" profile cannot be renamed");
	if (fe_json_body(req, resp, &body) < 0 || fe_json_string(body, "name", "", resp, &to) < 0)
		return 0;
	if (fe_check_profile_name(to, err) < 0)
		return fe_error(resp, 400, "%s", err);
	pthread_mutex_lock(&write_lock);
	r = fe_profile_rename(from, to);
	pthread_mutex_unlock(&write_lock);
	if (r == -ENOENT)
		return not_found(resp);
	if (r == -EEXIST)
		return fe_error(resp, 409, "Name \"%s\" already in use", to);
	if (r < 0)
		return fe_error(resp, 500, "Failed to rename the profile");
	return fe_object_renamed(resp, &lxd_profile_type, "profile-renamed", from, to);
}

static const struct fe_route routes[] = {
	{ "/1.0/profiles", "GET", profiles_get, 0, NULL },
	{ "/1.0/profiles", "POST", profiles_post, 0, NULL },
	{ "/1.0/profiles/{name}", "GET", profile_get, 0, NULL },
	{ "/1.0/profiles/{name}", "POST", profile_rename, 0, NULL },
	{ "/1.0/profiles/{name}", "PUT", profile_put, 0, NULL },
	{ "/1.0/profiles/{name}", "PATCH", profile_patch, 0, NULL },
	{ "/1.0/profiles/{name}", "DELETE", profile_delete, 0, NULL },
	{ 0 },
};

/* Profiles are LXD's base API: no extension names them. */
const struct fe_api_module fe_module_profiles = { "profiles", routes, NULL };
