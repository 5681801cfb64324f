// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the client-controlled HTTP bytes moatd-api
 * (unprivileged) parses besides JSON bodies: the URL path as sent (split,
 * decoded and matched against every route table, router.c), query
 * arguments (filter= and
 * recursion= on the instance list, path= on files, type= on events) and
 * headers (X-LXD-uid/gid/mode/type/write on file push, X-LXD-filename,
 * -public, -properties, -profiles, -fingerprint, Content-Type and
 * Content-Length on image upload, If-Match). Query arguments and headers
 * arrive decoded (libmicrohttpd, with http.c's callback); the path does
 * not (the router decodes each segment).
 *
 * Input: lines. The first is the path; "?key=value" lines are query
 * arguments, "Name: value" lines headers (names matched without regard to
 * case, as libmicrohttpd does). The harness answers
 * MHD_lookup_connection_value() itself from those lines, so the real
 * fe_query()/fe_header() and the real handlers and sinks run, against a
 * database in a /tmp directory (one instance "c1", removed at exit) and
 * without moatd: a call to it fails at once (no channel), as if moatd had
 * refused. Nothing is written outside that directory. Built with clang,
 * libFuzzer, ASan and UBSan by `make fuzz-build`. Checked: every answer
 * is a well-formed response, and a refusal carries a message.
 */
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/http.h"
#include "fe.h"
#include "fe_scratch.h"
#include "model/instances.h"
#include "ops/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 32

struct kv {
	enum MHD_ValueKind kind;
	const char *key, *value;
};

static struct kv kvs[MAX_LINES];
static size_t nkv;

/*
 * libmicrohttpd's lookup, answered from the input. Defined in the program,
 * it is the one http.c's fe_query() and fe_header() call.
 */
const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
					const char *key)
{
	(void)connection;
	for (size_t k = 0; k < nkv; k++)
		if (kvs[k].kind == kind && (kind == MHD_HEADER_KIND ? strcasecmp(kvs[k].key, key)
								    : strcmp(kvs[k].key, key)) == 0)
			return kvs[k].value;
	return NULL;
}

static void setup(void)
{
	struct fe_instance i = { 0 };

	if (!scratch_setup())
		return;
	snprintf(i.name, sizeof(i.name), "c1");
	snprintf(i.architecture, sizeof(i.architecture), "x86_64");
	snprintf(i.type, sizeof(i.type), "container");
	snprintf(i.created_at, sizeof(i.created_at), "2024-01-01T00:00:00Z");
	snprintf(i.last_used_at, sizeof(i.last_used_at), "1970-01-01T00:00:00Z");
	i.description = strdup("");
	i.config = json_tokener_parse("{\"user.a\":\"b\",\"limits.cpu\":\"2\"}");
	i.devices = json_object_new_object();
	i.profiles = json_tokener_parse("[\"default\"]");
	if (fe_instance_insert(&i) < 0)
		abort();
	fe_instance_free(&i);
}

static void check_resp(struct fe_resp *resp)
{
	size_t len = 0;
	json_object *o = NULL;
	char *body;

	if (resp->upgrade || resp->http_status < 200 || resp->http_status > 599)
		abort();
	if (resp->kind == FE_RESP_ERROR && (!resp->error || !resp->error[0]))
		abort();
	body = fe_resp_render(resp, &len);
	if (body && (len == 0 || !(o = json_tokener_parse(body))))
		abort();
	json_object_put(o);
	free(body);
	fe_resp_free(resp);
	memset(resp, 0, sizeof(*resp));
}

static void route(const char *method, const char *path, bool trusted)
{
	struct fe_req req = { 0 };
	struct fe_resp resp = { 0 };

	req.method = method;
	req.path = path;
	req.trusted = trusted;
	req.body = "";
	fe_route_request(&req, &resp);
	check_resp(&resp);
}

/* What http.c does when a sink route's headers are in, then frees the state. */
static void sink(const char *path)
{
	struct fe_req req = { 0 };
	struct fe_resp resp = { 0 };
	const struct fe_body_sink *bs;
	void *state = NULL;
	int r;

	req.method = "POST";
	req.path = path;
	req.trusted = true;
	if (fe_route_find(&req, &resp) < 0 || !(bs = req.route->sink))
		abort(); /* a route that streams its body */
	r = bs->open(&req, &resp, &state);
	if (r < 0) {
		if (state || resp.kind != FE_RESP_ERROR)
			abort();
		check_resp(&resp);
		return;
	}
	if (r == 0)
		bs->free(state);
	else if (state)
		abort();
	fe_resp_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fe_resp resp = { 0 };
	char *buf, *line, *save = NULL, *path;
	const char *types;
	unsigned mask;
	const char *bad = NULL;
	size_t bad_len = 0;

	if (size > 16384)
		return 0;
	setup();
	/* strings from libmicrohttpd end at a NUL: so do the lines */
	buf = scratch_cstr(data, size);
	if (!buf)
		return 0;
	nkv = 0;
	path = strsep(&buf, "\n");
	save = buf;
	while (save && nkv < MAX_LINES) {
		char *sep;

		line = strsep(&save, "\n");
		if (line[0] == '?') {
			sep = strchr(line + 1, '=');
			if (sep)
				*sep = '\0';
			kvs[nkv++] =
				(struct kv){ MHD_GET_ARGUMENT_KIND, line + 1, sep ? sep + 1 : "" };
		} else if ((sep = strstr(line, ": "))) {
			*sep = '\0';
			kvs[nkv++] = (struct kv){ MHD_HEADER_KIND, line, sep + 2 };
		}
	}

	/* the path against every route table, with a method no route has */
	route("FUZZ", path, true);
	/* and from a client without trust: 403 but for GET / and GET /1.0 */
	route("GET", path, false);
	/* GET routes but the event stream (a websocket upgrade) */
	if (strncmp(path, "/1.0/events", 11) != 0)
		route("GET", path, true);
	/* the instance list: filter= and recursion= */
	route("GET", "/1.0/instances", true);
	route("GET", "/1.0/containers", true);
	route("GET", "/1.0/images", true);
	route("GET", "/1.0/operations", true);
	/* files: path= and the X-LXD-* headers; a file body's sink, then the rest */
	sink("/1.0/instances/c1/files");
	route("POST", "/1.0/instances/c1/files", true);
	route("GET", "/1.0/instances/c1/files", true);
	route("DELETE", "/1.0/instances/c1/files", true);
	/* image upload headers */
	sink("/1.0/images");
	/* events: type= */
	types = MHD_lookup_connection_value(NULL, MHD_GET_ARGUMENT_KIND, "type");
	if (fe_events_parse_types(types, &mask, &bad, &bad_len) < 0 && bad &&
	    (!types || bad < types || bad + bad_len > types + strlen(types)))
		abort();
	/* If-Match against an ETag */
	{
		struct fe_req req = { 0 };

		if (!fe_if_match(&req,
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				 &resp))
			check_resp(&resp);
		fe_resp_free(&resp);
	}
	free(path);
	return 0;
}
