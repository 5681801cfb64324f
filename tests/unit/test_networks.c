// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for what networks check before anything reaches moatd or the
 * database (frontend/model/networks.c, config_net.c): names as the
 * contract has them (an interface name), every bridge key's validator
 * with LXD 5.0.2's words, the cross-key rules, the policy gate of
 * raw.dnsmasq, and the parser of dnsmasq's leases file (bytes a container
 * controls). Pure: no database, no daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "model/config_net.h"
#include "model/networks.h"
#include "t.h"

static void name_case(const char *name, int want, const char *msg)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_check_network_name(name, err);

	CHECK(r == want && (!msg || strstr(err, msg)), "networks: name \"%s\" -> %d (%d, %s)", name,
	      want, r, err);
}

static const struct fe_policy allow_all = { .known = true, .allow_raw_dnsmasq = true };
static const struct fe_policy hardened = { .known = true };

static void config_case(const char *json, const struct fe_policy *p, int want, const char *msg)
{
	json_object *o = json_tokener_parse(json);
	char err[FE_ERR_MAX] = "";
	int r = fe_check_network_config("n1", o, p, err);

	CHECK(o && r == want && (!msg || strstr(err, msg)), "networks: config %s -> %d (%d, %s)",
	      json, want, r, err);
	json_object_put(o);
}

static void test_names(void)
{
	name_case("moatbr0", 0, NULL);
	name_case("a", 0, NULL);
	name_case("mt1234x_-9", 0, NULL);
	name_case("abcdefghijklmno", 0, NULL);
	name_case("", -EINVAL, "No name provided");
	name_case("abcdefghijklmnop", -EINVAL, "too long (maximum 15 characters)");
	name_case("a.b", -EINVAL, "invalid characters");
	name_case("a/b", -EINVAL, "invalid characters");
	name_case("-ab", -EINVAL, "invalid characters");
	name_case("a b", -EINVAL, "invalid characters");
	name_case("a\nb", -EINVAL, "invalid characters");
	name_case("br\xc3\xa9", -EINVAL, "invalid characters");
}

