// SPDX-License-Identifier: Apache-2.0
/*
 * The template engine's values and expressions (see template.c): a value
 * from the context's JSON, a literal or a loop, with Pongo2's truth, text,
 * numbers and equality, and what each kind of expression in the tree
 * evaluates to (names, subscripts, config_get(), filters, not, the
 * comparisons, in, and/or). Run by moatd-api, unprivileged (the `moat`
 * user, no capabilities, seccomp). The tree comes from a hostile template:
 * every step and every byte handled is charged to the render's work limit,
 * and a missing key, a bad index or a JSON null is undefined, never an
 * error. The context is built by moatd-api; its maps and lists are only
 * borrowed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "model/template_int.h"

/* ---- values ------------------------------------------------------------------- */

void fe_tpl_tv_free(struct tv *v)
{
	free(v->owned);
	*v = (struct tv)TV_INIT;
}

static struct tv tv_bool(bool b)
{
	return (struct tv){ .kind = TV_BOOL, .b = b };
}

static struct tv tv_int(int64_t i)
{
	return (struct tv){ .kind = TV_INT, .i = i };
}

struct tv fe_tpl_tv_str(const char *s, size_t n)
{
	return (struct tv){ .kind = TV_STR, .s = s, .n = n };
}

struct tv fe_tpl_tv_json(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_boolean:
		return tv_bool(json_object_get_boolean(o));
	case json_type_int:
		return tv_int(json_object_get_int64(o));
	case json_type_double:
		return (struct tv){ .kind = TV_FLOAT, .f = json_object_get_double(o) };
	case json_type_string:
		return fe_tpl_tv_str(json_object_get_string(o),
				     (size_t)json_object_get_string_len(o));
	case json_type_object:
		return (struct tv){ .kind = TV_MAP, .j = o };
	case json_type_array:
		return (struct tv){ .kind = TV_LIST, .j = o };
	default:
		return (struct tv)TV_INIT;
	}
}

/* Items of a list or map, bytes of a string, else 0. */
size_t fe_tpl_tv_count(const struct tv *v)
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

bool fe_tpl_tv_true(const struct tv *v)
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
		return fe_tpl_tv_count(v) > 0;
	}
}

/* ---- the evaluator ---------------------------------------------------------------- */

#define TAKE_TV(v)                                                                                 \
	({                                                                                         \
		struct tv _v = (v);                                                                \
		(v) = (struct tv)TV_INIT;                                                          \
		_v;                                                                                \
	})

