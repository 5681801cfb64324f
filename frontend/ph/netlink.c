// SPDX-License-Identifier: Apache-2.0
/*
 * A running container's interfaces, read by moatd-api itself: instance_network
 * hands it a NETLINK_ROUTE socket that moatd's worker opened inside the
 * container's network namespace (a socket keeps the namespace it was made
 * in), and this file asks it for the links and the addresses (two dumps)
 * and turns the answers into struct ph_net_info, the shape ph.h gives its
 * callers. moatd formats nothing of it.
 *
 * The socket can only read: rtnetlink checks a change against the
 * capabilities of both the socket's opener and the sender, and moatd-api
 * holds none. The answers are the kernel's, but names and link addresses
 * in them are the container's choice, so they are hostile bytes: every
 * attribute is length-checked by libmnl's validators before use, names
 * must end in a NUL inside their attribute and fit ph.h's buffers (else
 * the interface is skipped), counts are bounded. fuzz/fuzz_netlink.c feeds
 * ph_netlink_parse() arbitrary message streams.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "ph.h"

#define NL_MAX_IFS 64
#define NL_MAX_ADDRS 16
#define NL_WAIT_MS 5000
#define TB_MAX (IFLA_MAX > IFA_MAX ? IFLA_MAX : IFA_MAX)

struct parse {
	struct ph_net_info *n;
	int index[NL_MAX_IFS]; /* the kernel's ifindex of each interface */
};

static int attr_of(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, TB_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

/* A NUL-terminated string attribute that fits size, else NULL. */
static const char *str_of(const struct nlattr *a, size_t size)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
	    strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)) >= size)
		return NULL;
	return mnl_attr_get_str(a);
}

static int link_msg(const struct nlmsghdr *h, struct parse *p)
{
	const struct nlattr *tb[TB_MAX + 1] = { 0 };
	const struct ifinfomsg *m = mnl_nlmsg_get_payload(h);
	struct ph_net_interface *i;
	const char *name;

	if (mnl_nlmsg_get_payload_len(h) < sizeof(*m) || p->n->n_interfaces >= NL_MAX_IFS ||
	    mnl_attr_parse(h, sizeof(*m), attr_of, tb) != MNL_CB_OK)
		return MNL_CB_OK; /* a message it cannot read: skipped */
	name = str_of(tb[IFLA_IFNAME], sizeof(i->name));
	if (!name || !name[0])
		return MNL_CB_OK;
	i = &p->n->interfaces[p->n->n_interfaces];
	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", name);
	i->up = (m->ifi_flags & IFF_UP) != 0;
	i->loopback = (m->ifi_flags & IFF_LOOPBACK) != 0;
	if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) == 0)
		i->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && !i->loopback) {
		const uint8_t *b = mnl_attr_get_payload(tb[IFLA_ADDRESS]);
		size_t len = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);

		for (size_t k = 0; k < len && k < 8; k++) /* "xx" then ":xx" each */
			snprintf(i->hwaddr + (k ? 3 * k - 1 : 0), 4, k ? ":%02x" : "%02x", b[k]);
	}
	if (tb[IFLA_STATS64] &&
	    mnl_attr_get_payload_len(tb[IFLA_STATS64]) >= sizeof(struct rtnl_link_stats64)) {
		struct rtnl_link_stats64 s;

		memcpy(&s, mnl_attr_get_payload(tb[IFLA_STATS64]), sizeof(s));
		i->rx_bytes = s.rx_bytes;
		i->tx_bytes = s.tx_bytes;
		i->rx_packets = s.rx_packets;
		i->tx_packets = s.tx_packets;
		i->rx_errors = s.rx_errors;
		i->tx_errors = s.tx_errors;
		i->rx_dropped = s.rx_dropped;
		i->tx_dropped = s.tx_dropped;
	}
	i->addresses = calloc(NL_MAX_ADDRS, sizeof(*i->addresses));
	if (!i->addresses)
		return MNL_CB_ERROR;
	p->index[p->n->n_interfaces++] = m->ifi_index;
	return MNL_CB_OK;
}

