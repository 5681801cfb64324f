// SPDX-License-Identifier: Apache-2.0
/*
 * The security keys of instance_start on the wire: the texts of the
 * expanded config (raw.idmap, the syscall lists, raw.lxc, raw.seccomp,
 * linux.kernel_modules, linux.sysctl.*) cut into InstanceConfig's typed
 * fields 20-31 by common/rawconf.c's rules, the same ones moatd runs
 * again. moatd-api, unprivileged; the texts are client input that the
 * config schema (model/config_sec.c) already accepted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ph/wire.h"
#include "rawconf.h"

#define SEC_LINES_MAX 64
#define SEC_RULES_MAX 128
#define SEC_MODULES_MAX 16
#define SEC_IDMAP_MAX 16

void ph_sec_wire_free(struct ph_sec_wire *w)
{
	free(w->idmap);
	free(w->idmap_p);
	free(w->rules);
	free(w->deny_p);
	free(w->allow_p);
	free(w->lines);
	free(w->lxc_p);
	free(w->sysctl_p);
	free(w->modules);
	free(w->text);
	memset(w, 0, sizeof(*w));
}

/* A copy of s in w's text area (which is big enough: see ph_sec_fill). */
static void put(ProtobufCBinaryData *b, char **pos, const char *s, size_t n)
{
	memcpy(*pos, s, n);
	(*pos)[n] = '\0';
	b->data = (uint8_t *)*pos;
	b->len = n;
	*pos += n + 1;
}

static int rules(const char *text, Ph__SyscallRule *r, Ph__SyscallRule **p, size_t *used,
		 size_t *ret_n, char **pos)
{
	static const Ph__SyscallAction act[] = { PH__SYSCALL_ACTION__SYSCALL_ACTION_UNSPECIFIED,
						 PH__SYSCALL_ACTION__SYSCALL_ACTION_KILL,
						 PH__SYSCALL_ACTION__SYSCALL_ACTION_ERRNO,
						 PH__SYSCALL_ACTION__SYSCALL_ACTION_TRAP,
						 PH__SYSCALL_ACTION__SYSCALL_ACTION_ALLOW };
	size_t n = 0;

	for (const char *s = text; s && *s;) {
		const char *eol = strchr(s, '\n'), *e = eol ? eol : s + strlen(s);
		struct rawconf_rule rule;

		if (strspn(s, " \t") < (size_t)(e - s)) {
			if (*used >= SEC_RULES_MAX ||
			    rawconf_syscall_rule(s, (size_t)(e - s), &rule) < 0)
				return -EINVAL;
			ph__syscall_rule__init(&r[*used]);
			put(&r[*used].name, pos, rule.name, strlen(rule.name));
			r[*used].action = act[rule.action];
			r[*used].errnum = rule.err;
			p[n++] = &r[(*used)++];
		}
		s = eol ? eol + 1 : e;
	}
	*ret_n = n;
	return 0;
}

struct lxc_fill {
	Ph__ConfigLine *lines;
	Ph__ConfigLine **p;
	size_t n;
	char **pos;
};

static int one_line(void *arg, const char *key, const char *value)
{
	struct lxc_fill *f = arg;

	if (f->n >= SEC_LINES_MAX)
		return -E2BIG;
	ph__config_line__init(&f->lines[f->n]);
	put(&f->lines[f->n].key, f->pos, key, strlen(key));
	put(&f->lines[f->n].value, f->pos, value, strlen(value));
	f->p[f->n] = &f->lines[f->n];
	f->n++;
	return 0;
}

static size_t len(const char *s)
{
	return s ? strlen(s) : 0;
}

