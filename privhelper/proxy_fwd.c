// SPDX-License-Identifier: Apache-2.0
/*
 * The forwarder of one proxy device (LXD's forkproxy), forked by
 * proxy_attach (op_proxy.c) and detached from moatd. As root, holding
 * nothing of moatd's but the status pipe, it takes a pidfd, the network
 * namespace and the root of the container's init, opens the listener on
 * the listen side (see bind_unix for a unix one), moves to the other side's
 * network namespace (a socket keeps the one it was made in), drops to the
 * ids op_proxy.c chose with nothing (ph_demote, no_new_privs, not dumpable,
 * common/sandbox.c's forwarder allowlist), says so, and only then accepts.
 * Streams (tcp, unix) are copied by a poll loop with one buffer each way;
 * datagrams get one connected socket per client address. Client bytes are
 * copied, never parsed. It exits with the container's init.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <poll.h>
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
#include <time.h>
#include <unistd.h>

#include "ph.h"
#include "sandbox.h"

#define CONNS_MAX 64      /* streams at once; more wait in the backlog */
#define BUF_SIZE 16384    /* per direction */
#define UDP_MAX 64        /* client addresses at once; the idlest goes first */
#define UDP_IDLE_MS 30000 /* a client address's socket after this long silent */

struct half {
	size_t off, len;
	bool eof, shut; /* read side ended; the write side passed it on */
	char buf[BUF_SIZE];
};

struct conn {
	int a, b; /* the client, the connection made on the other side; -1: free */
	bool connecting;
	struct half ab, ba;
};

struct sess {
	int fd; /* connected to the target; -1: free */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	long long last;
};

static struct conn conns[CONNS_MAX];
static struct sess sessions[UDP_MAX];
static char dgram[65536];

static socklen_t end_addr(const struct ph_proxy_end *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(e->port);
		memcpy(&in->sin_addr, e->addr, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(e->port);
	memcpy(&in6->sin6_addr, e->addr, 16);
	return sizeof(*in6);
}

static int resolve(int root, const char *path, unsigned flags, unsigned long long resolve_how)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = resolve_how };

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

