// SPDX-License-Identifier: Apache-2.0
/*
 * The network keys' validators (config_net.h): addresses with a prefix,
 * MAC addresses, DHCP ranges, domains and raw.dnsmasq lines, and LXD
 * 5.0.2's words for why a value fails one of them or one of config.c's.
 * Runs in moatd-api (unprivileged); values are untrusted client input.
 * Pure. Addresses are read by inet_pton() only, never by hand.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "model/config_net.h"
#include "name.h"
#include "netaddr.h"
#include "rawconf.h"

/* The address and prefix of "ADDR/N" in family af: 0, 1 (another family), -EINVAL. */
static int cidr_split(const char *s, int af, uint8_t addr[static 16], uint8_t *ret_prefix)
{
	const char *slash = strchr(s, '/');
	char buf[INET6_ADDRSTRLEN];
	unsigned long prefix = 0;
	size_t n;

	if (!slash || (size_t)(slash - s) >= sizeof(buf) || !slash[1] || strlen(slash + 1) > 3 ||
	    slash[1 + strspn(slash + 1, "0123456789")] != '\0')
		return -EINVAL;
	for (const char *d = slash + 1; *d; d++)
		prefix = prefix * 10 + (unsigned long)(*d - '0');
	n = (size_t)(slash - s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(af, buf, addr) != 1) {
		uint8_t other[16];

		return inet_pton(af == AF_INET ? AF_INET6 : AF_INET, buf, other) == 1 ? 1 : -EINVAL;
	}
	if (prefix > (af == AF_INET ? 32u : 128u))
		return -EINVAL;
	*ret_prefix = (uint8_t)prefix;
	return 0;
}

