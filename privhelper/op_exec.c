// SPDX-License-Identifier: Apache-2.0
/*
 * exec_start and console_open, run by moatd (root) in forked workers: the
 * check (of hostile bytes from moatd-api), policy and handler of each.
 * exec_start attaches a command to a running container through liblxc and
 * hands the frontend the descriptors to talk to it; then the worker stays
 * as its supervisor until it ends.
 *
 * Descriptors in the reply: stdin (write end), stdout and stderr (read
 * ends), or one pty master when interactive; then a SOCK_SEQPACKET control
 * socket. On the control socket the frontend sends 4-byte signal numbers
 * (1-64) to deliver; the worker sends one 8-byte message {kind, value}:
 * kind 1 = the command could not start (value: errno), kind 2 = it ended
 * (value: wait status). When the frontend closes the control socket before
 * the end, the command is killed.
 *
 * The attached process inherits nothing of moatd: before exec, every
 * descriptor but its stdio is marked close-on-exec, so neither the channel
 * nor any other moatd descriptor reaches the container.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct exec_state {
	int ctl;     /* our end of the control socket */
	int errpipe; /* read end: errno from a failed exec */
	pid_t pid;
};

static struct exec_state xs = { -EBADF, -EBADF, 0 };

struct exec_payload {
	char **argv;
	int errpipe; /* write end, close-on-exec */
};

/* Runs inside the container, as the attached process. */
static int exec_in_container(void *arg)
{
	struct exec_payload *p = arg;
	int e;

	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execvp(p->argv[0], p->argv);
	e = errno;
	(void)!write(p->errpipe, &e, sizeof(e));
	_exit(127);
}

static void send_ctl(int kind, int value)
{
	int32_t msg[2] = { kind, value };

	(void)!send(xs.ctl, msg, sizeof(msg), MSG_NOSIGNAL);
}

/* In the worker, after the reply: relay signals until the command ends. */
static void supervise(struct ph_ctx *ctx)
{
	int pidfd = (int)syscall(SYS_pidfd_open, xs.pid, 0);

	for (;;) {
		struct pollfd p[3] = { { .fd = xs.ctl, .events = POLLIN },
				       { .fd = xs.errpipe, .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN } };
		int st;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			int e = 0;

			if (read(xs.errpipe, &e, sizeof(e)) == sizeof(e))
				send_ctl(1, e); /* the exec failed: its errno */
			close(TAKE_FD(xs.errpipe));
		}
		if (p[0].revents & POLLIN) {
			int32_t sig;

			if (recv(xs.ctl, &sig, sizeof(sig), 0) == sizeof(sig) && sig >= 1 &&
			    sig <= 64)
				kill(xs.pid, sig);
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			kill(xs.pid, SIGKILL); /* the frontend went away */
			p[0].fd = -1;
			xs.ctl = -1;
		}
		if (p[2].revents && waitpid(xs.pid, &st, WNOHANG) == xs.pid) {
			if (xs.errpipe >= 0) {
				int e = 0;

				if (read(xs.errpipe, &e, sizeof(e)) == sizeof(e))
					send_ctl(1, e);
			}
			if (xs.ctl >= 0)
				send_ctl(2, st);
			break;
		}
	}
	_exit(0);
}

/*
 * A pty on the container's own devpts (which liblxc's monitor hands out),
 * so that inside, ttyname() finds /dev/pts/N and `tty` answers. The slave
 * belongs to the command's user as the container sees it (mapped ids), as
 * a login would leave it. The pty is opened by descriptor, relative to the
 * devpts mount, so no path inside the container is followed.
 */
