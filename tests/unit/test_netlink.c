// SPDX-License-Identifier: Apache-2.0
/*
 * frontend/ph/netlink.c's parser of the link and address dumps moatd-api
 * asks of a container's netlink socket: messages built here as the kernel
 * sends them, and the hostile cases (a name without its NUL, one too long
 * for the buffer, an address of the wrong length, an address of no known
 * link) that must be skipped, never copied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "ph/ph.h"
#include "t.h"

static char *put_link(char *at, int index, const char *name, size_t name_len, unsigned flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(at);
	struct ifinfomsg *m = mnl_nlmsg_put_extra_header(h, sizeof(*m));
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };
	struct rtnl_link_stats64 st = { .rx_bytes = 1234, .tx_dropped = 5 };

	h->nlmsg_type = RTM_NEWLINK;
	h->nlmsg_flags = NLM_F_MULTI;
	m->ifi_index = index;
	m->ifi_flags = flags;
	mnl_attr_put(h, IFLA_IFNAME, name_len, name);
	mnl_attr_put_u32(h, IFLA_MTU, 1500);
	mnl_attr_put(h, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put(h, IFLA_STATS64, sizeof(st), &st);
	return at + h->nlmsg_len;
}

static char *put_addr(char *at, int index, int family, const char *text, size_t len, int prefix,
		      int scope)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(at);
	struct ifaddrmsg *m = mnl_nlmsg_put_extra_header(h, sizeof(*m));
	uint8_t a[16] = { 0 };

	inet_pton(family, text, a);
	h->nlmsg_type = RTM_NEWADDR;
	h->nlmsg_flags = NLM_F_MULTI;
	m->ifa_family = (uint8_t)family;
	m->ifa_index = (uint32_t)index;
	m->ifa_prefixlen = (uint8_t)prefix;
	m->ifa_scope = (uint8_t)scope;
	mnl_attr_put(h, family == AF_INET ? IFA_LOCAL : IFA_ADDRESS, len, a);
	return at + h->nlmsg_len;
}

static char *put_done(char *at)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(at);

	h->nlmsg_type = NLMSG_DONE;
	mnl_nlmsg_put_extra_header(h, sizeof(int));
	return at + h->nlmsg_len;
}

void test_netlink(void)
{
	static char buf[8192];
	char *p = buf, longname[80];
	struct ph_net_info n = { 0 };
	const struct ph_net_interface *e;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	p = put_link(p, 2, "eth0", 5, IFF_UP);
	p = put_link(p, 3, "et\0h", 4, IFF_UP);            /* no NUL at its end */
	p = put_link(p, 4, longname, sizeof(longname), 0); /* longer than the buffer */
	p = put_addr(p, 2, AF_INET, "10.0.3.5", 4, 24, RT_SCOPE_UNIVERSE);
	p = put_addr(p, 2, AF_INET6, "fe80::1:1", 16, 64, RT_SCOPE_LINK);
	p = put_addr(p, 2, AF_INET, "10.0.3.6", 3, 24, RT_SCOPE_UNIVERSE); /* short */
	p = put_addr(p, 9, AF_INET, "10.0.3.7", 4, 24, RT_SCOPE_UNIVERSE); /* no such link */
	p = put_done(p);
	CHECK(ph_netlink_parse(buf, (size_t)(p - buf), &n) == 0, "netlink: a dump is parsed");
	CHECK(n.n_interfaces == 1, "netlink: a name without its NUL or too long is skipped (%zu)",
	      n.n_interfaces);
	e = n.n_interfaces ? &n.interfaces[0] : NULL;
	CHECK(e && strcmp(e->name, "eth0") == 0 && e->up && !e->loopback && e->mtu == 1500 &&
		      strcmp(e->hwaddr, "00:16:3e:00:00:01") == 0 && e->rx_bytes == 1234 &&
		      e->tx_dropped == 5,
	      "netlink: eth0: flags, MTU, hwaddr and counters");
	CHECK(e && e->n_addresses == 2 && strcmp(e->addresses[0].address, "10.0.3.5") == 0 &&
		      e->addresses[0].prefix == 24 && strcmp(e->addresses[0].family, "inet") == 0 &&
		      strcmp(e->addresses[0].scope, "global") == 0 &&
		      strcmp(e->addresses[1].address, "fe80::1:1") == 0 &&
		      strcmp(e->addresses[1].scope, "link") == 0,
	      "netlink: eth0's addresses; one of the wrong length and one of no link skipped");
	ph_net_info_free(&n);
	CHECK(ph_netlink_parse("\x10\0\0\0garbage!", 12, &n) <= 0 && n.n_interfaces == 0,
	      "netlink: from a truncated message nothing is taken");
	ph_net_info_free(&n);
}
