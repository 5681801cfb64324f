// SPDX-License-Identifier: Apache-2.0
/*
 * moat: tables, CSV and lxc's small formats (sizes, dates, natural sort,
 * progress lines); see format.h. Runs in the client as the invoking user,
 * no privilege. Cells hold server strings (untrusted): they are measured
 * and printed as text, never used as format strings.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "client.h"
#include "format.h"

#define FIT_WORD_MAX 30 /* when fitting a table, longer words may be cut */

int cli_format_parse(const char *s, enum cli_format *ret)
{
	static const char *const names[] = { "table", "compact", "csv", "json", "yaml" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum cli_format)i;
			return 0;
		}
	return cli_usage_error("Invalid format \"%s\" (table, compact, csv, json or yaml)", s);
}

/* ---- the table ------------------------------------------------------------------------- */

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->header = header;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char ***grown = realloc(t->rows, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->rows = grown;
		t->cap = cap;
	}
	row = calloc(t->ncols, sizeof(*row));
	if (!row)
		return -ENOMEM;
	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = strdup(cells[i] ? cells[i] : "");
		if (!row[i]) {
			for (size_t j = 0; j < i; j++)
				free(row[j]);
			free(row);
			return -ENOMEM;
		}
	}
	t->rows[t->nrows++] = row;
	return 0;
}

void cli_table_free(struct cli_table *t)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static size_t sort_ncols;

static int row_cmp(const void *a, const void *b)
{
	char *const *x = *(char **const *)a, *const *y = *(char **const *)b;

	for (size_t k = 0; k < sort_ncols; k++) {
		if (strcmp(x[k], y[k]) == 0)
			continue;
		if (!*x[k])
			return 1;
		if (!*y[k])
			return -1;
		return cli_natural_cmp(x[k], y[k]);
	}
	return 0;
}

void cli_table_sort(struct cli_table *t)
{
	sort_ncols = t->ncols;
	if (t->nrows > 1)
		qsort(t->rows, t->nrows, sizeof(*t->rows), row_cmp);
}

/* ---- measuring and wrapping ---------------------------------------------------------------- */

size_t cli_text_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* The widest piece of s between separators, in code points. */
static size_t widest(const char *s, const char *seps)
{
	size_t best = 0;

	while (*s) {
		size_t len = strcspn(s, seps), w = cli_text_width(s, len);

		if (w > best)
			best = w;
		s += len + (s[len] ? 1 : 0);
	}
	return best;
}

/* The widest line of a (possibly multi-line) cell. */
static size_t cell_width(const char *s)
{
	return widest(s, "\n");
}

/* Byte length of the first n code points of s[0..len). */
static size_t prefix_bytes(const char *s, size_t len, size_t n)
{
	size_t i = 0;

	while (i < len && n) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		n--;
	}
	return i;
}

/* Wrap every line of s into lines of at most w code points, at spaces where possible. */
static char *wrap(const char *s, size_t w)
{
	size_t cap = 2 * strlen(s) + 2, o = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (*s) {
		size_t len = strcspn(s, "\n");
		const char *line = s;

		while (cli_text_width(line, len) > w) {
			size_t cut = prefix_bytes(line, len, w), brk = cut;

			while (brk > 0 && line[brk] != ' ')
				brk--;
			if (brk == 0)
				brk = cut;
			memcpy(out + o, line, brk);
			o += brk;
			out[o++] = '\n';
			while (brk < len && line[brk] == ' ')
				brk++;
			line += brk;
			len -= brk;
		}
		memcpy(out + o, line, len);
		o += len;
		s = line + len;
		if (*s == '\n') {
			out[o++] = '\n';
			s++;
		}
	}
	out[o] = '\0';
	return out;
}

static size_t box_width(const size_t *w, size_t n, bool compact)
{
	size_t total = compact ? 2 : 1;

	for (size_t i = 0; i < n; i++)
		total += w[i] + (compact ? 2 : 3);
	return total;
}

/*
 * Shrink the widest columns until the box fits `width`, never below a
 * column's header or its longest word (words longer than FIT_WORD_MAX may
 * be cut); the cells of shrunk columns are wrapped into several lines.
 * A table that cannot fit that way stays wider than the terminal.
 */
