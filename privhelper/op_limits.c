// SPDX-License-Identifier: Apache-2.0
/*
 * Resource limits of a running container, changed at once (LXD applies
 * limits.memory, limits.cpu and limits.processes live): check, policy and
 * handler of instance_limits. Run by moatd (root) through liblxc, in a
 * forked worker; the check reads hostile bytes from moatd-api.
 *
 * The limits are the same typed numbers instance_start renders into the
 * configuration, with the same bounds; here they go to the container's own
 * cgroup through liblxc's set_cgroup_item(), on the v1 hierarchy of a
 * hybrid host or on cgroup2, as ph_render_config() chooses. The next start
 * renders what the frontend then sends, so nothing is kept here. A CPU
 * count of at least the host's online CPUs means every online CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

int ph_check_instance_limits(const Ph__InstanceLimitsRequest *m, struct ph_instance_limits *ret)
{
	struct ph_instance_limits t = { 0 };
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r < 0)
		return r;
	/* instance_start's bounds: every value written is a well-formed number */
	if ((m->memory_limit != 0 && m->memory_limit < 4096) || m->cpu_limit > 4096 ||
	    m->processes_limit > 4194304)
		return -ERANGE;
	t.memory_limit = m->memory_limit;
	t.cpu_limit = m->cpu_limit;
	t.processes_limit = m->processes_limit;
	*ret = t;
	return 0;
}

/* Limits only narrow what a container may use: no policy flag widens them. */
int ph_policy_instance_limits(const struct ph_policy *p, const struct ph_instance_limits *t,
			      const char **ret_why)
{
	return 0;
}

/* Every online CPU, as the kernel lists them ("0-1", "0,2-3"). */
static int all_cpus(char ret[static 256])
{
	__do_close int fd = open("/sys/devices/system/cpu/online", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, ret, 255);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	ret[n] = '\0';
	ret[strcspn(ret, "\n")] = '\0';
	return ret[0] && ret[strspn(ret, "0123456789,-")] == '\0' ? 0 : -EIO;
}

/*
 * Why this is safe: the container is found by its validated name under
 * moatd's own lxcpath and must be running; the keys are constants chosen by
 * moatd, the values bounded numbers it formats itself (or the kernel's own
 * list of online CPUs, checked to be digits, commas and dashes), so nothing
 * from the request reaches a cgroup file as text; and a limit can only
 * narrow what the container's own cgroup may use.
 */
int ph_do_instance_limits(struct ph_ctx *ctx, const struct ph_instance_limits *t,
			  Ph__InstanceLimitsReply *rep)
{
	struct lxc_container *c __do_lxc_put = NULL;
	bool v1 = ph_cgroup_v1_memory();
	char mem[32], pids[32], cpus[256];
	int r;

	r = ph_container_open(ctx, t->ref.name, &c);
	if (r < 0)
		return ph_fail(ctx, r, r == -ENOENT ? "Instance not found" : NULL);
	if (!c->is_running(c))
		return ph_fail(ctx, ESRCH, "The instance is not running");
	if (t->memory_limit)
		snprintf(mem, sizeof(mem), "%llu", (unsigned long long)t->memory_limit);
	else
		snprintf(mem, sizeof(mem), "%s", v1 ? "-1" : "max");
	if (t->processes_limit)
		snprintf(pids, sizeof(pids), "%u", t->processes_limit);
	else
		snprintf(pids, sizeof(pids), "max");
	/* more CPUs than the host has online: all of them (a cpuset naming an
	 * absent CPU is refused by the kernel) */
	if (t->cpu_limit && (long)t->cpu_limit < sysconf(_SC_NPROCESSORS_ONLN))
		snprintf(cpus, sizeof(cpus), "0-%u", t->cpu_limit - 1);
	else if ((r = all_cpus(cpus)) < 0)
		return ph_fail(ctx, r, "cannot read the host's online CPUs");
	if (!c->set_cgroup_item(c, v1 ? "memory.limit_in_bytes" : "memory.max", mem))
		return ph_fail(ctx, EINVAL, "cannot set the memory limit");
	if (!c->set_cgroup_item(c, "pids.max", pids))
		return ph_fail(ctx, EINVAL, "cannot set the process limit");
	if (!c->set_cgroup_item(c, "cpuset.cpus", cpus))
		return ph_fail(ctx, EINVAL, "cannot set the CPU limit");
	ph__instance_limits_reply__init(rep);
	return 0;
}

/*
 * The limits' lines of a start's configuration (render.c), on the v1
 * hierarchy of a hybrid host or on cgroup2: numbers bounded by
 * ph_check_instance_start(), nothing else.
 */
void ph_render_limits(FILE *f, const struct ph_instance_config *cfg)
{
	if (ph_cgroup_v1_memory()) {
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
}
