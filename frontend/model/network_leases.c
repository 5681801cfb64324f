// SPDX-License-Identifier: Apache-2.0
/*
 * A managed network's DHCP leases (networks.h), as LXD 5.0.2's bridge
 * Leases(): the gateway's own addresses, the instances' static ones
 * (their nics' ipv4.address and ipv6.address), then the dynamic ones of
 * $MOAT_DIR/networks/<name>/dnsmasq.leases. Runs in moatd-api
 * (unprivileged). The leases file is written by dnsmasq, but its
 * hostnames (and client ids) come from the containers: every field is
 * checked (a MAC of hex pairs, an address inet_pton() reads, a hostname of
 * letters, digits, '-', '_' and '.'); a line that fails is skipped, never
 * repaired. fe_leases_parse() is pure (fuzz/fuzz_leases.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "model/config_net.h"
#include "model/instances.h"
#include "model/networks.h"

#define LEASES_MAX 4096
#define LEASES_FILE_MAX (1u << 20)

/* Up to 5 whitespace-separated fields of line (len bytes); the count. */
static size_t fields(const char *line, size_t len, const char *f[5], size_t flen[5])
{
	size_t n = 0, k = 0;

	while (k < len && n < 5) {
		while (k < len && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k >= len)
			break;
		f[n] = line + k;
		while (k < len && line[k] != ' ' && line[k] != '\t')
			k++;
		flen[n] = (size_t)(line + k - f[n]);
		n++;
	}
	return n;
}

static bool hostname_ok(const char *s, size_t n)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

	if (n == 0 || n >= sizeof(((struct fe_lease *)0)->hostname))
		return false;
	for (size_t k = 0; k < n; k++)
		if (!memchr(ok, s[k], sizeof(ok) - 1))
			return false;
	return true;
}

/* A MAC of 6 hex pairs with ':' (what dnsmasq writes for Ethernet), lowercased. */
static bool mac_ok(const char *s, size_t n, char ret[static 18])
{
	struct fe_value v;
	char buf[18];

	if (n != 17)
		return false;
	memcpy(buf, s, 17);
	buf[17] = '\0';
	if (fe_parse_mac(NULL, buf, &v) < 0)
		return false;
	snprintf(ret, 18, "%02x:%02x:%02x:%02x:%02x:%02x", v.addr[0], v.addr[1], v.addr[2],
		 v.addr[3], v.addr[4], v.addr[5]);
	return true;
}

/* One line "expiry mac-or-iaid address hostname client-id": 0 and ret, or -EINVAL. */
static int lease_line(const char *line, size_t len, struct fe_lease *ret)
{
	const char *f[5];
	size_t fl[5];
	struct fe_lease l = { .hwaddr = "" };
	char addr[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	bool v6;

	if (fields(line, len, f, fl) < 5 || fl[2] >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, f[2], fl[2]);
	addr[fl[2]] = '\0';
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1 ||
	    !inet_ntop(v6 ? AF_INET6 : AF_INET, bin, l.address, sizeof(l.address)))
		return -EINVAL;
	/* DHCPv6 leases carry an IAID, not a MAC: LXD leaves the field empty */
	if (!v6 && !mac_ok(f[1], fl[1], l.hwaddr))
		return -EINVAL;
	if (!(fl[3] == 1 && f[3][0] == '*')) {
		if (!hostname_ok(f[3], fl[3]))
			return -EINVAL;
		memcpy(l.hostname, f[3], fl[3]);
		l.hostname[fl[3]] = '\0';
	}
	*ret = l;
	return 0;
}

int fe_leases_parse(const char *buf, size_t len, void (*fn)(const struct fe_lease *l, void *data),
		    void *data)
{
	size_t n = 0;

	for (size_t at = 0; at < len && n < LEASES_MAX;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (buf + at)) : len - at;
		struct fe_lease lease;

		if (lease_line(buf + at, l, &lease) == 0) {
			fn(&lease, data);
			n++;
		}
		at += l + 1;
	}
	return (int)n;
}

/* ---- the endpoint's list --------------------------------------------------------------------- */

