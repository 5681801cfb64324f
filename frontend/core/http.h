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

struct fe_req {
	const char *method;
	const char *path; /* decoded by libmicrohttpd */
	char *seg[8];     /* path split on '/', without the leading "1.0" */
	size_t nseg;
	void *conn; /* struct MHD_Connection */
	uid_t peer_uid;
	const char *body;
	size_t body_len;
	void *stream; /* a streamed body's state (struct fe_body_sink); the handler may take it */
};

enum fe_resp_kind { FE_RESP_SYNC, FE_RESP_ASYNC, FE_RESP_ERROR, FE_RESP_RAW };

#define PATH_BUF 4096

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

/* ---- routes (api_*.c) ----------------------------------------------------- */

typedef int (*fe_handler)(struct fe_req *req, struct fe_resp *resp);

/*
 * A request body streamed instead of gathered (uploads): a route listed in
 * a sink table (below) as well as in its module's route table. http.c
 * calls open() once the headers are in, before any body byte (req has
 * method, path, peer and headers; no segments, no body). It returns 1 to
 * have the body gathered as usual (up to FE_BODY_MAX), 0 to stream it
 * (*ret_state set), or a negative errno with resp filled, which is
 * answered at once. write() then gets every body chunk in order; a
 * negative return (resp filled) refuses the request: free() runs at once
 * and the rest of the body is read and dropped. When the body is complete
 * the route's handler runs with req->stream set and may take it
 * (TAKE_PTR). Whatever is left is passed to free() when the request ends,
 * however it ends (answered, refused, or the client went away).
 */
struct fe_body_sink {
	int (*open)(struct fe_req *req, struct fe_resp *resp, void **ret_state);
	int (*write)(void *state, const void *data, size_t len, struct fe_resp *resp);
	void (*free)(void *state);
};

/* Pattern and method as in the route table that has the handler; ended by { NULL }. */
struct fe_sink_route {
	const char *pattern;
	const char *method;
	const struct fe_body_sink *sink;
};

extern const struct fe_sink_route fe_sinks_images[];
extern const struct fe_sink_route fe_sinks_files[];

struct fe_route {
	const char *pattern; /* "/1.0/operations/ * /wait" with '*' matching one segment */
	const char *method;
	fe_handler handler;
};

/* One table per API module (api_<module>.c), ended by { NULL }. */
extern const struct fe_route fe_routes_server[];
extern const struct fe_route fe_routes_images[];
extern const struct fe_route fe_routes_instances[];
extern const struct fe_route fe_routes_events[];
extern const struct fe_route fe_routes_exec[];
extern const struct fe_route fe_routes_files[];
extern const struct fe_route fe_routes_logs[];
extern const struct fe_route fe_routes_console[];

/* Route a request: fills resp (404/501 when nothing matches). */
void fe_route_request(struct fe_req *req, struct fe_resp *resp);

int fe_http_start(int listen_fd);

#endif
