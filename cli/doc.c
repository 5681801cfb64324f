// SPDX-License-Identifier: Apache-2.0
/*
 * moat: JSON and YAML documents as lxc prints them (Go's encoding/json and
 * yaml.v2), and YAML parsing into json-c with libyaml; see format.h. Runs
 * in the client as the invoking user, no privilege. The printed documents
 * come from the server (untrusted) and are only escaped and written out;
 * the parsed YAML comes from the user's own files and stdin, and is
 * bounded: no anchors or aliases (no expansion), nesting at most 64.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cleanup.h"
#include "cli.h"
#include "format.h"

/*
 * lxc prints typed Go structs: map fields come out with sorted keys, and a
 * nil map or slice as {} or [] in YAML. A JSON document does not say which
 * objects were maps, so the keys that are maps in LXD's API say it here.
 */
/*
 * KEY_ANY: a Go interface{} all the way down (lxc monitor re-reads events
 * into one): every map sorted, null as null, every number a float64.
 */
enum key_kind { KEY_STRUCT, KEY_MAP, KEY_MAP_DEEP, KEY_SLICE, KEY_ANY };

/* Does a container of this kind pass its kind on to its children? */
static bool kind_deep(enum key_kind kind)
{
	return kind == KEY_MAP_DEEP || kind == KEY_ANY;
}

static enum key_kind key_kind(const char *key)
{
	static const char *const deep[] = { "config",       "expanded_config",
					    "devices",      "expanded_devices",
					    "properties",   "kernel_features",
					    "lxc_features", "metadata" };
	static const char *const map[] = { "network", "disk", "resources" };
	static const char *const slice[] = { "snapshots", "backups",        "profiles",
					     "aliases",   "api_extensions", "auth_methods",
					     "used_by" };

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

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of o, sorted or in the document's order. NULL-terminated; free() it. */
static const char **object_keys(json_object *o, bool sorted)
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
		qsort(keys, n, sizeof(*keys), key_cmp);
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
static void go_float(double v, char fmt, char *ret, size_t size)
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

/* ---- JSON, as Go's encoder writes it ---------------------------------------------------- */

struct sbuf {
	char *data;
	size_t len, cap;
	bool failed;
};

static void sb_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->failed)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;

		while (cap < b->len + len + 1)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void json_quote(struct sbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	sb_add(b, "\"", 1);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);
		char esc[7] = { '\\', 'u', '0', '0', 0, 0, 0 };

		if (n == 0) {
			sb_str(b, "\\ufffd");
			i++;
			continue;
		}
		if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] & 0xfe) == 0xa8) {
			sb_str(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
		} else if (n > 1) {
			sb_add(b, s + i, n);
		} else if (p[i] == '"' || p[i] == '\\') {
			sb_add(b, "\\", 1);
			sb_add(b, s + i, 1);
		} else if (p[i] == '\n') {
			sb_str(b, "\\n");
		} else if (p[i] == '\r') {
			sb_str(b, "\\r");
		} else if (p[i] == '\t') {
			sb_str(b, "\\t");
		} else if (p[i] < 0x20 || p[i] == '<' || p[i] == '>' || p[i] == '&') {
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 15];
			sb_add(b, esc, 6);
		} else {
			sb_add(b, s + i, 1);
		}
		i += n;
	}
	sb_add(b, "\"", 1);
}

