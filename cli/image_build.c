// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `moat image build busybox`: an LXD-format unified image tarball
 * (metadata.yaml, rootfs/, templates/) made from the host's static busybox,
 * the same image as tools/build-busybox-image.sh: every applet linked
 * where busybox installs it, busybox init with its inittab, udhcpc and its
 * hook script, /etc/hostname from a template at create and copy time. The
 * tree is built in memory and written with libarchive (GNU tar, gzip), so
 * every entry is owned by 0:0 whoever runs it; root is needed only when
 * the host's busybox is not readable otherwise. Runs in the client as the
 * invoking user. Inputs are the host's own binary (run twice, for its
 * applet list and version) and SOURCE_DATE_EPOCH; applet names are still
 * checked (relative, no "..") before they become paths in the tarball.
 * `debian` is not built yet.
 */
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "verbs.h"

#define BUSYBOX_MAX (64u << 20)
#define OUTPUT_MAX (1u << 20)

extern char **environ;

static const char inittab[] =
	"# busybox init: mount what the container manager did not (liblxc mounts\n"
	"# /proc, /sys and /dev/pts; a second devpts would hide the one exec ptys\n"
	"# come from), name the host,\n"
	"# bring up the network, and keep a getty on the console so that init has a\n"
	"# child to respawn and never exits\n"
	"::sysinit:/bin/mkdir -p /dev/pts /dev/shm /run\n"
	"::sysinit:/bin/mount -t tmpfs tmpfs /run -o mode=0755\n"
	"::sysinit:/bin/hostname -F /etc/hostname\n"
	"::sysinit:/sbin/ip link set lo up\n"
	"::once:/sbin/udhcpc -f -S -i eth0 -s /usr/share/udhcpc/default.script\n"
	"::respawn:/sbin/getty -L 115200 console vt100\n"
	"::ctrlaltdel:/sbin/reboot\n"
	"::shutdown:/bin/umount -a -r\n";

static const char udhcpc_script[] =
	"#!/bin/sh\n"
	"# udhcpc hook: apply the lease to $interface (ip, mask as a prefix length, router, dns)\n"
	"case \"$1\" in\n"
	"deconfig)\n"
	"\tip -4 addr flush dev \"$interface\"\n"
	"\tip link set \"$interface\" up\n"
	"\t;;\n"
	"bound | renew)\n"
	"\tip -4 addr flush dev \"$interface\"\n"
	"\tip addr add \"$ip/${mask:-24}\" dev \"$interface\"\n"
	"\tif [ -n \"$router\" ]; then\n"
	"\t\tip route add default via \"${router%% *}\" dev \"$interface\"\n"
	"\tfi\n"
	"\t: >/etc/resolv.conf\n"
	"\tfor d in $dns; do echo \"nameserver $d\" >>/etc/resolv.conf; done\n"
	"\t;;\n"
	"esac\n"
	"exit 0\n";

static const char passwd[] = "root::0:0:root:/root:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group[] = "root:x:0:\n"
			    "tty:x:5:\n"
			    "nogroup:x:65534:\n";
static const char hosts[] = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";

/* ---- the tree -------------------------------------------------------------------------- */

struct node {
	char *path; /* relative, no trailing '/' */
	mode_t type;
	mode_t perm;
	const void *data; /* regular files: borrowed or owned (see owned) */
	size_t len;
	void *owned;
	const char *link; /* symlinks */
};

struct tree {
	struct node *nodes;
	size_t n, cap;
};

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].path);
		free(t->nodes[i].owned);
	}
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

static struct node *tree_find(struct tree *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->nodes[i].path, path) == 0)
			return &t->nodes[i];
	return NULL;
}

static int tree_add(struct tree *t, const char *path, mode_t type, mode_t perm, const void *data,
		    size_t len, const char *link)
{
	struct node *n;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 512;
		struct node *grown = realloc(t->nodes, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->nodes = grown;
		t->cap = cap;
	}
	n = &t->nodes[t->n];
	*n = (struct node){ .type = type, .perm = perm, .data = data, .len = len, .link = link };
	n->path = strdup(path);
	if (!n->path)
		return -ENOMEM;
	t->n++;
	return 0;
}

