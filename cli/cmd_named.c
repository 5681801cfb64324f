// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the verbs every named LXD object with a config map shares, lxc's
 * way (profile.go, network.go): show, get, set and unset of config keys
 * (GET, change, PUT the writable part back with If-Match, sync), edit,
 * rename (POST the new name) and delete. A kind (struct cli_kind) gives
 * the object's word, its path, its field table and its editor's help;
 * cmd_profile.c and cmd_network.c are its users. Runs in the client as the
 * invoking user, no privilege. The server's objects are untrusted (typed
 * accessors); which fields are shown and PUT come from the object's field
 * table (lxd/objects.c), the server's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#include "lxd/objects.h"
#include "verbs.h"

void cli_named_free(struct cli_named *n)
{
	if (n->obj)
		json_object_put(n->obj);
	free(n->name);
	free(n->path);
	cli_conn_free(&n->conn);
}

int cli_named_open(struct cli_ctx *ctx, const struct cli_kind *k, const char *raw, bool get,
		   struct cli_named *n)
{
	int r;

	memset(n, 0, sizeof(*n));
	r = cli_open(ctx, raw, &n->conn, &n->name);
	if (r < 0)
		return r;
	if (!*n->name)
		return cli_error(-EINVAL, "Missing %s name", k->noun);
	n->path = k->path(n->name, NULL);
	if (!n->path)
		return cli_error(-ENOMEM, "out of memory");
	return get ? cli_obj_get(&n->conn, n->path, &n->obj, n->etag) : 0;
}

int cli_named_show(struct cli_ctx *ctx, const struct cli_kind *k)
{
	json_object *shown;
	struct cli_named n;
	int r;

	r = cli_named_open(ctx, k, ctx->args->pos[0], true, &n);
	if (r == 0) {
		shown = lxd_view(k->type, n.obj, 0);
		r = shown ? cli_yaml_print(stdout, shown) : -ENOMEM;
		if (shown)
			json_object_put(shown);
		if (r < 0)
			r = cli_error(r, "writing the YAML: %s", strerror(-r));
	}
	cli_named_free(&n);
	return r;
}

int cli_named_get(struct cli_ctx *ctx, const struct cli_kind *k)
{
	struct cli_named n;
	int r;

	r = cli_named_open(ctx, k, ctx->args->pos[0], true, &n);
	if (r == 0)
		printf("%s\n", cli_jstr(cli_jmap(n.obj, "config"), ctx->args->pos[1]));
	cli_named_free(&n);
	return r;
}

void cli_config_change(json_object *put, const char *const *unset, size_t n_unset,
		       json_object *keys)
{
	json_object *config = cli_jget(put, "config", json_type_object);

	if (!config) {
		config = json_object_new_object();
		json_object_object_add(put, "config", config);
	}
	/* unset, and a value "", remove the key, as lxc's */
	for (size_t i = 0; i < n_unset; i++)
		json_object_object_del(config, unset[i]);
	if (keys) {
		json_object_object_foreach(keys, key, v)
		{
			if (*json_object_get_string(v))
				json_object_object_add(config, key, json_object_get(v));
			else
				json_object_object_del(config, key);
		}
	}
}

int cli_named_list(struct cli_ctx *ctx, const char *path)
{
	static const char *const header[] = { "NAME", "DESCRIPTION", "USED BY" };
	const struct cli_args *a = ctx->args;
	struct cli_conn conn = { 0 };
	__do_free char *rest = NULL;
	json_object *list = NULL;
	enum cli_format fmt;
	struct cli_table t;
	int r;

	r = cli_format_flag(ctx, &fmt);
	if (r == 0)
		r = cli_open(ctx, a->npos ? a->pos[0] : "", &conn, &rest);
	if (r == 0)
		r = cli_get_list(&conn, path, &list);
	cli_conn_free(&conn);
	if (r < 0) {
		if (list)
			json_object_put(list);
		return r;
	}
	cli_table_init(&t, 3, header);
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
		json_object *p = json_object_array_get_idx(list, i);
		json_object *used = cli_jget(p, "used_by", json_type_array);
		char n[32];
		const char *cells[3] = { cli_jstr(p, "name"), cli_jstr(p, "description"), n };

		snprintf(n, sizeof(n), "%zu", used ? json_object_array_length(used) : 0);
		r = cli_table_add(&t, cells);
	}
	return cli_table_finish(&t, fmt, list, r);
}

int cli_named_set_keys(struct cli_ctx *ctx, const struct cli_kind *k, bool unset)
{
	const struct cli_args *a = ctx->args;
	json_object *keys = NULL, *put = NULL;
	struct cli_named n;
	int r;

	r = cli_named_open(ctx, k, a->pos[0], true, &n);
	if (r == 0 && k->managed_only && !cli_jbool(n.obj, "managed"))
		r = cli_error(-EINVAL, "Only managed %ss can be modified", k->noun);
	if (r == 0 && !unset)
		r = cli_config_pairs(a->pos + 1, a->npos - 1, &keys);
	if (r == 0 && !(put = lxd_view(k->type, n.obj, LXD_VIEW_PUT)))
		r = cli_error(-ENOMEM, "out of memory");
	if (r < 0)
		goto out;
	cli_config_change(put, unset ? a->pos + 1 : NULL, unset ? a->npos - 1 : 0, keys);
	r = cli_obj_put(&n.conn, n.path, put, n.etag, false);
out:
	if (keys)
		json_object_put(keys);
	if (put)
		json_object_put(put);
	cli_named_free(&n);
	return r;
}

int cli_named_edit(struct cli_ctx *ctx, const struct cli_kind *k)
{
	__do_free char *text = NULL;
	json_object *shown = NULL;
	struct cli_named n;
	int r;

	r = cli_named_open(ctx, k, ctx->args->pos[0], isatty(STDIN_FILENO), &n);
	if (r == 0 && n.obj) {
		shown = lxd_view(k->type, n.obj, 0);
		text = cli_edit_text(k->edit_help, shown);
		if (!text)
			r = cli_error(-ENOMEM, "out of memory");
	}
	if (r == 0)
		r = cli_edit_put(&n.conn, n.path, false, k->parse, text ? text : "", n.etag);
	if (shown)
		json_object_put(shown);
	cli_named_free(&n);
	return r;
}

int cli_named_rename(struct cli_ctx *ctx, const struct cli_kind *k)
{
	const char *to = ctx->args->pos[1];
	json_object *body = json_object_new_object();
	struct cli_named n;
	int r;

	if (!body)
		return cli_error(-ENOMEM, "out of memory");
	json_object_object_add(body, "name", json_object_new_string(to));
	r = cli_named_open(ctx, k, ctx->args->pos[0], false, &n);
	if (r == 0)
		r = cli_sync(&n.conn, "POST", n.path, body, NULL);
	if (r == 0 && !ctx->quiet)
		printf("%s %s renamed to %s\n", k->word, n.name, to);
	json_object_put(body);
	cli_named_free(&n);
	return r;
}

int cli_named_delete(struct cli_ctx *ctx, const struct cli_kind *k)
{
	struct cli_named n;
	int r;

	r = cli_named_open(ctx, k, ctx->args->pos[0], false, &n);
	if (r == 0)
		r = cli_sync(&n.conn, "DELETE", n.path, NULL, NULL);
	if (r == 0 && !ctx->quiet)
		printf("%s %s deleted\n", k->word, n.name);
	cli_named_free(&n);
	return r;
}
