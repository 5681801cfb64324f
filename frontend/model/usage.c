// SPDX-License-Identifier: Apache-2.0
/*
 * A running container's usage counters (usage.h), read by moatd-api
 * (uid moat, no capability) from the files of its payload cgroup: the
 * cgroup files and /proc/<pid>/cgroup are world-readable, so this needs
 * no privilege and is not moatd's (which reads none of it).
 *
 * Where the files are: liblxc 5.0 puts the payload in "lxc.payload.<name>"
 * at the root of each hierarchy when it runs as root (it escapes to the
 * root cgroup unless lxc.cgroup.relative is set), else below the cgroup
 * of the process that started it, moatd's (the frontend's own may differ,
 * so moatd sends its /proc/self/cgroup text in hello); it takes
 * "<name>-1", "<name>-2", ... when the name is taken (several daemons, or
 * a stray directory, can hold it). The directory read is one of those,
 * built from moatd's cgroup, the validated name and a number alone, and
 * only when every line of the init's /proc/<pid>/cgroup for that
 * hierarchy lies in it or below it. That text holds names the container
 * chose (its sub-cgroups, newlines included): a forged line can only make
 * the check fail (the counters are then not shown), never point the read
 * elsewhere. cgroup_line() and cgroup_payload() (common/cgroup.c, the
 * rules moatd uses too) are pure and fuzzed (fuzz/fuzz_usage.c).
 *
 * The files and their units are cgroup2's on a cgroup2-only host (one
 * directory: pids.current, cpu.stat's usage_usec, memory.current,
 * memory.peak, memory.swap.current; no swap peak) and else cgroup v1's
 * (pids, cpuacct and memory hierarchies: pids.current, cpuacct.usage, the
 * memory.* usage files, swap as memsw less memory). One open of
 * /proc/<pid>/cgroup and one open and one read of each counter file, by
 * a path built here: no directory is opened on the way, and moatd's own
 * cgroup is read once, from hello.
 */
#include "model/usage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cgroup.h"
#include "cleanup.h"
#include "name.h"

uint64_t fe_cgroup_number(const char *text, const char *field)
{
	if (field) {
		const char *p = strstr(text, field);

		return p ? strtoull(p + strlen(field), NULL, 10) * 1000 : 0;
	}
	return strtoull(text, NULL, 10);
}

/* A hierarchy read, with moatd's path in it ("" when not known). */
struct hier {
	const char *ctrl, *mount;
	char base[2048];
};
/* cgroup v1's three (pids first), or cgroup2's one on a cgroup2-only host;
 * written once by fe_usage_init(), before the API serves */
static struct hier v1[] = {
	{ "pids", "/sys/fs/cgroup/pids", "" },
	{ "cpuacct", "/sys/fs/cgroup/cpuacct", "" },
	{ "memory", "/sys/fs/cgroup/memory", "" },
};
static struct hier v2[] = { { "", "/sys/fs/cgroup", "" } };
static bool only_v2;

void fe_usage_init(const char *moatd_cgroup)
{
	struct stat st;

	only_v2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
	for (size_t k = 0; k < ARRAY_SIZE(v1); k++)
		if (cgroup_line(moatd_cgroup, v1[k].ctrl, v1[k].base, sizeof(v1[k].base)) < 0)
			v1[k].base[0] = '\0';
	if (cgroup_line(moatd_cgroup, "", v2[0].base, sizeof(v2[0].base)) < 0)
		v2[0].base[0] = '\0';
}

/* dir/file as fe_cgroup_number() reads it, in one read (a counter file is
 * small; cpu.stat's usage_usec comes first); 0 when absent. */
static uint64_t counter(const char *dir, const char *file, const char *field)
{
	char path[PATH_MAX + 64], buf[4096];
	__do_close int fd = -EBADF;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	return fe_cgroup_number(buf, field);
}

int fe_usage_read(const char *name, int pid, struct fe_usage *ret)
{
	char init[4096], path[64], rel[PATH_MAX], dir[3][PATH_MAX + 32];
	const struct hier *h = only_v2 ? v2 : v1;
	size_t nh = only_v2 ? ARRAY_SIZE(v2) : ARRAY_SIZE(v1);
	const char *cpu, *mem;
	struct fe_usage u = { 0 };
	uint64_t memsw;
	int r;

	if (!name_valid_str(name) || pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	r = buf_read_file(path, init, sizeof(init));
	for (size_t k = 0; r == 0 && k < nh; k++) {
		r = cgroup_payload(init, h[k].ctrl, h[k].base[0] ? h[k].base : NULL, name, rel,
				   sizeof(rel));
		if (r == 0)
			snprintf(dir[k], sizeof(dir[k]), "%s%s", h[k].mount, rel);
	}
	if (r < 0)
		return r;
	cpu = dir[only_v2 ? 0 : 1];
	mem = dir[only_v2 ? 0 : 2];
	u.processes = counter(dir[0], "pids.current", NULL);
	u.cpu_ns = only_v2 ? counter(cpu, "cpu.stat", "usage_usec ")
			   : counter(cpu, "cpuacct.usage", NULL);
	u.memory = counter(mem, only_v2 ? "memory.current" : "memory.usage_in_bytes", NULL);
	u.memory_peak = counter(mem, only_v2 ? "memory.peak" : "memory.max_usage_in_bytes", NULL);
	if (only_v2) {
		u.swap = counter(mem, "memory.swap.current", NULL);
	} else {
		memsw = counter(mem, "memory.memsw.usage_in_bytes", NULL);
		u.swap = memsw > u.memory ? memsw - u.memory : 0;
		memsw = counter(mem, "memory.memsw.max_usage_in_bytes", NULL);
		u.swap_peak = memsw > u.memory_peak ? memsw - u.memory_peak : 0;
	}
	*ret = u;
	return 0;
}
