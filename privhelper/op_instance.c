// SPDX-License-Identifier: Apache-2.0
/*
 * Instance ops, run by moatd (root) through liblxc.
 *
 * Every op names a container by a validated name (name_valid(): no '/',
 * no '.', at most 63 bytes) and finds it under moatd's own lxcpath,
 * $MOAT_DIR/containers: the frontend never supplies a path, and liblxc is
 * never asked about a container outside that directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

static void put_container(struct lxc_container **c)
{
	if (*c)
		lxc_container_put(*c);
}

#define __do_lxc_put __attribute__((cleanup(put_container)))

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

static int open_defined(struct ph_ctx *ctx, const char *name, struct lxc_container **ret)
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

/* A cgroup value as a number; 0 when absent (v1 or v2 name tried in turn). */
static uint64_t cg_u64(struct lxc_container *c, const char *v1, const char *v2, const char *field)
{
	char buf[4096];
	int n = c->get_cgroup_item(c, v1, buf, sizeof(buf) - 1);

	if (n <= 0 && v2)
		n = c->get_cgroup_item(c, v2, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (field) { /* "key value" lines, e.g. cpu.stat's usage_usec */
		char *p = strstr(buf, field);

		if (!p)
			return 0;
		return strtoull(p + strlen(field), NULL, 10) * 1000;
	}
	return strtoull(buf, NULL, 10);
}

static void read_usage(struct lxc_container *c, Ph__InstanceStateReply *s)
{
	uint64_t memsw;

	s->processes = cg_u64(c, "pids.current", NULL, NULL);
	s->cpu_ns = cg_u64(c, "cpuacct.usage", NULL, NULL);
	if (!s->cpu_ns)
		s->cpu_ns = cg_u64(c, "cpu.stat", NULL, "usage_usec ");
	s->memory = cg_u64(c, "memory.usage_in_bytes", "memory.current", NULL);
	s->memory_peak = cg_u64(c, "memory.max_usage_in_bytes", "memory.peak", NULL);
	memsw = cg_u64(c, "memory.memsw.usage_in_bytes", NULL, NULL);
	s->swap = memsw > s->memory ? memsw - s->memory
				    : cg_u64(c, "memory.swap.current", NULL, NULL);
	memsw = cg_u64(c, "memory.memsw.max_usage_in_bytes", NULL, NULL);
	s->swap_peak = memsw > s->memory_peak ? memsw - s->memory_peak : 0;
}

/*
 * Why this is safe: read-only. The name is validated and resolved under
 * our own lxcpath; the reply is an enum and a pid.
 */
PH_HANDLER(instance_state)
{
	struct lxc_container *c __do_lxc_put = NULL;
	Ph__InstanceStateReply *s = &out->r.instance_state;
	int r;

	r = open_defined(ctx, t->instance_state.name, &c);
	if (r < 0)
		return ph_fail(out, "instance_state", r,
			       r == -ENOENT ? "Instance not found" : NULL);
	ph__instance_state_reply__init(s);
	s->status = status_of(c);
	s->pid = c->is_running(c) ? c->init_pid(c) : 0;
	if (s->pid > 0)
		read_usage(c, s);
	out->reply.result_case = PH__REPLY__RESULT_INSTANCE_STATE;
	out->reply.instance_state = s;
	return 0;
}

/*
 * Why this is safe: it changes only the run state of a container that
 * already exists under our lxcpath, and starts it with the configuration
 * moatd itself rendered there (the frontend cannot add to it here). The
 * action is one of four enum values and the timeout is bounded by the
 * validator. Runs in a forked worker, so a long stop blocks nothing else.
 */
PH_HANDLER(instance_action)
{
	const struct ph_instance_action *a = &t->instance_action;
	struct lxc_container *c __do_lxc_put = NULL;
	Ph__InstanceActionReply *rep = &out->r.instance_action;
	bool ok = false;
	int r;

	r = open_defined(ctx, a->ref.name, &c);
	if (r < 0)
		return ph_fail(out, "instance_action", r,
			       r == -ENOENT ? "Instance not found" : NULL);

	switch (a->action) {
	case PH_STOP:
		if (!c->is_running(c))
			return ph_fail(out, "instance_action", EINVAL,
				       "The instance is already stopped");
		if (!a->force)
			ok = c->shutdown(c, a->timeout);
		if (!ok)
			ok = c->stop(c);
		break;
	case PH_FREEZE:
		ok = c->freeze(c);
		break;
	case PH_UNFREEZE:
		ok = c->unfreeze(c);
		break;
	}
	if (!ok)
		return ph_fail(out, "instance_action", EIO, "liblxc refused the action");
	ph__instance_action_reply__init(rep);
	rep->status = status_of(c);
	out->reply.result_case = PH__REPLY__RESULT_INSTANCE_ACTION;
	out->reply.instance_action = rep;
	return 0;
}

/* cgroup v1 memory controller mounted (a hybrid host), or only v2? */
static bool cgroup_v1_memory(void)
{
	struct statfs sf;

	return statfs("/sys/fs/cgroup/memory", &sf) == 0 && sf.f_type != 0x63677270;
}

/*
 * Render $MOAT_DIR/containers/<name>/config. Every line comes from this
 * function: names are validated, numbers bounded, the rest constants and
 * paths moatd built; nothing from a request is copied in as text.
 */
int ph_render_config(struct ph_ctx *ctx, const char *name, const char *pool,
		     const struct ph_instance_config *cfg)
{
	char path[4096], tmp[4096];
	__do_fclose FILE *f = NULL;
	int fd, r = 0;

	if (snprintf(path, sizeof(path), "%s/%s/config", ctx->lxcpath, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "# Written by moatd at every start; changes here are lost.\n");
	fprintf(f, "lxc.uts.name = %s\n", name);
	fprintf(f, "lxc.rootfs.path = dir:%s/storage-pools/%s/containers/%s/rootfs\n", ctx->dir,
		pool, name);
	fprintf(f, "lxc.include = /usr/share/lxc/config/common.conf\n");
	if (!cfg->privileged) {
		fprintf(f, "lxc.include = /usr/share/lxc/config/userns.conf\n");
		fprintf(f, "lxc.rootfs.options = idmap=container\n");
		fprintf(f, "lxc.idmap = u 0 %u 65536\n", ctx->idmap_base);
		fprintf(f, "lxc.idmap = g 0 %u 65536\n", ctx->idmap_base_gid);
	}
	if (cfg->nesting)
		fprintf(f, "lxc.include = /usr/share/lxc/config/nesting.conf\n");
	fprintf(f, "lxc.apparmor.profile = generated\n");
	fprintf(f, "lxc.apparmor.allow_nesting = %d\n", cfg->nesting ? 1 : 0);
	fprintf(f, "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n");
	fprintf(f, "lxc.autodev = 1\n");
	fprintf(f, "lxc.pty.max = 1024\n");
	fprintf(f, "lxc.tty.max = 0\n");
	fprintf(f, "lxc.net.0.type = empty\n");
	fprintf(f, "lxc.console.buffer.size = auto\n");
	fprintf(f, "lxc.console.size = auto\n");
	fprintf(f, "lxc.console.logfile = %s/%s/console.log\n", ctx->lxcpath, name);
	fprintf(f, "lxc.log.file = %s/%s/lxc.log\n", ctx->lxcpath, name);
	fprintf(f, "lxc.log.level = warn\n");
	if (cgroup_v1_memory()) {
		if (cfg->memory_limit)
			fprintf(f, "lxc.cgroup.memory.limit_in_bytes = %llu\n",
				(unsigned long long)cfg->memory_limit);
		if (cfg->cpu_limit)
			fprintf(f, "lxc.cgroup.cpuset.cpus = 0-%u\n", cfg->cpu_limit - 1);
		if (cfg->processes_limit)
			fprintf(f, "lxc.cgroup.pids.max = %u\n", cfg->processes_limit);
	} else {
		if (cfg->memory_limit)
			fprintf(f, "lxc.cgroup2.memory.max = %llu\n",
				(unsigned long long)cfg->memory_limit);
		if (cfg->cpu_limit)
			fprintf(f, "lxc.cgroup2.cpuset.cpus = 0-%u\n", cfg->cpu_limit - 1);
		if (cfg->processes_limit)
			fprintf(f, "lxc.cgroup2.pids.max = %u\n", cfg->processes_limit);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/*
 * Start from a child that closed every descriptor but stdio first: the
 * container's monitor and init are forked from it, so they inherit nothing
 * of moatd (not the channel, the API socket or the directory lock).
 */
static int start_clean(struct ph_ctx *ctx, const char *name)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct lxc_container *c;

		if (close_range(3, ~0U, 0) < 0)
			_exit(1);
		c = lxc_container_new(name, ctx->lxcpath);
		if (!c)
			_exit(1);
		c->want_daemonize(c, true);
		c->want_close_all_fds(c, true);
		_exit(c->start(c, 0, NULL) ? 0 : 1);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/*
 * Why this is safe: the policy is applied here to the final configuration
 * (privileged and nesting refused unless allowed); the configuration file
 * is rendered by ph_render_config() from the typed struct alone; the
 * container must already exist under our lxcpath.
 */
PH_HANDLER(instance_start)
{
	const struct ph_instance_start *s = &t->instance_start;
	struct lxc_container *c __do_lxc_put = NULL;
	Ph__InstanceStartReply *rep = &out->r.instance_start;
	int r;

	if (s->config.privileged && !ctx->policy.allow_privileged)
		return ph_fail(out, "instance_start", EPERM,
			       "privileged containers are not allowed by the policy");
	if (s->config.nesting && !ctx->policy.allow_nesting)
		return ph_fail(out, "instance_start", EPERM,
			       "nesting is not allowed by the policy");
	r = open_defined(ctx, s->ref.name, &c);
	if (r < 0)
		return ph_fail(out, "instance_start", r,
			       r == -ENOENT ? "Instance not found" : NULL);
	if (c->is_running(c))
		return ph_fail(out, "instance_start", EALREADY, "The instance is already running");
	lxc_container_put(TAKE_PTR(c));
	r = ph_render_config(ctx, s->ref.name, s->pool, &s->config);
	if (r < 0)
		return ph_fail(out, "instance_start", r,
			       "cannot write the container configuration");
	r = start_clean(ctx, s->ref.name);
	if (r < 0)
		return ph_fail(out, "instance_start", r,
			       "liblxc could not start the container (see its lxc.log)");
	r = open_defined(ctx, s->ref.name, &c); /* read the new configuration */
	if (r < 0)
		return ph_fail(out, "instance_start", r, NULL);
	ph__instance_start_reply__init(rep);
	rep->status = status_of(c);
	rep->pid = c->init_pid(c);
	out->reply.result_case = PH__REPLY__RESULT_INSTANCE_START;
	out->reply.instance_start = rep;
	return 0;
}

/*
 * Why this is safe: the file is one of two fixed names in the instance's
 * own directory under our lxcpath, opened read-only without following a
 * symlink (or truncated); the name is validated.
 */
PH_HANDLER(instance_log)
{
	const struct ph_instance_log *l = &t->instance_log;
	char path[4096];
	int fd;

	(void)fds;
	snprintf(path, sizeof(path), "%s/%s/%s", ctx->lxcpath, l->ref.name,
		 l->console ? "console.log" : "lxc.log");
	fd = open(path, (l->truncate ? O_WRONLY | O_TRUNC : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC |
				O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ph_fail(out, "instance_log", errno, errno == ENOENT ? "Not Found" : NULL);
	if (l->truncate)
		close(fd);
	else
		out->fds[out->nfds++] = fd;
	ph__instance_log_reply__init(&out->r.instance_log);
	out->reply.result_case = PH__REPLY__RESULT_INSTANCE_LOG;
	out->reply.instance_log = &out->r.instance_log;
	return 0;
}
