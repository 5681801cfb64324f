// SPDX-License-Identifier: Apache-2.0
/*
 * Network ACLs and forwards in moatd: the checks of the typed AclSet and
 * Forward messages network_apply carries (fields 50 and 51), and the
 * nftables statements moatd writes from them, the "acl" and "fwd"
 * fragments of a network in this daemon's inet table (net_nft.c's
 * ph_nft_set rebuilds the table atomically). Run by moatd (root); the
 * checks read hostile bytes from moatd-api; the text is moatd's own:
 * addresses formatted by inet_ntop, numbers by printf, the bridge name
 * checked by the op, keywords constant.
 *
 * An ACL on a bridge filters what crosses between the bridge and the host
 * (LXD's bridge ACLs: routed and host traffic, not instance to instance on
 * the bridge): ingress is what leaves the host onto the bridge (forward
 * and output hooks, oifname the bridge), egress what enters the host from
 * it (forward and input, iifname the bridge). Replies of allowed
 * connections pass (ct state established,related), so do the bridge's own
 * DHCP, DNS and neighbour discovery; then the rules (drop, reject, allow:
 * the frontend's order), then the default action. A verdict here can only
 * add drops: an accept in this chain does not skip another base chain.
 * A forward is DNAT on prerouting and output from its listen address to
 * addresses of the network's subnet only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "ph.h"

/* A compiled fragment past this is refused whole (the old rules stay). */
#define FW_TEXT_MAX (64 * 1024)

/* ---- checks ------------------------------------------------------------------------------- */

static int check_action(int a, enum ph_fw_action *ret)
{
	if (a < PH__ACL_ACTION__ACL_ALLOW || a > PH__ACL_ACTION__ACL_DROP)
		return -EINVAL;
	*ret = (enum ph_fw_action)a;
	return 0;
}

static int check_ranges(Ph__AclRange *const *m, size_t n, struct ph_fw_range *ret, size_t *ret_n)
{
	if (n > PH_FW_MATCH_MAX)
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		int f2;

		if (ph_check_ip(&m[k]->first, 0, &ret[k].family, ret[k].first) < 0 ||
		    ph_check_ip(&m[k]->last, 0, &f2, ret[k].last) < 0 || f2 != ret[k].family ||
		    memcmp(ret[k].first, ret[k].last, 16) > 0)
			return -EINVAL;
	}
	*ret_n = n;
	return 0;
}

static int check_port(const Ph__PortRange *m, struct ph_fw_ports *ret)
{
	if (!m || m->first > 65535 || m->last > 65535 || m->first > m->last)
		return -EINVAL;
	ret->first = (uint16_t)m->first;
	ret->last = (uint16_t)m->last;
	return 0;
}

static int check_ports(Ph__PortRange *const *m, size_t n, struct ph_fw_ports *ret, size_t *ret_n)
{
	if (n > PH_FW_MATCH_MAX)
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		if (check_port(m[k], &ret[k]) < 0)
			return -EINVAL;
	*ret_n = n;
	return 0;
}

static bool has_family(const struct ph_fw_range *r, size_t n, int family)
{
	for (size_t k = 0; k < n; k++)
		if (r[k].family == family)
			return true;
	return false;
}

static int check_rule(const Ph__AclRule *m, struct ph_fw_rule *ret)
{
	struct ph_fw_rule t = { 0 };
	bool l4, icmp;

	if (check_action(m->action, &t.action) < 0 || m->protocol < PH__ACL_PROTO__ACL_PROTO_ANY ||
	    m->protocol > PH__ACL_PROTO__ACL_ICMP6)
		return -EINVAL;
	t.log = m->log;
	t.proto = (enum ph_fw_proto)m->protocol;
	l4 = t.proto == PH_FW_TCP || t.proto == PH_FW_UDP;
	icmp = t.proto == PH_FW_ICMP4 || t.proto == PH_FW_ICMP6;
	if (check_ranges(m->source, m->n_source, t.src, &t.n_src) < 0 ||
	    check_ranges(m->destination, m->n_destination, t.dst, &t.n_dst) < 0 ||
	    check_ports(m->source_port, m->n_source_port, t.sport, &t.n_sport) < 0 ||
	    check_ports(m->destination_port, m->n_destination_port, t.dport, &t.n_dport) < 0)
		return -EINVAL;
	if (!l4 && (t.n_sport || t.n_dport))
		return -EINVAL;
	if (m->icmp_type < -1 || m->icmp_type > 255 || m->icmp_code < -1 || m->icmp_code > 255 ||
	    (!icmp && (m->icmp_type != -1 || m->icmp_code != -1)))
		return -EINVAL;
	/* an ICMP rule's addresses are of its own family */
	if ((t.proto == PH_FW_ICMP4 &&
	     (has_family(t.src, t.n_src, AF_INET6) || has_family(t.dst, t.n_dst, AF_INET6))) ||
	    (t.proto == PH_FW_ICMP6 &&
	     (has_family(t.src, t.n_src, AF_INET) || has_family(t.dst, t.n_dst, AF_INET))))
		return -EINVAL;
	t.icmp_type = m->icmp_type;
	t.icmp_code = m->icmp_code;
	*ret = t;
	return 0;
}

