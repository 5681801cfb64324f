/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The private header of instances.c, instance_copy.c, instance_state.c and
 * boot.c (api/ only): the job an instance operation runs, and the functions
 * these files share (prefixed fe_inst_). Run by moatd-api, unprivileged; what reaches these
 * functions is checked by the handlers that call them.
 */
#ifndef MOAT_FE_INSTANCES_INT_H
#define MOAT_FE_INSTANCES_INT_H

#include <stdbool.h>

#include "core/http.h"
#include "model/instances.h"
#include "ops/ops.h"
#include "ph/ph.h"

/* What an operation on one instance was asked to do. */
struct job {
	char name[NAME_MAX_LEN + 1];
	char fingerprint[65];
	char pool[NAME_MAX_LEN + 1]; /* a create's: the storage pool of its root disk */
	char action[16];
	int timeout;
	bool force;
};

/* ---- instances.c ------------------------------------------------------------------ */

/* Load the instance named in the path, or answer 404. */
int fe_inst_load_or_404(struct fe_req *req, struct fe_resp *resp, struct fe_instance *ret);
/* Fail an operation with moatd's message when it sent one. */
int fe_inst_op_fail_reply(struct fe_op *op, int r, const struct ph_error *e, const char *what);
/* Send a lifecycle event (action) for /1.0/instances/name. */
void fe_inst_lifecycle(const char *action, const char *name);
void fe_inst_now_rfc3339(char ret[static 64]);
/* An ephemeral instance is gone once it stops. op is NULL for the watcher. */
int fe_inst_delete_everything(struct fe_op *op, const char *name);
/* A free name like LXD's "adjective-noun" choices. */
void fe_inst_pick_name(char ret[static NAME_MAX_LEN + 1]);
/* A create's or an update's name (may be ""), config, devices and profiles
 * against the model's rules; on failure resp holds the 400 (or 500). */
int fe_inst_check_body(const char *name, json_object *config, json_object *devices,
		       json_object *profiles, struct fe_resp *resp);
/* A new instance's volatile keys (create and copy): the shared id map, stopped. */
void fe_inst_fresh_volatile(json_object *config);

/* ---- instance_copy.c --------------------------------------------------------------- */

/* POST /1.0/instances with source.type "copy" (LXD-API.md §11): body and its
 * source (both type-checked by the caller) are borrowed; resp gets the answer. */
int fe_inst_create_copy(struct fe_resp *resp, json_object *body, json_object *source);

/* ---- snapshots.c ------------------------------------------------------------------ */

/* PUT /1.0/instances/{name} with "restore" ("s1" or "<name>/s1"): that snapshot back. */
int fe_inst_api_restore(struct fe_req *req, struct fe_resp *resp, const char *restore);
/* A snapshot the schedule takes now (snapshots.pattern's name, snapshots.expiry), or the
 * removal of an expired one, each an operation; -EBUSY while another one runs. */
int fe_snapshot_scheduled(const char *inst);
int fe_snapshot_expired(const char *inst, const char *snap);

/* ---- instance_state.c ------------------------------------------------------------- */

/* Start the instance as PUT .../state does (templates, moatd, the watch); op may be NULL. */
int fe_inst_call_start(struct fe_op *op, const char *name);
int fe_inst_api_state_get(struct fe_req *req, struct fe_resp *resp);
int fe_inst_api_state_put(struct fe_req *req, struct fe_resp *resp);

#endif
