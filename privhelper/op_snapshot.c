// SPDX-License-Identifier: Apache-2.0
/*
 * The storage op (moatd, root, in a forked worker): a pool's work on
 * instances and their snapshots beyond delete (op_storage.c): a new
 * instance's tree (ph_storage_new(), for create too), snapshot, restore,
 * copy and rename, and making and removing a pool.
 * Layout of the `dir` driver, under $MOAT_DIR/storage-pools/:
 *
 *   <pool>/containers/<name>/rootfs
 *   <pool>/containers-snapshots/<name>/<snapshot>/rootfs
 *
 * Every tree walk is moat-tree's (worker/tree.c), exec'd by ph_tree()
 * pivoted into storage-pools/ (so that a copy may go from one pool to
 * another) with no capability over the host. What moatd does itself is
 * one directory step at a time by descriptor: mkdirat, renameat2 with
 * RENAME_NOREPLACE or RENAME_EXCHANGE, on paths it builds from validated
 * names. On a btrfs pool (storage_btrfs.c) the same steps hold subvolumes:
 * moat-tree's copy is a snapshot there, and a snapshot's is read-only. A
 * new tree is made under a name beginning with '.' beside its final place
 * and renamed there only when whole, so a failed or killed copy never
 * shows as a snapshot or an instance; ph_storage_sweep() removes such
 * leftovers when moatd starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

enum { F_NAME = 1, F_SNAP = 2, F_TARGET = 4, F_TSNAP = 8, F_TPOOL = 16, F_DRIVER = 32 };

/* What each action needs, and what it may have besides; every other field must be empty. */
static const struct {
	unsigned need, may;
} fields[] = {
	[PH_POOL_CREATE] = { F_DRIVER, 0 },
	[PH_POOL_DELETE] = { 0, 0 },
	[PH_SNAP_CREATE] = { F_NAME | F_SNAP, 0 },
	[PH_SNAP_DELETE] = { F_NAME | F_SNAP, 0 },
	[PH_SNAP_RENAME] = { F_NAME | F_SNAP | F_TSNAP, 0 },
	[PH_SNAP_RESTORE] = { F_NAME | F_SNAP, 0 },
	[PH_INSTANCE_COPY] = { F_NAME | F_TARGET, F_SNAP | F_TPOOL },
	[PH_SNAP_COPY] = { F_NAME | F_SNAP | F_TARGET | F_TSNAP, F_TPOOL },
	[PH_INSTANCE_RENAME] = { F_NAME | F_TARGET, 0 },
};

/* One field: empty where the action allows it, else valid by its kind of name. */
static int field(const ProtobufCBinaryData *b, unsigned bit, unsigned need, unsigned may,
		 bool snapshot, char ret[static NAME_MAX_LEN + 1])
{
	if (b->len == 0)
		return (need & bit) ? -EINVAL : 0;
	if (!((need | may) & bit))
		return -EINVAL;
	if (!snapshot)
		return ph_check_name(b, ret);
	if (ph_check_text(b, 1, ret, NAME_MAX_LEN + 1) < 0 || !name_device_valid(ret))
		return -EINVAL;
	return 0;
}

int ph_check_storage(const Ph__StorageRequest *m, struct ph_storage *ret)
{
	struct ph_storage t = { 0 };
	char driver[NAME_MAX_LEN + 1] = "";
	unsigned need, may;

	if ((int)m->action < PH_POOL_CREATE || (int)m->action > PH_INSTANCE_RENAME)
		return -EINVAL;
	t.action = (enum ph_storage_action)m->action;
	need = fields[t.action].need;
	may = fields[t.action].may;
	if (ph_check_name(&m->pool, t.pool) < 0 ||
	    field(&m->name, F_NAME, need, may, false, t.name) < 0 ||
	    field(&m->snapshot, F_SNAP, need, may, true, t.snapshot) < 0 ||
	    field(&m->target_pool, F_TPOOL, need, may, false, t.target_pool) < 0 ||
	    field(&m->target, F_TARGET, need, may, false, t.target) < 0 ||
	    field(&m->target_snapshot, F_TSNAP, need, may, true, t.target_snapshot) < 0 ||
	    field(&m->driver, F_DRIVER, need, may, false, driver) < 0)
		return -EINVAL;
	t.btrfs = strcmp(driver, "btrfs") == 0;
	if ((need & F_DRIVER) && !t.btrfs && strcmp(driver, "dir") != 0)
		return -EINVAL;
	if (t.btrfs ? m->size < (256ULL << 20) || m->size > (1ULL << 50) : m->size != 0)
		return -EINVAL;
	t.size = m->size;
	if (!t.target_pool[0])
		memcpy(t.target_pool, t.pool, sizeof(t.pool));
	*ret = t;
	return 0;
}

