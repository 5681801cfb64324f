// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the router (frontend/core/router.c): named captures and
 * their percent-decoding, the /1.0/containers alias, 404 against 501,
 * refusal of untrusted clients (403), the handlers' return values, and
 * the union of the modules' API extensions; then a walk over moatd-api's
 * own modules (well-formed patterns, no shadowed route, the untrusted
 * routes, the extension list). Inputs are the tests' own tables; handlers
 * of the real modules run only where they touch nothing (GET /, GET /1.0
 * untrusted).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "fe.h"
#include "t.h"

/* ---- a module of the tests' own ----------------------------------------------------- */

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* Answers with what it was given: its captures and the prefix the client used. */
static int h_echo(struct fe_req *req, struct fe_resp *resp)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "route", json_object_new_string(req->route->pattern));
	json_object_object_add(o, "name", str_or_null(fe_param(req, "name")));
	json_object_object_add(o, "file", str_or_null(fe_param(req, "file")));
	json_object_object_add(o, "fingerprint", str_or_null(fe_param(req, "fingerprint")));
	json_object_object_add(o, "prefix",
			       json_object_new_string(fe_client_prefix(req, "/1.0/instances")));
	return fe_sync(resp, o);
}

static int h_fail_bare(struct fe_req *req, struct fe_resp *resp)
{
	(void)req;
	(void)resp;
	return -EIO;
}

static int h_fail_answered(struct fe_req *req, struct fe_resp *resp)
{
	(void)req;
	fe_error(resp, 409, "Alias already exists");
	return -EEXIST;
}

static int h_silent(struct fe_req *req, struct fe_resp *resp)
{
	(void)req;
	(void)resp;
	return 0;
}

static int h_fail_after_success(struct fe_req *req, struct fe_resp *resp)
{
	(void)req;
	fe_created(resp, "/1.0/somewhere");
	return -ENOMEM;
}

static int h_error_zero(struct fe_req *req, struct fe_resp *resp)
{
	(void)req;
	return fe_error(resp, 400, "Invalid thing");
}

static int sink_open(struct fe_req *req, struct fe_resp *resp, void **ret_state)
{
	(void)req;
	(void)resp;
	(void)ret_state;
	return 1;
}

static int sink_write(void *state, const void *data, size_t len, struct fe_resp *resp)
{
	(void)state;
	(void)data;
	(void)len;
	(void)resp;
	return 0;
}

static void sink_free(void *state)
{
	(void)state;
}

static const struct fe_body_sink test_sink = { sink_open, sink_write, sink_free };

static const struct fe_route test_routes[] = {
	{ "/", "GET", h_echo, FE_ROUTE_UNTRUSTED, NULL },
	{ "/1.0", "GET", h_echo, FE_ROUTE_UNTRUSTED, NULL },
	{ "/1.0/instances", "GET", h_echo, 0, NULL },
	{ "/1.0/instances", "POST", h_echo, 0, &test_sink },
	{ "/1.0/instances/{name}", "GET", h_echo, 0, NULL },
	{ "/1.0/instances/{name}/logs/{file}", "GET", h_echo, 0, NULL },
	{ "/1.0/instances/{name}/logs/{file}", "DELETE", h_echo, 0, NULL },
	{ "/1.0/images/aliases", "GET", h_echo, 0, NULL },
	{ "/1.0/images/{fingerprint}", "GET", h_echo, 0, NULL },
	{ "/1.0/fail", "GET", h_fail_bare, 0, NULL },
	{ "/1.0/fail", "POST", h_fail_answered, 0, NULL },
	{ "/1.0/fail", "PUT", h_silent, 0, NULL },
	{ "/1.0/fail", "PATCH", h_fail_after_success, 0, NULL },
	{ "/1.0/fail", "DELETE", h_error_zero, 0, NULL },
	{ 0 },
};

static const char *const ext_a[] = { "alpha", "beta", NULL };
static const char *const ext_b[] = { "beta", "gamma", NULL };
static const struct fe_route no_routes[] = { { 0 } };

static const struct fe_api_module test_module = { "test", test_routes, ext_a };
static const struct fe_api_module test_module_b = { "test-b", no_routes, ext_b };
static const struct fe_api_module test_module_c = { "test-c", no_routes, NULL };
static const struct fe_api_module *const test_modules[] = {
	&test_module,
	&test_module_b,
	&test_module_c,
	NULL,
};