int ph_sec_fill(const struct ph_start_config *c, Ph__InstanceConfig *m, struct ph_sec_wire *w)
{
	struct rawconf_idmap idmap[SEC_IDMAP_MAX];
	size_t room = 2048, used = 0, nmod = 0;
	char *pos, why[256];
	int n;

	m->idmap_isolated = c->idmap_isolated;
	m->idmap_base = c->idmap_isolated ? c->idmap_base : 0;
	m->idmap_size = c->idmap_isolated ? c->idmap_size : 0;
	m->no_default_deny = c->no_default_deny;
	m->deny_compat = c->deny_compat;
	room += 2 * (len(c->syscalls_deny) + len(c->syscalls_allow) + len(c->raw_lxc) +
		     len(c->kernel_modules) + len(c->raw_seccomp));
	for (size_t k = 0; k < c->n_sysctl; k++)
		room += len(c->sysctl_key[k]) + len(c->sysctl_value[k]) + 2;
	w->text = malloc(room);
	w->idmap = calloc(SEC_IDMAP_MAX, sizeof(*w->idmap));
	w->idmap_p = calloc(SEC_IDMAP_MAX, sizeof(*w->idmap_p));
	w->rules = calloc(SEC_RULES_MAX, sizeof(*w->rules));
	w->deny_p = calloc(SEC_RULES_MAX, sizeof(*w->deny_p));
	w->allow_p = calloc(SEC_RULES_MAX, sizeof(*w->allow_p));
	w->lines = calloc(SEC_LINES_MAX + 32, sizeof(*w->lines));
	w->lxc_p = calloc(SEC_LINES_MAX, sizeof(*w->lxc_p));
	w->sysctl_p = calloc(32, sizeof(*w->sysctl_p));
	w->modules = calloc(SEC_MODULES_MAX, sizeof(*w->modules));
	if (!w->text || !w->idmap || !w->idmap_p || !w->rules || !w->deny_p || !w->allow_p ||
	    !w->lines || !w->lxc_p || !w->sysctl_p || !w->modules)
		return -ENOMEM;
	pos = w->text;

	n = c->raw_idmap ? rawconf_idmap_parse(c->raw_idmap, idmap, SEC_IDMAP_MAX) : 0;
	if (n < 0)
		return n;
	for (int k = 0; k < n; k++) {
		ph__idmap_entry__init(&w->idmap[k]);
		w->idmap[k].uid = idmap[k].uid;
		w->idmap[k].gid = idmap[k].gid;
		w->idmap[k].host = idmap[k].host;
		w->idmap[k].cont = idmap[k].cont;
		w->idmap[k].count = idmap[k].count;
		w->idmap_p[k] = &w->idmap[k];
	}
	m->raw_idmap = w->idmap_p;
	m->n_raw_idmap = (size_t)n;

	if (rules(c->syscalls_deny, w->rules, w->deny_p, &used, &m->n_syscalls_deny, &pos) < 0 ||
	    rules(c->syscalls_allow, w->rules, w->allow_p, &used, &m->n_syscalls_allow, &pos) < 0)
		return -EINVAL;
	m->syscalls_deny = w->deny_p;
	m->syscalls_allow = w->allow_p;
	if (c->raw_seccomp)
		put(&m->raw_seccomp, &pos, c->raw_seccomp, strlen(c->raw_seccomp));

	{
		struct lxc_fill f = { .lines = w->lines, .p = w->lxc_p, .pos = &pos };

		if (c->raw_lxc &&
		    rawconf_lxc_parse(c->raw_lxc, true, one_line, &f, why, sizeof(why)) < 0)
			return -EINVAL;
		m->raw_lxc = w->lxc_p;
		m->n_raw_lxc = f.n;
	}
	for (size_t k = 0; k < c->n_sysctl && k < 32; k++) {
		Ph__ConfigLine *l = &w->lines[SEC_LINES_MAX + k];

		ph__config_line__init(l);
		put(&l->key, &pos, c->sysctl_key[k], strlen(c->sysctl_key[k]));
		put(&l->value, &pos, c->sysctl_value[k], strlen(c->sysctl_value[k]));
		w->sysctl_p[k] = l;
	}
	m->sysctls = w->sysctl_p;
	m->n_sysctls = c->n_sysctl < 32 ? c->n_sysctl : 32;

	for (const char *s = c->kernel_modules; s && *s;) {
		const char *comma = strchr(s, ','), *e = comma ? comma : s + strlen(s);

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s) {
			if (nmod >= SEC_MODULES_MAX)
				return -EINVAL;
			put(&w->modules[nmod++], &pos, s, (size_t)(e - s));
		}
		s = comma ? comma + 1 : "";
	}
	m->kernel_modules = w->modules;
	m->n_kernel_modules = nmod;
	return 0;
}
