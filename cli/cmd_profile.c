// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `profile list|show|create|copy|get|set|unset|edit|rename|delete`
 * and `profile add|remove|assign`, lxc's way (its profile.go): a profile's
 * writable part (api.ProfilePut) is PUT back whole, with If-Match when it
 * was read first (sync: 200); create and copy POST /1.0/profiles, rename
 * POSTs the new name; add, remove and assign change an instance's
 * profiles list and wait on the instance's operation. Runs in the client
 * as the invoking user, no privilege. The server's objects are untrusted
 * (typed accessors); which fields are shown and PUT come from the
 * profile's field table (lxd/objects.c), the one the server uses; YAML
 * from the user goes through the bounded parser (format.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "lxd/objects.h"
#include "verbs.h"

#define STDIN_MAX (16u << 20)

json_object *cli_profiles_split(const char *list)
{
	json_object *a = json_object_new_array();

	for (const char *p = list; a && *list;) {
		size_t l = strcspn(p, ",");

		json_object_array_add(a, json_object_new_string_len(p, (int)l));
		if (!p[l])
			break;
		p += l + 1;
	}
	return a;
}

static int profile_put_from_yaml(const char *buf, size_t len, json_object **ret)
{
	return cli_put_from_yaml(&lxd_profile_type, buf, len, ret);
}

static const struct cli_kind profile_kind;

/* A profile named in raw ("[remote:]name"): connected, its path, and (if asked) it and its ETag. */
static int prof_open(struct cli_ctx *ctx, const char *raw, bool get, struct cli_named *p)
{
	return cli_named_open(ctx, &profile_kind, raw, get, p);
}

int cli_cmd_profile_list(struct cli_ctx *ctx)
{
	return cli_named_list(ctx, "/1.0/profiles?recursion=1");
}

int cli_cmd_profile_show(struct cli_ctx *ctx)
{
	return cli_named_show(ctx, &profile_kind);
}

/* POST /1.0/profiles: body (an api.ProfilePut, taken) named name. */
static int profile_post(struct cli_conn *conn, const char *name, json_object *body)
{
	int r;

	json_object_object_add(body, "name", json_object_new_string(name));
	r = cli_sync(conn, "POST", "/1.0/profiles", body, NULL);
	json_object_put(body);
	return r;
}

int cli_cmd_profile_create(struct cli_ctx *ctx)
{
	__do_free char *buf = NULL;
	json_object *body = NULL;
	struct cli_named p;
	size_t len = 0;
	int r;

	r = prof_open(ctx, ctx->args->pos[0], false, &p);
	if (r == 0 && !isatty(STDIN_FILENO)) {
		/* lxc reads the new profile's YAML from stdin */
		r = cli_read_all(STDIN_FILENO, STDIN_MAX, &buf, &len);
		if (r < 0)
			r = cli_error(r, "Can't read from stdin: %s", strerror(-r));
		else
			r = profile_put_from_yaml(buf, len, &body);
	} else if (r == 0 && !(body = json_object_new_object())) {
		r = cli_error(-ENOMEM, "out of memory");
	}
	if (r == 0)
		r = profile_post(&p.conn, p.name, body);
	if (r == 0 && !ctx->quiet)
		printf("Profile %s created\n", p.name);
	cli_named_free(&p);
	return r;
}

int cli_cmd_profile_copy(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	struct cli_named src, dst;
	int r;

	r = prof_open(ctx, a->pos[0], true, &src);
	if (r == 0)
		r = prof_open(ctx, a->pos[1], false, &dst);
	else
		memset(&dst, 0, sizeof(dst));
	if (r == 0) {
		json_object *body = lxd_view(&lxd_profile_type, src.obj, LXD_VIEW_PUT);

		r = body ? profile_post(&dst.conn, dst.name, body)
			 : cli_error(-ENOMEM, "out of memory");
	}
	cli_named_free(&dst);
	cli_named_free(&src);
	return r;
}

int cli_cmd_profile_get(struct cli_ctx *ctx)
{
	return cli_named_get(ctx, &profile_kind);
}

int cli_cmd_profile_set(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &profile_kind, false);
}

