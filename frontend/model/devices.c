// SPDX-License-Identifier: Apache-2.0
/*
 * Device types (config.h): the table of the types moatd-api knows, each
 * with the rows of its keys, and the check of a device against its type.
 * Runs in moatd-api (unprivileged); devices are untrusted client input.
 * Pure, but for fe_check_devices(), which reads fe_srv.policy.
 *
 * To add a device type: a rows table for its keys (validators from
 * config.h's vocabulary) and one entry in fe_device_types[], in name
 * order; a type moat cannot give a container yet stays listed with
 * .unsupported set. What moatd does with a device is a separate matter:
 * nothing of a device reaches the start request yet.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/config.h"

#define ROOT_ONLY "only the root disk on pool \"" FE_POOL "\" is supported"

static const char *const root_path[] = { "/", NULL };
static const char *const root_pool[] = { FE_POOL, NULL };

/* The root disk on the one pool, and nothing else yet. */
static const struct fe_key disk_keys[] = {
	{ .name = "path", .flags = FE_KEY_REQUIRED, .value = FE_ENUM(root_path, ROOT_ONLY) },
	{ .name = "pool", .value = FE_ENUM(root_pool, ROOT_ONLY) },
	{ .name = "source", .value = FE_ABSENT(ROOT_ONLY) },
	{ .name = NULL },
};

static const struct fe_key no_keys[] = {
	{ .name = NULL },
};

/* LXD's words for a type it has and this server has not (lxd/device: ErrUnsupportedDevType). */
#define NOT_YET "Unsupported device type"

/*
 * Keys no row covers pass on "none" and "disk", as they always have here
 * (LXD refuses them: "Invalid device option"); nothing reads them.
 */
const struct fe_device_type fe_device_types[] = {
	{ .name = "disk", .keys = disk_keys, .why = ROOT_ONLY, .other_keys = true },
	{ .name = "nic", .keys = no_keys, .unsupported = NOT_YET },
	{ .name = "none", .keys = no_keys, .other_keys = true },
	{ .name = "unix-block",
	  .keys = no_keys,
	  .unsupported = NOT_YET,
	  .gate = FE_GATE_UNIX_DEVICES,
	  .forbidden = "Unix block devices are forbidden" },
	{ .name = "unix-char",
	  .keys = no_keys,
	  .unsupported = NOT_YET,
	  .gate = FE_GATE_UNIX_DEVICES,
	  .forbidden = "Unix character devices are forbidden" },
};

const size_t fe_device_ntypes = sizeof(fe_device_types) / sizeof(fe_device_types[0]);

const struct fe_device_type *fe_device_type(const char *name)
{
	for (size_t k = 0; k < fe_device_ntypes; k++)
		if (strcmp(name, fe_device_types[k].name) == 0)
			return &fe_device_types[k];
	return NULL;
}

static const struct fe_key *device_key(const struct fe_device_type *t, const char *key)
{
	for (const struct fe_key *row = t->keys; row->name; row++)
		if (strcmp(key, row->name) == 0)
			return row;
	return NULL;
}

int fe_device_check_one(const char *name, json_object *dev, const struct fe_policy *policy,
			char err[static FE_ERR_MAX])
{
	const struct fe_device_type *t;
	json_object *type;

	if (!json_object_is_type(dev, json_type_object)) {
		snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": must be an object", name);
		return -EINVAL;
	}
	json_object_object_foreach(dev, k, v)
	{
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, FE_ERR_MAX,
				 "Invalid device \"%.64s\": \"%.64s\" must be a string", name, k);
			return -EINVAL;
		}
	}
	if (!json_object_object_get_ex(dev, "type", &type)) {
		snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": missing type", name);
		return -EINVAL;
	}
	t = fe_device_type(json_object_get_string(type));
	if (!t) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device \"%.64s\": unsupported device type \"%.32s\"", name,
			 json_object_get_string(type));
		return -EINVAL;
	}
	if (!fe_policy_allows(policy, t->gate)) {
		snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": %s by the server's policy",
			 name, t->forbidden);
		return -EPERM;
	}
	if (t->unsupported) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device \"%.64s\": %s \"%s\" (not supported by this server yet)",
			 name, t->unsupported, t->name);
		return -EOPNOTSUPP;
	}
	for (const struct fe_key *row = t->keys; row->name; row++)
		if ((row->flags & FE_KEY_REQUIRED) &&
		    !json_object_object_get_ex(dev, row->name, NULL)) {
			snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": %s", name, t->why);
			return -EINVAL;
		}
	json_object_object_foreach(dev, key, val)
	{
		const struct fe_key *row = strcmp(key, "type") == 0 ? NULL : device_key(t, key);
		struct fe_value parsed;

		if (strcmp(key, "type") == 0 || (!row && t->other_keys))
			continue;
		if (!row) {
			snprintf(err, FE_ERR_MAX,
				 "Invalid device \"%.64s\": Invalid device option \"%.64s\"", name,
				 key);
			return -EINVAL;
		}
		if (row->value.parse(&row->value, json_object_get_string(val), &parsed) < 0) {
			snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": %s", name,
				 row->value.why);
			return -EINVAL;
		}
	}
	return 0;
}

int fe_check_devices(json_object *devices, char err[static FE_ERR_MAX])
{
	if (!devices)
		return 0;
	json_object_object_foreach(devices, name, dev)
	{
		int r = fe_device_check_one(name, dev, &fe_srv.policy, err);

		if (r < 0)
			return r;
	}
	return 0;
}

bool fe_device_is_root(json_object *dev)
{
	json_object *type, *path;

	return json_object_object_get_ex(dev, "type", &type) &&
	       strcmp(json_object_get_string(type), "disk") == 0 &&
	       json_object_object_get_ex(dev, "path", &path) &&
	       strcmp(json_object_get_string(path), "/") == 0;
}
