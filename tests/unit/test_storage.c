// SPDX-License-Identifier: Apache-2.0
/*
 * The confined tree worker (moat-tree, exec'd by privhelper/storage.c's
 * ph_tree): it holds none of moatd's descriptors but the one it is given,
 * unpacks only an image's rootfs/ (no device node, no member outside it,
 * no "..", hard links kept), copies a tree with its hard links, owners and
 * modes, and removes it. Needs root (it makes namespaces and pivots);
 * skipped otherwise.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ph.h"
#include "t.h"

static void add(struct archive *a, const char *path, mode_t type, const char *data,
		const char *hardlink)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0640);
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 5678);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, makedev(1, 3));
	if (hardlink)
		archive_entry_set_hardlink(e, hardlink);
	else if (data)
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	archive_write_header(a, e);
	if (data && !hardlink)
		archive_write_data(a, data, strlen(data));
	archive_entry_free(e);
}

/* An image with a file, a hard link to it, a device node, a member outside
 * rootfs/ and (climb) one climbing out with "..": into a temporary file,
 * rewound. */
static int hostile_image(bool climb)
{
	char path[] = "/tmp/moat-unit-image-XXXXXX";
	int fd = mkstemp(path);
	struct archive *a = archive_write_new();

	unlink(path);
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	archive_write_open_fd(a, fd);
	add(a, "rootfs", AE_IFDIR, NULL, NULL);
	add(a, "rootfs/etc", AE_IFDIR, NULL, NULL);
	add(a, "rootfs/etc/a", AE_IFREG, "hello", NULL);
	add(a, "rootfs/etc/b", AE_IFREG, NULL, "rootfs/etc/a");
	add(a, "rootfs/dev-null", AE_IFCHR, NULL, NULL);
	add(a, "templates/outside", AE_IFREG, "x", NULL);
	if (climb)
		add(a, "rootfs/../../escaped", AE_IFREG, "x", NULL);
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static bool exists(const char *dir, const char *rel, struct stat *st)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, st) == 0;
}

/* A file under dir: rel, with text (NULL: a 64 MiB file of one byte at each end). */
static int put(const char *dir, const char *rel, const char *text)
{
	char p[256];
	int fd, r = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (text)
		r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	else
		r = pwrite(fd, "a", 1, 0) == 1 && pwrite(fd, "z", 1, (64 << 20) - 1) == 1 ? 0 : -1;
	close(fd);
	return r;
}

static int mk(const char *dir, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return mkdir(p, 0700);
}

/*
 * copy keeps holes and extended attributes (ACLs are system.posix_acl_*);
 * sweep removes only the '.'-named leftovers a killed copy leaves in a
 * pool's directories, nothing else.
 */
static void copy_extras(const char *dir)
{
	/* user::rw- user:1234:rw- group::r-- mask::rw- other::r-- (a minimal ACL, without
	 * the named entry, would be folded into the mode and not stored at all) */
	static const unsigned char acl[] = {
		2,    0, 0, 0,                         /* version 2 */
		1,    0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* user:: */
		2,    0, 6, 0, 0xd2, 0x04, 0,    0,    /* user:1234: */
		4,    0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* group:: */
		0x10, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* mask:: */
		0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* other:: */
	};
	char p[256];
	struct stat a;
	bool acl_set, ok;

	CHECK(mk(dir, "src") == 0 && put(dir, "src/sparse", NULL) == 0,
	      "storage: a sparse file of 64 MiB");
	snprintf(p, sizeof(p), "%s/src/sparse", dir);
	acl_set = setxattr(p, "system.posix_acl_access", acl, sizeof(acl), 0) == 0;
	ok = ph_tree(dir, -1, "copy", "src", "dst") == 0 && exists(dir, "dst/sparse", &a) &&
	     a.st_size == 64 << 20;
	CHECK(ok && a.st_blocks * 512 < (1 << 20),
	      "storage: copy keeps a sparse file sparse (64 MiB, %lld bytes allocated)",
	      ok ? (long long)a.st_blocks * 512 : -1LL);
	snprintf(p, sizeof(p), "%s/dst/sparse", dir);
	if (acl_set)
		CHECK(getxattr(p, "system.posix_acl_access", NULL, 0) > 0,
		      "storage: copy keeps a POSIX ACL");
	else
		t_note("storage: this filesystem takes no ACL; the ACL copy is not checked");
	ph_tree(dir, -1, "remove", "src", NULL);
	ph_tree(dir, -1, "remove", "dst", NULL);

	CHECK(mk(dir, "p") == 0 && mk(dir, "p/images") == 0 && mk(dir, "p/containers") == 0 &&
		      mk(dir, "p/containers/c1") == 0 && mk(dir, "p/containers/.c2.99") == 0 &&
		      mk(dir, "p/containers/c1/.restore.99") == 0 &&
		      mk(dir, "p/containers/c1/rootfs") == 0 && mk(dir, "p/images/.ab.7") == 0 &&
		      mk(dir, "p/containers-snapshots") == 0 &&
		      mk(dir, "p/containers-snapshots/c1") == 0 &&
		      mk(dir, "p/containers-snapshots/c1/s1") == 0 &&
		      mk(dir, "p/containers-snapshots/c1/.s2.99") == 0 &&
		      put(dir, "p/containers/c1/rootfs/.hidden", "kept") == 0,
	      "storage: a pool with a copy's leftovers beside real trees");
	CHECK(ph_tree(dir, -1, "sweep", ".", NULL) == 0 &&
		      !exists(dir, "p/containers/.c2.99", &a) &&
		      !exists(dir, "p/containers/c1/.restore.99", &a) &&
		      !exists(dir, "p/images/.ab.7", &a) &&
		      !exists(dir, "p/containers-snapshots/c1/.s2.99", &a),
	      "storage: sweep removes the leftovers");
	CHECK(exists(dir, "p/containers/c1/rootfs/.hidden", &a) &&
		      exists(dir, "p/containers-snapshots/c1/s1", &a),
	      "storage: ... and nothing else (a dotfile inside a rootfs stays)");
	ph_tree(dir, -1, "remove", "p", NULL);

	CHECK(mk(dir, "l") == 0 && mk(dir, "l/c1") == 0 && put(dir, "l/c1/config", "x") == 0 &&
		      mk(dir, "l/c2") == 0 && put(dir, "l/c2/lxc.log", "x") == 0,
	      "storage: an lxcpath with an instance and a directory a killed create left");
	snprintf(p, sizeof(p), "%s/l", dir);
	CHECK(ph_tree(p, -1, "sweep", "lxc", NULL) == 0 && !exists(dir, "l/c2", &a) &&
		      exists(dir, "l/c1/config", &a),
	      "storage: sweep lxc removes the directory without a config, and only it");
	CHECK(ph_tree(p, -1, "sweep", "other", NULL) < 0,
	      "storage: sweep of anything else is refused");
	ph_tree(dir, -1, "remove", "l", NULL);
}

