// SPDX-License-Identifier: Apache-2.0
/*
 * Managed networks (networks.h): the `bridge` type's key rows and checks
 * (LXD 5.0.2's lxd/network/driver_bridge.go rules and words), rows of the
 * networks table, used_by, and every change carried to moatd before it is
 * stored: create, update, rename and delete call network_apply or
 * network_delete first, and a refusal leaves the table as it was. Runs in
 * moatd-api (unprivileged, uid moat, seccomp). Names, keys and values are
 * untrusted client input, checked before they reach moatd or sqlite (as
 * bound parameters only); moatd checks its typed request again.
 *
 * One lock serialises every change of a network and every sync, so that
 * two applies of one bridge never interleave; the database lock is never
 * held across a call to moatd.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cleanup.h"
#include "db/db.h"
#include "log.h"
#include "model/config_net.h"
#include "model/images.h"
#include "model/instances.h"
#include "model/network_acls.h"
#include "model/network_use.h"
#include "model/networks.h"
#include "model/profiles.h"
#include "netaddr.h"

static pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- names and keys ------------------------------------------------------------------------ */

int fe_check_network_name(const char *name, char err[static FE_ERR_MAX])
{
	static const char word[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	size_t n = strlen(name);

	if (n == 0)
		snprintf(err, FE_ERR_MAX, "No name provided");
	else if (n > FE_NETWORK_NAME_MAX)
		snprintf(err, FE_ERR_MAX, "Network interface is too long (maximum 15 characters)");
	else if (name[strspn(name, word)] != '\0' || name[0] == '-' || name[0] == '_')
		snprintf(err, FE_ERR_MAX, "Network interface contains invalid characters");
	else
		return 0;
	return -EINVAL;
}

int fe_check_network_type(const char *type, char err[static FE_ERR_MAX])
{
	if (!*type || strcmp(type, "bridge") == 0)
		return 0;
	/* LXD's LoadByType for a type it has; moat manages bridges only */
	snprintf(err, FE_ERR_MAX, "Unsupported network type \"%.32s\" (only \"bridge\")", type);
	return -EINVAL;
}

static const char *const addr_words[] = { "auto", "none", NULL };
static const char *const dns_modes[] = { "managed", "dynamic", "none", NULL };

#define BOOLEAN FE_BOOL("must be a boolean")
#define CIDR(fam)                                                                                  \
	{                                                                                          \
		.parse = fe_parse_cidr, .min = (fam), .choices = addr_words,                       \
		.why = "must be auto, none or an address with its prefix"                          \
	}

/* The bridge's keys, in name order (LXD 5.0.2's that moat implements). */
static const struct fe_key bridge_keys[] = {
	{ .name = "bridge.hwaddr",
	  .value = { .parse = fe_parse_mac, .why = "must be a MAC address" } },
	{ .name = "bridge.mtu", .value = FE_UINT(1280, 16384, "must be an MTU (1280-16384)") },
	{ .name = "dns.domain",
	  .value = { .parse = fe_parse_domain,
		     .max = 63,
		     .why = "Invalid domain name (labels of letters, digits and \"-\" separated "
			    "by dots, at most 63 bytes)" } },
	{ .name = "dns.mode", .value = FE_ENUM(dns_modes, "must be managed, dynamic or none") },
	{ .name = "ipv4.address", .value = CIDR(4) },
	{ .name = "ipv4.dhcp", .value = BOOLEAN },
	{ .name = "ipv4.dhcp.ranges",
	  .value = { .parse = fe_parse_ip_ranges,
		     .max = PH_NET_RANGES_MAX,
		     .why = "must be IPv4 ranges A-B separated by commas" } },
	{ .name = "ipv4.nat", .value = BOOLEAN },
	{ .name = "ipv4.routing", .value = BOOLEAN },
	{ .name = "ipv6.address", .value = CIDR(6) },
	{ .name = "ipv6.dhcp", .value = BOOLEAN },
	{ .name = "ipv6.dhcp.stateful", .value = BOOLEAN },
	{ .name = "ipv6.nat", .value = BOOLEAN },
	{ .name = "ipv6.routing", .value = BOOLEAN },
	{ .name = "raw.dnsmasq",
	  .value = { .parse = fe_parse_raw_dnsmasq,
		     .why = "must be lines of the dnsmasq options moat allows (DNS records, DHCP "
			    "options and hosts, logging, caching; none that names a file, a user, "
			    "a script or an interface), at most 32 lines of 512 bytes and 4096 in all" },
	  .gate = FE_GATE_RAW_DNSMASQ,
	  .forbidden = "Raw dnsmasq configuration is forbidden" },
	FE_ACL_KEY_ROWS, /* model/network_acls.h: applied by acl.c in moatd */
	{ .name = "user.", .flags = FE_KEY_PREFIX, .value = FE_STRING(4096, "must be a string") },
	{ .name = NULL },
};

static const struct fe_key *bridge_key(const char *key)
{
	for (const struct fe_key *row = bridge_keys; row->name; row++)
		if ((row->flags & FE_KEY_PREFIX) ? strncmp(key, row->name, strlen(row->name)) == 0
						 : strcmp(key, row->name) == 0)
			return row;
	return NULL;
}

static const char *cfg(json_object *config, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(config, key, &v) &&
			       json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

/* The key's value read by its row: 1 and ret, or 0 when unset (or not valid). */
static int get(json_object *config, const char *key, struct fe_value *ret)
{
	const struct fe_key *row = bridge_key(key);
	const char *s = cfg(config, key);

	return row && *s && row->value.parse(&row->value, s, ret) == 0 ? 1 : 0;
}

static bool flag(json_object *config, const char *key, bool dflt)
{
	struct fe_value v;

	return get(config, key, &v) == 1 ? v.b : dflt;
}

static int check_ranges(const char *name, json_object *config, char err[static FE_ERR_MAX])
{
	struct fe_ip_range r[PH_NET_RANGES_MAX];
	struct fe_value a;
	uint32_t net;
	size_t n;

	if (get(config, "ipv4.address", &a) != 1 || a.family != AF_INET ||
	    fe_ip_ranges(cfg(config, "ipv4.dhcp.ranges"), r, PH_NET_RANGES_MAX, &n) < 0)
		return 0;
	memcpy(&net, a.addr, 4);
	net = ntohl(net);
	for (size_t k = 0; k < n; k++) {
		uint32_t s, e;
		char sub[INET_ADDRSTRLEN] = "";
		struct in_addr x = { htonl(net & (~0u << (32 - a.prefix))) };

		memcpy(&s, r[k].start, 4);
		memcpy(&e, r[k].end, 4);
		if (netaddr_host_of(AF_INET, r[k].start, a.addr, a.prefix) &&
		    netaddr_host_of(AF_INET, r[k].end, a.addr, a.prefix))
			continue;
		inet_ntop(AF_INET, &x, sub, sizeof(sub));
		snprintf(err, FE_ERR_MAX,
			 "Invalid value for network \"%s\" option \"ipv4.dhcp.ranges\": IP range "
			 "\"%.100s\" does not fall within any of the allowed networks [%s/%u]",
			 name, cfg(config, "ipv4.dhcp.ranges"), sub, a.prefix);
		return -EINVAL;
	}
	return 0;
}

int fe_check_network_config(const char *name, json_object *config, const struct fe_policy *policy,
			    char err[static FE_ERR_MAX])
{
	if (!config)
		return 0;
	json_object_object_foreach(config, k, v)
	{
		const struct fe_key *row = bridge_key(k);
		const char *s = json_object_get_string(v);
		struct fe_value x;

		if (!row || strlen(k) > FE_KEY_MAX) {
			snprintf(err, FE_ERR_MAX,
				 "Invalid option for network \"%s\" option \"%.100s\"", name, k);
			return -EINVAL;
		}
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(
				err, FE_ERR_MAX,
				"Invalid value for network \"%s\" option \"%.100s\": must be a string",
				name, k);
			return -EINVAL;
		}
		if (!*s) /* unset */
			continue;
		if (row->value.parse(&row->value, s, &x) < 0) {
			char why[300];

			fe_net_explain(&row->value, s, why, sizeof(why));
			snprintf(err, FE_ERR_MAX,
				 "Invalid value for network \"%s\" option \"%s\": %s", name, k,
				 why);
			return -EINVAL;
		}
		if (row->gate != FE_GATE_NONE && !fe_policy_allows(policy, row->gate)) {
			snprintf(
				err, FE_ERR_MAX,
				"Invalid value for network \"%s\" option \"%s\": %s by the server's "
				"policy",
				name, k, row->forbidden);
			return -EPERM;
		}
	}
	return check_ranges(name, config, err);
}

/* ---- rows ---------------------------------------------------------------------------------- */

static const char *js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* The row (no used_by): 0, -ENOENT, -EIO. */
static int row_load(const char *name, struct lxd_network *ret)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(
		    db, "SELECT name, description, type, config FROM networks WHERE name = ?;", -1,
		    &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			struct lxd_network n = {
				.name = strdup((const char *)sqlite3_column_text(st, 0)),
				.description = strdup((const char *)sqlite3_column_text(st, 1)),
				.type = strdup((const char *)sqlite3_column_text(st, 2)),
				.config = fe_db_object_column(st, 3),
				.managed = true,
				.status = strdup("Created"),
			};

			r = 0;
			if (!n.name || !n.description || !n.type || !n.status) {
				lxd_free(&lxd_network_type, &n);
				r = -ENOMEM;
			} else {
				*ret = n;
			}
		} else {
			r = -ENOENT;
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

/* One statement with the bound texts (NULL ends them): the rows changed, -EEXIST, or -EIO. */
static int run(const char *sql, const char *const *texts)
{
	int r = fe_db_run_locked(fe_db_lock(), sql, texts);

	fe_db_unlock();
	return r;
}

static int row_store(const struct lxd_network *n)
{
	const char *t[] = { n->description ? n->description : "", js(n->config), n->name, NULL };
	int r = run("UPDATE networks SET description = ?1, config = ?2 WHERE name = ?3;", t);

	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* Managed names, sorted. */
static json_object *row_names(void)
{
	return fe_db_strings("SELECT name FROM networks ORDER BY name;");
}

int fe_network_exists(const char *name)
{
	struct lxd_network n = { 0 };
	int r = row_load(name, &n);

	lxd_free(&lxd_network_type, &n);
	return r == 0 ? 0 : -ENOENT;
}

/* The row for a change (the network lock held): row_load() with the client's message. */
static int row_load_for(const char *name, struct lxd_network *ret, char err[static FE_ERR_MAX])
{
	int r = row_load(name, ret);

	if (r == -ENOENT)
		snprintf(err, FE_ERR_MAX, "Network not found");
	else if (r < 0)
		snprintf(err, FE_ERR_MAX, "Failed loading network");
	return r;
}

/* ---- who uses it --------------------------------------------------------------------------- */

static bool nic_on(json_object *dev, const char *name)
{
	return strcmp(cfg(dev, "type"), "nic") == 0 &&
	       (strcmp(cfg(dev, "network"), name) == 0 || strcmp(cfg(dev, "parent"), name) == 0);
}

static bool devices_use(json_object *devices, const char *name)
{
	json_object_object_foreach(devices, k, dev)
	{
		(void)k;
		if (json_object_is_type(dev, json_type_object) && nic_on(dev, name))
			return true;
	}
	return false;
}

/* For each instance (its row and expanded devices): fn, until it returns non-zero. */
static int each_instance(int (*fn)(const struct fe_instance *i, json_object *xd, void *data),
			 void *data)
{
	struct fe_instance *all = NULL;
	json_object *profiles;
	size_t n = 0;
	int r = 0;

	if (fe_instance_load_all(&all, &n) < 0)
		return -EIO;
	profiles = fe_profiles_load(NULL);
	for (size_t k = 0; r == 0 && k < n; k++) {
		json_object *xc = NULL, *xd = NULL;

		if (fe_instance_expand_with(&all[k], profiles, &xc, &xd) == 0)
			r = fn(&all[k], xd, data);
		json_object_put(xc);
		json_object_put(xd);
	}
	json_object_put(profiles);
	fe_instances_free(all, n);
	return r;
}

struct users {
	const char *name;
	json_object *list;
};

static int add_user(const struct fe_instance *i, json_object *xd, void *data)
{
	struct users *u = data;

	if (devices_use(xd, u->name)) {
		__do_free char *url = fe_path_join_escaped("/1.0/instances/", i->name);

		if (url)
			json_object_array_add(u->list, json_object_new_string(url));
	}
	return 0;
}

json_object *fe_network_used_by(const char *name)
{
	struct users u = { name, json_object_new_array() };
	json_object *profiles = fe_profiles_load(NULL);

	/* LXD's order: profiles, then instances */
	json_object_object_foreach(profiles, pname, p)
	{
		json_object *devices;

		if (json_object_object_get_ex(p, "devices", &devices) &&
		    devices_use(devices, name)) {
			__do_free char *url = fe_path_join_escaped("/1.0/profiles/", pname);

			if (url)
				json_object_array_add(u.list, json_object_new_string(url));
		}
	}
	json_object_put(profiles);
	each_instance(add_user, &u);
	return u.list;
}

static bool in_use(const char *name)
{
	json_object *u = fe_network_used_by(name);
	bool used = json_object_array_length(u) > 0;

	json_object_put(u);
	return used;
}

/* ---- the request to moatd ------------------------------------------------------------------ */

struct hosts {
	const char *name;
	struct ph_net_host *h;
	size_t n;
};

static void host_addr(json_object *dev, const char *key, int af, void *addr, bool *has)
{
	*has = inet_pton(af, cfg(dev, key), addr) == 1;
}

static int add_hosts(const struct fe_instance *i, json_object *xd, void *data)
{
	struct hosts *hs = data;

	json_object_object_foreach(xd, dev, d)
	{
		char key[128];
		struct fe_value mac;
		struct ph_net_host *h;
		const char *hw;

		if (!json_object_is_type(d, json_type_object) || strcmp(cfg(d, "type"), "nic") ||
		    strcmp(cfg(d, "network"), hs->name))
			continue;
		snprintf(key, sizeof(key), "volatile.%s.hwaddr", dev);
		hw = *cfg(d, "hwaddr") ? cfg(d, "hwaddr") : cfg(i->config, key);
		/* no MAC yet (never started): nothing dnsmasq could match; moatd takes unicast ones */
		if (fe_parse_mac(NULL, hw, &mac) < 0 || (mac.addr[0] & 1) ||
		    !(mac.addr[0] | mac.addr[1] | mac.addr[2] | mac.addr[3] | mac.addr[4] |
		      mac.addr[5]) ||
		    hs->n >= PH_NET_HOSTS_MAX)
			continue;
		h = &hs->h[hs->n++];
		memset(h, 0, sizeof(*h));
		snprintf(h->name, sizeof(h->name), "%s", i->name);
		memcpy(h->hwaddr, mac.addr, 6);
		host_addr(d, "ipv4.address", AF_INET, &h->ipv4, &h->has_ipv4);
		host_addr(d, "ipv6.address", AF_INET6, &h->ipv6, &h->has_ipv6);
	}
	return 0;
}

static enum ph_addr_mode addr_mode(json_object *config, const char *key, void *addr,
				   uint8_t *prefix)
{
	struct fe_value v;

	if (get(config, key, &v) != 1)
		return PH_ADDR_NONE;
	if (v.family == 0) /* "none"; "auto" is picked before (apply_locked) */
		return PH_ADDR_NONE;
	memcpy(addr, v.addr, v.family == AF_INET ? 4 : 16);
	*prefix = v.prefix;
	return PH_ADDR_SET;
}

/*
 * A nic's static addresses that the network cannot give (no such family,
 * outside the subnet, the bridge's own) are left out of its host line, as
 * moatd refuses them: the nic still gets a lease, from the range.
 */
static void host_fit(const struct ph_network *n, struct ph_net_host *h)
{
	const uint8_t *a = (const uint8_t *)&h->ipv4, *gw = (const uint8_t *)&n->ipv4;

	if (h->has_ipv4 &&
	    (n->ipv4_mode != PH_ADDR_SET || !netaddr_host_of(AF_INET, a, gw, n->ipv4_prefix) ||
	     memcmp(a, gw, 4) == 0))
		h->has_ipv4 = false;
	if (h->has_ipv6 &&
	    (n->ipv6_mode != PH_ADDR_SET || !netaddr_bridge_ok(AF_INET6, h->ipv6.s6_addr, 64) ||
	     !netaddr_in(h->ipv6.s6_addr, n->ipv6.s6_addr, n->ipv6_prefix) ||
	     memcmp(&h->ipv6, &n->ipv6, 16) == 0))
		h->has_ipv6 = false;
}

/* The network as moatd takes it; hosts (PH_NET_HOSTS_MAX of them) is the caller's. */
static void build(const char *name, json_object *config, struct ph_net_host *hosts,
		  struct ph_network *ret)
{
	struct ph_network n = { 0 };
	struct fe_ip_range r[PH_NET_RANGES_MAX];
	struct hosts hs = { name, hosts, 0 };
	struct fe_value v;
	size_t nr = 0;

	snprintf(n.name, sizeof(n.name), "%s", name);
	if (get(config, "bridge.mtu", &v) == 1)
		n.mtu = (uint32_t)v.u;
	if (get(config, "bridge.hwaddr", &v) == 1) {
		n.has_hwaddr = true;
		memcpy(n.hwaddr, v.addr, 6);
	}
	n.ipv4_mode = addr_mode(config, "ipv4.address", &n.ipv4, &n.ipv4_prefix);
	n.ipv4_nat = flag(config, "ipv4.nat", false);
	n.ipv4_dhcp = flag(config, "ipv4.dhcp", true);
	n.ipv4_routing = flag(config, "ipv4.routing", true);
	if (*cfg(config, "ipv4.dhcp.ranges") &&
	    fe_ip_ranges(cfg(config, "ipv4.dhcp.ranges"), r, PH_NET_RANGES_MAX, &nr) == 0)
		for (size_t k = 0; k < nr; k++) {
			memcpy(&n.ipv4_ranges[k].start, r[k].start, 4);
			memcpy(&n.ipv4_ranges[k].end, r[k].end, 4);
		}
	/* moatd takes ranges only with a set address */
	n.n_ipv4_ranges = n.ipv4_mode == PH_ADDR_SET ? nr : 0;
	n.ipv6_mode = addr_mode(config, "ipv6.address", &n.ipv6, &n.ipv6_prefix);
	n.ipv6_nat = flag(config, "ipv6.nat", false);
	n.ipv6_dhcp = flag(config, "ipv6.dhcp", true);
	n.ipv6_dhcp_stateful = flag(config, "ipv6.dhcp.stateful", false);
	n.ipv6_routing = flag(config, "ipv6.routing", true);
	snprintf(n.dns_domain, sizeof(n.dns_domain), "%s",
		 *cfg(config, "dns.domain") ? cfg(config, "dns.domain") : FE_NETWORK_DOMAIN);
	n.dns_mode = get(config, "dns.mode", &v) == 1 ? (enum ph_dns_mode)v.u : PH_DNS_MANAGED;
	n.raw_dnsmasq = *cfg(config, "raw.dnsmasq") ? cfg(config, "raw.dnsmasq") : NULL;
	if (hosts)
		each_instance(add_hosts, &hs);
	for (size_t k = 0; k < hs.n; k++)
		host_fit(&n, &hosts[k]);
	n.hosts = hosts;
	n.n_hosts = hs.n;
	*ret = n;
}

/* moatd's refusal into err: its message, else the errno's words. */
static int refused(int r, const struct ph_error *e, char err[static FE_ERR_MAX])
{
	snprintf(err, FE_ERR_MAX, "%s", e->msg[0] ? e->msg : strerror(-r));
	return r;
}

/* How many subnets an apply picks for "auto" while moatd finds each overlapping. */
#define PICK_TRIES 64

/*
 * An "auto" family of config (autos: IPv4, IPv6) given a random subnet, as
 * LXD picks one: 10.x.y.1/24, a ULA fdXX:XXXX:XXXX:XXXX::1/64. moatd checks
 * it against the host's routes and addresses as any set subnet (EADDRINUSE
 * when it overlaps one: apply_locked picks again).
 */
static int pick(json_object *config, const bool autos[2])
{
	uint8_t rnd[9], a6[16] = { 0xfd, [15] = 1 };
	char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	if (autos[0]) {
		snprintf(buf, sizeof(buf), "10.%u.%u.1/24", rnd[0], rnd[1]);
		json_object_object_add(config, "ipv4.address", json_object_new_string(buf));
	}
	memcpy(a6 + 1, rnd + 2, 7);
	if (autos[1] && inet_ntop(AF_INET6, a6, ip, sizeof(ip))) {
		snprintf(buf, sizeof(buf), "%s/64", ip);
		json_object_object_add(config, "ipv6.address", json_object_new_string(buf));
	}
	return 0;
}

/* network_apply of name with config (the lock held); an "auto" subnet picked and stored into config. */
static int apply_locked(const char *name, json_object *config, bool *ret_picked,
			char err[static FE_ERR_MAX])
{
	struct ph_net_host *hosts = calloc(PH_NET_HOSTS_MAX, sizeof(*hosts));
	const bool autos[2] = { strcmp(cfg(config, "ipv4.address"), "auto") == 0,
				strcmp(cfg(config, "ipv6.address"), "auto") == 0 };
	struct ph_network_applied a = { 0 };
	struct ph_error e = { "" };
	struct fe_net_fw fw = { 0 };
	struct ph_network n = { 0 };
	int r;

	if (!hosts) {
		snprintf(err, FE_ERR_MAX, "Out of memory");
		return -ENOMEM;
	}
	*ret_picked = false;
	err[0] = '\0';
	/* security.acls and the forwards (model/network_use.c) */
	r = fe_network_fw_fill(name, config, &n, &fw, err);
	for (int tries = 0; r == 0; tries++) {
		/* an auto subnet's ranges and static leases: checked and sent once it is picked */
		if ((autos[0] || autos[1]) && (r = pick(config, autos)) == 0)
			r = check_ranges(name, config, err);
		if (r < 0)
			break;
		build(name, config, hosts, &n);
		n.acls = fw.acls;
		n.forwards = fw.forwards;
		n.n_forwards = fw.n_forwards;
		r = ph_call_network_apply(&n, &a, &e);
		if (r != -EADDRINUSE || !(autos[0] || autos[1]) || tries + 1 >= PICK_TRIES)
			break;
		r = 0;
	}
	if (r == -EADDRINUSE && (autos[0] || autos[1]))
		snprintf(err, FE_ERR_MAX, "No free subnet found for the network (%s)", e.msg);
	for (int k = 0; r < 0 && k < 2; k++) /* as it was: nothing was made */
		if (autos[k])
			json_object_object_add(config, k ? "ipv6.address" : "ipv4.address",
					       json_object_new_string("auto"));
	*ret_picked = r == 0 && (autos[0] || autos[1]);
	fe_net_fw_free(&fw);
	free(hosts);
	if (r < 0)
		return err[0] ? r : refused(r, &e, err);
	if (a.warning[0])
		log_warn("network \"%s\": %s", name, a.warning);
	return 0;
}

int fe_network_sync(const char *name, char err[static FE_ERR_MAX])
{
	struct lxd_network n = { 0 };
	bool picked = false;
	int r;

	pthread_mutex_lock(&net_lock);
	r = row_load_for(name, &n, err);
	if (r == 0)
		r = apply_locked(name, n.config, &picked, err);
	if (r == 0 && picked && row_store(&n) < 0)
		log_error("network \"%s\": the addresses picked could not be stored", name);
	pthread_mutex_unlock(&net_lock);
	lxd_free(&lxd_network_type, &n);
	return r;
}

int fe_network_sync_all(void)
{
	json_object *names = row_names();
	int failed = 0;

	for (size_t k = 0; k < json_object_array_length(names); k++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, k));
		char err[FE_ERR_MAX] = "";

		if (fe_network_sync(name, err) < 0) {
			log_error("network \"%s\" could not be set up: %s", name, err);
			failed++;
		}
	}
	json_object_put(names);
	return failed;
}

/* ---- changes ------------------------------------------------------------------------------- */

int fe_network_load(const char *name, struct lxd_network *ret)
{
	struct lxd_network n = { 0 };
	int r;

	if (strncmp(name, "veth", 4) == 0) /* LXD hides them */
		return -ENOENT;
	r = row_load(name, &n);
	if (r == -ENOENT && fe_host_interface_exists(name)) {
		n = (struct lxd_network){
			.config = json_object_new_object(),
			.name = strdup(name),
			.description = strdup(""),
			.type = strdup(fe_host_interface_type(name)),
			.status = strdup(""),
		};
		r = n.name && n.description && n.type && n.status ? 0 : -ENOMEM;
	} else if (r == 0) {
		n.locations = json_object_new_array();
		json_object_array_add(n.locations, json_object_new_string("none"));
	}
	/* LXD 5.0.2 (doNetworkGet): [] for a loopback, else its users, nil (null) if none */
	if (r == 0 && strcmp(n.type, "loopback") == 0) {
		n.used_by = json_object_new_array();
	} else if (r == 0) {
		n.used_by = fe_network_used_by(name);
		if (n.used_by && json_object_array_length(n.used_by) == 0) {
			json_object_put(n.used_by);
			n.used_by = NULL;
		}
	}
	if (r < 0)
		lxd_free(&lxd_network_type, &n);
	else
		*ret = n;
	return r;
}

int fe_network_list(bool full, json_object **ret)
{
	json_object *names = row_names(), *host = fe_host_interfaces();
	json_object *list = json_object_new_array();
	int r = 0;

	for (size_t k = 0; k < json_object_array_length(host); k++) {
		json_object *h = json_object_array_get_idx(host, k);
		bool managed = false;

		for (size_t j = 0; j < json_object_array_length(names) && !managed; j++)
			managed =
				strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
				       json_object_get_string(h)) == 0;
		if (!managed)
			json_object_array_add(names, json_object_get(h));
	}
	for (size_t k = 0; r == 0 && k < json_object_array_length(names); k++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, k));
		struct lxd_network n = { 0 };

		if (!full) {
			__do_free char *url = fe_path_join_escaped("/1.0/networks/", name);

			if (!url)
				r = -ENOMEM;
			else
				json_object_array_add(list, json_object_new_string(url));
			continue;
		}
		if (fe_network_load(name, &n) == 0) /* gone meanwhile: left out, as LXD */
			json_object_array_add(list, lxd_render(&lxd_network_type, &n, NULL, 0));
		lxd_free(&lxd_network_type, &n);
	}
	json_object_put(names);
	json_object_put(host);
	if (r < 0)
		json_object_put(list);
	else
		*ret = list;
	return r;
}

