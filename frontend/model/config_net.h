/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network keys' validators (config_net.c), part of config.h's
 * vocabulary for the rows of model/networks.c and the nic keys: addresses
 * with a prefix, MAC addresses, DHCP ranges, domain names and raw.dnsmasq
 * lines, with LXD 5.0.2's words for a refusal. moatd-api, unprivileged;
 * values are client input. Pure (no I/O, no state).
 */
#ifndef MOAT_FE_MODEL_CONFIG_NET_H
#define MOAT_FE_MODEL_CONFIG_NET_H

#include "model/config.h"

/*
 * "ADDR/N" with a host address (not the subnet's own), of the family
 * v->min names (4 or 6), or exactly one of v->choices ("auto", "none"):
 * family 0 and u its index. LXD's IsNetworkAddressCIDRV4/V6, and what
 * moatd takes for a bridge: IPv4 a /8 to /30, not the broadcast address,
 * outside 0/8, 127/8, 169.254/16 and multicast; IPv6 a global unicast /8
 * to /126.
 */
int fe_parse_cidr(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* "00:16:3e:aa:bb:cc": 6 bytes of hex separated by colons (LXD's IsNetworkMAC). */
int fe_parse_mac(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* "A-B,C-D" of IPv4 addresses, each start <= end, at most v->max (LXD's IsNetworkRangeV4 list). */
int fe_parse_ip_ranges(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* A DNS domain: labels of letters, digits and '-', separated by dots, at most v->max bytes. */
int fe_parse_domain(const struct fe_valid *v, const char *s, struct fe_value *ret);
/*
 * raw.dnsmasq: lines "option" or "option=value" of the dnsmasq options
 * moat allows (none that names a file, a user, a script or an interface),
 * printable, at most 32 lines of 512 bytes and 4096 in all.
 */
int fe_parse_raw_dnsmasq(const struct fe_valid *v, const char *s, struct fe_value *ret);

struct fe_ip_range {
	uint8_t start[4], end[4]; /* IPv4, network order */
};
/* The ranges of an fe_parse_ip_ranges() text, at most max: 0 and *ret_n, or -EINVAL. */
int fe_ip_ranges(const char *s, struct fe_ip_range *ret, size_t max, size_t *ret_n);

/*
 * Why s fails v, in LXD 5.0.2's words ("Invalid value for a boolean
 * \"x\"", "Not a usable IPv4 address \"10.0.0.0/24\""...): the text in
 * why, or v->why when LXD has no words of its own.
 */
void fe_net_explain(const struct fe_valid *v, const char *s, char *why, size_t size);

#endif
