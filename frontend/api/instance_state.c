// SPDX-License-Identifier: Apache-2.0
/*
 * An instance's state and its changes (LXD-API.md §8): GET and PUT
 * /1.0/instances/{name}/state (start, stop, restart, freeze, unfreeze, as
 * operations), and the watcher that settles instances stopped or rebooted
 * from inside. Runs in moatd-api (unprivileged); bodies and paths are
 * untrusted, the watcher's pids are moatd's. Root work (liblxc) is asked of
 * moatd through typed ops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http.h"
#include "log.h"
#include "model/config.h"
#include "model/config_sec.h"
#include "model/idmap.h"
#include "model/instances.h"
#include "model/networks.h"
#include "model/watch.h"
#include "ops/ops.h"
#include "ph/ph.h"

#include "instances_int.h"

/* ---- the state ------------------------------------------------------------------- */

int fe_inst_api_state_get(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_instance i;
	struct fe_instance_state st;
	json_object *net;

	if (fe_inst_load_or_404(req, resp, &i) < 0)
		return 0;
	net = fe_instance_state_network(i.name, &st);
	fe_instance_free(&i);
	return fe_sync(resp, fe_state_json_net(&st, net));
}

/* ---- state changes ---------------------------------------------------------------- */

/*
 * The nics of a start: their stable hwaddr and host end stored first (in
 * volatile keys), so that each managed network's DHCP and DNS know the
 * instance when it asks.
 */
static int nics_prepare(struct fe_op *op, struct fe_instance *i, json_object *xd,
			struct ph_start_config *cfg)
{
	bool changed = false;
	char err[FE_ERR_MAX];

	if (fe_nics_start(i->config, xd, cfg, &changed) < 0)
		return fe_op_fail(op, E2BIG, "Too many nics (at most %d)", PH_START_NICS_MAX);
	fe_nics_network_addrs(cfg);
	if (changed && fe_instance_save(i) < 0)
		return fe_op_fail(op, EIO, "Failed to store the nics' volatile keys");
	for (size_t k = 0; k < cfg->n_nics; k++) {
		const char *net = cfg->nics[k].network;
		bool seen = false;
		int r;

		for (size_t j = 0; j < k; j++)
			seen = seen || strcmp(cfg->nics[j].network, net) == 0;
		if (!net[0] || seen)
			continue;
		/* dnsmasq learns the instance's name, MAC and static addresses */
		r = fe_network_sync(net, err);
		if (r < 0)
			return fe_op_fail(op, r, "Failed to update network \"%s\": %s", net, err);
	}
	return 0;
}

int fe_inst_call_start(struct fe_op *op, const char *name)
{
	struct fe_instance i;
	struct ph_start_config cfg;
	json_object *xc = NULL, *xd = NULL;
	struct ph_error e;
	int pid = 0, r;

	json_object *pending;
	char err[512] = "";

	if (fe_instance_load(name, &i) < 0)
		return fe_op_fail(op, ENOENT, "Instance not found");
	fe_instance_expand(&i, &xc, &xd);
	fe_instance_start_config(xc, &cfg);
	r = fe_sec_check_start(&cfg, err);
	if (r == 0)
		r = fe_idmap_assign(&i, &cfg, err);
	if (r < 0) {
		r = fe_op_fail(op, r, "%s", err);
		goto out;
	}
	if (fe_devices_start(xd, &cfg) < 0) {
		r = fe_op_fail(op, E2BIG, "Too many devices (at most %d disks and unix nodes)",
			       PH_START_DEVICES_MAX);
		goto out;
	}
	r = nics_prepare(op, &i, xd, &cfg);
	if (r < 0)
		goto out;
	/* templates: the pending create/copy/rename trigger, and "start" ones */
	if (!json_object_object_get_ex(i.config, "volatile.apply_template", &pending))
		pending = NULL;
	r = fe_instance_apply_templates(
		&i, xc, xd, pending ? json_object_get_string(pending) : NULL, err, sizeof(err));
	if (r < 0) {
		r = fe_op_fail(op, r, "Failed to apply the image templates: %s", err);
		goto out;
	}
	if (pending) {
		json_object_object_del(i.config, "volatile.apply_template");
		fe_instance_save(&i);
	}
	r = ph_call_instance_start(i.name, i.pool, &cfg, &pid, &e);
	fe_instance_status_forget(i.name);
	if (r < 0) {
		fe_inst_op_fail_reply(op, r, &e, "Failed to start the instance");
	} else {
		/* moatd's start reply carries the new init's pid: watch it */
		fe_inst_now_rfc3339(i.last_used_at);
		json_object_object_add(i.config, "volatile.last_state.power",
				       json_object_new_string("RUNNING"));
		fe_instance_save(&i);
		(void)fe_watch_instance(i.name, pid);
		/* proxies need the running instance; one that fails fails the start, as LXD */
		if (fe_proxies_attach(i.name, xd, err) < 0) {
			(void)ph_call_instance_action(i.name, PH_ACTION_STOP, 0, true, NULL, NULL);
			fe_instance_status_forget(i.name);
			r = fe_op_fail(op, EINVAL, "%s", err);
		}
	}
out:
	json_object_put(xc);
	json_object_put(xd);
	fe_instance_free(&i);
	return r;
}

