// SPDX-License-Identifier: Apache-2.0
/*
 * The router of moatd-api: a request's method and path against the API
 * modules' route tables, the path's segments percent-decoded and captured
 * by name for the handlers (fe_param). Runs in moatd-api (unprivileged);
 * the method and the path come from a client and are untrusted, the
 * tables are the program's own.
 *
 * What a segment may be follows LXD (gorilla/mux on the encoded path, each
 * variable unescaped by the handler): the path is split on '/' as sent,
 * so "%2F" stays inside its segment, and each segment is then decoded.
 * An alias prefix is replaced by its target before any route is tried.
 */
#include <errno.h>
#include <string.h>

#include "core/http.h"
#include "core/websocket.h"
#include "log.h"

/*
 * Every API module, once. The order is GET /1.0's order of api_extensions
 * (the stock client only looks names up; this keeps the list as it was).
 * No two modules' routes overlap, so it does not matter for routing.
 */
const struct fe_api_module *const fe_api_modules[] = {
	&fe_module_server,           /* /, /1.0, /1.0/operations */
	&fe_module_instances,        /* /1.0/instances, .../state */
	&fe_module_instance_rename,  /* POST /1.0/instances/<name> */
	&fe_module_snapshots,        /* .../snapshots */
	&fe_module_files,            /* .../files */
	&fe_module_exec,             /* .../exec */
	&fe_module_console,          /* POST .../console */
	&fe_module_logs,             /* .../logs, GET and DELETE .../console */
	&fe_module_images,           /* /1.0/images, /1.0/images/aliases */
	&fe_module_events,           /* /1.0/events */
	&fe_module_profiles,         /* /1.0/profiles */
	&fe_module_boot,             /* /internal/shutdown */
	&fe_module_networks,         /* /1.0/networks */
	&fe_module_network_acls,     /* /1.0/network-acls */
	&fe_module_network_forwards, /* /1.0/networks/<net>/forwards */
	&fe_module_storage_pools,    /* /1.0/storage-pools */
	NULL,
};

/*
 * Prefixes that serve every route under another, as LXD does: pylxd uses
 * /1.0/containers only (LXD-API.md §18), lxc /1.0/instances. Handlers
 * that answer with URLs ask which one the client used (fe_client_prefix).
 */
struct fe_route_alias {
	const char *prefix; /* as clients send it, literal segments only */
	const char *target; /* the prefix of the routes it serves */
};

static const struct fe_route_alias aliases[] = {
	{ "/1.0/containers", "/1.0/instances" },
};

/* A pattern's segment "{name}": the name's length, else 0 (a literal). */
static size_t capture_len(const char *seg, size_t len)
{
	return len > 2 && seg[0] == '{' && seg[len - 1] == '}' ? len - 2 : 0;
}

/*
 * How many of the segments the literal prefix (or pattern) lit matches, in
 * full: 0 if it does not (or is "/"). Captures match any segment.
 */
static size_t match_prefix(const char *lit, char *const *seg, size_t nseg)
{
	const char *p = lit + 1;
	size_t k = 0;

	if (lit[0] != '/' || *p == '\0')
		return 0;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (k >= nseg)
			return 0;
		if (!capture_len(p, n) && (strlen(seg[k]) != n || memcmp(seg[k], p, n) != 0))
			return 0;
		k++;
		p += n;
		if (*p == '\0')
			return k;
		p++;
	}
}

/*
 * A path under an alias prefix: its segments are the target's, then the
 * rest. The target's segments are copied to buf (size bytes) first.
 */
static void apply_alias(struct fe_req *req, char *buf, size_t size)
{
	for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
		size_t from = match_prefix(aliases[a].prefix, req->seg, req->nseg), to = 0;
		size_t len = strlen(aliases[a].target);
		char *to_seg[FE_PATH_SEGS], *p;

		if (!from || len >= size)
			continue;
		memcpy(buf, aliases[a].target, len + 1);
		for (p = buf + 1; p && to < FE_PATH_SEGS; to++) {
			to_seg[to] = p;
			p = strchr(p, '/');
			if (p)
				*p++ = '\0';
		}
		if (p || req->nseg - from + to > FE_PATH_SEGS)
			continue;
		memmove(req->seg + to, req->seg + from, (req->nseg - from) * sizeof(req->seg[0]));
		memcpy(req->seg, to_seg, to * sizeof(req->seg[0]));
		req->nseg = req->nseg - from + to;
		req->alias = &aliases[a];
		return;
	}
}

const char *fe_client_prefix(const struct fe_req *req, const char *prefix)
{
	return req->alias && strcmp(req->alias->target, prefix) == 0 ? req->alias->prefix : prefix;
}

/*
 * Split req->path into req->seg[], each segment decoded (in req->segbuf),
 * an alias prefix replaced by its target. False when it has an empty
 * segment, too many, or does not begin with '/'; "/" is no segment at all.
 */
