// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/images and /1.0/images/aliases, in LXD's shapes (LXD-API.md §15).
 * Runs in moatd-api (unprivileged); paths, headers and bodies are
 * untrusted. Uploads arrive through upload_sink below, the sink of the
 * POST /1.0/images route: http.c streams the body into the store
 * (model/images.c) and the handler only starts the operation. JSON image
 * sources (publish, copy from a remote, URL) and split (multipart) uploads
 * are answered "not supported yet".
 *
 * Choices where LXD was unclear or where moat is stricter: an unknown or
 * ambiguous fingerprint prefix is 404 "Image not found" everywhere (also
 * as an alias target); DELETE of an unknown image is that 404 at once
 * rather than a failed operation; alias names follow
 * img_alias_name_valid() (no '/', no control bytes, at most 255 bytes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/images.h"
#include "ops/object.h"
#include "ops/ops.h"

static int image_not_found(struct fe_resp *resp)
{
	return fe_error(resp, 404, "Image not found");
}

static int alias_not_found(struct fe_resp *resp)
{
	return fe_error(resp, 404, "Image alias not found");
}

static int internal(struct fe_resp *resp, int r)
{
	return fe_error(resp, 500, "Internal error: %s", strerror(r < 0 ? -r : r));
}

/* ---- uploads: the body streamed into the store (model/images.c) ----------------- */

/* A refusal of the store's upload functions as an answer. */
static int upload_error(struct fe_resp *resp, int r, const char *err)
{
	int status = r == -EINVAL || r == -ENOENT ? 400 : r == -EFBIG ? 413 : 500;

	return fe_error(resp, status, "%s", err);
}

/* Is the Content-Type's media type `want` (parameters and case ignored)? */
static bool media_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strncasecmp(ct, want, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

static int upload_open(struct fe_req *req, struct fe_resp *resp, void **ret_state)
{
	const char *ct = fe_header(req, "Content-Type");
	const char *cl = fe_header(req, "Content-Length");
	const struct img_upload_headers h = {
		.filename = fe_header(req, "X-LXD-filename"),
		.public = fe_header(req, "X-LXD-public"),
		.properties = fe_header(req, "X-LXD-properties"),
		.profiles = fe_header(req, "X-LXD-profiles"),
		.fingerprint = fe_header(req, "X-LXD-fingerprint"),
	};
	struct img_upload *u;
	char err[IMG_ERR_MAX];
	int r;

	/* JSON sources (publish, copy from a remote, URL) are gathered as usual */
	if (ct && media_type_is(ct, "application/json"))
		return 1;
	if (ct && media_type_is(ct, "multipart/form-data")) {
		fe_error(
			resp, 501,
			"Split images (metadata and rootfs in a multipart upload) are not supported yet; import a unified tarball");
		return -EOPNOTSUPP;
	}
	if (cl && *cl) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno || *end || *cl == '-') {
			fe_error(resp, 400, "Invalid Content-Length header");
			return -EINVAL;
		}
		if (n > IMG_UPLOAD_MAX) {
			fe_error(resp, 413, "Image upload larger than %llu bytes",
				 (unsigned long long)IMG_UPLOAD_MAX);
			return -EFBIG;
		}
	}
	r = img_upload_begin(&h, &u, err);
	if (r < 0) {
		upload_error(resp, r, err);
		return r;
	}
	*ret_state = u;
	return 0;
}

static int upload_write(void *state, const void *data, size_t len, struct fe_resp *resp)
{
	char err[IMG_ERR_MAX];
	int r = img_upload_write(state, data, len, err);

	if (r < 0)
		upload_error(resp, r, err);
	return r;
}

static const struct fe_body_sink upload_sink = {
	.open = upload_open,
	.write = upload_write,
	.free = img_upload_free,
};

static int upload_run(struct fe_op *op, void *data)
{
	json_object *md = NULL;
	char err[IMG_ERR_MAX];
	int r = img_upload_import(data, &md, err);

	if (md)
		fe_op_set_metadata(op, md);
	return r < 0 ? fe_op_fail(op, r, "%s", err) : 0;
}

