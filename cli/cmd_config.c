// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `config show|get|set|unset|edit`, lxc's way (LXD-API.md §9): show
 * prints the instance's writable part (api.InstancePut) as yaml.v2 does;
 * set and unset GET the instance for its ETag, change config and PUT the
 * whole writable part back with If-Match, then wait on the operation;
 * edit PUTs what stdin holds (no If-Match), or runs the editor on the
 * instance's YAML and, when the server refuses it, opens the editor again
 * with the error as a comment at the top. Without an instance name, show
 * and get read the server's config (GET /1.0), and set, unset and edit
 * PUT /1.0. Runs in the client as the invoking user, no privilege. The
 * instance objects are the server's (untrusted, read through the typed
 * accessors); the YAML is the user's, read by the bounded parser
 * (format.h) and turned into api.InstancePut with yaml.v2's typing rules.
 * Which fields are shown and read, and their types, come from the
 * instance's field table (lxd/objects.c), the one the server uses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "editor.h"
#include "lxd/objects.h"
#include "verbs.h"

#define STDIN_MAX (16u << 20)

/* ---- the writable part, from the instance's field table (lxd/objects.c) ---------------------- */

json_object *cli_instance_put(json_object *inst, bool expanded)
{
	return lxd_view(&lxd_instance_type, inst,
			LXD_VIEW_PUT | (expanded ? LXD_VIEW_EXPANDED : 0));
}

/* api.Instance for the editor: the writable part, then what the server keeps, expanded_* left out. */
static json_object *instance_for_edit(json_object *inst)
{
	return lxd_view(&lxd_instance_type, inst, 0);
}

/* ---- YAML into an <Object>Put, with yaml.v2's rules ---------------------------------------- */

static const char *yaml_kind(json_object *v)
{
	if (json_object_is_type(v, json_type_object))
		return "!!map";
	if (json_object_is_type(v, json_type_array))
		return "!!seq";
	return "!!str";
}

/* A string field: any scalar's text; null is "". */
static int want_string(json_object *v, const char *what, json_object **ret)
{
	if (v && !json_object_is_type(v, json_type_string))
		return cli_error(-EINVAL, "yaml: unmarshal errors:\n  cannot unmarshal %s into %s",
				 yaml_kind(v), what);
	*ret = json_object_new_string(v ? json_object_get_string(v) : "");
	return 0;
}

/* A bool field: a plain YAML 1.1 boolean; null is false. */
static int want_bool(json_object *v, json_object **ret)
{
	static const char *const yes[] = { "y",    "Y",    "yes", "Yes", "YES", "true",
					   "True", "TRUE", "on",  "On",  "ON" };
	static const char *const no[] = { "n",     "N",     "no",  "No",  "NO", "false",
					  "False", "FALSE", "off", "Off", "OFF" };
	const char *s = json_object_get_string(v);

	if (!v) {
		*ret = json_object_new_boolean(false);
		return 0;
	}
	for (size_t i = 0; cli_yaml_plain(v) && i < ARRAY_SIZE(yes); i++)
		if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
			*ret = json_object_new_boolean(strcmp(s, yes[i]) == 0);
			return 0;
		}
	if (json_object_is_type(v, json_type_string))
		return cli_error(-EINVAL,
				 "yaml: unmarshal errors:\n  cannot unmarshal !!str `%s` into bool",
				 s);
	return cli_error(-EINVAL, "yaml: unmarshal errors:\n  cannot unmarshal %s into bool",
			 yaml_kind(v));
}

