// SPDX-License-Identifier: Apache-2.0
/*
 * metadata.yaml of an image (LXD-API.md §15, "Image tarball format"),
 * parsed with libyaml into struct img_meta. Runs in moatd-api
 * (unprivileged, seccomp) on bytes taken from an uploaded tarball: they are
 * untrusted. Pure: bytes in, struct out; no I/O, no global state.
 *
 * Two passes over at most IMG_META_MAX bytes. The first reads libyaml's
 * events and refuses what the loader would turn into trouble: aliases
 * (whose expansion can grow a small file into a huge tree), nesting deeper
 * than META_DEPTH, and more than one document. The second loads the
 * document and walks only the keys it knows, to a fixed depth:
 *
 *   architecture: x86_64          required, a known name or alias
 *   creation_date: 1700000000     required, plain decimal, > 0
 *   expiry_date: 1800000000       optional, plain decimal, >= 0
 *   properties: {k: v}            optional, scalar values
 *   templates:                    optional
 *     /etc/hostname:              absolute clean path
 *       when: [create, copy]      list of strings
 *       template: hostname.tpl    clean relative path inside templates/
 *       create_only: false        YAML 1.1 boolean
 *       properties: {k: v}
 *
 * Unknown keys are ignored (as LXD does); a key given twice, a NUL byte
 * in a value we keep, or a value of the wrong kind is refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "cleanup.h"
#include "model/images.h"

#define META_DEPTH 16
/* Keep what we store reasonable even inside a 1 MiB file. */
#define META_KEY_MAX 256
#define META_TRIGGER_MAX 64

