// SPDX-License-Identifier: Apache-2.0
/*
 * Instance ops, run by moatd (root) through liblxc: check, policy and
 * handler of instance_state, instance_action, instance_start, instance_log
 * and instance_network. The checks read hostile bytes from moatd-api.
 *
 * Every op names a container by a validated name (name_valid(): no '/',
 * no '.', at most 63 bytes) and finds it under moatd's own lxcpath,
 * $MOAT_DIR/containers: the frontend never supplies a path, and liblxc is
 * never asked about a container outside that directory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

void ph_container_put(struct lxc_container **c)
{
	if (*c)
		lxc_container_put(*c);
}

static Ph__InstanceStatus status_of(struct lxc_container *c)
{
	const char *s = c->state(c);

	if (!s)
		return PH__INSTANCE_STATUS__INSTANCE_STATUS_ERROR;
	if (strcmp(s, "STOPPED") == 0)
		return PH__INSTANCE_STATUS__INSTANCE_STATUS_STOPPED;
	if (strcmp(s, "FROZEN") == 0 || strcmp(s, "FREEZING") == 0)
		return PH__INSTANCE_STATUS__INSTANCE_STATUS_FROZEN;
	if (strcmp(s, "RUNNING") == 0 || strcmp(s, "STARTING") == 0 || strcmp(s, "STOPPING") == 0 ||
	    strcmp(s, "THAWED") == 0)
		return PH__INSTANCE_STATUS__INSTANCE_STATUS_RUNNING;
	return PH__INSTANCE_STATUS__INSTANCE_STATUS_ERROR;
}

int ph_container_open(struct ph_ctx *ctx, const char *name, struct lxc_container **ret)
{
	struct lxc_container *c = lxc_container_new(name, ctx->lxcpath);

	if (!c)
		return -ENOMEM;
	if (!c->is_defined(c)) {
		lxc_container_put(c);
		return -ENOENT;
	}
	*ret = c;
	return 0;
}

/*
 * A reboot from inside ends init with SIGHUP. liblxc 5.0 would then start
 * the container again inside its monitor, but without the idmapped rootfs
 * mount (it mounts the plain path, which the container's root may not
 * reach), so the restart fails. The post-stop hook refuses the reboot
 * instead (a failing post-stop hook turns it into a stop) and leaves a
 * mark; the frontend sees the stop, reads the mark through instance_state
 * and starts the container anew, as a start from the API would.
 */
static int reboot_mark(struct ph_ctx *ctx, const char *name, char ret[static 4096])
{
	return snprintf(ret, 4096, "%s/%s/reboot-requested", ctx->lxcpath, name) < 4096
		       ? 0
		       : -ENAMETOOLONG;
}

static bool reboot_requested(struct ph_ctx *ctx, const char *name)
{
	char path[4096];

	return reboot_mark(ctx, name, path) == 0 && access(path, F_OK) == 0;
}

static void reboot_mark_clear(struct ph_ctx *ctx, const char *name)
{
	char path[4096];

	if (reboot_mark(ctx, name, path) == 0)
		(void)unlink(path);
}

/* Status and init pid; the frontend reads the counters itself (model/usage.c). */
static void fill_state(struct lxc_container *c, Ph__InstanceStateReply *s)
{
	s->status = status_of(c);
	s->pid = s->status == PH__INSTANCE_STATUS__INSTANCE_STATUS_RUNNING ||
				 s->status == PH__INSTANCE_STATUS__INSTANCE_STATUS_FROZEN
			 ? c->init_pid(c)
			 : 0;
	if (s->pid < 0)
		s->pid = 0;
}

/* ---- instance_state -------------------------------------------------------- */

int ph_check_instance_state(const Ph__InstanceStateRequest *m, struct ph_instance_state *ret)
{
	return ph_check_name(&m->name, ret->ref.name);
}

PH_POLICY_NONE(instance_state); /* read-only */

/*
 * Why this is safe: read-only. The name is validated and resolved under
 * our own lxcpath; the reply is an enum, a pid and whether the reboot
 * mark (a path moatd builds itself) exists.
 */
int ph_do_instance_state(struct ph_ctx *ctx, const struct ph_instance_state *t,
			 Ph__InstanceStateReply *s)
{
	struct lxc_container *c __do_lxc_put = NULL;
	int r;

	r = ph_container_open(ctx, t->ref.name, &c);
	if (r < 0)
		return ph_fail(ctx, r, r == -ENOENT ? "Instance not found" : NULL);
	fill_state(c, s);
	if (s->pid <= 0)
		s->reboot_requested = reboot_requested(ctx, t->ref.name);
	return 0;
}

