// SPDX-License-Identifier: Apache-2.0
/*
 * Devices of a start (LXD's disk, unix-char and unix-block), run by moatd
 * (root) in instance_start's worker: the check of the Device message (it
 * reads hostile bytes from moatd-api), its policy step, and the staging of
 * each device before liblxc starts the container.
 *
 * Staging: moatd opens each source itself with openat2 (no symlink, no
 * magic link, and the check refused "." and ".."), checks the path it
 * opened against the policy's disk_source_prefixes, and makes what the
 * container gets in $MOAT_DIR/devices/<instance>/<device>: for a disk, a
 * detached bind mount of the opened source (open_tree), read-only,
 * idmapped with the container's map (shift) and of the asked propagation
 * (mount_setattr), attached there; for a unix node, a new node of the
 * source's own type, major and minor (from fstat), owned by the asked ids
 * as the container sees them. liblxc then binds each staged entry onto
 * its path in the container (lxc.mount.entry, a line moatd writes from
 * names it checked); the container's mount namespace is a copy made in
 * its user namespace, so a read-only staged mount arrives locked
 * read-only. After the start the staged entries go: the container keeps
 * its own mounts, which end with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <dirent.h>

#include "cleanup.h"
#include "fd.h"
#include "ph.h"

/* ---- the check ------------------------------------------------------------ */

/* Absolute, normal, not "/" (name_device_path_valid()). */
static bool dev_path_ok(const char *p)
{
	return name_device_path_valid(p) && p[1] != '\0';
}

int ph_check_device(const Ph__Device *m, struct ph_device *ret)
{
	static const unsigned long prop[] = { MS_PRIVATE, MS_SHARED, MS_SLAVE, MS_UNBINDABLE };
	struct ph_device d = { 0 };

	if (!m || ph_check_text(&m->name, 1, d.name, sizeof(d.name)) < 0 ||
	    !name_device_valid(d.name))
		return -EINVAL;
	switch (m->kind) {
	case PH__DEVICE_KIND__DEVICE_KIND_DISK:
		d.kind = PH_DEV_DISK;
		break;
	case PH__DEVICE_KIND__DEVICE_KIND_UNIX_CHAR:
		d.kind = PH_DEV_UNIX_CHAR;
		break;
	case PH__DEVICE_KIND__DEVICE_KIND_UNIX_BLOCK:
		d.kind = PH_DEV_UNIX_BLOCK;
		break;
	default:
		return -EINVAL;
	}
	if (ph_check_text(&m->source, 2, d.source, sizeof(d.source)) < 0 ||
	    ph_check_text(&m->path, 2, d.path, sizeof(d.path)) < 0 || !dev_path_ok(d.source) ||
	    !dev_path_ok(d.path))
		return -EINVAL;
	if ((unsigned)m->propagation >= sizeof(prop) / sizeof(prop[0]) || m->uid > 65535 ||
	    m->gid > 65535 || m->mode > 0777)
		return -ERANGE;
	d.propagation = prop[m->propagation];
	d.readonly = m->readonly != 0;
	d.optional = m->optional != 0;
	d.shift = m->shift != 0;
	d.uid = m->uid;
	d.gid = m->gid;
	d.mode = m->mode;
	*ret = d;
	return 0;
}

/* ---- the policy ----------------------------------------------------------- */

/* Does a prefix of the policy cover path, component by component? */
bool ph_policy_prefix_allows(const struct ph_policy *p, const char *path)
{
	return name_path_under(p->disk_source_prefixes, path);
}

int ph_policy_device(const struct ph_policy *p, const struct ph_device *d, const char **ret_why)
{
	if (d->kind != PH_DEV_DISK && !p->allow_unix_devices) {
		*ret_why = "unix devices are not allowed by the policy";
		return -EPERM;
	}
	if (d->kind == PH_DEV_DISK && !ph_policy_prefix_allows(p, d->source)) {
		*ret_why = "the disk source is outside the policy's disk_source_prefixes";
		return -EPERM;
	}
	return 0;
}

/* ---- staging -------------------------------------------------------------- */

/* $MOAT_DIR/devices/<name> into ret. */
static int stage_dir(struct ph_ctx *ctx, const char *name, char ret[static 4096])
{
	return snprintf(ret, 4096, "%s/devices/%s", ctx->dir, name) < 4096 ? 0 : -ENAMETOOLONG;
}

