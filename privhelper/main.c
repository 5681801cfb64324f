// SPDX-License-Identifier: Apache-2.0
/*
 * moatd: the root half of moat. Started by the administrator as root.
 *
 * It loads the policy, prepares $MOAT_DIR, binds the API socket, and starts
 * moatd-api demoted (supervise.c: its own uid, no capabilities in any set,
 * no_new_privs, a seccomp allowlist) with two descriptors: fd 3, its end of
 * a SOCK_SEQPACKET socketpair, and fd 4, the listening API socket. Its loop
 * then serves typed requests on the socketpair (dispatch.c) and the
 * frontend's exits: a protocol breach closes the channel and replaces the
 * frontend; a frontend that dies is restarted with back-off. moatd parses
 * nothing from the network; everything it reads from the channel is
 * untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "frame.h"
#include "log.h"
#include "net.h"
#include "ph.h"

#ifndef MOAT_POLICY_DEFAULT
#define MOAT_POLICY_DEFAULT "/etc/moat/default.policy"
#endif

struct opts {
	const char *dir;
	const char *user;
	const char *group;
	const char *policy;
	const char *frontend;
	int frontend_fd;     /* opened by root at start, exec'd by descriptor */
	const char *forge;   /* test only: serve the channel on this socket */
	const char *network; /* the default managed network's name, or "none" */
	bool debug;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: moatd [--dir DIR] [--user USER] [--group GROUP] [--policy FILE]\n"
		   "             [--frontend PATH] [--network NAME|none] [--debug]\n"
		   "  --dir DIR        state directory (default $MOAT_DIR or /var/lib/moat)\n"
		   "  --user USER      user moatd-api runs as (default moat; never root)\n"
		   "  --group GROUP    group that may use DIR/unix.socket (default root)\n"
		   "  --policy FILE    root-owned policy (default " MOAT_POLICY_DEFAULT ")\n"
		   "  --frontend PATH  the moatd-api binary (default: beside moatd)\n"
		   "  --network NAME   the managed network the frontend creates at first start\n"
		   "                   (default moatbr0; none: no default network)\n"
		   "  --test-forge SOCK  tests only: no frontend; serve the channel to\n"
		   "                   whoever connects to SOCK (root only, 0600)\n");
}

/*
 * The delegated id range: root's first entry of at least 65536 ids in
 * /etc/subuid or /etc/subgid (root's files), else 1000000+1000000000 and
 * false (no file delegates that range).
 */
static bool read_range(const char *file, uint32_t *ret_base, uint32_t *ret_size)
{
	__do_fclose FILE *f = fopen(file, "re");
	char line[256];

	*ret_base = 1000000;
	*ret_size = 1000000000;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long base, size;
		char *end;

		if (strncmp(line, "root:", 5) != 0)
			continue;
		errno = 0;
		base = strtoul(line + 5, &end, 10);
		if (errno || *end != ':')
			continue;
		size = strtoul(end + 1, &end, 10);
		if (errno || (*end != '\n' && *end != '\0'))
			continue;
		if (size < 65536 || base == 0 || base > UINT32_MAX - size)
			continue;
		*ret_base = (uint32_t)base;
		*ret_size = (uint32_t)size;
		return true;
	}
	return false;
}

/* -EPERM: the policy wants delegated ids and a file delegates none. */
static int read_idmap(struct ph_ctx *ctx)
{
	bool u = read_range("/etc/subuid", &ctx->idmap_base, &ctx->idmap_size);
	bool g = read_range("/etc/subgid", &ctx->idmap_base_gid, &ctx->idmap_size_gid);

	if (ctx->policy.require_delegated_ids && !(u && g)) {
		log_error("policy \"%s\" takes container ids only from a range delegated to root, "
			  "and %s has none: add a line root:BASE:SIZE with SIZE of 65536 or more",
			  ctx->policy.name, u ? "/etc/subgid" : "/etc/subuid");
		return -EPERM;
	}
	return 0;
}

/* mkdir DIR/name if needed and make sure it has the owner and mode given. */
static int ensure_dir(int dirfd, const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	__do_close int fd = -EBADF;
	struct stat st;

	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
		return -errno;
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		return -errno;
	return 0;
}

static int setup_dir(struct ph_ctx *ctx, const char *dir)
{
	char real[PATH_MAX];
	struct stat st;
	int r;

	if (mkdir(dir, 0711) < 0 && errno != EEXIST)
		return -errno;
	if (!realpath(dir, real))
		return -errno;
	ctx->dir_fd = open(real, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ctx->dir_fd < 0)
		return -errno;
	if (fstat(ctx->dir_fd, &st) < 0)
		return -errno;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	if ((st.st_mode & 07777) != 0711 && chmod(real, 0711) < 0)
		return -errno;
	ctx->dir = strdup(real);
	if (!ctx->dir || asprintf(&ctx->lxcpath, "%s/containers", real) < 0)
		return -ENOMEM;
	r = ensure_dir(ctx->dir_fd, "database", ctx->fe_uid, ctx->fe_gid, 0700);
	if (r == 0)
		r = ensure_dir(ctx->dir_fd, "images", ctx->fe_uid, ctx->fe_gid, 0700);
	if (r == 0)
		r = ensure_dir(ctx->dir_fd, "logs", ctx->fe_uid, ctx->fe_gid, 0700);
	if (r == 0)
		r = ensure_dir(ctx->dir_fd, "containers", 0, 0, 0711);
	return r;
}

