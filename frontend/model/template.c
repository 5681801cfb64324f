// SPDX-License-Identifier: Apache-2.0
/*
 * The template engine for LXD image templates (metadata.yaml `templates:`),
 * a subset of Pongo2 rendered with autoescape off, as LXD does. Run by
 * moatd-api, unprivileged (the `moat` user, no capabilities, seccomp). The
 * template text comes from an image, so it is hostile input; the context
 * is built by moatd-api from the instance's own state.
 *
 * Written by hand: Debian packages no C library for Pongo2's dialect. It is
 * a pure function: no file access, no include/extends/import, no I/O, no
 * global state. Input, output, nesting and loop iterations are bounded
 * (template.h), and so are the parsed tree's size and the total work
 * (TPL_MAX_TREE, TPL_MAX_WORK below); every recursion is bounded by a
 * nesting limit. The shape: a lexer for the inside of {{ }} and {% %}, a
 * recursive-descent parser into a tree held in an arena, and an evaluator
 * writing into one growing buffer.
 *
 * Syntax:
 *   text               copied byte for byte (NUL bytes and CR LF included)
 *   {{ e }}            prints e: undefined prints "", booleans True/False,
 *                      floats %f (as Pongo2); printing a map, a list or
 *                      forloop is an error
 *   {# ... #}          a comment
 *   {% if e %}..{% elif e %}..{% else %}..{% endif %}
 *   {% for x in e %}..{% empty %}..{% endfor %}
 *                      over a list (x: each item), a map (x: each key, in
 *                      byte order), a string (x: each byte); with
 *                      {% for k, v in e %} v is a map's value (for a list,
 *                      k is the item and v stays undefined, as in Pongo2).
 *                      {% empty %} runs when there is nothing to iterate.
 *                      forloop.Counter, Counter0, Revcounter, Revcounter0,
 *                      First, Last, Parentloop.
 *   {%- -%} {{- -}}    strip spaces, tabs, CR and LF from the text before
 *                      (or after) the tag
 *   Any other tag (include, extends, import, ssi, macro, set...) is an error.
 *
 * Expressions, loosest first (Pongo2's grammar, quirks included):
 *   a and b, a or b, a && b, a || b     one precedence, grouped to the
 *                                       right: a and b or c = a and (b or c)
 *   a == b, a != b, a <> b, a < b, a > b, a <= b, a >= b, a in b
 *   not a, !a                           on the value just after it:
 *                                       not a == b = (not a) == b
 *   a|f, a|f:arg                        filters (below)
 *   a.name, a.0, a["key"], a[e]         a map's key, a list's item
 *   "s", 's' (escapes \\ \" \'), 123, true, false, name, (e),
 *   config_get("key", default)          ctx.config[key] with trailing CR
 *                                       and LF removed (as LXD), else default
 * Filters: default:x (x when the value is false), default_if_none:x (x when
 * it is undefined), upper and lower (ASCII letters only), length (UTF-8
 * characters of a string, items of a list or map).
 * Semantics (Pongo2's): "", 0, 0.0, false, empty lists and maps and
 * undefined are false; == compares integers as numbers and any other value
 * only with one of the same type (undefined == "" is false); < > <= >=
 * compare as numbers (a string that is a decimal number counts as that
 * number, anything else as 0); `a in b` tests a substring, a map key or a
 * list item. A missing key, an index out of range, or a field of anything
 * but a map, a list or forloop is undefined; so is a JSON null.
 * Unlike Pongo2: no arithmetic (+ - * / % ^) and no float literals (both
 * are errors); a["key"] subscripts are an extension; maps are iterated in
 * key order (Pongo2: random); printing a map or a list is an error (Pongo2
 * prints Go's "<map[...] Value>"); == on two maps or lists compares
 * identity; tags and comments may hold newlines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "model/template.h"

#define TPL_MAX_WORK 10000000u   /* evaluation steps, plus one per 16 bytes handled */
#define TPL_SHOWN 40             /* bytes of a name quoted in an error */
#define TPL_TEXT_MAX 384         /* a printed number; %f of 1e308 has 317 characters */
#define TPL_CHUNK 32768          /* arena chunk */
#define TPL_MAX_TREE (16u << 20) /* bytes of parsed tree (about 35 per byte of "{{a}}") */

/* ---- values ------------------------------------------------------------------- */

enum tv_kind { TV_UNDEF, TV_BOOL, TV_INT, TV_FLOAT, TV_STR, TV_MAP, TV_LIST, TV_LOOP };

struct loop {
	const struct loop *parent;
	size_t idx, count;
};

/*
 * A value. A string is NUL-terminated at s[n] (it may hold NUL bytes
 * before); owned, if set, is the heap copy behind s. Maps and lists are
 * always borrowed from the context.
 */
struct tv {
	enum tv_kind kind;
	bool b;
	int64_t i;
	double f;
	const char *s;
	size_t n;
	char *owned;
	json_object *j;
	const struct loop *loop;
};

#define TV_INIT                                                                                    \
	{                                                                                          \
		.kind = TV_UNDEF                                                                   \
	}

static void tv_free(struct tv *v)
{
	free(v->owned);
	*v = (struct tv)TV_INIT;
}

#define __do_tv __attribute__((cleanup(tv_free)))

static struct tv tv_bool(bool b)
{
	return (struct tv){ .kind = TV_BOOL, .b = b };
}

static struct tv tv_int(int64_t i)
{
	return (struct tv){ .kind = TV_INT, .i = i };
}

static struct tv tv_str(const char *s, size_t n)
{
	return (struct tv){ .kind = TV_STR, .s = s, .n = n };
}

static struct tv tv_json(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_boolean:
		return tv_bool(json_object_get_boolean(o));
	case json_type_int:
		return tv_int(json_object_get_int64(o));
	case json_type_double:
		return (struct tv){ .kind = TV_FLOAT, .f = json_object_get_double(o) };
	case json_type_string:
		return tv_str(json_object_get_string(o), (size_t)json_object_get_string_len(o));
	case json_type_object:
		return (struct tv){ .kind = TV_MAP, .j = o };
	case json_type_array:
		return (struct tv){ .kind = TV_LIST, .j = o };
	default:
		return (struct tv)TV_INIT;
	}
}

/* Items of a list or map, bytes of a string, else 0. */
static size_t tv_count(const struct tv *v)
{
	switch (v->kind) {
	case TV_STR:
		return v->n;
	case TV_MAP:
		return (size_t)json_object_object_length(v->j);
	case TV_LIST:
		return json_object_array_length(v->j);
	default:
		return 0;
	}
}

static bool tv_true(const struct tv *v)
{
	switch (v->kind) {
	case TV_BOOL:
		return v->b;
	case TV_INT:
		return v->i != 0;
	case TV_FLOAT:
		return v->f != 0;
	case TV_LOOP:
		return true;
	default:
		return tv_count(v) > 0;
	}
}

/* ---- the tree -------------------------------------------------------------------- */

enum tok_kind { T_EOF, T_IDENT, T_INT, T_STR, T_BOOL, T_OP, T_END_VAR, T_END_TAG };

