/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: SHA-256 over a stream, for checking that an exported image hashes
 * to its fingerprint, as lxc checks. A thin wrapper over gnutls's hash API
 * (the frontend hashes imports with the same). Runs in the client; the
 * bytes hashed are the server's (untrusted) and only read.
 */
#ifndef MOAT_CLI_SHA256_H
#define MOAT_CLI_SHA256_H

#include <gnutls/crypto.h>
#include <stddef.h>

struct cli_sha256 {
	gnutls_hash_hd_t h;
	int err; /* a failed init or update: the digest is then all zeros */
};

void cli_sha256_init(struct cli_sha256 *s);
void cli_sha256_update(struct cli_sha256 *s, const void *data, size_t len);
/* The digest as 64 lowercase hex digits and a NUL; releases the state. */
void cli_sha256_hex(struct cli_sha256 *s, char ret[static 65]);

#endif
