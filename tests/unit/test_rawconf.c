// SPDX-License-Identifier: Apache-2.0
/*
 * The security keys: common/rawconf.c's rules (raw.lxc lines, syscall
 * rules, raw.seccomp, sysctl and module names, raw.idmap, raw.dnsmasq), moatd's check
 * and policy step of InstanceConfig's security fields (sec_config.c), its
 * id map lines, and the frontend's rows and setters for them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "model/config_sec.h"
#include "ph.h"
#include "rawconf.h"
#include "t.h"

static int count(void *arg, const char *k, const char *v)
{
	(*(int *)arg)++;
	return 0;
}

static void lxc_lines(void)
{
	static const struct {
		const char *text;
		bool hooks, ok;
		const char *why; /* the start of the message, when refused */
	} cases[] = {
		{ "lxc.cap.drop = sys_admin", false, true, NULL },
		{ "# comment\n\n  lxc.cgroup2.memory.high = 100M  \nlxc.sysctl.net.ipv4.ip_forward=1\n",
		  false, true, NULL },
		{ "lxc.apparmor.profile = unconfined", false, true, NULL },
		{ "lxc.include = /etc/passwd", true, false, "Setting lxc.include is not allowed" },
		{ "lxc.log.file = /tmp/x", true, false, "Setting lxc.logfile is not allowed" },
		{ "lxc.prlimit.nofile = 10", true, false, "Process limits should be set" },
		{ "lxc.rootfs.path = /", true, false, "Setting this key is not allowed" },
		{ "lxc.seccomp.profile = /tmp/p", true, false, "Setting this key is not allowed" },
		{ "lxc.hook.pre-start = /bin/true", false, false,
		  "Setting lxc.hook.* is not allowed by the server's policy" },
		{ "lxc.hook.pre-start = /bin/true", true, true, NULL },
		{ "lxc.cap.drop", true, false, "Invalid raw.lxc line" },
		{ "lxc.cap.drop = a\rlxc.include = /x", true, false, "Invalid raw.lxc value" },
		{ "lxc.cgroup2.. = 1", true, false, "Setting this key is not allowed" },
		{ "lxc.cgroup2.x/../y = 1", true, false, "Setting this key is not allowed" },
		{ "LXC.INCLUDE = /x", true, false, "Setting this key is not allowed" },
		{ " = x", true, false, "Invalid raw.lxc line" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char why[256] = "", esc[T_ESC_MAX];
		int n = 0, r = rawconf_lxc_parse(cases[k].text, cases[k].hooks, count, &n, why,
						 sizeof(why));

		t_escape(esc, sizeof(esc), cases[k].text, strlen(cases[k].text));
		if (cases[k].ok)
			CHECK(r == 0 && n > 0, "rawconf: raw.lxc \"%s\" accepted (%d lines)", esc,
			      n);
		else
			CHECK(r == -EINVAL && strncmp(why, cases[k].why, strlen(cases[k].why)) == 0,
			      "rawconf: raw.lxc \"%s\" refused: %s", esc, why);
	}
}

