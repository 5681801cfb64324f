// SPDX-License-Identifier: Apache-2.0
/*
 * Growing a byte buffer by doubling, for the parsers that gather input
 * (websocket frames and messages, request bodies). No outside input: the
 * callers bound what they ask for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

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
