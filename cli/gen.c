// SPDX-License-Identifier: Apache-2.0
/*
 * moat: bash completion and man pages, generated at build time from the
 * one command table (commands.c), so they cannot drift from what the
 * parser accepts. `moat __generate completion` prints the bash script;
 * `moat __generate man DIR` writes moat.1 and one moat-<verb>.1 per
 * command. Runs at build time, unprivileged; its only input is the table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"

/* ---- bash completion -------------------------------------------------------------------- */

static bool takes_instances(const struct cli_cmd *c)
{
	return c->usage && strstr(c->usage, "<instance>");
}

static void completion_of(FILE *out, const struct cli_cmd *c, const char *path)
{
	char sub[256];

	/* path is "moat" for moat itself, else "moat image alias" and so on */
	fprintf(out, "_moat_words[\"%s\"]=\"", path);
	for (const struct cli_cmd *s = c->subs; s && s->name; s++) {
		fprintf(out, "%s ", s->name);
		for (const char *const *a = s->aliases; a && *a; a++)
			fprintf(out, "%s ", *a);
	}
	for (const struct cli_flag *f = c->flags; f && f->name; f++) {
		fprintf(out, "--%s ", f->name);
		if (f->short_name)
			fprintf(out, "-%c ", f->short_name);
	}
	fprintf(out, "--help\"\n");
	if (takes_instances(c))
		fprintf(out, "_moat_instances[\"%s\"]=1\n", path);
	for (const struct cli_cmd *s = c->subs; s && s->name; s++) {
		snprintf(sub, sizeof(sub), "%s %s", path, s->name);
		completion_of(out, s, sub);
		for (const char *const *a = s->aliases; a && *a; a++) {
			char alias[256];

			snprintf(alias, sizeof(alias), "%s %s", path, *a);
			fprintf(out, "_moat_alias[\"%s\"]=\"%s\"\n", alias, sub);
		}
	}
}

int cli_gen_completion(FILE *out)
{
	fprintf(out, "# bash completion for moat, generated from its command table\n"
		     "declare -A _moat_words _moat_instances _moat_alias\n");
	completion_of(out, &cli_root, "moat");
	fprintf(out, "_moat() {\n"
		     "\tlocal cur=${COMP_WORDS[COMP_CWORD]} path=moat w i\n"
		     "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
		     "\t\tw=${COMP_WORDS[i]}\n"
		     "\t\tcase $w in -*) continue ;; esac\n"
		     "\t\tlocal next=\"$path $w\"\n"
		     "\t\tnext=${_moat_alias[$next]:-$next}\n"
		     "\t\t[ -n \"${_moat_words[$next]+x}\" ] && path=$next || break\n"
		     "\tdone\n"
		     "\tlocal words=${_moat_words[$path]}\n"
		     "\tif [ -n \"${_moat_instances[$path]+x}\" ] && [[ $cur != -* ]]; then\n"
		     "\t\twords=\"$words $(moat list --format csv -c n 2>/dev/null)\"\n"
		     "\tfi\n"
		     "\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
		     "}\n"
		     "complete -F _moat moat\n");
	return ferror(out) ? -EIO : 0;
}

/* ---- man pages ---------------------------------------------------------------------------- */

/* Text as roff: backslashes escaped, no line may start a request. */
static void roff(FILE *out, const char *text)
{
	bool bol = true;

	for (const char *p = text; *p; p++) {
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else
			fputc(*p, out);
		bol = *p == '\n';
	}
}

static int man_page(const char *dir, const struct cli_cmd *c, const char *path)
{
	char file[4096], title[256];
	__do_fclose FILE *out = NULL;

	snprintf(title, sizeof(title), "moat%s%s", *path ? "-" : "", path);
	for (char *p = title; *p; p++)
		if (*p == ' ')
			*p = '-';
	if (snprintf(file, sizeof(file), "%s/%s.1", dir, title) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	out = fopen(file, "we");
	if (!out)
		return cli_error(-errno, "%s: %s", file, strerror(errno));
	fprintf(out, ".TH \"%s\" 1 \"\" \"moat\" \"moat manual\"\n.SH NAME\n", title);
	roff(out, title);
	fputs(" \\- ", out);
	roff(out, c->short_help ? c->short_help : "");
	fprintf(out, "\n.SH SYNOPSIS\n.B moat%s", *path ? " " : "");
	roff(out, path);
	if (c->subs)
		fputs(" <command>", out);
	if (c->usage) {
		fputc(' ', out);
		roff(out, c->usage);
	}
	fputs(" [flags]\n.SH DESCRIPTION\n", out);
	roff(out, c->long_help ? c->long_help : c->short_help ? c->short_help : "");
	fputc('\n', out);
	if (c->flags && c->flags->name) {
		fputs(".SH OPTIONS\n", out);
		for (const struct cli_flag *f = c->flags; f->name; f++) {
			fputs(".TP\n.B ", out);
			if (f->short_name)
				fprintf(out, "\\-%c, ", f->short_name);
			fputs("\\-\\-", out);
			roff(out, f->name);
			fputc('\n', out);
			roff(out, f->help ? f->help : "");
			fputc('\n', out);
		}
	}
	if (c->subs) {
		fputs(".SH COMMANDS\n", out);
		for (const struct cli_cmd *s = c->subs; s->name; s++) {
			fputs(".TP\n.B ", out);
			roff(out, s->name);
			fputc('\n', out);
			roff(out, s->short_help ? s->short_help : "");
			fputc('\n', out);
		}
	}
	fputs(".SH SEE ALSO\n.BR moat (1)\n", out);
	if (fflush(out) != 0 || ferror(out))
		return cli_error(-EIO, "writing %s", file);
	for (const struct cli_cmd *s = c->subs; s && s->name; s++) {
		char sub[256];
		int r;

		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? " " : "", s->name);
		r = man_page(dir, s, sub);
		if (r < 0)
			return r;
	}
	return 0;
}

int cli_gen_man(const char *dir)
{
	return man_page(dir, &cli_root, "");
}