/* A host interface of that name that moatd would not take (not a bridge). */
static int host_taken(const char *name, char err[static FE_ERR_MAX])
{
	if (!fe_host_interface_exists(name) || strcmp(fe_host_interface_type(name), "bridge") == 0)
		return 0;
	snprintf(err, FE_ERR_MAX, "Network interface \"%s\" already exists", name);
	return -EEXIST;
}

/* LXD's FillConfig for a bridge. */
static void fill_defaults(json_object *config)
{
	FILE *f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "re");
	char line[8] = "";

	if (!*cfg(config, "ipv4.address"))
		json_object_object_add(config, "ipv4.address", json_object_new_string("auto"));
	if (strcmp(cfg(config, "ipv4.address"), "auto") == 0 && !*cfg(config, "ipv4.nat"))
		json_object_object_add(config, "ipv4.nat", json_object_new_string("true"));
	if (f && fgets(line, sizeof(line), f) && strcmp(line, "0\n") == 0 &&
	    !*cfg(config, "ipv6.address"))
		json_object_object_add(config, "ipv6.address", json_object_new_string("auto"));
	if (f)
		fclose(f);
	if (strcmp(cfg(config, "ipv6.address"), "auto") == 0 && !*cfg(config, "ipv6.nat"))
		json_object_object_add(config, "ipv6.nat", json_object_new_string("true"));
}

