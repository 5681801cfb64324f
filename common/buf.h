/* SPDX-License-Identifier: Apache-2.0 */
/* Growing a byte buffer, reading a small file whole (buf.c). */
#ifndef MOAT_BUF_H
#define MOAT_BUF_H

#include <stddef.h>

/*
 * Make the buffer at *bufp (a pointer to any byte pointer) hold at least
 * need bytes: its size *cap doubles from initial, never above max (0: no
 * bound). 0; -EMSGSIZE if need is above max; -ENOMEM. On failure the
 * buffer and *cap are as they were.
 */
int buf_reserve(void *bufp, size_t *cap, size_t need, size_t initial, size_t max);

/* The file at path (a small /proc file: "/proc/self/cgroup"), not followed
 * if a link, whole into buf and NUL-ended; -E2BIG when it does not fit in
 * size - 1 bytes, else a negative errno. */
int buf_read_file(const char *path, char *buf, size_t size);

#endif