/* ---- routing a request ---------------------------------------------------------------- */

/* Route (and run, if found) method path against modules; resp holds the answer. */
static int route(const struct fe_api_module *const *modules, const char *method, const char *path,
		 bool trusted, struct fe_req *req, struct fe_resp *resp)
{
	int r;

	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	req->method = method;
	req->path = path;
	req->trusted = trusted;
	req->body = "";
	r = fe_router_find(modules, req, resp);
	if (r == 0)
		fe_route_run(req, resp);
	return r;
}

static const char *md_str(const struct fe_resp *resp, const char *key)
{
	json_object *v;

	if (!resp->metadata || !json_object_object_get_ex(resp->metadata, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

struct route_case {
	const char *method, *path;
	bool trusted;
	int status;
	const char *route; /* the pattern that must have run (status 200) */
	const char *name, *file, *fingerprint;
	const char *error; /* the message of an error answer */
};

static void test_cases(void)
{
	static const struct route_case cases[] = {
		/* captures */
		{ "GET", "/1.0/instances/c1", true, 200, .route = "/1.0/instances/{name}",
		  .name = "c1" },
		{ "GET", "/1.0/instances/c1/logs/lxc.log", true, 200,
		  .route = "/1.0/instances/{name}/logs/{file}", .name = "c1", .file = "lxc.log" },
		{ "DELETE", "/1.0/instances/c1/logs/exec_x.stdout", true, 200,
		  .route = "/1.0/instances/{name}/logs/{file}", .name = "c1",
		  .file = "exec_x.stdout" },
		{ "GET", "/1.0/instances", true, 200, .route = "/1.0/instances" },
		{ "GET", "/", true, 200, .route = "/" },
		{ "GET", "/1.0", true, 200, .route = "/1.0" },
		/* the first route with the path and the method, in table order */
		{ "GET", "/1.0/images/aliases", true, 200, .route = "/1.0/images/aliases" },
		{ "GET", "/1.0/images/aliase", true, 200, .route = "/1.0/images/{fingerprint}",
		  .fingerprint = "aliase" },
		{ "GET", "/1.0/images/abc123", true, 200, .route = "/1.0/images/{fingerprint}",
		  .fingerprint = "abc123" },
		/* percent-decoding, segment by segment, as LXD */
		{ "GET", "/1.0/instances/caf%C3%A9", true, 200, .route = "/1.0/instances/{name}",
		  .name = "caf\xc3\xa9" },
		{ "GET", "/1.0/instances/a%2Fb", true, 200, .route = "/1.0/instances/{name}",
		  .name = "a/b" },
		{ "GET", "/1.0/instances/a%2fb/logs/..%2F..%2Fx", true, 200,
		  .route = "/1.0/instances/{name}/logs/{file}", .name = "a/b", .file = "../../x" },
		{ "GET", "/1.0/instances/%2e%2e", true, 200, .route = "/1.0/instances/{name}",
		  .name = ".." },
		{ "GET", "/1.0/instances/c%00x", true, 200, .route = "/1.0/instances/{name}",
		  .name = "c%00x" },
		{ "GET", "/1.0/instances/%zz%4", true, 200, .route = "/1.0/instances/{name}",
		  .name = "%zz%4" },
		{ "GET", "/1.0/instances/%", true, 200, .route = "/1.0/instances/{name}",
		  .name = "%" },
		{ "GET", "/1.0/instances/a+b%20c", true, 200, .route = "/1.0/instances/{name}",
		  .name = "a+b c" },
		{ "GET", "/1.0/%69nstances", true, 200, .route = "/1.0/instances" },
		{ "GET", "/1.0/instances%2Fc1", true, 404, .error = "not found" },
		/* 404: no route has the path; 501: some have it, none the method */
		{ "GET", "/1.0/nowhere", true, 404, .error = "not found" },
		{ "GET", "/1.0/instances/c1/state", true, 404, .error = "not found" },
		{ "PUT", "/1.0/instances/c1", true, 501, .error = "not implemented" },
		{ "DELETE", "/1.0", true, 501, .error = "not implemented" },
		{ "get", "/1.0", true, 501, .error = "not implemented" },
		{ "PUT", "/1.0/images/aliases", true, 501, .error = "not implemented" },
		/* empty segments, too many, no leading '/' */
		{ "GET", "/1.0//instances", true, 404, .error = "not found" },
		{ "GET", "/1.0/instances/", true, 404, .error = "not found" },
		{ "GET", "/1.0/", true, 404, .error = "not found" },
		{ "GET", "//", true, 404, .error = "not found" },
		{ "GET", "", true, 404, .error = "not found" },
		{ "GET", "1.0", true, 404, .error = "not found" },
		{ "GET", "/1.0/instances/a/logs/b/c/d/e/f", true, 404, .error = "not found" },
		/* the alias: every route under /1.0/instances, under /1.0/containers */
		{ "GET", "/1.0/containers", true, 200, .route = "/1.0/instances" },
		{ "GET", "/1.0/containers/c1", true, 200, .route = "/1.0/instances/{name}",
		  .name = "c1" },
		{ "GET", "/1.0/containers/c1/logs/lxc.log", true, 200,
		  .route = "/1.0/instances/{name}/logs/{file}", .name = "c1", .file = "lxc.log" },
		{ "GET", "/1.0/containers/a%2Fb", true, 200, .route = "/1.0/instances/{name}",
		  .name = "a/b" },
		{ "GET", "/1.0/%63ontainers/c1", true, 200, .route = "/1.0/instances/{name}",
		  .name = "c1" },
		{ "PUT", "/1.0/containers/c1", true, 501, .error = "not implemented" },
		{ "GET", "/1.0/containersx", true, 404, .error = "not found" },
		{ "GET", "/1.0/containers/", true, 404, .error = "not found" },
		{ "GET", "/containers", true, 404, .error = "not found" },
		{ "GET", "/1.0/x/containers", true, 404, .error = "not found" },
		/* untrusted clients: GET / and GET /1.0 only; an unknown path stays a 404 */
		{ "GET", "/", false, 200, .route = "/" },
		{ "GET", "/1.0", false, 200, .route = "/1.0" },
		{ "GET", "/1.0/instances", false, 403, .error = "not authorized" },
		{ "POST", "/1.0/instances", false, 403, .error = "not authorized" },
		{ "GET", "/1.0/containers/c1", false, 403, .error = "not authorized" },
		{ "DELETE", "/1.0", false, 403, .error = "not authorized" },
		{ "GET", "/1.0/nowhere", false, 404, .error = "not found" },
		{ "GET", "/1.0//", false, 404, .error = "not found" },
		/* what handlers return */
		{ "GET", "/1.0/fail", true, 500, .error = "Internal error: Input/output error" },
		{ "POST", "/1.0/fail", true, 409, .error = "Alias already exists" },
		{ "PUT", "/1.0/fail", true, 500, .error = "Internal error: no response" },
		{ "PATCH", "/1.0/fail", true, 500,
		  .error = "Internal error: Cannot allocate memory" },
		{ "DELETE", "/1.0/fail", true, 400, .error = "Invalid thing" },
	};
	struct fe_req req;
	struct fe_resp resp;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct route_case *c = &cases[i];
		char what[160];
		int r;

		snprintf(what, sizeof(what), "router: %s %s%s", c->method,
			 t_escape((char[T_ESC_MAX]){ 0 }, T_ESC_MAX, c->path, strlen(c->path)),
			 c->trusted ? "" : " (untrusted)");
		r = route(test_modules, c->method, c->path, c->trusted, &req, &resp);
		if (c->status == 200) {
			CHECK(r == 0 && resp.http_status == 200 &&
				      str_eq(md_str(&resp, "route"), c->route),
			      "%s: runs %s (got %d %s)", what, c->route, resp.http_status,
			      md_str(&resp, "route") ? md_str(&resp, "route") : "-");
			CHECK(str_eq(md_str(&resp, "name"), c->name) &&
				      str_eq(md_str(&resp, "file"), c->file) &&
				      str_eq(md_str(&resp, "fingerprint"), c->fingerprint),
			      "%s: captures name=%s file=%s fingerprint=%s", what,
			      c->name ? c->name : "-", c->file ? c->file : "-",
			      c->fingerprint ? c->fingerprint : "-");
		} else {
			CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == c->status &&
				      str_eq(resp.error, c->error) &&
				      (r == 0) == (c->status != 404 && c->status != 403 &&
						   c->status != 501),
			      "%s: %d \"%s\" (got %d \"%s\")", what, c->status, c->error,
			      resp.http_status, resp.error ? resp.error : "");
		}
		fe_resp_free(&resp);
	}
}

static void test_alias_and_params(void)
{
	struct fe_req req;
	struct fe_resp resp;

	route(test_modules, "GET", "/1.0/containers/c1", true, &req, &resp);
	CHECK(str_eq(md_str(&resp, "prefix"), "/1.0/containers"),
	      "router: a handler reached through /1.0/containers learns the prefix it was called with");
	CHECK(str_eq(fe_client_prefix(&req, "/1.0/images"), "/1.0/images"),
	      "router: the alias says nothing about other prefixes");
	CHECK(fe_param(&req, "nope") == NULL, "router: fe_param of a name the route lacks is NULL");
	CHECK(str_eq(fe_param(&req, "name"), "c1"), "router: fe_param reads a capture once more");
	fe_resp_free(&resp);
	route(test_modules, "GET", "/1.0/instances/c1", true, &req, &resp);
	CHECK(str_eq(md_str(&resp, "prefix"), "/1.0/instances"),
	      "router: a handler reached through /1.0/instances learns that prefix");
	fe_resp_free(&resp);
	route(test_modules, "GET", "/1.0/containers", true, &req, &resp);
	CHECK(str_eq(md_str(&resp, "prefix"), "/1.0/containers"),
	      "router: the alias of the collection itself");
	fe_resp_free(&resp);

	/* the route found carries its flags and sink */
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "POST";
	req.path = "/1.0/containers";
	req.trusted = true;
	CHECK(fe_router_find(test_modules, &req, &resp) == 0 && req.route->sink == &test_sink &&
		      resp.http_status == 0,
	      "router: a route found names its sink, and nothing is answered yet");
	fe_resp_free(&resp);

	/* a path longer than the router's buffer is no route */
	{
		size_t n = PATH_BUF + 16;
		char *p = malloc(n);

		if (p) {
			memset(p, 'a', n - 1);
			memcpy(p, "/1.0/instances/", 15);
			p[n - 1] = '\0';
			route(test_modules, "GET", p, true, &req, &resp);
			CHECK(resp.http_status == 404, "router: a path over %d bytes is a 404",
			      PATH_BUF);
			fe_resp_free(&resp);
			free(p);
		}
	}
	/* a missing path or method */
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "GET";
	req.trusted = true;
	CHECK(fe_router_find(test_modules, &req, &resp) == -ENOENT && resp.http_status == 404,
	      "router: no path is a 404");
	fe_resp_free(&resp);
}

static void test_error_envelope(void)
{
	struct fe_req req;
	struct fe_resp resp;
	json_object *o = NULL, *v;
	size_t len = 0;
	char *body;

	route(test_modules, "GET", "/1.0/fail", true, &req, &resp);
	body = fe_resp_render(&resp, &len);
	o = body ? json_tokener_parse(body) : NULL;
	CHECK(o && json_object_object_get_ex(o, "type", &v) &&
		      strcmp(json_object_get_string(v), "error") == 0 &&
		      json_object_object_get_ex(o, "error_code", &v) &&
		      json_object_get_int(v) == 500 && json_object_object_get_ex(o, "error", &v) &&
		      strcmp(json_object_get_string(v), "Internal error: Input/output error") == 0,
	      "router: a failed handler's 500 is LXD's error envelope");
	json_object_put(o);
	free(body);
	fe_resp_free(&resp);
	route(test_modules, "PATCH", "/1.0/fail", true, &req, &resp);
	CHECK(!resp.location && !resp.metadata,
	      "router: the success answer of a failed handler is dropped whole");
	fe_resp_free(&resp);
}

static void test_extensions_union(void)
{
	json_object *a = fe_api_extensions(test_modules);
	const char *got = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);

	CHECK(strcmp(got, "[\"alpha\",\"beta\",\"gamma\"]") == 0,
	      "router: extensions are the union of the modules' lists, each once, in order (%s)",
	      got);
	json_object_put(a);
}

