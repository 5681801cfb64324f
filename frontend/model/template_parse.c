// SPDX-License-Identifier: Apache-2.0
/*
 * The template engine's parser (see template.c): expressions by recursive
 * descent over template_lex.c's tokens, and the document's text, {{ }},
 * {# #} and {% if %} / {% for %} blocks, into a tree held in an arena that
 * lives until the render ends. Run by moatd-api, unprivileged (the `moat`
 * user, no capabilities, seccomp). The text comes from an image and is
 * hostile: blocks and expressions nest at most FE_TEMPLATE_MAX_DEPTH deep
 * (so the recursion is bounded), an and/or chain is a loop, and the arena
 * refuses to grow past TPL_MAX_TREE.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "model/template.h"
#include "model/template_int.h"

static const struct {
	const char *name;
	bool arg;
} filters[] = {
	[F_DEFAULT] = { "default", true }, [F_DEFAULT_IF_NONE] = { "default_if_none", true },
	[F_UPPER] = { "upper", false },    [F_LOWER] = { "lower", false },
	[F_LENGTH] = { "length", false },
};

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

/* ---- the expression parser ------------------------------------------------------------ */

static int mk(struct tpl *t, enum ekind kind, unsigned line, struct expr *a, struct expr *b,
	      struct expr **ret)
{
	struct expr *e = arena_alloc(t, sizeof(*e));
	unsigned h = 0;

	if (!e)
		return fe_tpl_nomem(t, line);
	if (a && a->height > h)
		h = a->height;
	if (b && b->height > h)
		h = b->height;
	if (h >= FE_TEMPLATE_MAX_DEPTH)
		return fe_tpl_fail(t, line, -E2BIG,
				   "expression nested too deeply (more than %d levels)",
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
		return fe_tpl_fail(t, name->line, -EINVAL, "unknown function \"%.*s\"",
				   (int)(name->n < TPL_SHOWN ? name->n : TPL_SHOWN), name->s);
	t->have_tok = false; /* the ( */
	r = fe_tpl_accept(t, OP_RPAREN);
	while (r == 0) {
		struct expr *a;

		r = parse_expr(t, &a);
		if (r < 0)
			return r;
		if (n < ARRAY_SIZE(args))
			args[n] = a;
		n++;
		r = fe_tpl_accept(t, OP_COMMA);
		if (r == 1)
			r = 0;
		else if (r == 0)
			r = fe_tpl_expect(t, OP_RPAREN) ?: 1;
	}
	if (r < 0)
		return r;
	if (n != 2)
		return fe_tpl_fail(t, name->line, -EINVAL,
				   "config_get() takes 2 arguments, not %zu", n);
	return mk(t, E_CALL, name->line, args[0], args[1], ret);
}

static int parse_primary(struct tpl *t, struct expr **ret)
{
	const struct tok *p;
	struct tok k;
	struct expr *e;
	int r = fe_tpl_next(t, &k);

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
		if (k.kind == T_INT && fe_tpl_at(t, 0, ".") && t->pos + 1 < t->end &&
		    fe_tpl_is_digit(t->pos[1]))
			return fe_tpl_fail(t, k.line, -EINVAL, "decimal numbers are not supported");
		r = mk(t, k.kind == T_INT ? E_INT : E_BOOL, k.line, NULL, NULL, &e);
		if (r < 0)
			return r;
		e->i = k.i;
		break;
	case T_IDENT:
		r = fe_tpl_peek(t, &p);
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
			return r < 0 ? r : fe_tpl_expect(t, OP_RPAREN);
		}
		return fe_tpl_unexpected(t, &k, "a value");
	}
	if (!e->s && (e->kind == E_STR || e->kind == E_VAR))
		return fe_tpl_nomem(t, k.line);
	*ret = e;
	return 0;
}