static void test_keys(void)
{
	const struct fe_policy *p = &allow_all;

	config_case("{}", p, 0, NULL);
	config_case("{\"ipv4.address\":\"auto\",\"ipv6.address\":\"none\"}", p, 0, NULL);
	config_case("{\"ipv4.address\":\"10.250.64.1/24\",\"ipv6.address\":\"fd42::1/64\"}", p, 0,
		    NULL);
	config_case("{\"ipv4.address\":\"\"}", p, 0, NULL);
	config_case("{\"ipv4.address\":\"10.250.64.0/24\"}", p, -EINVAL,
		    "option \"ipv4.address\": Not a usable IPv4 address \"10.250.64.0/24\"");
	config_case("{\"ipv4.address\":\"10.250.64.1/32\"}", p, -EINVAL, "Not a usable IPv4");
	config_case("{\"ipv4.address\":\"10.250.64.1/33\"}", p, -EINVAL,
		    "invalid CIDR address: 10.250.64.1/33");
	config_case("{\"ipv4.address\":\"10.250.64.1\"}", p, -EINVAL, "invalid CIDR address");
	config_case("{\"ipv4.address\":\"fd42::1/64\"}", p, -EINVAL,
		    "Not an IPv4 address \"fd42::1/64\"");
	config_case("{\"ipv6.address\":\"10.0.0.1/24\"}", p, -EINVAL, "Not an IPv6 address");
	config_case("{\"ipv6.address\":\"fd42::/64\"}", p, -EINVAL, "Not a usable IPv6 address");
	config_case("{\"ipv4.address\":\"AUTO\"}", p, -EINVAL, "invalid CIDR address");
	/* what moatd would take for a protocol breach is a 400 here */
	config_case("{\"ipv4.address\":\"10.250.64.255/24\"}", p, -EINVAL,
		    "Not a usable IPv4 address \"10.250.64.255/24\" (a host of a /8 to /30");
	config_case("{\"ipv4.address\":\"10.250.64.1/31\"}", p, -EINVAL, "/8 to /30");
	config_case("{\"ipv4.address\":\"10.1.1.1/7\"}", p, -EINVAL, "/8 to /30");
	config_case("{\"ipv4.address\":\"127.0.0.2/8\"}", p, -EINVAL, "127/8");
	config_case("{\"ipv4.address\":\"169.254.1.1/16\"}", p, -EINVAL, "169.254/16");
	config_case("{\"ipv4.address\":\"224.0.0.1/24\"}", p, -EINVAL, "multicast");
	config_case("{\"ipv4.address\":\"0.0.0.1/8\"}", p, -EINVAL, "0/8");
	config_case("{\"ipv6.address\":\"fe80::1/64\"}", p, -EINVAL, "global unicast");
	config_case("{\"ipv6.address\":\"::ffff:10.0.0.1/120\"}", p, -EINVAL, "global unicast");
	config_case("{\"ipv6.address\":\"fd42::1/127\"}", p, -EINVAL, "/8 to /126");
	config_case("{\"ipv6.address\":\"ff02::1/64\"}", p, -EINVAL, "global unicast");
	config_case("{\"ipv4.address\":\"192.168.7.1/30\",\"ipv6.address\":\"2001:db8::1/48\"}", p,
		    0, NULL);
	config_case("{\"ipv4.address\":\"10.0.0.1/ 24\"}", p, -EINVAL, "invalid CIDR");
	config_case("{\"ipv4.address\":\"10.0.0.1/+24\"}", p, -EINVAL, "invalid CIDR");
	config_case("{\"ipv4.nat\":\"yes\",\"ipv6.nat\":\"off\",\"ipv4.dhcp\":\"1\"}", p, 0, NULL);
	config_case("{\"ipv4.nat\":\"maybe\"}", p, -EINVAL,
		    "Invalid value for network \"n1\" option \"ipv4.nat\": Invalid value for a "
		    "boolean \"maybe\"");
	config_case("{\"ipv6.dhcp.stateful\":\"x\"}", p, -EINVAL, "boolean");
	config_case("{\"ipv4.routing\":\"x\"}", p, -EINVAL, "boolean");
	config_case("{\"dns.mode\":\"dynamic\"}", p, 0, NULL);
	config_case("{\"dns.mode\":\"static\"}", p, -EINVAL,
		    "Invalid value \"static\" (not one of [managed dynamic none])");
	config_case("{\"dns.domain\":\"lab.example\"}", p, 0, NULL);
	config_case("{\"dns.domain\":\"a..b\"}", p, -EINVAL, "Invalid domain name");
	config_case("{\"dns.domain\":\"a\\nlocal=/x/\"}", p, -EINVAL, "Invalid domain name");
	config_case("{\"dns.domain\":\"-a\"}", p, -EINVAL, "Invalid domain name");
	config_case("{\"bridge.mtu\":\"1500\"}", p, 0, NULL);
	config_case("{\"bridge.mtu\":\"100\"}", p, -EINVAL,
		    "Out of MTU range (1280-16384) \"100\"");
	config_case("{\"bridge.mtu\":\"big\"}", p, -EINVAL, "Invalid MTU \"big\"");
	config_case("{\"bridge.hwaddr\":\"00:16:3e:aa:bb:cc\"}", p, 0, NULL);
	config_case("{\"bridge.hwaddr\":\"00-16-3e-aa-bb-cc\"}", p, -EINVAL,
		    "Invalid MAC address, must be 6 bytes of hex separated by colons");
	config_case("{\"bridge.hwaddr\":\"00:16:3e:aa:bb:cg\"}", p, -EINVAL, "Invalid MAC");
	config_case("{\"bogus\":\"1\"}", p, -EINVAL,
		    "Invalid option for network \"n1\" option \"bogus\"");
	config_case("{\"ipv4.firewall\":\"true\"}", p, -EINVAL, "Invalid option");
	config_case("{\"user.note\":\"anything at all\"}", p, 0, NULL);
	config_case("{\"ipv4.nat\":true}", p, -EINVAL, "must be a string");
}

static void test_ranges(void)
{
	const struct fe_policy *p = &allow_all;
	struct fe_ip_range r[8];
	size_t n = 0;

	config_case("{\"ipv4.address\":\"10.250.64.1/24\",\"ipv4.dhcp.ranges\":"
		    "\"10.250.64.10-10.250.64.20, 10.250.64.30-10.250.64.40\"}",
		    p, 0, NULL);
	config_case("{\"ipv4.address\":\"10.250.64.1/24\",\"ipv4.dhcp.ranges\":"
		    "\"10.250.65.10-10.250.65.20\"}",
		    p, -EINVAL,
		    "does not fall within any of the allowed networks [10.250.64.0/24]");
	config_case("{\"ipv4.address\":\"10.250.64.1/24\",\"ipv4.dhcp.ranges\":"
		    "\"10.250.64.10-10.250.65.20\"}",
		    p, -EINVAL, "does not fall within");
	config_case("{\"ipv4.address\":\"10.250.64.1/24\",\"ipv4.dhcp.ranges\":"
		    "\"10.250.64.0-10.250.64.20\"}",
		    p, -EINVAL, "does not fall within");
	config_case("{\"ipv4.address\":\"10.250.64.1/24\",\"ipv4.dhcp.ranges\":"
		    "\"10.250.64.10-10.250.64.255\"}",
		    p, -EINVAL, "does not fall within");
	config_case("{\"ipv4.dhcp.ranges\":\"10.250.64.10\"}", p, -EINVAL,
		    "Item \"10.250.64.10\": IP range must contain start and end IP addresses");
	config_case("{\"ipv4.dhcp.ranges\":\"10.250.64.20-10.250.64.10\"}", p, -EINVAL, "Item");
	config_case("{\"ipv4.dhcp.ranges\":\"a-b\"}", p, -EINVAL, "Item \"a-b\"");
	config_case("{\"ipv4.dhcp.ranges\":\"1.1.1.1-1.1.1.2,1.1.1.3-1.1.1.4,1.1.1.5-1.1.1.6,"
		    "1.1.1.7-1.1.1.8,1.1.1.9-1.1.1.10,1.1.1.11-1.1.1.12,1.1.1.13-1.1.1.14,"
		    "1.1.1.15-1.1.1.16,1.1.1.17-1.1.1.18\"}",
		    p, -EINVAL, "Too many ranges");
	CHECK(fe_ip_ranges("10.0.0.2-10.0.0.9,10.0.0.20-10.0.0.30", r, 8, &n) == 0 && n == 2 &&
		      r[1].start[3] == 20 && r[1].end[3] == 30,
	      "networks: fe_ip_ranges reads two ranges (%zu)", n);
}

