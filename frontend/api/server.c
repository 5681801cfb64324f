// SPDX-License-Identifier: Apache-2.0
/*
 * GET /, GET /1.0 and the /1.0/operations endpoints, in LXD's shapes
 * (LXD-API.md §2, §3, §5). Runs in moatd-api (unprivileged).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/http.h"
#include "db/db.h"
#include "ops/ops.h"

static int fe_api_root(struct fe_req *req, struct fe_resp *resp)
{
	json_object *a = json_object_new_array();

	(void)req;
	json_object_array_add(a, json_object_new_string("/1.0"));
	return fe_sync(resp, a);
}

/* NAME and VERSION_ID from /etc/os-release, unquoted. */
static void os_release(char name[static 64], char version[static 32])
{
	FILE *f = fopen("/etc/os-release", "re");
	char line[256];

	snprintf(name, 64, "Linux");
	version[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '='), *e;

		if (!v)
			continue;
		*v++ = '\0';
		if (*v == '"')
			v++;
		e = v + strcspn(v, "\"\n");
		*e = '\0';
		if (strcmp(line, "NAME") == 0)
			snprintf(name, 64, "%s", v);
		else if (strcmp(line, "VERSION_ID") == 0)
			snprintf(version, 32, "%s", v);
	}
	if (f)
		fclose(f);
}

