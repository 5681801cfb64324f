// SPDX-License-Identifier: Apache-2.0
/*
 * POST /1.0/instances/<name>/console: the container's console over two
 * websockets (LXD-API.md §13): "0" carries the tty both ways as binary
 * frames, "control" takes window-resize messages, and a close on control
 * (lxc's detach, ctrl-a q) ends the session with Success. Runs in moatd-api
 * (unprivileged); moatd hands over the console pty's master side. Frames
 * and control messages are untrusted.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "core/http.h"
#include "core/websocket.h"
#include "model/instances.h"
#include "ops/ops.h"
#include "ph/ph.h"

enum { C_DATA, C_CONTROL, C_MAX };

struct console {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned refs;
	char name[NAME_MAX_LEN + 1];
	unsigned width, height;
	char secret[C_MAX][65];
	struct fe_ws *ws[C_MAX];
	int ptx;
	bool started, done, detached;
};

struct con_arg {
	struct console *c;
	int which;
};

static struct console *con_ref(struct console *c)
{
	pthread_mutex_lock(&c->lock);
	c->refs++;
	pthread_mutex_unlock(&c->lock);
	return c;
}

static void con_unref(void *p)
{
	struct console *c = p;
	bool last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	for (int i = 0; i < C_MAX; i++)
		if (c->ws[i])
			fe_ws_unref(c->ws[i]);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void free_arg(void *p)
{
	struct con_arg *a = p;

	con_unref(a->c);
	free(a);
}

static void resize(struct console *c, const struct fe_ws_msg *m)
{
	json_object *o = json_tokener_parse((const char *)m->data), *cmd, *args, *w, *h;

	/* {"command":null} is found with cmd NULL: compare only a string */
	if (o && json_object_object_get_ex(o, "command", &cmd) &&
	    json_object_is_type(cmd, json_type_string) &&
	    strcmp(json_object_get_string(cmd), "window-resize") == 0 &&
	    json_object_object_get_ex(o, "args", &args) &&
	    json_object_object_get_ex(args, "width", &w) &&
	    json_object_object_get_ex(args, "height", &h)) {
		int64_t ww = json_object_get_int64(w), hh = json_object_get_int64(h);
		struct winsize ws = { .ws_row = (unsigned short)hh, .ws_col = (unsigned short)ww };

		if (ww > 0 && ww < 10000 && hh > 0 && hh < 10000 && c->ptx >= 0)
			(void)ioctl(c->ptx, TIOCSWINSZ, &ws);
	}
	json_object_put(o);
}

