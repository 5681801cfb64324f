/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: the verbs' handlers (one file per family: cmd_instances.c, cmd_copy.c,
 * cmd_list.c, cmd_images.c, cmd_image_export.c, cmd_misc.c, image_build.c,
 * cmd_config.c, cmd_profile.c, cmd_device.c) and the small
 * helpers they share (commands.c). Runs in the client as the invoking
 * user, no privilege; see client.h for what is trusted.
 */
#ifndef MOAT_CLI_VERBS_H
#define MOAT_CLI_VERBS_H

#include <json-c/json.h>

#include "cli.h"
#include "client.h"
#include "doc.h"
#include "format.h"
#include "remote.h"

/* Connect to the remote named in raw ("[remote:]name"); *ret_name is the rest (malloc'ed). */
int cli_open(struct cli_ctx *ctx, const char *raw, struct cli_conn *ret, char **ret_name);
/* The --format flag of the running command. */
int cli_format_flag(struct cli_ctx *ctx, enum cli_format *ret);
/* "/1.0/instances/<escaped name><suffix>" (malloc'ed), NULL on ENOMEM. */
char *cli_instance_path(const char *name, const char *suffix);

/* Columns of `moat list` (cmd_list.c): parsed from -c, e.g. "ns46tS,user.x:X:10". */
struct cli_column {
	char name[64];   /* the header */
	char key[128];   /* for config: and devices: columns */
	char kind;       /* a shorthand letter, or 0 for a custom column */
	char custom;     /* custom: 'c' (config key) or 'd' (devices key) */
	int max_width;   /* custom columns: -1 unlimited */
	bool needs_data; /* state or snapshots */
};
int cli_list_columns(const char *spec, bool clustered, struct cli_column **ret, size_t *ret_n);
/* One cell of an instance object (as from ?recursion=2), malloc'ed. */
char *cli_list_cell(const struct cli_column *col, json_object *inst);
/*
 * lxc's config-key filter on a string map: 1 if a key (abbreviated by
 * dotted prefixes, "u.x" for "user.x") has a value matching the regex
 * (anchored unless it has ^ or $), 0 if none, -1 if a key matched but its
 * value did not and the filter is no regex.
 */
int cli_map_match(json_object *map, const char *key, const char *value);
/* The strings joined with newlines (malloc'ed), NULL on ENOMEM. */
char *cli_join_lines(const char *const *parts, size_t n);
/* Does an instance pass lxc's client-side filters? */
bool cli_list_match(json_object *inst, const char *const *filters, size_t n);

/* "/1.0/profiles/<escaped name><suffix>" (malloc'ed), NULL on ENOMEM. */
char *cli_profile_path(const char *name, const char *suffix);

/* cmd_device.c, pure: a new device {type, k: v...} from "k=v" arguments (lxc's "No value found in"). */
int cli_device_new(const char *type, const char *const *kv, size_t n, json_object **ret);
/*
 * NULL if obj (an instance or profile) has its own device dev; else lxc's
 * error: for an instance (action "removed from", "modified for", "retrieved for"; NULL
 * for a profile) one that says the device comes from a profile when it is
 * only in expanded_devices, else "Device doesn't exist". A static buffer.
 */
const char *cli_device_missing(json_object *obj, const char *dev, const char *action);
/* cmd_device.c: an instance's or a profile's devices to change and PUT back (If-Match). */
struct cli_target {
	struct cli_conn conn;
	bool profile;
	char *name, *path;
	json_object *obj;     /* as the server sent it */
	json_object *put;     /* its writable part, to PUT back */
	json_object *devices; /* put's devices (borrowed) */
	char etag[128];
};
/* raw: "[remote:]name" of the instance (or the profile); "Missing ... name" when empty. */
int cli_target_open(struct cli_ctx *ctx, const char *raw, bool profile, struct cli_target *t);
/* PUT it back: an instance's operation waited on, a profile's sync. */
int cli_target_save(struct cli_target *t);
void cli_target_free(struct cli_target *t);
/* cmd_profile.c, pure: `profile assign`'s "a,b" as a list (lxc's strings.Split; "" is []). */
json_object *cli_profiles_split(const char *list);

