// SPDX-License-Identifier: Apache-2.0
/*
 * Storage ops, run by moatd (root) in forked workers: unpack an image into
 * the pool's cache, create an instance's rootfs from it, delete an
 * instance; the check, policy and handler of each. Every walk over a tree runs in ph_confined_path() (storage.c):
 * pivoted into the pool directory, in a user namespace with no capability
 * over the host. Names and fingerprints are validated; paths are built here.
 *
 * Archive bytes come from the frontend and are hostile: libarchive reads
 * them only inside the confined worker, with its secure-extraction flags,
 * and every member must lie under rootfs/; device nodes are skipped (/dev
 * comes from the runtime), and so is everything outside rootfs/.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

/* ---- unpacking (inside the confined worker) -------------------------------- */

struct unpack_arg {
	int fd;
	const char *dest; /* relative to the pool root */
};

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

static int unpack(void *arg)
{
	const struct unpack_arg *u = arg;
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
	if (mkdir(u->dest, 0755) < 0)
		r = -errno;
	if (r == 0 && archive_read_open_fd(in, u->fd, 64 * 1024) != ARCHIVE_OK)
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
		if (!map_member(archive_entry_pathname(e), u->dest, path, sizeof(path)))
			continue;
		if (archive_entry_filetype(e) == AE_IFCHR || archive_entry_filetype(e) == AE_IFBLK)
			continue;
		archive_entry_set_pathname(e, path);
		hl = archive_entry_hardlink(e);
		if (hl) {
			if (!map_member(hl, u->dest, link, sizeof(link))) {
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

/* ---- tree copy and removal (inside the confined worker) -------------------- */

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

static struct {
	const char *src, *dst;
	struct hardlink *links;
	size_t nlinks;
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

static int copy_data(const char *src, const char *dst, mode_t mode)
{
	__do_close int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	__do_close int out = -EBADF;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	if (out < 0)
		return -errno;
	do
		n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
	while (n > 0);
	return n < 0 ? -errno : 0;
}

static int copy_one(const char *src, const struct stat *st, int type, struct FTW *ftw)
{
	char dst[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	int r = 0;

	(void)ftw;
	if (dst_of(src, dst, sizeof(dst)) < 0)
		return -ENAMETOOLONG;
	if (type == FTW_D) {
		if (mkdir(dst, 0700) < 0)
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

struct copy_arg {
	const char *src, *dst;
};

static int copy_tree(void *arg)
{
	const struct copy_arg *c = arg;
	int r;

	cp.src = c->src;
	cp.dst = c->dst;
	r = nftw(c->src, copy_one, 64, FTW_PHYS | FTW_MOUNT);
	if (r == 0)
		r = nftw(c->src, copy_dir_meta, 64, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
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

static int remove_tree(void *arg)
{
	const char *path = arg;
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	return nftw(path, remove_one, 64, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

static int make_empty_rootfs(void *arg)
{
	const char *dst = arg;

	return mkdir(dst, 0755) < 0 ? -errno : 0;
}

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

int ph_policy_image_unpack(const struct ph_policy *p, const struct ph_image_unpack *t,
			   const char **ret_why)
{
	return 0; /* into the pool's cache, by the confined worker */
}

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
	struct unpack_arg arg;
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
	arg.fd = ctx->call->fds[0];
	arg.dest = tmp;
	r = ph_confined_path(root, unpack, &arg, arg.fd);
	tmp[strlen(tmp) - strlen("/rootfs")] = '\0';
	if (r == 0 && renameat(pool, tmp, pool, final) < 0)
		r = errno == ENOTEMPTY || errno == EEXIST ? 0 : -errno; /* raced: already there */
	if (r < 0 || fstatat(pool, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		(void)ph_confined_path(root, remove_tree, tmp, -1);
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

int ph_policy_instance_create(const struct ph_policy *p, const struct ph_instance_create *t,
			      const char **ret_why)
{
	return 0; /* storage only: what it may run is instance_start's to check */
}

/*
 * Why this is safe: a copy of a tree moatd unpacked itself, made by the
 * confined worker into containers/<name>, which must not exist yet; plus
 * a liblxc configuration directory for the name, which must not exist
 * either (in any pool: the name is the instance). On failure it removes
 * only what it made.
 */
int ph_do_instance_create(struct ph_ctx *ctx, const struct ph_instance_create *c,
			  Ph__InstanceCreateReply *rep)
{
	char root[PATH_MAX], src[96], dst[96], dir[96], lxcdir[PATH_MAX];
	__do_close int pool = -EBADF;
	struct ph_instance_config none = { 0 };
	struct copy_arg arg = { src, dst };
	int r;

	pool = ph_pool_open(ctx, c->pool);
	if (pool < 0 || ph_pool_path(ctx, c->pool, root, sizeof(root)) < 0)
		return ph_fail(ctx, pool < 0 ? pool : -ENAMETOOLONG, NULL);
	snprintf(dir, sizeof(dir), "containers/%s", c->ref.name);
	snprintf(dst, sizeof(dst), "containers/%s/rootfs", c->ref.name);
	snprintf(src, sizeof(src), "images/%s/rootfs", c->fingerprint);
	snprintf(lxcdir, sizeof(lxcdir), "%s/%s", ctx->lxcpath, c->ref.name);
	if (mkdir(lxcdir, 0700) < 0)
		return ph_fail(ctx, errno,
			       errno == EEXIST ? "an instance of this name already exists" : NULL);
	if (mkdirat(pool, dir, 0700) < 0) {
		r = -errno;
		(void)rmdir(lxcdir);
		return ph_fail(ctx, r,
			       r == -EEXIST ? "storage for this name already exists" : NULL);
	}
	if (c->fingerprint[0] && faccessat(pool, src, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		r = -ENOENT;
	else
		r = c->fingerprint[0] ? ph_confined_path(root, copy_tree, &arg, -1)
				      : ph_confined_path(root, make_empty_rootfs, dst, -1);
	if (r == 0)
		r = ph_render_config(ctx, c->ref.name, c->pool, &none, NULL, NULL,
				     &(const char *){ NULL });
	if (r < 0) {
		(void)ph_confined_path(root, remove_tree, dir, -1);
		(void)ph_confined_path(ctx->lxcpath, remove_tree, (void *)c->ref.name, -1);
		return ph_fail(ctx, r,
			       r == -ENOENT ? "the image is not unpacked in this pool" : NULL);
	}
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

int ph_policy_instance_delete(const struct ph_policy *p, const struct ph_instance_delete *t,
			      const char **ret_why)
{
	return 0; /* it takes away, never widens */
}

/*
 * Why this is safe: it removes only containers/<name> in the pool and
 * <name> under moatd's lxcpath, each walk confined to its directory and
 * never following a symlink, after killing the container if it runs, and
 * the nftables fragments of its nics' filters, named in moatd's record.
 */
int ph_do_instance_delete(struct ph_ctx *ctx, const struct ph_instance_delete *d,
			  Ph__InstanceDeleteReply *rep)
{
	struct lxc_container *c = lxc_container_new(d->ref.name, ctx->lxcpath);
	char root[PATH_MAX], dir[96];
	int r;

	if (c) {
		if (c->is_running(c))
			c->stop(c);
		lxc_container_put(c);
	}
	ph_nics_unfilter_all(ctx, d->ref.name); /* before its record goes with its directory */
	ph_proxies_forget(ctx, d->ref.name);
	if (ph_pool_path(ctx, d->pool, root, sizeof(root)) < 0)
		return ph_fail(ctx, ENAMETOOLONG, NULL);
	snprintf(dir, sizeof(dir), "containers/%s", d->ref.name);
	/* a pool never used holds nothing to delete: deleting is idempotent */
	r = access(root, F_OK) == 0 ? ph_confined_path(root, remove_tree, dir, -1) : 0;
	if (r == 0)
		r = ph_confined_path(ctx->lxcpath, remove_tree, (void *)d->ref.name, -1);
	if (r < 0)
		return ph_fail(ctx, r, NULL);
	return 0;
}