static int fit(char ***cells, size_t nrows, size_t ncols, size_t *w, const size_t *minw,
	       bool compact, size_t width)
{
	bool *shrunk = calloc(ncols, sizeof(*shrunk));

	if (!shrunk)
		return -ENOMEM;
	while (box_width(w, ncols, compact) > width) {
		size_t widest = ncols;

		for (size_t c = 0; c < ncols; c++)
			if (w[c] > minw[c] && (widest == ncols || w[c] > w[widest]))
				widest = c;
		if (widest == ncols)
			break;
		w[widest]--;
		shrunk[widest] = true;
	}
	for (size_t c = 0; c < ncols; c++) {
		if (!shrunk[c])
			continue;
		for (size_t r = 0; r < nrows; r++) {
			char *n = wrap(cells[r][c], w[c]);

			if (!n) {
				free(shrunk);
				return -ENOMEM;
			}
			free(cells[r][c]);
			cells[r][c] = n;
		}
	}
	free(shrunk);
	return 0;
}

/* ---- tablewriter's output ---------------------------------------------------------------------- */

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

static void rule(FILE *out, const size_t *w, size_t n)
{
	fputc('+', out);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < w[i] + 2; k++)
			fputc('-', out);
		fputc('+', out);
	}
	fputc('\n', out);
}

/* Line x of a cell: its start and length ("" past its last line). */
static const char *cell_line(const char *s, size_t x, size_t *ret_len)
{
	while (x-- && *s) {
		s += strcspn(s, "\n");
		if (*s)
			s++;
		else
			break;
	}
	*ret_len = strcspn(s, "\n");
	return s;
}

static size_t cell_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void print_box(FILE *out, const struct cli_table *t, char ***cells, const size_t *w,
		      bool compact)
{
	const char *sep = compact ? "" : "|";

	if (!compact)
		rule(out, w, t->ncols);
	fputs(compact ? " " : "|", out);
	for (size_t c = 0; c < t->ncols; c++) {
		size_t hw = cli_text_width(t->header[c], strlen(t->header[c])), gap = w[c] - hw;

		fputc(' ', out);
		pad(out, gap / 2);
		fputs(t->header[c], out);
		pad(out, gap - gap / 2);
		fputc(' ', out);
		fputs(compact && c == t->ncols - 1 ? " " : sep, out);
	}
	fputc('\n', out);
	if (!compact)
		rule(out, w, t->ncols);
	for (size_t r = 0; r < t->nrows; r++) {
		size_t height = 1;

		for (size_t c = 0; c < t->ncols; c++)
			if (cell_lines(cells[r][c]) > height)
				height = cell_lines(cells[r][c]);
		for (size_t x = 0; x < height; x++) {
			for (size_t c = 0; c < t->ncols; c++) {
				size_t len;
				const char *s = cell_line(cells[r][c], x, &len);

				fputs(compact && c == 0 ? " " : sep, out);
				fputc(' ', out);
				fwrite(s, 1, len, out);
				pad(out, w[c] - cli_text_width(s, len));
				fputc(' ', out);
			}
			fputs(compact ? " " : "|", out);
			fputc('\n', out);
		}
		if (!compact)
			rule(out, w, t->ncols);
	}
}

static void csv_field(FILE *out, const char *s)
{
	bool quote = strcmp(s, "\\.") == 0 || strpbrk(s, ",\"\r\n") != NULL || *s == ' ' ||
		     *s == '\t' || *s == '\v' || *s == '\f';

	if (!quote) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int render_table(FILE *out, const struct cli_table *t, bool compact, int width)
{
	__do_free size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));
	__do_free size_t *minw = calloc(t->ncols ? t->ncols : 1, sizeof(*minw));
	char ***cells = t->rows;
	int r = 0;

	if (!w || !minw)
		return -ENOMEM;
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = minw[c] = cell_width(t->header[c]);
		for (size_t row = 0; row < t->nrows; row++) {
			size_t word = widest(cells[row][c], " \n");

			if (cell_width(cells[row][c]) > w[c])
				w[c] = cell_width(cells[row][c]);
			if (word > FIT_WORD_MAX)
				word = FIT_WORD_MAX;
			if (word > minw[c])
				minw[c] = word;
		}
	}
	if (width > 0 && box_width(w, t->ncols, compact) > (size_t)width)
		r = fit(cells, t->nrows, t->ncols, w, minw, compact, (size_t)width);
	if (r < 0)
		return r;
	print_box(out, t, cells, w, compact);
	return 0;
}

int cli_render(FILE *out, enum cli_format f, const struct cli_table *t, json_object *raw, int width)
{
	switch (f) {
	case CLI_FMT_TABLE:
	case CLI_FMT_COMPACT:
		return render_table(out, t, f == CLI_FMT_COMPACT, width);
	case CLI_FMT_CSV:
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					fputc(',', out);
				csv_field(out, t->rows[r][c]);
			}
			fputc('\n', out);
		}
		return 0;
	case CLI_FMT_JSON:
		return cli_json_print(out, raw);
	case CLI_FMT_YAML:
		return cli_yaml_print(out, raw);
	}
	return -EINVAL;
}

