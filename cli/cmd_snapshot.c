// SPDX-License-Identifier: Apache-2.0
/*
 * moat snapshot, restore and rename (lxc's verbs, the same requests):
 * POST .../snapshots, PUT /1.0/instances/<name> with "restore", POST
 * /1.0/instances/<name> (or .../snapshots/<snap>) with the new name; each
 * waits for its operation.
 * `moat delete c1/s1` and `moat info c1` (its snapshots) are
 * cmd_instances.c's. Runs in the client as the invoking user, no
 * privilege; what the server answers is checked by client.c.
 */
#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "verbs.h"

/* The request and its wait; body and the connection are freed. */
static int send_wait(struct cli_conn *conn, const char *method, const char *path, json_object *body)
{
	int r = path && body ? cli_async(conn, method, path, body, NULL)
			     : cli_error(-ENOMEM, "out of memory");

	json_object_put(body);
	cli_conn_free(conn);
	return r;
}

int cli_cmd_snapshot(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *name = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	json_object *body;
	int r;

	r = cli_open(ctx, a->pos[0], &conn, &name);
	if (r < 0)
		return r;
	path = cli_instance_path(name, "/snapshots");
	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(a->npos > 1 ? a->pos[1] : ""));
	json_object_object_add(body, "stateful",
			       json_object_new_boolean(cli_flag_bool(a, "stateful")));
	json_object_object_add(body, "expires_at", NULL);
	return send_wait(&conn, "POST", path, body);
}

int cli_cmd_restore(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *name = NULL, *path = NULL, *full = NULL;
	struct cli_conn conn = { 0 };
	json_object *body;
	int r;

	r = cli_open(ctx, a->pos[0], &conn, &name);
	if (r < 0)
		return r;
	path = cli_instance_path(name, NULL);
	/* lxc sends "<instance>/<snapshot>" unless the snapshot already names one */
	if (strchr(a->pos[1], '/'))
		full = strdup(a->pos[1]);
	else if (asprintf(&full, "%s/%s", name, a->pos[1]) < 0)
		full = NULL;
	body = json_object_new_object();
	json_object_object_add(body, "restore", json_object_new_string(full ? full : ""));
	json_object_object_add(body, "stateful",
			       json_object_new_boolean(cli_flag_bool(a, "stateful")));
	return send_wait(&conn, "PUT", full ? path : NULL, body);
}

int cli_cmd_rename(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *name = NULL, *path = NULL, *to = NULL;
	struct cli_conn conn = { 0 }, conn2 = { 0 };
	json_object *body;
	int r;

	r = cli_open(ctx, a->pos[0], &conn, &name);
	if (r < 0)
		return r;
	/* the new name may carry the same remote ("remote:c2"); only the name is sent */
	r = cli_open(ctx, a->pos[1], &conn2, &to);
	cli_conn_free(&conn2);
	if (r < 0) {
		cli_conn_free(&conn);
		return r;
	}
	if (strchr(name, '/')) {
		/* a snapshot's: c1/s1 c1/s2 (or s2), as lxc's */
		char *slash = strchr(name, '/'), *tslash = strchr(to, '/');
		__do_free char *snap = NULL;

		*slash = '\0';
		if (tslash && (size_t)(tslash - to) != strlen(name)) {
			cli_conn_free(&conn);
			return cli_error(-EINVAL, "Instance name must be the same for source and "
						  "destination");
		}
		snap = cli_escape(slash + 1);
		if (snap && asprintf(&path, "/1.0/instances/%s/snapshots/%s", name, snap) < 0)
			path = NULL;
		memmove(to, tslash ? tslash + 1 : to, strlen(tslash ? tslash + 1 : to) + 1);
	} else {
		path = cli_instance_path(name, NULL);
	}
	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(to));
	json_object_object_add(body, "migration", json_object_new_boolean(false));
	return send_wait(&conn, "POST", path, body);
}
