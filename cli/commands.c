// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the command table (every verb, its aliases, usage line, help,
 * flags and handler), dispatch, and the helpers the verbs share. Runs in
 * the client as the invoking user, no privilege; argv is checked against
 * this table (args.c) before any handler runs.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "verbs.h"

/* ---- flags ------------------------------------------------------------------------------- */

#define FORMAT_FLAG                                                                                \
	{                                                                                          \
		"format", 'f', CLI_FLAG_STRING, "table", "Format (csv|json|table|yaml|compact)"    \
	}
#define END_FLAGS                                                                                  \
	{                                                                                          \
		NULL, 0, 0, NULL, NULL                                                             \
	}

static const struct cli_flag init_flags[] = {
	{ "config", 'c', CLI_FLAG_LIST, NULL, "Config key/value to apply to the new instance" },
	{ "profile", 'p', CLI_FLAG_LIST, NULL, "Profile to apply to the new instance" },
	{ "ephemeral", 'e', CLI_FLAG_BOOL, NULL, "Ephemeral instance" },
	{ "no-profiles", 0, CLI_FLAG_BOOL, NULL, "Create the instance with no profiles applied" },
	{ "empty", 0, CLI_FLAG_BOOL, NULL, "Create an empty instance" },
	{ "storage", 's', CLI_FLAG_STRING, NULL, "Storage pool name" },
	END_FLAGS,
};

static const struct cli_flag copy_flags[] = {
	{ "config", 'c', CLI_FLAG_LIST, NULL, "Config key/value to apply to the new instance" },
	{ "profile", 'p', CLI_FLAG_LIST, NULL, "Profile to apply to the new instance" },
	{ "ephemeral", 'e', CLI_FLAG_BOOL, NULL, "Ephemeral instance" },
	{ "no-profiles", 0, CLI_FLAG_BOOL, NULL, "Create the instance with no profiles applied" },
	{ "instance-only", 0, CLI_FLAG_BOOL, NULL, "Copy the instance without its snapshots" },
	{ "refresh", 0, CLI_FLAG_BOOL, NULL, "Perform an incremental copy" },
	END_FLAGS,
};

static const struct cli_flag start_flags[] = {
	{ "all", 0, CLI_FLAG_BOOL, NULL, "Run against all instances" },
	END_FLAGS,
};

static const struct cli_flag stop_flags[] = {
	{ "all", 0, CLI_FLAG_BOOL, NULL, "Run against all instances" },
	{ "force", 'f', CLI_FLAG_BOOL, NULL, "Force the instance to shutdown" },
	{ "timeout", 0, CLI_FLAG_INT, "-1", "Time to wait for the instance before killing it" },
	END_FLAGS,
};

static const struct cli_flag delete_flags[] = {
	{ "force", 'f', CLI_FLAG_BOOL, NULL, "Force the removal of running instances" },
	{ "interactive", 'i', CLI_FLAG_BOOL, NULL, "Require user confirmation" },
	END_FLAGS,
};

static const struct cli_flag snapshot_flags[] = {
	{ "stateful", 0, CLI_FLAG_BOOL, NULL,
	  "Whether or not to snapshot the instance's running state" },
	END_FLAGS,
};

static const struct cli_flag restore_flags[] = {
	{ "stateful", 0, CLI_FLAG_BOOL, NULL,
	  "Whether or not to restore the instance's running state from snapshot (if available)" },
	END_FLAGS,
};

static const struct cli_flag list_flags[] = {
	{ "columns", 'c', CLI_FLAG_STRING, "ns46tS", "Columns" },
	FORMAT_FLAG,
	{ "fast", 0, CLI_FLAG_BOOL, NULL, "Fast mode (same as --columns=nsacPt)" },
	END_FLAGS,
};

static const struct cli_flag info_flags[] = {
	{ "show-log", 0, CLI_FLAG_BOOL, NULL, "Show the instance's last 100 log lines?" },
	END_FLAGS,
};

static const struct cli_flag format_flags[] = {
	FORMAT_FLAG,
	END_FLAGS,
};

static const struct cli_flag import_flags[] = {
	{ "alias", 0, CLI_FLAG_LIST, NULL, "New aliases to add to the image" },
	{ "public", 0, CLI_FLAG_BOOL, NULL, "Make image public" },
	END_FLAGS,
};

