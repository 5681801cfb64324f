// SPDX-License-Identifier: Apache-2.0
/*
 * The wire form of a network's ACL set and forwards (wire.h): the typed
 * rules of ph.h's struct ph_acl_set and struct ph_forward into the
 * AclSet and Forward messages of a NetworkApplyRequest (fields 50, 51).
 * Runs in moatd-api (unprivileged); the values were checked by
 * model/acl_rules.c and model/network_forwards.c, and moatd checks them
 * again (privhelper/acl.c). Addresses travel as text, as every address of
 * the contract.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ph/wire.h"

void ph_fw_wire_free(struct ph_fw_wire *w)
{
	free(w->rules);
	free(w->in_p);
	free(w->out_p);
	free(w->ranges);
	free(w->ranges_p);
	free(w->ports);
	free(w->ports_p);
	free(w->fwd);
	free(w->fwd_p);
	free(w->fports);
	free(w->fports_p);
	free(w->text);
}

/* The address's text, kept in w's pool until the call is done. */
static ProtobufCBinaryData raw(struct ph_fw_wire *w, const uint8_t *a, int family)
{
	char *s = w->text[w->n_text++];

	inet_ntop(family, a, s, INET6_ADDRSTRLEN);
	return (ProtobufCBinaryData){ .len = strlen(s), .data = (uint8_t *)s };
}

static Ph__PortRange *port(struct ph_fw_wire *w, const struct ph_port_range *p)
{
	Ph__PortRange *x = &w->ports[w->n_ports++];

	ph__port_range__init(x);
	x->first = p->first;
	x->last = p->last;
	return x;
}

static Ph__AclRange **ranges(struct ph_fw_wire *w, const struct ph_acl_range *r, size_t n)
{
	Ph__AclRange **out = &w->ranges_p[w->n_ranges];

	for (size_t k = 0; k < n; k++) {
		Ph__AclRange *x = &w->ranges[w->n_ranges];

		ph__acl_range__init(x);
		x->first = raw(w, r[k].first, r[k].family);
		x->last = raw(w, r[k].last, r[k].family);
		w->ranges_p[w->n_ranges++] = x;
	}
	return out;
}

static Ph__PortRange **ports(struct ph_fw_wire *w, const struct ph_port_range *p, size_t n)
{
	Ph__PortRange **out = &w->ports_p[w->n_ports];

	for (size_t k = 0; k < n; k++) {
		size_t at = w->n_ports;

		w->ports_p[at] = port(w, &p[k]);
	}
	return out;
}

static void rule(struct ph_fw_wire *w, const struct ph_acl_rule *r, Ph__AclRule *x)
{
	ph__acl_rule__init(x);
	x->action = (Ph__AclAction)r->action;
	x->log = r->log;
	x->protocol = (Ph__AclProto)r->proto;
	x->n_source = r->n_src;
	x->source = ranges(w, r->src, r->n_src);
	x->n_destination = r->n_dst;
	x->destination = ranges(w, r->dst, r->n_dst);
	x->n_source_port = r->n_sport;
	x->source_port = ports(w, r->sport, r->n_sport);
	x->n_destination_port = r->n_dport;
	x->destination_port = ports(w, r->dport, r->n_dport);
	x->icmp_type = r->icmp_type;
	x->icmp_code = r->icmp_code;
}

