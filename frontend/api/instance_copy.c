// SPDX-License-Identifier: Apache-2.0
/*
 * POST /1.0/instances with source.type "copy" (LXD-API.md §11): a new,
 * stopped instance from an instance ("c1") or one of its snapshots
 * ("c1/s1"), with the source's snapshots unless instance_only (or
 * container_only) says not, as LXD 5.0's createFromCopy: the request's
 * config, devices and profiles over the source's, the source's volatile
 * keys dropped but volatile.base_image, new ones as at create (the nics'
 * hwaddr and host end made now), and the image's "copy" templates pending
 * for the first start (volatile.apply_template); with refresh, an
 * existing stopped copy brought up to date instead. The trees are moatd's
 * storage op (INSTANCE_COPY, SNAPSHOT_*: privhelper/op_snapshot.c,
 * which freezes a running source around its copy); a copy that fails
 * leaves neither a row nor a tree. Runs in moatd-api (unprivileged); the
 * body is untrusted and is checked here and by the model's rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/instances.h"
#include "model/pools.h"
#include "model/snapshots.h"
#include "ops/ops.h"
#include "ph/ph.h"

#include "instances_int.h"

/* What a copy operation was asked to do. */
struct copy_job {
	char name[NAME_MAX_LEN + 1];        /* the new instance */
	char source[NAME_MAX_LEN + 1];      /* the source instance */
	char snapshot[NAME_MAX_LEN + 1];    /* "" or the source's snapshot copied from */
	bool instance_only;                 /* without the source's snapshots */
	char pool[NAME_MAX_LEN + 1];        /* the source's pool */
	char target_pool[NAME_MAX_LEN + 1]; /* the copy's: its expanded root disk's */
};

/* "c1" or "c1/s1" into the instance's and the snapshot's names; -ENOENT if neither could be. */
static int split_source(const char *raw, char inst[static NAME_MAX_LEN + 1],
			char snap[static NAME_MAX_LEN + 1])
{
	const char *slash = strchr(raw, '/');
	size_t n = slash ? (size_t)(slash - raw) : strlen(raw);

	if (n > NAME_MAX_LEN)
		return -ENOENT;
	memcpy(inst, raw, n);
	inst[n] = '\0';
	snap[0] = '\0';
	if (slash && snprintf(snap, NAME_MAX_LEN + 1, "%s", slash + 1) > NAME_MAX_LEN)
		return -ENOENT;
	if (!name_valid_str(inst) || (slash && !name_device_valid(snap)))
		return -ENOENT;
	return 0;
}

/*
 * LXD's InstanceIncludeWhenCopying for a local copy: every key but the
 * volatile ones, of which volatile.base_image and volatile.last_state.idmap
 * stay.
 */
static bool kept_when_copying(const char *key)
{
	return strncmp(key, "volatile.", 9) != 0 || strcmp(key, "volatile.base_image") == 0 ||
	       strcmp(key, "volatile.last_state.idmap") == 0;
}

/* The source's config keys (as kept) and devices the request does not set itself. */
static void merge_source(struct fe_instance *i, const struct fe_instance *src)
{
	json_object_object_foreach(src->config, k, v)
	{
		if (kept_when_copying(k) && !json_object_object_get_ex(i->config, k, NULL))
			json_object_object_add(i->config, k, json_object_get(v));
	}
	json_object_object_foreach(src->devices, d, dv)
	{
		if (!json_object_object_get_ex(i->devices, d, NULL))
			json_object_object_add(i->devices, d, fe_json_copy(dv));
	}
}

/* {"containers": [new, source], "instances": [...]}: LXD names both. */
static json_object *copy_resources(const char *name, const char *raw_source)
{
	json_object *r = fe_instance_resources(name);
	char url[160];

	json_object_object_foreach(r, kind, urls)
	{
		snprintf(url, sizeof(url), "/1.0/%s/%s", kind, raw_source);
		json_object_array_add(urls, json_object_new_string(url));
	}
	return r;
}

