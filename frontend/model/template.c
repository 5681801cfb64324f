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
 * (TPL_MAX_TREE, TPL_MAX_WORK in template_int.h); every recursion is
 * bounded by a nesting limit. The shape: a lexer for the inside of {{ }}
 * and {% %} (template_lex.c), a recursive-descent parser into a tree held
 * in an arena (template_parse.c), an evaluator of expressions
 * (template_eval.c), and this file: fe_template_render(), which runs the
 * tree's nodes into one growing buffer, with the render's error and work
 * accounting. template_int.h has the types the four files share.
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
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "model/template.h"
#include "model/template_int.h"

/* ---- the render's state, errors and work ------------------------------------------------ */

static void tpl_done(struct tpl *t)
{
	while (t->arena) {
		struct chunk *c = t->arena;

		t->arena = c->next;
		free(c);
	}
	free(t->out);
}

int fe_tpl_fail(struct tpl *t, unsigned line, int rc, const char *fmt, ...)
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

int fe_tpl_charge(struct tpl *t, unsigned line, size_t bytes)
{
	t->work += 1 + bytes / 16;
	if (t->work > TPL_MAX_WORK)
		return fe_tpl_fail(t, line, -E2BIG, "the template needs too much work to render");
	return 0;
}

/* The error for a failed allocation: the tree grew too big, or malloc failed. */
int fe_tpl_nomem(struct tpl *t, unsigned line)
{
	if (t->tree_full)
		return fe_tpl_fail(t, line, -E2BIG,
				   "the template is too complex (its tree needs over %u MiB)",
				   TPL_MAX_TREE >> 20);
	return fe_tpl_fail(t, line, -ENOMEM, "out of memory");
}

/* ---- running the tree ----------------------------------------------------------------- */

static int exec_body(struct tpl *t, const struct node *n);

static int out_add(struct tpl *t, unsigned line, const char *s, size_t n)
{
	size_t cap;
	char *p;
	int r = fe_tpl_charge(t, line, n);

	if (r < 0 || n == 0)
		return r;
	if (n > FE_TEMPLATE_MAX_OUTPUT - t->out_len)
		return fe_tpl_fail(t, line, -E2BIG, "the output is larger than %d bytes",
				   FE_TEMPLATE_MAX_OUTPUT);
	if (t->out_len + n + 1 > t->out_cap) {
		for (cap = t->out_cap ? t->out_cap : 4096; cap < t->out_len + n + 1;)
			cap *= 2;
		if (cap > FE_TEMPLATE_MAX_OUTPUT + 1)
			cap = FE_TEMPLATE_MAX_OUTPUT + 1;
		p = realloc(t->out, cap);
		if (!p)
			return fe_tpl_nomem(t, line);
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
	int r = fe_tpl_eval(t, n->e, &v) ?: fe_tpl_tv_text(t, n->line, &v, tmp, &s, &len);

	return r < 0 ? r : out_add(t, n->line, s, len);
}

static int exec_if(struct tpl *t, const struct node *n)
{
	for (const struct branch *b = n->branches; b; b = b->next) {
		__do_tv struct tv v = TV_INIT;
		int r = b->cond ? fe_tpl_eval(t, b->cond, &v) : 0;

		if (r < 0)
			return r;
		if (!b->cond || fe_tpl_tv_true(&v))
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
		*k = fe_tpl_tv_str(keys[i], strlen(keys[i]));
		json_object_object_get_ex(seq->j, keys[i], &o);
		*v = fe_tpl_tv_json(o);
		return 0;
	case TV_LIST:
		*k = fe_tpl_tv_json(json_object_array_get_idx(seq->j, i));
		return 0;
	default:
		c = malloc(2);
		if (!c)
			return fe_tpl_nomem(t, n->line);
		c[0] = seq->s[i];
		c[1] = '\0';
		*k = fe_tpl_tv_str(c, 1);
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
	int r = fe_tpl_eval(t, n->e, &seq);

	if (r < 0)
		return r;
	lp.count = fe_tpl_tv_count(&seq);
	if (lp.count == 0)
		return n->empty ? exec_body(t, n->empty) : 0;
	if (seq.kind == TV_MAP) {
		struct json_object_iterator it = json_object_iter_begin(seq.j);
		struct json_object_iterator end = json_object_iter_end(seq.j);
		size_t i = 0;

		r = fe_tpl_charge(t, n->line, lp.count * 16);
		if (r < 0)
			return r;
		keys = calloc(lp.count, sizeof(*keys));
		if (!keys)
			return fe_tpl_nomem(t, n->line);
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
			r = fe_tpl_fail(t, n->line, -E2BIG, "more than %d loop iterations",
					FE_TEMPLATE_MAX_ITERATIONS);
			break;
		}
		r = bind_item(t, n, &seq, keys, lp.idx, &bk.v, &bv.v) ?: exec_body(t, n->body);
		fe_tpl_tv_free(&bk.v);
		fe_tpl_tv_free(&bv.v);
	}
	t->scope = saved_scope;
	t->loop = saved_loop;
	return r;
}

static int exec_body(struct tpl *t, const struct node *n)
{
	int r = 0;

	for (; n && r == 0; n = n->next) {
		r = fe_tpl_charge(t, n->line, 0);
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
		return fe_tpl_fail(&t, 0, -EINVAL, "no template");
	if (len > FE_TEMPLATE_MAX_INPUT)
		return fe_tpl_fail(&t, 0, -E2BIG, "the template is larger than %d bytes (%zu)",
				   FE_TEMPLATE_MAX_INPUT, len);
	t.pos = text ? text : "";
	t.end = t.pos + len;
	r = fe_tpl_parse_body(&t, NULL, NULL, 0, &root, NULL) ?: exec_body(&t, root);
	if (r < 0)
		return r;
	if (!t.out && !(t.out = malloc(1)))
		return fe_tpl_nomem(&t, 0);
	t.out[t.out_len] = '\0';
	if (ret_len)
		*ret_len = t.out_len;
	*ret_out = TAKE_PTR(t.out);
	return 0;
}
