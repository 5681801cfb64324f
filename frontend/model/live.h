/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Live changes (moatd-api, unprivileged): what a change of an instance's
 * expanded configuration does to it while it runs, as LXD's live update.
 * An instance PUT/PATCH and a profile change (for each running member)
 * call it before they store, and call it again with the arguments swapped
 * to undo when the store fails. The expanded maps were validated by the
 * config schema (config.h); moatd checks what reaches it again.
 */
#ifndef MOAT_FE_MODEL_LIVE_H
#define MOAT_FE_MODEL_LIVE_H

#include "fe.h"
#include "ph/ph.h"

/*
 * Apply to the running instance `name` what changed from (old_xc,
 * old_xd) to (new_xc, new_xd), the expanded config and devices: the
 * limits moatd sets at once (instance_limits). 0 when it is applied or
 * nothing live changed; a negative errno with moatd's message in *e
 * (e may be NULL) when a step failed, after undoing the steps done. The
 * caller checks that the instance runs (or is frozen).
 */
int fe_live_apply(const char *name, json_object *old_xc, json_object *old_xd, json_object *new_xc,
		  json_object *new_xd, struct ph_error *e);

#endif
