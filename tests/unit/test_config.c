// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the config schema (frontend/model/config.c, devices.c):
 * the tables themselves (every row has a validator, names in order,
 * gates and setters where they belong), each validator of the vocabulary
 * with good and bad values, the keys with today's messages, prefix rows,
 * live-update flags, expansion from profiles, the start request's
 * mapping, device types, the bool that security.protection.delete reads,
 * and the policy gate (fe_srv.policy set by hand). Pure: no database, no
 * daemon; inputs are the tests' own tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "model/config.h"
#include "model/instances.h"
#include "t.h"

static json_object *parse(const char *json)
{
	json_object *o = json_tokener_parse(json);

	if (!o)
		t_note("bad test JSON: %s", json);
	return o;
}

/* ---- the tables ------------------------------------------------------------------ */

static void test_rows(void)
{
	static const char *const with_setter[] = {
		"limits.cpu",
		"limits.cpu.allowance",
		"limits.cpu.priority",
		"limits.hugepages.1GB",
		"limits.hugepages.1MB",
		"limits.hugepages.2MB",
		"limits.hugepages.64KB",
		"limits.memory",
		"limits.memory.enforce",
		"limits.memory.swap",
		"limits.memory.swap.priority",
		"limits.processes",
		"linux.kernel_modules",
		"raw.idmap",
		"raw.lxc",
		"raw.seccomp",
		"security.idmap.base",
		"security.idmap.isolated",
		"security.idmap.size",
		"security.nesting",
		"security.privileged",
		"security.syscalls.allow",
		"security.syscalls.deny",
		"security.syscalls.deny_default",
	};
	size_t setters = 0;
	bool ok = true, sorted = true, prefixes = true, gates = true;

	CHECK(fe_config_nkeys >= 15, "config: the table has its %zu rows", fe_config_nkeys);
	for (size_t k = 0; k < fe_config_nkeys; k++) {
		const struct fe_key *row = &fe_config_keys[k];
		size_t n = strlen(row->name);

		if (!row->value.parse || !row->value.why || !*row->value.why) {
			ok = false;
			t_note("row %s has no validator", row->name);
		}
		if (row->suffix && (!row->suffix->parse || !row->suffix->why))
			ok = false;
		if (k > 0 && strcmp(fe_config_keys[k - 1].name, row->name) >= 0)
			sorted = false;
		if (!!(row->flags & FE_KEY_PREFIX) != (n > 0 && row->name[n - 1] == '.') ||
		    (row->suffix && !(row->flags & FE_KEY_PREFIX)))
			prefixes = false;
		if (row->gate != FE_GATE_NONE && (!row->forbidden || !*row->forbidden))
			gates = false;
		if (row->set)
			setters++;
		if (fe_config_key(row->name) != row)
			ok = false;
	}
	CHECK(ok, "config: every row has a validator (and its reason), and is found by its name");
	CHECK(sorted, "config: the rows are in name order, each name once");
	CHECK(prefixes, "config: exactly the rows named \"x.\" are prefix rows");
	CHECK(gates, "config: gated rows have LXD's refusal");
	CHECK(setters == sizeof(with_setter) / sizeof(with_setter[0]),
	      "config: %zu rows reach the start request", setters);
	for (size_t k = 0; k < sizeof(with_setter) / sizeof(with_setter[0]); k++) {
		const struct fe_key *row = fe_config_key(with_setter[k]);

		CHECK(row && row->set, "config: %s has a setter", with_setter[k]);
	}
	CHECK(fe_config_key("security.privileged")->gate == FE_GATE_PRIVILEGED &&
		      fe_config_key("security.nesting")->gate == FE_GATE_NESTING &&
		      fe_config_key("limits.memory")->gate == FE_GATE_NONE,
	      "config: security.privileged and security.nesting are the gated keys");

	ok = true;
	sorted = true;
	for (size_t k = 0; k < fe_device_ntypes; k++) {
		const struct fe_device_type *t = &fe_device_types[k];

		if (k > 0 && strcmp(fe_device_types[k - 1].name, t->name) >= 0)
			sorted = false;
		if (!t->keys || fe_device_type(t->name) != t ||
		    (t->gate != FE_GATE_NONE && !t->forbidden))
			ok = false;
		for (const struct fe_key *row = t->keys; row && row->name; row++)
			if (!row->value.parse || !row->value.why || row->set ||
			    row->gate != FE_GATE_NONE)
				ok = false;
		for (const struct fe_key *row = t->keys; row && row->name; row++)
			if ((row->flags & FE_KEY_REQUIRED) && !t->why)
				ok = false;
	}
	CHECK(ok, "devices: every type has rows, each with a validator; gates say why");
	CHECK(sorted, "devices: the types are in name order, each once");
	CHECK(fe_device_type("disk") && !fe_device_type("disk")->unsupported &&
		      fe_device_type("none") && !fe_device_type("none")->unsupported,
	      "devices: disk and none are supported");
	CHECK(fe_device_type("nic") && !fe_device_type("nic")->unsupported &&
		      fe_device_type("unix-char") && !fe_device_type("unix-char")->unsupported &&
		      fe_device_type("unix-block") && !fe_device_type("unix-block")->unsupported,
	      "devices: nic (validated only), unix-char and unix-block are accepted");
	CHECK(fe_device_type("unix-char")->gate == FE_GATE_UNIX_DEVICES &&
		      fe_device_type("unix-block")->gate == FE_GATE_UNIX_DEVICES,
	      "devices: unix devices need allow_unix_devices");
	CHECK(!fe_device_type("gpu") && !fe_device_type("Disk") && !fe_device_type(""),
	      "devices: other names are no type");
}

/* ---- the vocabulary -------------------------------------------------------------- */

struct vcase {
	const struct fe_valid *v;
	const char *vname;
	const char *in;
	bool ok;
	uint64_t u; /* when ok: the number (bytes, count) */
	bool b;     /* when ok: the bool */
};