/* ---- instance_action ------------------------------------------------------- */

int ph_check_instance_action(const Ph__InstanceActionRequest *m, struct ph_instance_action *ret)
{
	struct ph_instance_action t = { 0 };
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r < 0)
		return r;
	switch (m->action) {
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP:
		t.action = PH_STOP;
		break;
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_FREEZE:
		t.action = PH_FREEZE;
		break;
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNFREEZE:
		t.action = PH_UNFREEZE;
		break;
	default: /* includes the retired START: starting is instance_start */
		return -EINVAL;
	}
	if (m->timeout < -1 || m->timeout > 3600)
		return -ERANGE;
	t.timeout = m->timeout;
	t.force = m->force != 0;
	*ret = t;
	return 0;
}

/* the run state only: the configuration stays what moatd rendered */
PH_POLICY_NONE(instance_action);

/*
 * Why this is safe: it changes only the run state of a container that
 * already exists under our lxcpath (liblxc's monitor keeps the
 * configuration moatd rendered; the frontend cannot add to it here). The
 * action is one of three enum values and the timeout is bounded by the
 * check; a stop drops the filters of the nics it took down, and a stop of
 * a stopped container (the frontend's, when one stopped from inside) those
 * its nics left: no host end of them exists (the names in moatd's own
 * record, checked again). Runs in a forked worker, so a long stop blocks nothing else.
 */
int ph_do_instance_action(struct ph_ctx *ctx, const struct ph_instance_action *a,
			  Ph__InstanceActionReply *rep)
{
	struct lxc_container *c __do_lxc_put = NULL;
	bool ok = false;
	int r;

	r = ph_container_open(ctx, a->ref.name, &c);
	if (r < 0)
		return ph_fail(ctx, r, r == -ENOENT ? "Instance not found" : NULL);

	switch (a->action) {
	case PH_STOP:
		if (!c->is_running(c)) { /* it stopped by itself: its filters go now */
			ph_nics_unfilter_all(ctx, a->ref.name);
			return ph_fail(ctx, EINVAL, "The instance is already stopped");
		}
		if (!a->force)
			ok = c->shutdown(c, a->timeout);
		if (!ok)
			ok = c->stop(c);
		if (ok) /* its host ends went with it: so do their filters */
			ph_nics_unfilter_all(ctx, a->ref.name);
		break;
	case PH_FREEZE:
		ok = c->freeze(c);
		break;
	case PH_UNFREEZE:
		ok = c->unfreeze(c);
		break;
	}
	if (!ok)
		return ph_fail(ctx, EIO, "liblxc refused the action");
	rep->status = status_of(c);
	return 0;
}

/*
 * Start from a child that closed every descriptor but stdio first: the
 * container's monitor and init are forked from it, so they inherit nothing
 * of moatd (not the channel, the API socket or the directory lock), nor
 * its environment: the monitor (and so the post-stop hook, which calls
 * nothing but /bin/sh's builtins) gets a fixed PATH. That PATH leaves out
 * /usr/bin on purpose: when liblxc finds newuidmap on PATH it insists on
 * mapping ids through it even as root, two shells and two setuid helpers
 * per start; without it, liblxc writes the maps itself.
 */
static int start_clean(struct ph_ctx *ctx, const char *name)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct lxc_container *c;

		if (close_range(3, ~0U, 0) < 0 || clearenv() != 0 ||
		    setenv("PATH", "/usr/sbin:/sbin", 1) < 0)
			_exit(1);
		c = lxc_container_new(name, ctx->lxcpath);
		if (!c)
			_exit(1);
		c->want_daemonize(c, true);
		c->want_close_all_fds(c, true);
		_exit(c->start(c, 0, NULL) ? 0 : 1);
	}
	return ph_wait(pid) == 0 ? 0 : -EIO;
}

/* ---- instance_start -------------------------------------------------------- */

