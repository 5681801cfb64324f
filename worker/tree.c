// SPDX-License-Identifier: Apache-2.0
/*
 * moat-tree: the confined worker that does moatd's work on container and
 * image trees: the storage ops' walks (privhelper/op_storage.c) and the
 * path work of file_op (op_file.c). moatd forks, closes every descriptor
 * but the few it passes, confines the child (storage.c: a new mount
 * namespace pivoted into one directory, the old root detached, then a new
 * user namespace mapping ids 0-65535 to themselves, no_new_privs) and only
 * then execs this program by a descriptor it opened at start (root's,
 * writable by root alone). So nothing here runs with a capability over
 * the host or sees a path outside that directory, and none of moatd's
 * memory comes along: libarchive runs in a fresh process image, and so
 * does every path lookup in a container's tree. It is linked statically
 * because the directory it is pivoted into holds no loader or libraries.
 *
 *   moat-tree unpack DEST     the image archive on fd 3 (hostile bytes:
 *                             libarchive with its secure-extraction flags;
 *                             only rootfs/ members, as DEST/...; no device
 *                             nodes; hard links only inside rootfs/)
 *   moat-tree copy SRC DST    a tree, with owners, modes, times, xattrs
 *                             (ACLs), hard links and holes; no device nodes
 *   moat-tree snapshot SRC DST the same, read-only where it is a btrfs
 *                             snapshot (worker/btrfs.c: on a btrfs pool a
 *                             copy is a snapshot, an image or a new rootfs
 *                             a subvolume, a removal a subvolume delete)
 *   moat-tree remove PATH     a tree, never following a symlink
 *   moat-tree mkdir PATH      an empty rootfs
 *   moat-tree sweep .         the leftovers of copies moatd never finished
 *   moat-tree sweep lxc       in moatd's lxcpath: an instance directory with
 *                             no config (a create or copy killed before it
 *                             wrote one)
 *   moat-tree file KIND PATH TARGET UID GID MODE
 *                             one file_op, pivoted into a container's
 *                             rootfs (file.c): the answer, and the opened
 *                             descriptor for read and write, on the socket
 *                             that is fd 3
 *
 * Paths are relative to the directory it was pivoted into, built by moatd
 * from validated names (file's PATH: the request's, resolved in that root).
 * The exit status is 0 or an errno value; EBADFD if it was started holding
 * a descriptor it was not meant to have.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "tree.h"

/* ---- unpack DEST: the image archive on fd 3 --------------------------------- */

/* "rootfs/x" -> "<dest>/x"; false for anything outside rootfs/. */
static bool map_member(const char *in, const char *dest, char *out, size_t size)
{
	const char *rest;
	int n;

	if (strncmp(in, "./", 2) == 0)
		in += 2;
	if (strncmp(in, "rootfs", 6) != 0 || (in[6] != '/' && in[6] != '\0'))
		return false;
	rest = in + 6;
	n = snprintf(out, size, "%s%s", dest, rest);
	return n > 0 && (size_t)n < size;
}

