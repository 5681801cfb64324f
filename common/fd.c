// SPDX-License-Identifier: Apache-2.0
/*
 * fd.h's helpers: openat2 through syscall (glibc 2.36 has no wrapper) and
 * an IP socket address. Run by moatd and moat-forward; no outside input.
 */
#include "fd.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int fd_openat2(int root, const char *path, unsigned flags, unsigned long long resolve)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = resolve };

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

socklen_t fd_sockaddr_ip(int family, const uint8_t *addr, uint16_t port,
			 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, addr, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	memcpy(&in6->sin6_addr, addr, 16);
	return sizeof(*in6);
}
