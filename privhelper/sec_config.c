// SPDX-License-Identifier: Apache-2.0
/*
 * The security keys of an instance_start, in moatd (root): the check of
 * InstanceConfig's fields 20-31 (id maps, syscall lists, raw.seccomp,
 * raw.lxc, kernel modules, sysctls), their policy step, their lines of the
 * liblxc configuration, the seccomp policy file and the loading of kernel
 * modules. The checks read hostile bytes from moatd-api; the rules for
 * the text fields are common/rawconf.c's (the frontend runs them too, for
 * the 400: moatd runs them again here, since it trusts no frontend).
 */
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "ph.h"

/* ---- check ---------------------------------------------------------------- */

static bool syscall_known(const char *name)
{
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

static int check_rules(Ph__SyscallRule **in, size_t n, struct rawconf_rule *out, size_t *ret_n)
{
	if (n > PH_SYSCALLS_MAX)
		return -E2BIG;
	for (size_t k = 0; k < n; k++) {
		struct rawconf_rule r = { 0 };
		int e = ph_check_text(&in[k]->name, 1, r.name, sizeof(r.name));

		if (e < 0)
			return e;
		if (!rawconf_syscall_name_ok(r.name) || !syscall_known(r.name))
			return -EINVAL;
		switch (in[k]->action) {
		case PH__SYSCALL_ACTION__SYSCALL_ACTION_UNSPECIFIED:
			r.action = RAWCONF_DEFAULT;
			break;
		case PH__SYSCALL_ACTION__SYSCALL_ACTION_KILL:
			r.action = RAWCONF_KILL;
			break;
		case PH__SYSCALL_ACTION__SYSCALL_ACTION_ERRNO:
			r.action = RAWCONF_ERRNO;
			break;
		case PH__SYSCALL_ACTION__SYSCALL_ACTION_TRAP:
			r.action = RAWCONF_TRAP;
			break;
		case PH__SYSCALL_ACTION__SYSCALL_ACTION_ALLOW:
			r.action = RAWCONF_ALLOW;
			break;
		default:
			return -EINVAL;
		}
		if (in[k]->errnum > 4095 || (in[k]->errnum && r.action != RAWCONF_ERRNO))
			return -ERANGE;
		r.err = in[k]->errnum;
		out[k] = r;
	}
	*ret_n = n;
	return 0;
}

static bool overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

static int check_idmap(const Ph__InstanceConfig *m, struct ph_sec_config *s)
{
	if (m->idmap_isolated) {
		if (m->idmap_size < 1 || m->idmap_size > 65536 || m->idmap_base == 0 ||
		    (uint64_t)m->idmap_base + m->idmap_size > UINT32_MAX)
			return -ERANGE;
	} else if (m->idmap_base || m->idmap_size) {
		return -EINVAL; /* a base and size mean an isolated map */
	}
	s->idmap_isolated = m->idmap_isolated;
	s->idmap_base = m->idmap_base;
	s->idmap_size = m->idmap_size;
	if (m->n_raw_idmap > PH_IDMAP_MAX)
		return -E2BIG;
	for (size_t k = 0; k < m->n_raw_idmap; k++) {
		const Ph__IdmapEntry *e = m->raw_idmap[k];

		if (!(e->uid || e->gid) || e->count < 1 || e->count > 65536 ||
		    (uint64_t)e->cont + e->count > 65536 ||
		    (uint64_t)e->host + e->count > UINT32_MAX)
			return -ERANGE;
		for (size_t j = 0; j < k; j++) {
			const struct ph_idmap_entry *o = &s->raw_idmap[j];

			if (((o->uid && e->uid) || (o->gid && e->gid)) &&
			    (overlap(o->cont, o->count, e->cont, e->count) ||
			     overlap(o->host, o->count, e->host, e->count)))
				return -EINVAL;
		}
		s->raw_idmap[k] = (struct ph_idmap_entry){ .uid = e->uid,
							   .gid = e->gid,
							   .host = e->host,
							   .cont = e->cont,
							   .count = e->count };
	}
	s->n_raw_idmap = m->n_raw_idmap;
	return 0;
}

static int check_lines(Ph__ConfigLine **in, size_t n, size_t max, struct ph_line *out,
		       size_t *ret_n, bool sysctl)
{
	if (n > max)
		return -E2BIG;
	for (size_t k = 0; k < n; k++) {
		int r = ph_check_text(&in[k]->key, 1, out[k].key, sizeof(out[k].key));

		if (r == 0)
			r = ph_check_text(&in[k]->value, sysctl ? 1 : 0, out[k].value,
					  sysctl ? RAWCONF_SYSCTL_MAX : sizeof(out[k].value));
		if (r < 0)
			return r;
		if (sysctl ? !rawconf_sysctl_ok(out[k].key)
			   : rawconf_lxc_key(out[k].key, true) != NULL)
			return -EINVAL;
		if (!rawconf_value_ok(out[k].value, sizeof(out[k].value)))
			return -EINVAL;
	}
	*ret_n = n;
	return 0;
}

int ph_check_sec_config(const Ph__InstanceConfig *m, struct ph_sec_config *s)
{
	char why[128];
	int r;

	r = check_idmap(m, s);
	if (r == 0)
		r = check_rules(m->syscalls_deny, m->n_syscalls_deny, s->deny, &s->n_deny);
	if (r == 0)
		r = check_rules(m->syscalls_allow, m->n_syscalls_allow, s->allow, &s->n_allow);
	if (r < 0)
		return r;
	/* LXD: security.syscalls.allow is mutually exclusive with security.syscalls.deny* */
	if (s->n_allow && (s->n_deny || m->deny_compat || m->no_default_deny))
		return -EINVAL;
	/*
	 * deny_compat is not supported: a liblxc [x86] section on an x86_64
	 * host denies the native calls of those names too (found by
	 * 58-security: sendmsg failed with ENOSYS and the start with it)
	 */
	if (m->deny_compat)
		return -EOPNOTSUPP;
	s->no_default_deny = m->no_default_deny;
	r = ph_check_text(&m->raw_seccomp, 0, s->raw_seccomp, sizeof(s->raw_seccomp));
	if (r < 0)
		return r;
	if (s->raw_seccomp[0] && rawconf_seccomp_check(s->raw_seccomp, strlen(s->raw_seccomp),
						       syscall_known, why, sizeof(why)) < 0)
		return -EINVAL;
	r = check_lines(m->raw_lxc, m->n_raw_lxc, PH_RAW_LXC_MAX, s->raw_lxc, &s->n_raw_lxc, false);
	if (r == 0)
		r = check_lines(m->sysctls, m->n_sysctls, PH_SYSCTL_MAX, s->sysctl, &s->n_sysctl,
				true);
	if (r < 0)
		return r;
	if (m->n_kernel_modules > PH_MODULES_MAX)
		return -E2BIG;
	for (size_t k = 0; k < m->n_kernel_modules; k++) {
		r = ph_check_text(&m->kernel_modules[k], 1, s->modules[k], sizeof(s->modules[k]));
		if (r < 0)
			return r;
		if (!rawconf_module_ok(s->modules[k]))
			return -EINVAL;
	}
	s->n_modules = m->n_kernel_modules;
	return 0;
}

/* ---- policy ----------------------------------------------------------------- */

int ph_policy_sec_config(const struct ph_policy *p, const struct ph_instance_config *c,
			 const char **ret_why)
{
	const struct ph_sec_config *s = &c->sec;

	if (s->n_raw_lxc && !p->allow_raw_lxc) {
		*ret_why = "raw.lxc is not allowed by the policy";
		return -EPERM;
	}
	for (size_t k = 0; k < s->n_raw_lxc; k++)
		if (strncmp(s->raw_lxc[k].key, "lxc.hook.", 9) == 0 && !p->allow_lxc_hooks) {
			*ret_why = "lxc.hook.* lines in raw.lxc are not allowed by the policy";
			return -EPERM;
		}
	if (s->n_raw_idmap && !p->allow_raw_idmap) {
		*ret_why = "raw.idmap is not allowed by the policy";
		return -EPERM;
	}
	if (s->raw_seccomp[0] && !p->allow_raw_seccomp) {
		*ret_why = "raw.seccomp is not allowed by the policy";
		return -EPERM;
	}
	if (s->n_modules && !p->allow_kernel_modules) {
		*ret_why = "linux.kernel_modules is not allowed by the policy";
		return -EPERM;
	}
	if (c->privileged && (s->idmap_isolated || s->n_raw_idmap)) {
		*ret_why = "a privileged container has no id map to isolate or extend";
		return -EINVAL;
	}
	return 0;
}

/* ---- render ----------------------------------------------------------------- */

/*
 * One kind's map: container ids 0..size-1 to host base.., with the
 * container ranges of raw entries cut out and given their host ids.
 */
static void render_map(FILE *f, char kind, uint32_t base, uint32_t size,
		       const struct ph_sec_config *s)
{
	uint32_t next = 0;

	for (;;) {
		const struct ph_idmap_entry *lo = NULL;

		for (size_t k = 0; k < s->n_raw_idmap; k++) {
			const struct ph_idmap_entry *e = &s->raw_idmap[k];

			if ((kind == 'u' ? e->uid : e->gid) && e->cont >= next &&
			    (!lo || e->cont < lo->cont))
				lo = e;
		}
		if (!lo) {
			if (next < size)
				fprintf(f, "lxc.idmap = %c %u %u %u\n", kind, next, base + next,
					size - next);
			return;
		}
		if (lo->cont > next && next < size)
			fprintf(f, "lxc.idmap = %c %u %u %u\n", kind, next, base + next,
				(lo->cont < size ? lo->cont : size) - next);
		fprintf(f, "lxc.idmap = %c %u %u %u\n", kind, lo->cont, lo->host, lo->count);
		next = lo->cont + lo->count;
	}
}

/* Does [b, b+n) lie in the delegated [base, base+size)? */
static bool within(uint64_t b, uint64_t n, uint64_t base, uint64_t size)
{
	return b >= base && b + n <= base + size;
}

int ph_render_sec_idmap(struct ph_ctx *ctx, FILE *f, const struct ph_instance_config *c,
			const char **ret_why)
{
	const struct ph_sec_config *s = &c->sec;
	uint32_t ubase = ctx->idmap_base, gbase = ctx->idmap_base_gid, size = 65536;

	if (c->privileged)
		return 0;
	if (s->idmap_isolated) {
		uint64_t off = (uint64_t)s->idmap_base - ctx->idmap_base;

		ubase = s->idmap_base;
		gbase = (uint32_t)(ctx->idmap_base_gid + off);
		size = s->idmap_size;
		if ((s->idmap_base < ctx->idmap_base ||
		     !within(ubase, size, ctx->idmap_base, ctx->idmap_size) ||
		     !within((uint64_t)ctx->idmap_base_gid + off, size, ctx->idmap_base_gid,
			     ctx->idmap_size_gid)) &&
		    !ctx->policy.allow_raw_idmap) {
			*ret_why = "an isolated id range outside the delegated range needs "
				   "allow_raw_idmap in the policy";
			return -EPERM;
		}
		if (s->idmap_base < ctx->idmap_base)
			gbase = s->idmap_base; /* outside the range (allowed): the same ids */
	}
	for (size_t k = 0; k < s->n_raw_idmap; k++) {
		const struct ph_idmap_entry *e = &s->raw_idmap[k];

		if ((e->uid && overlap(e->host, e->count, ubase, size)) ||
		    (e->gid && overlap(e->host, e->count, gbase, size))) {
			*ret_why = "a raw.idmap host range overlaps the container's own map";
			return -EINVAL;
		}
	}
	render_map(f, 'u', ubase, size, s);
	render_map(f, 'g', gbase, size, s);
	return 0;
}

static void render_rule(FILE *f, const struct rawconf_rule *r)
{
	static const char *const act[] = { "", " kill", " errno", " trap", " allow" };

	if (r->action == RAWCONF_ERRNO)
		fprintf(f, "%s errno %u\n", r->name, r->err);
	else
		fprintf(f, "%s%s\n", r->name, act[r->action]);
}

/* LXD's policy: the default deny list unless turned off, then the lists. */
static int write_seccomp(const char *path, const struct ph_sec_config *s)
{
	char tmp[4096];
	FILE *f;
	int r = 0;

	f = ph_atomic_open(path, tmp, 0600, &r);
	if (!f)
		return r;
	if (s->raw_seccomp[0]) {
		fputs(s->raw_seccomp, f); /* checked line by line by rawconf_seccomp_check() */
		fputc('\n', f);
	} else if (s->n_allow) {
		fputs("2\nallowlist\n[all]\n", f);
		for (size_t k = 0; k < s->n_allow; k++)
			render_rule(f, &s->allow[k]);
	} else {
		fputs("2\ndenylist\n", f);
		if (!s->no_default_deny)
			fputs("reject_force_umount\n[all]\nkexec_load errno 38\n"
			      "open_by_handle_at errno 38\ninit_module errno 38\n"
			      "finit_module errno 38\ndelete_module errno 38\n",
			      f);
		fputs("[all]\n", f);
		for (size_t k = 0; k < s->n_deny; k++)
			render_rule(f, &s->deny[k]);
	}
	return ph_atomic_close(f, tmp, path, r);
}

/*
 * The seccomp profile line, the sysctls and raw.lxc's lines. Every key is
 * from an allow list and every value is printable text without a line
 * break (checked in ph_check_sec_config()), so each line stays one line.
 */
int ph_render_sec(struct ph_ctx *ctx, FILE *f, const char *name, const struct ph_instance_config *c)
{
	const struct ph_sec_config *s = &c->sec;
	char path[4096];
	int r;

	if (snprintf(path, sizeof(path), "%s/%s/seccomp", ctx->lxcpath, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = write_seccomp(path, s);
	if (r < 0)
		return r;
	fprintf(f, "lxc.seccomp.profile = %s\n", path);
	for (size_t k = 0; k < s->n_sysctl; k++)
		fprintf(f, "lxc.sysctl.%s = %s\n", s->sysctl[k].key, s->sysctl[k].value);
	for (size_t k = 0; k < s->n_raw_lxc; k++)
		fprintf(f, "%s = %s\n", s->raw_lxc[k].key, s->raw_lxc[k].value);
	return 0;
}

/* ---- kernel modules ------------------------------------------------------------ */

/*
 * Each name (checked: [a-zA-Z0-9_-]) is loaded as modprobe would, by
 * libkmod, from the running kernel's /lib/modules tree (dependencies
 * first, the blacklist applied); one already loaded or built in
 * (/sys/module/NAME) is left alone. No path or option comes from the
 * request.
 */
int ph_sec_load_modules(const struct ph_sec_config *s, char *why, size_t why_size)
{
	struct kmod_ctx *k = NULL;
	int r = 0;

	for (size_t i = 0; i < s->n_modules && r == 0; i++) {
		char sys[128], name[RAWCONF_MODULE_MAX];
		struct kmod_module *mod = NULL;

		snprintf(name, sizeof(name), "%s", s->modules[i]);
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		snprintf(sys, sizeof(sys), "/sys/module/%s", name);
		if (access(sys, F_OK) == 0)
			continue;
		if (!k)
			k = kmod_new(NULL, NULL);
		r = k ? kmod_module_new_from_name(k, name, &mod) : -ENOMEM;
		if (r == 0)
			r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL,
							    NULL, NULL, NULL);
		if (r > 0)
			r = -EPERM; /* blacklisted */
		if (r < 0)
			snprintf(why, why_size, "Failed to load kernel module '%s': %s",
				 s->modules[i], strerror(-r));
		if (mod)
			kmod_module_unref(mod);
	}
	if (k)
		kmod_unref(k);
	return r;
}