/* Empty values are unset keys: dropped before a row is written. */
static void drop_empty(json_object *config)
{
	json_object *keys = json_object_new_array();

	json_object_object_foreach(config, k, v)
	{
		if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v))
			json_object_array_add(keys, json_object_new_string(k));
	}
	for (size_t i = 0; i < json_object_array_length(keys); i++)
		json_object_object_del(config,
				       json_object_get_string(json_object_array_get_idx(keys, i)));
	json_object_put(keys);
}

static void remove_bridge(const char *name)
{
	struct ph_error e = { "" };

	if (ph_call_network_delete(name, &e) < 0)
		log_error("network \"%s\": the bridge could not be removed: %s", name, e.msg);
}

/* The bridge of a stored row made again after a failed change. */
static void restore_bridge(const char *name, json_object *config)
{
	char ignored[FE_ERR_MAX];
	bool picked;

	if (apply_locked(name, config, &picked, ignored) < 0)
		log_error("network \"%s\": the bridge could not be set back: %s", name, ignored);
}

int fe_network_create(struct lxd_network *n, char err[static FE_ERR_MAX])
{
	struct lxd_network old = { 0 };
	bool picked = false;
	int r;

	if (!n->config)
		n->config = json_object_new_object();
	drop_empty(n->config);
	fill_defaults(n->config);
	pthread_mutex_lock(&net_lock);
	r = row_load(n->name, &old);
	if (r == 0) {
		snprintf(err, FE_ERR_MAX, "The network already exists");
		r = -EEXIST;
	} else if (r == -ENOENT) {
		r = host_taken(n->name, err);
	} else {
		snprintf(err, FE_ERR_MAX, "Failed loading network");
	}
	if (r == 0)
		r = apply_locked(n->name, n->config, &picked, err);
	if (r < 0 && picked) /* made, then its ranges refused */
		remove_bridge(n->name);
	if (r == 0) {
		const char *t[] = { n->name, n->description ? n->description : "", "bridge",
				    js(n->config), NULL };

		r = run("INSERT INTO networks (name, description, type, config) VALUES (?, ?, ?, ?);",
			t);
		if (r < 0) {
			snprintf(err, FE_ERR_MAX, "Error inserting \"%s\" into database", n->name);
			remove_bridge(n->name);
		} else {
			r = 0;
		}
	}
	pthread_mutex_unlock(&net_lock);
	lxd_free(&lxd_network_type, &old);
	return r;
}

