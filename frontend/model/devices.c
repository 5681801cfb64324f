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
 * .unsupported set. What moatd realises at start (host disks, unix-char
 * and unix-block nodes) reaches the start request through
 * fe_devices_start(); a nic's rows, check and start values are model/nic.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "name.h"

#define ROOT_ONLY                                                                                  \
	"a root disk takes only \"pool\" and \"size\" (no source, shift, readonly, propagation "   \
	"or required)"
#define POOL_WHY "pool must be a storage pool's name (letters, digits and hyphens)"

/* A storage pool's name as moatd takes it (name_valid); whether it exists is asked at create. */
static int parse_pool(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	(void)v;
	(void)ret;
	return name_valid_str(s) ? 0 : -EINVAL;
}
static const char *const propagation[] = { "private", "shared", "slave", "unbindable", NULL };

/* What moatd takes too (common/name.c), and at most 1023 bytes. */
static bool device_path_ok(const char *p)
{
	return strlen(p) < 1024 && name_device_path_valid(p);
}

static const char *dev_get(json_object *dev, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(dev, key, &v) ? json_object_get_string(v) : NULL;
}

#define PATH_WHY                                                                                   \
	"must be an absolute path without \".\", \"..\", \"//\", spaces or a trailing \"/\""

static bool prefix_allows(const struct fe_policy *p, const char *path)
{
	return !p->known || !p->disk_source_prefixes ||
	       name_path_under(p->disk_source_prefixes, path);
}

/* A disk: the root disk (path "/" on the pool, no source) or a host path (source, no pool). */
static int check_disk(const char *name, json_object *dev, const struct fe_policy *policy,
		      char err[static FE_ERR_MAX])
{
	const char *path = dev_get(dev, "path"), *source = dev_get(dev, "source");

	if (!device_path_ok(path)) {
		snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": path %s", name, PATH_WHY);
		return -EINVAL;
	}
	if (strcmp(path, "/") == 0) {
		if (source || dev_get(dev, "shift") || dev_get(dev, "readonly") ||
		    dev_get(dev, "propagation") || dev_get(dev, "required")) {
			snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": %s", name, ROOT_ONLY);
			return -EINVAL;
		}
		if (!dev_get(dev, "pool")) {
			snprintf(err, FE_ERR_MAX,
				 "Invalid device \"%.64s\": Root disk entry must have a \"pool\" "
				 "property set",
				 name);
			return -EINVAL;
		}
		return 0;
	}
	if (dev_get(dev, "pool") || dev_get(dev, "size")) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device \"%.64s\": only a host path (source) can be mounted at "
			 "\"%.200s\": storage volumes are not supported",
			 name, path);
		return -EINVAL;
	}
	if (!source) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device \"%.64s\": Disk entry is missing the required \"source\" "
			 "or \"pool\" property",
			 name);
		return -EINVAL;
	}
	if (!device_path_ok(source) || strcmp(source, "/") == 0) {
		snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": source %s", name, PATH_WHY);
		return -EINVAL;
	}
	if (!prefix_allows(policy, source)) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device \"%.64s\": Disk source path \"%.200s\" is not allowed by "
			 "the server's policy",
			 name, source);
		return -EPERM;
	}
	return 0;
}

/* A unix node: source or path (the other defaults to it), neither "/". */
static int check_unix(const char *name, json_object *dev, const struct fe_policy *policy,
		      char err[static FE_ERR_MAX])
{
	const char *path = dev_get(dev, "path"), *source = dev_get(dev, "source");
	const char *mode = dev_get(dev, "mode");

	(void)policy;
	if (mode && (strlen(mode) > 4 || mode[strspn(mode, "01234567")] != '\0')) {
		snprintf(
			err, FE_ERR_MAX,
			"Invalid device \"%.64s\": mode must be octal permission bits such as 0660",
			name);
		return -EINVAL;
	}
	if (!path && !source) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device \"%.64s\": Unix device entry is missing the required "
			 "\"source\" or \"path\" property",
			 name);
		return -EINVAL;
	}
	if ((path && (!device_path_ok(path) || strcmp(path, "/") == 0)) ||
	    (source && (!device_path_ok(source) || strcmp(source, "/") == 0))) {
		snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": source and path %s", name,
			 PATH_WHY);
		return -EINVAL;
	}
	return 0;
}

