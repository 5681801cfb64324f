// SPDX-License-Identifier: Apache-2.0
/*
 * file_op end to end in moatd's code: ph_dispatch() of a FileOp request on
 * a socketpair, its handler running moat-tree's `file` command confined in
 * a scratch container rootfs (privhelper/op_file.c, worker/file.c), the
 * reply and its descriptor read back. Symlinks planted to "/" and "/etc"
 * and ".." resolve inside the rootfs; a device node and a FIFO are
 * refused; read and write give a descriptor to the very file. Needs root
 * (the worker makes namespaces and pivots); skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../lib/pbenc.h"
#include "frame.h"
#include "log.h"
#include "ph.h"
#include "t.h"

static struct ph_ctx ctx = { .dir_fd = -EBADF, .chan = -EBADF };
static int peer = -EBADF;

/* One file_op through ph_dispatch: the reply (or NULL) and its descriptor (or -1). */
static Ph__Reply *file_op(const char *name, Ph__FileOpKind kind, const char *path, int uid,
			  int mode, const char *target, int *ret_fd)
{
	static uint8_t buf[FRAME_MAX];
	static struct enc e;
	Ph__FileOpRequest m = PH__FILE_OP_REQUEST__INIT;
	Ph__Request req = PH__REQUEST__INIT;
	int fds[FRAME_MAX_FDS];
	size_t len = 0, nfds = 0;
	Ph__Reply *rep = NULL;

	m.name = str(name);
	m.pool = str("p");
	m.path = str(path);
	m.kind = kind;
	m.uid = uid;
	m.gid = -1;
	m.mode = mode;
	m.target = str(target ? target : "");
	req.id = 9;
	req.op_case = PH__REQUEST__OP_FILE_OP;
	req.file_op = &m;
	e.n = 0;
	put_request(&e, &req);
	*ret_fd = -1;
	if (ph_dispatch(&ctx, e.b, e.n, NULL, 0) == 0 &&
	    frame_recv(peer, buf, &len, fds, &nfds) == 0 && len > 0) {
		rep = ph__reply__unpack(NULL, len, buf);
		for (size_t i = 0; i < nfds; i++)
			if (i == 0 && nfds == 1)
				*ret_fd = fds[0];
			else
				close(fds[i]);
	}
	return rep;
}

/* The first bytes read from fd (closed), NUL-ended. */
static const char *slurp(int fd)
{
	static char b[64];
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;

	if (fd >= 0)
		close(fd);
	b[n > 0 ? n : 0] = '\0';
	return b;
}

/* The id an unmapped owner shows as in a user namespace (65534 unless set otherwise). */
static unsigned overflow_uid(void)
{
	FILE *f = fopen("/proc/sys/kernel/overflowuid", "r");
	unsigned u = 65534;

	if (f) {
		if (fscanf(f, "%u", &u) != 1)
			u = 65534;
		fclose(f);
	}
	return u;
}

static void put(const char *root, const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void reads(const char *path, const char *want, const char *what)
{
	int fd;
	Ph__Reply *rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_OPEN_READ, path, -1, -1, NULL, &fd);

	CHECK(rep && rep->err == 0 && rep->file_op &&
		      rep->file_op->type == PH__FILE_TYPE__FILE_TYPE_FILE && fd >= 0 &&
		      strcmp(slurp(fd), want) == 0,
	      "file_op: %s (read %s)", what, path);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
}

static void refused(const char *path, int err, const char *what)
{
	int fd;
	Ph__Reply *rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_OPEN_READ, path, -1, -1, NULL, &fd);

	CHECK(rep && rep->err == err && fd < 0, "file_op: %s (%d)", what, rep ? rep->err : -1);
	if (fd >= 0)
		close(fd);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
}