/* The body is complete: the "Downloading image" operation adds it to the store. */
static int upload_finish(struct img_upload *u, struct fe_resp *resp)
{
	struct fe_op *op;

	img_upload_end(u);
	op = fe_op_new("task", "Downloading image", NULL);
	if (!op) {
		img_upload_free(u);
		return fe_error(resp, 500, "Cannot create the operation");
	}
	/* from here the operation owns u, and frees it when it is freed */
	fe_op_start(op, upload_run, u, img_upload_free);
	fe_async(resp, op);
	fe_op_put(op);
	return 0;
}

/* ---- images ---------------------------------------------------------------- */

static int images_get(struct fe_req *req, struct fe_resp *resp)
{
	json_object *list;
	int r = img_list_json(fe_recursion(req) > 0, &list);

	if (r < 0)
		return internal(resp, r);
	return fe_sync(resp, list);
}

static int images_post(struct fe_req *req, struct fe_resp *resp)
{
	json_object *body, *source = NULL, *type = NULL;
	const char *what = "this source";
	char q[IMG_QUOTE_MAX];

	if (req->stream)
		return upload_finish(TAKE_PTR(req->stream), resp);
	/* a JSON body: publish, copy from a remote, or a URL */
	if (fe_json_body(req, resp, &body) < 0)
		return 0;
	if (json_object_object_get_ex(body, "source", &source) && source &&
	    json_object_object_get_ex(source, "type", &type) &&
	    json_object_is_type(type, json_type_string) && *json_object_get_string(type))
		what = json_object_get_string(type);
	fe_error(
		resp, 501,
		"Creating images from a \"%s\" source is not supported yet; upload a unified image tarball",
		img_quote(what, q));
	json_object_put(body);
	return 0;
}

/* ---- one image: GET, PUT and PATCH through ops/object.c ---------------------------------- */

static int image_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	char fp[65];

	if (img_resolve(fe_param(req, "fingerprint"), fp) < 0 || img_load(fp, obj) < 0) {
		image_not_found(resp);
		return -ENOENT;
	}
	return 0;
}

/* A property from a request: a name of 1 to 256 bytes of text, a UTF-8 value without NUL. */
static bool property_ok(const char *k, json_object *v)
{
	const char *s = json_object_get_string(v);

	return *k && img_description_valid_len(k, 256) &&
	       strlen(s) == (size_t)json_object_get_string_len(v) &&
	       img_description_valid_len(s, 65536);
}

static int image_validate(struct fe_req *req, const void *cur, json_object *body,
			  enum fe_object_write how, struct fe_resp *resp)
{
	json_object *props = NULL;

	if (!json_object_object_get_ex(body, "properties", &props) || !props)
		return 0;
	json_object_object_foreach(props, k, v)
	{
		if (!property_ok(k, v)) {
			fe_error(resp, 400, "Invalid JSON: bad property name or value");
			return -EINVAL;
		}
	}
	return 0;
}

static int image_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	struct lxd_image *img = obj;
	const char *missing = NULL;

	if (img_profiles_exist(img->profiles, &missing) < 0) {
		fe_error(resp, 400, "Profile '%s' doesn't exist", missing);
		return -ENOENT;
	}
	return 0;
}

static int image_store(void *obj, struct fe_resp *resp)
{
	int r = img_update(obj);

	if (r == -ENOENT)
		image_not_found(resp);
	else if (r < 0)
		internal(resp, r);
	return r;
}

static const struct fe_object_ops image_ops = {
	.type = &lxd_image_type,
	.size = sizeof(struct lxd_image),
	.load = image_load,
	.validate = image_validate,
	.check = image_check,
	.store = image_store,
};

static int image_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &image_ops);
}

static int image_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &image_ops);
}

static int image_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &image_ops);
}

static int delete_run(struct fe_op *op, void *data)
{
	int r = img_delete(data);

	if (r == -ENOENT)
		return fe_op_fail(op, ENOENT, "Image not found");
	if (r < 0)
		return fe_op_fail(op, r, "Cannot delete the image: %s", strerror(-r));
	return 0;
}

