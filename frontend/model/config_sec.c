// SPDX-License-Identifier: Apache-2.0
/*
 * The security keys' validators and setters (config_sec.h). Runs in
 * moatd-api (unprivileged); values are untrusted client input. Pure: the
 * rules are common/rawconf.c's, which moatd runs again on the start
 * request; libseccomp says which syscall names exist.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "model/config_sec.h"
#include "rawconf.h"

static bool syscall_known(const char *name)
{
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

static int ok(const char *s, bool b, uint64_t u, struct fe_value *ret)
{
	*ret = (struct fe_value){ .s = s, .b = b, .u = u };
	return 0;
}

int fe_parse_raw_idmap(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	struct rawconf_idmap m[16];
	int n = rawconf_idmap_parse(s, m, 16);

	return n < 0 ? -EINVAL : ok(s, n > 0, (uint64_t)n, ret);
}

int fe_parse_syscalls(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	size_t n = 0;

	for (const char *p = s; *p;) {
		const char *eol = strchr(p, '\n'), *e = eol ? eol : p + strlen(p);
		struct rawconf_rule r;

		if (strspn(p, " \t") < (size_t)(e - p)) {
			if (++n > 128 || rawconf_syscall_rule(p, (size_t)(e - p), &r) < 0 ||
			    !syscall_known(r.name))
				return -EINVAL;
		}
		p = eol ? eol + 1 : e;
	}
	return ok(s, n > 0, n, ret);
}

static int count_line(void *arg, const char *key, const char *value)
{
	size_t *n = arg;

	(void)value;
	if (++n[0] > 64)
		return -E2BIG;
	if (strncmp(key, "lxc.hook.", 9) == 0)
		n[1] = 1;
	return 0;
}

int fe_parse_raw_lxc(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	size_t n[2] = { 0, 0 };
	char why[256];

	if (rawconf_lxc_parse(s, true, count_line, n, why, sizeof(why)) < 0)
		return -EINVAL;
	return ok(s, n[0] > 0, n[1], ret);
}

int fe_parse_raw_seccomp(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	char why[256];

	if (rawconf_seccomp_check(s, strlen(s), syscall_known, why, sizeof(why)) < 0)
		return -EINVAL;
	return ok(s, true, 0, ret);
}

bool fe_sec_explain(fe_parse_fn parse, const char *s, char *why, size_t size)
{
	size_t n[2] = { 0, 0 };

	if (parse == fe_parse_raw_lxc)
		return rawconf_lxc_parse(s, true, count_line, n, why, size) < 0;
	if (parse == fe_parse_raw_seccomp)
		return rawconf_seccomp_check(s, strlen(s), syscall_known, why, size) < 0;
	return false;
}

int fe_parse_modules(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	size_t n = 0;

	for (const char *p = s; *p;) {
		const char *comma = strchr(p, ','), *e = comma ? comma : p + strlen(p);
		char name[RAWCONF_MODULE_MAX];

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			if (++n > 16 || (size_t)(e - p) >= sizeof(name))
				return -EINVAL;
			memcpy(name, p, (size_t)(e - p));
			name[e - p] = '\0';
			if (!rawconf_module_ok(name))
				return -EINVAL;
		}
		p = comma ? comma + 1 : "";
	}
	return ok(s, n > 0, n, ret);
}

int fe_parse_sysctl_name(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	return rawconf_sysctl_ok(s) ? ok(s, true, 0, ret) : -EINVAL;
}

int fe_parse_sysctl_value(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	return *s && rawconf_value_ok(s, RAWCONF_SYSCTL_MAX) ? ok(s, true, 0, ret) : -EINVAL;
}

int fe_parse_false(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	struct fe_value b;

	if (fe_parse_bool(NULL, s, &b) < 0 || b.b)
		return -EINVAL;
	return ok(s, false, 0, ret);
}

void fe_set_idmap_isolated(struct ph_start_config *c, const struct fe_value *v)
{
	c->idmap_isolated = v->b;
}

void fe_set_raw_idmap(struct ph_start_config *c, const struct fe_value *v)
{
	c->raw_idmap = v->s;
}

void fe_set_deny_default(struct ph_start_config *c, const struct fe_value *v)
{
	c->no_default_deny = !v->b;
}

void fe_set_syscalls_deny(struct ph_start_config *c, const struct fe_value *v)
{
	c->syscalls_deny = v->s;
}

void fe_set_syscalls_allow(struct ph_start_config *c, const struct fe_value *v)
{
	c->syscalls_allow = v->s;
}

void fe_set_raw_lxc(struct ph_start_config *c, const struct fe_value *v)
{
	c->raw_lxc = v->s;
}

void fe_set_raw_seccomp(struct ph_start_config *c, const struct fe_value *v)
{
	c->raw_seccomp = v->s;
}

void fe_set_kernel_modules(struct ph_start_config *c, const struct fe_value *v)
{
	c->kernel_modules = v->s;
}

void fe_set_sysctl(struct ph_start_config *c, const char *key, const struct fe_value *v)
{
	if (c->n_sysctl < sizeof(c->sysctl_key) / sizeof(c->sysctl_key[0])) {
		c->sysctl_key[c->n_sysctl] = key + strlen("linux.sysctl.");
		c->sysctl_value[c->n_sysctl++] = v->s;
	}
}

int fe_sec_check_start(const struct ph_start_config *c, char err[static FE_ERR_MAX])
{
	if (c->syscalls_allow && *c->syscalls_allow &&
	    ((c->syscalls_deny && *c->syscalls_deny) || c->deny_compat || c->no_default_deny)) {
		snprintf(
			err, FE_ERR_MAX,
			"security.syscalls.allow is mutually exclusive with security.syscalls.deny*");
		return -EINVAL;
	}
	if (c->n_sysctl >= sizeof(c->sysctl_key) / sizeof(c->sysctl_key[0])) {
		snprintf(err, FE_ERR_MAX, "Too many linux.sysctl.* keys (at most 31)");
		return -EINVAL;
	}
	if (c->privileged && (c->idmap_isolated || (c->raw_idmap && *c->raw_idmap))) {
		snprintf(err, FE_ERR_MAX,
			 "security.idmap.* and raw.idmap do not apply to a privileged container");
		return -EINVAL;
	}
	return 0;
}