static int unpack(int fd, const char *dest)
{
	const int flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
			  ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
			  ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
			  ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *e;
	char path[PATH_MAX], link[PATH_MAX];
	int r = 0;

	if (!in || !out)
		return -ENOMEM;
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_write_disk_set_options(out, flags);
	r = tree_subvol_create(dest); /* a btrfs pool: an image is a subvolume */
	if (r == -ENOTSUP)
		r = mkdir(dest, 0755) < 0 ? -errno : 0;
	if (r == 0 && archive_read_open_fd(in, fd, 64 * 1024) != ARCHIVE_OK)
		r = -EBADMSG;
	while (r == 0) {
		int a = archive_read_next_header(in, &e);
		const char *hl;

		if (a == ARCHIVE_EOF)
			break;
		if (a < ARCHIVE_WARN) {
			r = -EBADMSG;
			break;
		}
		if (!map_member(archive_entry_pathname(e), dest, path, sizeof(path)))
			continue;
		if (archive_entry_filetype(e) == AE_IFCHR || archive_entry_filetype(e) == AE_IFBLK)
			continue;
		archive_entry_set_pathname(e, path);
		hl = archive_entry_hardlink(e);
		if (hl) {
			if (!map_member(hl, dest, link, sizeof(link))) {
				r = -EXDEV;
				break;
			}
			archive_entry_set_hardlink(e, link);
		}
		a = archive_write_header(out, e);
		if (a == ARCHIVE_OK && archive_entry_size(e) > 0) {
			const void *buf;
			size_t len;
			la_int64_t off;

			while ((a = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK)
				if (archive_write_data_block(out, buf, len, off) < ARCHIVE_WARN) {
					a = ARCHIVE_FATAL;
					break;
				}
			a = a == ARCHIVE_EOF ? ARCHIVE_OK : a;
		}
		if (a < ARCHIVE_WARN || archive_write_finish_entry(out) < ARCHIVE_WARN)
			r = -EIO;
	}
	archive_read_free(in);
	if (archive_write_close(out) < ARCHIVE_WARN && r == 0)
		r = -EIO;
	archive_write_free(out);
	return r;
}

/* ---- copy SRC DST, remove PATH ---------------------------------------------- */

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

static struct {
	const char *src, *dst;
	struct hardlink *links;
	size_t nlinks;
	bool top_made; /* dst is a subvolume copy_tree made: not mkdir'd again */
} cp;

static int dst_of(const char *src, char *out, size_t size)
{
	int n = snprintf(out, size, "%s%s", cp.dst, src + strlen(cp.src));

	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static void copy_xattrs(const char *src, const char *dst)
{
	char names[4096], value[4096];
	ssize_t n = llistxattr(src, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v = lgetxattr(src, names + i, value, sizeof(value));

		if (v >= 0)
			(void)lsetxattr(dst, names + i, value, (size_t)v, 0);
	}
}

/*
 * The data of in, extent by extent (SEEK_DATA/SEEK_HOLE), so a sparse file
 * stays sparse: holes are skipped and the size set at the end. Each extent
 * goes by copy_file_range, which shares the blocks where the filesystem
 * can (a reflink on btrfs), or by sendfile between two filesystems.
 */
static int copy_extents(int in, int out)
{
	off_t end = lseek(in, 0, SEEK_END), data = 0, hole;
	ssize_t n;

	if (end < 0)
		return -errno;
	while (data < end && (data = lseek(in, data, SEEK_DATA)) >= 0) {
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		for (off_t at = data; at < hole; at += n) {
			off_t from = at, to = at;

			n = copy_file_range(in, &from, out, &to, (size_t)(hole - at), 0);
			if (n < 0 && (errno == EXDEV || errno == EOPNOTSUPP) &&
			    lseek(out, at, SEEK_SET) == at) /* two filesystems */
				n = sendfile(out, in, &from, (size_t)(hole - at));
			if (n <= 0)
				return n < 0 ? -errno : -EIO; /* the file shrank meanwhile */
		}
		data = hole;
	}
	if (data < 0 && errno != ENXIO) /* ENXIO: no data after the offset */
		return -errno;
	return ftruncate(out, end) < 0 ? -errno : 0;
}

static int copy_data(const char *src, const char *dst, mode_t mode)
{
	__do_close int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	__do_close int out = -EBADF;

	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	if (out < 0)
		return -errno;
	return copy_extents(in, out);
}

static int copy_one(const char *src, const struct stat *st, int type, struct FTW *ftw)
{
	char dst[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	int r = 0;

	if (dst_of(src, dst, sizeof(dst)) < 0)
		return -ENAMETOOLONG;
	if (type == FTW_D) {
		if (!(ftw->level == 0 && cp.top_made) && mkdir(dst, 0700) < 0)
			return -errno;
		return 0; /* owner, mode and times after the contents (copy_dir_meta) */
	}
	if (type != FTW_F && type != FTW_SL)
		return -EIO;
	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		for (size_t i = 0; i < cp.nlinks; i++)
			if (cp.links[i].dev == st->st_dev && cp.links[i].ino == st->st_ino)
				return link(cp.links[i].path, dst) < 0 ? -errno : 0;
	}
	if (S_ISREG(st->st_mode)) {
		r = copy_data(src, dst, st->st_mode);
	} else if (S_ISLNK(st->st_mode)) {
		n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		r = symlink(target, dst) < 0 ? -errno : 0;
	} else if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode)) {
		r = mknod(dst, st->st_mode, 0) < 0 ? -errno : 0;
	} else {
		return 0; /* device nodes are never created */
	}
	if (r < 0)
		return r;
	if (lchown(dst, st->st_uid, st->st_gid) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777) < 0)
		return -errno;
	copy_xattrs(src, dst);
	{
		struct timespec ts[2] = { st->st_atim, st->st_mtim };

		(void)utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
	}
	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		struct hardlink *g = realloc(cp.links, (cp.nlinks + 1) * sizeof(*g));

		if (!g)
			return -ENOMEM;
		cp.links = g;
		g[cp.nlinks].dev = st->st_dev;
		g[cp.nlinks].ino = st->st_ino;
		g[cp.nlinks].path = strdup(dst);
		if (!g[cp.nlinks].path)
			return -ENOMEM;
		cp.nlinks++;
	}
	return 0;
}

static int copy_dir_meta(const char *src, const struct stat *st, int type, struct FTW *ftw)
{
	char dst[PATH_MAX];
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	(void)ftw;
	if (type != FTW_DP)
		return 0;
	if (dst_of(src, dst, sizeof(dst)) < 0)
		return -ENAMETOOLONG;
	if (lchown(dst, st->st_uid, st->st_gid) < 0 || chmod(dst, st->st_mode & 07777) < 0)
		return -errno;
	copy_xattrs(src, dst);
	(void)utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* A copy of src at dst: on btrfs a snapshot of src's subvolume (read-only
 * if asked); else a walk, into a new subvolume when dst is on btrfs. */
