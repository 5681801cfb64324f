/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What moat-tree (worker/) and moatd share: the answer of `moat-tree file`
 * (worker/file.c), one packet on the socket that is its fd 3, read by
 * moatd's ph_tree_ask() (privhelper/storage.c) for file_op (op_file.c).
 * moatd checks it as it would bytes from outside: the exact size, a NUL
 * ending the target, and the type of the descriptor that comes with it.
 */
#ifndef MOAT_WORKER_TREE_H
#define MOAT_WORKER_TREE_H

#include <stdbool.h>
#include <stdint.h>

#define TREE_PATH_MAX 4096 /* moatd's PH_PATH_MAX */

struct tree_file_reply {
	uint32_t mode; /* st_mode, the type bits too; 0: nothing to say (delete) */
	uint32_t uid, gid;
	int64_t mtime;
	char target[TREE_PATH_MAX]; /* a symlink's content (read), NUL-ended */
};

/* moat-tree file KIND PATH TARGET UID GID MODE (argv from KIND on): 0 or -errno. */
int tree_file(char **argv);

/* worker/btrfs.c: a subvolume made, snapshotted (into the same filesystem) or
 * deleted; -ENOTSUP where btrfs does not apply (then walk the tree instead). */
int tree_subvol_create(const char *path);
int tree_snapshot(const char *src, const char *dst, bool readonly);
int tree_subvol_delete(const char *path);

#endif