int ph_check_fw_set(const Ph__AclSet *m, struct ph_fw_set *ret)
{
	struct ph_fw_set *t = ret;

	memset(t, 0, sizeof(*t));
	if (!m)
		return 0;
	if (check_action(m->default_ingress, &t->default_ingress) < 0 ||
	    check_action(m->default_egress, &t->default_egress) < 0 ||
	    m->n_ingress > PH_FW_RULES_MAX || m->n_egress > PH_FW_RULES_MAX)
		return -EINVAL;
	for (size_t k = 0; k < m->n_ingress; k++)
		if (check_rule(m->ingress[k], &t->ingress[k]) < 0)
			return -EINVAL;
	for (size_t k = 0; k < m->n_egress; k++)
		if (check_rule(m->egress[k], &t->egress[k]) < 0)
			return -EINVAL;
	t->n_ingress = m->n_ingress;
	t->n_egress = m->n_egress;
	t->enabled = true;
	return 0;
}

static bool unusable(int family, const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0 ||
	       (family == AF_INET ? (a[0] & 0xf0) == 0xe0 : a[0] == 0xff);
}

int ph_check_fw_fwd(const Ph__Forward *m, struct ph_fw_fwd *ret)
{
	struct ph_fw_fwd t = { 0 };
	int family;

	if (ph_check_ip(&m->listen_address, 0, &t.family, t.listen) < 0 ||
	    unusable(t.family, t.listen))
		return -EINVAL;
	if (m->default_target.len) {
		if (ph_check_ip(&m->default_target, 0, &family, t.default_target) < 0 ||
		    family != t.family || unusable(family, t.default_target))
			return -EINVAL;
		t.has_default = true;
	}
	if (m->n_ports > PH_FW_PORTS_MAX)
		return -EINVAL;
	for (size_t k = 0; k < m->n_ports; k++) {
		const Ph__ForwardPort *p = m->ports[k];
		struct ph_fw_fwd_port *o = &t.ports[k];

		if ((p->protocol != PH__ACL_PROTO__ACL_TCP &&
		     p->protocol != PH__ACL_PROTO__ACL_UDP) ||
		    check_port(p->listen, &o->listen) < 0 ||
		    check_port(p->target, &o->target) < 0 ||
		    ph_check_ip(&p->target_address, 0, &family, o->target_addr) < 0 ||
		    family != t.family || unusable(family, o->target_addr))
			return -EINVAL;
		/* one target port, or exactly as many as listen ports */
		if (o->target.first != o->target.last &&
		    o->target.last - o->target.first != o->listen.last - o->listen.first)
			return -EINVAL;
		o->proto = (enum ph_fw_proto)p->protocol;
	}
	t.n_ports = m->n_ports;
	*ret = t;
	return 0;
}

/* ---- nft text ----------------------------------------------------------------------------- */

static void addr(FILE *f, int family, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	fputs(inet_ntop(family, a, s, sizeof(s)), f);
}

/* "{ a, b-c } ": the ranges r of one family, or (r NULL) the ports p. */
static void set_of(FILE *f, const struct ph_fw_range *r, const struct ph_fw_ports *p, size_t n,
		   int family)
{
	bool first = true;

	fputs("{ ", f);
	for (size_t k = 0; k < n; k++) {
		if (r && r[k].family != family)
			continue;
		fputs(first ? "" : ", ", f);
		first = false;
		if (r) {
			addr(f, family, r[k].first);
			if (memcmp(r[k].first, r[k].last, 16) != 0) {
				fputc('-', f);
				addr(f, family, r[k].last);
			}
		} else {
			fprintf(f, "%u", p[k].first);
			if (p[k].last != p[k].first)
				fprintf(f, "-%u", p[k].last);
		}
	}
	fputs(" } ", f);
}

static void verdict(FILE *f, enum ph_fw_action a, bool tcp)
{
	if (a == PH_FW_ALLOW)
		fputs(" accept\n", f);
	else if (a == PH_FW_DROP)
		fputs(" drop\n", f);
	else
		fputs(tcp ? " reject with tcp reset\n"
			  : " reject with icmpx type admin-prohibited\n",
		      f);
}

