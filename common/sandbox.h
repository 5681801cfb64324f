/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frontend's seccomp allowlist. moatd installs it (with execve allowed)
 * in the demoted child just before exec'ing moatd-api; moatd-api installs
 * it again without execve before it reads its first byte from the network.
 * Filters stack, so the stricter one governs from then on. Also the
 * allowlist of moatd's proxy forwarders.
 */
#ifndef MOAT_SANDBOX_H
#define MOAT_SANDBOX_H

#include <stdbool.h>

int sandbox_install(bool allow_exec);
/* A proxy forwarder's allowlist (moatd's, privhelper/proxy_fwd.c): see sandbox.c. */
int sandbox_install_forwarder(bool allow_exec);

#endif