static void json_value(struct sbuf *b, json_object *o, enum key_kind kind)
{
	char num[64];

	switch (json_object_get_type(o)) {
	case json_type_null:
		sb_str(b, "null");
		break;
	case json_type_boolean:
		sb_str(b, json_object_get_boolean(o) ? "true" : "false");
		break;
	case json_type_int:
		snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(o));
		sb_str(b, num);
		break;
	case json_type_double:
		if (kind == KEY_ANY) {
			go_float(json_object_get_double(o), 'j', num, sizeof(num));
			sb_str(b, num);
		} else {
			sb_str(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		}
		break;
	case json_type_string: {
		const char *str = json_object_get_string(o);
		size_t len = (size_t)json_object_get_string_len(o);
		char t[64];
		size_t tl = kind == KEY_ANY ? 0 : go_time(str, len, t, sizeof(t));

		json_quote(b, tl ? t : str, tl ? tl : len);
		break;
	}
	case json_type_array:
		sb_add(b, "[", 1);
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			if (i)
				sb_add(b, ",", 1);
			json_value(b, json_object_array_get_idx(o, i),
				   kind_deep(kind) ? kind : KEY_STRUCT);
		}
		sb_add(b, "]", 1);
		break;
	case json_type_object: {
		__do_free const char **keys = object_keys(o, kind != KEY_STRUCT);

		if (!keys) {
			b->failed = true;
			return;
		}
		sb_add(b, "{", 1);
		for (size_t i = 0; keys[i]; i++) {
			if (i)
				sb_add(b, ",", 1);
			json_quote(b, keys[i], strlen(keys[i]));
			sb_add(b, ":", 1);
			json_value(b, json_object_object_get(o, keys[i]),
				   kind_deep(kind) ? kind : key_kind(keys[i]));
		}
		sb_add(b, "}", 1);
		break;
	}
	}
}

static char *json_string_kind(json_object *o, enum key_kind kind)
{
	struct sbuf b = { 0 };

	json_value(&b, o, kind);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

char *cli_json_string(json_object *o)
{
	return json_string_kind(o, KEY_STRUCT);
}

char *cli_json_string_any(json_object *o)
{
	return json_string_kind(o, KEY_ANY);
}

int cli_json_print(FILE *out, json_object *o)
{
	__do_free char *s = cli_json_string(o);

	if (!s)
		return -ENOMEM;
	fprintf(out, "%s\n", s);
	return 0;
}

/* ---- YAML, as yaml.v2 writes it ---------------------------------------------------------- */

static bool all_digits(const char *s, const char *set)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

/* yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_float(const char *s)
{
	size_t i = 0, d = 0;

	if (s[i] == '-' || s[i] == '+')
		i++;
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (!d)
			return false;
	} else {
		for (; s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (!d)
			return false;
		if (s[i] == '.')
			for (i++; s[i] >= '0' && s[i] <= '9'; i++)
				;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '-' || s[i] == '+')
			i++;
		if (s[i] < '0' || s[i] > '9')
			return false;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return s[i] == '\0';
}

/* strconv.ParseInt(s, 0, 64) syntax (sign, 0x/0o/0b prefixes, leading-0 octal) */
static bool yaml_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return all_digits(s + 2, "0123456789abcdefABCDEF");
	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		return all_digits(s + 2, "01234567");
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return all_digits(s + 2, "01");
	if (s[0] == '0')
		return s[1] == '\0' || all_digits(s + 1, "01234567");
	return all_digits(s, "0123456789");
}