static void rules(void)
{
	static const struct {
		const char *line;
		bool ok;
		enum rawconf_action action;
		uint32_t err;
	} cases[] = {
		{ "sethostname", true, RAWCONF_DEFAULT, 0 },
		{ "  mount   errno 1 ", true, RAWCONF_ERRNO, 1 },
		{ "reboot kill", true, RAWCONF_KILL, 0 },
		{ "ptrace trap", true, RAWCONF_TRAP, 0 },
		{ "read allow", true, RAWCONF_ALLOW, 0 },
		{ "mount errno", false, 0, 0 },
		{ "mount errno 4096", false, 0, 0 },
		{ "mount errno -1", false, 0, 0 },
		{ "mount notify", false, 0, 0 },
		{ "mount kill extra", false, 0, 0 },
		{ "Mount", false, 0, 0 },
		{ "mount;reboot", false, 0, 0 },
		{ "", false, 0, 0 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct rawconf_rule r = { 0 };
		int e = rawconf_syscall_rule(cases[k].line, strlen(cases[k].line), &r);

		CHECK(cases[k].ok ? e == 0 && r.action == cases[k].action && r.err == cases[k].err
				  : e == -EINVAL,
		      "rawconf: syscall rule \"%s\" %s", cases[k].line,
		      cases[k].ok ? "parsed" : "refused");
	}
}

static void names(void)
{
	static const char *const sysctl_ok[] = { "net.ipv4.ip_forward",
						 "net.core.somaxconn",
						 "kernel.shmmax",
						 "kernel.msgmnb",
						 "kernel.sem",
						 "fs.mqueue.msg_max",
						 "net.ipv4.conf.eth-0.rp_filter" };
	static const char *const sysctl_bad[] = {
		"kernel.hostname", "kernel.panic", "vm.swappiness", "fs.file-max", "net.", "net..x",
		"net.x.",          "net/ipv4",     "kernel.semx",   "net.ipv4 .x", ""
	};
	static const char *const mod_ok[] = { "br_netfilter", "ip-vs", "nf_nat", "X1" };
	static const char *const mod_bad[] = {
		"",    "../x", "a b",
		"a,b", "a/b",  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	};

	for (size_t k = 0; k < sizeof(sysctl_ok) / sizeof(sysctl_ok[0]); k++)
		CHECK(rawconf_sysctl_ok(sysctl_ok[k]), "rawconf: sysctl %s allowed", sysctl_ok[k]);
	for (size_t k = 0; k < sizeof(sysctl_bad) / sizeof(sysctl_bad[0]); k++)
		CHECK(!rawconf_sysctl_ok(sysctl_bad[k]), "rawconf: sysctl \"%s\" refused",
		      sysctl_bad[k]);
	for (size_t k = 0; k < sizeof(mod_ok) / sizeof(mod_ok[0]); k++)
		CHECK(rawconf_module_ok(mod_ok[k]), "rawconf: module %s allowed", mod_ok[k]);
	for (size_t k = 0; k < sizeof(mod_bad) / sizeof(mod_bad[0]); k++)
		CHECK(!rawconf_module_ok(mod_bad[k]), "rawconf: module \"%s\" refused", mod_bad[k]);
}

static void idmaps(void)
{
	static const struct {
		const char *text;
		int n;
	} cases[] = {
		{ "both 1000 1000", 1 },
		{ "uid 50-60 500-510\ngid 100000 0\n\n", 2 },
		{ "uid 1000 1000\ngid 1000 1000", 2 },
		{ "", 0 },
		{ "both 1000", -EINVAL },
		{ "both 1000 1000 x", -EINVAL },
		{ "all 1000 1000", -EINVAL },
		{ "uid 50-60 500-509", -EINVAL },
		{ "uid 60-50 510-500", -EINVAL },
		{ "uid 0 65536", -EINVAL },
		{ "uid 0-65536 0-65536", -EINVAL },
		{ "uid -1 0", -EINVAL },
		{ "uid 1000 0\nboth 2000 0", -EINVAL },
		{ "uid 1000 0\nuid 1000 1", -EINVAL },
		{ "uid 4294967295 0", -EINVAL },
	};
	struct rawconf_idmap m[16];

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char esc[T_ESC_MAX];
		int n = rawconf_idmap_parse(cases[k].text, m, 16);

		t_escape(esc, sizeof(esc), cases[k].text, strlen(cases[k].text));
		CHECK(n == cases[k].n, "rawconf: raw.idmap \"%s\" gives %d (got %d)", esc,
		      cases[k].n, n);
	}
	{
		int n = rawconf_idmap_parse("uid 50-60 500-510", m, 16);

		CHECK(n == 1 && m[0].uid && !m[0].gid && m[0].host == 50 && m[0].cont == 500 &&
			      m[0].count == 11,
		      "rawconf: raw.idmap ranges become host, container and count");
	}
}