static const struct cli_flag image_list_flags[] = {
	{ "columns", 'c', CLI_FLAG_STRING, "lfpdatsu", "Columns" },
	FORMAT_FLAG,
	END_FLAGS,
};

static const struct cli_flag build_flags[] = {
	{ "output", 'o', CLI_FLAG_STRING, NULL,
	  "Where to write the image, - for stdout (default: busybox.tar.gz here, unless --import)" },
	{ "import", 0, CLI_FLAG_BOOL, NULL, "Import the image into the server when it is built" },
	{ "alias", 0, CLI_FLAG_LIST, NULL, "Aliases for the imported image (implies --import)" },
	{ "release", 0, CLI_FLAG_STRING, NULL, "debian: the release (default: bookworm)" },
	{ "mirror", 0, CLI_FLAG_STRING, NULL,
	  "debian: the archive to debootstrap from (default: the host's apt mirror)" },
	END_FLAGS,
};

static const struct cli_flag exec_flags[] = {
	{ "env", 0, CLI_FLAG_LIST, NULL, "Environment variable to set (e.g. HOME=/home/foo)" },
	{ "mode", 0, CLI_FLAG_STRING, "auto",
	  "Override the terminal mode (auto, interactive or non-interactive)" },
	{ "force-interactive", 't', CLI_FLAG_BOOL, NULL, "Force pseudo-terminal allocation" },
	{ "force-noninteractive", 'T', CLI_FLAG_BOOL, NULL, "Disable pseudo-terminal allocation" },
	{ "disable-stdin", 'n', CLI_FLAG_BOOL, NULL, "Disable stdin (reads from /dev/null)" },
	{ "user", 0, CLI_FLAG_INT, NULL, "User ID to run the command as (default 0)" },
	{ "group", 0, CLI_FLAG_INT, NULL, "Group ID to run the command as (default 0)" },
	{ "cwd", 0, CLI_FLAG_STRING, NULL, "Directory to run the command in (default /root)" },
	END_FLAGS,
};

static const struct cli_flag console_flags[] = {
	{ "show-log", 0, CLI_FLAG_BOOL, NULL, "Retrieve the instance's console log" },
	{ "type", 't', CLI_FLAG_STRING, "console",
	  "Type of connection to establish: 'console' for serial console, 'vga' for SPICE "
	  "graphical output" },
	END_FLAGS,
};

static const struct cli_flag push_flags[] = {
	{ "recursive", 'r', CLI_FLAG_BOOL, NULL, "Recursively transfer files" },
	{ "create-dirs", 'p', CLI_FLAG_BOOL, NULL, "Create any directories necessary" },
	{ "uid", 0, CLI_FLAG_INT, "-1", "Set the file's uid on push" },
	{ "gid", 0, CLI_FLAG_INT, "-1", "Set the file's gid on push" },
	{ "mode", 0, CLI_FLAG_STRING, NULL, "Set the file's perms on push" },
	END_FLAGS,
};

static const struct cli_flag pull_flags[] = {
	{ "create-dirs", 'p', CLI_FLAG_BOOL, NULL, "Create any directories necessary" },
	{ "recursive", 'r', CLI_FLAG_BOOL, NULL, "Recursively transfer files" },
	END_FLAGS,
};

static const struct cli_flag config_show_flags[] = {
	{ "expanded", 'e', CLI_FLAG_BOOL, NULL, "Show the expanded configuration" },
	END_FLAGS,
};

static const struct cli_flag config_get_flags[] = {
	{ "expanded", 'e', CLI_FLAG_BOOL, NULL, "Access the expanded configuration" },
	END_FLAGS,
};

static const struct cli_flag monitor_flags[] = {
	{ "pretty", 0, CLI_FLAG_BOOL, NULL, "Pretty rendering (short for --format=pretty)" },
	{ "all-projects", 0, CLI_FLAG_BOOL, NULL, "Show events from all projects" },
	{ "type", 0, CLI_FLAG_LIST, NULL, "Event type to listen for" },
	{ "loglevel", 0, CLI_FLAG_STRING, NULL,
	  "Minimum level for log messages (only available when using pretty format)" },
	{ "format", 'f', CLI_FLAG_STRING, "yaml", "Format (json|pretty|yaml)" },
	END_FLAGS,
};

/* ---- the table ----------------------------------------------------------------------------- */

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define INSTANCES "[<remote>:]<instance> [[<remote>:]<instance>...]"

