/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the frontend's fuzz targets: a scratch state directory under /tmp
 * with a database (and an images/ directory), made once and removed at
 * exit. Static functions: each target includes it once.
 */
#ifndef MOAT_FUZZ_FE_SCRATCH_H
#define MOAT_FUZZ_FE_SCRATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "fe.h"

static char scratch_dir[] = "/tmp/moat-fuzz-XXXXXX";

static void scratch_remove(void)
{
	static const char *const files[] = { "database/moat.db",
					     "database/moat.db-wal",
					     "database/moat.db-shm",
					     "database/moat.db-journal",
					     "database",
					     "images" };
	char path[128];

	fe_db_close();
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s", scratch_dir, files[k]);
		if (unlink(path) < 0)
			rmdir(path);
	}
	rmdir(scratch_dir);
}

/* Make the directory and open its database, once; false if done before. */
static bool scratch_setup(void)
{
	static bool done;
	char path[128];

	if (done)
		return false;
	done = true;
	if (!mkdtemp(scratch_dir))
		abort();
	snprintf(path, sizeof(path), "%s/database", scratch_dir);
	if (mkdir(path, 0700) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/images", scratch_dir);
	if (mkdir(path, 0700) < 0)
		abort();
	fe_srv.dir = scratch_dir;
	if (fe_db_open(scratch_dir) < 0)
		abort();
	atexit(scratch_remove);
	return true;
}

/* The fuzzer's bytes as a NUL-terminated string (malloc'd; NULL if none). */
static char *scratch_cstr(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);

	if (buf) {
		memcpy(buf, data, size);
		buf[size] = '\0';
	}
	return buf;
}

#endif
