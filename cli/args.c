// SPDX-License-Identifier: Apache-2.0
/*
 * moat: argument parsing and --help, driven by the command table, and the
 * error slot that every verb reports through. Runs in the client as the
 * invoking user, no privilege. argv is the user's input: every word is
 * matched against the table, unknown verbs and flags are usage errors,
 * and nothing is sized from it before it is counted.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- the error slot ------------------------------------------------------------ */

static char err_msg[4096];
static bool err_usage;

int cli_verror(int r, const char *fmt, va_list ap)
{
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	err_usage = false;
	return r < 0 ? r : -EIO;
}

int cli_error(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = cli_verror(r, fmt, ap);
	va_end(ap);
	return r;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(-EINVAL, fmt, ap);
	va_end(ap);
	err_usage = true;
	return -EINVAL;
}

const char *cli_error_message(void)
{
	return err_msg;
}

bool cli_error_is_usage(void)
{
	return err_usage;
}

void cli_error_clear(void)
{
	err_msg[0] = '\0';
	err_usage = false;
}

static int exit_code;

void cli_set_exit_code(int code)
{
	exit_code = code;
}

int cli_exit_code(void)
{
	return exit_code;
}

/* ---- the table ------------------------------------------------------------------ */

static const struct cli_flag global_flags[] = {
	{ "debug", 0, CLI_FLAG_BOOL, NULL, "Show all debug messages" },
	{ "help", 'h', CLI_FLAG_BOOL, NULL, "Print help" },
	{ "quiet", 'q', CLI_FLAG_BOOL, NULL, "Don't show progress information" },
	{ "version", 0, CLI_FLAG_BOOL, NULL, "Print version number" },
	{ NULL, 0, 0, NULL, NULL },
};

static bool cmd_is(const struct cli_cmd *c, const char *word)
{
	if (strcmp(c->name, word) == 0)
		return true;
	for (const char *const *al = c->aliases; al && *al; al++)
		if (strcmp(*al, word) == 0)
			return true;
	return false;
}

static const struct cli_cmd *find_sub(const struct cli_cmd *c, const char *word)
{
	for (const struct cli_cmd *s = c->subs; s && s->name; s++)
		if (cmd_is(s, word))
			return s;
	return NULL;
}

static int flag_index(const struct cli_cmd *c, const char *name, char short_name)
{
	for (int i = 0; c->flags && c->flags[i].name; i++)
		if (name ? strcmp(c->flags[i].name, name) == 0
			 : c->flags[i].short_name == short_name)
			return i;
	return -1;
}

static void path_append(struct cli_args *a, const char *name)
{
	size_t l = strlen(a->path_buf);

	snprintf(a->path_buf + l, sizeof(a->path_buf) - l, "%s%s", l ? " " : "", name);
	a->path = a->path_buf;
}

/* ---- parsing --------------------------------------------------------------------- */

static bool parse_bool(const char *v, bool *ret)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "t") == 0) {
		*ret = true;
		return true;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "f") == 0) {
		*ret = false;
		return true;
	}
	return false;
}

static int set_global(struct cli_args *a, const char *name, const char *value)
{
	bool b = true;

	if (value && !parse_bool(value, &b))
		return cli_usage_error("invalid argument \"%s\" for \"--%s\" flag", value, name);
	if (strcmp(name, "help") == 0)
		a->help = b;
	else if (strcmp(name, "quiet") == 0)
		a->quiet = b;
	else if (strcmp(name, "debug") == 0)
		a->debug = b;
	else
		a->version = b;
	return 0;
}

/* Store a value for flag i of the current command. */
static int set_flag(struct cli_args *a, int i, const char *value, const char *shown)
{
	const struct cli_flag *fl = &a->cmd->flags[i];
	struct cli_flag_value *v = &a->f[i];

	switch (fl->type) {
	case CLI_FLAG_BOOL: {
		bool b = true;

		if (value && !parse_bool(value, &b))
			return cli_usage_error("invalid argument \"%s\" for \"%s\" flag", value,
					       shown);
		v->num = b;
		break;
	}
	case CLI_FLAG_INT: {
		char *end;
		long n;

		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || end == value || *end || n < INT_MIN || n > INT_MAX)
			return cli_usage_error("invalid argument \"%s\" for \"%s\" flag", value,
					       shown);
		v->num = n;
		v->value = value;
		break;
	}
	case CLI_FLAG_STRING:
		v->value = value;
		break;
	case CLI_FLAG_LIST: {
		const char **grown = realloc(v->list, (v->nlist + 1) * sizeof(*grown));

		if (!grown)
			return cli_error(-ENOMEM, "out of memory");
		v->list = grown;
		v->list[v->nlist++] = value;
		break;
	}
	}
	v->set = true;
	return 0;
}

