// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/instances (and /1.0/containers, which pylxd uses) in LXD's shapes
 * (LXD-API.md §7, §8): list with recursion and filters, create from an
 * image or empty, get, PUT, PATCH and delete, and the module's route
 * table; the state and its changes are instance_state.c's. Runs in
 * moatd-api (unprivileged); bodies, paths and queries are untrusted. Root
 * work (the rootfs, liblxc) is asked of moatd through typed ops.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "core/http.h"
#include "log.h"
#include "model/instances.h"
#include "model/live.h"
#include "model/pools.h"
#include "model/watch.h"
#include "ops/events.h"
#include "ops/object.h"
#include "ops/ops.h"
#include "ph/ph.h"

#include "instances_int.h"

/* ---- filters: "key eq value [and key ne value ...]" on top-level fields ---- */

struct cond {
	char key[64];
	char value[256];
	bool negate;
};

static int parse_filter(const char *f, struct cond *conds, size_t cap, size_t *ret_n,
			struct fe_resp *resp)
{
	char buf[1024];
	size_t n = 0;
	char *save = NULL, *tok;
	int state = 0;

	if (!f || !*f) {
		*ret_n = 0;
		return 0;
	}
	if (strlen(f) >= sizeof(buf)) {
		fe_error(resp, 400, "Invalid filter: too long");
		return -EINVAL;
	}
	memcpy(buf, f, strlen(f) + 1);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		switch (state) {
		case 0:
			if (n >= cap || strlen(tok) >= sizeof(conds[n].key))
				goto bad;
			memcpy(conds[n].key, tok, strlen(tok) + 1);
			state = 1;
			break;
		case 1:
			if (strcmp(tok, "eq") != 0 && strcmp(tok, "ne") != 0)
				goto bad;
			conds[n].negate = tok[0] == 'n';
			state = 2;
			break;
		case 2: {
			size_t l = strlen(tok);

			if (l >= 2 && (tok[0] == '"' || tok[0] == '\'') && tok[l - 1] == tok[0]) {
				tok[l - 1] = '\0';
				tok++;
			}
			if (strlen(tok) >= sizeof(conds[n].value))
				goto bad;
			memcpy(conds[n].value, tok, strlen(tok) + 1);
			n++;
			state = 3;
			break;
		}
		case 3:
			if (strcmp(tok, "and") != 0)
				goto bad;
			state = 0;
			break;
		}
	}
	if (state != 3)
		goto bad;
	*ret_n = n;
	return 0;
bad:
	fe_error(resp, 400, "Invalid filter \"%.200s\": only \"key eq|ne value\" joined by \"and\"",
		 f);
	return -EINVAL;
}

/* Match one object's top-level field (or config.x / expanded_config.x). */
static bool matches(json_object *o, const struct cond *c, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		json_object *v = NULL;
		const char *key = c[k].key, *dot = strchr(key, '.');
		const char *s;
		bool eq;

		if (dot && (strncmp(key, "config.", 7) == 0 ||
			    strncmp(key, "expanded_config.", 16) == 0)) {
			json_object *m;
			char top[32];

			snprintf(top, sizeof(top), "%.*s", (int)(dot - key), key);
			if (json_object_object_get_ex(o, top, &m))
				json_object_object_get_ex(m, dot + 1, &v);
		} else {
			json_object_object_get_ex(o, key, &v);
		}
		s = v ? json_object_get_string(v) : "";
		eq = strcasecmp(s, c[k].value) == 0;
		if (eq == c[k].negate)
			return false;
	}
	return true;
}

/* ---- list and get ------------------------------------------------------------ */

static const char *prefix(const struct fe_req *req)
{
	return fe_client_prefix(req, "/1.0/instances");
}

/*
 * The state of every instance of a recursion=2 list, asked of moatd by a
 * few threads at once: each running instance is a round trip to a worker
 * moatd forks (its addresses and counters), and one after the other they
 * were most of the list's time. The threads only fill
 * st[] and net[] (trees they make themselves); the list is built after
 * they are joined, in one thread, as json-c wants.
 */
#define LIST_THREADS 4

