/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny test harness for tests/unit, run by the test runner as whoever
 * runs the tests (no privilege needed; test_storage's checks run only as
 * root). One line per check, "ok - <what>"
 * or "not ok - <what>", so that the runner can count them; the binary
 * exits 1 if any check failed. Inputs are the tests' own tables.
 */
#ifndef MOAT_TEST_T_H
#define MOAT_TEST_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record one check; the description is a printf format. Returns ok. */
bool t_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a "# ..." diagnostic line (ignored by the runner). */
void t_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Render len bytes as printable ASCII for a description: printable bytes
 * as they are, anything else as \xNN. Always NUL-terminates ret.
 */
const char *t_escape(char *ret, size_t size, const void *data, size_t len);

#define T_ESC_MAX 300

#define CHECK(cond, ...) t_check(!!(cond), __VA_ARGS__)

/* The moat client's YAML of a document, malloc'ed (test_cli_format.c; for the cli suites). */
struct json_object;
char *t_yaml_of(struct json_object *o);

/* The suites, one per file (main.c says in which order they run). */
void test_name(void);
void test_acl(void);
void test_frame(void);
void test_policy(void);
void test_rawconf(void);
void test_decode(void);
void test_optable(void);
void test_ws(void);
void test_events(void);
void test_images(void);
void test_template(void);
void test_logs(void);
void test_storage(void);
void test_file_op(void);
void test_cgroup(void);
void test_usage(void);
void test_netaddr(void);
void test_json(void);
void test_config(void);
void test_config_limits(void);
void test_router(void);
void test_snapshots(void);
void test_object(void);
void test_profiles(void);
void test_networks_api(void);
void test_cli(void);
void test_cli_format(void);
void test_cli_verbs(void);
void test_cli_profiles(void);
void test_phcall(void);
void test_netlink(void);
void test_nic(void);

#endif
