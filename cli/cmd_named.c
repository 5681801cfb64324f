// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the verbs every named LXD object with a config map shares, lxc's
 * way (profile.go, network.go): show, get, set and unset of config keys
 * (GET, change, PUT the writable part back with If-Match, sync), edit,
 * rename (POST the new name) and delete. A kind (struct cli_kind) gives
 * the object's word, its path, its field table and its editor's help;
 * cmd_profile.c and cmd_network.c are its users. Also what the list,
 * show and set verbs of such objects share (cmd_network_acl.c's forwards
 * too): a list's table from a row function, a YAML view, a config change
 * PUT back. Runs in the client as the
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

int cli_show_view(const struct lxd_object_type *type, json_object *obj)
{
	json_object *shown = lxd_view(type, obj, 0);
	int r = shown ? cli_yaml_print(stdout, shown) : -ENOMEM;

	if (shown)
		json_object_put(shown);
	return r < 0 ? cli_error(r, "writing the YAML: %s", strerror(-r)) : 0;
}

int cli_named_show(struct cli_ctx *ctx, const struct cli_kind *k)
{
	struct cli_named n;
	int r;

	r = cli_named_open(ctx, k, ctx->args->pos[0], true, &n);
	if (r == 0)
		r = cli_show_view(k->type, n.obj);
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

const char *cli_count_str(json_object *obj, const char *key, char buf[static 32])
{
	json_object *l = cli_jget(obj, key, json_type_array);

	snprintf(buf, 32, "%zu", l ? json_object_array_length(l) : 0);
	return buf;
}

const char *cli_upper_str(const char *src, char buf[static 32])
{
	snprintf(buf, 32, "%s", src);
	for (char *c = buf; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	return buf;
}

int cli_list_open(struct cli_ctx *ctx, enum cli_format *ret_fmt, struct cli_conn *conn,
		  char **ret_rest)
{
	const struct cli_args *a = ctx->args;
	int r = cli_format_flag(ctx, ret_fmt);

	return r < 0 ? r : cli_open(ctx, a->npos ? a->pos[0] : "", conn, ret_rest);
}

int cli_list_table(struct cli_conn *conn, const char *path, enum cli_format f, size_t ncols,
		   const char *const *header, cli_row_fn fill)
{
	json_object *list = NULL;
	struct cli_table t;
	int r = cli_get_list(conn, path, &list);

	cli_conn_free(conn);
	if (r < 0)
		return r;
	cli_table_init(&t, ncols, header);
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
		struct cli_row row = { 0 };

		if (fill(json_object_array_get_idx(list, i), &row) == 0)
			r = cli_table_add(&t, row.cells);
	}
	return cli_table_finish(&t, f, list, r);
}

static int named_row(json_object *p, struct cli_row *row)
{
	row->cells[0] = cli_jstr(p, "name");
	row->cells[1] = cli_jstr(p, "description");
	row->cells[2] = cli_count_str(p, "used_by", row->buf[0]);
	return 0;
}

int cli_named_list(struct cli_ctx *ctx, const char *path)
{
	static const char *const header[] = { "NAME", "DESCRIPTION", "USED BY" };
	struct cli_conn conn = { 0 };
	__do_free char *rest = NULL;
	enum cli_format fmt;
	int r = cli_list_open(ctx, &fmt, &conn, &rest);

	if (r == 0)
		return cli_list_table(&conn, path, fmt, 3, header, named_row);
	cli_conn_free(&conn);
	return r;
}

int cli_put_keys(struct cli_conn *conn, const char *path, const char *etag, json_object *obj,
		 const struct lxd_object_type *type, const struct cli_args *a, size_t first,
		 bool unset)
{
	json_object *keys = NULL, *put = NULL;
	int r = 0;

	if (!unset)
		r = cli_config_pairs(a->pos + first, a->npos - first, &keys);
	if (r == 0 && !(put = lxd_view(type, obj, LXD_VIEW_PUT)))
		r = cli_error(-ENOMEM, "out of memory");
	if (r == 0) {
		cli_config_change(put, unset ? a->pos + first : NULL, unset ? a->npos - first : 0,
				  keys);
		r = cli_obj_put(conn, path, put, etag, false);
	}
	if (keys)
		json_object_put(keys);
	if (put)
		json_object_put(put);
	return r;
}

int cli_named_set_keys(struct cli_ctx *ctx, const struct cli_kind *k, bool unset)
{
	struct cli_named n;
	int r;

	r = cli_named_open(ctx, k, ctx->args->pos[0], true, &n);
	if (r == 0 && k->managed_only && !cli_jbool(n.obj, "managed"))
		r = cli_error(-EINVAL, "Only managed %ss can be modified", k->noun);
	if (r == 0)
		r = cli_put_keys(&n.conn, n.path, n.etag, n.obj, k->type, ctx->args, 1, unset);
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