struct prefetch {
	const struct fe_instance *all;
	size_t n;
	atomic_size_t next;
	struct fe_instance_state *st;
	json_object **net;
};

static void *prefetch_worker(void *arg)
{
	struct prefetch *pf = arg;
	size_t k;

	while ((k = atomic_fetch_add(&pf->next, 1)) < pf->n) {
		pf->net[k] = fe_instance_state_network(pf->all[k].name, &pf->st[k]);
	}
	return NULL;
}

static void prefetch_states(struct prefetch *pf)
{
	pthread_t t[LIST_THREADS - 1];
	size_t started = 0;

	for (size_t k = 0; k + 1 < LIST_THREADS && k + 1 < pf->n; k++) {
		if (pthread_create(&t[started], NULL, prefetch_worker, pf) != 0)
			break; /* fewer helpers: this thread does the rest */
		started++;
	}
	prefetch_worker(pf);
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
}

static int api_list(struct fe_req *req, struct fe_resp *resp)
{
	json_object *out, *profiles;
	struct fe_instance *all;
	struct cond conds[16];
	struct prefetch pf = { 0 };
	size_t n, nconds = 0;
	int rec = fe_recursion(req), r;

	if (parse_filter(fe_query(req, "filter"), conds, 16, &nconds, resp) < 0)
		return 0;
	if (fe_instance_load_all(&all, &n) < 0)
		return fe_error(resp, 500, "Failed to read the instances");
	pf.all = all;
	pf.n = n;
	if (rec >= 2 && n > 0) {
		pf.st = calloc(n, sizeof(*pf.st));
		pf.net = calloc(n, sizeof(*pf.net));
		if (!pf.st || !pf.net) {
			free(pf.st);
			free(pf.net);
			fe_instances_free(all, n);
			return fe_error(resp, 500, "Out of memory");
		}
		prefetch_states(&pf);
	}
	profiles = fe_profiles_load(NULL);
	out = json_object_new_array();
	for (size_t k = 0; k < n; k++) {
		struct fe_instance_state st;
		json_object *o;
		char url[128];

		if (rec >= 2)
			st = pf.st[k];
		else
			fe_instance_status(all[k].name, &st);
		o = fe_instance_json(&all[k], &st, rec >= 2, profiles, pf.net ? pf.net[k] : NULL);
		if (!matches(o, conds, nconds)) {
			json_object_put(o);
			continue;
		}
		if (rec >= 1) {
			json_object_array_add(out, o);
		} else {
			json_object_put(o);
			snprintf(url, sizeof(url), "%s/%s", prefix(req), all[k].name);
			json_object_array_add(out, json_object_new_string(url));
		}
	}
	json_object_put(profiles);
	fe_instances_free(all, n);
	free(pf.st);
	free(pf.net);
	r = fe_sync(resp, out);
	/* a long list frees many small objects: give the pages back */
	if (n > 64)
		malloc_trim(0);
	return r;
}

/* Load the instance named in the path, or answer 404. */
int fe_inst_load_or_404(struct fe_req *req, struct fe_resp *resp, struct fe_instance *ret)
{
	const char *name = fe_param(req, "name");

	if (!name_valid_str(name) || fe_instance_load(name, ret) < 0) {
		fe_error(resp, 404, "Instance not found");
		return -ENOENT;
	}
	return 0;
}

/* GET, PUT and PATCH go through ops/object.c, with the callbacks below. */
static const struct fe_object_ops instance_ops;

static int api_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &instance_ops);
}

/* ---- operations ----------------------------------------------------------------- */

/* Fail an operation with moatd's message when it sent one. */
int fe_inst_op_fail_reply(struct fe_op *op, int r, const struct ph_error *e, const char *what)
{
	const char *msg = e->msg[0] ? e->msg : NULL;
	int len = (int)strlen(e->msg);

	if (msg) {
		/* moatd's errors read "op: reason"; clients want the reason */
		const char *colon = memchr(msg, ':', (size_t)len);

		if (colon && colon + 2 <= msg + len) {
			len -= (int)(colon + 2 - msg);
			msg = colon + 2;
		}
		r = fe_op_fail(op, r, "%s: %.*s", what, len, msg);
	} else {
		r = fe_op_fail(op, r, "%s: %s", what, strerror(-r));
	}
	return r;
}

