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
 * contain newlines), so ph_cgroup_path() and ph_cgroup_within() treat the
 * text as hostile: fuzz/fuzz_cgroup.c. A forged line can only make a check
 * fail, never point the write elsewhere: the path never comes from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "ph.h"

/* Does the comma-separated list [s, s+n) name ctrl exactly? "" matches only cgroup2's empty list. */
static bool list_has(const char *s, size_t n, const char *ctrl)
{
	size_t k = strlen(ctrl);

	if (k == 0)
		return n == 0;
	for (const char *e = s + n; s < e;) {
		const char *c = memchr(s, ',', (size_t)(e - s));
		size_t len = c ? (size_t)(c - s) : (size_t)(e - s);

		if (len == k && memcmp(s, ctrl, k) == 0)
			return true;
		s += len + 1;
	}
	return false;
}

/*
 * Call fn for the path of each line "id:controllers:path" whose controller
 * list names ctrl; stop at the first non-zero return. Malformed lines are
 * skipped. Returns fn's value, or 0 when no line matched (*found false).
 */
static int each_line(const char *text, const char *ctrl, bool *found,
		     int (*fn)(const char *path, size_t n, void *arg), void *arg)
{
	*found = false;
	for (const char *l = text; *l;) {
		const char *end = strchr(l, '\n'), *c1, *c2;
		size_t n = end ? (size_t)(end - l) : strlen(l);

		c1 = memchr(l, ':', n);
		c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - l)) : NULL;
		if (c2 && list_has(c1 + 1, (size_t)(c2 - c1 - 1), ctrl)) {
			int r = fn(c2 + 1, n - (size_t)(c2 + 1 - l), arg);

			*found = true;
			if (r)
				return r;
		}
		l += n + (end ? 1 : 0);
	}
	return 0;
}

struct copy_out {
	char *out;
	size_t size;
};

static int copy_first(const char *path, size_t n, void *arg)
{
	struct copy_out *o = arg;

	if (n == 0 || path[0] != '/' || n >= o->size)
		return -EINVAL;
	memcpy(o->out, path, n);
	o->out[n] = '\0';
	return 1;
}

int ph_cgroup_path(const char *text, const char *ctrl, char *out, size_t size)
{
	struct copy_out o = { out, size };
	bool found;
	int r = each_line(text, ctrl, &found, copy_first, &o);

	return r == 1 ? 0 : r < 0 ? r : -ENOENT;
}

static int outside(const char *path, size_t n, void *arg)
{
	const char *dir = arg;
	size_t k = strlen(dir);

	if (n < k || memcmp(path, dir, k) != 0 || (n > k && path[k] != '/'))
		return 1;
	return 0;
}

bool ph_cgroup_within(const char *text, const char *ctrl, const char *dir)
{
	bool found;

	return each_line(text, ctrl, &found, outside, (void *)dir) == 0 && found;
}

/* How many of liblxc's names for a payload cgroup are tried (it tries 1000). */
#define PAYLOAD_TRIES 1000

/*
 * The payload directory of ctrl ("" for cgroup2), opened O_PATH, after the
 * membership check: "lxc.payload.<name>", or liblxc's "-<n>" form of it
 * when the name was taken, built from the name and a number alone.
 */
static int payload_dir(const char *self, const char *init, const char *ctrl, const char *name)
{
	char base[2048], dir[2400], path[2600];
	int r = ph_cgroup_path(self, ctrl, base, sizeof(base));

	if (r < 0)
		return r;
	for (int idx = 0;; idx++) {
		char sfx[16] = "";

		/* liblxc's next names when one is taken: <name>-1, <name>-2, ... */
		if (idx >= PAYLOAD_TRIES)
			return -ESRCH;
		if (idx > 0)
			snprintf(sfx, sizeof(sfx), "-%d", idx);
		snprintf(dir, sizeof(dir), "/lxc.payload.%s%s", name,
			 sfx); /* escaped to the root */
		if (ph_cgroup_within(init, ctrl, dir))
			break;
		snprintf(dir, sizeof(dir), "%s/lxc.payload.%s%s", base, name, sfx); /* relative */
		if (strcmp(base, "/") != 0 && ph_cgroup_within(init, ctrl, dir))
			break;
	}
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
