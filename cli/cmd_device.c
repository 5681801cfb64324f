// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `config device add|remove|list|show|get|set|unset|override` and
 * `profile device add|remove|list|show|get|set|unset`, lxc's way (its
 * config_device.go, shared by instances and profiles): GET the object for
 * its ETag, change its own devices, PUT the writable part back with
 * If-Match (an operation to wait on for an instance, sync for a profile).
 * A device an instance only has from its profiles is refused as lxc
 * refuses it, except by `override`, which copies the expanded device into
 * the instance's own with the keys given changed. Runs in the client as
 * the invoking user, no privilege; the objects are the server's
 * (untrusted, read through the typed accessors), the writable part is
 * taken by the shared field tables (lxd/objects.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "lxd/objects.h"
#include "verbs.h"

/* ---- pure helpers ------------------------------------------------------------------------------- */

int cli_device_new(const char *type, const char *const *kv, size_t n, json_object **ret)
{
	json_object *dev = json_object_new_object();

	if (!dev)
		return cli_error(-ENOMEM, "out of memory");
	json_object_object_add(dev, "type", json_object_new_string(type));
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(kv[i], '=');
		__do_free char *key = NULL;

		if (!eq) {
			json_object_put(dev);
			return cli_error(-EINVAL, "No value found in \"%s\"", kv[i]);
		}
		key = strndup(kv[i], (size_t)(eq - kv[i]));
		if (!key) {
			json_object_put(dev);
			return cli_error(-ENOMEM, "out of memory");
		}
		json_object_object_add(dev, key, json_object_new_string(eq + 1));
	}
	*ret = dev;
	return 0;
}

const char *cli_device_missing(json_object *obj, const char *dev, const char *action)
{
	static char msg[160];

	if (cli_jget(cli_jmap(obj, "devices"), dev, json_type_object))
		return NULL;
	if (action && cli_jget(cli_jmap(obj, "expanded_devices"), dev, json_type_object)) {
		snprintf(msg, sizeof(msg),
			 "Device from profile(s) cannot be %s individual instance%s", action,
			 strcmp(action, "retrieved for") == 0
				 ? ""
				 : ". Override device or modify profile instead");
		return msg;
	}
	return "Device doesn't exist";
}

/* ---- the object whose devices change ------------------------------------------------------------- */

void cli_target_free(struct cli_target *t)
{
	if (t->obj)
		json_object_put(t->obj);
	if (t->put)
		json_object_put(t->put);
	free(t->name);
	free(t->path);
	cli_conn_free(&t->conn);
}

int cli_target_open(struct cli_ctx *ctx, const char *raw, bool profile, struct cli_target *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->profile = profile;
	r = cli_open(ctx, raw, &t->conn, &t->name);
	if (r < 0)
		return r;
	if (!*t->name)
		return cli_error(-EINVAL,
				 profile ? "Missing profile name" : "Missing instance name");
	t->path = profile ? cli_profile_path(t->name, NULL) : cli_instance_path(t->name, NULL);
	r = cli_obj_get(&t->conn, t->path, &t->obj, t->etag);
	if (r < 0)
		return r;
	t->put = lxd_view(profile ? &lxd_profile_type : &lxd_instance_type, t->obj, LXD_VIEW_PUT);
	if (!t->put)
		return cli_error(-ENOMEM, "out of memory");
	t->devices = cli_jget(t->put, "devices", json_type_object);
	if (!t->devices) {
		t->devices = json_object_new_object();
		json_object_object_add(t->put, "devices", t->devices);
	}
	return 0;
}

int cli_target_save(struct cli_target *t)
{
	return cli_obj_put(&t->conn, t->path, t->put, t->etag, !t->profile);
}

/* The object's own device named dev, or the error lxc gives (action: see cli_device_missing). */
static int own_device(struct cli_target *t, const char *dev, const char *action, json_object **ret)
{
	const char *err = cli_device_missing(t->obj, dev, t->profile ? NULL : action);

	if (err)
		return cli_error(-ENOENT, "%s", err);
	*ret = cli_jget(t->devices, dev, json_type_object);
	return *ret ? 0 : cli_error(-ENOENT, "Device doesn't exist");
}

/* ---- the verbs ----------------------------------------------------------------------------------- */

static int device_add(struct cli_ctx *ctx, bool profile)
{
	const struct cli_args *a = ctx->args;
	const char *dev = a->pos[1];
	json_object *d = NULL;
	struct cli_target t;
	int r;

	r = cli_target_open(ctx, ctx->args->pos[0], profile, &t);
	if (r == 0 && cli_jget(t.devices, dev, json_type_object))
		r = cli_error(-EEXIST, "Device already exists: %s", dev);
	if (r == 0)
		r = cli_device_new(a->pos[2], a->pos + 3, a->npos - 3, &d);
	if (r == 0) {
		json_object_object_add(t.devices, dev, d);
		r = cli_target_save(&t);
	}
	if (r == 0 && !ctx->quiet)
		printf("Device %s added to %s\n", dev, t.name);
	cli_target_free(&t);
	return r;
}

