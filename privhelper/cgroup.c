// SPDX-License-Identifier: Apache-2.0
/*
 * A running container's payload cgroup directories, for limits.c's live
 * writes (ph_cgroup_dir), and moatd's own cgroup for hello (the frontend
 * reads the usage counters itself, by the same rules: model/usage.c).
 *
 * liblxc 5.0 puts the payload in "lxc.payload.<name>" at the root of each
 * hierarchy when it runs as root (it escapes to the root cgroup unless
 * lxc.cgroup.relative is set), else below the starting process's cgroup
 * (moatd's own, from /proc/self/cgroup); it picks another name when that
 * one is taken ("<name>-1" and on: several daemons, or a stray directory,
 * can hold the name). So the directory opened here is one of those, built
 * from moatd's own cgroup and the validated name alone, and it is used
 * only when every line of the init's /proc/<pid>/cgroup for that
 * hierarchy lies in it or below it.
 *
 * The init's file holds names the container chose (its own sub-cgroups may
 * contain newlines), so cgroup_line() and cgroup_payload() (common/cgroup.c,
 * shared with the frontend) treat the text as hostile: fuzz/fuzz_cgroup.c.
 * A forged line can only make a check fail, never point the write
 * elsewhere: the path never comes from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "buf.h"
#include "cgroup.h"
#include "cleanup.h"
#include "ph.h"

/*
 * The payload directory of ctrl ("" for cgroup2), opened O_PATH, after the
 * membership check (cgroup_payload(), common/cgroup.c): "lxc.payload.<name>",
 * or liblxc's "-<n>" form of it when the name was taken, at the root or
 * below moatd's own cgroup, built from that, the name and a number alone.
 */
static int payload_dir(const char *self, const char *init, const char *ctrl, const char *name)
{
	char base[2048], dir[2400], path[2600];
	int r = cgroup_line(self, ctrl, base, sizeof(base));

	if (r == 0)
		r = cgroup_payload(init, ctrl, base, name, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (ctrl[0])
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s", ctrl, dir);
	else if (ph_cgroup2_root())
		snprintf(path, sizeof(path), "%s%s", ph_cgroup2_root(), dir);
	else
		return -ENOENT;
	r = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

#define CGROUP_V1_MAGIC 0x27e0eb
#define CGROUP2_MAGIC 0x63677270

bool ph_cgroup_v1(const char *ctrl)
{
	char path[128];
	struct statfs sf;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", ctrl);
	return statfs(path, &sf) == 0 && sf.f_type == CGROUP_V1_MAGIC;
}

const char *ph_cgroup2_root(void)
{
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_MAGIC)
		return "/sys/fs/cgroup";
	if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_MAGIC)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

int ph_cgroup_dir(const char *name, pid_t pid, const char *ctrl)
{
	char self[4096], init[4096], path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = buf_read_file("/proc/self/cgroup", self, sizeof(self));
	if (r == 0)
		r = buf_read_file(path, init, sizeof(init));
	return r < 0 ? r : payload_dir(self, init, ctrl, name);
}
