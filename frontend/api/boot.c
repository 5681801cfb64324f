// SPDX-License-Identifier: Apache-2.0
/*
 * The boot.* keys, as LXD 5.0 (lxd/instances.go): when moatd has just
 * started (hello's first_frontend), the instances with boot.autostart true,
 * or with it unset and volatile.last_state.power RUNNING, start in
 * boot.autostart.priority order (highest first, then by name), each
 * followed by its boot.autostart.delay; and PUT /internal/shutdown (`moat
 * shutdown`, LXD's `lxd shutdown`) stops the running ones in
 * boot.stop.priority order (highest first, then by name), each given
 * boot.host_shutdown_timeout seconds (30 unset) to shut down cleanly
 * before it is killed, and leaves volatile.last_state.power RUNNING, so
 * that the next boot starts them again. Before the instances start, every
 * stored network is set up again (network_apply) and the default network
 * is made the first time (model/networks.c). moatd's SIGTERM still leaves every
 * instance running. Runs in moatd-api (unprivileged); the values are read
 * through the config schema; root work is instance_start and
 * instance_action, as for a client's start and stop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http.h"
#include "log.h"
#include "model/networks.h"
#include "model/watch.h"

#include "instances_int.h"

struct boot_entry {
	char name[NAME_MAX_LEN + 1];
	uint64_t priority; /* boot.autostart.priority, or boot.stop.priority */
	unsigned seconds;  /* boot.autostart.delay, or boot.host_shutdown_timeout */
};

struct fe_boot_plan {
	struct boot_entry *e;
	size_t n;
	bool networks;            /* set the networks up first (the autostart plan) */
	char default_network[16]; /* hello's name of the default network, or "" */
};

