// SPDX-License-Identifier: Apache-2.0
/*
 * moat-tree on a btrfs pool: a tree is a subvolume, and a copy of one is a
 * snapshot of it (O(1), whatever its size), through libbtrfsutil. The
 * worker holds no capability over the host (worker/tree.c): the kernel
 * lets the owner of a subvolume snapshot it and, on a filesystem mounted
 * with user_subvol_rm_allowed (moatd mounts its pools so,
 * privhelper/storage_btrfs.c), delete it; both need only that the ids
 * are mapped, and 0-65535 are. Qgroups need host root and are not here.
 *
 * Each function answers -ENOTSUP where btrfs does not apply (another
 * filesystem, a tree that is not a subvolume, two filesystems, a delete
 * the mount does not allow), and the caller then walks the tree as on the
 * dir driver. So a dir pool on a host's btrfs gets subvolumes and
 * snapshots too.
 */
#include <btrfsutil.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>

#include "tree.h"

static int err_of(enum btrfs_util_error e)
{
	return e == BTRFS_UTIL_OK ? 0 : errno ? -errno : -EIO;
}

/* Is the directory that will hold path on btrfs? Its statfs into ret. */
static bool parent_on_btrfs(const char *path, struct statfs *ret)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	return statfs(dirname(copy), ret) == 0 && ret->f_type == BTRFS_SUPER_MAGIC;
}

int tree_subvol_create(const char *path)
{
	struct statfs f;

	if (!parent_on_btrfs(path, &f))
		return -ENOTSUP;
	errno = 0;
	return err_of(btrfs_util_create_subvolume(path, 0, NULL, NULL));
}

int tree_snapshot(const char *src, const char *dst, bool readonly)
{
	struct statfs f;
	int r;

	/* only a subvolume snapshots, and only into its own filesystem (else EXDEV;
	 * f_fsid cannot tell: btrfs gives each subvolume an fsid of its own) */
	if (btrfs_util_is_subvolume(src) != BTRFS_UTIL_OK || !parent_on_btrfs(dst, &f))
		return -ENOTSUP;
	errno = 0;
	r = err_of(btrfs_util_create_snapshot(
		src, dst, readonly ? BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY : 0, NULL, NULL));
	return r == -EXDEV ? -ENOTSUP : r;
}

int tree_subvol_delete(const char *path)
{
	bool ro = false;
	int r;

	if (btrfs_util_is_subvolume(path) != BTRFS_UTIL_OK)
		return -ENOTSUP;
	/* the kernel lets a user delete only a subvolume it could write: a
	 * read-only one (a snapshot) is made writable first, as its owner may */
	errno = 0;
	if (btrfs_util_get_subvolume_read_only(path, &ro) != BTRFS_UTIL_OK ||
	    (ro && btrfs_util_set_subvolume_read_only(path, false) != BTRFS_UTIL_OK))
		return errno ? -errno : -EIO;
	errno = 0;
	r = err_of(btrfs_util_delete_subvolume(path, 0));
	/* a btrfs not mounted by moatd (the host's, under a dir pool) may lack
	 * user_subvol_rm_allowed: the walk empties it and rmdir(2) takes it */
	return r == -EPERM ? -ENOTSUP : r;
}
