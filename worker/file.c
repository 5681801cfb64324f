// SPDX-License-Identifier: Apache-2.0
/*
 * moat-tree file KIND PATH TARGET UID GID MODE: the path work of moatd's
 * file_op (privhelper/op_file.c), for `lxc file push/pull/delete`: stat,
 * open for read, create, append or truncate for write, mkdir, symlink,
 * delete, inside a container's rootfs. moatd runs it pivoted into
 * <pool>/containers/<name>/rootfs (ph_tree_ask, storage.c), ids 0-65535
 * mapped to themselves: the rootfs on disk is unshifted (the container
 * mounts it idmapped), so container ids are the on-disk ids and the ones
 * seen here. No capability over the host, no path outside that tree.
 *
 * KIND is read, write, append, mkdir, symlink or delete; PATH and TARGET
 * (a symlink's content, else "") are the request's, checked by moatd;
 * UID, GID and MODE are decimal, -1 for none. The answer is one packet on
 * fd 3 (a socket): a struct tree_file_reply (tree.h) and, for read (but of
 * a symlink) and write, the opened descriptor, which moatd hands on to
 * moatd-api. On failure, nothing is sent and the exit status is the errno.
 *
 * Pivoted or not, every path is resolved with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from "/", so ".." and symlinks planted by the
 * container (to "/", to "/etc") resolve inside the container. Only regular
 * files and directories are opened: never a device node or a FIFO (a
 * privileged container can make device nodes in its tree).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "frame.h"
#include "tree.h"

enum kind { READ, WRITE, APPEND, MKDIR, SYMLINK, DELETE };

struct file_op {
	enum kind kind;
	const char *path, *target;
	int uid, gid, mode; /* -1: none */
};

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

/* Split into the parent directory (opened in root) and the last component. */
static int open_parent(int root, const char *path, const char **ret_base)
{
	static char dir[TREE_PATH_MAX];
	size_t n = strlen(path);
	char *slash;

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
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
		static char base[TREE_PATH_MAX];
		size_t bl = n - (size_t)(*ret_base - path);

		memcpy(base, *ret_base, bl);
		base[bl] = '\0';
		*ret_base = base;
	}
	if (**ret_base == '\0' || strcmp(*ret_base, ".") == 0 || strcmp(*ret_base, "..") == 0)
		return -EINVAL;
	return resolve(root, slash && dir[0] ? dir : "/", O_PATH | O_DIRECTORY, 0);
}

static void fill_stat(struct tree_file_reply *r, const struct stat *st)
{
	r->mode = st->st_mode;
	r->uid = st->st_uid;
	r->gid = st->st_gid;
	r->mtime = st->st_mtim.tv_sec;
}

static int do_read(int root, const struct file_op *f, struct tree_file_reply *out, int *ret_fd)
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
		n = readlinkat(p, "", out->target, sizeof(out->target) - 1);
		if (n < 0)
			return -errno;
		out->target[n] = '\0';
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
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int do_write(int root, const struct file_op *f, struct tree_file_reply *out, int *ret_fd)
{
	int flags = O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY |
		    (f->kind == APPEND ? O_APPEND : O_TRUNC);
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
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int do_entry(int root, const struct file_op *f, struct tree_file_reply *out)
{
	const char *base;
	__do_close int parent = open_parent(root, f->path, &base);
	struct stat st;

	if (parent < 0)
		return parent;
	switch (f->kind) {
	case MKDIR:
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
	case SYMLINK:
		if (symlinkat(f->target, parent, base) < 0)
			return -errno;
		break;
	case DELETE:
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

/* A decimal in -1..max (moatd's, from its checked request: checked again all the same). */
static int number(const char *s, long max, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -1 || v > max)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int tree_file(char **argv)
{
	static const char *const kinds[] = {
		"read", "write", "append", "mkdir", "symlink", "delete"
	};
	static struct tree_file_reply out; /* zero but what the op fills in */
	struct file_op f = { .path = argv[1], .target = argv[2] };
	__do_close int root = -EBADF, fd = -EBADF;
	size_t k = 0;
	int r;

	while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(argv[0], kinds[k]) != 0)
		k++;
	f.kind = (enum kind)k;
	if (k == sizeof(kinds) / sizeof(kinds[0]) || number(argv[3], 65535, &f.uid) < 0 ||
	    number(argv[4], 65535, &f.gid) < 0 || number(argv[5], 07777, &f.mode) < 0)
		return -EINVAL;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	if (f.kind == READ)
		r = do_read(root, &f, &out, &fd);
	else if (f.kind == WRITE || f.kind == APPEND)
		r = do_write(root, &f, &out, &fd);
	else
		r = do_entry(root, &f, &out);
	if (r == 0)
		r = frame_send(3, &out, sizeof(out), &fd, fd >= 0 ? 1 : 0);
	return r;
}
