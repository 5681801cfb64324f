// SPDX-License-Identifier: Apache-2.0
/*
 * POST /1.0/instances/{name} {"name": "new"}: an instance's rename, as
 * LXD 5.0.2's (LXD-API.md §11; `lxc move c1 c2`, `lxc rename c1 c2`), an
 * operation "Renaming instance" refused while the instance runs. Runs in
 * moatd-api (unprivileged); the path and body are untrusted, the new name
 * is checked before moatd is asked (INSTANCE_RENAME moves liblxc's
 * directory with its lxc.log and console.log, the rootfs and the
 * snapshots' trees). What the frontend keeps by the instance's name
 * follows: its row and its snapshots' rows (one UPDATE, the snapshots by
 * ON UPDATE CASCADE), its exec logs ($MOAT_DIR/logs/<name>), and the
 * managed networks' host lines (dnsmasq's DHCP and DNS names), synced
 * again; a pending "rename" template trigger is recorded as LXD's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "log.h"
#include "model/instances.h"
#include "model/pools.h"
#include "model/snapshots.h"
#include "model/watch.h"
#include "ops/events.h"
#include "ops/ops.h"
#include "ph/ph.h"

#include "instances_int.h"

struct rename_job {
	char from[NAME_MAX_LEN + 1], to[NAME_MAX_LEN + 1];
};

static int storage_rename(const char *pool, const char *from, const char *to, struct ph_error *e)
{
	struct ph_storage_args a = {
		.action = PH_STORAGE_INSTANCE_RENAME, .pool = pool, .name = from, .target = to
	};

	return ph_call_storage(&a, e);
}

/* After the move: templates marked "rename" run at the next start (LXD's trigger). */
static void mark_rename_templates(const char *name)
{
	struct fe_instance i;
	json_object *props = NULL;
	bool templates = false;
	char fp[65];

	if (fe_instance_load(name, &i) < 0)
		return;
	if (i.base_image[0] && fe_instance_image("", i.base_image, fp, &props, &templates) == 0 &&
	    templates) {
		json_object_object_add(i.config, "volatile.apply_template",
				       json_object_new_string("rename"));
		if (fe_instance_save(&i) < 0)
			log_warn("instance \"%s\": the rename template trigger was not stored",
				 name);
	}
	json_object_put(props);
	fe_instance_free(&i);
}

/* The managed networks of the instance's nics learn its new name (dnsmasq's host lines). */
static void sync_networks(const char *name)
{
	struct fe_instance i = { 0 };
	json_object *xc = NULL, *xd = NULL, *none = json_object_new_object();

	if (fe_instance_load(name, &i) == 0 && fe_instance_expand(&i, &xc, &xd) == 0)
		fe_nics_sync_changed(none, xd);
	fe_instance_free(&i);
	json_object_put(xc);
	json_object_put(xd);
	json_object_put(none);
}

static int do_rename(struct fe_op *op, const struct rename_job *j)
{
	struct fe_instance_state st;
	struct ph_error e = { "" };
	char pool[NAME_MAX_LEN + 1];
	json_object *ctx;
	char src[128];
	int r;

	fe_instance_state(j->from, &st);
	if (st.status_code != 102)
		return fe_op_fail(op, EBUSY, "Renaming of running instance not allowed");
	if (fe_instance_pool_get(j->from, pool) < 0)
		return fe_op_fail(op, ENOENT, "Instance not found");
	r = storage_rename(pool, j->from, j->to, &e);
	if (r < 0)
		return fe_inst_op_fail_reply(op, r, &e, "Failed to rename the instance's storage");
	r = fe_instance_rename_rows(j->from, j->to);
	if (r < 0) {
		if (storage_rename(pool, j->to, j->from, &e) < 0)
			log_error("instance \"%s\": its storage stays renamed to \"%s\": %s",
				  j->from, j->to, e.msg);
		return fe_op_fail(op, -r,
				  r == -EEXIST ? "Name \"%s\" already in use"
					       : "Failed to record the new name \"%s\"",
				  j->to);
	}
	fe_watch_forget(j->from);
	fe_instance_status_forget(j->from);
	fe_instance_status_forget(j->to);
	if (fe_instance_logs_rename(j->from, j->to) < 0)
		log_warn("instance \"%s\": its exec logs stay under its old name", j->to);
	mark_rename_templates(j->to);
	sync_networks(j->to);
	ctx = json_object_new_object();
	json_object_object_add(ctx, "old_name", json_object_new_string(j->from));
	snprintf(src, sizeof(src), "/1.0/instances/%s", j->to);
	fe_event_lifecycle("instance-renamed", src, ctx);
	return 0;
}

/* The rename, then both names let go (the finished operation stays listed a while). */
static int run_rename(struct fe_op *op, void *data)
{
	struct rename_job *j = data;
	int r = do_rename(op, j);

	fe_instance_idle(j->from);
	fe_instance_idle(j->to);
	return r;
}

static int api_rename(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body = NULL;
	const char *to = "", *pool = "";
	bool migration = false;
	char err[FE_ERR_MAX];
	struct fe_instance i, taken;
	struct rename_job *j;
	struct fe_op *op;

	if (fe_inst_load_or_404(req, resp, &i) < 0)
		return 0;
	if (fe_json_body(req, resp, &body) < 0 || fe_json_string(body, "name", "", resp, &to) < 0 ||
	    fe_json_string(body, "pool", "", resp, &pool) < 0 ||
	    fe_json_bool(body, "migration", false, resp, &migration) < 0)
		goto out;
	if (migration) {
		fe_error(resp, 400,
			 *pool ? "Moving an instance between storage pools is not "
				 "supported by this server yet"
			       : "Migration to another server is not supported by this "
				 "server");
		goto out;
	}
	if (fe_check_instance_name(to, err) < 0) {
		fe_error(resp, 400, "%s", err);
		goto out;
	}
	if (fe_instance_load(to, &taken) == 0) {
		fe_instance_free(&taken);
		fe_error(resp, 409, "Name \"%s\" already in use", to);
		goto out;
	}
	if (fe_instance_busy(i.name, "rename") < 0) {
		fe_error(resp, 409, "Instance is busy running another operation");
		goto out;
	}
	if (fe_instance_busy(to, "rename") < 0) {
		fe_instance_idle(i.name);
		fe_error(resp, 409, "Instance \"%s\" is busy", to);
		goto out;
	}
	j = calloc(1, sizeof(*j));
	op = j ? fe_op_new("task", "Renaming instance", fe_instance_resources(i.name)) : NULL;
	if (!op) {
		fe_instance_idle(i.name);
		fe_instance_idle(to);
		free(j);
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	snprintf(j->from, sizeof(j->from), "%s", i.name);
	snprintf(j->to, sizeof(j->to), "%s", to);
	fe_op_start(op, run_rename, j, free);
	fe_async(resp, op);
	fe_op_put(op);
out:
	json_object_put(body);
	fe_instance_free(&i);
	return 0;
}

static const struct fe_route routes[] = {
	{ "/1.0/instances/{name}", "POST", api_rename, 0, NULL },
	{ 0 },
};

const struct fe_api_module fe_module_instance_rename = { "instance_rename", routes, NULL };
