// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the snapshots.* keys' parsers (frontend/model/
 * snapshot_sched.c): schedules against LXD's cron rules and aliases,
 * expiries, patterns, and what the config schema refuses.
 */
#include <string.h>
#include <time.h>

#include "model/snapshots.h"
#include "t.h"

static bool due_at(const char *spec, int min, int hour, int mday, int mon, int wday)
{
	struct fe_schedule s;
	struct tm tm = {
		.tm_min = min, .tm_hour = hour, .tm_mday = mday, .tm_mon = mon - 1, .tm_wday = wday
	};

	return fe_schedule_parse(spec, &s) == 0 && fe_schedule_due(&s, &tm);
}

static void test_schedules(void)
{
	static const char *const bad[] = { "* * * *",     "* * * * * *", "60 * * * *",
					   "* 24 * * *",  "* * 0 * *",   "* * * 13 *",
					   "* * * * 8",   "5-1 * * * *", "*/0 * * * *",
					   "1, * * * *",  "@often",      "@hourly,@daily",
					   "* * * * *, ", "a * * * *",   " * * * * *" };
	struct fe_schedule s;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		CHECK(fe_schedule_parse(bad[k], &s) < 0, "schedule: \"%s\" is refused", bad[k]);
	CHECK(fe_schedule_parse("", &s) == 0 && s.n == 0, "schedule: empty is none");
	CHECK(fe_schedule_parse("@never", &s) == 0 && s.n == 0, "schedule: @never is none");
	CHECK(due_at("* * * * *", 17, 3, 9, 4, 2), "schedule: every minute");
	CHECK(due_at("@hourly", 0, 3, 9, 4, 2) && !due_at("@hourly", 1, 3, 9, 4, 2),
	      "schedule: @hourly at minute 0 only");
	CHECK(due_at("@daily", 0, 0, 9, 4, 2) && !due_at("@midnight", 0, 1, 9, 4, 2),
	      "schedule: @daily and @midnight at 00:00");
	CHECK(due_at("*/15 * * * *", 45, 3, 9, 4, 2) && !due_at("*/15 * * * *", 44, 3, 9, 4, 2),
	      "schedule: steps");
	CHECK(due_at("0 6 * * mon-fri", 0, 6, 9, 4, 1) && !due_at("0 6 * * mon-fri", 0, 6, 9, 4, 0),
	      "schedule: weekday names and ranges");
	CHECK(due_at("0 0 * * 7", 0, 0, 9, 4, 0), "schedule: 7 is Sunday");
	CHECK(due_at("0 0 1 * 1", 0, 0, 1, 4, 3) && due_at("0 0 1 * 1", 0, 0, 9, 4, 1) &&
		      !due_at("0 0 1 * 1", 0, 0, 9, 4, 2),
	      "schedule: both day fields restricted: either matches (cron's rule)");
	CHECK(due_at("1,2,5-7 * * jan,dec *", 6, 3, 9, 12, 2) &&
		      !due_at("1,2,5-7 * * jan,dec *", 6, 3, 9, 11, 2),
	      "schedule: lists and month names");
	CHECK(due_at("@weekly, 30 12 * * *", 30, 12, 9, 4, 2) &&
		      due_at("@weekly, 30 12 * * *", 0, 0, 9, 4, 0),
	      "schedule: triggers joined by \", \"");
}

static void test_expiry_pattern(void)
{
	time_t t = 1700000000, r = 0; /* 2023-11-14T22:13:20Z */
	char out[FE_PATTERN_MAX];

	CHECK(fe_expiry_parse("", t, &r) == 0 && r == 0, "expiry: empty is never");
	CHECK(fe_expiry_parse("1M", t, &r) == 0 && r == t + 60, "expiry: 1M is a minute");
	CHECK(fe_expiry_parse("2H 1d", t, &r) == 0 && r == t + 2 * 3600 + 86400,
	      "expiry: hours and days add up");
	CHECK(fe_expiry_parse("1w", t, &r) == 0 && r == t + 7 * 86400, "expiry: a week");
	CHECK(fe_expiry_parse("1m", t, &r) == 0 && r == t + 30 * 86400,
	      "expiry: a month, by the calendar (November has 30 days)");
	CHECK(fe_expiry_parse("1y", t, &r) == 0 && r == t + 366 * 86400,
	      "expiry: a year, by the calendar (2024 is a leap year)");
	CHECK(fe_expiry_parse("1x", t, &r) < 0 && fe_expiry_parse("d", t, &r) < 0 &&
		      fe_expiry_parse("1d ", t, &r) < 0 && fe_expiry_parse("1d  2d", t, &r) < 0,
	      "expiry: bad words are refused");
	CHECK(fe_snapshot_pattern("snap%d", t, out) == 0 && strcmp(out, "snap%d") == 0,
	      "pattern: %%d is left for the index");
	CHECK(fe_snapshot_pattern("s-{{ creation_date|date:\"2006-01-02_15-04-05\" }}", t, out) ==
			      0 &&
		      strcmp(out, "s-2023-11-14_22-13-20") == 0,
	      "pattern: a Go date layout (%s)", out);
	CHECK(fe_snapshot_pattern("{{creation_date|date:'Jan06'}}", t, out) == 0 &&
		      strcmp(out, "Nov23") == 0,
	      "pattern: without spaces, single quotes (%s)", out);
	CHECK(fe_snapshot_pattern("{{ other }}", t, out) < 0 &&
		      fe_snapshot_pattern("{{ creation_date|date:\"x\"", t, out) < 0,
	      "pattern: other pongo2 text is refused");
}

static void test_snapshot_keys(void)
{
	static const char *const good[][2] = {
		{ "snapshots.schedule", "@daily" },
		{ "snapshots.schedule", "0 6 * * *" },
		{ "snapshots.schedule.stopped", "true" },
		{ "snapshots.expiry", "1d 2w" },
		{ "snapshots.pattern", "snap-{{ creation_date|date:\"2006-01-02\" }}-%d" },
	};
	static const char *const bad[][2] = {
		{ "snapshots.schedule", "daily" },
		{ "snapshots.schedule.stopped", "maybe" },
		{ "snapshots.expiry", "1 day" },
		{ "snapshots.pattern", "s%d-%d" },
	};
	char err[FE_ERR_MAX];

	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, good[k][0], json_object_new_string(good[k][1]));
		CHECK(fe_check_config(c, err) == 0, "config: %s=%s is accepted", good[k][0],
		      good[k][1]);
		json_object_put(c);
	}
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, bad[k][0], json_object_new_string(bad[k][1]));
		CHECK(fe_check_config(c, err) < 0, "config: %s=%s is refused", bad[k][0],
		      bad[k][1]);
		json_object_put(c);
	}
}

void test_snapshots(void)
{
	test_schedules();
	test_expiry_pattern();
	test_snapshot_keys();
}