static int call_action(struct fe_op *op, const char *name, enum ph_action_kind kind, int timeout,
		       bool force)
{
	struct ph_error e;
	int r = ph_call_instance_action(name, kind, timeout, force, NULL, &e);

	fe_instance_status_forget(name);
	if (r < 0)
		return fe_inst_op_fail_reply(op, r, &e, "Failed to change the instance's state");
	return 0;
}

static void record_power(const char *name, const char *power)
{
	struct fe_instance i;

	if (fe_instance_load(name, &i) < 0)
		return;
	json_object_object_add(i.config, "volatile.last_state.power",
			       json_object_new_string(power));
	fe_instance_save(&i);
	fe_instance_free(&i);
}

static int run_state(struct fe_op *op, void *data)
{
	struct job *j = data;
	struct fe_instance_state st;
	struct fe_instance i;
	int timeout = j->timeout < 0 ? -1 : j->timeout;
	int r = 0;

	fe_instance_state(j->name, &st);
	if (strcmp(j->action, "start") == 0) {
		if (st.status_code == 103 || st.status_code == 110)
			r = fe_op_fail(op, EALREADY, "The instance is already running");
		else
			r = fe_inst_call_start(op, j->name);
	} else if (strcmp(j->action, "stop") == 0 || strcmp(j->action, "restart") == 0) {
		bool running = st.status_code == 103 || st.status_code == 110;

		if (!running && strcmp(j->action, "stop") == 0)
			r = fe_op_fail(op, EINVAL, "The instance is already stopped");
		else if (running)
			r = call_action(op, j->name, PH_ACTION_STOP, j->force ? 0 : timeout,
					j->force);
		if (r == 0 && fe_instance_load(j->name, &i) == 0) {
			bool eph = i.ephemeral;

			fe_instance_free(&i);
			if (eph && strcmp(j->action, "stop") == 0)
				r = fe_inst_delete_everything(op, j->name);
			else if (strcmp(j->action, "stop") == 0)
				record_power(j->name, "STOPPED");
			else
				r = fe_inst_call_start(op, j->name);
		}
	} else if (strcmp(j->action, "freeze") == 0) {
		r = st.status_code != 103 ? fe_op_fail(op, EINVAL, "The instance isn't running")
					  : call_action(op, j->name, PH_ACTION_FREEZE, 0, false);
		if (r == 0)
			record_power(j->name, "FROZEN");
	} else {
		r = st.status_code != 110 ? fe_op_fail(op, EINVAL, "The instance is not frozen")
					  : call_action(op, j->name, PH_ACTION_UNFREEZE, 0, false);
		if (r == 0)
			record_power(j->name, "RUNNING");
	}
	fe_instance_idle(j->name);
	if (r == 0) {
		static const char *const ev[][2] = { { "start", "instance-started" },
						     { "stop", "instance-stopped" },
						     { "restart", "instance-restarted" },
						     { "freeze", "instance-paused" },
						     { "unfreeze", "instance-resumed" } };

		for (size_t k = 0; k < sizeof(ev) / sizeof(ev[0]); k++)
			if (strcmp(j->action, ev[k][0]) == 0)
				fe_inst_lifecycle(ev[k][1], j->name);
	}
	return r;
}