static int container_pty(struct ph_ctx *ctx, struct lxc_container *c, uint32_t uid, uint32_t gid,
			 const struct winsize *ws, int *master, int *slave)
{
	__do_close int devpts = c->devpts_fd(c);
	int unlock = 0, m, s;

	if (devpts < 0)
		return devpts;
	m = openat(devpts, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	s = -1;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 ||
	    (s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    fchown(s, ctx->idmap_base + uid, ctx->idmap_base_gid + gid) < 0 ||
	    fchmod(s, 0620) < 0 || ioctl(s, TIOCSWINSZ, ws) < 0) {
		int e = -errno;

		if (s >= 0)
			close(s);
		close(m);
		return e;
	}
	*master = m;
	*slave = s;
	return 0;
}

/* Copy n strings into buf at *off, recording their offsets. */
static int copy_strings(const ProtobufCBinaryData *v, size_t n, char *buf, size_t *off,
			uint16_t *offs, bool env)
{
	if (n > PH_EXEC_MAX_ARGS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		const ProtobufCBinaryData *b = &v[i];

		/* an empty element may come with data == NULL: touch no bytes then */
		if (b->len + 1 > PH_EXEC_BUF - *off || (b->len && memchr(b->data, '\0', b->len)))
			return -E2BIG;
		if (env) { /* KEY=value, KEY a shell identifier */
			const uint8_t *eq = b->len ? memchr(b->data, '=', b->len) : NULL;

			if (!eq || eq == b->data)
				return -EINVAL;
			for (const uint8_t *c = b->data; c < eq; c++)
				if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
				      *c == '_' || (c > b->data && *c >= '0' && *c <= '9')))
					return -EINVAL;
		}
		offs[i] = (uint16_t)*off;
		if (b->len)
			memcpy(buf + *off, b->data, b->len);
		buf[*off + b->len] = '\0';
		*off += b->len + 1;
	}
	return 0;
}

/* ---- exec_start ---------------------------------------------------------------- */

int ph_check_exec_start(const Ph__ExecStartRequest *m, struct ph_exec_start *ret)
{
	struct ph_exec_start t = { .cwd = -1 };
	size_t off = 0;
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r < 0)
		return r;
	if (m->n_argv == 0 || m->argv[0].len == 0)
		return -EINVAL;
	r = copy_strings(m->argv, m->n_argv, t.buf, &off, t.argv, false);
	if (r == 0)
		r = copy_strings(m->env, m->n_env, t.buf, &off, t.env, true);
	if (r < 0)
		return r;
	t.argc = m->n_argv;
	t.envc = m->n_env;
	if (m->cwd.len > 0) {
		if (m->cwd.data[0] != '/' || m->cwd.len + 1 > PH_EXEC_BUF - off)
			return -EINVAL;
		r = ph_check_text(&m->cwd, 1, t.buf + off, PH_EXEC_BUF - off);
		if (r < 0)
			return r;
		t.cwd = (int)off;
	}
	if (m->uid > 65535 || m->gid > 65535 || m->width > 10000 || m->height > 10000)
		return -ERANGE;
	t.uid = m->uid;
	t.gid = m->gid;
	t.interactive = m->interactive != 0;
	t.width = (uint16_t)m->width;
	t.height = (uint16_t)m->height;
	*ret = t;
	return 0;
}

PH_POLICY_NONE(exec_start); /* inside the container, as a container user: what the API grants */

/*
 * Why this is safe: the command runs only inside the named container, via
 * liblxc's attach (its namespaces, cgroup and LSM), as a container user
 * (ids bounded to 0-65535 by the validator, which also checked that argv,
 * env and cwd hold no NUL and env keys are identifiers). The strings go to
 * execvp as an argv array, never to a shell. The attached process keeps
 * only its stdio: every other descriptor is close-on-exec.
 */
