// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `network list|show|create|edit|set|unset|get|rename|delete|info|
 * list-leases|attach|detach|attach-profile|detach-profile`, lxc 5.0.2's
 * way (its network.go): a network's writable part (api.NetworkPut) is PUT
 * back whole with If-Match (sync), create POSTs /1.0/networks (the YAML
 * from stdin when it is not a terminal, then key=value arguments), rename
 * POSTs the new name; attach and detach change an instance's or a
 * profile's devices (cmd_device.c's target) as lxc does: a managed
 * network's nic names it by network= on an instance, and a profile's or
 * an unmanaged one's by nictype bridged (a bridge) or macvlan and parent=.
 * Runs in the client as the invoking user, no privilege. The server's
 * objects are untrusted (typed accessors); which fields are shown and PUT
 * come from the network's field table (lxd/objects.c), the server's own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "lxd/objects.h"
#include "verbs.h"

#define STDIN_MAX (16u << 20)

static int network_put_from_yaml(const char *buf, size_t len, json_object **ret)
{
	return cli_put_from_yaml(&lxd_network_type, buf, len, ret);
}

static const struct cli_kind network_kind;

static int net_open(struct cli_ctx *ctx, const char *raw, bool get, struct cli_named *n)
{
	return cli_named_open(ctx, &network_kind, raw, get, n);
}

/* lxc hides the loopback and unknown kinds. */
static int network_row(json_object *n, struct cli_row *row)
{
	json_object *config = cli_jmap(n, "config");
	const char *type = cli_jstr(n, "type");

	if (strcmp(type, "loopback") == 0 || strcmp(type, "unknown") == 0)
		return 1;
	row->cells[0] = cli_jstr(n, "name");
	row->cells[1] = type;
	row->cells[2] = cli_jbool(n, "managed") ? "YES" : "NO";
	row->cells[3] = cli_jstr(config, "ipv4.address");
	row->cells[4] = cli_jstr(config, "ipv6.address");
	row->cells[5] = cli_jstr(n, "description");
	row->cells[6] = cli_count_str(n, "used_by", row->buf[0]);
	row->cells[7] = cli_upper_str(cli_jstr(n, "status"), row->buf[1]);
	return 0;
}

int cli_cmd_network_list(struct cli_ctx *ctx)
{
	static const char *const header[] = { "NAME", "TYPE",        "MANAGED", "IPV4",
					      "IPV6", "DESCRIPTION", "USED BY", "STATE" };
	struct cli_conn conn = { 0 };
	__do_free char *rest = NULL;
	enum cli_format fmt;
	int r = cli_list_open(ctx, &fmt, &conn, &rest);

	if (r == 0 && *rest)
		r = cli_error(-EINVAL, "Filtering isn't supported yet");
	if (r == 0)
		return cli_list_table(&conn, "/1.0/networks?recursion=1", fmt, 8, header,
				      network_row);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_network_show(struct cli_ctx *ctx)
{
	return cli_named_show(ctx, &network_kind);
}

int cli_cmd_network_create(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *buf = NULL;
	json_object *body = NULL, *keys = NULL, *config;
	const char *type = cli_flag_str(a, "type");
	struct cli_named n;
	size_t len = 0;
	int r;

	r = net_open(ctx, a->pos[0], false, &n);
	if (r == 0 && !isatty(STDIN_FILENO)) {
		/* lxc reads the new network's YAML from stdin */
		r = cli_read_all(STDIN_FILENO, STDIN_MAX, &buf, &len);
		if (r < 0)
			r = cli_error(r, "Can't read from stdin: %s", strerror(-r));
		else
			r = network_put_from_yaml(buf, len, &body);
	} else if (r == 0 && !(body = json_object_new_object())) {
		r = cli_error(-ENOMEM, "out of memory");
	}
	for (size_t i = 1; r == 0 && i < a->npos; i++)
		if (!strchr(a->pos[i], '='))
			r = cli_error(-EINVAL, "Bad key=value pair: %s", a->pos[i]);
	if (r == 0 && a->npos > 1)
		r = cli_config_pairs(a->pos + 1, a->npos - 1, &keys);
	if (r == 0) {
		config = cli_jget(body, "config", json_type_object);
		if (!config) {
			config = json_object_new_object();
			json_object_object_add(body, "config", config);
		}
		if (keys) {
			json_object_object_foreach(keys, k, v)
			{
				json_object_object_add(config, k, json_object_get(v));
			}
		}
		json_object_object_add(body, "name", json_object_new_string(n.name));
		json_object_object_add(body, "type", json_object_new_string(type ? type : ""));
		r = cli_sync(&n.conn, "POST", "/1.0/networks", body, NULL);
	}
	if (r == 0 && !ctx->quiet)
		printf("Network %s created\n", n.name);
	if (keys)
		json_object_put(keys);
	if (body)
		json_object_put(body);
	cli_named_free(&n);
	return r;
}

int cli_cmd_network_get(struct cli_ctx *ctx)
{
	return cli_named_get(ctx, &network_kind);
}

int cli_cmd_network_set(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &network_kind, false);
}

int cli_cmd_network_unset(struct cli_ctx *ctx)
{
	return cli_named_set_keys(ctx, &network_kind, true);
}

static const char edit_help[] = "### This is a YAML representation of the network.\n"
				"### Any line starting with a '# will be ignored.\n"
				"###\n"
				"### A network consists of a set of configuration items.\n"
				"###\n"
				"### An example would look like:\n"
				"### name: mybr0\n"
				"### config:\n"
				"###   ipv4.address: 10.62.42.1/24\n"
				"###   ipv4.nat: true\n"
				"###   ipv6.address: fd00:56ad:9f7a:9800::1/64\n"
				"###   ipv6.nat: true\n"
				"### managed: true\n"
				"### type: bridge\n"
				"###\n"
				"### Note that only the configuration can be changed.";

static const struct cli_kind network_kind = {
	.word = "Network",
	.noun = "network",
	.path = cli_network_path,
	.type = &lxd_network_type,
	.parse = network_put_from_yaml,
	.edit_help = edit_help,
	.managed_only = true,
};

int cli_cmd_network_edit(struct cli_ctx *ctx)
{
	return cli_named_edit(ctx, &network_kind);
}

int cli_cmd_network_rename(struct cli_ctx *ctx)
{
	return cli_named_rename(ctx, &network_kind);
}

int cli_cmd_network_delete(struct cli_ctx *ctx)
{
	return cli_named_delete(ctx, &network_kind);
}

/* ---- state and leases -------------------------------------------------------------------------- */

static void print_bridge(json_object *b)
{
	json_object *upper = cli_jget(b, "upper_devices", json_type_array);

	printf("\nBridge:\n");
	printf("  ID: %s\n", cli_jstr(b, "id"));
	printf("  STP: %s\n", cli_jbool(b, "stp") ? "true" : "false");
	printf("  Forward delay: %lld\n", (long long)cli_jint(b, "forward_delay"));
	printf("  Default VLAN ID: %lld\n", (long long)cli_jint(b, "vlan_default"));
	printf("  VLAN filtering: %s\n", cli_jbool(b, "vlan_filtering") ? "true" : "false");
	printf("  Upper devices: ");
	for (size_t i = 0; upper && i < json_object_array_length(upper); i++)
		printf("%s%s", i ? ", " : "",
		       json_object_get_string(json_object_array_get_idx(upper, i)));
	printf("\n");
}

int cli_cmd_network_info(struct cli_ctx *ctx)
{
	__do_free char *path = NULL;
	json_object *st = NULL, *addrs, *c, *b;
	char rx[32], tx[32];
	struct cli_named n;
	int r;

	r = net_open(ctx, ctx->args->pos[0], false, &n);
	if (r == 0) {
		path = cli_network_path(n.name, "/state");
		r = path ? cli_get(&n.conn, path, &st) : cli_error(-ENOMEM, "out of memory");
	}
	if (r < 0)
		goto out;
	printf("Name: %s\n", n.name);
	printf("MAC address: %s\n", cli_jstr(st, "hwaddr"));
	printf("MTU: %lld\n", (long long)cli_jint(st, "mtu"));
	printf("State: %s\n", cli_jstr(st, "state"));
	printf("Type: %s\n", cli_jstr(st, "type"));
	addrs = cli_jget(st, "addresses", json_type_array);
	if (addrs && json_object_array_length(addrs) > 0) {
		printf("\nIP addresses:\n");
		for (size_t i = 0; i < json_object_array_length(addrs); i++) {
			json_object *a = json_object_array_get_idx(addrs, i);

			printf("  %s\t%s/%s (%s)\n", cli_jstr(a, "family"), cli_jstr(a, "address"),
			       cli_jstr(a, "netmask"), cli_jstr(a, "scope"));
		}
	}
	c = cli_jmap(st, "counters");
	cli_size_str(rx, sizeof(rx), cli_jint(c, "bytes_received"), 2, false);
	cli_size_str(tx, sizeof(tx), cli_jint(c, "bytes_sent"), 2, false);
	printf("\nNetwork usage:\n");
	printf("  Bytes received: %s\n", rx);
	printf("  Bytes sent: %s\n", tx);
	printf("  Packets received: %lld\n", (long long)cli_jint(c, "packets_received"));
	printf("  Packets sent: %lld\n", (long long)cli_jint(c, "packets_sent"));
	b = cli_jget(st, "bridge", json_type_object);
	if (b)
		print_bridge(b);
out:
	if (st)
		json_object_put(st);
	cli_named_free(&n);
	return r;
}

static int lease_row(json_object *l, struct cli_row *row)
{
	row->cells[0] = cli_jstr(l, "hostname");
	row->cells[1] = cli_jstr(l, "hwaddr");
	row->cells[2] = cli_jstr(l, "address");
	row->cells[3] = cli_upper_str(cli_jstr(l, "type"), row->buf[0]);
	return 0;
}

int cli_cmd_network_list_leases(struct cli_ctx *ctx)
{
	static const char *const header[] = { "HOSTNAME", "MAC ADDRESS", "IP ADDRESS", "TYPE" };
	__do_free char *path = NULL;
	enum cli_format fmt;
	struct cli_named n;
	int r;

	r = cli_format_flag(ctx, &fmt);
	if (r == 0)
		r = net_open(ctx, ctx->args->pos[0], false, &n);
	else
		memset(&n, 0, sizeof(n));
	if (r == 0 && !(path = cli_network_path(n.name, "/leases")))
		r = cli_error(-ENOMEM, "out of memory");
	if (r == 0) /* the connection goes to the table, which closes it */
		r = cli_list_table(&n.conn, path, fmt, 4, header, lease_row);
	cli_named_free(&n);
	return r;
}

/* ---- attach and detach --------------------------------------------------------------------------- */

/* lxc's attach and attach-profile: args network, target, [device name], [interface name]. */
static int attach(struct cli_ctx *ctx, bool profile)
{
	const struct cli_args *a = ctx->args;
	const char *dev;
	json_object *d;
	struct cli_target t;
	struct cli_named n;
	int r;

	memset(&t, 0, sizeof(t));
	r = net_open(ctx, a->pos[0], true, &n);
	dev = a->npos > 2 ? a->pos[2] : n.name;
	if (r == 0)
		r = cli_target_open(ctx, a->pos[1], profile, &t);
	if (r == 0 && cli_jget(t.devices, dev, json_type_object))
		r = cli_error(-EEXIST, "Device already exists: %s", dev);
	if (r < 0)
		goto out;
	d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("nic"));
	if (!profile && cli_jbool(n.obj, "managed")) {
		/* the network's own properties reach the nic when it starts */
		json_object_object_add(d, "network", json_object_new_string(n.name));
	} else {
		bool bridge = strcmp(cli_jstr(n.obj, "type"), "bridge") == 0;

		json_object_object_add(d, "nictype",
				       json_object_new_string(bridge ? "bridged" : "macvlan"));
		json_object_object_add(d, "parent", json_object_new_string(n.name));
	}
	if (a->npos > 3)
		json_object_object_add(d, "name", json_object_new_string(a->pos[3]));
	json_object_object_add(t.devices, dev, d);
	r = cli_target_save(&t);
out:
	cli_target_free(&t);
	cli_named_free(&n);
	return r;
}

/* lxc's detach and detach-profile: args network, target, [device name]. */
static int detach(struct cli_ctx *ctx, bool profile)
{
	const struct cli_args *a = ctx->args;
	const char *dev = a->npos > 2 ? a->pos[2] : NULL;
	struct cli_target t;
	json_object *d;
	struct cli_named n;
	int r;

	memset(&t, 0, sizeof(t));
	r = net_open(ctx, a->pos[0], false, &n);
	if (r == 0)
		r = cli_target_open(ctx, a->pos[1], profile, &t);
	if (r < 0)
		goto out;
	if (!dev) {
		json_object_object_foreach(t.devices, k, v)
		{
			if (strcmp(cli_jstr(v, "type"), "nic") != 0 ||
			    (strcmp(cli_jstr(v, "parent"), n.name) != 0 &&
			     strcmp(cli_jstr(v, "network"), n.name) != 0))
				continue;
			if (dev) {
				r = cli_error(
					-EINVAL,
					"More than one device matches, specify the device name");
				goto out;
			}
			dev = k;
		}
	}
	if (!dev) {
		r = cli_error(-ENOENT, "No device found for this network");
		goto out;
	}
	d = cli_jget(t.devices, dev, json_type_object);
	if (!d) {
		r = cli_error(-ENOENT, "The specified device doesn't exist");
		goto out;
	}
	if (strcmp(cli_jstr(d, "type"), "nic") != 0 ||
	    (strcmp(cli_jstr(d, "parent"), n.name) != 0 &&
	     strcmp(cli_jstr(d, "network"), n.name) != 0)) {
		r = cli_error(-EINVAL, "The specified device doesn't match the network");
		goto out;
	}
	json_object_object_del(t.devices, dev);
	r = cli_target_save(&t);
out:
	cli_target_free(&t);
	cli_named_free(&n);
	return r;
}

int cli_cmd_network_attach(struct cli_ctx *ctx)
{
	return attach(ctx, false);
}

int cli_cmd_network_attach_profile(struct cli_ctx *ctx)
{
	return attach(ctx, true);
}

int cli_cmd_network_detach(struct cli_ctx *ctx)
{
	return detach(ctx, false);
}

int cli_cmd_network_detach_profile(struct cli_ctx *ctx)
{
	return detach(ctx, true);
}
