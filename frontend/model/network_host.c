// SPDX-License-Identifier: Apache-2.0
/*
 * The host's network interfaces as LXD 5.0.2 shows them (networks.h):
 * the unmanaged ones in /1.0/networks, and every interface's
 * api.NetworkState (addresses, counters, MAC, MTU, state, type, bridge
 * members). Runs in moatd-api (unprivileged, no socket(): no netlink),
 * so it reads files: /sys/class/net/<name>/..., /proc/net/if_inet6 (IPv6
 * addresses), /proc/net/fib_trie and /proc/net/route (IPv4 addresses and
 * their prefixes). The name is checked (an interface name, no '/') before
 * it reaches a path; the files are the kernel's, read with bounds.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/networks.h"

/* Does path exist? (stat, not access: the frontend's seccomp filter has no access()) */
static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A name that can be a path segment under /sys/class/net. */
static bool ifname_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= FE_NETWORK_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

/* /sys/class/net/<name>/<file>'s first line, without its newline: 0 or -errno. */
static int sys_read(const char *name, const char *file, char *buf, size_t size)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static uint64_t sys_uint(const char *name, const char *file)
{
	char buf[64];

	if (sys_read(name, file, buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 0);
}

static bool sys_has(const char *name, const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, file);
	return exists(path);
}

bool fe_host_interface_exists(const char *name)
{
	return ifname_ok(name) && sys_has(name, "");
}

struct iface {
	char *name;
	uint64_t index;
};

/* The kernel's order (ifindex), as LXD's net.Interfaces() lists them. */
static int by_index(const void *a, const void *b)
{
	const struct iface *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index ? 1 : strcmp(x->name, y->name);
}

json_object *fe_host_interfaces(void)
{
	json_object *list = json_object_new_array();
	DIR *d = opendir("/sys/class/net");
	struct iface ifs[512];
	size_t n = 0;
	struct dirent *e;

	while (d && (e = readdir(d)) && n < sizeof(ifs) / sizeof(ifs[0])) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "veth", 4) == 0 ||
		    !ifname_ok(e->d_name))
			continue;
		ifs[n].name = strdup(e->d_name);
		if (!ifs[n].name)
			continue;
		ifs[n].index = sys_uint(ifs[n].name, "ifindex");
		n++;
	}
	if (d)
		closedir(d);
	qsort(ifs, n, sizeof(ifs[0]), by_index);
	for (size_t k = 0; k < n; k++) {
		json_object_array_add(list, json_object_new_string(ifs[k].name));
		free(ifs[k].name);
	}
	return list;
}

#define IFF_UP_ 0x1
#define IFF_BROADCAST_ 0x2
#define IFF_LOOPBACK_ 0x8
#define IFF_POINTOPOINT_ 0x10

const char *fe_host_interface_type(const char *name)
{
	char path[64];

	if (!fe_host_interface_exists(name))
		return "unknown";
	if (sys_uint(name, "flags") & IFF_LOOPBACK_)
		return "loopback";
	if (sys_has(name, "bridge"))
		return "bridge";
	snprintf(path, sizeof(path), "/proc/net/vlan/%s", name);
	if (exists(path))
		return "vlan";
	if (sys_has(name, "device"))
		return "physical";
	if (sys_has(name, "bonding"))
		return "bond";
	return "unknown";
}

/* ---- addresses -------------------------------------------------------------------------------- */

static void add_address(json_object *list, const char *family, const char *addr, unsigned prefix)
{
	json_object *a = json_object_new_object();
	const char *scope = "global";
	char mask[8];

	if (strncmp(addr, "127", 3) == 0 || strcmp(addr, "::1") == 0)
		scope = "local";
	else if (strncmp(addr, "169.254", 7) == 0 || strncmp(addr, "fe80:", 5) == 0)
		scope = "link";
	snprintf(mask, sizeof(mask), "%u", prefix);
	json_object_object_add(a, "family", json_object_new_string(family));
	json_object_object_add(a, "address", json_object_new_string(addr));
	json_object_object_add(a, "netmask", json_object_new_string(mask));
	json_object_object_add(a, "scope", json_object_new_string(scope));
	json_object_array_add(list, a);
}

/* The interface of the longest route of /proc/net/route that holds addr (network order). */
static bool route_of(uint32_t addr, const char *name, unsigned *ret_prefix)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[512];
	int best = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char iface[32];
		unsigned dest, gw, flags, mask;

		if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", iface, &dest, &gw, &flags,
			   &mask) != 5 ||
		    strcmp(iface, name) != 0 || mask == 0 || (addr & mask) != dest)
			continue;
		if (__builtin_popcount(mask) > best)
			best = __builtin_popcount(mask);
	}
	if (f)
		fclose(f);
	if (best < 0)
		return false;
	*ret_prefix = (unsigned)best;
	return true;
}

