// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the REST client's transport (see client.h): libcurl over the
 * remote's unix socket, one request per connection like lxc, sync and
 * async requests (an async one's operation waited for), streamed uploads
 * and downloads. Runs in the client as the invoking user, no privilege.
 * What the server sends is untrusted: JSON bodies are capped at
 * CLI_JSON_MAX and handed whole to answer.c, which reads them; header
 * values are copied into fixed buffers and cut, never trusted as paths.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "cleanup.h"
#include "cli.h"
#include "client.h"
#include "format.h"

void cli_resp_free(struct cli_resp *r)
{
	if (r->json)
		json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}

void cli_conn_free(struct cli_conn *c)
{
	free(c->remote);
	free(c->socket);
	memset(c, 0, sizeof(*c));
}

char *cli_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* ---- one transfer ----------------------------------------------------------------------- */

struct xfer {
	CURL *curl;
	struct cli_resp *resp;
	char *buf; /* the body, when it is kept */
	size_t len;
	cli_sink sink; /* 2xx bodies go here instead, when set */
	void *userdata;
	int sink_err;
	bool too_big;
	int upload_fd;
	int upload_err;
	struct cli_progress *progress;
	struct timespec start;
};

static void header_copy(char *dst, size_t size, const char *v, size_t len)
{
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	while (len && *v == ' ') {
		v++;
		len--;
	}
	snprintf(dst, size, "%.*s", (int)(len < size ? len : size - 1), v);
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;
	struct {
		const char *name;
		char *dst;
		size_t size;
	} known[] = {
		{ "etag:", x->resp->etag, sizeof(x->resp->etag) },
		{ "location:", x->resp->location, sizeof(x->resp->location) },
		{ "content-type:", x->resp->content_type, sizeof(x->resp->content_type) },
		{ "x-lxd-uid:", x->resp->lxd_uid, sizeof(x->resp->lxd_uid) },
		{ "x-lxd-gid:", x->resp->lxd_gid, sizeof(x->resp->lxd_gid) },
		{ "x-lxd-mode:", x->resp->lxd_mode, sizeof(x->resp->lxd_mode) },
		{ "x-lxd-type:", x->resp->lxd_type, sizeof(x->resp->lxd_type) },
	};

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new status line (after a 1xx): forget the previous headers */
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			known[i].dst[0] = '\0';
		x->resp->filename[0] = '\0';
		return len;
	}
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		size_t kl = strlen(known[i].name);

		if (len > kl && strncasecmp(p, known[i].name, kl) == 0)
			header_copy(known[i].dst, known[i].size, p + kl, len - kl);
	}
	if (len > 20 && strncasecmp(p, "content-disposition:", 20) == 0) {
		char v[512];
		const char *f;

		header_copy(v, sizeof(v), p + 20, len - 20);
		f = strstr(v, "filename=");
		if (f) {
			f += 9;
			if (*f == '"') {
				f++;
				header_copy(x->resp->filename, sizeof(x->resp->filename), f,
					    strcspn(f, "\""));
			} else {
				header_copy(x->resp->filename, sizeof(x->resp->filename), f,
					    strcspn(f, ";"));
			}
		}
	}
	return len;
}

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t add = size * n;
	char *grown;

	if (x->sink && strcmp(x->resp->lxd_type, "directory") != 0) {
		long status = 0;

		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
		if (cli_status_ok(status)) {
			x->sink_err = x->sink(x->userdata, p, add);
			return x->sink_err < 0 ? 0 : add;
		}
	}
	if (x->len + add > CLI_JSON_MAX) {
		x->too_big = true;
		return 0;
	}
	grown = realloc(x->buf, x->len + add + 1);
	if (!grown)
		return 0;
	x->buf = grown;
	memcpy(x->buf + x->len, p, add);
	x->len += add;
	x->buf[x->len] = '\0';
	return add;
}

static size_t on_read(char *p, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	ssize_t r;

	do
		r = read(x->upload_fd, p, size * n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		x->upload_err = -errno;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)r;
}

static double elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = userdata;
	struct cli_progress *pr = x->progress;
	uint64_t now = (uint64_t)(ulnow > 0 ? ulnow : dlnow);
	uint64_t total = pr->total ? pr->total : (uint64_t)(ultotal > 0 ? ultotal : dltotal);
	double secs = elapsed(&x->start);
	char speed[32], line[160];

	if (!pr->show || now == 0)
		return 0;
	cli_size_str(speed, sizeof(speed), secs > 0 ? (int64_t)((double)now / secs) : 0, 2, false);
	if (total) {
		int pct = (int)(now * 100 / total);

		if (pct == pr->last_pct && pr->last_len)
			return 0;
		pr->last_pct = pct;
		snprintf(line, sizeof(line), "%s: %d%% (%s/s)", pr->label, pct, speed);
	} else {
		snprintf(line, sizeof(line), "%s: %s/s", pr->label, speed);
	}
	cli_progress_line(pr, line);
	return 0;
}

