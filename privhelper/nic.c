// SPDX-License-Identifier: Apache-2.0
/*
 * The nics of instance_start: the check of each Nic message (hostile bytes
 * from moatd-api), its policy step, the lxc.net.N.* lines liblxc creates
 * the interfaces from, and the nftables statements that filter a bridged
 * nic's host end (security.mac_filtering, ipv4_filtering, ipv6_filtering).
 * Runs in moatd (root). Every line and rule is built from the typed
 * struct: interface names by name_ifname_valid(), addresses as bytes
 * printed by inet_ntop, numbers bounded; nothing is copied in as text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "net.h"
#include "ph.h"

static int check_ifname(const ProtobufCBinaryData *b, bool required,
			char ret[static NAME_IFNAME_MAX + 1])
{
	if (b->len == 0 && !required) {
		ret[0] = '\0';
		return 0;
	}
	if (ph_check_text(b, 1, ret, NAME_IFNAME_MAX + 1) < 0 || !name_ifname_valid(ret))
		return -EINVAL;
	return 0;
}

/* Addresses as text (inet_pton's strict forms) into bytes. */
static int check_addrs(ProtobufCBinaryData *in, size_t n, int family, uint8_t *out, size_t width,
		       size_t *ret_n)
{
	if (n > PH_NIC_ADDRS_MAX)
		return -E2BIG;
	for (size_t k = 0; k < n; k++)
		if (ph_check_ip(&in[k], family, NULL, out + k * width) < 0)
			return -EINVAL;
	*ret_n = n;
	return 0;
}

int ph_check_nic(const Ph__Nic *m, struct ph_nic *ret)
{
	struct ph_nic n = { 0 };
	bool bridged;

	if (!m || ph_check_text(&m->device, 1, n.device, sizeof(n.device)) < 0 ||
	    !name_device_valid(n.device))
		return -EINVAL;
	/* enum ph_nic_type has ph.NicType's numbers */
	if (m->type < PH__NIC_TYPE__NIC_TYPE_BRIDGED || m->type > PH__NIC_TYPE__NIC_TYPE_PHYSICAL)
		return -EINVAL;
	n.type = (enum ph_nic_type)m->type;
	bridged = n.type == PH_NIC_BRIDGED;
	/* p2p has no parent, the others must; only veth pairs have a host end */
	if (check_ifname(&m->ifname, true, n.ifname) < 0 ||
	    check_ifname(&m->parent, n.type != PH_NIC_P2P, n.parent) < 0 ||
	    (n.type == PH_NIC_P2P && m->parent.len) ||
	    check_ifname(&m->host_name, false, n.host_name) < 0 ||
	    (m->host_name.len && !bridged && n.type != PH_NIC_P2P))
		return -EINVAL;
	if (m->hwaddr) {
		/* 48 bits, not zero, not a group address (bit 0 of the first byte) */
		if (m->hwaddr >> 48 || ((m->hwaddr >> 40) & 1))
			return -EINVAL;
		for (int k = 0; k < 6; k++)
			n.hwaddr[k] = (uint8_t)(m->hwaddr >> (8 * (5 - k)));
		n.has_hwaddr = true;
	}
	if (m->mtu && (m->mtu < 68 || m->mtu > 65535))
		return -ERANGE;
	n.mtu = m->mtu;
	/* filtering is a bridged nic's, on its named host end; addresses only with it */
	n.mac_filtering = m->mac_filtering != 0;
	n.ipv4_filtering = m->ipv4_filtering != 0;
	n.ipv6_filtering = m->ipv6_filtering != 0;
	if ((n.mac_filtering || n.ipv4_filtering || n.ipv6_filtering) &&
	    (!bridged || !n.host_name[0] || !n.has_hwaddr))
		return -EINVAL;
	/* limits police the host end's frames in the bridge table */
	if ((m->ingress || m->egress) && (!bridged || !n.host_name[0]))
		return -EINVAL;
	if (m->ingress > PH_NIC_RATE_MAX || m->egress > PH_NIC_RATE_MAX)
		return -ERANGE;
	n.ingress = m->ingress;
	n.egress = m->egress;
	if ((m->n_ipv4 && !n.ipv4_filtering) || (m->n_ipv6 && !n.ipv6_filtering))
		return -EINVAL;
	if (check_addrs(m->ipv4, m->n_ipv4, AF_INET, &n.ipv4[0][0], 4, &n.n_ipv4) < 0 ||
	    check_addrs(m->ipv6, m->n_ipv6, AF_INET6, &n.ipv6[0][0], 16, &n.n_ipv6) < 0)
		return -EINVAL;
	*ret = n;
	return 0;
}

