// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the command table's `storage` family (lxc 5.0.2's usage lines,
 * aliases, flags and argument counts, its storage.go; --target, a
 * cluster's, is left out), beside commands.c, which links it into the
 * root. Trusted data only; argv is checked against it (args.c) before any
 * handler runs.
 */
#include <stddef.h>

#include "verbs.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct cli_flag format_flags[] = {
	{ "format", 'f', CLI_FLAG_STRING, "table", "Format (csv|json|table|yaml|compact)" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_flag show_flags[] = {
	{ "resources", 0, CLI_FLAG_BOOL, NULL, "Show the resources available to the storage pool" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct cli_flag info_flags[] = {
	{ "bytes", 0, CLI_FLAG_BOOL, NULL, "Show the used and free space in bytes" },
	{ NULL, 0, 0, NULL, NULL },
};

/* A verb of NAME with lxc's usage U, help H and argument counts. */
#define VERB(NAME, FN, U, H, MIN, MAX)                                                             \
	{                                                                                          \
		.name = (NAME), .usage = (U), .short_help = (H), .min_args = (MIN),                \
		.max_args = (MAX), .run = cli_cmd_storage_##FN                                     \
	}

const struct cli_cmd cli_storage_cmds[] = {
	{ .name = "create",
	  .usage = "[<remote>:]<pool> <driver> [key=value...]",
	  .short_help = "Create storage pools",
	  .long_help = "Create storage pools\n\n"
		       "moat storage create pool2 dir\n"
		       "    Create a dir pool called pool2 (in moatd's own directory: the only "
		       "source yet)",
	  .min_args = 2,
	  .max_args = -1,
	  .run = cli_cmd_storage_create },
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<pool>",
	  .short_help = "Delete storage pools",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_storage_delete },
	VERB("edit", edit, "[<remote>:]<pool>", "Edit storage pool configurations as YAML", 1, 1),
	VERB("get", get, "[<remote>:]<pool> <key>",
	     "Get values for storage pool configuration keys", 2, 2),
	{ .name = "info",
	  .usage = "[<remote>:]<pool>",
	  .short_help = "Show useful information about storage pools",
	  .flags = info_flags,
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_storage_info },
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:]",
	  .short_help = "List available storage pools",
	  .flags = format_flags,
	  .max_args = 1,
	  .run = cli_cmd_storage_list },
	VERB("set", set, "[<remote>:]<pool> <key> <value>", "Set storage pool configuration keys",
	     2, -1),
	{ .name = "show",
	  .usage = "[<remote>:]<pool>",
	  .short_help = "Show storage pool configurations and resources",
	  .flags = show_flags,
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_storage_show },
	VERB("unset", unset, "[<remote>:]<pool> <key>", "Unset storage pool configuration keys", 2,
	     2),
	{ NULL },
};
