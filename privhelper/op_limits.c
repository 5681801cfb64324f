// SPDX-License-Identifier: Apache-2.0
/*
 * Resource limits of a running container, changed at once (LXD applies
 * every limits.* key of a container live): check, policy and handler of
 * instance_limits. Run by moatd (root), in a forked worker; the check
 * reads hostile bytes from moatd-api.
 *
 * The limits are the same typed Limits message instance_start renders into
 * the configuration, with the same check (ph_check_limits, limits.c); here
 * limits.c writes them, the whole set (what is unset goes back to no
 * limit), into the container's own payload cgroup files. The next start
 * renders what the frontend then sends, so nothing is kept here.
 */
#include <errno.h>

#include <lxc/lxccontainer.h>

#include "cleanup.h"
#include "ph.h"

int ph_check_instance_limits(const Ph__InstanceLimitsRequest *m, struct ph_instance_limits *ret)
{
	struct ph_instance_limits t = { 0 };
	int r;

	r = ph_check_name(&m->name, t.ref.name);
	if (r == 0)
		r = ph_check_limits(m->limits, &t.limits);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

/* Limits only narrow what a container may use: no policy flag widens them. */
PH_POLICY_NONE(instance_limits);

/*
 * Why this is safe: the container is found by its validated name under
 * moatd's own lxcpath and must be running; its cgroup directories are the
 * payload ones cgroup.c finds from moatd's own cgroup and that name, and
 * only after the init's membership check; the files are moatd's constants
 * opened without following a link, the values bounded numbers it formats
 * itself (or a CPU list it prints from a bitmap, within the host's online
 * CPUs), so nothing from the request reaches a cgroup file as text; a
 * limit only narrows what the container's own cgroup may use. The one
 * host-wide write, enabling a controller (hugetlb here) for the children
 * of cgroup2's root, sets no limit on anything.
 */
int ph_do_instance_limits(struct ph_ctx *ctx, const struct ph_instance_limits *t,
			  Ph__InstanceLimitsReply *rep)
{
	struct lxc_container *c __do_lxc_put = NULL;
	const char *why = NULL;
	pid_t pid;
	int r;

	r = ph_container_open(ctx, t->ref.name, &c);
	if (r < 0)
		return ph_fail(ctx, r, r == -ENOENT ? "Instance not found" : NULL);
	if (!c->is_running(c) || (pid = c->init_pid(c)) <= 0)
		return ph_fail(ctx, ESRCH, "The instance is not running");
	r = ph_limits_prepare(&t->limits, &why);
	if (r == 0)
		r = ph_limits_apply(t->ref.name, pid, &t->limits, true, &why);
	if (r < 0)
		return ph_fail(ctx, r, why);
	ph__instance_limits_reply__init(rep);
	return 0;
}
