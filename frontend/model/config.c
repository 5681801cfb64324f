// SPDX-License-Identifier: Apache-2.0
/*
 * The instance config schema (config.h): the vocabulary of validators and
 * the table of keys moatd-api accepts, with what reads them. Runs in
 * moatd-api (unprivileged); keys and values are untrusted client input.
 * Pure, but for fe_check_config(), which reads fe_srv.policy.
 *
 * To add a key: one row in fe_config_keys[] below, in name order, with a
 * validator from the vocabulary (or a new fe_parse_*() beside the others,
 * with its unit tests), its flags, its gate if moatd's policy guards it,
 * and a setter if moatd needs it at start (a field of struct
 * ph_start_config in ph/ph.h, which ph_call_instance_start() sends).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model/config.h"
#include "model/config_sec.h"
#include "model/snapshots.h"

/* ---- the vocabulary -------------------------------------------------------------- */

int fe_parse_bool(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	(void)v;
	for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++)
		if (strcasecmp(s, yes[k]) == 0 || strcasecmp(s, no[k]) == 0) {
			*ret = (struct fe_value){ .s = s, .b = strcasecmp(s, yes[k]) == 0 };
			return 0;
		}
	return -EINVAL;
}

/* Decimal digits only, at most max: 0 and *ret, or -EINVAL. */
static int digits(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t x = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		uint64_t d;

		if (s[k] < '0' || s[k] > '9')
			return -EINVAL;
		d = (uint64_t)(s[k] - '0');
		if (d > max || x > (max - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*ret = x;
	return 0;
}

int fe_parse_uint(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	uint64_t x;

	if (digits(s, strlen(s), v->max, &x) < 0 || x < v->min)
		return -EINVAL;
	*ret = (struct fe_value){ .s = s, .b = x != 0, .u = x };
	return 0;
}

int fe_parse_bytes(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", 1 },
		{ "B", 1 },
		{ "kB", 1000ULL },
		{ "MB", 1000ULL * 1000 },
		{ "GB", 1000ULL * 1000 * 1000 },
		{ "TB", 1000ULL * 1000 * 1000 * 1000 },
		{ "KiB", 1ULL << 10 },
		{ "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 },
		{ "TiB", 1ULL << 40 },
	};
	size_t n = strspn(s, "0123456789");
	uint64_t x;

	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		if (strcmp(s + n, units[k].suffix) != 0)
			continue;
		if (digits(s, n, v->max / units[k].mult, &x) < 0 || x * units[k].mult < v->min)
			return -EINVAL;
		*ret = (struct fe_value){ .s = s, .b = x != 0, .u = x * units[k].mult };
		return 0;
	}
	return -EINVAL;
}

int fe_parse_cpus(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	struct fe_valid count = { .min = v->min > 0 ? v->min : 1, .max = v->max };

	return fe_parse_uint(&count, s, ret);
}

#define FE_CPU_BITS (PH_LIMITS_CPUSET_BYTES * 8)

int fe_parse_cpuset(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	struct fe_value x = { .s = s, .b = true, .has_cpus = true };
	const char *p = s;

	if (s[strspn(s, "0123456789")] == '\0') /* a plain number is a count */
		return fe_parse_cpus(v, s, ret);
	for (;;) {
		size_t n = strspn(p, "0123456789");
		uint64_t lo, hi;

		if (digits(p, n, FE_CPU_BITS - 1, &lo) < 0)
			return -EINVAL;
		p += n;
		hi = lo;
		if (*p == '-') {
			n = strspn(++p, "0123456789");
			if (digits(p, n, FE_CPU_BITS - 1, &hi) < 0 || hi < lo)
				return -EINVAL;
			p += n;
		}
		for (uint64_t c = lo; c <= hi; c++) {
			uint8_t bit = (uint8_t)(1u << (c % 8));

			if (x.cpus[c / 8] & bit) /* "Cannot define CPU multiple times" */
				return -EINVAL;
			x.cpus[c / 8] |= bit;
		}
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	*ret = x;
	return 0;
}

/* "N%", N from 1 to 100: 1 and *ret; 0: not a percentage; -EINVAL: a bad one. */
static int percent(const char *s, uint32_t *ret)
{
	size_t n = strlen(s);
	uint64_t x;

	if (n == 0 || s[n - 1] != '%')
		return 0;
	if (digits(s, n - 1, 100, &x) < 0 || x == 0)
		return -EINVAL;
	*ret = (uint32_t)x;
	return 1;
}

int fe_parse_percent_or_bytes(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	uint32_t pct;
	int r = percent(s, &pct);

	if (r < 0)
		return r;
	if (r == 0)
		return fe_parse_bytes(v, s, ret);
	*ret = (struct fe_value){ .s = s, .b = true, .pct = pct };
	return 0;
}

/* Digits with an optional "ms", from 1 to max: the milliseconds. */
static int millis(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	if (n > 2 && memcmp(s + n - 2, "ms", 2) == 0)
		n -= 2;
	if (digits(s, n, max, ret) < 0 || *ret == 0)
		return -EINVAL;
	return 0;
}

int fe_parse_allowance(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	const char *slash = strchr(s, '/');
	uint64_t quota, period;
	uint32_t pct;
	int r = percent(s, &pct);

	(void)v;
	if (r < 0)
		return r;
	if (r > 0) {
		*ret = (struct fe_value){ .s = s, .b = true, .pct = pct };
		return 0;
	}
	if (!slash || millis(s, (size_t)(slash - s), 1000000, &quota) < 0 ||
	    millis(slash + 1, strlen(slash + 1), 1000, &period) < 0)
		return -EINVAL;
	*ret = (struct fe_value){ .s = s, .b = true, .u = quota * 1000, .u2 = period * 1000 };
	return 0;
}

int fe_parse_enum(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	for (const char *const *c = v->choices; c && *c; c++)
		if (strcmp(s, *c) == 0) {
			*ret = (struct fe_value){ .s = s,
						  .b = true,
						  .u = (uint64_t)(c - v->choices) };
			return 0;
		}
	return -EINVAL;
}

int fe_parse_string(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	size_t n = strlen(s);

	if (n > v->max)
		return -EINVAL;
	*ret = (struct fe_value){ .s = s, .b = n > 0, .u = n };
	return 0;
}

bool fe_env_name_valid(const char *name)
{
	static const char word[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

	return *name && !(*name >= '0' && *name <= '9') && name[strspn(name, word)] == '\0';
}

int fe_parse_env_name(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	(void)v;
	if (!fe_env_name_valid(s))
		return -EINVAL;
	*ret = (struct fe_value){ .s = s, .b = true };
	return 0;
}

int fe_parse_absent(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	(void)v;
	(void)s;
	(void)ret;
	return -EINVAL;
}

bool fe_policy_allows(const struct fe_policy *p, enum fe_gate gate)
{
	if (!p->known)
		return true;
	switch (gate) {
	case FE_GATE_NONE:
		return true;
	case FE_GATE_PRIVILEGED:
		return p->allow_privileged;
	case FE_GATE_NESTING:
		return p->allow_nesting;
	case FE_GATE_RAW_LXC:
		return p->allow_raw_lxc;
	case FE_GATE_UNIX_DEVICES:
		return p->allow_unix_devices;
	case FE_GATE_RAW_IDMAP:
		return p->allow_raw_idmap;
	case FE_GATE_RAW_SECCOMP:
		return p->allow_raw_seccomp;
	case FE_GATE_KERNEL_MODULES:
		return p->allow_kernel_modules;
	case FE_GATE_LXC_HOOKS:
		return p->allow_lxc_hooks;
	case FE_GATE_RAW_DNSMASQ:
		return p->allow_raw_dnsmasq;
	}
	return false;
}

/* ---- the keys -------------------------------------------------------------------- */

static void set_privileged(struct ph_start_config *c, const struct fe_value *v)
{
	c->privileged = v->b;
}

static void set_nesting(struct ph_start_config *c, const struct fe_value *v)
{
	c->nesting = v->b;
}

static void set_memory(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.memory = v->pct ? 0 : v->u;
	c->limits.memory_percent = v->pct;
}

static void set_memory_enforce(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.memory_soft = strcmp(v->s, "soft") == 0;
}

static void set_swap(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.swap_off = !v->b;
}

static void set_swap_priority(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.swap_priority_drop = 10 - (uint32_t)v->u;
}

static void set_cpus(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.cpu_count = v->has_cpus ? 0 : (uint32_t)v->u;
	c->limits.has_cpu_set = v->has_cpus;
	memcpy(c->limits.cpu_set, v->cpus, sizeof(c->limits.cpu_set));
}

static void set_allowance(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.cpu_percent = v->pct;
	c->limits.cpu_quota_us = (uint32_t)v->u;
	c->limits.cpu_period_us = (uint32_t)v->u2;
}

static void set_cpu_priority(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.cpu_priority_drop = 10 - (uint32_t)v->u;
}

static void set_processes(struct ph_start_config *c, const struct fe_value *v)
{
	c->limits.processes = (uint32_t)v->u;
}

static void set_huge(struct ph_start_config *c, enum ph_limits_huge k, const struct fe_value *v)
{
	c->limits.hugepages[k] = v->u;
	c->limits.hugepages_set |= 1u << k;
}

static void set_huge_64kb(struct ph_start_config *c, const struct fe_value *v)
{
	set_huge(c, PH_LIMITS_64KB, v);
}

static void set_huge_1mb(struct ph_start_config *c, const struct fe_value *v)
{
	set_huge(c, PH_LIMITS_1MB, v);
}

static void set_huge_2mb(struct ph_start_config *c, const struct fe_value *v)
{
	set_huge(c, PH_LIMITS_2MB, v);
}

static void set_huge_1gb(struct ph_start_config *c, const struct fe_value *v)
{
	set_huge(c, PH_LIMITS_1GB, v);
}

static const char *const enforce[] = { "hard", "soft", NULL };

#define BOOLEAN FE_BOOL("must be a boolean")
#define NUMBER(hi) FE_UINT(0, hi, "must be a number")
#define ANY FE_STRING(UINT64_MAX, "must be a string")

/*
 * environment.NAME: NAME must be what exec accepts (a shell identifier),
 * or one bad key made every later exec a 400 (found by
 * tests/integration/90-hostile.sh: "environment.A\nlxc.rootfs.path")
 */
static const struct fe_valid env_name =
	FE_ENV_NAME("environment variable names are letters, digits and _");

static const struct fe_valid sysctl_name = {
	.parse = fe_parse_sysctl_name,
	.why = "only namespaced sysctls (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)"
};

#define SYSCALLS_WHY                                                                               \
	"must be syscall names, one a line, each optionally followed by kill, trap, allow or "     \
	"errno N (at most 128)"
#define FE_VALID(fn, reason)                                                                       \
	{                                                                                          \
		.parse = (fn), .why = (reason)                                                     \
	}

static void set_idmap_base(struct ph_start_config *c, const struct fe_value *v)
{
	c->idmap_base = (uint32_t)v->u;
}

static void set_idmap_size(struct ph_start_config *c, const struct fe_value *v)
{
	c->idmap_size = (uint32_t)v->u;
}

/* A row of a name, flags and a value's validator (no gate, no setter). */
#define KEY(n, f, v)                                                                               \
	{                                                                                          \
		.name = (n), .flags = (f), .value = v                                              \
	}

/* A limits.* row: live, with a setter into the start request's limits. */
#define LIMIT(n, v, setter)                                                                        \
	{                                                                                          \
		.name = (n), .flags = FE_KEY_LIVE, .value = v, .set = (setter)                     \
	}

/*
 * The keys, in name order. An empty value passes every row (it unsets the
 * key). FE_KEY_LIVE says what moat does: every limits.* key reaches a
 * running instance at once (instance_limits, the whole set each time);
 * security.nesting, live in LXD, only at its next start.
 */
const struct fe_key fe_config_keys[] = {
	/* read by api/boot.c when moatd starts and at a host shutdown */
	KEY("boot.autostart", FE_KEY_LIVE, BOOLEAN),
	KEY("boot.autostart.delay", FE_KEY_LIVE, NUMBER(1000000)),
	KEY("boot.autostart.priority", FE_KEY_LIVE, NUMBER(1000000)),
	KEY("boot.host_shutdown_timeout", FE_KEY_LIVE, NUMBER(1000000)),
	KEY("boot.stop.priority", FE_KEY_LIVE, NUMBER(1000000)),
	{ .name = "environment.",
	  .flags = FE_KEY_PREFIX | FE_KEY_LIVE,
	  .value = ANY,
	  .suffix = &env_name },
	KEY("image.", FE_KEY_PREFIX | FE_KEY_LIVE | FE_KEY_INSTANCE, ANY),
	LIMIT("limits.cpu",
	      FE_CPUSET(4096, "must be a number of CPUs or a set such as 0-1,3 (each CPU once)"),
	      set_cpus),
	LIMIT("limits.cpu.allowance",
	      FE_ALLOWANCE("must be a percentage such as 50% or a time such as 25ms/100ms"),
	      set_allowance),
	LIMIT("limits.cpu.priority", FE_UINT(0, 10, "must be between 0 and 10"), set_cpu_priority),
	LIMIT("limits.hugepages.1GB", FE_BYTES(0, "must be a size such as 2GiB"), set_huge_1gb),
	LIMIT("limits.hugepages.1MB", FE_BYTES(0, "must be a size such as 16MiB"), set_huge_1mb),
	LIMIT("limits.hugepages.2MB", FE_BYTES(0, "must be a size such as 16MiB"), set_huge_2mb),
	LIMIT("limits.hugepages.64KB", FE_BYTES(0, "must be a size such as 16MiB"), set_huge_64kb),
	LIMIT("limits.memory",
	      FE_PERCENT_OR_BYTES(4096, "must be a size such as 512MiB or a percentage "
					"of the host's memory such as 50%"),
	      set_memory),
	LIMIT("limits.memory.enforce", FE_ENUM(enforce, "must be hard or soft"),
	      set_memory_enforce),
	LIMIT("limits.memory.swap", BOOLEAN, set_swap),
	LIMIT("limits.memory.swap.priority", FE_UINT(0, 10, "must be between 0 and 10"),
	      set_swap_priority),
	LIMIT("limits.processes", FE_UINT(1, 4194304, "must be a number"), set_processes),
	{ .name = "linux.kernel_modules",
	  .value = { .parse = fe_parse_modules,
		     .why = "must be kernel module names separated by commas (at most 16)" },
	  .gate = FE_GATE_KERNEL_MODULES,
	  .forbidden = "Loading kernel modules is forbidden",
	  .set = fe_set_kernel_modules },
	{ .name = "linux.sysctl.",
	  .flags = FE_KEY_PREFIX,
	  .value = { .parse = fe_parse_sysctl_value,
		     .why = "must be printable text without a line break (1 to 255 bytes)" },
	  .suffix = &sysctl_name,
	  .set_key = fe_set_sysctl },
	{ .name = "raw.idmap",
	  .value = { .parse = fe_parse_raw_idmap,
		     .why = "must be lines \"both|uid|gid HOST CONTAINER\" (ids or equal ranges "
			    "A-B, container ids below 65536, at most 16 lines, no id twice)" },
	  .gate = FE_GATE_RAW_IDMAP,
	  .forbidden = "Raw idmap configuration is forbidden",
	  .set = fe_set_raw_idmap },
	{ .name = "raw.lxc",
	  .value = { .parse = fe_parse_raw_lxc,
		     .why = "must be \"key = value\" lines of the liblxc keys moat allows "
			    "(never lxc.include, lxc.log.file, lxc.prlimit.*; at most 64 lines; "
			    "no control characters)" },
	  .gate = FE_GATE_RAW_LXC,
	  .forbidden = "Raw LXC configuration is forbidden",
	  .set = fe_set_raw_lxc },
	{ .name = "raw.seccomp",
	  .value = { .parse = fe_parse_raw_seccomp,
		     .why = "must be a liblxc seccomp policy (version 2; known syscalls, no "
			    "notify action, at most 8192 bytes)" },
	  .gate = FE_GATE_RAW_SECCOMP,
	  .forbidden = "Raw seccomp configuration is forbidden",
	  .set = fe_set_raw_seccomp },
	{ .name = "security.idmap.base",
	  .value = FE_UINT(1, 4294901759ULL, "must be a number"),
	  .set = set_idmap_base },
	{ .name = "security.idmap.isolated", .value = BOOLEAN, .set = fe_set_idmap_isolated },
	{ .name = "security.idmap.size",
	  .value = FE_UINT(1, 65536, "must be a number from 1 to 65536"),
	  .set = set_idmap_size },
	{ .name = "security.nesting",
	  .value = BOOLEAN,
	  .gate = FE_GATE_NESTING,
	  .forbidden = "Container nesting is forbidden",
	  .set = set_nesting },
	{ .name = "security.privileged",
	  .value = BOOLEAN,
	  .gate = FE_GATE_PRIVILEGED,
	  .forbidden = "Privileged containers are forbidden",
	  .set = set_privileged },
	KEY("security.protection.delete", FE_KEY_LIVE, BOOLEAN),
	{ .name = "security.syscalls.allow",
	  .value = { .parse = fe_parse_syscalls, .why = SYSCALLS_WHY },
	  .set = fe_set_syscalls_allow },
	{ .name = "security.syscalls.deny",
	  .value = { .parse = fe_parse_syscalls, .why = SYSCALLS_WHY },
	  .set = fe_set_syscalls_deny },
	{ .name = "security.syscalls.deny_compat",
	  .value = FE_VALID(fe_parse_false,
			    "moat cannot block only the 32-bit syscall entry points (a liblxc "
			    "[x86] section also denies the native calls): only false") },
	{ .name = "security.syscalls.deny_default", .value = BOOLEAN, .set = fe_set_deny_default },
	KEY("security.syscalls.intercept.", FE_KEY_PREFIX,
	    FE_VALID(fe_parse_false, "moat has no syscall interception (moatd runs no seccomp "
				     "notify handler): only false")),
	/* read by api/snapshot_sched.c every minute, and by an unnamed snapshot */
	KEY("snapshots.expiry", FE_KEY_LIVE,
	    FE_VALID(fe_parse_snapshot_expiry,
		     "must be words such as 1d or 2w (units M, H, d, w, m, y) separated by "
		     "spaces")),
	KEY("snapshots.pattern", FE_KEY_LIVE,
	    FE_VALID(fe_parse_snapshot_pattern,
		     "must be a name with %d at most once, and {{ creation_date|date:\"LAYOUT\" "
		     "}} for a date")),
	KEY("snapshots.schedule", FE_KEY_LIVE,
	    FE_VALID(fe_parse_snapshot_schedule,
		     "must be of the form <minute> <hour> <day-of-month> <month> <day-of-week>, "
		     "or @hourly, @daily, @midnight, @weekly, @monthly, @annually, @yearly, "
		     "@startup, @never, several joined by \", \"")),
	KEY("snapshots.schedule.stopped", FE_KEY_LIVE, BOOLEAN),
	KEY("user.", FE_KEY_PREFIX | FE_KEY_LIVE, ANY),
	KEY("volatile.", FE_KEY_PREFIX | FE_KEY_LIVE | FE_KEY_INSTANCE, ANY),
};

const size_t fe_config_nkeys = sizeof(fe_config_keys) / sizeof(fe_config_keys[0]);

const struct fe_key *fe_config_key(const char *key)
{
	const struct fe_key *prefix = NULL;

	for (size_t k = 0; k < fe_config_nkeys; k++) {
		const struct fe_key *row = &fe_config_keys[k];

		if (!(row->flags & FE_KEY_PREFIX) && strcmp(key, row->name) == 0)
			return row;
		if ((row->flags & FE_KEY_PREFIX) && strncmp(key, row->name, strlen(row->name)) == 0)
			prefix = row;
	}
	return prefix;
}

int fe_config_check_one(const char *key, const char *value, const struct fe_policy *policy,
			char err[static FE_ERR_MAX])
{
	const struct fe_key *row = fe_config_key(key);
	struct fe_value v;

	if (!row) {
		snprintf(err, FE_ERR_MAX, "Invalid config: Unknown configuration key: \"%.100s\"",
			 key);
		return -EINVAL;
	}
	if (row->suffix && row->suffix->parse(row->suffix, key + strlen(row->name), &v) < 0) {
		snprintf(err, FE_ERR_MAX, "Invalid config: %s: \"%.100s\"", row->suffix->why, key);
		return -EINVAL;
	}
	if ((row->flags & FE_KEY_PREFIX) && strlen(key) > FE_KEY_MAX) {
		snprintf(err, FE_ERR_MAX, "Invalid config: key too long: \"%.100s\"", key);
		return -EINVAL;
	}
	if (!*value) /* unset */
		return 0;
	if (row->value.parse(&row->value, value, &v) < 0) {
		char why[256];

		if (fe_sec_explain(row->value.parse, value, why, sizeof(why)))
			snprintf(err, FE_ERR_MAX, "Invalid config: %s: \"%.100s\"", why, key);
		else
			snprintf(err, FE_ERR_MAX, "Invalid config: %s: \"%.100s\"", row->value.why,
				 key);
		return -EINVAL;
	}
	if (row->gate != FE_GATE_NONE && v.b && !fe_policy_allows(policy, row->gate)) {
		snprintf(
			err, FE_ERR_MAX,
			"Invalid value \"%.100s\" for config \"%.100s\": %s by the server's policy",
			value, key, row->forbidden);
		return -EPERM;
	}
	if (row->value.parse == fe_parse_raw_lxc && v.u &&
	    !fe_policy_allows(policy, FE_GATE_LXC_HOOKS)) {
		snprintf(
			err, FE_ERR_MAX,
			"Invalid value for config \"%.100s\": lxc.hook.* lines are forbidden by the "
			"server's policy",
			key);
		return -EPERM;
	}
	return 0;
}

int fe_check_config(json_object *config, char err[static FE_ERR_MAX])
{
	if (!config)
		return 0;
	json_object_object_foreach(config, k, v)
	{
		int r;

		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, FE_ERR_MAX,
				 "Invalid config: the value of \"%.100s\" must be a string", k);
			return -EINVAL;
		}
		r = fe_config_check_one(k, json_object_get_string(v), &fe_srv.policy, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int fe_config_get(json_object *config, const char *key, struct fe_value *ret)
{
	const struct fe_key *row = fe_config_key(key);
	json_object *o;
	const char *s;

	if (!row)
		return -ENOENT;
	if (!json_object_object_get_ex(config, key, &o) ||
	    !json_object_is_type(o, json_type_string))
		return 0;
	s = json_object_get_string(o);
	if (!*s || row->value.parse(&row->value, s, ret) < 0)
		return 0;
	return 1;
}

bool fe_config_true(json_object *config, const char *key)
{
	const struct fe_key *row = fe_config_key(key);
	struct fe_value v;

	return row && row->value.parse == fe_parse_bool && fe_config_get(config, key, &v) == 1 &&
	       v.b;
}

bool fe_config_live(const char *key)
{
	const struct fe_key *row = fe_config_key(key);

	return row && (row->flags & FE_KEY_LIVE);
}

bool fe_config_from_profile(const char *key)
{
	const struct fe_key *row = fe_config_key(key);

	return !row || !(row->flags & FE_KEY_INSTANCE);
}

void fe_config_environment(json_object *config, json_object *env)
{
	const struct fe_key *row = fe_config_key("environment.");

	json_object_object_foreach(config, k, v)
	{
		if (fe_config_key(k) == row)
			json_object_object_add(env, k + strlen(row->name), json_object_get(v));
	}
}

void fe_config_start(json_object *expanded, struct ph_start_config *ret)
{
	struct ph_start_config c = { 0 };

	json_object_object_foreach(expanded, k, o)
	{
		const struct fe_key *row = fe_config_key(k);
		struct fe_value v;

		(void)o;
		if (row && row->set && fe_config_get(expanded, k, &v) == 1)
			row->set(&c, &v);
		else if (row && row->set_key && fe_config_get(expanded, k, &v) == 1)
			row->set_key(&c, k, &v);
	}
	*ret = c;
}
