// SPDX-License-Identifier: Apache-2.0
/*
 * moat: YAML documents as lxc prints them, the way yaml.v2 writes them
 * (see format.h), through libyaml's emitter: block style, a string quoted
 * when YAML 1.1 would read it as something else (cli_yaml_plain_ok), a
 * nil map or slice as {} or [] (doc.c says which keys are). Runs in the
 * client as the invoking user, no privilege. The documents come from the
 * server (untrusted) and are only escaped and written out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "cleanup.h"
#include "doc.h"
#include "format.h"

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
			cli_doc_go_float((double)json_object_get_int64(o), 'g', num, sizeof(num));
		else
			snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(o));
		return emit_scalar(e, num, strlen(num), 0);
	case json_type_double: {
		const char *d = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

		if (kind == KEY_ANY) {
			cli_doc_go_float(json_object_get_double(o), 'g', num, sizeof(num));
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
		tl = cli_go_time(str, len, t, sizeof(t));
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
				      cli_doc_kind_deep(kind) ? kind : KEY_STRUCT);
		if (r == 0 && yaml_sequence_end_event_initialize(&ev))
			r = emit(e, &ev);
		return r;
	case json_type_object: {
		__do_free const char **keys = NULL;

		if (json_object_object_length(o) == 0)
			return emit_empty(e, false);
		keys = cli_doc_object_keys(o, kind != KEY_STRUCT);
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
					      cli_doc_kind_deep(kind) ? kind
								      : cli_doc_key_kind(keys[i]));
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
