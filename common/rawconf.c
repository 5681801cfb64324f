// SPDX-License-Identifier: Apache-2.0
/*
 * The rules of rawconf.h: what raw.lxc, raw.seccomp, the syscall lists,
 * sysctl names, module names and raw.dnsmasq may hold before any of it becomes a line
 * of a liblxc file. Run by moatd-api (for the 400) and by moatd (root,
 * again, on the typed start request). Pure; every input is untrusted.
 * fuzz/fuzz_rawconf.c drives both parsers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawconf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* raw.lxc keys moat passes on: none reads or runs a host file (hooks aside). */
static const char *const lxc_exact[] = {
	"lxc.apparmor.allow_incomplete",
	"lxc.apparmor.allow_nesting",
	"lxc.apparmor.profile",
	"lxc.autodev",
	"lxc.cap.drop",
	"lxc.cap.keep",
	"lxc.environment",
	"lxc.init.cmd",
	"lxc.init.cwd",
	"lxc.init.gid",
	"lxc.init.uid",
	"lxc.keyring.session",
	"lxc.log.level",
	"lxc.mount.auto",
	"lxc.mount.entry",
	"lxc.namespace.clone",
	"lxc.namespace.keep",
	"lxc.no_new_privs",
	"lxc.pty.max",
	"lxc.selinux.context",
	"lxc.signal.halt",
	"lxc.signal.reboot",
	"lxc.signal.stop",
	"lxc.tty.max",
};
static const char *const lxc_prefix[] = { "lxc.cgroup.", "lxc.cgroup2.", "lxc.sysctl." };
static const char *const lxc_hooks[] = {
	"lxc.hook.autodev",   "lxc.hook.destroy",   "lxc.hook.mount", "lxc.hook.post-stop",
	"lxc.hook.pre-mount", "lxc.hook.pre-start", "lxc.hook.start", "lxc.hook.start-host",
	"lxc.hook.stop",      "lxc.hook.version",
};

static bool in(const char *s, const char *const *list, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(s, list[k]) == 0)
			return true;
	return false;
}

/* After a prefix: [a-z0-9_.-], no empty component. */
static bool suffix_ok(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (const char *c = s; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-' || *c == '.'))
			return false;
		if (c[0] == '.' && (c[1] == '.' || c[1] == '\0'))
			return false;
	}
	return true;
}

const char *rawconf_lxc_key(const char *key, bool allow_hooks)
{
	if (strlen(key) >= RAWCONF_KEY_MAX)
		return "Invalid raw.lxc key: too long";
	if (strcmp(key, "lxc.include") == 0)
		return "Setting lxc.include is not allowed";
	if (strcmp(key, "lxc.logfile") == 0 || strcmp(key, "lxc.log.file") == 0)
		return "Setting lxc.logfile is not allowed";
	if (strcmp(key, "lxc.syslog") == 0 || strcmp(key, "lxc.log.syslog") == 0)
		return "Setting lxc.log.syslog is not allowed";
	if (strcmp(key, "lxc.ephemeral") == 0)
		return "Setting lxc.ephemeral is not allowed";
	if (strncmp(key, "lxc.prlimit.", 12) == 0)
		return "Process limits should be set via \"limits.kernel.[limit name]\" and not "
		       "directly via \"lxc.prlimit.[limit name]\"";
	if (in(key, lxc_hooks, N(lxc_hooks)))
		return allow_hooks ? NULL
				   : "Setting lxc.hook.* is not allowed by the server's policy";
	if (in(key, lxc_exact, N(lxc_exact)))
		return NULL;
	for (size_t k = 0; k < N(lxc_prefix); k++)
		if (strncmp(key, lxc_prefix[k], strlen(lxc_prefix[k])) == 0 &&
		    suffix_ok(key + strlen(lxc_prefix[k])))
			return NULL;
	return "Setting this key is not allowed (moat passes on only the raw.lxc keys of its list)";
}

