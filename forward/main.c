// SPDX-License-Identifier: Apache-2.0
/*
 * moat-forward: the unprivileged half of a proxy device's forwarder (LXD's
 * forkproxy). moatd's proxy_attach (privhelper/proxy_fwd.c) opens the
 * listener on its side as root, moves to the other side's network
 * namespace, drops to an unprivileged host id with no capability and
 * no_new_privs, installs the first stage of common/sandbox.c's forwarder
 * allowlist and execs this program by a descriptor moatd checked (root's,
 * writable by root alone) with:
 *
 *   fd 3 the listener, fd 4 a pidfd of the container's init, fd 5 the
 *   connect side's root (a unix target resolves inside it), fd 6 the
 *   status pipe; argv: tcp|udp ADDR PORT, or unix PATH (the target).
 *
 * It makes itself undumpable, installs the second stage (no exec, no open
 * but openat2), tells moatd on fd 6 that it is ready and only then
 * accepts: streams (tcp, unix) copied by a poll loop with one buffer each
 * way, datagrams (udp to udp) with one connected socket per client address,
 * dropped after UDP_IDLE_MS silent. It exits when the container's init
 * does. Its argv is moatd's (trusted, still checked); client bytes are
 * copied, never parsed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "sandbox.h"

#define CONNS_MAX 64      /* streams at once; more wait in the backlog */
#define BUF_SIZE 16384    /* per direction */
#define UDP_MAX 64        /* client addresses at once; the idlest goes first */
#define UDP_IDLE_MS 30000 /* a client address's socket after this long silent */
#define PATH_LEN 108      /* sun_path */

/* The target: an address and a port, or a unix socket's path. */
struct end {
	int family;
	uint8_t addr[16];
	uint16_t port;
	char unix_path[PATH_LEN]; /* "" for tcp and udp */
};

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

/* ---- streams ------------------------------------------------------------------- */

static void conn_close(struct conn *c)
{
	close(c->a);
	if (c->b >= 0)
		close(c->b);
	c->a = c->b = -1;
}

/* A socket to the target, made in the namespace we are in; connecting or connected. */
static int dial(const struct end *e, int croot, bool *ret_connecting)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNIX };
	socklen_t len = sizeof(struct sockaddr_un);
	int fd, via = -1, r = 0;

	fd = socket(e->unix_path[0] ? AF_UNIX : e->family,
		    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (e->unix_path[0]) {
		/* resolved in the connect side's root, reached through our own descriptor */
		via = fd_openat2(croot, e->unix_path, O_PATH,
				 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		r = via < 0 ? -errno : 0;
		snprintf(((struct sockaddr_un *)&ss)->sun_path, sizeof(struct sockaddr_un) - 2,
			 "/proc/self/fd/%d", via);
	} else {
		len = fd_sockaddr_ip(e->family, e->addr, e->port, &ss);
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
serve_stream(int lfd, int pidfd, const struct end *target, int croot)
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
			int b = a < 0 ? -1 : dial(target, croot, &connecting);

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
			    const struct end *target)
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
	    connect(idlest->fd, (struct sockaddr *)&ss,
		    fd_sockaddr_ip(target->family, target->addr, target->port, &ss)) < 0) {
		close(idlest->fd);
		idlest->fd = -1;
	}
	if (idlest->fd < 0)
		return NULL;
	memcpy(&idlest->peer, peer, len);
	idlest->peer_len = len;
	return idlest;
}

static void __attribute__((noreturn)) serve_udp(int lfd, int pidfd, const struct end *target)
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
			struct sess *s = n < 0 ? NULL : session(&peer, len, target);

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

/* argv: tcp|udp ADDR PORT, or unix PATH; false if it is anything else. */
static bool parse(int argc, char **argv, struct end *ret, bool *ret_udp)
{
	char *endp;
	unsigned long port;

	memset(ret, 0, sizeof(*ret));
	if (argc == 3 && strcmp(argv[1], "unix") == 0)
		return argv[2][0] == '/' && strlen(argv[2]) < PATH_LEN &&
		       snprintf(ret->unix_path, PATH_LEN, "%s", argv[2]) > 0;
	if (argc != 4 || (strcmp(argv[1], "tcp") != 0 && strcmp(argv[1], "udp") != 0))
		return false;
	*ret_udp = argv[1][0] == 'u';
	ret->family = strchr(argv[2], ':') ? AF_INET6 : AF_INET;
	errno = 0;
	port = strtoul(argv[3], &endp, 10);
	ret->port = (uint16_t)port;
	return inet_pton(ret->family, argv[2], ret->addr) == 1 && !errno && *endp == '\0' &&
	       port >= 1 && port <= 65535;
}

int main(int argc, char **argv)
{
	int said[2] = { (int)getpid(), 0 };
	struct end target;
	bool udp = false;

	/* exec made it dumpable again: not any more, before anything else */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || sandbox_install_forwarder(false) < 0)
		said[1] = -EPERM;
	else if (!parse(argc, argv, &target, &udp))
		said[1] = -EINVAL;
	if (write(6, said, sizeof(said)) != sizeof(said) || said[1] < 0)
		return 1;
	close(6);
	if (udp)
		serve_udp(3, 4, &target);
	serve_stream(3, 4, &target, 5);
}
