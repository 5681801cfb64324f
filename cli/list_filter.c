// SPDX-License-Identifier: Apache-2.0
/*
 * moat: lxc's client-side filters, for `moat list` (cli_list_match) and
 * for any map of config keys (cli_map_match, `image list` too):
 * shorthands (type, status, architecture, location, ipv4/ipv6 by address
 * or CIDR), config keys by abbreviated dotted prefix with values by regex,
 * names by regex or prefix. Runs in the client as the invoking user, no
 * privilege. The instance objects come from the server (untrusted) and
 * are only read through the typed accessors; the filters' regexes are the
 * user's own.
 */
#include <arpa/inet.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "verbs.h"

/* ---- filters ----------------------------------------------------------------------------------- */

/* lxc's dotPrefixMatch: as many dotted parts, each a prefix of the full key's. */
static bool dot_prefix_match(const char *shrt, const char *full)
{
	while (*shrt || *full) {
		size_t ls = strcspn(shrt, "."), lf = strcspn(full, ".");

		if (ls > lf || strncmp(shrt, full, ls) != 0)
			return false;
		shrt += ls;
		full += lf;
		if ((*shrt == '.') != (*full == '.'))
			return false;
		if (*shrt) {
			shrt++;
			full++;
		}
	}
	return true;
}

/* Match s against pattern, anchored unless the pattern has ^ or $. -1: not a regex. */
static int regex_match(const char *pattern, const char *s)
{
	__do_free char *anchored = NULL;
	regex_t re;
	int r;

	if (strpbrk(pattern, "^$"))
		anchored = strdup(pattern);
	else if (asprintf(&anchored, "^%s$", pattern) < 0)
		anchored = NULL;
	if (!anchored || regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	r = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return r;
}

/* ipv4=/ipv6= : an address equal to the query, or inside it as a CIDR. */
static bool match_net(json_object *inst, const char *query, bool v6)
{
	json_object *net = cli_jmap(cli_jget(inst, "state", json_type_object), "network");
	unsigned char want[16], have[16];
	char addr[64];
	const char *slash = strchr(query, '/');
	long bits = -1;
	int af = v6 ? AF_INET6 : AF_INET;
	size_t alen = v6 ? 16 : 4;

	if (slash && (size_t)(slash - query) < sizeof(addr)) {
		char *end;

		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - query), query);
		bits = strtol(slash + 1, &end, 10);
		if (*end || bits < 0 || bits > (long)alen * 8 || inet_pton(af, addr, want) != 1)
			bits = -1;
	}
	json_object_object_foreach(net, nic, v)
	{
		json_object *addrs = cli_jget(v, "addresses", json_type_array);

		(void)nic;
		for (size_t i = 0; addrs && i < json_object_array_length(addrs); i++) {
			json_object *a = json_object_array_get_idx(addrs, i);
			const char *have_s = cli_jstr(a, "address");
			long b = bits;
			size_t k = 0;

			if (strcmp(cli_jstr(a, "family"), v6 ? "inet6" : "inet") != 0)
				continue;
			if (strcmp(have_s, query) == 0)
				return true;
			if (bits < 0 || inet_pton(af, have_s, have) != 1)
				continue;
			for (; b >= 8; b -= 8, k++)
				if (have[k] != want[k])
					break;
			if (b >= 8)
				continue;
			if (b == 0 || ((have[k] ^ want[k]) & (0xff << (8 - b)) & 0xff) == 0)
				return true;
		}
	}
	return false;
}

static bool shorthand_one(json_object *inst, const char *key, const char *value)
{
	if (strcmp(key, "type") == 0)
		return strcasecmp(cli_jstr(inst, "type"), value) == 0;
	if (strcmp(key, "status") == 0)
		return strcasecmp(cli_jstr(inst, "status"), value) == 0;
	if (strcmp(key, "architecture") == 0)
		return strcasecmp(cli_jstr(inst, "architecture"), value) == 0;
	if (strcmp(key, "location") == 0)
		return strcasecmp(cli_jstr(inst, "location"), value) == 0;
	if (strcmp(key, "ipv4") == 0 || strcmp(key, "ipv6") == 0)
		return match_net(inst, value, key[3] == '6');
	return false;
}

/* A shorthand filter (type, status, ...), with ','-separated alternatives. */
static bool shorthand(json_object *inst, const char *key, const char *value)
{
	char lkey[32];
	__do_free char *copy = strdup(value);
	char *save = NULL;

	if (strlen(key) >= sizeof(lkey) || !copy)
		return false;
	for (size_t i = 0; i <= strlen(key); i++)
		lkey[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
	if (!strchr(value, ','))
		return shorthand_one(inst, lkey, value);
	for (char *v = strtok_r(copy, ",", &save); v; v = strtok_r(NULL, ",", &save))
		if (shorthand_one(inst, lkey, v))
			return true;
	return false;
}

int cli_map_match(json_object *map, const char *key, const char *value)
{
	if (!json_object_is_type(map, json_type_object))
		return 0;
	json_object_object_foreach(map, mkey, mval)
	{
		const char *v = json_object_is_type(mval, json_type_string)
					? json_object_get_string(mval)
					: "";
		int m;

		if (!dot_prefix_match(key, mkey))
			continue;
		m = regex_match(value, v);
		if (m < 0)
			return strcmp(value, v) == 0 ? 1 : -1;
		if (m)
			return 1;
	}
	return 0;
}

static bool match_pair(json_object *inst, const char *filter)
{
	const char *eq = strchr(filter, '='), *value = eq + 1;
	json_object *cfg = cli_jmap(inst, "expanded_config");
	__do_free char *key = strndup(filter, (size_t)(eq - filter));
	int found;

	if (!key)
		return false;
	if (shorthand(inst, key, value))
		return true;
	found = cli_map_match(cfg, key, value);
	if (found < 0)
		return false;
	if (strcmp(cli_jstr(cfg, key), value) == 0)
		return true;
	return found == 1;
}

bool cli_list_match(json_object *inst, const char *const *filters, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = cli_jstr(inst, "name");

		if (strchr(filters[i], '=')) {
			if (!match_pair(inst, filters[i]))
				return false;
		} else if (regex_match(filters[i], name) != 1 &&
			   strncmp(name, filters[i], strlen(filters[i])) != 0) {
			return false;
		}
	}
	return true;
}
