// SPDX-License-Identifier: Apache-2.0
/*
 * The confined storage worker (privhelper/storage.c) holds none of moatd's
 * descriptors but the one it is given. Needs root (it makes namespaces and
 * pivots); skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "ph.h"
#include "t.h"

/* In the worker: want[0] must be closed, want[1] (if any) open. */
static int check_fds(void *arg)
{
	const int *want = arg;

	if (fcntl(want[0], F_GETFD) != -1 || errno != EBADF)
		return -EEXIST;
	if (want[1] >= 0 && fcntl(want[1], F_GETFD) < 0)
		return -ENOENT;
	return 0;
}

void test_storage(void)
{
	char dir[] = "/tmp/moat-unit-storage-XXXXXX";
	int want[2];

	if (geteuid() != 0) {
		t_note("storage: the confined worker needs root; skipped");
		return;
	}
	if (!CHECK(mkdtemp(dir), "storage: a scratch directory"))
		return;
	want[0] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC); /* as moatd's $MOAT_DIR fd */
	want[1] = -1;
	CHECK(want[0] >= 0 && ph_confined_path(dir, check_fds, want, -1) == 0,
	      "storage: regression confined-worker-fd-leak: the worker holds no descriptor of "
	      "moatd's (an open directory of the host would lead it out)");
	want[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(want[1] >= 0 && ph_confined_path(dir, check_fds, want, want[1]) == 0,
	      "storage: ... but the one it is given (an image to unpack)");
	close(want[0]);
	close(want[1]);
	rmdir(dir);
}
