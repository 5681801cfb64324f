/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/: requests, responses, routes and JSON request bodies: the HTTP
 * layer of moatd-api (unprivileged; every byte of a request is untrusted).
 * Only api/, ops/ and core/ see these types; model/, db/ and ph/ never do.
 */
#ifndef MOAT_FE_CORE_HTTP_H
#define MOAT_FE_CORE_HTTP_H

#include "fe.h"

/* ---- requests and responses (http.c, response.c) ------------------------ */

#define FE_BODY_MAX (4 * 1024 * 1024) /* JSON request bodies */

#define PATH_BUF 4096
#define FE_PATH_SEGS 8 /* the most segments a routed path has */

struct fe_route;
struct fe_route_alias;

struct fe_req {
	const char *method;
	const char *path; /* as the client sent it: percent-encoded, without the query */
	void *conn;       /* struct MHD_Connection */
	uid_t peer_uid;
	/* may use every route; else only FE_ROUTE_UNTRUSTED ones (the rest is
	 * 403). Every client of the unix socket is trusted. */
	bool trusted;
	const char *body;
	size_t body_len;
	void *stream; /* a streamed body's state (struct fe_body_sink); the handler may take it */
	/* Filled by the router (router.c): the route matched, and the path split
	 * on '/' with each segment percent-decoded. Handlers read the segments
	 * the route captures by name, with fe_param(), never by index. */
	const struct fe_route *route;
	const struct fe_route_alias *alias; /* the path came under an alias prefix */
	size_t nseg;
	char *seg[FE_PATH_SEGS];
	char segbuf[PATH_BUF];
};

enum fe_resp_kind { FE_RESP_SYNC, FE_RESP_ASYNC, FE_RESP_ERROR, FE_RESP_RAW };

struct fe_resp {
	enum fe_resp_kind kind;
	int http_status;       /* 200, 201, 202, or the error code */
	json_object *metadata; /* owned */
	char *error;           /* FE_RESP_ERROR */
	char *location;        /* Location header, if any */
	char etag[65];         /* Etag, without quotes; empty = none */
	char *operation;       /* async: the operation URL */
	json_object *headers;  /* extra response headers {"name":"value"}, any kind */
	/* FE_RESP_RAW: the body is raw_fd's contents (to its end) or raw_body */
	int raw_fd;
	char *raw_body;
	size_t raw_len;
	/* a websocket upgrade, set only by fe_ws_accept() (websocket.h); http.c answers 101 */
	struct fe_ws_upgrade *upgrade;
};