/* One storage action; on failure op (if any) fails with what and moatd's reason. */
static int storage(struct fe_op *op, const struct ph_storage_args *a, const char *what)
{
	struct ph_error e = { "" };
	int r = ph_call_storage(a, &e);

	return r < 0 && op ? fe_inst_op_fail_reply(op, r, &e, what) : r;
}

/* The source's snapshots, trees (oldest first) then rows, into the new instance. */
static int copy_snapshots(struct fe_op *op, const struct copy_job *j)
{
	struct ph_storage_args a = { .action = PH_STORAGE_SNAPSHOT_COPY,
				     .pool = j->pool,
				     .name = j->source,
				     .target_pool = j->target_pool,
				     .target = j->name };
	__do_strv char **names = NULL;
	size_t n = 0;
	int r;

	if (j->instance_only || j->snapshot[0]) /* a snapshot's copy has none, as LXD's */
		return 0;
	r = fe_snapshot_names(j->source, &names, &n);
	if (r < 0)
		return fe_op_fail(op, r, "Failed to read the snapshots of \"%s\"", j->source);
	for (size_t k = 0; k < n; k++) {
		char what[NAME_MAX_LEN + 32];

		snprintf(what, sizeof(what), "Failed copying snapshot \"%s\"", names[k]);
		a.snapshot = a.target_snapshot = names[k];
		r = storage(op, &a, what);
		if (r < 0)
			return r;
	}
	r = n ? fe_snapshot_copy_rows(j->source, j->name) : 0;
	if (r < 0)
		return fe_op_fail(op, r, "Failed to record the copy's snapshots");
	return 0;
}

static int run_copy(struct fe_op *op, void *data)
{
	const struct copy_job *j = data;
	struct ph_storage_args a = { .action = PH_STORAGE_INSTANCE_COPY,
				     .pool = j->pool,
				     .name = j->source,
				     .snapshot = j->snapshot,
				     .target_pool = j->target_pool,
				     .target = j->name };
	struct ph_error e = { "" };
	int r = ph_call_storage(&a, &e);

	if (r < 0) {
		fe_inst_op_fail_reply(op, r, &e, "Failed copying the instance's storage");
		/* moatd removed what it made; EEXIST: what is there is not this copy's */
		if (r != -EEXIST)
			(void)ph_call_instance_delete(j->name, j->target_pool, NULL);
	} else {
		r = copy_snapshots(op, j);
		if (r < 0) /* the instance's tree, its snapshots' trees, its liblxc dir */
			(void)ph_call_instance_delete(j->name, j->target_pool, NULL);
	}
	fe_instance_status_forget(j->name);
	if (r < 0) {
		fe_instance_delete_row(j->name);
	} else {
		fe_instance_mark_finished(j->name);
		fe_inst_lifecycle("instance-created", j->name);
	}
	fe_instance_idle(j->name);
	fe_instance_idle(j->source);
	return r;
}

/* The snapshot of src called snap in src's place: its architecture, config, devices, profiles. */
static int from_snapshot(struct fe_instance *src, const char *snap)
{
	struct fe_snapshot s;
	int r = fe_snapshot_load(src->name, snap, &s);

	if (r < 0)
		return r;
	snprintf(src->architecture, sizeof(src->architecture), "%s", s.architecture);
	json_object_put(src->config);
	json_object_put(src->devices);
	json_object_put(src->profiles);
	src->config = s.config ? json_object_get(s.config) : json_object_new_object();
	src->devices = s.devices ? json_object_get(s.devices) : json_object_new_object();
	src->profiles = s.profiles ? json_object_get(s.profiles) : json_object_new_array();
	fe_snapshot_free(&s);
	return 0;
}

/* ---- refresh: an existing copy brought up to date ------------------------------------ */

/* Is name among the NULL-terminated names? */
static bool among(char **names, const char *name)
{
	for (size_t k = 0; names && names[k]; k++)
		if (strcmp(names[k], name) == 0)
			return true;
	return false;
}

/* Remove snapshot snap's tree of instance name (on pool), if it is there. */
static void drop_snapshot(const char *pool, const char *name, const char *snap)
{
	(void)storage(NULL,
		      &(struct ph_storage_args){ .action = PH_STORAGE_SNAPSHOT_DELETE,
						 .pool = pool,
						 .name = name,
						 .snapshot = snap },
		      NULL);
}

