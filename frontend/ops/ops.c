// SPDX-License-Identifier: Apache-2.0
/*
 * Operations (LXD-API.md §3): background tasks that clients follow by id,
 * through GET, /wait and the events stream. Runs in moatd-api
 * (unprivileged). An operation runs its work function on its own thread,
 * reports every status change to the listener (the events stream), and
 * stays visible for FE_OP_KEEP_SECONDS after it ends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/http.h"
#include "log.h"
#include "ops/ops.h"

struct fe_op {
	char id[37];
	char *class;
	char *description;
	struct timespec created, updated, finished;
	int status;
	json_object *resources;
	json_object *metadata;
	char *err;
	bool may_cancel;
	bool cancel_requested;
	unsigned refs;
	fe_op_fn fn;
	void *data;
	void (*free_data)(void *);
	/* websocket operations: connects GET .../websocket?secret= requests */
	int (*connect)(void *data, struct fe_req *req, struct fe_resp *resp, const char *secret);
	struct fe_op *next;
};

static pthread_mutex_t ops_lock = PTHREAD_MUTEX_INITIALIZER;
/* Held from a change until its event is handed on, so events keep the order
 * of the changes; taken before ops_lock, never while holding it. */
static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ops_cond = PTHREAD_COND_INITIALIZER;
static struct fe_op *ops_head;
static void (*ops_listener)(json_object *op);

static const char *status_name(int code)
{
	switch (code) {
	case FE_OP_CREATED:
		return "Created";
	case FE_OP_RUNNING:
		return "Running";
	case FE_OP_CANCELLING:
		return "Cancelling";
	case FE_OP_PENDING:
		return "Pending";
	case FE_OP_SUCCESS:
		return "Success";
	case FE_OP_FAILURE:
		return "Failure";
	case FE_OP_CANCELLED:
		return "Cancelled";
	}
	return "Unknown";
}

static bool is_final(int code)
{
	return code >= 200;
}

void fe_ops_set_listener(void (*fn)(json_object *op))
{
	ops_listener = fn;
}

const char *fe_op_id(const struct fe_op *op)
{
	return op->id;
}

static void op_free(struct fe_op *op)
{
	if (op->free_data)
		op->free_data(op->data);
	json_object_put(op->resources);
	json_object_put(op->metadata);
	free(op->class);
	free(op->description);
	free(op->err);
	free(op);
}

/*
 * Caller holds ops_lock. Copies, never references: the document is
 * serialised by another thread after the lock is released, and json-c's
 * reference counts are not atomic (a shared metadata object, put by
 * fe_op_set_metadata() while a GET's answer held it, was freed under the
 * serialiser).
 */
static json_object *op_json_locked(struct fe_op *op)
{
	json_object *o = json_object_new_object();
	char t[64];

	json_object_object_add(o, "id", json_object_new_string(op->id));
	json_object_object_add(o, "class", json_object_new_string(op->class));
	json_object_object_add(o, "description", json_object_new_string(op->description));
	fe_time_format(&op->created, t);
	json_object_object_add(o, "created_at", json_object_new_string(t));
	fe_time_format(&op->updated, t);
	json_object_object_add(o, "updated_at", json_object_new_string(t));
	json_object_object_add(o, "status", json_object_new_string(status_name(op->status)));
	json_object_object_add(o, "status_code", json_object_new_int(op->status));
	json_object_object_add(o, "resources", fe_json_copy(op->resources));
	json_object_object_add(o, "metadata", fe_json_copy(op->metadata));
	json_object_object_add(o, "may_cancel", json_object_new_boolean(op->may_cancel));
	json_object_object_add(o, "err", json_object_new_string(op->err ? op->err : ""));
	json_object_object_add(o, "location", json_object_new_string("none"));
	return o;
}

json_object *fe_op_json(struct fe_op *op)
{
	json_object *o;

	pthread_mutex_lock(&ops_lock);
	o = op_json_locked(op);
	pthread_mutex_unlock(&ops_lock);
	return o;
}