/* The text of a value as Pongo2 prints it; numbers are written into tmp. */
int fe_tpl_tv_text(struct tpl *t, unsigned line, const struct tv *v, char tmp[static TPL_TEXT_MAX],
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
		return fe_tpl_fail(t, line, -EINVAL, "cannot use %s as text",
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
	for (; i < n && fe_tpl_is_digit(s[i]); i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && fe_tpl_is_digit(s[i]); i++)
			digits++;
	if (digits && i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || !fe_tpl_is_digit(s[i]))
			return 0;
		while (i < n && fe_tpl_is_digit(s[i]))
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
		return fe_tpl_tv_json(o);
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
	int r = fe_tpl_eval(t, e->a, &obj) ?: fe_tpl_eval(t, e->b, &key);

	if (r < 0)
		return r;
	name = key.kind == TV_STR && !memchr(key.s, 0, key.n); /* usable as a C string */
	if (obj.kind == TV_MAP && name) {
		r = fe_tpl_charge(t, e->line, key.n);
		if (r == 0 && json_object_object_get_ex(obj.j, key.s, &o))
			*ret = fe_tpl_tv_json(o);
	} else if (obj.kind == TV_LIST && key.kind == TV_INT && key.i >= 0 &&
		   (size_t)key.i < fe_tpl_tv_count(&obj)) {
		*ret = fe_tpl_tv_json(json_object_array_get_idx(obj.j, (size_t)key.i));
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
	int r = fe_tpl_eval(t, e->a, &key) ?: fe_tpl_eval(t, e->b, &def);

	r = r ?: fe_tpl_tv_text(t, e->line, &key, tmp, &s, &n);
	r = r ?: fe_tpl_charge(t, e->line, n);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(t->ctx, "config", &config) || memchr(s, 0, n) ||
	    !json_object_object_get_ex(config, s, &o)) {
		*ret = TAKE_TV(def);
		return 0;
	}
	*ret = fe_tpl_tv_json(o);
	if (ret->kind != TV_STR)
		return 0;
	for (m = ret->n; m && (ret->s[m - 1] == '\r' || ret->s[m - 1] == '\n'); m--)
		;
	if (m == ret->n)
		return 0;
	r = fe_tpl_charge(t, e->line, ret->n);
	if (r < 0)
		return r;
	copy = malloc(m + 1);
	if (!copy)
		return fe_tpl_nomem(t, e->line);
	memcpy(copy, ret->s, m);
	copy[m] = '\0';
	*ret = fe_tpl_tv_str(copy, m);
	ret->owned = copy;
	return 0;
}

static int eval_filter(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv v = TV_INIT;
	char tmp[TPL_TEXT_MAX], *copy;
	const char *s;
	size_t n, len = 0;
	int r = fe_tpl_eval(t, e->a, &v);

	if (r < 0)
		return r;
	switch (e->filter) {
	case F_DEFAULT:
	case F_DEFAULT_IF_NONE:
		if (e->filter == F_DEFAULT ? !fe_tpl_tv_true(&v) : v.kind == TV_UNDEF)
			return fe_tpl_eval(t, e->b, ret);
		*ret = TAKE_TV(v);
		return 0;
	case F_UPPER:
	case F_LOWER:
		r = fe_tpl_tv_text(t, e->line, &v, tmp, &s, &n) ?: fe_tpl_charge(t, e->line, n);
		if (r < 0)
			return r;
		copy = malloc(n + 1);
		if (!copy)
			return fe_tpl_nomem(t, e->line);
		for (size_t i = 0; i < n; i++) {
			char c = s[i];

			if (e->filter == F_UPPER && c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			else if (e->filter == F_LOWER && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			copy[i] = c;
		}
		copy[n] = '\0';
		*ret = fe_tpl_tv_str(copy, n);
		ret->owned = copy;
		return 0;
	case F_LENGTH:
		if (v.kind != TV_STR) {
			*ret = tv_int((int64_t)fe_tpl_tv_count(&v));
			return 0;
		}
		r = fe_tpl_charge(t, e->line, v.n);
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
	int r = fe_tpl_eval(t, e->a, &v);

	if (r < 0)
		return r;
	if (v.kind == TV_INT)
		*ret = tv_int(v.i == 0);
	else if (v.kind == TV_FLOAT)
		*ret = (struct tv){ .kind = TV_FLOAT, .f = v.f != 0 ? 0.0 : 1.1 };
	else
		*ret = tv_bool(!fe_tpl_tv_true(&v));
	return 0;
}

static int eval_cmp(struct tpl *t, const struct expr *e, struct tv *ret)
{
	__do_tv struct tv a = TV_INIT, b = TV_INIT;
	bool res;
	int r = fe_tpl_eval(t, e->a, &a) ?: fe_tpl_eval(t, e->b, &b);

	r = r
		    ?: fe_tpl_charge(t, e->line,
				     (a.kind == TV_STR ? a.n : 0) + (b.kind == TV_STR ? b.n : 0));
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
	int r = fe_tpl_eval(t, e->a, &needle) ?: fe_tpl_eval(t, e->b, &hay);

	if (r < 0)
		return r;
	if (hay.kind == TV_STR) {
		r = fe_tpl_tv_text(t, e->line, &needle, tmp, &s, &n)
			    ?: fe_tpl_charge(t, e->line, hay.n + n);
		if (r < 0)
			return r;
		res = memmem(hay.s, hay.n, s, n) != NULL;
	} else if (hay.kind == TV_MAP && needle.kind == TV_STR && !memchr(needle.s, 0, needle.n)) {
		r = fe_tpl_charge(t, e->line, needle.n);
		res = json_object_object_get_ex(hay.j, needle.s, NULL);
	} else if (hay.kind == TV_LIST) {
		for (size_t i = 0, count = fe_tpl_tv_count(&hay); i < count && !res && r == 0;
		     i++) {
			struct tv item = fe_tpl_tv_json(json_object_array_get_idx(hay.j, i));

			r = fe_tpl_charge(t, e->line, needle.kind == TV_STR ? needle.n : 0);
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
		int r = last ? fe_tpl_eval(t, e, &v) : fe_tpl_charge(t, e->line, 0) ?: fe_tpl_eval(t, e->a, &v);

		if (r < 0)
			return r;
		b = fe_tpl_tv_true(&v);
		if (last || (e->op == OP_AND && !b) || (e->op == OP_OR && b)) {
			*ret = tv_bool(b);
			return 0;
		}
		e = e->b;
	}
}

int fe_tpl_eval(struct tpl *t, const struct expr *e, struct tv *ret)
{
	int r = fe_tpl_charge(t, e->line, 0);

	if (r < 0)
		return r;
	switch (e->kind) {
	case E_STR:
		*ret = fe_tpl_tv_str(e->s, e->n);
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
