// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the command table's `profile` family and `config device` (lxc's
 * usage lines, aliases and argument counts), beside commands.c, which
 * links them into the root. Trusted data only; argv is checked against it
 * (args.c) before any handler runs.
 */
#include <stddef.h>

#include "verbs.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct cli_flag profile_list_flags[] = {
	{ "format", 'f', CLI_FLAG_STRING, "table", "Format (csv|json|table|yaml|compact)" },
	{ NULL, 0, 0, NULL, NULL },
};

/* One device family: OBJ is "instance" or "profile", PFX the handlers' prefix. */
#define DEVICE_CMDS(OBJ, PFX)                                                                      \
	{ .name = "add",                                                                           \
	  .usage = "[<remote>:]<" OBJ "> <device> <type> [key=value...]",                          \
	  .short_help = "Add " OBJ " devices",                                                     \
	  .min_args = 3,                                                                           \
	  .max_args = -1,                                                                          \
	  .run = PFX##add },                                                                       \
		{ .name = "get",                                                                   \
		  .usage = "[<remote>:]<" OBJ "> <device> <key>",                                  \
		  .short_help = "Get values for device configuration keys",                        \
		  .min_args = 3,                                                                   \
		  .max_args = 3,                                                                   \
		  .run = PFX##get },                                                               \
		{ .name = "list",                                                                  \
		  .aliases = ALIASES("ls"),                                                        \
		  .usage = "[<remote>:]<" OBJ ">",                                                 \
		  .short_help = "List " OBJ " devices",                                            \
		  .min_args = 1,                                                                   \
		  .max_args = 1,                                                                   \
		  .run = PFX##list },                                                              \
		{ .name = "remove",                                                                \
		  .aliases = ALIASES("rm"),                                                        \
		  .usage = "[<remote>:]<" OBJ "> <name>...",                                       \
		  .short_help = "Remove " OBJ " devices",                                          \
		  .min_args = 2,                                                                   \
		  .max_args = -1,                                                                  \
		  .run = PFX##remove },                                                            \
		{ .name = "set",                                                                   \
		  .usage = "[<remote>:]<" OBJ "> <device> <key>=<value>...",                       \
		  .short_help = "Set device configuration keys",                                   \
		  .min_args = 3,                                                                   \
		  .max_args = -1,                                                                  \
		  .run = PFX##set },                                                               \
		{ .name = "show",                                                                  \
		  .usage = "[<remote>:]<" OBJ ">",                                                 \
		  .short_help = "Show full device configuration",                                  \
		  .min_args = 1,                                                                   \
		  .max_args = 1,                                                                   \
		  .run = PFX##show },                                                              \
	{                                                                                          \
		.name = "unset", .usage = "[<remote>:]<" OBJ "> <device> <key>",                   \
		.short_help = "Unset device configuration keys", .min_args = 3, .max_args = 3,     \
		.run = PFX##unset                                                                  \
	}

const struct cli_cmd cli_config_device_cmds[] = {
	DEVICE_CMDS("instance", cli_cmd_config_device_),
	{ .name = "override",
	  .usage = "[<remote>:]<instance> <device> [key=value...]",
	  .short_help = "Copy profile inherited devices and override configuration keys",
	  .min_args = 2,
	  .max_args = -1,
	  .run = cli_cmd_config_device_override },
	{ NULL },
};

static const struct cli_cmd profile_device_cmds[] = {
	DEVICE_CMDS("profile", cli_cmd_profile_device_),
	{ NULL },
};

const struct cli_cmd cli_profile_cmds[] = {
	{ .name = "add",
	  .usage = "[<remote>:]<instance> <profile>",
	  .short_help = "Add profiles to instances",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_profile_add },
	{ .name = "assign",
	  .aliases = ALIASES("apply"),
	  .usage = "[<remote>:]<instance> <profiles>",
	  .short_help = "Assign sets of profiles to instances",
	  .long_help = "Assign sets of profiles to instances\n\n"
		       "moat profile assign foo default,bar\n"
		       "    Set the profiles for \"foo\" to \"default\" and \"bar\".\n\n"
		       "moat profile assign foo \"\"\n"
		       "    Remove all profile from \"foo\"",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_profile_assign },
	{ .name = "copy",
	  .aliases = ALIASES("cp"),
	  .usage = "[<remote>:]<profile> [<remote>:]<profile>",
	  .short_help = "Copy profiles",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_profile_copy },
	{ .name = "create",
	  .usage = "[<remote>:]<profile>",
	  .short_help = "Create profiles",
	  .long_help = "Create profiles\n\n"
		       "moat profile create p1 < config.yaml\n"
		       "    Create a profile named p1 with the configuration from config.yaml",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_profile_create },
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<profile>",
	  .short_help = "Delete profiles",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_profile_delete },
	{ .name = "device", .short_help = "Manage devices", .subs = profile_device_cmds },
	{ .name = "edit",
	  .usage = "[<remote>:]<profile>",
	  .short_help = "Edit profile configurations as YAML",
	  .long_help = "Edit profile configurations as YAML\n\n"
		       "moat profile edit <profile> < profile.yaml\n"
		       "    Update a profile using the content of profile.yaml",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_profile_edit },
	{ .name = "get",
	  .usage = "[<remote>:]<profile> <key>",
	  .short_help = "Get values for profile configuration keys",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_profile_get },
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:]",
	  .short_help = "List profiles",
	  .flags = profile_list_flags,
	  .max_args = 1,
	  .run = cli_cmd_profile_list },
	{ .name = "remove",
	  .usage = "[<remote>:]<instance> <profile>",
	  .short_help = "Remove profiles from instances",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_profile_remove },
	{ .name = "rename",
	  .aliases = ALIASES("mv"),
	  .usage = "[<remote>:]<profile> <new-name>",
	  .short_help = "Rename profiles",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_profile_rename },
	{ .name = "set",
	  .usage = "[<remote>:]<profile> <key><value>...",
	  .short_help = "Set profile configuration keys",
	  .long_help = "Set profile configuration keys\n\n"
		       "For backward compatibility, a single configuration key may still be set "
		       "with:\n"
		       "    moat profile set [<remote>:]<profile> <key> <value>",
	  .min_args = 2,
	  .max_args = -1,
	  .run = cli_cmd_profile_set },
	{ .name = "show",
	  .usage = "[<remote>:]<profile>",
	  .short_help = "Show profile configurations",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_profile_show },
	{ .name = "unset",
	  .usage = "[<remote>:]<profile> <key>",
	  .short_help = "Unset profile configuration keys",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_profile_unset },
	{ NULL },
};
