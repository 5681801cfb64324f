// SPDX-License-Identifier: Apache-2.0
/*
 * Managed networks' links over rtnetlink, with libnl-route-3: this
 * daemon's bridges (created, marked with its ifalias, given an mtu, a
 * stable hwaddr and addresses, brought up, deleted), and the host's routes
 * and addresses, read to refuse a subnet that overlaps them (moatd-api
 * picks an `auto` subnet; moatd checks it so). Run by moatd (root), in an op's worker; every input
 * is a typed field an op's check validated. The only links it changes are
 * ones that do not exist yet or carry this daemon's marker.
 */
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/route.h>

#include "cleanup.h"
#include "net.h"
#include "netaddr.h"

/* libnl's objects, released at scope exit */
#define NL_CLEANUP(fn, type, release)                                                              \
	static void fn(type **p)                                                                   \
	{                                                                                          \
		if (*p)                                                                            \
			release(*p);                                                               \
	}
NL_CLEANUP(sock_freep, struct nl_sock, nl_socket_free)
NL_CLEANUP(link_putp, struct rtnl_link, rtnl_link_put)
NL_CLEANUP(cache_freep, struct nl_cache, nl_cache_free)
NL_CLEANUP(addr_putp, struct rtnl_addr, rtnl_addr_put)
NL_CLEANUP(nladdr_putp, struct nl_addr, nl_addr_put)
#define __do_nlsock __attribute__((cleanup(sock_freep)))
#define __do_link __attribute__((cleanup(link_putp)))
#define __do_cache __attribute__((cleanup(cache_freep)))
#define __do_addr __attribute__((cleanup(addr_putp)))
#define __do_nladdr __attribute__((cleanup(nladdr_putp)))

/* libnl's errors as errnos, near enough for a reply. */
static int nlerr(int e)
{
	switch (e < 0 ? -e : e) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENOENT;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	default:
		return -EIO;
	}
}

static int nl_open(struct nl_sock **ret)
{
	struct nl_sock *s = nl_socket_alloc();

	if (!s)
		return -ENOMEM;
	if (nl_connect(s, NETLINK_ROUTE) < 0) {
		nl_socket_free(s);
		return -EIO;
	}
	*ret = s;
	return 0;
}

static bool link_is_ours(struct rtnl_link *l)
{
	const char *type = rtnl_link_get_type(l), *alias = rtnl_link_get_ifalias(l);

	return type && strcmp(type, "bridge") == 0 && alias && strcmp(alias, ph_net_marker()) == 0;
}

/* The link named name on a new socket: 1 (*ret_sk, *ret_l set), 0 none, or < 0. */
static int link_get(const char *name, struct nl_sock **ret_sk, struct rtnl_link **ret_l)
{
	int r = nl_open(ret_sk);

	if (r < 0)
		return r;
	r = rtnl_link_get_kernel(*ret_sk, 0, name, ret_l);
	if (r < 0)
		return nlerr(r) == -ENOENT ? 0 : nlerr(r);
	return 1;
}

int ph_link_state(const char *name)
{
	struct nl_sock *sk __do_nlsock = NULL;
	struct rtnl_link *l __do_link = NULL;
	int r = link_get(name, &sk, &l);

	if (r <= 0)
		return r;
	return link_is_ours(l) ? 1 : -EEXIST;
}

bool ph_net_bridge_is_ours(const char *name)
{
	return ph_link_state(name) == 1;
}

