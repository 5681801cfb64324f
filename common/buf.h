/* SPDX-License-Identifier: Apache-2.0 */
/* Growing a byte buffer (buf.c). */
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

#endif