/*
 * Pure: the type alone. A bridged nic's parent is asked about at start,
 * where moatd can look at the host (ph_nics_parent_ok(): one of this
 * daemon's bridges, else allow_host_interfaces); p2p touches no host
 * interface but the pair it creates.
 */
int ph_policy_nic(const struct ph_policy *p, const struct ph_nic *n, const char **ret_why)
{
	if ((n->type != PH_NIC_PHYSICAL && n->type != PH_NIC_MACVLAN) || p->allow_host_interfaces)
		return 0;
	*ret_why = n->type == PH_NIC_PHYSICAL ? "physical nics are not allowed by the policy"
					      : "macvlan nics are not allowed by the policy";
	return -EPERM;
}

bool ph_nic_has_rules(const struct ph_nic *n)
{
	return n->mac_filtering || n->ipv4_filtering || n->ipv6_filtering || n->ingress ||
	       n->egress;
}

/* ---- the filters' fragments ---------------------------------------------------- */

#define RECORD_MAX 64 /* host ends with a filter, per instance (16 nics, hot-plugged ones) */
#define KEY_MAX (NAME_MAX_LEN + 1 + NAME_IFNAME_MAX + 1)

/*
 * A nic's filter is the bridge table's fragment "nic", key
 * "<instance>.<host end>", its chain nic_<instance>_<host end>; which host
 * ends of an instance have one is kept in $MOAT_DIR/containers/<name>/
 * nic-filters (root's, one name a line), so a stop and a delete drop them
 * all; each name read back is checked again.
 */
static int record_path(struct ph_ctx *ctx, const char *name, char ret[static 4096])
{
	return snprintf(ret, 4096, "%s/%s/nic-filters", ctx->lxcpath, name) < 4096 ? 0
										   : -ENAMETOOLONG;
}

static size_t record_read(struct ph_ctx *ctx, const char *name,
			  char ret[RECORD_MAX][NAME_IFNAME_MAX + 1])
{
	char path[4096], line[64];
	__do_fclose FILE *f = NULL;
	size_t n = 0;

	if (record_path(ctx, name, path) < 0 || !(f = fopen(path, "re")))
		return 0;
	while (n < RECORD_MAX && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (name_ifname_valid(line)) /* at most NAME_IFNAME_MAX bytes */
			memcpy(ret[n++], line, strlen(line) + 1);
	}
	return n;
}

/* The record with host added (add) or taken out. */
static int record_change(struct ph_ctx *ctx, const char *name, const char *host, bool add)
{
	char hosts[RECORD_MAX][NAME_IFNAME_MAX + 1], path[4096], tmp[4096];
	size_t n = record_read(ctx, name, hosts);
	bool there = false;
	FILE *f;
	int r = record_path(ctx, name, path);

	for (size_t k = 0; k < n; k++)
		there = there || strcmp(hosts[k], host) == 0;
	if (r < 0 || there == add)
		return r;
	if (add && n >= RECORD_MAX)
		return -E2BIG;
	f = ph_atomic_open(path, tmp, 0600, &r);
	if (!f)
		return r;
	for (size_t k = 0; k < n; k++)
		if (strcmp(hosts[k], host) != 0)
			fprintf(f, "%s\n", hosts[k]);
	if (add)
		fprintf(f, "%s\n", host);
	return ph_atomic_close(f, tmp, path, 0);
}

/* Unless force (the instance is down), a filter stays while its host end exists: a
 * request naming another nic's host end never takes that nic's filter away. */
static void filter_drop(struct ph_ctx *ctx, const char *name, const char *host, bool force)
{
	char key[KEY_MAX];

	if (!force && if_nametoindex(host))
		return;
	snprintf(key, sizeof(key), "%s.%s", name, host);
	if (ph_nft_set_bridge("nic", key, NULL) == 0)
		(void)record_change(ctx, name, host, false);
}

void ph_nic_unfilter(struct ph_ctx *ctx, const char *name, const struct ph_nic *n)
{
	if (n->host_name[0])
		filter_drop(ctx, name, n->host_name, false);
}

void ph_nics_unfilter_all(struct ph_ctx *ctx, const char *name)
{
	char hosts[RECORD_MAX][NAME_IFNAME_MAX + 1];
	size_t n = record_read(ctx, name, hosts);

	for (size_t k = 0; k < n; k++)
		filter_drop(ctx, name, hosts[k], true);
}

