// SPDX-License-Identifier: Apache-2.0
/*
 * LXD's response envelopes (LXD-API.md §2): sync, async and error, and
 * ETags. Runs in moatd-api (unprivileged). The metadata objects are built
 * by handlers; this file only wraps and renders them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/http.h"
#include "lxd/object.h"

void fe_resp_free(struct fe_resp *r)
{
	if (r->kind == FE_RESP_RAW && r->raw_fd >= 0)
		close(r->raw_fd);
	free(r->raw_body);
	json_object_put(r->headers);
	json_object_put(r->metadata);
	free(r->error);
	free(r->location);
	free(r->operation);
	memset(r, 0, sizeof(*r));
}

int fe_sync(struct fe_resp *r, json_object *md)
{
	json_object_put(r->metadata);
	r->kind = FE_RESP_SYNC;
	r->http_status = 200;
	r->metadata = md;
	return 0;
}

int fe_raw(struct fe_resp *r, const char *body, size_t len)
{
	fe_sync(r, NULL);
	r->kind = FE_RESP_RAW;
	r->raw_fd = -1;
	free(r->raw_body);
	r->raw_body = NULL;
	r->raw_len = 0;
	if (body) {
		r->raw_body = malloc(len + 1);
		if (r->raw_body) {
			memcpy(r->raw_body, body, len);
			r->raw_len = len;
		}
	}
	return 0;
}

int fe_created(struct fe_resp *r, const char *location)
{
	fe_sync(r, NULL);
	r->http_status = 201;
	free(r->location);
	r->location = strdup(location);
	return 0;
}

int fe_error(struct fe_resp *r, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	json_object_put(r->metadata);
	r->metadata = NULL;
	free(r->error);
	r->kind = FE_RESP_ERROR;
	r->http_status = status;
	r->error = msg;
	return 0;
}

char *fe_resp_render(const struct fe_resp *r, size_t *ret_len)
{
	json_object *o = json_object_new_object();
	const char *s;
	char *out;

	switch (r->kind) {
	case FE_RESP_RAW: /* http.c sends raw bodies itself; render as sync if asked */
	case FE_RESP_SYNC:
		json_object_object_add(o, "type", json_object_new_string("sync"));
		json_object_object_add(o, "status", json_object_new_string("Success"));
		json_object_object_add(o, "status_code", json_object_new_int(200));
		json_object_object_add(o, "operation", json_object_new_string(""));
		json_object_object_add(o, "error_code", json_object_new_int(0));
		json_object_object_add(o, "error", json_object_new_string(""));
		break;
	case FE_RESP_ASYNC:
		json_object_object_add(o, "type", json_object_new_string("async"));
		json_object_object_add(o, "status", json_object_new_string("Operation created"));
		json_object_object_add(o, "status_code", json_object_new_int(100));
		json_object_object_add(o, "operation",
				       json_object_new_string(r->operation ? r->operation : ""));
		json_object_object_add(o, "error_code", json_object_new_int(0));
		json_object_object_add(o, "error", json_object_new_string(""));
		break;
	case FE_RESP_ERROR:
		json_object_object_add(o, "type", json_object_new_string("error"));
		json_object_object_add(o, "status", json_object_new_string(""));
		json_object_object_add(o, "status_code", json_object_new_int(0));
		json_object_object_add(o, "operation", json_object_new_string(""));
		json_object_object_add(o, "error_code", json_object_new_int(r->http_status));
		json_object_object_add(
			o, "error", json_object_new_string(r->error ? r->error : "Internal error"));
		break;
	}
	json_object_object_add(o, "metadata",
			       r->kind == FE_RESP_ERROR ? NULL : json_object_get(r->metadata));
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*ret_len = strlen(s) + 1;
	out = malloc(*ret_len + 1);
	if (out) {
		memcpy(out, s, *ret_len - 1);
		out[*ret_len - 1] = '\n';
		out[*ret_len] = '\0';
	}
	json_object_put(o);
	return out;
}

void fe_etag_of(json_object *o, char ret[static 65])
{
	lxd_etag_of(o, ret);
}

/* If-Match, quotes stripped, against the current ETag: false (and a 412) on a mismatch. */
bool fe_if_match(const struct fe_req *req, const char *have, struct fe_resp *resp)
{
	const char *got = fe_header(req, "If-Match");
	char want[80];
	size_t n;

	if (!got || !*got || strcmp(got, "*") == 0)
		return true;
	n = strlen(got);
	if (n >= 2 && got[0] == '"' && got[n - 1] == '"')
		snprintf(want, sizeof(want), "%.*s", (int)(n - 2), got + 1);
	else
		snprintf(want, sizeof(want), "%s", got);
	if (strcmp(want, have) == 0)
		return true;
	fe_error(resp, 412, "ETag doesn't match: %s vs %s", have, want);
	return false;
}