int ph_link_bridge_ensure(const char *name, uint32_t mtu, const uint8_t *hwaddr, char *why,
			  size_t why_size)
{
	struct nl_sock *sk __do_nlsock = NULL;
	struct rtnl_link *l __do_link = NULL, *change __do_link = NULL;
	struct nl_addr *hw __do_nladdr = NULL;
	uint8_t mac[6];
	bool created = false;
	int r = nl_open(&sk);

	if (r < 0)
		return r;
	r = rtnl_link_get_kernel(sk, 0, name, &l);
	if (r < 0 && nlerr(r) != -ENOENT)
		return nlerr(r);
	if (r < 0) {
		struct rtnl_link *nb __do_link = rtnl_link_bridge_alloc();

		if (!nb)
			return -ENOMEM;
		rtnl_link_set_name(nb, name);
		r = rtnl_link_add(sk, nb, NLM_F_CREATE | NLM_F_EXCL);
		if (r < 0) {
			snprintf(why, why_size, "Cannot create the bridge: %s", nl_geterror(r));
			return nlerr(r);
		}
		r = rtnl_link_get_kernel(sk, 0, name, &l);
		if (r < 0)
			return nlerr(r);
		created = true; /* made here (NLM_F_EXCL): ours, though not marked yet */
		if (!hwaddr) {  /* a bridge's own address, else it takes its ports' */
			if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
				return -EIO;
			mac[0] = 0x00, mac[1] = 0x16, mac[2] = 0x3e; /* LXD's prefix */
			hwaddr = mac;
		}
	} else if (!link_is_ours(l)) {
		return -EEXIST;
	}
	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	rtnl_link_set_ifalias(change, ph_net_marker());
	rtnl_link_set_mtu(change, mtu);
	rtnl_link_set_flags(change, IFF_UP);
	if (hwaddr) {
		hw = nl_addr_build(AF_LLC, hwaddr, 6);
		if (!hw)
			return -ENOMEM;
		rtnl_link_set_addr(change, hw);
	}
	r = rtnl_link_change(sk, l, change, 0);
	if (r < 0) {
		snprintf(why, why_size, "Cannot configure the bridge: %s", nl_geterror(r));
		if (created) /* the kernel takes no ifalias at creation: not left unmarked */
			(void)rtnl_link_delete(sk, l);
		return nlerr(r);
	}
	return 0;
}

int ph_link_bridge_delete(const char *name)
{
	struct nl_sock *sk __do_nlsock = NULL;
	struct rtnl_link *l __do_link = NULL;
	int r = link_get(name, &sk, &l);

	if (r <= 0)
		return r;
	if (!link_is_ours(l)) /* re-checked: only ever our own bridge */
		return -EEXIST;
	return nlerr(rtnl_link_delete(sk, l));
}

static size_t alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* An IPv6 link-local or multicast address: every link has those. */
static bool v6_local(const uint8_t *a)
{
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

static int ifindex_of(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l __do_link = NULL;

	return rtnl_link_get_kernel(sk, 0, name, &l) < 0 ? 0 : rtnl_link_get_ifindex(l);
}

/* The addresses of the link (ifindex) of family, global scope only: each to fn. */
static int addr_each(struct nl_sock *sk, int ifindex, int family,
		     int (*fn)(struct rtnl_addr *a, void *arg), void *arg)
{
	struct nl_cache *cache __do_cache = NULL;
	int r = rtnl_addr_alloc_cache(sk, &cache);

	if (r < 0)
		return nlerr(r);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *l = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != family ||
		    !l || nl_addr_get_len(l) != alen(family) ||
		    (family == AF_INET6 && v6_local(nl_addr_get_binary_addr(l))))
			continue;
		r = fn(a, arg);
		if (r != 0)
			return r;
	}
	return 0;
}

struct reconcile {
	struct nl_sock *sk;
	const void *want;
	uint8_t prefix;
	bool present;
};

static int drop_other(struct rtnl_addr *a, void *arg)
{
	struct reconcile *rc = arg;
	struct nl_addr *l = rtnl_addr_get_local(a);

	if (rc->prefix && rtnl_addr_get_prefixlen(a) == rc->prefix &&
	    memcmp(nl_addr_get_binary_addr(l), rc->want, nl_addr_get_len(l)) == 0) {
		rc->present = true;
		return 0;
	}
	return nlerr(rtnl_addr_delete(rc->sk, a, 0));
}

int ph_link_addr_set(const char *name, int family, const void *addr, uint8_t prefix)
{
	struct nl_sock *sk __do_nlsock = NULL;
	struct rtnl_addr *a __do_addr = NULL;
	struct nl_addr *l __do_nladdr = NULL, *brd __do_nladdr = NULL;
	struct reconcile rc = { .want = addr, .prefix = prefix };
	int idx, r = nl_open(&sk);

	if (r < 0)
		return r;
	rc.sk = sk;
	idx = ifindex_of(sk, name);
	if (idx <= 0)
		return -ENOENT;
	r = addr_each(sk, idx, family, drop_other, &rc);
	if (r < 0 || prefix == 0 || rc.present)
		return r;
	a = rtnl_addr_alloc();
	l = nl_addr_build(family, addr, alen(family));
	if (!a || !l)
		return -ENOMEM;
	nl_addr_set_prefixlen(l, prefix);
	rtnl_addr_set_ifindex(a, idx);
	rtnl_addr_set_family(a, family);
	rtnl_addr_set_local(a, l);
	rtnl_addr_set_prefixlen(a, prefix);
	if (family == AF_INET) {
		uint8_t b[4];

		memcpy(b, addr, 4);
		for (unsigned i = prefix; i < 32; i++)
			b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		brd = nl_addr_build(AF_INET, b, 4);
		if (!brd)
			return -ENOMEM;
		rtnl_addr_set_broadcast(a, brd);
	} else {
		rtnl_addr_set_flags(a, IFA_F_NODAD); /* usable at once: dnsmasq binds it */
	}
	r = rtnl_addr_add(sk, a, 0);
	return r < 0 && nlerr(r) != -EEXIST ? nlerr(r) : 0;
}