static void debug_dump(const char *what, const char *data, size_t len)
{
	fprintf(stderr, "DEBUG: %s %.*s%s\n", what, (int)(len > 4096 ? 4096 : len), data,
		len > 4096 ? "..." : "");
}

/* A request body held in memory. */
struct body {
	const char *data; /* NULL: none */
	size_t len;
	bool json; /* Content-Type: application/json */
};

/*
 * One HTTP exchange. body: a request body in memory (or none);
 * upload_fd >= 0: a streamed, chunked body instead.
 */
static int perform(struct cli_conn *c, const char *method, const char *path,
		   const struct body *body, int upload_fd, const char *const *headers,
		   struct xfer *x)
{
	__do_free char *url = NULL;
	struct curl_slist *hl = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	CURL *curl;

	if (asprintf(&url, "http://unix.socket%s", path) < 0) {
		url = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	curl = curl_easy_init();
	if (!curl)
		return cli_error(-ENOMEM, "cannot start libcurl");
	x->curl = curl;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, c->socket);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "moat " MOAT_VERSION);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, x);
	hl = curl_slist_append(hl, "Connection: close");
	hl = curl_slist_append(hl, "Expect:");
	if (body && body->data) {
		if (body->json)
			hl = curl_slist_append(hl, "Content-Type: application/json");
		else
			hl = curl_slist_append(hl, "Content-Type:");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	}
	if (upload_fd >= 0) {
		x->upload_fd = upload_fd;
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(curl, CURLOPT_READDATA, x);
		if (strcmp(method, "POST") == 0)
			curl_easy_setopt(curl, CURLOPT_POST, 1L);
		else
			curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	}
	for (const char *const *h = headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	if (x->progress && x->progress->show) {
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	}
	if (c->debug) {
		fprintf(stderr, "DEBUG: %s %s (%s)\n", method, path, c->socket);
		if (body && body->data && body->json)
			debug_dump("request:", body->data, body->len);
	}
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &x->resp->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(curl);
	x->curl = NULL;
	if (x->progress)
		cli_progress_done(x->progress);
	if (c->debug)
		fprintf(stderr, "DEBUG: HTTP %ld\n", x->resp->status);
	if (x->sink_err < 0)
		return x->sink_err;
	if (x->upload_err < 0)
		return cli_error(x->upload_err, "reading the upload: %s", strerror(-x->upload_err));
	if (x->too_big)
		return cli_error(-EFBIG, "the server's answer is over %u MiB", CLI_JSON_MAX >> 20);
	if (rc != CURLE_OK)
		return cli_error(-ECONNREFUSED, "cannot reach the server at %s: %s", c->socket,
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return 0;
}

/* ---- requests ------------------------------------------------------------------------------- */

/* Parse x's kept body as the response envelope; record the error if it is one. */
static int envelope(struct cli_conn *c, struct xfer *x)
{
	if (c->debug && x->buf)
		debug_dump("answer:", x->buf, x->len);
	return cli_envelope_parse(x->buf, x->len, x->resp);
}

int cli_request_hdr(struct cli_conn *c, const char *method, const char *path, json_object *body,
		    const char *const *headers, struct cli_resp *ret)
{
	struct xfer x = { .resp = ret, .upload_fd = -1 };
	struct body b = { .json = true };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (body) {
		b.data = json_object_to_json_string_ext(
			body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		b.len = b.data ? strlen(b.data) : 0;
	}
	r = perform(c, method, path, &b, -1, headers, &x);
	if (r == 0)
		r = envelope(c, &x);
	free(x.buf);
	return r;
}

int cli_request(struct cli_conn *c, const char *method, const char *path, json_object *body,
		struct cli_resp *ret)
{
	return cli_request_hdr(c, method, path, body, NULL, ret);
}

int cli_send_raw(struct cli_conn *c, const char *method, const char *path, const void *data,
		 size_t len, const char *const *headers, struct cli_resp *ret)
{
	struct xfer x = { .resp = ret, .upload_fd = -1 };
	struct body b = { .data = data ? data : "", .len = len };
	int r;

	memset(ret, 0, sizeof(*ret));
	r = perform(c, method, path, &b, -1, headers, &x);
	if (r == 0)
		r = envelope(c, &x);
	free(x.buf);
	return r;
}

int cli_sync(struct cli_conn *c, const char *method, const char *path, json_object *body,
	     json_object **ret_md)
{
	struct cli_resp resp;
	int r = cli_request(c, method, path, body, &resp);

	if (r == 0 && ret_md)
		*ret_md = json_object_get(resp.metadata);
	cli_resp_free(&resp);
	return r;
}

struct rawbuf {
	char *buf;
	size_t len;
};

static int keep_raw(void *userdata, const void *data, size_t len)
{
	struct rawbuf *x = userdata;
	char *grown;

	if (x->len + len > CLI_JSON_MAX)
		return cli_error(-EFBIG, "the server's answer is over %u MiB", CLI_JSON_MAX >> 20);
	grown = realloc(x->buf, x->len + len + 1);
	if (!grown)
		return cli_error(-ENOMEM, "out of memory");
	x->buf = grown;
	memcpy(x->buf + x->len, data, len);
	x->len += len;
	x->buf[x->len] = '\0';
	return 0;
}

int cli_get_raw(struct cli_conn *c, const char *path, char **ret_buf, size_t *ret_len)
{
	struct rawbuf raw = { 0 };
	struct cli_resp resp;
	int r;

	r = cli_download(c, path, keep_raw, &raw, NULL, &resp);
	cli_resp_free(&resp);
	if (r < 0) {
		free(raw.buf);
		return r;
	}
	if (!raw.buf) {
		raw.buf = strdup("");
		if (!raw.buf)
			return cli_error(-ENOMEM, "out of memory");
	}
	*ret_buf = raw.buf;
	*ret_len = raw.len;
	return 0;
}

/* ---- waiting for an operation -------------------------------------------------------------- */

int cli_op_wait_final(struct cli_conn *c, const char *id, json_object **ret_op)
{
	__do_free char *eid = cli_escape(id), *path = NULL;
	json_object *op = NULL;
	int r;

	if (!eid || asprintf(&path, "/1.0/operations/%s/wait", eid) < 0) {
		path = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	/* "timeout" defaults to forever; loop anyway should the server cut it short */
	for (;;) {
		r = cli_get(c, path, &op);
		if (r < 0)
			return r;
		if (cli_jint(op, "status_code") >= 200)
			break;
		json_object_put(op);
		op = NULL;
	}
	*ret_op = op;
	return 0;
}

int cli_op_wait(struct cli_conn *c, const char *id, json_object **ret_op)
{
	json_object *op = NULL;
	const char *err;
	int r;

	r = cli_op_wait_final(c, id, &op);
	if (r < 0)
		return r;
	err = cli_jstr(op, "err");
	if (cli_jint(op, "status_code") != 200 || *err) {
		r = cli_error(-EIO, "%s", *err ? err : cli_jstr(op, "status"));
		json_object_put(op);
		return r;
	}
	if (ret_op)
		*ret_op = op;
	else
		json_object_put(op);
	return 0;
}

int cli_async(struct cli_conn *c, const char *method, const char *path, json_object *body,
	      json_object **ret_op)
{
	return cli_async_hdr(c, method, path, body, NULL, ret_op);
}

int cli_async_hdr(struct cli_conn *c, const char *method, const char *path, json_object *body,
		  const char *const *headers, json_object **ret_op)
{
	struct cli_resp resp;
	int r = cli_request_hdr(c, method, path, body, headers, &resp);

	if (r == 0) {
		const char *id = cli_op_id(&resp);

		if (*id)
			r = cli_op_wait(c, id, ret_op);
		else if (ret_op) /* answered at once (sync): nothing to wait for */
			*ret_op = json_object_get(resp.metadata);
	}
	cli_resp_free(&resp);
	return r;
}

/* ---- streams ----------------------------------------------------------------------------------- */

int cli_upload(struct cli_conn *c, const char *method, const char *path, int fd,
	       const char *const *headers, struct cli_progress *progress, struct cli_resp *ret)
{
	struct xfer x = { .resp = ret, .progress = progress };
	int r;

	memset(ret, 0, sizeof(*ret));
	r = perform(c, method, path, NULL, fd, headers, &x);
	if (r == 0)
		r = envelope(c, &x);
	free(x.buf);
	return r;
}

int cli_download(struct cli_conn *c, const char *path, cli_sink sink, void *userdata,
		 struct cli_progress *progress, struct cli_resp *ret)
{
	struct xfer x = { .resp = ret,
			  .sink = sink,
			  .userdata = userdata,
			  .upload_fd = -1,
			  .progress = progress };
	int r;

	memset(ret, 0, sizeof(*ret));
	r = perform(c, "GET", path, NULL, -1, NULL, &x);
	if (r == 0 && (!cli_status_ok(ret->status) || x.buf))
		r = envelope(c, &x); /* an error (or a JSON answer where bytes were expected) */
	free(x.buf);
	return r;
}

int cli_read_all(int fd, size_t max, char **ret, size_t *ret_len)
{
	__do_free char *buf = malloc(max + 1);
	size_t len = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf + len, max + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int cli_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cli_get_list(struct cli_conn *c, const char *path, json_object **ret)
{
	json_object *list = NULL;
	int r = cli_get(c, path, &list);

	if (r < 0)
		return r;
	if (!json_object_is_type(list, json_type_array)) {
		json_object_put(list);
		return cli_error(-EPROTO, "the server's answer to %s is not a list", path);
	}
	*ret = list;
	return 0;
}

int cli_conn_socket(const struct cli_conn *c, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(c->socket) >= sizeof(sa.sun_path))
		return cli_error(-ENAMETOOLONG, "the socket path %s is too long", c->socket);
	memcpy(sa.sun_path, c->socket, strlen(c->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cli_error(-errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return cli_error(-e, "cannot reach the server at %s: %s", c->socket, strerror(e));
	}
	*ret_fd = fd;
	return 0;
}
