/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instance snapshots as moatd-api keeps them (model/snapshots.c): rows of
 * the instance_snapshots table holding what the instance was when each was
 * taken, their names, and LXD's JSON shape (api.InstanceSnapshot). The
 * trees are moatd's (the storage op). Unprivileged; names reaching these
 * functions are checked by their callers (fe_check_snapshot_name()).
 */
#ifndef MOAT_FE_MODEL_SNAPSHOTS_H
#define MOAT_FE_MODEL_SNAPSHOTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lxd/objects.h"
#include "model/config.h"
#include "model/instances.h"

/* The members of LXD's snapshot first (lxd_snapshot_type's offsets), then moat's own. */
struct fe_snapshot {
	LXD_SNAPSHOT_MEMBERS
	char instance[NAME_MAX_LEN + 1];
	char *description;
};

void fe_snapshot_free(struct fe_snapshot *s);
/* -ENOENT when the instance has no such snapshot. */
int fe_snapshot_load(const char *instance, const char *name, struct fe_snapshot *ret);
/* The instance's snapshots in creation order (ret NULL when there are none). */
int fe_snapshot_load_all(const char *instance, struct fe_snapshot **ret, size_t *ret_n);
void fe_snapshots_free(struct fe_snapshot *all, size_t n);
/* The names, in creation order, NULL-terminated (free with strv_free()). */
int fe_snapshot_names(const char *instance, char ***ret, size_t *ret_n);
/* Copy every snapshot row of from to the instance to (which must exist): DB rows only. */
int fe_snapshot_copy_rows(const char *from, const char *to);

/* Rename an instance's row; its snapshots' rows follow (ON UPDATE CASCADE). -EEXIST, -ENOENT. */
int fe_instance_rename_rows(const char *from, const char *to);

/* A new snapshot of i called name, taken at now, as i is (expanded too). */
int fe_snapshot_of(const struct fe_instance *i, const char *name, const char *expires_at,
		   const struct timespec *now, struct fe_snapshot *ret);
/* -EEXIST when the name is taken. */
int fe_snapshot_insert(const struct fe_snapshot *s);
int fe_snapshot_delete_row(const char *instance, const char *name);
/* -EEXIST when to is taken, -ENOENT when from is not there. */
int fe_snapshot_rename_row(const char *instance, const char *from, const char *to);
/* Write expires_at back (the one field a client may change). */
int fe_snapshot_save(const struct fe_snapshot *s);

/* LXD's object. */
json_object *fe_snapshot_json(const struct fe_snapshot *s);
/* The instance's snapshots as objects, or NULL when it has none (LXD's nil). */
json_object *fe_snapshots_json(const char *instance);

/* ---- the snapshots.* keys (model/snapshot_sched.c, pure) ---------------------------- */

/* One cron line, as bit sets (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6). */
struct fe_cron {
	uint64_t minute;
	uint32_t hour, dom;
	uint16_t month;
	uint8_t dow;
	bool dom_star, dow_star; /* "*": the other day field alone decides */
};
#define FE_SCHEDULE_MAX 8
/* snapshots.schedule: its triggers (n 0: none on a clock, as "", @never, @startup). */
struct fe_schedule {
	size_t n;
	struct fe_cron c[FE_SCHEDULE_MAX];
};
/* "<min> <hour> <dom> <month> <dow>" or an alias, joined by ", ": 0 or -EINVAL. */
int fe_schedule_parse(const char *s, struct fe_schedule *ret);
/* Is a snapshot due in the minute t (UTC) stands in? */
bool fe_schedule_due(const struct fe_schedule *s, const struct tm *t);
/* snapshots.expiry ("1d 2w", units M H d w m y): from plus that; "" is 0 (never). */
int fe_expiry_parse(const char *s, time_t from, time_t *ret);
#define FE_PATTERN_MAX 256
/* snapshots.pattern with its {{ creation_date|date:"<Go layout>" }} rendered for when. */
int fe_snapshot_pattern(const char *pattern, time_t when, char ret[static FE_PATTERN_MAX]);

/* Start the minutely schedule and expiry (api/snapshot_sched.c), once. */
int fe_snapshot_schedule_start(void);

/* The three keys' validators (model/config.c's rows). */
int fe_parse_snapshot_schedule(const struct fe_valid *v, const char *s, struct fe_value *ret);
int fe_parse_snapshot_expiry(const struct fe_valid *v, const char *s, struct fe_value *ret);
int fe_parse_snapshot_pattern(const struct fe_valid *v, const char *s, struct fe_value *ret);

/* A snapshot name, as moatd checks it (name_device_valid()): 0, or -EINVAL and LXD's words. */
int fe_check_snapshot_name(const char *name, char err[static FE_ERR_MAX]);
/*
 * LXD's name for an unnamed snapshot from the (rendered) pattern: its %d
 * replaced by one past the highest index taken (0 first); a pattern
 * without %d as it is, or "<pattern>-<N>" when that name is taken. 0, or
 * -EINVAL (two %d) and -ENAMETOOLONG.
 */
int fe_snapshot_next_name(const char *instance, const char *pattern,
			  char ret[static NAME_MAX_LEN + 1]);

#endif