int cli_table_finish(struct cli_table *t, enum cli_format f, json_object *raw, int r)
{
	if (r == 0) {
		cli_table_sort(t);
		r = cli_render(stdout, f, t, raw, cli_term_width());
	}
	cli_table_free(t);
	if (raw)
		json_object_put(raw);
	if (r < 0 && !*cli_error_message())
		return cli_error(r, "%s", strerror(-r));
	return r;
}

int cli_term_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return 0;
	return ws.ws_col;
}

/* ---- sizes, dates, order ----------------------------------------------------------------------- */

void cli_size_str(char *buf, size_t size, int64_t bytes, int precision, bool iec)
{
	static const char *const si[] = { "kB", "MB", "GB", "TB", "PB", "EB" };
	static const char *const bin[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double base = iec ? 1024 : 1000, v = (double)bytes;

	if (bytes < (int64_t)base) {
		snprintf(buf, size, "%" PRId64 "B", bytes);
		return;
	}
	for (size_t i = 0; i < 6; i++) {
		v /= base;
		if (v < base) {
			snprintf(buf, size, "%.*f%s", precision, v, iec ? bin[i] : si[i]);
			return;
		}
	}
	snprintf(buf, size, "%.*fEB", precision, v);
}

static bool digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

int cli_time_parse(const char *s, time_t *ret)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p = s;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return -EINVAL;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ret = timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}

bool cli_time_set(const char *s)
{
	time_t t;

	return cli_time_parse(s, &t) == 0 && t > 0;
}

void cli_time_str(char *buf, size_t size, const char *rfc3339, enum cli_time_style style)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t t;

	if (size)
		buf[0] = '\0';
	if (cli_time_parse(rfc3339, &t) < 0)
		return;
	switch (style) {
	case CLI_TIME_UTC:
		gmtime_r(&t, &tm);
		strftime(buf, size, "%Y/%m/%d %H:%M UTC", &tm);
		break;
	case CLI_TIME_LOCAL:
		localtime_r(&t, &tm);
		strftime(buf, size, "%Y/%m/%d %H:%M %Z", &tm);
		break;
	case CLI_TIME_LONG:
		gmtime_r(&t, &tm);
		snprintf(buf, size, "%s %d, %d at %d:%02d%s (UTC)", mon[tm.tm_mon], tm.tm_mday,
			 tm.tm_year + 1900, tm.tm_hour % 12 ? tm.tm_hour % 12 : 12, tm.tm_min,
			 tm.tm_hour < 12 ? "am" : "pm");
		break;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* sortorder.NaturalLess */
static bool natural_less(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0, j = 0, nz_a, nz_b;
	int c;

	while (i < la && j < lb) {
		bool da = is_digit(a[i]), db = is_digit(b[j]);

		if (da != db)
			return da;
		if (!da) {
			if (a[i] != b[j])
				return (unsigned char)a[i] < (unsigned char)b[j];
			i++;
			j++;
			continue;
		}
		while (i < la && a[i] == '0')
			i++;
		while (j < lb && b[j] == '0')
			j++;
		nz_a = i;
		nz_b = j;
		while (i < la && is_digit(a[i]))
			i++;
		while (j < lb && is_digit(b[j]))
			j++;
		if (i - nz_a != j - nz_b)
			return i - nz_a < j - nz_b;
		c = strncmp(a + nz_a, b + nz_b, i - nz_a);
		if (c)
			return c < 0;
		if (nz_a != nz_b)
			return nz_a < nz_b;
	}
	return la < lb;
}

int cli_natural_cmp(const char *a, const char *b)
{
	if (natural_less(a, b))
		return -1;
	return natural_less(b, a) ? 1 : 0;
}

const char *cli_upper(char *buf, size_t size, const char *s)
{
	size_t i = 0;

	for (; s[i] && i + 1 < size; i++)
		buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	if (size)
		buf[i] = '\0';
	return buf;
}

/* ---- progress --------------------------------------------------------------------------------- */

void cli_progress_line(struct cli_progress *p, const char *line)
{
	size_t len = strlen(line);

	if (!p->show)
		return;
	fputc('\r', stdout);
	fputs(line, stdout);
	if (p->last_len > len)
		pad(stdout, p->last_len - len);
	p->last_len = len;
	fflush(stdout);
}

void cli_progress_done(struct cli_progress *p)
{
	if (!p->show || !p->last_len)
		return;
	fputc('\r', stdout);
	pad(stdout, p->last_len);
	fputc('\r', stdout);
	fflush(stdout);
	p->last_len = 0;
}
