// SPDX-License-Identifier: Apache-2.0
/*
 * Proxy devices of a running container (LXD's `proxy`): check, policy and
 * handler of proxy_attach and proxy_detach. Run by moatd (root), each in a
 * forked worker; the checks read hostile bytes from moatd-api. Attach maps
 * the forwarder's ids, stops the device's earlier forwarder and starts one
 * (proxy_fwd.c) detached from moatd, so a moatd restart leaves it running,
 * and records it in $MOAT_DIR/proxies/<instance>/<device>.pid (root 0700
 * directories; devices/<instance>/ is emptied by every start). Detach acts
 * on that record only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "buf.h"
#include "cleanup.h"
#include "ph.h"

#define NOBODY 65534

static int check_end(const Ph__ProxyEnd *m, struct ph_proxy_end *ret)
{
	struct ph_proxy_end e = { 0 };

	if (!m)
		return -EINVAL;
	switch (m->kind) {
	case PH__PROXY_KIND__PROXY_KIND_TCP:
	case PH__PROXY_KIND__PROXY_KIND_UDP:
		/* the address as text, read by inet_pton alone (no name, no scope, no port) */
		if (ph_check_ip(&m->addr, 0, &e.family, e.addr) < 0 || m->port < 1 ||
		    m->port > 65535 || m->path.len != 0)
			return -EINVAL;
		e.kind = m->kind == PH__PROXY_KIND__PROXY_KIND_TCP ? PH_PROXY_TCP : PH_PROXY_UDP;
		e.port = (uint16_t)m->port;
		break;
	case PH__PROXY_KIND__PROXY_KIND_UNIX:
		if (m->addr.len != 0 || m->port != 0 ||
		    ph_check_text(&m->path, 2, e.path, sizeof(e.path)) < 0 ||
		    !name_device_path_valid(e.path) || strcmp(e.path, "/") == 0)
			return -EINVAL;
		e.kind = PH_PROXY_UNIX;
		break;
	default:
		return -EINVAL;
	}
	*ret = e;
	return 0;
}

static int check_proxy(const Ph__Proxy *m, struct ph_proxy *ret)
{
	struct ph_proxy p = { 0 };

	if (!m || ph_check_text(&m->device, 1, p.device, sizeof(p.device)) < 0 ||
	    !name_device_valid(p.device) || check_end(m->listen, &p.listen) < 0 ||
	    check_end(m->connect, &p.connect) < 0)
		return -EINVAL;
	/* datagrams to datagrams; streams (tcp, unix) in any mix */
	if ((p.listen.kind == PH_PROXY_UDP) != (p.connect.kind == PH_PROXY_UDP))
		return -EINVAL;
	if (m->uid > 65535 || m->gid > 65535 || m->mode > 0777 || m->security_uid > 65535 ||
	    m->security_gid > 65535)
		return -ERANGE;
	p.bind_instance = m->bind_instance;
	p.uid = m->uid, p.gid = m->gid, p.mode = m->mode;
	p.security_uid = m->security_uid, p.security_gid = m->security_gid;
	*ret = p;
	return 0;
}

/* The host side's listener or connect path, and low ports, against the policy. */
static int policy_proxy(const struct ph_policy *pol, const struct ph_proxy *p, const char **ret_why)
{
	const struct ph_proxy_end *host = p->bind_instance ? &p->connect : &p->listen;

	if (!p->bind_instance && p->listen.kind != PH_PROXY_UNIX && p->listen.port < 1024 &&
	    !pol->allow_proxy_low_ports) {
		*ret_why = "listening on a host port below 1024 is not allowed by the policy";
		return -EPERM;
	}
	if (host->kind == PH_PROXY_UNIX && !ph_policy_prefix_allows(pol, host->path)) {
		*ret_why = "the host socket path is outside the policy's disk_source_prefixes";
		return -EPERM;
	}
	return 0;
}

/* ---- the forwarder's record ------------------------------------------------- */

/* $MOAT_DIR/proxies/<name>[/<device>.pid] into ret. */
static int record_path(struct ph_ctx *ctx, const char *name, const char *device, char ret[4096])
{
	int n = device ? snprintf(ret, 4096, "%s/proxies/%s/%s.pid", ctx->dir, name, device)
		       : snprintf(ret, 4096, "%s/proxies/%s", ctx->dir, name);

	return n > 0 && n < 4096 ? 0 : -ENAMETOOLONG;
}

/* A process's start time (field 22 of /proc/<pid>/stat), 0 if it is gone. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (buf_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')'); /* the name may hold anything: count after it */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* What a record says: the forwarder, and the unix listener it made ('h' on the
 * host, 'i' inside the container, '-' none) at path. */
struct record {
	int pid;
	unsigned long long start;
	char side, path[PH_PROXY_PATH_MAX];
};

