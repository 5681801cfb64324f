/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where network ACLs meet networks and nics (model/network_use.c): which
 * networks name an ACL, and an ACL change carried to every network and
 * running nic that uses it. Unprivileged; the names come from the
 * database, checked when they were stored.
 */
#ifndef MOAT_FE_MODEL_NETWORK_USE_H
#define MOAT_FE_MODEL_NETWORK_USE_H

#include <sqlite3.h>

#include "model/network_acls.h"

/* Add "/1.0/networks/<net>" to list for each network whose security.acls names the ACL. */
void fe_networks_using_acl_locked(sqlite3 *db, const char *name, json_object *list);
/*
 * Give every network and running nic that uses the ACL its filter again,
 * from the stored rows. On a refusal the ones done keep their new filter
 * (the caller restores the row and calls this again); 0 or -errno (err).
 */
int fe_acl_users_apply(const char *name, char err[static FE_ERR_MAX]);

/* Give a network its bridge, filters and forwards again from the stored rows (moatd). */
int fe_network_resync(const char *network, char err[static FE_ERR_MAX]);

/* What a network_apply carries of ACLs and forwards, owned until it is sent. */
struct fe_net_fw {
	struct ph_acl_set *acls;
	struct ph_forward *forwards;
	size_t n_forwards;
};
/*
 * The set of config's security.acls (with its default actions) and the
 * network's stored forwards into n (model/networks.c's build); ret owns
 * them (fe_net_fw_free). -ENOENT for an ACL that is not there (err).
 */
int fe_network_fw_fill(const char *name, json_object *config, struct ph_network *n,
		       struct fe_net_fw *ret, char err[static FE_ERR_MAX]);
void fe_net_fw_free(struct fe_net_fw *fw);

#endif