enum op {
	OP_NONE,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_GT,
	OP_LE,
	OP_GE,
	OP_AND,
	OP_OR,
	OP_NOT,
	OP_IN,
	OP_LPAREN,
	OP_RPAREN,
	OP_LBRACK,
	OP_RBRACK,
	OP_COMMA,
	OP_DOT,
	OP_PIPE,
	OP_COLON
};

static const char *const op_names[] = {
	[OP_NONE] = "?",   [OP_EQ] = "==",    [OP_NE] = "!=",    [OP_LT] = "<",
	[OP_GT] = ">",     [OP_LE] = "<=",    [OP_GE] = ">=",    [OP_AND] = "and",
	[OP_OR] = "or",    [OP_NOT] = "not",  [OP_IN] = "in",    [OP_LPAREN] = "(",
	[OP_RPAREN] = ")", [OP_LBRACK] = "[", [OP_RBRACK] = "]", [OP_COMMA] = ",",
	[OP_DOT] = ".",    [OP_PIPE] = "|",   [OP_COLON] = ":",
};

struct tok {
	enum tok_kind kind;
	enum op op;
	const char *s; /* T_IDENT, T_STR (still escaped) */
	size_t n;
	int64_t i; /* T_INT, T_BOOL */
	bool trim; /* T_END_*: -}} or -%} */
	unsigned line;
};

enum ekind { E_STR, E_INT, E_BOOL, E_VAR, E_INDEX, E_CALL, E_FILTER, E_NOT, E_CMP, E_IN, E_LOGIC };
enum filter { F_DEFAULT, F_DEFAULT_IF_NONE, F_UPPER, F_LOWER, F_LENGTH };

static const struct {
	const char *name;
	bool arg;
} filters[] = {
	[F_DEFAULT] = { "default", true }, [F_DEFAULT_IF_NONE] = { "default_if_none", true },
	[F_UPPER] = { "upper", false },    [F_LOWER] = { "lower", false },
	[F_LENGTH] = { "length", false },
};

struct expr {
	enum ekind kind;
	enum op op;         /* E_CMP, E_LOGIC */
	enum filter filter; /* E_FILTER */
	unsigned line, height;
	const char *s; /* E_STR (NUL-terminated), E_VAR */
	size_t n;
	int64_t i;          /* E_INT, E_BOOL */
	struct expr *a, *b; /* operands; E_INDEX: object, key; E_CALL: key, default;
			       E_FILTER: value, argument; E_LOGIC: operand, rest */
};

enum nkind { N_TEXT, N_OUT, N_IF, N_FOR };

struct branch {
	struct expr *cond; /* NULL: else */
	struct node *body;
	struct branch *next;
};

struct node {
	enum nkind kind;
	unsigned line;
	struct node *next;
	const char *s; /* N_TEXT, pointing into the template */
	size_t n;
	struct expr *e;            /* N_OUT; N_FOR: what to iterate */
	struct branch *branches;   /* N_IF */
	const char *key, *val;     /* N_FOR: the names (val may be NULL) */
	struct node *body, *empty; /* N_FOR */
};

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct binding {
	const char *name;
	struct tv v;
	const struct binding *up;
};

struct tpl {
	/* the lexer and parser */
	const char *pos, *end;
	unsigned line, tag_line;
	struct tok tok;
	bool have_tok;
	bool in_var;            /* the open tag is {{ (else {%) */
	bool trim_next;         /* the last tag ended with -}} or -%} */
	struct node *prev_text; /* the text just before this tag, if any */
	unsigned depth, edepth; /* nested blocks, nested expressions being parsed */
	struct chunk *arena;
	size_t arena_size;
	bool tree_full; /* arena_alloc() refused: over TPL_MAX_TREE */
	/* the evaluator */
	json_object *ctx;
	char *out;
	size_t out_len, out_cap;
	const struct binding *scope;
	const struct loop *loop;
	size_t iterations;
	uint64_t work;
	char *err;
	size_t errlen;
};

static void tpl_done(struct tpl *t)
{
	while (t->arena) {
		struct chunk *c = t->arena;

		t->arena = c->next;
		free(c);
	}
	free(t->out);
}