static int image_delete(struct fe_req *req, struct fe_resp *resp)
{
	char fp[65], url[128];
	json_object *res, *list;
	struct fe_op *op;
	char *data;

	if (img_resolve(fe_param(req, "fingerprint"), fp) < 0)
		return image_not_found(resp);
	snprintf(url, sizeof(url), "/1.0/images/%s", fp);
	res = json_object_new_object();
	list = json_object_new_array();
	json_object_array_add(list, json_object_new_string(url));
	json_object_object_add(res, "images", list);
	data = strdup(fp);
	op = data ? fe_op_new("task", "Deleting image", res) : NULL;
	if (!op) {
		if (!data)
			json_object_put(res);
		free(data);
		return internal(resp, -ENOMEM);
	}
	fe_op_start(op, delete_run, data, free);
	fe_async(resp, op);
	fe_op_put(op);
	return 0;
}

/*
 * GET /1.0/images/<fp>/export: the stored bytes exactly (the client checks
 * their sha256), with the file name the client saves them under.
 */
static int image_export(struct fe_req *req, struct fe_resp *resp)
{
	char fp[65], disposition[128];
	const char *ext = NULL;
	int fd = -EBADF, r;

	if (img_resolve(fe_param(req, "fingerprint"), fp) < 0)
		return image_not_found(resp);
	r = img_open_file(fp, &ext, &fd);
	if (r == -ENOENT)
		return image_not_found(resp);
	if (r < 0)
		return internal(resp, r);
	snprintf(disposition, sizeof(disposition), "inline;filename=%s%s", fp, ext);
	fe_raw(resp, NULL, 0);
	resp->raw_fd = fd; /* http.c sends it with its length, and closes it */
	resp->headers = json_object_new_object();
	json_object_object_add(resp->headers, "Content-Disposition",
			       json_object_new_string(disposition));
	return 0;
}

/* ---- aliases ---------------------------------------------------------------- */

static int aliases_get(struct fe_req *req, struct fe_resp *resp)
{
	json_object *list;
	int r = img_alias_list(fe_recursion(req) > 0, &list);

	if (r < 0)
		return internal(resp, r);
	return fe_sync(resp, list);
}

/* Location: /1.0/images/aliases/<name>, the name percent-encoded as a path segment. */
static int created_alias(struct fe_resp *resp, const char *name)
{
	__do_free char *loc = fe_path_join_escaped("/1.0/images/aliases/", name);

	if (!loc)
		return internal(resp, -ENOMEM);
	return fe_created(resp, loc);
}

static bool alias_type_valid(const char *t)
{
	return !*t || strcmp(t, "container") == 0 || strcmp(t, "virtual-machine") == 0;
}

/* ---- one alias: create, GET, PUT, PATCH and DELETE through ops/object.c ------------------- */

static int alias_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	if (img_alias_load(fe_param(req, "name"), obj) < 0) {
		alias_not_found(resp);
		return -ENOENT;
	}
	return 0;
}

/* The values a create or a write left; the target becomes the fingerprint it names. */
static int alias_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	struct lxd_image_alias *al = obj;
	char q[IMG_QUOTE_MAX], fp[65];
	char *full;

	if (how == FE_OBJECT_CREATE && (!*al->name || !*al->target))
		fe_error(resp, 400, "name and target are required");
	else if (how == FE_OBJECT_CREATE && !img_alias_name_valid(al->name))
		fe_error(resp, 400, "Invalid alias name \"%s\"", img_quote(al->name, q));
	else if (!*al->target)
		fe_error(resp, 400, "The target field is required");
	else if (!img_description_valid(al->description))
		fe_error(resp, 400, "Invalid alias description");
	else if (how == FE_OBJECT_CREATE && !alias_type_valid(al->type))
		fe_error(resp, 400, "Invalid alias type \"%s\"", img_quote(al->type, q));
	else if (img_resolve(al->target, fp) < 0)
		image_not_found(resp);
	else if (!(full = strdup(fp)))
		internal(resp, -ENOMEM);
	else {
		free(al->target);
		al->target = full;
		return 0;
	}
	return -EINVAL;
}