PH_POLICY_NONE(storage); /* inside moatd's own pools, on trees the confined worker walks */

/* ---- helpers --------------------------------------------------------------- */

/* A path from validated names (each < 64 bytes): it always fits PATH_MAX. */
__attribute__((format(printf, 2, 3))) static char *pathf(char buf[static PATH_MAX], const char *fmt,
							 ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return buf;
}

/* The rootfs of an instance, or of one of its snapshots (snap not ""). */
static char *rootfs_of(char buf[static PATH_MAX], const char *pool, const char *name,
		       const char *snap)
{
	return *snap ? pathf(buf, "%s/containers-snapshots/%s/%s/rootfs", pool, name, snap)
		     : pathf(buf, "%s/containers/%s/rootfs", pool, name);
}

/*
 * Copy the tree src (a rootfs) to final/rootfs, final being new: the copy
 * is made in ".<base>.<pid>" beside final and renamed into place whole.
 * cmd: moat-tree's "copy", or "snapshot" (read-only where it is a btrfs
 * snapshot); src NULL: an empty rootfs ("mkdir"). freeze: the instance
 * whose live rootfs src is (frozen around the copy if it runs, thawed
 * after unless it was frozen already), or NULL.
 */
static int stage(struct ph_ctx *ctx, const char *root, int pools, const char *cmd, const char *src,
		 const char *final, const char *freeze)
{
	char tmp[PATH_MAX], into[PATH_MAX];
	const char *base = strrchr(final, '/') + 1;
	struct lxc_container *c __do_lxc_put = NULL;
	bool thaw = false;
	int r;

	if (src && faccessat(pools, src, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return -ENOENT; /* (a final that exists: EEXIST, by the rename at the end) */
	pathf(tmp, "%.*s.%s.%d", (int)(base - final), final, base, (int)getpid());
	pathf(into, "%s/rootfs", tmp);
	if (mkdirat(pools, tmp, 0700) < 0)
		return -errno;
	if (freeze && ph_container_open(ctx, freeze, &c) == 0 && c->is_running(c) &&
	    strcmp(c->state(c), "RUNNING") == 0)
		thaw = c->freeze(c);
	r = src ? ph_tree(root, -1, cmd, src, into) : ph_tree(root, -1, "mkdir", into, NULL);
	if (thaw)
		c->unfreeze(c);
	if (r == 0 && renameat2(pools, tmp, pools, final, RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0)
		(void)ph_tree(root, -1, "remove", tmp, NULL);
	return r;
}

/* ---- the actions -------------------------------------------------------------- */

/* Only an empty pool: rmdir refuses a non-empty containers/ (the next use of
 * the pool makes again what went, ph_pool_open()). */
static int pool_delete(struct ph_ctx *ctx, const char *root, int pools, const struct ph_storage *s)
{
	char dir[PATH_MAX];
	int r;

	for (const char *const *d =
		     (const char *const[]){ "containers-snapshots", "containers", NULL };
	     *d; d++)
		if (unlinkat(pools, pathf(dir, "%s/%s", s->pool, *d), AT_REMOVEDIR) < 0 &&
		    errno != ENOENT)
			return errno == EEXIST ? -ENOTEMPTY : -errno;
	r = ph_btrfs_remove(ctx, s->pool);
	return r == -ENOTSUP ? ph_tree(root, -1, "remove", s->pool, NULL) : r;
}

/*
 * A new instance name in pool: its liblxc directory (which claims the
 * name, in any pool: EEXIST), its tree staged from src (a rootfs under
 * storage-pools/, or NULL: an empty one), an initial configuration; on
 * failure only what this made goes. freeze: as stage()'s.
 */
int ph_storage_new(struct ph_ctx *ctx, const char *src, const char *pool, const char *name,
		   const char *freeze)
{
	char root[PATH_MAX], final[PATH_MAX], lxcdir[PATH_MAX];
	__do_close int pools = -EBADF;
	int r = ph_pool_open(ctx, pool);

	if (r < 0)
		return r;
	close(r);
	pools = openat(ctx->dir_fd, "storage-pools", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pools < 0)
		return -errno;
	pathf(root, "%s/storage-pools", ctx->dir);
	pathf(final, "%s/containers/%s", pool, name);
	pathf(lxcdir, "%s/%s", ctx->lxcpath, name);
	if (mkdir(lxcdir, 0700) < 0)
		return -errno;
	r = stage(ctx, root, pools, "copy", src, final, freeze);
	/* final is this call's only once stage() renamed it into place */
	if (r == 0 && (r = ph_render_config(ctx, name, pool, &(struct ph_instance_config){ 0 },
					    NULL, NULL, &(const char *){ NULL })) < 0)
		(void)ph_tree(root, -1, "remove", final, NULL);
	if (r < 0)
		(void)ph_tree(ctx->lxcpath, -1, "remove", name, NULL);
	return r;
}

/* Swap the snapshot's copy in for the rootfs, then remove what was swapped out. */
static int restore(struct ph_ctx *ctx, const char *root, int pools, const struct ph_storage *s)
{
	char src[PATH_MAX], final[PATH_MAX], live[PATH_MAX];
	int r;

	rootfs_of(src, s->pool, s->name, s->snapshot);
	pathf(final, "%s/containers/%s/.restore", s->pool, s->name); /* swept if left */
	pathf(live, "%s/containers/%s/rootfs", s->pool, s->name);
	r = stage(ctx, root, pools, "copy", src, final, NULL);
	if (r == 0 &&
	    renameat2(pools, pathf(src, "%s/rootfs", final), pools, live, RENAME_EXCHANGE) < 0)
		r = -errno;
	(void)ph_tree(root, -1, "remove", final, NULL); /* the old rootfs, or the copy */
	return r;
}

/* lxcpath/<name>, then containers/<name> and its snapshots' directory: each
 * step undone if a later one fails. */
static int instance_rename(struct ph_ctx *ctx, int pools, const struct ph_storage *s)
{
	char from[3][PATH_MAX], to[3][PATH_MAX];
	int dirfd[3] = { AT_FDCWD, pools, pools };
	int i, r = 0;

	pathf(from[0], "%s/%s", ctx->lxcpath, s->name);
	pathf(to[0], "%s/%s", ctx->lxcpath, s->target);
	pathf(from[1], "%s/containers/%s", s->pool, s->name);
	pathf(to[1], "%s/containers/%s", s->pool, s->target);
	pathf(from[2], "%s/containers-snapshots/%s", s->pool, s->name);
	pathf(to[2], "%s/containers-snapshots/%s", s->pool, s->target);
	ph_devices_unstage(ctx, s->name);
	for (i = 0; i < 3 && r == 0; i++)
		if (renameat2(dirfd[i], from[i], dirfd[i], to[i], RENAME_NOREPLACE) < 0 &&
		    !(i == 2 && errno == ENOENT)) /* no snapshots */
			r = -errno;
	for (i -= 2; r < 0 && i >= 0; i--)
		(void)renameat2(dirfd[i], to[i], dirfd[i], from[i], RENAME_NOREPLACE);
	/* liblxc's file names the instance: the next start writes it whole */
	return r < 0 ? r
		     : ph_render_config(ctx, s->target, s->pool, &(struct ph_instance_config){ 0 },
					NULL, NULL, &(const char *){ NULL });
}

/*
 * Why this is safe: every path is built here from names validated as
 * path components (no '/', no leading '.'), under moatd's own
 * storage-pools/ and lxcpath, which are root's 0700; the trees are read
 * and written only by the confined worker, which cannot follow a path out
 * of storage-pools/ nor make a device node. New trees appear by a
 * rename that never replaces (RENAME_NOREPLACE), so nothing existing is
 * overwritten; a restore exchanges two directories moatd made and
 * removes the old one; a rename or restore of a running instance is
 * refused (EBUSY), and a running source of a copy is frozen around it
 * rather than copied while it writes. A pool is removed only when it
 * holds no instance and no snapshot.
 */
int ph_do_storage(struct ph_ctx *ctx, const struct ph_storage *s, Ph__StorageReply *rep)
{
	char root[PATH_MAX], a[PATH_MAX], b[PATH_MAX], t[PATH_MAX], inst[PATH_MAX];
	__do_close int pools = -EBADF;
	int r;

	if (snprintf(root, sizeof(root), "%s/storage-pools", ctx->dir) >= (int)sizeof(root))
		return ph_fail(ctx, ENAMETOOLONG, NULL);
	if (s->action == PH_POOL_CREATE) {
		pathf(a, "%s/%s", root, s->pool);
		if (access(a, F_OK) == 0 ||
		    access(pathf(b, "%s/disks/%s.img", ctx->dir, s->pool), F_OK) == 0)
			return ph_fail(ctx, EEXIST, "storage for this pool already exists");
		r = s->btrfs ? ph_btrfs_create(ctx, s->pool, s->size) : 0;
		if (r < 0)
			return ph_fail(ctx, r, r == -EIO ? "mkfs.btrfs failed" : NULL);
	}
	/* both pools' directories made if need be; not kept open (a btrfs pool's
	 * unmount would be refused while a descriptor of it is) */
	for (const char *const *p = (const char *const[]){ s->pool, s->target_pool, NULL }; *p;
	     p++) {
		r = ph_pool_open(ctx, *p);
		if (r < 0)
			return ph_fail(ctx, r, NULL);
		close(r);
	}
	pools = openat(ctx->dir_fd, "storage-pools", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pools < 0)
		return ph_fail(ctx, errno, NULL);
	if ((s->action == PH_SNAP_RESTORE || s->action == PH_INSTANCE_RENAME) &&
	    ph_running_init(ctx, s->name, &(pid_t){ 0 }, &(bool){ false }) == 0)
		return ph_fail(ctx, EBUSY, "the instance is running");
	r = 0; /* PH_POOL_CREATE: ph_pool_open made it */
	switch (s->action) {
	case PH_POOL_DELETE:
		r = pool_delete(ctx, root, pools, s);
		break;
	case PH_SNAP_CREATE:
	case PH_SNAP_COPY: {
		bool own = s->action == PH_SNAP_CREATE; /* else a copy to target's snapshots */
		const char *to = own ? s->name : s->target;

		pathf(a, "%s/containers-snapshots/%s", s->target_pool, to);
		pathf(t, "%s/%s", a, own ? s->snapshot : s->target_snapshot);
		rootfs_of(b, s->pool, s->name, own ? "" : s->snapshot);
		/* the instance must be there: its snapshots' directory is made for it */
		r = faccessat(pools, pathf(inst, "%s/containers/%s", s->target_pool, to), F_OK,
			      AT_SYMLINK_NOFOLLOW) < 0
			    ? -ENOENT
			    : 0;
		if (r == 0 && mkdirat(pools, a, 0700) < 0 && errno != EEXIST)
			r = -errno;
		if (r == 0)
			r = stage(ctx, root, pools, "snapshot", b, t, own ? s->name : NULL);
		break;
	}
	case PH_SNAP_DELETE:
		pathf(a, "%s/containers-snapshots/%s", s->pool, s->name);
		pathf(b, "%s/%s", a, s->snapshot);
		r = ph_tree(root, -1, "remove", b, NULL);
		(void)unlinkat(pools, a, AT_REMOVEDIR); /* the last one: ENOTEMPTY otherwise */
		break;
	case PH_SNAP_RENAME:
		pathf(a, "%s/containers-snapshots/%s/%s", s->pool, s->name, s->snapshot);
		pathf(b, "%s/containers-snapshots/%s/%s", s->pool, s->name, s->target_snapshot);
		r = renameat2(pools, a, pools, b, RENAME_NOREPLACE) < 0 ? -errno : 0;
		break;
	case PH_SNAP_RESTORE:
		r = restore(ctx, root, pools, s);
		break;
	case PH_INSTANCE_COPY:
		r = ph_storage_new(ctx, rootfs_of(a, s->pool, s->name, s->snapshot), s->target_pool,
				   s->target, s->snapshot[0] ? NULL : s->name);
		break;
	case PH_INSTANCE_RENAME:
		r = instance_rename(ctx, pools, s);
		break;
	default:
		break;
	}
	if (r < 0)
		return ph_fail(ctx, r,
			       r == -EEXIST      ? "the target already exists"
			       : r == -ENOENT    ? "no such instance or snapshot in this pool"
			       : r == -ENOTEMPTY ? "the pool still holds instances or snapshots"
			       : r == -EBUSY     ? "the pool is in use"
						 : NULL);
	return 0;
}

/* ---- at start: leftovers of a copy that never finished -------------------------- */

/* The '.'-named trees a copy or an unpack left when moatd was killed, and an
 * instance directory a create or copy made before it was (moat-tree sweep). */
void ph_storage_sweep(struct ph_ctx *ctx)
{
	char root[PATH_MAX];

	if (snprintf(root, sizeof(root), "%s/storage-pools", ctx->dir) < (int)sizeof(root) &&
	    access(root, F_OK) == 0)
		(void)ph_tree(root, -1, "sweep", ".", NULL);
	if (access(ctx->lxcpath, F_OK) == 0)
		(void)ph_tree(ctx->lxcpath, -1, "sweep", "lxc", NULL);
}
