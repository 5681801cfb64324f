// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `console`, lxc's way (LXD-API.md §13): POST .../console with the
 * terminal's size, the control websocket then fd 0's, the terminal raw,
 * keyboard to fd 0 and fd 0 to the screen, SIGWINCH as window-resize;
 * ctrl-a q detaches by a close frame (1000, "Detaching from console") on
 * control, and the operation's end is waited for. `--show-log` prints the
 * console log. Runs in the client as the invoking user, no privilege. The
 * server's frames are untrusted: parsed by wsclient.c and only written to
 * our own terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "session.h"
#include "verbs.h"
#include "wsclient.h"

#define DETACH_WAIT_MS 10000 /* for the server's answer to our close */

enum { C_CTL, C_DATA };

struct console {
	struct cli_session s;
	bool detached;
	bool out_failed;
	struct cli_detach esc;
	struct timespec deadline; /* after a detach: stop waiting for the server's close */
};

static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

static void detach(struct console *c)
{
	(void)cli_ws_send_close(&c->s.ws[C_CTL], WS_CLOSE_NORMAL, "Detaching from console");
	c->detached = true;
	c->s.stdin_open = false;
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += DETACH_WAIT_MS / 1000;
}

static void on_stdin(struct cli_session *s)
{
	struct console *c = s->data;
	uint8_t buf[4096];
	bool quit = false;
	ssize_t n;
	size_t keep;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* the end of the input (a pipe; a raw terminal never says so): detach */
		detach(c);
		return;
	}
	keep = cli_detach_filter(&c->esc, buf, (size_t)n, &quit);
	if (keep && cli_ws_send(&s->ws[C_DATA], WS_OP_BINARY, buf, keep) < 0)
		s->stdin_open = false;
	if (quit)
		detach(c);
}

static void on_data(struct cli_session *s, int w, const uint8_t *data, size_t len)
{
	struct console *c = s->data;

	if (w == C_DATA && !c->out_failed && cli_write_all(STDOUT_FILENO, data, len) < 0)
		c->out_failed = true;
}

static void on_signal(struct cli_session *s, int sig)
{
	struct console *c = s->data;
	__do_free char *msg = NULL;
	int w, h;

	if (sig != SIGWINCH) {
		/* TERM, HUP, INT from outside: leave as a ctrl-a q would */
		if (!c->detached)
			detach(c);
		return;
	}
	if (cli_term_size(STDOUT_FILENO, &w, &h) < 0)
		return;
	msg = cli_ctl_resize(w, h);
	if (msg && !s->ended[C_CTL])
		(void)cli_ws_send_text(&s->ws[C_CTL], msg, strlen(msg));
}

/* Done when fd 0 ends, or after a detach when the server has answered (or took too long). */
static bool finished(struct cli_session *s, int *ret_timeout_ms)
{
	struct console *c = s->data;

	if (s->ended[C_DATA] || (c->detached && s->ended[C_CTL]))
		return true;
	if (c->detached) {
		*ret_timeout_ms = ms_left(&c->deadline);
		return *ret_timeout_ms == 0;
	}
	return false;
}

static const struct cli_session_ops ops = {
	.finished = finished, .on_stdin = on_stdin, .on_signal = on_signal, .on_data = on_data
};

static int show_log(struct cli_conn *conn, const char *name)
{
	__do_free char *path = cli_instance_path(name, "/console"), *log = NULL;
	size_t len = 0;
	int r;

	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_get_raw(conn, path, &log, &len);
	if (r < 0)
		return r;
	printf("\nConsole log:\n\n");
	fwrite(log, 1, len, stdout);
	printf("\n");
	return 0;
}

static int attach(struct cli_conn *conn, const char *name)
{
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };
	struct console c = { 0 };
	__do_free char *path = cli_instance_path(name, "/console"), *id = NULL;
	struct cli_resp resp = { 0 };
	json_object *body = NULL, *fds;
	int width = 0, height = 0, r;

	cli_session_init(&c.s, &ops, &c);
	c.s.stdin_open = true;
	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	/* lxc requires a terminal on stdin; moat also runs on a pipe (no raw mode, no size) */
	if (isatty(STDIN_FILENO)) {
		(void)cli_term_size(STDIN_FILENO, &width, &height);
		r = cli_term_raw(STDIN_FILENO, &c.s.term);
		if (r < 0)
			return cli_error(r, "cannot put the terminal in raw mode: %s",
					 strerror(-r));
	}
	body = json_object_new_object();
	if (!body) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	json_object_object_add(body, "width", json_object_new_int(width));
	json_object_object_add(body, "height", json_object_new_int(height));
	json_object_object_add(body, "type", json_object_new_string("console"));
	printf("To detach from the console, press: <ctrl>+a q\n\r");
	fflush(stdout);
	r = cli_request(conn, "POST", path, body, &resp);
	if (r < 0)
		goto out;
	fds = cli_op_fds(&resp);
	id = strdup(cli_op_id(&resp));
	if (!id) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	if (!*cli_jstr(fds, "control")) {
		r = cli_error(-EPROTO, "Did not receive a file descriptor for the control channel");
		goto out;
	}
	r = cli_ws_open_op(conn, id, cli_jstr(fds, "control"), &c.s.ws[C_CTL]);
	if (r == 0)
		r = cli_ws_open_op(conn, id, cli_jstr(fds, "0"), &c.s.ws[C_DATA]);
	if (r < 0)
		goto out;
	c.s.open[C_CTL] = c.s.open[C_DATA] = true;
	r = cli_sigs_open(sigs, ARRAY_SIZE(sigs), &c.s.sigs);
	if (r < 0) {
		r = cli_error(r, "signalfd: %s", strerror(-r));
		goto out;
	}
	r = cli_session_run(&c.s);
	if (r == 0)
		r = cli_op_wait(conn, id, NULL);
out:
	cli_session_free(&c.s);
	if (body)
		json_object_put(body);
	cli_resp_free(&resp);
	return r;
}

int cli_cmd_console(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	const char *type = cli_flag_str(a, "type");
	__do_free char *name = NULL;
	struct cli_conn conn = { 0 };
	int r;

	if (strcmp(type, "console") != 0 && strcmp(type, "vga") != 0)
		return cli_error(-EINVAL, "Unknown output type \"%s\"", type);
	if (strcmp(type, "vga") == 0)
		return cli_error(-EOPNOTSUPP, "moat has no virtual machines: no vga console");
	r = cli_open(ctx, a->pos[0], &conn, &name);
	if (r < 0)
		return r;
	if (cli_flag_bool(a, "show-log"))
		r = show_log(&conn, name);
	else
		r = attach(&conn, name);
	cli_conn_free(&conn);
	return r;
}
