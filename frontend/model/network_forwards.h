/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network forwards as moatd-api keeps them (model/network_forwards.c):
 * LXD 5.0's checks of a forward (listen address, config, port maps, with
 * LXD's messages), the rows of the network_forwards table, and a
 * network's forwards in their typed form (ph/ph.h's struct ph_forward),
 * which travel with the network to moatd. Unprivileged; every value is
 * untrusted client input, checked here before it is stored or compiled.
 */
#ifndef MOAT_FE_MODEL_NETWORK_FORWARDS_H
#define MOAT_FE_MODEL_NETWORK_FORWARDS_H

#include "lxd/objects.h"
#include "model/config.h"
#include "ph/ph.h"

/* A network's own subnets, to check target addresses against (prefix 0: none). */
struct fe_net_subnets {
	uint8_t ipv4[4], ipv4_prefix;
	uint8_t ipv6[16], ipv6_prefix;
};

/* A listen address: an IP address that is not unspecified or multicast. Pure. */
int fe_check_forward_listen(const char *addr, char err[static FE_ERR_MAX]);
/*
 * The forward's config and ports against its listen address and the
 * network's subnets; f->ports is replaced by its normal form (spaces
 * trimmed, LXD's field order). Pure.
 */
int fe_forward_normalise(struct lxd_network_forward *f, const struct fe_net_subnets *net,
			 char err[static FE_ERR_MAX]);
/* A checked forward in its typed form; -E2BIG past PH_FWD_PORTS_MAX port maps. Pure. */
int fe_forward_compile(const struct lxd_network_forward *f, struct ph_forward *ret);

/* The network's subnets from its stored config; -ENOENT when there is no such network. */
int fe_forward_network(const char *network, struct fe_net_subnets *ret);
/* The forward of network at listen address addr; -ENOENT. */
int fe_forward_load(const char *network, const char *addr, struct lxd_network_forward *ret);
/* The network's forwards: their URLs, or (full) the objects. */
int fe_forward_list(const char *network, bool full, json_object **ret);
/*
 * Every forward of the network, typed, for its network_apply (calloc'ed,
 * free()); n 0 and ret NULL when it has none.
 */
int fe_forwards_of(const char *network, struct ph_forward **ret, size_t *ret_n);
/*
 * Insert (create true) or store f, then give its network its rules again
 * (moatd); a refusal puts the old row back: -EEXIST when the listen
 * address has a forward already (on any network).
 */
int fe_forward_write(const struct lxd_network_forward *f, bool create, char err[static FE_ERR_MAX]);
/* Delete it and give the network its rules again; -ENOENT. */
int fe_forward_delete(const char *network, const char *addr, char err[static FE_ERR_MAX]);

#endif
