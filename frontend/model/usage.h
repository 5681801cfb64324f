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

/* Pure, for the tests and the fuzz target (where the payload is: common/cgroup.h). */
/* A counter file's text as a number; with field ("usage_usec "), that
 * field of its "key value" lines, microseconds made nanoseconds. */
uint64_t fe_cgroup_number(const char *text, const char *field);

#endif