static const struct cli_cmd alias_cmds[] = {
	{ .name = "create",
	  .usage = "[<remote>:]<alias> <fingerprint>",
	  .short_help = "Create aliases for existing images",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_alias_create },
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<alias>",
	  .short_help = "Delete image aliases",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_alias_delete },
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:] [<filters>...]",
	  .short_help = "List image aliases",
	  .long_help = "List image aliases\n\n"
		       "Filters may be part of the image hash or part of the image alias name.",
	  .flags = format_flags,
	  .max_args = -1,
	  .run = cli_cmd_alias_list },
	{ .name = "rename",
	  .aliases = ALIASES("mv"),
	  .usage = "[<remote>:]<alias> <new-name>",
	  .short_help = "Rename aliases",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_alias_rename },
	{ NULL },
};

static const struct cli_cmd config_cmds[] = {
	{ .name = "device", .short_help = "Manage devices", .subs = cli_config_device_cmds },
	{ .name = "edit",
	  .usage = "[<remote>:][<instance>[/<snapshot>]]",
	  .short_help = "Edit instance or server configurations as YAML",
	  .long_help = "Edit instance or server configurations as YAML\n\n"
		       "moat config edit <instance> < instance.yaml\n"
		       "    Update the instance configuration from config.yaml.",
	  .max_args = 1,
	  .run = cli_cmd_config_edit },
	{ .name = "get",
	  .usage = "[<remote>:][<instance>] <key>",
	  .short_help = "Get values for instance or server configuration keys",
	  .flags = config_get_flags,
	  .min_args = 1,
	  .max_args = 2,
	  .run = cli_cmd_config_get },
	{ .name = "set",
	  .usage = "[<remote>:][<instance>] <key>=<value>...",
	  .short_help = "Set instance or server configuration keys",
	  .long_help = "Set instance or server configuration keys\n\n"
		       "For backward compatibility, a single configuration key may still be set "
		       "with:\n"
		       "    moat config set [<remote>:][<instance>] <key> <value>",
	  .min_args = 1,
	  .max_args = -1,
	  .run = cli_cmd_config_set },
	{ .name = "show",
	  .usage = "[<remote>:][<instance>[/<snapshot>]]",
	  .short_help = "Show instance or server configurations",
	  .flags = config_show_flags,
	  .max_args = 1,
	  .run = cli_cmd_config_show },
	{ .name = "unset",
	  .usage = "[<remote>:][<instance>] <key>",
	  .short_help = "Unset instance or server configuration keys",
	  .min_args = 1,
	  .max_args = 2,
	  .run = cli_cmd_config_unset },
	{ NULL },
};

static const struct cli_cmd file_cmds[] = {
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<instance>/<path> [[<remote>:]<instance>/<path>...]",
	  .short_help = "Delete files in instances",
	  .min_args = 1,
	  .max_args = -1,
	  .run = cli_cmd_file_delete },
	{ .name = "edit",
	  .usage = "[<remote>:]<instance>/<path>",
	  .short_help = "Edit files in instances",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_file_edit },
	{ .name = "pull",
	  .usage = "[<remote>:]<instance>/<path> [[<remote>:]<instance>/<path>...] <target path>",
	  .short_help = "Pull files from instances",
	  .long_help = "Pull files from instances\n\n"
		       "moat file pull foo/etc/hosts .\n"
		       "   To pull /etc/hosts from the instance and write it to the current "
		       "directory.",
	  .flags = pull_flags,
	  .min_args = 2,
	  .max_args = -1,
	  .run = cli_cmd_file_pull },
	{ .name = "push",
	  .usage = "<source path>... [<remote>:]<instance>/<path>",
	  .short_help = "Push files into instances",
	  .long_help = "Push files into instances\n\n"
		       "moat file push /etc/hosts foo/etc/hosts\n"
		       "   To push /etc/hosts into the instance \"foo\".",
	  .flags = push_flags,
	  .min_args = 2,
	  .max_args = -1,
	  .run = cli_cmd_file_push },
	{ NULL },
};