/* A proxy: its addresses (proxy.c), and a host socket path within the policy's prefixes. */
static int check_proxy(const char *name, json_object *dev, const struct fe_policy *policy,
		       char err[static FE_ERR_MAX])
{
	struct ph_proxy_config p;
	const struct ph_proxy_end_config *host;
	int r = fe_proxy_parse(name, dev, &p, err);

	if (r < 0)
		return r;
	host = p.bind_instance ? &p.connect : &p.listen;
	if (host->kind == PH_PROXY_END_UNIX && !prefix_allows(policy, host->path)) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device \"%.64s\": Host socket path \"%.120s\" is not allowed by "
			 "the server's policy",
			 name, host->path);
		return -EPERM;
	}
	return 0;
}

#define BOOLEAN FE_BOOL("must be a boolean")

static const struct fe_key disk_keys[] = {
	{ .name = "path", .flags = FE_KEY_REQUIRED, .value = FE_STRING(1023, PATH_WHY) },
	{ .name = "pool", .value = { .parse = parse_pool, .why = POOL_WHY } },
	{ .name = "propagation",
	  .value = FE_ENUM(propagation,
			   "propagation must be private, shared, slave or unbindable") },
	{ .name = "readonly", .value = BOOLEAN },
	{ .name = "required", .value = BOOLEAN },
	{ .name = "shift", .value = BOOLEAN },
	{ .name = "size", .value = FE_BYTES(0, "must be a size such as 10GiB") },
	{ .name = "source", .value = FE_STRING(1023, PATH_WHY) },
	{ .name = NULL },
};

static const struct fe_key unix_keys[] = {
	{ .name = "gid", .value = FE_UINT(0, 65535, "gid must be a number from 0 to 65535") },
	{ .name = "mode",
	  .value = FE_UINT(0, 777, "mode must be octal permission bits such as 0660") },
	{ .name = "path", .value = FE_STRING(1023, PATH_WHY) },
	{ .name = "required", .value = BOOLEAN },
	{ .name = "source", .value = FE_STRING(1023, PATH_WHY) },
	{ .name = "uid", .value = FE_UINT(0, 65535, "uid must be a number from 0 to 65535") },
	{ .name = NULL },
};

#define TEXT FE_STRING(255, "must be a string")
static const char *const bind_sides[] = { "host", "instance", "guest", "container", NULL };
#define ID FE_UINT(0, 65535, "must be a user or group id from 0 to 65535")
/* LXD 5.0's proxy keys; what cannot be one row alone is check_proxy's (proxy.c). */
static const struct fe_key proxy_keys[] = {
	{ .name = "bind",
	  .value = FE_ENUM(bind_sides, "Invalid binding side given. Must be \"host\" or "
				       "\"instance\"") },
	{ .name = "connect", .value = TEXT },
	{ .name = "gid", .value = ID },
	{ .name = "listen", .value = TEXT },
	{ .name = "mode",
	  .value = FE_UINT(0, 777, "mode must be octal permission bits such as 0644") },
	{ .name = "nat", .value = BOOLEAN },
	{ .name = "proxy_protocol", .value = BOOLEAN },
	{ .name = "security.gid",
	  .value = FE_UINT(0, 65535, "must be a container id, 0 to 65535") },
	{ .name = "security.uid",
	  .value = FE_UINT(0, 65535, "must be a container id, 0 to 65535") },
	{ .name = "uid", .value = ID },
	{ .name = NULL },
};

static const struct fe_key no_keys[] = {
	{ .name = NULL },
};