void fe_resp_free(struct fe_resp *r);
/* These take ownership of md and return 0 so that handlers can `return fe_sync(...)`. */
int fe_sync(struct fe_resp *r, json_object *md);
int fe_created(struct fe_resp *r, const char *location);
/* A raw 200 (application/octet-stream): set raw_fd or raw_body after. */
int fe_raw(struct fe_resp *r, const char *body, size_t len);
int fe_error(struct fe_resp *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
char *fe_resp_render(const struct fe_resp *r, size_t *ret_len);

const char *fe_query(const struct fe_req *req, const char *key);
/* ?recursion= as LXD reads it (an integer, else 0): 0, 1, or 2 for 2 and more. */
int fe_recursion(const struct fe_req *req);
const char *fe_header(const struct fe_req *req, const char *key);

/* If-Match (quotes stripped) against the current ETag: false, with a 412 in
 * resp, on a mismatch; true when there is none. */
bool fe_if_match(const struct fe_req *req, const char *have, struct fe_resp *resp);

/* ---- JSON request bodies (json.c): on failure resp holds the 400 --------- */

int fe_json_body(const struct fe_req *req, struct fe_resp *resp, json_object **ret);
/* A deep copy (NULL stays NULL): what one thread hands to another, since
 * json-c's reference counts are not atomic. */
json_object *fe_json_copy(json_object *o);
/* Typed getters: a missing or null key gives the default (or NULL). */
int fe_json_string(json_object *o, const char *key, const char *def, struct fe_resp *resp,
		   const char **ret);
int fe_json_bool(json_object *o, const char *key, bool def, struct fe_resp *resp, bool *ret);
int fe_json_int(json_object *o, const char *key, int64_t def, struct fe_resp *resp, int64_t *ret);
int fe_json_object(json_object *o, const char *key, struct fe_resp *resp, json_object **ret);
int fe_json_string_map(json_object *o, const char *key, struct fe_resp *resp, json_object **ret);
int fe_json_strings(json_object *o, const char *key, struct fe_resp *resp, json_object **ret);

/* ---- routes (router.c; each API module has its table) ------------------------ */

/*
 * A route's handler fills resp and returns 0, or returns a negative errno.
 * On failure resp holds the error to answer (fe_error); a failure without
 * one, or a return without any answer, is answered 500 "Internal error:
 * ..." by the router (and logged: it is a bug).
 */
typedef int (*fe_handler)(struct fe_req *req, struct fe_resp *resp);

/*
 * A request body streamed instead of gathered (uploads): the sink of its
 * route (struct fe_route). http.c calls open() once the headers are in,
 * before any body byte (req has method, path, peer, headers and the
 * route's captures; no body). It returns 1 to have the body gathered as
 * usual (up to FE_BODY_MAX), 0 to stream it (*ret_state set), or a
 * negative errno with resp filled, which is answered at once. write() then
 * gets every body chunk in order; a negative return (resp filled) refuses
 * the request: free() runs at once and the rest of the body is read and
 * dropped. When the body is complete the route's handler runs with
 * req->stream set and may take it (TAKE_PTR). Whatever is left is passed
 * to free() when the request ends, however it ends (answered, refused, or
 * the client went away).
 */
struct fe_body_sink {
	int (*open)(struct fe_req *req, struct fe_resp *resp, void **ret_state);
	int (*write)(void *state, const void *data, size_t len, struct fe_resp *resp);
	void (*free)(void *state);
};

/* Route flags */
#define FE_ROUTE_UNTRUSTED (1u << 0) /* served to untrusted clients too (LXD's AllowUntrusted) */

/*
 * A route: a pattern of '/'-separated segments, each a literal or a named
 * capture, e.g. "/1.0/instances/{name}/logs/{file}". The request's path
 * is split on '/' as the client sent it, then each segment is
 * percent-decoded ("%2F" stays inside its segment, as in LXD; "%00" stays
 * encoded); literals are compared with the decoded segments. A capture
 * matches any one segment. An empty segment ("//", a trailing '/') or
 * more than FE_PATH_SEGS segments match nothing (404). A path under an
 * alias prefix (/1.0/containers) is routed as under its target
 * (/1.0/instances): tables list only the target's routes.
 */
struct fe_route {
	const char *pattern;
	const char *method;
	fe_handler handler;
	unsigned flags;                  /* FE_ROUTE_* */
	const struct fe_body_sink *sink; /* the body streams to it (uploads); NULL: gathered */
};

/*
 * An API module (api/<module>.c): its routes, and the LXD API extensions
 * its endpoints add. The stock client switches behaviour on those names
 * (LXD-API.md §6): one goes here only with working endpoints behind it.
 */
struct fe_api_module {
	const char *name;
	const struct fe_route *routes; /* ended by { 0 } */
	const char *const *extensions; /* ended by NULL; NULL if none */
};

extern const struct fe_api_module fe_module_server;
extern const struct fe_api_module fe_module_instances;
extern const struct fe_api_module fe_module_instance_rename;
extern const struct fe_api_module fe_module_snapshots;
extern const struct fe_api_module fe_module_files;
extern const struct fe_api_module fe_module_exec;
extern const struct fe_api_module fe_module_console;
extern const struct fe_api_module fe_module_logs;
extern const struct fe_api_module fe_module_images;
extern const struct fe_api_module fe_module_events;
extern const struct fe_api_module fe_module_profiles;
extern const struct fe_api_module fe_module_network_acls;
extern const struct fe_api_module fe_module_network_forwards;
extern const struct fe_api_module fe_module_boot;
extern const struct fe_api_module fe_module_networks;
extern const struct fe_api_module fe_module_storage_pools;

/* moatd-api's modules (router.c), ended by NULL: routes are tried in this
 * order, and GET /1.0 lists the extensions in it. */
extern const struct fe_api_module *const fe_api_modules[];

/* The union of the modules' extensions, each once, in the modules' order. */
json_object *fe_api_extensions(const struct fe_api_module *const *modules);

/*
 * The decoded segment that the request's route captures as {name}
 * ("c1" for "/1.0/instances/{name}" and "/1.0/instances/c1"); it lives as
 * long as req. NULL if the route has no such capture (a handler's bug).
 */
const char *fe_param(const struct fe_req *req, const char *name);

/*
 * The prefix the client used for the routes under prefix: the alias it
 * came through ("/1.0/containers" for "/1.0/instances"), else prefix.
 * LXD answers with URLs under the prefix it was called with.
 */
const char *fe_client_prefix(const struct fe_req *req, const char *prefix);

/*
 * Find the route for req->method and req->path: 0 with req->route and the
 * captures set; else resp holds the answer, in LXD's order: -ENOENT and a
 * 404 (no route has this path), -EACCES and a 403 "not authorized" (an
 * untrusted client, and no route for the method that serves one), or
 * -EOPNOTSUPP and a 501 (routes have the path, none the method).
 */
int fe_route_find(struct fe_req *req, struct fe_resp *resp);
/* The same against other modules than moatd-api's (the unit tests). */
int fe_router_find(const struct fe_api_module *const *modules, struct fe_req *req,
		   struct fe_resp *resp);
/* Run the handler of the route found, its return honoured (fe_handler). */
void fe_route_run(struct fe_req *req, struct fe_resp *resp);
/* Both: find the route and run it, or answer 404, 403 or 501. */
void fe_route_request(struct fe_req *req, struct fe_resp *resp);

int fe_http_start(int listen_fd);

#endif