static bool split_path(struct fe_req *req)
{
	size_t len = req->path ? strlen(req->path) : 0;
	char *p = req->segbuf + 1;

	req->nseg = 0;
	req->alias = NULL;
	if (len == 0 || len >= sizeof(req->segbuf) || req->path[0] != '/')
		return false;
	memcpy(req->segbuf, req->path, len + 1);
	if (*p == '\0')
		return true;
	for (;;) {
		char *end = strchr(p, '/');

		if (p == end || *p == '\0' || req->nseg >= FE_PATH_SEGS)
			return false;
		req->seg[req->nseg++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 1;
	}
	for (size_t k = 0; k < req->nseg; k++)
		fe_percent_decode(req->seg[k]);
	apply_alias(req, req->segbuf + len + 1, sizeof(req->segbuf) - len - 1);
	return true;
}

/* Does the pattern match the decoded segments, all of them? */
static bool match(const char *pattern, char *const *seg, size_t nseg)
{
	if (strcmp(pattern, "/") == 0)
		return nseg == 0;
	return nseg > 0 && match_prefix(pattern, seg, nseg) == nseg;
}

const char *fe_param(const struct fe_req *req, const char *name)
{
	const char *p;
	size_t len = strlen(name), k = 0;

	if (!req->route)
		return NULL;
	p = req->route->pattern + 1;
	while (*p && k < req->nseg) {
		size_t n = strcspn(p, "/");

		if (capture_len(p, n) == len && memcmp(p + 1, name, len) == 0)
			return req->seg[k];
		k++;
		p += n;
		if (*p == '/')
			p++;
	}
	return NULL;
}

/* The first route with the path and the method; *ret_path_known if any has the path. */
static const struct fe_route *lookup(const struct fe_api_module *const *modules,
				     const struct fe_req *req, bool *ret_path_known)
{
	*ret_path_known = false;
	for (const struct fe_api_module *const *m = modules; *m; m++) {
		for (const struct fe_route *rt = (*m)->routes; rt->pattern; rt++) {
			if (!match(rt->pattern, req->seg, req->nseg))
				continue;
			*ret_path_known = true;
			if (strcmp(rt->method, req->method) == 0)
				return rt;
		}
	}
	return NULL;
}

int fe_router_find(const struct fe_api_module *const *modules, struct fe_req *req,
		   struct fe_resp *resp)
{
	const struct fe_route *rt = NULL;
	bool path_known = false;

	req->route = NULL;
	if (split_path(req) && req->method)
		rt = lookup(modules, req, &path_known);
	/* LXD's order: an unknown path first, then trust (whatever the
	 * method), then the method */
	if (!path_known) {
		fe_error(resp, 404, "not found");
		return -ENOENT;
	}
	if (!req->trusted && !(rt && (rt->flags & FE_ROUTE_UNTRUSTED))) {
		fe_error(resp, 403, "not authorized");
		return -EACCES;
	}
	if (!rt) {
		fe_error(resp, 501, "not implemented");
		return -EOPNOTSUPP;
	}
	req->route = rt;
	return 0;
}

int fe_route_find(struct fe_req *req, struct fe_resp *resp)
{
	return fe_router_find(fe_api_modules, req, resp);
}

json_object *fe_api_extensions(const struct fe_api_module *const *modules)
{
	json_object *a = json_object_new_array();

	for (const struct fe_api_module *const *m = modules; *m; m++) {
		for (const char *const *e = (*m)->extensions; e && *e; e++) {
			bool seen = false;

			for (size_t k = 0; !seen && k < json_object_array_length(a); k++)
				seen = strcmp(json_object_get_string(
						      json_object_array_get_idx(a, k)),
					      *e) == 0;
			if (!seen)
				json_object_array_add(a, json_object_new_string(*e));
		}
	}
	return a;
}

void fe_route_run(struct fe_req *req, struct fe_resp *resp)
{
	const struct fe_route *rt = req->route;
	int r = rt->handler(req, resp);
	bool answered = resp->upgrade || resp->http_status != 0;
	const char *why;

	/* done, or failed with its own error answer */
	if (answered && (r == 0 || (r < 0 && resp->kind == FE_RESP_ERROR)))
		return;
	/* a handler's bug: no answer, or a failure with a success answer */
	why = r < 0 ? strerror(-r) : r > 0 ? "unexpected handler result" : "no response";
	log_error("%s %s: %s%s", rt->method, rt->pattern, why, answered ? " (answer dropped)" : "");
	fe_ws_upgrade_free(resp->upgrade);
	resp->upgrade = NULL;
	fe_resp_free(resp);
	fe_error(resp, 500, "Internal error: %s", why);
}

void fe_route_request(struct fe_req *req, struct fe_resp *resp)
{
	if (fe_route_find(req, resp) == 0)
		fe_route_run(req, resp);
}