int fe_network_update(const struct lxd_network *n, char err[static FE_ERR_MAX])
{
	struct lxd_network old = { 0 };
	bool picked = false, applied = false;
	int r;

	drop_empty(n->config);
	pthread_mutex_lock(&net_lock);
	r = row_load_for(n->name, &old, err);
	if (r == 0)
		r = apply_locked(n->name, n->config, &picked, err);
	applied = r == 0 || picked;
	if (r == 0 && (r = row_store(n)) < 0)
		snprintf(err, FE_ERR_MAX, "Failed to update the network");
	/* the bridge as the stored row has it, again */
	if (r < 0 && applied)
		restore_bridge(old.name, old.config);
	pthread_mutex_unlock(&net_lock);
	lxd_free(&lxd_network_type, &old);
	return r;
}

int fe_network_rename(const char *from, const char *to, char err[static FE_ERR_MAX])
{
	struct lxd_network n = { 0 }, other = { 0 };
	struct ph_error e = { "" };
	bool picked = false;
	int r;

	pthread_mutex_lock(&net_lock);
	r = row_load_for(from, &n, err);
	if (r == 0 && in_use(from)) {
		r = -EBUSY;
		snprintf(err, FE_ERR_MAX, "Network is currently in use");
	} else if (r == 0 && row_load(to, &other) == 0) {
		r = -EEXIST;
		snprintf(err, FE_ERR_MAX, "Network \"%s\" already exists", to);
	} else if (r == 0 && fe_host_interface_exists(to)) {
		r = -EINVAL;
		snprintf(err, FE_ERR_MAX, "Network interface \"%s\" already exists", to);
	}
	/* the old bridge goes first: the new one takes its subnet */
	if (r == 0 && (r = ph_call_network_delete(from, &e)) < 0)
		refused(r, &e, err);
	else if (r == 0 && (r = apply_locked(to, n.config, &picked, err)) < 0)
		restore_bridge(from, n.config);
	if (r == 0) {
		const char *t[] = { to, from, NULL };

		r = run("UPDATE networks SET name = ?1 WHERE name = ?2;", t);
		if (r < 0) {
			snprintf(err, FE_ERR_MAX, "Failed to rename the network");
			remove_bridge(to);
			restore_bridge(from, n.config);
		} else {
			r = 0;
		}
	}
	pthread_mutex_unlock(&net_lock);
	lxd_free(&lxd_network_type, &n);
	lxd_free(&lxd_network_type, &other);
	return r;
}

