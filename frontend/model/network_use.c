// SPDX-License-Identifier: Apache-2.0
/*
 * Where network ACLs meet networks and nics (network_use.h). Runs in
 * moatd-api (unprivileged); names come from the database, where they were
 * stored checked, and reach sqlite only as bound parameters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "db/db.h"
#include "model/images.h"
#include "model/network_forwards.h"
#include "model/network_use.h"
#include "model/networks.h"

void fe_networks_using_acl_locked(sqlite3 *db, const char *name, json_object *list)
{
	sqlite3_stmt *st = NULL;

	/* the networks table is model/networks.c's; json_extract reads its config */
	if (sqlite3_prepare_v2(db,
			       "SELECT name, json_extract(config, '$.\"security.acls\"') FROM"
			       " networks ORDER BY name;",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *acls = (const char *)sqlite3_column_text(st, 1);

		if (acls && fe_acl_list_has(acls, name)) {
			__do_free char *url = fe_path_join_escaped(
				"/1.0/networks/", (const char *)sqlite3_column_text(st, 0));

			if (url)
				json_object_array_add(list, json_object_new_string(url));
		}
	}
	sqlite3_finalize(st);
}

int fe_acl_users_apply(const char *name, char err[static FE_ERR_MAX])
{
	__do_json json_object *users = json_object_new_array();
	sqlite3 *db = fe_db_lock();
	int r = 0;

	fe_networks_using_acl_locked(db, name, users);
	fe_db_unlock();
	for (size_t k = 0; r == 0 && k < json_object_array_length(users); k++) {
		const char *url = json_object_get_string(json_object_array_get_idx(users, k));

		r = fe_network_sync(url + strlen("/1.0/networks/"), err);
	}
	return r;
}

int fe_network_resync(const char *network, char err[static FE_ERR_MAX])
{
	return fe_network_sync(network, err);
}

int fe_network_fw_fill(const char *name, json_object *config, struct ph_network *n,
		       struct fe_net_fw *ret, char err[static FE_ERR_MAX])
{
	json_object *v;
	const char *acls = json_object_object_get_ex(config, "security.acls", &v)
				   ? json_object_get_string(v)
				   : "";
	const char *def_in =
		json_object_object_get_ex(config, "security.acls.default.ingress.action", &v)
			? json_object_get_string(v)
			: NULL;
	const char *def_out =
		json_object_object_get_ex(config, "security.acls.default.egress.action", &v)
			? json_object_get_string(v)
			: NULL;
	struct fe_net_fw fw = { 0 };
	int r = 0;

	if (*acls && (r = fe_acl_set_build(acls, def_in, def_out, &fw.acls, err)) == -ENOENT)
		r = -EINVAL; /* the client's mistake (err says which), not a missing network */
	if (r == 0 && (r = fe_forwards_of(name, &fw.forwards, &fw.n_forwards)) < 0)
		snprintf(err, FE_ERR_MAX, "Failed to read the network's forwards");
	if (r < 0) {
		fe_net_fw_free(&fw);
		return r;
	}
	n->acls = fw.acls;
	n->forwards = fw.forwards;
	n->n_forwards = fw.n_forwards;
	*ret = fw;
	return 0;
}

void fe_net_fw_free(struct fe_net_fw *fw)
{
	free(fw->acls);
	free(fw->forwards);
	*fw = (struct fe_net_fw){ 0 };
}