bool rawconf_value_ok(const char *v, size_t max)
{
	size_t n = 0;

	for (; v[n]; n++)
		if (((unsigned char)v[n] < 0x20 && v[n] != '\t') || (unsigned char)v[n] >= 0x7f)
			return false;
	return n < max;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

int rawconf_lxc_parse(const char *text, bool allow_hooks,
		      int (*fn)(void *arg, const char *key, const char *value), void *arg,
		      char *why, size_t why_size)
{
	char key[RAWCONF_KEY_MAX], value[RAWCONF_VALUE_MAX];
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n'), *s = p, *e, *eq, *ks, *ke, *vs, *ve;
		const char *bad;
		int r;

		e = eol ? eol : p + strlen(p);
		p = eol ? eol + 1 : e;
		trim(&s, &e);
		if (s == e || *s == '#')
			continue;
		eq = memchr(s, '=', (size_t)(e - s));
		if (!eq) {
			snprintf(why, why_size, "Invalid raw.lxc line: %.*s",
				 (int)(e - s < 200 ? e - s : 200), s);
			return -EINVAL;
		}
		ks = s, ke = eq, vs = eq + 1, ve = e;
		trim(&ks, &ke);
		trim(&vs, &ve);
		if (ke == ks || (size_t)(ke - ks) >= sizeof(key) ||
		    (size_t)(ve - vs) >= sizeof(value)) {
			snprintf(why, why_size, "Invalid raw.lxc line: %.*s",
				 (int)(e - s < 200 ? e - s : 200), s);
			return -EINVAL;
		}
		memcpy(key, ks, (size_t)(ke - ks));
		key[ke - ks] = '\0';
		memcpy(value, vs, (size_t)(ve - vs));
		value[ve - vs] = '\0';
		bad = rawconf_lxc_key(key, allow_hooks);
		if (!bad && !rawconf_value_ok(value, sizeof(value)))
			bad = "Invalid raw.lxc value: control characters are not allowed";
		if (bad) {
			snprintf(why, why_size, "%s: %.100s", bad, key);
			return -EINVAL;
		}
		r = fn ? fn(arg, key, value) : 0;
		if (r < 0) {
			snprintf(why, why_size, "Too many raw.lxc lines");
			return r;
		}
	}
	return 0;
}

bool rawconf_sysctl_ok(const char *name)
{
	static const char *const prefix[] = { "net.", "kernel.shm", "kernel.msg", "fs.mqueue." };
	size_t n = strlen(name);

	if (n == 0 || n >= RAWCONF_KEY_MAX || !suffix_ok(name))
		return false;
	if (strcmp(name, "kernel.sem") == 0)
		return true;
	for (size_t k = 0; k < N(prefix); k++)
		if (strncmp(name, prefix[k], strlen(prefix[k])) == 0 && n > strlen(prefix[k]))
			return true;
	return false;
}

bool rawconf_module_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= RAWCONF_MODULE_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
	       n;
}

bool rawconf_syscall_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < RAWCONF_SYSCALL_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* The next space-separated word of [*p, e) into w (< size): its length, 0 at the end, -1 too long. */
static int word(const char **p, const char *e, char *w, size_t size)
{
	const char *s;

	while (*p < e && (**p == ' ' || **p == '\t'))
		(*p)++;
	s = *p;
	while (*p < e && **p != ' ' && **p != '\t')
		(*p)++;
	if ((size_t)(*p - s) >= size)
		return -1;
	memcpy(w, s, (size_t)(*p - s));
	w[*p - s] = '\0';
	return (int)(*p - s);
}

static int number(const char *w, unsigned long long max, unsigned long long *ret)
{
	char *end;
	unsigned long long x;

	if (!*w || *w == '-' || *w == '+' || *w == ' ')
		return -EINVAL;
	errno = 0;
	x = strtoull(w, &end, 0);
	if (errno || *end || x > max)
		return -EINVAL;
	*ret = x;
	return 0;
}