/*
 * On btrfs (a loop file this test makes and mounts as moatd mounts a pool,
 * with user_subvol_rm_allowed): an empty rootfs and an image are
 * subvolumes, a copy of one is a snapshot (its own subvolume, with the
 * content, made in O(1)), a `snapshot` is read-only, a tree copied in from
 * another filesystem becomes a subvolume, and remove deletes subvolumes,
 * read-only ones too, from the confined worker.
 */
/* Is dir/rel a btrfs snapshot (a subvolume with a parent)? By btrfs-progs. */
static bool snapshot_of(const char *dir, const char *rel)
{
	char cmd[256];

	snprintf(
		cmd, sizeof(cmd),
		"btrfs subvolume show %s/%s 2>/dev/null | grep -Eq 'Parent UUID:[[:space:]]+[0-9a-f]'",
		dir, rel);
	return system(cmd) == 0;
}

static void btrfs_checks(const char *dir)
{
	char img[64], mnt[64], cmd[512], p[128];
	struct stat a;
	int fd;

	snprintf(img, sizeof(img), "%s.btrfs", dir);
	snprintf(mnt, sizeof(mnt), "%s/bt", dir);
	if (access("/sbin/mkfs.btrfs", X_OK) < 0) {
		t_note("storage: no mkfs.btrfs (make deps); the btrfs checks are skipped");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 256M %s && mkfs.btrfs -q %s >/dev/null 2>&1 && mkdir -p %s && "
		 "mount -o loop,user_subvol_rm_allowed %s %s",
		 img, img, mnt, img, mnt);
	if (!CHECK(system(cmd) == 0, "storage: btrfs: a loop filesystem to work on")) {
		unlink(img);
		return;
	}
	CHECK(ph_tree(dir, -1, "mkdir", "bt/img", NULL) == 0 && exists(dir, "bt/img", &a) &&
		      a.st_ino == 256,
	      "storage: btrfs: an empty rootfs is a subvolume");
	CHECK(put(dir, "bt/img/hello", "world") == 0, "storage: btrfs: a file in it");
	CHECK(ph_tree(dir, -1, "copy", "bt/img", "bt/c1") == 0 && exists(dir, "bt/c1", &a) &&
		      a.st_ino == 256 && exists(dir, "bt/c1/hello", &a) && a.st_size == 5 &&
		      snapshot_of(dir, "bt/c1"),
	      "storage: btrfs: a copy is a snapshot (it has a parent), with the content");
	CHECK(ph_tree(dir, -1, "snapshot", "bt/c1", "bt/s1") == 0 &&
		      exists(dir, "bt/s1/hello", &a) && snapshot_of(dir, "bt/s1"),
	      "storage: btrfs: a snapshot of the copy");
	snprintf(p, sizeof(p), "%s/bt/s1/new", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd < 0 && errno == EROFS, "storage: btrfs: ... which is read-only");
	if (fd >= 0)
		close(fd);
	CHECK(mk(dir, "plain") == 0 && put(dir, "plain/f", "x") == 0 &&
		      ph_tree(dir, -1, "copy", "plain", "bt/in") == 0 && exists(dir, "bt/in", &a) &&
		      a.st_ino == 256 && !snapshot_of(dir, "bt/in") && exists(dir, "bt/in/f", &a) &&
		      a.st_size == 1,
	      "storage: btrfs: a tree copied in from another filesystem becomes a subvolume");
	CHECK(ph_tree(dir, -1, "remove", "bt/s1", NULL) == 0 && !exists(dir, "bt/s1", &a) &&
		      ph_tree(dir, -1, "remove", "bt/c1", NULL) == 0 && !exists(dir, "bt/c1", &a) &&
		      ph_tree(dir, -1, "remove", "bt/in", NULL) == 0 &&
		      ph_tree(dir, -1, "remove", "bt/img", NULL) == 0 && !exists(dir, "bt/img", &a),
	      "storage: btrfs: remove deletes the subvolumes, the read-only one too");
	ph_tree(dir, -1, "remove", "plain", NULL);
	/* a btrfs moatd did not mount (a host's, under a dir pool): no
	 * user_subvol_rm_allowed, so a removal empties the subvolume and rmdirs it */
	snprintf(cmd, sizeof(cmd), "umount %s && mount -o loop %s %s", mnt, img, mnt);
	CHECK(system(cmd) == 0 && ph_tree(dir, -1, "mkdir", "bt/h", NULL) == 0 &&
		      put(dir, "bt/h/f", "x") == 0 &&
		      ph_tree(dir, -1, "snapshot", "bt/h", "bt/hs") == 0 &&
		      snapshot_of(dir, "bt/hs"),
	      "storage: btrfs: without user_subvol_rm_allowed, a subvolume and its snapshot");
	CHECK(ph_tree(dir, -1, "remove", "bt/hs", NULL) == 0 && !exists(dir, "bt/hs", &a) &&
		      ph_tree(dir, -1, "remove", "bt/h", NULL) == 0 && !exists(dir, "bt/h", &a),
	      "storage: btrfs: ... are removed all the same (emptied, then rmdir)");
	snprintf(cmd, sizeof(cmd), "umount %s && rmdir %s", mnt, mnt);
	CHECK(system(cmd) == 0, "storage: btrfs: (unmounted)");
	unlink(img);
}