static int parse_filter(struct tpl *t, struct expr *value, struct expr **ret)
{
	struct expr *arg = NULL;
	struct tok k;
	size_t f;
	int r = fe_tpl_next(t, &k);

	if (r < 0)
		return r;
	if (k.kind != T_IDENT)
		return fe_tpl_unexpected(t, &k, "a filter name");
	for (f = 0; f < ARRAY_SIZE(filters); f++)
		if (strlen(filters[f].name) == k.n && memcmp(filters[f].name, k.s, k.n) == 0)
			break;
	if (f == ARRAY_SIZE(filters))
		return fe_tpl_fail(t, k.line, -EINVAL, "unknown filter \"%.*s\"",
				   (int)(k.n < TPL_SHOWN ? k.n : TPL_SHOWN), k.s);
	r = fe_tpl_accept(t, OP_COLON);
	if (r < 0)
		return r;
	if (r != filters[f].arg)
		return fe_tpl_fail(t, k.line, -EINVAL, "filter %s %s", filters[f].name,
				   filters[f].arg ? "needs an argument (|name:arg)"
						  : "takes no argument");
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
		r = fe_tpl_peek(t, &p);
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
			r = r ?: fe_tpl_expect(t, OP_RBRACK);
		} else {
			r = fe_tpl_next(t, &k);
			if (r == 0 && k.kind != T_IDENT && k.kind != T_INT)
				r = fe_tpl_unexpected(t, &k, "a name or an index after \".\"");
			if (r == 0)
				r = mk(t, k.kind == T_INT ? E_INT : E_STR, k.line, NULL, NULL,
				       &key);
			if (r == 0) {
				key->i = k.i;
				if (k.kind == T_IDENT &&
				    !(key->s = arena_strndup(t, k.s, k.n, false, &key->n)))
					r = fe_tpl_nomem(t, k.line);
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
	int r = fe_tpl_accept(t, OP_NOT);

	if (r <= 0)
		return r < 0 ? r : parse_postfix(t, true, ret);
	r = parse_postfix(t, true, &e);
	return r < 0 ? r : mk(t, E_NOT, e->line, e, NULL, ret);
}

/* One level deeper into an expression while parsing it. */
static int deeper(struct tpl *t)
{
	if (++t->edepth > FE_TEMPLATE_MAX_DEPTH)
		return fe_tpl_fail(t, t->line, -E2BIG,
				   "expression nested too deeply (more than %d levels)",
				   FE_TEMPLATE_MAX_DEPTH);
	return 0;
}

static int parse_rel(struct tpl *t, struct expr **ret)
{
	struct expr *a, *b;
	const struct tok *p = NULL;
	enum op op;
	int r = parse_unary(t, &a) ?: fe_tpl_peek(t, &p);

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
	while (r == 0 && (r = fe_tpl_peek(t, &p)) == 0 && p->kind == T_OP &&
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
		return fe_tpl_fail(t, e->line, -E2BIG,
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
		return fe_tpl_nomem(t, line);
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

/* An if or a for block, one level deeper. */
static int parse_block(struct tpl *t, int (*fn)(struct tpl *, unsigned, struct node **),
		       struct node **ret)
{
	unsigned line = t->tag_line;
	int r;

	if (++t->depth > FE_TEMPLATE_MAX_DEPTH)
		return fe_tpl_fail(t, line, -E2BIG, "blocks nested too deeply (more than %d)",
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
			return fe_tpl_fail(t, k->line, -EINVAL, "unexpected {%% %s %%}", ends[i]);
	return fe_tpl_fail(t, k->line, -EINVAL, "unknown tag \"%.*s\"",
			   (int)(k->n < TPL_SHOWN ? k->n : TPL_SHOWN), k->s);
}

static int parse_tag_name(struct tpl *t, struct tok *k)
{
	int r = fe_tpl_next(t, k);

	if (r == 0 && k->kind != T_IDENT)
		r = fe_tpl_unexpected(t, k, "a tag name");
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
	int r = mk_node(t, N_IF, line, &n) ?: parse_expr(t, &cond) ?: fe_tpl_expect_end(t);

	if (r < 0)
		return r;
	tail = &n->branches;
	for (;;) {
		struct branch *b = arena_alloc(t, sizeof(*b));

		if (!b)
			return fe_tpl_nomem(t, line);
		b->cond = cond;
		*tail = b;
		tail = &b->next;
		r = fe_tpl_parse_body(t, cond ? ends : end_else, "if", line, &b->body, &which);
		if (r < 0)
			return r;
		if (!cond || which == 2) /* endif */
			break;
		cond = NULL;
		r = which == 0 ? parse_expr(t, &cond) : 0; /* elif */
		r = r ?: fe_tpl_expect_end(t);
		if (r < 0)
			return r;
	}
	*ret = n;
	return fe_tpl_expect_end(t);
}

static int parse_for(struct tpl *t, unsigned line, struct node **ret)
{
	static const char *const ends[] = { "empty", "endfor", NULL };
	static const char *const end_empty[] = { "endfor", NULL };
	struct tok key, val = { .kind = T_EOF };
	struct node *n = NULL;
	size_t which;
	int r = mk_node(t, N_FOR, line, &n) ?: fe_tpl_next(t, &key);

	if (r == 0 && key.kind != T_IDENT)
		r = fe_tpl_unexpected(t, &key, "a loop variable");
	if (r == 0 && (r = fe_tpl_accept(t, OP_COMMA)) == 1) {
		r = fe_tpl_next(t, &val);
		if (r == 0 && val.kind != T_IDENT)
			r = fe_tpl_unexpected(t, &val, "a loop variable");
	}
	r = r ?: fe_tpl_expect(t, OP_IN) ?: parse_expr(t, &n->e) ?: fe_tpl_expect_end(t);
	if (r < 0)
		return r;
	n->key = arena_strndup(t, key.s, key.n, false, NULL);
	if (val.kind == T_IDENT)
		n->val = arena_strndup(t, val.s, val.n, false, NULL);
	if (!n->key || (val.kind == T_IDENT && !n->val))
		return fe_tpl_nomem(t, line);
	r = fe_tpl_parse_body(t, ends, "for", line, &n->body, &which);
	if (r == 0 && which == 0) /* empty */
		r = fe_tpl_expect_end(t)
			    ?: fe_tpl_parse_body(t, end_empty, "for", line, &n->empty, &which);
	*ret = n;
	return r ?: fe_tpl_expect_end(t);
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
		for (; n->n && fe_tpl_is_space(*n->s); n->n--)
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
int fe_tpl_parse_body(struct tpl *t, const char *const *ends, const char *opener,
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
			return fe_tpl_fail(t, open_line, -EINVAL,
					   "{%% %s %%} is not closed (no {%% %s %%})", opener,
					   ends[last]);
		}
		if (t->pos[1] == '#') {
			close = memmem(t->pos + 2, (size_t)(t->end - t->pos - 2), "#}", 2);
			if (!close)
				return fe_tpl_fail(t, t->line, -EINVAL,
						   "unterminated comment (no #})");
			t->line += count_lines(t->pos, (size_t)(close - t->pos));
			t->pos = close + 2;
			continue;
		}
		t->tag_line = t->line;
		t->in_var = t->pos[1] == '{';
		t->pos += 2;
		t->trim_next = false;
		if (fe_tpl_at(t, 0, "-")) {
			t->pos++;
			for (n = t->prev_text; n && n->n && fe_tpl_is_space(n->s[n->n - 1]);)
				n->n--;
		}
		t->prev_text = NULL;
		if (t->in_var) {
			r = mk_node(t, N_OUT, t->tag_line, &n) ?: parse_expr(t, &n->e) ?: fe_tpl_expect_end(t);
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
