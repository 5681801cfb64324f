// SPDX-License-Identifier: Apache-2.0
/*
 * HTTP for moatd-api: libmicrohttpd on the listening socket inherited from
 * moatd, caller authentication by SO_PEERCRED, request bodies gathered up
 * to a cap (or streamed to a route's sink: uploads), and each request
 * handed to the router (router.c) with its path as the client sent it.
 * Runs in moatd-api (unprivileged); every byte here comes from a client
 * and is untrusted.
 */
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "buf.h"
#include "core/http.h"
#include "core/websocket.h"
#include "log.h"

struct conn_ctx {
	char *path;   /* as the client sent it, from on_uri() */
	bool started; /* the headers are in, and the request was routed */
	struct fe_req req;
	bool routed;                /* req.route found; else route_error is the answer */
	struct fe_resp route_error; /* 404, 501 */
	char *body;
	size_t len, cap; /* cap: bytes allocated for body, its NUL included */
	bool too_big;
	bool answered;
	uid_t uid;
	struct fe_ws_upgrade *upgrade; /* a 101 queued: freed when the request is over */
	/* a body streamed to a sink, not gathered; its state until a handler takes it */
	const struct fe_body_sink *sink;
	void *stream;
	/* the sink refused a chunk: `refusal` is the answer once the body is read */
	bool refused;
	struct fe_resp refusal;
	bool trim; /* a large answer: hand the memory it was built in back */
};

/*
 * An answer of this size or more (a list of some 40 instances) was built
 * from a JSON tree ten times as large; once it is sent, malloc_trim()
 * returns the freed pages to the kernel (main.c keeps glibc to one arena,
 * whose top malloc_trim can release: a thread arena's it cannot).
 */
#define TRIM_AFTER_BYTES (64 * 1024)

const char *fe_query(const struct fe_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

int fe_recursion(const struct fe_req *req)
{
	const char *r = fe_query(req, "recursion");

	char *end;
	long n;

	if (!r || !*r)
		return 0;
	errno = 0;
	n = strtol(r, &end, 10);
	if (*end != '\0' || errno != 0 || n <= 0)
		return 0;
	return n >= 2 ? 2 : 1;
}

const char *fe_header(const struct fe_req *req, const char *key)
{
	/* libmicrohttpd compares header names without regard to case */
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, key);
}

static bool peer_allowed(struct MHD_Connection *c, uid_t *ret_uid)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[256];

	if (!ci || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	*ret_uid = cred.uid;
	if (cred.uid == 0 || cred.gid == fe_srv.socket_gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == fe_srv.socket_gid)
			return true;
	return false;
}

static enum MHD_Result queue(struct MHD_Connection *c, struct conn_ctx *x, struct fe_resp *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t len = 0;
	char *body;

	if (r->upgrade) { /* websocket.c answers; its handler runs once the 101 is sent */
		x->upgrade = r->upgrade;
		r->upgrade = NULL;
		return fe_ws_queue(c, x->upgrade) == 0 ? MHD_YES : MHD_NO;
	}
	if (r->kind == FE_RESP_RAW) {
		struct stat st;

		if (r->raw_fd >= 0 && fstat(r->raw_fd, &st) == 0) {
			/* libmicrohttpd owns and closes the descriptor from here */
			mr = MHD_create_response_from_fd64((uint64_t)st.st_size, r->raw_fd);
			if (mr)
				r->raw_fd = -1;
		} else {
			mr = MHD_create_response_from_buffer(r->raw_len, r->raw_body,
							     MHD_RESPMEM_MUST_COPY);
		}
		if (!mr)
			return MHD_NO;
		MHD_add_response_header(mr, "Content-Type", "application/octet-stream");
	} else {
		body = fe_resp_render(r, &len);
		if (!body)
			return MHD_NO;
		x->trim = len >= TRIM_AFTER_BYTES;
		mr = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!mr) {
			free(body);
			return MHD_NO;
		}
		MHD_add_response_header(mr, "Content-Type", "application/json");
	}
	if (r->headers) {
		json_object_object_foreach(r->headers, hk, hv)
		{
			MHD_add_response_header(mr, hk, json_object_get_string(hv));
		}
	}
	if (r->location)
		MHD_add_response_header(mr, "Location", r->location);
	if (r->etag[0]) {
		char quoted[70];

		snprintf(quoted, sizeof(quoted), "\"%s\"", r->etag);
		MHD_add_response_header(mr, "ETag", quoted);
	}
	ret = MHD_queue_response(c, (unsigned)r->http_status, mr);
	MHD_destroy_response(mr);
	return ret;
}

/* Queue resp as the whole answer: what follows of the body is read and dropped. */
static enum MHD_Result answer_now(struct MHD_Connection *c, struct conn_ctx *x,
				  struct fe_resp *resp)
{
	enum MHD_Result ret;

	x->answered = true;
	ret = queue(c, x, resp);
	fe_resp_free(resp);
	return ret;
}

/* The headers are in: who asks, which route, and where the body goes. */
static enum MHD_Result on_headers(struct MHD_Connection *c, struct conn_ctx *x, const char *method)
{
	struct fe_resp resp = { 0 };
	int r;

