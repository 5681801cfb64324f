// SPDX-License-Identifier: Apache-2.0
/*
 * Hot-plugged devices of a running container: check, policy and handler
 * of device_attach and device_detach. Run by moatd (root), each in a
 * forked worker; the checks read hostile bytes from moatd-api.
 *
 * Attach stages the device exactly as a start does (device_mount.c: the
 * source opened with openat2, no symlink or magic link, the prefixes
 * checked on what was opened; a detached, read-only or idmapped bind
 * mount, or a new node of the source's own major:minor), then a child
 * joins the container: its user namespace and a fresh copy of moatd's
 * mount namespace made from there (so a read-only staged mount is locked
 * read-only, as at start), clones the staged entry, enters the
 * container's mount namespace, makes the mount point resolved in the
 * container's root (RESOLVE_IN_ROOT: a symlink planted inside never leads
 * out), as the container's root, and moves the clone onto it. Detach
 * unmounts the path, resolved the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "fd.h"
#include "ph.h"

/* resolved in the container's root, never through a magic link */
#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* The running container's init and whether it has a user namespace of its own. */
int ph_running_init(struct ph_ctx *ctx, const char *name, pid_t *ret_pid, bool *ret_userns)
{
	struct lxc_container *c __do_lxc_put = NULL;
	char a[64], b[64], path[64];
	ssize_t na, nb;
	pid_t pid;
	int r = ph_container_open(ctx, name, &c);

	if (r < 0)
		return r;
	if (!c->is_running(c) || (pid = c->init_pid(c)) <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	na = readlink(path, a, sizeof(a));
	nb = readlink("/proc/self/ns/user", b, sizeof(b));
	if (na <= 0 || nb <= 0)
		return -errno;
	*ret_userns = na != nb || memcmp(a, b, (size_t)na) != 0;
	*ret_pid = pid;
	return 0;
}

int ph_ns_open(pid_t pid, const char *ns)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Make path (and its parents) under root: the last one a directory or an empty file. */
static int make_target(int root, const char *path, bool dir)
{
	char buf[PH_DEVICE_PATH_MAX];
	__do_close int parent = dup(root);

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1;;) {
		char *slash = strchr(p, '/');
		bool last = !slash;
		int fd;

		if (slash)
			*slash = '\0';
		fd = fd_openat2(root, buf, O_PATH, IN_ROOT);
		if (fd < 0 && errno == ENOENT) {
			const char *leaf = strrchr(buf, '/') + 1;

			if (last && !dir)
				fd = mknodat(parent, leaf, S_IFREG | 0600, 0);
			else
				fd = mkdirat(parent, leaf, 0755);
			if (fd < 0 && errno != EEXIST)
				return -errno;
			fd = fd_openat2(root, buf, O_PATH, IN_ROOT);
		}
		if (fd < 0)
			return -errno;
		close(parent);
		parent = fd;
		if (last)
			return 0;
		*slash = '/';
		p = slash + 1;
	}
}