/*
 * moatd-api opens its database and images by path, as its own user: every
 * directory above the state directory must be searchable by that user.
 * Without this check it would fail at each restart and clients would hang,
 * so ask the kernel as that user, once, in a child that exits at once.
 */
static int frontend_can_reach(const struct ph_ctx *ctx)
{
	char db[PATH_MAX + 16];
	pid_t pid;

	snprintf(db, sizeof(db), "%s/database", ctx->dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 ||
		    setresgid(ctx->fe_gid, ctx->fe_gid, ctx->fe_gid) < 0 ||
		    setresuid(ctx->fe_uid, ctx->fe_uid, ctx->fe_uid) < 0)
			_exit(EPERM);
		_exit(access(db, R_OK | W_OK | X_OK) < 0 ? errno : 0);
	}
	return ph_wait(pid);
}

/*
 * One moatd per directory: a POSIX record lock held for the life of the
 * process. Unlike flock(), children never share it, so a worker or a
 * container monitor forked from moatd cannot keep it after moatd dies.
 */
static int lock_dir(struct ph_ctx *ctx)
{
	int fd = openat(ctx->dir_fd, "moatd.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int r = -errno;

		close(fd);
		return r == -EAGAIN || r == -EACCES ? -EADDRINUSE : r;
	}
	return fd; /* kept open on purpose */
}

