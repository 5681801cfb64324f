/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host ids of an isolated instance (idmap.c): moatd-api, unprivileged.
 */
#ifndef MOAT_FE_MODEL_IDMAP_H
#define MOAT_FE_MODEL_IDMAP_H

#include "model/config.h"
#include "model/instances.h"

/*
 * Fill cfg's idmap_base and idmap_size for an isolated instance (a free
 * 65536-id slot of moatd's range, or security.idmap.base) and record the
 * base in i's volatile.idmap.base ("0": the shared map). 0, or a negative
 * errno with LXD's message in err.
 */
int fe_idmap_assign(struct fe_instance *i, struct ph_start_config *cfg,
		    char err[static FE_ERR_MAX]);

#endif