static int addr_msg(const struct nlmsghdr *h, struct parse *p)
{
	const struct nlattr *tb[TB_MAX + 1] = { 0 };
	const struct ifaddrmsg *m = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	struct ph_net_interface *i = NULL;
	struct ph_net_address *d;
	size_t alen;

	if (mnl_nlmsg_get_payload_len(h) < sizeof(*m) ||
	    (m->ifa_family != AF_INET && m->ifa_family != AF_INET6) ||
	    mnl_attr_parse(h, sizeof(*m), attr_of, tb) != MNL_CB_OK)
		return MNL_CB_OK;
	for (size_t k = 0; k < p->n->n_interfaces; k++)
		if (p->index[k] == (int)m->ifa_index)
			i = &p->n->interfaces[k];
	/* IPv4's own address is IFA_LOCAL (IFA_ADDRESS is the peer's on a p2p link) */
	a = m->ifa_family == AF_INET && tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	alen = m->ifa_family == AF_INET ? 4 : 16;
	if (!i || !a || i->n_addresses >= NL_MAX_ADDRS || mnl_attr_get_payload_len(a) != alen)
		return MNL_CB_OK;
	d = &i->addresses[i->n_addresses++];
	snprintf(d->family, sizeof(d->family), "%s", m->ifa_family == AF_INET ? "inet" : "inet6");
	inet_ntop(m->ifa_family, mnl_attr_get_payload(a), d->address, sizeof(d->address));
	d->prefix = m->ifa_prefixlen;
	snprintf(d->scope, sizeof(d->scope), "%s",
		 i->loopback                     ? "local"
		 : m->ifa_scope == RT_SCOPE_LINK ? "link"
		 : m->ifa_scope == RT_SCOPE_HOST ? "local"
						 : "global");
	return MNL_CB_OK;
}

static int msg_of(const struct nlmsghdr *h, void *data)
{
	if (h->nlmsg_type == RTM_NEWLINK)
		return link_msg(h, data);
	if (h->nlmsg_type == RTM_NEWADDR)
		return addr_msg(h, data);
	return MNL_CB_OK;
}

static int parse(const void *buf, size_t len, unsigned seq, struct parse *p)
{
	int r;

	/* every header's length within the stream first: libmnl 1.0.4 compares
	 * nlmsg_len as an int, so one of 2 GiB or more would pass its check */
	for (size_t off = 0; len - off >= sizeof(struct nlmsghdr);) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)buf + off);

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			return -EPROTO;
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (off > len)
			break;
	}
	r = mnl_cb_run(buf, len, seq, 0, msg_of, p);

	return r == MNL_CB_ERROR ? (errno ? -errno : -EPROTO) : r; /* 0: the dump's end */
}

int ph_netlink_parse(const void *buf, size_t len, struct ph_net_info *n)
{
	struct parse p = { .n = n };

	if (!n->interfaces) {
		n->interfaces = calloc(NL_MAX_IFS, sizeof(*n->interfaces));
		if (!n->interfaces)
			return -ENOMEM;
	}
	return parse(buf, len, 0, &p) < 0 ? -EPROTO : 0;
}

/* One dump of type on fd, each answer through p, until its end; < 0 on error or timeout. */
static int dump(int fd, uint16_t type, unsigned seq, struct parse *p)
{
	char buf[32768]; /* a dump answers in messages of at most a page or 8 KiB */
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	ssize_t n;
	int r = 1;

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (send(fd, h, h->nlmsg_len, 0) != (ssize_t)h->nlmsg_len)
		return -errno;
	while (r > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, NL_WAIT_MS) != 1)
			return -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return n < 0 ? -errno : -EPROTO;
		r = parse(buf, (size_t)n, seq, p);
	}
	return r;
}

int ph_netlink_read(int fd, struct ph_net_info *n)
{
	struct parse p = { .n = n };
	unsigned seq = (unsigned)time(NULL);
	int r;

	n->interfaces = calloc(NL_MAX_IFS, sizeof(*n->interfaces));
	if (!n->interfaces)
		return -ENOMEM;
	r = dump(fd, RTM_GETLINK, seq, &p);
	if (r == 0)
		r = dump(fd, RTM_GETADDR, seq + 1, &p);
	return r;
}