/* cmd_named.c: the verbs of a named object with a config map (a profile, a network). */
struct cli_kind {
	const char *word; /* "Profile": "Profile p1 deleted" */
	const char *noun; /* "profile": "Missing profile name" */
	char *(*path)(const char *name, const char *suffix);
	const struct lxd_object_type *type;
	int (*parse)(const char *buf, size_t len, json_object **ret); /* its <Object>Put YAML */
	const char *edit_help;
	bool managed_only; /* set and unset refuse an object the server does not manage */
};
/* One object named in raw ("[remote:]name"): connected, its path, and (if asked) it and its ETag. */
struct cli_named {
	struct cli_conn conn;
	char *name, *path;
	json_object *obj;
	char etag[128];
};
int cli_named_open(struct cli_ctx *ctx, const struct cli_kind *k, const char *raw, bool get,
		   struct cli_named *n);
void cli_named_free(struct cli_named *n);
/* The verbs, on the object named by the first argument. */
int cli_named_show(struct cli_ctx *ctx, const struct cli_kind *k);
/* NAME, DESCRIPTION, USED BY of the objects at path (a ?recursion=1 list): profiles, ACLs. */
int cli_named_list(struct cli_ctx *ctx, const char *path);
/* One object's row of a list verb: its cells, pointing into it or into buf. */
struct cli_row {
	const char *cells[8];
	char buf[2][32];
};
/* Fill row from obj; 1 leaves the object out (as lxc hides some kinds). */
typedef int (*cli_row_fn)(json_object *obj, struct cli_row *row);
/* A list verb's start: its --format, then the remote of its first argument; *ret_rest the rest. */
int cli_list_open(struct cli_ctx *ctx, enum cli_format *ret_fmt, struct cli_conn *conn,
		  char **ret_rest);
/* The end of a list verb: GET the list at path (conn closed after), a row each, printed as f. */
int cli_list_table(struct cli_conn *conn, const char *path, enum cli_format f, size_t ncols,
		   const char *const *header, cli_row_fn fill);
/* The length of obj's list key (0 if not a list), as text in buf: a count column. */
const char *cli_count_str(json_object *obj, const char *key, char buf[static 32]);
/* src in upper case (ASCII), cut to fit buf: a STATE or TYPE column. */
const char *cli_upper_str(const char *src, char buf[static 32]);
/* The writable part's config: the unset keys removed, then keys set ("" removes), as lxc. */
void cli_config_change(json_object *put, const char *const *unset, size_t n_unset,
		       json_object *keys);
int cli_named_get(struct cli_ctx *ctx, const struct cli_kind *k);
int cli_named_set_keys(struct cli_ctx *ctx, const struct cli_kind *k, bool unset);
/* set or unset: obj's writable part with the keys of a->pos[first..] changed, PUT back (If-Match). */
int cli_put_keys(struct cli_conn *conn, const char *path, const char *etag, json_object *obj,
		 const struct lxd_object_type *type, const struct cli_args *a, size_t first,
		 bool unset);
