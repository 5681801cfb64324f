// SPDX-License-Identifier: Apache-2.0
/*
 * The nic device type (config.h): its key rows, the check of one nic
 * against them, the policy and the other keys, and what a start sends of
 * the expanded nics (struct ph_nic_config), with the stable hwaddr and
 * host end kept in volatile.<dev>.hwaddr and volatile.<dev>.host_name.
 * Runs in moatd-api (unprivileged); devices are untrusted client input,
 * and moatd checks what reaches it again (privhelper/nic.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "model/config.h"
#include "model/config_net.h"
#include "model/instances.h"
#include "model/networks.h"
#include "name.h"
#include "netaddr.h"

#define IFNAME_WHY "must be an interface name: letters, digits, \".\", \"_\" and \"-\", at most 15"

static int parse_ifname(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	if (!name_ifname_valid(s))
		return -EINVAL;
	ret->s = s;
	return 0;
}

/* "00:16:3e:aa:bb:cc": six hex pairs (config_net.c); unicast and not zero. */
static int mac_parse(const char *s, uint8_t ret[static 6])
{
	struct fe_value v;
	const uint8_t *m = v.addr;

	if (fe_parse_mac(NULL, s, &v) < 0 || !netaddr_mac_unicast(m))
		return -EINVAL;
	memcpy(ret, m, 6);
	return 0;
}

static int parse_hwaddr(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	uint8_t m[6];

	if (mac_parse(s, m) < 0)
		return -EINVAL;
	ret->s = s;
	return 0;
}

static int parse_ip(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	uint8_t a[16];

	if (inet_pton((int)v->min, s, a) != 1)
		return -EINVAL;
	ret->s = s;
	return 0;
}

/* LXD's bit rates: digits and bit, kbit, Mbit, Gbit or Tbit (powers of 1000), as bytes a
 * second in u: at least 1 byte, at most 2^40 (what moatd takes). */
static int parse_rate(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	static const char *const units[] = { "bit", "kbit", "Mbit", "Gbit", "Tbit" };
	size_t n = strspn(s, "0123456789");
	uint64_t bits = 0, scale = 1;

	if (n == 0 || n > 12)
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		bits = bits * 10 + (uint64_t)(s[k] - '0');
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++, scale *= 1000)
		if (strcmp(s + n, units[k]) == 0) {
			/* 12 digits of Tbit could overflow: bound before multiplying */
			if (bits > (1ull << 43) / scale || bits * scale / 8 < 1 ||
			    bits * scale / 8 > (1ull << 40))
				return -EINVAL;
			ret->s = s;
			ret->u = bits * scale / 8;
			return 0;
		}
	return -EINVAL;
}

/* A rate key of dev as bytes a second; 0 when unset. */
static uint64_t rate_of(json_object *dev, const char *key)
{
	json_object *v;
	struct fe_value x;

	if (!json_object_object_get_ex(dev, key, &v) ||
	    parse_rate(NULL, json_object_get_string(v), &x) < 0)
		return 0;
	return x.u;
}

#define BOOLEAN FE_BOOL("must be a boolean")
#define TEXT FE_STRING(255, "must be a string")
#define IFNAME                                                                                     \
	{                                                                                          \
		.parse = parse_ifname, .why = IFNAME_WHY                                           \
	}

static const char *const nictypes[] = { "bridged", "macvlan", "p2p", "physical", NULL };

/* LXD 5.0's nic keys. Realised: all but boot.priority, ipv4.routes and ipv6.routes
 * (validated and stored only) and vlan (refused by fe_nic_check when set); limits.*
 * on bridged nics (policed in moatd's bridge table). */
