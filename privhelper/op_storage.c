// SPDX-License-Identifier: Apache-2.0
/*
 * Storage ops, run by moatd (root) in forked workers: unpack an image into
 * the pool's cache, create an instance's rootfs from it, delete an
 * instance; the check, policy and handler of each. Every walk over a tree
 * is moat-tree's (worker/tree.c), exec'd by ph_tree() (storage.c) pivoted
 * into the pool directory, in a user namespace with no capability over
 * the host. Names and fingerprints are validated; paths are built here.
 *
 * Archive bytes come from the frontend and are hostile: moatd never reads
 * them; it hands the descriptor to moat-tree, which unpacks only rootfs/
 * members with libarchive's secure-extraction flags and no device nodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

/* ---- image_unpack -------------------------------------------------------------- */

int ph_check_image_unpack(const Ph__ImageUnpackRequest *m, struct ph_image_unpack *ret)
{
	struct ph_image_unpack t;
	int r;

	r = ph_check_fingerprint(&m->fingerprint, t.fingerprint);
	if (r == 0)
		r = ph_check_name(&m->pool, t.pool);
	if (r == 0)
		*ret = t;
	return r;
}

PH_POLICY_NONE(image_unpack); /* into the pool's cache, by the confined worker */

/*
 * Why this is safe: the image bytes are read only by the confined worker
 * (no path out of the pool, no host capability, libarchive's secure flags,
 * only rootfs/ members, no device nodes), into a fresh temporary directory
 * that becomes images/<fp> by rename once complete. The fingerprint is 64
 * hex digits; the descriptor was checked to be a read-only regular file.
 */
int ph_do_image_unpack(struct ph_ctx *ctx, const struct ph_image_unpack *u,
		       Ph__ImageUnpackReply *rep)
{
	char root[PATH_MAX], final[96], tmp[128];
	__do_close int pool = -EBADF;
	struct stat st;
	int r;

	pool = ph_pool_open(ctx, u->pool);
	if (pool < 0 || ph_pool_path(ctx, u->pool, root, sizeof(root)) < 0)
		return ph_fail(ctx, pool < 0 ? pool : -ENAMETOOLONG, NULL);
	snprintf(final, sizeof(final), "images/%s", u->fingerprint);
	if (fstatat(pool, final, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		rep->cached = true;
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "images/.%s.%d", u->fingerprint, (int)getpid());
	if (mkdirat(pool, tmp, 0700) < 0)
		return ph_fail(ctx, errno, NULL);
	snprintf(tmp, sizeof(tmp), "images/.%s.%d/rootfs", u->fingerprint, (int)getpid());
	r = ph_tree(root, ctx->call->fds[0], "unpack", tmp, NULL);
	tmp[strlen(tmp) - strlen("/rootfs")] = '\0';
	if (r == 0 && renameat(pool, tmp, pool, final) < 0)
		r = errno == ENOTEMPTY || errno == EEXIST ? 0 : -errno; /* raced: already there */
	if (r < 0 || fstatat(pool, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		(void)ph_tree(root, -1, "remove", tmp, NULL);
		if (r < 0)
			return ph_fail(ctx, r,
				       r == -EBADMSG ? "the image is not a valid archive" : NULL);
	}
	return 0;
}

/* ---- instance_create ------------------------------------------------------------ */

int ph_check_instance_create(const Ph__InstanceCreateRequest *m, struct ph_instance_create *ret)
{
	struct ph_instance_create t = { 0 };
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r == 0)
		r = ph_check_name(&m->pool, t.pool);
	if (r == 0 && m->fingerprint.len > 0)
		r = ph_check_fingerprint(&m->fingerprint, t.fingerprint);
	if (r == 0)
		*ret = t;
	return r;
}

PH_POLICY_NONE(instance_create); /* storage only: what it may run is instance_start's to check */

/*
 * Why this is safe: a copy of a tree moatd unpacked itself, made by the
 * confined worker beside containers/<name> and renamed there (it must not
 * exist yet: ph_storage_new(), op_snapshot.c); plus a liblxc configuration
 * directory for the name, which must not exist either (in any pool: the
 * name is the instance). On failure it removes only what it made.
 */
int ph_do_instance_create(struct ph_ctx *ctx, const struct ph_instance_create *c,
			  Ph__InstanceCreateReply *rep)
{
	char src[PATH_MAX];
	int r;

	snprintf(src, sizeof(src), "%s/images/%s/rootfs", c->pool, c->fingerprint);
	r = ph_storage_new(ctx, c->fingerprint[0] ? src : NULL, c->pool, c->ref.name, NULL);
	if (r < 0)
		return ph_fail(ctx, r,
			       r == -EEXIST   ? "an instance of this name already exists"
			       : r == -ENOENT ? "the image is not unpacked in this pool"
					      : NULL);
	return 0;
}

/* ---- instance_delete ------------------------------------------------------------ */

int ph_check_instance_delete(const Ph__InstanceDeleteRequest *m, struct ph_instance_delete *ret)
{
	struct ph_instance_delete t;
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r == 0)
		r = ph_check_name(&m->pool, t.pool);
	if (r == 0)
		*ret = t;
	return r;
}

PH_POLICY_NONE(instance_delete); /* it takes away, never widens */

/*
 * Why this is safe: it removes only containers/<name> and
 * containers-snapshots/<name> in the pool and
 * <name> under moatd's lxcpath, each walk confined to its directory and
 * never following a symlink, after killing the container if it runs, and
 * the nftables fragments of its nics' filters, named in moatd's record.
 */
int ph_do_instance_delete(struct ph_ctx *ctx, const struct ph_instance_delete *d,
			  Ph__InstanceDeleteReply *rep)
{
	struct lxc_container *c = lxc_container_new(d->ref.name, ctx->lxcpath);
	char root[PATH_MAX], dir[96];
	int r = 0;

	if (c) {
		if (c->is_running(c))
			c->stop(c);
		lxc_container_put(c);
	}
	ph_nics_unfilter_all(ctx, d->ref.name); /* before its record goes with its directory */
	ph_proxies_forget(ctx, d->ref.name);
	if (ph_pool_path(ctx, d->pool, root, sizeof(root)) < 0)
		return ph_fail(ctx, ENAMETOOLONG, NULL);
	/* a pool never used holds nothing to delete: deleting is idempotent */
	for (const char *const *k =
		     (const char *const[]){ "containers-snapshots", "containers", NULL };
	     r == 0 && *k && access(root, F_OK) == 0; k++) {
		snprintf(dir, sizeof(dir), "%s/%s", *k, d->ref.name);
		r = ph_tree(root, -1, "remove", dir, NULL);
	}
	if (r == 0)
		r = ph_tree(ctx->lxcpath, -1, "remove", d->ref.name, NULL);
	if (r < 0)
		return ph_fail(ctx, r, NULL);
	return 0;
}
