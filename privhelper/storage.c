// SPDX-License-Identifier: Apache-2.0
/*
 * Storage for moatd (root): the `dir` pool layout under
 * $MOAT_DIR/storage-pools/<pool>/ and the confined worker in which every
 * walk over container or image trees runs.
 *
 *   storage-pools/            root 0711
 *     <pool>/                 root 0700: unreachable for every host user
 *       images/<fp>/rootfs    an image unpacked once, kept for later launches
 *       containers/<name>/rootfs
 *       containers-snapshots/<name>/<snapshot>/rootfs   (op_snapshot.c)
 *
 * images/ and containers/ carry the "top of directory hierarchies" flag
 * (chattr +T) where the filesystem has it: ext4 then places each new tree
 * in a block group of its own instead of next to the last one. Without
 * it, on an ext4 without a journal, every inode of a new instance is
 * allocated after stepping over each inode freed in the same group in the
 * last minutes (the allocator will not reuse those yet), and a create just
 * after a delete took 50-150 ms instead of 5-15 ms for the busybox image.
 * The flag is set when moatd makes the directory; a pool made by an older
 * moatd gets it with `chattr +T` on both.
 *
 * Container trees are owned by ids 0-65535 on disk and mounted idmapped, so
 * a setuid binary inside is host root's: hence 0700 on the pool.
 *
 * ph_tree() runs moat-tree (worker/tree.c) in a child (of the op worker,
 * or of the main loop for file_op) that sees nothing but one directory: a
 * new mount namespace, the directory bind-mounted on itself and pivoted
 * into (the old root detached, so no path leads back), then a new user
 * namespace mapping ids 0-65535 to themselves. There it can own files as
 * an image says but holds no capability over the host: it cannot create
 * device nodes, mount, or leave its root, even by chroot tricks. It is
 * exec'd from a descriptor opened before the pivot, so the hostile archive
 * is parsed in a fresh process image holding nothing of moatd's. Paths
 * given to it are built by moatd from validated names. ph_tree_ask() is
 * the same with a socket as its fd 3, for file_op: pivoted into a
 * container's rootfs, the worker answers on it with a stat and the
 * descriptor it opened there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "ph.h"

/* mkdir dirfd/name if needed and check it is root's, with mode: 1 if it was made, else 0. */
static int ensure_root_dir(int dirfd, const char *name, mode_t mode)
{
	struct stat st;
	bool made = mkdirat(dirfd, name, mode) == 0;

	if (!made && errno != EEXIST)
		return -errno;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
		return -ENOTDIR;
	if ((st.st_mode & 07777) != mode && fchmodat(dirfd, name, mode, 0) < 0)
		return -errno;
	return made;
}

/*
 * Set FS_TOPDIR_FL on dirfd/name (a root-owned directory ensure_root_dir
 * just made: once, not at every op that opens the pool). A filesystem without inode flags refuses the ioctl;
 * that only loses the placement hint, so it is not an error.
 */
static void spread_children(int dirfd, const char *name)
{
	__do_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int flags = 0;

	if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL))
		return;
	flags |= FS_TOPDIR_FL;
	(void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

int ph_pool_open(struct ph_ctx *ctx, const char *pool)
{
	__do_close int pools = -EBADF, fd = -EBADF;
	int r;

	r = ensure_root_dir(ctx->dir_fd, "storage-pools", 0711);
	if (r < 0)
		return r;
	pools = openat(ctx->dir_fd, "storage-pools", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pools < 0)
		return -errno;
	r = ensure_root_dir(pools, pool, 0700);
	if (r < 0)
		return r;
	fd = openat(pools, pool, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (const char *const *d =
		     (const char *const[]){ "images", "containers", "containers-snapshots", NULL };
	     *d; d++) {
		r = ensure_root_dir(fd, *d, 0700);
		if (r < 0)
			return r;
		if (r > 0)
			spread_children(fd, *d);
	}
	return TAKE_FD(fd);
}

int ph_pool_path(struct ph_ctx *ctx, const char *pool, char *ret, size_t size)
{
	int n = snprintf(ret, size, "%s/storage-pools/%s", ctx->dir, pool);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int ph_open_root_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
			(st.st_mode & (S_IWGRP | S_IWOTH)))) {
		close(fd);
		return -EPERM;
	}
	return fd < 0 ? -errno : fd;
}

int ph_open_beside(const char *name)
{
	char path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", path, PATH_MAX);

	if (n <= 0 || !memrchr(path, '/', (size_t)n))
		return -ENOENT;
	snprintf((char *)memrchr(path, '/', (size_t)n), 16, "/%s", name);
	return ph_open_root_file(path);
}

