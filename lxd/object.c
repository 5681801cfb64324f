// SPDX-License-Identifier: Apache-2.0
/*
 * The functions every LXD object shares, driven by its field table
 * (object.h): render, ETag, body checks, PUT and PATCH, and the client's
 * zero-value view. Linked into moatd-api (unprivileged) and moat (the
 * invoking user), never moatd. Bodies and server replies are untrusted;
 * the tables are trusted. Pure: no I/O, no global state.
 */
#include "object.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GO_ZERO_TIME "0001-01-01T00:00:00Z"

const struct lxd_field *lxd_field(const struct lxd_object_type *t, const char *name)
{
	for (const struct lxd_field *f = t->fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static void *member(void *obj, const struct lxd_field *f)
{
	return (char *)obj + f->offset;
}

static const void *cmember(const void *obj, const struct lxd_field *f)
{
	return (const char *)obj + f->offset;
}

/* The empty value of a kind, as the server shows it (maps {}: lxc writes into them). */
static json_object *empty_of(enum lxd_kind k)
{
	if (k == LXD_STRING_MAP || k == LXD_DEVICE_MAP)
		return json_object_new_object();
	if (k == LXD_STRING_LIST || k == LXD_OBJECT_LIST)
		return json_object_new_array();
	return NULL;
}

static json_object *copy(json_object *o)
{
	json_object *c = NULL;

	if (!o || json_object_deep_copy(o, &c, NULL) < 0)
		return NULL;
	return c;
}

/* The field's constant or default, parsed (NULL for "null" or none). */
static json_object *parse_def(const struct lxd_field *f)
{
	return f->def ? json_tokener_parse(f->def) : NULL;
}

/* ---- rendering ------------------------------------------------------------------------------ */

/* The field's value as JSON: a new reference (NULL is JSON null). */
static json_object *value_of(const struct lxd_field *f, const void *obj, const void *view)
{
	const void *p = cmember(obj, f);

	if (f->get)
		return f->get(obj, view);
	switch (f->storage) {
	case LXD_S_NONE:
		return parse_def(f);
	case LXD_S_CHARS:
		return json_object_new_string_len(p, (int)strnlen(p, f->size));
	case LXD_S_STR:
		return json_object_new_string(*(char *const *)p ? *(char *const *)p : "");
	case LXD_S_BOOL:
		return json_object_new_boolean(*(const bool *)p);
	case LXD_S_INT64:
		return json_object_new_int64(*(const int64_t *)p);
	case LXD_S_JSON:
		if (!*(json_object *const *)p)
			return (f->flags & LXD_NIL) ? NULL : empty_of(f->kind);
		return copy(*(json_object *const *)p);
	}
	return NULL;
}

static bool empty(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return true;
	case json_type_string:
		return json_object_get_string_len(v) == 0;
	case json_type_boolean:
		return !json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) == 0;
	case json_type_object:
		return json_object_object_length(v) == 0;
	case json_type_array:
		return json_object_array_length(v) == 0;
	default:
		return false;
	}
}

json_object *lxd_render(const struct lxd_object_type *t, const void *obj, const void *view,
			unsigned flags)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (const struct lxd_field *f = t->fields; f->name; f++) {
		json_object *v;

		if ((f->flags & LXD_FULL) && !(flags & LXD_RENDER_FULL))
			continue;
		v = value_of(f, obj, view);
		if ((f->flags & LXD_OMITEMPTY) && empty(v)) {
			json_object_put(v);
			continue;
		}
		json_object_object_add(o, f->name, v);
	}
	return o;
}

void lxd_etag_of(json_object *o, char ret[static 65])
{
	/* json-c keeps insertion order, and the tables give a fixed one */
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	uint8_t d[32];

	ret[0] = '\0';
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), d) < 0)
		return;
	for (int i = 0; i < 32; i++)
		snprintf(ret + 2 * i, 3, "%02x", d[i]);
}

