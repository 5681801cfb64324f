// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the nic device: moatd's lxc.net.N.* lines and nftables
 * filter of a checked nic (privhelper/nic.c), and the frontend's nic
 * check and start values (frontend/model/nic.c): refusals with LXD's
 * words, the stable hwaddr and host end kept in volatile keys. Pure: no
 * daemon, no network; the rules are loaded for real by 66-nic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "ph.h"
#include "t.h"

static char *render(const struct ph_instance_start *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	ph_render_nics(f, s);
	fclose(f);
	return buf;
}

static void render_lines(void)
{
	static struct ph_instance_start s;
	static const char want[] = "lxc.net.0.type = veth\n"
				   "lxc.net.0.link = mtbr0\n"
				   "lxc.net.0.veth.pair = vethab\n"
				   "lxc.net.0.name = eth0\n"
				   "lxc.net.0.hwaddr = 00:16:3e:0a:0b:0c\n"
				   "lxc.net.0.mtu = 1400\n"
				   "lxc.net.0.flags = up\n"
				   "lxc.net.1.type = macvlan\n"
				   "lxc.net.1.link = enp1s0\n"
				   "lxc.net.1.macvlan.mode = bridge\n"
				   "lxc.net.1.name = mv0\n"
				   "lxc.net.1.flags = up\n"
				   "lxc.net.2.type = veth\n"
				   "lxc.net.2.name = p0\n"
				   "lxc.net.2.flags = up\n"
				   "lxc.net.3.type = phys\n"
				   "lxc.net.3.link = enp2s0\n"
				   "lxc.net.3.name = eth9\n"
				   "lxc.net.3.flags = up\n";
	char *got;

	got = render(NULL);
	CHECK(got && strcmp(got, "lxc.net.0.type = empty\n") == 0,
	      "nic render: no start, no nic: an empty network namespace");
	free(got);
	memset(&s, 0, sizeof(s));
	got = render(&s);
	CHECK(got && strcmp(got, "lxc.net.0.type = empty\n") == 0,
	      "nic render: a start without nics: lxc.net.0.type = empty");
	free(got);
	s.nnics = 4;
	s.nics[0] = (struct ph_nic){ .type = PH_NIC_BRIDGED,
				     .ifname = "eth0",
				     .parent = "mtbr0",
				     .host_name = "vethab",
				     .hwaddr = { 0, 0x16, 0x3e, 0x0a, 0x0b, 0x0c },
				     .has_hwaddr = true,
				     .mtu = 1400 };
	s.nics[1] = (struct ph_nic){ .type = PH_NIC_MACVLAN, .ifname = "mv0", .parent = "enp1s0" };
	s.nics[2] = (struct ph_nic){ .type = PH_NIC_P2P, .ifname = "p0" };
	s.nics[3] =
		(struct ph_nic){ .type = PH_NIC_PHYSICAL, .ifname = "eth9", .parent = "enp2s0" };
	got = render(&s);
	CHECK(got && strcmp(got, want) == 0,
	      "nic render: veth on a bridge, macvlan, p2p and phys lines, in order");
	if (got && strcmp(got, want) != 0)
		t_note("got:\n%s", got);
	free(got);
}

/* Is a before b in text (both there)? */
static bool before(const char *text, const char *a, const char *b)
{
	const char *pa = strstr(text, a), *pb = strstr(text, b);

	return pa && pb && pa < pb;
}

