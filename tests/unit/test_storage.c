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
	ph_tree(dir, -1, "remove", "empty", NULL);
	close(leak);
	rmdir(dir);
}