static int fill_set(const struct ph_acl_set *s, Ph__NetworkApplyRequest *m, struct ph_fw_wire *w)
{
	size_t n = s->n_ingress + s->n_egress, k = 0;

	if (s->n_ingress > PH_ACL_RULES_MAX || s->n_egress > PH_ACL_RULES_MAX)
		return -E2BIG;
	w->rules = calloc(n + 1, sizeof(*w->rules));
	w->in_p = calloc(s->n_ingress + 1, sizeof(*w->in_p));
	w->out_p = calloc(s->n_egress + 1, sizeof(*w->out_p));
	w->ranges = calloc(2 * PH_ACL_MATCH_MAX * n + 1, sizeof(*w->ranges));
	w->ranges_p = calloc(2 * PH_ACL_MATCH_MAX * n + 1, sizeof(*w->ranges_p));
	w->ports = calloc(2 * PH_ACL_MATCH_MAX * n + 2 * PH_FWD_MAX * PH_FWD_PORTS_MAX + 1,
			  sizeof(*w->ports));
	w->ports_p = calloc(2 * PH_ACL_MATCH_MAX * n + 1, sizeof(*w->ports_p));
	if (!w->rules || !w->in_p || !w->out_p || !w->ranges || !w->ranges_p || !w->ports ||
	    !w->ports_p)
		return -ENOMEM;
	ph__acl_set__init(&w->set);
	w->set.default_ingress = (Ph__AclAction)s->default_ingress;
	w->set.default_egress = (Ph__AclAction)s->default_egress;
	for (size_t i = 0; i < s->n_ingress; i++, k++) {
		rule(w, &s->ingress[i], &w->rules[k]);
		w->in_p[i] = &w->rules[k];
	}
	for (size_t i = 0; i < s->n_egress; i++, k++) {
		rule(w, &s->egress[i], &w->rules[k]);
		w->out_p[i] = &w->rules[k];
	}
	w->set.ingress = w->in_p;
	w->set.n_ingress = s->n_ingress;
	w->set.egress = w->out_p;
	w->set.n_egress = s->n_egress;
	m->acls = &w->set;
	return 0;
}

static int fill_forwards(const struct ph_network *net, Ph__NetworkApplyRequest *m,
			 struct ph_fw_wire *w)
{
	size_t nports = 0, at = 0;

	if (net->n_forwards > PH_FWD_MAX)
		return -E2BIG;
	for (size_t k = 0; k < net->n_forwards; k++) {
		if (net->forwards[k].n_ports > PH_FWD_PORTS_MAX)
			return -E2BIG;
		nports += net->forwards[k].n_ports;
	}
	if (!w->ports) /* no ACL set: the port ranges' own room */
		w->ports = calloc(2 * nports + 1, sizeof(*w->ports));
	w->fwd = calloc(net->n_forwards + 1, sizeof(*w->fwd));
	w->fwd_p = calloc(net->n_forwards + 1, sizeof(*w->fwd_p));
	w->fports = calloc(nports + 1, sizeof(*w->fports));
	w->fports_p = calloc(nports + 1, sizeof(*w->fports_p));
	if (!w->ports || !w->fwd || !w->fwd_p || !w->fports || !w->fports_p)
		return -ENOMEM;
	for (size_t k = 0; k < net->n_forwards; k++) {
		const struct ph_forward *f = &net->forwards[k];
		Ph__Forward *x = &w->fwd[k];

		ph__forward__init(x);
		x->listen_address = raw(w, f->listen, f->family);
		if (f->has_default)
			x->default_target = raw(w, f->default_target, f->family);
		x->ports = &w->fports_p[at];
		x->n_ports = f->n_ports;
		for (size_t p = 0; p < f->n_ports; p++, at++) {
			Ph__ForwardPort *y = &w->fports[at];

			ph__forward_port__init(y);
			y->protocol = (Ph__AclProto)f->ports[p].proto;
			y->listen = port(w, &f->ports[p].listen);
			y->target = port(w, &f->ports[p].target);
			y->target_address = raw(w, f->ports[p].target_addr, f->family);
			w->fports_p[at] = y;
		}
		w->fwd_p[k] = x;
	}
	m->forwards = w->fwd_p;
	m->n_forwards = net->n_forwards;
	return 0;
}

int ph_fw_fill(const struct ph_network *net, Ph__NetworkApplyRequest *m, struct ph_fw_wire *w)
{
	size_t n = 0;
	int r = 0;

	/* room for the text of every address: two a range, two a forward and one a port */
	if (net->acls && net->acls->enabled)
		n += 4 * PH_ACL_MATCH_MAX * (net->acls->n_ingress + net->acls->n_egress);
	for (size_t k = 0; k < net->n_forwards && k < PH_FWD_MAX; k++)
		n += 2 + net->forwards[k].n_ports;
	w->text = calloc(n + 1, sizeof(*w->text));
	if (!w->text)
		return -ENOMEM;

	if (net->acls && net->acls->enabled)
		r = fill_set(net->acls, m, w);
	if (r == 0 && net->n_forwards)
		r = fill_forwards(net, m, w);
	return r;
}