/* ---- moatd-api's own modules ------------------------------------------------------------ */

/* A pattern's segments into seg (pointing into buf): their count, 0 for "/", -1 if malformed. */
static int pattern_segs(const char *pattern, char *buf, size_t size, char **seg)
{
	size_t n = 0;
	char *p;

	if (!pattern || pattern[0] != '/' || strlen(pattern) >= size)
		return -1;
	if (strcmp(pattern, "/") == 0)
		return 0;
	snprintf(buf, size, "%s", pattern + 1);
	for (p = buf; p; n++) {
		if (n >= FE_PATH_SEGS || *p == '\0' || *p == '/')
			return -1;
		seg[n] = p;
		p = strchr(p, '/');
		if (p)
			*p++ = '\0';
	}
	return (int)n;
}

static bool capture_ok(const char *s)
{
	size_t n = strlen(s);

	if (s[0] != '{')
		return !strchr(s, '{') && !strchr(s, '}') && !strchr(s, '%');
	if (n < 3 || s[n - 1] != '}')
		return false;
	for (size_t k = 1; k + 1 < n; k++)
		if (!((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_'))
			return false;
	return true;
}

static void test_real_tables(void)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
	const struct fe_route *all[256];
	size_t nall = 0, nmod = 0;
	bool ok = true;

	for (const struct fe_api_module *const *m = fe_api_modules; *m; m++, nmod++) {
		CHECK((*m)->name && *(*m)->name && (*m)->routes && (*m)->routes[0].pattern,
		      "modules: %s has a name and routes", (*m)->name ? (*m)->name : "?");
		for (const struct fe_route *rt = (*m)->routes; rt->pattern; rt++) {
			char buf[256], *seg[FE_PATH_SEGS];
			int n = pattern_segs(rt->pattern, buf, sizeof(buf), seg);
			bool method_ok = false, seg_ok = n >= 0;

			for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++)
				method_ok |= rt->method && strcmp(rt->method, methods[k]) == 0;
			for (int k = 0; k < n; k++) {
				seg_ok &= capture_ok(seg[k]);
				for (int j = 0; j < k; j++)
					seg_ok &=
						!(seg[k][0] == '{' && strcmp(seg[k], seg[j]) == 0);
			}
			if (!CHECK(method_ok && rt->handler && seg_ok &&
					   (rt->flags & ~FE_ROUTE_UNTRUSTED) == 0 &&
					   (!rt->sink || strcmp(rt->method, "POST") == 0) &&
					   strncmp(rt->pattern, "/1.0/containers", 15) != 0,
				   "modules: %s %s %s is well-formed", (*m)->name, rt->method,
				   rt->pattern))
				ok = false;
			if (nall < sizeof(all) / sizeof(all[0]))
				all[nall++] = rt;
		}
		for (const char *const *e = (*m)->extensions; e && *e; e++)
			CHECK(**e != '\0', "modules: %s's extensions are names", (*m)->name);
	}
	CHECK(nmod == 16, "modules: moatd-api lists its 16 modules (%zu)", nmod);
	CHECK(ok, "modules: every route is well-formed");

	/* no route is shadowed by an earlier one: a later route's pattern, as a
	 * path, must not match an earlier one with the same method */
	ok = true;
	for (size_t i = 0; i < nall; i++) {
		for (size_t j = 0; j < i; j++) {
			struct fe_req req = { 0 };
			struct fe_resp resp = { 0 };
			const struct fe_api_module one = { "one",
							   (struct fe_route[]){ *all[j], { 0 } },
							   NULL };
			const struct fe_api_module *const mods[] = { &one, NULL };
			bool shadowed;

			if (strcmp(all[i]->method, all[j]->method) != 0)
				continue;
			req.method = all[i]->method;
			req.path = all[i]->pattern;
			req.trusted = true;
			shadowed = fe_router_find(mods, &req, &resp) == 0;
			fe_resp_free(&resp);
			if (shadowed)
				ok = CHECK(false, "modules: %s %s is shadowed by %s",
					   all[i]->method, all[i]->pattern, all[j]->pattern);
		}
	}
	CHECK(ok && nall > 0 && nall < sizeof(all) / sizeof(all[0]),
	      "modules: no route is shadowed by an earlier one (%zu routes)", nall);

	/* exactly the routes LXD serves untrusted clients (of those moat has) */
	{
		size_t n = 0;
		bool only = true;

		for (size_t i = 0; i < nall; i++) {
			if (!(all[i]->flags & FE_ROUTE_UNTRUSTED))
				continue;
			n++;
			only &= strcmp(all[i]->method, "GET") == 0 &&
				(strcmp(all[i]->pattern, "/") == 0 ||
				 strcmp(all[i]->pattern, "/1.0") == 0);
		}
		CHECK(n == 2 && only, "modules: only GET / and GET /1.0 are served untrusted");
	}

	/* GET /1.0's extensions: the list the stock client is served, in its order */
	{
		json_object *a = fe_api_extensions(fe_api_modules);
		const char *got = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);

		CHECK(strcmp(got, "[\"instances\",\"api_filtering\",\"container_full\","
				  "\"instance_get_full\",\"container_only_migration\","
				  "\"container_incremental_copy\","
				  "\"snapshot_expiry_creation\","
				  "\"directory_manipulation\","
				  "\"file_symlinks\",\"file_delete\","
				  "\"container_exec_user_group_cwd\",\"console\",\"network\","
				  "\"network_leases\",\"network_state\",\"network_hwaddr\","
				  "\"network_leases_location\",\"network_state_bond_bridge\","
				  "\"instance_nic_network\",\"network_acl\",\"network_forward\","
				  "\"storage\",\"resources\"]") == 0,
		      "modules: GET /1.0's api_extensions, unchanged (%s)", got);
		json_object_put(a);
	}
}