int fe_network_delete(const char *name, char err[static FE_ERR_MAX])
{
	struct lxd_network n = { 0 };
	struct ph_error e = { "" };
	int r;

	pthread_mutex_lock(&net_lock);
	r = row_load_for(name, &n, err);
	if (r == 0 && in_use(name)) {
		r = -EBUSY;
		snprintf(err, FE_ERR_MAX, "The network is currently in use");
	}
	if (r == 0 && (r = ph_call_network_delete(name, &e)) < 0)
		refused(r, &e, err);
	if (r == 0) {
		const char *t[] = { name, NULL };

		r = run("DELETE FROM networks WHERE name = ?;", t) < 0 ? -EIO : 0;
		if (r < 0)
			snprintf(err, FE_ERR_MAX, "Failed to delete the network");
	}
	pthread_mutex_unlock(&net_lock);
	lxd_free(&lxd_network_type, &n);
	return r;
}

/* ---- the default network ------------------------------------------------------------------- */

#define DEFAULT_MARK "default_network_made"

static bool marked(void)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM server_marks WHERE name = ?;", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, DEFAULT_MARK, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return found;
}

/* The default profile's eth0 on the network, as `lxd init --auto`, unless it has one. */
static void default_profile_nic(const char *name)
{
	struct lxd_profile p = { 0 };
	char err[FE_ERR_MAX] = "";
	json_object *nic;

	if (fe_profile_load(FE_PROFILE_DEFAULT, &p) < 0 ||
	    json_object_object_get_ex(p.devices, "eth0", NULL)) {
		lxd_free(&lxd_profile_type, &p);
		return;
	}
	nic = json_object_new_object();
	json_object_object_add(nic, "name", json_object_new_string("eth0"));
	json_object_object_add(nic, "network", json_object_new_string(name));
	json_object_object_add(nic, "type", json_object_new_string("nic"));
	json_object_object_add(p.devices, "eth0", nic);
	if (fe_profile_update(&p, err) < 0)
		log_warn("default network: eth0 not added to the default profile: %s", err);
	lxd_free(&lxd_profile_type, &p);
}