static int record_write(struct ph_ctx *ctx, const char *name, const struct ph_proxy *p, pid_t pid)
{
	char path[4096], tmp[4096], side = p->bind_instance ? 'i' : 'h';
	bool sock = p->listen.kind == PH_PROXY_UNIX;
	FILE *f;
	int r;

	if (snprintf(path, sizeof(path), "%s/proxies", ctx->dir) >= (int)sizeof(path) ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST) || record_path(ctx, name, NULL, path) < 0 ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST) ||
	    record_path(ctx, name, p->device, path) < 0)
		return errno ? -errno : -ENAMETOOLONG;
	f = ph_atomic_open(path, tmp, 0600, &r);
	if (!f)
		return r;
	/* a checked path has no space or newline: one line, four fields */
	fprintf(f, "%d %llu %c %s\n", (int)pid, start_time(pid), sock ? side : '-',
		sock ? p->listen.path : "-");
	return ph_atomic_close(f, tmp, path, 0);
}

/* Stop the recorded forwarder of device if it still runs (by pidfd), and forget it;
 * *ret what the record said (side '-' when there was none). */
static void record_stop(struct ph_ctx *ctx, const char *name, const char *device,
			struct record *ret)
{
	char path[4096], buf[256];
	__do_close int pidfd = -EBADF;
	struct record rec = { .side = '-' };

