// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/instances/{name}/snapshots in LXD 5.0.2's shapes (LXD-API.md §10):
 * list, create, get, PUT and PATCH of expires_at, rename and delete, as
 * operations with LXD's descriptions and lifecycle events, and the
 * restore a PUT /1.0/instances/{name} with "restore" asks for. Runs in
 * moatd-api (unprivileged); paths and bodies are untrusted, and a
 * snapshot name is checked here (fe_check_snapshot_name(), the rule
 * moatd's check has) before moatd is asked anything. The trees are
 * moatd's storage op (ph_call_storage); the rows are model/snapshots.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/http.h"
#include "log.h"
#include "model/instances.h"
#include "model/pools.h"
#include "model/snapshots.h"
#include "ops/events.h"
#include "ops/object.h"
#include "ops/ops.h"
#include "ph/ph.h"

#include "instances_int.h"

/* What a snapshot operation was asked to do. */
struct snap_job {
	char name[NAME_MAX_LEN + 1];   /* the instance */
	char snap[NAME_MAX_LEN + 1];   /* the snapshot */
	char target[NAME_MAX_LEN + 1]; /* a rename's new name */
	char expires_at[64];           /* a new snapshot's, or "" for expiry's */
	char expiry[256];              /* snapshots.expiry, from the snapshot's creation */
	bool locked;                   /* the instance is held busy for the job */
	fe_op_fn fn;                   /* the work (run_job's) */
};

static void snap_job_free(void *p)
{
	struct snap_job *j = p;

	if (j && j->locked)
		fe_instance_idle(j->name);
	free(j);
}

static void snap_lifecycle(const char *action, const char *inst, const char *snap, json_object *ctx)
{
	char src[256];

	snprintf(src, sizeof(src), "/1.0/instances/%s/snapshots/%s", inst, snap);
	fe_event_lifecycle(action, src, ctx);
}

static int storage(enum ph_storage_verb verb, const char *inst, const char *snap,
		   const char *target_snap, struct ph_error *e)
{
	struct ph_storage_args a = { .action = verb,
				     .pool = fe_instance_pool(inst),
				     .name = inst,
				     .snapshot = snap,
				     .target_snapshot = target_snap };

	return ph_call_storage(&a, e);
}

/* The work, then the instance let go (the finished operation stays listed a while). */
static int run_job(struct fe_op *op, void *data)
{
	struct snap_job *j = data;
	int r = j->fn(op, j);

	fe_instance_idle(j->name);
	j->locked = false;
	return r;
}

/* The job's operation started (resources: the instance), answered 202; the job is the op's. */
static int start_op(struct fe_resp *resp, const char *desc, fe_op_fn fn, struct snap_job *j)
{
	struct fe_op *op = fe_op_new("task", desc, fe_instance_resources(j->name));

	if (!op) {
		snap_job_free(j);
		return fe_error(resp, 500, "Out of memory");
	}
	j->fn = fn;
	fe_op_start(op, run_job, j, snap_job_free);
	fe_async(resp, op);
	fe_op_put(op);
	return 0;
}

/* A new job on the instance of the path, held busy; NULL with the answer in resp. */
static struct snap_job *new_job(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_instance i;
	struct snap_job *j;

	if (fe_inst_load_or_404(req, resp, &i) < 0)
		return NULL;
	j = calloc(1, sizeof(*j));
	if (!j) {
		fe_instance_free(&i);
		fe_error(resp, 500, "Out of memory");
		return NULL;
	}
	snprintf(j->name, sizeof(j->name), "%s", i.name);
	fe_instance_free(&i);
	if (fe_instance_busy(j->name, "snapshot") < 0) {
		free(j);
		fe_error(resp, 409, "Instance is busy running another operation");
		return NULL;
	}
	j->locked = true;
	return j;
}

/* The snapshot name of the path, checked: a 404 for one that cannot exist. */
static const char *path_snapshot(struct fe_req *req, struct fe_resp *resp, const char *inst,
				 struct fe_snapshot *ret)
{
	const char *snap = fe_param(req, "snapshot");

	if (!snap || !name_device_valid(snap) || fe_snapshot_load(inst, snap, ret) < 0) {
		fe_error(resp, 404, "Instance snapshot not found");
		return NULL;
	}
	return snap;
}

static int run_delete(struct fe_op *op, void *data);

/* ---- list ---------------------------------------------------------------------------- */

static int api_list(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_instance i;
	struct fe_snapshot *all = NULL;
	size_t n = 0;
	json_object *out;

	if (fe_inst_load_or_404(req, resp, &i) < 0)
		return 0;
	if (fe_snapshot_load_all(i.name, &all, &n) < 0) {
		fe_instance_free(&i);
		return fe_error(resp, 500, "Failed to read the snapshots");
	}
	out = json_object_new_array();
	for (size_t k = 0; k < n; k++) {
		char url[256];

		if (fe_recursion(req) >= 1) {
			json_object_array_add(out, fe_snapshot_json(&all[k]));
			continue;
		}
		snprintf(url, sizeof(url), "%s/%s/snapshots/%s",
			 fe_client_prefix(req, "/1.0/instances"), i.name, all[k].name);
		json_object_array_add(out, json_object_new_string(url));
	}
	fe_snapshots_free(all, n);
	fe_instance_free(&i);
	return fe_sync(resp, out);
}

/* ---- create -------------------------------------------------------------------------- */

static int run_create(struct fe_op *op, void *data)
{
	struct snap_job *j = data;
	struct fe_instance i;
	struct fe_snapshot s = { 0 };
	struct ph_error e = { "" };
	struct timespec now;
	time_t until = 0;
	int r;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!j->expires_at[0] && fe_expiry_parse(j->expiry, now.tv_sec, &until) == 0 && until) {
		struct timespec ts = { .tv_sec = until };

		fe_time_format(&ts, j->expires_at);
	} else if (!j->expires_at[0]) {
		snprintf(j->expires_at, sizeof(j->expires_at), "0001-01-01T00:00:00Z");
	}
	if (fe_instance_load(j->name, &i) < 0)
		return fe_op_fail(op, ENOENT, "Instance not found");
	r = fe_snapshot_of(&i, j->snap, j->expires_at, &now, &s);
	fe_instance_free(&i);
	if (r < 0)
		return fe_op_fail(op, -r, "Failed to read the instance");
	/* the tree first: the row appears only for a whole snapshot */
	r = storage(PH_STORAGE_SNAPSHOT_CREATE, j->name, j->snap, NULL, &e);
	if (r == -EEXIST) {
		/* a tree with no row: a create killed before its row was written */
		(void)storage(PH_STORAGE_SNAPSHOT_DELETE, j->name, j->snap, NULL, NULL);
		r = storage(PH_STORAGE_SNAPSHOT_CREATE, j->name, j->snap, NULL, &e);
	}
	if (r < 0) {
		fe_snapshot_free(&s);
		return fe_inst_op_fail_reply(op, r, &e, "Create instance snapshot");
	}
	r = fe_snapshot_insert(&s);
	fe_snapshot_free(&s);
	if (r < 0) {
		(void)storage(PH_STORAGE_SNAPSHOT_DELETE, j->name, j->snap, NULL, NULL);
		return fe_op_fail(op, -r,
				  r == -EEXIST ? "Snapshot \"%s\" already exists"
					       : "Failed to record snapshot \"%s\"",
				  j->snap);
	}
	snap_lifecycle("instance-snapshot-created", j->name, j->snap, NULL);
	return 0;
}