void test_storage(void)
{
	char dir[] = "/tmp/moat-unit-storage-XXXXXX";
	struct stat a, b;
	int leak, img;

	if (geteuid() != 0) {
		t_note("storage: the confined worker needs root; skipped");
		return;
	}
	if (!CHECK(mkdtemp(dir), "storage: a scratch directory"))
		return;
	leak = open("/", O_PATH | O_DIRECTORY); /* as moatd's $MOAT_DIR fd, not close-on-exec */
	CHECK(leak >= 0 && ph_tree(dir, -1, "mkdir", "empty", NULL) == 0 &&
		      exists(dir, "empty", &a) && S_ISDIR(a.st_mode),
	      "storage: regression confined-worker-fd-leak: the worker holds no descriptor of "
	      "moatd's (an open directory of the host would lead it out; it refuses to run "
	      "holding one)");
	img = hostile_image(false);
	CHECK(img >= 0 && ph_tree(dir, img, "unpack", "img", NULL) == 0 &&
		      exists(dir, "img/etc/a", &a) && exists(dir, "img/etc/b", &b) &&
		      a.st_ino == b.st_ino && a.st_uid == 1234 && a.st_gid == 5678 &&
		      (a.st_mode & 07777) == 0640,
	      "storage: unpack makes rootfs/ with its hard links, owners and modes (from fd 3)");
	CHECK(!exists(dir, "img/dev-null", &a) && !exists(dir, "img/outside", &a) &&
		      !exists(dir, "templates", &a) && !exists(dir, "img/templates", &a),
	      "storage: ... and no device node, nothing from outside rootfs/");
	close(img);
	CHECK(ph_tree(dir, -1, "copy", "img", "cp") == 0 && exists(dir, "cp/etc/a", &a) &&
		      exists(dir, "cp/etc/b", &b) && a.st_ino == b.st_ino && a.st_uid == 1234 &&
		      (a.st_mode & 07777) == 0640,
	      "storage: copy keeps hard links, owners and modes");
	CHECK(ph_tree(dir, -1, "remove", "cp", NULL) == 0 && !exists(dir, "cp", &a),
	      "storage: remove takes a tree away");
	CHECK(ph_tree(dir, -1, "remove", "img", NULL) == 0, "storage: (the first image removed)");
	img = hostile_image(true);
	CHECK(img >= 0 && ph_tree(dir, img, "unpack", "img", NULL) < 0,
	      "storage: an image with a member climbing out by \"..\" is refused");
	CHECK(!exists(dir, "../escaped", &a) && !exists(dir, "escaped", &a),
	      "storage: ... and nothing of it lands outside the tree");
	close(img);
	CHECK(ph_tree(dir, -1, "remove", "img", NULL) == 0 && !exists(dir, "img", &a),
	      "storage: remove takes the partial tree away");
	copy_extras(dir);
	btrfs_checks(dir);
	ph_tree(dir, -1, "remove", "empty", NULL);
	close(leak);
	rmdir(dir);
}