/* IPv4: the LOCAL host entries of fib_trie's local table, on a route of the interface. */
static void ipv4_addresses(const char *name, json_object *list)
{
	FILE *f = fopen("/proc/net/fib_trie", "re");
	char line[256], last[INET_ADDRSTRLEN] = "", seen[32][INET_ADDRSTRLEN];
	size_t nseen = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " |+-");
		struct in_addr a;
		unsigned prefix;
		bool dup = false;

		if (strstr(line, "|-- ")) {
			p[strcspn(p, " \n")] = '\0';
			snprintf(last, sizeof(last), "%s", p);
			continue;
		}
		if (!strstr(line, "/32 host LOCAL") || !last[0] ||
		    inet_pton(AF_INET, last, &a) != 1)
			continue;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = strcmp(seen[k], last) == 0;
		if (dup || nseen >= sizeof(seen) / sizeof(seen[0]) ||
		    !route_of(a.s_addr, name, &prefix))
			continue;
		snprintf(seen[nseen++], INET_ADDRSTRLEN, "%s", last);
		add_address(list, "inet", last, prefix);
	}
	if (f)
		fclose(f);
}

/* IPv6: /proc/net/if_inet6 lines "addr32hex ifindex prefix scope flags name". */
static void ipv6_addresses(const char *name, json_object *list)
{
	FILE *f = fopen("/proc/net/if_inet6", "re");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		char hex[33], dev[32], text[INET6_ADDRSTRLEN];
		unsigned idx, prefix, scope, flags;
		struct in6_addr a;

		if (sscanf(line, "%32s %x %x %x %x %31s", hex, &idx, &prefix, &scope, &flags,
			   dev) != 6 ||
		    strcmp(dev, name) != 0 || strlen(hex) != 32)
			continue;
		for (int k = 0; k < 16; k++) {
			int hi = fe_unhex(hex[2 * k]), lo = fe_unhex(hex[2 * k + 1]);

			if (hi < 0 || lo < 0)
				goto next;
			a.s6_addr[k] = (uint8_t)(hi << 4 | lo);
		}
		if (inet_ntop(AF_INET6, &a, text, sizeof(text)))
			add_address(list, "inet6", text, prefix);
next:;
	}
	if (f)
		fclose(f);
}

/* ---- the state -------------------------------------------------------------------------------- */

static json_object *counters(const char *name)
{
	static const char *const keys[][2] = {
		{ "bytes_received", "statistics/rx_bytes" },
		{ "bytes_sent", "statistics/tx_bytes" },
		{ "packets_received", "statistics/rx_packets" },
		{ "packets_sent", "statistics/tx_packets" },
	};
	json_object *c = json_object_new_object();

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		json_object_object_add(c, keys[k][0],
				       json_object_new_int64((int64_t)sys_uint(name, keys[k][1])));
	return c;
}

static json_object *bridge_state(const char *name)
{
	json_object *b = json_object_new_object(), *upper = json_object_new_array();
	char path[256], id[64] = "";
	DIR *d;
	struct dirent *e;

	sys_read(name, "bridge/bridge_id", id, sizeof(id));
	json_object_object_add(b, "id", json_object_new_string(id));
	json_object_object_add(b, "stp",
			       json_object_new_boolean(sys_uint(name, "bridge/stp_state") == 1));
	json_object_object_add(
		b, "forward_delay",
		json_object_new_int64((int64_t)sys_uint(name, "bridge/forward_delay")));
	json_object_object_add(
		b, "vlan_default",
		json_object_new_int64((int64_t)sys_uint(name, "bridge/default_pvid")));
	json_object_object_add(
		b, "vlan_filtering",
		json_object_new_boolean(sys_uint(name, "bridge/vlan_filtering") == 1));
	snprintf(path, sizeof(path), "/sys/class/net/%s/brif", name);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			json_object_array_add(upper, json_object_new_string(e->d_name));
	if (d)
		closedir(d);
	json_object_object_add(b, "upper_devices", upper);
	return b;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(json_object *const *)a),
		      json_object_get_string(*(json_object *const *)b));
}

int fe_host_interface_state(const char *name, json_object **ret)
{
	json_object *s, *addrs;
	char mac[64] = "";
	uint64_t flags;
	const char *type = "unknown";
	json_object *upper;

	if (!fe_host_interface_exists(name))
		return -ENOENT;
	flags = sys_uint(name, "flags");
	if (flags & IFF_BROADCAST_)
		type = "broadcast";
	if (flags & IFF_POINTOPOINT_)
		type = "point-to-point";
	if (flags & IFF_LOOPBACK_)
		type = "loopback";
	sys_read(name, "address", mac, sizeof(mac));
	if (strcmp(mac, "00:00:00:00:00:00") == 0)
		mac[0] = '\0';
	s = json_object_new_object();
	addrs = json_object_new_array();
	ipv4_addresses(name, addrs);
	ipv6_addresses(name, addrs);
	json_object_object_add(s, "addresses", addrs);
	json_object_object_add(s, "counters", counters(name));
	json_object_object_add(s, "hwaddr", json_object_new_string(mac));
	json_object_object_add(s, "mtu", json_object_new_int((int)sys_uint(name, "mtu")));
	json_object_object_add(s, "state", json_object_new_string(flags & IFF_UP_ ? "up" : "down"));
	json_object_object_add(s, "type", json_object_new_string(type));
	json_object_object_add(s, "bond", NULL);
	json_object_object_add(s, "bridge", sys_has(name, "bridge") ? bridge_state(name) : NULL);
	json_object_object_add(s, "vlan", NULL);
	json_object_object_add(s, "ovn", NULL);
	if (json_object_object_get_ex(s, "bridge", &upper) && upper &&
	    json_object_object_get_ex(upper, "upper_devices", &upper))
		json_object_array_sort(upper, str_cmp);
	*ret = s;
	return 0;
}