/* The instance's expanded snapshots.<key>, or def (a new reference-free copy in ret). */
static void expanded_key(const char *inst, const char *key, const char *def, char *ret, size_t size)
{
	struct fe_instance i;
	json_object *xc = NULL, *xd = NULL, *v;

	snprintf(ret, size, "%s", def);
	if (fe_instance_load(inst, &i) < 0)
		return;
	if (fe_instance_expand(&i, &xc, &xd) == 0 && json_object_object_get_ex(xc, key, &v) &&
	    *json_object_get_string(v))
		snprintf(ret, size, "%s", json_object_get_string(v));
	json_object_put(xc);
	json_object_put(xd);
	fe_instance_free(&i);
}

/*
 * The name and expiry of a new snapshot of j's instance, into j: name, or
 * the one snapshots.pattern gives (LXD's NextSnapshotName); when, or
 * (NULL) now plus snapshots.expiry. 0, -EINVAL (err), -EEXIST.
 */
static int name_and_expiry(struct snap_job *j, const char *name, const char *when,
			   char err[static FE_ERR_MAX])
{
	char pattern[FE_PATTERN_MAX], rendered[FE_PATTERN_MAX];
	struct fe_snapshot old;
	time_t now = time(NULL), until = 0;

	if (*name) {
		snprintf(j->snap, sizeof(j->snap), "%s", name);
	} else {
		expanded_key(j->name, "snapshots.pattern", "snap%d", pattern, sizeof(pattern));
		if (fe_snapshot_pattern(pattern, now, rendered) < 0 ||
		    fe_snapshot_next_name(j->name, rendered, j->snap) < 0) {
			snprintf(err, FE_ERR_MAX, "Invalid snapshots.pattern \"%.100s\"", pattern);
			return -EINVAL;
		}
		if (fe_check_snapshot_name(j->snap, err) < 0)
			return -EINVAL;
	}
	if (when) {
		snprintf(j->expires_at, sizeof(j->expires_at), "%s", when);
	} else {
		/* counted from the snapshot's created_at (run_create) */
		expanded_key(j->name, "snapshots.expiry", "", j->expiry, sizeof(j->expiry));
		if (fe_expiry_parse(j->expiry, now, &until) < 0) {
			snprintf(err, FE_ERR_MAX, "Invalid expiry expression");
			return -EINVAL;
		}
	}
	if (fe_snapshot_load(j->name, j->snap, &old) == 0) {
		fe_snapshot_free(&old);
		snprintf(err, FE_ERR_MAX, "Snapshot \"%s\" already exists", j->snap);
		return -EEXIST;
	}
	return 0;
}