int ph_check_instance_start(const Ph__InstanceStartRequest *m, struct ph_instance_start *ret)
{
	struct ph_instance_start t = { 0 };
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r == 0)
		r = ph_check_name(&m->pool, t.pool);
	if (r < 0)
		return r;
	if (!m->config)
		return -EINVAL;
	/* bounds that keep every rendered number well formed (limits.c) */
	r = ph_check_limits(m->config->limits, &t.config.limits);
	if (r < 0)
		return r;
	t.config.privileged = m->config->privileged != 0;
	t.config.nesting = m->config->nesting != 0;
	if (m->n_devices > PH_DEVICES_MAX)
		return -E2BIG;
	for (size_t k = 0; k < m->n_devices; k++) {
		r = ph_check_device(m->devices[k], &t.devices[k]);
		if (r < 0)
			return r;
		/* one name once, in path order (parents before what they hold) */
		for (size_t j = 0; j < k; j++)
			if (strcmp(t.devices[j].name, t.devices[k].name) == 0 ||
			    strcmp(t.devices[j].path, t.devices[k].path) > 0)
				return -EINVAL;
	}
	t.ndevices = m->n_devices;
	if (m->n_nics > PH_NICS_MAX)
		return -E2BIG;
	for (size_t k = 0; k < m->n_nics; k++) {
		const struct ph_nic *n = &t.nics[k];

		r = ph_check_nic(m->nics[k], &t.nics[k]);
		if (r < 0)
			return r;
		/* one device, one name inside and one host end each */
		for (size_t j = 0; j < k; j++)
			if (strcmp(t.nics[j].device, n->device) == 0 ||
			    strcmp(t.nics[j].ifname, n->ifname) == 0 ||
			    (n->host_name[0] && strcmp(t.nics[j].host_name, n->host_name) == 0))
				return -EINVAL;
	}
	t.nnics = m->n_nics;
	r = ph_check_sec_config(m->config, &t.config.sec);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

/* The final, merged configuration against what the policy allows. */
int ph_policy_instance_start(const struct ph_policy *p, const struct ph_instance_start *t,
			     const char **ret_why)
{
	if (t->config.privileged && !p->allow_privileged) {
		*ret_why = "privileged containers are not allowed by the policy";
		return -EPERM;
	}
	if (t->config.nesting && !p->allow_nesting) {
		*ret_why = "nesting is not allowed by the policy";
		return -EPERM;
	}
	for (size_t k = 0; k < t->ndevices; k++) {
		int r = ph_policy_device(p, &t->devices[k], ret_why);

		if (r < 0)
			return r;
	}
	for (size_t k = 0; k < t->nnics; k++) {
		int r = ph_policy_nic(p, &t->nics[k], ret_why);

		if (r < 0)
			return r;
	}
	return ph_policy_sec_config(p, &t->config, ret_why);
}

/*
 * Why this is safe: dispatch applied the policy to the final configuration
 * (privileged, nesting, raw.lxc and its hooks, raw.idmap, raw.seccomp and
 * kernel modules refused unless allowed: ph_policy_sec_config(); unix
 * devices unless allowed; disk sources outside disk_source_prefixes), and
 * the handler asks it again before it renders anything, since a wrong
 * answer here would be a host root container; an isolated id range outside
 * the delegated one is refused at render unless allow_raw_idmap; kernel
 * modules are loaded by checked name through libkmod; each device's source
 * is opened by moatd itself without following a symlink and checked again
 * on the path it opened (device_mount.c); physical and macvlan nics are
 * refused unless allow_host_interfaces, and so is a bridged one onto a host
 * interface (ph_nics_prepare(), which looks at the host), and a nic's lines
 * are interface names, bounded numbers and addresses moatd prints itself
 * (nic.c); the configuration file is rendered by ph_render_config() from
 * the typed struct alone (raw.lxc keys from an allow list, values without
 * a line break); the container must already exist under our lxcpath.
 */
