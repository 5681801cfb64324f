/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The read and write path that every LXD object of moatd-api shares
 * (ops/object.c): GET with its ETag, PUT and PATCH with If-Match, create
 * and delete, with the lifecycle event of each change. The object's field
 * table (lxd/objects.c) says what a body may hold and how a PUT or a
 * PATCH applies it; a module gives the size of its C struct and a few
 * callbacks. Unprivileged; paths, headers and bodies are untrusted (the
 * table type-checks bodies before any callback sees them).
 */
#ifndef MOAT_FE_OPS_OBJECT_H
#define MOAT_FE_OPS_OBJECT_H

#include "core/http.h"
#include "lxd/object.h"

enum fe_object_write {
	FE_OBJECT_PUT,
	FE_OBJECT_PATCH,
	FE_OBJECT_CREATE,
	FE_OBJECT_DELETE,
};

/*
 * A module's part. Callbacks that can fail return 0, or a negative errno
 * with the answer in resp (a 400, 404, 409...). Only load and the one of
 * store, insert and remove a path uses are required.
 */
struct fe_object_ops {
	const struct lxd_object_type *type;
	size_t size; /* the module's struct: what load fills and lxd_apply() writes */
	/* Fill obj (zeroed) with the object the request's path names (or the 404). */
	int (*load)(struct fe_req *req, struct fe_resp *resp, void *obj);
	/* Free what obj holds; NULL: lxd_free(). */
	void (*free)(void *obj);
	/* GET's object; NULL: lxd_render() without a view. */
	json_object *(*render)(struct fe_req *req, const void *obj);
	/* The body, type-checked, before anything changes (cur: NULL on create). */
	int (*validate)(struct fe_req *req, const void *cur, json_object *body,
			enum fe_object_write how, struct fe_resp *resp);
	/*
	 * Hold the object across a PUT or PATCH, and let it go. With a lock,
	 * the object is loaded again once held and If-Match is compared with
	 * that copy, after the body is read; without one, If-Match is compared
	 * with the first load, before the body is read (LXD's order).
	 */
	int (*lock)(const void *obj, struct fe_resp *resp);
	void (*unlock)(const void *obj);
	/* The object as the body left it, before it is stored. */
	int (*check)(void *obj, enum fe_object_write how, struct fe_resp *resp);
	int (*store)(void *obj, struct fe_resp *resp);  /* PUT, PATCH: write it back */
	int (*insert)(void *obj, struct fe_resp *resp); /* create: add it */
	int (*remove)(void *obj, struct fe_resp *resp); /* delete */
	/*
	 * The answer once the change is made and its event sent (and the lock
	 * let go); NULL: sync {} (create: 201 with Location: lxd_url()).
	 */
	int (*done)(struct fe_req *req, const void *obj, enum fe_object_write how,
		    struct fe_resp *resp);
};

/* The handlers' bodies: each fills resp and returns 0. */
int fe_object_get(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops);
int fe_object_put(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops);
int fe_object_patch(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops);
int fe_object_create(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops);
int fe_object_delete(struct fe_req *req, struct fe_resp *resp, const struct fe_object_ops *ops);
/* 201 with the Location of t's object called name (escaped as a path segment). */
int fe_object_created(struct fe_resp *resp, const struct lxd_object_type *t, const char *name);
/*
 * The end of a rename (POST <t's url>/<from> {"name": to}) once it is
 * stored, as LXD's: the lifecycle event (its source the new URL, old_name
 * in its context), then 201 with the new Location.
 */
int fe_object_renamed(struct fe_resp *resp, const struct lxd_object_type *t, const char *event,
		      const char *from, const char *to);

#endif
