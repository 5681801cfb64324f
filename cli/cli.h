/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat (the command-line client): the command table, parsed arguments and
 * the one error slot every verb reports through. Runs in the invoking
 * user's process with that user's privileges; argv is the user's own
 * input, checked here against the table before any verb runs.
 *
 * One table (cli_commands, in commands.c) drives parsing, dispatch and
 * --help: each verb has a name, aliases, a usage line, a short help, its
 * flags, its argument counts and a handler.
 */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_config;

enum cli_flag_type {
	CLI_FLAG_BOOL,
	CLI_FLAG_STRING,
	CLI_FLAG_INT,
	CLI_FLAG_LIST, /* repeatable: -c a=1 -c b=2 */
};

struct cli_flag {
	const char *name; /* long name without "--"; NULL ends a flag list */
	char short_name;  /* 0: none */
	enum cli_flag_type type;
	const char *def; /* value when not given (STRING, INT), or NULL */
	const char *help;
};

#define CLI_MAX_FLAGS 16

struct cli_flag_value {
	bool set;
	const char *value; /* STRING, INT: the last one given (points into argv) */
	long num;          /* INT */
	const char **list; /* LIST: every value, in order */
	size_t nlist;
};

struct cli_cmd;

struct cli_args {
	const struct cli_cmd *cmd;
	const char *path; /* "image alias create": for usage and help lines */
	char path_buf[64];
	const char **pos; /* positional arguments, pointing into argv */
	size_t npos;
	struct cli_flag_value f[CLI_MAX_FLAGS]; /* one per cmd->flags entry */
	bool help;                              /* -h, --help */
	bool quiet;                             /* -q, --quiet */
	bool debug;                             /* --debug */
	bool version;                           /* --version */
};

/* What a verb runs with: the parsed arguments and the loaded remotes. */
struct cli_ctx {
	const struct cli_args *args;
	struct cli_config *conf;
	bool quiet;
	bool debug;
};

typedef int (*cli_handler)(struct cli_ctx *ctx);

struct cli_cmd {
	const char *name; /* NULL ends a table */
	const char *const *aliases;
	const char *usage; /* after "moat <path> ": "[<remote>:]<instance>" */
	const char *short_help;
	const char *long_help; /* NULL: the short help */
	const struct cli_flag *flags;
	int min_args, max_args; /* max_args -1: no limit */
	cli_handler run;        /* NULL for a group of sub-commands */
	const struct cli_cmd *subs;
};

/* The root of the table ("moat" itself, with every verb as a sub-command). */
extern const struct cli_cmd cli_root;

/* Generated from the table at build time (gen.c): the bash completion
 * script, and man pages moat.1 and moat-<verb>...1 in dir. */
int cli_gen_completion(FILE *out);
int cli_gen_man(const char *dir);

/* ---- parsing -------------------------------------------------------------- */

/*
 * Parse argv against the table from root: the verb path, then flags (long
 * and short, "--x=v", "--x v", "-xv", bundled short booleans, anywhere
 * among the positionals, until "--") and the positionals. Global flags
 * (-h/--help, -q/--quiet, --debug, --version) are accepted everywhere.
 * 0: *ret filled (free with cli_args_free). -EINVAL: a usage error, the
 * message in the error slot and ret->cmd/path set to the deepest command
 * reached so that the caller can print its usage line.
 */
int cli_parse(const struct cli_cmd *root, int argc, char **argv, struct cli_args *ret);
void cli_args_free(struct cli_args *a);

/* Flag values by long name; a name the command does not have is a bug (abort). */
bool cli_flag_bool(const struct cli_args *a, const char *name);
const char *cli_flag_str(const struct cli_args *a, const char *name);
long cli_flag_int(const struct cli_args *a, const char *name);
const char *const *cli_flag_list(const struct cli_args *a, const char *name, size_t *ret_n);
bool cli_flag_given(const struct cli_args *a, const char *name);

/* "Usage: moat <path> <usage> [flags]" */
void cli_print_usage(FILE *out, const struct cli_args *a);
/* The whole help of the parsed command (or of the root when nothing matched). */
void cli_print_help(FILE *out, const struct cli_args *a);

/* ---- the error slot ---------------------------------------------------------- */

/*
 * A verb fails by returning a negative errno after recording one message;
 * main() prints it once as "Error: <message>" and exits 1. A usage error
 * also prints the usage line.
 */
int cli_error(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_verror(int r, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *cli_error_message(void);
bool cli_error_is_usage(void);
void cli_error_clear(void);

/*
 * The process's exit code when it is not 0 or 1: `exec` exits with the
 * command's own code (lxc's global ret). Set, it is used whether the verb
 * failed (after "Error: ...") or not.
 */
void cli_set_exit_code(int code);
int cli_exit_code(void);

/* Run the parsed command (handles --help and --version); returns the exit code. */
int cli_main(int argc, char **argv);

#endif