/* mkdir -p: every missing directory on the way to path (0755), and path itself. */
static int tree_mkdirs(struct tree *t, const char *path)
{
	__do_free char *p = strdup(path);
	int r;

	if (!p)
		return -ENOMEM;
	for (char *s = p;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		struct node *n;

		*s = '\0';
		n = tree_find(t, p);
		if (n && n->type != S_IFDIR)
			return -ENOTDIR;
		if (!n) {
			r = tree_add(t, p, S_IFDIR, 0755, NULL, 0, NULL);
			if (r < 0)
				return r;
		}
		*s = c;
		if (!c)
			return 0;
	}
}

static int tree_file(struct tree *t, const char *path, mode_t perm, const char *text)
{
	return tree_add(t, path, S_IFREG, perm, text, strlen(text), NULL);
}

static int tree_link(struct tree *t, const char *path)
{
	__do_free char *dir = strdup(path);
	int r;

	if (!dir)
		return -ENOMEM;
	if (strchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		r = tree_mkdirs(t, dir);
		if (r < 0)
			return r;
	}
	return tree_add(t, path, S_IFLNK, 0777, NULL, 0, "/bin/busybox");
}

/* GNU tar --sort=name: each directory's entries by name, depth first. */
static int path_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		int c = memcmp(a, b, la < lb ? la : lb);

		if (c)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
		a += la + (a[la] == '/');
		b += lb + (b[lb] == '/');
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int node_cmp(const void *x, const void *y)
{
	return path_cmp(((const struct node *)x)->path, ((const struct node *)y)->path);
}

/* ---- the host's busybox ----------------------------------------------------------------------- */

static int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	__do_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	__do_free char *buf = NULL;
	size_t len = 0;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)st.st_size &&
	       (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/* Is the ELF image static: no PT_INTERP (what `ldd` reports as "not a dynamic executable")? */
static int elf_static(const char *buf, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)buf;

	if (len < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0 ||
	    buf[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return -ENOEXEC;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP)
			return 0;
	}
	return 1;
}