static const char stateful_refused[] =
	"Stateful snapshots need CRIU, and CRIU is not available here: Debian's CRIU fails "
	"\"criu check\" on this kernel, so moat takes stateless snapshots only (nothing was "
	"created)";

static int api_create(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body = NULL;
	const char *name = "";
	char err[FE_ERR_MAX], when[64];
	bool stateful = false, has_when = false;
	struct snap_job *j = NULL;
	json_object *v;
	int r;

	if (fe_json_body(req, resp, &body) < 0)
		return 0;
	if (fe_json_string(body, "name", "", resp, &name) < 0 ||
	    fe_json_bool(body, "stateful", false, resp, &stateful) < 0)
		goto out;
	/* null (lxc without --no-expiry, pylxd): snapshots.expiry decides */
	if (json_object_object_get_ex(body, "expires_at", &v) && v) {
		r = json_object_is_type(v, json_type_string)
			    ? lxd_time_parse(json_object_get_string(v), when)
			    : -EINVAL;
		if (r < 0) {
			fe_error(resp, 400, "Invalid JSON: \"expires_at\" is not an RFC 3339 time");
			goto out;
		}
		if (r == 1) /* Go's zero time (lxc snapshot --no-expiry): never */
			snprintf(when, sizeof(when), "0001-01-01T00:00:00Z");
		has_when = true;
	}
	if (*name && fe_check_snapshot_name(name, err) < 0) {
		fe_error(resp, 400, "%s", err);
		goto out;
	}
	if (stateful) {
		fe_error(resp, 400, "%s", stateful_refused);
		goto out;
	}
	j = new_job(req, resp);
	if (!j)
		goto out;
	r = name_and_expiry(j, name, has_when ? when : NULL, err);
	if (r < 0) {
		fe_error(resp, r == -EEXIST ? 409 : 400, "%s", err);
		snap_job_free(j);
		goto out;
	}
	start_op(resp, "Snapshotting instance", run_create, j);
out:
	json_object_put(body);
	return 0;
}

/* ---- the schedule's (api/snapshot_sched.c) ---------------------------------------------- */

int fe_snapshot_scheduled(const char *inst)
{
	char err[FE_ERR_MAX];
	struct fe_resp scratch = { 0 };
	struct snap_job *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	snprintf(j->name, sizeof(j->name), "%s", inst);
	if (fe_instance_busy(j->name, "snapshot") < 0) {
		free(j);
		return -EBUSY;
	}
	j->locked = true;
	r = name_and_expiry(j, "", NULL, err);
	if (r < 0) {
		log_warn("instance \"%s\": no scheduled snapshot: %s", inst, err);
		snap_job_free(j);
		return r;
	}
	r = start_op(&scratch, "Snapshotting instance", run_create, j);
	fe_resp_free(&scratch);
	return r;
}