static int do_delete_storage(const struct job *j, struct ph_error *ret_error)
{
	int r = ph_call_instance_delete(j->name, j->pool[0] ? j->pool : fe_instance_pool(j->name),
					ret_error);

	fe_instance_status_forget(j->name);
	return r;
}

void fe_inst_lifecycle(const char *action, const char *name)
{
	char src[128];

	snprintf(src, sizeof(src), "/1.0/instances/%s", name);
	fe_event_lifecycle(action, src, NULL);
}

static int run_create(struct fe_op *op, void *data)
{
	struct job *j = data;
	struct ph_error e;
	int r;

	if (j->fingerprint[0]) {
		char path[4096];
		__do_close int fd = -EBADF;

		snprintf(path, sizeof(path), "%s/images/%s", fe_srv.dir, j->fingerprint);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = fe_op_fail(op, errno, "Image file is missing: %s", strerror(errno));
			goto undo;
		}
		r = ph_call_image_unpack(j->fingerprint, j->pool, fd, NULL, &e);
		if (r < 0) {
			fe_inst_op_fail_reply(op, r, &e, "Failed to unpack the image");
			goto undo;
		}
		fe_pool_image_add(j->pool, j->fingerprint); /* an image volume, in used_by */
	}
	r = ph_call_instance_create(j->name, j->pool, j->fingerprint, &e);
	if (r < 0) {
		fe_inst_op_fail_reply(op, r, &e, "Failed creating instance storage");
		goto undo;
	}
	fe_instance_mark_finished(j->name);
	fe_instance_idle(j->name);
	fe_inst_lifecycle("instance-created", j->name);
	return 0;
undo: /* nothing half-created: storage, then the row */
	(void)do_delete_storage(j, NULL);
	fe_instance_delete_row(j->name);
	fe_instance_idle(j->name);
	return r < 0 ? r : -EIO;
}

void fe_inst_now_rfc3339(char ret[static 64])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fe_time_format(&ts, ret);
}

/* A free name like LXD's "adjective-noun" choices. */
void fe_inst_pick_name(char ret[static NAME_MAX_LEN + 1])
{
	static const char *const adj[] = { "amber", "brave", "calm",  "deft",  "eager", "fair",
					   "glad",  "keen",  "lucid", "merry", "noble", "quick",
					   "rapid", "sunny", "tidy",  "vivid" };
	static const char *const noun[] = { "badger", "cedar", "dove",   "falcon",
					    "gecko",  "heron", "ibex",   "lynx",
					    "marten", "otter", "puffin", "raven",
					    "stoat",  "tern",  "vole",   "wren" };

	for (int tries = 0; tries < 64; tries++) {
		uint8_t b[2] = { 0 };
		struct fe_instance i;

		(void)!getrandom(b, sizeof(b), 0);
		snprintf(ret, NAME_MAX_LEN + 1, "%s-%s", adj[b[0] % 16], noun[b[1] % 16]);
		if (fe_instance_load(ret, &i) < 0)
			return;
		fe_instance_free(&i);
	}
	snprintf(ret, NAME_MAX_LEN + 1, "moat-%u", (unsigned)getpid());
}

/*
 * What a create or an update names, against the model's rules (an empty
 * name: none given); on failure resp holds the answer.
 */