void fe_network_default(const char *name)
{
	static const char *const keys[][2] = {
		{ "ipv4.address", "auto" },
		{ "ipv4.nat", "true" },
		{ "ipv6.address", "auto" },
		{ "ipv6.nat", "true" },
	};
	struct lxd_network n = { 0 };
	char err[FE_ERR_MAX] = "", why[FE_ERR_MAX];
	const char *mark[] = { DEFAULT_MARK, name, NULL };

	if (!*name || marked())
		return;
	if (fe_check_network_name(name, why) < 0) {
		log_warn("default network \"%s\" not made: %s", name, why);
		return;
	}
	if (fe_network_exists(name) < 0) {
		n.name = strdup(name);
		n.description = strdup("");
		n.config = json_object_new_object();
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			json_object_object_add(n.config, keys[k][0],
					       json_object_new_string(keys[k][1]));
		if (!n.name || !n.description || fe_network_create(&n, err) < 0) {
			log_warn("default network \"%s\" not made: %s", name, err);
			lxd_free(&lxd_network_type, &n);
			return;
		}
		lxd_free(&lxd_network_type, &n);
		log_info("default network \"%s\" made", name);
	}
	if (run("INSERT OR REPLACE INTO server_marks (name, value) VALUES (?, ?);", mark) < 0)
		log_error("default network: its mark could not be stored");
	default_profile_nic(name);
}