const struct fe_key fe_nic_keys[] = {
	{ .name = "boot.priority", .value = FE_UINT(0, 1000000, "must be a number") },
	{ .name = "host_name", .value = IFNAME },
	{ .name = "hwaddr",
	  .value = { .parse = parse_hwaddr,
		     .why = "must be a unicast MAC address such as 00:16:3e:12:34:56" } },
	{ .name = "ipv4.address",
	  .value = { .parse = parse_ip, .min = AF_INET, .why = "must be an IPv4 address" } },
	{ .name = "ipv4.routes", .value = TEXT },
	{ .name = "ipv6.address",
	  .value = { .parse = parse_ip, .min = AF_INET6, .why = "must be an IPv6 address" } },
	{ .name = "ipv6.routes", .value = TEXT },
	{ .name = "limits.egress",
	  .value = { .parse = parse_rate,
		     .why = "must be a bit rate such as 10Mbit (8bit to 8Tbit)" } },
	{ .name = "limits.ingress",
	  .value = { .parse = parse_rate,
		     .why = "must be a bit rate such as 10Mbit (8bit to 8Tbit)" } },
	{ .name = "limits.max",
	  .value = { .parse = parse_rate,
		     .why = "must be a bit rate such as 10Mbit (8bit to 8Tbit)" } },
	{ .name = "mtu", .value = FE_UINT(68, 65535, "must be a number from 68 to 65535") },
	{ .name = "name", .value = IFNAME },
	{ .name = "network", .value = IFNAME },
	{ .name = "nictype",
	  .value = FE_ENUM(nictypes, "must be bridged, macvlan, p2p or physical") },
	{ .name = "parent", .value = IFNAME },
	{ .name = "security.ipv4_filtering", .value = BOOLEAN },
	{ .name = "security.ipv6_filtering", .value = BOOLEAN },
	{ .name = "security.mac_filtering", .value = BOOLEAN },
	{ .name = "vlan", .value = FE_UINT(0, 4094, "must be a number from 0 to 4094") },
	{ .name = NULL },
};

static const char *get(json_object *dev, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(dev, key, &v) ? json_object_get_string(v) : NULL;
}

static bool is_true(json_object *dev, const char *key)
{
	const char *s = get(dev, key);
	struct fe_value v;

	return s && fe_parse_bool(NULL, s, &v) == 0 && v.b;
}

static enum ph_nic_kind kind_of(json_object *dev)
{
	const char *t = get(dev, "nictype");

	if (!t || strcmp(t, "bridged") == 0)
		return PH_NIC_KIND_BRIDGED;
	if (strcmp(t, "macvlan") == 0)
		return PH_NIC_KIND_MACVLAN;
	return strcmp(t, "p2p") == 0 ? PH_NIC_KIND_P2P : PH_NIC_KIND_PHYSICAL;
}

#define FAIL(code, ...)                                                                            \
	do {                                                                                       \
		int n_ = snprintf(err, FE_ERR_MAX, "Invalid device \"%.64s\": ", name);            \
		snprintf(err + n_, FE_ERR_MAX - (size_t)n_, __VA_ARGS__);                          \
		return -(code);                                                                    \
	} while (0)

/* What one row cannot say: the keys that need one another, and the policy. */
int fe_nic_check(const char *name, json_object *dev, const struct fe_policy *policy,
		 char err[static FE_ERR_MAX])
{
	const char *network = get(dev, "network"), *parent = get(dev, "parent");
	const char *nictype = get(dev, "nictype");
	enum ph_nic_kind kind = kind_of(dev);
	bool host_ifs = !policy->known || policy->allow_host_interfaces;
	bool filtering = is_true(dev, "security.mac_filtering") ||
			 is_true(dev, "security.ipv4_filtering") ||
			 is_true(dev, "security.ipv6_filtering");

	if (network) {
		if (nictype && strcmp(nictype, "bridged") != 0)
			FAIL(EINVAL, "Cannot use \"network\" with nictype \"%s\"", nictype);
		if (parent)
			FAIL(EINVAL, "Cannot use \"parent\" with \"network\"");
	} else if (!nictype) {
		FAIL(EINVAL, "Missing nic type: \"nictype\" or \"network\" is required");
	} else if (kind != PH_NIC_KIND_P2P && !parent) {
		FAIL(EINVAL, "Missing nic parent: nictype \"%s\" requires \"parent\"", nictype);
	} else if (kind == PH_NIC_KIND_P2P && parent) {
		FAIL(EINVAL, "nictype \"p2p\" takes no \"parent\"");
	}
	if (!get(dev, "name") && !name_ifname_valid(name))
		FAIL(EINVAL, "The device name is not an interface name: set \"name\"");
	if (get(dev, "vlan"))
		FAIL(EOPNOTSUPP, "\"vlan\" is not supported by this server yet");
	if (kind != PH_NIC_KIND_BRIDGED &&
	    (filtering || get(dev, "ipv4.address") || get(dev, "ipv6.address")))
		FAIL(EINVAL, "security.*_filtering and ipv4/ipv6.address need a bridged nic");
	if (kind != PH_NIC_KIND_BRIDGED &&
	    (get(dev, "limits.ingress") || get(dev, "limits.egress") || get(dev, "limits.max")))
		FAIL(EOPNOTSUPP, "limits.* is only supported on bridged nics by this server");
	if (kind != PH_NIC_KIND_BRIDGED && kind != PH_NIC_KIND_P2P && get(dev, "host_name"))
		FAIL(EINVAL, "\"host_name\" needs a bridged or p2p nic");
	if (is_true(dev, "security.ipv4_filtering") && !get(dev, "ipv4.address"))
		FAIL(EINVAL, "security.ipv4_filtering requires \"ipv4.address\"");
	if (!host_ifs && (kind == PH_NIC_KIND_PHYSICAL || kind == PH_NIC_KIND_MACVLAN))
		FAIL(EPERM, "nictype \"%s\" is forbidden by the server's policy", nictype);
	return 0;
}

