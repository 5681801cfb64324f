// SPDX-License-Identifier: Apache-2.0
/*
 * moat: operation list, show and delete; version; shutdown (the host's
 * instances); remote list, switch and get-default. Runs in the client as the invoking user, no privilege.
 * Operation objects come from the server (untrusted) and are only read
 * through the typed accessors and printed; the remotes file is the user's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "verbs.h"

/* ---- operations ---------------------------------------------------------------------------- */

/* lxc's ParseServers for a "[remote:]" argument: no name allowed. */
static int open_remote_only(struct cli_ctx *ctx, const char *raw, struct cli_conn *conn)
{
	__do_free char *name = NULL;
	int r = cli_open(ctx, raw, conn, &name);

	if (r == 0 && *name) {
		cli_conn_free(conn);
		return cli_error(-EINVAL, "Filtering isn't supported yet");
	}
	return r;
}

int cli_cmd_operation_list(struct cli_ctx *ctx)
{
	static const char *const header[] = { "ID",     "TYPE",       "DESCRIPTION",
					      "STATUS", "CANCELABLE", "CREATED" };
	const struct cli_args *a = ctx->args;
	struct cli_conn conn = { 0 };
	json_object *by_status = NULL, *all;
	enum cli_format fmt;
	struct cli_table t;
	int r;

	r = cli_format_flag(ctx, &fmt);
	if (r == 0)
		r = open_remote_only(ctx, a->npos ? a->pos[0] : "", &conn);
	if (r < 0)
		return r;
	r = cli_get(&conn, "/1.0/operations?recursion=1", &by_status);
	cli_conn_free(&conn);
	if (r < 0)
		return r;
	all = json_object_new_array();
	cli_table_init(&t, ARRAY_SIZE(header), header);
	if (!json_object_is_type(by_status, json_type_object)) {
		json_object_put(by_status);
		by_status = json_object_new_object();
	}
	json_object_object_foreach(by_status, status, ops)
	{
		(void)status;
		for (size_t i = 0; r == 0 && json_object_is_type(ops, json_type_array) &&
				   i < json_object_array_length(ops);
		     i++) {
			json_object *op = json_object_array_get_idx(ops, i);
			char class[32], st[32], created[64];
			const char *cells[6] = {
				cli_jstr(op, "id"),
				cli_upper(class, sizeof(class), cli_jstr(op, "class")),
				cli_jstr(op, "description"),
				cli_upper(st, sizeof(st), cli_jstr(op, "status")),
				cli_jbool(op, "may_cancel") ? "YES" : "NO",
				created,
			};

			cli_time_str(created, sizeof(created), cli_jstr(op, "created_at"),
				     CLI_TIME_UTC);
			json_object_array_add(all, json_object_get(op));
			r = cli_table_add(&t, cells);
		}
	}
	json_object_put(by_status);
	return cli_table_finish(&t, fmt, all, r);
}

/* "/1.0/operations/<id>" for "[remote:]<id>", with the remote opened. */
static int open_operation(struct cli_ctx *ctx, struct cli_conn *conn, char **ret_id,
			  char **ret_path)
{
	__do_free char *id = NULL, *e = NULL;
	int r = cli_open(ctx, ctx->args->pos[0], conn, &id);

	if (r < 0)
		return r;
	e = cli_escape(id);
	if (!e || asprintf(ret_path, "/1.0/operations/%s", e) < 0) {
		cli_conn_free(conn);
		return cli_error(-ENOMEM, "out of memory");
	}
	*ret_id = TAKE_PTR(id);
	return 0;
}

int cli_cmd_operation_show(struct cli_ctx *ctx)
{
	__do_free char *id = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	json_object *op = NULL;
	int r = open_operation(ctx, &conn, &id, &path);

	if (r < 0)
		return r;
	r = cli_get(&conn, path, &op);
	cli_conn_free(&conn);
	if (r < 0)
		return r;
	r = cli_yaml_print(stdout, op);
	json_object_put(op);
	return r;
}

int cli_cmd_operation_delete(struct cli_ctx *ctx)
{
	__do_free char *id = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	int r = open_operation(ctx, &conn, &id, &path);

	if (r < 0)
		return r;
	r = cli_sync(&conn, "DELETE", path, NULL, NULL);
	cli_conn_free(&conn);
	if (r == 0 && !ctx->quiet)
		printf("Operation %s deleted\n", id);
	return r;
}

