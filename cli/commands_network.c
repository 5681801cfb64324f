// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the command table's `network` family (lxc 5.0.2's usage lines,
 * aliases and argument counts, its network.go), beside commands.c, which
 * links it into the root. Trusted data only; argv is checked against it
 * (args.c) before any handler runs.
 */
#include <stddef.h>

#include "verbs.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct cli_flag format_flags[] = {
	{ "format", 'f', CLI_FLAG_STRING, "table", "Format (csv|json|table|yaml|compact)" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_flag create_flags[] = {
	{ "type", 't', CLI_FLAG_STRING, NULL, "Network type" },
	{ NULL, 0, 0, NULL, NULL },
};

/* A verb of NAME with lxc's usage U, help H and argument counts. */
#define VERB(NAME, FN, U, H, MIN, MAX)                                                             \
	{                                                                                          \
		.name = (NAME), .usage = (U), .short_help = (H), .min_args = (MIN),                \
		.max_args = (MAX), .run = cli_cmd_network_##FN                                     \
	}

static const struct cli_flag force_flags[] = {
	{ "force", 'f', CLI_FLAG_BOOL, NULL, "Remove all matching" },
	{ NULL, 0, 0, NULL, NULL },
};

#define AVERB(NAME, FN, U, H, MIN, MAX)                                                            \
	{                                                                                          \
		.name = (NAME), .usage = (U), .short_help = (H), .min_args = (MIN),                \
		.max_args = (MAX), .run = cli_cmd_##FN                                             \
	}

static const struct cli_cmd rule_cmds[] = {
	AVERB("add", acl_rule_add, "[<remote>:]<ACL> <direction> <key>=<value>...",
	      "Add rules to an ACL", 3, -1),
	{ .name = "remove",
	  .usage = "[<remote>:]<ACL> <direction> <key>=<value>...",
	  .short_help = "Remove rules from an ACL",
	  .flags = force_flags,
	  .min_args = 3,
	  .max_args = -1,
	  .run = cli_cmd_acl_rule_remove },
	{ NULL },
};

static const struct cli_cmd acl_cmds[] = {
	AVERB("create", acl_create, "[<remote>:]<ACL> [key=value...]", "Create new network ACLs", 1,
	      -1),
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<ACL>",
	  .short_help = "Delete network ACLs",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_acl_delete },
	AVERB("edit", acl_edit, "[<remote>:]<ACL>", "Edit network ACL configurations as YAML", 1,
	      1),
	AVERB("get", acl_get, "[<remote>:]<ACL> <key>",
	      "Get values for network ACL configuration keys", 2, 2),
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:]",
	  .short_help = "List available network ACLS",
	  .flags = format_flags,
	  .max_args = 1,
	  .run = cli_cmd_acl_list },
	{ .name = "rename",
	  .aliases = ALIASES("mv"),
	  .usage = "[<remote>:]<ACL> <new-name>",
	  .short_help = "Rename network ACLs",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_acl_rename },
	{ .name = "rule", .short_help = "Manage network ACL rules", .subs = rule_cmds },
	AVERB("set", acl_set, "[<remote>:]<ACL> <key>=<value>...",
	      "Set network ACL configuration keys", 2, -1),
	AVERB("show", acl_show, "[<remote>:]<ACL>", "Show network ACL configurations", 1, 1),
	AVERB("unset", acl_unset, "[<remote>:]<ACL> <key>", "Unset network ACL configuration keys",
	      2, 2),
	{ NULL },
};

static const struct cli_cmd port_cmds[] = {
	AVERB("add", forward_port_add,
	      "[<remote>:]<network> <listen_address> <protocol> <listen_port(s)> <target_address> "
	      "[<target_port(s)>]",
	      "Add ports to a forward", 5, 6),
	{ .name = "remove",
	  .usage = "[<remote>:]<network> <listen_address> [<protocol>] [<listen_port(s)>]",
	  .short_help = "Remove ports from a forward",
	  .flags = force_flags,
	  .min_args = 2,
	  .max_args = 4,
	  .run = cli_cmd_forward_port_remove },
	{ NULL },
};

