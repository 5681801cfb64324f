// SPDX-License-Identifier: Apache-2.0
/*
 * Instances whose create or copy has not finished (the
 * instances_unfinished table): marked when their row is inserted, unmarked
 * when the operation succeeds (a failure deletes the row, and the mark with
 * it). A frontend that starts removes what is still marked, its storage
 * through moatd's instance_delete, then the row: a daemon killed mid-copy
 * (the frontend with it) leaves neither a row nor a tree. Runs in moatd-api
 * (unprivileged); the names were checked before their rows were made.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "log.h"
#include "model/instances.h"
#include "model/pools.h"

/* One statement on the table with the name bound. */
static int mark(const char *sql, const char *name)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

int fe_instance_mark_unfinished(const char *name)
{
	return mark("INSERT OR IGNORE INTO instances_unfinished (name) VALUES (?);", name);
}

int fe_instance_mark_finished(const char *name)
{
	return mark("DELETE FROM instances_unfinished WHERE name = ?;", name);
}

void fe_instances_sweep_unfinished(void)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	json_object *names = json_object_new_array();

	if (sqlite3_prepare_v2(db, "SELECT name FROM instances_unfinished;", -1, &st, NULL) ==
	    SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			json_object_array_add(
				names,
				json_object_new_string((const char *)sqlite3_column_text(st, 0)));
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	for (size_t k = 0; k < json_object_array_length(names); k++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, k));
		struct ph_error e = { "" };
		int r = ph_call_instance_delete(name, fe_instance_pool(name), &e);

		if (r == 0)
			r = fe_instance_delete_row(name);
		if (r < 0)
			log_error("instance \"%s\" was left half made; removing it failed: %s",
				  name, e.msg[0] ? e.msg : strerror(-r));
		else
			log_info("removed instance \"%s\", left half made by a killed daemon",
				 name);
	}
	json_object_put(names);
}