/*
 * One rule's match for one address family (0: the rule names no address),
 * then its verdict. The check allowed ports with tcp and udp only, and an
 * ICMP type or code with icmp4 and icmp6 only.
 */
static void rule_line(FILE *f, const char *bridge, const char *dir, const struct ph_fw_rule *r,
		      int family, bool tcp_reset)
{
	static const char *const l4[] = { [PH_FW_TCP] = "tcp",
					  [PH_FW_UDP] = "udp",
					  [PH_FW_ICMP4] = "icmp",
					  [PH_FW_ICMP6] = "icmpv6" };

	fputs("\t\t", f);
	for (int d = 0; family && d < 2; d++) {
		const struct ph_fw_range *x = d ? r->dst : r->src;
		size_t n = d ? r->n_dst : r->n_src;

		if (has_family(x, n, family)) {
			fprintf(f, "%s %saddr ", family == AF_INET6 ? "ip6" : "ip", d ? "d" : "s");
			set_of(f, x, NULL, n, family);
		}
	}
	if (r->proto != PH_FW_ANY)
		fprintf(f, "meta l4proto %s ",
			r->proto == PH_FW_ICMP6 ? "ipv6-icmp" : l4[r->proto]);
	else if (tcp_reset)
		fputs("meta l4proto tcp ", f);
	for (int d = 0; d < 2; d++)
		if (d ? r->n_dport : r->n_sport) {
			fprintf(f, "%s %sport ", l4[r->proto], d ? "d" : "s");
			set_of(f, NULL, d ? r->dport : r->sport, d ? r->n_dport : r->n_sport, 0);
		}
	if (r->icmp_type >= 0)
		fprintf(f, "%s type %d ", l4[r->proto], r->icmp_type);
	if (r->icmp_code >= 0)
		fprintf(f, "%s code %d ", l4[r->proto], r->icmp_code);
	if (r->log)
		fprintf(f, "log prefix \"moat acl %s %s: \" ", bridge, dir);
	verdict(f, r->action, r->proto == PH_FW_TCP || tcp_reset);
}

static void rules_of(FILE *f, const char *bridge, const char *dir, const struct ph_fw_rule *rs,
		     size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct ph_fw_rule *r = &rs[k];
		bool v4 = has_family(r->src, r->n_src, AF_INET) ||
			  has_family(r->dst, r->n_dst, AF_INET);
		bool v6 = has_family(r->src, r->n_src, AF_INET6) ||
			  has_family(r->dst, r->n_dst, AF_INET6);
		/* reject of any protocol: a TCP reset for TCP, ICMP for the rest */
		bool split = r->action == PH_FW_REJECT && r->proto == PH_FW_ANY;

		for (int pass = split ? 0 : 1; pass < 2; pass++) {
			if (!v4 && !v6)
				rule_line(f, bridge, dir, r, 0, pass == 0);
			if (v4)
				rule_line(f, bridge, dir, r, AF_INET, pass == 0);
			if (v6)
				rule_line(f, bridge, dir, r, AF_INET6, pass == 0);
		}
	}
}

static void default_line(FILE *f, enum ph_fw_action a)
{
	if (a == PH_FW_REJECT) {
		fputs("\t\tmeta l4proto tcp reject with tcp reset\n", f);
		fputs("\t\treject with icmpx type admin-prohibited\n", f);
	} else {
		fputs("\t\t", f);
		verdict(f, a, false);
	}
}

/* Close the stream and hand over its text, unless it passed FW_TEXT_MAX: -E2BIG. */
static int finish(FILE *f, char **text, char **ret)
{
	if (fflush(f) != 0 || ferror(f)) {
		fclose(f);
		return -ENOMEM;
	}
	fclose(f);
	if (strlen(*text) > FW_TEXT_MAX)
		return -E2BIG;
	*ret = *text;
	*text = NULL;
	return 0;
}

