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

/* A new snapshot of i called name, taken now, as i is (expanded too). */
int fe_snapshot_of(const struct fe_instance *i, const char *name, const char *expires_at,
		   struct fe_snapshot *ret);
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

/* A snapshot name, as moatd checks it (name_device_valid()): 0, or -EINVAL and LXD's words. */
int fe_check_snapshot_name(const char *name, char err[static FE_ERR_MAX]);
/* LXD's name for an unnamed snapshot: snap<N>, N one past the highest snap<N> taken (0 first). */
void fe_snapshot_next_name(const char *instance, char ret[static NAME_MAX_LEN + 1]);

#endif