static void test_vocabulary(void)
{
	static const char *const colours[] = { "red", "green", NULL };
	static const struct fe_valid b = FE_BOOL("b"), u = FE_UINT(2, 10, "u"),
				     u0 = FE_UINT(0, UINT64_MAX, "u0"), by = FE_BYTES(4096, "by"),
				     by0 = FE_BYTES(0, "by0"), c = FE_CPUS(8, "c"),
				     e = FE_ENUM(colours, "e"), s = FE_STRING(3, "s"),
				     env = FE_ENV_NAME("env"), no = FE_ABSENT("no");
	const struct vcase cases[] = {
		{ &b, "bool", "true", true, 0, true },
		{ &b, "bool", "TRUE", true, 0, true },
		{ &b, "bool", "Yes", true, 0, true },
		{ &b, "bool", "oN", true, 0, true },
		{ &b, "bool", "1", true, 0, true },
		{ &b, "bool", "false", true, 0, false },
		{ &b, "bool", "No", true, 0, false },
		{ &b, "bool", "OFF", true, 0, false },
		{ &b, "bool", "0", true, 0, false },
		{ &b, "bool", "", false, 0, false },
		{ &b, "bool", "2", false, 0, false },
		{ &b, "bool", "tru", false, 0, false },
		{ &b, "bool", "truee", false, 0, false },
		{ &b, "bool", " true", false, 0, false },
		{ &b, "bool", "y", false, 0, false },
		{ &b, "bool", "enabled", false, 0, false },
		{ &u, "uint 2-10", "2", true, 2, false },
		{ &u, "uint 2-10", "10", true, 10, false },
		{ &u, "uint 2-10", "007", true, 7, false },
		{ &u, "uint 2-10", "1", false, 0, false },
		{ &u, "uint 2-10", "11", false, 0, false },
		{ &u, "uint 2-10", "", false, 0, false },
		{ &u, "uint 2-10", "-5", false, 0, false },
		{ &u, "uint 2-10", "+5", false, 0, false },
		{ &u, "uint 2-10", " 5", false, 0, false },
		{ &u, "uint 2-10", "5 ", false, 0, false },
		{ &u, "uint 2-10", "5x", false, 0, false },
		{ &u, "uint 2-10", "0x5", false, 0, false },
		{ &u, "uint 2-10", "5.0", false, 0, false },
		{ &u0, "uint any", "18446744073709551615", true, UINT64_MAX, false },
		{ &u0, "uint any", "18446744073709551616", false, 0, false },
		{ &u0, "uint any", "99999999999999999999", false, 0, false },
		{ &by, "bytes >=4096", "4096", true, 4096, false },
		{ &by, "bytes >=4096", "4096B", true, 4096, false },
		{ &by, "bytes >=4096", "4095", false, 0, false },
		{ &by, "bytes >=4096", "4kB", false, 0, false },
		{ &by, "bytes >=4096", "5kB", true, 5000, false },
		{ &by, "bytes >=4096", "4KiB", true, 4096, false },
		{ &by, "bytes >=4096", "512MiB", true, 512ULL << 20, false },
		{ &by, "bytes >=4096", "2MB", true, 2000000, false },
		{ &by, "bytes >=4096", "1GB", true, 1000000000, false },
		{ &by, "bytes >=4096", "1GiB", true, 1ULL << 30, false },
		{ &by, "bytes >=4096", "3TB", true, 3000000000000ULL, false },
		{ &by, "bytes >=4096", "1TiB", true, 1ULL << 40, false },
		{ &by, "bytes >=4096", "1PiB", false, 0, false },
		{ &by, "bytes >=4096", "1gib", false, 0, false },
		{ &by, "bytes >=4096", "1 GiB", false, 0, false },
		{ &by, "bytes >=4096", "1.5GiB", false, 0, false },
		{ &by, "bytes >=4096", "GiB", false, 0, false },
		{ &by, "bytes >=4096", "", false, 0, false },
		{ &by, "bytes >=4096", "-1GiB", false, 0, false },
		{ &by, "bytes >=4096", "50%", false, 0, false },
		{ &by, "bytes >=4096", "lots", false, 0, false },
		{ &by0, "bytes", "0", true, 0, false },
		{ &by0, "bytes", "17179869183GiB", true, 17179869183ULL << 30, false },
		{ &by0, "bytes", "17179869184GiB", false, 0, false },
		{ &by0, "bytes", "18446744073709551615B", true, UINT64_MAX, false },
		{ &c, "cpus <=8", "1", true, 1, false },
		{ &c, "cpus <=8", "8", true, 8, false },
		{ &c, "cpus <=8", "0", false, 0, false },
		{ &c, "cpus <=8", "9", false, 0, false },
		{ &c, "cpus <=8", "0-3", false, 0, false },
		{ &c, "cpus <=8", "1,2", false, 0, false },
		{ &c, "cpus <=8", "", false, 0, false },
		{ &e, "enum", "red", true, 0, true },
		{ &e, "enum", "green", true, 1, true },
		{ &e, "enum", "Red", false, 0, false },
		{ &e, "enum", "blue", false, 0, false },
		{ &e, "enum", "", false, 0, false },
		{ &s, "string <=3", "", true, 0, false },
		{ &s, "string <=3", "abc", true, 3, false },
		{ &s, "string <=3", "abcd", false, 0, false },
		{ &env, "env name", "A", true, 0, true },
		{ &env, "env name", "_x1", true, 0, true },
		{ &env, "env name", "PATH", true, 0, true },
		{ &env, "env name", "a1_B", true, 0, true },
		{ &env, "env name", "", false, 0, false },
		{ &env, "env name", "1A", false, 0, false },
		{ &env, "env name", "A-B", false, 0, false },
		{ &env, "env name", "A B", false, 0, false },
		{ &env, "env name", "A=B", false, 0, false },
		{ &env, "env name", "A\nlxc.rootfs.path", false, 0, false },
		{ &env, "env name", "\xc3\xa9", false, 0, false },
		{ &no, "absent", "", false, 0, false },
		{ &no, "absent", "x", false, 0, false },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct vcase *x = &cases[k];
		struct fe_value v = { .s = NULL, .b = !x->b, .u = x->u + 1 };
		char esc[T_ESC_MAX];
		int r = x->v->parse(x->v, x->in, &v);

		t_escape(esc, sizeof(esc), x->in, strlen(x->in));
		if (x->ok)
			CHECK(r == 0 && v.s == x->in && v.u == x->u &&
				      (x->v->parse != fe_parse_bool || v.b == x->b),
			      "vocabulary: %s takes \"%s\" as %llu%s", x->vname, esc,
			      (unsigned long long)x->u,
			      x->v->parse == fe_parse_bool ? (x->b ? " (true)" : " (false)") : "");
		else
			CHECK(r == -EINVAL && v.s == NULL && v.u == x->u + 1,
			      "vocabulary: %s refuses \"%s\" (and leaves the value alone)",
			      x->vname, esc);
	}
	CHECK(fe_env_name_valid("HOME") && !fe_env_name_valid("9") && !fe_env_name_valid(""),
	      "vocabulary: the environment-name rule on its own");
}