/* [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)? : quoted by yaml.v2 "for compatibility" */
static bool yaml_base60(const char *s)
{
	size_t i = 0, groups = 0;

	if (s[i] == '-' || s[i] == '+')
		i++;
	if (s[i] < '0' || s[i] > '9')
		return false;
	while ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')
		i++;
	while (s[i] == ':') {
		size_t d = 0;

		for (i++; s[i] >= '0' && s[i] <= '9' && d < 2; i++)
			d++;
		if (!d || (d == 2 && s[i - 2] > '5'))
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (s[i] == '.')
		for (i++; (s[i] >= '0' && s[i] <= '9') || s[i] == '_'; i++)
			;
	return s[i] == '\0';
}

/* YYYY-M-D, alone or followed by a time: yaml.v2 reads these as timestamps. */
static int yaml_date(const char *s)
{
	size_t i = 0;

	for (; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	for (int part = 0; part < 2; part++) {
		size_t d = 0;

		if (s[i++] != '-')
			return 0;
		for (; s[i] >= '0' && s[i] <= '9' && d < 2; i++)
			d++;
		if (!d)
			return 0;
	}
	if (s[i] == '\0')
		return 1; /* a date */
	if (s[i] == 'T' || s[i] == 't')
		return 2; /* a date and time: printed from a time.Time, unquoted */
	return s[i] == ' ' ? 1 : 0;
}

bool cli_yaml_plain_ok(const char *s)
{
	static const char *const special[] = {
		"y",     "Y",     "yes",   "Yes",   "YES",   "true",  "True", "TRUE",
		"on",    "On",    "ON",    "n",     "N",     "no",    "No",   "NO",
		"false", "False", "FALSE", "off",   "Off",   "OFF",   "~",    "null",
		"Null",  "NULL",  ".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
	};
	char plain[128];
	size_t o = 0;

	if (!*s)
		return false;
	if (!strchr("+-0123456789yYnNtTfFoO~.", *s))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(special); i++)
		if (strcmp(s, special[i]) == 0)
			return false;
	if (*s == '.')
		return !yaml_float(s);
	if (!strchr("+-0123456789", *s))
		return true;
	switch (yaml_date(s)) {
	case 1:
		return false;
	case 2:
		return true;
	}
	if (yaml_base60(s))
		return false;
	if (strlen(s) >= sizeof(plain))
		return !all_digits(s, "0123456789_");
	for (const char *p = s; *p; p++)
		if (*p != '_')
			plain[o++] = *p;
	plain[o] = '\0';
	if (yaml_int(plain) || yaml_float(plain))
		return false;
	if (strncmp(plain, "0b", 2) == 0 || strncmp(plain, "-0b", 3) == 0)
		return !all_digits(plain + (*plain == '-' ? 3 : 2), "01");
	return true;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : -EIO;
}

/* is_string: 0 a number, bool or null (plain); 1 a string; 2 a string that must be quoted */
static int emit_scalar(yaml_emitter_t *e, const char *s, size_t len, int is_string)
{
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
	yaml_event_t ev;

	if (is_string) {
		if (memchr(s, '\n', len))
			style = YAML_LITERAL_SCALAR_STYLE;
		else if (is_string == 2 || !cli_yaml_plain_ok(s))
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	}
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style))
		return -ENOMEM;
	return emit(e, &ev);
}

static int emit_empty(yaml_emitter_t *e, bool seq)
{
	yaml_event_t ev;
	int r;

	if (seq) {
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_FLOW_SEQUENCE_STYLE))
			return -ENOMEM;
		r = emit(e, &ev);
		if (r == 0 && yaml_sequence_end_event_initialize(&ev))
			r = emit(e, &ev);
		return r;
	}
	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_MAPPING_STYLE))
		return -ENOMEM;
	r = emit(e, &ev);
	if (r == 0 && yaml_mapping_end_event_initialize(&ev))
		r = emit(e, &ev);
	return r;
}