int ph_do_exec_start(struct ph_ctx *ctx, const struct ph_exec_start *e, Ph__ExecStartReply *rep)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct lxc_container *c = NULL;
	char *argv[PH_EXEC_MAX_ARGS + 1], *env[PH_EXEC_MAX_ARGS + 1];
	int io[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	int ctl[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int master = -1, slave = -1, r = 0;
	struct exec_payload payload;
	pid_t pid = 0;

	if (ph_container_open(ctx, e->ref.name, &c) < 0 || !c->is_running(c)) {
		if (c)
			lxc_container_put(c);
		return ph_fail(ctx, EINVAL, "Instance is not running");
	}
	for (size_t i = 0; i < e->argc; i++)
		argv[i] = (char *)e->buf + e->argv[i];
	argv[e->argc] = NULL;
	for (size_t i = 0; i < e->envc; i++)
		env[i] = (char *)e->buf + e->env[i];
	env[e->envc] = NULL;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0)
		r = -errno;
	if (r == 0 && e->interactive) {
		struct winsize ws = { .ws_row = e->height ? e->height : 24,
				      .ws_col = e->width ? e->width : 80 };

		r = container_pty(ctx, c, e->uid, e->gid, &ws, &master, &slave);
		opts.stdin_fd = opts.stdout_fd = opts.stderr_fd = slave;
	} else if (r == 0) {
		for (int i = 0; i < 3 && r == 0; i++)
			if (pipe2(io[i], O_CLOEXEC) < 0)
				r = -errno;
		opts.stdin_fd = io[0][0];
		opts.stdout_fd = io[1][1];
		opts.stderr_fd = io[2][1];
	}
	if (r == 0) {
		opts.uid = e->uid;
		opts.gid = e->gid;
		opts.initial_cwd = e->cwd >= 0 ? (char *)e->buf + e->cwd : (char *)"/";
		opts.env_policy = LXC_ATTACH_CLEAR_ENV;
		opts.extra_env_vars = env;
		payload.argv = argv;
		payload.errpipe = errp[1];
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		if (c->attach(c, exec_in_container, &payload, &opts, &pid) < 0 || pid <= 0)
			r = -EIO;
	}
	lxc_container_put(c);
	/* the child's ends */
	if (slave >= 0)
		close(slave);
	for (int i = 0; i < 3; i++)
		if (io[i][i == 0 ? 0 : 1] >= 0)
			close(io[i][i == 0 ? 0 : 1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (r < 0) {
		int all[] = { master, io[0][1], io[1][0], io[2][0], ctl[0], ctl[1], errp[0] };

		for (size_t i = 0; i < ARRAY_SIZE(all); i++)
			if (all[i] >= 0)
				close(all[i]);
		return ph_fail(ctx, r, "cannot start the command");
	}
	if (e->interactive) {
		ph_reply_fd(ctx, master);
	} else {
		ph_reply_fd(ctx, io[0][1]);
		ph_reply_fd(ctx, io[1][0]);
		ph_reply_fd(ctx, io[2][0]);
	}
	ph_reply_fd(ctx, ctl[1]);
	xs.ctl = ctl[0];
	xs.errpipe = errp[0];
	xs.pid = pid;
	rep->pid = pid;
	ctx->call->after_reply = supervise;
	return 0;
}

static int console_keep = -1, console_ctl = -1;

/* In the worker: hold the console until the frontend lets it go. */
static void hold_console(struct ph_ctx *ctx)
{
	char buf[8];

	while (recv(console_ctl, buf, sizeof(buf), 0) > 0)
		;
	close(console_keep);
	_exit(0);
}

/* ---- console_open -------------------------------------------------------------- */

int ph_check_console_open(const Ph__ConsoleOpenRequest *m, struct ph_console_open *ret)
{
	struct ph_console_open t = { 0 };
	int r = ph_check_name(&m->name, t.ref.name);

	if (r < 0)
		return r;
	if (m->width > 10000 || m->height > 10000)
		return -ERANGE;
	t.width = (uint16_t)m->width;
	t.height = (uint16_t)m->height;
	*ret = t;
	return 0;
}

PH_POLICY_NONE(console_open); /* the container's own console, what a console user sees */

/*
 * Why this is safe: liblxc hands out the console of a running container
 * under our lxcpath through its monitor; the frontend gets the pty's
 * master side only, which is what a console user sees anyway. Nothing from
 * the request reaches the container but the terminal size.
 */
int ph_do_console_open(struct ph_ctx *ctx, const struct ph_console_open *o,
		       Ph__ConsoleOpenReply *rep)
{
	struct lxc_container *c = NULL;
	int ttynum = 0, ptx = -1, ctl[2], keep;

	if (ph_container_open(ctx, o->ref.name, &c) < 0 || !c->is_running(c)) {
		if (c)
			lxc_container_put(c);
		return ph_fail(ctx, EINVAL, "Instance is not running");
	}
	keep = c->console_getfd(c, &ttynum, &ptx);
	lxc_container_put(c);
	if (keep < 0 || ptx < 0)
		return ph_fail(ctx, EBUSY, "the console is not available");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		int e = errno;

		close(keep);
		close(ptx);
		return ph_fail(ctx, e, NULL);
	}
	if (o->width && o->height) {
		struct winsize ws = { .ws_row = o->height, .ws_col = o->width };

		(void)ioctl(ptx, TIOCSWINSZ, &ws);
	}
	console_keep = keep;
	console_ctl = ctl[0];
	ph_reply_fd(ctx, ptx);
	ph_reply_fd(ctx, ctl[1]);
	ctx->call->after_reply = hold_console;
	return 0;
}