int fe_snapshot_expired(const char *inst, const char *snap)
{
	struct snap_job *j = calloc(1, sizeof(*j));
	struct fe_op *op;

	if (!j)
		return -ENOMEM;
	snprintf(j->name, sizeof(j->name), "%s", inst);
	snprintf(j->snap, sizeof(j->snap), "%s", snap);
	if (fe_instance_busy(j->name, "snapshot expiry") < 0) {
		free(j);
		return -EBUSY;
	}
	j->locked = true;
	j->fn = run_delete;
	op = fe_op_new("task", "Cleaning up expired instance snapshots",
		       fe_instance_resources(j->name));
	if (!op) {
		snap_job_free(j);
		return -ENOMEM;
	}
	fe_op_start(op, run_job, j, snap_job_free);
	fe_op_wait(op, -1); /* done before the schedule's own snapshot of this minute */
	fe_op_put(op);
	return 0;
}

/* ---- get, PUT and PATCH (expires_at) through ops/object.c ---------------------------------- */

static int snap_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	struct fe_instance i;
	int r = fe_inst_load_or_404(req, resp, &i);

	if (r < 0)
		return r;
	r = path_snapshot(req, resp, i.name, obj) ? 0 : -ENOENT;
	fe_instance_free(&i);
	return r;
}

static void snap_free(void *obj)
{
	fe_snapshot_free(obj);
}

/* expires_at is all a client may change: another field with another value is a 400. */
static int snap_validate(struct fe_req *req, const void *cur, json_object *body,
			 enum fe_object_write how, struct fe_resp *resp)
{
	json_object *now = fe_snapshot_json(cur), *have;
	int r = 0;

	json_object_object_foreach(body, k, v)
	{
		if (r == 0 && strcmp(k, "expires_at") != 0 &&
		    json_object_object_get_ex(now, k, &have) && !json_object_equal(have, v)) {
			fe_error(resp, 400,
				 "Only \"expires_at\" can be changed on a snapshot: \"%.64s\" is "
				 "read-only",
				 k);
			r = -EINVAL;
		}
	}
	json_object_put(now);
	return r;
}

static int snap_lock(const void *obj, struct fe_resp *resp)
{
	const struct fe_snapshot *s = obj;

	if (fe_instance_busy(s->instance, "snapshot update") < 0) {
		fe_error(resp, 409, "Instance is busy running another operation");
		return -EBUSY;
	}
	return 0;
}

static void snap_unlock(const void *obj)
{
	const struct fe_snapshot *s = obj;

	fe_instance_idle(s->instance);
}

static int snap_store(void *obj, struct fe_resp *resp)
{
	const struct fe_snapshot *s = obj;

	if (fe_snapshot_save(s) < 0) {
		fe_error(resp, 500, "Failed to save the snapshot");
		return -EIO;
	}
	snap_lifecycle("instance-snapshot-updated", s->instance, s->name, NULL);
	return 0;
}

static int run_nothing(struct fe_op *op, void *data)
{
	(void)op;
	(void)data;
	return 0;
}

/* LXD answers both with an operation "Updating snapshot"; the change is already made. */
static int snap_done(struct fe_req *req, const void *obj, enum fe_object_write how,
		     struct fe_resp *resp)
{
	const struct fe_snapshot *s = obj;
	struct fe_op *op =
		fe_op_new("task", "Updating snapshot", fe_instance_resources(s->instance));

	if (!op)
		return fe_error(resp, 500, "Out of memory");
	fe_op_start(op, run_nothing, NULL, NULL);
	fe_async(resp, op);
	fe_op_put(op);
	return 0;
}

static const struct fe_object_ops snapshot_ops = {
	.type = &lxd_snapshot_type,
	.size = sizeof(struct fe_snapshot),
	.load = snap_load,
	.free = snap_free,
	.validate = snap_validate,
	.lock = snap_lock,
	.unlock = snap_unlock,
	.store = snap_store,
	.done = snap_done,
};

static int api_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &snapshot_ops);
}

static int api_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &snapshot_ops);
}

static int api_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &snapshot_ops);
}

/* ---- rename and delete ------------------------------------------------------------------ */

