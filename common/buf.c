// SPDX-License-Identifier: Apache-2.0
/*
 * Growing a byte buffer by doubling, for the parsers that gather input
 * (websocket frames and messages, request bodies), and reading a small
 * file whole (the /proc/<pid>/cgroup texts both daemons read). No outside
 * input: the callers bound what they ask for and choose the path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"

int buf_reserve(void *bufp, size_t *cap, size_t need, size_t initial, size_t max)
{
	void *old, *grown;
	size_t c;

	if (need <= *cap)
		return 0;
	if (max && need > max)
		return -EMSGSIZE;
	c = *cap ? *cap : initial;
	while (c < need)
		c *= 2;
	if (max && c > max)
		c = max;
	memcpy(&old, bufp, sizeof(old)); /* bufp is a uint8_t ** or char ** */
	grown = realloc(old, c);
	if (!grown)
		return -ENOMEM;
	memcpy(bufp, &grown, sizeof(grown));
	*cap = c;
	return 0;
}

int buf_read_file(const char *path, char *buf, size_t size)
{
	__do_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t have = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + have, size - 1 - have)) > 0)
		have += (size_t)n;
	if (n < 0)
		return -errno;
	if (have == size - 1)
		return -E2BIG;
	buf[have] = '\0';
	return 0;
}