static const struct cli_cmd image_cmds[] = {
	{ .name = "alias", .short_help = "Manage image aliases", .subs = alias_cmds },
	{ .name = "build",
	  .usage = "busybox|debian",
	  .short_help = "Build an image from the host, without the network",
	  .long_help = "Build an image from the host, without the network\n\n"
		       "busybox: a small system container from the host's static busybox\n"
		       "(BUSYBOX=path to use another), as tools/build-busybox-image.sh makes it.\n"
		       "SOURCE_DATE_EPOCH sets its creation date and file times (default: now).\n"
		       "debian: Debian with systemd, systemd-networkd and -resolved, by\n"
		       "debootstrap from the host's apt mirror (or --mirror); needs root, takes\n"
		       "about a minute.",
	  .flags = build_flags,
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_image_build },
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = "[<remote>:]<image> [[<remote>:]<image>...]",
	  .short_help = "Delete images",
	  .min_args = 1,
	  .max_args = -1,
	  .run = cli_cmd_image_delete },
	{ .name = "export",
	  .usage = "[<remote>:]<image> [<target>]",
	  .short_help = "Export and download images",
	  .long_help = "Export and download images\n\n"
		       "The output target is optional and defaults to the working directory.",
	  .min_args = 1,
	  .max_args = 2,
	  .run = cli_cmd_image_export },
	{ .name = "import",
	  .usage = "<tarball> [<remote>:] [key=value...]",
	  .short_help = "Import images into the image store",
	  .flags = import_flags,
	  .min_args = 1,
	  .max_args = -1,
	  .run = cli_cmd_image_import },
	{ .name = "info",
	  .usage = "[<remote>:]<image>",
	  .short_help = "Show useful information about images",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_image_info },
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:] [<filter>...]",
	  .short_help = "List images",
	  .long_help = "List images\n\n"
		       "Filters may be of the <key>=<value> form for property based filtering,\n"
		       "or part of the image hash or part of the image alias name.\n\n"
		       "Column shorthand chars:\n"
		       "    l - Shortest image alias (and optionally number of other aliases)\n"
		       "    L - Newline-separated list of all image aliases\n"
		       "    f - Fingerprint (short)\n"
		       "    F - Fingerprint (long)\n"
		       "    p - Whether image is public\n"
		       "    d - Description\n"
		       "    a - Architecture\n"
		       "    s - Size\n"
		       "    u - Upload date\n"
		       "    t - Type",
	  .flags = image_list_flags,
	  .max_args = -1,
	  .run = cli_cmd_image_list },
	{ .name = "show",
	  .usage = "[<remote>:]<image>",
	  .short_help = "Show image properties",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_image_show },
	{ NULL },
};

static const struct cli_cmd operation_cmds[] = {
	{ .name = "delete",
	  .aliases = ALIASES("cancel", "rm"),
	  .usage = "[<remote>:]<operation>",
	  .short_help = "Delete a background operation (will attempt to cancel)",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_operation_delete },
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:]",
	  .short_help = "List background operations",
	  .flags = format_flags,
	  .max_args = 1,
	  .run = cli_cmd_operation_list },
	{ .name = "show",
	  .usage = "[<remote>:]<operation>",
	  .short_help = "Show details on a background operation",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_operation_show },
	{ NULL },
};

static const struct cli_cmd remote_cmds[] = {
	{ .name = "get-default",
	  .short_help = "Show the default remote",
	  .run = cli_cmd_remote_get_default },
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .short_help = "List the available remotes",
	  .flags = format_flags,
	  .run = cli_cmd_remote_list },
	{ .name = "switch",
	  .usage = "<remote>",
	  .short_help = "Switch the default remote",
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_remote_switch },
	{ NULL },
};