struct overlap {
	struct nl_sock *sk;
	int family, self;
	const uint8_t *addr;
	uint8_t prefix;
	char *why;
	size_t why_size;
};

static void name_of(struct nl_sock *sk, int ifindex, char *buf, size_t size)
{
	struct rtnl_link *l __do_link = NULL;

	if (rtnl_link_get_kernel(sk, ifindex, NULL, &l) == 0)
		snprintf(buf, size, "%s", rtnl_link_get_name(l));
	else
		snprintf(buf, size, "%d", ifindex);
}

static int say_overlap(struct overlap *o, const char *what, struct nl_addr *a, int ifindex)
{
	char buf[64], dev[IFNAMSIZ + 8] = "";

	if (o->why) {
		nl_addr2str(a, buf, sizeof(buf));
		if (ifindex > 0)
			name_of(o->sk, ifindex, dev, sizeof(dev));
		snprintf(o->why, o->why_size, "The subnet overlaps the host's %s %s%s%s", what, buf,
			 dev[0] ? " on " : "", dev);
	}
	return -EADDRINUSE;
}

static int check_routes(struct overlap *o)
{
	struct nl_cache *cache __do_cache = NULL;
	int r = rtnl_route_alloc_cache(o->sk, o->family, 0, &cache);

	if (r < 0)
		return nlerr(r);
	for (struct nl_object *obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *rt = (struct rtnl_route *)obj;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		struct rtnl_nexthop *nh =
			rtnl_route_get_nnexthops(rt) ? rtnl_route_nexthop_n(rt, 0) : NULL;
		int oif = nh ? rtnl_route_nh_get_ifindex(nh) : 0;

		if (rtnl_route_get_type(rt) != RTN_UNICAST || !dst ||
		    nl_addr_get_prefixlen(dst) == 0 || nl_addr_get_len(dst) != alen(o->family) ||
		    (o->self > 0 && oif == o->self))
			continue;
		if (o->family == AF_INET6 && v6_local(nl_addr_get_binary_addr(dst)))
			continue;
		if (netaddr_overlap(nl_addr_get_binary_addr(dst), nl_addr_get_prefixlen(dst),
				    o->addr, o->prefix))
			return say_overlap(o, "route", dst, oif);
	}
	return 0;
}

static int check_addrs(struct overlap *o)
{
	struct nl_cache *cache __do_cache = NULL;
	int r = rtnl_addr_alloc_cache(o->sk, &cache);

	if (r < 0)
		return nlerr(r);
	for (struct nl_object *obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		struct nl_addr *l = rtnl_addr_get_local(a);

		if (rtnl_addr_get_family(a) != o->family || !l ||
		    nl_addr_get_len(l) != alen(o->family) || rtnl_addr_get_ifindex(a) == o->self)
			continue;
		if (o->family == AF_INET6 && v6_local(nl_addr_get_binary_addr(l)))
			continue;
		if (netaddr_overlap(nl_addr_get_binary_addr(l), rtnl_addr_get_prefixlen(a), o->addr,
				    o->prefix))
			return say_overlap(o, "address", l, rtnl_addr_get_ifindex(a));
	}
	return 0;
}

int ph_link_overlaps(const char *name, int family, const void *addr, uint8_t prefix, char *why,
		     size_t why_size)
{
	struct nl_sock *sk __do_nlsock = NULL;
	struct overlap o = {
		.family = family, .addr = addr, .prefix = prefix, .why = why, .why_size = why_size
	};
	int r = nl_open(&sk);

	if (r < 0)
		return r;
	o.sk = sk;
	o.self = ifindex_of(sk, name);
	r = check_routes(&o);
	return r < 0 ? r : check_addrs(&o);
}

/* For the nics' hot-plug (op_nic.c): the same socket and error mapping. */
int ph_nl_open(struct nl_sock **ret)
{
	return nl_open(ret);
}

int ph_nl_err(int e)
{
	return nlerr(e);
}
