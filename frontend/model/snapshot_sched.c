// SPDX-License-Identifier: Apache-2.0
/*
 * The values of the snapshots.* keys, as LXD 5.0.2 reads them (pure, no
 * I/O; unprivileged; the texts are untrusted client input, fuzzed by
 * fuzz/fuzz_snapshot_sched.c):
 * - snapshots.schedule: triggers joined by ", ", each "<minute> <hour>
 *   <day-of-month> <month> <day-of-week>" (numbers, names, "*", "?",
 *   ranges, steps and lists, as robfig/cron's standard parser) or an alias
 *   (@hourly, @daily, @midnight, @weekly, @monthly, @annually, @yearly;
 *   @startup and @never take no snapshot on a clock);
 * - snapshots.expiry: "<n><unit>" words joined by spaces, units M H d w m y;
 * - snapshots.pattern: a pongo2 text whose {{ creation_date|date:"..." }}
 *   holds a Go time layout (2006 01 02 15 04 05 ...); "%d" is the index
 *   (model/snapshots.c's fe_snapshot_next_name()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model/snapshots.h"

/* ---- schedules --------------------------------------------------------------------- */

static const struct {
	const char *name, *line;
} aliases[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" }, { "@startup", NULL },         { "@never", NULL },
};

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
				      "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

/* A number or a name (names[k] is lo + k) in [lo, hi]; the text after it in *end. */
static int value(const char *s, const char **end, unsigned lo, unsigned hi,
		 const char *const *names, unsigned *ret)
{
	unsigned v = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9' && n < 3)
		v = v * 10 + (unsigned)(s[n++] - '0');
	if (n == 0 && names) {
		for (unsigned k = 0; names[k]; k++)
			if (strncasecmp(s, names[k], 3) == 0) {
				v = lo + k;
				n = 3;
				break;
			}
	}
	if (n == 0 || v < lo || v > hi)
		return -EINVAL;
	*end = s + n;
	*ret = v;
	return 0;
}

/* One field: a comma list of "*", "?", "a", "a-b", each with an optional "/step". */
static int field(const char *s, size_t len, unsigned lo, unsigned hi, const char *const *names,
		 uint64_t *ret, bool *ret_star)
{
	uint64_t bits = 0;
	const char *p = s, *end = s + len;

	*ret_star = false;
	while (p < end) {
		unsigned a = lo, b = hi, step = 1;
		const char *q = p;

		if (*q == '*' || *q == '?') {
			q++;
			*ret_star = *ret_star || q == end || *q == ',';
		} else {
			if (value(q, &q, lo, hi, names, &a) < 0)
				return -EINVAL;
			b = a;
			if (q < end && *q == '-' &&
			    (value(q + 1, &q, lo, hi, names, &b) < 0 || b < a))
				return -EINVAL;
		}
		if (q < end && *q == '/') {
			if (value(q + 1, &q, 1, hi, NULL, &step) < 0)
				return -EINVAL;
			if (a == b && p[0] != '*' && p[0] != '?')
				b = hi; /* "a/n": from a to the end */
		}
		if (q < end && *q != ',')
			return -EINVAL;
		for (unsigned v = a; v <= b; v += step)
			bits |= 1ull << v;
		p = q < end ? q + 1 : q;
		if (q < end && p == end)
			return -EINVAL; /* a trailing comma */
	}
	if (!bits)
		return -EINVAL;
	*ret = bits;
	return 0;
}