static const char list_help[] =
	"List instances\n\n"
	"Default column layout: ns46tS\n"
	"Fast column layout: nsacPt\n\n"
	"A single keyword like \"web\" which will list any instance with a name starting by \"web\".\n"
	"A regular expression on the instance name. (e.g. .*web.*01$).\n"
	"A key/value pair referring to a configuration item. For those, the\n"
	"namespace can be abbreviated to the smallest unambiguous identifier.\n"
	"A key/value pair where the key is a shorthand. Multiple values must be delimited by ','. "
	"Available shorthands:\n"
	"  - type={instance type}\n"
	"  - status={instance current lifecycle status}\n"
	"  - architecture={instance architecture}\n"
	"  - location={location name}\n"
	"  - ipv4={ip or CIDR}\n"
	"  - ipv6={ip or CIDR}\n\n"
	"== Columns ==\n"
	"The -c option takes a comma separated list of arguments that control\n"
	"which instance attributes to output when displaying in table or csv\n"
	"format.\n\n"
	"Pre-defined column shorthand chars:\n"
	"  4 - IPv4 address\n"
	"  6 - IPv6 address\n"
	"  a - Architecture\n"
	"  b - Storage pool\n"
	"  c - Creation date\n"
	"  d - Description\n"
	"  D - disk usage\n"
	"  e - Project name\n"
	"  l - Last used date\n"
	"  m - Memory usage\n"
	"  M - Memory usage (%)\n"
	"  n - Name\n"
	"  N - Number of Processes\n"
	"  p - PID of the instance's init process\n"
	"  P - Profiles\n"
	"  s - State\n"
	"  S - Number of snapshots\n"
	"  t - Type (persistent or ephemeral)\n"
	"  u - CPU usage (in seconds)\n"
	"  f - Base Image Fingerprint (short)\n"
	"  F - Base Image Fingerprint (long)\n\n"
	"Custom columns are defined with \"[config:|devices:]key[:name][:maxWidth]\":\n"
	"  KEY: The (extended) config or devices key to display.\n"
	"  NAME: Name to display in the column header (default: the key).\n"
	"  MAXWIDTH: Max width of the column (longer results are truncated).\n"
	"  Defaults to -1 (unlimited). Use 0 to limit to the column header size.";

static const char exec_help[] =
	"Execute commands in instances\n\n"
	"The command is executed directly using exec, so there is no shell and\n"
	"shell patterns (variables, file redirects, ...) won't be understood.\n"
	"If you need a shell environment you need to execute the shell\n"
	"executable, passing the shell commands as arguments, for example:\n\n"
	"  moat exec <instance> -- sh -c \"cd /tmp && pwd\"\n\n"
	"Mode defaults to non-interactive, interactive mode is selected if both stdin AND stdout "
	"are terminals (stderr is ignored).";