/* ---- keys, with today's messages ---------------------------------------------------- */

struct kcase {
	const char *key, *value;
	const char *error; /* NULL: accepted; else the whole message */
};

#define MEMORY_WHY                                                                                 \
	"Invalid config: must be a size such as 512MiB or a percentage of the host's memory such " \
	"as 50%: \"limits.memory\""
#define CPU_WHY                                                                                    \
	"Invalid config: must be a number of CPUs or a set such as 0-1,3 (each CPU once): "        \
	"\"limits.cpu\""

static void test_keys(void)
{
	static const struct fe_policy none = { 0 };
	char long_ok[FE_KEY_MAX + 1], long_bad[FE_KEY_MAX + 2];
	const struct kcase cases[] = {
		{ "user.greeting", "hello", NULL },
		{ "user.", "", NULL },
		{ "user.x", "any\nthing at all", NULL },
		{ "image.os", "busybox", NULL },
		{ "volatile.base_image", "abc", NULL },
		{ "environment.HOME", "/root", NULL },
		{ "environment._A1", "", NULL },
		{ "environment.A", "x\nlxc.rootfs.path = /", NULL },
		{ "limits.memory", "256MiB", NULL },
		{ "limits.memory", "", NULL },
		{ "limits.memory", "4096", NULL },
		{ "limits.cpu", "2", NULL },
		{ "limits.cpu", "4096", NULL },
		{ "limits.processes", "4194304", NULL },
		{ "security.privileged", "true", NULL },
		{ "security.privileged", "", NULL },
		{ "security.nesting", "on", NULL },
		{ "security.protection.delete", "yes", NULL },
		{ "security.protection.delete", "NO", NULL },
		{ "boot.autostart", "1", NULL },
		{ "boot.autostart.delay", "0", NULL },
		{ "boot.autostart.priority", "1000000", NULL },
		{ "boot.host_shutdown_timeout", "30", NULL },
		{ "boot.stop.priority", "5", NULL },
		{ long_ok, "x", NULL },
		{ "nonsense.key", "x",
		  "Invalid config: Unknown configuration key: \"nonsense.key\"" },
		{ "raw.lxc", "lxc.rootfs.path = /",
		  "Invalid config: Setting this key is not allowed (moat passes on only the raw.lxc "
		  "keys of its list): lxc.rootfs.path: \"raw.lxc\"" },
		{ "raw.lxc", "lxc.include = /etc/x",
		  "Invalid config: Setting lxc.include is not allowed: lxc.include: \"raw.lxc\"" },
		{ "raw.seccomp", "1\ndenylist\n",
		  "Invalid config: Invalid raw.seccomp, line 1: the first line must be \"2\": "
		  "\"raw.seccomp\"" },
		{ "users.x", "1", "Invalid config: Unknown configuration key: \"users.x\"" },
		{ "user", "1", "Invalid config: Unknown configuration key: \"user\"" },
		{ "environment", "1",
		  "Invalid config: Unknown configuration key: \"environment\"" },
		{ "Security.privileged", "true",
		  "Invalid config: Unknown configuration key: \"Security.privileged\"" },
		{ "x\nlxc.rootfs.path", "/",
		  "Invalid config: Unknown configuration key: \"x\nlxc.rootfs.path\"" },
		{ "limits.memory", "lots", MEMORY_WHY },
		{ "limits.memory", "4095", MEMORY_WHY },
		{ "limits.memory", "50%", NULL },
		{ "limits.cpu", "0", CPU_WHY },
		{ "limits.cpu", "4097", CPU_WHY },
		{ "limits.cpu", "0-3", NULL },
		{ "limits.cpu", "0-3,3", CPU_WHY },
		{ "limits.processes", "0",
		  "Invalid config: must be a number: \"limits.processes\"" },
		{ "limits.processes", "4194305",
		  "Invalid config: must be a number: \"limits.processes\"" },
		{ "boot.autostart.delay", "1000001",
		  "Invalid config: must be a number: \"boot.autostart.delay\"" },
		{ "boot.stop.priority", "-1",
		  "Invalid config: must be a number: \"boot.stop.priority\"" },
		{ "security.privileged", "maybe",
		  "Invalid config: must be a boolean: \"security.privileged\"" },
		{ "security.nesting", "2",
		  "Invalid config: must be a boolean: \"security.nesting\"" },
		{ "security.protection.delete", "y",
		  "Invalid config: must be a boolean: \"security.protection.delete\"" },
		{ "boot.autostart", "enabled",
		  "Invalid config: must be a boolean: \"boot.autostart\"" },
		{ "environment.1A", "x",
		  "Invalid config: environment variable names are letters, digits and _: "
		  "\"environment.1A\"" },
		{ "environment.", "x",
		  "Invalid config: environment variable names are letters, digits and _: "
		  "\"environment.\"" },
		{ "environment.A\nlxc.rootfs.path", "/",
		  "Invalid config: environment variable names are letters, digits and _: "
		  "\"environment.A\nlxc.rootfs.path\"" },
		{ long_bad, "x", NULL /* filled below */ },
	};
	char want_long[FE_ERR_MAX];

	memset(long_ok, 'a', sizeof(long_ok) - 1);
	memcpy(long_ok, "user.", 5);
	long_ok[sizeof(long_ok) - 1] = '\0';
	memset(long_bad, 'b', sizeof(long_bad) - 1);
	memcpy(long_bad, "image.", 6);
	long_bad[sizeof(long_bad) - 1] = '\0';
	snprintf(want_long, sizeof(want_long), "Invalid config: key too long: \"%.100s\"",
		 long_bad);

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct kcase *x = &cases[k];
		const char *want = x->key == long_bad ? want_long : x->error;
		char err[FE_ERR_MAX] = "", esc[T_ESC_MAX], vesc[T_ESC_MAX];
		int r = fe_config_check_one(x->key, x->value, &none, err);

		t_escape(esc, 80, x->key, strlen(x->key));
		t_escape(vesc, 80, x->value, strlen(x->value));
		if (!want)
			CHECK(r == 0, "keys: %s=\"%s\" is accepted%s%s", esc, vesc, r ? ": " : "",
			      err);
		else
			CHECK(r == -EINVAL && strcmp(err, want) == 0,
			      "keys: %s=\"%s\" is refused: %s", esc, vesc, err);
	}

	/* the object as a client sends it */
	{
		json_object *c = parse("{\"user.a\":\"1\",\"limits.cpu\":2}");
		char err[FE_ERR_MAX] = "";

		CHECK(fe_check_config(c, err) == -EINVAL &&
			      strcmp(err, "Invalid config: the value of \"limits.cpu\" must be a "
					  "string") == 0,
		      "keys: a value that is not a string is refused: %s", err);
		json_object_put(c);
		c = parse("{\"user.a\":\"1\",\"limits.cpu\":\"2\",\"security.nesting\":\"\"}");
		CHECK(fe_check_config(c, err) == 0, "keys: a whole config object passes");
		json_object_put(c);
		CHECK(fe_check_config(NULL, err) == 0, "keys: no config object passes");
	}
}