void lxd_etag(const struct lxd_object_type *t, const void *obj, char ret[static 65])
{
	json_object *o = json_object_new_object();

	for (const struct lxd_field *f = t->fields; o && f->name; f++)
		if (f->flags & LXD_ETAG)
			json_object_object_add(o, f->name, value_of(f, obj, NULL));
	if (!o) {
		ret[0] = '\0';
		return;
	}
	lxd_etag_of(o, ret);
	json_object_put(o);
}

/* ---- checking bodies ---------------------------------------------------------------------------- */

/* A string with a \u0000 would be cut as a C string: refused (fe_json_body refuses them too). */
static bool has_nul(json_object *v)
{
	return strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v);
}

static int wrong(char err[static LXD_ERR_MAX], const char *key, const char *want)
{
	snprintf(err, LXD_ERR_MAX, "Invalid JSON: field \"%s\" must be %s", key, want);
	return -EINVAL;
}

int lxd_check_value(enum lxd_kind kind, const char *key, json_object *v,
		    char err[static LXD_ERR_MAX])
{
	switch (kind) {
	case LXD_STRING:
	case LXD_TIME:
		if (!json_object_is_type(v, json_type_string))
			return wrong(err, key, "a string");
		if (has_nul(v))
			return wrong(err, key, "a string without NUL");
		return 0;
	case LXD_BOOL:
		return json_object_is_type(v, json_type_boolean) ? 0 : wrong(err, key, "a boolean");
	case LXD_INT:
		return json_object_is_type(v, json_type_int) ? 0 : wrong(err, key, "an integer");
	case LXD_OBJECT:
	case LXD_DEVICE_MAP:
		return json_object_is_type(v, json_type_object) ? 0 : wrong(err, key, "an object");
	case LXD_STRING_MAP:
		if (!json_object_is_type(v, json_type_object))
			return wrong(err, key, "an object");
		json_object_object_foreach(v, k, mv)
		{
			if (!mv || !json_object_is_type(mv, json_type_string)) {
				snprintf(err, LXD_ERR_MAX,
					 "Invalid JSON: \"%s\" values must be strings (key \"%s\")",
					 key, k);
				return -EINVAL;
			}
			if (has_nul(mv)) {
				snprintf(
					err, LXD_ERR_MAX,
					"Invalid JSON: \"%s\" values must not hold a NUL (key \"%s\")",
					key, k);
				return -EINVAL;
			}
		}
		return 0;
	case LXD_STRING_LIST:
		if (!json_object_is_type(v, json_type_array))
			return wrong(err, key, "an array of strings");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i);

			if (!json_object_is_type(e, json_type_string) || has_nul(e))
				return wrong(err, key, "an array of strings without NUL");
		}
		return 0;
	case LXD_OBJECT_LIST:
		if (!json_object_is_type(v, json_type_array))
			return wrong(err, key, "an array of objects");
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_object))
				return wrong(err, key, "an array of objects");
		return 0;
	}
	return wrong(err, key, "of a known type");
}

/* The body's value of f: NULL when missing or null. */
static json_object *body_value(json_object *body, const struct lxd_field *f)
{
	json_object *v = NULL;

	if (!body || !json_object_object_get_ex(body, f->name, &v))
		return NULL;
	return v;
}

