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

const struct cli_cmd cli_network_cmds[] = {
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
