/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: output the way lxc prints it. Tables (tablewriter's `+----+` box,
 * and the compact form), CSV (Go's encoding/csv), JSON (Go's
 * encoding/json: compact, HTML-escaped, map keys sorted) and YAML (Go's
 * yaml.v2: block style, 80 columns, strings quoted when YAML 1.1 would
 * read them as something else), plus lxc's sizes, dates and natural sort,
 * and YAML parsing into json-c (for the remotes file and `init < yaml`).
 * Runs in the client as the invoking user, no privilege; the documents it
 * prints come from the server and are untrusted data, only ever written
 * out as escaped text.
 */
#ifndef MOAT_CLI_FORMAT_H
#define MOAT_CLI_FORMAT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct cli_progress;

enum cli_format {
	CLI_FMT_TABLE,
	CLI_FMT_COMPACT,
	CLI_FMT_CSV,
	CLI_FMT_JSON,
	CLI_FMT_YAML,
};

/* "table|compact|csv|json|yaml"; a usage error (lxc's "Invalid format") otherwise. */
int cli_format_parse(const char *s, enum cli_format *ret);

/* A table of strings: a header and rows, all cells heap strings owned by it. */
struct cli_table {
	size_t ncols;
	const char *const *header;
	char ***rows;
	size_t nrows, cap;
};

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *header);
/* Add a row of ncols cells, copied. -ENOMEM on failure. */
int cli_table_add(struct cli_table *t, const char *const *cells);
/* lxc's ByName: cell by cell, natural order, empty cells last. */
void cli_table_sort(struct cli_table *t);
void cli_table_free(struct cli_table *t);

/*
 * Print t in format f; JSON and YAML print raw instead (what lxc prints:
 * the objects, not the table). width > 0 fits a table into that many
 * columns by wrapping the widest cells (lxc never does; moat does it on a
 * terminal only, so that piped output stays exactly lxc's).
 */
int cli_render(FILE *out, enum cli_format f, const struct cli_table *t, json_object *raw,
	       int width);
/*
 * The end of every list verb: unless r < 0, sort t and print it (or raw)
 * to stdout, fitted to the terminal; then free t and put raw. Returns r,
 * or the error of printing, recorded.
 */
int cli_table_finish(struct cli_table *t, enum cli_format f, json_object *raw, int r);

/* The terminal's width if stdout is one, else 0. */
int cli_term_width(void);

/* Display width of UTF-8 text (code points; no wide-character tables). */
size_t cli_text_width(const char *s, size_t len);

/* ---- JSON and YAML, as Go prints them ---------------------------------------------- */

/* One JSON document and a newline, as Go's json.Encoder writes it. */
int cli_json_print(FILE *out, json_object *o);
/* Go's encoding into a malloc'ed string (no newline). */
char *cli_json_string(json_object *o);
/* A YAML document, as yaml.v2's Marshal writes it. */
int cli_yaml_print(FILE *out, json_object *o);
/*
 * The same for a document Go holds as an interface{} (lxc monitor's
 * events): every map's keys sorted, null as null, numbers as float64
 * (yaml.v2: 1.2e+07; JSON: 12000000), strings that read as times quoted.
 */
int cli_yaml_print_any(FILE *out, json_object *o);
char *cli_json_string_any(json_object *o);
/* A time.Time's RFC3339Nano form of an RFC 3339 string (trailing zeros of the fraction gone): its length, or 0 if s is not one. */
size_t cli_go_time(const char *s, size_t len, char *ret, size_t size);
/* Would yaml.v2 print s without quotes? (false: it would read as bool, number, null...) */
bool cli_yaml_plain_ok(const char *s);

/*
 * Parse one YAML document into json-c: mappings to objects, sequences to
 * arrays, scalars to strings, except a plain ~, null or empty scalar, which
 * becomes NULL (json null). Anchors, aliases and tags are refused, and so
 * is nesting deeper than 64. -EINVAL with the error slot set.
 */
int cli_yaml_parse(const char *buf, size_t len, json_object **ret);
/* Was this string (from cli_yaml_parse) a plain scalar, the kind YAML reads as a bool or a number? */
bool cli_yaml_plain(json_object *o);

/* ---- lxc's little formats ----------------------------------------------------------- */

/* units.GetByteSizeString (SI, "1.23MB") or ...IEC ("1.21MiB"). */
void cli_size_str(char *buf, size_t size, int64_t bytes, int precision, bool iec);

/* RFC 3339 ("2026-11-22T16:44:53.224930621Z", or with an offset) to a time_t. */
int cli_time_parse(const char *s, time_t *ret);
/* Is the time set (after the Unix epoch), as shared.TimeIsSet? */
bool cli_time_set(const char *s);

enum cli_time_style {
	CLI_TIME_UTC,   /* "2006/01/02 15:04 UTC" */
	CLI_TIME_LOCAL, /* "2006/01/02 15:04 MST", local time */
	CLI_TIME_LONG,  /* "Jan 2, 2006 at 3:04pm (UTC)" */
};
void cli_time_str(char *buf, size_t size, const char *rfc3339, enum cli_time_style style);

/* sortorder.NaturalLess as a comparison: <0, 0, >0. */
int cli_natural_cmp(const char *a, const char *b);

/* ASCII upper-case copy into buf. */
const char *cli_upper(char *buf, size_t size, const char *s);

/* Progress: one line rewritten in place on a terminal (stdout), cleared at the end. */
void cli_progress_line(struct cli_progress *p, const char *line);
void cli_progress_done(struct cli_progress *p);

#endif