static int copy_tree(const char *src, const char *dst, bool readonly)
{
	int r = tree_snapshot(src, dst, readonly);

	if (r != -ENOTSUP)
		return r;
	r = tree_subvol_create(dst);
	if (r < 0 && r != -ENOTSUP)
		return r;
	cp.top_made = r == 0;
	cp.src = src;
	cp.dst = dst;
	r = nftw(src, copy_one, 64, FTW_PHYS | FTW_MOUNT);
	if (r == 0)
		r = nftw(src, copy_dir_meta, 64, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
	return r > 0 ? -EIO : r;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* Pre-order: a btrfs subvolume met below the top is deleted whole, its subtree skipped. */
static int remove_subvols(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int r;

	if (type != FTW_D || st->st_ino != 256) /* a subvolume's root is inode 256 */
		return FTW_CONTINUE;
	r = tree_subvol_delete(path);
	if (r == -ENOTSUP)
		return FTW_CONTINUE;
	if (r < 0) {
		errno = -r;
		return FTW_STOP;
	}
	return FTW_SKIP_SUBTREE;
}

/*
 * A tree, never following a symlink nor entering another mount; on btrfs
 * each subvolume in it (a snapshot's rootfs in its snapshot directory) is
 * deleted whole first, as a walk cannot empty a read-only one.
 */
static int remove_tree(const char *path)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	r = tree_subvol_delete(path); /* a subvolume goes whole, read-only or not */
	if (r != -ENOTSUP)
		return r;
	if (S_ISDIR(st.st_mode) &&
	    nftw(path, remove_subvols, 64, FTW_PHYS | FTW_ACTIONRETVAL) == FTW_STOP)
		return -errno;
	return nftw(path, remove_one, 64, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

/*
 * sweep: pivoted into storage-pools/, remove what a copy or an unpack left
 * when moatd was killed: the '.'-named trees it makes beside their final
 * place (op_snapshot.c, op_storage.c), in each pool's images/,
 * containers/, containers/<name>/ and containers-snapshots/<name>/. Pool,
 * instance and snapshot names never begin with '.'.
 */
static int sweep(bool lxc)
{
	static const char *const where[] = { "*/images/.*", "*/containers/.*", "*/containers/*/.*",
					     "*/containers-snapshots/*/.*" };
	int r = 0;

	if (lxc) { /* pivoted into moatd's lxcpath: a directory with no config */
		glob_t g;

		if (glob("*/", GLOB_NOSORT, NULL, &g) != 0)
			return 0;
		for (size_t k = 0; k < g.gl_pathc && r == 0; k++) {
			char config[PATH_MAX];

			snprintf(config, sizeof(config), "%sconfig", g.gl_pathv[k]);
			if (access(config, F_OK) < 0 && errno == ENOENT)
				r = remove_tree(g.gl_pathv[k]);
		}
		globfree(&g);
		return r;
	}
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		glob_t g;

		if (glob(where[i], GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++) {
			const char *base = strrchr(g.gl_pathv[k], '/') + 1;

			if (strcmp(base, ".") != 0 && strcmp(base, "..") != 0 && r == 0)
				r = remove_tree(g.gl_pathv[k]);
		}
		globfree(&g);
	}
	return r;
}

int main(int argc, char **argv)
{
	int r = -EINVAL;

	if (argc < 3)
		return EINVAL;
	/* nothing of moatd's comes along but fd 3 for unpack and file: moatd
	 * closed the rest (storage.c); a worker that finds one open refuses to run */
	for (int fd = strcmp(argv[1], "unpack") == 0 || strcmp(argv[1], "file") == 0 ? 4 : 3;
	     fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			return EBADFD;
	if (argc == 3 && strcmp(argv[1], "unpack") == 0)
		r = unpack(3, argv[2]);
	else if (argc == 4 && strcmp(argv[1], "copy") == 0)
		r = copy_tree(argv[2], argv[3], false);
	else if (argc == 4 && strcmp(argv[1], "snapshot") == 0)
		r = copy_tree(argv[2], argv[3], true);
	else if (argc == 3 && strcmp(argv[1], "remove") == 0)
		r = remove_tree(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "sweep") == 0)
		r = strcmp(argv[2], ".") == 0     ? sweep(false)
		    : strcmp(argv[2], "lxc") == 0 ? sweep(true)
						  : -EINVAL;
	else if (argc == 3 && strcmp(argv[1], "mkdir") == 0)
		r = (r = tree_subvol_create(argv[2])) != -ENOTSUP ? r
		    : mkdir(argv[2], 0755) < 0                    ? -errno
								  : 0;
	else if (argc == 8 && strcmp(argv[1], "file") == 0)
		r = tree_file(argv + 2);
	return r < 0 ? (-r & 0xff) : 0;
}