int lxd_check_body(const struct lxd_object_type *t, json_object *body, unsigned want,
		   char err[static LXD_ERR_MAX])
{
	for (const struct lxd_field *f = t->fields; f->name; f++) {
		json_object *v = body_value(body, f);
		int r;

		if (!(f->flags & want) || !v)
			continue;
		r = lxd_check_value(f->kind, f->name, v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- applying bodies ---------------------------------------------------------------------------- */

/* The new value of a map or list: a PATCH merges (LXD_MERGE), a PUT keeps keep_prefix's keys. */
static json_object *new_json(const struct lxd_field *f, json_object *cur, json_object *v,
			     enum lxd_write how)
{
	json_object *out;

	if (how == LXD_WRITE_PATCH && (f->flags & LXD_MERGE) &&
	    json_object_is_type(cur, json_type_object)) {
		out = copy(cur);
	} else if (how != LXD_WRITE_PATCH && f->keep_prefix &&
		   json_object_is_type(cur, json_type_object)) {
		size_t n = strlen(f->keep_prefix);

		out = json_object_new_object();
		json_object_object_foreach(cur, ck, cv)
		{
			if (out && strncmp(ck, f->keep_prefix, n) == 0)
				json_object_object_add(out, ck, copy(cv));
		}
	} else {
		return v ? copy(v) : empty_of(f->kind);
	}
	if (!out)
		return NULL;
	if (v) {
		json_object_object_foreach(v, k, nv)
		{
			json_object_object_add(out, k, copy(nv));
		}
	}
	return out;
}

/* Store the checked value v of f into obj (v NULL: the kind's empty value). */
static int store(const struct lxd_field *f, void *obj, json_object *v, enum lxd_write how,
		 char err[static LXD_ERR_MAX])
{
	void *p = member(obj, f);
	const char *s =
		v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	char when[64];

	if (f->set)
		return f->set(obj, v, err);
	if (f->kind == LXD_TIME && *s) {
		int r = lxd_time_parse(s, when);

		if (r < 0) {
			snprintf(err, LXD_ERR_MAX, "Invalid JSON: \"%s\" is not an RFC 3339 time",
				 f->name);
			return -EINVAL;
		}
		if (r == 1 && (f->flags & LXD_KEEP_EMPTY))
			return 0; /* Go's zero time: not set */
		s = when;
	}
	switch (f->storage) {
	case LXD_S_NONE:
		return 0;
	case LXD_S_CHARS:
		if (strlen(s) >= f->size) {
			snprintf(err, LXD_ERR_MAX, "Invalid JSON: field \"%s\" is too long",
				 f->name);
			return -EINVAL;
		}
		memcpy(p, s, strlen(s) + 1);
		return 0;
	case LXD_S_STR: {
		char *dup = strdup(s);

		if (!dup)
			return -ENOMEM;
		free(*(char **)p);
		*(char **)p = dup;
		return 0;
	}
	case LXD_S_BOOL:
		*(bool *)p = v && json_object_get_boolean(v);
		return 0;
	case LXD_S_INT64:
		*(int64_t *)p = v ? json_object_get_int64(v) : 0;
		return 0;
	case LXD_S_JSON: {
		json_object *n = new_json(f, *(json_object **)p, v, how);

		if (!n)
			return -ENOMEM;
		json_object_put(*(json_object **)p);
		*(json_object **)p = n;
		return 0;
	}
	}
	return 0;
}

int lxd_apply(const struct lxd_object_type *t, void *obj, json_object *body, enum lxd_write how,
	      char err[static LXD_ERR_MAX])
{
	unsigned want = how == LXD_WRITE_POST ? LXD_W | LXD_POST : LXD_W;

	for (const struct lxd_field *f = t->fields; f->name; f++) {
		json_object *v = body_value(body, f), *def = NULL;
		int r;

		if (!(f->flags & want))
			continue;
		if (v) {
			r = lxd_check_value(f->kind, f->name, v, err);
			if (r < 0)
				return r;
		}
		if ((f->flags & LXD_IGNORED) || (f->storage == LXD_S_NONE && !f->set))
			continue;
		if (v) {
			if ((f->flags & LXD_KEEP_EMPTY) && empty(v))
				continue;
		} else {
			/* a PATCH keeps what it does not name; so does a PUT without a default */
			if (how == LXD_WRITE_PATCH || !f->def)
				continue;
			v = def = parse_def(f);
		}
		r = store(f, obj, v, how, err);
		json_object_put(def);
		if (r < 0)
			return r;
	}
	return 0;
}

void lxd_free(const struct lxd_object_type *t, void *obj)
{
	for (const struct lxd_field *f = t->fields; f->name; f++) {
		void *p = member(obj, f);

		if (f->storage == LXD_S_STR) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (f->storage == LXD_S_JSON) {
			json_object_put(*(json_object **)p);
			*(json_object **)p = NULL;
		}
	}
}

int lxd_url(const struct lxd_object_type *t, const void *obj, char *ret, size_t size)
{
	const struct lxd_field *f = lxd_field(t, t->key);
	json_object *v = f ? value_of(f, obj, NULL) : NULL;
	int n = snprintf(ret, size, "%s/%s", t->url, v ? json_object_get_string(v) : "");

	json_object_put(v);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ---- time ---------------------------------------------------------------------------------------- */

int lxd_time_parse(const char *s, char ret_time[static 64])
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long nsec = 0, scale = 100000000;
	int off = 0;
	time_t t;

	if (!p || strlen(s) < 19 || s[4] != '-' || s[10] != 'T')
		return -EINVAL;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			nsec += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '2' && p[2] >= '0' &&
		   p[2] <= '9' && p[3] == ':' && p[4] >= '0' && p[4] <= '5' && p[5] >= '0' &&
		   p[5] <= '9') {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		      ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-62135596800LL && nsec == 0 && off == 0)
		return 1;
	t -= off;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
		return -EINVAL;
	if (nsec) {
		char frac[16];
		size_t n = (size_t)snprintf(frac, sizeof(frac), "%09ld", nsec);

		while (n > 0 && frac[n - 1] == '0')
			frac[--n] = '\0';
		snprintf(ret_time, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%sZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	} else {
		snprintf(ret_time, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	return 0;
}

/* ---- the client's view ------------------------------------------------------------------------------ */

/* src's value of a field as Go decodes it into the field's type: mistyped is the zero value. */
static json_object *go_value(const struct lxd_field *f, json_object *v)
{
	switch (f->kind) {
	case LXD_STRING:
		return json_object_new_string(
			json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
	case LXD_TIME:
		return json_object_new_string(json_object_is_type(v, json_type_string) &&
							      json_object_get_string_len(v) > 0
						      ? json_object_get_string(v)
						      : GO_ZERO_TIME);
	case LXD_BOOL:
		return json_object_new_boolean(json_object_is_type(v, json_type_boolean) &&
					       json_object_get_boolean(v));
	case LXD_INT:
		return json_object_new_int64(
			json_object_is_type(v, json_type_int) ||
					json_object_is_type(v, json_type_double)
				? json_object_get_int64(v)
				: 0);
	case LXD_STRING_MAP:
	case LXD_DEVICE_MAP:
		return json_object_is_type(v, json_type_object) ? copy(v) : NULL;
	case LXD_STRING_LIST:
	case LXD_OBJECT_LIST:
		return json_object_is_type(v, json_type_array) ? copy(v) : NULL;
	case LXD_OBJECT:
		return copy(v);
	}
	return NULL;
}

json_object *lxd_view(const struct lxd_object_type *t, json_object *src, unsigned flags)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (const struct lxd_field *f = t->fields; f->name; f++) {
		json_object *v = NULL, *out;
		char expanded[128];

		if ((flags & LXD_VIEW_PUT) ? !(f->flags & LXD_W)
					   : (f->flags & (LXD_EXPANDED | LXD_FULL)) != 0)
			continue;
		if (!json_object_is_type(src, json_type_object))
			v = NULL;
		else if ((flags & LXD_VIEW_EXPANDED) &&
			 snprintf(expanded, sizeof(expanded), "expanded_%s", f->name) <
				 (int)sizeof(expanded) &&
			 lxd_field(t, expanded))
			json_object_object_get_ex(src, expanded, &v);
		else
			json_object_object_get_ex(src, f->name, &v);
		out = go_value(f, v);
		if ((f->flags & LXD_OMITEMPTY) && empty(out)) {
			json_object_put(out);
			continue;
		}
		json_object_object_add(o, f->name, out);
	}
	return o;
}

const char *lxd_go_type(enum lxd_kind kind)
{
	switch (kind) {
	case LXD_STRING:
		return "string";
	case LXD_BOOL:
		return "bool";
	case LXD_INT:
		return "int64";
	case LXD_STRING_MAP:
		return "map[string]string";
	case LXD_DEVICE_MAP:
		return "map[string]map[string]string";
	case LXD_STRING_LIST:
		return "[]string";
	case LXD_OBJECT:
		return "map[string]interface {}";
	case LXD_OBJECT_LIST:
		return "[]map[string]interface {}";
	case LXD_TIME:
		return "time.Time";
	}
	return "interface {}";
}