/* ---- live update, profiles ------------------------------------------------------------ */

static void test_flags(void)
{
	static const struct {
		const char *key;
		bool live, from_profile;
	} cases[] = {
		{ "user.anything", true, true },
		{ "environment.HOME", true, true },
		{ "security.protection.delete", true, true },
		{ "boot.autostart", true, true },
		{ "security.privileged", false, true },
		{ "security.nesting", false, true },
		{ "limits.memory", true, true },
		{ "limits.cpu", true, true },
		{ "limits.processes", true, true },
		{ "volatile.last_state.power", true, false },
		{ "image.os", true, false },
		{ "nonsense.key", false, true },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		CHECK(fe_config_live(cases[k].key) == cases[k].live,
		      "flags: %s can%s change on a running instance", cases[k].key,
		      cases[k].live ? "" : "not");
		CHECK(fe_config_from_profile(cases[k].key) == cases[k].from_profile,
		      "flags: %s can%s come from a profile", cases[k].key,
		      cases[k].from_profile ? "" : "not");
	}
}

/* Profiles merge under the instance's own keys; volatile.* and image.* stay the instance's. */
static void test_expansion(void)
{
	struct fe_instance i = { .name = "c1" };
	json_object *profiles = parse(
		"{\"p\":{\"config\":{\"user.a\":\"from p\",\"user.b\":\"from p\","
		"\"volatile.base_image\":\"evil\",\"volatile.apply_template\":\"create\","
		"\"image.os\":\"evil\",\"limits.cpu\":\"2\"},"
		"\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\"}}}}");
	json_object *xc = NULL, *xd = NULL, *v;

	i.config = parse("{\"user.b\":\"own\",\"volatile.base_image\":\"abc\"}");
	i.devices = json_object_new_object();
	i.profiles = parse("[\"p\"]");
	i.description = strdup("");
	fe_instance_expand_with(&i, profiles, &xc, &xd);
	CHECK(json_object_object_get_ex(xc, "user.a", &v) &&
		      strcmp(json_object_get_string(v), "from p") == 0 &&
		      json_object_object_get_ex(xc, "limits.cpu", &v),
	      "expansion: a profile's keys reach the instance");
	CHECK(json_object_object_get_ex(xc, "user.b", &v) &&
		      strcmp(json_object_get_string(v), "own") == 0,
	      "expansion: the instance's own key wins");
	CHECK(json_object_object_get_ex(xc, "volatile.base_image", &v) &&
		      strcmp(json_object_get_string(v), "abc") == 0,
	      "expansion: a profile's volatile.* key does not replace the instance's");
	CHECK(!json_object_object_get_ex(xc, "volatile.apply_template", NULL) &&
		      !json_object_object_get_ex(xc, "image.os", NULL),
	      "expansion: a profile's volatile.* and image.* keys are not taken");
	CHECK(json_object_object_get_ex(xd, "root", NULL),
	      "expansion: a profile's devices are taken");
	json_object_put(xc);
	json_object_put(xd);
	json_object_put(profiles);
	fe_instance_free(&i);
}