static bool known(const char *name)
{
	return strcmp(name, "nosuchcall") != 0;
}

static void seccomp_texts(void)
{
	static const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{ "2\ndenylist\nreject_force_umount  # comment\n[all]\nkexec_load errno 38\n",
		  true },
		{ "2\nallowlist\n[all]\nread\nwrite\nexit_group\n", true },
		{ "2\nblacklist errno 1\n[x86_64]\nmount errno 1 [2,1,SCMP_CMP_EQ]\n", true },
		{ "2\ndenylist\nmknod errno 1 [1,8192,SCMP_CMP_MASKED_EQ,61440]\n", true },
		{ "1\ndenylist\n", false },
		{ "2\nmaybelist\n", false },
		{ "2\n", false },
		{ "2\ndenylist\nmknod notify [1,8192,SCMP_CMP_MASKED_EQ,61440]\n", false },
		{ "2\ndenylist\nnosuchcall\n", false },
		{ "2\ndenylist\nmount errno 1 [9,1,SCMP_CMP_EQ]\n", false },
		{ "2\ndenylist\nmount errno 1 [1,1,SCMP_CMP_MASKED_EQ]\n", false },
		{ "2\ndenylist\nmount errno 1 [1,1,SCMP_CMP_EQ,1]\n", false },
		{ "2\ndenylist\n[mips]\n", false },
		{ "2\ndenylist\nmount\x01\n", false },
		{ "2\ndenylist\nmount kill kill\n", false },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char why[256] = "", esc[T_ESC_MAX];
		int r = rawconf_seccomp_check(cases[k].text, strlen(cases[k].text), known, why,
					      sizeof(why));

		t_escape(esc, sizeof(esc), cases[k].text, strlen(cases[k].text));
		CHECK(cases[k].ok ? r == 0 : r == -EINVAL && why[0],
		      "rawconf: raw.seccomp \"%s\" %s %s", esc,
		      cases[k].ok ? "accepted" : "refused:", why);
	}
}

/* ---- moatd's check and policy step ------------------------------------------- */

static ProtobufCBinaryData B(const char *s)
{
	return (ProtobufCBinaryData){ .data = (uint8_t *)s, .len = strlen(s) };
}

static struct ph_instance_config *checked(const Ph__InstanceConfig *m, int *ret)
{
	static struct ph_instance_config c;

	memset(&c, 0, sizeof(c));
	*ret = ph_check_sec_config(m, &c.sec);
	return &c;
}