static void filter_rules(void)
{
	struct ph_nic n = { .type = PH_NIC_BRIDGED,
			    .ifname = "eth0",
			    .parent = "mtbr0",
			    .host_name = "vethab",
			    .hwaddr = { 0, 0x16, 0x3e, 0x0a, 0x0b, 0x0c },
			    .has_hwaddr = true,
			    .ipv4 = { { 10, 0, 0, 5 } },
			    .n_ipv4 = 1,
			    .ipv6 = { { 0xfe, 0x80, [8] = 2, [15] = 1 } },
			    .n_ipv6 = 1 };
	char buf[4096], small[64];

	CHECK(ph_nic_filter_rules("c1", &n, buf, sizeof(buf)) == 0 && buf[0] == '\0',
	      "nic filter: no filtering asked, no rules");
	n.mac_filtering = n.ipv4_filtering = n.ipv6_filtering = true;
	if (!CHECK(ph_nic_filter_rules("c1", &n, buf, sizeof(buf)) == 0,
		   "nic filter: all three filters fit"))
		return;
	CHECK(strstr(buf, "chain nic_c1_vethab {") &&
		      strstr(buf, "type filter hook prerouting priority -200;"),
	      "nic filter: one base chain on the bridge's prerouting hook");
	CHECK(strstr(buf, "iifname \"vethab\" ether saddr != 00:16:3e:0a:0b:0c drop") &&
		      strstr(buf, "iifname \"vethab\" arp saddr ether != 00:16:3e:0a:0b:0c drop") &&
		      strstr(buf, "@nh,528,48 != 0x00163e0a0b0c drop"),
	      "nic filter: frames, ARP and ND options only from the nic's own MAC");
	CHECK(strstr(buf, "ether type != { ip, arp, ip6 } drop"),
	      "nic filter: nothing but IPv4, ARP and IPv6 (no VLAN tag around the IP rules)");
	CHECK(before(buf, "udp sport 67 drop", "udp dport 67 accept") &&
		      before(buf, "ether saddr !=", "udp dport 67 accept") &&
		      before(buf, "ether type !=", "udp dport 67 accept"),
	      "nic filter: DHCP server answers dropped, and the MAC checked, before DHCP's "
	      "discover is let through");
	CHECK(strstr(buf, "arp saddr ip != { 0.0.0.0, 10.0.0.5 } drop") &&
		      strstr(buf, "meta protocol ip ip saddr != { 10.0.0.5 } drop"),
	      "nic filter: ARP and IPv4 only from the nic's address (ARP probes from 0.0.0.0)");
	CHECK(strstr(buf, "udp sport 547 drop") &&
		      strstr(buf, "icmpv6 type { nd-router-advert, nd-redirect } drop") &&
		      before(buf, "nd-router-advert", "ip6 saddr :: icmpv6"),
	      "nic filter: no DHCPv6 server, router advertisement or redirect from the nic");
	CHECK(strstr(buf, "nd-neighbor-advert @nh,384,128 != { "
			  "0xfe800000000000000200000000000001 } drop") &&
		      strstr(buf, "meta protocol ip6 ip6 saddr != { fe80::200:0:0:1 } drop"),
	      "nic filter: neighbour advertisements and IPv6 only for the nic's addresses");
	CHECK(!strstr(buf, "limit rate"), "nic filter: no limit, no limit rule");
	n.egress = 1000000;
	n.ingress = 1250000;
	CHECK(ph_nic_filter_rules("c1", &n, buf, sizeof(buf)) == 0 &&
		      strstr(buf, "iifname \"vethab\" limit rate over 1000000 bytes/second burst "
				  "100000 bytes drop") &&
		      before(buf, "ip6 saddr !=", "limit rate over 1000000") &&
		      strstr(buf, "chain nic_c1_vethab_in {\n\ttype filter hook postrouting") &&
		      strstr(buf, "oifname \"vethab\" limit rate over 1250000 bytes/second burst "
				  "125000 bytes drop"),
	      "nic filter: limits.egress policed after the filters, limits.ingress on the way "
	      "out of the bridge");
	n.egress = n.ingress = 0;
	CHECK(ph_nic_filter_rules("c1", &n, small, sizeof(small)) == -ENOBUFS,
	      "nic filter: a buffer too small is -ENOBUFS, not a cut rule");
	n.n_ipv4 = 0;
	n.n_ipv6 = 0;
	CHECK(ph_nic_filter_rules("c1", &n, buf, sizeof(buf)) == 0 &&
		      strstr(buf, "\"vethab\" meta protocol ip drop") &&
		      strstr(buf, "\"vethab\" meta protocol ip6 drop") &&
		      strstr(buf, "arp saddr ip != { 0.0.0.0 } drop"),
	      "nic filter: filtering without an address lets no IP through");
}

static json_object *parse(const char *s)
{
	return json_tokener_parse(s);
}

