// SPDX-License-Identifier: Apache-2.0
/*
 * cgroup_line() and cgroup_payload() (common/cgroup.c, which moatd's
 * privhelper/cgroup.c uses) on /proc/<pid>/cgroup texts: moatd's own, and a
 * container init's, whose sub-cgroup names the container chooses (newlines
 * included).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cgroup.h"
#include "t.h"

static const char hybrid[] = "9:name=systemd:/\n"
			     "8:pids:/\n"
			     "4:memory:/srv\n"
			     "2:cpu,cpuacct:/a/b\n"
			     "0::/\n";

static void test_path(void)
{
	char out[64];

	CHECK(cgroup_line(hybrid, "memory", out, sizeof(out)) == 0 && strcmp(out, "/srv") == 0,
	      "cgroup: memory's line gives /srv");
	CHECK(cgroup_line(hybrid, "cpuacct", out, sizeof(out)) == 0 && strcmp(out, "/a/b") == 0,
	      "cgroup: a joined hierarchy (cpu,cpuacct) is found by either name");
	CHECK(cgroup_line(hybrid, "", out, sizeof(out)) == 0 && strcmp(out, "/") == 0,
	      "cgroup: \"\" finds the cgroup2 line");
	CHECK(cgroup_line(hybrid, "cpuset", out, sizeof(out)) == -ENOENT,
	      "cgroup: an absent controller is ENOENT");
	CHECK(cgroup_line(hybrid, "name=systemd", out, sizeof(out)) == 0,
	      "cgroup: a named hierarchy is found");
	CHECK(cgroup_line(hybrid, "cpu,cpuacct", out, sizeof(out)) == -ENOENT,
	      "cgroup: a list is not a controller name");
	CHECK(cgroup_line("4:memory:relative\n", "memory", out, sizeof(out)) == -EINVAL,
	      "cgroup: a path that is not absolute is refused");
	CHECK(cgroup_line("4:memory:/0123456789\n", "memory", out, 8) == -EINVAL,
	      "cgroup: a path longer than the buffer is refused, not cut");
	CHECK(cgroup_line("garbage\n4memory/\n::\n", "memory", out, sizeof(out)) == -ENOENT,
	      "cgroup: malformed lines are skipped");
	CHECK(cgroup_line("", "memory", out, sizeof(out)) == -ENOENT, "cgroup: empty text");
}

/* Is the payload moatd finds for c1 (no base: liblxc escaped to the root) dir? */
static bool within(const char *text, const char *ctrl, const char *dir)
{
	char out[256];

	return cgroup_payload(text, ctrl, NULL, "c1", out, sizeof(out)) == 0 &&
	       strcmp(out, dir) == 0;
}

static void test_within(void)
{
	const char *dir = "/lxc.payload.c1";

	CHECK(within("4:memory:/lxc.payload.c1\n", "memory", dir),
	      "cgroup: init in the payload cgroup is within it");
	CHECK(within("4:memory:/lxc.payload.c1/init.scope\n", "memory", dir),
	      "cgroup: init in a sub-cgroup is within it");
	CHECK(!within("4:memory:/lxc.payload.c1-1\n", "memory", dir),
	      "cgroup: a sibling that shares the prefix is not within it");
	CHECK(!within("4:memory:/lxc.payload.c10/x\n", "memory", dir),
	      "cgroup: another container's cgroup is not within it");
	CHECK(!within("8:pids:/lxc.payload.c1\n", "memory", dir),
	      "cgroup: no line for the controller is not within it");
	/* the container names a sub-cgroup "x\n4:memory:/lxc.payload.c1" in the
	 * systemd hierarchy, while its memory line says it is elsewhere */
	CHECK(!within("9:name=systemd:/lxc.payload.c2/x\n4:memory:/lxc.payload.c1\n"
		      "4:memory:/lxc.payload.c2\n",
		      "memory", dir),
	      "cgroup: a forged line cannot outvote the real one");
	CHECK(!within("4:memory:/lxc.payload.c1\n4:memory:/elsewhere\n", "memory", dir),
	      "cgroup: every line of the controller must agree");
	CHECK(within("0::/lxc.payload.c1/init.scope\n", "", dir),
	      "cgroup: cgroup2's line is checked the same way");
}

void test_cgroup(void)
{
	test_path();
	test_within();
}
