// SPDX-License-Identifier: Apache-2.0
/*
 * Request bodies as JSON, for moatd-api (unprivileged). Bodies are
 * untrusted: parsing is strict, nesting is capped, and every typed getter
 * says which key had the wrong type, in LXD's style, so handlers can turn
 * a failure straight into a 400.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/http.h"
#include "lxd/object.h"

#define FE_JSON_DEPTH 32

/*
 * Does valid JSON text hold the escape \u0000? json-c keeps object keys as
 * C strings, so {"user.a\u0000x": ...} would arrive as "user.a", and every
 * value ends up in a C string too: a NUL would silently cut either. In
 * valid JSON a backslash occurs only inside a string and always starts an
 * escape, so one pass that steps over each escape's second byte is exact
 * ("\\u0000" is a backslash, then "u0000").
 */
static bool has_nul_escape(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && n - i >= 6 && memcmp(s + i + 2, "0000", 4) == 0)
			return true;
		i++; /* the escaped byte: a second backslash starts nothing */
	}
	return false;
}

int fe_json_body(const struct fe_req *req, struct fe_resp *resp, json_object **ret)
{
	struct json_tokener *tok;
	json_object *o;

	if (req->body_len == 0) {
		fe_error(resp, 400, "No request body");
		return -EINVAL;
	}
	if (memchr(req->body, '\0', req->body_len)) {
		fe_error(resp, 400, "Invalid JSON: NUL byte in the request body");
		return -EINVAL;
	}
	tok = json_tokener_new_ex(FE_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) < req->body_len) {
		/* Go clients end bodies with a newline: allow trailing white space */
		size_t end = json_tokener_get_parse_end(tok);
		bool only_space = o != NULL;

		for (size_t i = end; only_space && i < req->body_len; i++)
			only_space = strchr(" \t\r\n", req->body[i]) != NULL;
		if (!only_space) {
			enum json_tokener_error e = json_tokener_get_error(tok);

			/* json-c calls a cut-off body "continue" */
			fe_error(resp, 400, "Invalid JSON: %s",
				 o                            ? "trailing data"
				 : e == json_tokener_continue ? "unexpected end of JSON input"
							      : json_tokener_error_desc(e));
			json_object_put(o);
			json_tokener_free(tok);
			return -EINVAL;
		}
	}
	json_tokener_free(tok);
	if (has_nul_escape(req->body, req->body_len)) {
		json_object_put(o);
		fe_error(resp, 400, "Invalid JSON: NUL (\\u0000) in a string");
		return -EINVAL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		fe_error(resp, 400, "Invalid JSON: the body must be an object");
		return -EINVAL;
	}
	*ret = o;
	return 0;
}

/*
 * The typed getters: a missing or null key gives the default; a value of
 * the wrong type is the 400 that lxd_check_value() words, the same for
 * every body and every object (lxd/object.c). A string holding a \u0000
 * is refused too: as a C string it would be cut there, and a name
 * "a\u0000b" made instance "a" (found by tests/integration/90-hostile.sh).
 */
static int get(json_object *o, const char *key, enum lxd_kind kind, struct fe_resp *resp,
	       json_object **ret)
{
	char err[LXD_ERR_MAX];
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		*ret = NULL;
		return 0;
	}
	if (lxd_check_value(kind, key, v, err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

int fe_json_string(json_object *o, const char *key, const char *def, struct fe_resp *resp,
		   const char **ret)
{
	json_object *v;
	int r = get(o, key, LXD_STRING, resp, &v);

	if (r == 0)
		*ret = v ? json_object_get_string(v) : def;
	return r;
}

int fe_json_bool(json_object *o, const char *key, bool def, struct fe_resp *resp, bool *ret)
{
	json_object *v;
	int r = get(o, key, LXD_BOOL, resp, &v);

	if (r == 0)
		*ret = v ? json_object_get_boolean(v) : def;
	return r;
}

int fe_json_int(json_object *o, const char *key, int64_t def, struct fe_resp *resp, int64_t *ret)
{
	json_object *v;
	int r = get(o, key, LXD_INT, resp, &v);

	if (r == 0)
		*ret = v ? json_object_get_int64(v) : def;
	return r;
}

int fe_json_object(json_object *o, const char *key, struct fe_resp *resp, json_object **ret)
{
	return get(o, key, LXD_OBJECT, resp, ret);
}

int fe_json_string_map(json_object *o, const char *key, struct fe_resp *resp, json_object **ret)
{
	return get(o, key, LXD_STRING_MAP, resp, ret);
}

/* A JSON array of strings, or null (ret NULL). */
int fe_json_strings(json_object *o, const char *key, struct fe_resp *resp, json_object **ret)
{
	return get(o, key, LXD_STRING_LIST, resp, ret);
}

json_object *fe_json_copy(json_object *o)
{
	json_object *c = NULL;

	if (o && json_object_deep_copy(o, &c, NULL) < 0)
		return NULL;
	return c;
}