/* exec's environment: the environment.NAME keys of the expanded config, nothing else. */
static void test_environment(void)
{
	json_object *x = parse("{\"environment.HOME\":\"/root\",\"environment.A_1\":\"\","
			       "\"user.environment.X\":\"no\",\"environmentX\":\"no\"}");
	json_object *env = json_object_new_object(), *v;

	fe_config_environment(x, env);
	CHECK(json_object_object_length(env) == 2 && json_object_object_get_ex(env, "HOME", &v) &&
		      strcmp(json_object_get_string(v), "/root") == 0 &&
		      json_object_object_get_ex(env, "A_1", NULL),
	      "environment: environment.NAME keys become NAME, others stay out (%d)",
	      json_object_object_length(env));
	json_object_put(env);
	json_object_put(x);
}

/* ---- the start request ------------------------------------------------------------------ */

/* How many fields of the start request differ between a and b. */
static int changed_fields(const struct ph_start_config *a, const struct ph_start_config *b)
{
	const struct ph_limits_config *x = &a->limits, *y = &b->limits;

	return (a->privileged != b->privileged) + (a->nesting != b->nesting) +
	       (x->memory != y->memory) + (x->memory_percent != y->memory_percent) +
	       (x->memory_soft != y->memory_soft) + (x->swap_off != y->swap_off) +
	       (x->swap_priority_drop != y->swap_priority_drop) +
	       (x->cpu_priority_drop != y->cpu_priority_drop) + (x->cpu_count != y->cpu_count) +
	       (x->has_cpu_set != y->has_cpu_set) + (x->cpu_percent != y->cpu_percent) +
	       (x->cpu_quota_us != y->cpu_quota_us) + (x->processes != y->processes) +
	       (x->hugepages_set != y->hugepages_set);
}

static void test_start(void)
{
	static const struct ph_start_config zero = { 0 };
	struct ph_start_config c;
	json_object *x;

	x = parse("{\"security.privileged\":\"YES\",\"security.nesting\":\"off\","
		  "\"limits.memory\":\"1GiB\",\"limits.cpu\":\"2\",\"limits.processes\":\"100\","
		  "\"user.a\":\"1\",\"boot.autostart\":\"true\"}");
	memset(&c, 0xff, sizeof(c));
	fe_config_start(x, &c);
	CHECK(c.privileged && !c.nesting && c.limits.memory == (1ULL << 30) &&
		      c.limits.cpu_count == 2 && c.limits.processes == 100,
	      "start: each key reaches its field (privileged %d nesting %d memory %llu cpu %u "
	      "processes %u)",
	      c.privileged, c.nesting, (unsigned long long)c.limits.memory, c.limits.cpu_count,
	      c.limits.processes);
	json_object_put(x);

	x = parse("{\"user.a\":\"1\"}");
	memset(&c, 0xff, sizeof(c));
	fe_config_start(x, &c);
	CHECK(changed_fields(&c, &zero) == 0,
	      "start: keys that are not set leave every field at none");
	json_object_put(x);

	/* what the database may hold from before a rule, or an empty (unset) value */
	x = parse("{\"security.privileged\":\"maybe\",\"security.nesting\":\"\","
		  "\"limits.memory\":\"lots\",\"limits.cpu\":\"3-0\",\"limits.processes\":\"-1\","
		  "\"limits.cpu.priority\":\"11\",\"limits.hugepages.2MB\":\"x\"}");
	fe_config_start(x, &c);
	CHECK(changed_fields(&c, &zero) == 0, "start: values that are not valid reach nothing");
	json_object_put(x);

	/* each setter writes its own field and no other, for some value */
	for (size_t k = 0; k < fe_config_nkeys; k++) {
		static const char *const samples[] = { "true", "false", "4096", "5",
						       "soft", "50%",   "0-1" };
		const struct fe_key *row = &fe_config_keys[k];
		int most = 0, valid = 0;

		if (!row->set || strncmp(row->name, "raw.", 4) == 0 ||
		    strncmp(row->name, "linux.", 6) == 0 ||
		    strncmp(row->name, "security.idmap.", 15) == 0 ||
		    strncmp(row->name, "security.syscalls.", 18) == 0)
			continue; /* the security rows: tests/unit/test_rawconf.c */
		for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
			struct fe_value v;
			int n;

			if (row->value.parse(&row->value, samples[i], &v) < 0)
				continue;
			valid++;
			x = json_object_new_object();
			json_object_object_add(x, row->name, json_object_new_string(samples[i]));
			fe_config_start(x, &c);
			n = changed_fields(&c, &zero);
			most = n > most ? n : most;
			json_object_put(x);
		}
		CHECK(valid > 0 && most == 1, "start: %s sets one field (%d values tried)",
		      row->name, valid);
	}
}

/*
 * security.protection.delete (and every bool) as delete and the templates
 * read it: the values validation takes, no other (delete honoured only
 * "true" while "yes" validated).
 */
static void test_protection(void)
{
	static const struct {
		const char *value;
		bool protected;
	} cases[] = {
		{ "true", true }, { "yes", true },  { "on", true },     { "1", true },
		{ "YES", true },  { "True", true }, { "false", false }, { "no", false },
		{ "off", false }, { "0", false },   { "", false },      { "maybe", false },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		json_object *c = json_object_new_object();
		char err[FE_ERR_MAX];
		static const struct fe_policy none = { 0 };
		bool valid = fe_config_check_one("security.protection.delete", cases[k].value,
						 &none, err) == 0;

		json_object_object_add(c, "security.protection.delete",
				       json_object_new_string(cases[k].value));
		CHECK(fe_config_true(c, "security.protection.delete") == cases[k].protected &&
			      (valid || !cases[k].protected),
		      "protection: security.protection.delete=\"%s\" %s", cases[k].value,
		      cases[k].protected ? "protects" : "does not protect");
		json_object_put(c);
	}
	{
		json_object *c = parse("{\"security.privileged\":\"on\",\"user.x\":\"true\"}");

		CHECK(!fe_config_true(c, "security.protection.delete"),
		      "protection: an absent key does not protect");
		CHECK(fe_config_true(c, "security.privileged"),
		      "protection: the templates' \"privileged\" reads the same parser");
		CHECK(!fe_config_true(c, "user.x") && !fe_config_true(c, "nonsense"),
		      "protection: keys that are not set, or not bools, are not true");
		json_object_put(c);
	}
}

