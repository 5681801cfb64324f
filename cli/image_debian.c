// SPDX-License-Identifier: Apache-2.0
/*
 * moat image build debian: a Debian system container image with systemd,
 * systemd-networkd for eth0 (DHCPv4 and router advertisements, as LXD's
 * images have it) and systemd-resolved for the DNS the network's DHCP
 * gives, made by debootstrap from the apt
 * mirror the host is configured with (or --mirror), written as an
 * LXD-format unified tarball (metadata.yaml, templates/, rootfs/) with
 * libarchive.
 *
 * Runs in the client, as root (debootstrap needs it); talks to no daemon.
 * Inputs: --release and --mirror from the user (checked against narrow
 * character sets before they reach debootstrap's argv; no shell is ever
 * involved) and the tree debootstrap wrote, which is walked without
 * following symlinks. Device nodes, sockets and fifos are left out of the
 * tarball: /dev comes from the container runtime.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "verbs.h"

#define DEBIAN_PACKAGES "systemd,systemd-sysv,systemd-resolved,dbus,iproute2,ca-certificates"

/*
 * eth0 by DHCP and RA whenever it is there: a container without a nic
 * boots to running too (ifupdown's allow-hotplug waits for a udev event a
 * container never sees; its auto fails the boot without eth0).
 */
static const char eth0_network[] = "[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\nIPv6AcceptRA=yes\n";
/* systemd-networkd enabled, as `systemctl enable` would link it */
static const struct {
	const char *dir, *link, *target;
} enable[] = {
	{ "etc/systemd/system/multi-user.target.wants",
	  "etc/systemd/system/multi-user.target.wants/systemd-networkd.service",
	  "/lib/systemd/system/systemd-networkd.service" },
	{ "etc/systemd/system/sockets.target.wants",
	  "etc/systemd/system/sockets.target.wants/systemd-networkd.socket",
	  "/lib/systemd/system/systemd-networkd.socket" },
	{ "etc/systemd/system", "etc/systemd/system/dbus-org.freedesktop.network1.service",
	  "/lib/systemd/system/systemd-networkd.service" },
};
static const char hostname_tpl[] = "{{ container.name }}\n";
static const char hosts_tpl[] = "127.0.0.1\tlocalhost\n127.0.1.1\t{{ container.name }}\n"
				"::1\tlocalhost ip6-localhost ip6-loopback\n";

static bool release_ok(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n > 32)
		return false;
	for (const char *c = r; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return false;
	return r[0] != '-';
}

static bool mirror_ok(const char *m)
{
	size_t n = strlen(m);

	if (n < 8 || n > 400 ||
	    (strncmp(m, "http://", 7) != 0 && strncmp(m, "https://", 8) != 0 &&
	     strncmp(m, "file:///", 8) != 0))
		return false;
	for (const char *c = m; *c; c++)
		if (*c <= ' ' || *c > '~' || strchr("\"'\\`$;|&<>(){}", *c))
			return false;
	return true;
}

/* The first Debian "deb" URI the host's apt uses (deb822 or one-line form). */
static void host_mirror(char *ret, size_t size)
{
	static const char *const files[] = { "/etc/apt/sources.list.d/debian.sources",
					     "/etc/apt/sources.list" };
	char line[1024];

	snprintf(ret, size, "http://deb.debian.org/debian");
	for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
		__do_fclose FILE *f = fopen(files[k], "re");

		while (f && fgets(line, sizeof(line), f)) {
			char uri[512];

			if ((sscanf(line, "URIs: %511s", uri) == 1 ||
			     sscanf(line, "deb %511s", uri) == 1) &&
			    !strstr(uri, "security") && mirror_ok(uri)) {
				snprintf(ret, size, "%s", uri);
				return;
			}
		}
	}
}