int ph_proxy_dir(int root, bool in_root, const char *path, const char **ret_leaf)
{
	char parent[PH_PROXY_PATH_MAX];

	*ret_leaf = strrchr(path, '/') + 1;
	snprintf(parent, sizeof(parent), "%.*s", (int)(*ret_leaf - path), path);
	return resolve(root, parent, O_PATH | O_DIRECTORY,
		       RESOLVE_NO_MAGICLINKS | (in_root ? RESOLVE_IN_ROOT : RESOLVE_NO_SYMLINKS));
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
	sock = r < 0 ? -1 : resolve(dir, leaf, O_PATH | O_NOFOLLOW, RESOLVE_BENEATH);
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
		if (bind(fd, (struct sockaddr *)&ss, end_addr(e, &ss)) < 0)
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

/* ---- streams ------------------------------------------------------------------- */

static void conn_close(struct conn *c)
{
	close(c->a);
	if (c->b >= 0)
		close(c->b);
	c->a = c->b = -1;
}

/* A socket to the target, made in the namespace we are in; connecting or connected. */
static int dial(const struct ph_proxy_end *e, int croot, bool *ret_connecting)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNIX };
	socklen_t len = sizeof(struct sockaddr_un);
	int fd, via = -1, r = 0;

	fd = socket(e->kind == PH_PROXY_UNIX ? AF_UNIX : e->family,
		    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (e->kind == PH_PROXY_UNIX) {
		/* resolved in the connect side's root, reached through our own descriptor */
		via = resolve(croot, e->path, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		r = via < 0 ? -errno : 0;
		snprintf(((struct sockaddr_un *)&ss)->sun_path, sizeof(struct sockaddr_un) - 2,
			 "/proc/self/fd/%d", via);
	} else {
		len = end_addr(e, &ss);
	}
	if (r == 0 && connect(fd, (struct sockaddr *)&ss, len) < 0)
		r = errno == EINPROGRESS ? 1 : -errno;
	if (via >= 0)
		close(via);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_connecting = r == 1;
	return fd;
}

/* Move what one side sent on to the other; false: the connection is over. */
static bool pump(int from, int to, struct half *h, short rev_from, short rev_to)
{
	if (h->len == 0 && !h->eof && (rev_from & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = recvfrom(from, h->buf, sizeof(h->buf), 0, NULL, NULL);

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		h->eof = n == 0;
		h->off = 0;
		h->len = n > 0 ? (size_t)n : 0;
	}
	if (h->len > 0 && (rev_to & POLLOUT)) {
		ssize_t n = sendto(to, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL, NULL, 0);

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		h->off += n > 0 ? (size_t)n : 0;
		if (h->off == h->len)
			h->len = h->off = 0;
	}
	if (h->eof && h->len == 0 && !h->shut) {
		(void)shutdown(to, SHUT_WR);
		h->shut = true;
	}
	return true;
}

static short want(const struct half *in, const struct half *out)
{
	return (short)((in->len == 0 && !in->eof ? POLLIN : 0) | (out->len > 0 ? POLLOUT : 0));
}

static void __attribute__((noreturn))
serve_stream(int lfd, int pidfd, const struct ph_proxy *p, int croot)
{
	struct pollfd pf[2 + 2 * CONNS_MAX];

	for (size_t k = 0; k < CONNS_MAX; k++)
		conns[k].a = conns[k].b = -1;
	for (;;) {
		size_t used = 0;

		pf[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		for (size_t k = 0; k < CONNS_MAX; k++) {
			struct conn *c = &conns[k];
			short ea = 0, eb = 0;

			if (c->a >= 0) {
				used++;
				ea = want(&c->ab, &c->ba);
				eb = c->connecting ? POLLOUT : want(&c->ba, &c->ab);
			}
			pf[2 + 2 * k] = (struct pollfd){ .fd = ea ? c->a : -1, .events = ea };
			pf[3 + 2 * k] = (struct pollfd){ .fd = eb ? c->b : -1, .events = eb };
		}
		pf[1] = (struct pollfd){ .fd = used < CONNS_MAX ? lfd : -1, .events = POLLIN };
		if (poll(pf, 2 + 2 * CONNS_MAX, -1) < 0)
			continue;
		if (pf[0].revents)
			_exit(0); /* the container's init is gone */
		for (size_t k = 0; k < CONNS_MAX; k++) {
			struct conn *c = &conns[k];
			short ra = pf[2 + 2 * k].revents, rb = pf[3 + 2 * k].revents;
			bool ok = true;

			if (c->a < 0 || !(ra | rb))
				continue;
			if (c->connecting) { /* the connect's outcome */
				int err = 0;
				socklen_t len = sizeof(err);

				if (getsockopt(c->b, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
					conn_close(c);
				c->connecting = false;
				continue;
			}
			ok = pump(c->a, c->b, &c->ab, ra, rb) && pump(c->b, c->a, &c->ba, rb, ra);
			if (!ok || (ra | rb) & POLLERR || (c->ab.shut && c->ba.shut))
				conn_close(c);
		}
		if (pf[1].revents & POLLIN) {
			int a = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			bool connecting = false;
			int b = a < 0 ? -1 : dial(&p->connect, croot, &connecting);

			for (size_t k = 0; a >= 0 && b >= 0 && k < CONNS_MAX; k++)
				if (conns[k].a < 0) {
					conns[k] = (struct conn){ .a = a,
								  .b = b,
								  .connecting = connecting };
					a = b = -1;
				}
			if (a >= 0)
				close(a); /* the target refused: the client sees its connection end */
			if (b >= 0)
				close(b);
		}
	}
}

/* ---- datagrams ------------------------------------------------------------------ */

static struct sess *session(const struct sockaddr_storage *peer, socklen_t len,
			    const struct ph_proxy_end *target)
{
	struct sess *idlest = &sessions[0];
	struct sockaddr_storage ss;

	for (struct sess *s = sessions; s < sessions + UDP_MAX; s++) {
		if (s->fd >= 0 && s->peer_len == len && memcmp(&s->peer, peer, len) == 0)
			return s;
		if (s->fd < 0 || (idlest->fd >= 0 && s->last < idlest->last))
			idlest = s;
	}
	if (idlest->fd >= 0)
		close(idlest->fd);
	idlest->fd = socket(target->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (idlest->fd >= 0 &&
	    connect(idlest->fd, (struct sockaddr *)&ss, end_addr(target, &ss)) < 0) {
		close(idlest->fd);
		idlest->fd = -1;
	}
	if (idlest->fd < 0)
		return NULL;
	memcpy(&idlest->peer, peer, len);
	idlest->peer_len = len;
	return idlest;
}

static void __attribute__((noreturn)) serve_udp(int lfd, int pidfd, const struct ph_proxy *p)
{
	struct pollfd pf[2 + UDP_MAX];

	for (size_t k = 0; k < UDP_MAX; k++)
		sessions[k].fd = -1;
	for (;;) {
		struct timespec ts;
		long long t;

		pf[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (size_t k = 0; k < UDP_MAX; k++)
			pf[2 + k] = (struct pollfd){ .fd = sessions[k].fd, .events = POLLIN };
		if (poll(pf, 2 + UDP_MAX, 1000) < 0)
			continue;
		if (pf[0].revents)
			_exit(0);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (pf[1].revents & POLLIN) {
			struct sockaddr_storage peer;
			socklen_t len = sizeof(peer);
			ssize_t n = recvfrom(lfd, dgram, sizeof(dgram), 0, (struct sockaddr *)&peer,
					     &len);
			struct sess *s = n < 0 ? NULL : session(&peer, len, &p->connect);

			if (s) {
				(void)sendto(s->fd, dgram, (size_t)n, MSG_NOSIGNAL, NULL, 0);
				s->last = t;
			}
		}
		for (size_t k = 0; k < UDP_MAX; k++) {
			struct sess *s = &sessions[k];

			if (s->fd >= 0 && (pf[2 + k].revents & POLLIN)) {
				ssize_t n = recvfrom(s->fd, dgram, sizeof(dgram), 0, NULL, NULL);

				if (n >= 0)
					(void)sendto(lfd, dgram, (size_t)n, MSG_NOSIGNAL,
						     (struct sockaddr *)&s->peer, s->peer_len);
				s->last = t;
			}
			if (s->fd >= 0 && t - s->last > UDP_IDLE_MS) {
				close(s->fd);
				s->fd = -1;
			}
		}
	}
}

static void __attribute__((noreturn)) say(int fd, pid_t self, int r)
{
	int said[2] = { (int)self, r };

	(void)!write(fd, said, sizeof(said));
	_exit(1);
}

void ph_proxy_forward(const struct ph_proxy *p, const struct ph_proxy_run *run, int status_fd)
{
	pid_t self = getpid();
	char path[64];
	int null, pidfd, cns, hostns, croot, lfd, said[2] = { (int)self, 0 };
	sigset_t none;

	/* nothing of moatd's: stdio to /dev/null, no other descriptor, default signals */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    (status_fd > 3 && close_range(3, (unsigned)status_fd - 1, 0) < 0) ||
	    close_range((unsigned)status_fd + 1, ~0U, 0) < 0)
		say(status_fd, self, -EBADF);
	for (int sig = 1; sig < NSIG; sig++)
		(void)signal(sig, sig == SIGPIPE ? SIG_IGN : SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	pidfd = (int)syscall(SYS_pidfd_open, run->init, 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)run->init);
	cns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)run->init);
	croot = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (pidfd < 0 || cns < 0 || croot < 0 || hostns < 0)
		say(status_fd, self, -errno);

	/* listen on the listen side, then live on the other (the host's root too) */
	lfd = p->bind_instance && setns(cns, CLONE_NEWNET) < 0 ? -errno
							       : open_listener(p, run, croot);
	if (lfd < 0 || setns(p->bind_instance ? hostns : cns, CLONE_NEWNET) < 0 ||
	    (p->bind_instance && (close(croot), croot = open("/", O_PATH | O_CLOEXEC)) < 0))
		say(status_fd, self, lfd < 0 ? lfd : -errno);
	close(cns);
	close(hostns);
	/* everything goes before the first client's byte */
	said[1] = run->uid && run->gid ? ph_demote(run->uid, run->gid) : -EPERM;
	if (said[1] == 0 &&
	    (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0))
		said[1] = -errno;
	if (said[1] == 0)
		said[1] = sandbox_install_forwarder();
	if (write(status_fd, said, sizeof(said)) != sizeof(said) || said[1] < 0)
		_exit(1);
	close(status_fd);
	if (p->listen.kind == PH_PROXY_UDP)
		serve_udp(lfd, pidfd, p);
	serve_stream(lfd, pidfd, p, croot);
}