static void run(const char *root)
{
	char host[64], p[512];
	struct stat st;
	Ph__Reply *rep;
	int fd;

	reads("/etc/passwd", "inside\n", "a file of the container, by a descriptor");
	reads("/up/etc/passwd", "inside\n",
	      "a symlink planted to \"/\" resolves inside the rootfs");
	reads("/etclink/passwd", "inside\n", "a symlink planted to \"/etc\" resolves inside");
	reads("/../../../etc/passwd", "inside\n", "\"..\" above the root stays at the root");
	refused("/null", EPERM, "a device node is never opened: EPERM, as before");
	refused("/fifo", EPERM, "nor a FIFO");
	refused("/nosuch", ENOENT, "a missing path is ENOENT (the API's 404)");

	/* not host root: a regression to moatd's own lookup would see 70000 */
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_OPEN_READ, "/unmapped", -1, -1, NULL, &fd);
	CHECK(rep && rep->err == 0 && rep->file_op->uid == overflow_uid() && fd >= 0,
	      "file_op: the lookup runs in the worker's user namespace (ids 0-65535): an on-disk "
	      "owner 70000 is seen as the overflow id (%u)",
	      rep && rep->file_op ? rep->file_op->uid : 0);
	if (fd >= 0)
		close(fd);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_OPEN_READ, "/etclink", -1, -1, NULL, &fd);
	CHECK(rep && rep->err == 0 && rep->file_op->type == PH__FILE_TYPE__FILE_TYPE_SYMLINK &&
		      rep->file_op->target.len == 4 &&
		      memcmp(rep->file_op->target.data, "/etc", 4) == 0 && fd < 0,
	      "file_op: a symlink is read as its target, with no descriptor");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_OPEN_READ, "/etc", -1, -1, NULL, &fd);
	CHECK(rep && rep->err == 0 && rep->file_op->type == PH__FILE_TYPE__FILE_TYPE_DIRECTORY &&
		      fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
	      "file_op: a directory is read by a directory descriptor");
	if (fd >= 0)
		close(fd);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);

	/* a write through the planted /etc link lands in the rootfs's etc/, not the host's */
	snprintf(host, sizeof(host), "moat-unit-file-op-%d", (int)getpid());
	snprintf(p, sizeof(p), "/etclink/%s", host);
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_WRITE, p, 1234, 0600, NULL, &fd);
	CHECK(rep && rep->err == 0 && rep->file_op->type == PH__FILE_TYPE__FILE_TYPE_FILE &&
		      rep->file_op->uid == 1234 && rep->file_op->mode == 0600 && fd >= 0 &&
		      write(fd, "pushed", 6) == 6,
	      "file_op: write gives a descriptor to a new file, owned and moded as asked");
	if (fd >= 0)
		close(fd);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	snprintf(p, sizeof(p), "/etc/%s", host);
	CHECK(lstat(p, &st) < 0 && errno == ENOENT,
	      "file_op: ... through the link to /etc, nothing lands in the host's /etc");
	reads(p, "pushed", "... but in the container's");
	snprintf(p, sizeof(p), "%s/etc/%s", root, host);
	CHECK(lstat(p, &st) == 0 && st.st_uid == 1234 && (st.st_mode & 07777) == 0600,
	      "file_op: ... with the container's ids as on-disk ids");

	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_MKDIR, "/up/d/", 5, 0750, NULL, &fd);
	CHECK(rep && rep->err == 0 && rep->file_op->type == PH__FILE_TYPE__FILE_TYPE_DIRECTORY &&
		      rep->file_op->uid == 5 && rep->file_op->mode == 0750 && fd < 0,
	      "file_op: mkdir through the link to \"/\" makes the directory in the rootfs");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	snprintf(p, sizeof(p), "%s/d", root);
	CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 5,
	      "file_op: ... there, with its owner");
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_SYMLINK, "/d/s", -1, -1, "/etc/shadow", &fd);
	CHECK(rep && rep->err == 0 && rep->file_op->type == PH__FILE_TYPE__FILE_TYPE_SYMLINK,
	      "file_op: symlink makes a link");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_MKDIR, "/d/s", -1, -1, NULL, &fd);
	CHECK(rep && rep->err == EEXIST, "file_op: mkdir over a link is EEXIST (the API's 400)");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_DELETE, "/d", -1, -1, NULL, &fd);
	CHECK(rep && rep->err == ENOTEMPTY, "file_op: delete of a full directory is ENOTEMPTY");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_DELETE, "/d/s", -1, -1, NULL, &fd);
	snprintf(p, sizeof(p), "%s/d/s", root);
	CHECK(rep && rep->err == 0 && rep->file_op->type == PH__FILE_TYPE__FILE_TYPE_UNSPECIFIED &&
		      lstat(p, &st) < 0 && lstat("/etc/shadow", &st) == 0,
	      "file_op: delete takes the link away (not what it points to)");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	rep = file_op("c", PH__FILE_OP_KIND__FILE_OP_DELETE, "/", -1, -1, NULL, &fd);
	CHECK(rep && rep->err == EINVAL, "file_op: delete of \"/\" is EINVAL (the API's 400)");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	rep = file_op("nosuch", PH__FILE_OP_KIND__FILE_OP_OPEN_READ, "/etc/passwd", -1, -1, NULL,
		      &fd);
	CHECK(rep && rep->err == ENOENT && rep->error.len >= 18 &&
		      memmem(rep->error.data, rep->error.len, "Instance not found", 18),
	      "file_op: an instance without a rootfs is ENOENT, \"Instance not found\"");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
}

void test_file_op(void)
{
	char dir[] = "/tmp/moat-unit-file-op-XXXXXX", root[256];
	int sv[2], pool;

	if (geteuid() != 0) {
		t_note("file_op: the confined worker needs root; skipped");
		return;
	}
	if (!CHECK(mkdtemp(dir) && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
		   "file_op: a scratch directory and a channel"))
		return;
	ctx.dir = dir;
	ctx.dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ctx.chan = sv[0];
	peer = sv[1];
	pool = ph_pool_open(&ctx, "p");
	snprintf(root, sizeof(root), "%s/storage-pools/p/containers/c/rootfs", dir);
	if (CHECK(pool >= 0 && mkdirat(pool, "containers/c", 0700) == 0 &&
			  mkdirat(pool, "containers/c/rootfs", 0755) == 0,
		  "file_op: a container rootfs")) {
		mkdirat(pool, "containers/c/rootfs/etc", 0755);
		put(root, "etc/passwd", "inside\n");
		put(root, "unmapped", "x");
		CHECK(fchownat(pool, "containers/c/rootfs/unmapped", 70000, 70000, 0) == 0 &&
			      symlinkat("/", pool, "containers/c/rootfs/up") == 0 &&
			      symlinkat("/etc", pool, "containers/c/rootfs/etclink") == 0 &&
			      mknodat(pool, "containers/c/rootfs/null", S_IFCHR | 0666,
				      makedev(1, 3)) == 0 &&
			      mknodat(pool, "containers/c/rootfs/fifo", S_IFIFO | 0666, 0) == 0,
		      "file_op: planted links to \"/\" and \"/etc\", a device node, a FIFO, a file of uid 70000");
		log_set_level(LOG_LVL_WARN); /* dispatch logs each refusal at info */
		run(root);
		log_set_level(LOG_LVL_INFO);
		ph_tree(dir, -1, "remove", "storage-pools", NULL);
	}
	if (pool >= 0)
		close(pool);
	close(ctx.dir_fd);
	close(sv[0]);
	close(sv[1]);
	rmdir(dir);
}