/* The source's snapshots the target lacks: each tree, then its row. */
static int refresh_snapshots(struct fe_op *op, const struct copy_job *j, char **have, char **want)
{
	struct ph_storage_args a = { .action = PH_STORAGE_SNAPSHOT_COPY,
				     .pool = j->pool,
				     .name = j->source,
				     .target_pool = j->target_pool,
				     .target = j->name };
	int r = 0;

	for (size_t k = 0; r == 0 && want && want[k]; k++) {
		char what[NAME_MAX_LEN + 32];
		struct fe_snapshot s;

		if (among(have, want[k]))
			continue;
		snprintf(what, sizeof(what), "Failed copying snapshot \"%s\"", want[k]);
		a.snapshot = a.target_snapshot = want[k];
		r = storage(op, &a, what);
		if (r < 0)
			break;
		r = fe_snapshot_load(j->source, want[k], &s);
		if (r == 0) {
			snprintf(s.instance, sizeof(s.instance), "%s", j->name);
			r = fe_snapshot_insert(&s);
			fe_snapshot_free(&s);
		}
		if (r < 0) { /* the tree without its row would be an orphan */
			drop_snapshot(j->target_pool, j->name, want[k]);
			fe_op_fail(op, r, "Failed to record snapshot \"%s\"", want[k]);
		}
	}
	return r;
}

/*
 * The target's rootfs becomes the source's (or the source snapshot's) as
 * it is now: the source is snapshotted under a name neither has (frozen if
 * it runs), that snapshot copied into the target's snapshots and restored
 * there, both removed after. Then the source's snapshots the target lacks
 * are copied; the target's own snapshots, config and devices stay.
 */
static int run_refresh(struct fe_op *op, void *data)
{
	const struct copy_job *j = data;
	__do_strv char **have = NULL, **want = NULL;
	char tmp[NAME_MAX_LEN + 1];
	size_t nh = 0, nw = 0;
	int r = fe_snapshot_names(j->name, &have, &nh);

	if (r == 0)
		r = fe_snapshot_names(j->source, &want, &nw);
	if (r < 0) {
		fe_op_fail(op, r, "Failed to read the snapshots");
		goto out;
	}
	for (unsigned n = 0;; n++) {
		snprintf(tmp, sizeof(tmp), "moat-refresh-%u", n);
		if (!among(have, tmp) && !among(want, tmp))
			break;
	}
	if (!j->snapshot[0])
		r = storage(op,
			    &(struct ph_storage_args){ .action = PH_STORAGE_SNAPSHOT_CREATE,
						       .pool = j->pool,
						       .name = j->source,
						       .snapshot = tmp },
			    "Failed to take the source as it is");
	if (r == 0)
		r = storage(
			op,
			&(struct ph_storage_args){ .action = PH_STORAGE_SNAPSHOT_COPY,
						   .pool = j->pool,
						   .name = j->source,
						   .snapshot = j->snapshot[0] ? j->snapshot : tmp,
						   .target_pool = j->target_pool,
						   .target = j->name,
						   .target_snapshot = tmp },
			"Failed copying the source");
	if (!j->snapshot[0])
		drop_snapshot(j->pool, j->source, tmp);
	if (r == 0)
		r = storage(op,
			    &(struct ph_storage_args){ .action = PH_STORAGE_SNAPSHOT_RESTORE,
						       .pool = j->target_pool,
						       .name = j->name,
						       .snapshot = tmp },
			    "Failed to refresh the instance's root");
	drop_snapshot(j->target_pool, j->name, tmp);
	if (r == 0 && !j->instance_only && !j->snapshot[0])
		r = refresh_snapshots(op, j, have, want);
	if (r == 0)
		fe_inst_lifecycle("instance-updated", j->name);
out:
	fe_instance_status_forget(j->name);
	fe_instance_idle(j->name);
	fe_instance_idle(j->source);
	return r;
}