/* The child: join the container, clone the staged entry, move it onto its path. */
static int attach_child(const char *stage, const struct ph_device *d, int userns, int mntns)
{
	__do_close int mfd = -EBADF, root = -EBADF, target = -EBADF;
	struct stat st;

	if (chdir(stage) < 0 || lstat(d->name, &st) < 0)
		return -errno;
	/* a copy of our mount namespace owned by the container's: the staged mount locked */
	if (userns >= 0 && (setns(userns, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 ||
			    setresuid(0, 0, 0) < 0 || unshare(CLONE_NEWNS) < 0))
		return -errno;
	if (userns >= 0)
		(void)setgroups(0, NULL); /* become the container's root: its ids, no host group */
	mfd = (int)syscall(SYS_open_tree, AT_FDCWD, d->name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (mfd < 0 || setns(mntns, CLONE_NEWNS) < 0)
		return -errno;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	target = make_target(root, d->path, S_ISDIR(st.st_mode));
	if (target < 0)
		return target;
	target = fd_openat2(root, d->path, O_PATH, IN_ROOT);
	if (target < 0 || syscall(SYS_move_mount, mfd, "", target, "",
				  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int in_child(int (*fn)(const char *, const struct ph_device *, int, int), const char *stage,
		    const struct ph_device *d, int userns, int mntns)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(-fn(stage, d, userns, mntns) & 0xff);
	return ph_wait(pid);
}

/* The devices cgroup of a privileged container (it denies all but a list). */
static int cgroup_rule(struct ph_ctx *ctx, const char *name, const char *stage,
		       const struct ph_device *d, bool allow)
{
	struct lxc_container *c __do_lxc_put = NULL;
	char rule[64], node[4096 + NAME_MAX_LEN + 2];
	struct stat st;

	snprintf(node, sizeof(node), "%s/%s", stage, d->name);
	if (d->kind == PH_DEV_DISK || ph_container_open(ctx, name, &c) < 0 || lstat(node, &st) < 0)
		return 0;
	snprintf(rule, sizeof(rule), "%c %u:%u rwm", S_ISCHR(st.st_mode) ? 'c' : 'b',
		 major(st.st_rdev), minor(st.st_rdev));
	return c->set_cgroup_item(c, allow ? "devices.allow" : "devices.deny", rule) ? 0 : -EIO;
}

/* ---- device_attach ---------------------------------------------------------- */

PH_CHECK_OF(device_attach, DeviceAttach, ph_check_device, device);

PH_POLICY_OF(device_attach, ph_policy_device, device);

/*
 * Why this is safe: the policy (unix devices, disk prefixes) was applied
 * by dispatch and is applied again on what moatd opened; staging is
 * instance_start's own code (device_mount.c); the container is found by
 * its validated name under our lxcpath and must run; the child acts as the
 * container's root inside its namespaces (an unprivileged container's
 * user namespace: it gains nothing over the host there), and the mount
 * point is resolved with RESOLVE_IN_ROOT from the container's own root;
 * a read-only mount reaches it locked read-only.
 */
int ph_do_device_attach(struct ph_ctx *ctx, const struct ph_device_attach *t,
			Ph__DeviceAttachReply *rep)
{
	static struct ph_instance_start s; /* one device, staged as at start */
	bool staged[PH_DEVICES_MAX], userns = false;
	__do_close int uns = -EBADF, mns = -EBADF;
	const char *why = NULL;
	char stage[4096];
	pid_t pid;
	int r;

	r = ph_policy_device(&ctx->policy, &t->device, &why);
	if (r < 0)
		return ph_fail(ctx, r, why);
	r = ph_running_init(ctx, t->ref.name, &pid, &userns);
	if (r < 0)
		return ph_fail(ctx, r, r == -ESRCH ? "The instance is not running" : NULL);
	memset(&s, 0, sizeof(s));
	s.ref = t->ref;
	s.config.privileged = !userns;
	s.devices[0] = t->device;
	s.ndevices = 1;
	r = ph_devices_stage(ctx, &s, staged, &why);
	if (r < 0)
		return ph_fail(ctx, r, why);
	if (!staged[0]) /* an optional device whose source is missing */
		return 0;
	snprintf(stage, sizeof(stage), "%s/devices/%s", ctx->dir, t->ref.name);
	mns = ph_ns_open(pid, "mnt");
	uns = userns ? ph_ns_open(pid, "user") : -EBADF;
	r = mns < 0 || (userns && uns < 0) ? -errno : 0;
	if (r == 0 && !userns)
		r = cgroup_rule(ctx, t->ref.name, stage, &t->device, true);
	if (r == 0)
		r = in_child(attach_child, stage, &t->device, uns, mns);
	ph_devices_unstage(ctx, t->ref.name);
	if (r < 0)
		return ph_fail(ctx, r, "cannot mount the device in the container");
	ph__device_attach_reply__init(rep);
	return 0;
}

/* ---- device_detach ---------------------------------------------------------- */

static int detach_child(const char *stage, const struct ph_device *d, int userns, int mntns)
{
	__do_close int root = -EBADF, fd = -EBADF;
	struct stat st;

	(void)stage;
	(void)userns;
	if (setns(mntns, CLONE_NEWNS) < 0)
		return -errno;
	/* our root is now the container's: the path resolves inside it */
	if (umount2(d->path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		return -errno;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->kind == PH_DEV_DISK || root < 0)
		return 0;
	/* a node's mount point: the empty file made for it goes too */
	fd = fd_openat2(root, d->path, O_PATH | O_NOFOLLOW, IN_ROOT);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		(void)unlink(d->path);
	return 0;
}

PH_CHECK_OF(device_detach, DeviceDetach, ph_check_device, device);

PH_POLICY_NONE(device_detach); /* a removal only takes away */

/*
 * Why this is safe: it only unmounts, inside the running container's own
 * mount namespace (found by its validated name under our lxcpath), a path
 * that resolves there with the container's root as its root (setns sets
 * it), without following a last symlink; a unix node's empty mount-point
 * file is removed only when it is one.
 */
int ph_do_device_detach(struct ph_ctx *ctx, const struct ph_device_detach *t,
			Ph__DeviceDetachReply *rep)
{
	__do_close int mns = -EBADF;
	bool userns = false;
	pid_t pid;
	int r;

	r = ph_running_init(ctx, t->ref.name, &pid, &userns);
	if (r < 0)
		return ph_fail(ctx, r, r == -ESRCH ? "The instance is not running" : NULL);
	mns = ph_ns_open(pid, "mnt");
	if (mns < 0)
		return ph_fail(ctx, errno, NULL);
	r = in_child(detach_child, "", &t->device, -EBADF, mns);
	if (r < 0)
		return ph_fail(ctx, r, "cannot unmount the device in the container");
	ph__device_detach_reply__init(rep);
	return 0;
}
