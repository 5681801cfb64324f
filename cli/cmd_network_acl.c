// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `network acl list|show|create|edit|set|unset|get|rename|delete|
 * rule add|rule remove` and `network forward list|show|create|get|set|
 * unset|delete|port add|port remove`, lxc 5.0.2's way (its
 * network_acl.go, network_forward.go): the writable part PUT back whole
 * with If-Match (sync); a rule or a port map added to or removed from the
 * list the server sent. Runs in the client as the invoking user, no
 * privilege. The server's objects are untrusted (typed accessors); the
 * fields shown and PUT come from the objects' field tables (lxd/objects.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "lxd/objects.h"
#include "verbs.h"

static char *acl_path(const char *name, const char *suffix)
{
	__do_free char *e = cli_escape(name);
	char *path;

	if (!e || asprintf(&path, "/1.0/network-acls/%s%s", e, suffix ? suffix : "") < 0)
		return NULL;
	return path;
}

static int acl_put_from_yaml(const char *buf, size_t len, json_object **ret)
{
	return cli_put_from_yaml(&lxd_network_acl_type, buf, len, ret);
}

static const char acl_edit_help[] =
	"### This is a YAML representation of the network ACL.\n"
	"### Any line starting with a '# will be ignored.\n"
	"###\n"
	"### A network ACL consists of a set of rules and configuration items.\n"
	"###\n"
	"### An example would look like:\n"
	"### name: allow-all-inbound\n"
	"### description: test desc\n"
	"### egress: []\n"
	"### ingress:\n"
	"### - action: allow\n"
	"###   source: \"\"\n"
	"###   destination: \"\"\n"
	"###   protocol: \"\"\n"
	"###   source_port: \"\"\n"
	"###   destination_port: \"\"\n"
	"###   icmp_type: \"\"\n"
	"###   icmp_code: \"\"\n"
	"###   description: \"\"\n"
	"###   state: enabled\n"
	"### config:\n"
	"###  user.foo: bah\n"
	"###\n"
	"### Note that only the ingress and egress rules, description and configuration keys can "
	"be changed.";

static const struct cli_kind acl_kind = {
	.word = "Network ACL",
	.noun = "network ACL",
	.path = acl_path,
	.type = &lxd_network_acl_type,
	.parse = acl_put_from_yaml,
	.edit_help = acl_edit_help,
};

int cli_cmd_acl_list(struct cli_ctx *ctx)
{
	return cli_named_list(ctx, "/1.0/network-acls?recursion=1");
}

int cli_cmd_acl_show(struct cli_ctx *ctx)
{
	return cli_named_show(ctx, &acl_kind);
}

int cli_cmd_acl_get(struct cli_ctx *ctx)
{
	return cli_named_get(ctx, &acl_kind);
}

int cli_cmd_acl_set(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &acl_kind, false);
}

int cli_cmd_acl_unset(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &acl_kind, true);
}

int cli_cmd_acl_edit(struct cli_ctx *ctx)
{
	return cli_named_edit(ctx, &acl_kind);
}

int cli_cmd_acl_rename(struct cli_ctx *ctx)
{
	return cli_named_rename(ctx, &acl_kind);
}

int cli_cmd_acl_delete(struct cli_ctx *ctx)
{
	return cli_named_delete(ctx, &acl_kind);
}

/* POST body to the collection at base, then lxc's "<word> <name> created". */
static int create_with_keys(struct cli_ctx *ctx, struct cli_conn *conn, const char *base,
			    json_object *body, size_t first_key, const char *word, const char *name)
{
	const struct cli_args *a = ctx->args;
	json_object *keys = NULL;
	int r = 0;

	for (size_t i = first_key; i < a->npos; i++)
		if (!strchr(a->pos[i], '='))
			return cli_error(-EINVAL, "Bad key=value pair: %s", a->pos[i]);
	if (a->npos > first_key)
		r = cli_config_pairs(a->pos + first_key, a->npos - first_key, &keys);
	if (r < 0)
		return r;
	json_object_object_add(body, "config", keys ? keys : json_object_new_object());
	r = cli_sync(conn, "POST", base, body, NULL);
	if (r == 0 && !ctx->quiet)
		printf("%s %s created\n", word, name);
	return r;
}

int cli_cmd_acl_create(struct cli_ctx *ctx)
{
	json_object *body = json_object_new_object();
	struct cli_named n;
	int r;

	if (!body)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_named_open(ctx, &acl_kind, ctx->args->pos[0], false, &n);
	if (r == 0) {
		json_object_object_add(body, "name", json_object_new_string(n.name));
		r = create_with_keys(ctx, &n.conn, "/1.0/network-acls", body, 1, "Network ACL",
				     n.name);
	}
	json_object_put(body);
	cli_named_free(&n);
	return r;
}

/* key=value arguments into an object of strings; a key outside allowed refused as lxc does. */
static int fields_of(const struct cli_args *a, size_t first, const char *const *allowed,
		     json_object **ret)
{
	json_object *o = NULL;
	int r = cli_config_pairs(a->pos + first, a->npos - first, &o);

	if (r < 0)
		return r;
	json_object_object_foreach(o, k, v)
	{
		bool known = false;

		(void)v;
		for (size_t i = 0; allowed[i]; i++)
			known = known || strcmp(k, allowed[i]) == 0;
		if (!known) {
			json_object_put(o);
			return cli_error(-EINVAL, "Unknown key: %s", k);
		}
	}
	*ret = o;
	return 0;
}

static const char *const rule_keys[] = { "action",    "source",      "destination",
					 "protocol",  "source_port", "destination_port",
					 "icmp_type", "icmp_code",   "description",
					 "state",     NULL };

/* Does the rule (or port map) hold every key=value of want? */
static bool matches(json_object *item, json_object *want)
{
	json_object_object_foreach(want, k, v)
	{
		if (strcmp(cli_jstr(item, k), json_object_get_string(v)) != 0)
			return false;
	}
	return true;
}

/*
 * GET the object, add want to (or remove the items matching want from)
 * its list field, PUT the writable part back with If-Match.
 */
static int list_change(struct cli_conn *conn, const char *path, const struct lxd_object_type *type,
		       const char *field, json_object *want, bool add, bool force, const char *what)
{
	char etag[128] = "";
	json_object *obj = NULL, *put = NULL, *list, *kept;
	size_t matched = 0;
	int r = cli_obj_get(conn, path, &obj, etag);

	if (r == 0 && !(put = lxd_view(type, obj, LXD_VIEW_PUT)))
		r = cli_error(-ENOMEM, "out of memory");
	if (r < 0)
		goto out;
	list = cli_jget(put, field, json_type_array);
	kept = json_object_new_array();
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *item = json_object_array_get_idx(list, i);

		if (!add && matches(item, want)) {
			matched++;
			continue;
		}
		json_object_array_add(kept, json_object_get(item));
	}
	if (add)
		json_object_array_add(kept, json_object_get(want));
	json_object_object_add(put, field, kept);
	if (!add && matched == 0)
		r = cli_error(-ENOENT, "No matching %s(s) found", what);
	else if (!add && matched > 1 && !force)
		r = cli_error(-EINVAL, "Multiple %ss match. Use --force to remove them all", what);
	else
		r = cli_obj_put(conn, path, put, etag, false);
out:
	if (obj)
		json_object_put(obj);
	if (put)
		json_object_put(put);
	return r;
}

static int rule_change(struct cli_ctx *ctx, bool add)
{
	const struct cli_args *a = ctx->args;
	const char *dir = a->pos[1];
	json_object *rule = NULL;
	struct cli_named n;
	int r;

	if (strcmp(dir, "ingress") != 0 && strcmp(dir, "egress") != 0)
		return cli_error(-EINVAL, "The direction argument must be one of: ingress, egress");
	r = cli_named_open(ctx, &acl_kind, a->pos[0], false, &n);
	if (r == 0)
		r = fields_of(a, 2, rule_keys, &rule);
	if (r == 0 && add && !*cli_jstr(rule, "state"))
		json_object_object_add(rule, "state", json_object_new_string("enabled"));
	if (r == 0)
		r = list_change(&n.conn, n.path, &lxd_network_acl_type, dir, rule, add,
				!add && cli_flag_bool(a, "force"), "rule");
	if (rule)
		json_object_put(rule);
	cli_named_free(&n);
	return r;
}

int cli_cmd_acl_rule_add(struct cli_ctx *ctx)
{
	return rule_change(ctx, true);
}

int cli_cmd_acl_rule_remove(struct cli_ctx *ctx)
{
	return rule_change(ctx, false);
}

/* ---- forwards -------------------------------------------------------------------------------------- */

/* The network named by argument 0 and, when addr, the forward of argument 1: its path. */
static int fwd_open(struct cli_ctx *ctx, bool addr, struct cli_conn *conn, char **ret_net,
		    char **ret_path)
{
	const struct cli_args *a = ctx->args;
	__do_free char *suffix = NULL, *e = NULL;
	int r = cli_open(ctx, a->pos[0], conn, ret_net);

	if (r < 0)
		return r;
	if (!**ret_net)
		return cli_error(-EINVAL, "Missing network name");
	if (addr) {
		e = cli_escape(a->pos[1]);
		if (!e || asprintf(&suffix, "/forwards/%s", e) < 0)
			return cli_error(-ENOMEM, "out of memory");
	}
	*ret_path = cli_network_path(*ret_net, addr ? suffix : "/forwards");
	return *ret_path ? 0 : cli_error(-ENOMEM, "out of memory");
}

static int forward_row(json_object *f, struct cli_row *row)
{
	row->cells[0] = cli_jstr(f, "listen_address");
	row->cells[1] = cli_jstr(f, "description");
	row->cells[2] = cli_jstr(cli_jmap(f, "config"), "target_address");
	row->cells[3] = cli_count_str(f, "ports", row->buf[0]);
	return 0;
}

int cli_cmd_forward_list(struct cli_ctx *ctx)
{
	static const char *const header[] = { "LISTEN ADDRESS", "DESCRIPTION",
					      "DEFAULT TARGET ADDRESS", "PORTS" };
	struct cli_conn conn = { 0 };
	__do_free char *net = NULL, *path = NULL, *q = NULL;
	enum cli_format fmt;
	int r = cli_format_flag(ctx, &fmt);

	if (r == 0)
		r = fwd_open(ctx, false, &conn, &net, &path);
	if (r == 0 && asprintf(&q, "%s?recursion=1", path) < 0)
		r = cli_error(-ENOMEM, "out of memory");
	if (r < 0) {
		cli_conn_free(&conn);
		return r;
	}
	return cli_list_table(&conn, q, fmt, 4, header, forward_row);
}

int cli_cmd_forward_show(struct cli_ctx *ctx)
{
	struct cli_conn conn = { 0 };
	__do_free char *net = NULL, *path = NULL;
	json_object *obj = NULL;
	int r = fwd_open(ctx, true, &conn, &net, &path);

	if (r == 0)
		r = cli_obj_get(&conn, path, &obj, NULL);
	if (r == 0)
		r = cli_show_view(&lxd_network_forward_type, obj);
	if (obj)
		json_object_put(obj);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_forward_create(struct cli_ctx *ctx)
{
	struct cli_conn conn = { 0 };
	__do_free char *net = NULL, *path = NULL;
	json_object *body = json_object_new_object();
	int r = body ? fwd_open(ctx, false, &conn, &net, &path) : -ENOMEM;

	if (r == 0) {
		json_object_object_add(body, "listen_address",
				       json_object_new_string(ctx->args->pos[1]));
		r = create_with_keys(ctx, &conn, path, body, 2, "Network forward",
				     ctx->args->pos[1]);
	}
	if (body)
		json_object_put(body);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_forward_get(struct cli_ctx *ctx)
{
	struct cli_conn conn = { 0 };
	__do_free char *net = NULL, *path = NULL;
	json_object *obj = NULL;
	int r = fwd_open(ctx, true, &conn, &net, &path);

	if (r == 0)
		r = cli_obj_get(&conn, path, &obj, NULL);
	if (r == 0)
		printf("%s\n", cli_jstr(cli_jmap(obj, "config"), ctx->args->pos[2]));
	if (obj)
		json_object_put(obj);
	cli_conn_free(&conn);
	return r;
}

static int forward_keys(struct cli_ctx *ctx, bool unset)
{
	struct cli_conn conn = { 0 };
	__do_free char *net = NULL, *path = NULL;
	json_object *obj = NULL;
	char etag[128] = "";
	int r = fwd_open(ctx, true, &conn, &net, &path);

	if (r == 0)
		r = cli_obj_get(&conn, path, &obj, etag);
	if (r == 0)
		r = cli_put_keys(&conn, path, etag, obj, &lxd_network_forward_type, ctx->args, 2,
				 unset);
	if (obj)
		json_object_put(obj);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_forward_set(struct cli_ctx *ctx)
{
	return forward_keys(ctx, false);
}

int cli_cmd_forward_unset(struct cli_ctx *ctx)
{
	return forward_keys(ctx, true);
}

int cli_cmd_forward_delete(struct cli_ctx *ctx)
{
	struct cli_conn conn = { 0 };
	__do_free char *net = NULL, *path = NULL;
	int r = fwd_open(ctx, true, &conn, &net, &path);

	if (r == 0)
		r = cli_sync(&conn, "DELETE", path, NULL, NULL);
	if (r == 0 && !ctx->quiet)
		printf("Network forward %s deleted\n", ctx->args->pos[1]);
	cli_conn_free(&conn);
	return r;
}

/* port add NET ADDR PROTO LISTEN TARGET_ADDR [TARGET]; port remove NET ADDR [PROTO] [LISTEN] */
static int port_change(struct cli_ctx *ctx, bool add)
{
	static const char *const fields[] = { "protocol", "listen_port", "target_address",
					      "target_port" };
	const struct cli_args *a = ctx->args;
	struct cli_conn conn = { 0 };
	__do_free char *net = NULL, *path = NULL;
	json_object *want = json_object_new_object();
	int r = want ? fwd_open(ctx, true, &conn, &net, &path) : -ENOMEM;

	for (size_t i = 2; r == 0 && i < a->npos && i < 6; i++)
		json_object_object_add(want, fields[i - 2], json_object_new_string(a->pos[i]));
	if (r == 0)
		r = list_change(&conn, path, &lxd_network_forward_type, "ports", want, add,
				!add && cli_flag_bool(a, "force"), "port");
	if (want)
		json_object_put(want);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_forward_port_add(struct cli_ctx *ctx)
{
	return port_change(ctx, true);
}

int cli_cmd_forward_port_remove(struct cli_ctx *ctx)
{
	return port_change(ctx, false);
}
