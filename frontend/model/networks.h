/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Managed networks as moatd-api keeps them (model/networks.c): rows of
 * the networks table, the `bridge` type's keys (LXD 5.0.2's rules and
 * words), used_by, and each change carried to moatd (network_apply,
 * network_delete) before it is stored; the host's own interfaces as LXD
 * lists them (network_host.c, from /sys/class/net and /proc: the frontend
 * has no socket()); the DHCP leases (network_leases.c). Unprivileged;
 * names, keys and values come from clients, the leases file from dnsmasq
 * (hostnames from containers): all untrusted.
 *
 * Functions return 0 or a negative errno, with the client's message in err
 * where they take one (-EINVAL, -EPERM, -ENOENT, -EEXIST, -EBUSY: the
 * client's; -EIO: the database's; others: moatd's refusal, its message).
 */
#ifndef MOAT_FE_MODEL_NETWORKS_H
#define MOAT_FE_MODEL_NETWORKS_H

#include "lxd/objects.h"
#include "model/config.h"

/* A network's name is its bridge's: an interface name (IFNAMSIZ - 1). */
#define FE_NETWORK_NAME_MAX 15
/* dns.domain when unset */
#define FE_NETWORK_DOMAIN "moat"

/* [A-Za-z0-9][A-Za-z0-9_-]{0,14}, with LXD's words for a refusal. Pure. */
int fe_check_network_name(const char *name, char err[static FE_ERR_MAX]);
/* The type of a create: "" or "bridge" (the one moat manages). Pure. */
int fe_check_network_type(const char *type, char err[static FE_ERR_MAX]);
/*
 * A bridge's config against its rows, the cross-key rules (ranges inside
 * the subnet, the MTU an address family needs) and the policy
 * (raw.dnsmasq: -EPERM). LXD's words, naming the network.
 */
int fe_check_network_config(const char *name, json_object *config, const struct fe_policy *policy,
			    char err[static FE_ERR_MAX]);

/* The contract's: 0 when a managed network of that name exists, or -ENOENT. */
int fe_network_exists(const char *name);
/*
 * The contract's: the stored network as moatd's struct ph_network, with a
 * host per instance nic on it, applied by network_apply (idempotent). For
 * an address still `auto` in the row, the one moatd picked is stored.
 */
int fe_network_sync(const char *name, char err[static FE_ERR_MAX]);
/* Every stored network synced (boot): the failures logged, the count of them returned. */
int fe_network_sync_all(void);

/*
 * The network called name: a managed one (its row, used_by, Created), or
 * a host interface (managed false, its kind as LXD names it); -ENOENT.
 */
int fe_network_load(const char *name, struct lxd_network *ret);
/* The managed networks then the host's interfaces: URLs, or (full) the objects. */
int fe_network_list(bool full, json_object **ret);
/*
 * Create it: LXD's defaults filled (ipv4.address and ipv6.address auto,
 * NAT on an auto family), network_apply, then the row with the addresses
 * moatd picked. Nothing is stored when moatd refuses (its message in err),
 * and the bridge is removed again if the row cannot be written.
 */
int fe_network_create(struct lxd_network *n, char err[static FE_ERR_MAX]);
/* Apply the new config (network_apply), then store it; -ENOENT. */
int fe_network_update(const struct lxd_network *n, char err[static FE_ERR_MAX]);
/* Rename (LXD refuses while in use: -EBUSY); the bridge is made again under the new name. */
int fe_network_rename(const char *from, const char *to, char err[static FE_ERR_MAX]);
/* Delete: -EBUSY while used, else network_delete (every host-side trace), then the row. */
int fe_network_delete(const char *name, char err[static FE_ERR_MAX]);
/* The instances and profiles whose nics name it (network= or parent=), LXD's URLs. */
json_object *fe_network_used_by(const char *name);

/*
 * The default network (boot): made once ever, the first time a frontend
 * starts with hello's name set, as `lxd init --auto` (auto addresses,
 * NAT, eth0 in the default profile). Logs and goes on when moatd refuses.
 */
void fe_network_default(const char *name);

/* ---- the host's interfaces (network_host.c) ------------------------------------------------ */

/* The host's interfaces but veth*, sorted: names (a JSON array). */
json_object *fe_host_interfaces(void);
/* Does the host have it? (/sys/class/net/<name>) */
bool fe_host_interface_exists(const char *name);
/* LXD's kind of an unmanaged interface: loopback, bridge, vlan, physical, bond, unknown. */
const char *fe_host_interface_type(const char *name);
/* GET .../state: LXD 5.0.2's api.NetworkState of the interface; -ENOENT. */
int fe_host_interface_state(const char *name, json_object **ret);

/* ---- leases (network_leases.c) -------------------------------------------------------------------- */

/* One line of a dnsmasq leases file, checked. */
struct fe_lease {
	char hwaddr[18];   /* "00:16:3e:..." or "" (DHCPv6) */
	char address[46];  /* an address inet_pton() read back by inet_ntop() */
	char hostname[64]; /* "*" in the file becomes "" */
};
/*
 * Parse a leases file (dnsmasq's format: "expiry mac ip hostname
 * client-id", "duid ..." for DHCPv6) and call fn for each well-formed
 * lease; malformed lines are skipped. At most 4096 leases. Pure.
 */
int fe_leases_parse(const char *buf, size_t len, void (*fn)(const struct fe_lease *l, void *data),
		    void *data);
/* GET .../leases: the gateway's and the instances' static ones, then the file's; -ENOENT. */
int fe_network_leases(const char *name, json_object **ret);

#endif