static int by_priority(const void *a, const void *b)
{
	const struct boot_entry *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* A number key of the expanded config, or dflt when it is unset. */
static uint64_t number(json_object *xc, const char *key, uint64_t dflt)
{
	struct fe_value v;

	return fe_config_get(xc, key, &v) == 1 ? v.u : dflt;
}

/* Does LXD start it at boot? boot.autostart true, or unset and it was running. */
static bool autostarts(const struct fe_instance *i, json_object *xc)
{
	struct fe_value v;
	json_object *power;

	if (fe_config_get(xc, "boot.autostart", &v) == 1)
		return v.b;
	return json_object_object_get_ex(i->config, "volatile.last_state.power", &power) &&
	       strcmp(json_object_get_string(power), "RUNNING") == 0;
}

/*
 * The entries of every instance keep() takes, sorted; NULL when there is
 * none. keep() fills the entry's priority and seconds from the expanded
 * config.
 */
static struct fe_boot_plan *plan_of(bool (*keep)(const struct fe_instance *i, json_object *xc,
						 struct boot_entry *e))
{
	struct fe_instance *all = NULL;
	struct fe_boot_plan *p;
	json_object *profiles;
	size_t n = 0;

	if (fe_instance_load_all(&all, &n) < 0 || n == 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p)
		p->e = calloc(n, sizeof(*p->e));
	if (!p || !p->e) {
		free(p);
		fe_instances_free(all, n);
		return NULL;
	}
	profiles = fe_profiles_load(NULL);
	for (size_t k = 0; k < n; k++) {
		json_object *xc = NULL, *xd = NULL;
		struct boot_entry *e = &p->e[p->n];

		if (fe_instance_expand_with(&all[k], profiles, &xc, &xd) == 0 &&
		    keep(&all[k], xc, e)) {
			snprintf(e->name, sizeof(e->name), "%s", all[k].name);
			p->n++;
		}
		json_object_put(xc);
		json_object_put(xd);
	}
	json_object_put(profiles);
	fe_instances_free(all, n);
	qsort(p->e, p->n, sizeof(*p->e), by_priority);
	return p;
}

static void plan_free(struct fe_boot_plan *p)
{
	if (p)
		free(p->e);
	free(p);
}

/* ---- autostart ---------------------------------------------------------------------- */

static bool keep_autostart(const struct fe_instance *i, json_object *xc, struct boot_entry *e)
{
	e->priority = number(xc, "boot.autostart.priority", 0);
	e->seconds = (unsigned)number(xc, "boot.autostart.delay", 0);
	return autostarts(i, xc);
}

struct fe_boot_plan *fe_boot_autostart_plan(const char *default_network)
{
	struct fe_boot_plan *p = plan_of(keep_autostart);

	if (!p)
		p = calloc(1, sizeof(*p));
	if (p) {
		p->networks = true;
		snprintf(p->default_network, sizeof(p->default_network), "%s", default_network);
	}
	return p;
}

static bool is_running(const char *name)
{
	struct fe_instance_state st;

	return fe_instance_state(name, &st) == 0 &&
	       (st.status_code == 103 || st.status_code == 110);
}

/* As LXD: up to three attempts 5 s apart, then the next one; the delay after a start. */
static void *autostart_thread(void *arg)
{
	struct fe_boot_plan *p = arg;

	/* as LXD's networkStartup before the instances: their nics need the bridges */
	if (p->networks) {
		int failed = fe_network_sync_all();

		if (failed)
			log_error("boot: %d network(s) could not be set up", failed);
		fe_network_default(p->default_network);
		log_info("boot: the networks are set up");
	}
	for (size_t k = 0; k < p->n; k++) {
		const char *name = p->e[k].name;
		int r = -EBUSY;

		if (is_running(name))
			continue;
		for (int attempt = 0; attempt < 3 && r < 0; attempt++) {
			if (attempt)
				sleep(5);
			if (fe_instance_busy(name, "start") < 0)
				continue;
			r = is_running(name) ? -EALREADY : fe_inst_call_start(NULL, name);
			fe_instance_idle(name);
		}
		if (r == 0) {
			log_info("autostart: started \"%s\"", name);
			fe_inst_lifecycle("instance-started", name);
			if (p->e[k].seconds)
				sleep(p->e[k].seconds);
		} else if (r != -EALREADY) {
			log_error("autostart: cannot start \"%s\": %s", name, strerror(-r));
		}
	}
	plan_free(p);
	return NULL;
}

void fe_boot_autostart(struct fe_boot_plan *p)
{
	pthread_t t;

	if (!p)
		return;
	if (pthread_create(&t, NULL, autostart_thread, p) != 0) {
		log_error("autostart: cannot start its thread");
		plan_free(p);
		return;
	}
	pthread_detach(t);
}

/* ---- the host shutdown ---------------------------------------------------------------- */

static bool keep_running(const struct fe_instance *i, json_object *xc, struct boot_entry *e)
{
	uint64_t timeout = number(xc, "boot.host_shutdown_timeout", 30);

	e->priority = number(xc, "boot.stop.priority", 0);
	e->seconds = timeout > 3600 ? 3600 : (unsigned)timeout; /* moatd's longest stop */
	return is_running(i->name);
}

/* Stop one: its watch dropped first, so the stop is not taken for one from inside. */
static int shutdown_one(const struct boot_entry *e, struct ph_error *err)
{
	struct fe_instance i;
	int r;

	if (fe_instance_busy(e->name, "stop") < 0)
		return -EBUSY;
	fe_watch_forget(e->name);
	r = ph_call_instance_action(e->name, PH_ACTION_STOP, (int)e->seconds, false, NULL, err);
	fe_instance_status_forget(e->name);
	if (r == 0 && fe_instance_load(e->name, &i) == 0) {
		/* as LXD: the next boot starts it again */
		json_object_object_add(i.config, "volatile.last_state.power",
				       json_object_new_string("RUNNING"));
		fe_instance_save(&i);
		fe_instance_free(&i);
	}
	fe_instance_idle(e->name);
	if (r == 0)
		fe_inst_lifecycle("instance-shutdown", e->name);
	return r;
}

static int run_shutdown(struct fe_op *op, void *data)
{
	struct fe_boot_plan *p = plan_of(keep_running);
	char failed[256] = "";
	int r = 0;

	(void)data;
	for (size_t k = 0; p && k < p->n; k++) {
		struct ph_error e = { "" };
		int s = shutdown_one(&p->e[k], &e);

		if (s < 0) {
			log_error("shutdown: cannot stop \"%s\": %s", p->e[k].name,
				  e.msg[0] ? e.msg : strerror(-s));
			if (!r)
				snprintf(failed, sizeof(failed), "%s: %s", p->e[k].name,
					 e.msg[0] ? e.msg : strerror(-s));
			r = s;
		} else {
			log_info("shutdown: stopped \"%s\"", p->e[k].name);
		}
	}
	plan_free(p);
	return r < 0 ? fe_op_fail(op, r, "Failed to stop the instances: %s", failed) : 0;
}

static int fe_api_shutdown(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_op *op = fe_op_new("task", "Stopping the instances for a host shutdown",
				     json_object_new_object());

	(void)req;
	if (!op)
		return fe_error(resp, 500, "Out of memory");
	fe_op_start(op, run_shutdown, NULL, NULL);
	fe_async(resp, op);
	fe_op_put(op);
	return 0;
}

static const struct fe_route routes[] = {
	{ "/internal/shutdown", "PUT", fe_api_shutdown, 0, NULL },
	{ 0 },
};

const struct fe_api_module fe_module_boot = { "boot", routes, NULL };