	*ret = rec;
	if (record_path(ctx, name, device, path) < 0)
		return;
	if (buf_read_file(path, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%d %llu %c %107s", &rec.pid, &rec.start, &rec.side, rec.path) != 4 ||
	    (rec.side != 'h' && rec.side != 'i') || rec.path[0] != '/')
		rec.side = '-';
	if (rec.pid > 1 && (pidfd = (int)syscall(SYS_pidfd_open, rec.pid, 0)) >= 0 && rec.start &&
	    start_time(rec.pid) == rec.start &&
	    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0) {
		struct pollfd pf = { .fd = pidfd, .events = POLLIN };

		(void)poll(&pf, 1, 5000); /* gone: its listener is closed */
	}
	(void)unlink(path);
	*ret = rec;
}

/* Remove a unix listener left at path under root (a socket only, no link followed). */
static void unlink_socket(int root, bool in_root, const char *path)
{
	const char *leaf;
	__do_close int dir = ph_proxy_dir(root, in_root, path, &leaf);
	struct stat st;

	if (dir >= 0 && fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
		(void)unlinkat(dir, leaf, 0);
}

/* The unix listener a record names, on the host or in the running container's root. */
static void remove_listener(struct ph_ctx *ctx, const char *name, const struct record *rec)
{
	struct lxc_container *c __do_lxc_put = NULL;
	char root[64];
	__do_close int fd = -EBADF;
	pid_t init;

	if (rec->side == 'h') {
		unlink_socket(AT_FDCWD, false, rec->path);
	} else if (rec->side == 'i' && ph_container_open(ctx, name, &c) == 0 && c->is_running(c) &&
		   (init = c->init_pid(c)) > 0) {
		snprintf(root, sizeof(root), "/proc/%d/root", (int)init);
		fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			unlink_socket(fd, true, rec->path);
	}
}

void ph_proxies_forget(struct ph_ctx *ctx, const char *name)
{
	char path[4096];
	__do_closedir DIR *d = NULL;
	struct dirent *e;
	struct record rec;

	if (record_path(ctx, name, NULL, path) < 0 || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		char *dot = strrchr(e->d_name, '.');

		if (e->d_name[0] == '.' || !dot || strcmp(dot, ".pid") != 0)
			continue;
		*dot = '\0'; /* the device's name: moatd wrote it */
		record_stop(ctx, name, e->d_name, &rec);
		remove_listener(ctx, name, &rec);
	}
	(void)rmdir(path);
}

/* ---- ids ---------------------------------------------------------------------- */

/* Map container id `id` to the host through /proc/<pid>/{uid,gid}_map. */
static int map_id(pid_t pid, const char *which, uint32_t id, uint32_t *ret)
{
	char path[64];
	__do_fclose FILE *f = NULL;
	unsigned long in, out, count;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
		if (id >= in && id - in < count) {
			*ret = (uint32_t)(out + (id - in));
			return 0;
		}
	return -EINVAL;
}

static int proxy_ids(pid_t init, const struct ph_proxy *p, struct ph_proxy_run *ret)
{
	uint32_t u, g, su = p->uid, sg = p->gid;
	int r = map_id(init, "uid_map", p->security_uid, &u);

	if (r == 0)
		r = map_id(init, "gid_map", p->security_gid, &g);
	/* an instance-side listener's owner is a container id too */
	if (r == 0 && p->bind_instance && p->listen.kind == PH_PROXY_UNIX)
		r = map_id(init, "uid_map", p->uid, &su) < 0 ? -EINVAL
							     : map_id(init, "gid_map", p->gid, &sg);
	if (r < 0)
		return r;
	*ret = (struct ph_proxy_run){
		.init = init,
		.uid = u == 0 ? NOBODY : u,
		.gid = g == 0 ? NOBODY : g,
		.sock_uid = su,
		.sock_gid = sg,
	};
	return 0;
}

/* ---- proxy_attach ------------------------------------------------------------ */

PH_CHECK_OF(proxy_attach, ProxyAttach, check_proxy, proxy);

PH_POLICY_OF(proxy_attach, policy_proxy, proxy);

/* Fork the forwarder, detached from moatd; its status (0 or -errno) and pid. */
static int spawn(const struct ph_proxy *p, const struct ph_proxy_run *run, pid_t *ret_pid)
{
	int sync[2], said[2] = { 0, -EIO };
	pid_t pid;

	if (pipe2(sync, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(sync[0]);
		/* a session of its own, and init its parent: moatd may come and go */
		if (setsid() < 0 || (pid = fork()) < 0)
			_exit(1);
		if (pid > 0)
			_exit(0);
		ph_proxy_forward(p, run, sync[1]);
	}
	close(sync[1]);
	if (pid > 0)
		(void)ph_wait(pid);
	/* one write of { pid, status } from the forwarder; EOF: it died first */
	if (pid < 0 || read(sync[0], said, sizeof(said)) != sizeof(said) || said[1] > 0 ||
	    said[0] <= 1)
		said[1] = -EIO;
	close(sync[0]);
	if (said[1] < 0 && said[0] > 1)
		(void)kill(said[0], SIGKILL);
	if (said[1] == 0)
		*ret_pid = said[0];
	return said[1];
}

/*
 * Why this is safe: the policy (host ports below 1024, host socket paths)
 * is applied by dispatch and again here; the container is found by its
 * validated name under our lxcpath and must run. The forwarder binds one
 * listener of typed fields (a unix path's directory resolved with no
 * symlink on the host, or inside the container's root), and before it reads
 * a client's byte it is a host id that is not root (the container's map of
 * security.uid, or nobody) with no capability, no_new_privs and a seccomp
 * allowlist, holding no descriptor of moatd's: what it connects to, it
 * reaches with no more right than the container's own user. The record is
 * moatd's own file under a root-only directory.
 */
int ph_do_proxy_attach(struct ph_ctx *ctx, const struct ph_proxy_attach *t,
		       Ph__ProxyAttachReply *rep)
{
	struct lxc_container *c __do_lxc_put = NULL;
	struct ph_proxy_run run;
	__do_close int exe = -EBADF;
	struct record old;
	const char *why = NULL;
	pid_t init, fwd = 0;
	int r;

	r = policy_proxy(&ctx->policy, &t->proxy, &why);
	if (r < 0)
		return ph_fail(ctx, r, why);
	r = ph_container_open(ctx, t->ref.name, &c);
	if (r < 0)
		return ph_fail(ctx, r, r == -ENOENT ? "Instance not found" : NULL);
	if (!c->is_running(c) || (init = c->init_pid(c)) <= 0)
		return ph_fail(ctx, ESRCH, "The instance is not running");
	r = proxy_ids(init, &t->proxy, &run);
	if (r < 0)
		return ph_fail(ctx, r, "an id is not mapped in the container");
	run.exe_fd = exe = ph_open_beside("moat-forward");
	if (exe < 0)
		return ph_fail(ctx, exe,
			       "moat-forward must be beside moatd, root's and writable "
			       "by root alone");
	record_stop(ctx, t->ref.name, t->proxy.device, &old);
	remove_listener(ctx, t->ref.name, &old); /* a changed device's old socket */
	r = spawn(&t->proxy, &run, &fwd);
	if (r < 0)
		return ph_fail(ctx, r, r == -EADDRINUSE ? "the listen address is in use" : NULL);
	r = record_write(ctx, t->ref.name, &t->proxy, fwd);
	if (r < 0) {
		(void)kill(fwd, SIGKILL);
		return ph_fail(ctx, r, "cannot record the proxy's process");
	}
	ph__proxy_attach_reply__init(rep);
	rep->pid = fwd;
	return 0;
}

/* ---- proxy_detach ------------------------------------------------------------ */

PH_CHECK_OF(proxy_detach, ProxyDetach, check_proxy, proxy);

PH_POLICY_NONE(proxy_detach); /* a removal only takes away */

/*
 * Why this is safe: it signals only the process moatd itself recorded for
 * this instance and device (validated names, moatd's own root-only file),
 * and only while that pid still has the recorded start time, through a
 * pidfd (no pid reuse race after that check); the only file it removes is
 * the unix listener that record names (what attach made, not what the
 * request says), resolved as attach made it (without symlinks on the host,
 * inside the container's root for bind=instance), and only if it is a
 * socket.
 */
int ph_do_proxy_detach(struct ph_ctx *ctx, const struct ph_proxy_detach *t,
		       Ph__ProxyDetachReply *rep)
{
	struct record rec;

	record_stop(ctx, t->ref.name, t->proxy.device, &rec);
	remove_listener(ctx, t->ref.name, &rec);
	ph__proxy_detach_reply__init(rep);
	return 0;
}