/* "none" masks an inherited device of the same name; keys no row covers pass on it. */
const struct fe_device_type fe_device_types[] = {
	{ .name = "disk",
	  .keys = disk_keys,
	  .why = "Disk entry is missing the required \"path\" property",
	  .check = check_disk },
	{ .name = "nic", .keys = fe_nic_keys, .check = fe_nic_check },
	{ .name = "none", .keys = no_keys, .other_keys = true },
	{ .name = "proxy", .keys = proxy_keys, .check = check_proxy },
	{ .name = "unix-block",
	  .keys = unix_keys,
	  .gate = FE_GATE_UNIX_DEVICES,
	  .forbidden = "Unix block devices are forbidden",
	  .check = check_unix },
	{ .name = "unix-char",
	  .keys = unix_keys,
	  .gate = FE_GATE_UNIX_DEVICES,
	  .forbidden = "Unix character devices are forbidden",
	  .check = check_unix },
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
	if (!name_device_valid(name)) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid device name \"%.64s\": letters, digits, \".\", \"_\" and \"-\", "
			 "at most 63, starting with a letter or a digit",
			 name);
		return -EINVAL;
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
			snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": %s: \"%.64s\"", name,
				 row->value.why, key);
			return -EINVAL;
		}
	}
	return t->check ? t->check(name, dev, policy, err) : 0;
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
	return fe_nics_check_networks(devices, &fe_srv.policy, err);
}

bool fe_device_is_root(json_object *dev)
{
	json_object *type, *path;

	return json_object_object_get_ex(dev, "type", &type) &&
	       strcmp(json_object_get_string(type), "disk") == 0 &&
	       json_object_object_get_ex(dev, "path", &path) &&
	       strcmp(json_object_get_string(path), "/") == 0;
}

/* A mode as LXD writes it ("0660", "660"): octal digits; 0660 when absent. */
static uint32_t octal_mode(const char *s)
{
	uint32_t m = 0;

	if (!s || !*s)
		return 0660;
	for (; *s >= '0' && *s <= '7'; s++)
		m = m * 8 + (uint32_t)(*s - '0');
	return m & 0777;
}

static bool dev_true(json_object *dev, const char *key, bool dflt)
{
	const char *s = dev_get(dev, key);
	struct fe_value v;

	return s && fe_parse_bool(NULL, s, &v) == 0 ? v.b : dflt;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct ph_device_config *)a)->path,
		      ((const struct ph_device_config *)b)->path);
}

int fe_devices_start(json_object *expanded, struct ph_start_config *ret)
{
	size_t n = 0;

	json_object_object_foreach(expanded, name, dev)
	{
		const char *type = dev_get(dev, "type"), *source, *path;
		struct ph_device_config *d;
		const char *prop;

		if (!type || fe_device_is_root(dev) ||
		    (strcmp(type, "disk") != 0 && strcmp(type, "unix-char") != 0 &&
		     strcmp(type, "unix-block") != 0))
			continue;
		if (n >= PH_START_DEVICES_MAX)
			return -E2BIG;
		d = &ret->devices[n++];
		source = dev_get(dev, "source");
		path = dev_get(dev, "path");
		*d = (struct ph_device_config){
			.name = name,
			.source = source ? source : path,
			.path = path ? path : source,
			.kind = strcmp(type, "disk") == 0        ? PH_DEVICE_DISK
				: strcmp(type, "unix-char") == 0 ? PH_DEVICE_UNIX_CHAR
								 : PH_DEVICE_UNIX_BLOCK,
			.readonly = dev_true(dev, "readonly", false),
			.optional = !dev_true(dev, "required", true),
			.shift = dev_true(dev, "shift", false),
		};
		prop = dev_get(dev, "propagation");
		for (int k = 0; prop && propagation[k]; k++)
			if (strcmp(prop, propagation[k]) == 0)
				d->propagation = (enum ph_propagation)k;
		if (d->kind != PH_DEVICE_DISK) {
			const char *u = dev_get(dev, "uid"), *g = dev_get(dev, "gid");

			d->uid = u && *u ? (uint32_t)strtoul(u, NULL, 10) : 0;
			d->gid = g && *g ? (uint32_t)strtoul(g, NULL, 10) : 0;
			d->mode = octal_mode(dev_get(dev, "mode"));
		}
	}
	qsort(ret->devices, n, sizeof(ret->devices[0]), by_path);
	ret->ndevices = n;
	return 0;
}
