// SPDX-License-Identifier: Apache-2.0
/*
 * file_op, run by moatd (root): its check (of hostile bytes from moatd-api),
 * policy and handler. It stats, opens, creates, mkdirs, symlinks and
 * deletes paths inside a container's rootfs, for file push and pull. The
 * frontend gets descriptors and streams them; it never sees a host path.
 *
 * Every path is resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * from the rootfs directory, so ".." and symlinks planted by the container
 * (to "/", to "/etc") resolve inside the container, never on the host.
 * Only regular files are opened for data: never a device node or a FIFO.
 * Owners are container ids, which are also the on-disk ids (the rootfs is
 * mounted idmapped), bounded to 0-65535 by the check.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "ph.h"

static int resolve(int root, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static int open_rootfs(struct ph_ctx *ctx, const char *pool, const char *name)
{
	__do_close int p = ph_pool_open(ctx, pool);
	char rel[96];
	int fd;

	if (p < 0)
		return p;
	snprintf(rel, sizeof(rel), "containers/%s/rootfs", name);
	fd = openat(p, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Split into the parent directory (opened in root) and the last component. */
static int open_parent(int root, const char *path, const char **ret_base)
{
	static char dir[PH_PATH_MAX];
	size_t n = strlen(path);
	char *slash;

	while (n > 1 && path[n - 1] == '/')
		n--;
	memcpy(dir, path, n);
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		*ret_base = path + (slash - dir) + 1;
	} else {
		*ret_base = path;
	}
	/* the component itself, up to the trailing slashes */
	{
		static char base[PH_PATH_MAX];
		size_t bl = n - (size_t)(*ret_base - path);

		memcpy(base, *ret_base, bl);
		base[bl] = '\0';
		*ret_base = base;
	}
	if (**ret_base == '\0' || strcmp(*ret_base, ".") == 0 || strcmp(*ret_base, "..") == 0)
		return -EINVAL;
	return resolve(root, slash && dir[0] ? dir : "/", O_PATH | O_DIRECTORY, 0);
}

static char target[PH_PATH_MAX]; /* the reply's link target: one op at a time */

static void fill_stat(Ph__FileOpReply *r, const struct stat *st)
{
	r->type = S_ISDIR(st->st_mode)   ? PH__FILE_TYPE__FILE_TYPE_DIRECTORY
		  : S_ISLNK(st->st_mode) ? PH__FILE_TYPE__FILE_TYPE_SYMLINK
					 : PH__FILE_TYPE__FILE_TYPE_FILE;
	r->uid = st->st_uid;
	r->gid = st->st_gid;
	r->mode = st->st_mode & 07777;
	r->mtime = st->st_mtim.tv_sec;
}

static int do_read(struct ph_ctx *ctx, int root, const struct ph_file_op *f, Ph__FileOpReply *out)
{
	__do_close int p = resolve(root, f->path, O_PATH | O_NOFOLLOW, 0);
	__do_close int fd = -EBADF;
	struct stat st, st2;
	ssize_t n;

	if (p < 0)
		return p;
	if (fstat(p, &st) < 0)
		return -errno;
	fill_stat(out, &st);
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(p, "", target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		out->target.data = (uint8_t *)target;
		out->target.len = (size_t)n;
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		fd = openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if (S_ISREG(st.st_mode))
		fd = resolve(root, f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	else
		return -EPERM; /* never open a device node or a FIFO */
	if (fd < 0)
		return fd == -1 ? -errno : fd;
	/* the same object we looked at, not one swapped in since */
	if (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)
		return -EAGAIN;
	return ph_reply_fd(ctx, TAKE_FD(fd));
}

static int do_write(struct ph_ctx *ctx, int root, const struct ph_file_op *f, Ph__FileOpReply *out)
{
	int flags = O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY |
		    (f->kind == PH_FILE_APPEND ? O_APPEND : O_TRUNC);
	mode_t mode = f->mode >= 0 ? (mode_t)f->mode : 0644;
	__do_close int fd = -EBADF;
	struct stat st;

	/* a symlink here is followed, but inside the container's root */
	fd = resolve(root, f->path, flags, mode);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EISDIR;
	if ((f->uid >= 0 || f->gid >= 0) && fchown(fd, (uid_t)f->uid, (gid_t)f->gid) < 0)
		return -errno;
	if (f->mode >= 0 && fchmod(fd, (mode_t)f->mode) < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	fill_stat(out, &st);
	return ph_reply_fd(ctx, TAKE_FD(fd));
}

static int do_entry(int root, const struct ph_file_op *f, Ph__FileOpReply *out)
{
	const char *base;
	__do_close int parent = open_parent(root, f->path, &base);
	struct stat st;

	if (parent < 0)
		return parent;
	switch (f->kind) {
	case PH_FILE_MKDIR:
		if (mkdirat(parent, base, f->mode >= 0 ? (mode_t)f->mode : 0755) < 0) {
			if (errno != EEXIST)
				return -errno;
			if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -EEXIST;
			fill_stat(out, &st);
			return 0; /* an existing directory is fine, as it is */
		}
		break;
	case PH_FILE_SYMLINK:
		if (symlinkat(f->target, parent, base) < 0)
			return -errno;
		break;
	case PH_FILE_DELETE:
		if (unlinkat(parent, base, 0) < 0) {
			if (errno != EISDIR && errno != EPERM)
				return -errno;
			if (unlinkat(parent, base, AT_REMOVEDIR) < 0)
				return -errno;
		}
		return 0;
	default:
		return -EINVAL;
	}
	if ((f->uid >= 0 || f->gid >= 0) &&
	    fchownat(parent, base, (uid_t)f->uid, (gid_t)f->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	fill_stat(out, &st);
	return 0;
}

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

int ph_policy_file_op(const struct ph_policy *p, const struct ph_file_op *t, const char **ret_why)
{
	return 0; /* inside the container's own root, as its ids: nothing to widen */
}

/*
 * Why this is safe: the container is named by a validated name and found
 * under our pool; the path is resolved only with RESOLVE_IN_ROOT from that
 * rootfs (no escape by "..", absolute symlinks or magic links); only
 * regular files and directories are opened; ids are container ids bounded
 * to 0-65535, equal to the on-disk ids of an idmapped rootfs.
 */
int ph_do_file_op(struct ph_ctx *ctx, const struct ph_file_op *f, Ph__FileOpReply *rep)
{
	__do_close int root = open_rootfs(ctx, f->pool, f->ref.name);
	int r;

	if (root < 0)
		return ph_fail(ctx, root, root == -ENOENT ? "Instance not found" : NULL);
	switch (f->kind) {
	case PH_FILE_READ:
		r = do_read(ctx, root, f, rep);
		break;
	case PH_FILE_WRITE:
	case PH_FILE_APPEND:
		r = do_write(ctx, root, f, rep);
		break;
	default:
		r = do_entry(root, f, rep);
		break;
	}
	if (r < 0) /* dispatch closes any descriptor already handed on */
		return ph_fail(ctx, r,
			       r == -ENOENT  ? "Not Found"
			       : r == -EPERM ? "only files, directories and symlinks can be read"
					     : NULL);
	return 0;
}