int ph_userns_map(pid_t pid, uint32_t uid, uint32_t gid)
{
	char path[64], map[64];

	for (int k = 0; k < 2; k++) {
		__do_close int fd = -EBADF;

		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, k ? "gid_map" : "uid_map");
		snprintf(map, sizeof(map), "0 %u 65536\n", k ? gid : uid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
			return -(errno ? errno : EIO);
	}
	return 0;
}

/* In the grandchild: see only `root`, then drop every host capability. */
static int confine(const char *root, int sync_in, int sync_out)
{
	char c = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(root) < 0)
		return -errno;
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -errno;
	if (unshare(CLONE_NEWUSER) < 0)
		return -errno;
	/* the parent writes our id maps; wait for it */
	if (write(sync_out, "u", 1) != 1 || read(sync_in, &c, 1) != 1 || c != 'm')
		return -EPERM;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/*
 * In the worker, before anything else: close every descriptor moatd had
 * open (its directory, the channel, the API socket, the lock, a pool) but
 * stdio and the ones in keep. It runs as uid 0 of a namespace mapped to
 * host ids 0-65535: an open directory of the host would lead it out.
 */
static int close_all_but(int *keep, size_t n)
{
	unsigned int next = 3;

	for (size_t i = 1; i < n; i++) /* sort: n is tiny */
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)next)
			continue;
		if ((unsigned int)keep[i] > next &&
		    close_range(next, (unsigned int)keep[i] - 1, 0) < 0)
			return -errno;
		next = (unsigned int)keep[i] + 1;
	}
	return close_range(next, ~0U, 0) < 0 ? -errno : 0;
}

/* moat-tree with argv ({ "moat-tree", CMD, ..., NULL }) confined in root; in_fd its fd 3. */
static int run_tree(const char *root, int in_fd, const char *const *argv)
{
	const char *envp[] = { NULL };
	int to_child[2], to_parent[2], st, r = 0;
	__do_close int exe = ph_open_beside("moat-tree");
	char c = 0;
	pid_t pid;

	if (exe < 0)
		return exe;

	if (pipe2(to_child, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(to_parent, O_CLOEXEC) < 0) {
		close(to_child[0]);
		close(to_child[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
	} else if (pid == 0) {
		int keep[] = { to_child[0], to_parent[1], exe, in_fd };

		close(to_child[1]);
		close(to_parent[0]);
		r = close_all_but(keep, in_fd >= 0 ? 4 : 3);
		if (r == 0)
			r = confine(root, to_child[0], to_parent[1]);
		/* in_fd becomes fd 3 (without close-on-exec); the rest close at the exec */
		if (r == 0 && exe == 3 && (exe = fcntl(exe, F_DUPFD_CLOEXEC, 4)) < 0)
			r = -errno;
		if (r == 0 && in_fd > 3 && (dup2(in_fd, 3) < 0 || close(in_fd) < 0))
			r = -errno;
		if (r == 0 && in_fd >= 0 && fcntl(3, F_SETFD, 0) < 0)
			r = -errno;
		if (r == 0)
			syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
		_exit(r < 0 ? (-r & 0xff) : EIO);
	}
	close(to_child[0]);
	close(to_parent[1]);
	if (pid > 0 && read(to_parent[0], &c, 1) == 1 && c == 'u') {
		r = ph_userns_map(pid, 0, 0);
		if (r == 0 && write(to_child[1], "m", 1) != 1)
			r = -EPIPE;
	}
	close(to_child[1]);
	close(to_parent[0]);
	if (pid > 0) {
		if (r < 0)
			kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (r == 0)
			r = WIFEXITED(st) ? -WEXITSTATUS(st) : -EIO;
	}
	return r;
}

int ph_tree(const char *root, int in_fd, const char *cmd, const char *a, const char *b)
{
	return run_tree(root, in_fd, (const char *const[]){ "moat-tree", cmd, a, b, NULL });
}

int ph_tree_ask(const char *root, const char *const *argv, void *reply, size_t size, int *ret_fd)
{
	static uint8_t buf[FRAME_MAX]; /* one op at a time per process */
	int sv[2], fds[FRAME_MAX_FDS], r;
	size_t len = 0, nfds = 0;

	*ret_fd = -EBADF;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	r = run_tree(root, sv[1], argv);
	close(sv[1]); /* so that a worker that said nothing reads as the end */
	if (r == 0)
		r = frame_recv(sv[0], buf, &len, fds, &nfds);
	close(sv[0]);
	if (r == 0 && (len != size || nfds > 1))
		r = -EPROTO;
	while (r < 0 && nfds > 0)
		close(fds[--nfds]);
	if (r == 0)
		memcpy(reply, buf, size);
	*ret_fd = nfds ? fds[0] : -EBADF;
	return r;
}