static int alias_insert(void *obj, struct fe_resp *resp)
{
	struct lxd_image_alias *al = obj;
	int r = img_alias_create(al->name, al->description, al->target, al->type);

	if (r == -EEXIST)
		fe_error(resp, 409, "Alias '%s' already exists", al->name);
	else if (r == -ENOENT)
		image_not_found(resp);
	else if (r < 0)
		internal(resp, r);
	return r;
}

static int alias_store(void *obj, struct fe_resp *resp)
{
	struct lxd_image_alias *al = obj;
	int r = img_alias_update(al->name, al->target, al->description);

	if (r == -ENOENT)
		alias_not_found(resp);
	else if (r < 0)
		internal(resp, r);
	return r;
}

static int alias_remove(void *obj, struct fe_resp *resp)
{
	struct lxd_image_alias *al = obj;
	int r = img_alias_delete(al->name);

	if (r == -ENOENT)
		alias_not_found(resp);
	else if (r < 0)
		internal(resp, r);
	return r;
}

static int alias_done(struct fe_req *req, const void *obj, enum fe_object_write how,
		      struct fe_resp *resp)
{
	const struct lxd_image_alias *al = obj;

	if (how == FE_OBJECT_CREATE)
		return created_alias(resp, al->name);
	return fe_sync(resp, json_object_new_object());
}

static const struct fe_object_ops alias_ops = {
	.type = &lxd_image_alias_type,
	.size = sizeof(struct lxd_image_alias),
	.load = alias_load,
	.check = alias_check,
	.store = alias_store,
	.insert = alias_insert,
	.remove = alias_remove,
	.done = alias_done,
};

static int aliases_post(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_create(req, resp, &alias_ops);
}

static int alias_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &alias_ops);
}

static int alias_rename(struct fe_req *req, struct fe_resp *resp)
{
	__do_json json_object *body = NULL;
	char q[IMG_QUOTE_MAX];
	const char *name = NULL;
	int r;

	if (fe_json_body(req, resp, &body) < 0 || fe_json_string(body, "name", "", resp, &name) < 0)
		return 0;
	if (!img_alias_name_valid(name))
		return fe_error(resp, 400, "Invalid alias name \"%s\"", img_quote(name, q));
	r = img_alias_rename(fe_param(req, "name"), name);
	if (r == -ENOENT)
		return alias_not_found(resp);
	if (r == -EEXIST)
		return fe_error(resp, 409, "Alias '%s' already in use", name);
	if (r < 0)
		return internal(resp, r);
	return created_alias(resp, name);
}

static int alias_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &alias_ops);
}

static int alias_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &alias_ops);
}

static int alias_delete(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_delete(req, resp, &alias_ops);
}

/* /1.0/images/aliases comes before /1.0/images/{fingerprint}: the first match wins. */
static const struct fe_route routes[] = {
	{ "/1.0/images", "GET", images_get, 0, NULL },
	/* streams its body into the store (a JSON body is gathered as usual) */
	{ "/1.0/images", "POST", images_post, 0, &upload_sink },
	{ "/1.0/images/aliases", "GET", aliases_get, 0, NULL },
	{ "/1.0/images/aliases", "POST", aliases_post, 0, NULL },
	{ "/1.0/images/aliases/{name}", "GET", alias_get, 0, NULL },
	{ "/1.0/images/aliases/{name}", "POST", alias_rename, 0, NULL },
	{ "/1.0/images/aliases/{name}", "PUT", alias_put, 0, NULL },
	{ "/1.0/images/aliases/{name}", "PATCH", alias_patch, 0, NULL },
	{ "/1.0/images/aliases/{name}", "DELETE", alias_delete, 0, NULL },
	{ "/1.0/images/{fingerprint}", "GET", image_get, 0, NULL },
	{ "/1.0/images/{fingerprint}", "PUT", image_put, 0, NULL },
	{ "/1.0/images/{fingerprint}", "PATCH", image_patch, 0, NULL },
	{ "/1.0/images/{fingerprint}", "DELETE", image_delete, 0, NULL },
	{ "/1.0/images/{fingerprint}/export", "GET", image_export, 0, NULL },
	{ 0 },
};

const struct fe_api_module fe_module_images = { "images", routes, NULL };