struct real_case {
	const char *method, *path;
	bool trusted;
	int r;
	const char *pattern; /* r == 0 */
	const char *param, *value;
	bool sink;
};

static void test_real_routes(void)
{
	static const struct real_case cases[] = {
		{ "GET", "/1.0/operations/abc/wait", true, 0,
		  .pattern = "/1.0/operations/{id}/wait", .param = "id", .value = "abc" },
		{ "GET", "/1.0/operations/abc/websocket", true, 0,
		  .pattern = "/1.0/operations/{id}/websocket", .param = "id", .value = "abc" },
		{ "POST", "/1.0/containers/c1/files", true, 0,
		  .pattern = "/1.0/instances/{name}/files", .param = "name", .value = "c1",
		  .sink = true },
		{ "POST", "/1.0/instances/c1/files", true, 0,
		  .pattern = "/1.0/instances/{name}/files", .param = "name", .value = "c1",
		  .sink = true },
		{ "GET", "/1.0/instances/c1/files", true, 0,
		  .pattern = "/1.0/instances/{name}/files", .param = "name", .value = "c1" },
		{ "POST", "/1.0/images", true, 0, .pattern = "/1.0/images", .sink = true },
		{ "GET", "/1.0/images/aliases/bb", true, 0, .pattern = "/1.0/images/aliases/{name}",
		  .param = "name", .value = "bb" },
		{ "GET", "/1.0/images/aliases", true, 0, .pattern = "/1.0/images/aliases" },
		{ "PUT", "/1.0/images/aliases", true, 0, .pattern = "/1.0/images/{fingerprint}",
		  .param = "fingerprint", .value = "aliases" },
		{ "GET", "/1.0/images/abc/export", true, 0,
		  .pattern = "/1.0/images/{fingerprint}/export", .param = "fingerprint",
		  .value = "abc" },
		{ "GET", "/1.0/containers/c1/logs/lxc.log", true, 0,
		  .pattern = "/1.0/instances/{name}/logs/{file}", .param = "file",
		  .value = "lxc.log" },
		{ "GET", "/1.0/containers/c1/console", true, 0,
		  .pattern = "/1.0/instances/{name}/console", .param = "name", .value = "c1" },
		{ "POST", "/1.0/containers/c1/console", true, 0,
		  .pattern = "/1.0/instances/{name}/console", .param = "name", .value = "c1" },
		{ "POST", "/1.0/containers/c1/exec", true, 0,
		  .pattern = "/1.0/instances/{name}/exec", .param = "name", .value = "c1" },
		{ "PUT", "/1.0/containers/c1/state", true, 0,
		  .pattern = "/1.0/instances/{name}/state", .param = "name", .value = "c1" },
		{ "GET", "/1.0/events", true, 0, .pattern = "/1.0/events" },
		{ "DELETE", "/1.0", true, .r = -EOPNOTSUPP },
		{ "GET", "/1.0//operations", true, .r = -ENOENT },
		{ "GET", "/1.0/nowhere", true, .r = -ENOENT },
		{ "GET", "/1.0/instances/c1/x", true, .r = -ENOENT },
		{ "GET", "/1.0", false, 0, .pattern = "/1.0" },
		{ "GET", "/", false, 0, .pattern = "/" },
		{ "GET", "/1.0/events", false, .r = -EACCES },
		{ "POST", "/1.0/images", false, .r = -EACCES },
		{ "GET", "/1.0/operations/abc/websocket", false, .r = -EACCES },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct real_case *c = &cases[i];
		struct fe_req req = { 0 };
		struct fe_resp resp = { 0 };
		int r;

		req.method = c->method;
		req.path = c->path;
		req.trusted = c->trusted;
		r = fe_route_find(&req, &resp);
		if (c->r == 0)
			CHECK(r == 0 && strcmp(req.route->pattern, c->pattern) == 0 &&
				      (!c->param || str_eq(fe_param(&req, c->param), c->value)) &&
				      !!req.route->sink == c->sink && resp.http_status == 0,
			      "moatd-api routes: %s %s%s is %s%s%s%s%s", c->method, c->path,
			      c->trusted ? "" : " (untrusted)", c->pattern, c->param ? ", " : "",
			      c->param ? c->param : "", c->param ? "=" : "",
			      c->value ? c->value : "");
		else
			CHECK(r == c->r && !req.route && resp.kind == FE_RESP_ERROR,
			      "moatd-api routes: %s %s%s is refused (%d)", c->method, c->path,
			      c->trusted ? "" : " (untrusted)", c->r);
		fe_resp_free(&resp);
	}
}

