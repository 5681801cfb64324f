// SPDX-License-Identifier: Apache-2.0
/*
 * common/netaddr.c, the subnet rules moatd's network_apply check and
 * moatd-api's 400s share: inside a subnet, overlap, a host of a subnet,
 * and what a bridge may take as its own address.
 */
#include <arpa/inet.h>
#include <stdint.h>

#include "netaddr.h"
#include "t.h"

/* The bytes of an address's text, in one of 4 buffers used in turn. */
static const uint8_t *ip(int af, const char *s)
{
	static uint8_t b[4][16];
	static int k;

	k = (k + 1) % 4;
	inet_pton(af, s, b[k]);
	return b[k];
}
#define a4(s) ip(AF_INET, s)
#define a6(s) ip(AF_INET6, s)

void test_netaddr(void)
{
	CHECK(netaddr_in(a4("10.1.2.3"), a4("10.1.0.0"), 16), "netaddr: 10.1.2.3 in 10.1/16");
	CHECK(!netaddr_in(a4("10.2.2.3"), a4("10.1.0.0"), 16), "netaddr: 10.2.2.3 not in 10.1/16");
	CHECK(netaddr_in(a4("1.2.3.4"), a4("9.9.9.9"), 0), "netaddr: everything is in /0");
	CHECK(netaddr_overlap(a4("10.0.0.0"), 8, a4("10.5.6.0"), 24),
	      "netaddr: 10/8 overlaps 10.5.6/24");
	CHECK(!netaddr_overlap(a4("10.5.7.0"), 24, a4("10.5.6.0"), 24),
	      "netaddr: two /24s side by side do not overlap");
	CHECK(netaddr_host_of(AF_INET, a4("10.5.6.7"), a4("10.5.6.1"), 24),
	      "netaddr: 10.5.6.7 is a host of 10.5.6.1/24");
	CHECK(!netaddr_host_of(AF_INET, a4("10.5.6.0"), a4("10.5.6.1"), 24),
	      "netaddr: the subnet's own address is not a host");
	CHECK(!netaddr_host_of(AF_INET, a4("10.5.6.255"), a4("10.5.6.1"), 24),
	      "netaddr: the broadcast address is not a host");
	CHECK(!netaddr_host_of(AF_INET, a4("10.5.7.7"), a4("10.5.6.1"), 24),
	      "netaddr: an address outside is not a host");
	CHECK(netaddr_host_of(AF_INET6, a6("fd00::ffff:ffff:ffff:ffff"), a6("fd00::1"), 64),
	      "netaddr: IPv6 has no broadcast address");
	CHECK(netaddr_bridge_ok(AF_INET, a4("10.5.6.1"), 24), "netaddr: 10.5.6.1/24 for a bridge");
	CHECK(!netaddr_bridge_ok(AF_INET, a4("10.5.6.1"), 31), "netaddr: no /31 for a bridge");
	CHECK(!netaddr_bridge_ok(AF_INET, a4("10.5.6.1"), 7), "netaddr: no /7 for a bridge");
	CHECK(!netaddr_bridge_ok(AF_INET, a4("127.0.0.1"), 8), "netaddr: not loopback");
	CHECK(!netaddr_bridge_ok(AF_INET, a4("169.254.1.1"), 16), "netaddr: not link-local");
	CHECK(!netaddr_bridge_ok(AF_INET, a4("224.1.1.1"), 8), "netaddr: not multicast");
	CHECK(!netaddr_bridge_ok(AF_INET, a4("0.1.1.1"), 8), "netaddr: not 0/8");
	CHECK(netaddr_bridge_ok(AF_INET6, a6("fd42:1:2:3::1"), 64),
	      "netaddr: a ULA /64 for a bridge");
	CHECK(!netaddr_bridge_ok(AF_INET6, a6("fd42:1:2:3::"), 64),
	      "netaddr: not the IPv6 subnet's own address");
	CHECK(!netaddr_bridge_ok(AF_INET6, a6("fe80::1"), 64), "netaddr: not IPv6 link-local");
	CHECK(!netaddr_bridge_ok(AF_INET6, a6("ff02::1"), 64), "netaddr: not IPv6 multicast");
	CHECK(!netaddr_bridge_ok(AF_INET6, a6("::ffff:10.1.2.3"), 64),
	      "netaddr: not a v4-mapped address");
	CHECK(!netaddr_bridge_ok(AF_INET6, a6("::1"), 64), "netaddr: not ::1");
	CHECK(!netaddr_bridge_ok(AF_INET6, a6("fd42::1"), 127), "netaddr: no /127 for a bridge");

	/* MAC addresses: moatd's network_apply check (lowercase) and moatd-api's keys */
	uint8_t m[6] = { 0 };
	CHECK(netaddr_mac("00:16:3e:aa:bb:cc", 17, true, m) && m[0] == 0 && m[2] == 0x3e &&
		      m[5] == 0xcc,
	      "netaddr: a lowercase MAC parses");
	CHECK(!netaddr_mac("00:16:3E:aa:bb:cc", 17, true, m) &&
		      netaddr_mac("00:16:3E:AA:bb:cc", 17, false, m) && m[2] == 0x3e &&
		      m[3] == 0xaa,
	      "netaddr: uppercase is refused only with lower");
	CHECK(!netaddr_mac("00:16:3e:aa:bb:c", 16, false, m) &&
		      !netaddr_mac("00:16:3e:aa:bb:cc:", 18, false, m) &&
		      !netaddr_mac("00-16-3e-aa-bb-cc", 17, false, m) &&
		      !netaddr_mac("00:16:3e:aa:bb:c\0", 17, false, m) &&
		      !netaddr_mac("0g:16:3e:aa:bb:cc", 17, false, m) && m[2] == 0x3e,
	      "netaddr: a short, long, dashed, NUL-holding or non-hex MAC is refused, ret untouched");
	CHECK(netaddr_mac_unicast((const uint8_t[6]){ 0, 0x16, 0x3e, 1, 2, 3 }) &&
		      !netaddr_mac_unicast((const uint8_t[6]){ 1, 0x16, 0x3e, 1, 2, 3 }) &&
		      !netaddr_mac_unicast((const uint8_t[6]){ 0 }),
	      "netaddr: unicast and not zero; a group or zero address is not");
}
