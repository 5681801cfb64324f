// SPDX-License-Identifier: Apache-2.0
/*
 * The unit test binary (build/tests/unit): runs every suite and reports.
 * Run by the test runner, unprivileged or as root alike; it touches no
 * state outside its own socketpairs, pipes and temporary files. Inputs are
 * the tests' own tables, so nothing here is untrusted.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

static unsigned t_passed, t_failed;

bool t_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		t_passed++;
	else
		t_failed++;
	return ok;
}

void t_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *t_escape(char *ret, size_t size, const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = data;
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < size; i++) {
		if (p[i] >= 0x21 && p[i] < 0x7f && p[i] != '\\') {
			ret[o++] = (char)p[i];
		} else {
			ret[o++] = '\\';
			ret[o++] = 'x';
			ret[o++] = hex[p[i] >> 4];
			ret[o++] = hex[p[i] & 0xf];
		}
	}
	if (size > 0)
		ret[o < size ? o : size - 1] = '\0';
	return ret;
}

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction crash_old[sizeof(crash_signals) / sizeof(crash_signals[0])];

/*
 * A crash must still count as a failure for the runner: print one
 * "not ok" line, then hand the signal to whoever had it before (the
 * default action, or ASan's report), which runs when the fault recurs.
 */
static void on_crash(int sig)
{
	static const char msg[] = "not ok - unit: the tests crashed (fatal signal)\n";

	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
}

int main(void)
{
	struct sigaction sa;

	/* A peer that went away must show up as EPIPE, not kill the tests. */
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &sa, &crash_old[i]);

	/* the op table first: a broken table would crash the decode tests */
	test_optable();
	test_name();
	test_frame();
	test_policy();
	test_decode();
	test_ws();
	test_events();
	test_images();
	test_template();
	test_logs();
	test_storage();
	test_file_op();
	test_cgroup();
	test_usage();
	test_netaddr();
	test_json();
	test_config();
	test_config_limits();
	test_rawconf();
	test_router();
	test_snapshots();
	test_object();
	test_profiles();
	test_acl();
	test_networks_api();
	test_cli();
	test_cli_format();
	test_cli_verbs();
	test_cli_profiles();
	/* last: it starts the frontend's channel, which stays for good */
	test_phcall();
	test_netlink();
	test_nic();

	printf("# unit: %u passed, %u failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}