static int emit_node(yaml_emitter_t *e, json_object *o, enum key_kind kind)
{
	yaml_event_t ev;
	char num[64];
	int r = 0;

	switch (json_object_get_type(o)) {
	case json_type_null:
		if (kind == KEY_SLICE)
			return emit_empty(e, true);
		if (kind == KEY_MAP || kind == KEY_MAP_DEEP)
			return emit_empty(e, false);
		return emit_scalar(e, "null", 4, 0);
	case json_type_boolean:
		return json_object_get_boolean(o) ? emit_scalar(e, "true", 4, 0)
						  : emit_scalar(e, "false", 5, 0);
	case json_type_int:
		if (kind == KEY_ANY)
			go_float((double)json_object_get_int64(o), 'g', num, sizeof(num));
		else
			snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(o));
		return emit_scalar(e, num, strlen(num), 0);
	case json_type_double: {
		const char *d = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

		if (kind == KEY_ANY) {
			go_float(json_object_get_double(o), 'g', num, sizeof(num));
			d = num;
		}
		return emit_scalar(e, d, strlen(d), 0);
	}
	case json_type_string: {
		const char *str = json_object_get_string(o);
		size_t len = (size_t)json_object_get_string_len(o);
		char t[64];
		size_t tl;

		if (kind == KEY_ANY) /* a string, not a time.Time: quoted when it reads as a time */
			return emit_scalar(e, str, len, yaml_date(str) == 2 ? 2 : 1);
		tl = go_time(str, len, t, sizeof(t));
		return emit_scalar(e, tl ? t : str, tl ? tl : len, 1);
	}
	case json_type_array:
		if (json_object_array_length(o) == 0)
			return emit_empty(e, true);
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_BLOCK_SEQUENCE_STYLE))
			return -ENOMEM;
		r = emit(e, &ev);
		for (size_t i = 0; r == 0 && i < json_object_array_length(o); i++)
			r = emit_node(e, json_object_array_get_idx(o, i),
				      kind_deep(kind) ? kind : KEY_STRUCT);
		if (r == 0 && yaml_sequence_end_event_initialize(&ev))
			r = emit(e, &ev);
		return r;
	case json_type_object: {
		__do_free const char **keys = NULL;

		if (json_object_object_length(o) == 0)
			return emit_empty(e, false);
		keys = object_keys(o, kind != KEY_STRUCT);
		if (!keys)
			return -ENOMEM;
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 YAML_BLOCK_MAPPING_STYLE))
			return -ENOMEM;
		r = emit(e, &ev);
		for (size_t i = 0; r == 0 && keys[i]; i++) {
			r = emit_scalar(e, keys[i], strlen(keys[i]), 1);
			if (r == 0)
				r = emit_node(e, json_object_object_get(o, keys[i]),
					      kind_deep(kind) ? kind : key_kind(keys[i]));
		}
		if (r == 0 && yaml_mapping_end_event_initialize(&ev))
			r = emit(e, &ev);
		return r;
	}
	}
	return -EINVAL;
}

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	return fwrite(buffer, 1, size, data) == size;
}

static int yaml_print_kind(FILE *out, json_object *o, enum key_kind kind);

int cli_yaml_print(FILE *out, json_object *o)
{
	return yaml_print_kind(out, o, KEY_STRUCT);
}

int cli_yaml_print_any(FILE *out, json_object *o)
{
	return yaml_print_kind(out, o, KEY_ANY);
}

static int yaml_print_kind(FILE *out, json_object *o, enum key_kind kind)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int r;

	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output(&e, write_handler, out);
	yaml_emitter_set_unicode(&e, 1);
	r = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ? emit(&e, &ev) : -ENOMEM;
	if (r == 0)
		r = yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ? emit(&e, &ev)
										   : -ENOMEM;
	if (r == 0)
		r = emit_node(&e, o, kind);
	if (r == 0)
		r = yaml_document_end_event_initialize(&ev, 1) ? emit(&e, &ev) : -ENOMEM;
	if (r == 0)
		r = yaml_stream_end_event_initialize(&ev) ? emit(&e, &ev) : -ENOMEM;
	if (r == 0 && !yaml_emitter_flush(&e))
		r = -EIO;
	yaml_emitter_delete(&e);
	return r;
}

/* ---- YAML in ------------------------------------------------------------------------------- */

#define YAML_DEPTH_MAX 64

/* The mark on a string that was a plain (unquoted) scalar: see cli_yaml_plain(). */
static const char plain_mark;

bool cli_yaml_plain(json_object *o)
{
	return json_object_is_type(o, json_type_string) &&
	       json_object_get_userdata(o) == &plain_mark;
}

struct yparse {
	yaml_parser_t p;
	int depth;
};