/* obj's shown fields (its type's table) as YAML on stdout. */
int cli_show_view(const struct lxd_object_type *type, json_object *obj);
int cli_named_edit(struct cli_ctx *ctx, const struct cli_kind *k);
int cli_named_rename(struct cli_ctx *ctx, const struct cli_kind *k);
int cli_named_delete(struct cli_ctx *ctx, const struct cli_kind *k);
/* "/1.0/networks/<escaped name><suffix>" (malloc'ed), NULL on ENOMEM. */
char *cli_network_path(const char *name, const char *suffix);
/* commands_network.c: the `network` verbs */
extern const struct cli_cmd cli_network_cmds[];
/* commands_storage.c, cmd_storage.c: the `storage` verbs */
extern const struct cli_cmd cli_storage_cmds[];
int cli_cmd_storage_list(struct cli_ctx *ctx);
int cli_cmd_storage_show(struct cli_ctx *ctx);
int cli_cmd_storage_create(struct cli_ctx *ctx);
int cli_cmd_storage_edit(struct cli_ctx *ctx);
int cli_cmd_storage_get(struct cli_ctx *ctx);
int cli_cmd_storage_set(struct cli_ctx *ctx);
int cli_cmd_storage_unset(struct cli_ctx *ctx);
int cli_cmd_storage_info(struct cli_ctx *ctx);
int cli_cmd_storage_delete(struct cli_ctx *ctx);
/* cmd_network_acl.c: `network acl ...` and `network forward ...` */
int cli_cmd_acl_list(struct cli_ctx *ctx);
int cli_cmd_acl_show(struct cli_ctx *ctx);
int cli_cmd_acl_create(struct cli_ctx *ctx);
int cli_cmd_acl_edit(struct cli_ctx *ctx);
int cli_cmd_acl_get(struct cli_ctx *ctx);
int cli_cmd_acl_set(struct cli_ctx *ctx);
int cli_cmd_acl_unset(struct cli_ctx *ctx);
int cli_cmd_acl_rename(struct cli_ctx *ctx);
int cli_cmd_acl_delete(struct cli_ctx *ctx);
int cli_cmd_acl_rule_add(struct cli_ctx *ctx);
int cli_cmd_acl_rule_remove(struct cli_ctx *ctx);
int cli_cmd_forward_list(struct cli_ctx *ctx);
int cli_cmd_forward_show(struct cli_ctx *ctx);
int cli_cmd_forward_create(struct cli_ctx *ctx);
int cli_cmd_forward_get(struct cli_ctx *ctx);
int cli_cmd_forward_set(struct cli_ctx *ctx);
int cli_cmd_forward_unset(struct cli_ctx *ctx);
int cli_cmd_forward_delete(struct cli_ctx *ctx);
int cli_cmd_forward_port_add(struct cli_ctx *ctx);
int cli_cmd_forward_port_remove(struct cli_ctx *ctx);
int cli_cmd_network_list(struct cli_ctx *ctx);
int cli_cmd_network_show(struct cli_ctx *ctx);
int cli_cmd_network_create(struct cli_ctx *ctx);
int cli_cmd_network_edit(struct cli_ctx *ctx);
int cli_cmd_network_set(struct cli_ctx *ctx);
int cli_cmd_network_unset(struct cli_ctx *ctx);
int cli_cmd_network_get(struct cli_ctx *ctx);
int cli_cmd_network_rename(struct cli_ctx *ctx);
int cli_cmd_network_delete(struct cli_ctx *ctx);
int cli_cmd_network_info(struct cli_ctx *ctx);
int cli_cmd_network_list_leases(struct cli_ctx *ctx);
int cli_cmd_network_attach(struct cli_ctx *ctx);
int cli_cmd_network_detach(struct cli_ctx *ctx);
int cli_cmd_network_attach_profile(struct cli_ctx *ctx);
int cli_cmd_network_detach_profile(struct cli_ctx *ctx);
/* commands_profile.c: the `profile` verbs and `config device` */
extern const struct cli_cmd cli_profile_cmds[];
extern const struct cli_cmd cli_config_device_cmds[];

/* handlers */
int cli_cmd_launch(struct cli_ctx *ctx);
int cli_cmd_init(struct cli_ctx *ctx);
int cli_cmd_start(struct cli_ctx *ctx);
int cli_cmd_stop(struct cli_ctx *ctx);
int cli_cmd_restart(struct cli_ctx *ctx);
int cli_cmd_pause(struct cli_ctx *ctx);
/* cmd_snapshot.c */
int cli_cmd_snapshot(struct cli_ctx *ctx);
int cli_cmd_restore(struct cli_ctx *ctx);
int cli_cmd_rename(struct cli_ctx *ctx);
int cli_cmd_delete(struct cli_ctx *ctx);
/* cmd_copy.c */
int cli_cmd_copy(struct cli_ctx *ctx);
int cli_cmd_move(struct cli_ctx *ctx);
int cli_cmd_list(struct cli_ctx *ctx);
int cli_cmd_info(struct cli_ctx *ctx);

