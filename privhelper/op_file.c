// SPDX-License-Identifier: Apache-2.0
/*
 * file_op, run by moatd (root): its check (of hostile bytes from moatd-api),
 * policy and handler, for file push and pull. The path work (stat, open,
 * create, mkdir, symlink, delete inside a container's rootfs) is not done
 * here but by moat-tree (worker/file.c), confined in that rootfs: pivoted
 * into it, ids 0-65535 mapped to themselves, no capability over the host.
 * It answers with the stat and, for read and write, a descriptor, which
 * moatd checks and hands on. The frontend gets descriptors and streams
 * them; it never sees a host path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ph.h"
#include "worker/tree.h"

int ph_check_file_op(const Ph__FileOpRequest *m, struct ph_file_op *ret)
{
	struct ph_file_op t = { 0 };
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r == 0)
		r = ph_check_name(&m->pool, t.pool);
	if (r == 0)
		r = ph_check_text(&m->path, 1, t.path, sizeof(t.path));
	if (r < 0)
		return r;
	switch (m->kind) {
	case PH__FILE_OP_KIND__FILE_OP_OPEN_READ:
		t.kind = PH_FILE_READ;
		break;
	case PH__FILE_OP_KIND__FILE_OP_WRITE:
		t.kind = PH_FILE_WRITE;
		break;
	case PH__FILE_OP_KIND__FILE_OP_APPEND:
		t.kind = PH_FILE_APPEND;
		break;
	case PH__FILE_OP_KIND__FILE_OP_MKDIR:
		t.kind = PH_FILE_MKDIR;
		break;
	case PH__FILE_OP_KIND__FILE_OP_SYMLINK:
		t.kind = PH_FILE_SYMLINK;
		break;
	case PH__FILE_OP_KIND__FILE_OP_DELETE:
		t.kind = PH_FILE_DELETE;
		break;
	default:
		return -EINVAL;
	}
	if (m->uid < -1 || m->uid > 65535 || m->gid < -1 || m->gid > 65535 || m->mode < -1 ||
	    m->mode > 07777)
		return -ERANGE;
	t.uid = m->uid;
	t.gid = m->gid;
	t.mode = m->mode;
	if (t.kind == PH_FILE_SYMLINK)
		r = ph_check_text(&m->target, 1, t.target, sizeof(t.target));
	else if (m->target.len != 0)
		r = -EINVAL;
	if (r == 0)
		*ret = t;
	return r;
}

PH_POLICY_NONE(file_op); /* inside the container's own root, as its ids: nothing to widen */

/*
 * Why this is safe: the container is named by a validated name and its
 * rootfs found under our pool (a directory, not a symlink); every path is
 * resolved by moat-tree pivoted into that rootfs, as uid 0 of a user
 * namespace mapping ids 0-65535 to themselves, with no capability over the
 * host, and there too only with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: no
 * escape by "..", absolute symlinks or magic links, and no host root while
 * a container's tree is walked. Only regular files and directories are
 * opened (the worker refuses others; moatd checks the descriptor's type
 * again, and the answer's size); ids are container ids bounded to 0-65535
 * by the check, which are the on-disk ids of the unshifted rootfs.
 */
int ph_do_file_op(struct ph_ctx *ctx, const struct ph_file_op *f, Ph__FileOpReply *rep)
{
	static const char *const kinds[] = {
		[PH_FILE_READ] = "read",       [PH_FILE_WRITE] = "write",
		[PH_FILE_APPEND] = "append",   [PH_FILE_MKDIR] = "mkdir",
		[PH_FILE_SYMLINK] = "symlink", [PH_FILE_DELETE] = "delete"
	};
	static struct tree_file_reply t; /* rep->target points into it: one op at a time */
	char pool[PATH_MAX], root[PATH_MAX + 96], rel[96], id[3][16];
	const char *argv[] = { "moat-tree", "file", kinds[f->kind], f->path, f->target,
			       id[0],       id[1],  id[2],          NULL };
	__do_close int p = ph_pool_open(ctx, f->pool), dir = -EBADF, fd = -EBADF;
	struct stat st;
	bool want_fd;
	int r = p < 0 ? p : ph_pool_path(ctx, f->pool, pool, sizeof(pool));

	snprintf(rel, sizeof(rel), "containers/%s/rootfs", f->ref.name);
	if (r == 0 && (dir = openat(p, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		r = -errno; /* a directory, not a symlink */
	if (r < 0)
		return ph_fail(ctx, r, r == -ENOENT ? "Instance not found" : NULL);
	snprintf(root, sizeof(root), "%s/%s", pool, rel);
	snprintf(id[0], sizeof(id[0]), "%d", f->uid);
	snprintf(id[1], sizeof(id[1]), "%d", f->gid);
	snprintf(id[2], sizeof(id[2]), "%d", f->mode);
	r = ph_tree_ask(root, argv, &t, sizeof(t), &fd);
	/* the worker's answer, checked: a descriptor exactly when one is due,
	 * of the type it says, a file or a directory; a NUL-ended target */
	want_fd = f->kind == PH_FILE_WRITE || f->kind == PH_FILE_APPEND ||
		  (f->kind == PH_FILE_READ && !S_ISLNK(t.mode));
	if (r == 0 && (want_fd != (fd >= 0) || t.target[sizeof(t.target) - 1] != '\0' ||
		       (fd >= 0 && (fstat(fd, &st) < 0 || ((st.st_mode ^ t.mode) & S_IFMT) ||
				    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))))))
		r = -EPROTO;
	if (r == 0 && fd >= 0)
		r = ph_reply_fd(ctx, TAKE_FD(fd));
	if (r < 0) /* dispatch closes any descriptor already handed on */
		return ph_fail(ctx, r,
			       r == -ENOENT  ? "Not Found"
			       : r == -EPERM ? "only files, directories and symlinks can be read"
					     : NULL);
	rep->type = !t.mode           ? PH__FILE_TYPE__FILE_TYPE_UNSPECIFIED
		    : S_ISDIR(t.mode) ? PH__FILE_TYPE__FILE_TYPE_DIRECTORY
		    : S_ISLNK(t.mode) ? PH__FILE_TYPE__FILE_TYPE_SYMLINK
				      : PH__FILE_TYPE__FILE_TYPE_FILE;
	rep->uid = t.uid;
	rep->gid = t.gid;
	rep->mode = t.mode & 07777;
	rep->mtime = t.mtime;
	rep->target.data = (uint8_t *)t.target;
	rep->target.len = strlen(t.target);
	return 0;
}
