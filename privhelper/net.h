/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moatd (root): managed networks' host side, shared by the network ops
 * (op_network.c) and the nics (instance start, hot-plug): the bridges over
 * netlink (net_link.c, libnl-route-3), this daemon's nftables tables
 * (net_nft.c, libnftables) and one dnsmasq per network (net_dnsmasq.c).
 * Nothing here parses bytes from the frontend: every input is a typed
 * field that an op's check already validated.
 *
 * This daemon's identity on the host is a tag derived from its $MOAT_DIR
 * (ph_net_init): its bridges carry the ifalias "moat:<tag>", its tables are
 * "inet moat_<tag>" and "bridge moat_<tag>". Several daemons on one host
 * never touch each other's.
 */
#ifndef MOAT_NET_H
#define MOAT_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ph_ctx;
struct ph_network_apply;

/* ---- op_network.c ------------------------------------------------------------ */
/* Once at start, before any worker: the tag, $MOAT_DIR/networks/ (root 0755). */
int ph_net_init(struct ph_ctx *ctx);
/* The main loop's supervision of the dnsmasqs: ms until the next tick. */
int ph_net_tick(struct ph_ctx *ctx);
/* "moat_<tag>": this daemon's nftables table name (both families). */
const char *ph_net_table(void);
/* "moat:<tag>": the ifalias that marks this daemon's bridges. */
const char *ph_net_marker(void);
/* $MOAT_DIR/networks, opened at init. */
int ph_net_dir_fd(void);
/* "$MOAT_DIR/networks/<name>/<file>" (file "" : the directory, with its '/'). */
void ph_net_path(const char *name, const char *file, char *buf, size_t size);

/* ---- net_link.c: links, addresses, routes (libnl-route-3) ------------------- */
struct nl_sock;
/* A connected NETLINK_ROUTE socket (nl_socket_free it); libnl's errors as errnos. */
int ph_nl_open(struct nl_sock **ret);
int ph_nl_err(int nlerr);
/* The link exists, is a bridge, and carries this daemon's marker (ifalias). */
bool ph_net_bridge_is_ours(const char *name);
/* 0: no such link; 1: ours (a bridge with the marker); -EEXIST: someone else's. */
int ph_link_state(const char *name);
/* Create or update the bridge: marker, mtu, hwaddr (NULL: keep), up. */
int ph_link_bridge_ensure(const char *name, uint32_t mtu, const uint8_t *hwaddr, char *why,
			  size_t why_size);
int ph_link_bridge_delete(const char *name);
/* The bridge's global addresses of family become exactly addr/prefix (prefix 0: none). */
int ph_link_addr_set(const char *name, int family, const void *addr, uint8_t prefix);
/*
 * Whether addr/prefix overlaps a route or an address of another interface
 * of the host: 0 (free), -EADDRINUSE with what it overlaps in why.
 */
int ph_link_overlaps(const char *name, int family, const void *addr, uint8_t prefix, char *why,
		     size_t why_size);

/* ---- net_nft.c: this daemon's nftables tables (libnftables) ---------------- */
/*
 * Store (rules != NULL) or drop (NULL) one fragment, then rebuild this
 * daemon's tables from every fragment in one nftables transaction: on
 * failure nothing changed, the old rules stay and the fragment is not
 * stored. kind: "net", "nic", "acl" or "fwd"; key: [A-Za-z0-9][A-Za-z0-9._-]
 * up to 127. rules: what moatd generated from typed fields, the body of
 * `table inet moat_<tag> { ... }` (chains and sets; name them
 * <kind>_<key>_... so fragments never collide). 0 or a negative errno.
 */
int ph_nft_set(const char *kind, const char *key, const char *rules);
/* The same for the `bridge` family table (bridged traffic, ARP, MAC filters). */
int ph_nft_set_bridge(const char *kind, const char *key, const char *rules);
/* nft's message for the last failed ph_nft_set*() of this process, or "". */
const char *ph_nft_error(void);
/*
 * Whether another table has a forward hook with policy drop (Docker's
 * FORWARD DROP): 1 and which in why, 0, or a negative errno.
 */
int ph_nft_forward_drop(char *why, size_t why_size);
/* The "net" fragment of one network, from its typed fields (ret: malloc'd). */
int ph_nft_net_rules(const struct ph_network_apply *n, char **ret);

/* ---- net_dnsmasq.c: one dnsmasq per network ---------------------------------- */
/* Whether dnsmasq takes the network's config (dnsmasq --test), before anything changes. */
int ph_dnsmasq_check(const struct ph_network_apply *n, char *why, size_t why_size);
/* Write the config and hosts file, and start, HUP or restart dnsmasq. */
int ph_dnsmasq_apply(const struct ph_network_apply *n, char *why, size_t why_size);
/* Stop the network's dnsmasq (adopted by pid file and /proc): gone is fine. */
int ph_dnsmasq_stop(const char *name);
/* Whether it should run (its config is there) and does not. */
bool ph_dnsmasq_dead(const char *name);
/* Start it again if it should run and does not (the supervision tick). */
int ph_dnsmasq_revive(const char *name);

#endif