/* The real GET / and GET /1.0 for an untrusted client: LXD's short form. */
static void test_untrusted_server(void)
{
	static const char *const keys[] = { "api_extensions", "api_status", "api_version",
					    "auth",           "public",     "auth_methods" };
	struct fe_req req = { 0 };
	struct fe_resp resp = { 0 };
	json_object *v;
	size_t n = 0;
	bool ok = true;

	req.method = "GET";
	req.path = "/1.0";
	fe_route_request(&req, &resp);
	if (resp.metadata)
		n = (size_t)json_object_object_length(resp.metadata);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		ok &= resp.metadata && json_object_object_get_ex(resp.metadata, keys[k], NULL);
	CHECK(resp.http_status == 200 && ok && n == sizeof(keys) / sizeof(keys[0]),
	      "untrusted GET /1.0: only api_extensions, api_status, api_version, auth, public and "
	      "auth_methods (%zu keys)",
	      n);
	CHECK(resp.metadata && json_object_object_get_ex(resp.metadata, "auth", &v) &&
		      strcmp(json_object_get_string(v), "untrusted") == 0 && !resp.etag[0],
	      "untrusted GET /1.0: auth is \"untrusted\", no ETag");
	fe_resp_free(&resp);

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/";
	fe_route_request(&req, &resp);
	CHECK(resp.http_status == 200 && resp.metadata &&
		      strcmp(json_object_to_json_string_ext(resp.metadata,
							    JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE),
			     "[\"/1.0\"]") == 0,
	      "untrusted GET /: [\"/1.0\"]");
	fe_resp_free(&resp);
}