/* Refresh the existing, stopped instance j->name from j->source (raw: as the request named it). */
static int start_refresh(struct fe_resp *resp, struct copy_job *j, const char *raw)
{
	struct fe_instance_state st;
	struct fe_op *op;

	if (strcmp(j->name, j->source) == 0)
		return fe_error(resp, 400, "An instance cannot be refreshed from itself");
	if (fe_instance_busy(j->source, "copy") < 0)
		return fe_error(resp, 409, "Instance \"%s\" is busy running another operation",
				j->source);
	if (fe_instance_busy(j->name, "refresh") < 0) {
		fe_instance_idle(j->source);
		return fe_error(resp, 409, "Instance \"%s\" is busy running another operation",
				j->name);
	}
	if (fe_instance_state(j->name, &st) < 0 || st.status_code != 102) {
		fe_instance_idle(j->name);
		fe_instance_idle(j->source);
		return fe_error(resp, 400, "Cannot refresh a running instance");
	}
	op = fe_op_new("task", "Creating instance", copy_resources(j->name, raw));
	if (!op) {
		fe_instance_idle(j->name);
		fe_instance_idle(j->source);
		return fe_error(resp, 500, "Out of memory");
	}
	fe_op_start(op, run_refresh, j, free);
	fe_async(resp, op);
	fe_op_put(op);
	return 0;
}

/*
 * The new instance's row from the request (name, description, ephemeral,
 * config, devices, profiles: NULL when not given) over the source's, as
 * LXD's createFromCopy merges them.
 */
static void build(struct fe_instance *i, const struct fe_instance *src, const char *desc,
		  bool ephemeral, json_object *config, json_object *devices, json_object *profiles)
{
	json_object *base;

	snprintf(i->architecture, sizeof(i->architecture), "%s", src->architecture);
	snprintf(i->type, sizeof(i->type), "container");
	i->ephemeral = ephemeral;
	i->description = strdup(desc);
	fe_inst_now_rfc3339(i->created_at);
	snprintf(i->last_used_at, sizeof(i->last_used_at), "1970-01-01T00:00:00Z");
	i->config = config ? fe_json_copy(config) : json_object_new_object();
	i->devices = devices ? fe_json_copy(devices) : json_object_new_object();
	i->profiles = fe_json_copy(profiles ? profiles : src->profiles);
	merge_source(i, src);
	fe_inst_fresh_volatile(i->config);
	/* the image's "copy" templates (the hostname) at the first start, as LXD's DeferTemplateApply */
	json_object_object_add(i->config, "volatile.apply_template",
			       json_object_new_string("copy"));
	if (json_object_object_get_ex(i->config, "volatile.base_image", &base))
		snprintf(i->base_image, sizeof(i->base_image), "%s", json_object_get_string(base));
	fe_nics_create(i); /* new volatile.<dev>.hwaddr and host ends, as at create */
}

