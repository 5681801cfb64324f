// SPDX-License-Identifier: Apache-2.0
/*
 * The snapshot schedule of moatd-api (unprivileged), as LXD 5.0.2's two
 * minutely tasks: at the start of every minute (the host's time zone,
 * as LXD's cron), each instance whose expanded snapshots.schedule is due
 * gets a snapshot (running or frozen ones only, unless
 * snapshots.schedule.stopped is true), named by snapshots.pattern and
 * expiring after snapshots.expiry; and every snapshot whose expires_at
 * has passed is removed. Each is an operation with its lifecycle event
 * (api/snapshots.c); an instance busy with another operation is left for
 * the next minute. Reads only the database's own rows (validated when
 * they were stored); one thread, started once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/http.h"
#include "log.h"
#include "model/instances.h"
#include "model/snapshots.h"

#include "instances_int.h"

static const char *key(json_object *xc, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(xc, k, &v) ? json_object_get_string(v) : "";
}

/* Is the instance's schedule due in this minute, for the state it is in? */
static bool due(const struct fe_instance *i, json_object *xc, const struct tm *tm)
{
	struct fe_schedule s;
	struct fe_instance_state st;
	struct fe_value stopped = { 0 };

	if (!*key(xc, "snapshots.schedule") ||
	    fe_schedule_parse(key(xc, "snapshots.schedule"), &s) < 0 || !fe_schedule_due(&s, tm))
		return false;
	fe_instance_status(i->name, &st);
	if (st.status_code == 103 || st.status_code == 110)
		return true;
	return fe_parse_bool(NULL, key(xc, "snapshots.schedule.stopped"), &stopped) == 0 &&
	       stopped.b;
}

/* The instance's snapshots whose expiry has passed, removed. */
static void prune(const char *name, time_t now)
{
	struct fe_snapshot *all = NULL;
	size_t n = 0;

	if (fe_snapshot_load_all(name, &all, &n) < 0)
		return;
	for (size_t k = 0; k < n; k++) {
		struct tm tm = { 0 };
		const char *end = strptime(all[k].expires_at, "%Y-%m-%dT%H:%M:%S", &tm);

		if (!end || tm.tm_year + 1900 <= 1970 || timegm(&tm) > now)
			continue; /* never (Go's zero time) or not yet */
		if (fe_snapshot_expired(name, all[k].name) < 0)
			log_warn(
				"instance \"%s\": expired snapshot \"%s\" left for the next minute",
				name, all[k].name);
	}
	fe_snapshots_free(all, n);
}

static void tick(time_t now)
{
	struct fe_instance *all = NULL;
	json_object *profiles;
	struct tm tm;
	size_t n = 0;

	if (!localtime_r(&now, &tm) || fe_instance_load_all(&all, &n) < 0)
		return;
	profiles = fe_profiles_load(NULL);
	for (size_t k = 0; k < n; k++) {
		json_object *xc = NULL, *xd = NULL;

		prune(all[k].name, now); /* first: the schedule's snapshot would hold it busy */
		if (fe_instance_expand_with(&all[k], profiles, &xc, &xd) == 0 &&
		    due(&all[k], xc, &tm) && fe_snapshot_scheduled(all[k].name) < 0)
			log_warn("instance \"%s\": its scheduled snapshot was not taken",
				 all[k].name);
		json_object_put(xc);
		json_object_put(xd);
	}
	json_object_put(profiles);
	fe_instances_free(all, n);
}

static void *scheduler(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts;

		/* to the start of the next minute, then its work */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec = ts.tv_sec - ts.tv_sec % 60 + 60;
		ts.tv_nsec = 0;
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		tick(ts.tv_sec);
	}
	return NULL;
}

int fe_snapshot_schedule_start(void)
{
	pthread_t t;
	int r = pthread_create(&t, NULL, scheduler, NULL);

	if (r != 0)
		return -r;
	pthread_detach(t);
	return 0;
}
