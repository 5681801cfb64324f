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
#include "model/network_use.h"

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
	(void)name;
	(void)err;
	return 0;
}

int fe_network_resync(const char *network, char err[static FE_ERR_MAX])
{
	(void)network;
	snprintf(err, FE_ERR_MAX, "Network forwards are not realised by this moatd yet");
	return -EOPNOTSUPP;
}