int fe_inst_create_copy(struct fe_resp *resp, json_object *body, json_object *source)
{
	const char *name = "", *desc = "", *raw = "";
	json_object *config = NULL, *devices = NULL, *profiles = NULL;
	bool ephemeral = false, stateful = false, ionly = false, conly = false, refresh = false;
	struct fe_instance src = { 0 }, i = { 0 }, old;
	struct copy_job *j = NULL;
	struct fe_op *op;
	int r;

	if (fe_json_string(body, "name", "", resp, &name) < 0 ||
	    fe_json_string(body, "description", "", resp, &desc) < 0 ||
	    fe_json_bool(body, "ephemeral", false, resp, &ephemeral) < 0 ||
	    fe_json_bool(body, "stateful", false, resp, &stateful) < 0 ||
	    fe_json_string_map(body, "config", resp, &config) < 0 ||
	    fe_json_object(body, "devices", resp, &devices) < 0 ||
	    fe_json_strings(body, "profiles", resp, &profiles) < 0 ||
	    fe_json_string(source, "source", "", resp, &raw) < 0 ||
	    fe_json_bool(source, "instance_only", false, resp, &ionly) < 0 ||
	    fe_json_bool(source, "container_only", false, resp, &conly) < 0 ||
	    fe_json_bool(source, "refresh", false, resp, &refresh) < 0)
		return 0;
	if (!*raw)
		return fe_error(resp, 400, "Must specify a source instance");
	j = calloc(1, sizeof(*j));
	if (!j)
		return fe_error(resp, 500, "Out of memory");
	if (split_source(raw, j->source, j->snapshot) < 0 ||
	    fe_instance_load(j->source, &src) < 0) {
		fe_error(resp, 404, "Instance not found");
		goto out;
	}
	if (j->snapshot[0] && from_snapshot(&src, j->snapshot) < 0) {
		fe_error(resp, 404, "Instance not found");
		goto out;
	}
	if (*name)
		snprintf(i.name, sizeof(i.name), "%s", name);
	else
		fe_inst_pick_name(i.name);
	if (stateful) { /* LXD's check; a local copy never has the source's name */
		fe_error(resp, 400,
			 "Copying stateful instances requires that source \"%s\" and target \"%s\" "
			 "name be identical",
			 j->source, i.name);
		goto out;
	}
	if (refresh && fe_instance_load(i.name, &old) == 0) { /* else a copy, as LXD's */
		fe_instance_free(&old);
		snprintf(j->name, sizeof(j->name), "%s", i.name);
		j->instance_only = ionly || conly;
		snprintf(j->pool, sizeof(j->pool), "%s", src.pool);
		snprintf(j->target_pool, sizeof(j->target_pool), "%s", fe_instance_pool(i.name));
		if (start_refresh(resp, j, raw) == 0)
			j = NULL; /* the operation's */
		goto out;
	}
	build(&i, &src, desc, ephemeral, config, devices, profiles);
	if (!i.description || !i.config || !i.devices || !i.profiles) {
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	if (fe_inst_check_body(i.name, i.config, i.devices, i.profiles, resp) < 0)
		goto out;
	/* the copy's pool: its expanded root disk's (the source's unless the request moves it) */
	if (fe_instance_root_pool(&i, i.pool) < 0) {
		fe_error(resp, 400, "No root device could be found");
		goto out;
	}
	if (fe_pool_exists(i.pool) < 0) {
		fe_error(resp, 404, "Failed to get storage pool \"%s\": Storage pool not found",
			 i.pool);
		goto out;
	}
	/* the source stays as it is (no start, stop, delete, snapshot) until its copy is whole */
	if (fe_instance_busy(j->source, "copy") < 0) {
		fe_error(resp, 409, "Instance \"%s\" is busy running another operation", j->source);
		goto out;
	}
	if (fe_instance_busy(i.name, "create") < 0) {
		fe_instance_idle(j->source);
		fe_error(resp, 409, "Instance \"%s\" is busy", i.name);
		goto out;
	}
	r = fe_instance_insert(&i);
	if (r < 0) {
		fe_instance_idle(i.name);
		fe_instance_idle(j->source);
		if (r == -EEXIST)
			fe_error(resp, 409, "Instance \"%s\" already exists", i.name);
		else if (r == -ENOENT) /* the pool was deleted meanwhile */
			fe_error(resp, 404,
				 "Failed to get storage pool \"%s\": Storage pool not found",
				 i.pool);
		else
			fe_error(resp, 500, "Failed to record the instance");
		goto out;
	}
	(void)fe_instance_mark_unfinished(i.name); /* a daemon killed meanwhile: swept */
	snprintf(j->name, sizeof(j->name), "%s", i.name);
	j->instance_only = ionly || conly;
	snprintf(j->pool, sizeof(j->pool), "%s", src.pool);
	snprintf(j->target_pool, sizeof(j->target_pool), "%s", i.pool);
	op = fe_op_new("task", "Creating instance", copy_resources(i.name, raw));
	if (!op) {
		fe_instance_delete_row(i.name);
		fe_instance_idle(i.name);
		fe_instance_idle(j->source);
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	fe_op_start(op, run_copy, TAKE_PTR(j), free);
	fe_async(resp, op);
	fe_op_put(op);
out:
	free(j);
	fe_instance_free(&src);
	fe_instance_free(&i);
	return 0;
}