int cli_cmd_image_import(struct cli_ctx *ctx);
int cli_cmd_image_list(struct cli_ctx *ctx);
int cli_cmd_image_info(struct cli_ctx *ctx);
int cli_cmd_image_show(struct cli_ctx *ctx);
int cli_cmd_image_delete(struct cli_ctx *ctx);
int cli_cmd_image_export(struct cli_ctx *ctx);
int cli_cmd_image_build(struct cli_ctx *ctx);
int cli_cmd_alias_create(struct cli_ctx *ctx);
int cli_cmd_alias_delete(struct cli_ctx *ctx);
int cli_cmd_alias_list(struct cli_ctx *ctx);
int cli_cmd_alias_rename(struct cli_ctx *ctx);

int cli_cmd_exec(struct cli_ctx *ctx);
int cli_cmd_console(struct cli_ctx *ctx);
int cli_cmd_file_push(struct cli_ctx *ctx);
int cli_cmd_file_pull(struct cli_ctx *ctx);
int cli_cmd_file_delete(struct cli_ctx *ctx);
int cli_cmd_file_edit(struct cli_ctx *ctx);
int cli_cmd_config_show(struct cli_ctx *ctx);
int cli_cmd_config_get(struct cli_ctx *ctx);
int cli_cmd_config_set(struct cli_ctx *ctx);
int cli_cmd_config_unset(struct cli_ctx *ctx);
int cli_cmd_config_edit(struct cli_ctx *ctx);
int cli_cmd_monitor(struct cli_ctx *ctx);
#define CLI_DEVICE_VERBS(X) X(add) X(remove) X(list) X(show) X(get) X(set) X(unset)
#define CLI_DEVICE_DECL(verb)                                                                      \
	int cli_cmd_config_device_##verb(struct cli_ctx *ctx);                                     \
	int cli_cmd_profile_device_##verb(struct cli_ctx *ctx);
CLI_DEVICE_VERBS(CLI_DEVICE_DECL)
int cli_cmd_config_device_override(struct cli_ctx *ctx);
int cli_cmd_profile_list(struct cli_ctx *ctx);
int cli_cmd_profile_show(struct cli_ctx *ctx);
int cli_cmd_profile_create(struct cli_ctx *ctx);
int cli_cmd_profile_copy(struct cli_ctx *ctx);
int cli_cmd_profile_get(struct cli_ctx *ctx);
int cli_cmd_profile_set(struct cli_ctx *ctx);
int cli_cmd_profile_unset(struct cli_ctx *ctx);
int cli_cmd_profile_edit(struct cli_ctx *ctx);
int cli_cmd_profile_rename(struct cli_ctx *ctx);
int cli_cmd_profile_delete(struct cli_ctx *ctx);
int cli_cmd_profile_add(struct cli_ctx *ctx);
int cli_cmd_profile_remove(struct cli_ctx *ctx);
int cli_cmd_profile_assign(struct cli_ctx *ctx);

int cli_cmd_operation_list(struct cli_ctx *ctx);
int cli_cmd_operation_show(struct cli_ctx *ctx);
int cli_cmd_operation_delete(struct cli_ctx *ctx);
int cli_cmd_version(struct cli_ctx *ctx);
int cli_cmd_shutdown(struct cli_ctx *ctx);
int cli_cmd_help(struct cli_ctx *ctx);
int cli_cmd_remote_list(struct cli_ctx *ctx);
int cli_cmd_remote_switch(struct cli_ctx *ctx);
int cli_cmd_remote_get_default(struct cli_ctx *ctx);

/*
 * `image import`: stream file to the remote named in remote_raw ("" or
 * "name:"), with lxc's properties and aliases.
 */