static json_object *strings(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* LXD's api.ServerStorageDriverInfo of each driver. */
static json_object *storage_drivers(void)
{
	json_object *list = json_object_new_array(), *dir = json_object_new_object();

	json_object_object_add(dir, "Name", json_object_new_string("dir"));
	json_object_object_add(dir, "Version", json_object_new_string("1"));
	json_object_object_add(dir, "Remote", json_object_new_boolean(0));
	json_object_array_add(list, dir);
	return list;
}

static json_object *environment(void)
{
	static const char *const archs[] = { "x86_64", "i686", NULL };
	static const char *const none[] = { NULL };
	json_object *e = json_object_new_object();
	char os_name[64], os_version[32];
	struct utsname u;

	uname(&u);
	os_release(os_name, os_version);
	json_object_object_add(e, "addresses", strings(none));
	json_object_object_add(e, "architectures", strings(archs));
	json_object_object_add(e, "certificate", json_object_new_string(""));
	json_object_object_add(e, "certificate_fingerprint", json_object_new_string(""));
	json_object_object_add(e, "driver", json_object_new_string("lxc"));
	json_object_object_add(e, "driver_version", json_object_new_string(fe_srv.lxc_version));
	json_object_object_add(e, "firewall", json_object_new_string("nftables"));
	json_object_object_add(e, "kernel", json_object_new_string(u.sysname));
	json_object_object_add(e, "kernel_architecture", json_object_new_string(u.machine));
	/* copies: these are shared by every request's thread, and json-c's
	 * reference counts are not atomic */
	json_object_object_add(e, "kernel_features", fe_json_copy(fe_srv.kernel_features));
	json_object_object_add(e, "kernel_version", json_object_new_string(u.release));
	json_object_object_add(e, "lxc_features", fe_json_copy(fe_srv.lxc_features));
	json_object_object_add(e, "os_name", json_object_new_string(os_name));
	json_object_object_add(e, "os_version", json_object_new_string(os_version));
	json_object_object_add(e, "project", json_object_new_string("default"));
	json_object_object_add(e, "server", json_object_new_string("moat"));
	json_object_object_add(e, "server_clustered", json_object_new_boolean(0));
	json_object_object_add(e, "server_event_mode", json_object_new_string("full-mesh"));
	json_object_object_add(e, "server_name", json_object_new_string(u.nodename));
	json_object_object_add(e, "server_pid", json_object_new_int(getpid()));
	/* The LXD API level spoken; moat's own version is moat_version. */
	json_object_object_add(e, "server_version", json_object_new_string("5.0.2"));
	json_object_object_add(e, "moat_version", json_object_new_string(MOAT_VERSION));
	json_object_object_add(e, "moat_policy", json_object_new_string(fe_srv.policy_name));
	/* the storage drivers this server has (model/pools.c): dir */
	json_object_object_add(e, "storage", json_object_new_string("dir"));
	json_object_object_add(e, "storage_version", json_object_new_string("1"));
	json_object_object_add(e, "storage_supported_drivers", storage_drivers());
	return e;
}

/* An untrusted client (a route served to it) gets only what LXD shows one (LXD-API.md §5). */
static int fe_api_server(struct fe_req *req, struct fe_resp *resp)
{
	static const char *const auth_methods[] = { "tls", NULL };
	json_object *o = json_object_new_object();
	json_object *config = req->trusted ? fe_db_server_config() : NULL;

	if (req->trusted)
		json_object_object_add(o, "config", config);
	json_object_object_add(o, "api_extensions", fe_api_extensions(fe_api_modules));
	json_object_object_add(o, "api_status", json_object_new_string("stable"));
	json_object_object_add(o, "api_version", json_object_new_string("1.0"));
	json_object_object_add(o, "auth",
			       json_object_new_string(req->trusted ? "trusted" : "untrusted"));
	json_object_object_add(o, "public", json_object_new_boolean(0));
	json_object_object_add(o, "auth_methods", strings(auth_methods));
	if (!req->trusted)
		return fe_sync(resp, o);
	json_object_object_add(o, "environment", environment());
	fe_etag_of(config, resp->etag);
	return fe_sync(resp, o);
}

static int fe_api_operations(struct fe_req *req, struct fe_resp *resp)
{
	return fe_sync(resp, fe_ops_list(fe_recursion(req) > 0));
}

static struct fe_op *find_op(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_op *op = fe_op_get(fe_param(req, "id"));

	if (!op)
		fe_error(resp, 404, "Operation not found");
	return op;
}

static int fe_api_operation(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_op *op = find_op(req, resp);

	if (!op)
		return 0;
	fe_sync(resp, fe_op_json(op));
	fe_op_put(op);
	return 0;
}

static int fe_api_operation_wait(struct fe_req *req, struct fe_resp *resp)
{
	const char *t = fe_query(req, "timeout");
	long timeout = -1;
	struct fe_op *op;

	if (t && *t) {
		char *end;

		errno = 0;
		timeout = strtol(t, &end, 10);
		if (errno || *end || timeout < -1 || timeout > 86400)
			return fe_error(resp, 400, "Invalid timeout \"%s\"", t);
	}
	op = find_op(req, resp);
	if (!op)
		return 0;
	fe_op_wait(op, (int)timeout);
	fe_sync(resp, fe_op_json(op));
	fe_op_put(op);
	return 0;
}

static int fe_api_operation_delete(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_op *op = find_op(req, resp);
	int r;

	if (!op)
		return 0;
	r = fe_op_cancel(op);
	fe_op_put(op);
	if (r == -EPERM)
		return fe_error(resp, 400, "This operation can't be cancelled");
	if (r == -EALREADY)
		return fe_error(resp, 400, "This operation has already finished");
	return fe_sync(resp, json_object_new_object());
}

static int fe_api_operation_websocket(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_op *op = find_op(req, resp);

	if (!op)
		return 0;
	fe_op_connect(op, req, resp, fe_query(req, "secret"));
	fe_op_put(op);
	return 0;
}

static const struct fe_route routes[] = {
	{ "/", "GET", fe_api_root, FE_ROUTE_UNTRUSTED, NULL },
	{ "/1.0", "GET", fe_api_server, FE_ROUTE_UNTRUSTED, NULL },
	{ "/1.0/operations", "GET", fe_api_operations, 0, NULL },
	{ "/1.0/operations/{id}", "GET", fe_api_operation, 0, NULL },
	{ "/1.0/operations/{id}", "DELETE", fe_api_operation_delete, 0, NULL },
	{ "/1.0/operations/{id}/wait", "GET", fe_api_operation_wait, 0, NULL },
	{ "/1.0/operations/{id}/websocket", "GET", fe_api_operation_websocket, 0, NULL },
	{ 0 },
};

const struct fe_api_module fe_module_server = { "server", routes, NULL };