int ph_do_instance_start(struct ph_ctx *ctx, const struct ph_instance_start *s,
			 Ph__InstanceStartReply *rep)
{
	struct lxc_container *c __do_lxc_put = NULL;
	bool staged[PH_DEVICES_MAX];
	const char *why = NULL;
	char msg[200];
	int r;

	r = ph_policy_instance_start(&ctx->policy, s, &why);
	if (r == 0)
		r = ph_nics_prepare(ctx, s, false, &why); /* a bridged nic's parent, on the host */
	if (r < 0)
		return ph_fail(ctx, r, why);
	r = ph_container_open(ctx, s->ref.name, &c);
	if (r < 0)
		return ph_fail(ctx, r, r == -ENOENT ? "Instance not found" : NULL);
	if (c->is_running(c))
		return ph_fail(ctx, EALREADY, "The instance is already running");
	lxc_container_put(TAKE_PTR(c));
	r = ph_nics_prepare(ctx, s, true, &why); /* not running: its filters are this start's */
	if (r < 0)
		return ph_fail(ctx, r, why);
	r = ph_limits_prepare(&s->config.limits, &why); /* can this host apply them? */
	if (r < 0)
		return ph_fail(ctx, r, why);
	r = ph_sec_load_modules(&s->config.sec, msg, sizeof(msg));
	if (r < 0)
		return ph_fail(ctx, r, msg);
	why = NULL;
	r = ph_devices_stage(ctx, s, staged, &why); /* sources opened and checked again */
	if (r < 0)
		return ph_fail(ctx, r, why ? why : "cannot stage the instance's devices");
	why = NULL;
	r = ph_render_config(ctx, s->ref.name, s->pool, &s->config, s, staged, &why);
	if (r < 0) {
		ph_devices_unstage(ctx, s->ref.name);
		return ph_fail(ctx, r, why ? why : "cannot write the container configuration");
	}
	reboot_mark_clear(ctx, s->ref.name);
	r = start_clean(ctx, s->ref.name);
	ph_devices_unstage(ctx, s->ref.name); /* the container holds its own mounts now */
	if (r < 0)
		return ph_fail(ctx, r, "liblxc could not start the container (see its lxc.log)");
	r = ph_container_open(ctx, s->ref.name, &c); /* read the new configuration */
	if (r < 0)
		return ph_fail(ctx, r, NULL);
	rep->status = status_of(c);
	rep->pid = c->init_pid(c);
	/* the limits liblxc does not apply (cgroup2 ones on a hybrid host) */
	r = ph_limits_apply(s->ref.name, rep->pid, &s->config.limits, false, &why);
	if (r < 0) {
		c->stop(c);
		return ph_fail(ctx, r, why);
	}
	return 0;
}

/* ---- instance_log ---------------------------------------------------------- */

int ph_check_instance_log(const Ph__InstanceLogRequest *m, struct ph_instance_log *ret)
{
	struct ph_instance_log t = { 0 };
	int r = ph_check_name(&m->name, t.ref.name);

	if (r < 0)
		return r;
	if (m->kind == PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC)
		t.console = false;
	else if (m->kind == PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE)
		t.console = true;
	else
		return -EINVAL;
	t.truncate = m->truncate != 0;
	*ret = t;
	return 0;
}

PH_POLICY_NONE(instance_log); /* the instance's own logs, which the API serves anyway */

/*
 * Why this is safe: the file is one of two fixed names in the instance's
 * own directory under our lxcpath, opened read-only without following a
 * symlink (or truncated); the name is validated.
 */
int ph_do_instance_log(struct ph_ctx *ctx, const struct ph_instance_log *l,
		       Ph__InstanceLogReply *rep)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", ctx->lxcpath, l->ref.name,
		 l->console ? "console.log" : "lxc.log");
	fd = open(path, (l->truncate ? O_WRONLY | O_TRUNC : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC |
				O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ph_fail(ctx, errno, errno == ENOENT ? "Not Found" : NULL);
	if (l->truncate) {
		close(fd);
		return 0;
	}
	return ph_reply_fd(ctx, fd);
}

/* ---- instance_network ------------------------------------------------------ */

int ph_check_instance_network(const Ph__InstanceNetworkRequest *m, struct ph_instance_network *ret)
{
	return ph_check_name(&m->name, ret->ref.name);
}

PH_POLICY_NONE(instance_network); /* read-only */

/*
 * Why this is safe: read-only. The worker (a throwaway process) joins the
 * network namespace of the named container's init, found by liblxc under
 * our lxcpath, and opens a NETLINK_ROUTE socket there for the frontend to
 * ask for the links and addresses (frontend/ph/netlink.c): rtnetlink lets
 * a change through only if the sender holds the capability too, and
 * moatd-api holds none, so the socket can only read. The state is read
 * before the worker leaves moatd's namespace.
 */
int ph_do_instance_network(struct ph_ctx *ctx, const struct ph_instance_network *t,
			   Ph__InstanceNetworkReply *rep)
{
	struct lxc_container *c __do_lxc_put = NULL;
	Ph__InstanceStateReply *st = calloc(1, sizeof(*st));
	__do_close int nsfd = -EBADF;
	int r, sock;

	if (!st)
		return ph_fail(ctx, ENOMEM, NULL);
	ph__instance_state_reply__init(st);
	r = ph_container_open(ctx, t->ref.name, &c);
	if (r < 0)
		return ph_fail(ctx, r, NULL);
	fill_state(c, st);
	if (st->pid <= 0)
		return ph_fail(ctx, EINVAL, "Instance is not running");
	nsfd = ph_ns_open(st->pid, "net");
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0)
		return ph_fail(ctx, errno, NULL);
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return ph_fail(ctx, errno, NULL);
	rep->state = st;
	return ph_reply_fd(ctx, sock);
}
