/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The template engine's private header, for template.c and its
 * template_*.c files only: the tokens, the parsed tree, the values and the
 * state of one render, and the functions the files share (prefixed
 * fe_tpl_). Run by moatd-api, unprivileged; the template text is hostile
 * (template.c's header says how it is bounded), the context is moatd-api's.
 */
#ifndef MOAT_FE_TEMPLATE_INT_H
#define MOAT_FE_TEMPLATE_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

void fe_tpl_tv_free(struct tv *v);

#define __do_tv __attribute__((cleanup(fe_tpl_tv_free)))

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

/* ---- template.c: errors and work ------------------------------------------------------- */

/* Record "line N: ..." (line 0: no prefix) in the caller's buffer; returns rc. */
__attribute__((format(printf, 4, 5))) int fe_tpl_fail(struct tpl *t, unsigned line, int rc,
						      const char *fmt, ...);
/* Count work (one step, plus one per 16 bytes); -E2BIG past TPL_MAX_WORK. */
int fe_tpl_charge(struct tpl *t, unsigned line, size_t bytes);
int fe_tpl_nomem(struct tpl *t, unsigned line);

/* ---- template_lex.c: tokens --------------------------------------------------------- */

bool fe_tpl_is_space(char c);
bool fe_tpl_is_digit(char c);
bool fe_tpl_at(const struct tpl *t, size_t off, const char *lit);
int fe_tpl_peek(struct tpl *t, const struct tok **ret);
int fe_tpl_next(struct tpl *t, struct tok *ret);
int fe_tpl_accept(struct tpl *t, enum op op);
int fe_tpl_unexpected(struct tpl *t, const struct tok *k, const char *want);
int fe_tpl_expect(struct tpl *t, enum op op);
int fe_tpl_expect_end(struct tpl *t);

/* ---- template_parse.c: the tree ------------------------------------------------------ */

/* The nodes of the whole template (ends == NULL), or of a block up to one of ends. */
int fe_tpl_parse_body(struct tpl *t, const char *const *ends, const char *opener,
		      unsigned open_line, struct node **ret, size_t *ret_end);

/* ---- template_eval.c: values and expressions ------------------------------------------ */

struct tv fe_tpl_tv_str(const char *s, size_t n);
struct tv fe_tpl_tv_json(json_object *o);
size_t fe_tpl_tv_count(const struct tv *v);
bool fe_tpl_tv_true(const struct tv *v);
/* The text of a value as Pongo2 prints it; numbers are written into tmp. */
int fe_tpl_tv_text(struct tpl *t, unsigned line, const struct tv *v, char tmp[static TPL_TEXT_MAX],
		   const char **ret, size_t *ret_n);
int fe_tpl_eval(struct tpl *t, const struct expr *e, struct tv *ret);

#endif