static void moatd_check(void)
{
	Ph__InstanceConfig m = PH__INSTANCE_CONFIG__INIT;
	Ph__SyscallRule rule = PH__SYSCALL_RULE__INIT, *rp = &rule;
	Ph__ConfigLine line = PH__CONFIG_LINE__INIT, *lp = &line;
	Ph__IdmapEntry e1 = PH__IDMAP_ENTRY__INIT, e2 = PH__IDMAP_ENTRY__INIT,
		       *ep[2] = { &e1, &e2 };
	ProtobufCBinaryData mod;
	int r;

	checked(&m, &r);
	CHECK(r == 0, "sec_config: an empty security part passes");

	m.idmap_isolated = true;
	m.idmap_base = 1065536;
	m.idmap_size = 65536;
	checked(&m, &r);
	CHECK(r == 0, "sec_config: an isolated map of 65536 ids passes");
	m.idmap_size = 65537;
	checked(&m, &r);
	CHECK(r == -ERANGE, "sec_config: an isolated map of 65537 ids is refused");
	m.idmap_isolated = false;
	m.idmap_size = 65536;
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: a base and size without isolated are refused");
	m.idmap_base = m.idmap_size = 0;

	e1.uid = true, e1.host = 1000, e1.cont = 1000, e1.count = 1;
	e2.uid = true, e2.host = 1000, e2.cont = 2000, e2.count = 1;
	m.raw_idmap = ep;
	m.n_raw_idmap = 2;
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: two raw.idmap entries for one host id are refused");
	e2.host = 2000;
	e2.cont = 65535, e2.count = 2;
	checked(&m, &r);
	CHECK(r == -ERANGE, "sec_config: a raw.idmap entry past container id 65535 is refused");
	m.n_raw_idmap = 0;

	rule.name = B("sethostname");
	m.syscalls_deny = &rp;
	m.n_syscalls_deny = 1;
	checked(&m, &r);
	CHECK(r == 0, "sec_config: a deny rule of a known syscall passes");
	rule.name = B("sethostname\nlxc.include");
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: a syscall name with a newline is refused");
	rule.name = B("nosuchcall");
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: an unknown syscall is refused");
	rule.name = B("mount");
	rule.action = PH__SYSCALL_ACTION__SYSCALL_ACTION_KILL;
	rule.errnum = 1;
	checked(&m, &r);
	CHECK(r == -ERANGE, "sec_config: an errno with another action is refused");
	rule.errnum = 0;
	m.syscalls_allow = &rp;
	m.n_syscalls_allow = 1;
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: an allow list with a deny list is refused");
	m.n_syscalls_deny = m.n_syscalls_allow = 0;

	line.key = B("lxc.cap.drop");
	line.value = B("sys_admin");
	m.raw_lxc = &lp;
	m.n_raw_lxc = 1;
	{
		struct ph_instance_config *c = checked(&m, &r);

		CHECK(r == 0 && c->sec.n_raw_lxc == 1 &&
			      strcmp(c->sec.raw_lxc[0].value, "sys_admin") == 0,
		      "sec_config: an allowed raw.lxc line passes");
	}
	line.value = B("sys_admin\nlxc.include = /etc/x");
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: a raw.lxc value with a newline is refused");
	line.value = B("x");
	line.key = B("lxc.include");
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: a raw.lxc lxc.include line is refused");
	line.key = B("lxc.hook.pre-start");
	line.value = B("/bin/true");
	checked(&m, &r);
	CHECK(r == 0, "sec_config: a hook line passes the check (the policy decides)");
	m.n_raw_lxc = 0;

	m.sysctls = &lp;
	m.n_sysctls = 1;
	line.key = B("kernel.panic");
	line.value = B("1");
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: a host-wide sysctl is refused");
	line.key = B("net.ipv4.ip_forward");
	checked(&m, &r);
	CHECK(r == 0, "sec_config: a namespaced sysctl passes");
	line.value = B("");
	checked(&m, &r);
	CHECK(r < 0, "sec_config: an empty sysctl value is refused");
	m.n_sysctls = 0;

	mod = B("../../tmp/evil");
	m.kernel_modules = &mod;
	m.n_kernel_modules = 1;
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: a module name with a path is refused");
	m.n_kernel_modules = 0;

	m.raw_seccomp = B("2\ndenylist\nmount notify\n");
	checked(&m, &r);
	CHECK(r == -EINVAL, "sec_config: a raw.seccomp with notify is refused");
}

