// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for request bodies as JSON (frontend/core/json.c, fe_json_body):
 * what is refused with a 400 and a message (no body, a NUL byte, a \u0000
 * escape in a key or a value, invalid JSON, trailing data, not an object)
 * and what is accepted (trailing white space, escaped backslashes before
 * "u0000", other escapes). Inputs are the tests' own table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "fe.h"
#include "t.h"

struct body_case {
	const char *what;
	const char *body;
	size_t len;        /* 0: strlen(body) */
	const char *error; /* NULL: accepted; else a part of the message */
};

void test_json(void)
{
	static const struct body_case cases[] = {
		{ "an empty body", "", 0, "No request body" },
		{ "a NUL byte", "{\"a\":\"b\"}\0", 10, "NUL byte" },
		{ "\\u0000 in a key", "{\"user.a\\u0000x\":\"1\"}", 0, "NUL (\\u0000)" },
		{ "\\u0000 in a nested key", "{\"config\":{\"security.nesting\\u0000\":\"true\"}}",
		  0, "NUL (\\u0000)" },
		{ "\\u0000 in a value", "{\"a\":\"x\\u0000y\"}", 0, "NUL (\\u0000)" },
		{ "\\u0000 in an array", "{\"a\":[\"\\u0000\"]}", 0, "NUL (\\u0000)" },
		{ "\\u0000 after an escaped backslash", "{\"a\":\"\\\\\\u0000\"}", 0,
		  "NUL (\\u0000)" },
		{ "\\u0000 then a digit", "{\"a\":\"\\u00000\"}", 0, "NUL (\\u0000)" },
		{ "a cut-off body", "{\"a\":", 0, "Invalid JSON: unexpected end of JSON input" },
		{ "invalid JSON", "{\"a\" 1}", 0, "Invalid JSON" },
		{ "trailing data", "{\"a\":1} {}", 0, "Invalid JSON" },
		{ "an array", "[1]", 0, "must be an object" },
		{ "an escaped backslash, then u0000", "{\"a\":\"\\\\u0000\"}", 0, NULL },
		{ "two escaped backslashes, then u0000", "{\"a\":\"\\\\\\\\u0000\"}", 0, NULL },
		{ "\\u0001 and \\u1000", "{\"a\":\"\\u0001\\u1000\"}", 0, NULL },
		{ "u0000 without a backslash", "{\"u0000\":\"u0000\"}", 0, NULL },
		{ "a newline after the object (Go clients)", "{\"a\":1}\n", 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct body_case *c = &cases[i];
		struct fe_req req = { .method = "POST", .path = "/1.0/instances" };
		struct fe_resp resp = { 0 };
		json_object *o = NULL;
		int r;

		req.body = c->body;
		req.body_len = c->len ? c->len : strlen(c->body);
		r = fe_json_body(&req, &resp, &o);
		if (c->error)
			CHECK(r < 0 && !o && resp.kind == FE_RESP_ERROR &&
				      resp.http_status == 400 && resp.error &&
				      strstr(resp.error, c->error),
			      "json: %s is a 400 with \"%s\" (r=%d, \"%s\")", c->what, c->error, r,
			      resp.error ? resp.error : "");
		else
			CHECK(r == 0 && o && json_object_is_type(o, json_type_object),
			      "json: %s is accepted (r=%d, \"%s\")", c->what, r,
			      resp.error ? resp.error : "");
		json_object_put(o);
		fe_resp_free(&resp);
	}
}