static const struct cli_cmd verbs[] = {
	{ .name = "config",
	  .short_help = "Manage instance and server configuration options",
	  .subs = config_cmds },
	{ .name = "console",
	  .usage = "[<remote>:]<instance>",
	  .short_help = "Attach to instance consoles",
	  .long_help = "Attach to instance consoles\n\n"
		       "This command allows you to interact with the boot console of an instance\n"
		       "as well as retrieve past log entries from it.",
	  .flags = console_flags,
	  .min_args = 1,
	  .max_args = 1,
	  .run = cli_cmd_console },
	{ .name = "copy",
	  .aliases = ALIASES("cp"),
	  .usage = "[<remote>:]<source>[/<snapshot>] [[<remote>:]<destination>]",
	  .short_help = "Copy instances within or in between LXD servers",
	  .long_help = "Copy instances within or in between LXD servers\n\n"
		       "The copy is created stopped, with the source's snapshots unless\n"
		       "--instance-only; a running source is frozen while it is copied.\n"
		       "moat copies within one server only.",
	  .flags = copy_flags,
	  .min_args = 1,
	  .max_args = 2,
	  .run = cli_cmd_copy },
	{ .name = "delete",
	  .aliases = ALIASES("rm"),
	  .usage = INSTANCES,
	  .short_help = "Delete instances",
	  .flags = delete_flags,
	  .min_args = 1,
	  .max_args = -1,
	  .run = cli_cmd_delete },
	{ .name = "exec",
	  .usage = "[<remote>:]<instance> [--] <command line>",
	  .short_help = "Execute commands in instances",
	  .long_help = exec_help,
	  .flags = exec_flags,
	  .min_args = 2,
	  .max_args = -1,
	  .run = cli_cmd_exec },
	{ .name = "file", .short_help = "Manage files in instances", .subs = file_cmds },
	{ .name = "help",
	  .usage = "[<command>...]",
	  .short_help = "Help about any command",
	  .max_args = -1,
	  .run = cli_cmd_help },
	{ .name = "image",
	  .short_help = "Manage images",
	  .long_help =
		  "Manage images\n\n"
		  "Instances are created from images, referenced by their full hash, a unique\n"
		  "prefix of it, or an alias.",
	  .subs = image_cmds },
	{ .name = "info",
	  .usage = "[<remote>:][<instance>]",
	  .short_help = "Show instance or server information",
	  .flags = info_flags,
	  .max_args = 1,
	  .run = cli_cmd_info },
	{ .name = "init",
	  .usage = "[<remote>:]<image> [<remote>:][<name>]",
	  .short_help = "Create instances from images",
	  .flags = init_flags,
	  .max_args = 2,
	  .run = cli_cmd_init },
	{ .name = "launch",
	  .usage = "[<remote>:]<image> [<remote>:][<name>]",
	  .short_help = "Create and start instances from images",
	  .flags = init_flags,
	  .min_args = 1,
	  .max_args = 2,
	  .run = cli_cmd_launch },
	{ .name = "list",
	  .aliases = ALIASES("ls"),
	  .usage = "[<remote>:] [<filter>...]",
	  .short_help = "List instances",
	  .long_help = list_help,
	  .flags = list_flags,
	  .max_args = -1,
	  .run = cli_cmd_list },
	{ .name = "monitor",
	  .usage = "[<remote>:]",
	  .short_help = "Monitor a local or remote LXD server",
	  .long_help = "Monitor a local or remote LXD server\n\n"
		       "By default the monitor will listen to all message types.",
	  .flags = monitor_flags,
	  .max_args = 1,
	  .run = cli_cmd_monitor },
	{ .name = "move",
	  .aliases = ALIASES("mv"),
	  .usage = "[<remote>:]<instance> [<remote>:][<instance>]",
	  .short_help = "Move instances within or in between LXD servers",
	  .long_help = "Move instances within or in between LXD servers\n\n"
		       "moat move c1 c2 renames c1 (stopped) to c2, as lxc's local move does.",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_move },
	{ .name = "network",
	  .short_help = "Manage and attach instances to networks",
	  .subs = cli_network_cmds },
	{ .name = "operation",
	  .short_help = "List, show and delete background operations",
	  .subs = operation_cmds },
	{ .name = "pause",
	  .aliases = ALIASES("freeze"),
	  .usage = INSTANCES,
	  .short_help = "Pause instances",
	  .flags = start_flags,
	  .max_args = -1,
	  .run = cli_cmd_pause },
	{ .name = "profile", .short_help = "Manage profiles", .subs = cli_profile_cmds },
	{ .name = "remote",
	  .short_help = "Manage the list of remote servers",
	  .subs = remote_cmds },
	{ .name = "rename",
	  .usage = "[<remote>:]<instance>[/<snapshot>] <instance>[/<snapshot>]",
	  .short_help = "Rename instances and snapshots",
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_rename },
	{ .name = "restart",
	  .usage = INSTANCES,
	  .short_help = "Restart instances",
	  .flags = stop_flags,
	  .max_args = -1,
	  .run = cli_cmd_restart },
	{ .name = "restore",
	  .usage = "[<remote>:]<instance> <snapshot>",
	  .short_help = "Restore instances from snapshots",
	  .long_help = "Restore instances from snapshots\n\n"
		       "If --stateful is passed, then the running state will be restored too.\n"
		       "A running instance is stopped and started again around the restore.",
	  .flags = restore_flags,
	  .min_args = 2,
	  .max_args = 2,
	  .run = cli_cmd_restore },
	{ .name = "shutdown",
	  .usage = "[<remote>:]",
	  .short_help = "Stop every running instance for a host shutdown",
	  .long_help =
		  "Stop every running instance for a host shutdown\n\n"
		  "As lxd shutdown: in boot.stop.priority order (highest first), each given\n"
		  "boot.host_shutdown_timeout seconds (default 30) to shut down cleanly before\n"
		  "it is killed. They start again when moatd next starts (boot.autostart,\n"
		  "volatile.last_state.power). moatd itself keeps running.",
	  .max_args = 1,
	  .run = cli_cmd_shutdown },
	{ .name = "snapshot",
	  .usage = "[<remote>:]<instance> [<snapshot name>]",
	  .short_help = "Create instance snapshots",
	  .long_help = "Create instance snapshots\n\n"
		       "When --stateful is used, moat answers that CRIU is not available here.\n"
		       "Without a name, the server picks snap0, snap1, ...",
	  .flags = snapshot_flags,
	  .min_args = 1,
	  .max_args = 2,
	  .run = cli_cmd_snapshot },
	{ .name = "start",
	  .usage = INSTANCES,
	  .short_help = "Start instances",
	  .flags = start_flags,
	  .max_args = -1,
	  .run = cli_cmd_start },
	{ .name = "stop",
	  .usage = INSTANCES,
	  .short_help = "Stop instances",
	  .flags = stop_flags,
	  .max_args = -1,
	  .run = cli_cmd_stop },
	{ .name = "storage",
	  .short_help = "Manage storage pools and volumes",
	  .subs = cli_storage_cmds },
	{ .name = "version",
	  .usage = "[<remote>:]",
	  .short_help = "Show local and remote versions",
	  .max_args = 1,
	  .run = cli_cmd_version },
	{ NULL },
};