int fe_inst_api_state_put(struct fe_req *req, struct fe_resp *resp)
{
	static const char *const descs[][2] = { { "start", "Starting instance" },
						{ "stop", "Stopping instance" },
						{ "restart", "Restarting instance" },
						{ "freeze", "Freezing instance" },
						{ "unfreeze", "Unfreezing instance" } };
	json_object *body = NULL;
	struct fe_instance i;
	const char *action = "", *desc = NULL;
	int64_t timeout = -1;
	bool force = false;
	struct job *j;
	struct fe_op *op;

	if (fe_inst_load_or_404(req, resp, &i) < 0)
		return 0;
	if (fe_json_body(req, resp, &body) < 0 ||
	    fe_json_string(body, "action", "", resp, &action) < 0 ||
	    fe_json_int(body, "timeout", -1, resp, &timeout) < 0 ||
	    fe_json_bool(body, "force", false, resp, &force) < 0)
		goto out;
	for (size_t k = 0; k < sizeof(descs) / sizeof(descs[0]); k++)
		if (strcmp(action, descs[k][0]) == 0)
			desc = descs[k][1];
	if (!desc) {
		fe_error(resp, 400, "Unknown action \"%.32s\"", action);
		goto out;
	}
	if (timeout < -1 || timeout > 3600) {
		fe_error(resp, 400, "Invalid timeout: must be -1 to 3600 seconds");
		goto out;
	}
	if (fe_instance_busy(i.name, action) < 0) {
		fe_error(resp, 409, "Instance is busy running another operation");
		goto out;
	}
	j = calloc(1, sizeof(*j));
	op = j ? fe_op_new("task", desc, fe_instance_resources(i.name)) : NULL;
	if (!op) {
		free(j);
		fe_instance_idle(i.name);
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	snprintf(j->name, sizeof(j->name), "%s", i.name);
	snprintf(j->action, sizeof(j->action), "%s", action);
	j->timeout = (int)timeout;
	j->force = force;
	fe_op_start(op, run_state, j, free);
	fe_async(resp, op);
	fe_op_put(op);
out:
	json_object_put(body);
	fe_instance_free(&i);
	return 0;
}

/* ---- instances that stop on their own ----------------------------------------- */

static bool power_is_on(const char *name, bool *ret_ephemeral)
{
	struct fe_instance i;
	json_object *v;
	bool on;

	if (fe_instance_load(name, &i) < 0)
		return false; /* deleted meanwhile */
	on = json_object_object_get_ex(i.config, "volatile.last_state.power", &v) &&
	     (strcmp(json_object_get_string(v), "RUNNING") == 0 ||
	      strcmp(json_object_get_string(v), "FROZEN") == 0);
	*ret_ephemeral = i.ephemeral;
	fe_instance_free(&i);
	return on;
}

/*
 * An instance that was running is stopped and no operation of ours stopped
 * it (none is in flight, and none recorded the stop): it shut down from
 * inside. Drop its nics' filters, record it; an ephemeral one is deleted,
 * as LXD does.
 */
static void reap_stopped(const char *name, bool events)
{
	bool eph = false;

	/* an operation of ours that stopped it recorded that, or holds the
	 * instance and will: look first, so as not to hold it for nothing
	 * (a client's next request would find it busy) */
	if (!power_is_on(name, &eph) || fe_instance_busy(name, "stopped") < 0)
		return;
	if (power_is_on(name, &eph)) {
		/* its nics' filters are still in the bridge table: moatd drops them
		 * on a stop of the stopped container (and answers that it is stopped) */
		(void)ph_call_instance_action(name, PH_ACTION_STOP, 0, true, NULL, NULL);
		if (events)
			fe_inst_lifecycle("instance-shutdown", name);
		if (!eph)
			record_power(name, "STOPPED");
		else if (fe_inst_delete_everything(NULL, name) == 0)
			fe_inst_lifecycle("instance-deleted", name);
	}
	fe_instance_idle(name);
}

/* Rebooted from inside: moatd kept liblxc from restarting it; start it anew. */
static void reboot_stopped(const char *name)
{
	bool eph = false;

	if (!power_is_on(name, &eph) || fe_instance_busy(name, "restart") < 0)
		return;
	if (power_is_on(name, &eph) && fe_inst_call_start(NULL, name) == 0)
		fe_inst_lifecycle("instance-restarted", name);
	fe_instance_idle(name);
}

/* The watcher thread: the container whose init was pid has ended. */
static void instance_exited(const char *name, int pid)
{
	struct fe_instance_state st = { 0 };

	fe_instance_status_forget(name);

	for (int t = 0; t < 50; t++) {
		fe_instance_state(name, &st);
		if (st.status_code == 102)
			break;
		if ((st.status_code == 103 || st.status_code == 110) && st.pid > 0 &&
		    st.pid != pid) {
			/* started again meanwhile (a restart of ours watches it already) */
			if (fe_watch_pid(name) != st.pid)
				(void)fe_watch_instance(name, st.pid);
			return;
		}
		usleep(100 * 1000);
	}
	if (st.status_code != 102)
		log_error("instance \"%s\": its monitor is gone, yet its state is %d", name,
			  st.status_code);
	else if (st.reboot_requested)
		reboot_stopped(name);
	else
		reap_stopped(name, true);
}

/* At start: watch what runs, and settle what stopped while no one watched. */
int fe_instances_watch(void)
{
	json_object *names = fe_instance_names();
	int r = fe_watch_start(instance_exited);

	for (size_t k = 0; r == 0 && k < json_object_array_length(names); k++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, k));
		struct fe_instance_state st;

		fe_instance_state(name, &st);
		if (st.status_code == 102 && st.reboot_requested)
			reboot_stopped(name);
		else if (st.status_code == 102)
			reap_stopped(name, false);
		else if (st.pid > 0 && fe_watch_instance(name, st.pid) == -ESRCH)
			instance_exited(name, st.pid);
	}
	json_object_put(names);
	return r;
}
