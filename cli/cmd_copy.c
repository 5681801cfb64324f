// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `copy` and `move`, with lxc 5.0.2's requests on one server. copy
 * GETs the source (an instance or "instance/snapshot"), sends its
 * writable part with the volatile keys but volatile.base_image removed,
 * overridden by -c, -p, --no-profiles and -e, and POSTs /1.0/instances
 * with source.type "copy" (LXD-API.md §11), waiting on the operation
 * (after a --refresh, PUTting the source's writable part onto the target
 * as lxc does);
 * move with a new name is lxc's rename, POST /1.0/instances/<name>
 * {"name": ...}. Runs in the client as the invoking user, no privilege;
 * the objects come from the server (untrusted) and are read through the
 * typed accessors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "verbs.h"

/* "[remote:]a" and "[remote:]b" on one remote, connected: a's and b's names. */
static int open_two(struct cli_ctx *ctx, const char *raw_a, const char *raw_b,
		    struct cli_conn *conn, char **ret_a, char **ret_b)
{
	__do_free char *ra = NULL, *rb = NULL, *a = NULL, *b = NULL;
	int r = cli_parse_remote(ctx->conf, raw_a, &ra, &a);

	if (r == 0)
		r = cli_parse_remote(ctx->conf, raw_b, &rb, &b);
	if (r < 0)
		return r;
	if (strcmp(ra, rb) != 0)
		return cli_error(
			-EOPNOTSUPP,
			"Copies and moves between remotes (%s: to %s:) are not supported yet", ra,
			rb);
	if (!*a)
		return cli_error(-EINVAL, "You must specify a source instance name");
	r = cli_connect(ctx->conf, ra, ctx->debug, conn);
	if (r < 0)
		return r;
	*ret_a = TAKE_PTR(a);
	*ret_b = TAKE_PTR(b);
	return 0;
}

/* GET the source: /1.0/instances/<i> or /1.0/instances/<i>/snapshots/<s>. */
static int get_source(struct cli_conn *conn, const char *src, json_object **ret)
{
	const char *slash = strchr(src, '/');
	__do_free char *inst = strndup(src, slash ? (size_t)(slash - src) : strlen(src));
	__do_free char *snap = slash ? cli_escape(slash + 1) : NULL, *suffix = NULL, *path = NULL;

	if (!inst || (slash && (!snap || asprintf(&suffix, "/snapshots/%s", snap) < 0)))
		return cli_error(-ENOMEM, "out of memory");
	path = cli_instance_path(inst, suffix);
	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	return cli_get(conn, path, ret);
}

/*
 * The request's writable part from the source, as lxc's copy makes it:
 * its volatile keys dropped but volatile.base_image, or for a refresh only
 * volatile.last_state.power.
 */
static json_object *copy_body(const struct cli_args *a, json_object *src, const char *name)
{
	bool refresh = cli_flag_bool(a, "refresh");
	json_object *body = json_object_new_object(), *config = json_object_new_object(), *list;
	json_object *c = cli_jget(src, "config", json_type_object);
	json_object *d = cli_jget(src, "devices", json_type_object);
	json_object *p = cli_jget(src, "profiles", json_type_array);
	const char *const *kv, *const *profiles;
	size_t nkv, np;

	if (c) {
		json_object_object_foreach(c, k, v)
		{
			if (refresh ? strcmp(k, "volatile.last_state.power") != 0
				    : strncmp(k, "volatile.", 9) != 0 ||
					      strcmp(k, "volatile.base_image") == 0)
				json_object_object_add(config, k, json_object_get(v));
		}
	}
	kv = cli_flag_list(a, "config", &nkv);
	for (size_t i = 0; i < nkv; i++) {
		const char *eq = strchr(kv[i], '=');
		char *key = eq ? strndup(kv[i], (size_t)(eq - kv[i])) : NULL;

		if (key)
			json_object_object_add(config, key, json_object_new_string(eq + 1));
		free(key);
	}
	json_object_object_add(body, "architecture",
			       json_object_new_string(cli_jstr(src, "architecture")));
	json_object_object_add(body, "config", config);
	json_object_object_add(body, "devices", d ? json_object_get(d) : json_object_new_object());
	json_object_object_add(body, "ephemeral",
			       json_object_new_boolean(cli_flag_bool(a, "ephemeral") ||
						       cli_jbool(src, "ephemeral")));
	profiles = cli_flag_list(a, "profile", &np);
	if (np || cli_flag_bool(a, "no-profiles")) {
		list = json_object_new_array();
		for (size_t i = 0; i < np; i++)
			json_object_array_add(list, json_object_new_string(profiles[i]));
	} else {
		list = p ? json_object_get(p) : NULL;
	}
	json_object_object_add(body, "profiles", list);
	json_object_object_add(body, "stateful", json_object_new_boolean(false));
	json_object_object_add(body, "description",
			       json_object_new_string(cli_jstr(src, "description")));
	json_object_object_add(body, "name", json_object_new_string(name));
	json_object_object_add(body, "instance_type", json_object_new_string(""));
	return body;
}