int cli_cmd_profile_unset(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &profile_kind, true);
}

static const char edit_help[] =
	"### This is a YAML representation of the profile.\n"
	"### Any line starting with a '# will be ignored.\n"
	"###\n"
	"### A profile consists of a set of configuration items followed by a set of\n"
	"### devices.\n"
	"###\n"
	"### An example would look like:\n"
	"### name: onenic\n"
	"### config:\n"
	"###   raw.lxc: lxc.aa_profile=unconfined\n"
	"### devices:\n"
	"###   eth0:\n"
	"###     nictype: bridged\n"
	"###     parent: lxdbr0\n"
	"###     type: nic\n"
	"###\n"
	"### Note that the name is shown but cannot be changed";

static const struct cli_kind profile_kind = {
	.word = "Profile",
	.noun = "profile",
	.path = cli_profile_path,
	.type = &lxd_profile_type,
	.parse = profile_put_from_yaml,
	.edit_help = edit_help,
};

int cli_cmd_profile_edit(struct cli_ctx *ctx)
{
	return cli_named_edit(ctx, &profile_kind);
}

int cli_cmd_profile_rename(struct cli_ctx *ctx)
{
	return cli_named_rename(ctx, &profile_kind);
}

int cli_cmd_profile_delete(struct cli_ctx *ctx)
{
	return cli_named_delete(ctx, &profile_kind);
}

/* ---- an instance's profiles ---------------------------------------------------------------------- */

enum prof_change { PROF_ADD, PROF_REMOVE, PROF_ASSIGN };

static int instance_profiles(struct cli_ctx *ctx, enum prof_change how)
{
	const char *arg = ctx->args->pos[1];
	__do_free char *name = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	json_object *inst = NULL, *put = NULL, *list = NULL, *old;
	char etag[128] = "";
	bool found = false;
	int r;

	r = cli_open(ctx, ctx->args->pos[0], &conn, &name);
	if (r == 0 && !*name)
		r = cli_error(-EINVAL, "Missing instance name");
	if (r == 0)
		path = cli_instance_path(name, NULL);
	if (r == 0)
		r = cli_obj_get(&conn, path, &inst, etag);
	if (r == 0 && !(put = cli_instance_put(inst, false)))
		r = cli_error(-ENOMEM, "out of memory");
	if (r < 0)
		goto out;
	old = cli_jget(put, "profiles", json_type_array);
	list = how == PROF_ASSIGN ? cli_profiles_split(arg) : json_object_new_array();
	for (size_t i = 0; how != PROF_ASSIGN && old && i < json_object_array_length(old); i++) {
		json_object *e = json_object_array_get_idx(old, i);

		if (how == PROF_REMOVE && strcmp(json_object_get_string(e), arg) == 0) {
			found = true;
			continue;
		}
		json_object_array_add(list, json_object_get(e));
	}
	if (how == PROF_ADD)
		json_object_array_add(list, json_object_new_string(arg));
	json_object_object_add(put, "profiles", list);
	if (how == PROF_REMOVE && !found) {
		r = cli_error(-ENOENT, "Profile %s isn't currently applied to %s", arg, name);
		goto out;
	}
	r = cli_obj_put(&conn, path, put, etag, true);
	if (r < 0 || ctx->quiet)
		goto out;
	if (how == PROF_ADD)
		printf("Profile %s added to %s\n", arg, name);
	else if (how == PROF_REMOVE)
		printf("Profile %s removed from %s\n", arg, name);
	else
		printf("Profiles %s applied to %s\n", *arg ? arg : "(none)", name);
out:
	if (inst)
		json_object_put(inst);
	if (put)
		json_object_put(put);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_profile_add(struct cli_ctx *ctx)
{
	return instance_profiles(ctx, PROF_ADD);
}

int cli_cmd_profile_remove(struct cli_ctx *ctx)
{
	return instance_profiles(ctx, PROF_REMOVE);
}

int cli_cmd_profile_assign(struct cli_ctx *ctx)
{
	return instance_profiles(ctx, PROF_ASSIGN);
}