/* An action word (and errno's number) from [*p, e): 0, or -EINVAL. */
static int action(const char **p, const char *e, const char *w, struct rawconf_rule *r)
{
	char n[16];
	unsigned long long x;

	if (strcmp(w, "kill") == 0)
		r->action = RAWCONF_KILL;
	else if (strcmp(w, "trap") == 0)
		r->action = RAWCONF_TRAP;
	else if (strcmp(w, "allow") == 0)
		r->action = RAWCONF_ALLOW;
	else if (strcmp(w, "errno") == 0) {
		if (word(p, e, n, sizeof(n)) <= 0 || number(n, 4095, &x) < 0)
			return -EINVAL;
		r->action = RAWCONF_ERRNO;
		r->err = (uint32_t)x;
	} else
		return -EINVAL;
	return 0;
}

int rawconf_syscall_rule(const char *line, size_t len, struct rawconf_rule *ret)
{
	struct rawconf_rule r = { 0 };
	const char *p = line, *e = line + len;
	char w[RAWCONF_SYSCALL_MAX];

	if (memchr(line, '\0', len) || word(&p, e, r.name, sizeof(r.name)) <= 0 ||
	    !rawconf_syscall_name_ok(r.name))
		return -EINVAL;
	switch (word(&p, e, w, sizeof(w))) {
	case 0:
		break;
	case -1:
		return -EINVAL;
	default:
		if (action(&p, e, w, &r) < 0)
			return -EINVAL;
	}
	if (word(&p, e, w, sizeof(w)) != 0)
		return -EINVAL;
	*ret = r;
	return 0;
}

/* "[idx,value,SCMP_CMP_xx(,mask)]" */
static bool arg_ok(const char *w)
{
	static const char *const ops[] = { "SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
					   "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
					   "SCMP_CMP_MASKED_EQ" };
	char buf[96], *save = NULL, *f[5] = { 0 };
	unsigned long long x;
	size_t n = strlen(w), k = 0;

	if (n < 2 || n >= sizeof(buf) || w[0] != '[' || w[n - 1] != ']')
		return false;
	memcpy(buf, w + 1, n - 2);
	buf[n - 2] = '\0';
	if (strstr(buf, ",,") || buf[0] == ',' || (n > 2 && buf[n - 3] == ','))
		return false;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (k < N(f))
			f[k++] = t;
		else
			return false;
	if (k < 3 || k > 4 || number(f[0], 5, &x) < 0 || number(f[1], UINT64_MAX, &x) < 0 ||
	    !in(f[2], ops, N(ops)) || (k == 4 && number(f[3], UINT64_MAX, &x) < 0))
		return false;
	return (k == 4) == (strcmp(f[2], "SCMP_CMP_MASKED_EQ") == 0);
}

static int bad(char *why, size_t size, unsigned line, const char *what)
{
	snprintf(why, size, "Invalid raw.seccomp, line %u: %s", line, what);
	return -EINVAL;
}

