// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `storage list|show|create|edit|set|unset|get|info|delete`, lxc
 * 5.0.2's way (its storage.go): a pool's writable part
 * (api.StoragePoolPut) is PUT back whole with If-Match (sync); create
 * POSTs /1.0/storage-pools with the name, the driver and key=value
 * arguments; show --resources and info read .../resources. Runs in the
 * client as the invoking user, no privilege. The server's objects are
 * untrusted (typed accessors); which fields are shown and PUT come from
 * the pool's field table (lxd/objects.c), the server's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "format.h"
#include "lxd/objects.h"
#include "verbs.h"

static char *pool_path(const char *name, const char *suffix)
{
	__do_free char *e = cli_escape(name);
	char *path;

	if (!e || asprintf(&path, "/1.0/storage-pools/%s%s", e, suffix ? suffix : "") < 0)
		return NULL;
	return path;
}

static int pool_put_from_yaml(const char *buf, size_t len, json_object **ret)
{
	return cli_put_from_yaml(&lxd_storage_pool_type, buf, len, ret);
}

static const char edit_help[] = "### This is a YAML representation of a storage pool.\n"
				"### Any line starting with a '#' will be ignored.\n"
				"###\n"
				"### A storage pool consists of a set of configuration items.\n"
				"###\n"
				"### An example would look like:\n"
				"### name: default\n"
				"### driver: zfs\n"
				"### used_by: []\n"
				"### config:\n"
				"###   size: \"61203283968\"\n"
				"###   source: /home/chb/mnt/lxd_test/default.img\n"
				"###   zfs.pool_name: default";

static const struct cli_kind pool_kind = {
	.word = "Storage pool",
	.noun = "pool",
	.path = pool_path,
	.type = &lxd_storage_pool_type,
	.parse = pool_put_from_yaml,
	.edit_help = edit_help,
};

/* NAME, DRIVER, SOURCE, DESCRIPTION, USED BY, STATE: lxc's columns on a server not clustered. */
static int pool_row(json_object *p, struct cli_row *row)
{
	row->cells[0] = cli_jstr(p, "name");
	row->cells[1] = cli_jstr(p, "driver");
	row->cells[2] = cli_jstr(cli_jmap(p, "config"), "source");
	row->cells[3] = cli_jstr(p, "description");
	row->cells[4] = cli_count_str(p, "used_by", row->buf[0]);
	row->cells[5] = cli_upper_str(cli_jstr(p, "status"), row->buf[1]);
	return 0;
}

int cli_cmd_storage_list(struct cli_ctx *ctx)
{
	static const char *const header[] = { "NAME",        "DRIVER",  "SOURCE",
					      "DESCRIPTION", "USED BY", "STATE" };
	struct cli_conn conn = { 0 };
	__do_free char *rest = NULL;
	enum cli_format fmt;
	int r = cli_list_open(ctx, &fmt, &conn, &rest);

	if (r == 0)
		return cli_list_table(&conn, "/1.0/storage-pools?recursion=1", fmt, 6, header,
				      pool_row);
	cli_conn_free(&conn);
	return r;
}

/* .../resources of the pool named by the first argument (an open connection in n). */
static int get_resources(struct cli_ctx *ctx, struct cli_named *n, json_object **ret)
{
	__do_free char *path = NULL;
	int r = cli_named_open(ctx, &pool_kind, ctx->args->pos[0], false, n);

	if (r < 0)
		return r;
	path = pool_path(n->name, "/resources");
	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	return cli_get(&n->conn, path, ret);
}

int cli_cmd_storage_show(struct cli_ctx *ctx)
{
	json_object *res = NULL;
	struct cli_named n;
	int r;

	if (!cli_flag_bool(ctx->args, "resources"))
		return cli_named_show(ctx, &pool_kind);
	r = get_resources(ctx, &n, &res);
	if (r == 0 && cli_yaml_print(stdout, res) < 0)
		r = cli_error(-EIO, "writing the YAML failed");
	if (res)
		json_object_put(res);
	cli_named_free(&n);
	return r;
}

