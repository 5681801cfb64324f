// SPDX-License-Identifier: Apache-2.0
/*
 * POST /1.0/instances/<name>/exec: LXD's exec protocol (LXD-API.md §12).
 * Runs in moatd-api (unprivileged). moatd starts the command inside the
 * container and hands over descriptors (stdio pipes or a pty master, and
 * a control socket); this file pumps them to and from the operation's
 * websockets: fd "0" stdin (binary frames; an empty text frame is EOF), "1"
 * and "2" output (binary frames, then an empty text frame as the barrier),
 * interactive: one pty on "0"; "control" takes window-resize and signal
 * messages. The exit status ends up in the operation's metadata.return.
 * With wait-for-websocket false the operation is a task instead: stdin at
 * EOF, and the output dropped or, with record-output, written (up to
 * EXEC_RECORD_MAX a stream) to exec_<operation id>.stdout and .stderr in
 * the instance's logs directory (api/logs.c), named in metadata.output.
 * Frames and control messages come from clients and are untrusted.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "core/http.h"
#include "core/websocket.h"
#include "log.h"
#include "model/instances.h"
#include "ops/ops.h"
#include "ph/ph.h"

enum { S_STDIN, S_STDOUT, S_STDERR, S_CONTROL, S_MAX };
static const char *const fd_names[S_MAX] = { "0", "1", "2", "control" };

struct exec_session {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned refs;
	char name[NAME_MAX_LEN + 1];
	json_object *argv, *env; /* array of strings, object of strings */
	bool interactive;
	bool wait_ws; /* false: a task, no websockets */
	bool record;  /* a task's output goes to its log files */
	unsigned width, height;
	uint32_t uid, gid;
	char cwd[4096];
	char secret[S_MAX][65];
	struct fe_ws *ws[S_MAX];
	bool started, done;
	int in_fd;           /* stdin write end, or the pty master */
	int ctl_fd;          /* control socket to moatd's worker */
	bool control_closed; /* the client closed control before the end: kill */
};

static struct exec_session *session_ref(struct exec_session *s)
{
	pthread_mutex_lock(&s->lock);
	s->refs++;
	pthread_mutex_unlock(&s->lock);
	return s;
}