/* Run busybox with one argument (or none); its output (stdout, and stderr if asked). */
static int run_busybox(const char *busybox, const char *arg, bool with_stderr, char **ret,
		       size_t *ret_len, int *ret_status)
{
	char *argv[] = { (char *)"busybox", (char *)arg, NULL };
	posix_spawn_file_actions_t fa;
	__do_free char *buf = malloc(OUTPUT_MAX + 1);
	int pipefd[2], status = 0, r;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (!buf)
		return -ENOMEM;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	if (with_stderr)
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(&pid, busybox, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return -r;
	}
	while ((n = read(pipefd[0], buf + len, OUTPUT_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (len += (size_t)n) >= OUTPUT_MAX)
			break;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	*ret_status = status;
	return 0;
}

/* "BusyBox v1.35.0 (Debian ...) multi-call binary." -> "1.35.0", as the script's sed. */
static void busybox_version(const char *out, char *ret, size_t size)
{
	size_t n = 0;

	snprintf(ret, size, "unknown");
	if (strncmp(out, "BusyBox v", 9) != 0 || out[9] < '0' || out[9] > '9')
		return;
	out += 9;
	while ((out[n] >= '0' && out[n] <= '9') || out[n] == '.')
		n++;
	snprintf(ret, size, "%.*s", (int)n, out);
}

static bool applet_ok(const char *a)
{
	return *a && *a != '/' && !strstr(a, "..") && strcmp(a, "bin/busybox") != 0;
}

/* ---- building ------------------------------------------------------------------------------------ */

static int rootfs(struct tree *t, const char *bb, size_t bb_len, char *applets)
{
	static const char *const dirs[] = {
		"rootfs/bin",      "rootfs/sbin", "rootfs/usr/bin",
		"rootfs/usr/sbin", "rootfs/etc",  "rootfs/dev",
		"rootfs/proc",     "rootfs/sys",  "rootfs/run",
		"rootfs/tmp",      "rootfs/root", "rootfs/var/log",
		"rootfs/var/run",  "rootfs/home", "rootfs/usr/share/udhcpc",
		"templates",
	};
	static const char *const needed[] = { "sh",       "ls",    "cat",     "echo",  "mkdir",
					      "rm",       "sleep", "ps",      "mount", "umount",
					      "hostname", "ip",    "ifconfig" };
	static const char *const in_sbin[] = { "init", "udhcpc", "getty" };
	char path[512];
	char *save = NULL;
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(dirs); i++)
		r = tree_mkdirs(t, dirs[i]);
	if (r < 0)
		return r;
	tree_find(t, "rootfs/tmp")->perm = 01777;
	tree_find(t, "rootfs/root")->perm = 0700;
	r = tree_add(t, "rootfs/bin/busybox", S_IFREG, 0755, bb, bb_len, NULL);
	/* every applet, at the place busybox itself would install it */
	for (char *line = strtok_r(applets, "\n", &save); r == 0 && line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len;

		while (*line == ' ' || *line == '\t')
			line++;
		len = strlen(line);
		while (len &&
		       (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!applet_ok(line) || snprintf(path, sizeof(path), "rootfs/%s", line) >= 400)
			continue;
		if (tree_find(t, path))
			continue;
		r = tree_link(t, path);
		if (r == -ENOTDIR)
			r = 0; /* a parent is a file: as the script's mkdir -p, skip it */
	}
	/* the ones the tests and init rely on, even if --list-full ever changes */
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(needed); i++) {
		char sbin[64];

		snprintf(path, sizeof(path), "rootfs/bin/%s", needed[i]);
		snprintf(sbin, sizeof(sbin), "rootfs/sbin/%s", needed[i]);
		if (!tree_find(t, path) && !tree_find(t, sbin))
			r = tree_link(t, path);
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(in_sbin); i++) {
		snprintf(path, sizeof(path), "rootfs/sbin/%s", in_sbin[i]);
		if (!tree_find(t, path))
			r = tree_link(t, path);
	}
	if (r == 0)
		r = tree_file(t, "rootfs/etc/inittab", 0644, inittab);
	if (r == 0)
		r = tree_file(t, "rootfs/usr/share/udhcpc/default.script", 0755, udhcpc_script);
	if (r == 0)
		r = tree_file(t, "rootfs/etc/passwd", 0644, passwd);
	if (r == 0)
		r = tree_file(t, "rootfs/etc/group", 0644, group);
	if (r == 0)
		r = tree_file(t, "rootfs/etc/hostname", 0644, "busybox\n");
	if (r == 0)
		r = tree_file(t, "rootfs/etc/hosts", 0644, hosts);
	if (r == 0)
		r = tree_file(t, "rootfs/etc/resolv.conf", 0644, "");
	if (r == 0)
		r = tree_file(t, "rootfs/etc/shells", 0644, "/bin/sh\n");
	if (r == 0)
		r = tree_file(t, "templates/hostname.tpl", 0644, "{{ container.name }}\n");
	return r;
}

static int metadata(struct tree *t, const struct cli_bb_image *img)
{
	char *yaml;
	int r;

	if (asprintf(&yaml,
		     "architecture: %s\n"
		     "creation_date: %lld\n"
		     "properties:\n"
		     "  description: busybox test\n"
		     "  os: busybox\n"
		     "  release: \"%s\"\n"
		     "templates:\n"
		     "  /etc/hostname:\n"
		     "    when:\n"
		     "      - create\n"
		     "      - copy\n"
		     "    create_only: false\n"
		     "    template: hostname.tpl\n"
		     "    properties: {}\n",
		     img->arch, img->epoch, img->version) < 0)
		return -ENOMEM;
	r = tree_add(t, "metadata.yaml", S_IFREG, 0644, yaml, strlen(yaml), NULL);
	if (r < 0) {
		free(yaml);
		return r;
	}
	t->nodes[t->n - 1].owned = yaml;
	return 0;
}

static int write_tar(struct tree *t, long long epoch, int out_fd)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	if (!a || !e) {
		archive_write_free(a);
		archive_entry_free(e);
		return cli_error(-ENOMEM, "out of memory");
	}
	qsort(t->nodes, t->n, sizeof(*t->nodes), node_cmp);
	if (archive_write_set_format_gnutar(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "gzip:compression-level=6,gzip:!timestamp") !=
		    ARCHIVE_OK ||
	    archive_write_open_fd(a, out_fd) != ARCHIVE_OK) {
		r = cli_error(-EIO, "writing the image: %s", archive_error_string(a));
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct node *n = &t->nodes[i];
		char name[1024];

		snprintf(name, sizeof(name), "%s%s", n->path, n->type == S_IFDIR ? "/" : "");
		archive_entry_clear(e);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, n->type);
		archive_entry_set_perm(e, n->perm);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_mtime(e, (time_t)epoch, 0);
		archive_entry_set_size(e, n->type == S_IFREG ? (la_int64_t)n->len : 0);
		if (n->type == S_IFLNK)
			archive_entry_set_symlink(e, n->link);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    (n->type == S_IFREG && n->len &&
		     archive_write_data(a, n->data, n->len) != (la_ssize_t)n->len)) {
			r = cli_error(-EIO, "writing the image: %s", archive_error_string(a));
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		r = cli_error(-EIO, "writing the image: %s", archive_error_string(a));
out:
	archive_entry_free(e);
	archive_write_free(a);
	return r;
}