int cli_cmd_storage_create(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	json_object *body = json_object_new_object(), *keys = NULL;
	struct cli_named n;
	int r;

	if (!body)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_named_open(ctx, &pool_kind, a->pos[0], false, &n);
	for (size_t i = 2; r == 0 && i < a->npos; i++)
		if (!strchr(a->pos[i], '='))
			r = cli_error(-EINVAL, "Bad key=value pair: %s", a->pos[i]);
	if (r == 0 && a->npos > 2)
		r = cli_config_pairs(a->pos + 2, a->npos - 2, &keys);
	if (r == 0) {
		json_object_object_add(body, "config", keys ? keys : json_object_new_object());
		keys = NULL;
		json_object_object_add(body, "description", json_object_new_string(""));
		json_object_object_add(body, "name", json_object_new_string(n.name));
		json_object_object_add(body, "driver", json_object_new_string(a->pos[1]));
		r = cli_sync(&n.conn, "POST", "/1.0/storage-pools", body, NULL);
	}
	if (r == 0 && !ctx->quiet)
		printf("Storage pool %s created\n", n.name);
	if (keys)
		json_object_put(keys);
	json_object_put(body);
	cli_named_free(&n);
	return r;
}

int cli_cmd_storage_edit(struct cli_ctx *ctx)
{
	return cli_named_edit(ctx, &pool_kind);
}

int cli_cmd_storage_get(struct cli_ctx *ctx)
{
	return cli_named_get(ctx, &pool_kind);
}

int cli_cmd_storage_set(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &pool_kind, false);
}

int cli_cmd_storage_unset(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &pool_kind, true);
}

int cli_cmd_storage_delete(struct cli_ctx *ctx)
{
	return cli_named_delete(ctx, &pool_kind);
}

/* "used by": each user's kind (instances, profiles...) and names, as lxc's map of lists. */
static json_object *used_by_map(json_object *used_by)
{
	json_object *m = json_object_new_object();

	for (size_t k = 0; k < json_object_array_length(used_by); k++) {
		const char *url = json_object_get_string(json_object_array_get_idx(used_by, k));
		char kind[64], name[256];
		json_object *list;

		/* "/1.0/<kind>/<name>[/...][?...]": lxc's fields[0] and fields[1] (pool users'
		 * names need no unescaping: instance and profile names this server takes) */
		if (!url || strncmp(url, "/1.0/", 5) != 0 ||
		    sscanf(url + 5, "%63[^/?]/%255[^/?]", kind, name) != 2)
			continue;
		if (!json_object_object_get_ex(m, kind, &list)) {
			list = json_object_new_array();
			json_object_object_add(m, kind, list);
		}
		json_object_array_add(list, json_object_new_string(name));
	}
	return m;
}

int cli_cmd_storage_info(struct cli_ctx *ctx)
{
	bool bytes = cli_flag_bool(ctx->args, "bytes");
	json_object *res = NULL, *pool = NULL, *doc, *info;
	char total[64], used[64], etag[128];
	struct cli_named n;
	int r = get_resources(ctx, &n, &res);

	if (r == 0)
		r = cli_obj_get(&n.conn, n.path, &pool, etag);
	if (r == 0) {
		int64_t t = cli_jint(cli_jget(res, "space", json_type_object), "total");
		int64_t u = cli_jint(cli_jget(res, "space", json_type_object), "used");

		if (bytes) {
			snprintf(total, sizeof(total), "%lld", (long long)t);
			snprintf(used, sizeof(used), "%lld", (long long)u);
		} else {
			cli_size_str(total, sizeof(total), t, 2, true);
			cli_size_str(used, sizeof(used), u, 2, true);
		}
		/* yaml.Marshal of lxc's maps: keys sorted */
		doc = json_object_new_object();
		info = json_object_new_object();
		json_object_object_add(info, "description",
				       json_object_new_string(cli_jstr(pool, "description")));
		json_object_object_add(info, "driver",
				       json_object_new_string(cli_jstr(pool, "driver")));
		json_object_object_add(info, "name",
				       json_object_new_string(cli_jstr(pool, "name")));
		json_object_object_add(info, "space used", json_object_new_string(used));
		json_object_object_add(info, "total space", json_object_new_string(total));
		json_object_object_add(doc, "info", info);
		json_object_object_add(doc, "used by",
				       used_by_map(cli_jget(pool, "used_by", json_type_array)));
		if (cli_yaml_print_any(stdout, doc) < 0)
			r = cli_error(-EIO, "writing the YAML failed");
		json_object_put(doc);
	}
	if (pool)
		json_object_put(pool);
	if (res)
		json_object_put(res);
	cli_named_free(&n);
	return r;
}