/* ---- against the managed networks (the database) -------------------------------------- */

/* Do a and b share their first prefix bits? */
static bool same_bits(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	return memcmp(a, b, whole) == 0 &&
	       (rest == 0 || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0);
}

/* The network's own address of family (its config's ipv4.address or ipv6.address). */
static bool net_addr(json_object *config, int family, struct fe_value *ret)
{
	static const struct fe_valid cidr4 = { .parse = fe_parse_cidr, .min = 4 };
	static const struct fe_valid cidr6 = { .parse = fe_parse_cidr, .min = 6 };
	json_object *v;

	return json_object_object_get_ex(config,
					 family == AF_INET ? "ipv4.address" : "ipv6.address", &v) &&
	       fe_parse_cidr(family == AF_INET ? &cidr4 : &cidr6, json_object_get_string(v), ret) ==
		       0 &&
	       ret->family == family;
}

/* A static address of the nic (key) inside the network's subnet, not its own address. */
static int addr_fits(const char *name, json_object *dev, const char *key, int family,
		     const char *network, json_object *config, char err[static FE_ERR_MAX])
{
	const char *s = get(dev, key);
	struct fe_value net;
	uint8_t a[16];

	if (!s || inet_pton(family, s, a) != 1)
		return 0;
	if (!net_addr(config, family, &net))
		FAIL(EINVAL, "Cannot use %s: network \"%.16s\" has no %s subnet", key, network,
		     family == AF_INET ? "IPv4" : "IPv6");
	if (!same_bits(a, net.addr, net.prefix) ||
	    memcmp(a, net.addr, family == AF_INET ? 4 : 16) == 0)
		FAIL(EINVAL, "Device IP address \"%.46s\" not within network \"%.16s\" subnet", s,
		     network);
	return 0;
}

