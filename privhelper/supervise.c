// SPDX-License-Identifier: Apache-2.0
/*
 * moatd-api's life, run by moatd (root): start it demoted (its own uid, no
 * capabilities in any set, no_new_privs, a seccomp allowlist, exec'd by
 * descriptor with fd 3 its end of a fresh SOCK_SEQPACKET socketpair and
 * fd 4 the listening API socket), and start it again with back-off when it
 * exits. Inputs: moatd's own options and state; nothing from the channel.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "ph.h"
#include "sandbox.h"

/*
 * Become uid:gid with nothing: securebits locked, every capability out of
 * the bounding and ambient sets, no supplementary group, then every set
 * cleared, and a re-check that neither id is 0 and setuid(0) fails. For
 * the frontend and the proxy forwarders (proxy_fwd.c).
 */
int ph_demote(uid_t uid, gid_t gid)
{
	cap_t none;
	int r;

	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
					     SECBIT_NO_SETUID_FIXUP_LOCKED |
					     SECBIT_KEEP_CAPS_LOCKED) < 0)
		return -errno;
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap) < 0)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 ||
	    setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	none = cap_init();
	if (!none)
		return -ENOMEM;
	r = cap_set_proc(none) < 0 ? -errno : 0;
	cap_free(none);
	if (r == 0 && (getuid() == 0 || geteuid() == 0 || getgid() == 0 || setuid(0) == 0))
		r = -EPERM;
	return r;
}

/*
 * In the forked child: become the frontend user with nothing, then exec.
 * Any failure exits; moatd logs the exit and retries with back-off.
 */
static void __attribute__((noreturn))
exec_frontend(const struct ph_frontend *fe, const struct ph_ctx *ctx, int chan, pid_t parent)
{
	char gid[16];
	char *argv[] = { (char *)"moatd-api",
			 (char *)"--dir",
			 ctx->dir,
			 (char *)"--socket-gid",
			 gid,
			 fe->debug ? (char *)"--debug" : NULL,
			 NULL };
	char env_dir[PATH_MAX + 16];
	char *envp[] = { (char *)"PATH=/usr/bin:/bin", env_dir, (char *)"LANG=C.UTF-8", NULL };
	sigset_t none;
	int c, l, exe;

	snprintf(env_dir, sizeof(env_dir), "MOAT_DIR=%s", ctx->dir);
	snprintf(gid, sizeof(gid), "%u", (unsigned)ctx->sock_gid);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);

	/* fds 3 and 4 for moatd-api, the binary at 5 (close-on-exec), nothing else */
	c = fcntl(chan, F_DUPFD_CLOEXEC, 10);
	l = fcntl(fe->listen_fd, F_DUPFD_CLOEXEC, 10);
	exe = fcntl(fe->exe_fd, F_DUPFD_CLOEXEC, 10);
	if (c < 0 || l < 0 || exe < 0 || dup2(c, 3) < 0 || dup2(l, 4) < 0 ||
	    dup3(exe, 5, O_CLOEXEC) < 0)
		_exit(120);
	exe = 5;
	if (close_range(6, ~0U, 0) < 0)
		_exit(120);

	if (ph_demote(ctx->fe_uid, ctx->fe_gid) < 0)
		_exit(122);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(123);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(124);
	if (sandbox_install(true) < 0)
		_exit(125);
	/* by descriptor: the frontend user need not reach the build or install path */
	syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static pid_t spawn_frontend(const struct ph_frontend *fe, const struct ph_ctx *ctx, int *ret_chan)
{
	int sv[2];
	pid_t parent = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		exec_frontend(fe, ctx, sv[1], parent);
	}
	close(sv[1]);
	*ret_chan = sv[0];
	return pid;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ph_frontend_tick(struct ph_frontend *fe, struct ph_ctx *ctx)
{
	long long now = now_ms();

	if (fe->pid == 0 && now >= fe->next_spawn) {
		pid_t pid = spawn_frontend(fe, ctx, &ctx->chan);

		if (pid < 0) {
			log_error("cannot start moatd-api: %s", strerror(-pid));
			fe->next_spawn = now + 1000;
		} else {
			fe->pid = pid;
			fe->spawned_at = now;
			ctx->frontends++;
			log_info("started moatd-api as pid %d", (int)pid);
		}
	}
	return fe->pid == 0 ? (int)(fe->next_spawn - now) : -1;
}

int ph_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EIO;
}

void ph_frontend_reap(struct ph_frontend *fe, struct ph_ctx *ctx)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);

		if (p <= 0)
			break;
		if (p != fe->pid)
			continue;
		fe->pid = 0;
		if (ctx->chan >= 0)
			close(TAKE_FD(ctx->chan));
		fe->backoff = now_ms() - fe->spawned_at > 10000 ? 100 : fe->backoff * 2;
		if (fe->backoff > 5000)
			fe->backoff = 5000;
		fe->next_spawn = now_ms() + fe->backoff;
		log_warn("moatd-api exited (%s %d); restarting in %lld ms",
			 WIFSIGNALED(st) ? "signal" : "status",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), fe->backoff);
	}
}
