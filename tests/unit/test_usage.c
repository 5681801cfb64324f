// SPDX-License-Identifier: Apache-2.0
/*
 * The frontend's reading of a container's counters (frontend/model/usage.c):
 * cgroup_line() and cgroup_payload() on /proc/<pid>/cgroup texts
 * (moatd's own, and a container init's, whose sub-cgroup names the
 * container chooses, newlines included), fe_cgroup_number() on counter
 * files, and fe_usage_read() refusing what is not a container's init.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "model/usage.h"
#include "t.h"

static const char hybrid[] = "9:name=systemd:/\n"
			     "8:pids:/\n"
			     "4:memory:/srv\n"
			     "2:cpu,cpuacct:/a/b\n"
			     "0::/\n";

static void test_line(void)
{
	char out[64];

	CHECK(cgroup_line(hybrid, "memory", out, sizeof(out)) == 0 && strcmp(out, "/srv") == 0,
	      "usage: memory's line gives /srv");
	CHECK(cgroup_line(hybrid, "cpuacct", out, sizeof(out)) == 0 && strcmp(out, "/a/b") == 0,
	      "usage: a joined hierarchy (cpu,cpuacct) is found by either name");
	CHECK(cgroup_line(hybrid, "cpu", out, sizeof(out)) == 0 && strcmp(out, "/a/b") == 0,
	      "usage: ... by its first name too");
	CHECK(cgroup_line(hybrid, "", out, sizeof(out)) == 0 && strcmp(out, "/") == 0,
	      "usage: \"\" finds the cgroup2 line");
	CHECK(cgroup_line(hybrid, "cpuset", out, sizeof(out)) == -ENOENT,
	      "usage: an absent controller is ENOENT");
	CHECK(cgroup_line(hybrid, "cpu,cpuacct", out, sizeof(out)) == -ENOENT,
	      "usage: a list is not a controller name");
	CHECK(cgroup_line(hybrid, "mem", out, sizeof(out)) == -ENOENT,
	      "usage: a prefix of a controller's name is not it");
	CHECK(cgroup_line("4:memory:relative\n", "memory", out, sizeof(out)) == -EINVAL,
	      "usage: a path that is not absolute is refused");
	CHECK(cgroup_line("4:memory:\n", "memory", out, sizeof(out)) == -EINVAL,
	      "usage: an empty path is refused");
	CHECK(cgroup_line("4:memory:/0123456789\n", "memory", out, 8) == -EINVAL,
	      "usage: a path longer than the buffer is refused, not cut");
	CHECK(cgroup_line("garbage\n4memory/\n::\n4:memory:/x", "memory", out, sizeof(out)) == 0 &&
		      strcmp(out, "/x") == 0,
	      "usage: malformed lines are skipped, a last line without a newline is read");
	CHECK(cgroup_line("", "memory", out, sizeof(out)) == -ENOENT, "usage: empty text");
}

static void test_payload(void)
{
	char out[256];

	CHECK(cgroup_payload("4:memory:/lxc.payload.c1\n", "memory", "/srv", "c1", out,
			     sizeof(out)) == 0 &&
		      strcmp(out, "/lxc.payload.c1") == 0,
	      "usage: escaped to the root: /lxc.payload.<name>");
	CHECK(cgroup_payload("4:memory:/lxc.payload.c1/init.scope\n", "memory", NULL, "c1", out,
			     sizeof(out)) == 0 &&
		      strcmp(out, "/lxc.payload.c1") == 0,
	      "usage: an init in its own sub-cgroup: the payload directory, not the sub-cgroup");
	CHECK(cgroup_payload("4:memory:/srv/lxc.payload.c1/x\n", "memory", "/srv", "c1", out,
			     sizeof(out)) == 0 &&
		      strcmp(out, "/srv/lxc.payload.c1") == 0,
	      "usage: below moatd's cgroup: <base>/lxc.payload.<name>");
	CHECK(cgroup_payload("4:memory:/srv/lxc.payload.c1\n", "memory", "/other", "c1", out,
			     sizeof(out)) == -ESRCH,
	      "usage: below a cgroup that is not moatd's: not found");
	CHECK(cgroup_payload("4:memory:/srv/lxc.payload.c1\n", "memory", NULL, "c1", out,
			     sizeof(out)) == -ESRCH,
	      "usage: below a cgroup when moatd's is not known: not found");
	CHECK(cgroup_payload("8:pids:/lxc.payload.c1-1\n", "pids", "/", "c1", out, sizeof(out)) ==
			      0 &&
		      strcmp(out, "/lxc.payload.c1-1") == 0,
	      "usage: liblxc's next name when the name was taken (-1)");
	CHECK(cgroup_payload("8:pids:/lxc.payload.c1-999/a\n", "pids", "/", "c1", out,
			     sizeof(out)) == 0 &&
		      strcmp(out, "/lxc.payload.c1-999") == 0,
	      "usage: ... up to -999, liblxc's last");
	CHECK(cgroup_payload("8:pids:/lxc.payload.c1-1000\n", "pids", "/", "c1", out,
			     sizeof(out)) == -ESRCH,
	      "usage: -1000 is not a name liblxc gives");
	CHECK(cgroup_payload("8:pids:/lxc.payload.c1-01\n", "pids", "/", "c1", out, sizeof(out)) ==
			      -ESRCH &&
		      cgroup_payload("8:pids:/lxc.payload.c1--1\n", "pids", "/", "c1", out,
				     sizeof(out)) == -ESRCH &&
		      cgroup_payload("8:pids:/lxc.payload.c1-\n", "pids", "/", "c1", out,
				     sizeof(out)) == -ESRCH &&
		      cgroup_payload("8:pids:/lxc.payload.c1-1x\n", "pids", "/", "c1", out,
				     sizeof(out)) == -ESRCH,
	      "usage: a leading zero, a sign, no digit or a tail after the number: not found");
	CHECK(cgroup_payload("8:pids:/lxc.payload.c10\n", "pids", "/", "c1", out, sizeof(out)) ==
		      -ESRCH,
	      "usage: another container whose name starts with ours: not found");
	CHECK(cgroup_payload("8:pids:/lxc.payload.c1\n", "memory", "/", "c1", out, sizeof(out)) ==
		      -ENOENT,
	      "usage: no line for the controller: not found");
	/* the container names a sub-cgroup "x\n4:memory:/lxc.payload.c1" in the
	 * systemd hierarchy, while its memory line says it is elsewhere */
	CHECK(cgroup_payload("9:name=systemd:/lxc.payload.c2/x\n4:memory:/lxc.payload.c1\n"
			     "4:memory:/elsewhere\n",
			     "memory", "/", "c1", out, sizeof(out)) == -ESRCH,
	      "usage: a forged second line for the controller fails the check");
	CHECK(cgroup_payload("4:memory:/lxc.payload.c1\n4:memory:/lxc.payload.c1/y\n", "memory",
			     "/", "c1", out, sizeof(out)) == 0,
	      "usage: every line within the directory passes");
	CHECK(cgroup_payload("0::/lxc.payload.c1/init.scope\n", "", "/", "c1", out, sizeof(out)) ==
			      0 &&
		      strcmp(out, "/lxc.payload.c1") == 0,
	      "usage: cgroup2's line is read the same way");
	CHECK(cgroup_payload("4:memory:/srv/lxc.payload.c1\n", "memory", "/srv", "c1", out, 10) ==
		      -ENAMETOOLONG,
	      "usage: an answer longer than the buffer is refused, not cut");
}

static void test_number(void)
{
	CHECK(fe_cgroup_number("401408\n", NULL) == 401408, "usage: a plain counter");
	CHECK(fe_cgroup_number("usage_usec 1500\nuser_usec 1000\n", "usage_usec ") == 1500000,
	      "usage: a \"key value\" field, microseconds made nanoseconds");
	CHECK(fe_cgroup_number("user_usec 1000\n", "usage_usec ") == 0,
	      "usage: an absent field is 0");
}

static void test_read(void)
{
	struct fe_usage u = { .processes = 42 };

	fe_usage_init("");
	CHECK(fe_usage_read("c1", getpid(), &u) < 0 && u.processes == 42,
	      "usage: a process outside any payload cgroup is refused, the output untouched");
	CHECK(fe_usage_read("../c1", getpid(), &u) == -EINVAL &&
		      fe_usage_read("c1", 0, &u) == -EINVAL,
	      "usage: a name that is not an instance's, or no pid, is EINVAL");
}

void test_usage(void)
{
	test_line();
	test_payload();
	test_number();
	test_read();
}