static void on_ws(struct fe_ws *ws, void *data)
{
	struct con_arg *a = data;
	struct console *c = a->c;
	struct fe_ws_msg m;

	pthread_mutex_lock(&c->lock);
	if (!c->ws[a->which])
		c->ws[a->which] = fe_ws_ref(ws);
	pthread_cond_broadcast(&c->cond);
	while (!c->started && !c->done)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	while (fe_ws_recv(ws, &m) > 0) {
		if (a->which == C_CONTROL) {
			if (m.opcode == WS_OP_TEXT && m.len > 0)
				resize(c, &m);
			continue;
		}
		for (size_t off = 0; c->ptx >= 0 && off < m.len;) {
			ssize_t n = write(c->ptx, m.data + off, m.len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	if (a->which == C_CONTROL) { /* detach: the session ends */
		pthread_mutex_lock(&c->lock);
		c->detached = true;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
}

static int connect_ws(void *data, struct fe_req *req, struct fe_resp *resp, const char *secret)
{
	struct console *c = data;
	struct con_arg *a;
	int which = -1;

	for (int i = 0; i < C_MAX; i++)
		if (c->secret[i][0] && fe_secret_equal(secret, c->secret[i]))
			which = i;
	pthread_mutex_lock(&c->lock);
	if (which >= 0 && c->ws[which])
		which = -2;
	pthread_mutex_unlock(&c->lock);
	if (which < 0)
		return fe_error(resp, 403, "Invalid websocket secret");
	a = calloc(1, sizeof(*a));
	if (!a)
		return fe_error(resp, 500, "Out of memory");
	a->c = con_ref(c);
	a->which = which;
	return fe_ws_accept(req, resp, on_ws, a, free_arg);
}

static int run_console(struct fe_op *op, void *data)
{
	struct console *c = data;
	int ptx = -EBADF, ctl = -1, r = 0;
	struct timespec deadline;
	bool all;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&c->lock);
	while (!(all = c->ws[C_DATA] && c->ws[C_CONTROL]))
		if (pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&c->lock);
	if (!all) {
		r = fe_op_fail(op, ETIMEDOUT, "Timed out waiting for the websockets to connect");
		goto end;
	}
	r = ph_call_console_open(c->name, c->width, c->height, &ptx, &ctl, NULL);
	if (r < 0) {
		r = fe_op_fail(op, r, "Failed to attach to the console");
		goto end;
	}
	pthread_mutex_lock(&c->lock);
	c->ptx = ptx;
	c->started = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	for (;;) {
		struct pollfd p = { .fd = c->ptx, .events = POLLIN };
		uint8_t buf[16384];
		bool detached;
		ssize_t n;

		pthread_mutex_lock(&c->lock);
		detached = c->detached;
		pthread_mutex_unlock(&c->lock);
		if (detached)
			break;
		if (poll(&p, 1, 200) <= 0 || !(p.revents & POLLIN)) {
			if (p.revents & (POLLHUP | POLLERR))
				break;
			continue;
		}
		n = read(c->ptx, buf, sizeof(buf));
		if (n <= 0)
			break;
		(void)fe_ws_send_binary(c->ws[C_DATA], buf, (size_t)n);
	}
end:
	pthread_mutex_lock(&c->lock);
	c->done = true;
	if (c->ptx >= 0)
		close(TAKE_FD(c->ptx));
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (ctl >= 0)
		close(ctl); /* moatd's worker releases the console */
	if (c->ws[C_DATA])
		fe_ws_abort(c->ws[C_DATA]);
	return r;
}

static int api_console(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body = NULL, *md, *fds;
	struct fe_instance i = { 0 };
	struct fe_instance_state st;
	const char *type = "console";
	int64_t w = 0, h = 0;
	struct console *c;
	struct fe_op *op;
	const char *name = fe_param(req, "name");

	if (!name_valid_str(name) || fe_instance_load(name, &i) < 0)
		return fe_error(resp, 404, "Instance not found");
	if (fe_json_body(req, resp, &body) < 0 || fe_json_int(body, "width", 0, resp, &w) < 0 ||
	    fe_json_int(body, "height", 0, resp, &h) < 0 ||
	    fe_json_string(body, "type", "console", resp, &type) < 0)
		goto out;
	if (*type && strcmp(type, "console") != 0) {
		fe_error(resp, 400, "Console type \"%.16s\" is not supported", type);
		goto out;
	}
	if (w < 0 || w > 9999 || h < 0 || h > 9999) {
		fe_error(resp, 400, "Invalid terminal size");
		goto out;
	}
	fe_instance_status(i.name, &st);
	if (st.status_code != 103) {
		fe_error(resp, 400, "Instance is not running");
		goto out;
	}
	c = calloc(1, sizeof(*c));
	op = c ? fe_op_new("websocket", "Showing console", NULL) : NULL;
	if (!op) {
		free(c);
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->refs = 1;
	c->ptx = -1;
	snprintf(c->name, sizeof(c->name), "%s", i.name);
	c->width = (unsigned)w;
	c->height = (unsigned)h;
	fe_random_hex(c->secret[C_DATA]);
	fe_random_hex(c->secret[C_CONTROL]);
	md = json_object_new_object();
	fds = json_object_new_object();
	json_object_object_add(fds, "0", json_object_new_string(c->secret[C_DATA]));
	json_object_object_add(fds, "control", json_object_new_string(c->secret[C_CONTROL]));
	json_object_object_add(md, "fds", fds);
	fe_op_set_metadata(op, md);
	fe_op_set_connect(op, connect_ws);
	fe_op_start(op, run_console, c, con_unref);
	fe_async(resp, op);
	fe_op_put(op);
out:
	json_object_put(body);
	fe_instance_free(&i);
	return 0;
}

static const struct fe_route routes[] = {
	{ "/1.0/instances/{name}/console", "POST", api_console, 0, NULL },
	{ 0 },
};

/* The API extensions these endpoints add (GET /1.0 lists them). */
static const char *const extensions[] = {
	"console", /* POST .../console, and GET/DELETE of its log (logs.c) */
	NULL,
};

const struct fe_api_module fe_module_console = { "console", routes, extensions };