int ph_nic_prepare(struct ph_ctx *ctx, const char *name, const struct ph_nic *n, bool filter,
		   const char **ret_why)
{
	static char why[512], rules[8192];
	char key[KEY_MAX];
	int r;

	if (n->type == PH_NIC_BRIDGED && !ctx->policy.allow_host_interfaces &&
	    !ph_net_bridge_is_ours(n->parent)) {
		*ret_why = "bridged nics onto a host interface are not allowed by the policy";
		return -EPERM;
	}
	if (!filter || !ph_nic_has_rules(n))
		return 0;
	/* in place before the interface exists: the nic never runs unfiltered */
	snprintf(key, sizeof(key), "%s.%s", name, n->host_name);
	r = ph_nic_filter_rules(name, n, rules, sizeof(rules));
	if (r == 0)
		r = record_change(ctx, name, n->host_name, true);
	if (r == 0)
		r = ph_nft_set_bridge("nic", key, rules);
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot set the nic's filter: %s",
			 ph_nft_error()[0] ? ph_nft_error() : strerror(-r));
		*ret_why = why;
	}
	return r;
}

int ph_nics_prepare(struct ph_ctx *ctx, const struct ph_instance_start *s, bool filter,
		    const char **ret_why)
{
	/* the filters of the last run (and of its hot-plugged nics) go; this start's come */
	if (filter)
		ph_nics_unfilter_all(ctx, s->ref.name);
	for (size_t k = 0; k < s->nnics; k++) {
		int r = ph_nic_prepare(ctx, s->ref.name, &s->nics[k], filter, ret_why);

		if (r < 0)
			return r;
	}
	return 0;
}

