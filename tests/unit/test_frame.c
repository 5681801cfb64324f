// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the channel framing (common/frame.c) over a real
 * socketpair(AF_UNIX, SOCK_SEQPACKET): round trips with descriptors, and
 * the refusals (oversized packet, too many descriptors, stray ancillary
 * data, descriptors without bytes). Run by the test runner with no
 * privilege; the packets are the tests' own, sent raw where frame_send()
 * would refuse to build them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame.h"
#include "t.h"

/* A fresh channel-like pair; reported only if it cannot be made. */
static bool pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0)
		return true;
	CHECK(false, "frame: socketpair(AF_UNIX, SOCK_SEQPACKET)");
	return false;
}

static void close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Send n descriptors with sendmsg() directly, bypassing frame_send()'s limits. */
static ssize_t send_raw_fds(int sock, const void *buf, size_t len, const int *fds, size_t n)
{
	size_t space = CMSG_SPACE(sizeof(int) * n);
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	void *control;
	ssize_t r;

	control = calloc(1, space);
	if (!control)
		return -1;
	msg.msg_control = control;
	msg.msg_controllen = space;
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	free(control);
	return r;
}

static void round_trip(size_t nfds)
{
	static const char payload[] = "\x08\x01\x52\x02\x08\x01"; /* a hello, as it happens */
	uint8_t *buf = malloc(FRAME_MAX);
	int sent[FRAME_MAX_FDS], got[FRAME_MAX_FDS];
	size_t len = 99, n = 99;
	bool fds_ok = true, cloexec = true;
	int sv[2], r;

	if (!buf || !pair(sv)) {
		free(buf);
		return;
	}
	for (size_t i = 0; i < nfds; i++)
		sent[i] = open(i % 2 ? "/dev/zero" : "/dev/null", O_RDONLY | O_CLOEXEC);
	r = frame_send(sv[0], payload, sizeof(payload) - 1, sent, nfds);
	CHECK(r == 0, "frame: frame_send with %zu fds returns 0 (got %d)", nfds, r);
	r = frame_recv(sv[1], buf, &len, got, &n);
	CHECK(r == 0, "frame: frame_recv with %zu fds returns 0 (got %d)", nfds, r);
	CHECK(r == 0 && len == sizeof(payload) - 1 && memcmp(buf, payload, len) == 0,
	      "frame: %zu-fd round trip keeps the bytes", nfds);
	CHECK(r == 0 && n == nfds, "frame: %zu-fd round trip gives %zu fds (got %zu)", nfds, nfds,
	      r == 0 ? n : 0);
	if (r == 0 && n == nfds) {
		for (size_t i = 0; i < nfds; i++) {
			int fl = fcntl(got[i], F_GETFD);

			if (!same_file(sent[i], got[i]))
				fds_ok = false;
			if (fl < 0 || !(fl & FD_CLOEXEC))
				cloexec = false;
		}
		if (nfds > 0) {
			CHECK(fds_ok,
			      "frame: %zu-fd round trip: each fd is the file sent, in order", nfds);
			CHECK(cloexec, "frame: %zu-fd round trip: received fds are close-on-exec",
			      nfds);
		}
		for (size_t i = 0; i < n; i++)
			close(got[i]);
	}
	for (size_t i = 0; i < nfds; i++)
		close(sent[i]);
	close_pair(sv);
	free(buf);
}

/* True if every copy of the pipe's write end is gone: the read end sees EOF. */
static bool write_end_closed(int rd)
{
	char c;
	ssize_t n;

	n = read(rd, &c, 1);
	return n == 0;
}

/*
 * Send nfds copies of a pipe's write end with a payload, drop ours, and
 * check that frame_recv() refuses the packet and that no copy survives.
 */
static void too_many_fds(size_t nfds)
{
	uint8_t *buf = malloc(FRAME_MAX);
	int *fds = calloc(nfds, sizeof(int));
	int p[2], sv[2], got[FRAME_MAX_FDS];
	size_t len = 0, n = 0;
	ssize_t s;
	int r;

	if (!buf || !fds || !pair(sv)) {
		free(buf);
		free(fds);
		return;
	}
	if (!CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0, "frame: pipe for %zu-fd test", nfds))
		goto out;
	for (size_t i = 0; i < nfds; i++)
		fds[i] = fcntl(p[1], F_DUPFD_CLOEXEC, 0);
	s = send_raw_fds(sv[0], "x", 1, fds, nfds);
	CHECK(s == 1, "frame: raw sendmsg with %zu fds", nfds);
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	close(p[1]);
	r = frame_recv(sv[1], buf, &len, got, &n);
	CHECK(r == -EPROTO, "frame: %zu fds in one packet gives -EPROTO (got %d)", nfds, r);
	CHECK(write_end_closed(p[0]), "frame: %zu fds refused: every received fd was closed", nfds);
	close(p[0]);
