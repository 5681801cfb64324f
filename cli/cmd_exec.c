// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `exec`, lxc's way (LXD-API.md §12): POST .../exec, then the
 * operation's websockets in lxc's order (control, 0, 1, 2; interactive:
 * control, 0), stdin streamed as binary frames and its end as an empty
 * text frame, stdout and stderr kept apart until each one's barrier, the
 * terminal raw while interactive, SIGWINCH as window-resize and lxc's
 * signals forwarded on control; the exit code is the operation's
 * metadata.return. Runs in the client as the invoking user, no privilege.
 * What comes back (the operation, the frames) is the server's and
 * untrusted: frames are parsed by wsclient.c under its caps, and output
 * bytes are only ever written to our own stdout and stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "session.h"
#include "verbs.h"
#include "wsclient.h"

#define STDIN_CHUNK (128u * 1024) /* lxc reads its stdin 128 KiB at a time */

enum { W_CTL, W_IN, W_OUT, W_ERR, W_MAX };
static const char *const fd_keys[W_MAX] = { "control", "0", "1", "2" };

struct exec_session {
	struct cli_session s;
	bool interactive;
	bool out_failed[W_MAX];
	uint8_t *buf; /* STDIN_CHUNK */
};

/* ---- the request -------------------------------------------------------------------------------- */

static int exec_body(struct cli_ctx *ctx, bool interactive, int width, int height,
		     json_object **ret)
{
	const struct cli_args *a = ctx->args;
	json_object *body, *cmd, *env;
	const char *const *envs, *term = getenv("TERM");
	size_t nenv;
	long user = cli_flag_int(a, "user"), group = cli_flag_int(a, "group");

	if (user < 0 || group < 0)
		return cli_error(-EINVAL, "invalid argument \"%ld\" for \"--%s\" flag",
				 user < 0 ? user : group, user < 0 ? "user" : "group");
	body = json_object_new_object();
	cmd = json_object_new_array();
	env = json_object_new_object();
	if (!body || !cmd || !env) {
		json_object_put(body);
		json_object_put(cmd);
		json_object_put(env);
		return cli_error(-ENOMEM, "out of memory");
	}
	for (size_t i = 1; i < a->npos; i++)
		json_object_array_add(cmd, json_object_new_string(a->pos[i]));
	if (term)
		json_object_object_add(env, "TERM", json_object_new_string(term));
	envs = cli_flag_list(a, "env", &nenv);
	for (size_t i = 0; i < nenv; i++) {
		const char *eq = strchr(envs[i], '=');
		__do_free char *key =
			strndup(envs[i], eq ? (size_t)(eq - envs[i]) : strlen(envs[i]));

		if (!key) {
			json_object_put(body);
			json_object_put(cmd);
			json_object_put(env);
			return cli_error(-ENOMEM, "out of memory");
		}
		json_object_object_add(env, key, json_object_new_string(eq ? eq + 1 : ""));
	}
	json_object_object_add(body, "command", cmd);
	json_object_object_add(body, "wait-for-websocket", json_object_new_boolean(true));
	json_object_object_add(body, "interactive", json_object_new_boolean(interactive));
	json_object_object_add(body, "environment", env);
	json_object_object_add(body, "width", json_object_new_int(width));
	json_object_object_add(body, "height", json_object_new_int(height));
	json_object_object_add(body, "record-output", json_object_new_boolean(false));
	json_object_object_add(body, "user", json_object_new_int64(user));
	json_object_object_add(body, "group", json_object_new_int64(group));
	json_object_object_add(body, "cwd", json_object_new_string(cli_flag_str(a, "cwd") ?: ""));
	*ret = body;
	return 0;
}

