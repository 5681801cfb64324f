// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for ph_netlink_parse() (frontend/ph/netlink.c), which
 * moatd-api runs, unprivileged, on the link and address dumps it asks of
 * a container's netlink socket: the kernel writes them, but interface
 * names and link addresses are the container's. Built with clang,
 * libFuzzer, ASan and UBSan by `make fuzz-build`. Every interface handed
 * out is checked against the parser's promises: names and strings
 * NUL-terminated inside their buffers, counts bounded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ph/ph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ph_net_info n = { 0 };
	void *copy = malloc(size ? size : 1); /* libmnl reads the messages in place, aligned */

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	(void)ph_netlink_parse(copy, size, &n);
	if (n.n_interfaces > 64)
		abort();
	for (size_t k = 0; k < n.n_interfaces; k++) {
		const struct ph_net_interface *i = &n.interfaces[k];

		if (strnlen(i->name, sizeof(i->name)) >= sizeof(i->name) || !i->name[0] ||
		    strnlen(i->hwaddr, sizeof(i->hwaddr)) >= sizeof(i->hwaddr) ||
		    i->n_addresses > 16)
			abort();
		for (size_t a = 0; a < i->n_addresses; a++)
			if (strnlen(i->addresses[a].address, sizeof(i->addresses[a].address)) >=
				    sizeof(i->addresses[a].address) ||
			    strnlen(i->addresses[a].scope, sizeof(i->addresses[a].scope)) >=
				    sizeof(i->addresses[a].scope))
				abort();
	}
	ph_net_info_free(&n);
	free(copy);
	return 0;
}
