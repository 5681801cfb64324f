// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the limits.* keys of the config schema
 * (frontend/model/config.c): the validators LXD's limits need (a CPU count
 * or set, a percentage or bytes, a CPU allowance), the keys with their
 * messages, and what each key puts into the start request's limits
 * (struct ph_limits_config, which instance_start and instance_limits
 * send). Pure: inputs are the tests' own tables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fe.h"
#include "model/config.h"
#include "t.h"

static bool cpu(const struct fe_value *v, unsigned n)
{
	return v->cpus[n / 8] & (1u << (n % 8));
}

static unsigned ncpus(const struct fe_value *v)
{
	unsigned n = 0;

	for (unsigned c = 0; c < PH_LIMITS_CPUSET_BYTES * 8; c++)
		n += cpu(v, c);
	return n;
}

static void test_cpuset(void)
{
	static const struct fe_valid c = FE_CPUSET(8, "c");
	static const char *const bad[] = { "",      "0",    "9",      "-1",   "1-",   "-",
					   ",",     "1,",   ",1",     "1,,2", "3-1",  "1-1,1",
					   "0-3,2", "1024", "0-1024", "a",    "1 ,2", "1-2-3",
					   "0x1",   "+1",   "1-1\n2", "1;2" };
	struct fe_value v;

	CHECK(c.parse(&c, "4", &v) == 0 && !v.has_cpus && v.u == 4,
	      "cpuset: a plain number is a count (4)");
	CHECK(c.parse(&c, "1-1", &v) == 0 && v.has_cpus && ncpus(&v) == 1 && cpu(&v, 1),
	      "cpuset: 1-1 pins CPU 1 alone (LXD's way to name one CPU)");
	CHECK(c.parse(&c, "0-1,3", &v) == 0 && v.has_cpus && ncpus(&v) == 3 && cpu(&v, 0) &&
		      cpu(&v, 1) && cpu(&v, 3),
	      "cpuset: 0-1,3 is CPUs 0, 1 and 3");
	CHECK(c.parse(&c, "1,2", &v) == 0 && v.has_cpus && ncpus(&v) == 2 && cpu(&v, 1) &&
		      cpu(&v, 2),
	      "cpuset: 1,2 is a set, not a count");
	CHECK(c.parse(&c, "1023,0-2", &v) == 0 && ncpus(&v) == 4 && cpu(&v, 1023),
	      "cpuset: CPU 1023 is the highest, in any order");
	CHECK(c.parse(&c, "0-1023", &v) == 0 && ncpus(&v) == 1024, "cpuset: 0-1023 is all 1024");
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char esc[T_ESC_MAX];

		v.s = NULL;
		t_escape(esc, sizeof(esc), bad[k], strlen(bad[k]));
		CHECK(c.parse(&c, bad[k], &v) == -EINVAL && v.s == NULL,
		      "cpuset: \"%s\" is refused", esc);
	}
}

static void test_percent_or_bytes(void)
{
	static const struct fe_valid m = FE_PERCENT_OR_BYTES(4096, "m");
	static const char *const bad[] = { "0%",   "101%", "%",    "-5%",  "50 %", "50%%",
					   "5.5%", "4095", "lots", "50%B", "",     "1e3%" };
	struct fe_value v;

	CHECK(m.parse(&m, "50%", &v) == 0 && v.pct == 50 && v.u == 0, "percent: 50%%");
	CHECK(m.parse(&m, "100%", &v) == 0 && v.pct == 100, "percent: 100%%");
	CHECK(m.parse(&m, "1%", &v) == 0 && v.pct == 1, "percent: 1%%");
	CHECK(m.parse(&m, "256MiB", &v) == 0 && v.pct == 0 && v.u == 256ULL << 20,
	      "percent: 256MiB is bytes");
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		v.s = NULL;
		CHECK(m.parse(&m, bad[k], &v) == -EINVAL && v.s == NULL,
		      "percent: \"%s\" is refused", bad[k]);
	}
}

