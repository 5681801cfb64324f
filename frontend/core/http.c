// SPDX-License-Identifier: Apache-2.0
/*
 * HTTP for moatd-api: libmicrohttpd on the listening socket inherited from
 * moatd, caller authentication by SO_PEERCRED, request bodies gathered up
 * to a cap (or streamed to a route's sink: uploads), and routing to the
 * API handlers. Runs in moatd-api (unprivileged); every byte here comes
 * from a client and is untrusted.
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

/* Each API module exports its table, ended by an entry with a NULL pattern. */
static const struct fe_route *const route_tables[] = {
	fe_routes_server, fe_routes_images, fe_routes_instances, fe_routes_events,
	fe_routes_exec,   fe_routes_files,  fe_routes_logs,      fe_routes_console,
};

/* Routes whose bodies are streamed (struct fe_body_sink), each ended by a NULL pattern. */
static const struct fe_sink_route *const sink_tables[] = {
	fe_sinks_images,
	fe_sinks_files,
};

struct conn_ctx {
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

const char *fe_header(const struct fe_req *req, const char *key)
{
	/* libmicrohttpd compares header names without regard to case */
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, key);
}

/* Split "/1.0/a/b" in place into segments; false on an empty segment or too many. */
static bool split_path(char *path, char **seg, size_t cap, size_t *ret_n)
{
	size_t n = 0;
	char *p = path + 1;

	if (path[0] != '/')
		return false;
	if (*p == '\0') {
		*ret_n = 0;
		return true;
	}
	for (;;) {
		char *end = strchr(p, '/');

		if (*p == '\0' || p == end || n >= cap)
			return false;
		seg[n++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 1;
	}
	*ret_n = n;
	return true;
}

static bool match(const char *pattern, char *const *seg, size_t nseg)
{
	char buf[128];
	char *pseg[8];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", pattern);
	if (!split_path(buf, pseg, 8, &n) || n != nseg)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pseg[i], "*") != 0 && strcmp(pseg[i], seg[i]) != 0)
			return false;
	}
	return true;
}

void fe_route_request(struct fe_req *req, struct fe_resp *resp)
{
	char *seg[8];
	size_t nseg = 0;
	bool path_known = false;
	char *path = strdup(req->path);

	if (!path || !split_path(path, seg, 8, &nseg)) {
		free(path);
		fe_error(resp, 404, "not found");
		return;
	}
	for (size_t t = 0; t < sizeof(route_tables) / sizeof(route_tables[0]); t++) {
		for (const struct fe_route *rt = route_tables[t]; rt->pattern; rt++) {
			if (!match(rt->pattern, seg, nseg))
				continue;
			path_known = true;
			if (strcmp(rt->method, req->method) != 0)
				continue;
			/* handlers see the segments after "1.0" */
			req->nseg = nseg > 0 ? nseg - 1 : 0;
			for (size_t k = 0; k < req->nseg; k++)
				req->seg[k] = seg[k + 1];
			rt->handler(req, resp);
			free(path);
			return;
		}
	}
	free(path);
	if (path_known)
		fe_error(resp, 501, "not implemented");
	else
		fe_error(resp, 404, "not found");
}

/* The sink of the route for this method and path, if it streams its body. */
static const struct fe_body_sink *find_sink(const char *url, const char *method)
{
	const struct fe_body_sink *found = NULL;
	char *seg[8];
	size_t nseg = 0;
	char *path = strdup(url);

	if (!path || !split_path(path, seg, 8, &nseg)) {
		free(path);
		return NULL;
	}
	for (size_t t = 0; !found && t < sizeof(sink_tables) / sizeof(sink_tables[0]); t++)
		for (const struct fe_sink_route *sr = sink_tables[t]; !found && sr->pattern; sr++)
			if (strcmp(sr->method, method) == 0 && match(sr->pattern, seg, nseg))
				found = sr->sink;
	free(path);
	return found;
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct conn_ctx *x = *con_cls;
	struct fe_resp resp = { 0 };
	struct fe_req req = { 0 };
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return MHD_NO;
		*con_cls = x;
		if (!peer_allowed(c, &x->uid)) {
			x->answered = true;
			fe_error(&resp, 403, "not authorized");
			ret = queue(c, x, &resp);
			fe_resp_free(&resp);
			return ret;
		}
		x->sink = find_sink(url, method);
		if (!x->sink) {
			/* a gathered body declared over the cap: answer before reading
			 * it (found by tests/integration/90-hostile.sh: a 1 GiB body
			 * was read to its end before the 413) */
			const char *cl = MHD_lookup_connection_value(
				c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

			if (cl && strtoull(cl, NULL, 10) > FE_BODY_MAX) {
				x->answered = true;
				fe_error(&resp, 413, "Request body larger than %d bytes",
					 FE_BODY_MAX);
				ret = queue(c, x, &resp);
				fe_resp_free(&resp);
				return ret;
			}
		}
		if (x->sink) {
			int r;

			char segbuf[PATH_BUF], *seg[8];
			size_t nseg = 0;

			req.method = method;
			req.path = url;
			req.conn = c;
			req.peer_uid = x->uid;
			/* the segments after "1.0", as route handlers get them */
			snprintf(segbuf, sizeof(segbuf), "%s", url);
			if (split_path(segbuf, seg, 8, &nseg) && nseg > 0) {
				req.nseg = nseg - 1;
				for (size_t k = 0; k < req.nseg; k++)
					req.seg[k] = seg[k + 1];
			}
			r = x->sink->open(&req, &resp, &x->stream);
			if (r < 0) { /* refused on its headers: answer before the body */
				x->answered = true;
				ret = queue(c, x, &resp);
				fe_resp_free(&resp);
				return ret;
			}
			if (r > 0)
				x->sink = NULL; /* gathered as usual after all */
		}
		return MHD_YES;
	}
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

	x->answered = true;
	if (x->refused) {
		resp = x->refusal;
		memset(&x->refusal, 0, sizeof(x->refusal));
	} else if (x->too_big) {
		fe_error(&resp, 413, "Request body larger than %d bytes", FE_BODY_MAX);
	} else {
		req.method = method;
		req.path = url;
		req.conn = c;
		req.peer_uid = x->uid;
		req.body = x->body ? x->body : "";
		req.body_len = x->len;
		req.stream = x->stream;
		fe_route_request(&req, &resp);
		x->stream = req.stream; /* NULL if the handler took it */
	}
	ret = queue(c, x, &resp);
	fe_resp_free(&resp);
	return ret;
}

/*
 * Percent-decoding of the path and the query arguments, as libmicrohttpd's
 * own except that "%00" stays as it is: decoded, a NUL cut the string that
 * handlers see, so "/1.0/instances/c%00x/state" reached instance "c" and
 * "?path=/a%00/../b" wrote "/a" (found by tests/integration/90-hostile.sh).
 * Kept encoded, such a name is invalid and such a path names no file.
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
		free(x->body);
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
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
			     MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, 512U, MHD_OPTION_END);
	if (!d)
		return -EIO;
	return 0;
}