static int parse_long(struct cli_args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	char name[64];
	int idx;

	if ((size_t)(eq ? eq - arg : (ptrdiff_t)strlen(arg)) >= sizeof(name))
		return cli_usage_error("unknown flag: --%s", arg);
	snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - arg : (ptrdiff_t)strlen(arg)), arg);
	idx = flag_index(a->cmd, name, 0);
	if (idx < 0) {
		for (const struct cli_flag *g = global_flags; g->name; g++)
			if (strcmp(g->name, name) == 0)
				return set_global(a, name, eq ? eq + 1 : NULL);
		return cli_usage_error("unknown flag: --%s", name);
	}
	if (eq)
		return set_flag(a, idx, eq + 1, argv[*i]);
	if (a->cmd->flags[idx].type == CLI_FLAG_BOOL)
		return set_flag(a, idx, NULL, argv[*i]);
	if (*i + 1 >= argc)
		return cli_usage_error("flag needs an argument: --%s", name);
	(*i)++;
	return set_flag(a, idx, argv[*i], argv[*i - 1]);
}

static int parse_short(struct cli_args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	for (const char *p = arg + 1; *p; p++) {
		char shown[4] = { '-', *p, '\0', '\0' };
		int idx = flag_index(a->cmd, NULL, *p);

		if (idx < 0) {
			const struct cli_flag *g;

			for (g = global_flags; g->name; g++)
				if (g->short_name == *p)
					break;
			if (!g->name)
				return cli_usage_error("unknown shorthand flag: '%c' in %s", *p,
						       arg);
			set_global(a, g->name, NULL);
			continue;
		}
		if (a->cmd->flags[idx].type == CLI_FLAG_BOOL) {
			int r;

			if (p[1] == '=') /* -f=false */
				return set_flag(a, idx, p + 2, shown);
			r = set_flag(a, idx, NULL, shown);

			if (r < 0)
				return r;
			continue;
		}
		/* a value: the rest of this word, or the next word */
		if (p[1])
			return set_flag(a, idx, p[1] == '=' ? p + 2 : p + 1, shown);
		if (*i + 1 >= argc)
			return cli_usage_error("flag needs an argument: '%c' in %s", *p, arg);
		(*i)++;
		return set_flag(a, idx, argv[*i], shown);
	}
	return 0;
}

int cli_parse(const struct cli_cmd *root, int argc, char **argv, struct cli_args *ret)
{
	bool dashdash = false;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->cmd = root;
	path_append(ret, root->name);
	ret->pos = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*ret->pos));
	if (!ret->pos)
		return cli_error(-ENOMEM, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!dashdash && strcmp(arg, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (!dashdash && arg[0] == '-' && arg[1]) {
			r = arg[1] == '-' ? parse_long(ret, argc, argv, &i)
					  : parse_short(ret, argc, argv, &i);
			if (r < 0)
				return r;
			continue;
		}
		if (ret->cmd->subs && ret->npos == 0) {
			const struct cli_cmd *sub = find_sub(ret->cmd, arg);

			if (sub) {
				ret->cmd = sub;
				path_append(ret, sub->name);
				continue;
			}
			if (!ret->cmd->run && !ret->help)
				return cli_usage_error("unknown command \"%s\" for \"%s\"", arg,
						       ret->path);
		}
		ret->pos[ret->npos++] = arg;
	}
	if (ret->help || ret->version || !ret->cmd->run)
		return 0;
	if ((int)ret->npos < ret->cmd->min_args ||
	    (ret->cmd->max_args >= 0 && (int)ret->npos > ret->cmd->max_args))
		return cli_usage_error("Invalid number of arguments");
	return 0;
}

void cli_args_free(struct cli_args *a)
{
	for (size_t i = 0; i < CLI_MAX_FLAGS; i++)
		free(a->f[i].list);
	free(a->pos);
	memset(a, 0, sizeof(*a));
}

/* ---- flag values ------------------------------------------------------------------ */