/* ---- version --------------------------------------------------------------------------------- */

int cli_cmd_version(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *raw = NULL;
	struct cli_conn conn = { 0 };
	json_object *server = NULL;
	const char *version = "unreachable", *moat;
	size_t len = a->npos ? strlen(a->pos[0]) : 0;

	printf("Client version: %s\n", MOAT_VERSION);
	fflush(stdout);
	/* "remote" and "remote:" both name a remote, as lxc */
	if (asprintf(&raw, "%s%s", a->npos ? a->pos[0] : "",
		     len && a->pos[0][len - 1] != ':' ? ":" : "") < 0)
		raw = NULL;
	if (raw && open_remote_only(ctx, raw, &conn) == 0) {
		if (cli_get(&conn, "/1.0", &server) == 0 &&
		    *cli_jstr(cli_jmap(server, "environment"), "server_version"))
			version = cli_jstr(cli_jmap(server, "environment"), "server_version");
		cli_conn_free(&conn);
	}
	/* lxc's line, and moat's own version when the server is moatd */
	moat = cli_jstr(cli_jmap(server, "environment"), "moat_version");
	printf("Server version: %s%s%s%s\n", version, *moat ? " (moat " : "", moat,
	       *moat ? ")" : "");
	if (server)
		json_object_put(server);
	cli_error_clear();
	return 0;
}

/* ---- the host shutdown ------------------------------------------------------------------------- */

/* PUT /internal/shutdown, waited for: the server stops its instances (api/boot.c). */
int cli_cmd_shutdown(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *raw = NULL;
	struct cli_conn conn = { 0 };
	size_t len = a->npos ? strlen(a->pos[0]) : 0;
	json_object *body;
	int r;

	if (asprintf(&raw, "%s%s", a->npos ? a->pos[0] : "",
		     len && a->pos[0][len - 1] != ':' ? ":" : "") < 0)
		return cli_error(-ENOMEM, "Out of memory");
	r = open_remote_only(ctx, raw, &conn);
	if (r < 0)
		return r;
	body = json_object_new_object();
	r = cli_async(&conn, "PUT", "/internal/shutdown", body, NULL);
	json_object_put(body);
	cli_conn_free(&conn);
	return r;
}

/* ---- remotes ------------------------------------------------------------------------------------ */

int cli_cmd_remote_list(struct cli_ctx *ctx)
{
	static const char *const header[] = { "NAME",   "URL",    "PROTOCOL", "AUTH TYPE",
					      "PUBLIC", "STATIC", "GLOBAL" };
	const struct cli_config *c = ctx->conf;
	json_object *raw;
	enum cli_format fmt;
	struct cli_table t;
	int r = cli_format_flag(ctx, &fmt);

	if (r < 0)
		return r;
	cli_table_init(&t, ARRAY_SIZE(header), header);
	for (size_t i = 0; r == 0 && i < c->nremotes; i++) {
		const struct cli_remote *rem = &c->remotes[i];
		const char *auth = rem->auth_type;
		__do_free char *name = NULL;

		if (!*auth)
			auth = strncmp(rem->addr, "unix:", 5) == 0           ? "file access"
			       : strcmp(rem->protocol, "simplestreams") == 0 ? "none"
									     : "tls";
		if (strcmp(rem->name, c->default_remote) == 0 &&
		    asprintf(&name, "%s (current)", rem->name) < 0)
			name = NULL;
		const char *cells[7] = {
			name ? name : rem->name,
			rem->addr,
			*rem->protocol ? rem->protocol : "lxd",
			auth,
			rem->public ? "YES" : "NO",
			rem->is_static ? "YES" : "NO",
			"NO",
		};
		r = cli_table_add(&t, cells);
	}
	raw = cli_config_remotes_json(c);
	return cli_table_finish(&t, fmt, raw, r);
}

int cli_cmd_remote_switch(struct cli_ctx *ctx)
{
	const char *name = ctx->args->pos[0];
	char *d;

	if (!cli_config_remote(ctx->conf, name))
		return cli_error(-ENOENT, "Remote %s doesn't exist", name);
	d = strdup(name);
	if (!d)
		return cli_error(-ENOMEM, "out of memory");
	free(ctx->conf->default_remote);
	ctx->conf->default_remote = d;
	return cli_config_save(ctx->conf);
}

int cli_cmd_remote_get_default(struct cli_ctx *ctx)
{
	printf("%s\n", ctx->conf->default_remote);
	return 0;
}
