// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for fe_leases_parse() (frontend/model/network_leases.c),
 * which moatd-api runs, unprivileged, on $MOAT_DIR/networks/<name>/
 * dnsmasq.leases: dnsmasq writes it, but the hostnames and client ids in
 * it come from the containers. Built with clang, libFuzzer, ASan and UBSan
 * by `make fuzz-build`; runs unprivileged. Every lease handed out is
 * checked against the parser's promises (networks.h).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/networks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct fe_lease *l, void *data)
{
	static const char host_ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
	unsigned char bin[16];
	size_t *n = data;

	(*n)++;
	if (strlen(l->hostname) >= sizeof(l->hostname) ||
	    l->hostname[strspn(l->hostname, host_ok)] != '\0')
		abort();
	if (inet_pton(strchr(l->address, ':') ? AF_INET6 : AF_INET, l->address, bin) != 1)
		abort();
	if (l->hwaddr[0] && strlen(l->hwaddr) != 17)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	int r = fe_leases_parse((const char *)data, size, check, &n);

	if (r < 0 || (size_t)r != n || n > 4096)
		abort();
	return 0;
}
