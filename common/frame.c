// SPDX-License-Identifier: Apache-2.0
/*
 * SOCK_SEQPACKET framing with descriptor passing (see frame.h). Runs in both
 * moatd (root) and moatd-api (unprivileged). What arrives is untrusted: the
 * size is checked by the kernel against our buffer (MSG_TRUNC reports a
 * larger packet), and truncated control data (MSG_CTRUNC) is fatal, so a
 * descriptor can never be silently lost or half-received.
 */
#include "frame.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int frame_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FRAME_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len == 0 || len > FRAME_MAX || nfds > FRAME_MAX_FDS)
		return -EMSGSIZE;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EPIPE;
	return 0;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

int frame_recv(int sock, uint8_t buf[static FRAME_MAX], size_t *ret_len,
	       int ret_fds[static FRAME_MAX_FDS], size_t *ret_nfds)
{
	/* Room for more than we accept, so that an excess is seen, not lost. */
	union {
		char buf[CMSG_SPACE(sizeof(int) * (FRAME_MAX_FDS + 4))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = FRAME_MAX };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	int fds[FRAME_MAX_FDS + 4];
	size_t nfds = 0;
	int bad = 0;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (nfds < (FRAME_MAX_FDS + 4))
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (bad || (msg.msg_flags & MSG_CTRUNC) || nfds > FRAME_MAX_FDS) {
		close_all(fds, nfds);
		return -EPROTO;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		close_all(fds, nfds);
		return -EMSGSIZE;
	}
	if (n == 0 && nfds > 0) {
		close_all(fds, nfds);
		return -EPROTO;
	}
	memcpy(ret_fds, fds, nfds * sizeof(int));
	*ret_nfds = nfds;
	*ret_len = (size_t)n;
	return 0;
}