static int run_rename(struct fe_op *op, void *data)
{
	struct snap_job *j = data;
	struct ph_error e = { "" };
	json_object *ctx;
	int r = storage(PH_STORAGE_SNAPSHOT_RENAME, j->name, j->snap, j->target, &e);

	if (r < 0)
		return fe_inst_op_fail_reply(op, r, &e, "Rename instance snapshot");
	r = fe_snapshot_rename_row(j->name, j->snap, j->target);
	if (r < 0) {
		(void)storage(PH_STORAGE_SNAPSHOT_RENAME, j->name, j->target, j->snap, NULL);
		return fe_op_fail(op, -r, "Failed to record the snapshot's new name");
	}
	ctx = json_object_new_object();
	json_object_object_add(ctx, "old_name", json_object_new_string(j->snap));
	snap_lifecycle("instance-snapshot-renamed", j->name, j->target, ctx);
	return 0;
}

static int api_rename(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body = NULL;
	const char *to = "";
	bool migration = false;
	char err[FE_ERR_MAX];
	struct fe_snapshot s = { 0 }, taken;
	struct snap_job *j = NULL;

	if (fe_json_body(req, resp, &body) < 0 || fe_json_string(body, "name", "", resp, &to) < 0 ||
	    fe_json_bool(body, "migration", false, resp, &migration) < 0)
		goto out;
	if (migration) {
		fe_error(resp, 400, "Snapshot migration is not supported by this server");
		goto out;
	}
	if (fe_check_snapshot_name(to, err) < 0) {
		fe_error(resp, 400, "%s", err);
		goto out;
	}
	j = new_job(req, resp);
	if (!j || !path_snapshot(req, resp, j->name, &s))
		goto out;
	if (fe_snapshot_load(j->name, to, &taken) == 0) {
		fe_snapshot_free(&taken);
		fe_error(resp, 409, "Name \"%s\" already in use", to);
		goto out;
	}
	snprintf(j->snap, sizeof(j->snap), "%s", s.name);
	snprintf(j->target, sizeof(j->target), "%s", to);
	start_op(resp, "Renaming snapshot", run_rename, j);
	j = NULL;
out:
	snap_job_free(j);
	fe_snapshot_free(&s);
	json_object_put(body);
	return 0;
}

static int run_delete(struct fe_op *op, void *data)
{
	struct snap_job *j = data;
	struct ph_error e = { "" };
	int r = storage(PH_STORAGE_SNAPSHOT_DELETE, j->name, j->snap, NULL, &e);

	if (r < 0 && r != -ENOENT)
		return fe_inst_op_fail_reply(op, r, &e, "Delete instance snapshot");
	if (fe_snapshot_delete_row(j->name, j->snap) < 0)
		return fe_op_fail(op, EIO, "Failed to remove the snapshot's record");
	snap_lifecycle("instance-snapshot-deleted", j->name, j->snap, NULL);
	return 0;
}

static int api_delete(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_snapshot s = { 0 };
	struct snap_job *j = new_job(req, resp);

	if (!j)
		return 0;
	if (!path_snapshot(req, resp, j->name, &s)) {
		snap_job_free(j);
		return 0;
	}
	snprintf(j->snap, sizeof(j->snap), "%s", s.name);
	fe_snapshot_free(&s);
	return start_op(resp, "Deleting snapshot", run_delete, j);
}

/* ---- restore: PUT /1.0/instances/{name} {"restore": "s1" or "c1/s1"} --------------------------- */

/*
 * The instance's own config as the snapshot had it, with the volatile
 * keys it has now (its power state, id maps, nics' addresses): those are
 * the server's bookkeeping of this instance, not part of what it was.
 */
static json_object *restored_config(json_object *snap, json_object *now)
{
	json_object *c = json_object_new_object();

	json_object_object_foreach(snap, k, v)
	{
		if (strncmp(k, "volatile.", 9) != 0)
			json_object_object_add(c, k, json_object_get(v));
	}
	json_object_object_foreach(now, k2, v2)
	{
		if (strncmp(k2, "volatile.", 9) == 0)
			json_object_object_add(c, k2, json_object_get(v2));
	}
	return c;
}

static json_object *copy_json(json_object *o)
{
	json_object *c = NULL;

	return json_object_deep_copy(o, &c, NULL) == 0 ? c : json_object_new_object();
}