static json_object *lease_json(const char *host, const char *hw, const char *addr, const char *type)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "hostname", json_object_new_string(host));
	json_object_object_add(o, "hwaddr", json_object_new_string(hw));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "location", json_object_new_string("none"));
	return o;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

/* Is there a lease of that MAC and address in list already? */
static bool listed(json_object *list, const char *hw, const char *addr)
{
	for (size_t k = 0; k < json_object_array_length(list); k++) {
		json_object *o = json_object_array_get_idx(list, k);

		if (strcmp(jstr(o, "hwaddr"), hw) == 0 && strcmp(jstr(o, "address"), addr) == 0)
			return true;
	}
	return false;
}

static void add_dynamic(const struct fe_lease *l, void *data)
{
	json_object *list = data;

	if (!listed(list, l->hwaddr, l->address))
		json_object_array_add(list,
				      lease_json(l->hostname, l->hwaddr, l->address, "dynamic"));
}

/* The instances' static leases: nics on the network with ipv4.address or ipv6.address. */
static void add_static(const char *name, json_object *list)
{
	struct fe_instance *all = NULL;
	json_object *profiles;
	size_t n = 0;

	if (fe_instance_load_all(&all, &n) < 0)
		return;
	profiles = fe_profiles_load(NULL);
	for (size_t k = 0; k < n; k++) {
		json_object *xc = NULL, *xd = NULL;

		if (fe_instance_expand_with(&all[k], profiles, &xc, &xd) == 0) {
			json_object_object_foreach(xd, dev, d)
			{
				static const char *const keys[] = { "ipv4.address",
								    "ipv6.address" };
				char vkey[128];
				const char *hw;

				if (!json_object_is_type(d, json_type_object) ||
				    strcmp(jstr(d, "type"), "nic") ||
				    strcmp(jstr(d, "network"), name))
					continue;
				snprintf(vkey, sizeof(vkey), "volatile.%s.hwaddr", dev);
				hw = *jstr(d, "hwaddr") ? jstr(d, "hwaddr")
							: jstr(all[k].config, vkey);
				for (size_t a = 0; a < 2; a++)
					if (*jstr(d, keys[a]))
						json_object_array_add(list,
								      lease_json(all[k].name, hw,
										 jstr(d, keys[a]),
										 "static"));
			}
		}
		json_object_put(xc);
		json_object_put(xd);
	}
	json_object_put(profiles);
	fe_instances_free(all, n);
}

int fe_network_leases(const char *name, json_object **ret)
{
	struct lxd_network n = { 0 };
	json_object *list;
	char path[4096], gw[64];
	__do_free char *buf = NULL;
	int fd, r = fe_network_load(name, &n);
	ssize_t got;
	size_t len = 0;

	if (r < 0 || !n.managed) {
		lxd_free(&lxd_network_type, &n);
		return -ENOENT;
	}
	list = json_object_new_array();
	/* the bridge's own addresses, as LXD's "<name>.gw" */
	snprintf(gw, sizeof(gw), "%s.gw", name);
	for (int k = 0; k < 2; k++) {
		const char *a = jstr(n.config, k ? "ipv6.address" : "ipv4.address");
		char ip[INET6_ADDRSTRLEN];
		size_t l = strcspn(a, "/");

		if (!a[l] || l >= sizeof(ip))
			continue;
		memcpy(ip, a, l);
		ip[l] = '\0';
		json_object_array_add(list, lease_json(gw, "", ip, "gateway"));
	}
	lxd_free(&lxd_network_type, &n);
	add_static(name, list);
	snprintf(path, sizeof(path), "%s/networks/%s/dnsmasq.leases", fe_srv.dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	buf = fd >= 0 ? malloc(LEASES_FILE_MAX) : NULL;
	while (buf && len < LEASES_FILE_MAX &&
	       (got = read(fd, buf + len, LEASES_FILE_MAX - len)) > 0)
		len += (size_t)got;
	if (fd >= 0)
		close(fd);
	if (buf)
		fe_leases_parse(buf, len, add_dynamic, list);
	*ret = list;
	return 0;
}
