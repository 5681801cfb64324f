// SPDX-License-Identifier: Apache-2.0
/*
 * moat: SHA-256 over a stream through gnutls (see sha256.h). Runs in the
 * client, unprivileged.
 */
#include <stdio.h>

#include "sha256.h"

void cli_sha256_init(struct cli_sha256 *s)
{
	s->h = NULL;
	s->err = gnutls_hash_init(&s->h, GNUTLS_DIG_SHA256);
	if (s->err != 0)
		s->h = NULL;
}

void cli_sha256_update(struct cli_sha256 *s, const void *data, size_t len)
{
	if (s->err == 0 && len)
		s->err = gnutls_hash(s->h, data, len);
}

void cli_sha256_hex(struct cli_sha256 *s, char ret[static 65])
{
	unsigned char d[32] = { 0 };

	if (s->h)
		gnutls_hash_deinit(s->h, s->err == 0 ? d : NULL);
	s->h = NULL;
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(ret + 2 * i, 3, "%02x", d[i]);
}