static int run_restore(struct fe_op *op, void *data)
{
	struct snap_job *j = data;
	struct fe_instance_state st;
	struct fe_instance i;
	struct fe_snapshot s;
	struct ph_error e = { "" };
	char err[FE_ERR_MAX];
	bool was_running;
	int r;

	if (fe_instance_load(j->name, &i) < 0)
		return fe_op_fail(op, ENOENT, "Instance not found");
	if (fe_snapshot_load(j->name, j->snap, &s) < 0) {
		fe_instance_free(&i);
		return fe_op_fail(op, ENOENT, "Instance snapshot not found");
	}
	r = fe_check_profiles(s.profiles, err);
	if (r < 0) {
		r = fe_op_fail(op, -r, "%s", err);
		goto out;
	}
	/* as LXD: a running instance is stopped (not cleanly) and started again after */
	fe_instance_state(j->name, &st);
	was_running = st.status_code == 103 || st.status_code == 110;
	if (was_running) {
		r = ph_call_instance_action(j->name, PH_ACTION_STOP, 0, true, NULL, &e);
		fe_instance_status_forget(j->name);
		if (r < 0) {
			r = fe_inst_op_fail_reply(op, r, &e, "Failed to stop the instance");
			goto out;
		}
	}
	r = storage(PH_STORAGE_SNAPSHOT_RESTORE, j->name, j->snap, NULL, &e);
	if (r < 0) {
		fe_inst_op_fail_reply(op, r, &e,
				      "Failed to restore the snapshot's root filesystem");
		goto restart;
	}
	{
		json_object *config = restored_config(s.config, i.config);

		json_object_put(i.config);
		i.config = config;
		json_object_put(i.devices);
		i.devices = copy_json(s.devices);
		json_object_put(i.profiles);
		i.profiles = copy_json(s.profiles);
		i.ephemeral = s.ephemeral;
		free(i.description);
		i.description = strdup(s.description);
	}
	if (!i.description || fe_instance_save(&i) < 0) {
		r = fe_op_fail(op, EIO, "Failed to store the restored configuration");
		goto restart;
	}
	{
		json_object *ctx = json_object_new_object();
		char src[128];

		snprintf(src, sizeof(src), "/1.0/instances/%s", j->name);
		json_object_object_add(ctx, "snapshot", json_object_new_string(j->snap));
		fe_event_lifecycle("instance-restored", src, ctx);
	}
restart:
	if (was_running) {
		int started = fe_inst_call_start(r < 0 ? NULL : op, j->name);

		if (r == 0)
			r = started;
	}
out:
	fe_snapshot_free(&s);
	fe_instance_free(&i);
	return r;
}

int fe_inst_api_restore(struct fe_req *req, struct fe_resp *resp, const char *restore)
{
	const char *slash = strchr(restore, '/'), *snap = slash ? slash + 1 : restore;
	struct fe_snapshot s;
	struct snap_job *j;

	j = new_job(req, resp);
	if (!j)
		return 0;
	/* "c1/s1" must name this instance */
	if ((slash && ((size_t)(slash - restore) != strlen(j->name) ||
		       strncmp(restore, j->name, strlen(j->name)) != 0)) ||
	    !name_device_valid(snap) || fe_snapshot_load(j->name, snap, &s) < 0) {
		snap_job_free(j);
		return fe_error(resp, 404, "Instance snapshot not found");
	}
	fe_snapshot_free(&s);
	snprintf(j->snap, sizeof(j->snap), "%s", snap);
	return start_op(resp, "Restoring snapshot", run_restore, j);
}

static const struct fe_route routes[] = {
	{ "/1.0/instances/{name}/snapshots", "GET", api_list, 0, NULL },
	{ "/1.0/instances/{name}/snapshots", "POST", api_create, 0, NULL },
	{ "/1.0/instances/{name}/snapshots/{snapshot}", "GET", api_get, 0, NULL },
	{ "/1.0/instances/{name}/snapshots/{snapshot}", "PUT", api_put, 0, NULL },
	{ "/1.0/instances/{name}/snapshots/{snapshot}", "PATCH", api_patch, 0, NULL },
	{ "/1.0/instances/{name}/snapshots/{snapshot}", "POST", api_rename, 0, NULL },
	{ "/1.0/instances/{name}/snapshots/{snapshot}", "DELETE", api_delete, 0, NULL },
	{ 0 },
};

static const char *const extensions[] = {
	"snapshot_expiry_creation", /* expires_at in the create body (lxc snapshot --no-expiry) */
	NULL,
};

const struct fe_api_module fe_module_snapshots = { "snapshots", routes, extensions };
