// SPDX-License-Identifier: Apache-2.0
/*
 * moat: JSON documents as lxc prints them, the way Go's encoding/json
 * writes them (see format.h): compact, HTML-escaped, invalid UTF-8 as
 * U+FFFD, map keys sorted (doc.c says which objects are maps). Runs in the
 * client as the invoking user, no privilege. The documents come from the
 * server (untrusted) and are only escaped and written out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "doc.h"
#include "format.h"

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
			cli_doc_go_float(json_object_get_double(o), 'j', num, sizeof(num));
			sb_str(b, num);
		} else {
			sb_str(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		}
		break;
	case json_type_string: {
		const char *str = json_object_get_string(o);
		size_t len = (size_t)json_object_get_string_len(o);
		char t[64];
		size_t tl = kind == KEY_ANY ? 0 : cli_go_time(str, len, t, sizeof(t));

		json_quote(b, tl ? t : str, tl ? tl : len);
		break;
	}
	case json_type_array:
		sb_add(b, "[", 1);
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			if (i)
				sb_add(b, ",", 1);
			json_value(b, json_object_array_get_idx(o, i),
				   cli_doc_kind_deep(kind) ? kind : KEY_STRUCT);
		}
		sb_add(b, "]", 1);
		break;
	case json_type_object: {
		__do_free const char **keys = cli_doc_object_keys(o, kind != KEY_STRUCT);

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
				   cli_doc_kind_deep(kind) ? kind : cli_doc_key_kind(keys[i]));
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