int cli_build_busybox(struct cli_bb_image *img, int out_fd)
{
	__do_free char *bb = NULL, *applets = NULL, *banner = NULL;
	struct tree t = { 0 };
	size_t bb_len = 0, len = 0;
	struct utsname u;
	int r, status;

	r = read_file(img->busybox, BUSYBOX_MAX, &bb, &bb_len);
	if (r == -EACCES || r == -EPERM)
		return cli_error(r, "cannot read %s: %s (run as root)", img->busybox, strerror(-r));
	if (r < 0)
		return cli_error(r,
				 "%s is not a busybox binary: %s (apt-get install busybox-static)",
				 img->busybox, strerror(-r));
	r = elf_static(bb, bb_len);
	if (r == 0)
		return cli_error(-ENOEXEC,
				 "%s is dynamically linked; the image needs busybox-static",
				 img->busybox);
	if (r < 0 || access(img->busybox, X_OK) < 0 ||
	    run_busybox(img->busybox, "--list-full", false, &applets, &len, &status) < 0 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0)
		return cli_error(-ENOEXEC,
				 "%s is not a busybox binary (apt-get install busybox-static)",
				 img->busybox);
	if (run_busybox(img->busybox, NULL, true, &banner, &len, &status) == 0)
		busybox_version(banner, img->version, sizeof(img->version));
	else
		snprintf(img->version, sizeof(img->version), "unknown");
	if (uname(&u) < 0)
		return cli_error(-errno, "uname: %s", strerror(errno));
	snprintf(img->arch, sizeof(img->arch), "%s", u.machine);

	r = rootfs(&t, bb, bb_len, applets);
	if (r == 0)
		r = metadata(&t, img);
	if (r < 0) {
		tree_free(&t);
		return cli_error(r, "building the image: %s", strerror(-r));
	}
	r = write_tar(&t, img->epoch, out_fd);
	tree_free(&t);
	return r;
}

/* ---- the verb ------------------------------------------------------------------------------------------ */

static int epoch_now(long long *ret)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;

	if (!s || !*s) {
		*ret = (long long)time(NULL);
		return 0;
	}
	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (errno || *end || *ret < 0)
		return cli_error(-EINVAL, "SOURCE_DATE_EPOCH=%s is not a number of seconds", s);
	return 0;
}