static int device_remove(struct cli_ctx *ctx, bool profile)
{
	const struct cli_args *a = ctx->args;
	__do_free char *names = NULL;
	struct cli_target t;
	size_t len = 0;
	FILE *f;
	int r;

	r = cli_target_open(ctx, ctx->args->pos[0], profile, &t);
	for (size_t i = 1; r == 0 && i < a->npos; i++) {
		json_object *d;

		r = own_device(&t, a->pos[i], "removed from", &d);
		if (r == 0)
			json_object_object_del(t.devices, a->pos[i]);
	}
	if (r == 0)
		r = cli_target_save(&t);
	f = r == 0 ? open_memstream(&names, &len) : NULL;
	for (size_t i = 1; f && i < a->npos; i++)
		fprintf(f, "%s%s", i > 1 ? ", " : "", a->pos[i]);
	if (f && fclose(f) == 0 && !ctx->quiet)
		printf("Device %s removed from %s\n", names, t.name);
	cli_target_free(&t);
	return r;
}

static int device_list(struct cli_ctx *ctx, bool profile)
{
	struct cli_target t;
	int r;

	r = cli_target_open(ctx, ctx->args->pos[0], profile, &t);
	if (r == 0) {
		size_t n = json_object_object_length(t.devices), i = 0;
		const char **names = calloc(n + 1, sizeof(*names));

		if (!names) {
			cli_target_free(&t);
			return cli_error(-ENOMEM, "out of memory");
		}
		json_object_object_foreach(t.devices, k, v)
		{
			(void)v;
			names[i++] = k;
		}
		qsort(names, n, sizeof(*names), cli_strcmp_p);
		for (i = 0; i < n; i++)
			printf("%s\n", names[i]);
		free(names);
	}
	cli_target_free(&t);
	return r;
}

static int device_show(struct cli_ctx *ctx, bool profile)
{
	struct cli_target t;
	int r;

	r = cli_target_open(ctx, ctx->args->pos[0], profile, &t);
	if (r == 0) {
		r = cli_yaml_print_any(stdout, t.devices); /* a map: keys sorted */
		if (r < 0)
			r = cli_error(r, "writing the YAML: %s", strerror(-r));
	}
	cli_target_free(&t);
	return r;
}

static int device_get(struct cli_ctx *ctx, bool profile)
{
	const struct cli_args *a = ctx->args;
	json_object *d = NULL;
	struct cli_target t;
	int r;

	r = cli_target_open(ctx, ctx->args->pos[0], profile, &t);
	if (r == 0)
		r = own_device(&t, a->pos[1], "retrieved for", &d);
	if (r == 0)
		printf("%s\n", cli_jstr(d, a->pos[2]));
	cli_target_free(&t);
	return r;
}

/* set (unset: the keys are removed): the keys given, as `config set` reads them. */
static int device_set_keys(struct cli_ctx *ctx, bool profile, bool unset)
{
	const struct cli_args *a = ctx->args;
	json_object *d = NULL, *keys = NULL;
	struct cli_target t;
	int r;

	r = cli_target_open(ctx, ctx->args->pos[0], profile, &t);
	if (r == 0)
		r = own_device(&t, a->pos[1], "modified for", &d);
	if (r == 0 && !unset)
		r = cli_config_pairs(a->pos + 2, a->npos - 2, &keys);
	if (r < 0)
		goto out;
	for (size_t i = 2; unset && i < a->npos; i++)
		json_object_object_del(d, a->pos[i]);
	if (keys) {
		json_object_object_foreach(keys, k, v)
		{
			json_object_object_add(d, k, json_object_get(v));
		}
	}
	r = cli_target_save(&t);
out:
	if (keys)
		json_object_put(keys);
	cli_target_free(&t);
	return r;
}

static int device_set(struct cli_ctx *ctx, bool profile)
{
	return device_set_keys(ctx, profile, false);
}

static int device_unset(struct cli_ctx *ctx, bool profile)
{
	return device_set_keys(ctx, profile, true);
}

int cli_cmd_config_device_override(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	const char *dev = a->pos[1];
	json_object *from, *d = NULL, *keys = NULL;
	struct cli_target t;
	int r;

	r = cli_target_open(ctx, ctx->args->pos[0], false, &t);
	if (r == 0 && cli_jget(t.devices, dev, json_type_object))
		r = cli_error(-EEXIST, "The device already exists");
	from = cli_jget(cli_jmap(t.obj, "expanded_devices"), dev, json_type_object);
	if (r == 0 && !from)
		r = cli_error(-ENOENT, "The profile device doesn't exist");
	if (r == 0)
		r = cli_device_new(cli_jstr(from, "type"), a->pos + 2, a->npos - 2, &keys);
	if (r < 0)
		goto out;
	d = json_object_new_object();
	if (!d) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	json_object_object_foreach(from, k, v)
	{
		json_object_object_add(d, k, json_object_new_string(json_object_get_string(v)));
	}
	json_object_object_foreach(keys, k2, v2)
	{
		json_object_object_add(d, k2, json_object_get(v2));
	}
	json_object_object_add(t.devices, dev, d);
	r = cli_target_save(&t);
	if (r == 0 && !ctx->quiet)
		printf("Device %s overridden for %s\n", dev, t.name);
out:
	if (keys)
		json_object_put(keys);
	cli_target_free(&t);
	return r;
}

/* The handlers: each verb for an instance (config device) and for a profile (profile device). */
#define DEVICE_VERB(verb)                                                                          \
	int cli_cmd_config_device_##verb(struct cli_ctx *ctx)                                      \
	{                                                                                          \
		return device_##verb(ctx, false);                                                  \
	}                                                                                          \
	int cli_cmd_profile_device_##verb(struct cli_ctx *ctx)                                     \
	{                                                                                          \
		return device_##verb(ctx, true);                                                   \
	}

CLI_DEVICE_VERBS(DEVICE_VERB)