/* Websocket secrets: equal only when every byte is, whatever the lengths. */
static void test_secret_equal(void)
{
	char want[65];

	fe_random_hex(want);
	CHECK(fe_secret_equal(want, want), "secret: itself is equal");
	CHECK(!fe_secret_equal(NULL, want), "secret: no secret is not equal");
	CHECK(!fe_secret_equal("", want), "secret: an empty one is not equal");
	CHECK(!fe_secret_equal("", ""), "secret: an empty want matches nothing");
	for (size_t k = 0; k < 64; k += 21) {
		char other[65];

		memcpy(other, want, sizeof(other));
		other[k] = other[k] == 'a' ? 'b' : 'a';
		CHECK(!fe_secret_equal(other, want), "secret: one byte off at %zu is not equal", k);
		other[k] = want[k];
		other[k] = '\0';
		CHECK(!fe_secret_equal(other, want), "secret: a prefix of %zu bytes is not equal",
		      k);
	}
	{
		char longer[70];

		snprintf(longer, sizeof(longer), "%sabc", want);
		CHECK(!fe_secret_equal(longer, want), "secret: a longer one is not equal");
	}
}

void test_router(void)
{
	test_secret_equal();
	t_note("router: the failing handlers below are logged as errors on stderr, on purpose");
	test_cases();
	test_alias_and_params();
	test_error_envelope();
	test_extensions_union();
	test_real_tables();
	test_real_routes();
	test_untrusted_server();
}
