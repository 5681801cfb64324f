// SPDX-License-Identifier: Apache-2.0
/*
 * btrfs pools (moatd, root): $MOAT_DIR/disks/<pool>.img (root's 0600,
 * sparse), made by mkfs.btrfs, attached to a loop device (auto-clear: it
 * goes with the unmount) and mounted on storage-pools/<pool> with
 * user_subvol_rm_allowed, which lets moat-tree (worker/btrfs.c), holding
 * no host capability, delete the subvolumes it owns. Mounted again at each
 * start; a pool's driver is known from its file alone, never a request.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/loop.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "ph.h"

static void paths(struct ph_ctx *ctx, const char *pool, char img[static PATH_MAX],
		  char mnt[static PATH_MAX])
{
	snprintf(img, PATH_MAX, "%s/disks/%s.img", ctx->dir, pool);
	snprintf(mnt, PATH_MAX, "%s/storage-pools/%s", ctx->dir, pool);
}

/* mkfs.btrfs -q IMG (quiet: errors to moatd's log), with no descriptor of
 * moatd's but stdio, and a fixed environment. */
static int mkfs(const char *img)
{
	char *const argv[] = { "mkfs.btrfs", "-q", (char *)img, NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	pid_t pid = fork();

	if (pid == 0) {
		syscall(SYS_close_range, 3, ~0U, 0);
		execve("/sbin/mkfs.btrfs", argv, envp);
		_exit(127);
	}
	return pid < 0 ? -errno : ph_wait(pid) == 0 ? 0 : -EIO;
}

/* Attach img to a free loop device (auto-cleared) and mount it on mnt, unless it is. */
static int mount_pool(const char *img, const char *mnt)
{
	__do_close int ctl = -EBADF, file = -EBADF, loop = -EBADF;
	struct loop_config cfg = { .info.lo_flags = LO_FLAGS_AUTOCLEAR };
	char dev[32];
	struct statfs f;
	int r = -EBUSY;

	if (statfs(mnt, &f) == 0 && f.f_type == BTRFS_SUPER_MAGIC)
		return 0; /* mounted before moatd restarted */
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	file = open(img, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (ctl < 0 || file < 0)
		return -errno;
	cfg.fd = (unsigned)file;
	for (int tries = 0; r == -EBUSY && tries < 8; tries++) { /* another took it meanwhile */
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0)
			return -errno;
		snprintf(dev, sizeof(dev), "/dev/loop%d", n);
		close(loop);
		loop = open(dev, O_RDWR | O_CLOEXEC);
		if (loop < 0)
			return -errno;
		r = ioctl(loop, LOOP_CONFIGURE, &cfg) < 0 ? -errno : 0;
	}
	if (r == 0 && mount(dev, mnt, "btrfs", MS_NODEV, "user_subvol_rm_allowed") < 0) {
		r = -errno;
		(void)ioctl(loop, LOOP_CLR_FD, 0);
	}
	return r;
}

int ph_btrfs_create(struct ph_ctx *ctx, const char *pool, uint64_t size)
{
	char img[PATH_MAX], mnt[PATH_MAX];
	__do_close int fd = -EBADF;
	int r;

	paths(ctx, pool, img, mnt);
	if ((mkdirat(ctx->dir_fd, "disks", 0700) < 0 && errno != EEXIST) ||
	    (mkdirat(ctx->dir_fd, "storage-pools", 0711) < 0 && errno != EEXIST))
		return -errno;
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = ftruncate(fd, (off_t)size) < 0 ? -errno : mkfs(img);
	if (r == 0 && mkdir(mnt, 0700) < 0)
		r = -errno;
	if (r == 0)
		r = mount_pool(img, mnt);
	if (r < 0) {
		(void)rmdir(mnt);
		(void)unlink(img);
	}
	return r;
}

int ph_btrfs_remove(struct ph_ctx *ctx, const char *pool)
{
	char img[PATH_MAX], mnt[PATH_MAX];

	paths(ctx, pool, img, mnt);
	if (access(img, F_OK) < 0)
		return -ENOTSUP;                                  /* not a btrfs pool */
	if (umount2(mnt, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL) /* EINVAL: not mounted */
		return -errno;
	if (rmdir(mnt) < 0 && errno != ENOENT)
		return -errno;
	return unlink(img) < 0 && errno != ENOENT ? -errno : 0;
}

void ph_btrfs_mount_all(struct ph_ctx *ctx)
{
	char pattern[PATH_MAX], img[PATH_MAX], mnt[PATH_MAX], pool[NAME_MAX_LEN + 1];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/disks/*.img", ctx->dir);
	if (glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t k = 0; k < g.gl_pathc; k++) {
		const char *base = strrchr(g.gl_pathv[k], '/') + 1;
		int n = (int)strlen(base) - 4, r;

		if (n < 1 || n > NAME_MAX_LEN ||
		    snprintf(pool, sizeof(pool), "%.*s", n, base) < 0 || !name_valid_str(pool))
			continue;
		paths(ctx, pool, img, mnt);
		if ((r = mount_pool(img, mnt)) < 0)
			log_warn("storage pool \"%s\" (btrfs, %s): not mounted: %s", pool, img,
				 strerror(-r));
	}
	globfree(&g);
}