static int cron_line(const char *s, size_t len, struct fe_cron *ret)
{
	static const struct {
		unsigned lo, hi;
		const char *const *names;
	} f[5] = {
		{ 0, 59, NULL }, { 0, 23, NULL }, { 1, 31, NULL }, { 1, 12, months }, { 0, 7, days }
	};
	uint64_t bits[5];
	bool star[5];
	const char *p = s, *end = s + len;

	for (int k = 0; k < 5; k++) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t n = (size_t)((k < 4 ? (sp ? sp : end) : end) - p);

		if (n == 0 || (k < 4 && !sp) ||
		    field(p, n, f[k].lo, f[k].hi, f[k].names, &bits[k], &star[k]) < 0)
			return -EINVAL;
		p += n + (k < 4);
	}
	ret->minute = bits[0];
	ret->hour = (uint32_t)bits[1];
	ret->dom = (uint32_t)bits[2];
	ret->month = (uint16_t)bits[3];
	ret->dow = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 is Sunday too */
	ret->dom_star = star[2];
	ret->dow_star = star[4];
	return 0;
}

int fe_schedule_parse(const char *s, struct fe_schedule *ret)
{
	struct fe_schedule out = { 0 };
	const char *p = s;

	if (!*s) {
		*ret = out;
		return 0;
	}
	for (;;) {
		const char *sep = strstr(p, ", ");
		size_t n = sep ? (size_t)(sep - p) : strlen(p);
		bool done = false;

		if (n == 0 || out.n >= FE_SCHEDULE_MAX)
			return -EINVAL;
		if (p[0] == '@') {
			for (size_t k = 0; !done && k < sizeof(aliases) / sizeof(aliases[0]); k++) {
				if (strlen(aliases[k].name) != n ||
				    strncasecmp(p, aliases[k].name, n) != 0)
					continue;
				done = true;
				if (aliases[k].line &&
				    cron_line(aliases[k].line, strlen(aliases[k].line),
					      &out.c[out.n++]) < 0)
					return -EINVAL;
			}
			if (!done)
				return -EINVAL;
		} else if (cron_line(p, n, &out.c[out.n++]) < 0) {
			return -EINVAL;
		}
		if (!sep)
			break;
		p = sep + 2;
	}
	*ret = out;
	return 0;
}

bool fe_schedule_due(const struct fe_schedule *s, const struct tm *t)
{
	for (size_t k = 0; k < s->n; k++) {
		const struct fe_cron *c = &s->c[k];
		bool dom = c->dom >> t->tm_mday & 1, dow = c->dow >> t->tm_wday & 1;

		if (!(c->minute >> t->tm_min & 1) || !(c->hour >> t->tm_hour & 1) ||
		    !(c->month >> (t->tm_mon + 1) & 1))
			continue;
		/* cron's rule: with both day fields restricted, either may match */
		if (c->dom_star || c->dow_star ? dom && dow : dom || dow)
			return true;
	}
	return false;
}

/* ---- expiry ------------------------------------------------------------------------ */

int fe_expiry_parse(const char *s, time_t from, time_t *ret)
{
	int add[6] = { 0 }; /* M H d w m y */
	static const char units[] = "MHdwmy";
	const char *p = s;
	struct tm tm;

	if (!*s) {
		*ret = 0;
		return 0;
	}
	for (;;) {
		unsigned long v = 0;
		size_t n = 0;
		const char *u;

		while (p[n] >= '0' && p[n] <= '9' && n < 6)
			v = v * 10 + (unsigned long)(p[n++] - '0');
		u = n && p[n] ? strchr(units, p[n]) : NULL;
		if (!u || (p[n + 1] != ' ' && p[n + 1] != '\0'))
			return -EINVAL;
		add[u - units] = (int)v; /* the last of a unit wins, as LXD's map */
		p += n + 1;
		if (!*p)
			break;
		if (*++p == '\0')
			return -EINVAL;
	}
	if (!gmtime_r(&from, &tm))
		return -EINVAL;
	tm.tm_year += add[5];
	tm.tm_mon += add[4];
	tm.tm_mday += add[2] + 7 * add[3];
	tm.tm_hour += add[1];
	tm.tm_min += add[0];
	*ret = timegm(&tm);
	return *ret == (time_t)-1 ? -EINVAL : 0;
}

/* ---- patterns ------------------------------------------------------------------------ */