/* map[string]string (depth 1) or map[string]map[string]string (depth 2); null stays null. */
static int want_map(json_object *v, int depth, json_object **ret)
{
	json_object *m;

	if (!v) {
		*ret = NULL;
		return 0;
	}
	if (!json_object_is_type(v, json_type_object))
		return cli_error(-EINVAL, "yaml: unmarshal errors:\n  cannot unmarshal %s into %s",
				 yaml_kind(v),
				 lxd_go_type(depth == 1 ? LXD_STRING_MAP : LXD_DEVICE_MAP));
	m = json_object_new_object();
	if (!m)
		return cli_error(-ENOMEM, "out of memory");
	json_object_object_foreach(v, key, val)
	{
		json_object *child = NULL;
		int r = depth == 1 ? want_string(val, "string", &child) : want_map(val, 1, &child);

		if (r < 0) {
			json_object_put(m);
			return r;
		}
		if (!child && depth == 2)
			child = json_object_new_object(); /* a null device: an empty map in Go */
		json_object_object_add(m, key, child);
	}
	*ret = m;
	return 0;
}

static int want_strings(json_object *v, json_object **ret)
{
	json_object *a;

	if (!v) {
		*ret = NULL;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return cli_error(-EINVAL, "yaml: unmarshal errors:\n  cannot unmarshal %s into %s",
				 yaml_kind(v), lxd_go_type(LXD_STRING_LIST));
	a = json_object_new_array();
	if (!a)
		return cli_error(-ENOMEM, "out of memory");
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *s = NULL;
		int r = want_string(json_object_array_get_idx(v, i), "string", &s);

		if (r < 0) {
			json_object_put(a);
			return r;
		}
		json_object_array_add(a, s);
	}
	*ret = a;
	return 0;
}

/* A list of structs of strings (an ACL's rules, a forward's ports): each a map[string]string. */
static int want_objects(json_object *v, json_object **ret)
{
	json_object *a;

	if (!v) {
		*ret = NULL;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return cli_error(-EINVAL, "yaml: unmarshal errors:\n  cannot unmarshal %s into %s",
				 yaml_kind(v), lxd_go_type(LXD_OBJECT_LIST));
	a = json_object_new_array();
	if (!a)
		return cli_error(-ENOMEM, "out of memory");
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *m = NULL;
		int r = want_map(json_object_array_get_idx(v, i), 1, &m);

		if (r < 0) {
			json_object_put(a);
			return r;
		}
		json_object_array_add(a, m ? m : json_object_new_object());
	}
	*ret = a;
	return 0;
}

/* One writable field of the YAML document as its Go type decodes it. */
static int want_field(const struct lxd_field *f, json_object *v, json_object **ret)
{
	switch (f->kind) {
	case LXD_BOOL:
		return want_bool(v, ret);
	case LXD_STRING_MAP:
		return want_map(v, 1, ret);
	case LXD_DEVICE_MAP:
		return want_map(v, 2, ret);
	case LXD_STRING_LIST:
		return want_strings(v, ret);
	case LXD_OBJECT_LIST:
		return want_objects(v, ret);
	case LXD_STRING:
	case LXD_TIME:
		return want_string(v, lxd_go_type(f->kind), ret);
	case LXD_INT:
	case LXD_OBJECT:
		break;
	}
	return cli_error(-EINVAL, "yaml: cannot unmarshal into %s", lxd_go_type(f->kind));
}

int cli_put_from_yaml(const struct lxd_object_type *t, const char *buf, size_t len,
		      json_object **ret)
{
	json_object *doc = NULL, *put;
	int r;

	r = cli_yaml_parse(buf, len, &doc);
	if (r < 0)
		return r;
	if (doc && !json_object_is_type(doc, json_type_object)) {
		r = cli_error(-EINVAL, "yaml: unmarshal errors:\n  cannot unmarshal %s into %s",
			      yaml_kind(doc), t->put_name);
		json_object_put(doc);
		return r;
	}
	put = json_object_new_object();
	if (!put) {
		json_object_put(doc);
		return cli_error(-ENOMEM, "out of memory");
	}
	for (const struct lxd_field *f = t->fields; r == 0 && f->name; f++) {
		json_object *v = NULL, *out = NULL;

		if (!(f->flags & LXD_W))
			continue;
		json_object_object_get_ex(doc, f->name, &v);
		r = want_field(f, v, &out);
		if (r == 0 && (f->flags & LXD_OMITEMPTY) &&
		    (!out || (json_object_is_type(out, json_type_string) &&
			      json_object_get_string_len(out) == 0))) {
			json_object_put(out);
			continue;
		}
		if (r == 0)
			json_object_object_add(put, f->name, out);
	}
	if (doc)
		json_object_put(doc);
	if (r < 0) {
		json_object_put(put);
		return r;
	}
	*ret = put;
	return 0;
}