/* Tell the listener; called without the lock, with a snapshot. */
static void notify(struct fe_op *op)
{
	json_object *o;

	if (!ops_listener)
		return;
	o = fe_op_json(op);
	ops_listener(o);
	json_object_put(o);
}

/* Drop finished operations older than FE_OP_KEEP_SECONDS. Holds ops_lock. */
static void gc_locked(void)
{
	struct timespec now;
	struct fe_op **pp = &ops_head;

	clock_gettime(CLOCK_MONOTONIC, &now);
	while (*pp) {
		struct fe_op *op = *pp;

		if (is_final(op->status) &&
		    now.tv_sec - op->finished.tv_sec >= FE_OP_KEEP_SECONDS) {
			*pp = op->next;
			if (--op->refs == 0)
				op_free(op);
			continue;
		}
		pp = &op->next;
	}
}

struct fe_op *fe_op_new(const char *class, const char *description, json_object *resources)
{
	struct fe_op *op = calloc(1, sizeof(*op));

	if (!op) {
		json_object_put(resources);
		return NULL;
	}
	fe_uuid(op->id);
	op->class = strdup(class);
	op->description = strdup(description);
	if (!op->class || !op->description) {
		json_object_put(resources);
		op_free(op);
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &op->created);
	op->updated = op->created;
	op->status = FE_OP_PENDING;
	op->resources = resources;
	op->refs = 2; /* the registry's and the caller's */
	pthread_mutex_lock(&ops_lock);
	gc_locked();
	op->next = ops_head;
	ops_head = op;
	pthread_mutex_unlock(&ops_lock);
	return op;
}

static void set_status(struct fe_op *op, int status)
{
	pthread_mutex_lock(&emit_lock);
	pthread_mutex_lock(&ops_lock);
	op->status = status;
	clock_gettime(CLOCK_REALTIME, &op->updated);
	if (is_final(status))
		clock_gettime(CLOCK_MONOTONIC, &op->finished);
	pthread_cond_broadcast(&ops_cond);
	pthread_mutex_unlock(&ops_lock);
	notify(op);
	pthread_mutex_unlock(&emit_lock);
}

void fe_op_set_metadata(struct fe_op *op, json_object *md)
{
	pthread_mutex_lock(&emit_lock);
	pthread_mutex_lock(&ops_lock);
	json_object_put(op->metadata);
	op->metadata = md;
	clock_gettime(CLOCK_REALTIME, &op->updated);
	pthread_cond_broadcast(&ops_cond);
	pthread_mutex_unlock(&ops_lock);
	notify(op);
	pthread_mutex_unlock(&emit_lock);
}

int fe_op_fail(struct fe_op *op, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!op) { /* work done outside any operation (the instance watcher) */
		log_error("%s", msg ? msg : "out of memory");
		free(msg);
		return err < 0 ? err : -err;
	}
	pthread_mutex_lock(&ops_lock);
	free(op->err);
	op->err = msg;
	pthread_mutex_unlock(&ops_lock);
	return err < 0 ? err : -err;
}

void fe_op_set_connect(struct fe_op *op, int (*connect)(void *data, struct fe_req *req,
							struct fe_resp *resp, const char *secret))
{
	op->connect = connect;
}

int fe_op_connect(struct fe_op *op, struct fe_req *req, struct fe_resp *resp, const char *secret)
{
	bool final;

	pthread_mutex_lock(&ops_lock);
	final = is_final(op->status);
	pthread_mutex_unlock(&ops_lock);
	if (!op->connect || final || !secret)
		return fe_error(resp, 403, "Invalid websocket secret");
	return op->connect(op->data, req, resp, secret);
}

bool fe_op_cancelled(struct fe_op *op)
{
	bool c;

	pthread_mutex_lock(&ops_lock);
	c = op->cancel_requested;
	pthread_mutex_unlock(&ops_lock);
	return c;
}

static void *op_thread(void *arg)
{
	struct fe_op *op = arg;
	int r;

	pthread_setname_np(pthread_self(), "op");
	set_status(op, FE_OP_RUNNING);
	r = op->fn(op, op->data);
	pthread_mutex_lock(&ops_lock);
	if (r < 0 && !op->err)
		op->err = strdup(strerror(-r));
	r = op->cancel_requested && r < 0 ? FE_OP_CANCELLED : r < 0 ? FE_OP_FAILURE : FE_OP_SUCCESS;
	pthread_mutex_unlock(&ops_lock);
	set_status(op, r);
	fe_op_put(op);
	return NULL;
}