static void moatd_policy(void)
{
	struct ph_policy all = { .allow_raw_lxc = true,
				 .allow_raw_idmap = true,
				 .allow_raw_seccomp = true,
				 .allow_kernel_modules = true,
				 .allow_lxc_hooks = true };
	struct ph_policy none = { 0 }, no_hooks = all;
	static struct ph_instance_config c;
	const char *why = NULL;

	no_hooks.allow_lxc_hooks = false;
	memset(&c, 0, sizeof(c));
	c.sec.n_raw_lxc = 1;
	snprintf(c.sec.raw_lxc[0].key, sizeof(c.sec.raw_lxc[0].key), "lxc.hook.start");
	CHECK(ph_policy_sec_config(&all, &c, &why) == 0, "sec policy: hooks pass when allowed");
	CHECK(ph_policy_sec_config(&no_hooks, &c, &why) == -EPERM && strstr(why, "lxc.hook"),
	      "sec policy: a hook line is refused without allow_lxc_hooks");
	snprintf(c.sec.raw_lxc[0].key, sizeof(c.sec.raw_lxc[0].key), "lxc.cap.drop");
	CHECK(ph_policy_sec_config(&none, &c, &why) == -EPERM && strstr(why, "raw.lxc"),
	      "sec policy: raw.lxc is refused without allow_raw_lxc");
	c.sec.n_raw_lxc = 0;
	c.sec.n_raw_idmap = 1;
	CHECK(ph_policy_sec_config(&none, &c, &why) == -EPERM && strstr(why, "raw.idmap"),
	      "sec policy: raw.idmap is refused without allow_raw_idmap");
	c.privileged = true;
	CHECK(ph_policy_sec_config(&all, &c, &why) == -EINVAL,
	      "sec policy: a privileged container with raw.idmap is refused");
	c.privileged = false;
	c.sec.n_raw_idmap = 0;
	snprintf(c.sec.raw_seccomp, sizeof(c.sec.raw_seccomp), "2\ndenylist\n");
	CHECK(ph_policy_sec_config(&none, &c, &why) == -EPERM && strstr(why, "raw.seccomp"),
	      "sec policy: raw.seccomp is refused without allow_raw_seccomp");
	c.sec.raw_seccomp[0] = '\0';
	c.sec.n_modules = 1;
	CHECK(ph_policy_sec_config(&none, &c, &why) == -EPERM && strstr(why, "kernel_modules"),
	      "sec policy: kernel modules are refused without allow_kernel_modules");
	CHECK(ph_policy_sec_config(&all, &c, &why) == 0, "sec policy: all pass when allowed");
}

/* The id map lines: the shared map, an isolated one, raw.idmap's holes. */
static void idmap_lines(void)
{
	struct ph_ctx ctx = { .idmap_base = 1000000,
			      .idmap_size = 1000000000,
			      .idmap_base_gid = 1000000,
			      .idmap_size_gid = 1000000000 };
	static struct ph_instance_config c;
	const char *why = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	memset(&c, 0, sizeof(c));
	c.sec.n_raw_idmap = 1;
	c.sec.raw_idmap[0] =
		(struct ph_idmap_entry){ .uid = true, .host = 1000, .cont = 1000, .count = 1 };
	f = open_memstream(&buf, &len);
	r = ph_render_sec_idmap(&ctx, f, &c, &why);
	fclose(f);
	CHECK(r == 0 &&
		      strcmp(buf,
			     "lxc.idmap = u 0 1000000 1000\nlxc.idmap = u 1000 1000 1\n"
			     "lxc.idmap = u 1001 1001001 64535\nlxc.idmap = g 0 1000000 65536\n") ==
			      0,
	      "sec render: raw.idmap cuts its id out of the shared map:\n%s", buf);
	free(buf);

	memset(&c, 0, sizeof(c));
	c.sec.idmap_isolated = true;
	c.sec.idmap_base = 1065536;
	c.sec.idmap_size = 65536;
	f = open_memstream(&buf, &len);
	r = ph_render_sec_idmap(&ctx, f, &c, &why);
	fclose(f);
	CHECK(r == 0 &&
		      strcmp(buf,
			     "lxc.idmap = u 0 1065536 65536\nlxc.idmap = g 0 1065536 65536\n") == 0,
	      "sec render: an isolated map uses its own base:\n%s", buf);
	free(buf);

	c.sec.idmap_base = 1000; /* host ids outside the delegated range */
	f = open_memstream(&buf, &len);
	r = ph_render_sec_idmap(&ctx, f, &c, &why);
	fclose(f);
	free(buf);
	CHECK(r == -EPERM && why && strstr(why, "allow_raw_idmap"),
	      "sec render: an isolated map outside the delegated range needs allow_raw_idmap");
}