int fe_inst_check_body(const char *name, json_object *config, json_object *devices,
		       json_object *profiles, struct fe_resp *resp)
{
	char err[FE_ERR_MAX];
	int r;

	if ((*name && fe_check_instance_name(name, err) < 0) || fe_check_config(config, err) < 0 ||
	    fe_check_devices(devices, err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	r = fe_check_profiles(profiles, err);
	if (r < 0)
		fe_error(resp, r == -EIO ? 500 : 400, "%s", err);
	return r;
}

/* A new instance's volatile keys (create and copy): the shared id map, stopped. */
void fe_inst_fresh_volatile(json_object *config)
{
	char idmap[256];

	snprintf(idmap, sizeof(idmap),
		 "[{\"Isuid\":true,\"Isgid\":false,\"Hostid\":%u,\"Nsid\":0,\"Maprange\":65536},"
		 "{\"Isuid\":false,\"Isgid\":true,\"Hostid\":%u,\"Nsid\":0,\"Maprange\":65536}]",
		 fe_srv.idmap_base, fe_srv.idmap_base);
	json_object_object_add(config, "volatile.idmap.base", json_object_new_string("0"));
	json_object_object_add(config, "volatile.idmap.next", json_object_new_string(idmap));
	json_object_object_add(config, "volatile.last_state.idmap", json_object_new_string("[]"));
	json_object_object_add(config, "volatile.last_state.power",
			       json_object_new_string("STOPPED"));
}

static int api_create(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body = NULL, *source = NULL, *config = NULL, *devices = NULL, *profiles = NULL;
	const char *name = "", *type = "container", *stype = "", *alias = "", *fp = "", *desc = "";
	struct fe_instance i = { 0 };
	struct job *j = NULL;
	json_object *props = NULL;
	bool ephemeral = false, templates = false;
	struct fe_op *op;
	int r;

	if (fe_json_body(req, resp, &body) < 0)
		return 0;
	if (fe_json_string(body, "name", "", resp, &name) < 0 ||
	    fe_json_string(body, "type", "container", resp, &type) < 0 ||
	    fe_json_string(body, "description", "", resp, &desc) < 0 ||
	    fe_json_bool(body, "ephemeral", false, resp, &ephemeral) < 0 ||
	    fe_json_string_map(body, "config", resp, &config) < 0 ||
	    fe_json_object(body, "devices", resp, &devices) < 0 ||
	    fe_json_strings(body, "profiles", resp, &profiles) < 0 ||
	    fe_json_object(body, "source", resp, &source) < 0)
		goto out;
	if (source && (fe_json_string(source, "type", "", resp, &stype) < 0 ||
		       fe_json_string(source, "alias", "", resp, &alias) < 0 ||
		       fe_json_string(source, "fingerprint", "", resp, &fp) < 0))
		goto out;
	if (*type && strcmp(type, "container") != 0) {
		fe_error(resp, 400, "Instance type \"%.32s\" is not supported: only containers",
			 type);
		goto out;
	}
	if (strcmp(stype, "copy") == 0) {
		fe_inst_create_copy(resp, body, source);
		goto out;
	}
	if (strcmp(stype, "image") != 0 && strcmp(stype, "none") != 0) {
		fe_error(resp, 400, "Unsupported instance source type \"%.32s\"", stype);
		goto out;
	}
	if (fe_inst_check_body(name, config, devices, profiles, resp) < 0)
		goto out;
	if (strcmp(stype, "image") == 0 &&
	    fe_instance_image(alias, fp, i.base_image, &props, &templates) < 0) {
		fe_error(resp, 404, "Image not found");
		goto out;
	}

	if (*name)
		snprintf(i.name, sizeof(i.name), "%s", name);
	else
		fe_inst_pick_name(i.name);
	snprintf(i.architecture, sizeof(i.architecture), "x86_64");
	snprintf(i.type, sizeof(i.type), "container");
	i.ephemeral = ephemeral;
	i.description = strdup(desc);
	fe_inst_now_rfc3339(i.created_at);
	snprintf(i.last_used_at, sizeof(i.last_used_at), "1970-01-01T00:00:00Z");
	i.config = json_object_new_object();
	if (config) {
		json_object_object_foreach(config, k, v)
		{
			json_object_object_add(i.config, k, json_object_get(v));
		}
	}
	if (props) {
		json_object_object_foreach(props, pk, pv)
		{
			char key[300];

			snprintf(key, sizeof(key), "image.%s", pk);
			json_object_object_add(i.config, key, json_object_get(pv));
		}
	}
	if (i.base_image[0])
		json_object_object_add(i.config, "volatile.base_image",
				       json_object_new_string(i.base_image));
	fe_inst_fresh_volatile(i.config);
	if (templates)
		json_object_object_add(i.config, "volatile.apply_template",
				       json_object_new_string("create"));
	i.devices = devices ? json_object_get(devices) : json_object_new_object();
	if (profiles) {
		i.profiles = json_object_get(profiles);
	} else {
		i.profiles = json_object_new_array();
		json_object_array_add(i.profiles, json_object_new_string("default"));
	}

	fe_nics_create(&i); /* volatile.<dev>.hwaddr from the start, as LXD's */
	/* the pool: the expanded root disk's, which must be there (held while the row is made) */
	if (fe_instance_root_pool(&i, i.pool) < 0) {
		fe_error(resp, 400, "No root device could be found");
		goto out;
	}
	if (fe_pool_exists(i.pool) < 0) {
		fe_error(resp, 404, "Failed to get storage pool \"%s\": Storage pool not found",
			 i.pool);
		goto out;
	}
	if (fe_instance_busy(i.name, "create") < 0) {
		fe_error(resp, 409, "Instance \"%s\" is busy", i.name);
		goto out;
	}
	r = fe_instance_insert(&i);
	if (r < 0) {
		fe_instance_idle(i.name);
		if (r == -EEXIST)
			fe_error(resp, 409, "Instance \"%s\" already exists", i.name);
		else if (r == -ENOENT) /* deleted meanwhile */
			fe_error(resp, 404,
				 "Failed to get storage pool \"%s\": Storage pool not found",
				 i.pool);
		else
			fe_error(resp, 500, "Failed to record the instance");
		goto out;
	}
	(void)fe_instance_mark_unfinished(i.name);
	j = calloc(1, sizeof(*j));
	op = j ? fe_op_new("task", "Creating instance", fe_instance_resources(i.name)) : NULL;
	if (!op) {
		fe_instance_delete_row(i.name);
		fe_instance_idle(i.name);
		free(j);
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	snprintf(j->name, sizeof(j->name), "%s", i.name);
	snprintf(j->fingerprint, sizeof(j->fingerprint), "%s", i.base_image);
	snprintf(j->pool, sizeof(j->pool), "%s", i.pool);
	fe_op_start(op, run_create, j, free);
	fe_async(resp, op);
	fe_op_put(op);
out:
	json_object_put(props);
	fe_instance_free(&i);
	json_object_put(body);
	return 0;
}

/* ---- PUT and PATCH: the instance's own configuration ---------------------------------- */

static void no_work_done(void *p)
{
	(void)p;
}

static int run_nothing(struct fe_op *op, void *data)
{
	(void)op;
	(void)data;
	return 0;
}

static int instance_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	return fe_inst_load_or_404(req, resp, obj);
}

static void instance_free(void *obj)
{
	fe_instance_free(obj);
}

/* recursion=1 adds state, snapshots and backups. */
static json_object *instance_render(struct fe_req *req, const void *obj)
{
	const struct fe_instance *i = obj;
	struct fe_instance_state st;

	if (fe_recursion(req) >= 1) {
		json_object *net = fe_instance_state_network(i->name, &st);

		return fe_instance_json(i, &st, true, NULL, net);
	}
	fe_instance_status(i->name, &st);
	return fe_instance_json(i, &st, false, NULL, NULL);
}

static json_object *body_field(json_object *body, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(body, key, &v);
	return v;
}

/*
 * What the table does not say of a PUT or PATCH body (its types are
 * checked): no restore in a PATCH, the architecture stays, and the config keys,
 * devices and profiles are the schema's to check.
 */
static int instance_validate(struct fe_req *req, const void *cur, json_object *body,
			     enum fe_object_write how, struct fe_resp *resp)
{
	const struct fe_instance *i = cur;
	json_object *restore = body_field(body, "restore"),
		    *arch = body_field(body, "architecture");

	/* a PUT with a restore is api_put's (fe_inst_api_restore) */
	if (restore && *json_object_get_string(restore)) {
		fe_error(resp, 400, "Can't call PATCH in restore mode");
		return -EINVAL;
	}
	if (arch && *json_object_get_string(arch) &&
	    strcmp(json_object_get_string(arch), i->architecture) != 0) {
		fe_error(resp, 400, "The architecture of an instance cannot be changed");
		return -EINVAL;
	}
	return fe_inst_check_body("", body_field(body, "config"), body_field(body, "devices"),
				  body_field(body, "profiles"), resp);
}

/* One operation at a time: the change waits for none, it is refused. */
static int instance_lock(const void *obj, struct fe_resp *resp)
{
	const struct fe_instance *i = obj;

	if (fe_instance_busy(i->name, "update") < 0) {
		fe_error(resp, 409, "Instance is busy running another operation");
		return -EBUSY;
	}
	return 0;
}

static void instance_unlock(const void *obj)
{
	const struct fe_instance *i = obj;

	fe_instance_idle(i->name);
}

static int instance_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	json_object *xc = NULL, *xd = NULL;
	char err[FE_ERR_MAX];
	int r = 0;

	(void)how;
	if (!fe_instance_has_root_disk(obj)) {
		fe_error(resp, 400, "No root device could be found");
		return -EINVAL;
	}
	if (fe_instance_expand(obj, &xc, &xd) == 0 && fe_pool_change_check(obj, xd, err) < 0) {
		fe_error(resp, 400, "%s", err);
		r = -EINVAL;
	}
	json_object_put(xc);
	json_object_put(xd);
	return r;
}

/*
 * Stored; what changes live on a running (or frozen) instance (its
 * limits, model/live.c) is applied first, as LXD's live update, so a
 * refusal stores nothing, and undone if the write fails; everything else
 * takes effect at the next start.
 */
static int instance_store(void *obj, struct fe_resp *resp)
{
	const struct fe_instance *i = obj;
	struct fe_instance old;
	struct fe_instance_state st;
	json_object *oxc = NULL, *oxd = NULL, *nxc = NULL, *nxd = NULL;
	struct ph_error e = { "" };
	bool live = false;
	int r = 0;

	if (fe_instance_status(i->name, &st) == 0 &&
	    (st.status_code == 103 || st.status_code == 110) &&
	    fe_instance_load(i->name, &old) == 0) {
		live = fe_instance_expand(&old, &oxc, &oxd) == 0 &&
		       fe_instance_expand(i, &nxc, &nxd) == 0;
		fe_instance_free(&old);
	}
	if (live) {
		r = fe_live_apply(i->name, oxc, oxd, nxc, nxd, &e);
		if (r < 0) {
			fe_error(resp, 500, "Failed to update the running instance: %s",
				 e.msg[0] ? e.msg : strerror(-r));
			goto out;
		}
		fe_nics_keep_volatile(i->config, nxc); /* a hot-plugged nic's hwaddr, host end */
	}
	if (fe_instance_save(i) < 0) {
		if (live)
			(void)fe_live_apply(i->name, nxc, nxd, oxc, oxd, NULL);
		fe_error(resp, 500, "Failed to save the instance");
		r = -EIO;
	} else if (live) {
		fe_nics_sync_changed(oxd, nxd); /* a hot-plugged nic's name in DNS */
	}
out:
	json_object_put(oxc);
	json_object_put(oxd);
	json_object_put(nxc);
	json_object_put(nxd);
	return r;
}

static int instance_done(struct fe_req *req, const void *obj, enum fe_object_write how,
			 struct fe_resp *resp)
{
	const struct fe_instance *i = obj;
	struct fe_op *op;

	if (how == FE_OBJECT_PATCH)
		return fe_sync(resp, json_object_new_object());
	/* LXD answers PUT with an operation; the work is already done */
	op = fe_op_new("task", "Updating instance", fe_instance_resources(i->name));
	if (!op)
		return fe_error(resp, 500, "Out of memory");
	fe_op_start(op, run_nothing, NULL, no_work_done);
	fe_async(resp, op);
	fe_op_put(op);
	return 0;
}

static const struct fe_object_ops instance_ops = {
	.type = &lxd_instance_type,
	.size = sizeof(struct fe_instance),
	.load = instance_load,
	.free = instance_free,
	.render = instance_render,
	.validate = instance_validate,
	.lock = instance_lock,
	.unlock = instance_unlock,
	.check = instance_check,
	.store = instance_store,
	.done = instance_done,
};

/* A PUT with "restore" only restores that snapshot (api/snapshots.c), the rest ignored as LXD. */
static int api_put(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body = NULL, *restore = NULL;
	struct fe_resp scratch = { 0 }; /* a bad body: fe_object_put answers it */
	int r;

	r = fe_json_body(req, &scratch, &body);
	fe_resp_free(&scratch);
	if (r == 0 && json_object_object_get_ex(body, "restore", &restore) &&
	    json_object_is_type(restore, json_type_string) && *json_object_get_string(restore)) {
		r = fe_inst_api_restore(req, resp, json_object_get_string(restore));
		json_object_put(body);
		return r;
	}
	json_object_put(body);
	return fe_object_put(req, resp, &instance_ops);
}

static int api_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &instance_ops);
}

