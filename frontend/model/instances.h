/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instances as moatd-api keeps them: database rows, profiles, the expanded
 * configuration, validation of what clients send, and LXD's JSON shape.
 * Unprivileged; everything that needs root goes through the channel.
 */
#ifndef MOAT_INSTANCES_H
#define MOAT_INSTANCES_H

#include "lxd/objects.h"
#include "model/config.h"
#include "name.h"
#include "ph/ph.h"

/* The members of LXD's instance first, as lxd_instance_type's table has them, then moat's own. */
struct fe_instance {
	LXD_INSTANCE_MEMBERS
	char base_image[65];
	char pool[NAME_MAX_LEN + 1]; /* the storage pool of its root disk, chosen at create */
};

void fe_instance_free(struct fe_instance *i);
/* -ENOENT when there is no such instance. */
int fe_instance_load(const char *name, struct fe_instance *ret);
/* Every instance, sorted by name, read in one query (a list). */
int fe_instance_load_all(struct fe_instance **ret, size_t *ret_n);
void fe_instances_free(struct fe_instance *all, size_t n);
/* Insert a new row (pool "": the expanded root disk's, model/pools.h); -EEXIST when the name
 * is taken. */
int fe_instance_insert(const struct fe_instance *i);
/* Write config, devices, profiles, description, ephemeral, last_used_at back. */
int fe_instance_save(const struct fe_instance *i);
int fe_instance_delete_row(const char *name);
/* A create or copy under way (model/instance_sweep.c): marked after the
 * insert, finished when it succeeds (deleting the row drops the mark). */
int fe_instance_mark_unfinished(const char *name);
int fe_instance_mark_finished(const char *name);
/* At a frontend's start: the storage, then the row, of each still marked. */
void fe_instances_sweep_unfinished(void);
/* All instance names, sorted. */
json_object *fe_instance_names(void);

/* Profiles merged in order, then the instance's own keys and devices. */
int fe_instance_expand(const struct fe_instance *i, json_object **ret_config,
		       json_object **ret_devices);
/* The profiles named (NULL: every one, read once for many expansions), as
 * name -> {config, devices}. */
json_object *fe_profiles_load(json_object *names);
/* As fe_instance_expand, from profiles fe_profiles_load() read (or NULL). */
int fe_instance_expand_with(const struct fe_instance *i, json_object *profiles,
			    json_object **ret_config, json_object **ret_devices);

/* Runtime view: moatd's LXD status code (102, 103, 110, 112) and init pid,
 * and the usage counters the frontend read itself (model/usage.c). */
struct fe_instance_state {
	char name[NAME_MAX_LEN + 1];
	int status_code;
	int pid;
	uint64_t processes, cpu_ns, memory, memory_peak, swap, swap_peak;
	bool reboot_requested; /* stopped by a reboot from inside */
};
/* Ask moatd the status; for a running instance, read its counters. */
int fe_instance_state(const char *name, struct fe_instance_state *ret);
/* The status and init pid only (counters zero), from what the frontend
 * last learnt when it can; else as fe_instance_state. */
int fe_instance_status(const char *name, struct fe_instance_state *ret);
/* The instance's run state may have changed: ask moatd next time. */
void fe_instance_status_forget(const char *name);
const char *fe_status_name(int code);

/*
 * The instance object; with_state adds state, snapshots and backups, with
 * net as state.network (taken over; NULL: none). profiles: those already
 * loaded, or NULL to load the ones the instance names.
 */
json_object *fe_instance_json(const struct fe_instance *i, const struct fe_instance_state *st,
			      bool with_state, json_object *profiles, json_object *net);
json_object *fe_state_json_net(const struct fe_instance_state *st, json_object *net);
/* The state with its counters (a stopped instance is not asked about) and
 * state.network (NULL when stopped): one round trip to moatd when it runs. */
json_object *fe_instance_state_network(const char *name, struct fe_instance_state *st);

/* Validation of client input: 0, or a negative errno and the message in
 * err (-EINVAL, -ENOENT: the client's mistake; -EIO: the database's). The
 * config and devices: model/config.h. */
int fe_check_instance_name(const char *name, char err[static FE_ERR_MAX]);
int fe_check_profiles(json_object *profiles, char err[static FE_ERR_MAX]);

/*
 * The image an instance is created from: an alias, else a fingerprint or
 * a unique prefix of one (lowercase hex). 0 with the full fingerprint,
 * the image's properties (an object) and whether it has templates, or
 * -ENOENT.
 */
int fe_instance_image(const char *alias, const char *fp, char ret_fp[static 65],
		      json_object **ret_props, bool *ret_templates);
/* Do the expanded devices hold a root disk? */
bool fe_instance_has_root_disk(const struct fe_instance *i);

/* What moatd needs to start it, from the expanded config (validated). */
int fe_instance_start_config(json_object *expanded, struct ph_start_config *ret);
/* The same from the instance's own row and its profiles (expanded here). */
int fe_instance_start_config_of(const struct fe_instance *i, struct ph_start_config *ret);

/* Files inside an instance (api/files.c): 1 exists, 0 not, or -errno. */
int fe_file_exists(const char *name, const char *path);
/* Create or truncate path and write data (new files: 0644, container root). */
int fe_file_write(const char *name, const char *path, const void *data, size_t len);

/*
 * Render the image's templates for this trigger ("create", "copy",
 * "rename"; "start" templates run at every start) and write them into the
 * instance. Errors go into err.
 */
int fe_instance_apply_templates(const struct fe_instance *i, json_object *xconfig,
				json_object *xdevices, const char *trigger, char *err,
				size_t errlen);

/* An operation's resources: {"containers":["/1.0/containers/<name>"],"instances":[...]}. */
json_object *fe_instance_resources(const char *name);

/*
 * The frontend's own instance logs (api/logs.c), $MOAT_DIR/logs/<name>/:
 * the exec_<id>.stdout and .stderr files of record-output execs.
 */
#define FE_EXEC_LOG_ID_MAX 64
/* exec_, then 1 to FE_EXEC_LOG_ID_MAX of [A-Za-z0-9-], then .stdout or .stderr. Pure. */
bool fe_exec_log_name_valid(const char *file);
/* Create (or truncate) one for writing, making the directory if needed. */
int fe_exec_log_create(const char *name, const char *file, int *ret_fd);
/* Remove the instance's directory and its files (instance deletion). */
void fe_instance_logs_remove(const char *name);
/* Move them to the instance's new name (a rename); none is fine. */
int fe_instance_logs_rename(const char *from, const char *to);

/* One operation at a time per instance. */
int fe_instance_busy(const char *name, const char *what);
/* Watch running instances for stops from inside (api/instance_state.c). */
int fe_instances_watch(void);
/* What to do now that moatd has just started (api/boot.c): the networks
 * (each stored one set up again, and the default network, hello's name,
 * made the first time), then the instances to start (boot.autostart, or
 * unset and last running), in boot order; NULL: out of memory. The
 * instances are read before fe_instances_watch() settles what stopped
 * meanwhile. */
struct fe_boot_plan;
struct fe_boot_plan *fe_boot_autostart_plan(const char *default_network);
/* Do it, in a thread of its own, the instances with their delays; frees p. */
void fe_boot_autostart(struct fe_boot_plan *p);
void fe_instance_idle(const char *name);

#endif