int fe_nics_check_networks(json_object *devices, const struct fe_policy *policy,
			   char err[static FE_ERR_MAX])
{
	json_object_object_foreach(devices, name, dev)
	{
		const char *type = get(dev, "type"), *network, *parent;
		struct lxd_network n = { 0 };
		int r;

		if (!json_object_is_type(dev, json_type_object) || !type ||
		    strcmp(type, "nic") != 0)
			continue;
		network = get(dev, "network");
		parent = get(dev, "parent");
		if (!network) {
			/* a bridged nic onto a host bridge, unless it is a managed network's */
			if (policy->known && !policy->allow_host_interfaces &&
			    kind_of(dev) == PH_NIC_KIND_BRIDGED && parent &&
			    fe_network_exists(parent) < 0)
				FAIL(EPERM,
				     "A bridged nic onto host interface \"%.16s\" is forbidden by the "
				     "server's policy (use network=)",
				     parent);
			continue;
		}
		if (fe_network_load(network, &n) < 0 || !n.managed) {
			lxd_free(&lxd_network_type, &n);
			FAIL(ENOENT, "Failed loading network \"%.16s\": Network not found",
			     network);
		}
		r = addr_fits(name, dev, "ipv4.address", AF_INET, network, n.config, err);
		if (r == 0)
			r = addr_fits(name, dev, "ipv6.address", AF_INET6, network, n.config, err);
		lxd_free(&lxd_network_type, &n);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Sync the network of every nic of `of` that is not the same in `other`. */
static void sync_changed(json_object *of, json_object *other)
{
	json_object_object_foreach(of, name, dev)
	{
		const char *type = get(dev, "type"), *net = get(dev, "network");
		json_object *o;
		char err[FE_ERR_MAX];

		if (!type || strcmp(type, "nic") != 0 || !net ||
		    (json_object_object_get_ex(other, name, &o) && json_object_equal(o, dev)))
			continue;
		if (fe_network_sync(net, err) < 0)
			log_warn("network \"%s\": the hot-plugged nic's host line: %s", net, err);
	}
}

void fe_nics_sync_changed(json_object *old_xd, json_object *new_xd)
{
	sync_changed(new_xd, old_xd);
	sync_changed(old_xd, new_xd);
}

void fe_nics_network_addrs(struct ph_start_config *cfg)
{
	for (size_t k = 0; k < cfg->n_nics; k++) {
		struct ph_nic_config *c = &cfg->nics[k];
		struct lxd_network n = { 0 };
		struct fe_value net;
		uint8_t a[16];

		if (!c->network[0] || !c->ipv6_filtering || c->n_ipv6 >= PH_NIC_IPS_MAX ||
		    fe_network_load(c->network, &n) < 0)
			continue;
		/* SLAAC's address in the network's /64: its prefix, the MAC's EUI-64 */
		if (net_addr(n.config, AF_INET6, &net) && net.prefix <= 64 &&
		    inet_pton(AF_INET6, c->ipv6[0], a) == 1) {
			memcpy(a, net.addr, 8);
			inet_ntop(AF_INET6, a, c->ipv6[c->n_ipv6++], sizeof(c->ipv6[0]));
		}
		lxd_free(&lxd_network_type, &n);
	}
}

/* ---- at start ---------------------------------------------------------------- */

static bool volatile_get(json_object *config, const char *dev, const char *what, char *ret,
			 size_t size)
{
	char key[128];
	json_object *v;

	snprintf(key, sizeof(key), "volatile.%s.%s", dev, what);
	if (!json_object_object_get_ex(config, key, &v) ||
	    snprintf(ret, size, "%s", json_object_get_string(v)) >= (int)size)
		return false;
	return true;
}

static void volatile_set(json_object *config, const char *dev, const char *what, const char *s)
{
	char key[128];

	snprintf(key, sizeof(key), "volatile.%s.%s", dev, what);
	json_object_object_add(config, key, json_object_new_string(s));
}

/* fe80::/64 with the EUI-64 of the MAC: the link-local address the kernel gives. */
static void link_local(const uint8_t m[6], char ret[static 46])
{
	uint8_t a[16] = { 0xfe, 0x80 };

	a[8] = m[0] ^ 2;
	a[9] = m[1];
	a[10] = m[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	a[13] = m[3];
	a[14] = m[4];
	a[15] = m[5];
	inet_ntop(AF_INET6, a, ret, 46);
}

static int by_device(const void *a, const void *b)
{
	return strcmp(((const struct ph_nic_config *)a)->device,
		      ((const struct ph_nic_config *)b)->device);
}

/* The stable hwaddr: the device's, else volatile's, else a new 00:16:3e one kept there. */
static void hwaddr_of(json_object *config, const char *name, json_object *dev,
		      struct ph_nic_config *n, bool *changed)
{
	char text[32], rnd[65];

	if (get(dev, "hwaddr") && mac_parse(get(dev, "hwaddr"), n->hwaddr) == 0) {
		n->has_hwaddr = true;
		return;
	}
	if (volatile_get(config, name, "hwaddr", text, sizeof(text)) &&
	    mac_parse(text, n->hwaddr) == 0) {
		n->has_hwaddr = true;
		return;
	}
	fe_random_hex(rnd);
	snprintf(text, sizeof(text), "00:16:3e:%.2s:%.2s:%.2s", rnd, rnd + 2, rnd + 4);
	if (mac_parse(text, n->hwaddr) < 0)
		return;
	n->has_hwaddr = true;
	volatile_set(config, name, "hwaddr", text);
	*changed = true;
}

/* The host end: the device's host_name, else volatile's, else a new veth<8 hex>. */
static void host_name_of(json_object *config, const char *name, json_object *dev,
			 struct ph_nic_config *n, bool *changed)
{
	char rnd[65];
	const char *h = get(dev, "host_name");

	if (h) {
		snprintf(n->host_name, sizeof(n->host_name), "%s", h);
		return;
	}
	if (volatile_get(config, name, "host_name", n->host_name, sizeof(n->host_name)) &&
	    name_ifname_valid(n->host_name))
		return;
	fe_random_hex(rnd);
	snprintf(n->host_name, sizeof(n->host_name), "veth%.8s", rnd);
	volatile_set(config, name, "host_name", n->host_name);
	*changed = true;
}

void fe_nics_create(struct fe_instance *i)
{
	struct ph_start_config scratch;
	json_object *xc = NULL, *xd = NULL;

	if (fe_instance_expand(i, &xc, &xd) == 0)
		(void)fe_nics_start(i->config, xd, &scratch, NULL);
	json_object_put(xc);
	json_object_put(xd);
}

void fe_nics_state_host_names(const char *name, json_object *net)
{
	struct fe_instance i;
	json_object *xc = NULL, *xd = NULL;

	if (!net || fe_instance_load(name, &i) < 0)
		return;
	if (fe_instance_expand(&i, &xc, &xd) == 0) {
		json_object_object_foreach(xd, dev, d)
		{
			const char *type = get(d, "type"), *in = get(d, "name");
			char host[NAME_IFNAME_MAX + 1] = "";
			json_object *n;

			if (!type || strcmp(type, "nic") != 0 ||
			    !json_object_object_get_ex(net, in ? in : dev, &n))
				continue;
			if (get(d, "host_name"))
				snprintf(host, sizeof(host), "%s", get(d, "host_name"));
			else if (!volatile_get(i.config, dev, "host_name", host, sizeof(host)))
				continue;
			json_object_object_add(n, "host_name", json_object_new_string(host));
		}
	}
	json_object_put(xc);
	json_object_put(xd);
	fe_instance_free(&i);
}

void fe_nics_keep_volatile(json_object *to, json_object *from)
{
	json_object_object_foreach(from, k, v)
	{
		size_t n = strlen(k);

		if (strncmp(k, "volatile.", 9) != 0 ||
		    !((n > 7 && strcmp(k + n - 7, ".hwaddr") == 0) ||
		      (n > 10 && strcmp(k + n - 10, ".host_name") == 0)) ||
		    json_object_object_get_ex(to, k, NULL))
			continue;
		json_object_object_add(to, k, json_object_get(v));
	}
}

int fe_nics_start(json_object *config, json_object *expanded, struct ph_start_config *ret,
		  bool *ret_changed)
{
	bool changed = false;
	size_t count = 0;

	json_object_object_foreach(expanded, name, dev)
	{
		const char *type = get(dev, "type"), *s;
		struct ph_nic_config *n;

		if (!type || strcmp(type, "nic") != 0)
			continue;
		if (count >= PH_START_NICS_MAX)
			return -E2BIG;
		n = &ret->nics[count++];
		memset(n, 0, sizeof(*n));
		snprintf(n->device, sizeof(n->device), "%s", name);
		n->type = kind_of(dev);
		s = get(dev, "name");
		snprintf(n->ifname, sizeof(n->ifname), "%s", s ? s : name);
		s = get(dev, "network");
		if (s) {
			snprintf(n->network, sizeof(n->network), "%s", s);
			snprintf(n->parent, sizeof(n->parent), "%s", s);
		} else if ((s = get(dev, "parent"))) {
			snprintf(n->parent, sizeof(n->parent), "%s", s);
		}
		s = get(dev, "mtu");
		n->mtu = s ? (uint32_t)strtoul(s, NULL, 10) : 0;
		hwaddr_of(config, name, dev, n, &changed);
		if (n->type == PH_NIC_KIND_BRIDGED || n->type == PH_NIC_KIND_P2P)
			host_name_of(config, name, dev, n, &changed);
		if (n->type != PH_NIC_KIND_BRIDGED)
			continue;
		/* limits.max is both, unless one is set on its own (LXD) */
		n->ingress =
			rate_of(dev, get(dev, "limits.ingress") ? "limits.ingress" : "limits.max");
		n->egress =
			rate_of(dev, get(dev, "limits.egress") ? "limits.egress" : "limits.max");
		n->mac_filtering = is_true(dev, "security.mac_filtering");
		n->ipv4_filtering = is_true(dev, "security.ipv4_filtering");
		n->ipv6_filtering = is_true(dev, "security.ipv6_filtering");
		if (n->ipv4_filtering && (s = get(dev, "ipv4.address")))
			snprintf(n->ipv4[n->n_ipv4++], sizeof(n->ipv4[0]), "%s", s);
		if (n->ipv6_filtering) {
			link_local(n->hwaddr, n->ipv6[n->n_ipv6++]);
			if ((s = get(dev, "ipv6.address")))
				snprintf(n->ipv6[n->n_ipv6++], sizeof(n->ipv6[0]), "%s", s);
		}
	}
	qsort(ret->nics, count, sizeof(ret->nics[0]), by_device);
	ret->n_nics = count;
	if (ret_changed)
		*ret_changed = changed;
	return 0;
}