static const struct cli_cmd forward_cmds[] = {
	AVERB("create", forward_create, "[<remote>:]<network> <listen_address> [key=value...]",
	      "Create new network forwards", 2, -1),
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<network> <listen_address>",
	  .short_help = "Delete network forwards",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_forward_delete },
	AVERB("get", forward_get, "[<remote>:]<network> <listen_address> <key>",
	      "Get values for network forward configuration keys", 3, 3),
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:]<network>",
	  .short_help = "List available network forwards",
	  .flags = format_flags,
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_forward_list },
	{ .name = "port", .short_help = "Manage network forward ports", .subs = port_cmds },
	AVERB("set", forward_set, "[<remote>:]<network> <listen_address> <key>=<value>...",
	      "Set network forward keys", 3, -1),
	AVERB("show", forward_show, "[<remote>:]<network> <listen_address>",
	      "Show network forward configurations", 2, 2),
	AVERB("unset", forward_unset, "[<remote>:]<network> <listen_address> <key>",
	      "Unset network forward keys", 3, 3),
	{ NULL },
};

const struct cli_cmd cli_network_cmds[] = {
	{ .name = "acl", .short_help = "Manage network ACLs", .subs = acl_cmds },
	VERB("attach", attach, "[<remote>:]<network> <instance> [<device name>] [<interface name>]",
	     "Attach network interfaces to instances", 2, 4),
	VERB("attach-profile", attach_profile,
	     "[<remote>:]<network> <profile> [<device name>] [<interface name>]",
	     "Attach network interfaces to profiles", 2, 4),
	{ .name = "create",
	  .usage = "[<remote>:]<network> [key=value...]",
	  .short_help = "Create new networks",
	  .long_help = "Create new networks\n\n"
		       "moat network create foo\n"
		       "    Create a new network called foo\n\n"
		       "moat network create bar ipv4.address=10.250.64.1/24 ipv6.address=none\n"
		       "    Create a new network called bar with an IPv4 subnet and no IPv6",
	  .flags = create_flags,
	  .min_args = 1,
	  .max_args = -1,
	  .run = cli_cmd_network_create },
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<network>",
	  .short_help = "Delete networks",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_network_delete },
	VERB("detach", detach, "[<remote>:]<network> <instance> [<device name>]",
	     "Detach network interfaces from instances", 2, 3),
	VERB("detach-profile", detach_profile, "[<remote>:]<network> <profile> [<device name>]",
	     "Detach network interfaces from profiles", 2, 3),
	VERB("edit", edit, "[<remote>:]<network>", "Edit network configurations as YAML", 1, 1),
	VERB("get", get, "[<remote>:]<network> <key>", "Get values for network configuration keys",
	     2, 2),
	{ .name = "forward", .short_help = "Manage network forwards", .subs = forward_cmds },
	VERB("info", info, "[<remote>:]<network>", "Get runtime information on networks", 1, 1),
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:]",
	  .short_help = "List available networks",
	  .flags = format_flags,
	  .max_args = 1,
	  .run = cli_cmd_network_list },
	{ .name = "list-leases",
	  .usage = "[<remote>:]<network>",
	  .short_help = "List DHCP leases",
	  .flags = format_flags,
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_network_list_leases },
	{ .name = "rename",
	  .aliases = ALIASES("mv"),
	  .usage = "[<remote>:]<network> <new-name>",
	  .short_help = "Rename networks",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_network_rename },
	VERB("set", set, "[<remote>:]<network> <key>=<value>...", "Set network configuration keys",
	     2, -1),
	VERB("show", show, "[<remote>:]<network>", "Show network configurations", 1, 1),
	VERB("unset", unset, "[<remote>:]<network> <key>", "Unset network configuration keys", 2,
	     2),
	{ NULL },
};