/* Run argv (no shell), its output to log_fd; 0 if it exits 0. */
static int run(char *const argv[], int log_fd)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* Write a file inside the tree (resolved within it, never through a link out). */
static int put_file(int root, const char *path, const char *text, mode_t mode)
{
	struct open_how how = { .flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
				.mode = mode,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	__do_close int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	size_t len = strlen(text);

	if (fd < 0)
		return cli_error(-errno, "writing /%s in the image: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len)
		return cli_error(-EIO, "writing /%s in the image", path);
	return 0;
}

/* Remove the regular files directly in dir (the tree's own, relative to root). */
static void empty_dir(int root, const char *dir)
{
	__do_closedir DIR *d = NULL;
	int fd = openat(root, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_type == DT_REG)
			(void)unlinkat(dirfd(d), e->d_name, 0);
}

/* What makes a debootstrapped tree a container image. */
static int configure(const char *rootfs, const char *mirror, const char *release)
{
	__do_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	__do_free char *sources = NULL;
	int r;

	if (root < 0)
		return cli_error(-errno, "%s: %s", rootfs, strerror(errno));
	if (asprintf(&sources, "deb %s %s main\n", mirror, release) < 0) {
		sources = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	r = put_file(root, "etc/systemd/network/eth0.network", eth0_network, 0644);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(enable); i++) {
		if (mkdirat(root, enable[i].dir, 0755) < 0 && errno != EEXIST)
			r = cli_error(-errno, "/%s in the image: %s", enable[i].dir,
				      strerror(errno));
		(void)unlinkat(root, enable[i].link, 0);
		if (r == 0 && symlinkat(enable[i].target, root, enable[i].link) < 0)
			r = cli_error(-errno, "enabling /%s: %s", enable[i].link, strerror(errno));
	}
	if (r == 0)
		r = put_file(root, "etc/hostname", "debian\n", 0644);
	if (r == 0)
		r = put_file(root, "etc/apt/sources.list", sources, 0644);
	/* each container gets its own machine id at first boot */
	if (r == 0)
		r = put_file(root, "etc/machine-id", "", 0444);
	(void)unlinkat(root, "var/lib/dbus/machine-id", 0);
	/* debugfs cannot be mounted in a user namespace: do not try */
	(void)unlinkat(root, "etc/systemd/system/sys-kernel-debug.mount", 0);
	if (r == 0 && symlinkat("/dev/null", root, "etc/systemd/system/sys-kernel-debug.mount") < 0)
		r = cli_error(-errno, "masking sys-kernel-debug.mount: %s", strerror(errno));
	empty_dir(root, "var/cache/apt/archives");
	empty_dir(root, "var/lib/apt/lists");
	return r;
}

/* ---- the tarball ------------------------------------------------------------------------- */

static int add_text(struct archive *a, const char *name, const char *text, long long epoch)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = strlen(text);
	int r = 0;

	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, epoch, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, text, len) != (la_ssize_t)len)
		r = cli_error(-EIO, "writing the image: %s", archive_error_string(a));
	archive_entry_free(e);
	return r;
}

static int add_dir(struct archive *a, const char *name, long long epoch)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_mtime(e, epoch, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		r = cli_error(-EIO, "writing the image: %s", archive_error_string(a));
	archive_entry_free(e);
	return r;
}

static int copy_data(struct archive *a, const char *path)
{
	__do_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return cli_error(-errno, "%s: %s", path, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, (size_t)n) != n)
			return cli_error(-EIO, "writing the image: %s", archive_error_string(a));
	return n < 0 ? cli_error(-errno, "%s: %s", path, strerror(errno)) : 0;
}

/* rootfs/ from the tree at dir: numeric owners, hardlinks kept, no devices. */
static int add_tree(struct archive *a, const char *dir)
{
	struct archive *disk = archive_read_disk_new();
	struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
	struct archive_entry *e = NULL, *spare = NULL;
	size_t prefix = strlen(dir);
	int r = 0;

	if (!disk || !links) {
		r = -ENOMEM;
		goto out;
	}
	archive_entry_linkresolver_set_strategy(links, archive_format(a));
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	if (archive_read_disk_open(disk, dir) != ARCHIVE_OK) {
		r = cli_error(-EIO, "%s: %s", dir, archive_error_string(disk));
		goto out;
	}
	for (;;) {
		char name[4096];
		const char *p;
		mode_t type;
		int h;

		e = archive_entry_new();
		if (!e) {
			r = -ENOMEM;
			break;
		}
		h = archive_read_next_header2(disk, e);
		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			r = cli_error(-EIO, "reading the tree: %s", archive_error_string(disk));
			break;
		}
		archive_read_disk_descend(disk);
		type = archive_entry_filetype(e);
		p = archive_entry_pathname(e);
		if ((type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) ||
		    strncmp(p, dir, prefix) != 0) {
			archive_entry_free(TAKE_PTR(e));
			continue;
		}
		snprintf(name, sizeof(name), "rootfs%s%s", p[prefix] ? "" : "/", p + prefix);
		archive_entry_set_pathname(e, name);
		archive_entry_set_uname(e, NULL);
		archive_entry_set_gname(e, NULL);
		archive_entry_linkify(links, &e, &spare);
		if (e) {
			if (archive_write_header(a, e) != ARCHIVE_OK) {
				r = cli_error(-EIO, "writing the image: %s",
					      archive_error_string(a));
				break;
			}
			if (type == AE_IFREG && archive_entry_size(e) > 0) {
				r = copy_data(a, archive_entry_sourcepath(e));
				if (r < 0)
					break;
			}
			archive_entry_free(TAKE_PTR(e));
		}
		if (spare) /* tar never defers: nothing is ever left here */
			archive_entry_free(TAKE_PTR(spare));
	}