/* ---- devices ------------------------------------------------------------------------------ */

static void test_devices(void)
{
	static const struct fe_policy none = { 0 };
	static const struct {
		const char *what, *dev;
		const char *error; /* NULL: accepted; else the whole message */
	} cases[] = {
		{ "the root disk", "{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\"}",
		  NULL },
		{ "the root disk without a pool", "{\"type\":\"disk\",\"path\":\"/\"}",
		  "Invalid device \"d\": Root disk entry must have a \"pool\" property set" },
		{ "the root disk with a size (ignored on dir)",
		  "{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\",\"size\":\"10GiB\"}",
		  NULL },
		{ "a none device", "{\"type\":\"none\"}", NULL },
		{ "a none device with keys", "{\"type\":\"none\",\"x\":\"y\"}", NULL },
		{ "a disk elsewhere on the pool",
		  "{\"type\":\"disk\",\"path\":\"/srv\",\"pool\":\"default\"}",
		  "Invalid device \"d\": only a host path (source) can be mounted at \"/srv\": "
		  "storage volumes are not supported" },
		{ "a disk without a path", "{\"type\":\"disk\",\"pool\":\"default\"}",
		  "Invalid device \"d\": Disk entry is missing the required \"path\" property" },
		{ "the root disk on another pool (its existence is the create's question)",
		  "{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"other\"}", NULL },
		{ "a root disk on a pool no name fits",
		  "{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"../x\"}",
		  "Invalid device \"d\": pool must be a storage pool's name (letters, digits and "
		  "hyphens): \"pool\"" },
		{ "a root disk from a host path",
		  "{\"type\":\"disk\",\"path\":\"/\",\"source\":\"/etc\",\"pool\":\"default\"}",
		  "Invalid device \"d\": a root disk takes only \"pool\" and \"size\" (no source, "
		  "shift, readonly, propagation or required)" },
		{ "a host disk", "{\"type\":\"disk\",\"path\":\"/mnt/x\",\"source\":\"/srv/x\"}",
		  NULL },
		{ "a host disk with every key",
		  "{\"type\":\"disk\",\"path\":\"/mnt/x\",\"source\":\"/srv/x\",\"readonly\":\"true\","
		  "\"required\":\"false\",\"shift\":\"yes\",\"propagation\":\"slave\"}",
		  NULL },
		{ "a host disk without a source", "{\"type\":\"disk\",\"path\":\"/mnt/x\"}",
		  "Invalid device \"d\": Disk entry is missing the required \"source\" or \"pool\" "
		  "property" },
		{ "a host disk with a .. in its source",
		  "{\"type\":\"disk\",\"path\":\"/mnt/x\",\"source\":\"/srv/../etc\"}",
		  "Invalid device \"d\": source must be an absolute path without \".\", \"..\", "
		  "\"//\", spaces or a trailing \"/\"" },
		{ "a host disk with a relative path",
		  "{\"type\":\"disk\",\"path\":\"mnt\",\"source\":\"/srv/x\"}",
		  "Invalid device \"d\": path must be an absolute path without \".\", \"..\", "
		  "\"//\", spaces or a trailing \"/\"" },
		{ "a host disk with a newline in its path",
		  "{\"type\":\"disk\",\"path\":\"/mnt\\nlxc.x\",\"source\":\"/srv/x\"}",
		  "Invalid device \"d\": path must be an absolute path without \".\", \"..\", "
		  "\"//\", spaces or a trailing \"/\"" },
		{ "a host disk with an unknown key",
		  "{\"type\":\"disk\",\"path\":\"/mnt/x\",\"source\":\"/srv/x\",\"bogus\":\"1\"}",
		  "Invalid device \"d\": Invalid device option \"bogus\"" },
		{ "a host disk with a bad readonly",
		  "{\"type\":\"disk\",\"path\":\"/mnt/x\",\"source\":\"/srv/x\",\"readonly\":\"maybe\"}",
		  "Invalid device \"d\": must be a boolean: \"readonly\"" },
		{ "a host disk with a bad propagation",
		  "{\"type\":\"disk\",\"path\":\"/mnt/x\",\"source\":\"/srv/x\",\"propagation\":\"x\"}",
		  "Invalid device \"d\": propagation must be private, shared, slave or unbindable: "
		  "\"propagation\"" },
		{ "a nic", "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\"}", NULL },
		{ "a nic with a bad mtu", "{\"type\":\"nic\",\"mtu\":\"9\"}",
		  "Invalid device \"d\": must be a number from 68 to 65535: \"mtu\"" },
		{ "a tcp proxy",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:8080\",\"connect\":\"tcp:[::1]:80\"}",
		  NULL },
		{ "a unix proxy inside with its owner and mode",
		  "{\"type\":\"proxy\",\"listen\":\"unix:/run/a.sock\",\"connect\":\"tcp:127.0.0.1:80\",\"uid\":\"1\",\"mode\":\"0660\",\"bind\":\"instance\"}",
		  NULL },
		{ "a proxy to a host name",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:1\",\"connect\":\"tcp:localhost:80\"}",
		  "Invalid device \"d\": Invalid value for device option \"connect\": Not an IP address \"localhost\"" },
		{ "a proxy of an unknown protocol",
		  "{\"type\":\"proxy\",\"listen\":\"sctp:1.2.3.4:1\",\"connect\":\"tcp:127.0.0.1:80\"}",
		  "Invalid device \"d\": Invalid value for device option \"listen\": Unknown protocol type \"sctp\"" },
		{ "a proxy with an IPv6 address without brackets",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:::1:80\",\"connect\":\"tcp:127.0.0.1:80\"}",
		  "Invalid device \"d\": Invalid value for device option \"listen\": address ::1:80: too many colons in address" },
		{ "a proxy with a port range",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:80-81\",\"connect\":\"tcp:127.0.0.1:80\"}",
		  "Invalid device \"d\": Invalid value for device option \"listen\": Port ranges and lists are not supported by this server yet" },
		{ "a proxy with port 65536",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:65536\",\"connect\":\"tcp:127.0.0.1:80\"}",
		  "Invalid device \"d\": Invalid value for device option \"listen\": Invalid port \"65536\"" },
		{ "a proxy without connect", "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:1\"}",
		  "Invalid device \"d\": Invalid value for device option \"connect\": Required value" },
		{ "a proxy with nat",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:1\",\"connect\":\"tcp:127.0.0.1:80\",\"nat\":\"true\"}",
		  "Invalid device \"d\": NAT mode (nat=true) is not supported by this server yet" },
		{ "a proxy from udp to tcp",
		  "{\"type\":\"proxy\",\"listen\":\"udp:127.0.0.1:1\",\"connect\":\"tcp:127.0.0.1:80\"}",
		  "Invalid device \"d\": Proxying udp <-> tcp is not supported by this server yet" },
		{ "a proxy with a mode on a tcp listener",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:1\",\"connect\":\"tcp:127.0.0.1:80\",\"mode\":\"0600\"}",
		  "Invalid device \"d\": Only proxy devices for non-abstract unix sockets can carry uid, gid, or mode properties" },
		{ "a proxy to a unix path with ..",
		  "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:1\",\"connect\":\"unix:/run/../etc/x\"}",
		  "Invalid device \"d\": Invalid value for device option \"connect\": A unix socket's path must be absolute, without \".\", \"..\", \"//\", spaces or a trailing \"/\", at most 107 bytes" },
		{ "a unix-char device", "{\"type\":\"unix-char\",\"path\":\"/dev/kvm\"}", NULL },
		{ "a unix-char device with ids and a mode",
		  "{\"type\":\"unix-char\",\"source\":\"/dev/null\",\"path\":\"/dev/n2\",\"uid\":\"5\","
		  "\"gid\":\"6\",\"mode\":\"0640\",\"required\":\"false\"}",
		  NULL },
		{ "a unix-char device with a bad mode",
		  "{\"type\":\"unix-char\",\"path\":\"/dev/kvm\",\"mode\":\"0689\"}",
		  "Invalid device \"d\": mode must be octal permission bits such as 0660" },
		{ "a unix-char device with a uid past 65535",
		  "{\"type\":\"unix-char\",\"path\":\"/dev/kvm\",\"uid\":\"65536\"}",
		  "Invalid device \"d\": uid must be a number from 0 to 65535: \"uid\"" },
		{ "a unix-block device", "{\"type\":\"unix-block\"}",
		  "Invalid device \"d\": Unix device entry is missing the required \"source\" or "
		  "\"path\" property" },
		{ "an unknown type", "{\"type\":\"gpu\"}",
		  "Invalid device \"d\": unsupported device type \"gpu\"" },
		{ "no type", "{\"path\":\"/\"}", "Invalid device \"d\": missing type" },
		{ "a value that is not a string", "{\"type\":\"disk\",\"path\":\"/\",\"size\":5}",
		  "Invalid device \"d\": \"size\" must be a string" },
		{ "a device that is not an object", "\"disk\"",
		  "Invalid device \"d\": must be an object" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		json_object *dev = parse(cases[k].dev);
		char err[FE_ERR_MAX] = "";
		int r = fe_device_check_one("d", dev, &none, err);

		if (!cases[k].error)
			CHECK(r == 0, "devices: %s is accepted%s%s", cases[k].what, r ? ": " : "",
			      err);
		else
			CHECK(r < 0 && strcmp(err, cases[k].error) == 0,
			      "devices: %s is refused: %s", cases[k].what, err);
		json_object_put(dev);
	}

	{
		json_object *devs = parse("{\"root\":{\"type\":\"disk\",\"path\":\"/\","
					  "\"pool\":\"default\"},"
					  "\"eth0\":{\"type\":\"nic\",\"mtu\":\"x\"}}");
		char err[FE_ERR_MAX] = "";

		CHECK(fe_check_devices(devs, err) < 0 && strstr(err, "\"eth0\""),
		      "devices: one bad device refuses the whole object: %s", err);
		json_object_put(devs);
		CHECK(fe_check_devices(NULL, err) == 0, "devices: no devices object passes");
	}

	{
		json_object *d = parse("{\"type\":\"none\"}");
		char err[FE_ERR_MAX] = "";

		CHECK(fe_device_check_one("a/../b", d, &none, err) < 0 &&
			      strstr(err, "Invalid device name"),
		      "devices: a name with a / or .. is refused: %s", err);
		CHECK(fe_device_check_one("a\nb", d, &none, err) < 0,
		      "devices: a name with a newline is refused");
		json_object_put(d);
	}
	{
		json_object *xd = parse(
			"{\"root\":{\"type\":\"disk\",\"path\":\"/\"},"
			"\"b\":{\"type\":\"disk\",\"path\":\"/mnt/b\",\"source\":\"/srv/b\","
			"\"readonly\":\"true\",\"shift\":\"true\",\"propagation\":\"shared\"},"
			"\"a\":{\"type\":\"disk\",\"path\":\"/mnt\",\"source\":\"/srv/a\","
			"\"required\":\"false\"},"
			"\"n\":{\"type\":\"unix-char\",\"path\":\"/dev/null\",\"uid\":\"7\","
			"\"mode\":\"0640\"},"
			"\"e\":{\"type\":\"nic\"},\"m\":{\"type\":\"none\"}}");
		struct ph_start_config c = { 0 };

		CHECK(fe_devices_start(xd, &c) == 0 && c.ndevices == 3,
		      "devices: the start set is the host disks and unix nodes (%zu)", c.ndevices);
		CHECK(strcmp(c.devices[0].path, "/dev/null") == 0 &&
			      strcmp(c.devices[1].path, "/mnt") == 0 &&
			      strcmp(c.devices[2].path, "/mnt/b") == 0,
		      "devices: ... in path order");
		CHECK(c.devices[0].kind == PH_DEVICE_UNIX_CHAR &&
			      strcmp(c.devices[0].source, "/dev/null") == 0 &&
			      c.devices[0].uid == 7 && c.devices[0].gid == 0 &&
			      c.devices[0].mode == 0640,
		      "devices: a unix node's source defaults to its path, its mode is octal");
		CHECK(c.devices[1].optional && !c.devices[1].readonly && !c.devices[2].optional &&
			      c.devices[2].readonly && c.devices[2].shift &&
			      c.devices[2].propagation == PH_PROP_SHARED,
		      "devices: required, readonly, shift and propagation reach the request");
		json_object_put(xd);
	}
	{
		json_object *root = parse("{\"type\":\"disk\",\"path\":\"/\"}");
		json_object *other = parse("{\"type\":\"disk\",\"path\":\"/srv\"}");
		json_object *none_dev = parse("{\"type\":\"none\",\"path\":\"/\"}");

		CHECK(fe_device_is_root(root) && !fe_device_is_root(other) &&
			      !fe_device_is_root(none_dev),
		      "devices: the root disk is a disk at \"/\"");
		json_object_put(root);
		json_object_put(other);
		json_object_put(none_dev);
	}
}

/*
 * The policy gate at PUT and POST time: fe_srv.policy is set by hand here
 * (moatd's hello reply fills it in the daemon). moatd still enforces.
 */
static void test_gate(void)
{
	const struct fe_policy saved = fe_srv.policy;
	const struct fe_policy hardened = { .known = true };
	const struct fe_policy open = { .known = true,
					.allow_privileged = true,
					.allow_nesting = true,
					.allow_raw_lxc = true,
					.allow_unix_devices = true };
	json_object *priv = parse("{\"security.privileged\":\"true\"}");
	json_object *priv_yes = parse("{\"security.privileged\":\"YES\"}");
	json_object *unpriv = parse("{\"security.privileged\":\"false\",\"security.nesting\":\"\","
				    "\"limits.cpu\":\"2\"}");
	json_object *nest = parse("{\"security.nesting\":\"on\"}");
	json_object *chr = parse("{\"kvm\":{\"type\":\"unix-char\",\"path\":\"/dev/kvm\"}}");
	json_object *blk = parse("{\"sda\":{\"type\":\"unix-block\"}}");
	json_object *root =
		parse("{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\"}}");
	char err[FE_ERR_MAX] = "";

	fe_srv.policy = (struct fe_policy){ .known = false };
	CHECK(fe_check_config(priv, err) == 0 && fe_check_config(nest, err) == 0,
	      "gate: a policy not known yet refuses nothing (moatd enforces)");

	fe_srv.policy = hardened;
	CHECK(fe_check_config(priv, err) < 0 &&
		      strcmp(err,
			     "Invalid value \"true\" for config \"security.privileged\": "
			     "Privileged containers are forbidden by the server's policy") == 0,
	      "gate: security.privileged=true under a policy without privileged: %s", err);
	CHECK(fe_check_config(priv_yes, err) < 0 &&
		      strstr(err, "Privileged containers are forbidden"),
	      "gate: security.privileged=YES is as true as true: %s", err);
	CHECK(fe_check_config(nest, err) < 0 &&
		      strcmp(err, "Invalid value \"on\" for config \"security.nesting\": "
				  "Container nesting is forbidden by the server's policy") == 0,
	      "gate: security.nesting=on under a policy without nesting: %s", err);
	CHECK(fe_check_config(unpriv, err) == 0,
	      "gate: false, empty and ungated keys pass the same policy");
	CHECK(fe_check_devices(chr, err) < 0 &&
		      strcmp(err, "Invalid device \"kvm\": Unix character devices are forbidden by "
				  "the server's policy") == 0,
	      "gate: a unix-char device under a policy without devices: %s", err);
	CHECK(fe_check_devices(blk, err) < 0 && strstr(err, "Unix block devices are forbidden"),
	      "gate: a unix-block device under a policy without devices: %s", err);
	CHECK(fe_check_devices(root, err) == 0, "gate: the root disk passes the same policy");
	{
		char *prefixes[] = { "/srv/moat", NULL };
		json_object *in = parse("{\"d\":{\"type\":\"disk\",\"path\":\"/m\","
					"\"source\":\"/srv/moat/x\"}}");
		json_object *out = parse("{\"d\":{\"type\":\"disk\",\"path\":\"/m\","
					 "\"source\":\"/srv/moatx\"}}");

		fe_srv.policy.disk_source_prefixes = prefixes;
		CHECK(fe_check_devices(in, err) == 0, "gate: a disk source under a prefix passes");
		CHECK(fe_check_devices(out, err) < 0 && strstr(err, "is not allowed by the server"),
		      "gate: a disk source beside a prefix (/srv/moatx) is refused: %s", err);
		fe_srv.policy.disk_source_prefixes = NULL;
		json_object_put(in);
		json_object_put(out);
	}

	fe_srv.policy = open;
	CHECK(fe_check_config(priv, err) == 0 && fe_check_config(nest, err) == 0,
	      "gate: a policy that allows them takes privileged and nesting");
	CHECK(fe_check_devices(chr, err) == 0,
	      "gate: a policy that allows unix devices takes them");

	fe_srv.policy = saved;
	json_object_put(priv);
	json_object_put(priv_yes);
	json_object_put(unpriv);
	json_object_put(nest);
	json_object_put(chr);
	json_object_put(blk);
	json_object_put(root);
}

void test_config(void)
{
	test_rows();
	test_vocabulary();
	test_keys();
	test_flags();
	test_expansion();
	test_environment();
	test_start();
	test_protection();
	test_devices();
	test_gate();
}
