// SPDX-License-Identifier: Apache-2.0
/*
 * The root half of a proxy device's forwarder (LXD's forkproxy), forked by
 * proxy_attach (op_proxy.c) and detached from moatd. Holding nothing of
 * moatd's but the status pipe and the moat-forward binary, it takes a
 * pidfd, the network namespace and the root of the container's init, opens
 * the listener on the listen side (see bind_unix for a unix one), moves to
 * the other side's network namespace (a socket keeps the one it was made
 * in), drops to the ids op_proxy.c chose with nothing (ph_demote,
 * no_new_privs, the first stage of common/sandbox.c's forwarder allowlist)
 * and execs moat-forward (forward/main.c), the unprivileged relay, which
 * adds the second stage and says it is ready on the status pipe.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd.h"
#include "ph.h"
#include "sandbox.h"

int ph_proxy_dir(int root, bool in_root, const char *path, const char **ret_leaf)
{
	char parent[PH_PROXY_PATH_MAX];

	*ret_leaf = strrchr(path, '/') + 1;
	snprintf(parent, sizeof(parent), "%.*s", (int)(*ret_leaf - path), path);
	return fd_openat2(root, parent, O_PATH | O_DIRECTORY,
			  RESOLVE_NO_MAGICLINKS |
				  (in_root ? RESOLVE_IN_ROOT : RESOLVE_NO_SYMLINKS));
}

/*
 * Bind fd at path with mode, owned uid:gid. Nothing there is removed
 * (moatd removes its own earlier socket; anyone else's makes the bind
 * fail, unlike LXD's forkproxy). Inside the container's idmapped root,
 * where host root owns nothing, it is made as its owner (setfsuid).
 */