int ph_fw_acl_rules(const char *b, const struct ph_fw_set *s, char **ret)
{
	__do_free char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	/* the regular chains first: the base chains jump to them */
	fprintf(f, "\tchain acl_%s_ingress {\n\t\tct state established,related accept\n", b);
	fputs("\t\tudp sport { 53, 67, 547 } accept\n\t\ttcp sport 53 accept\n", f);
	fputs("\t\ticmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } "
	      "accept\n",
	      f);
	rules_of(f, b, "in", s->ingress, s->n_ingress);
	default_line(f, s->default_ingress);
	fprintf(f, "\t}\n\tchain acl_%s_egress {\n\t\tct state established,related accept\n", b);
	rules_of(f, b, "out", s->egress, s->n_egress);
	default_line(f, s->default_egress);
	fputs("\t}\n", f);
	/* before the network's own chains (priority filter): a drop here is final */
	fprintf(f,
		"\tchain acl_%s_fwd {\n\t\ttype filter hook forward priority filter - 5; policy "
		"accept;\n\t\toifname \"%s\" jump acl_%s_ingress\n\t\tiifname \"%s\" jump "
		"acl_%s_egress\n\t}\n",
		b, b, b, b, b);
	fprintf(f,
		"\tchain acl_%s_out {\n\t\ttype filter hook output priority filter - 5; policy "
		"accept;\n\t\toifname \"%s\" jump acl_%s_ingress\n\t}\n",
		b, b, b);
	/* the bridge's own DHCP, DNS and neighbour discovery are the host's, never the ACL's */
	fprintf(f,
		"\tchain acl_%s_in {\n\t\ttype filter hook input priority filter - 5; policy "
		"accept;\n\t\tiifname \"%s\" udp dport { 53, 67, 547 } accept\n\t\tiifname \"%s\" "
		"tcp dport 53 accept\n\t\tiifname \"%s\" icmpv6 type { nd-router-solicit, "
		"nd-neighbor-solicit, nd-neighbor-advert } accept\n\t\tiifname \"%s\" jump "
		"acl_%s_egress\n\t}\n",
		b, b, b, b, b, b);
	return finish(f, &text, ret);
}

/* "\t\tip daddr L tcp dport P[-Q] dnat ip to T[:port]" (port < 0: none) */
static void dnat(FILE *f, const struct ph_fw_fwd *w, const char *l4, unsigned first, unsigned last,
		 const uint8_t *to, int port)
{
	const char *ipk = w->family == AF_INET6 ? "ip6" : "ip";

	fprintf(f, "\t\t%s daddr ", ipk);
	addr(f, w->family, w->listen);
	if (l4)
		fprintf(f, " %s dport %u", l4, first);
	if (l4 && last != first)
		fprintf(f, "-%u", last);
	fprintf(f, " dnat %s to %s", ipk, w->family == AF_INET6 && port >= 0 ? "[" : "");
	addr(f, w->family, to);
	if (port >= 0)
		fprintf(f, "%s:%d", w->family == AF_INET6 ? "]" : "", port);
	fputc('\n', f);
}

int ph_fw_fwd_rules(const char *b, const struct ph_network_apply *n, char **ret)
{
	__do_free char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "\tchain fwd_%s_map {\n", b);
	for (size_t k = 0; k < n->n_forwards; k++) {
		const struct ph_fw_fwd *w = &n->forwards[k];

		for (size_t p = 0; p < w->n_ports; p++) {
			const struct ph_fw_fwd_port *o = &w->ports[p];
			const char *l4 = o->proto == PH_FW_UDP ? "udp" : "tcp";
			bool one = o->target.first == o->target.last;

			if (o->target.first == o->listen.first && o->target.last == o->listen.last)
				/* the ports as they are */
				dnat(f, w, l4, o->listen.first, o->listen.last, o->target_addr, -1);
			else if (one) /* many to one */
				dnat(f, w, l4, o->listen.first, o->listen.last, o->target_addr,
				     o->target.first);
			else /* as many target ports as listen ports: one rule a port, in order */
				for (unsigned q = o->listen.first; q <= o->listen.last; q++)
					dnat(f, w, l4, q, q, o->target_addr,
					     (int)(o->target.first + (q - o->listen.first)));
		}
		if (w->has_default)
			dnat(f, w, NULL, 0, 0, w->default_target, -1);
	}
	fputs("\t}\n", f);
	fprintf(f,
		"\tchain fwd_%s_pre {\n\t\ttype nat hook prerouting priority dstnat; policy "
		"accept;\n\t\tjump fwd_%s_map\n\t}\n",
		b, b);
	fprintf(f,
		"\tchain fwd_%s_out {\n\t\ttype nat hook output priority -100; policy "
		"accept;\n\t\tjump fwd_%s_map\n\t}\n",
		b, b);
	/* an instance reaching a forward of its own bridge: its reply must come back through us */
	fprintf(f,
		"\tchain fwd_%s_post {\n\t\ttype nat hook postrouting priority srcnat; policy "
		"accept;\n\t\tiifname \"%s\" oifname \"%s\" ct status dnat masquerade\n\t}\n",
		b, b, b);
	return finish(f, &text, ret);
}