/* ---- delete ------------------------------------------------------------------------ */

/* An ephemeral instance is gone once it stops. op is NULL for the watcher. */
int fe_inst_delete_everything(struct fe_op *op, const char *name)
{
	struct job j = { 0 };
	struct ph_error e;
	int r;

	snprintf(j.name, sizeof(j.name), "%s", name);
	fe_watch_forget(name);
	r = do_delete_storage(&j, &e);
	if (r < 0 && !op) {
		log_error("deleting instance \"%s\": %s", name, strerror(-r));
		return r;
	}
	if (r < 0)
		return fe_inst_op_fail_reply(op, r, &e, "Failed deleting the instance");
	fe_instance_logs_remove(name);
	return fe_instance_delete_row(name);
}

static int run_delete(struct fe_op *op, void *data)
{
	struct job *j = data;
	int r = fe_inst_delete_everything(op, j->name);

	fe_instance_idle(j->name);
	if (r == 0)
		fe_inst_lifecycle("instance-deleted", j->name);
	return r;
}

static int api_delete(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_instance i;
	struct fe_instance_state st;
	struct job *j;
	struct fe_op *op;

	if (fe_inst_load_or_404(req, resp, &i) < 0)
		return 0;
	fe_instance_state(i.name, &st);
	if (st.status_code != 102) {
		fe_error(resp, 400, "Instance is running");
		goto out;
	}
	if (fe_config_true(i.config, "security.protection.delete")) {
		fe_error(resp, 400, "Instance is protected");
		goto out;
	}
	if (fe_instance_busy(i.name, "delete") < 0) {
		fe_error(resp, 409, "Instance is busy running another operation");
		goto out;
	}
	j = calloc(1, sizeof(*j));
	op = j ? fe_op_new("task", "Deleting instance", fe_instance_resources(i.name)) : NULL;
	if (!op) {
		free(j);
		fe_instance_idle(i.name);
		fe_error(resp, 500, "Out of memory");
		goto out;
	}
	snprintf(j->name, sizeof(j->name), "%s", i.name);
	fe_op_start(op, run_delete, j, free);
	fe_async(resp, op);
	fe_op_put(op);
out:
	fe_instance_free(&i);
	return 0;
}