static void test_dnsmasq(void)
{
	config_case("{\"raw.dnsmasq\":\"dhcp-option=6,1.1.1.1\\nlog-dhcp\\n# a comment\"}",
		    &allow_all, 0, NULL);
	config_case("{\"raw.dnsmasq\":\"log-dhcp\"}", &hardened, -EPERM,
		    "Raw dnsmasq configuration is forbidden by the server's policy");
	config_case("{\"raw.dnsmasq\":\"\"}", &hardened, 0, NULL);
	config_case("{\"raw.dnsmasq\":\"dhcp-script=/bin/sh\"}", &allow_all, -EINVAL,
		    "dnsmasq options moat allows");
	config_case("{\"raw.dnsmasq\":\"conf-file=/etc/shadow\"}", &allow_all, -EINVAL, "dnsmasq");
	config_case("{\"raw.dnsmasq\":\"user=root\"}", &allow_all, -EINVAL, "dnsmasq");
	config_case("{\"raw.dnsmasq\":\"interface=eth0\"}", &allow_all, -EINVAL, "dnsmasq");
	config_case("{\"raw.dnsmasq\":\"log-dhcp\\rconf-dir=/x\"}", &allow_all, -EINVAL, "dnsmasq");
	config_case("{\"raw.dnsmasq\":\"log-dhcpx\"}", &allow_all, -EINVAL, "dnsmasq");
}

/* ---- leases ---------------------------------------------------------------------------------- */

struct got {
	struct fe_lease l[8];
	size_t n;
};

static void collect(const struct fe_lease *l, void *data)
{
	struct got *g = data;

	if (g->n < 8)
		g->l[g->n++] = *l;
}

static void test_leases(void)
{
	static const char file[] =
		"1764770000 00:16:3E:aa:bb:01 10.250.64.50 c1 01:00:16:3e:aa:bb:01\n"
		"1764770000 00:16:3e:aa:bb:02 10.250.64.51 * *\n"
		"1764770000 00:16:3e:aa:bb:03 10.250.64.52 bad\x1bname *\n"
		"1764770000 00:16:3e:aa:bb:04 10.250.64.999 c4 *\n"
		"1764770000 00:16:3e:aa:bb 10.250.64.53 c5 *\n"
		"too short\n"
		"duid 00:01:00:01:2a:2b:2c:2d:00:16:3e:aa:bb:01\n"
		"1764770000 1234 fd42::50 c1 00:01:00:01\n"
		"1764770000 00:16:3e:aa:bb:06 10.250.64.54 c6.moat\t*";
	struct got g = { .n = 0 };
	int n = fe_leases_parse(file, sizeof(file) - 1, collect, &g);

	CHECK(n == 4 && g.n == 4, "leases: 4 of 9 lines are leases (%d)", n);
	CHECK(g.n > 0 && strcmp(g.l[0].hwaddr, "00:16:3e:aa:bb:01") == 0 &&
		      strcmp(g.l[0].address, "10.250.64.50") == 0 &&
		      strcmp(g.l[0].hostname, "c1") == 0,
	      "leases: a v4 lease, its MAC lowercased");
	CHECK(g.n > 1 && g.l[1].hostname[0] == '\0', "leases: hostname \"*\" is none");
	CHECK(g.n > 2 && g.l[2].hwaddr[0] == '\0' && strcmp(g.l[2].address, "fd42::50") == 0,
	      "leases: a DHCPv6 lease has no MAC");
	CHECK(g.n > 3 && strcmp(g.l[3].hostname, "c6.moat") == 0,
	      "leases: the last line without a newline");
	g.n = 0;
	CHECK(fe_leases_parse("", 0, collect, &g) == 0 && g.n == 0, "leases: an empty file");
	CHECK(fe_leases_parse("1 00:16:3e:aa:bb:01 10.0.0.1 c1 *", 20, collect, &g) == 0,
	      "leases: a line cut short by the length is refused");
}

void test_networks_api(void)
{
	test_names();
	test_keys();
	test_ranges();
	test_dnsmasq();
	test_leases();
}
