// SPDX-License-Identifier: Apache-2.0
/*
 * Instance logs: GET /1.0/instances/<name>/logs, .../logs/lxc.log and the
 * console log (GET and DELETE .../console). Runs in moatd-api
 * (unprivileged); moatd opens the root-owned log files it names itself and
 * hands back a read-only descriptor.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "instances.h"

static int log_op(struct fe_req *req, struct fe_resp *resp, Ph__InstanceLogKind kind, bool truncate,
		  int *ret_fd)
{
	Ph__Request r = PH__REQUEST__INIT;
	Ph__InstanceLogRequest m = PH__INSTANCE_LOG_REQUEST__INIT;
	Ph__Reply *rep = NULL;
	struct fe_instance i;
	int fds[4];
	size_t nfds = 0;
	int e;

	if (!name_valid_str(req->seg[1]) || fe_instance_load(req->seg[1], &i) < 0)
		return fe_error(resp, 404, "Instance not found") - 1;
	m.name.data = (uint8_t *)i.name;
	m.name.len = strlen(i.name);
	m.kind = kind;
	m.truncate = truncate;
	r.op_case = PH__REQUEST__OP_INSTANCE_LOG;
	r.instance_log = &m;
	e = fe_ph_call_fds_ret(&r, &rep, fds, &nfds);
	fe_instance_free(&i);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	if (e < 0) {
		for (size_t k = 0; k < nfds; k++)
			close(fds[k]);
		if (e == -ENOENT && truncate)
			return 0; /* nothing to clear */
		return e == -ENOENT
			       ? fe_error(resp, 404, "Not Found") - 1
			       : fe_error(resp, 500, "Cannot read the log: %s", strerror(-e)) - 1;
	}
	if (ret_fd)
		*ret_fd = nfds > 0 ? fds[0] : -1;
	else
		for (size_t k = 0; k < nfds; k++)
			close(fds[k]);
	return 0;
}

static int api_logs(struct fe_req *req, struct fe_resp *resp)
{
	json_object *a = json_object_new_array();
	char url[128];

	if (log_op(req, resp, PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC, false, NULL) < 0 &&
	    resp->http_status != 404) {
		json_object_put(a);
		return 0;
	}
	if (resp->kind == FE_RESP_ERROR && strcmp(resp->error, "Instance not found") == 0) {
		json_object_put(a);
		return 0;
	}
	if (resp->kind != FE_RESP_ERROR) {
		snprintf(url, sizeof(url), "/1.0/%s/%s/logs/lxc.log", req->seg[0], req->seg[1]);
		json_object_array_add(a, json_object_new_string(url));
	}
	return fe_sync(resp, a);
}

static int send_log(struct fe_req *req, struct fe_resp *resp, Ph__InstanceLogKind kind)
{
	int fd = -1;

	if (log_op(req, resp, kind, false, &fd) < 0)
		return 0;
	fe_raw(resp, NULL, 0);
	resp->raw_fd = fd;
	return 0;
}

static int api_log_file(struct fe_req *req, struct fe_resp *resp)
{
	if (strcmp(req->seg[3], "lxc.log") != 0)
		return fe_error(resp, 404, "Not Found");
	return send_log(req, resp, PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC);
}

static int api_console_log(struct fe_req *req, struct fe_resp *resp)
{
	return send_log(req, resp, PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE);
}

static int api_console_clear(struct fe_req *req, struct fe_resp *resp)
{
	if (log_op(req, resp, PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE, true, NULL) < 0)
		return 0;
	return fe_sync(resp, json_object_new_object());
}

const struct fe_route fe_routes_logs[] = {
	{ "/1.0/instances/*/logs", "GET", api_logs },
	{ "/1.0/instances/*/logs/*", "GET", api_log_file },
	{ "/1.0/instances/*/console", "GET", api_console_log },
	{ "/1.0/instances/*/console", "DELETE", api_console_clear },
	{ "/1.0/containers/*/logs", "GET", api_logs },
	{ "/1.0/containers/*/logs/*", "GET", api_log_file },
	{ "/1.0/containers/*/console", "GET", api_console_log },
	{ "/1.0/containers/*/console", "DELETE", api_console_clear },
	{ NULL, NULL, NULL },
};
