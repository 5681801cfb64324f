// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for fe_exec_log_name_valid() (frontend/api/logs.c): the only
 * names GET and DELETE .../logs/<file> reach in the frontend's own logs
 * directory; and for making and removing that directory, in a temporary
 * one. Run by the test runner with no privilege; inputs are the table
 * below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/instances.h"
#include "t.h"

/* fe_exec_log_create() and fe_instance_logs_remove() in a temporary $MOAT_DIR. */
static void test_logs_dir(void)
{
	char dir[] = "/tmp/moat-unit-logs.XXXXXX", path[256];
	char *saved = fe_srv.dir;
	struct stat st;
	int fd = -1;

	if (!CHECK(mkdtemp(dir) != NULL, "logs: a temporary directory"))
		return;
	fe_srv.dir = dir;
	snprintf(path, sizeof(path), "%s/logs", dir);
	CHECK(fe_exec_log_create("c1", "exec_a.stdout", &fd) < 0,
	      "logs: nothing is created while logs/ is missing");
	mkdir(path, 0700);
	CHECK(fe_exec_log_create("c1", "exec_a.log", &fd) == -EINVAL,
	      "logs: a bad file name is refused");
	CHECK(fe_exec_log_create("../c1", "exec_a.stdout", &fd) == -EINVAL,
	      "logs: a bad instance name is refused");
	if (CHECK(fe_exec_log_create("c1", "exec_a.stdout", &fd) == 0,
		  "logs: create exec_a.stdout")) {
		CHECK(write(fd, "x", 1) == 1, "logs: it is writable");
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/logs/c1", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700, "logs: logs/c1 is made 0700");
	snprintf(path, sizeof(path), "%s/logs/c1/exec_a.stdout", dir);
	CHECK(stat(path, &st) == 0 && st.st_size == 1 && (st.st_mode & 07777) == 0600,
	      "logs: the file is there, 0600");
	fe_instance_logs_remove("c1");
	snprintf(path, sizeof(path), "%s/logs/c1", dir);
	CHECK(stat(path, &st) < 0 && errno == ENOENT,
	      "logs: fe_instance_logs_remove removes logs/c1");
	fe_instance_logs_remove("c1"); /* nothing left: a no-op */
	snprintf(path, sizeof(path), "%s/logs", dir);
	rmdir(path);
	rmdir(dir);
	fe_srv.dir = saved;
}

void test_logs(void)
{
	static const struct {
		const char *s;
		bool valid;
	} cases[] = {
		/* good */
		{ "exec_0f5c1a2e-8d1b-4c3e-9f00-123456789abc.stdout", true },
		{ "exec_0f5c1a2e-8d1b-4c3e-9f00-123456789abc.stderr", true },
		{ "exec_a.stdout", true },
		{ "exec_-.stderr", true },
		{ "exec_ABC-xyz-09.stdout", true },
		/* bad */
		{ "", false },
		{ "lxc.log", false },
		{ "lxc.conf", false },
		{ "exec_", false },
		{ "exec_.stdout", false },
		{ "exec_a.log", false },
		{ "exec_a.stdin", false },
		{ "exec_a.stdout.stderr", false },
		{ "exec_a.stdoutx", false },
		{ "exec_a.Stdout", false },
		{ "Exec_a.stdout", false },
		{ "xexec_a.stdout", false },
		{ "exec_../x.stdout", false },
		{ "exec_..stdout", false },
		{ "exec_a/b.stdout", false },
		{ "exec_a_b.stdout", false },
		{ "exec_a b.stdout", false },
		{ "exec_a%2f.stdout", false },
		{ "exec_a\n.stdout", false },
		{ "exec_\xc3\xa9.stdout", false },
		{ ".stdout", false },
		{ "stdout", false },
	};
	char esc[T_ESC_MAX], buf[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(fe_exec_log_name_valid(cases[i].s) == cases[i].valid,
		      "fe_exec_log_name_valid(\"%s\") is %s",
		      t_escape(esc, sizeof(esc), cases[i].s, strlen(cases[i].s)),
		      cases[i].valid ? "true" : "false");
	CHECK(!fe_exec_log_name_valid(NULL), "fe_exec_log_name_valid(NULL) is false");

	/* the id is FE_EXEC_LOG_ID_MAX characters at most */
	memcpy(buf, "exec_", 5);
	memset(buf + 5, 'a', FE_EXEC_LOG_ID_MAX);
	memcpy(buf + 5 + FE_EXEC_LOG_ID_MAX, ".stdout", 8);
	CHECK(fe_exec_log_name_valid(buf), "an id of FE_EXEC_LOG_ID_MAX characters is valid");
	memset(buf + 5, 'a', FE_EXEC_LOG_ID_MAX + 1);
	memcpy(buf + 5 + FE_EXEC_LOG_ID_MAX + 1, ".stdout", 8);
	CHECK(!fe_exec_log_name_valid(buf), "an id one character longer is not");

	test_logs_dir();
}