/* lxc's choice of mode: -n, then --mode / -t / -T, else both stdin and stdout terminals. */
static int exec_mode(const struct cli_args *a, bool *ret_interactive)
{
	const char *mode = cli_flag_str(a, "mode");
	bool t = cli_flag_bool(a, "force-interactive"),
	     T = cli_flag_bool(a, "force-noninteractive");

	if (t && T)
		return cli_error(-EINVAL, "You can't pass -t and -T at the same time");
	if (strcmp(mode, "auto") != 0 && (t || T))
		return cli_error(-EINVAL, "You can't pass -t or -T at the same time as --mode");
	if (strcmp(mode, "auto") != 0 && strcmp(mode, "interactive") != 0 &&
	    strcmp(mode, "non-interactive") != 0)
		return cli_error(-EINVAL,
				 "Invalid --mode: %s (auto, interactive or non-interactive)", mode);
	if (cli_flag_bool(a, "disable-stdin"))
		*ret_interactive = false;
	else if (strcmp(mode, "interactive") == 0 || t)
		*ret_interactive = true;
	else if (strcmp(mode, "non-interactive") == 0 || T)
		*ret_interactive = false;
	else
		*ret_interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	return 0;
}

/* ---- the session ---------------------------------------------------------------------------------- */

static void send_control(struct cli_session *s, const char *json)
{
	if (json && s->open[W_CTL] && !s->ended[W_CTL])
		(void)cli_ws_send_text(&s->ws[W_CTL], json, strlen(json));
}

static void on_signal(struct cli_session *s, int sig)
{
	struct exec_session *e = s->data;
	__do_free char *msg = NULL;

	if (sig == SIGWINCH) {
		int w, h;

		/* a non-interactive command gets no resize: lxc's "console corruption" note */
		if (!e->interactive || cli_term_size(STDOUT_FILENO, &w, &h) < 0)
			return;
		msg = cli_ctl_resize(w, h);
	} else if (sig == SIGHUP) {
		/* lxc: HUP when we still have a terminal, else TERM */
		int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		msg = cli_ctl_signal(fd >= 0 ? SIGHUP : SIGTERM);
	} else {
		msg = cli_ctl_signal(sig);
	}
	send_control(s, msg);
}

/* Our stdin: to fd 0's websocket; its end as the empty text frame. */
static void on_stdin(struct cli_session *s)
{
	struct exec_session *e = s->data;
	ssize_t n;

	do
		n = read(STDIN_FILENO, e->buf, STDIN_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0) {
		if (cli_ws_send(&s->ws[W_IN], WS_OP_BINARY, e->buf, (size_t)n) < 0)
			s->stdin_open = false;
		return;
	}
	(void)cli_ws_send(&s->ws[W_IN], WS_OP_TEXT, "", 0);
	s->stdin_open = false;
}

/* Output: fd 1 (or the pty on fd 0) to our stdout, fd 2 to our stderr. */
static void on_data(struct cli_session *s, int w, const uint8_t *data, size_t len)
{
	struct exec_session *e = s->data;

	if (w == W_CTL || (w == W_IN && !e->interactive) || e->out_failed[w])
		return;
	if (cli_write_all(w == W_ERR ? STDERR_FILENO : STDOUT_FILENO, data, len) < 0)
		e->out_failed[w] = true; /* as lxc: stop writing, keep draining */
}

/* Done when the output has ended: fd 1 and 2, or the pty on fd 0. */
static bool finished(struct cli_session *s, int *ret_timeout_ms)
{
	struct exec_session *e = s->data;

	(void)ret_timeout_ms;
	if (!s->open[W_IN])
		s->stdin_open = false;
	if (e->interactive)
		return !s->open[W_IN] || s->ended[W_IN];
	return (!s->open[W_OUT] || s->ended[W_OUT]) && (!s->open[W_ERR] || s->ended[W_ERR]);
}

static const struct cli_session_ops ops = {
	.finished = finished, .on_stdin = on_stdin, .on_signal = on_signal, .on_data = on_data
};

/* ---- the verb ------------------------------------------------------------------------------------- */