static int bind_unix(int fd, int root, bool in_root, const char *path, mode_t mode, uid_t uid,
		     gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *leaf;
	int dir = ph_proxy_dir(root, in_root, path, &leaf), sock, r = 0;
	struct stat st;
	mode_t old;

	if (dir < 0 || fchdir(dir) < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", leaf);
	if (in_root && (setfsgid(gid) < 0 || setfsuid(uid) < 0)) /* returns the old id */
		r = -EPERM;
	old = umask(~mode & 0777);
	if (r == 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	umask(old);
	(void)setfsuid(0);
	(void)setfsgid(0);
	sock = r < 0 ? -1 : fd_openat2(dir, leaf, O_PATH | O_NOFOLLOW, RESOLVE_BENEATH);
	if (r == 0 && (sock < 0 || fstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode) ||
		       fchownat(sock, "", uid, gid, AT_EMPTY_PATH) < 0))
		r = errno ? -errno : -EIO;
	if (sock >= 0)
		close(sock);
	close(dir);
	return chdir("/") < 0 && r == 0 ? -errno : r;
}

static int open_listener(const struct ph_proxy *p, const struct ph_proxy_run *run, int croot)
{
	const struct ph_proxy_end *e = &p->listen;
	int type = e->kind == PH_PROXY_UDP ? SOCK_DGRAM : SOCK_STREAM, one = 1, r = 0;
	int fd = socket(e->kind == PH_PROXY_UNIX ? AF_UNIX : e->family,
			type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_storage ss;

	if (fd < 0)
		return -errno;
	if (e->kind == PH_PROXY_UNIX) {
		r = bind_unix(fd, p->bind_instance ? croot : AT_FDCWD, p->bind_instance, e->path,
			      p->mode, run->sock_uid, run->sock_gid);
	} else {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss,
			 fd_sockaddr_ip(e->family, e->addr, e->port, &ss)) < 0)
			r = -errno;
	}
	if (r == 0 && type == SOCK_STREAM && listen(fd, 128) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static void __attribute__((noreturn)) say(int fd, pid_t self, int r)
{
	int said[2] = { (int)self, r };

	(void)!write(fd, said, sizeof(said));
	_exit(1);
}

/* moat-forward's argv for the target: tcp|udp ADDR PORT, or unix PATH. */
static void target(const struct ph_proxy_end *e, char *argv[5],
		   char a[3][INET6_ADDRSTRLEN + PH_PROXY_PATH_MAX])
{
	snprintf(a[0], sizeof(a[0]), "%s",
		 e->kind == PH_PROXY_UNIX  ? "unix"
		 : e->kind == PH_PROXY_UDP ? "udp"
					   : "tcp");
	if (e->kind == PH_PROXY_UNIX)
		snprintf(a[1], sizeof(a[1]), "%s", e->path);
	else if (!inet_ntop(e->family, e->addr, a[1], sizeof(a[1])))
		a[1][0] = '\0';
	snprintf(a[2], sizeof(a[2]), "%u", (unsigned)e->port);
	argv[1] = a[0];
	argv[2] = a[1];
	argv[3] = e->kind == PH_PROXY_UNIX ? NULL : a[2];
}

void ph_proxy_forward(const struct ph_proxy *p, const struct ph_proxy_run *run, int status_fd)
{
	pid_t self = getpid();
	char path[64], a[3][INET6_ADDRSTRLEN + PH_PROXY_PATH_MAX];
	char *argv[5] = { (char *)"moat-forward" }, *envp[] = { NULL };
	int null, pidfd, cns, hostns, croot, lfd, st, exe, r;
	sigset_t none;

	/* nothing of moatd's but the status pipe and the binary: stdio on /dev/null,
	 * default signals */
	st = fcntl(status_fd, F_DUPFD_CLOEXEC, 100);
	exe = fcntl(run->exe_fd, F_DUPFD_CLOEXEC, 101);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (st < 0 || exe < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0 || close_range(3, 99, 0) < 0 || close_range(102, ~0U, 0) < 0)
		say(st < 0 ? status_fd : st, self, -EBADF);
	for (int sig = 1; sig < NSIG; sig++)
		(void)signal(sig, sig == SIGPIPE ? SIG_IGN : SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	pidfd = (int)syscall(SYS_pidfd_open, run->init, 0);
	cns = ph_ns_open(run->init, "net");
	snprintf(path, sizeof(path), "/proc/%d/root", (int)run->init);
	croot = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (pidfd < 0 || cns < 0 || croot < 0 || hostns < 0)
		say(st, self, -errno);

	/* listen on the listen side, then live on the other (the host's root too) */
	lfd = p->bind_instance && setns(cns, CLONE_NEWNET) < 0 ? -errno
							       : open_listener(p, run, croot);
	if (lfd < 0 || setns(p->bind_instance ? hostns : cns, CLONE_NEWNET) < 0 ||
	    (p->bind_instance && (close(croot), croot = open("/", O_PATH | O_CLOEXEC)) < 0))
		say(st, self, lfd < 0 ? lfd : -errno);
	/* moat-forward's fds: 3 listener, 4 pidfd, 5 the connect side's root, 6 status */
	lfd = fcntl(lfd, F_DUPFD_CLOEXEC, 110);
	pidfd = fcntl(pidfd, F_DUPFD_CLOEXEC, 111);
	croot = fcntl(croot, F_DUPFD_CLOEXEC, 112);
	if (lfd < 0 || pidfd < 0 || croot < 0 || dup2(lfd, 3) < 0 || dup2(pidfd, 4) < 0 ||
	    dup2(croot, 5) < 0 || dup2(st, 6) < 0 || close_range(7, 99, 0) < 0)
		say(st, self, -EBADF);
	target(&p->connect, argv, a);
	/* everything goes before the exec; moat-forward adds the second stage */
	r = run->uid && run->gid ? ph_demote(run->uid, run->gid) : -EPERM;
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	if (r == 0)
		r = sandbox_install_forwarder(true);
	if (r == 0)
		syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
	say(st, self, r ? r : -errno);
}