int cli_cmd_image_build(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	const char *what = a->pos[0], *output = cli_flag_str(a, "output");
	const char *busybox = getenv("BUSYBOX");
	struct cli_bb_image img = { .busybox = busybox && *busybox ? busybox : "/bin/busybox" };
	__do_free char *tmp = NULL, *dir = NULL;
	__do_close int fd = -EBADF;
	const char *const *aliases;
	size_t naliases;
	bool import;
	struct stat st;
	int r;

	bool debian = strcmp(what, "debian") == 0;
	struct cli_debian_image deb = { .progress = !ctx->quiet };
	const char *rel = cli_flag_str(a, "release"), *mirror = cli_flag_str(a, "mirror");

	if (!debian && strcmp(what, "busybox") != 0)
		return cli_usage_error("Unknown image \"%s\" (busybox or debian)", what);
	if (!debian && (rel || mirror))
		return cli_usage_error("--release and --mirror are for the debian image");
	snprintf(deb.release, sizeof(deb.release), "%s", rel ? rel : "");
	snprintf(deb.mirror, sizeof(deb.mirror), "%s", mirror ? mirror : "");
	aliases = cli_flag_list(a, "alias", &naliases);
	import = cli_flag_bool(a, "import") || naliases > 0;
	if (!output && !import)
		output = debian ? "debian.tar.gz" : "busybox.tar.gz";
	r = epoch_now(&img.epoch);
	if (r < 0)
		return r;
	deb.epoch = img.epoch;
	if (output && strcmp(output, "-") == 0) {
		/* to stdout: nothing to rename or import, and the report on stderr */
		if (import)
			return cli_usage_error("--output - cannot be combined with --import");
		if (isatty(STDOUT_FILENO))
			return cli_error(-EINVAL, "not writing a tarball to a terminal");
		r = debian ? cli_build_debian(&deb, STDOUT_FILENO)
			   : cli_build_busybox(&img, STDOUT_FILENO);
		if (r == 0 && !ctx->quiet && debian)
			fprintf(stderr, "debian %s image for %s\n", deb.release, deb.arch);
		else if (r == 0 && !ctx->quiet)
			fprintf(stderr, "busybox %s image for %s\n", img.version, img.arch);
		return r;
	}

	/* write next to the output (renamed into place at the end), or in a directory of $TMPDIR */
	if (output) {
		dir = strdup(output);
		if (dir)
			dirname(dir);
		if (!dir || asprintf(&tmp, "%s/.moat-image.XXXXXX", dir) < 0) {
			tmp = NULL;
			return cli_error(-ENOMEM, "out of memory");
		}
		fd = mkostemp(tmp, O_CLOEXEC);
	} else {
		const char *t = getenv("TMPDIR");

		if (asprintf(&dir, "%s/moat-image.XXXXXX", t && *t ? t : "/tmp") < 0) {
			dir = NULL;
			return cli_error(-ENOMEM, "out of memory");
		}
		if (!mkdtemp(dir))
			return cli_error(-errno, "cannot make a directory %s: %s", dir,
					 strerror(errno));
		if (asprintf(&tmp, "%s/image.tar.gz", dir) < 0) {
			tmp = NULL;
			rmdir(dir);
			return cli_error(-ENOMEM, "out of memory");
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		r = cli_error(-errno, "cannot write in %s: %s", dir, strerror(errno));
		if (!output)
			rmdir(dir);
		return r;
	}
	r = debian ? cli_build_debian(&deb, fd) : cli_build_busybox(&img, fd);
	if (r == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0))
		r = cli_error(-errno, "writing %s: %s", tmp, strerror(errno));
	if (r == 0 && output && rename(tmp, output) < 0)
		r = cli_error(-errno, "cannot write %s: %s", output, strerror(errno));
	if (r == 0 && output && !ctx->quiet && debian)
		printf("%s: debian %s image for %s (%lld bytes)\n", output, deb.release, deb.arch,
		       (long long)st.st_size);
	else if (r == 0 && output && !ctx->quiet)
		printf("%s: busybox %s image for %s (%lld bytes)\n", output, img.version, img.arch,
		       (long long)st.st_size);
	fflush(stdout);
	if (r == 0 && import)
		r = cli_image_import(ctx, output ? output : tmp, "", NULL, 0, aliases, naliases,
				     false);
	if (r < 0 && output)
		unlink(tmp);
	if (!output) {
		unlink(tmp);
		rmdir(dir);
	}
	return r;
}
