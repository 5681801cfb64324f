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

/*
 * moatd's side of the forwards and of security.acls (NetworkApplyRequest
 * fields 50 and 51, privhelper/acl.c) is not on main: privhelper/ has no
 * room left under its line budget. Until it is, nothing claims to apply.
 */
int fe_network_resync(const char *network, char err[static FE_ERR_MAX])
{
	(void)network;
	snprintf(err, FE_ERR_MAX, "Network forwards are not realised by this moatd yet");
	return -EOPNOTSUPP;
}