static void test_allowance(void)
{
	static const struct fe_valid a = FE_ALLOWANCE("a");
	static const char *const bad[] = { "0%",
					   "101%",
					   "25ms",
					   "/100ms",
					   "25ms/",
					   "0ms/100ms",
					   "25ms/0ms",
					   "25ms/1001ms",
					   "1000001ms/100ms",
					   "25s/100ms",
					   "25ms/100ms/1",
					   "25 ms/100ms",
					   "ms/ms",
					   "",
					   "-1ms/100ms" };
	struct fe_value v;

	CHECK(a.parse(&a, "50%", &v) == 0 && v.pct == 50, "allowance: 50%% is a share");
	CHECK(a.parse(&a, "25ms/100ms", &v) == 0 && v.pct == 0 && v.u == 25000 && v.u2 == 100000,
	      "allowance: 25ms/100ms is a quota of 25000 us in 100000");
	CHECK(a.parse(&a, "25/100", &v) == 0 && v.u == 25000 && v.u2 == 100000,
	      "allowance: the ms may be left out (as LXD)");
	CHECK(a.parse(&a, "200ms/100ms", &v) == 0 && v.u == 200000,
	      "allowance: a quota above the period is two CPUs' worth");
	CHECK(a.parse(&a, "1ms/1000ms", &v) == 0 && v.u == 1000 && v.u2 == 1000000,
	      "allowance: the bounds (1 ms, 1000 ms)");
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		v.s = NULL;
		CHECK(a.parse(&a, bad[k], &v) == -EINVAL && v.s == NULL,
		      "allowance: \"%s\" is refused", bad[k]);
	}
}

struct lkcase {
	const char *key, *value;
	const char *error; /* NULL: accepted */
};

