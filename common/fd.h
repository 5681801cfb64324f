/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two small descriptor helpers that moatd (root: device hot-plug, the
 * proxy forwarder's root half) and moat-forward (unprivileged) share.
 * Pure wrappers: the callers choose every flag and check what they get.
 */
#ifndef MOAT_FD_H
#define MOAT_FD_H

#include <stdint.h>
#include <sys/socket.h>

/* openat2(root, path) with flags (O_CLOEXEC added) and RESOLVE_* bits: an fd, or -1 and errno. */
int fd_openat2(int root, const char *path, unsigned flags, unsigned long long resolve);
/* An AF_INET (4 bytes of addr) or AF_INET6 (16) address and port into ss: its length. */
socklen_t fd_sockaddr_ip(int family, const uint8_t *addr, uint16_t port,
			 struct sockaddr_storage *ss);

#endif