int cli_image_import(struct cli_ctx *ctx, const char *file, const char *remote_raw,
		     const char *const *props, size_t nprops, const char *const *aliases,
		     size_t naliases, bool public);

/* path.c: paths as Go's path package treats them (malloc'ed; NULL on ENOMEM) */
char *cli_path_clean(const char *p);
char *cli_path_join(const char *a, const char *b);
char *cli_path_base(const char *p);
char *cli_path_dir(const char *p);
/*
 * "[<remote>:]<instance>/<path>" split at its first "/": the instance part
 * (remote included) and the path (without its leading "/"). -EINVAL
 * without a "/", -ENOMEM.
 */
int cli_file_spec(const char *arg, char **ret_instance, char **ret_path);

/* cmd_config.c */
/* api.InstancePut of an instance object, in lxc's field order (expanded: the expanded_* maps). */
json_object *cli_instance_put(json_object *inst, bool expanded);
/*
 * A YAML document (`config edit`) into api.InstancePut as yaml.v2 would
 * unmarshal it: unknown keys dropped, plain YAML 1.1 booleans only for
 * ephemeral and stateful, any scalar's text for strings, maps and lists
 * checked for their shape. -EINVAL with yaml.v2's message recorded.
 */
int cli_instance_put_from_yaml(const char *buf, size_t len, json_object **ret);
/* The same for any object type's <Object>Put: its writable fields, from its field table. */
struct lxd_object_type;
int cli_put_from_yaml(const struct lxd_object_type *t, const char *buf, size_t len,
		      json_object **ret);
/*
 * The editor's text again with the error at its top as "# Error: " lines
 * (those of an earlier round replaced). Malloc'ed; NULL on ENOMEM.
 */
char *cli_edit_annotate(const char *content, size_t len, const char *err);

/* GET path: the object and (ret_etag, optional) its ETag. path NULL: -ENOMEM recorded. */
int cli_obj_get(struct cli_conn *conn, const char *path, json_object **ret, char ret_etag[128]);
/* PUT body to path with If-Match: etag (unless NULL or ""); async: wait on the operation. */
int cli_obj_put(struct cli_conn *conn, const char *path, json_object *body, const char *etag,
		bool async);
/* lxc's getConfig: "k v" (one key), else every argument k=v; a value "-" reads stdin. */
int cli_config_pairs(const char *const *args, size_t n, json_object **ret);
/* A YAML document into the body to PUT (an <Object>Put). */
typedef int (*cli_put_parser)(const char *buf, size_t len, json_object **ret);
/*
 * lxc's edit: stdin (not a terminal) is PUT to path as parse reads it, no
 * If-Match; else the editor on text, again with the error on top until the
 * server takes it (If-Match: etag).
 */
int cli_edit_put(struct cli_conn *conn, const char *path, bool async, cli_put_parser parse,
		 const char *text, const char *etag);
/* help (or NULL), a blank line and shown as YAML: the editor's text (malloc'ed), NULL on ENOMEM. */
char *cli_edit_text(const char *help, json_object *shown);

/* cmd_monitor.c: an event as lxc re-reads it (api.Event: type, timestamp, metadata, location, project). */
json_object *cli_event_normalize(json_object *ev);

/* image_build.c: the busybox image, as tools/build-busybox-image.sh makes it */
struct cli_bb_image {
	const char *busybox; /* the host's static busybox */
	long long epoch;     /* creation_date and every mtime */
	char version[32];    /* out: "1.35.0" */
	char arch[65];       /* out: uname -m */
};
int cli_build_busybox(struct cli_bb_image *img, int out_fd);

struct cli_debian_image {
	char release[40]; /* in, or "" for bookworm; out: the one used */
	char mirror[512]; /* in, or "" for the host's apt mirror; out: the one used */
	long long epoch;  /* creation_date */
	bool progress;    /* say what it is doing, on stderr */
	char arch[65];    /* out: uname -m */
};
int cli_build_debian(struct cli_debian_image *img, int out_fd);

#endif