static int __attribute__((format(printf, 2, 3))) fail(char *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, IMG_ERR_MAX, "metadata.yaml: ");
	va_start(ap, fmt);
	vsnprintf(err + n, IMG_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *img_quote(const char *s, char buf[static IMG_QUOTE_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; s[i] && i < 120; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- names and paths ----------------------------------------------------------- */

static const struct {
	const char *name;
	const char *aliases[8];
} archs[] = {
	/* LXD's shared/osarch names and aliases */
	{ "i686", { "i386", "i586", "386", "x86", "generic_32" } },
	{ "x86_64", { "amd64", "generic_64" } },
	{ "armv6l", { "armv6", "armv6hl" } },
	{ "armv7l", { "armel", "armhf", "arm", "armhfp", "armv7a", "armv7hl", "armv7hnl" } },
	{ "armv8l", { "armv8" } },
	{ "aarch64", { "arm64", "arm64_generic" } },
	{ "ppc", { "powerpc" } },
	{ "ppc64", { "powerpc64" } },
	{ "ppc64le", { "ppc64el" } },
	{ "mips", { "mipsel", "mipsle" } },
	{ "mips64", { "mips64el", "mips64le" } },
	{ "s390x", { NULL } },
	{ "riscv32", { NULL } },
	{ "riscv64", { NULL } },
	{ "loongarch64", { NULL } },
};

const char *img_arch_canonical(const char *arch)
{
	for (size_t i = 0; i < ARRAY_SIZE(archs); i++) {
		if (strcmp(arch, archs[i].name) == 0)
			return archs[i].name;
		for (size_t j = 0; j < ARRAY_SIZE(archs[i].aliases) && archs[i].aliases[j]; j++)
			if (strcmp(arch, archs[i].aliases[j]) == 0)
				return archs[i].name;
	}
	return NULL;
}

/* Components of p (no leading '/') are non-empty, not "." or "..", without control bytes. */
static bool components_clean(const char *p)
{
	if (*p == '\0')
		return false;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return false;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

bool img_target_path_valid(const char *p)
{
	return p[0] == '/' && strlen(p) < IMG_PATH_MAX && components_clean(p + 1);
}

bool img_relative_path_valid(const char *p)
{
	return p[0] != '/' && strlen(p) < IMG_PATH_MAX && components_clean(p);
}

/* ---- pass 1: events ------------------------------------------------------------- */

static int check_events(const char *data, size_t len, char *err)
{
	yaml_parser_t p;
	int depth = 0, docs = 0, r = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done && r == 0) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&p, &ev)) {
			r = fail(err, "line %zu: %s", p.problem_mark.line + 1,
				 p.problem ? p.problem : "syntax error");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				r = fail(err, "more than one YAML document");
			break;
		case YAML_ALIAS_EVENT:
			r = fail(err, "line %zu: YAML aliases are not allowed",
				 ev.start_mark.line + 1);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > META_DEPTH)
				r = fail(err, "line %zu: nested deeper than %d levels",
					 ev.start_mark.line + 1, META_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return r;
}

/* ---- pass 2: the document ----------------------------------------------------- */

struct walk {
	yaml_document_t *doc;
	char *err;
};

static yaml_node_t *node(struct walk *w, int id)
{
	return yaml_document_get_node(w->doc, id);
}

static size_t line_of(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

/* A scalar's text, NUL-terminated by libyaml; NULL if it holds a NUL byte. */
static const char *scalar_text(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	return strlen(s) == n->data.scalar.length ? s : NULL;
}

static bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A plain scalar that YAML reads as null: "", "~", "null". */
static bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (!is_plain(n))
		return false;
	s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* The text of a scalar value (null reads as ""), or an error naming what. */
static int get_string(struct walk *w, const yaml_node_t *n, const char *what, const char **ret_str)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return fail(w->err, "line %zu: %s must be a string", line_of(n), what);
	if (is_null(n)) {
		*ret_str = "";
		return 0;
	}
	s = scalar_text(n);
	if (!s)
		return fail(w->err, "line %zu: %s holds a NUL byte", line_of(n), what);
	*ret_str = s;
	return 0;
}

static int get_int(struct walk *w, const yaml_node_t *n, const char *what, int64_t min,
		   int64_t *ret_int)
{
	/* 9999-12-31T23:59:59Z: keep every time printable with a 4-digit year */
	const int64_t max = 253402300799LL;
	const char *s = (const char *)n->data.scalar.value;
	char *end;
	long long v;

	if (!is_plain(n) || n->data.scalar.length == 0 || n->data.scalar.length > 20)
		return fail(w->err, "line %zu: %s must be an integer (unix seconds)", line_of(n),
			    what);
	for (const char *c = s[0] == '-' || s[0] == '+' ? s + 1 : s; *c; c++)
		if (*c < '0' || *c > '9')
			return fail(w->err, "line %zu: %s must be an integer (unix seconds)",
				    line_of(n), what);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return fail(w->err, "line %zu: %s is out of range", line_of(n), what);
	*ret_int = v;
	return 0;
}

/* YAML 1.1 booleans, as Go's yaml.v2 reads them. */
static int get_bool(struct walk *w, const yaml_node_t *n, const char *what, bool *ret_bool)
{
	static const char *const yes[] = { "y",  "Y",  "yes",  "Yes",  "YES", "on",
					   "On", "ON", "true", "True", "TRUE" };
	static const char *const no[] = { "n",   "N",   "no",    "No",    "NO",   "off",
					  "Off", "OFF", "false", "False", "FALSE" };
	const char *s = (const char *)n->data.scalar.value;

	if (is_plain(n)) {
		for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
			if (strcmp(s, yes[i]) == 0) {
				*ret_bool = true;
				return 0;
			}
		for (size_t i = 0; i < ARRAY_SIZE(no); i++)
			if (strcmp(s, no[i]) == 0) {
				*ret_bool = false;
				return 0;
			}
	}
	return fail(w->err, "line %zu: %s must be true or false", line_of(n), what);
}

/*
 * Iterate over a mapping's pairs with string keys, refusing duplicates.
 * The callback gets the key text and the value node.
 */
typedef int (*pair_fn)(struct walk *w, const char *key, yaml_node_t *value, void *data);

static int each_pair(struct walk *w, yaml_node_t *map, const char *what, pair_fn fn, void *data)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	yaml_node_pair_t *top = map->data.mapping.pairs.top;

	for (yaml_node_pair_t *pr = start; pr < top; pr++) {
		yaml_node_t *k = node(w, pr->key), *v = node(w, pr->value);
		char q[IMG_QUOTE_MAX];
		const char *key;
		int r;

		if (!k || !v)
			return fail(w->err, "%s: broken document", what);
		if (k->type != YAML_SCALAR_NODE || !(key = scalar_text(k)))
			return fail(w->err, "line %zu: %s: keys must be strings", line_of(k), what);
		if (k->data.scalar.length > IMG_PATH_MAX)
			return fail(w->err, "line %zu: %s: key too long", line_of(k), what);
		for (yaml_node_pair_t *prev = start; prev < pr; prev++) {
			yaml_node_t *qk = node(w, prev->key);

			if (qk && qk->type == YAML_SCALAR_NODE &&
			    qk->data.scalar.length == k->data.scalar.length &&
			    memcmp(qk->data.scalar.value, k->data.scalar.value,
				   k->data.scalar.length) == 0)
				return fail(w->err, "line %zu: %s: key \"%s\" given twice",
					    line_of(k), what, img_quote(key, q));
		}
		r = fn(w, key, v, data);
		if (r < 0)
			return r;
	}
	return 0;
}

static int property_pair(struct walk *w, const char *key, yaml_node_t *v, void *data)
{
	json_object *props = data;
	const char *s;
	int r;

	if (*key == '\0' || strlen(key) > META_KEY_MAX)
		return fail(w->err, "line %zu: property names must have 1 to %d bytes", line_of(v),
			    META_KEY_MAX);
	r = get_string(w, v, "a property value", &s);
	if (r < 0)
		return r;
	json_object_object_add(props, key, json_object_new_string(s));
	return 0;
}

/* A string map, or null: into a new JSON object. */
static int get_string_map(struct walk *w, yaml_node_t *n, const char *what, json_object **ret_map)
{
	json_object *o;
	int r;

	if (is_null(n)) {
		*ret_map = json_object_new_object();
		return *ret_map ? 0 : -ENOMEM;
	}
	if (n->type != YAML_MAPPING_NODE)
		return fail(w->err, "line %zu: %s must be a map of strings", line_of(n), what);
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	r = each_pair(w, n, what, property_pair, o);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret_map = o;
	return 0;
}

struct tpl {
	json_object *when;
	json_object *properties;
	const char *template;
	bool create_only;
	bool have_template;
};

static int template_pair(struct walk *w, const char *key, yaml_node_t *v, void *data)
{
	struct tpl *t = data;
	char q[IMG_QUOTE_MAX];

	if (strcmp(key, "when") == 0) {
		yaml_node_item_t *i;

		if (is_null(v))
			return 0;
		if (v->type != YAML_SEQUENCE_NODE)
			return fail(w->err, "line %zu: templates: \"when\" must be a list",
				    line_of(v));
		for (i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
			yaml_node_t *e = node(w, *i);
			const char *s;
			int r;

			if (!e)
				return fail(w->err, "templates: broken document");
			r = get_string(w, e, "a template trigger", &s);
			if (r < 0)
				return r;
			if (*s == '\0' || strlen(s) > META_TRIGGER_MAX)
				return fail(w->err, "line %zu: templates: bad trigger", line_of(e));
			json_object_array_add(t->when, json_object_new_string(s));
		}
		return 0;
	}
	if (strcmp(key, "template") == 0) {
		int r = get_string(w, v, "a template name", &t->template);

		if (r < 0)
			return r;
		if (!img_relative_path_valid(t->template))
			return fail(w->err,
				    "line %zu: template \"%s\" is not a clean relative path",
				    line_of(v), img_quote(t->template, q));
		t->have_template = true;
		return 0;
	}
	if (strcmp(key, "create_only") == 0)
		return is_null(v) ? 0 : get_bool(w, v, "create_only", &t->create_only);
	if (strcmp(key, "properties") == 0) {
		json_object_put(t->properties);
		t->properties = NULL;
		return get_string_map(w, v, "template properties", &t->properties);
	}
	return 0; /* unknown keys are ignored */
}

static int templates_pair(struct walk *w, const char *key, yaml_node_t *v, void *data)
{
	json_object *templates = data;
	char q[IMG_QUOTE_MAX];
	struct tpl t = { 0 };
	json_object *o;
	int r;

	if (!img_target_path_valid(key))
		return fail(w->err,
			    "line %zu: template target \"%s\" is not an absolute clean path",
			    line_of(v), img_quote(key, q));
	if (v->type != YAML_MAPPING_NODE)
		return fail(w->err, "line %zu: template \"%s\" must be a map", line_of(v),
			    img_quote(key, q));
	t.when = json_object_new_array();
	if (!t.when)
		return -ENOMEM;
	r = each_pair(w, v, "templates", template_pair, &t);
	if (r == 0 && !t.have_template)
		r = fail(w->err, "line %zu: template for \"%s\" names no template file", line_of(v),
			 img_quote(key, q));
	if (r == 0 && !t.properties && !(t.properties = json_object_new_object()))
		r = -ENOMEM;
	if (r < 0) {
		json_object_put(t.when);
		json_object_put(t.properties);
		return r;
	}
	o = json_object_new_object();
	if (!o) {
		json_object_put(t.when);
		json_object_put(t.properties);
		return -ENOMEM;
	}
	json_object_object_add(o, "when", t.when);
	json_object_object_add(o, "create_only", json_object_new_boolean(t.create_only));
	json_object_object_add(o, "template", json_object_new_string(t.template));
	json_object_object_add(o, "properties", t.properties);
	json_object_object_add(templates, key, o);
	return 0;
}

struct top {
	struct img_meta m;
	bool have_arch, have_created;
};

static int top_pair(struct walk *w, const char *key, yaml_node_t *v, void *data)
{
	struct top *t = data;

	if (strcmp(key, "architecture") == 0) {
		char q[IMG_QUOTE_MAX];
		const char *s;
		int r = get_string(w, v, "architecture", &s);

		if (r < 0)
			return r;
		if (*s == '\0')
			return 0; /* reported as missing below */
		if (strlen(s) >= sizeof(t->m.architecture) || !img_arch_canonical(s))
			return fail(w->err, "line %zu: unsupported architecture \"%s\"", line_of(v),
				    img_quote(s, q));
		snprintf(t->m.architecture, sizeof(t->m.architecture), "%s", s);
		t->have_arch = true;
		return 0;
	}
	if (strcmp(key, "creation_date") == 0) {
		if (is_null(v))
			return 0;
		t->have_created = true;
		return get_int(w, v, "creation_date", 1, &t->m.creation_date);
	}
	if (strcmp(key, "expiry_date") == 0)
		return is_null(v) ? 0 : get_int(w, v, "expiry_date", 0, &t->m.expiry_date);
	if (strcmp(key, "properties") == 0) {
		json_object_put(t->m.properties);
		t->m.properties = NULL;
		return get_string_map(w, v, "properties", &t->m.properties);
	}
	if (strcmp(key, "templates") == 0) {
		if (is_null(v))
			return 0;
		if (v->type != YAML_MAPPING_NODE)
			return fail(w->err, "line %zu: templates must be a map", line_of(v));
		return each_pair(w, v, "templates", templates_pair, t->m.templates);
	}
	return 0;
}

void img_meta_done(struct img_meta *m)
{
	json_object_put(m->properties);
	json_object_put(m->templates);
	m->properties = NULL;
	m->templates = NULL;
}

int img_meta_parse(const char *data, size_t len, struct img_meta *ret_meta,
		   char err[static IMG_ERR_MAX])
{
	struct top t = { 0 };
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	struct walk w = { &doc, err };
	int r;

	err[0] = '\0';
	if (len > IMG_META_MAX)
		return fail(err, "larger than %d bytes", IMG_META_MAX);
	if (memchr(data, '\0', len))
		return fail(err, "holds a NUL byte");
	r = check_events(data, len, err);
	if (r < 0)
		return r;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	if (!yaml_parser_load(&p, &doc)) {
		r = fail(err, "line %zu: %s", p.problem_mark.line + 1,
			 p.problem ? p.problem : "cannot load the document");
		yaml_parser_delete(&p);
		return r;
	}
	yaml_parser_delete(&p);

	root = yaml_document_get_root_node(&doc);
	t.m.templates = json_object_new_object();
	if (!t.m.templates)
		r = -ENOMEM;
	else if (!root)
		r = fail(err, "empty document");
	else if (root->type != YAML_MAPPING_NODE)
		r = fail(err, "the document must be a map");
	else
		r = each_pair(&w, root, "metadata.yaml", top_pair, &t);
	yaml_document_delete(&doc);
	if (r == 0 && !t.have_arch)
		r = fail(err, "architecture is missing");
	if (r == 0 && !t.have_created)
		r = fail(err, "creation_date is missing");
	if (r == 0 && !t.m.properties && !(t.m.properties = json_object_new_object()))
		r = -ENOMEM;
	if (r < 0) {
		img_meta_done(&t.m);
		if (r == -ENOMEM && !err[0])
			snprintf(err, IMG_ERR_MAX, "metadata.yaml: out of memory");
		return r;
	}
	*ret_meta = t.m;
	return 0;
}