out:
	archive_entry_free(e);
	if (links)
		archive_entry_linkresolver_free(links);
	if (disk)
		archive_read_free(disk);
	return r;
}

static int write_image(const char *rootfs, const char *release, const char *arch, long long epoch,
		       int out_fd)
{
	struct archive *a = archive_write_new();
	__do_free char *meta = NULL;
	int r;

	if (!a)
		return -ENOMEM;
	if (asprintf(&meta,
		     "architecture: %s\ncreation_date: %lld\nproperties:\n"
		     "  architecture: %s\n  description: Debian %s %s (systemd)\n"
		     "  os: debian\n  release: %s\n  variant: default\n"
		     "templates:\n"
		     "  /etc/hostname:\n    when:\n    - create\n    - copy\n"
		     "    template: hostname.tpl\n"
		     "  /etc/hosts:\n    when:\n    - create\n    - copy\n"
		     "    template: hosts.tpl\n",
		     arch, epoch, arch, release, arch, release) < 0) {
		meta = NULL;
		archive_write_free(a);
		return -ENOMEM;
	}
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    /* names as the bytes on disk, whatever the locale */
	    archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
	    archive_write_open_fd(a, out_fd) != ARCHIVE_OK) {
		r = cli_error(-EIO, "writing the image: %s", archive_error_string(a));
		archive_write_free(a);
		return r;
	}
	r = add_text(a, "metadata.yaml", meta, epoch);
	if (r == 0)
		r = add_dir(a, "templates/", epoch);
	if (r == 0)
		r = add_text(a, "templates/hostname.tpl", hostname_tpl, epoch);
	if (r == 0)
		r = add_text(a, "templates/hosts.tpl", hosts_tpl, epoch);
	if (r == 0)
		r = add_tree(a, rootfs);
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = cli_error(-EIO, "writing the image: %s", archive_error_string(a));
	archive_write_free(a);
	return r;
}

/* ---- the build ----------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

static void show_log_tail(const char *path)
{
	__do_fclose FILE *f = fopen(path, "re");
	char lines[20][256];
	size_t n = 0;

	while (f && fgets(lines[n % 20], sizeof(lines[0]), f))
		n++;
	for (size_t k = n > 20 ? n - 20 : 0; k < n; k++)
		fputs(lines[k % 20], stderr);
}

int cli_build_debian(struct cli_debian_image *img, int out_fd)
{
	char tmpl[] = "/var/tmp/moat-debian.XXXXXX", rootfs[64], logpath[64];
	__do_close int log_fd = -EBADF;
	struct utsname u;
	int r;

	if (geteuid() != 0)
		return cli_error(-EPERM, "Building the debian image needs root (debootstrap)");
	if (!*img->release)
		snprintf(img->release, sizeof(img->release), "bookworm");
	if (!release_ok(img->release))
		return cli_error(-EINVAL, "Invalid release \"%s\"", img->release);
	if (!*img->mirror)
		host_mirror(img->mirror, sizeof(img->mirror));
	if (!mirror_ok(img->mirror))
		return cli_error(-EINVAL, "Invalid mirror \"%s\": an http, https or file URL",
				 img->mirror);
	if (uname(&u) < 0)
		return cli_error(-errno, "uname: %s", strerror(errno));
	snprintf(img->arch, sizeof(img->arch), "%s", u.machine);
	if (!mkdtemp(tmpl))
		return cli_error(-errno, "cannot make a directory in /var/tmp: %s",
				 strerror(errno));
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmpl);
	snprintf(logpath, sizeof(logpath), "%s/debootstrap.log", tmpl);
	log_fd = open(logpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (log_fd < 0) {
		r = cli_error(-errno, "%s: %s", logpath, strerror(errno));
		goto out;
	}
	{
		char *argv[] = { "debootstrap",
				 "--variant=minbase",
				 "--include=" DEBIAN_PACKAGES,
				 img->release,
				 rootfs,
				 img->mirror,
				 NULL };

		if (img->progress)
			fprintf(stderr, "Running debootstrap %s from %s (about a minute)\n",
				img->release, img->mirror);
		r = run(argv, log_fd);
	}
	if (r < 0) {
		fprintf(stderr, "debootstrap's last lines:\n");
		show_log_tail(logpath);
		r = cli_error(r, "debootstrap %s %s failed", img->release, img->mirror);
		goto out;
	}
	r = configure(rootfs, img->mirror, img->release);
	if (r == 0) {
		if (img->progress)
			fprintf(stderr, "Writing the image\n");
		r = write_image(rootfs, img->release, img->arch, img->epoch, out_fd);
	}
out:
	/* never across a mount point debootstrap may have left behind */
	nftw(tmpl, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	return r;
}