void ph_devices_unstage(struct ph_ctx *ctx, const char *name)
{
	char dir[4096], p[4096 + 256 + 2];
	__do_closedir DIR *d = NULL;
	struct dirent *e;

	if (stage_dir(ctx, name, dir) < 0 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		(void)umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW);
		if (unlinkat(dirfd(d), e->d_name, 0) < 0)
			(void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
	}
	(void)rmdir(dir);
}

/*
 * A user namespace with the containers' map (shift=true): its descriptor,
 * or < 0. A child unshares one, says so, and waits while moatd maps it
 * (ph_userns_map(), as for the tree worker) and takes its descriptor.
 */
static int idmap_userns(struct ph_ctx *ctx)
{
	int fd = -EBADF, hold[2] = { -1, -1 }, told[2] = { -1, -1 };
	char c = 0;
	pid_t pid;

	if (pipe2(hold, O_CLOEXEC) < 0 || pipe2(told, O_CLOEXEC) < 0) {
		close(hold[0]);
		close(hold[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(hold[1]);
		if (unshare(CLONE_NEWUSER) < 0 || write(told[1], "u", 1) != 1)
			_exit(1);
		(void)!read(hold[0], &c, 1); /* until the parent took the namespace */
		_exit(0);
	}
	close(hold[0]);
	close(told[1]);
	if (pid > 0 && read(told[0], &c, 1) == 1 &&
	    ph_userns_map(pid, ctx->idmap_base, ctx->idmap_base_gid) == 0)
		fd = ph_ns_open(pid, "user");
	close(told[0]);
	close(hold[1]);
	if (pid > 0)
		(void)ph_wait(pid);
	return fd < 0 ? -EIO : fd;
}

/* Open a host source: no symlink or magic link on the way, and it is the path asked. */
static int open_source(const struct ph_device *d, struct stat *ret_st)
{
	char proc[64], real[PH_DEVICE_PATH_MAX + 1];
	int fd = fd_openat2(AT_FDCWD, d->source, O_PATH,
			    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	ssize_t n;

	if (fd < 0)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, real, sizeof(real) - 1);
	if (n < 0 || (size_t)n != strlen(d->source) || memcmp(real, d->source, (size_t)n) != 0 ||
	    fstat(fd, ret_st) < 0) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

static int stage_disk(struct ph_ctx *ctx, int dir, const struct ph_device *d, int src,
		      const struct stat *st, int *userns, const char **ret_why)
{
	struct mount_attr attr = { .propagation = d->propagation };
	__do_close int mfd = -EBADF;
	int r;

	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode)) {
		*ret_why = "a disk's source must be a directory or a file";
		return -EINVAL;
	}
	mfd = (int)syscall(SYS_open_tree, src, "",
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (mfd < 0)
		return -errno;
	if (d->readonly)
		attr.attr_set |= MOUNT_ATTR_RDONLY;
	if (d->shift) {
		if (*userns < 0)
			*userns = idmap_userns(ctx);
		if (*userns < 0) {
			*ret_why = "cannot make the user namespace of an idmapped mount";
			return *userns;
		}
		attr.attr_set |= MOUNT_ATTR_IDMAP;
		attr.userns_fd = (uint64_t)*userns;
	}
	if (syscall(SYS_mount_setattr, mfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		*ret_why = d->shift ? "cannot make the idmapped mount of a disk (shift)"
				    : "cannot set a disk's mount attributes";
		return -errno;
	}
	r = S_ISDIR(st->st_mode) ? mkdirat(dir, d->name, 0700)
				 : mknodat(dir, d->name, S_IFREG | 0600, 0);
	if (r < 0 || syscall(SYS_move_mount, mfd, "", dir, d->name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int stage_node(struct ph_ctx *ctx, int dir, const struct ph_device *d, const struct stat *st,
		      bool privileged, const char **ret_why)
{
	mode_t type = d->kind == PH_DEV_UNIX_CHAR ? S_IFCHR : S_IFBLK;
	uid_t uid = d->uid + (privileged ? 0 : ctx->idmap_base);
	gid_t gid = d->gid + (privileged ? 0 : ctx->idmap_base_gid);

	if ((st->st_mode & S_IFMT) != type) {
		*ret_why = d->kind == PH_DEV_UNIX_CHAR ? "the source is not a character device"
						       : "the source is not a block device";
		return -EINVAL;
	}
	if (mknodat(dir, d->name, type | 0600, st->st_rdev) < 0 ||
	    fchownat(dir, d->name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dir, d->name, d->mode, 0) < 0)
		return -errno;
	return 0;
}

int ph_devices_stage(struct ph_ctx *ctx, const struct ph_instance_start *s,
		     bool ret_staged[static PH_DEVICES_MAX], const char **ret_why)
{
	static char why[256];
	__do_close int userns = -EBADF, dir = -EBADF;
	char path[4096];
	int r = 0;

	memset(ret_staged, 0, PH_DEVICES_MAX * sizeof(bool));
	ph_devices_unstage(ctx, s->ref.name);
	if (s->ndevices == 0)
		return 0;
	if (strpbrk(ctx->dir, " \t\n\\")) {
		*ret_why = "the state directory's path has a space or a '\\' (lxc.mount.entry)";
		return -EINVAL;
	}
	if (snprintf(path, sizeof(path), "%s/devices", ctx->dir) >= (int)sizeof(path) ||
	    (mkdir(path, 0711) < 0 && errno != EEXIST) || stage_dir(ctx, s->ref.name, path) < 0 ||
	    mkdir(path, 0700) < 0)
		return -errno;
	/* the container's root reaches it (liblxc binds from there), nobody else */
	if (!s->config.privileged && chown(path, ctx->idmap_base, ctx->idmap_base_gid) < 0)
		return -errno;
	dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	for (size_t k = 0; r == 0 && k < s->ndevices; k++) {
		const struct ph_device *d = &s->devices[k];
		struct stat st;
		int src = open_source(d, &st);

		if (src == -ENOENT && d->optional)
			continue;
		if (src < 0) {
			snprintf(why, sizeof(why),
				 src == -ENOENT ? "Missing source path \"%.200s\" for device \"%s\""
				 : src == -ELOOP || src == -EXDEV
					 ? "the source \"%.200s\" of device \"%s\" has a symlink"
					 : "cannot open the source \"%.200s\" of device \"%s\"",
				 d->source, d->name);
			*ret_why = why;
			r = src == -EXDEV ? -ELOOP : src;
			break;
		}
		/* again on what was opened, not the request's words (dispatch checked those) */
		if (d->kind == PH_DEV_DISK && !ph_policy_prefix_allows(&ctx->policy, d->source)) {
			*ret_why = "the disk source is outside the policy's disk_source_prefixes";
			r = -EPERM;
		} else if (d->kind == PH_DEV_DISK) {
			r = stage_disk(ctx, dir, d, src, &st, &userns, ret_why);
		} else {
			r = stage_node(ctx, dir, d, &st, s->config.privileged, ret_why);
		}
		close(src);
		ret_staged[k] = r == 0;
	}
	if (r < 0)
		ph_devices_unstage(ctx, s->ref.name);
	return r;
}

int ph_render_devices(struct ph_ctx *ctx, FILE *f, const struct ph_instance_start *s,
		      const bool *staged)
{
	char dir[4096];
	struct stat st;

	if (stage_dir(ctx, s->ref.name, dir) < 0)
		return -ENAMETOOLONG;
	for (size_t k = 0; k < s->ndevices; k++) {
		const struct ph_device *d = &s->devices[k];
		char entry[4096 + NAME_MAX_LEN + 2];

		if (!staged[k])
			continue;
		snprintf(entry, sizeof(entry), "%s/%s", dir, d->name);
		if (lstat(entry, &st) < 0)
			return -errno;
		/* every word checked: moatd's own path, a name, a path without space or '\\' */
		fprintf(f, "lxc.mount.entry = %s %s none bind,create=%s%s 0 0\n", entry,
			d->path + 1, S_ISDIR(st.st_mode) ? "dir" : "file",
			d->readonly ? ",ro" : "");
		if (d->kind != PH_DEV_DISK && s->config.privileged)
			fprintf(f,
				"lxc.cgroup.devices.allow = %c %u:%u rwm\n"
				"lxc.cgroup2.devices.allow = %c %u:%u rwm\n",
				S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
				minor(st.st_rdev), S_ISCHR(st.st_mode) ? 'c' : 'b',
				major(st.st_rdev), minor(st.st_rdev));
	}
	return 0;
}