int rawconf_seccomp_check(const char *text, size_t len, bool (*known)(const char *name), char *why,
			  size_t why_size)
{
	static const char *const kinds[] = { "denylist", "allowlist", "blacklist", "whitelist" };
	static const char *const arches[] = { "[all]",    "[ALL]",    "[x86]", "[X86]",
					      "[x86_64]", "[X86_64]", "[x32]", "[X32]" };
	const char *p = text, *end = text + len;
	unsigned line = 0;

	if (len > RAWCONF_SECCOMP_MAX)
		return bad(why, why_size, 0, "longer than 8192 bytes");
	if (memchr(text, '\0', len))
		return bad(why, why_size, 0, "a NUL byte");
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p, *e;
		struct rawconf_rule r;
		char w[RAWCONF_SYSCALL_MAX + 64];

		e = eol ? eol : end;
		p = eol ? eol + 1 : end;
		line++;
		for (const char *c = s; c < e; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') || (unsigned char)*c >= 0x7f)
				return bad(why, why_size, line, "a control character");
		trim(&s, &e);
		if (line == 1) {
			if (e - s != 1 || *s != '2')
				return bad(why, why_size, line, "the first line must be \"2\"");
			continue;
		}
		if (line == 2) {
			const char *q = s;
			struct rawconf_rule d = { 0 };

			if (word(&q, e, w, sizeof(w)) <= 0 || !in(w, kinds, N(kinds)))
				return bad(why, why_size, line,
					   "the second line must be denylist or allowlist");
			if (word(&q, e, w, sizeof(w)) > 0 &&
			    (action(&q, e, w, &d) < 0 || word(&q, e, w, sizeof(w)) != 0))
				return bad(why, why_size, line, "not a default action");
			continue;
		}
		if (s == e || *s == '#')
			continue;
		if ((size_t)(e - s) >= 19 && strncmp(s, "reject_force_umount", 19) == 0)
			continue;
		if (*s == '[') {
			if ((size_t)(e - s) >= sizeof(w))
				return bad(why, why_size, line, "not an architecture");
			memcpy(w, s, (size_t)(e - s));
			w[e - s] = '\0';
			if (!in(w, arches, N(arches)))
				return bad(why, why_size, line, "not an architecture moat knows");
			continue;
		}
		{
			const char *q = s;
			int n;

			if (word(&q, e, r.name, sizeof(r.name)) <= 0 ||
			    !rawconf_syscall_name_ok(r.name) || (known && !known(r.name)))
				return bad(why, why_size, line, "not a known syscall");
			n = word(&q, e, w, sizeof(w));
			if (n < 0)
				return bad(why, why_size, line, "a word too long");
			if (n > 0 && w[0] != '[') {
				if (strcmp(w, "notify") == 0)
					return bad(
						why, why_size, line,
						"the notify action needs a handler moatd does not run");
				if (action(&q, e, w, &r) < 0)
					return bad(why, why_size, line, "not an action");
				n = word(&q, e, w, sizeof(w));
			}
			for (int k = 0; n != 0; k++) {
				if (n < 0 || k >= 6 || !arg_ok(w))
					return bad(why, why_size, line,
						   "not an argument comparison");
				n = word(&q, e, w, sizeof(w));
			}
		}
	}
	if (line < 2)
		return bad(why, why_size, line, "a policy needs a version and a list kind");
	return 0;
}

/* "A" or "A-B" into [*ret_a, *ret_a + *ret_n). */
static int id_range(const char *w, uint32_t *ret_a, uint32_t *ret_n)
{
	char buf[32], *dash;
	unsigned long long a, b;

	if (strlen(w) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, w, strlen(w) + 1);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (strspn(buf, "0123456789") != strlen(buf) || number(buf, UINT32_MAX, &a) < 0)
		return -EINVAL;
	b = a;
	if (dash && (strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
		     number(dash + 1, UINT32_MAX, &b) < 0 || b < a))
		return -EINVAL;
	if (b - a + 1 > 65536)
		return -EINVAL;
	*ret_a = (uint32_t)a;
	*ret_n = (uint32_t)(b - a + 1);
	return 0;
}

int rawconf_idmap_parse(const char *text, struct rawconf_idmap *ret, size_t max)
{
	const char *p = text;
	size_t n = 0;

	while (*p) {
		const char *eol = strchr(p, '\n'), *s = p, *e;
		char kind[8], host[32], cont[32], extra[8];
		struct rawconf_idmap m = { 0 };
		uint32_t hn, cn;

		e = eol ? eol : p + strlen(p);
		p = eol ? eol + 1 : e;
		trim(&s, &e);
		if (s == e)
			continue;
		if (word(&s, e, kind, sizeof(kind)) <= 0 || word(&s, e, host, sizeof(host)) <= 0 ||
		    word(&s, e, cont, sizeof(cont)) <= 0 || word(&s, e, extra, sizeof(extra)) != 0)
			return -EINVAL;
		if (strcmp(kind, "both") == 0)
			m.uid = m.gid = true;
		else if (strcmp(kind, "uid") == 0)
			m.uid = true;
		else if (strcmp(kind, "gid") == 0)
			m.gid = true;
		else
			return -EINVAL;
		if (id_range(host, &m.host, &hn) < 0 || id_range(cont, &m.cont, &cn) < 0 ||
		    hn != cn || (uint64_t)m.cont + cn > 65536 || (uint64_t)m.host + hn > UINT32_MAX)
			return -EINVAL;
		m.count = hn;
		if (n >= max)
			return -E2BIG;
		for (size_t k = 0; k < n; k++)
			if (((ret[k].uid && m.uid) || (ret[k].gid && m.gid)) &&
			    ((ret[k].cont < m.cont + m.count &&
			      m.cont < ret[k].cont + ret[k].count) ||
			     (ret[k].host < (uint64_t)m.host + m.count &&
			      m.host < (uint64_t)ret[k].host + ret[k].count)))
				return -EINVAL; /* two entries for one id */
		ret[n++] = m;
	}
	return (int)n;
}