__attribute__((format(printf, 4, 5))) static int fail(struct tpl *t, unsigned line, int rc,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t->err || t->errlen == 0)
		return rc;
	n = line ? snprintf(t->err, t->errlen, "line %u: ", line) : 0;
	if (n >= 0 && (size_t)n < t->errlen) {
		va_start(ap, fmt);
		vsnprintf(t->err + n, t->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int charge(struct tpl *t, unsigned line, size_t bytes)
{
	t->work += 1 + bytes / 16;
	if (t->work > TPL_MAX_WORK)
		return fail(t, line, -E2BIG, "the template needs too much work to render");
	return 0;
}

/* Zeroed memory that lives until the render ends. */
static void *arena_alloc(struct tpl *t, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	struct chunk *c = t->arena;
	void *p;

	size = (size + align - 1) & ~(align - 1);
	if (!c || c->size - c->used < size) {
		size_t cap = size > TPL_CHUNK ? size : TPL_CHUNK;

		if (cap > TPL_MAX_TREE - t->arena_size) {
			t->tree_full = true;
			return NULL;
		}
		t->arena_size += cap;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = t->arena;
		c->used = 0;
		c->size = cap;
		t->arena = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

/* The error for a failed allocation: the tree grew too big, or malloc failed. */
static int nomem(struct tpl *t, unsigned line)
{
	if (t->tree_full)
		return fail(t, line, -E2BIG,
			    "the template is too complex (its tree needs over %u MiB)",
			    TPL_MAX_TREE >> 20);
	return fail(t, line, -ENOMEM, "out of memory");
}

/* ---- the lexer (inside {{ }} and {% %}) ------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether the text at pos + off starts with lit. */
static bool at(const struct tpl *t, size_t off, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(t->end - t->pos) >= off + n && memcmp(t->pos + off, lit, n) == 0;
}

static int lex_string(struct tpl *t, struct tok *k)
{
	char q = *t->pos++;

	k->s = t->pos;
	for (; t->pos < t->end && *t->pos != q; t->pos++) {
		if (*t->pos == '\n')
			return fail(t, k->line, -EINVAL, "newline in a string");
		if (*t->pos == '\\') {
			if (t->end - t->pos < 2 ||
			    (t->pos[1] != '\\' && t->pos[1] != '"' && t->pos[1] != '\''))
				return fail(t, k->line, -EINVAL,
					    "unknown escape in a string (only \\\\ \\\" \\')");
			t->pos++;
		}
	}
	if (t->pos == t->end)
		return fail(t, k->line, -EINVAL, "unterminated string");
	k->kind = T_STR;
	k->n = (size_t)(t->pos - k->s);
	t->pos++;
	return 0;
}

static int lex(struct tpl *t, struct tok *k)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = {
		{ "==", OP_EQ },    { "!=", OP_NE },    { "<>", OP_NE },    { "<=", OP_LE },
		{ ">=", OP_GE },    { "&&", OP_AND },   { "||", OP_OR },    { "<", OP_LT },
		{ ">", OP_GT },     { "!", OP_NOT },    { "(", OP_LPAREN }, { ")", OP_RPAREN },
		{ "[", OP_LBRACK }, { "]", OP_RBRACK }, { ",", OP_COMMA },  { ".", OP_DOT },
		{ "|", OP_PIPE },   { ":", OP_COLON },
	};
	char c;

	for (; t->pos < t->end && is_space(*t->pos); t->pos++)
		if (*t->pos == '\n')
			t->line++;
	memset(k, 0, sizeof(*k));
	k->line = t->line;
	if (t->pos == t->end)
		return 0; /* T_EOF */
	c = *t->pos;
	if (at(t, 0, "}}") || at(t, 0, "%}") || at(t, 0, "-}}") || at(t, 0, "-%}")) {
		k->trim = c == '-';
		t->pos += k->trim;
		k->kind = *t->pos == '}' ? T_END_VAR : T_END_TAG;
		t->pos += 2;
		return 0;
	}
	if (c == '"' || c == '\'')
		return lex_string(t, k);
	if (is_digit(c)) {
		k->kind = T_INT;
		for (; t->pos < t->end && is_digit(*t->pos); t->pos++) {
			if (k->i > (INT64_MAX - (*t->pos - '0')) / 10)
				return fail(t, k->line, -EINVAL, "number too large");
			k->i = k->i * 10 + (*t->pos - '0');
		}
		if (t->pos < t->end && is_alpha(*t->pos))
			return fail(t, k->line, -EINVAL, "malformed number");
		return 0;
	}
	if (is_alpha(c)) {
		k->s = t->pos;
		while (t->pos < t->end && (is_alpha(*t->pos) || is_digit(*t->pos)))
			t->pos++;
		k->n = (size_t)(t->pos - k->s);
		k->kind = T_OP;
		if (k->n == 3 && memcmp(k->s, "and", 3) == 0)
			k->op = OP_AND;
		else if (k->n == 2 && memcmp(k->s, "or", 2) == 0)
			k->op = OP_OR;
		else if (k->n == 3 && memcmp(k->s, "not", 3) == 0)
			k->op = OP_NOT;
		else if (k->n == 2 && memcmp(k->s, "in", 2) == 0)
			k->op = OP_IN;
		else if ((k->n == 4 && memcmp(k->s, "true", 4) == 0) ||
			 (k->n == 5 && memcmp(k->s, "false", 5) == 0))
			k->kind = T_BOOL, k->i = k->n == 4;
		else
			k->kind = T_IDENT;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (at(t, 0, ops[i].s)) {
			k->kind = T_OP;
			k->op = ops[i].op;
			t->pos += strlen(ops[i].s);
			return 0;
		}
	if (memchr("+-*/%^=", c, 7))
		return fail(t, k->line, -EINVAL, "operator '%c' is not supported", c);
	if (c > 0x20 && c < 0x7f)
		return fail(t, k->line, -EINVAL, "unexpected character '%c'", c);
	return fail(t, k->line, -EINVAL, "unexpected byte 0x%02x", (unsigned char)c);
}

static int peek(struct tpl *t, const struct tok **ret)
{
	if (!t->have_tok) {
		int r = lex(t, &t->tok);

		if (r < 0)
			return r;
		t->have_tok = true;
	}
	*ret = &t->tok;
	return 0;
}

static int next(struct tpl *t, struct tok *ret)
{
	const struct tok *k;
	int r = peek(t, &k);

	if (r < 0)
		return r;
	*ret = *k;
	t->have_tok = false;
	return 0;
}

/* Whether the next token is the operator op; it is consumed if so. */
static int accept(struct tpl *t, enum op op)
{
	const struct tok *k;
	int r = peek(t, &k);

	if (r < 0)
		return r;
	if (k->kind != T_OP || k->op != op)
		return 0;
	t->have_tok = false;
	return 1;
}

static const char *tok_desc(const struct tok *k, char buf[static 64])
{
	switch (k->kind) {
	case T_EOF:
		return "the end of the template";
	case T_IDENT:
		snprintf(buf, 64, "\"%.*s\"", (int)(k->n < TPL_SHOWN ? k->n : TPL_SHOWN), k->s);
		return buf;
	case T_INT:
		return "a number";
	case T_STR:
		return "a string";
	case T_BOOL:
		return k->i ? "\"true\"" : "\"false\"";
	case T_OP:
		snprintf(buf, 64, "\"%s\"", op_names[k->op]);
		return buf;
	case T_END_VAR:
		return "\"}}\"";
	default:
		return "\"%}\"";
	}
}

/* The error for an unexpected token k, where `want` was expected. */
static int unexpected(struct tpl *t, const struct tok *k, const char *want)
{
	char buf[64];

	if (k->kind == T_EOF)
		return fail(t, t->tag_line, -EINVAL, "unterminated %s (no %s)",
			    t->in_var ? "{{" : "{%", t->in_var ? "}}" : "%}");
	return fail(t, k->line, -EINVAL, "expected %s, found %s", want, tok_desc(k, buf));
}

static int expect(struct tpl *t, enum op op)
{
	struct tok k;
	char want[16];
	int r = next(t, &k);

	if (r < 0)
		return r;
	if (k.kind == T_OP && k.op == op)
		return 0;
	snprintf(want, sizeof(want), "\"%s\"", op_names[op]);
	return unexpected(t, &k, want);
}

/* The end of the open tag: }} or %}. */
static int expect_end(struct tpl *t)
{
	struct tok k;
	int r = next(t, &k);

	if (r < 0)
		return r;
	if (k.kind == (t->in_var ? T_END_VAR : T_END_TAG)) {
		t->trim_next = k.trim;
		return 0;
	}
	return unexpected(t, &k, t->in_var ? "\"}}\"" : "\"%}\"");
}

/* ---- the expression parser ------------------------------------------------------------ */

static int mk(struct tpl *t, enum ekind kind, unsigned line, struct expr *a, struct expr *b,
	      struct expr **ret)
{
	struct expr *e = arena_alloc(t, sizeof(*e));
	unsigned h = 0;

	if (!e)
		return nomem(t, line);
	if (a && a->height > h)
		h = a->height;
	if (b && b->height > h)
		h = b->height;
	if (h >= FE_TEMPLATE_MAX_DEPTH)
		return fail(t, line, -E2BIG, "expression nested too deeply (more than %d levels)",
			    FE_TEMPLATE_MAX_DEPTH);
	e->kind = kind;
	e->line = line;
	e->a = a;
	e->b = b;
	e->height = h + 1;
	*ret = e;
	return 0;
}

/* A NUL-terminated copy in the arena; unescape: drop the \ of \\ \" \'. */
static char *arena_strndup(struct tpl *t, const char *s, size_t n, bool unescape, size_t *ret_n)
{
	char *d = arena_alloc(t, n + 1);
	size_t o = 0;

	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (unescape && s[i] == '\\' && i + 1 < n)
			i++;
		d[o++] = s[i];
	}
	if (ret_n)
		*ret_n = o;
	return d;
}

static int parse_expr(struct tpl *t, struct expr **ret);
static int parse_postfix(struct tpl *t, bool with_filters, struct expr **ret);

static int parse_call(struct tpl *t, const struct tok *name, struct expr **ret)
{
	struct expr *args[2] = { NULL, NULL };
	size_t n = 0;
	int r;

	if (name->n != 10 || memcmp(name->s, "config_get", 10) != 0)
		return fail(t, name->line, -EINVAL, "unknown function \"%.*s\"",
			    (int)(name->n < TPL_SHOWN ? name->n : TPL_SHOWN), name->s);
	t->have_tok = false; /* the ( */
	r = accept(t, OP_RPAREN);
	while (r == 0) {
		struct expr *a;

		r = parse_expr(t, &a);
		if (r < 0)
			return r;
		if (n < ARRAY_SIZE(args))
			args[n] = a;
		n++;
		r = accept(t, OP_COMMA);
		if (r == 1)
			r = 0;
		else if (r == 0)
			r = expect(t, OP_RPAREN) ?: 1;
	}
	if (r < 0)
		return r;
	if (n != 2)
		return fail(t, name->line, -EINVAL, "config_get() takes 2 arguments, not %zu", n);
	return mk(t, E_CALL, name->line, args[0], args[1], ret);
}

static int parse_primary(struct tpl *t, struct expr **ret)
{
	const struct tok *p;
	struct tok k;
	struct expr *e;
	int r = next(t, &k);

	if (r < 0)
		return r;
	switch (k.kind) {
	case T_STR:
		r = mk(t, E_STR, k.line, NULL, NULL, &e);
		if (r < 0)
			return r;
		e->s = arena_strndup(t, k.s, k.n, true, &e->n);
		break;
	case T_INT:
	case T_BOOL:
		/* right after the number: "1.5" would be a float in Pongo2 */
		if (k.kind == T_INT && at(t, 0, ".") && t->pos + 1 < t->end && is_digit(t->pos[1]))
			return fail(t, k.line, -EINVAL, "decimal numbers are not supported");
		r = mk(t, k.kind == T_INT ? E_INT : E_BOOL, k.line, NULL, NULL, &e);
		if (r < 0)
			return r;
		e->i = k.i;
		break;
	case T_IDENT:
		r = peek(t, &p);
		if (r < 0)
			return r;
		if (p->kind == T_OP && p->op == OP_LPAREN)
			return parse_call(t, &k, ret);
		r = mk(t, E_VAR, k.line, NULL, NULL, &e);
		if (r < 0)
			return r;
		e->s = arena_strndup(t, k.s, k.n, false, &e->n);
		break;
	default:
		if (k.kind == T_OP && k.op == OP_LPAREN) {
			r = parse_expr(t, ret);
			return r < 0 ? r : expect(t, OP_RPAREN);
		}
		return unexpected(t, &k, "a value");
	}
	if (!e->s && (e->kind == E_STR || e->kind == E_VAR))
		return nomem(t, k.line);
	*ret = e;
	return 0;
}

static int parse_filter(struct tpl *t, struct expr *value, struct expr **ret)
{
	struct expr *arg = NULL;
	struct tok k;
	size_t f;
	int r = next(t, &k);

	if (r < 0)
		return r;
	if (k.kind != T_IDENT)
		return unexpected(t, &k, "a filter name");
	for (f = 0; f < ARRAY_SIZE(filters); f++)
		if (strlen(filters[f].name) == k.n && memcmp(filters[f].name, k.s, k.n) == 0)
			break;
	if (f == ARRAY_SIZE(filters))
		return fail(t, k.line, -EINVAL, "unknown filter \"%.*s\"",
			    (int)(k.n < TPL_SHOWN ? k.n : TPL_SHOWN), k.s);
	r = accept(t, OP_COLON);
	if (r < 0)
		return r;
	if (r != filters[f].arg)
		return fail(t, k.line, -EINVAL, "filter %s %s", filters[f].name,
			    filters[f].arg ? "needs an argument (|name:arg)" : "takes no argument");
	if (r == 1) {
		r = parse_postfix(t, false, &arg);
		if (r < 0)
			return r;
	}
	r = mk(t, E_FILTER, k.line, value, arg, ret);
	if (r == 0)
		(*ret)->filter = (enum filter)f;
	return r;
}

/* A primary, then any .name .0 [e] and (with_filters) |filter after it. */
static int parse_postfix(struct tpl *t, bool with_filters, struct expr **ret)
{
	struct expr *e, *key;
	const struct tok *p;
	struct tok k;
	int r = parse_primary(t, &e);

	while (r == 0) {
		r = peek(t, &p);
		if (r < 0)
			return r;
		if (p->kind != T_OP || !(p->op == OP_DOT || p->op == OP_LBRACK ||
					 (p->op == OP_PIPE && with_filters))) {
			*ret = e;
			return 0;
		}
		k = *p;
		t->have_tok = false;
		if (k.op == OP_PIPE) {
			r = parse_filter(t, e, &e);
			continue;
		}
		if (k.op == OP_LBRACK) {
			r = parse_expr(t, &key);
			r = r ?: expect(t, OP_RBRACK);
		} else {
			r = next(t, &k);
			if (r == 0 && k.kind != T_IDENT && k.kind != T_INT)
				r = unexpected(t, &k, "a name or an index after \".\"");
			if (r == 0)
				r = mk(t, k.kind == T_INT ? E_INT : E_STR, k.line, NULL, NULL,
				       &key);
			if (r == 0) {
				key->i = k.i;
				if (k.kind == T_IDENT &&
				    !(key->s = arena_strndup(t, k.s, k.n, false, &key->n)))
					r = nomem(t, k.line);
			}
		}
		if (r == 0)
			r = mk(t, E_INDEX, k.line, e, key, &e);
	}
	return r;
}

static int parse_unary(struct tpl *t, struct expr **ret)
{
	struct expr *e;
	int r = accept(t, OP_NOT);

	if (r <= 0)
		return r < 0 ? r : parse_postfix(t, true, ret);
	r = parse_postfix(t, true, &e);
	return r < 0 ? r : mk(t, E_NOT, e->line, e, NULL, ret);
}

/* One level deeper into an expression while parsing it. */
static int deeper(struct tpl *t)
{
	if (++t->edepth > FE_TEMPLATE_MAX_DEPTH)
		return fail(t, t->line, -E2BIG,
			    "expression nested too deeply (more than %d levels)",
			    FE_TEMPLATE_MAX_DEPTH);
	return 0;
}

static int parse_rel(struct tpl *t, struct expr **ret)
{
	struct expr *a, *b;
	const struct tok *p = NULL;
	enum op op;
	int r = parse_unary(t, &a) ?: peek(t, &p);

	if (r < 0)
		return r;
	op = p->kind == T_OP ? p->op : OP_NONE;
	if (op == OP_IN) {
		t->have_tok = false;
		return parse_unary(t, &b) ?: mk(t, E_IN, a->line, a, b, ret);
	}
	if (op < OP_EQ || op > OP_GE) {
		*ret = a;
		return 0;
	}
	t->have_tok = false;
	r = deeper(t) ?: parse_rel(t, &b) ?: mk(t, E_CMP, a->line, a, b, ret);
	if (r < 0)
		return r;
	(*ret)->op = op;
	t->edepth--;
	return 0;
}

/*
 * rel (and|or rel)*: a chain of E_LOGIC nodes, each with an operand in a
 * and the rest of the chain in b, evaluated in a loop (so a long chain
 * costs no stack); its height is its tallest operand's, plus one.
 */
static int parse_expr(struct tpl *t, struct expr **ret)
{
	struct expr *e, *head = NULL, **tail = &head;
	const struct tok *p;
	unsigned h;
	int r;

	r = deeper(t) ?: parse_rel(t, &e);
	h = r == 0 ? e->height : 0;
	while (r == 0 && (r = peek(t, &p)) == 0 && p->kind == T_OP &&
	       (p->op == OP_AND || p->op == OP_OR)) {
		enum op op = p->op;

		t->have_tok = false;
		r = mk(t, E_LOGIC, e->line, e, NULL, tail);
		if (r < 0)
			return r;
		(*tail)->op = op;
		tail = &(*tail)->b;
		r = parse_rel(t, &e);
		if (r == 0 && e->height >= h)
			h = e->height;
	}
	if (r < 0)
		return r;
	*tail = e;
	if (h >= FE_TEMPLATE_MAX_DEPTH)
		return fail(t, e->line, -E2BIG,
			    "expression nested too deeply (more than %d levels)",
			    FE_TEMPLATE_MAX_DEPTH);
	for (struct expr *n = head; n != e; n = n->b)
		n->height = h + 1;
	*ret = head;
	t->edepth--;
	return 0;
}

/* ---- the document parser -------------------------------------------------------------- */

static int mk_node(struct tpl *t, enum nkind kind, unsigned line, struct node **ret)
{
	struct node *n = arena_alloc(t, sizeof(*n));

	if (!n)
		return nomem(t, line);
	n->kind = kind;
	n->line = line;
	*ret = n;
	return 0;
}

/* Where the next {{, {% or {# starts; end if none. */
static const char *find_tag(const char *p, const char *end)
{
	while ((p = memchr(p, '{', (size_t)(end - p)))) {
		if (end - p >= 2 && (p[1] == '{' || p[1] == '%' || p[1] == '#'))
			return p;
		p++;
	}
	return end;
}

static unsigned count_lines(const char *s, size_t n)
{
	unsigned lines = 0;

	for (const char *p = s; (p = memchr(p, '\n', n - (size_t)(p - s))); p++)
		lines++;
	return lines;
}

static int parse_body(struct tpl *t, const char *const *ends, const char *opener,
		      unsigned open_line, struct node **ret, size_t *ret_end);

/* An if or a for block, one level deeper. */
static int parse_block(struct tpl *t, int (*fn)(struct tpl *, unsigned, struct node **),
		       struct node **ret)
{
	unsigned line = t->tag_line;
	int r;

	if (++t->depth > FE_TEMPLATE_MAX_DEPTH)
		return fail(t, line, -E2BIG, "blocks nested too deeply (more than %d)",
			    FE_TEMPLATE_MAX_DEPTH);
	r = fn(t, line, ret);
	t->depth--;
	return r;
}

static int bad_tag(struct tpl *t, const struct tok *k)
{
	static const char *const ends[] = { "elif", "else", "endif", "empty", "endfor" };

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
		if (strlen(ends[i]) == k->n && memcmp(ends[i], k->s, k->n) == 0)
			return fail(t, k->line, -EINVAL, "unexpected {%% %s %%}", ends[i]);
	return fail(t, k->line, -EINVAL, "unknown tag \"%.*s\"",
		    (int)(k->n < TPL_SHOWN ? k->n : TPL_SHOWN), k->s);
}

static int parse_tag_name(struct tpl *t, struct tok *k)
{
	int r = next(t, k);

	if (r == 0 && k->kind != T_IDENT)
		r = unexpected(t, k, "a tag name");
	return r;
}

static int parse_if(struct tpl *t, unsigned line, struct node **ret)
{
	static const char *const ends[] = { "elif", "else", "endif", NULL };
	static const char *const end_else[] = { "endif", NULL };
	struct branch **tail;
	struct expr *cond;
	struct node *n = NULL;
	size_t which = 0;
	int r = mk_node(t, N_IF, line, &n) ?: parse_expr(t, &cond) ?: expect_end(t);

	if (r < 0)
		return r;
	tail = &n->branches;
	for (;;) {
		struct branch *b = arena_alloc(t, sizeof(*b));

		if (!b)
			return nomem(t, line);
		b->cond = cond;
		*tail = b;
		tail = &b->next;
		r = parse_body(t, cond ? ends : end_else, "if", line, &b->body, &which);
		if (r < 0)
			return r;
		if (!cond || which == 2) /* endif */
			break;
		cond = NULL;
		r = which == 0 ? parse_expr(t, &cond) : 0; /* elif */
		r = r ?: expect_end(t);
		if (r < 0)
			return r;
	}
	*ret = n;
	return expect_end(t);
}

static int parse_for(struct tpl *t, unsigned line, struct node **ret)
{
	static const char *const ends[] = { "empty", "endfor", NULL };
	static const char *const end_empty[] = { "endfor", NULL };
	struct tok key, val = { .kind = T_EOF };
	struct node *n = NULL;
	size_t which;
	int r = mk_node(t, N_FOR, line, &n) ?: next(t, &key);

	if (r == 0 && key.kind != T_IDENT)
		r = unexpected(t, &key, "a loop variable");
	if (r == 0 && (r = accept(t, OP_COMMA)) == 1) {
		r = next(t, &val);
		if (r == 0 && val.kind != T_IDENT)
			r = unexpected(t, &val, "a loop variable");
	}
	r = r ?: expect(t, OP_IN) ?: parse_expr(t, &n->e) ?: expect_end(t);
	if (r < 0)
		return r;
	n->key = arena_strndup(t, key.s, key.n, false, NULL);
	if (val.kind == T_IDENT)
		n->val = arena_strndup(t, val.s, val.n, false, NULL);
	if (!n->key || (val.kind == T_IDENT && !n->val))
		return nomem(t, line);
	r = parse_body(t, ends, "for", line, &n->body, &which);
	if (r == 0 && which == 0) /* empty */
		r = expect_end(t) ?: parse_body(t, end_empty, "for", line, &n->empty, &which);
	*ret = n;
	return r ?: expect_end(t);
}

/* A text node from pos up to end, honouring a -}} or -%} just before it. */
static int parse_text(struct tpl *t, const char *end, struct node ***tail)
{
	struct node *n = NULL;
	int r = mk_node(t, N_TEXT, t->line, &n);

	if (r < 0)
		return r;
	n->s = t->pos;
	n->n = (size_t)(end - t->pos);
	t->line += count_lines(n->s, n->n);
	t->pos = end;
	if (t->trim_next)
		for (; n->n && is_space(*n->s); n->n--)
			n->s++;
	t->trim_next = false;
	t->prev_text = n;
	**tail = n;
	*tail = &n->next;
	return 0;
}

/*
 * Nodes up to the end of the template (ends == NULL) or to one of the tag
 * names in ends: its index goes to *ret_end, and the caller reads the rest
 * of that tag.
 */
static int parse_body(struct tpl *t, const char *const *ends, const char *opener,
		      unsigned open_line, struct node **ret, size_t *ret_end)
{
	struct node *head = NULL, **tail = &head, *n = NULL;
	const char *tag, *close;
	struct tok k;
	int r;

	for (;;) {
		tag = find_tag(t->pos, t->end);
		if (tag > t->pos && (r = parse_text(t, tag, &tail)) < 0)
			return r;
		if (t->pos == t->end) {
			size_t last = 0;

			*ret = head;
			if (!ends)
				return 0;
			while (ends[last + 1])
				last++;
			return fail(t, open_line, -EINVAL,
				    "{%% %s %%} is not closed (no {%% %s %%})", opener, ends[last]);
		}
		if (t->pos[1] == '#') {
			close = memmem(t->pos + 2, (size_t)(t->end - t->pos - 2), "#}", 2);
			if (!close)
				return fail(t, t->line, -EINVAL, "unterminated comment (no #})");
			t->line += count_lines(t->pos, (size_t)(close - t->pos));
			t->pos = close + 2;
			continue;
		}
		t->tag_line = t->line;
		t->in_var = t->pos[1] == '{';
		t->pos += 2;
		t->trim_next = false;
		if (at(t, 0, "-")) {
			t->pos++;
			for (n = t->prev_text; n && n->n && is_space(n->s[n->n - 1]);)
				n->n--;
		}
		t->prev_text = NULL;
		if (t->in_var) {
			r = mk_node(t, N_OUT, t->tag_line, &n) ?: parse_expr(t, &n->e) ?: expect_end(t);
			if (r < 0)
				return r;
		} else {
			r = parse_tag_name(t, &k);
			if (r < 0)
				return r;
			for (size_t i = 0; ends && ends[i]; i++)
				if (strlen(ends[i]) == k.n && memcmp(ends[i], k.s, k.n) == 0) {
					*ret = head;
					*ret_end = i;
					return 0;
				}
			if (k.n == 2 && memcmp(k.s, "if", 2) == 0)
				r = parse_block(t, parse_if, &n);
			else if (k.n == 3 && memcmp(k.s, "for", 3) == 0)
				r = parse_block(t, parse_for, &n);
			else
				r = bad_tag(t, &k);
			if (r < 0)
				return r;
		}
		*tail = n;
		tail = &n->next;
	}
}

/* ---- the evaluator ---------------------------------------------------------------- */

#define TAKE_TV(v)                                                                                 \
	({                                                                                         \
		struct tv _v = (v);                                                                \
		(v) = (struct tv)TV_INIT;                                                          \
		_v;                                                                                \
	})

static int eval(struct tpl *t, const struct expr *e, struct tv *ret);
static int exec_body(struct tpl *t, const struct node *n);

/* The text of a value as Pongo2 prints it; numbers are written into tmp. */
static int tv_text(struct tpl *t, unsigned line, const struct tv *v, char tmp[static TPL_TEXT_MAX],
		   const char **ret, size_t *ret_n)
{
	int n = 0;

	switch (v->kind) {
	case TV_UNDEF:
		*ret = "";
		break;
	case TV_BOOL:
		*ret = v->b ? "True" : "False";
		n = v->b ? 4 : 5;
		break;
	case TV_INT:
		n = snprintf(tmp, TPL_TEXT_MAX, "%" PRId64, v->i);
		*ret = tmp;
		break;
	case TV_FLOAT:
		n = snprintf(tmp, TPL_TEXT_MAX, "%f", v->f);
		*ret = tmp;
		break;
	case TV_STR:
		*ret = v->s;
		*ret_n = v->n;
		return 0;
	default:
		return fail(t, line, -EINVAL, "cannot use %s as text",
			    v->kind == TV_MAP    ? "a map"
			    : v->kind == TV_LIST ? "a list"
						 : "forloop");
	}
	*ret_n = n < 0 ? 0 : (size_t)n < TPL_TEXT_MAX ? (size_t)n : TPL_TEXT_MAX - 1;
	return 0;
}

/* A string that is a plain decimal number (as strconv.ParseFloat reads it), else 0. */
static double str_number(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && is_digit(s[i]); i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && is_digit(s[i]); i++)
			digits++;
	if (digits && i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	/* s is NUL-terminated at s[n] and all of it was checked: strtod reads exactly n bytes */
	return digits && i == n ? strtod(s, NULL) : 0;
}

static double tv_double(const struct tv *v)
{
	return v->kind == TV_INT     ? (double)v->i
	       : v->kind == TV_FLOAT ? v->f
	       : v->kind == TV_STR   ? str_number(v->s, v->n)
				     : 0;
}

static int64_t tv_int64(const struct tv *v)
{
	double d;

	if (v->kind == TV_INT)
		return v->i;
	d = tv_double(v);
	if (d != d)
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

/* Pongo2's ==: integers by value, anything else only against the same type. */
static bool tv_equal(const struct tv *a, const struct tv *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TV_UNDEF:
		return true;
	case TV_BOOL:
		return a->b == b->b;
	case TV_INT:
		return a->i == b->i;
	case TV_FLOAT:
		return a->f == b->f;
	case TV_STR:
		return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
	case TV_LOOP:
		return a->loop == b->loop;
	default:
		return a->j == b->j; /* the same map or list */
	}
}

static struct tv lookup(const struct tpl *t, const char *name)
{
	json_object *o;

	for (const struct binding *b = t->scope; b; b = b->up)
		if (b->name && strcmp(b->name, name) == 0) {
			struct tv v = b->v;

			v.owned = NULL; /* the binding keeps it */
			return v;
		}
	if (t->loop && strcmp(name, "forloop") == 0)
		return (struct tv){ .kind = TV_LOOP, .loop = t->loop };
	if (json_object_object_get_ex(t->ctx, name, &o))
		return tv_json(o);
	return (struct tv)TV_INIT;
}

static struct tv loop_field(const struct loop *l, const char *name)
{
	if (strcmp(name, "Counter") == 0)
		return tv_int((int64_t)l->idx + 1);
	if (strcmp(name, "Counter0") == 0)
		return tv_int((int64_t)l->idx);
	if (strcmp(name, "Revcounter") == 0)
		return tv_int((int64_t)(l->count - l->idx));
	if (strcmp(name, "Revcounter0") == 0)
		return tv_int((int64_t)(l->count - l->idx - 1));
	if (strcmp(name, "First") == 0)
		return tv_bool(l->idx == 0);
	if (strcmp(name, "Last") == 0)
		return tv_bool(l->idx + 1 == l->count);
	if (strcmp(name, "Parentloop") == 0 && l->parent)
		return (struct tv){ .kind = TV_LOOP, .loop = l->parent };
	return (struct tv)TV_INIT;
}

static int eval_index(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv obj = TV_INIT, key = TV_INIT;
	json_object *o;
	bool name;
	int r = eval(t, e->a, &obj) ?: eval(t, e->b, &key);

	if (r < 0)
		return r;
	name = key.kind == TV_STR && !memchr(key.s, 0, key.n); /* usable as a C string */
	if (obj.kind == TV_MAP && name) {
		r = charge(t, e->line, key.n);
		if (r == 0 && json_object_object_get_ex(obj.j, key.s, &o))
			*ret = tv_json(o);
	} else if (obj.kind == TV_LIST && key.kind == TV_INT && key.i >= 0 &&
		   (size_t)key.i < tv_count(&obj)) {
		*ret = tv_json(json_object_array_get_idx(obj.j, (size_t)key.i));
	} else if (obj.kind == TV_LOOP && name) {
		*ret = loop_field(obj.loop, key.s);
	}
	return r;
}

/* config_get(key, default): LXD's, which also drops trailing CR and LF. */
static int eval_config_get(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv key = TV_INIT, def = TV_INIT;
	char tmp[TPL_TEXT_MAX], *copy;
	json_object *config, *o;
	const char *s;
	size_t n, m;
	int r = eval(t, e->a, &key) ?: eval(t, e->b, &def);

	r = r ?: tv_text(t, e->line, &key, tmp, &s, &n);
	r = r ?: charge(t, e->line, n);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(t->ctx, "config", &config) || memchr(s, 0, n) ||
	    !json_object_object_get_ex(config, s, &o)) {
		*ret = TAKE_TV(def);
		return 0;
	}
	*ret = tv_json(o);
	if (ret->kind != TV_STR)
		return 0;
	for (m = ret->n; m && (ret->s[m - 1] == '\r' || ret->s[m - 1] == '\n'); m--)
		;
	if (m == ret->n)
		return 0;
	r = charge(t, e->line, ret->n);
	if (r < 0)
		return r;
	copy = malloc(m + 1);
	if (!copy)
		return nomem(t, e->line);
	memcpy(copy, ret->s, m);
	copy[m] = '\0';
	*ret = tv_str(copy, m);
	ret->owned = copy;
	return 0;
}

static int eval_filter(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv v = TV_INIT;
	char tmp[TPL_TEXT_MAX], *copy;
	const char *s;
	size_t n, len = 0;
	int r = eval(t, e->a, &v);

	if (r < 0)
		return r;
	switch (e->filter) {
	case F_DEFAULT:
	case F_DEFAULT_IF_NONE:
		if (e->filter == F_DEFAULT ? !tv_true(&v) : v.kind == TV_UNDEF)
			return eval(t, e->b, ret);
		*ret = TAKE_TV(v);
		return 0;
	case F_UPPER:
	case F_LOWER:
		r = tv_text(t, e->line, &v, tmp, &s, &n) ?: charge(t, e->line, n);
		if (r < 0)
			return r;
		copy = malloc(n + 1);
		if (!copy)
			return nomem(t, e->line);
		for (size_t i = 0; i < n; i++) {
			char c = s[i];

			if (e->filter == F_UPPER && c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			else if (e->filter == F_LOWER && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			copy[i] = c;
		}
		copy[n] = '\0';
		*ret = tv_str(copy, n);
		ret->owned = copy;
		return 0;
	case F_LENGTH:
		if (v.kind != TV_STR) {
			*ret = tv_int((int64_t)tv_count(&v));
			return 0;
		}
		r = charge(t, e->line, v.n);
		for (size_t i = 0; i < v.n; i++)
			len += ((unsigned char)v.s[i] & 0xc0) != 0x80; /* UTF-8 lead bytes */
		*ret = tv_int((int64_t)len);
		return r;
	}
	return -EINVAL;
}

/* Pongo2's not: 0 or 1 for an integer, 0.0 or 1.1 (sic) for a float, else a boolean. */
static int eval_not(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv v = TV_INIT;
	int r = eval(t, e->a, &v);

	if (r < 0)
		return r;
	if (v.kind == TV_INT)
		*ret = tv_int(v.i == 0);
	else if (v.kind == TV_FLOAT)
		*ret = (struct tv){ .kind = TV_FLOAT, .f = v.f != 0 ? 0.0 : 1.1 };
	else
		*ret = tv_bool(!tv_true(&v));
	return 0;
}

static int eval_cmp(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv a = TV_INIT, b = TV_INIT;
	bool res;
	int r = eval(t, e->a, &a) ?: eval(t, e->b, &b);

	r = r ?: charge(t, e->line, (a.kind == TV_STR ? a.n : 0) + (b.kind == TV_STR ? b.n : 0));
	if (r < 0)
		return r;
	if (e->op == OP_EQ || e->op == OP_NE) {
		res = tv_equal(&a, &b) == (e->op == OP_EQ);
	} else if (a.kind == TV_FLOAT || b.kind == TV_FLOAT) {
		double x = tv_double(&a), y = tv_double(&b);

		res = e->op == OP_LT   ? x < y
		      : e->op == OP_GT ? x > y
		      : e->op == OP_LE ? x <= y
				       : x >= y;
	} else {
		int64_t x = tv_int64(&a), y = tv_int64(&b);

		res = e->op == OP_LT   ? x < y
		      : e->op == OP_GT ? x > y
		      : e->op == OP_LE ? x <= y
				       : x >= y;
	}
	*ret = tv_bool(res);
	return 0;
}

/* needle in haystack: a substring, a map's key, a list's item. */
static int eval_in(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv needle = TV_INIT, hay = TV_INIT;
	char tmp[TPL_TEXT_MAX];
	const char *s;
	size_t n;
	bool res = false;
	int r = eval(t, e->a, &needle) ?: eval(t, e->b, &hay);

	if (r < 0)
		return r;
	if (hay.kind == TV_STR) {
		r = tv_text(t, e->line, &needle, tmp, &s, &n) ?: charge(t, e->line, hay.n + n);
		if (r < 0)
			return r;
		res = memmem(hay.s, hay.n, s, n) != NULL;
	} else if (hay.kind == TV_MAP && needle.kind == TV_STR && !memchr(needle.s, 0, needle.n)) {
		r = charge(t, e->line, needle.n);
		res = json_object_object_get_ex(hay.j, needle.s, NULL);
	} else if (hay.kind == TV_LIST) {
		for (size_t i = 0, count = tv_count(&hay); i < count && !res && r == 0; i++) {
			struct tv item = tv_json(json_object_array_get_idx(hay.j, i));

			r = charge(t, e->line, needle.kind == TV_STR ? needle.n : 0);
			res = tv_equal(&needle, &item);
		}
	}
	*ret = tv_bool(res);
	return r;
}

/* An and/or chain, left to right; the same as Pongo2's grouping to the right. */
static int eval_logic(struct tpl *t, const struct expr *e, struct tv *ret)
{
	for (;;) {
		__do_tv struct tv v = TV_INIT;
		bool last = e->kind != E_LOGIC, b;
		int r = last ? eval(t, e, &v) : charge(t, e->line, 0) ?: eval(t, e->a, &v);

		if (r < 0)
			return r;
		b = tv_true(&v);
		if (last || (e->op == OP_AND && !b) || (e->op == OP_OR && b)) {
			*ret = tv_bool(b);
			return 0;
		}
		e = e->b;
	}
}

static int eval(struct tpl *t, const struct expr *e, struct tv *ret)
{
	int r = charge(t, e->line, 0);

	if (r < 0)
		return r;
	switch (e->kind) {
	case E_STR:
		*ret = tv_str(e->s, e->n);
		return 0;
	case E_INT:
		*ret = tv_int(e->i);
		return 0;
	case E_BOOL:
		*ret = tv_bool(e->i);
		return 0;
	case E_VAR:
		*ret = lookup(t, e->s);
		return 0;
	case E_INDEX:
		return eval_index(t, e, ret);
	case E_CALL:
		return eval_config_get(t, e, ret);
	case E_FILTER:
		return eval_filter(t, e, ret);
	case E_NOT:
		return eval_not(t, e, ret);
	case E_CMP:
		return eval_cmp(t, e, ret);
	case E_IN:
		return eval_in(t, e, ret);
	case E_LOGIC:
		return eval_logic(t, e, ret);
	}
	return -EINVAL;
}

/* ---- running the tree ----------------------------------------------------------------- */

static int out_add(struct tpl *t, unsigned line, const char *s, size_t n)
{
	size_t cap;
	char *p;
	int r = charge(t, line, n);

	if (r < 0 || n == 0)
		return r;
	if (n > FE_TEMPLATE_MAX_OUTPUT - t->out_len)
		return fail(t, line, -E2BIG, "the output is larger than %d bytes",
			    FE_TEMPLATE_MAX_OUTPUT);
	if (t->out_len + n + 1 > t->out_cap) {
		for (cap = t->out_cap ? t->out_cap : 4096; cap < t->out_len + n + 1;)
			cap *= 2;
		if (cap > FE_TEMPLATE_MAX_OUTPUT + 1)
			cap = FE_TEMPLATE_MAX_OUTPUT + 1;
		p = realloc(t->out, cap);
		if (!p)
			return nomem(t, line);
		t->out = p;
		t->out_cap = cap;
	}
	memcpy(t->out + t->out_len, s, n);
	t->out_len += n;
	return 0;
}

static int exec_out(struct tpl *t, const struct node *n)
{
	__do_tv struct tv v = TV_INIT;
	char tmp[TPL_TEXT_MAX];
	const char *s;
	size_t len;
	int r = eval(t, n->e, &v) ?: tv_text(t, n->line, &v, tmp, &s, &len);

	return r < 0 ? r : out_add(t, n->line, s, len);
}

static int exec_if(struct tpl *t, const struct node *n)
{
	for (const struct branch *b = n->branches; b; b = b->next) {
		__do_tv struct tv v = TV_INIT;
		int r = b->cond ? eval(t, b->cond, &v) : 0;

		if (r < 0)
			return r;
		if (!b->cond || tv_true(&v))
			return exec_body(t, b->body);
	}
	return 0;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Bind item i of seq: a map's key and value, a list's item, a string's byte. */
static int bind_item(struct tpl *t, const struct node *n, const struct tv *seq,
		     const char *const *keys, size_t i, struct tv *k, struct tv *v)
{
	json_object *o = NULL;
	char *c;

	switch (seq->kind) {
	case TV_MAP:
		*k = tv_str(keys[i], strlen(keys[i]));
		json_object_object_get_ex(seq->j, keys[i], &o);
		*v = tv_json(o);
		return 0;
	case TV_LIST:
		*k = tv_json(json_object_array_get_idx(seq->j, i));
		return 0;
	default:
		c = malloc(2);
		if (!c)
			return nomem(t, n->line);
		c[0] = seq->s[i];
		c[1] = '\0';
		*k = tv_str(c, 1);
		k->owned = c;
		return 0;
	}
}

static int exec_for(struct tpl *t, const struct node *n)
{
	__do_tv struct tv seq = TV_INIT;
	__do_free const char **keys = NULL;
	const struct binding *saved_scope = t->scope;
	const struct loop *saved_loop = t->loop;
	struct binding bk = { .name = n->key, .up = t->scope };
	struct binding bv = { .name = n->val, .up = &bk };
	struct loop lp = { .parent = t->loop };
	int r = eval(t, n->e, &seq);

	if (r < 0)
		return r;
	lp.count = tv_count(&seq);
	if (lp.count == 0)
		return n->empty ? exec_body(t, n->empty) : 0;
	if (seq.kind == TV_MAP) {
		struct json_object_iterator it = json_object_iter_begin(seq.j);
		struct json_object_iterator end = json_object_iter_end(seq.j);
		size_t i = 0;

		r = charge(t, n->line, lp.count * 16);
		if (r < 0)
			return r;
		keys = calloc(lp.count, sizeof(*keys));
		if (!keys)
			return nomem(t, n->line);
		for (; i < lp.count && !json_object_iter_equal(&it, &end);
		     json_object_iter_next(&it))
			keys[i++] = json_object_iter_peek_name(&it);
		lp.count = i;
		qsort(keys, lp.count, sizeof(*keys), cmp_keys);
	}
	t->scope = n->val ? &bv : &bk;
	t->loop = &lp;
	for (lp.idx = 0; lp.idx < lp.count && r == 0; lp.idx++) {
		if (++t->iterations > FE_TEMPLATE_MAX_ITERATIONS) {
			r = fail(t, n->line, -E2BIG, "more than %d loop iterations",
				 FE_TEMPLATE_MAX_ITERATIONS);
			break;
		}
		r = bind_item(t, n, &seq, keys, lp.idx, &bk.v, &bv.v) ?: exec_body(t, n->body);
		tv_free(&bk.v);
		tv_free(&bv.v);
	}
	t->scope = saved_scope;
	t->loop = saved_loop;
	return r;
}

static int exec_body(struct tpl *t, const struct node *n)
{
	int r = 0;

	for (; n && r == 0; n = n->next) {
		r = charge(t, n->line, 0);
		if (r < 0)
			break;
		switch (n->kind) {
		case N_TEXT:
			r = out_add(t, n->line, n->s, n->n);
			break;
		case N_OUT:
			r = exec_out(t, n);
			break;
		case N_IF:
			r = exec_if(t, n);
			break;
		case N_FOR:
			r = exec_for(t, n);
			break;
		}
	}
	return r;
}

int fe_template_render(const char *text, size_t len, json_object *ctx, char **ret_out,
		       size_t *ret_len, char *err, size_t errlen)
{
	__attribute__((cleanup(tpl_done))) struct tpl t = {
		.line = 1,
		.ctx = ctx,
		.err = err,
		.errlen = errlen,
	};
	struct node *root = NULL;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!ret_out || (!text && len))
		return fail(&t, 0, -EINVAL, "no template");
	if (len > FE_TEMPLATE_MAX_INPUT)
		return fail(&t, 0, -E2BIG, "the template is larger than %d bytes (%zu)",
			    FE_TEMPLATE_MAX_INPUT, len);
	t.pos = text ? text : "";
	t.end = t.pos + len;
	r = parse_body(&t, NULL, NULL, 0, &root, NULL) ?: exec_body(&t, root);
	if (r < 0)
		return r;
	if (!t.out && !(t.out = malloc(1)))
		return nomem(&t, 0);
	t.out[t.out_len] = '\0';
	if (ret_len)
		*ret_len = t.out_len;
	*ret_out = TAKE_PTR(t.out);
	return 0;
}