static void frontend_check(void)
{
	static const struct fe_policy none = { 0 };
	static const struct fe_policy hard = { .known = true };
	static const struct {
		const char *what, *dev;
		const struct fe_policy *policy;
		const char *error; /* NULL: accepted */
	} cases[] = {
		{ "a managed nic", "{\"type\":\"nic\",\"network\":\"mtbr0\"}", &none, NULL },
		{ "a bridged nic with every key",
		  "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\",\"name\":\"eth1\","
		  "\"hwaddr\":\"00:16:3e:aa:bb:cc\",\"mtu\":\"1400\",\"host_name\":\"veth9\","
		  "\"ipv4.address\":\"10.0.0.9\",\"ipv6.address\":\"fd00::9\","
		  "\"security.mac_filtering\":\"true\",\"security.ipv4_filtering\":\"true\","
		  "\"security.ipv6_filtering\":\"true\",\"limits.ingress\":\"10Mbit\"}",
		  &none, NULL },
		{ "a p2p nic", "{\"type\":\"nic\",\"nictype\":\"p2p\"}", &none, NULL },
		{ "no nictype or network", "{\"type\":\"nic\"}", &none,
		  "Invalid device \"d\": Missing nic type: \"nictype\" or \"network\" is required" },
		{ "a bridged nic without parent", "{\"type\":\"nic\",\"nictype\":\"bridged\"}",
		  &none,
		  "Invalid device \"d\": Missing nic parent: nictype \"bridged\" requires "
		  "\"parent\"" },
		{ "network and parent", "{\"type\":\"nic\",\"network\":\"n\",\"parent\":\"x\"}",
		  &none, "Invalid device \"d\": Cannot use \"parent\" with \"network\"" },
		{ "network and nictype macvlan",
		  "{\"type\":\"nic\",\"network\":\"n\",\"nictype\":\"macvlan\"}", &none,
		  "Invalid device \"d\": Cannot use \"network\" with nictype \"macvlan\"" },
		{ "an unknown nictype", "{\"type\":\"nic\",\"nictype\":\"sriov\",\"parent\":\"x\"}",
		  &none,
		  "Invalid device \"d\": must be bridged, macvlan, p2p or physical: \"nictype\"" },
		{ "a multicast hwaddr",
		  "{\"type\":\"nic\",\"network\":\"n\",\"hwaddr\":\"01:00:5e:00:00:01\"}", &none,
		  "Invalid device \"d\": must be a unicast MAC address such as 00:16:3e:12:34:56: "
		  "\"hwaddr\"" },
		{ "a name with a newline",
		  "{\"type\":\"nic\",\"network\":\"n\",\"name\":\"a\\nb\"}", &none,
		  NULL /* checked below: the row's words */ },
		{ "a bad ipv4.address",
		  "{\"type\":\"nic\",\"network\":\"n\",\"ipv4.address\":\"10.0.0.256\"}", &none,
		  "Invalid device \"d\": must be an IPv4 address: \"ipv4.address\"" },
		{ "ipv4 filtering without an address",
		  "{\"type\":\"nic\",\"network\":\"n\",\"security.ipv4_filtering\":\"true\"}",
		  &none,
		  "Invalid device \"d\": security.ipv4_filtering requires \"ipv4.address\"" },
		{ "filtering on a macvlan nic",
		  "{\"type\":\"nic\",\"nictype\":\"macvlan\",\"parent\":\"e\","
		  "\"security.mac_filtering\":\"true\"}",
		  &none,
		  "Invalid device \"d\": security.*_filtering and ipv4/ipv6.address need a bridged "
		  "nic" },
		{ "vlan", "{\"type\":\"nic\",\"network\":\"n\",\"vlan\":\"5\"}", &none,
		  "Invalid device \"d\": \"vlan\" is not supported by this server yet" },
		{ "a physical nic under a hardened policy",
		  "{\"type\":\"nic\",\"nictype\":\"physical\",\"parent\":\"enp1s0\"}", &hard,
		  "Invalid device \"d\": nictype \"physical\" is forbidden by the server's policy" },
		{ "a managed nic under a hardened policy", "{\"type\":\"nic\",\"network\":\"n\"}",
		  &hard, NULL },
		{ "a bad rate", "{\"type\":\"nic\",\"network\":\"n\",\"limits.egress\":\"10MB\"}",
		  &none,
		  "Invalid device \"d\": must be a bit rate such as 10Mbit (8bit to 8Tbit): "
		  "\"limits.egress\"" },
		{ "a rate over 8Tbit",
		  "{\"type\":\"nic\",\"network\":\"n\",\"limits.max\":\"9Tbit\"}", &none,
		  "Invalid device \"d\": must be a bit rate such as 10Mbit (8bit to 8Tbit): "
		  "\"limits.max\"" },
		{ "limits on a p2p nic",
		  "{\"type\":\"nic\",\"nictype\":\"p2p\",\"limits.egress\":\"1Mbit\"}", &none,
		  "Invalid device \"d\": limits.* is only supported on bridged nics by this server" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		json_object *dev = parse(cases[k].dev);
		char err[FE_ERR_MAX] = "";
		int r = fe_device_check_one("d", dev, cases[k].policy, err);

		if (k == 9)
			CHECK(r == -EINVAL && strstr(err, "must be an interface name"),
			      "nic check: %s is refused: %s", cases[k].what, err);
		else if (!cases[k].error)
			CHECK(r == 0, "nic check: %s is accepted%s%s", cases[k].what, r ? ": " : "",
			      err);
		else
			CHECK(r < 0 && strcmp(err, cases[k].error) == 0,
			      "nic check: %s is refused: %s", cases[k].what, err);
		json_object_put(dev);
	}
}

static void frontend_start(void)
{
	json_object *config = parse("{}");
	json_object *xd =
		parse("{\"root\":{\"type\":\"disk\",\"path\":\"/\"},"
		      "\"eth1\":{\"type\":\"nic\",\"nictype\":\"p2p\",\"mtu\":\"1400\"},"
		      "\"lim\":{\"type\":\"nic\",\"network\":\"n\",\"limits.max\":\"80Mbit\","
		      "\"limits.ingress\":\"8kbit\"},"
		      "\"eth0\":{\"type\":\"nic\",\"network\":\"mtbr0\","
		      "\"security.ipv4_filtering\":\"true\",\"ipv4.address\":\"10.1.0.7\","
		      "\"security.ipv6_filtering\":\"true\"},"
		      "\"phy\":{\"type\":\"nic\",\"nictype\":\"physical\","
		      "\"parent\":\"enp1s0\",\"name\":\"lan\",\"hwaddr\":\"02:00:00:00:00:01\"}}");
	static struct ph_start_config c, again;
	json_object *v;
	bool changed = false;
	char mac[32] = "", host[32] = "";

	if (!CHECK(fe_nics_start(config, xd, &c, &changed) == 0 && c.n_nics == 4,
		   "nic start: four nics (%zu)", c.n_nics))
		goto out;
	CHECK(strcmp(c.nics[0].device, "eth0") == 0 && strcmp(c.nics[1].device, "eth1") == 0 &&
		      strcmp(c.nics[2].device, "lim") == 0 && strcmp(c.nics[3].device, "phy") == 0,
	      "nic start: in device name order");
	CHECK(c.nics[2].ingress == 1000 && c.nics[2].egress == 10000000 && c.nics[0].ingress == 0 &&
		      c.nics[0].egress == 0,
	      "nic start: limits in bytes a second, limits.max for the one not set on its own");
	CHECK(c.nics[0].type == PH_NIC_KIND_BRIDGED && strcmp(c.nics[0].network, "mtbr0") == 0 &&
		      strcmp(c.nics[0].parent, "mtbr0") == 0 &&
		      strcmp(c.nics[0].ifname, "eth0") == 0,
	      "nic start: a managed nic is bridged onto the network's bridge, named as its device");
	CHECK(changed && json_object_object_get_ex(config, "volatile.eth0.hwaddr", &v) &&
		      snprintf(mac, sizeof(mac), "%s", json_object_get_string(v)) == 17 &&
		      strncmp(mac, "00:16:3e:", 9) == 0 && c.nics[0].has_hwaddr &&
		      c.nics[0].hwaddr[0] == 0 && c.nics[0].hwaddr[2] == 0x3e,
	      "nic start: a new hwaddr in LXD's 00:16:3e form, kept in volatile.eth0.hwaddr (%s)",
	      mac);
	CHECK(json_object_object_get_ex(config, "volatile.eth0.host_name", &v) &&
		      snprintf(host, sizeof(host), "%s", json_object_get_string(v)) == 12 &&
		      strcmp(host, c.nics[0].host_name) == 0 && strncmp(host, "veth", 4) == 0,
	      "nic start: a new host end, kept in volatile.eth0.host_name (%s)", host);
	CHECK(c.nics[0].n_ipv4 == 1 && strcmp(c.nics[0].ipv4[0], "10.1.0.7") == 0 &&
		      c.nics[0].n_ipv6 == 1 &&
		      strncmp(c.nics[0].ipv6[0], "fe80::216:3eff:fe", 17) == 0,
	      "nic start: the filter's addresses: ipv4.address, the EUI-64 link-local (%s)",
	      c.nics[0].ipv6[0]);
	CHECK(c.nics[1].type == PH_NIC_KIND_P2P && c.nics[1].mtu == 1400 &&
		      c.nics[1].parent[0] == '\0' && c.nics[1].host_name[0],
	      "nic start: a p2p nic has a host end and no parent");
	CHECK(c.nics[3].type == PH_NIC_KIND_PHYSICAL && strcmp(c.nics[3].ifname, "lan") == 0 &&
		      c.nics[3].host_name[0] == '\0' && c.nics[3].hwaddr[0] == 2 &&
		      !json_object_object_get_ex(config, "volatile.phy.host_name", NULL) &&
		      json_object_object_get_ex(config, "volatile.phy.hwaddr", NULL) == false,
	      "nic start: a physical nic with its own hwaddr: no host end, nothing volatile");
	changed = true;
	CHECK(fe_nics_start(config, xd, &again, &changed) == 0 && !changed &&
		      memcmp(again.nics[0].hwaddr, c.nics[0].hwaddr, 6) == 0 &&
		      strcmp(again.nics[0].host_name, c.nics[0].host_name) == 0 &&
		      strcmp(again.nics[1].host_name, c.nics[1].host_name) == 0,
	      "nic start: the next start keeps the hwaddr and host ends, and changes nothing");
out:
	json_object_put(config);
	json_object_put(xd);
}

static void keep_volatile(void)
{
	json_object *to = parse("{\"volatile.eth0.hwaddr\":\"00:16:3e:00:00:01\"}");
	json_object *from = parse("{\"volatile.eth0.hwaddr\":\"00:16:3e:00:00:02\","
				  "\"volatile.eth1.hwaddr\":\"00:16:3e:00:00:03\","
				  "\"volatile.eth1.host_name\":\"veth1\","
				  "\"volatile.idmap.base\":\"0\",\"limits.memory\":\"1GiB\"}");
	json_object *v;

	fe_nics_keep_volatile(to, from);
	CHECK(json_object_object_get_ex(to, "volatile.eth0.hwaddr", &v) &&
		      strcmp(json_object_get_string(v), "00:16:3e:00:00:01") == 0 &&
		      json_object_object_get_ex(to, "volatile.eth1.hwaddr", NULL) &&
		      json_object_object_get_ex(to, "volatile.eth1.host_name", NULL) &&
		      !json_object_object_get_ex(to, "volatile.idmap.base", NULL) &&
		      !json_object_object_get_ex(to, "limits.memory", NULL),
	      "nic: the nics' volatile keys are kept (a stored one wins), nothing else");
	json_object_put(to);
	json_object_put(from);
}

void test_nic(void)
{
	CHECK(name_ifname_valid("eth0") && name_ifname_valid("eth0.100") &&
		      name_ifname_valid("veth_a-b") && name_ifname_valid("a23456789012345") &&
		      !name_ifname_valid("a234567890123456") && !name_ifname_valid("") &&
		      !name_ifname_valid("a/b") && !name_ifname_valid("a:b") &&
		      !name_ifname_valid(".a") && !name_ifname_valid("a b") &&
		      !name_ifname_valid("a\nb") && !name_ifname_valid("a=b"),
	      "nic: interface names: letters, digits, . _ -, 1 to 15 bytes");
	render_lines();
	filter_rules();
	frontend_check();
	frontend_start();
	keep_volatile();
}