/* ---- raw.dnsmasq ---------------------------------------------------------------------------- */

/*
 * The dnsmasq options raw.dnsmasq may carry: DNS records, DHCP options and
 * hosts, logging, caching. None names a file, a directory, a user, a
 * script, an interface or an address to listen on: moatd writes those
 * lines itself, and dnsmasq reads options top to bottom.
 */
static const char *const dnsmasq_options[] = {
	"address",
	"all-servers",
	"bogus-priv",
	"cache-size",
	"cname",
	"dhcp-authoritative",
	"dhcp-broadcast",
	"dhcp-client-update",
	"dhcp-fqdn",
	"dhcp-generate-names",
	"dhcp-host",
	"dhcp-ignore",
	"dhcp-lease-max",
	"dhcp-mac",
	"dhcp-match",
	"dhcp-name-match",
	"dhcp-no-override",
	"dhcp-option",
	"dhcp-option-force",
	"dhcp-rapid-commit",
	"dhcp-reply-delay",
	"dhcp-sequential-ip",
	"dhcp-ttl",
	"dhcp-userclass",
	"dhcp-vendorclass",
	"dns-forward-max",
	"domain-needed",
	"edns-packet-max",
	"filterwin2k",
	"host-record",
	"local",
	"local-ttl",
	"log-dhcp",
	"log-queries",
	"max-cache-ttl",
	"max-ttl",
	"min-cache-ttl",
	"mx-host",
	"neg-ttl",
	"no-negcache",
	"no-resolv",
	"ptr-record",
	"quiet-dhcp",
	"quiet-dhcp6",
	"quiet-ra",
	"ra-param",
	"rebind-domain-ok",
	"rebind-localhost-ok",
	"server",
	"srv-host",
	"stop-dns-rebind",
	"strict-order",
	"txt-record",
	NULL,
};

#define DNSMASQ_LINES_MAX 32
#define DNSMASQ_LINE_MAX 512

/* One line (without its newline), printable whatever it is: 0, or -EINVAL. */
static int dnsmasq_line(const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n);
	size_t name = eq ? (size_t)(eq - p) : n;

	if (n > DNSMASQ_LINE_MAX)
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)p[k] < 0x20 || (unsigned char)p[k] > 0x7e)
			return -EINVAL;
	if (n == 0 || p[0] == '#')
		return 0;
	for (const char *const *o = dnsmasq_options; *o; o++)
		if (strlen(*o) == name && memcmp(*o, p, name) == 0)
			return 0;
	return -EINVAL;
}

int rawconf_dnsmasq_check(const char *text, size_t len)
{
	int lines = 0;

	if (len > RAWCONF_DNSMASQ_MAX || strlen(text) != len)
		return -EINVAL;
	for (const char *p = text;;) {
		size_t n = strcspn(p, "\n");

		if (++lines > DNSMASQ_LINES_MAX || dnsmasq_line(p, n) < 0)
			return -EINVAL;
		if (!p[n])
			break;
		p += n + 1;
	}
	return lines;
}