const struct cli_cmd cli_root = {
	.name = "moat",
	.short_help = "Command line client for moat",
	.long_help =
		"Command line client for moat\n\n"
		"moat speaks LXD's REST API: the verbs, arguments, tables and YAML are lxc's.\n"
		"For help with any of those, simply call them with --help.",
	.subs = verbs,
};

/* ---- helpers the verbs share ------------------------------------------------------------------ */

int cli_open(struct cli_ctx *ctx, const char *raw, struct cli_conn *ret, char **ret_name)
{
	__do_free char *remote = NULL, *name = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = cli_parse_remote(ctx->conf, raw, &remote, &name);
	if (r < 0)
		return r;
	r = cli_connect(ctx->conf, remote, ctx->debug, ret);
	if (r < 0)
		return r;
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	return 0;
}

int cli_format_flag(struct cli_ctx *ctx, enum cli_format *ret)
{
	return cli_format_parse(cli_flag_str(ctx->args, "format"), ret);
}

/* "<base>/<escaped name><suffix>" (malloc'ed), NULL on ENOMEM. */
static char *object_path(const char *base, const char *name, const char *suffix)
{
	__do_free char *e = cli_escape(name);
	char *path;

	if (!e || asprintf(&path, "%s/%s%s", base, e, suffix ? suffix : "") < 0)
		return NULL;
	return path;
}

char *cli_instance_path(const char *name, const char *suffix)
{
	return object_path("/1.0/instances", name, suffix);
}

char *cli_profile_path(const char *name, const char *suffix)
{
	return object_path("/1.0/profiles", name, suffix);
}

char *cli_network_path(const char *name, const char *suffix)
{
	return object_path("/1.0/networks", name, suffix);
}

int cli_cmd_help(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	struct cli_args h = { .cmd = &cli_root };

	snprintf(h.path_buf, sizeof(h.path_buf), "moat");
	h.path = h.path_buf;
	for (size_t i = 0; i < a->npos; i++) {
		const struct cli_cmd *s;

		for (s = h.cmd->subs; s && s->name; s++)
			if (strcmp(s->name, a->pos[i]) == 0)
				break;
		if (!s || !s->name)
			return cli_usage_error("unknown help topic \"%s\"", a->pos[i]);
		h.cmd = s;
		snprintf(h.path_buf + strlen(h.path_buf), sizeof(h.path_buf) - strlen(h.path_buf),
			 " %s", s->name);
	}
	cli_print_help(stdout, &h);
	return 0;
}

/* ---- main ------------------------------------------------------------------------------------- */

int cli_main(int argc, char **argv)
{
	struct cli_config conf = { 0 };
	struct cli_args args;
	__do_free char *path = NULL;
	struct cli_ctx ctx;
	int r;

	r = cli_parse(&cli_root, argc, argv, &args);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", cli_error_message());
		cli_print_usage(stderr, &args);
		cli_args_free(&args);
		return 1;
	}
	if (args.version) {
		printf("%s\n", MOAT_VERSION);
		cli_args_free(&args);
		return 0;
	}
	if (args.help || !args.cmd->run) {
		cli_print_help(stdout, &args);
		cli_args_free(&args);
		return 0;
	}
	r = cli_config_path(&path);
	if (r == 0)
		r = cli_config_load(path, &conf);
	if (r == 0) {
		ctx = (struct cli_ctx){
			.args = &args, .conf = &conf, .quiet = args.quiet, .debug = args.debug
		};
		curl_global_init(CURL_GLOBAL_DEFAULT);
		r = args.cmd->run(&ctx);
		curl_global_cleanup();
	}
	fflush(stdout);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n",
			*cli_error_message() ? cli_error_message() : strerror(-r));
		if (cli_error_is_usage())
			cli_print_usage(stderr, &args);
	}
	cli_config_free(&conf);
	cli_args_free(&args);
	if (cli_exit_code() != 0)
		return cli_exit_code();
	return r < 0 ? 1 : 0;
}