/* ---- the frontend's rows ------------------------------------------------------- */

static void frontend_rows(void)
{
	struct fe_policy hardened = { .known = true }, open = { .known = true };
	char err[FE_ERR_MAX];
	struct ph_start_config c;
	json_object *x;

	open.allow_raw_lxc = open.allow_raw_idmap = open.allow_raw_seccomp = true;
	open.allow_kernel_modules = open.allow_lxc_hooks = true;
	CHECK(fe_config_check_one("raw.lxc", "lxc.cap.drop = sys_admin", &hardened, err) ==
			      -EPERM &&
		      strstr(err, "Raw LXC configuration is forbidden"),
	      "keys: raw.lxc refused by a policy without raw.lxc: %s", err);
	CHECK(fe_config_check_one("raw.lxc", "lxc.hook.start = /bin/true", &open, err) == 0,
	      "keys: a raw.lxc hook passes when the policy allows hooks");
	open.allow_lxc_hooks = false;
	CHECK(fe_config_check_one("raw.lxc", "lxc.hook.start = /bin/true", &open, err) == -EPERM &&
		      strstr(err, "lxc.hook"),
	      "keys: a raw.lxc hook refused when the policy forbids hooks: %s", err);
	CHECK(fe_config_check_one("raw.lxc", "lxc.include = /x", &open, err) == -EINVAL,
	      "keys: raw.lxc lxc.include is a 400");
	CHECK(fe_config_check_one("raw.idmap", "both 1000 1000", &hardened, err) == -EPERM,
	      "keys: raw.idmap refused by the hardened flags");
	CHECK(fe_config_check_one("raw.seccomp", "2\ndenylist\n", &hardened, err) == -EPERM,
	      "keys: raw.seccomp refused by the hardened flags");
	CHECK(fe_config_check_one("linux.kernel_modules", "br_netfilter", &hardened, err) == -EPERM,
	      "keys: linux.kernel_modules refused by the hardened flags");
	CHECK(fe_config_check_one("linux.sysctl.net.ipv4.ip_forward", "1", &hardened, err) == 0,
	      "keys: a namespaced sysctl passes any policy");
	CHECK(fe_config_check_one("linux.sysctl.kernel.panic", "1", &open, err) == -EINVAL,
	      "keys: a host sysctl is a 400: %s", err);
	CHECK(fe_config_check_one("linux.sysctl.net.ipv4.ip_forward", "1\nlxc.include=/x", &open,
				  err) == -EINVAL,
	      "keys: a sysctl value with a newline is a 400");
	CHECK(fe_config_check_one("security.syscalls.deny", "sethostname\nmount errno 1", &open,
				  err) == 0,
	      "keys: a deny list passes");
	CHECK(fe_config_check_one("security.syscalls.deny", "nosuchcall", &open, err) == -EINVAL,
	      "keys: an unknown syscall is a 400");
	CHECK(fe_config_check_one("security.syscalls.intercept.mknod", "true", &open, err) ==
			      -EINVAL &&
		      fe_config_check_one("security.syscalls.intercept.mknod", "false", &open,
					  err) == 0,
	      "keys: syscall interception may only be false");
	CHECK(fe_config_check_one("security.idmap.size", "65537", &open, err) == -EINVAL,
	      "keys: security.idmap.size above 65536 is a 400");

	x = json_tokener_parse(
		"{\"security.idmap.isolated\":\"true\",\"security.idmap.size\":\"1000\","
		"\"security.syscalls.deny_default\":\"false\",\"security.syscalls.deny\":\"reboot\","
		"\"linux.sysctl.net.ipv4.ip_forward\":\"1\",\"raw.lxc\":\"lxc.cap.drop = x\","
		"\"linux.kernel_modules\":\"a, b\"}");
	fe_config_start(x, &c);
	CHECK(c.idmap_isolated && c.idmap_size == 1000 && c.no_default_deny && !c.deny_compat &&
		      c.syscalls_deny && strcmp(c.syscalls_deny, "reboot") == 0 &&
		      c.n_sysctl == 1 && strcmp(c.sysctl_key[0], "net.ipv4.ip_forward") == 0 &&
		      strcmp(c.sysctl_value[0], "1") == 0 && c.raw_lxc && c.kernel_modules,
	      "start: the security keys reach the start config");
	CHECK(fe_sec_check_start(&c, err) == 0, "start: those keys go together");
	c.syscalls_allow = "read";
	CHECK(fe_sec_check_start(&c, err) == -EINVAL && strstr(err, "mutually exclusive"),
	      "start: an allow list with a deny list is refused: %s", err);
	json_object_put(x);
}