static int bind_socket(const char *path, int type, mode_t mode, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	__do_close int fd = -EBADF;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The directory is root's and we hold its lock: a leftover is stale. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (chown(path, 0, gid) < 0 || chmod(path, mode) < 0)
		return -errno;
	if (listen(fd, 128) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },    { "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },  { "policy", required_argument, NULL, 'p' },
		{ "frontend", required_argument, NULL, 'f' }, { "test-forge", required_argument, NULL, 'F' },
		{ "debug", no_argument, NULL, 'D' },        { "help", no_argument, NULL, 'h' },
		{ "network", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->dir = getenv("MOAT_DIR");
	if (!o->dir || !*o->dir)
		o->dir = "/var/lib/moat";
	o->user = "moat";
	o->group = "root";
	o->policy = MOAT_POLICY_DEFAULT;
	o->network = "moatbr0";
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'u': o->user = optarg; break;
		case 'g': o->group = optarg; break;
		case 'p': o->policy = optarg; break;
		case 'f': o->frontend = optarg; break;
		case 'F': o->forge = optarg; break;
		case 'n': o->network = optarg; break;
		case 'D': o->debug = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
		/* clang-format on */
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	if (strcmp(o->network, "none") != 0 &&
	    !name_net_valid((const uint8_t *)o->network, strlen(o->network))) {
		fprintf(stderr, "moatd: --network: not a network name: %s\n", o->network);
		return -EINVAL;
	}
	return 0;
}

static void ctx_free(struct ph_ctx *ctx)
{
	ph_policy_free(&ctx->policy);
	free(ctx->dir);
	free(ctx->lxcpath);
}

int main(int argc, char **argv)
{
	static uint8_t buf[FRAME_MAX];
	struct ph_ctx ctx __attribute__((cleanup(ctx_free))) = { .dir_fd = -EBADF, .chan = -EBADF };
	struct opts o = { 0 };
	struct ph_frontend fe = { .exe_fd = -EBADF, .listen_fd = -EBADF, .backoff = 100 };
	int forge_fd = -EBADF, sfd, r;
	struct passwd *pw;
	struct group *gr;
	sigset_t mask;

	log_init("moatd");
	if (parse_opts(argc, argv, &o) < 0)
		return 1;
	if (o.debug)
		log_set_level(LOG_LVL_DEBUG);
	if (geteuid() != 0) {
		log_error("moatd must run as root");
		return 1;
	}
	pw = getpwnam(o.user);
	if (!pw) {
		log_error("frontend user \"%s\" does not exist (create it: useradd --system %s)",
			  o.user, o.user);
		return 1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_error("frontend user \"%s\" must not be root or in group root", o.user);
		return 1;
	}
	ctx.fe_uid = pw->pw_uid;
	ctx.sock_gid = 0;
	ctx.fe_gid = pw->pw_gid;
	gr = getgrnam(o.group);
	if (!gr) {
		log_error("group \"%s\" does not exist", o.group);
		return 1;
	}
	ctx.sock_gid = gr->gr_gid;
	if (!o.forge) { /* by descriptor from here on: what was checked is what runs */
		o.frontend_fd =
			o.frontend ? ph_open_root_file(o.frontend) : ph_open_beside("moatd-api");
		if (o.frontend_fd < 0) {
			log_error(
				"frontend \"%s\" must be a regular file owned by root and writable "
				"by root alone",
				o.frontend ? o.frontend : "moatd-api (beside moatd)");
			return 1;
		}
	}

	r = ph_policy_load(o.policy, &ctx.policy);
	if (r < 0) {
		log_error("policy \"%s\" refused: %s (it must be a root-owned file, writable by "
			  "root alone, with every key set)",
			  o.policy, strerror(-r));
		return 1;
	}
	if (read_idmap(&ctx) < 0)
		return 1;
	r = setup_dir(&ctx, o.dir);
	if (r < 0) {
		log_error("state directory \"%s\": %s", o.dir, strerror(-r));
		return 1;
	}
	r = o.forge ? 0 : frontend_can_reach(&ctx);
	if (r < 0) {
		log_error("state directory \"%s\": user \"%s\" (moatd-api) cannot reach it: %s; "
			  "make every directory above it searchable by that user (chmod o+x) "
			  "or choose another --dir",
			  ctx.dir, o.user, strerror(-r));
		return 1;
	}
	r = lock_dir(&ctx);
	if (r < 0) {
		log_error("state directory \"%s\": %s", ctx.dir,
			  r == -EADDRINUSE ? "another moatd is using it" : strerror(-r));
		return 1;
	}
	ph_btrfs_mount_all(&ctx); /* before the sweep, which looks into the pools */
	ph_storage_sweep(&ctx);   /* we hold the lock: no copy of ours is under way */
	r = ph_net_init(&ctx);
	if (r < 0) {
		log_error("state directory \"%s\": networks: %s", ctx.dir, strerror(-r));
		return 1;
	}
	if (strcmp(o.network, "none") != 0)
		snprintf(ctx.default_network, sizeof(ctx.default_network), "%s", o.network);

	if (o.forge) {
		forge_fd = bind_socket(o.forge, SOCK_SEQPACKET, 0600, 0);
		if (forge_fd < 0) {
			log_error("test socket \"%s\": %s", o.forge, strerror(-forge_fd));
			return 1;
		}
		log_warn("test mode: serving the channel on \"%s\", no frontend", o.forge);
	} else {
		char sock[PATH_MAX + 16];

		snprintf(sock, sizeof(sock), "%s/unix.socket", ctx.dir);
		fe.listen_fd = bind_socket(sock, SOCK_STREAM, 0660, gr->gr_gid);
		if (fe.listen_fd < 0) {
			log_error("socket \"%s\": %s", sock, strerror(-fe.listen_fd));
			return 1;
		}
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return 1;
	log_info("moatd ready: dir \"%s\", policy \"%s\" (%s), ids %u+%u", ctx.dir, o.policy,
		 ctx.policy.name, ctx.idmap_base, ctx.idmap_size);

	fe.exe_fd = o.frontend_fd;
	fe.debug = o.debug;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN } };
		int timeout = o.forge ? -1 : ph_frontend_tick(&fe, &ctx);
		int net_timeout = ph_net_tick(&ctx);

		if (net_timeout >= 0 && (timeout < 0 || net_timeout < timeout))
			timeout = net_timeout;

		pfd[1].fd = ctx.chan >= 0 ? ctx.chan : forge_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			return 1;

		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
					log_info("stopping (containers keep running)");
					if (fe.pid > 0)
						kill(fe.pid, SIGKILL);
					return 0;
				}
				if (si.ssi_signo == SIGCHLD)
					ph_frontend_reap(&fe, &ctx);
			}
		}

		if (ctx.chan < 0 && forge_fd >= 0 && (pfd[1].revents & POLLIN)) {
			ctx.chan = accept4(forge_fd, NULL, NULL, SOCK_CLOEXEC);
			continue;
		}
		if (ctx.chan >= 0 && pfd[1].fd == ctx.chan && pfd[1].revents) {
			int fds[FRAME_MAX_FDS];
			size_t len = 0, nfds = 0;

			r = frame_recv(ctx.chan, buf, &len, fds, &nfds);
			if (r == 0 && len == 0)
				r = -ECONNRESET;
			if (r == 0)
				r = ph_dispatch(&ctx, buf, len, fds, nfds);
			if (r < 0) {
				if (r != -ECONNRESET)
					log_error(
						"protocol breach by moatd-api: %s; closing the channel",
						strerror(-r));
				close(TAKE_FD(ctx.chan));
				if (fe.pid > 0)
					kill(fe.pid, SIGKILL);
			}
		}
	}
}