static int connect_all(struct cli_conn *conn, const struct cli_resp *resp, struct exec_session *e)
{
	json_object *fds = cli_op_fds(resp);
	const char *id = cli_op_id(resp);
	int r;

	if (!*id || !fds)
		return cli_error(-EPROTO, "the server's exec operation has no websockets");
	if (e->interactive && !*cli_jstr(fds, "0"))
		return cli_error(-EPROTO, "the server's exec operation has no websocket for fd 0");
	for (int w = 0; w < W_MAX; w++) {
		const char *secret = cli_jstr(fds, fd_keys[w]);

		if (!*secret)
			continue;
		r = cli_ws_open_op(conn, id, secret, &e->s.ws[w]);
		if (r < 0)
			return r;
		e->s.open[w] = true;
	}
	return 0;
}

/* The final operation: its return code and error, as lxc reports them. */
static int finish(struct cli_conn *conn, const char *id)
{
	json_object *op = NULL, *md, *ret;
	const char *err;
	int r;

	r = cli_op_wait_final(conn, id, &op);
	if (r < 0)
		return r;
	md = cli_jget(op, "metadata", json_type_object);
	ret = cli_jget(md, "return", json_type_int);
	if (!ret)
		ret = cli_jget(md, "return", json_type_double);
	if (ret)
		cli_set_exit_code((int)json_object_get_int64(ret));
	err = cli_jstr(op, "err");
	if (cli_jint(op, "status_code") != 200 || *err)
		r = cli_error(-EIO, "%s", *err ? err : cli_jstr(op, "status"));
	json_object_put(op);
	return r;
}

int cli_cmd_exec(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	struct exec_session e = { 0 };
	__do_free char *name = NULL, *path = NULL, *id = NULL;
	__do_free uint8_t *buf = malloc(STDIN_CHUNK);
	struct cli_conn conn = { 0 };
	struct cli_resp resp = { 0 };
	json_object *body = NULL;
	int width = 0, height = 0, r;

	cli_session_init(&e.s, &ops, &e);
	e.buf = buf;
	if (!buf)
		return cli_error(-ENOMEM, "out of memory");
	r = exec_mode(a, &e.interactive);
	if (r < 0)
		return r;
	r = cli_open(ctx, a->pos[0], &conn, &name);
	if (r < 0)
		return r;
	if (isatty(STDOUT_FILENO))
		(void)cli_term_size(STDOUT_FILENO, &width, &height);
	r = exec_body(ctx, e.interactive, width, height, &body);
	if (r < 0)
		goto out;
	path = cli_instance_path(name, "/exec");
	if (!path) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	r = cli_request(&conn, "POST", path, body, &resp);
	if (r < 0)
		goto out;
	id = strdup(cli_op_id(&resp));
	if (!id) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	r = connect_all(&conn, &resp, &e);
	if (r < 0)
		goto out;
	r = cli_sigs_open(cli_exec_signals, cli_exec_nsignals, &e.s.sigs);
	if (r < 0) {
		r = cli_error(r, "signalfd: %s", strerror(-r));
		goto out;
	}
	if (e.interactive && isatty(STDIN_FILENO)) {
		r = cli_term_raw(STDIN_FILENO, &e.s.term);
		if (r < 0) {
			r = cli_error(r, "cannot put the terminal in raw mode: %s", strerror(-r));
			goto out;
		}
	}
	e.s.stdin_open = !cli_flag_bool(a, "disable-stdin");
	if (!e.s.stdin_open && e.s.open[W_IN])
		(void)cli_ws_send(&e.s.ws[W_IN], WS_OP_TEXT, "", 0);
	r = cli_session_run(&e.s);
	if (r == 0)
		r = finish(&conn, id);
out:
	cli_session_free(&e.s);
	if (body)
		json_object_put(body);
	cli_resp_free(&resp);
	cli_conn_free(&conn);
	return r;
}
