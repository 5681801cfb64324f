// SPDX-License-Identifier: Apache-2.0
/*
 * The template engine's lexer (see template.c): the tokens inside {{ }}
 * and {% %} (names, numbers, strings, operators, the closing }} and %}),
 * one at a time for the parser, which peeks at most one ahead. Run by
 * moatd-api, unprivileged (the `moat` user, no capabilities, seccomp). The
 * text comes from an image and is hostile: every read is bounded by the
 * text's end, numbers are checked for overflow, strings may not hold a
 * newline or an unknown escape, and any other byte is an error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "model/template_int.h"

static const char *const op_names[] = {
	[OP_NONE] = "?",   [OP_EQ] = "==",    [OP_NE] = "!=",    [OP_LT] = "<",
	[OP_GT] = ">",     [OP_LE] = "<=",    [OP_GE] = ">=",    [OP_AND] = "and",
	[OP_OR] = "or",    [OP_NOT] = "not",  [OP_IN] = "in",    [OP_LPAREN] = "(",
	[OP_RPAREN] = ")", [OP_LBRACK] = "[", [OP_RBRACK] = "]", [OP_COMMA] = ",",
	[OP_DOT] = ".",    [OP_PIPE] = "|",   [OP_COLON] = ":",
};

/* ---- the lexer (inside {{ }} and {% %}) ------------------------------------------- */

bool fe_tpl_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool fe_tpl_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether the text at pos + off starts with lit. */
bool fe_tpl_at(const struct tpl *t, size_t off, const char *lit)
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
			return fe_tpl_fail(t, k->line, -EINVAL, "newline in a string");
		if (*t->pos == '\\') {
			if (t->end - t->pos < 2 ||
			    (t->pos[1] != '\\' && t->pos[1] != '"' && t->pos[1] != '\''))
				return fe_tpl_fail(
					t, k->line, -EINVAL,
					"unknown escape in a string (only \\\\ \\\" \\')");
			t->pos++;
		}
	}
	if (t->pos == t->end)
		return fe_tpl_fail(t, k->line, -EINVAL, "unterminated string");
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

	for (; t->pos < t->end && fe_tpl_is_space(*t->pos); t->pos++)
		if (*t->pos == '\n')
			t->line++;
	memset(k, 0, sizeof(*k));
	k->line = t->line;
	if (t->pos == t->end)
		return 0; /* T_EOF */
	c = *t->pos;
	if (fe_tpl_at(t, 0, "}}") || fe_tpl_at(t, 0, "%}") || fe_tpl_at(t, 0, "-}}") ||
	    fe_tpl_at(t, 0, "-%}")) {
		k->trim = c == '-';
		t->pos += k->trim;
		k->kind = *t->pos == '}' ? T_END_VAR : T_END_TAG;
		t->pos += 2;
		return 0;
	}
	if (c == '"' || c == '\'')
		return lex_string(t, k);
	if (fe_tpl_is_digit(c)) {
		k->kind = T_INT;
		for (; t->pos < t->end && fe_tpl_is_digit(*t->pos); t->pos++) {
			if (k->i > (INT64_MAX - (*t->pos - '0')) / 10)
				return fe_tpl_fail(t, k->line, -EINVAL, "number too large");
			k->i = k->i * 10 + (*t->pos - '0');
		}
		if (t->pos < t->end && is_alpha(*t->pos))
			return fe_tpl_fail(t, k->line, -EINVAL, "malformed number");
		return 0;
	}
	if (is_alpha(c)) {
		k->s = t->pos;
		while (t->pos < t->end && (is_alpha(*t->pos) || fe_tpl_is_digit(*t->pos)))
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
		if (fe_tpl_at(t, 0, ops[i].s)) {
			k->kind = T_OP;
			k->op = ops[i].op;
			t->pos += strlen(ops[i].s);
			return 0;
		}
	if (memchr("+-*/%^=", c, 7))
		return fe_tpl_fail(t, k->line, -EINVAL, "operator '%c' is not supported", c);
	if (c > 0x20 && c < 0x7f)
		return fe_tpl_fail(t, k->line, -EINVAL, "unexpected character '%c'", c);
	return fe_tpl_fail(t, k->line, -EINVAL, "unexpected byte 0x%02x", (unsigned char)c);
}

int fe_tpl_peek(struct tpl *t, const struct tok **ret)
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

int fe_tpl_next(struct tpl *t, struct tok *ret)
{
	const struct tok *k;
	int r = fe_tpl_peek(t, &k);

	if (r < 0)
		return r;
	*ret = *k;
	t->have_tok = false;
	return 0;
}

/* Whether the next token is the operator op; it is consumed if so. */
int fe_tpl_accept(struct tpl *t, enum op op)
{
	const struct tok *k;
	int r = fe_tpl_peek(t, &k);

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
int fe_tpl_unexpected(struct tpl *t, const struct tok *k, const char *want)
{
	char buf[64];

	if (k->kind == T_EOF)
		return fe_tpl_fail(t, t->tag_line, -EINVAL, "unterminated %s (no %s)",
				   t->in_var ? "{{" : "{%", t->in_var ? "}}" : "%}");
	return fe_tpl_fail(t, k->line, -EINVAL, "expected %s, found %s", want, tok_desc(k, buf));
}

int fe_tpl_expect(struct tpl *t, enum op op)
{
	struct tok k;
	char want[16];
	int r = fe_tpl_next(t, &k);

	if (r < 0)
		return r;
	if (k.kind == T_OP && k.op == op)
		return 0;
	snprintf(want, sizeof(want), "\"%s\"", op_names[op]);
	return fe_tpl_unexpected(t, &k, want);
}

/* The end of the open tag: }} or %}. */
int fe_tpl_expect_end(struct tpl *t)
{
	struct tok k;
	int r = fe_tpl_next(t, &k);

	if (r < 0)
		return r;
	if (k.kind == (t->in_var ? T_END_VAR : T_END_TAG)) {
		t->trim_next = k.trim;
		return 0;
	}
	return fe_tpl_unexpected(t, &k, t->in_var ? "\"}}\"" : "\"%}\"");
}