int cli_instance_put_from_yaml(const char *buf, size_t len, json_object **ret)
{
	return cli_put_from_yaml(&lxd_instance_type, buf, len, ret);
}

char *cli_edit_annotate(const char *content, size_t len, const char *err)
{
	static const char mark[] = "# Error: ";
	const char *p = content, *end = content + len;
	FILE *f;
	char *out = NULL;
	size_t out_len = 0;

	/* drop the error lines an earlier round put at the top */
	while (p < end && (size_t)(end - p) >= sizeof(mark) - 1 &&
	       memcmp(p, mark, sizeof(mark) - 1) == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		p = nl ? nl + 1 : end;
	}
	f = open_memstream(&out, &out_len);
	if (!f)
		return NULL;
	for (const char *e = err; *e;) {
		size_t l = strcspn(e, "\n");

		fprintf(f, "%s%.*s\n", mark, (int)l, e);
		e += l + (e[l] ? 1 : 0);
	}
	fwrite(p, 1, (size_t)(end - p), f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- the verbs -------------------------------------------------------------------------------------- */

int cli_obj_get(struct cli_conn *conn, const char *path, json_object **ret, char ret_etag[128])
{
	struct cli_resp resp;
	int r;

	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_request(conn, "GET", path, NULL, &resp);
	if (r == 0) {
		*ret = json_object_get(resp.metadata);
		if (ret_etag)
			snprintf(ret_etag, 128, "%s", resp.etag);
	}
	cli_resp_free(&resp);
	return r;
}

int cli_obj_put(struct cli_conn *conn, const char *path, json_object *body, const char *etag,
		bool async)
{
	char if_match[160];
	const char *headers[2] = { NULL, NULL };
	struct cli_resp resp;
	int r;

	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	if (etag && *etag) {
		snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
		headers[0] = if_match;
	}
	if (async)
		return cli_async_hdr(conn, "PUT", path, body, headers, NULL);
	r = cli_request_hdr(conn, "PUT", path, body, headers, &resp);
	cli_resp_free(&resp);
	return r;
}

/* The instance's path (name) or the server's (name ""), malloc'ed. */
static char *target_path(const char *name)
{
	return *name ? cli_instance_path(name, NULL) : strdup("/1.0");
}

/* GET the instance (name) or the server (name ""): the object and its ETag. */
static int get_target(struct cli_conn *conn, const char *name, json_object **ret,
		      char ret_etag[128])
{
	__do_free char *path = target_path(name);

	return cli_obj_get(conn, path, ret, ret_etag);
}

/* PUT the writable part back: an operation for an instance, sync for the server. */
static int put_target(struct cli_conn *conn, const char *name, json_object *body, const char *etag)
{
	__do_free char *path = target_path(name);

	return cli_obj_put(conn, path, body, etag, *name != 0);
}

/* Only show reads a snapshot; its one writable field is expires_at (lxc config edit c1/s1). */
static int no_snapshot(const char *name)
{
	if (strchr(name, '/'))
		return cli_error(
			-EOPNOTSUPP,
			"moat changes no snapshot's config (only its expires_at may change: "
			"lxc config edit %s): %s",
			name, name);
	return 0;
}

/* config show <instance>/<snapshot>: the snapshot as lxc shows it. */
static int show_snapshot(struct cli_conn *conn, const char *name, bool expanded)
{
	__do_free char *inst = strdup(name), *path = NULL, *snap = NULL, *snaps = NULL;
	json_object *obj = NULL, *out;
	char *slash;
	int r;

	if (!inst)
		return cli_error(-ENOMEM, "out of memory");
	slash = strchr(inst, '/');
	*slash = '\0';
	snaps = cli_instance_path(inst, "/snapshots/");
	snap = cli_escape(slash + 1);
	if (!snaps || !snap || asprintf(&path, "%s%s", snaps, snap) < 0) {
		path = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	r = cli_obj_get(conn, path, &obj, NULL);
	if (r < 0)
		return r;
	out = lxd_view(&lxd_snapshot_type, obj, expanded ? LXD_VIEW_EXPANDED : 0);
	json_object_put(obj);
	if (!out)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_yaml_print(stdout, out);
	json_object_put(out);
	return r < 0 ? cli_error(r, "writing the YAML: %s", strerror(-r)) : 0;
}

int cli_cmd_config_show(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	bool expanded = cli_flag_bool(a, "expanded");
	__do_free char *name = NULL;
	struct cli_conn conn = { 0 };
	json_object *obj = NULL, *out;
	int r;

	r = cli_open(ctx, a->npos ? a->pos[0] : "", &conn, &name);
	if (r < 0)
		return r;
	if (!*name && expanded)
		r = cli_error(-EINVAL, "--expanded cannot be used with a server");
	if (r == 0 && strchr(name, '/')) {
		r = show_snapshot(&conn, name, expanded);
		cli_conn_free(&conn);
		return r;
	}
	if (r == 0)
		r = get_target(&conn, name, &obj, NULL);
	cli_conn_free(&conn);
	if (r < 0)
		return r;
	if (*name) {
		out = cli_instance_put(obj, expanded);
	} else {
		out = json_object_new_object();
		if (out)
			json_object_object_add(
				out, "config",
				json_object_get(cli_jget(obj, "config", json_type_object)));
	}
	json_object_put(obj);
	if (!out)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_yaml_print(stdout, out);
	json_object_put(out);
	return r < 0 ? cli_error(r, "writing the YAML: %s", strerror(-r)) : 0;
}

int cli_cmd_config_get(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	bool expanded = cli_flag_bool(a, "expanded");
	const char *key = a->pos[a->npos - 1];
	__do_free char *name = NULL;
	struct cli_conn conn = { 0 };
	json_object *obj = NULL, *v;
	int r;

	r = cli_open(ctx, a->npos > 1 ? a->pos[0] : "", &conn, &name);
	if (r < 0)
		return r;
	if (!*name && expanded)
		r = cli_error(-EINVAL, "--expanded cannot be used with a server");
	if (r == 0)
		r = get_target(&conn, name, &obj, NULL);
	cli_conn_free(&conn);
	if (r < 0)
		return r;
	v = cli_jget(
		cli_jget(obj, *name && expanded ? "expanded_config" : "config", json_type_object),
		key, json_type_string);
	if (!v && !*name) /* the server's values may be booleans */
		v = cli_jget(cli_jget(obj, "config", json_type_object), key, json_type_boolean);
	printf("%s\n", v ? json_object_get_string(v) : "");
	json_object_put(obj);
	return 0;
}

int cli_config_pairs(const char *const *args, size_t n, json_object **ret)
{
	json_object *m = json_object_new_object();
	int r = 0;

	if (!m)
		return cli_error(-ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool old_form = n == 2 && !strchr(args[0], '=');
		const char *eq = old_form ? NULL : strchr(args[i], '=');
		__do_free char *key = NULL, *in = NULL;
		const char *value;
		size_t len;

		if (!old_form && !eq) {
			r = cli_error(-EINVAL, "Invalid key=value configuration: %s", args[i]);
			break;
		}
		key = old_form ? strdup(args[0]) : strndup(args[i], (size_t)(eq - args[i]));
		value = old_form ? args[1] : eq + 1;
		if (!key) {
			r = cli_error(-ENOMEM, "out of memory");
			break;
		}
		if (strcmp(value, "-") == 0 && !isatty(STDIN_FILENO)) {
			r = cli_read_all(STDIN_FILENO, STDIN_MAX, &in, &len);
			if (r < 0) {
				r = cli_error(r, "Can't read from stdin: %s", strerror(-r));
				break;
			}
			value = in;
		}
		json_object_object_add(m, key, json_object_new_string(value));
		if (old_form)
			break;
	}
	if (r < 0) {
		json_object_put(m);
		return r;
	}
	*ret = m;
	return 0;
}

/* set (unset: every value is "" and the key must be there): GET, change config, PUT If-Match. */
static int set_keys(struct cli_ctx *ctx, bool unset)
{
	const struct cli_args *a = ctx->args;
	size_t n = a->npos;
	const char **args = calloc(n + 1, sizeof(*args));
	bool only_kv = true, has_kv = false, is_config;
	const char *remote_arg, *colon;
	__do_free char *name = NULL;
	struct cli_conn conn = { 0 };
	json_object *keys = NULL, *obj = NULL, *config, *body = NULL;
	char etag[128] = "";
	size_t first;
	int r;

	if (!args)
		return cli_error(-ENOMEM, "out of memory");
	memcpy(args, a->pos, n * sizeof(*args));
	if (unset)
		args[n++] = ""; /* lxc runs unset as set with an empty value */
	for (size_t i = 0; i < n; i++) {
		only_kv &= strchr(args[i], '=') != NULL;
		has_kv |= strchr(args[i], '=') != NULL;
	}
	colon = strchr(args[0], ':');
	is_config = strchr(colon ? colon + 1 : args[0], '.') != NULL;
	if (only_kv || is_config || (n == 2 && !has_kv)) {
		remote_arg = "";
		first = 0;
	} else {
		remote_arg = args[0];
		first = 1;
	}
	r = cli_open(ctx, remote_arg, &conn, &name);
	if (r == 0 && n - first == 0)
		r = cli_usage_error("Invalid number of arguments");
	if (r == 0)
		r = cli_config_pairs(args + first, n - first, &keys);
	if (r == 0)
		r = no_snapshot(name);
	if (r == 0)
		r = get_target(&conn, name, &obj, etag);
	if (r < 0)
		goto out;
	body = *name ? cli_instance_put(obj, false) : json_object_new_object();
	if (!body) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	config = cli_jget(*name ? body : obj, "config", json_type_object);
	if (!config) {
		config = json_object_new_object();
		json_object_object_add(*name ? body : obj, "config", config);
	}
	json_object_object_foreach(keys, k, v)
	{
		if (!unset) {
			json_object_object_add(config, k, json_object_get(v));
			continue;
		}
		if (!json_object_object_get_ex(config, k, NULL)) {
			r = cli_error(-EINVAL, "Can't unset key '%s', it's not currently set", k);
			goto out;
		}
		json_object_object_del(config, k);
	}
	if (!*name)
		json_object_object_add(body, "config", json_object_get(config));
	r = put_target(&conn, name, body, etag);
out:
	free(args);
	if (keys)
		json_object_put(keys);
	if (obj)
		json_object_put(obj);
	if (body)
		json_object_put(body);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_config_set(struct cli_ctx *ctx)
{
	return set_keys(ctx, false);
}

int cli_cmd_config_unset(struct cli_ctx *ctx)
{
	return set_keys(ctx, true);
}

static const char edit_help[] = "### This is a YAML representation of the configuration.\n"
				"### Any line starting with a '# will be ignored.\n"
				"###\n"
				"### A sample configuration looks like:\n"
				"### name: instance1\n"
				"### profiles:\n"
				"### - default\n"
				"### config:\n"
				"###   volatile.eth0.hwaddr: 00:16:3e:e9:f8:7f\n"
				"### devices:\n"
				"###   homedir:\n"
				"###     path: /extra\n"
				"###     source: /home/user\n"
				"###     type: disk\n"
				"### ephemeral: false\n"
				"###\n"
				"### Note that the name is shown but cannot be changed";

/* api.ServerPut ({config}) from the editor's YAML. */
static int server_put_from_yaml(const char *buf, size_t len, json_object **ret)
{
	json_object *doc = NULL, *put;
	int r;

	r = cli_yaml_parse(buf, len, &doc);
	if (r < 0)
		return r;
	put = json_object_new_object();
	if (!put) {
		json_object_put(doc);
		return cli_error(-ENOMEM, "out of memory");
	}
	json_object_object_add(put, "config",
			       json_object_get(cli_jget(doc, "config", json_type_object)));
	json_object_put(doc);
	*ret = put;
	return 0;
}

int cli_edit_put(struct cli_conn *conn, const char *path, bool async, cli_put_parser parse,
		 const char *text, const char *etag)
{
	__do_free char *content = NULL, *buf = NULL;
	size_t len = 0;
	int r;

	if (!isatty(STDIN_FILENO)) {
		/* the new document is stdin, PUT without If-Match */
		json_object *put = NULL;

		r = cli_read_all(STDIN_FILENO, STDIN_MAX, &buf, &len);
		if (r < 0)
			return cli_error(r, "reading stdin: %s", strerror(-r));
		r = parse(buf, len, &put);
		if (r == 0) {
			r = cli_obj_put(conn, path, put, NULL, async);
			json_object_put(put);
		}
		return r;
	}
	r = cli_editor_text(text, strlen(text), &content, &len);
	if (r < 0)
		return r;
	/* the editor, again and again until the server takes it (or the user gives up) */
	for (;;) {
		json_object *put = NULL;
		__do_free char *msg = NULL, *again = NULL;
		char c;

		r = parse(content, len, &put);
		if (r == 0) {
			r = cli_obj_put(conn, path, put, etag, async);
			json_object_put(put);
		}
		if (r == 0)
			return 0;
		msg = strdup(cli_error_message());
		if (!msg)
			return cli_error(-ENOMEM, "out of memory");
		fprintf(stderr, "Config parsing error: %s\n", msg);
		printf("Press enter to open the editor again or ctrl+c to abort change\n");
		fflush(stdout);
		if (read(STDIN_FILENO, &c, 1) != 1)
			return cli_error(-ECANCELED, "%s", msg);
		again = cli_edit_annotate(content, len, msg);
		if (!again)
			return cli_error(-ENOMEM, "out of memory");
		free(content);
		content = NULL;
		r = cli_editor_text(again, strlen(again), &content, &len);
		if (r < 0)
			return r;
	}
}

char *cli_edit_text(const char *help, json_object *shown)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = shown ? open_memstream(&text, &tlen) : NULL;
	int r;

	if (!f)
		return NULL;
	if (help)
		fprintf(f, "%s\n\n", help);
	r = cli_yaml_print(f, shown);
	if (fclose(f) != 0 || r < 0) {
		free(text);
		return NULL;
	}
	return text;
}

int cli_cmd_config_edit(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *name = NULL, *text = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	json_object *obj = NULL, *shown = NULL;
	char etag[128] = "";
	int r;

	r = cli_open(ctx, a->npos ? a->pos[0] : "", &conn, &name);
	if (r == 0)
		r = no_snapshot(name);
	if (r == 0 && !(path = target_path(name)))
		r = cli_error(-ENOMEM, "out of memory");
	if (r == 0 && isatty(STDIN_FILENO))
		r = get_target(&conn, name, &obj, etag);
	if (r < 0)
		goto out;
	if (obj && *name) {
		shown = instance_for_edit(obj);
	} else if (obj) {
		shown = json_object_new_object();
		if (shown)
			json_object_object_add(
				shown, "config",
				json_object_get(cli_jget(obj, "config", json_type_object)));
	}
	if (obj && !(text = cli_edit_text(*name ? edit_help : NULL, shown))) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	r = cli_edit_put(&conn, path, *name != 0,
			 *name ? cli_instance_put_from_yaml : server_put_from_yaml,
			 text ? text : "", etag);
out:
	if (obj)
		json_object_put(obj);
	if (shown)
		json_object_put(shown);
	cli_conn_free(&conn);
	return r;
}
