/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage pools as moatd-api keeps them (model/pools.c): the rows of the
 * storage_pools table, their checks (LXD 5.0.2's words), what uses a pool,
 * its space and inodes, and the pool each instance's root disk is on.
 * Unprivileged; names and config come from clients and are checked here
 * before they are stored or reach moatd, which makes and removes a pool's
 * directory (the storage op, PH_STORAGE_POOL_*) under its own
 * $MOAT_DIR/storage-pools/: no path from a client ever reaches it.
 * Functions return 0 or a negative errno, with the client's message in
 * err where they take one (-EINVAL, -ENOENT, -EEXIST, -EBUSY: the
 * client's; -EIO: the database's; others: moatd's refusal).
 */
#ifndef MOAT_FE_MODEL_POOLS_H
#define MOAT_FE_MODEL_POOLS_H

#include "lxd/objects.h"
#include "model/config.h"
#include "model/instances.h"

/* A pool's name: a name moatd takes (name_valid: 1-63 letters, digits, '-'). Pure. */
int fe_check_pool_name(const char *name, char err[static FE_ERR_MAX]);
/* A create's driver (one of the drivers this server has: "dir"). Pure. */
int fe_check_pool_driver(const char *driver, char err[static FE_ERR_MAX]);
/*
 * A pool's config for its driver, as LXD 5.0's dir driver takes it:
 * `source` only as moatd's own directory of the pool (shown, never
 * chosen; after create it cannot change, and a PUT without it keeps it),
 * `volatile.initial_source`, `user.*`; rsync.* and volume.* are refused
 * (moat copies without rsync; custom volumes are not here yet). Pure but
 * for the path of the pool's directory (fe_srv.dir).
 */
int fe_check_pool_config(const char *name, const char *driver, json_object *config, bool create,
			 char err[static FE_ERR_MAX]);

/* The pool with its source, used_by, status and locations; -ENOENT. */
int fe_pool_load(const char *name, struct lxd_storage_pool *ret);
/* 0 if the pool is there, -ENOENT if not, -EIO. */
int fe_pool_exists(const char *name);
/* Every pool by name: their URLs, or (full) the objects. */
int fe_pool_list(bool full, json_object **ret);
/*
 * What uses it, LXD's way: the instances on it, the images unpacked in it,
 * the profiles whose disks name it; sorted. A delete is refused for all
 * but the images (LXD's IsUsed leaves image volumes out).
 */
json_object *fe_pool_used_by(const char *name);
/* An image is unpacked in the pool (kept until the image or the pool goes). */
void fe_pool_image_add(const char *pool, const char *fingerprint);
/*
 * A new pool (checked): its row, then its directory (moatd); a refusal
 * removes the row again. -EEXIST when the name is taken.
 */
int fe_pool_create(const struct lxd_storage_pool *p, char err[static FE_ERR_MAX]);
/* Store p's description and config (checked; source, always moatd's directory, is not stored). */
int fe_pool_update(const struct lxd_storage_pool *p, char err[static FE_ERR_MAX]);
/* Its directory (moatd) and its row; -EBUSY while used ("The storage pool is currently in use"). */
int fe_pool_delete(const char *name, char err[static FE_ERR_MAX]);
/* {"space":{"used","total"},"inodes":{"used","total"}} of the pool's filesystem (statvfs). */
int fe_pool_resources(const char *name, json_object **ret);
/* At a frontend's start: each stored pool's directory made if it is not there (moatd). */
void fe_pools_setup(void);

/*
 * Hold the pool while a row that uses it is written (an instance's
 * insert): 0 with the pools' lock held (fe_pool_release() lets it go),
 * or -ENOENT (not held). A delete holds the same lock.
 */
int fe_pool_hold(const char *name);
void fe_pool_release(void);

/* The pool of the root disk of expanded devices; -ENOENT: no root disk (or no pool). Pure. */
int fe_devices_root_pool(json_object *expanded, char ret[static NAME_MAX_LEN + 1]);
/* The pool of the expanded root disk of i (its devices and profiles); -ENOENT: no root disk. */
int fe_instance_root_pool(const struct fe_instance *i, char ret[static NAME_MAX_LEN + 1]);
/*
 * An instance's new expanded devices keep its root disk on its pool (LXD:
 * "The storage pool of the root disk can only be changed through move").
 * Pure.
 */
int fe_pool_change_check(const struct fe_instance *i, json_object *expanded,
			 char err[static FE_ERR_MAX]);
/* The pool an instance's row is on; -ENOENT. */
int fe_instance_pool_get(const char *name, char ret[static NAME_MAX_LEN + 1]);
/*
 * The same for callers that used FE_POOL: the instance's pool, FE_POOL
 * when there is no such instance. The text lives in one of a few buffers
 * of the calling thread, reused round robin: good until the fourth call
 * after it (so two in one expression are fine), never to be freed.
 */
const char *fe_instance_pool(const char *name);

#endif
