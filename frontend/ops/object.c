// SPDX-License-Identifier: Apache-2.0
/*
 * The shared read and write path of LXD objects (ops/object.h), in
 * moatd-api (unprivileged). Request paths, headers and bodies are
 * untrusted: bodies are parsed strictly (fe_json_body) and type-checked
 * against the object's field table before a module's callback sees them;
 * the callbacks check values and do the storing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "ops/events.h"
#include "ops/object.h"

static void *new_object(const struct fe_object_ops *ops, struct fe_resp *resp)
{
	void *obj = calloc(1, ops->size);

	if (!obj)
		fe_error(resp, 500, "Out of memory");
	return obj;
}

static void release(const struct fe_object_ops *ops, void *obj)
{
	if (!obj)
		return;
	if (ops->free)
		ops->free(obj);
	else
		lxd_free(ops->type, obj);
	free(obj);
}

/* A loaded object, or NULL with resp filled. */
static void *load(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops)
{
	void *obj = new_object(ops, resp);

	if (obj && ops->load(req, resp, obj) < 0) {
		release(ops, obj);
		return NULL;
	}
	return obj;
}

static void lifecycle(const struct fe_object_ops *ops, const char *action, const void *obj)
{
	char src[512];

	if (action && lxd_url(ops->type, obj, src, sizeof(src)) == 0)
		fe_event_lifecycle(action, src, NULL);
}

static int applied(int r, const char *err, struct fe_resp *resp)
{
	if (r == -ENOMEM)
		return fe_error(resp, 500, "Out of memory");
	return fe_error(resp, 400, "%s", err);
}

int fe_object_get(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops)
{
	void *obj = load(req, resp, ops);
	json_object *o;

	if (!obj)
		return 0;
	o = ops->render ? ops->render(req, obj) : lxd_render(ops->type, obj, NULL, 0);
	if (o) {
		fe_sync(resp, o);
		lxd_etag(ops->type, obj, resp->etag);
	} else {
		fe_error(resp, 500, "Out of memory");
	}
	release(ops, obj);
	return 0;
}

/* The body, strictly parsed and type-checked against the fields that carry want. */
static int read_body(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops,
		     unsigned want, json_object **ret)
{
	char err[LXD_ERR_MAX];
	json_object *body;

	if (fe_json_body(req, resp, &body) < 0)
		return -EINVAL;
	if (lxd_check_body(ops->type, body, want, err) < 0) {
		json_object_put(body);
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	*ret = body;
	return 0;
}

static int change(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops,
		  enum fe_object_write how)
{
	void *held = NULL, *cur = NULL;
	json_object *body = NULL;
	char err[LXD_ERR_MAX], tag[65];
	bool locked = false, ok = false;
	int r;

	held = load(req, resp, ops);
	if (!held)
		return 0;
	if (!ops->lock) {
		lxd_etag(ops->type, held, tag);
		if (!fe_if_match(req, tag, resp))
			goto out;
	}
	if (read_body(req, resp, ops, LXD_W, &body) < 0 ||
	    (ops->validate && ops->validate(req, held, body, how, resp) < 0))
		goto out;
	if (ops->lock) {
		if (ops->lock(held, resp) < 0)
			goto out;
		locked = true;
		/* read again under the lock, and compare with what the client saw */
		cur = load(req, resp, ops);
		if (!cur)
			goto out;
		lxd_etag(ops->type, cur, tag);
		if (!fe_if_match(req, tag, resp))
			goto out;
	} else {
		cur = held;
		held = NULL;
	}
	r = lxd_apply(ops->type, cur, body,
		      how == FE_OBJECT_PATCH ? LXD_WRITE_PATCH : LXD_WRITE_PUT, err);
	if (r < 0) {
		applied(r, err, resp);
		goto out;
	}
	if ((ops->check && ops->check(cur, how, resp) < 0) || ops->store(cur, resp) < 0)
		goto out;
	lifecycle(ops, ops->type->updated, cur);
	ok = true;
out:
	if (locked)
		ops->unlock(held);
	if (ok && ops->done)
		ops->done(req, cur, how, resp);
	else if (ok)
		fe_sync(resp, json_object_new_object());
	json_object_put(body);
	release(ops, held);
	release(ops, cur);
	return 0;
}

int fe_object_put(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops)
{
	return change(req, resp, ops, FE_OBJECT_PUT);
}

int fe_object_patch(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops)
{
	return change(req, resp, ops, FE_OBJECT_PATCH);
}

int fe_object_create(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops)
{
	json_object *body = NULL;
	char err[LXD_ERR_MAX], url[512];
	void *obj;
	int r;

	if (read_body(req, resp, ops, LXD_W | LXD_POST, &body) < 0)
		return 0;
	obj = new_object(ops, resp);
	if (!obj || (ops->validate && ops->validate(req, NULL, body, FE_OBJECT_CREATE, resp) < 0))
		goto out;
	r = lxd_apply(ops->type, obj, body, LXD_WRITE_POST, err);
	if (r < 0) {
		applied(r, err, resp);
		goto out;
	}
	if ((ops->check && ops->check(obj, FE_OBJECT_CREATE, resp) < 0) ||
	    ops->insert(obj, resp) < 0)
		goto out;
	lifecycle(ops, ops->type->created, obj);
	if (ops->done)
		ops->done(req, obj, FE_OBJECT_CREATE, resp);
	else if (lxd_url(ops->type, obj, url, sizeof(url)) == 0) /* the key, escaped */
		fe_object_created(resp, ops->type, url + strlen(ops->type->url) + 1);
	else
		fe_sync(resp, NULL);
out:
	json_object_put(body);
	release(ops, obj);
	return 0;
}

int fe_object_delete(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops)
{
	void *obj = load(req, resp, ops);

	if (!obj)
		return 0;
	if (ops->remove(obj, resp) == 0) {
		lifecycle(ops, ops->type->deleted, obj);
		if (ops->done)
			ops->done(req, obj, FE_OBJECT_DELETE, resp);
		else
			fe_sync(resp, json_object_new_object());
	}
	release(ops, obj);
	return 0;
}

int fe_object_created(struct fe_resp *resp, const struct lxd_object_type *t, const char *name)
{
	__do_free char *base = NULL, *loc = NULL;

	if (asprintf(&base, "%s/", t->url) >= 0)
		loc = fe_path_join_escaped(base, name);
	if (!loc)
		return fe_error(resp, 500, "Out of memory");
	return fe_created(resp, loc);
}

int fe_object_renamed(struct fe_resp *resp, const struct lxd_object_type *t, const char *event,
		      const char *from, const char *to)
{
	__do_free char *src = NULL;
	json_object *ctx = json_object_new_object();

	json_object_object_add(ctx, "old_name", json_object_new_string(from));
	if (asprintf(&src, "%s/%s", t->url, to) >= 0)
		fe_event_lifecycle(event, src, ctx);
	else
		json_object_put(ctx);
	return fe_object_created(resp, t, to);
}