static const struct cli_flag_value *value_of(const struct cli_args *a, const char *name,
					     const struct cli_flag **ret_flag)
{
	int i = flag_index(a->cmd, name, 0);

	if (i < 0) {
		fprintf(stderr, "moat: bug: the command \"%s\" has no flag --%s\n", a->path, name);
		abort();
	}
	*ret_flag = &a->cmd->flags[i];
	return &a->f[i];
}

bool cli_flag_given(const struct cli_args *a, const char *name)
{
	const struct cli_flag *fl;

	return value_of(a, name, &fl)->set;
}

bool cli_flag_bool(const struct cli_args *a, const char *name)
{
	const struct cli_flag *fl;
	const struct cli_flag_value *v = value_of(a, name, &fl);

	return v->set && v->num;
}

const char *cli_flag_str(const struct cli_args *a, const char *name)
{
	const struct cli_flag *fl;
	const struct cli_flag_value *v = value_of(a, name, &fl);

	return v->set ? v->value : fl->def;
}

long cli_flag_int(const struct cli_args *a, const char *name)
{
	const struct cli_flag *fl;
	const struct cli_flag_value *v = value_of(a, name, &fl);

	return v->set ? v->num : fl->def ? strtol(fl->def, NULL, 10) : 0;
}

const char *const *cli_flag_list(const struct cli_args *a, const char *name, size_t *ret_n)
{
	const struct cli_flag *fl;
	const struct cli_flag_value *v = value_of(a, name, &fl);

	*ret_n = v->nlist;
	return v->list;
}

/* ---- help ---------------------------------------------------------------------------- */

void cli_print_usage(FILE *out, const struct cli_args *a)
{
	const struct cli_cmd *c = a->cmd;

	if (!c->run)
		fprintf(out, "Usage: %s [command]\n", a->path);
	else
		fprintf(out, "Usage: %s%s%s [flags]\n", a->path, c->usage && *c->usage ? " " : "",
			c->usage ? c->usage : "");
}

static void flag_left(const struct cli_flag *f, char *buf, size_t size)
{
	if (f->short_name)
		snprintf(buf, size, "  -%c, --%s", f->short_name, f->name);
	else
		snprintf(buf, size, "      --%s", f->name);
}

static void print_flags(FILE *out, const char *title, const struct cli_flag *flags)
{
	size_t width = 0;
	char left[96];

	if (!flags || !flags->name)
		return;
	for (const struct cli_flag *f = flags; f->name; f++) {
		flag_left(f, left, sizeof(left));
		if (strlen(left) > width)
			width = strlen(left);
	}
	fprintf(out, "\n%s:\n", title);
	for (const struct cli_flag *f = flags; f->name; f++) {
		flag_left(f, left, sizeof(left));
		fprintf(out, "%-*s   %s", (int)width, left, f->help);
		if (f->def && *f->def && f->type != CLI_FLAG_BOOL)
			fprintf(out, " (default %s)", f->def);
		fputc('\n', out);
	}
}

static void print_indented(FILE *out, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len)
			fprintf(out, "  %.*s\n", (int)len, p);
		else
			fputc('\n', out);
		p += len + (nl ? 1 : 0);
	}
}

void cli_print_help(FILE *out, const struct cli_args *a)
{
	const struct cli_cmd *c = a->cmd;

	fprintf(out, "Description:\n");
	print_indented(out, c->long_help ? c->long_help : c->short_help);
	fprintf(out, "\nUsage:\n");
	if (c->run)
		fprintf(out, "  %s%s%s [flags]\n", a->path, c->usage && *c->usage ? " " : "",
			c->usage ? c->usage : "");
	if (c->subs)
		fprintf(out, "  %s [command]\n", a->path);
	if (c->aliases && c->aliases[0]) {
		fprintf(out, "\nAliases:\n  %s", c->name);
		for (const char *const *al = c->aliases; *al; al++)
			fprintf(out, ", %s", *al);
		fputc('\n', out);
	}
	if (c->subs) {
		size_t pad = 11;

		for (const struct cli_cmd *s = c->subs; s->name; s++)
			if (strlen(s->name) > pad)
				pad = strlen(s->name);
		fprintf(out, "\nAvailable Commands:\n");
		for (const struct cli_cmd *s = c->subs; s->name; s++)
			fprintf(out, "  %-*s %s\n", (int)pad, s->name, s->short_help);
	}
	print_flags(out, "Flags", c->flags);
	print_flags(out, c == &cli_root ? "Flags" : "Global Flags", global_flags);
	if (c->subs)
		fprintf(out,
			"\nUse \"%s [command] --help\" for more information about a command.\n",
			a->path);
}
