/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Framing on the moatd <-> moatd-api socketpair: SOCK_SEQPACKET, one
 * protobuf-c message a packet, at most FRAME_MAX bytes and FRAME_MAX_FDS
 * descriptors (SCM_RIGHTS). Used by both processes; the bytes are untrusted
 * by whichever side receives them.
 */
#ifndef MOAT_FRAME_H
#define MOAT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX (64 * 1024)
#define FRAME_MAX_FDS 4

/* Send one packet with nfds descriptors (which stay owned by the caller). */
int frame_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds);

/*
 * Receive one packet into buf (FRAME_MAX bytes). Received descriptors are
 * close-on-exec and written to ret_fds; the caller owns them.
 * Returns 0 with *ret_len == 0 at end of stream, -EMSGSIZE for a packet
 * over FRAME_MAX, -EPROTO for truncated ancillary data or more than
 * FRAME_MAX_FDS descriptors (all received descriptors are then closed), or
 * another negative errno.
 */
int frame_recv(int sock, uint8_t buf[static FRAME_MAX], size_t *ret_len,
	       int ret_fds[static FRAME_MAX_FDS], size_t *ret_nfds);

#endif