static const struct fe_route routes[] = {
	{ "/1.0/instances", "GET", api_list, 0, NULL },
	{ "/1.0/instances", "POST", api_create, 0, NULL },
	{ "/1.0/instances/{name}", "GET", api_get, 0, NULL },
	{ "/1.0/instances/{name}", "DELETE", api_delete, 0, NULL },
	{ "/1.0/instances/{name}", "PUT", api_put, 0, NULL },
	{ "/1.0/instances/{name}", "PATCH", api_patch, 0, NULL },
	{ "/1.0/instances/{name}/state", "GET", fe_inst_api_state_get, 0, NULL },
	{ "/1.0/instances/{name}/state", "PUT", fe_inst_api_state_put, 0, NULL },
	{ 0 },
};

/* The API extensions these endpoints add (GET /1.0 lists them). */
static const char *const extensions[] = {
	"instances",         /* /1.0/instances paths */
	"api_filtering",     /* filter= on instance lists */
	"container_full",    /* recursion=2 with state and snapshots */
	"instance_get_full", /* GET instance?recursion=1 */
	/* a copy's source.instance_only and refresh (instance_copy.c) */
	"container_only_migration",
	"container_incremental_copy",
	NULL,
};

const struct fe_api_module fe_module_instances = { "instances", routes, extensions };
