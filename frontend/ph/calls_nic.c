// SPDX-License-Identifier: Apache-2.0
/*
 * The nics of instance_start on the wire: struct ph_nic_config (what
 * model/nic.c made of the expanded devices) into InstanceStartRequest's
 * repeated Nic. moatd-api, unprivileged; the values are what the device
 * schema accepted, and moatd checks every one again.
 */
#include <errno.h>
#include <string.h>

#include "ph/wire.h"

static void bytes_of(ProtobufCBinaryData *b, const char *s)
{
	b->data = (uint8_t *)s;
	b->len = strlen(s);
}

int ph_nic_msg(const struct ph_nic_config *n, Ph__Nic *x, ProtobufCBinaryData v4[PH_NIC_IPS_MAX],
	       ProtobufCBinaryData v6[PH_NIC_IPS_MAX])
{
	if (n->n_ipv4 > PH_NIC_IPS_MAX || n->n_ipv6 > PH_NIC_IPS_MAX)
		return -E2BIG;
	ph__nic__init(x);
	bytes_of(&x->device, n->device);
	x->type = (Ph__NicType)n->type;
	bytes_of(&x->ifname, n->ifname);
	bytes_of(&x->parent, n->parent);
	bytes_of(&x->host_name, n->host_name);
	for (int b = 0; n->has_hwaddr && b < 6; b++)
		x->hwaddr = x->hwaddr << 8 | n->hwaddr[b];
	x->mtu = n->mtu;
	x->mac_filtering = n->mac_filtering;
	x->ipv4_filtering = n->ipv4_filtering;
	x->ipv6_filtering = n->ipv6_filtering;
	x->ingress = n->ingress;
	x->egress = n->egress;
	for (size_t a = 0; a < n->n_ipv4; a++)
		bytes_of(&v4[a], n->ipv4[a]);
	for (size_t a = 0; a < n->n_ipv6; a++)
		bytes_of(&v6[a], n->ipv6[a]);
	x->n_ipv4 = n->n_ipv4;
	x->ipv4 = n->n_ipv4 ? v4 : NULL;
	x->n_ipv6 = n->n_ipv6;
	x->ipv6 = n->n_ipv6 ? v6 : NULL;
	return 0;
}

int ph_nic_fill(const struct ph_start_config *c, Ph__InstanceStartRequest *m, struct ph_nic_wire *w)
{
	if (c->n_nics > PH_START_NICS_MAX)
		return -E2BIG;
	for (size_t k = 0; k < c->n_nics; k++) {
		int r = ph_nic_msg(&c->nics[k], &w->nic[k], w->v4[k], w->v6[k]);

		if (r < 0)
			return r;
		w->p[k] = &w->nic[k];
	}
	m->n_nics = c->n_nics;
	m->nics = c->n_nics ? w->p : NULL;
	return 0;
}