static void test_limit_keys(void)
{
	static const struct fe_policy none = { 0 };
	static const struct lkcase cases[] = {
		{ "limits.cpu", "0-1,3", NULL },
		{ "limits.cpu", "2", NULL },
		{ "limits.cpu", "1-1", NULL },
		{ "limits.cpu", "1,1",
		  "Invalid config: must be a number of CPUs or a set such as 0-1,3 (each CPU "
		  "once): \"limits.cpu\"" },
		{ "limits.cpu.allowance", "50%", NULL },
		{ "limits.cpu.allowance", "25ms/100ms", NULL },
		{ "limits.cpu.allowance", "half",
		  "Invalid config: must be a percentage such as 50% or a time such as "
		  "25ms/100ms: \"limits.cpu.allowance\"" },
		{ "limits.cpu.priority", "0", NULL },
		{ "limits.cpu.priority", "10", NULL },
		{ "limits.cpu.priority", "11",
		  "Invalid config: must be between 0 and 10: \"limits.cpu.priority\"" },
		{ "limits.memory", "50%", NULL },
		{ "limits.memory", "1GiB", NULL },
		{ "limits.memory", "0%",
		  "Invalid config: must be a size such as 512MiB or a percentage of the host's "
		  "memory such as 50%: \"limits.memory\"" },
		{ "limits.memory.enforce", "soft", NULL },
		{ "limits.memory.enforce", "hard", NULL },
		{ "limits.memory.enforce", "Soft",
		  "Invalid config: must be hard or soft: \"limits.memory.enforce\"" },
		{ "limits.memory.swap", "false", NULL },
		{ "limits.memory.swap", "nope",
		  "Invalid config: must be a boolean: \"limits.memory.swap\"" },
		{ "limits.memory.swap.priority", "3", NULL },
		{ "limits.memory.swap.priority", "-1",
		  "Invalid config: must be between 0 and 10: \"limits.memory.swap.priority\"" },
		{ "limits.hugepages.2MB", "0", NULL },
		{ "limits.hugepages.1GB", "2GiB", NULL },
		{ "limits.hugepages.64KB", "1MiB", NULL },
		{ "limits.hugepages.1MB", "1MiB", NULL },
		{ "limits.hugepages.2MB", "some",
		  "Invalid config: must be a size such as 16MiB: \"limits.hugepages.2MB\"" },
		{ "limits.hugepages.4MB", "1MiB",
		  "Invalid config: Unknown configuration key: \"limits.hugepages.4MB\"" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct lkcase *x = &cases[k];
		char err[FE_ERR_MAX] = "";
		int r = fe_config_check_one(x->key, x->value, &none, err);

		if (!x->error)
			CHECK(r == 0, "limit keys: %s=%s is accepted%s%s", x->key, x->value,
			      r ? ": " : "", err);
		else
			CHECK(r == -EINVAL && strcmp(err, x->error) == 0,
			      "limit keys: %s=%s is refused: %s", x->key, x->value, err);
		CHECK(fe_config_live(x->key) || x->error, "limit keys: %s changes live", x->key);
	}
}

static json_object *parse(const char *json)
{
	json_object *o = json_tokener_parse(json);

	if (!o)
		t_note("bad test JSON: %s", json);
	return o;
}

static void test_limits_start(void)
{
	struct ph_start_config c;
	json_object *x;

	x = parse("{\"limits.memory\":\"50%\",\"limits.memory.enforce\":\"soft\","
		  "\"limits.memory.swap\":\"false\",\"limits.memory.swap.priority\":\"3\","
		  "\"limits.cpu\":\"0-1,3\",\"limits.cpu.allowance\":\"25ms/100ms\","
		  "\"limits.cpu.priority\":\"4\",\"limits.processes\":\"100\","
		  "\"limits.hugepages.2MB\":\"0\",\"limits.hugepages.1GB\":\"2GiB\"}");
	memset(&c, 0xff, sizeof(c));
	fe_config_start(x, &c);
	CHECK(c.limits.memory == 0 && c.limits.memory_percent == 50 && c.limits.memory_soft &&
		      c.limits.swap_off && c.limits.swap_priority_drop == 7,
	      "limits start: memory 50%%, soft, no swap, swap priority 3 (drop %u)",
	      c.limits.swap_priority_drop);
	CHECK(c.limits.cpu_count == 0 && c.limits.has_cpu_set && c.limits.cpu_set[0] == 0x0b &&
		      c.limits.cpu_set[1] == 0,
	      "limits start: limits.cpu 0-1,3 is the set 0x0b (%#x)", c.limits.cpu_set[0]);
	CHECK(c.limits.cpu_percent == 0 && c.limits.cpu_quota_us == 25000 &&
		      c.limits.cpu_period_us == 100000 && c.limits.cpu_priority_drop == 6,
	      "limits start: allowance 25ms/100ms and priority 4 (drop %u)",
	      c.limits.cpu_priority_drop);
	CHECK(c.limits.processes == 100 &&
		      c.limits.hugepages_set == (1u << PH_LIMITS_2MB | 1u << PH_LIMITS_1GB) &&
		      c.limits.hugepages[PH_LIMITS_2MB] == 0 &&
		      c.limits.hugepages[PH_LIMITS_1GB] == 2ULL << 30,
	      "limits start: processes 100; 2MB pages limited to 0, 1GB ones to 2GiB");
	json_object_put(x);

	x = parse("{\"limits.memory\":\"1GiB\",\"limits.cpu\":\"3\",\"limits.cpu.allowance\":"
		  "\"50%\",\"limits.memory.swap\":\"true\",\"limits.memory.enforce\":\"hard\"}");
	fe_config_start(x, &c);
	CHECK(c.limits.memory == 1ULL << 30 && c.limits.memory_percent == 0 &&
		      !c.limits.memory_soft && !c.limits.swap_off && c.limits.cpu_count == 3 &&
		      !c.limits.has_cpu_set && c.limits.cpu_percent == 50 &&
		      c.limits.cpu_quota_us == 0 && c.limits.hugepages_set == 0 &&
		      c.limits.cpu_priority_drop == 0 && c.limits.swap_priority_drop == 0,
	      "limits start: 1GiB, 3 CPUs, 50%%, swap on, hard: the defaults elsewhere");
	json_object_put(x);
}

void test_config_limits(void)
{
	test_cpuset();
	test_percent_or_bytes();
	test_allowance();
	test_limit_keys();
	test_limits_start();
}
