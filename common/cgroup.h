/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where liblxc 5.0 put a container's payload cgroup, from /proc/<pid>/cgroup
 * texts: shared by moatd (limits.c's live writes, through cgroup.c) and
 * moatd-api (the usage counters, model/usage.c), which find the same
 * directories by the same rules. Pure. The init's text is hostile: the
 * container names its own sub-cgroups, newlines included (fuzz/fuzz_cgroup.c,
 * fuzz/fuzz_usage.c). The answer is built from the caller's base, the name
 * and a number alone; a forged line can only make it fail.
 */
#ifndef MOAT_CGROUP_H
#define MOAT_CGROUP_H

#include <stddef.h>

/* The path of text's first line "id:controllers:path" whose controllers
 * name ctrl ("" = cgroup2's empty list); -ENOENT when none, -EINVAL when
 * it is not absolute or does not fit in size. */
int cgroup_line(const char *text, const char *ctrl, char *ret, size_t size);
/*
 * The payload directory of instance name for ctrl, as liblxc 5.0 names it:
 * "/lxc.payload.<name>" (escaped to the root) or base (the starting
 * daemon's own path of ctrl, moatd's; NULL when not known) and that, either
 * with "-<n>" (1-999) when the name was taken. The init's first line of
 * ctrl picks which; it is the answer only when every line of ctrl lies in
 * it or below it. -ESRCH when none fits.
 */
int cgroup_payload(const char *text, const char *ctrl, const char *base, const char *name,
		   char *ret, size_t size);

#endif
