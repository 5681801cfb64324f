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
#include <string.h>

#include <lxc/lxccontainer.h>

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

/*
 * Why this is safe: read-only. The name is validated and resolved under
 * our own lxcpath; the reply is an enum and a pid.
 */
int ph_do_instance_state(struct ph_ctx *ctx, const union ph_typed *t, struct ph_out *out)
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
int ph_do_instance_action(struct ph_ctx *ctx, const union ph_typed *t, struct ph_out *out)
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
	case PH_START:
		if (c->is_running(c))
			return ph_fail(out, "instance_action", EALREADY,
				       "The instance is already running");
		c->want_daemonize(c, true);
		c->want_close_all_fds(c, true);
		ok = c->start(c, 0, NULL);
		break;
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