int fe_op_start(struct fe_op *op, fe_op_fn fn, void *data, void (*free_data)(void *))
{
	pthread_attr_t attr;
	pthread_t t;
	int r;

	op->fn = fn;
	op->data = data;
	op->free_data = free_data;
	pthread_mutex_lock(&ops_lock);
	op->refs++; /* the thread's */
	pthread_mutex_unlock(&ops_lock);
	pthread_mutex_lock(&emit_lock);
	notify(op);
	pthread_mutex_unlock(&emit_lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, op_thread, op);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		fe_op_fail(op, r, "cannot start the operation: %s", strerror(r));
		set_status(op, FE_OP_FAILURE);
		fe_op_put(op);
		return -r;
	}
	return 0;
}

struct fe_op *fe_op_get(const char *id)
{
	struct fe_op *found = NULL;

	pthread_mutex_lock(&ops_lock);
	gc_locked();
	for (struct fe_op *op = ops_head; op; op = op->next)
		if (strcmp(op->id, id) == 0) {
			op->refs++;
			found = op;
			break;
		}
	pthread_mutex_unlock(&ops_lock);
	return found;
}

void fe_op_put(struct fe_op *op)
{
	bool last;

	if (!op)
		return;
	pthread_mutex_lock(&ops_lock);
	last = --op->refs == 0;
	pthread_mutex_unlock(&ops_lock);
	if (last)
		op_free(op);
}

void fe_op_wait(struct fe_op *op, int timeout)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout;
	pthread_mutex_lock(&ops_lock);
	while (!is_final(op->status)) {
		if (timeout < 0)
			pthread_cond_wait(&ops_cond, &ops_lock);
		else if (pthread_cond_timedwait(&ops_cond, &ops_lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&ops_lock);
}

int fe_op_cancel(struct fe_op *op)
{
	int r = 0;

	/* checked and changed under one lock: never overwrites a final status */
	pthread_mutex_lock(&emit_lock);
	pthread_mutex_lock(&ops_lock);
	if (is_final(op->status)) {
		r = -EALREADY;
	} else if (!op->may_cancel) {
		r = -EPERM;
	} else {
		op->cancel_requested = true;
		op->status = FE_OP_CANCELLING;
		clock_gettime(CLOCK_REALTIME, &op->updated);
		pthread_cond_broadcast(&ops_cond);
	}
	pthread_mutex_unlock(&ops_lock);
	if (r == 0)
		notify(op);
	pthread_mutex_unlock(&emit_lock);
	return r;
}

json_object *fe_ops_list(bool recursion)
{
	json_object *out = json_object_new_object();

	pthread_mutex_lock(&ops_lock);
	gc_locked();
	for (struct fe_op *op = ops_head; op; op = op->next) {
		char key[16], url[64];
		json_object *list;
		size_t i;

		snprintf(key, sizeof(key), "%s", status_name(op->status));
		for (i = 0; key[i]; i++)
			key[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
		if (!json_object_object_get_ex(out, key, &list)) {
			list = json_object_new_array();
			json_object_object_add(out, key, list);
		}
		if (recursion) {
			json_object_array_add(list, op_json_locked(op));
		} else {
			snprintf(url, sizeof(url), "/1.0/operations/%s", op->id);
			json_object_array_add(list, json_object_new_string(url));
		}
	}
	pthread_mutex_unlock(&ops_lock);
	return out;
}

int fe_async(struct fe_resp *r, struct fe_op *op)
{
	char url[64];

	snprintf(url, sizeof(url), "/1.0/operations/%s", op->id);
	fe_sync(r, fe_op_json(op));
	r->kind = FE_RESP_ASYNC;
	r->http_status = 202;
	free(r->operation);
	free(r->location);
	r->operation = strdup(url);
	r->location = strdup(url);
	return 0;
}