static void mac_text(const uint8_t m[6], char ret[static 18])
{
	snprintf(ret, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int ph_render_nics(FILE *f, const struct ph_instance_start *s)
{
	static const char *const kind[] = { [PH_NIC_BRIDGED] = "veth",
					    [PH_NIC_MACVLAN] = "macvlan",
					    [PH_NIC_P2P] = "veth",
					    [PH_NIC_PHYSICAL] = "phys" };

	if (!s || s->nnics == 0) {
		fprintf(f, "lxc.net.0.type = empty\n");
		return 0;
	}
	for (size_t k = 0; k < s->nnics; k++) {
		const struct ph_nic *n = &s->nics[k];
		char mac[18];

		fprintf(f, "lxc.net.%zu.type = %s\n", k, kind[n->type]);
		if (n->parent[0])
			fprintf(f, "lxc.net.%zu.link = %s\n", k, n->parent);
		if (n->type == PH_NIC_MACVLAN)
			fprintf(f, "lxc.net.%zu.macvlan.mode = bridge\n", k);
		if (n->host_name[0])
			fprintf(f, "lxc.net.%zu.veth.pair = %s\n", k, n->host_name);
		fprintf(f, "lxc.net.%zu.name = %s\n", k, n->ifname);
		if (n->has_hwaddr) {
			mac_text(n->hwaddr, mac);
			fprintf(f, "lxc.net.%zu.hwaddr = %s\n", k, mac);
		}
		if (n->mtu)
			fprintf(f, "lxc.net.%zu.mtu = %u\n", k, n->mtu);
		fprintf(f, "lxc.net.%zu.flags = up\n", k);
	}
	return 0;
}

/* ---- filters ---------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size, len;
	bool full;
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

static void hex(struct out *o, const uint8_t *b, size_t n)
{
	put(o, "0x");
	for (size_t k = 0; k < n; k++)
		put(o, "%02x", b[k]);
}

/* "{ a, b }" of the nic's addresses (with extra first, when not NULL). */
static void addr_set(struct out *o, int family, const uint8_t *a, size_t width, size_t n,
		     const char *extra, bool as_hex)
{
	char text[INET6_ADDRSTRLEN];

	put(o, "{ %s", extra ? extra : "");
	for (size_t k = 0; k < n; k++) {
		put(o, "%s", k || extra ? ", " : "");
		if (as_hex)
			hex(o, a + k * width, width);
		else
			put(o, "%s", inet_ntop(family, a + k * width, text, sizeof(text)));
	}
	put(o, " }");
}

/*
 * One base chain on the bridge family's prerouting hook, every rule on
 * frames entering from the host end: what the container sends. Order
 * matters (the 2025 ACL bypasses came from it): the source MAC (and ARP's
 * and ND's link-layer options) first, then only IPv4, ARP and IPv6 at all
 * (no VLAN-tagged frame around the IP rules), then what no container may
 * send (DHCP and DHCPv6 server answers, router advertisements, redirects),
 * then the one exception to the address rules (DHCP's discover from
 * 0.0.0.0, DAD and MLD from ::), then the addresses of ARP, ND and IP.
 */
/* A tenth of a second's worth, at least a few full frames, within nft's 32 bits. */
static uint64_t burst(uint64_t rate)
{
	uint64_t b = rate / 10;

	return b < 16384 ? 16384 : b > UINT32_MAX ? UINT32_MAX : b;
}

int ph_nic_filter_rules(const char *name, const struct ph_nic *n, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	const char *h = n->host_name;
	char mac[18];

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	if (!ph_nic_has_rules(n))
		return 0;
	mac_text(n->hwaddr, mac);
	put(&o, "chain nic_%s_%s {\n\ttype filter hook prerouting priority -200; policy accept;\n",
	    name, h);
	if (n->mac_filtering) {
		put(&o, "\tiifname \"%s\" ether saddr != %s drop\n", h, mac);
		put(&o, "\tiifname \"%s\" arp saddr ether != %s drop\n", h, mac);
		put(&o,
		    "\tiifname \"%s\" icmpv6 type nd-neighbor-solicit @nh,512,8 1 @nh,528,48 != ",
		    h);
		hex(&o, n->hwaddr, 6);
		put(&o,
		    " drop\n\tiifname \"%s\" icmpv6 type nd-neighbor-advert @nh,512,8 2 "
		    "@nh,528,48 != ",
		    h);
		hex(&o, n->hwaddr, 6);
		put(&o, " drop\n");
	}
	if (n->ipv4_filtering || n->ipv6_filtering)
		put(&o, "\tiifname \"%s\" ether type != { ip, arp, ip6 } drop\n", h);
	if (n->ipv4_filtering) {
		put(&o, "\tiifname \"%s\" ip protocol udp udp sport 67 drop\n", h);
		put(&o,
		    "\tiifname \"%s\" ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 "
		    "udp dport 67 accept\n",
		    h);
		put(&o, "\tiifname \"%s\" arp saddr ip != ", h);
		addr_set(&o, AF_INET, &n->ipv4[0][0], 4, n->n_ipv4, "0.0.0.0", false);
		put(&o, " drop\n");
		if (n->n_ipv4) {
			put(&o, "\tiifname \"%s\" meta protocol ip ip saddr != ", h);
			addr_set(&o, AF_INET, &n->ipv4[0][0], 4, n->n_ipv4, NULL, false);
			put(&o, " drop\n");
		} else {
			put(&o, "\tiifname \"%s\" meta protocol ip drop\n", h);
		}
	}
	if (n->ipv6_filtering) {
		put(&o, "\tiifname \"%s\" ip6 nexthdr udp udp sport 547 drop\n", h);
		put(&o, "\tiifname \"%s\" icmpv6 type { nd-router-advert, nd-redirect } drop\n", h);
		put(&o,
		    "\tiifname \"%s\" ip6 saddr :: icmpv6 type { nd-neighbor-solicit, "
		    "mld-listener-report, mld2-listener-report } accept\n",
		    h);
		if (n->n_ipv6) {
			put(&o,
			    "\tiifname \"%s\" icmpv6 type nd-neighbor-advert @nh,384,128 != ", h);
			addr_set(&o, AF_INET6, &n->ipv6[0][0], 16, n->n_ipv6, NULL, true);
			put(&o, " drop\n\tiifname \"%s\" meta protocol ip6 ip6 saddr != ", h);
			addr_set(&o, AF_INET6, &n->ipv6[0][0], 16, n->n_ipv6, NULL, false);
			put(&o, " drop\n");
		} else {
			put(&o, "\tiifname \"%s\" meta protocol ip6 drop\n", h);
		}
	}
	/* limits.egress: what it sends past the filters, policed */
	if (n->egress)
		put(&o,
		    "\tiifname \"%s\" limit rate over %llu bytes/second burst %llu bytes drop\n", h,
		    (unsigned long long)n->egress, (unsigned long long)burst(n->egress));
	put(&o, "}\n");
	/* limits.ingress: what leaves the bridge through the host end, to the container */
	if (n->ingress)
		put(&o,
		    "chain nic_%s_%s_in {\n\ttype filter hook postrouting priority -200; policy "
		    "accept;\n\toifname \"%s\" limit rate over %llu bytes/second burst %llu bytes "
		    "drop\n}\n",
		    name, h, h, (unsigned long long)n->ingress,
		    (unsigned long long)burst(n->ingress));
	return o.full ? -ENOBUFS : 0;
}