static int yerror(struct yparse *y, const char *what)
{
	if (y->p.error != YAML_NO_ERROR)
		return cli_error(-EINVAL, "invalid YAML at line %zu: %s",
				 y->p.problem_mark.line + 1,
				 y->p.problem ? y->p.problem : "syntax error");
	return cli_error(-EINVAL, "invalid YAML: %s", what);
}

static int parse_node(struct yparse *y, yaml_event_t *ev, json_object **ret);

static bool has_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor != NULL;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor != NULL;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor != NULL;
	default:
		return false;
	}
}

/* The children of a sequence or mapping, up to its end event. */
static int parse_children(struct yparse *y, bool mapping, json_object *into)
{
	yaml_event_t ev;
	int r = 0;

	for (;;) {
		__do_free char *key = NULL;
		json_object *child = NULL;

		if (!yaml_parser_parse(&y->p, &ev))
			return yerror(y, "");
		if (ev.type == (mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (mapping) {
			if (ev.type != YAML_SCALAR_EVENT || has_anchor(&ev)) {
				yaml_event_delete(&ev);
				return yerror(y, "a mapping key must be a plain string");
			}
			key = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			yaml_event_delete(&ev);
			if (!key)
				return cli_error(-ENOMEM, "out of memory");
			if (!yaml_parser_parse(&y->p, &ev))
				return yerror(y, "");
		}
		r = parse_node(y, &ev, &child);
		if (r < 0)
			return r;
		if (mapping)
			json_object_object_add(into, key, child);
		else
			json_object_array_add(into, child);
	}
}

/* One node, starting with ev (consumed). */
static int parse_node(struct yparse *y, yaml_event_t *ev, json_object **ret)
{
	json_object *o;
	int r;

	if (has_anchor(ev) || ev->type == YAML_ALIAS_EVENT) {
		yaml_event_delete(ev);
		return yerror(y, "anchors and aliases are not supported");
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *v = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;

		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
		     strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0))
			o = NULL;
		else if (!(o = json_object_new_string_len(v, (int)len))) {
			yaml_event_delete(ev);
			return cli_error(-ENOMEM, "out of memory");
		} else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			json_object_set_userdata(o, (void *)&plain_mark, NULL);
		}
		yaml_event_delete(ev);
		*ret = o;
		return 0;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool mapping = ev->type == YAML_MAPPING_START_EVENT;

		yaml_event_delete(ev);
		if (++y->depth > YAML_DEPTH_MAX)
			return yerror(y, "nested too deeply");
		o = mapping ? json_object_new_object() : json_object_new_array();
		if (!o)
			return cli_error(-ENOMEM, "out of memory");
		r = parse_children(y, mapping, o);
		y->depth--;
		if (r < 0) {
			json_object_put(o);
			return r;
		}
		*ret = o;
		return 0;
	}
	default:
		yaml_event_delete(ev);
		return yerror(y, "unexpected event");
	}
}

int cli_yaml_parse(const char *buf, size_t len, json_object **ret)
{
	struct yparse y = { 0 };
	json_object *doc = NULL;
	yaml_event_t ev;
	bool seen_doc = false;
	int r = 0;

	if (!yaml_parser_initialize(&y.p))
		return cli_error(-ENOMEM, "out of memory");
	yaml_parser_set_input_string(&y.p, (const unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_parse(&y.p, &ev)) {
			r = yerror(&y, "");
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			if (seen_doc) {
				r = yerror(&y, "more than one document");
				break;
			}
			seen_doc = true;
			if (!yaml_parser_parse(&y.p, &ev)) {
				r = yerror(&y, "");
				break;
			}
			r = parse_node(&y, &ev, &doc);
			if (r < 0)
				break;
			continue;
		}
		yaml_event_delete(&ev);
		r = yerror(&y, "unexpected event");
		break;
	}
	yaml_parser_delete(&y.p);
	if (r < 0) {
		if (doc)
			json_object_put(doc);
		return r;
	}
	*ret = doc;
	return 0;
}
