/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subnet vocabulary of managed networks, shared by moatd's check of
 * network_apply (privhelper/op_network.c, its overlap test in net_link.c)
 * and moatd-api's 400s (model/config_net.c, model/networks.c,
 * model/network_forwards.c), so that both take the same addresses. Pure:
 * addresses are 4 (AF_INET) or 16 (AF_INET6) bytes in network order,
 * prefixes at most 32 or 128.
 */
#ifndef MOAT_NETADDR_H
#define MOAT_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Do the first prefix bits of a and net agree (a lies in net/prefix)? */
bool netaddr_in(const uint8_t *a, const uint8_t *net, unsigned prefix);
/* Do a/pa and b/pb overlap: do their first min(pa, pb) bits agree? */
bool netaddr_overlap(const uint8_t *a, unsigned pa, const uint8_t *b, unsigned pb);
/* A host of net/prefix: inside, not its own address (host bits 0) nor, for IPv4, its broadcast. */
bool netaddr_host_of(int af, const uint8_t *a, const uint8_t *net, unsigned prefix);
/*
 * What a bridge may take as its own address: IPv4, a host of a /8 to /30
 * subnet outside 0/8, 127/8, 169.254/16 and 224/3; IPv6, a host of a /8 to
 * /126 that is global unicast (not ff00::/8, fe80::/10, nor in ::/80).
 */
bool netaddr_bridge_ok(int af, const uint8_t *a, unsigned prefix);

/*
 * A MAC address as text, "xx:xx:xx:xx:xx:xx" (len 17, no NUL inside), hex
 * digits of either case, or lowercase only with lower (moatd's wire form),
 * into ret (written only when it is one).
 */
bool netaddr_mac(const char *s, size_t len, bool lower, uint8_t ret[6]);
/* Unicast (bit 0 of the first byte clear) and not all zero: a host's own. */
bool netaddr_mac_unicast(const uint8_t a[6]);

#endif
