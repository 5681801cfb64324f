/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A running container's usage counters (moatd-api, unprivileged): memory
 * and its peak, swap and its peak, CPU time and processes, for the state
 * that lxc info, lxc list and pylxd show, read from the files of its
 * payload cgroup, which any user may read. moatd only says the init's
 * pid (instance_state). The init's /proc/<pid>/cgroup is hostile text:
 * the container names its own sub-cgroups (fuzz/fuzz_usage.c).
 */
#ifndef MOAT_FE_MODEL_USAGE_H
#define MOAT_FE_MODEL_USAGE_H

#include <stddef.h>
#include <stdint.h>

struct fe_usage {
	uint64_t processes, cpu_ns, memory, memory_peak, swap, swap_peak;
};

/*
 * Once, before the API serves: moatd's own /proc/self/cgroup text (hello's
 * `cgroup`; "" when moatd sent none: then only liblxc's payload at the
 * root of a hierarchy is found), and whether the host is cgroup2 only.
 */
void fe_usage_init(const char *moatd_cgroup);
/* The counters of the running instance name, whose init is pid; < 0 (ret
 * untouched) when its payload cgroup is not where liblxc puts it. */
int fe_usage_read(const char *name, int pid, struct fe_usage *ret);

/* Pure, for the tests and the fuzz target: */

/* The path of text's first line "id:controllers:path" whose controllers
 * name ctrl ("" = cgroup2's empty list); -ENOENT when none, -EINVAL when
 * it is not absolute or does not fit in size. */
int fe_cgroup_line(const char *text, const char *ctrl, char *ret, size_t size);
/*
 * The payload directory of instance name for ctrl, as liblxc 5.0 names it:
 * "/lxc.payload.<name>" (escaped to the root) or base (moatd's own path of
 * ctrl; NULL when not known) and that, either with "-<n>" (1-999) when the
 * name was taken. The init's first line of ctrl picks which; it is the
 * answer only when every line of ctrl lies in it or below it. The answer
 * is built from base, name and n alone. -ESRCH when none fits.
 */
int fe_cgroup_payload(const char *text, const char *ctrl, const char *base, const char *name,
		      char *ret, size_t size);
/* A counter file's text as a number; with field ("usage_usec "), that
 * field of its "key value" lines, microseconds made nanoseconds. */
uint64_t fe_cgroup_number(const char *text, const char *field);

#endif