static void session_unref(void *p)
{
	struct exec_session *s = p;
	bool last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (!last)
		return;
	for (int i = 0; i < S_MAX; i++)
		if (s->ws[i])
			fe_ws_unref(s->ws[i]);
	json_object_put(s->argv);
	json_object_put(s->env);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

static bool needed(const struct exec_session *s, int i)
{
	if (s->interactive)
		return i == S_STDIN || i == S_CONTROL;
	return i != S_CONTROL; /* control is optional when not interactive */
}

/* ---- websocket handlers (each in its connection's own thread) ---------------- */

struct ws_arg {
	struct exec_session *s;
	int which;
};

static void free_ws_arg(void *p)
{
	struct ws_arg *a = p;

	session_unref(a->s);
	free(a);
}

/* Wait until the command started (or the session ended); false if it never will. */
static bool wait_started(struct exec_session *s)
{
	bool ok;

	pthread_mutex_lock(&s->lock);
	while (!s->started && !s->done)
		pthread_cond_wait(&s->cond, &s->lock);
	ok = s->started;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static void handle_control(struct exec_session *s, const struct fe_ws_msg *m)
{
	json_object *o = json_tokener_parse((const char *)m->data), *cmd, *args, *sig;
	const char *c;

	if (!o || !json_object_object_get_ex(o, "command", &cmd))
		goto out;
	/* {"command":null} is found with cmd NULL, and its string is NULL: not strcmp()'s */
	c = json_object_get_string(cmd);
	if (!c)
		goto out;
	if (strcmp(c, "window-resize") == 0 && s->interactive &&
	    json_object_object_get_ex(o, "args", &args)) {
		json_object *w, *h;
		struct winsize ws = { 0 };

		if (json_object_object_get_ex(args, "width", &w) &&
		    json_object_object_get_ex(args, "height", &h)) {
			/* strings on the wire; json-c reads "120" as 120 */
			int64_t ww = json_object_get_int64(w), hh = json_object_get_int64(h);

			if (ww > 0 && ww < 10000 && hh > 0 && hh < 10000) {
				ws.ws_col = (unsigned short)ww;
				ws.ws_row = (unsigned short)hh;
				(void)ioctl(s->in_fd, TIOCSWINSZ, &ws);
			}
		}
	} else if (strcmp(c, "signal") == 0 && json_object_object_get_ex(o, "signal", &sig)) {
		int32_t n = (int32_t)json_object_get_int(sig);

		if (n >= 1 && n <= 64)
			(void)!send(s->ctl_fd, &n, sizeof(n), MSG_NOSIGNAL);
	}
out:
	json_object_put(o);
}

static void on_ws(struct fe_ws *ws, void *data)
{
	struct ws_arg *a = data;
	struct exec_session *s = a->s;
	struct fe_ws_msg m;
	int r;

	if (a->which == S_STDOUT || a->which == S_STDERR) {
		/* output is sent by the pump; here we only keep the connection
		 * answering pings until the client closes it after the barrier */
		while (fe_ws_recv(ws, &m) > 0)
			;
		return;
	}
	if (!wait_started(s))
		return;
	while ((r = fe_ws_recv(ws, &m)) > 0) {
		if (a->which == S_CONTROL) {
			if (m.opcode == WS_OP_TEXT && m.len > 0)
				handle_control(s, &m);
			continue;
		}
		/* stdin: binary data, an empty text frame for end of input */
		if (m.len == 0 && m.opcode == WS_OP_TEXT) {
			if (!s->interactive) {
				pthread_mutex_lock(&s->lock);
				if (s->in_fd >= 0)
					close(TAKE_FD(s->in_fd));
				pthread_mutex_unlock(&s->lock);
			}
			continue;
		}
		pthread_mutex_lock(&s->lock);
		for (size_t off = 0; s->in_fd >= 0 && off < m.len;) {
			ssize_t n = write(s->in_fd, m.data + off, m.len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (a->which == S_CONTROL) {
		pthread_mutex_lock(&s->lock);
		if (!s->done) {
			/* control closed before the end: LXD kills the command */
			s->control_closed = true;
			if (s->ctl_fd >= 0)
				shutdown(s->ctl_fd, SHUT_RDWR);
		}
		pthread_mutex_unlock(&s->lock);
	}
}

/* fe_ws_accept gives us no handle before the handler runs: register from it. */
static void register_ws(struct exec_session *s, int which, struct fe_ws *ws)
{
	pthread_mutex_lock(&s->lock);
	if (!s->ws[which])
		s->ws[which] = fe_ws_ref(ws);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void on_ws_registered(struct fe_ws *ws, void *data)
{
	struct ws_arg *a = data;

	register_ws(a->s, a->which, ws);
	on_ws(ws, data);
}

static int connect_ws_registered(void *data, struct fe_req *req, struct fe_resp *resp,
				 const char *secret)
{
	struct exec_session *s = data;
	struct ws_arg *a;
	int which = -1;

	for (int i = 0; i < S_MAX; i++)
		if (s->secret[i][0] && fe_secret_equal(secret, s->secret[i]))
			which = i;
	pthread_mutex_lock(&s->lock);
	if (which >= 0 && s->ws[which])
		which = -2;
	pthread_mutex_unlock(&s->lock);
	if (which < 0)
		return fe_error(resp, 403, "Invalid websocket secret");
	a = calloc(1, sizeof(*a));
	if (!a)
		return fe_error(resp, 500, "Out of memory");
	a->s = session_ref(s);
	a->which = which;
	return fe_ws_accept(req, resp, on_ws_registered, a, free_ws_arg);
}

/* ---- the operation ------------------------------------------------------------ */

/* A record-output file's name: exec_<operation id>.stdout or .stderr. */
static const char *record_name(char ret[static 64], struct fe_op *op, int which)
{
	snprintf(ret, 64, "exec_%s.%s", fe_op_id(op), which == S_STDOUT ? "stdout" : "stderr");
	return ret;
}

/*
 * The operation's metadata. Websockets: command, environment, fds and
 * interactive, as at the start. Without websockets (a task) LXD has none
 * until the end. Then both get "return" (code >= 0) and a recording task
 * "output", the URLs of its two files.
 */
static void set_result(struct fe_op *op, struct exec_session *s, int code)
{
	json_object *md = json_object_new_object();

	if (s->wait_ws) {
		json_object *fds = json_object_new_object();

		for (int i = 0; i < S_MAX; i++)
			if (s->secret[i][0])
				json_object_object_add(fds, fd_names[i],
						       json_object_new_string(s->secret[i]));
		/* copies: the operation's metadata is read by other threads, and
		 * json-c's reference counts are not atomic */
		json_object_object_add(md, "command", fe_json_copy(s->argv));
		json_object_object_add(md, "environment", fe_json_copy(s->env));
		json_object_object_add(md, "fds", fds);
		json_object_object_add(md, "interactive", json_object_new_boolean(s->interactive));
	} else if (s->record) {
		json_object *out = json_object_new_object();
		char file[64], url[160];

		for (int i = S_STDOUT; i <= S_STDERR; i++) {
			snprintf(url, sizeof(url), "/1.0/instances/%s/logs/%s", s->name,
				 record_name(file, op, i));
			json_object_object_add(out, fd_names[i], json_object_new_string(url));
		}
		json_object_object_add(md, "output", out);
	}
	if (code >= 0)
		json_object_object_add(md, "return", json_object_new_int(code));
	fe_op_set_metadata(op, md);
}

/*
 * Where one output stream goes: a websocket, a record file, or (neither)
 * nowhere. A record file stops growing at EXEC_RECORD_MAX: what comes
 * after is still read, so that the command never blocks on a full pipe,
 * but dropped, so that a container cannot fill the host's disk through
 * its output. A failed write (a full disk) drops the rest the same way.
 */
#define EXEC_RECORD_MAX ((uint64_t)64 << 20)

struct out_sink {
	struct fe_ws *ws;
	int fd;       /* record file, or -1 */
	uint64_t len; /* bytes in it */
};

static void record_write(struct out_sink *o, const uint8_t *buf, size_t n)
{
	if (o->len >= EXEC_RECORD_MAX)
		return;
	if (n > EXEC_RECORD_MAX - o->len)
		n = (size_t)(EXEC_RECORD_MAX - o->len);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(o->fd, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->len = EXEC_RECORD_MAX;
			return;
		}
		off += (size_t)w;
		o->len += (uint64_t)w;
	}
}

/* Pass on what fd has; false at end of stream (or error). */
static bool pump(int fd, struct out_sink *o)
{
	uint8_t buf[32768];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false; /* EOF, or EIO from a pty whose other side is gone */
	if (o->ws)
		(void)fe_ws_send_binary(o->ws, buf, (size_t)n);
	else if (o->fd >= 0)
		record_write(o, buf, (size_t)n);
	return true;
}

/* The stream ended: a websocket gets the barrier, an empty text frame. */
static void sink_end(struct out_sink *o)
{
	if (o->ws)
		fe_ws_send_text(o->ws, "", 0);
}

static int call_exec(struct exec_session *s, int fds[static 4])
{
	const char *argv[PH_CALL_MAX_ARGS], *env[PH_CALL_MAX_ARGS];
	size_t argc = json_object_array_length(s->argv), envc = 0;
	char envbuf[PH_CALL_MAX_ARGS][512];
	struct ph_exec_request req;
	struct ph_exec_info x;
	int r;

	if (argc == 0 || argc > PH_CALL_MAX_ARGS)
		return -E2BIG;
	for (size_t i = 0; i < argc; i++)
		argv[i] = json_object_get_string(json_object_array_get_idx(s->argv, i));
	json_object_object_foreach(s->env, k, v)
	{
		int n;

		if (envc >= PH_CALL_MAX_ARGS)
			return -E2BIG;
		n = snprintf(envbuf[envc], sizeof(envbuf[envc]), "%s=%s", k,
			     json_object_get_string(v));
		if (n < 0 || (size_t)n >= sizeof(envbuf[envc]))
			return -E2BIG;
		env[envc] = envbuf[envc];
		envc++;
	}
	req = (struct ph_exec_request){ .name = s->name,
					.argv = argv,
					.argc = argc,
					.env = env,
					.envc = envc,
					.uid = s->uid,
					.gid = s->gid,
					.cwd = s->cwd,
					.interactive = s->interactive,
					.width = s->width,
					.height = s->height };
	r = ph_call_exec_start(&req, &x, NULL);
	if (r < 0)
		return r;
	memcpy(fds, x.fds, sizeof(x.fds));
	return 0;
}

/*
 * Have moatd start the command: fds gets stdin's write end (or the pty
 * master), then (not interactive) stdout's and stderr's read ends, then
 * the control socket (ph_call_exec_start() checked the count). On failure
 * the operation is failed with return 127.
 */
static int start_command(struct fe_op *op, struct exec_session *s, int fds[static 4])
{
	int r = call_exec(s, fds);

	if (r >= 0)
		return 0;
	set_result(op, s, 127);
	return fe_op_fail(op, r, "%s",
			  r == -EINVAL ? "Instance is not running" : "Failed to start the command");
}

/*
 * Pump out_fd and err_fd (-1: none) into their sinks until both ended and
 * moatd's worker reported on s->ctl_fd, then set the result: the exit
 * code in metadata.return, or a Failure when the command never ran.
 * Interactive: out_fd is the pty master (s->in_fd, not closed here).
 */
static int wait_command(struct fe_op *op, struct exec_session *s, int out_fd, int err_fd,
			struct out_sink *out, struct out_sink *err)
{
	int code = -1, failed_errno = 0;

	for (;;) {
		struct pollfd p[3] = { { .fd = out_fd, .events = POLLIN },
				       { .fd = err_fd, .events = POLLIN },
				       { .fd = s->ctl_fd, .events = POLLIN } };

		if (out_fd < 0 && err_fd < 0 && code >= 0)
			break;
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents && !pump(out_fd, out)) {
			sink_end(out);
			if (!s->interactive)
				close(out_fd);
			out_fd = -1;
		}
		if (p[1].revents && !pump(err_fd, err)) {
			sink_end(err);
			close(err_fd);
			err_fd = -1;
		}
		if (p[2].revents) {
			int32_t msg[2];
			ssize_t n = recv(s->ctl_fd, msg, sizeof(msg), 0);

			if (n == sizeof(msg) && msg[0] == 1) {
				failed_errno = msg[1];
			} else if (n == sizeof(msg) && msg[0] == 2) {
				code = WIFEXITED(msg[1])     ? WEXITSTATUS(msg[1])
				       : WIFSIGNALED(msg[1]) ? 128 + WTERMSIG(msg[1])
							     : 1;
			} else if (n <= 0 && code < 0) {
				code = 137; /* the worker went away: the command was killed */
			}
			if (n <= 0)
				p[2].fd = -1;
		}
		if (code >= 0 && s->interactive && out_fd >= 0) {
			/* drain what the pty still holds, then end */
			while (pump(out_fd, out)) {
				struct pollfd q = { .fd = out_fd, .events = POLLIN };

				if (poll(&q, 1, 50) <= 0)
					break;
			}
			sink_end(out);
			out_fd = -1;
		}
	}
	if (failed_errno) {
		set_result(op, s, 127);
		return fe_op_fail(op, ENOENT, "%s",
				  failed_errno == ENOENT ? "Command not found"
							 : strerror(failed_errno));
	}
	set_result(op, s, code);
	return 0;
}

/* The command is over (or never started): release its descriptors and the websockets. */
static void end_session(struct exec_session *s)
{
	pthread_mutex_lock(&s->lock);
	s->done = true;
	if (s->in_fd >= 0)
		close(TAKE_FD(s->in_fd));
	if (s->ctl_fd >= 0)
		close(TAKE_FD(s->ctl_fd));
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->ws[S_CONTROL])
		fe_ws_close(s->ws[S_CONTROL], 1000, "");
	if (s->interactive && s->ws[S_STDIN])
		fe_ws_abort(s->ws[S_STDIN]);
}

static int run_exec(struct fe_op *op, void *data)
{
	struct exec_session *s = data;
	int fds[4] = { -1, -1, -1, -1 }, out_fd = -1, err_fd = -1;
	struct out_sink out = { .fd = -1 }, err = { .fd = -1 };
	struct timespec deadline;
	bool all = false;
	int r;

	/* the client has 5 s to connect the websockets it needs */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		all = true;
		for (int i = 0; i < S_MAX; i++)
			if (needed(s, i) && !s->ws[i])
				all = false;
		if (all || pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&s->lock);
	if (!all) {
		r = fe_op_fail(op, ETIMEDOUT, "Timed out waiting for the websockets to connect");
		goto end;
	}

	r = start_command(op, s, fds);
	if (r < 0)
		goto end;
	pthread_mutex_lock(&s->lock);
	s->in_fd = fds[0];
	if (s->interactive) {
		s->ctl_fd = fds[1];
		out_fd = fds[0]; /* the pty master both ways */
		out.ws = s->ws[S_STDIN];
	} else {
		out_fd = fds[1];
		err_fd = fds[2];
		s->ctl_fd = fds[3];
		out.ws = s->ws[S_STDOUT];
		err.ws = s->ws[S_STDERR];
	}
	s->started = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);

	r = wait_command(op, s, out_fd, err_fd, &out, &err);
end:
	end_session(s);
	return r;
}

/*
 * wait-for-websocket false: a task. The command runs with stdin at EOF;
 * its output goes to exec_<operation id>.stdout and .stderr under the
 * instance's logs (record-output), or is read and dropped.
 */
static int run_task(struct fe_op *op, void *data)
{
	struct exec_session *s = data;
	__do_close int rec_out = -EBADF, rec_err = -EBADF;
	struct out_sink out = { .fd = -1 }, err = { .fd = -1 };
	int fds[4] = { -1, -1, -1, -1 }, r = 0;
	char file[64];

	if (s->record) {
		r = fe_exec_log_create(s->name, record_name(file, op, S_STDOUT), &rec_out);
		if (r >= 0)
			r = fe_exec_log_create(s->name, record_name(file, op, S_STDERR), &rec_err);
		if (r < 0)
			r = fe_op_fail(op, r, "Cannot record the output: %s", strerror(-r));
		out.fd = rec_out;
		err.fd = rec_err;
	}
	if (r >= 0)
		r = start_command(op, s, fds);
	if (r >= 0) {
		close(fds[0]); /* no stdin: the command reads EOF */
		pthread_mutex_lock(&s->lock);
		s->ctl_fd = fds[3];
		s->started = true;
		pthread_mutex_unlock(&s->lock);
		r = wait_command(op, s, fds[1], fds[2], &out, &err);
	}
	end_session(s);
	return r;
}

/* ---- POST .../exec -------------------------------------------------------------- */

static void add_default_env(json_object *env, uint32_t uid)
{
	if (!json_object_object_get_ex(env, "PATH", NULL))
		json_object_object_add(
			env, "PATH",
			json_object_new_string(
				"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	if (!json_object_object_get_ex(env, "LANG", NULL))
		json_object_object_add(env, "LANG", json_object_new_string("C.UTF-8"));
	if (uid == 0) {
		if (!json_object_object_get_ex(env, "HOME", NULL))
			json_object_object_add(env, "HOME", json_object_new_string("/root"));
		if (!json_object_object_get_ex(env, "USER", NULL))
			json_object_object_add(env, "USER", json_object_new_string("root"));
	}
}

static int api_exec(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body = NULL, *cmd = NULL, *env = NULL, *xc = NULL, *xd = NULL;
	struct fe_instance i = { 0 };
	struct fe_instance_state st;
	struct exec_session *s = NULL;
	const char *cwd = "";
	int64_t w = 0, h = 0, uid = 0, gid = 0;
	bool wait_ws = true, interactive = false, record = false;
	struct fe_op *op;
	const char *name = fe_param(req, "name");

	if (!name_valid_str(name) || fe_instance_load(name, &i) < 0)
		return fe_error(resp, 404, "Instance not found");
	if (fe_json_body(req, resp, &body) < 0 ||
	    fe_json_strings(body, "command", resp, &cmd) < 0 ||
	    fe_json_string_map(body, "environment", resp, &env) < 0 ||
	    fe_json_bool(body, "wait-for-websocket", false, resp, &wait_ws) < 0 ||
	    fe_json_bool(body, "interactive", false, resp, &interactive) < 0 ||
	    fe_json_bool(body, "record-output", false, resp, &record) < 0 ||
	    fe_json_int(body, "width", 0, resp, &w) < 0 ||
	    fe_json_int(body, "height", 0, resp, &h) < 0 ||
	    fe_json_int(body, "user", 0, resp, &uid) < 0 ||
	    fe_json_int(body, "group", 0, resp, &gid) < 0 ||
	    fe_json_string(body, "cwd", "", resp, &cwd) < 0)
		goto out;
	if (!cmd || json_object_array_length(cmd) == 0 || json_object_array_length(cmd) > 128) {
		fe_error(resp, 400, "Invalid command: it must hold 1 to 128 arguments");
		goto out;
	}
	if (uid < 0 || uid > 65535 || gid < 0 || gid > 65535 || w < 0 || w > 9999 || h < 0 ||
	    h > 9999 || (*cwd && *cwd != '/') || strlen(cwd) >= sizeof(s->cwd)) {
		fe_error(resp, 400, "Invalid user, group, cwd or terminal size");
		goto out;
	}
	fe_instance_status(i.name, &st);
	if (st.status_code != 103) {
		fe_error(resp, 400, "Instance is not running");
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->refs = 1;
	s->in_fd = s->ctl_fd = -1;
	snprintf(s->name, sizeof(s->name), "%s", i.name);
	s->argv = json_object_get(cmd);
	/* without websockets there is no terminal and no stdin; and as in
	 * LXD 5.0.2, record-output means something only there */
	s->wait_ws = wait_ws;
	s->interactive = wait_ws && interactive;
	s->record = !wait_ws && record;
	s->width = (unsigned)w;
	s->height = (unsigned)h;
	s->uid = (uint32_t)uid;
	s->gid = (uint32_t)gid;
	snprintf(s->cwd, sizeof(s->cwd), "%s", *cwd ? cwd : (uid == 0 ? "/root" : "/"));
	/* environment.* from the expanded config, then the request's */
	s->env = json_object_new_object();
	fe_instance_expand(&i, &xc, &xd);
	fe_config_environment(xc, s->env);
	if (env) {
		json_object_object_foreach(env, ek, ev)
		{
			json_object_object_add(s->env, ek, json_object_get(ev));
		}
	}
	add_default_env(s->env, s->uid);
	json_object_object_foreach(s->env, key, val)
	{
		(void)val;
		/* an empty name passed this loop and moatd, which refuses it,
		 * closed the channel: the frontend restarted (found by
		 * tests/integration/90-hostile.sh) */
		if (!fe_env_name_valid(key)) {
			fe_error(resp, 400, "Invalid environment variable name \"%.64s\"", key);
			goto out;
		}
	}
	for (int n = 0; wait_ws && n < S_MAX; n++)
		if (needed(s, n) || n == S_CONTROL)
			fe_random_hex(s->secret[n]);

	op = fe_op_new(wait_ws ? "websocket" : "task", "Executing command",
		       fe_instance_resources(i.name));
	if (!op) {
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	if (wait_ws) {
		set_result(op, s, -1);
		fe_op_set_connect(op, connect_ws_registered);
	}
	fe_op_start(op, wait_ws ? run_exec : run_task, TAKE_PTR(s), session_unref);
	fe_async(resp, op);
	fe_op_put(op);
out:
	if (s)
		session_unref(s);
	json_object_put(xc);
	json_object_put(xd);
	json_object_put(body);
	fe_instance_free(&i);
	return 0;
}

static const struct fe_route routes[] = {
	{ "/1.0/instances/{name}/exec", "POST", api_exec, 0, NULL },
	{ 0 },
};

/* The API extensions these endpoints add (GET /1.0 lists them). */
static const char *const extensions[] = {
	"container_exec_user_group_cwd", /* exec user, group and cwd */
	NULL,
};

const struct fe_api_module fe_module_exec = { "exec", routes, extensions };
