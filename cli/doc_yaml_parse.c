// SPDX-License-Identifier: Apache-2.0
/*
 * moat: YAML parsing into json-c with libyaml (see format.h), for the
 * remotes file, `init < yaml` and `config edit`. Runs in the client as
 * the invoking user, no privilege. The YAML comes from the user's own
 * files and stdin, and is bounded all the same: one document, no anchors
 * or aliases (no expansion), nesting at most 64.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cleanup.h"
#include "cli.h"
#include "format.h"

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