/* Is addr the subnet's own address (every host bit 0)? */
static bool is_subnet_address(const uint8_t *addr, size_t len, uint8_t prefix)
{
	for (size_t bit = prefix; bit < len * 8; bit++)
		if (addr[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	return true;
}

int fe_parse_cidr(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	int af = v->min == 6 ? AF_INET6 : AF_INET;
	struct fe_value x = { .s = s, .b = true, .family = af };

	for (const char *const *c = v->choices; c && *c; c++)
		if (strcmp(s, *c) == 0) {
			*ret = (struct fe_value){ .s = s,
						  .b = true,
						  .u = (uint64_t)(c - v->choices) };
			return 0;
		}
	/* what moatd takes for a bridge's own address (the same rule: common/netaddr.c) */
	if (cidr_split(s, af, x.addr, &x.prefix) != 0 || !netaddr_bridge_ok(af, x.addr, x.prefix))
		return -EINVAL;
	*ret = x;
	return 0;
}

int fe_parse_mac(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	struct fe_value x = { .s = s, .b = true, .family = AF_PACKET };

	(void)v;
	if (!netaddr_mac(s, strlen(s), false, x.addr))
		return -EINVAL;
	*ret = x;
	return 0;
}

/* One "A-B" (spaces around it trimmed, as LXD's list): 0, or -EINVAL. */
static int range_one(const char *p, size_t n, struct fe_ip_range *ret)
{
	char buf[2 * INET_ADDRSTRLEN + 8];
	struct fe_ip_range r;
	char *dash;

	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = '\0';
	if (inet_pton(AF_INET, buf, r.start) != 1 || inet_pton(AF_INET, dash + 1, r.end) != 1 ||
	    memcmp(r.start, r.end, 4) > 0)
		return -EINVAL;
	*ret = r;
	return 0;
}

int fe_ip_ranges(const char *s, struct fe_ip_range *ret, size_t max, size_t *ret_n)
{
	size_t n = 0;

	for (const char *p = s;;) {
		size_t len = strcspn(p, ",");

		if (n >= max || range_one(p, len, &ret[n]) < 0)
			return -EINVAL;
		n++;
		if (!p[len])
			break;
		p += len + 1;
	}
	*ret_n = n;
	return 0;
}

int fe_parse_ip_ranges(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	struct fe_ip_range r[64];
	size_t n;

	if (v->max > 64 || fe_ip_ranges(s, r, v->max, &n) < 0)
		return -EINVAL;
	*ret = (struct fe_value){ .s = s, .b = true, .u = n };
	return 0;
}

int fe_parse_domain(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	size_t len = strlen(s);

	if (len == 0 || len > v->max || !name_domain_valid(s))
		return -EINVAL;
	*ret = (struct fe_value){ .s = s, .b = true, .u = len };
	return 0;
}

int fe_parse_raw_dnsmasq(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	int lines = rawconf_dnsmasq_check(s, strlen(s));

	(void)v;
	if (lines < 0)
		return -EINVAL;
	*ret = (struct fe_value){ .s = s, .b = true, .u = (uint64_t)lines };
	return 0;
}

/* ---- LXD's words ---------------------------------------------------------------------------- */

static void explain_cidr(const struct fe_valid *v, const char *s, char *why, size_t size)
{
	int af = v->min == 6 ? AF_INET6 : AF_INET, fam = v->min == 6 ? 6 : 4;
	uint8_t addr[16], prefix;
	int r = cidr_split(s, af, addr, &prefix);

	if (r == 1)
		snprintf(why, size, "Not an IPv%d address \"%s\"", fam, s);
	else if (r == 0 && is_subnet_address(addr, fam == 4 ? 4 : 16, prefix))
		snprintf(why, size, "Not a usable IPv%d address \"%s\"", fam, s);
	else if (r == 0 && fam == 4)
		snprintf(why, size,
			 "Not a usable IPv4 address \"%s\" (a host of a /8 to /30 subnet, not its "
			 "broadcast address, outside 0/8, 127/8, 169.254/16 and multicast)",
			 s);
	else if (r == 0)
		snprintf(why, size,
			 "Not a usable IPv6 address \"%s\" (a global unicast host of a /8 to /126 "
			 "subnet)",
			 s);
	else
		snprintf(why, size, "invalid CIDR address: %s", s);
}

static void explain_ranges(const char *s, char *why, size_t size)
{
	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		struct fe_ip_range r;

		if (range_one(p, n, &r) < 0) {
			const char *dash = memchr(p, '-', n);

			if (!dash)
				snprintf(why, size,
					 "Item \"%.*s\": IP range must contain start and end IP "
					 "addresses",
					 (int)n, p);
			else
				snprintf(why, size,
					 "Item \"%.*s\": Not an IPv4 range (start and end IPv4 "
					 "addresses, start first)",
					 (int)n, p);
			return;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	snprintf(why, size, "Too many ranges (at most %d)", PH_NET_RANGES_MAX);
}

void fe_net_explain(const struct fe_valid *v, const char *s, char *why, size_t size)
{
	if (v->parse == fe_parse_bool) {
		snprintf(why, size, "Invalid value for a boolean \"%s\"", s);
	} else if (v->parse == fe_parse_enum) {
		size_t at = (size_t)snprintf(why, size, "Invalid value \"%s\" (not one of [", s);

		for (const char *const *c = v->choices; c && *c && at < size; c++)
			at += (size_t)snprintf(why + at, size - at, "%s%s",
					       c == v->choices ? "" : " ", *c);
		if (at < size)
			snprintf(why + at, size - at, "])");
	} else if (v->parse == fe_parse_cidr) {
		explain_cidr(v, s, why, size);
	} else if (v->parse == fe_parse_mac) {
		snprintf(why, size,
			 "Invalid MAC address, must be 6 bytes of hex separated by colons");
	} else if (v->parse == fe_parse_ip_ranges) {
		explain_ranges(s, why, size);
	} else if (v->parse == fe_parse_uint && v->min == 1280 && v->max == 16384) {
		if (s[strspn(s, "0123456789")] != '\0' || !*s)
			snprintf(why, size, "Invalid MTU \"%s\"", s);
		else
			snprintf(why, size, "Out of MTU range (1280-16384) \"%s\"", s);
	} else {
		snprintf(why, size, "%s", v->why);
	}
}