/* After a refresh lxc PUTs the source's writable part onto the target, keeping its id map. */
static int refresh_config(struct cli_conn *conn, const char *dst, json_object *body)
{
	static const char *const fields[] = { "architecture", "config",   "devices",    "ephemeral",
					      "profiles",     "stateful", "description" };
	__do_free char *path = cli_instance_path(dst, NULL);
	json_object *inst = NULL, *put, *v;
	char etag[128] = "";
	const char *next;
	int r = cli_obj_get(conn, path, &inst, etag);

	if (r < 0)
		return cli_error(r, "Failed to refresh target instance '%s': %s", dst,
				 cli_error_message());
	next = cli_jstr(cli_jget(inst, "config", json_type_object), "volatile.idmap.next");
	if (*next)
		json_object_object_add(cli_jget(body, "config", json_type_object),
				       "volatile.idmap.next", json_object_new_string(next));
	put = json_object_new_object();
	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
		if (json_object_object_get_ex(body, fields[k], &v))
			json_object_object_add(put, fields[k], json_object_get(v));
	r = cli_obj_put(conn, path, put, etag, true);
	json_object_put(put);
	json_object_put(inst);
	return r;
}

int cli_cmd_copy(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	bool only = cli_flag_bool(a, "instance-only");
	__do_free char *src = NULL, *dst = NULL;
	struct cli_conn conn = { 0 };
	json_object *obj = NULL, *body = NULL, *source;
	size_t nkv;
	const char *const *kv = cli_flag_list(a, "config", &nkv);
	int r;

	for (size_t i = 0; i < nkv; i++)
		if (!strchr(kv[i], '='))
			return cli_error(-EINVAL, "Bad key=value pair: %s", kv[i]);
	r = open_two(ctx, a->pos[0], a->npos > 1 ? a->pos[1] : "", &conn, &src, &dst);
	if (r == 0 && strchr(src, '/') && only)
		r = cli_error(-EINVAL,
			      "--instance-only can't be passed when the source is a snapshot");
	if (r == 0 && strchr(src, '/') && cli_flag_bool(a, "refresh"))
		r = cli_error(-EINVAL, "--refresh can only be used with instances");
	if (r == 0)
		r = get_source(&conn, src, &obj);
	if (r < 0)
		goto out;
	body = copy_body(a, obj, dst);
	source = json_object_new_object();
	json_object_object_add(source, "type", json_object_new_string("copy"));
	json_object_object_add(source, "certificate", json_object_new_string(""));
	json_object_object_add(
		source, "base-image",
		json_object_new_string(cli_jstr(cli_jget(obj, "config", json_type_object),
						"volatile.base_image")));
	json_object_object_add(source, "source", json_object_new_string(src));
	json_object_object_add(source, "live", json_object_new_boolean(false));
	json_object_object_add(source, "instance_only", json_object_new_boolean(only));
	json_object_object_add(source, "container_only", json_object_new_boolean(only));
	json_object_object_add(source, "refresh",
			       json_object_new_boolean(cli_flag_bool(a, "refresh")));
	json_object_object_add(source, "allow_inconsistent", json_object_new_boolean(false));
	json_object_object_add(body, "source", source);
	json_object_object_add(body, "type",
			       json_object_new_string(strchr(src, '/') ? "" : "container"));
	r = cli_async(&conn, "POST", "/1.0/instances", body, NULL);
	if (r == 0 && cli_flag_bool(a, "refresh"))
		r = refresh_config(&conn, dst, body);
out:
	if (body)
		json_object_put(body);
	if (obj)
		json_object_put(obj);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_move(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *src = NULL, *dst = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	json_object *body;
	int r;

	if (a->npos < 2)
		return cli_usage_error("Invalid number of arguments");
	r = open_two(ctx, a->pos[0], a->pos[1], &conn, &src, &dst);
	if (r < 0)
		return r;
	if (strchr(src, '/') || !*dst || strchr(dst, '/')) {
		r = cli_error(-EOPNOTSUPP, "Only a local rename of an instance is supported yet");
		goto out;
	}
	path = cli_instance_path(src, NULL);
	if (!path) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(dst));
	json_object_object_add(body, "migration", json_object_new_boolean(false));
	json_object_object_add(body, "live", json_object_new_boolean(false));
	json_object_object_add(body, "instance_only", json_object_new_boolean(false));
	json_object_object_add(body, "container_only", json_object_new_boolean(false));
	json_object_object_add(body, "target", NULL);
	json_object_object_add(body, "pool", json_object_new_string(""));
	json_object_object_add(body, "project", json_object_new_string(""));
	json_object_object_add(body, "allow_inconsistent", json_object_new_boolean(false));
	r = cli_async(&conn, "POST", path, body, NULL);
	json_object_put(body);
out:
	cli_conn_free(&conn);
	return r;
}
