// SPDX-License-Identifier: Apache-2.0
/*
 * The managed-network ops on the wire: ph_call_network_apply() and
 * ph_call_network_delete() (ph/ph.h), the frontend's half of
 * privhelper/op_network.c. moatd-api, unprivileged: the network's fields
 * come from the API's validation (model/), moatd checks every one again;
 * its reply is untrusted (addresses of the right length, a warning
 * without a NUL that fits).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "ph/ph.h"
#include "ph/wire.h"

static void reply_freep(Ph__Reply **r)
{
	if (*r)
		ph__reply__free_unpacked(*r, NULL);
}
#define __do_reply_msg __attribute__((cleanup(reply_freep)))

static ProtobufCBinaryData bytes(const void *p, size_t n)
{
	return (ProtobufCBinaryData){ .len = n, .data = (uint8_t *)p };
}

static Ph__NetAddrMode addr_mode(enum ph_addr_mode m)
{
	return m == PH_ADDR_SET ? PH__NET_ADDR_MODE__NET_ADDR_SET
				: PH__NET_ADDR_MODE__NET_ADDR_NONE;
}

static Ph__NetDnsMode dns_mode(enum ph_dns_mode m)
{
	return m == PH_DNS_DYNAMIC ? PH__NET_DNS_MODE__NET_DNS_DYNAMIC
	       : m == PH_DNS_NONE  ? PH__NET_DNS_MODE__NET_DNS_NONE
				   : PH__NET_DNS_MODE__NET_DNS_MANAGED;
}

/* A string of the caller's: no NUL inside (it is a C string) and under cap. */
static bool fits(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

/* An address's or a hwaddr's text, one of 46 bytes a slot. */
#define ADDR_TEXT 46
typedef char addr_text[ADDR_TEXT];

/*
 * The hosts and ranges of a request, and the text of their addresses
 * (as every bytes field of the contract, addresses travel as text), owned
 * here until it is sent.
 */
struct net_wire {
	Ph__NetHost *hosts, **hosts_p;
	Ph__NetRange *ranges, *ranges_p[PH_NET_RANGES_MAX];
	addr_text *text; /* 4 per host, 2 per range, 3 of the network's own */
	size_t n_text;
};

static void net_wire_free(struct net_wire *w)
{
	free(w->hosts);
	free(w->hosts_p);
	free(w->ranges);
	free(w->text);
}

static ProtobufCBinaryData addr(struct net_wire *w, int family, const void *a)
{
	char *s = w->text[w->n_text++];

	inet_ntop(family, a, s, ADDR_TEXT);
	return bytes(s, strlen(s));
}

static ProtobufCBinaryData hwaddr(struct net_wire *w, const uint8_t *h)
{
	char *s = w->text[w->n_text++];

	snprintf(s, ADDR_TEXT, "%02x:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4], h[5]);
	return bytes(s, strlen(s));
}

static int fill(const struct ph_network *net, Ph__NetworkApplyRequest *m, struct net_wire *w)
{
	if (!fits(net->name, sizeof(net->name)) ||
	    !fits(net->dns_domain, sizeof(net->dns_domain)) ||
	    net->n_ipv4_ranges > PH_NET_RANGES_MAX || net->n_hosts > PH_NET_HOSTS_MAX ||
	    (net->n_hosts && !net->hosts))
		return -EINVAL;
	w->text = calloc(3 + 2 * net->n_ipv4_ranges + 4 * net->n_hosts, sizeof(addr_text));
	if (!w->text)
		return -ENOMEM;
	m->name = bytes(net->name, strlen(net->name));
	m->mtu = net->mtu;
	if (net->has_hwaddr)
		m->hwaddr = hwaddr(w, net->hwaddr);
	m->ipv4_mode = addr_mode(net->ipv4_mode);
	if (net->ipv4_mode == PH_ADDR_SET) {
		m->ipv4 = addr(w, AF_INET, &net->ipv4);
		m->ipv4_prefix = net->ipv4_prefix;
	}
	m->ipv4_nat = net->ipv4_nat;
	m->ipv4_dhcp = net->ipv4_dhcp;
	m->ipv4_routing = net->ipv4_routing;
	m->ipv6_mode = addr_mode(net->ipv6_mode);
	if (net->ipv6_mode == PH_ADDR_SET) {
		m->ipv6 = addr(w, AF_INET6, &net->ipv6);
		m->ipv6_prefix = net->ipv6_prefix;
	}
	m->ipv6_nat = net->ipv6_nat;
	m->ipv6_dhcp = net->ipv6_dhcp;
	m->ipv6_dhcp_stateful = net->ipv6_dhcp_stateful;
	m->ipv6_routing = net->ipv6_routing;
	m->dns_domain = bytes(net->dns_domain, strlen(net->dns_domain));
	m->dns_mode = dns_mode(net->dns_mode);
	if (net->raw_dnsmasq)
		m->raw_dnsmasq = bytes(net->raw_dnsmasq, strlen(net->raw_dnsmasq));

	if (net->n_ipv4_ranges) {
		w->ranges = calloc(net->n_ipv4_ranges, sizeof(*w->ranges));
		if (!w->ranges)
			return -ENOMEM;
	}
	for (size_t i = 0; i < net->n_ipv4_ranges; i++) {
		ph__net_range__init(&w->ranges[i]);
		w->ranges[i].start = addr(w, AF_INET, &net->ipv4_ranges[i].start);
		w->ranges[i].end = addr(w, AF_INET, &net->ipv4_ranges[i].end);
		w->ranges_p[i] = &w->ranges[i];
	}
	m->ipv4_ranges = w->ranges_p;
	m->n_ipv4_ranges = net->n_ipv4_ranges;

	if (net->n_hosts) {
		w->hosts = calloc(net->n_hosts, sizeof(*w->hosts));
		w->hosts_p = calloc(net->n_hosts, sizeof(*w->hosts_p));
		if (!w->hosts || !w->hosts_p)
			return -ENOMEM;
	}
	for (size_t i = 0; i < net->n_hosts; i++) {
		const struct ph_net_host *h = &net->hosts[i];
		Ph__NetHost *x = &w->hosts[i];

		if (!fits(h->name, sizeof(h->name)))
			return -EINVAL;
		ph__net_host__init(x);
		x->name = bytes(h->name, strlen(h->name));
		x->hwaddr = hwaddr(w, h->hwaddr);
		if (h->has_ipv4)
			x->ipv4 = addr(w, AF_INET, &h->ipv4);
		if (h->has_ipv6)
			x->ipv6 = addr(w, AF_INET6, &h->ipv6);
		w->hosts_p[i] = x;
	}
	m->hosts = w->hosts_p;
	m->n_hosts = net->n_hosts;
	return 0;
}

/* An address moatd sent: empty (0), or its text (1); else -EPROTO. */
static int addr_from(const ProtobufCBinaryData *b, int family, void *ret)
{
	char s[ADDR_TEXT];

	if (b->len == 0)
		return 0;
	if (b->len >= sizeof(s) || memchr(b->data, '\0', b->len))
		return -EPROTO;
	memcpy(s, b->data, b->len);
	s[b->len] = '\0';
	return inet_pton(family, s, ret) == 1 ? 1 : -EPROTO;
}

/* What moatd applied: addresses that parse, a prefix in range, a clean warning. */
static int applied_from(const Ph__NetworkApplyReply *x, struct ph_network_applied *ret)
{
	struct ph_network_applied a = { .forward_drop = x->forward_drop };
	int r4 = addr_from(&x->ipv4, AF_INET, &a.ipv4), r6 = addr_from(&x->ipv6, AF_INET6, &a.ipv6);

	if (r4 < 0 || r6 < 0 || x->ipv4_prefix > 32 || x->ipv6_prefix > 128 ||
	    (r4 == 0) != (x->ipv4_prefix == 0) || (r6 == 0) != (x->ipv6_prefix == 0) ||
	    x->warning.len >= sizeof(a.warning) ||
	    (x->warning.len && memchr(x->warning.data, '\0', x->warning.len)))
		return -EPROTO;
	a.ipv4_prefix = (uint8_t)x->ipv4_prefix;
	a.ipv6_prefix = (uint8_t)x->ipv6_prefix;
	if (x->warning.len)
		memcpy(a.warning, x->warning.data, x->warning.len);
	a.warning[x->warning.len] = '\0';
	*ret = a;
	return 0;
}

int ph_call_network_apply(const struct ph_network *net, struct ph_network_applied *ret,
			  struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__NetworkApplyRequest m = PH__NETWORK_APPLY_REQUEST__INIT;
	Ph__Reply *rep __do_reply_msg = NULL;
	struct net_wire w __attribute__((cleanup(net_wire_free))) = { 0 };
	struct ph_fw_wire fw __attribute__((cleanup(ph_fw_wire_free))) = { 0 };
	struct ph_network_applied a;
	int r = fill(net, &m, &w);

	if (r == 0) /* security.acls and the forwards: calls_acl.c */
		r = ph_fw_fill(net, &m, &fw);

	if (r < 0) {
		if (ret_error)
			ret_error->msg[0] = '\0';
		return r;
	}
	req.network_apply = &m;
	r = ph_wire_call(PH__REQUEST__OP_NETWORK_APPLY, &req, &rep, ret_error);
	if (r < 0)
		return r;
	if (applied_from(rep->network_apply, &a) < 0)
		return ph_wire_breach(ret_error, &req, "an address or warning of the wrong shape");
	if (ret)
		*ret = a;
	return 0;
}

int ph_call_network_delete(const char *name, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__NetworkDeleteRequest m = PH__NETWORK_DELETE_REQUEST__INIT;
	Ph__Reply *rep __do_reply_msg = NULL;
	int r;

	if (!name || !fits(name, 16)) {
		if (ret_error)
			ret_error->msg[0] = '\0';
		return -EINVAL;
	}
	m.name = bytes(name, strlen(name));
	req.network_delete = &m;
	r = ph_wire_call(PH__REQUEST__OP_NETWORK_DELETE, &req, &rep, ret_error);
	return r == -ENOENT ? 0 : r; /* gone is fine */
}