out:
	close_pair(sv);
	free(buf);
	free(fds);
}

static void oversized(void)
{
	uint8_t *big = calloc(1, FRAME_MAX + 2);
	uint8_t *buf = malloc(FRAME_MAX);
	int sndbuf = 4 * FRAME_MAX;
	int sv[2], fds[FRAME_MAX_FDS], r;
	size_t len = 0, n = 0;
	ssize_t s;

	if (!big || !buf || !pair(sv)) {
		free(big);
		free(buf);
		return;
	}
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	memset(big, 'A', FRAME_MAX + 1);

	/* exactly FRAME_MAX is fine */
	s = send(sv[0], big, FRAME_MAX, MSG_NOSIGNAL);
	r = frame_recv(sv[1], buf, &len, fds, &n);
	CHECK(s == FRAME_MAX && r == 0 && len == FRAME_MAX && n == 0,
	      "frame: a packet of exactly FRAME_MAX bytes is received whole");

	/* one byte more is refused, not cut */
	s = send(sv[0], big, FRAME_MAX + 1, MSG_NOSIGNAL);
	CHECK(s == FRAME_MAX + 1, "frame: raw send of FRAME_MAX+1 bytes");
	r = frame_recv(sv[1], buf, &len, fds, &n);
	CHECK(r == -EMSGSIZE, "frame: FRAME_MAX+1 bytes gives -EMSGSIZE (got %d)", r);

	/* ... and the next packet is intact: the bad one was consumed whole */
	r = frame_send(sv[0], "ok", 2, NULL, 0);
	if (r == 0)
		r = frame_recv(sv[1], buf, &len, fds, &n);
	CHECK(r == 0 && len == 2 && memcmp(buf, "ok", 2) == 0,
	      "frame: the packet after an oversized one is received intact");

	/* the sender refuses to build what the receiver would refuse */
	CHECK(frame_send(sv[0], big, FRAME_MAX + 1, NULL, 0) == -EMSGSIZE,
	      "frame: frame_send of FRAME_MAX+1 bytes gives -EMSGSIZE");
	CHECK(frame_send(sv[0], big, 0, NULL, 0) == -EMSGSIZE,
	      "frame: frame_send of 0 bytes gives -EMSGSIZE");
	{
		int five[FRAME_MAX_FDS + 1] = { 0, 0, 0, 0, 0 };

		CHECK(frame_send(sv[0], "x", 1, five, FRAME_MAX_FDS + 1) == -EMSGSIZE,
		      "frame: frame_send with %d fds gives -EMSGSIZE", FRAME_MAX_FDS + 1);
	}
	close_pair(sv);
	free(big);
	free(buf);
}

static void eof_and_empty(void)
{
	uint8_t *buf = malloc(FRAME_MAX);
	int sv[2], fds[FRAME_MAX_FDS], devnull, r;
	size_t len = 99, n = 99;

	if (!buf)
		return;

	/* the peer closes: end of stream is length 0, no fds, no error */
	if (pair(sv)) {
		close(sv[0]);
		r = frame_recv(sv[1], buf, &len, fds, &n);
		CHECK(r == 0 && len == 0 && n == 0,
		      "frame: EOF gives 0 with length 0 (got %d, %zu)", r, len);
		close(sv[1]);
	}

	/* descriptors with no bytes at all are refused, and closed */
	if (pair(sv)) {
		int p[2];

		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
			CHECK(send_raw_fds(sv[0], "", 0, &p[1], 1) == 0,
			      "frame: raw sendmsg of an empty packet with 1 fd");
			close(p[1]);
			r = frame_recv(sv[1], buf, &len, fds, &n);
			CHECK(r == -EPROTO,
			      "frame: an empty packet with an fd gives -EPROTO (got %d)", r);
			CHECK(write_end_closed(p[0]),
			      "frame: the fd of an empty packet was closed");
			close(p[0]);
		}
		close_pair(sv);
	}

	/* ancillary data other than SCM_RIGHTS (credentials here) is refused */
	if (pair(sv)) {
		int on = 1;

		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0) {
			r = frame_send(sv[0], "x", 1, &devnull, 1);
			if (r == 0)
				r = frame_recv(sv[1], buf, &len, fds, &n);
			CHECK(r == -EPROTO,
			      "frame: SCM_CREDENTIALS beside the fds gives -EPROTO (got %d)", r);
		}
		close(devnull);
		close_pair(sv);
	}
	free(buf);
}

void test_frame(void)
{
	round_trip(0);
	round_trip(1);
	round_trip(FRAME_MAX_FDS);
	too_many_fds(FRAME_MAX_FDS + 1);
	too_many_fds(FRAME_MAX_FDS + 4);
	too_many_fds(FRAME_MAX_FDS + 5);
	too_many_fds(64);
	oversized();
	eof_and_empty();
}