/* Go's layout text at l, for one time: how much of l it took (0: not a token). */
static size_t go_token(const char *l, const struct tm *t, char *out, size_t size)
{
	static const char *const tokens[] = { "2006", "Jan", "Mon", "MST", "01", "02", "15",
					      "03",   "04",  "05",  "06",  "PM", NULL };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	int h12 = t->tm_hour % 12 ? t->tm_hour % 12 : 12;

	for (int k = 0; tokens[k]; k++) {
		size_t n = strlen(tokens[k]);

		if (strncmp(l, tokens[k], n) != 0)
			continue;
		switch (k) {
		case 0:
			snprintf(out, size, "%04d", t->tm_year + 1900);
			break;
		case 1:
			snprintf(out, size, "%s", mon[t->tm_mon % 12]);
			break;
		case 2:
			snprintf(out, size, "%s", wday[t->tm_wday % 7]);
			break;
		case 3:
			snprintf(out, size, "UTC");
			break;
		case 11:
			snprintf(out, size, "%s", t->tm_hour < 12 ? "AM" : "PM");
			break;
		default: {
			const int v[] = { t->tm_mon + 1, t->tm_mday, t->tm_hour,      h12,
					  t->tm_min,     t->tm_sec,  t->tm_year % 100 };

			snprintf(out, size, "%02d", v[k - 4]);
		}
		}
		return n;
	}
	return 0;
}

int fe_snapshot_pattern(const char *pattern, time_t when, char ret[static FE_PATTERN_MAX])
{
	struct tm t;
	size_t o = 0;
	const char *p = pattern;

	if (!gmtime_r(&when, &t))
		return -EINVAL;
	while (*p) {
		const char *open = strstr(p, "{{"), *close, *q;
		char quote;

		if (!open) {
			if (o + strlen(p) >= FE_PATTERN_MAX)
				return -E2BIG;
			memcpy(ret + o, p, strlen(p));
			o += strlen(p);
			break;
		}
		if (o + (size_t)(open - p) >= FE_PATTERN_MAX)
			return -E2BIG;
		memcpy(ret + o, p, (size_t)(open - p));
		o += (size_t)(open - p);
		/* {{ creation_date|date:"LAYOUT" }}, spaces optional */
		q = open + 2;
		q += strspn(q, " ");
		if (strncmp(q, "creation_date|date:", 19) != 0)
			return -EINVAL;
		q += 19;
		quote = *q;
		if (quote != '"' && quote != '\'')
			return -EINVAL;
		close = strchr(++q, quote);
		if (!close)
			return -EINVAL;
		while (q < close) {
			char piece[16];
			size_t used = go_token(q, &t, piece, sizeof(piece));

			if (!used) {
				piece[0] = *q;
				piece[1] = '\0';
				used = 1;
			}
			if (o + strlen(piece) >= FE_PATTERN_MAX)
				return -E2BIG;
			memcpy(ret + o, piece, strlen(piece));
			o += strlen(piece);
			q += used;
		}
		q = close + 1;
		q += strspn(q, " ");
		if (strncmp(q, "}}", 2) != 0)
			return -EINVAL;
		p = q + 2;
	}
	ret[o] = '\0';
	return 0;
}

/* ---- the keys' validators -------------------------------------------------------------- */

int fe_parse_snapshot_schedule(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	struct fe_schedule sch;

	if (fe_schedule_parse(s, &sch) < 0)
		return -EINVAL;
	ret->s = s;
	return 0;
}

int fe_parse_snapshot_expiry(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	time_t t;

	if (fe_expiry_parse(s, 0, &t) < 0)
		return -EINVAL;
	ret->s = s;
	return 0;
}

int fe_parse_snapshot_pattern(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	char out[FE_PATTERN_MAX];
	const char *pct;

	if (fe_snapshot_pattern(s, 0, out) < 0)
		return -EINVAL;
	pct = strstr(out, "%d");
	if (pct && strstr(pct + 2, "%d"))
		return -EINVAL;
	ret->s = s;
	return 0;
}