	x->started = true;
	if (!peer_allowed(c, &x->uid)) {
		fe_error(&resp, 403, "not authorized");
		return answer_now(c, x, &resp);
	}
	x->req.method = method;
	x->req.path = x->path;
	x->req.conn = c;
	x->req.peer_uid = x->uid;
	x->req.trusted = true; /* the socket's group or root (peer_allowed) */
	/* a 404 or 501 is answered once the body is in, as before there were
	 * routes at this point: a body over the cap is a 413 first. A client
	 * refused for want of trust gets its 403 before any of its body is read. */
	r = fe_route_find(&x->req, &x->route_error);
	if (r == -EACCES) {
		resp = x->route_error;
		memset(&x->route_error, 0, sizeof(x->route_error));
		return answer_now(c, x, &resp);
	}
	x->routed = r == 0;
	x->sink = x->routed ? x->req.route->sink : NULL;
	if (!x->sink) {
		/* a gathered body declared over the cap: answer before reading
		 * it (found by tests/integration/90-hostile.sh: a 1 GiB body
		 * was read to its end before the 413) */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);

		if (cl && strtoull(cl, NULL, 10) > FE_BODY_MAX) {
			fe_error(&resp, 413, "Request body larger than %d bytes", FE_BODY_MAX);
			return answer_now(c, x, &resp);
		}
		return MHD_YES;
	}
	r = x->sink->open(&x->req, &resp, &x->stream);
	if (r < 0) /* refused on its headers: answer before the body */
		return answer_now(c, x, &resp);
	if (r > 0)
		x->sink = NULL; /* gathered as usual after all */
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct conn_ctx *x = *con_cls;
	struct fe_resp resp = { 0 };

	(void)cls;
	(void)url; /* decoded whole: the router splits x->path, then decodes */
	(void)version;
	if (!x)
		return MHD_NO; /* on_uri() could not allocate it */
	if (!x->started)
		return on_headers(c, x, method);
	if (x->answered) {
		*upload_size = 0; /* discard what follows a refusal */
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (x->sink) {
			/* after a refusal the rest of the body is read and dropped */
			if (!x->refused &&
			    x->sink->write(x->stream, upload, *upload_size, &x->refusal) < 0) {
				x->refused = true;
				x->sink->free(x->stream);
				x->stream = NULL;
			}
		} else if (!x->too_big && x->len + *upload_size <= FE_BODY_MAX) {
			/* grown by doubling: a body in many small chunks is not copied
			 * again at each one */
			if (buf_reserve(&x->body, &x->cap, x->len + *upload_size + 1, 4096,
					FE_BODY_MAX + 1) < 0)
				return MHD_NO;
			memcpy(x->body + x->len, upload, *upload_size);
			x->len += *upload_size;
			x->body[x->len] = '\0';
		} else {
			x->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}

	if (x->refused) {
		resp = x->refusal;
		memset(&x->refusal, 0, sizeof(x->refusal));
	} else if (x->too_big) {
		fe_error(&resp, 413, "Request body larger than %d bytes", FE_BODY_MAX);
	} else if (!x->routed) {
		resp = x->route_error;
		memset(&x->route_error, 0, sizeof(x->route_error));
	} else {
		x->req.body = x->body ? x->body : "";
		x->req.body_len = x->len;
		x->req.stream = x->stream;
		fe_route_run(&x->req, &resp);
		x->stream = x->req.stream; /* NULL if the handler took it */
	}
	return answer_now(c, x, &resp);
}

/*
 * The request line is in (nothing else yet): the request's state, with
 * the path as the client sent it. libmicrohttpd hands on_request() the
 * path decoded whole, where "%2F" would split a segment in two.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn_ctx *x = calloc(1, sizeof(*x));

	(void)cls;
	(void)c;
	if (!x)
		return NULL;
	if (!uri)
		uri = "";
	x->path = strndup(uri, strcspn(uri, "?"));
	if (!x->path) {
		free(x);
		return NULL;
	}
	return x;
}

/*
 * Percent-decoding of the query arguments (and of the whole path, which
 * nothing reads: the router decodes each segment of the path as sent, with
 * the same function), as libmicrohttpd's own except that "%00" stays as it
 * is: decoded, a NUL cut the string that handlers see, so
 * "/1.0/instances/c%00x/state" reached instance "c" and "?path=/a%00/../b"
 * wrote "/a" (found by tests/integration/90-hostile.sh). Kept encoded, such
 * a name is invalid and such a path names no file.
 */
static size_t unescape_keep_nul(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return fe_percent_decode(s);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_ctx *x = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (x) {
		bool trim = x->trim;

		fe_ws_upgrade_free(x->upgrade);
		if (x->sink && x->stream)
			x->sink->free(x->stream);
		fe_resp_free(&x->refusal);
		fe_resp_free(&x->route_error);
		free(x->body);
		free(x->path);
		free(x);
		*con_cls = NULL;
		if (trim)
			malloc_trim(0);
	}
}

static void __attribute__((format(printf, 2, 0))) on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("http: %s", buf);
}

int fe_http_start(int listen_fd)
{
	struct MHD_Daemon *d;

	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				     MHD_USE_POLL | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
			     on_completed, NULL, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
			     MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, 512U, MHD_OPTION_END);
	if (!d)
		return -EIO;
	return 0;
}
