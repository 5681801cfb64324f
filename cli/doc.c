// SPDX-License-Identifier: Apache-2.0
/*
 * moat: what lxc's typed Go structs do to the documents it prints, for
 * the JSON and YAML printers (doc_json.c, doc_yaml.c; see doc.h): which
 * keys of LXD's API hold maps or slices, the order of an object's keys,
 * and times and floats as Go writes them. Runs in the client as the
 * invoking user, no privilege. The values come from the server
 * (untrusted); they are only read, and written into bounded buffers.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "doc.h"
#include "format.h"

/* Does a container of this kind pass its kind on to its children? */
bool cli_doc_kind_deep(enum key_kind kind)
{
	return kind == KEY_MAP_DEEP || kind == KEY_ANY;
}

/*
 * lxc prints typed Go structs: map fields come out with sorted keys, and a
 * nil map or slice as {} or [] in YAML. A JSON document does not say which
 * objects were maps, so the keys that are maps in LXD's API say it here.
 */
enum key_kind cli_doc_key_kind(const char *key)
{
	static const char *const deep[] = { "config",       "expanded_config",
					    "devices",      "expanded_devices",
					    "properties",   "kernel_features",
					    "lxc_features", "metadata" };
	static const char *const map[] = { "network", "disk", "resources" };
	static const char *const slice[] = { "snapshots", "backups",        "profiles",
					     "aliases",   "api_extensions", "auth_methods",
					     "used_by",   "locations" };

	if (!key)
		return KEY_STRUCT;
	for (size_t i = 0; i < ARRAY_SIZE(deep); i++)
		if (strcmp(key, deep[i]) == 0)
			return KEY_MAP_DEEP;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(key, map[i]) == 0)
			return KEY_MAP;
	for (size_t i = 0; i < ARRAY_SIZE(slice); i++)
		if (strcmp(key, slice[i]) == 0)
			return KEY_SLICE;
	return KEY_STRUCT;
}

int cli_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of o, sorted or in the document's order. NULL-terminated; free() it. */
const char **cli_doc_object_keys(json_object *o, bool sorted)
{
	size_t n = (size_t)json_object_object_length(o), i = 0;
	const char **keys = calloc(n + 1, sizeof(*keys));

	if (!keys)
		return NULL;
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	if (sorted && n > 1)
		qsort(keys, n, sizeof(*keys), cli_strcmp_p);
	return keys;
}

/*
 * A time as Go prints a time.Time (RFC3339Nano): the fraction's trailing
 * zeros dropped ("13.557885410Z" -> "13.55788541Z", "13.000Z" -> "13Z").
 * lxc decodes times and prints them again, so this is what it shows; s is
 * changed only when it is a whole RFC 3339 date and time.
 */
static size_t go_time(const char *s, size_t len, char *ret, size_t size)
{
	const char *dot, *end;
	bool zulu, offset;
	size_t keep;

	if (len < 20 || len >= size || s[10] != 'T' || s[4] != '-' || s[13] != ':')
		return 0;
	for (size_t i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return 0;
	if (s[7] != '-' || s[16] != ':' || s[19] != '.')
		return 0;
	dot = s + 19;
	for (end = dot + 1; end < s + len && *end >= '0' && *end <= '9'; end++)
		;
	zulu = end == s + len - 1 && *end == 'Z';
	offset = end == s + len - 6 && (*end == '+' || *end == '-');
	if (end == dot + 1 || (!zulu && !offset))
		return 0;
	keep = (size_t)(end - s);
	while (s[keep - 1] == '0')
		keep--;
	if (s[keep - 1] == '.')
		keep--;
	memcpy(ret, s, keep);
	memcpy(ret + keep, end, (size_t)(s + len - end));
	ret[keep + (size_t)(s + len - end)] = '\0';
	return keep + (size_t)(s + len - end);
}

size_t cli_go_time(const char *s, size_t len, char *ret, size_t size)
{
	return go_time(s, len, ret, size);
}

/*
 * A float64 as Go's strconv.FormatFloat(v, fmt, -1, 64) writes it, fmt
 * 'g' (yaml.v2) or 'j' (encoding/json: 'f', or 'e' outside [1e-6, 1e21)
 * with "e-07" made "e-7"). The shortest digits that read back as v.
 */
void cli_doc_go_float(double v, char fmt, char *ret, size_t size)
{
	char tmp[40], digits[24];
	int exp10 = 0, nd = 0;
	bool neg = v < 0 || (v == 0 && signbit(v));
	bool e_form;

	if (isnan(v)) {
		snprintf(ret, size, fmt == 'g' ? ".nan" : "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(ret, size,
			 fmt == 'g' ? (v > 0 ? ".inf" : "-.inf") : (v > 0 ? "+Inf" : "-Inf"));
		return;
	}
	if (v == 0) {
		snprintf(ret, size, "%s0", neg ? "-" : "");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, fabs(v));
		if (strtod(tmp, NULL) == fabs(v))
			break;
	}
	/* tmp is "d.ddde[+-]xx": the digits, then the exponent */
	for (const char *q = tmp; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[nd++] = *q;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	exp10 = (int)strtol(strchr(tmp, 'e') + 1, NULL, 10);
	if (fmt == 'g')
		e_form = exp10 < -4 || exp10 >= 6;
	else
		e_form = fabs(v) < 1e-6 || fabs(v) >= 1e21;
	if (e_form) {
		snprintf(ret, size, "%s%c%s%se%c%0*d", neg ? "-" : "", digits[0], nd > 1 ? "." : "",
			 digits + 1, exp10 < 0 ? '-' : '+', fmt == 'g' ? 2 : 1,
			 exp10 < 0 ? -exp10 : exp10);
		return;
	}
	/* plain digits: zeros before (0.000ddd), after (ddd000) or a point inside (dd.ddd) */
	{
		char out[64];
		size_t o = 0;

		if (neg)
			out[o++] = '-';
		if (exp10 < 0) {
			out[o++] = '0';
			out[o++] = '.';
			for (int i = 0; i < -exp10 - 1; i++)
				out[o++] = '0';
			for (int i = 0; i < nd; i++)
				out[o++] = digits[i];
		} else {
			for (int i = 0; i < nd || i <= exp10; i++) {
				if (i == exp10 + 1)
					out[o++] = '.';
				out[o++] = i < nd ? digits[i] : '0';
			}
		}
		out[o] = '\0';
		snprintf(ret, size, "%s", out);
	}
}