/*
 * raw.dnsmasq's rule, the one both daemons run (moatd-api for the 400,
 * moatd on network_apply): allow-listed options, printable lines, comments
 * included, and the bounds on lines and bytes.
 */
static void dnsmasq_lines(void)
{
	static const char *const good[] = {
		"",
		"log-dhcp",
		"log-dhcp\n",
		"# a comment\ndhcp-option=42,10.0.0.1\n\nno-negcache",
		"address=/lab.example/10.0.0.9",
		"cache-size=0",
	};
	static const char *const bad[] = {
		"dhcp-script=/bin/sh",
		"conf-file=/etc/shadow",
		"no-such-option=1",
		"interface=eth0",
		"user=root",
		"LOG-DHCP",
		"=x",
		"log-dhcp\r",
		"cache-size=\t0",
		"# a comment with a tab\t",
		"log-dhcp=\x7f",
		"lxc.hook=x",
	};
	char big[RAWCONF_DNSMASQ_MAX + 2], lines[33 * 9 + 1];
	int r;

	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++)
		CHECK(rawconf_dnsmasq_check(good[k], strlen(good[k])) >= 0,
		      "rawconf: raw.dnsmasq \"%s\" passes", good[k]);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		CHECK(rawconf_dnsmasq_check(bad[k], strlen(bad[k])) == -EINVAL,
		      "rawconf: raw.dnsmasq \"%s\" refused", bad[k]);
	CHECK(rawconf_dnsmasq_check("a\n", 2) == -EINVAL &&
		      rawconf_dnsmasq_check("log-dhcp\0x", 10) == -EINVAL &&
		      rawconf_dnsmasq_check("log-dhcp\nno-negcache", 20) == 2,
	      "rawconf: raw.dnsmasq: a NUL inside is refused, lines are counted");
	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(rawconf_dnsmasq_check(big, strlen(big)) == -EINVAL,
	      "rawconf: raw.dnsmasq over %d bytes refused", RAWCONF_DNSMASQ_MAX);
	big[513] = '\0';
	r = rawconf_dnsmasq_check(big, 513);
	big[512] = '\0';
	CHECK(r == -EINVAL && rawconf_dnsmasq_check(big, 512) == 1,
	      "rawconf: raw.dnsmasq: a line of 513 bytes refused, of 512 taken");
	lines[0] = '\0';
	for (int k = 0; k < 33; k++)
		strcat(lines, "log-dhcp\n");
	lines[strlen(lines) - 1] = '\0';
	r = rawconf_dnsmasq_check(lines, strlen(lines));
	lines[32 * 9 - 1] = '\0';
	CHECK(r == -EINVAL && rawconf_dnsmasq_check(lines, 32 * 9 - 1) == 32,
	      "rawconf: raw.dnsmasq: 33 lines refused, 32 taken");
}

void test_rawconf(void)
{
	lxc_lines();
	rules();
	names();
	idmaps();
	seccomp_texts();
	moatd_check();
	moatd_policy();
	idmap_lines();
	dnsmasq_lines();
	frontend_rows();
}
