// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the policy parser (privhelper/policy.c): the shipped
 * files in policy/ parse to what they say, and every malformed text is
 * refused whole (missing, duplicate or unknown key, bad bool, bad name,
 * relative or dotted prefixes, a NUL byte). Also checks that
 * ph_policy_load() refuses a file in a world-writable directory. Run by
 * the test runner with no privilege needed; inputs are the tests' own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/pbenc.h"
#include "../lib/ph_mutate.h"
#include "frame.h"
#include "log.h"
#include "ph.h"
#include "t.h"

#ifndef MOAT_POLICY_DEFAULT
#define MOAT_POLICY_DEFAULT "policy/default.policy"
#endif

/* the keys of the security keys' policy flags, all allowed */
#define NEW_KEYS                                                                                   \
	"allow_raw_idmap = true\nallow_raw_seccomp = false\nallow_kernel_modules = true\n"         \
	"allow_lxc_hooks = false\nallow_raw_dnsmasq = true\nallow_host_interfaces = true\n"        \
	"allow_proxy_low_ports = true\n"

#define GOOD_HEAD                                                                                  \
	"name = test\n"                                                                            \
	"allow_privileged = true\n"                                                                \
	"allow_nesting = false\n"                                                                  \
	"allow_raw_lxc = true\n"                                                                   \
	"allow_unix_devices = false\n" NEW_KEYS "require_delegated_ids = false\n"

/* Read a whole small file; NULL on failure. */
static char *read_all(const char *path, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *grown = realloc(buf, cap + 4096);

			if (!grown)
				break;
			buf = grown;
			cap += 4096;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (n == 0) {
			*ret_len = len;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	return buf;
}

/* The policy/ directory beside the default policy the build points at. */
static void policy_path(char *ret, size_t size, const char *file)
{
	const char *def = MOAT_POLICY_DEFAULT;
	const char *slash = strrchr(def, '/');
	int dlen = slash ? (int)(slash - def) : 1;

	snprintf(ret, size, "%.*s/%s", dlen, slash ? def : ".", file);
}

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void shipped(void)
{
	struct ph_policy p;
	char path[4096];
	char *text;
	size_t len = 0;
	int r;

	policy_path(path, sizeof(path), "default.policy");
	text = read_all(path, &len);
	if (CHECK(text != NULL, "policy: read %s", path)) {
		memset(&p, 0xaa, sizeof(p));
		r = ph_policy_parse(text, len, &p);
		if (CHECK(r == 0, "policy: default.policy parses (got %d)", r)) {
			CHECK(strcmp(p.name, "default") == 0,
			      "policy: default.policy: name = default");
			CHECK(p.allow_privileged && p.allow_nesting && p.allow_raw_lxc &&
				      p.allow_unix_devices && p.allow_raw_idmap &&
				      p.allow_raw_seccomp && p.allow_kernel_modules &&
				      p.allow_lxc_hooks && p.allow_raw_dnsmasq &&
				      p.allow_host_interfaces,
			      "policy: default.policy allows privileged, nesting, raw.lxc, devices, "
			      "raw.idmap, raw.seccomp, kernel modules, lxc hooks, raw.dnsmasq, host interfaces");
			CHECK(strv_len(p.disk_source_prefixes) == 1 &&
				      strcmp(p.disk_source_prefixes[0], "*") == 0,
			      "policy: default.policy: disk_source_prefixes = *");
			CHECK(!p.require_delegated_ids,
			      "policy: default.policy falls back to ids no file delegates, as LXD");
			ph_policy_free(&p);
			CHECK(p.disk_source_prefixes == NULL,
			      "policy: ph_policy_free clears disk_source_prefixes");
		}
		free(text);
	}

	policy_path(path, sizeof(path), "hardened.policy");
	text = read_all(path, &len);
	if (CHECK(text != NULL, "policy: read %s", path)) {
		r = ph_policy_parse(text, len, &p);
		if (CHECK(r == 0, "policy: hardened.policy parses (got %d)", r)) {
			CHECK(strcmp(p.name, "hardened") == 0,
			      "policy: hardened.policy: name = hardened");
			CHECK(!p.allow_privileged && !p.allow_nesting && !p.allow_raw_lxc &&
				      !p.allow_unix_devices && !p.allow_raw_idmap &&
				      !p.allow_raw_seccomp && !p.allow_kernel_modules &&
				      !p.allow_lxc_hooks && !p.allow_raw_dnsmasq &&
				      !p.allow_host_interfaces,
			      "policy: hardened.policy denies privileged, nesting, raw.lxc, devices, "
			      "raw.idmap, raw.seccomp, kernel modules, lxc hooks, raw.dnsmasq, host interfaces");
			CHECK(strv_len(p.disk_source_prefixes) == 1 &&
				      strcmp(p.disk_source_prefixes[0], "/srv/moat") == 0,
			      "policy: hardened.policy: disk_source_prefixes = /srv/moat");
			CHECK(p.require_delegated_ids,
			      "policy: hardened.policy takes ids only from a delegated range");
			ph_policy_free(&p);
		}
		free(text);
	}
}

struct policy_case {
	const char *what;
	const char *text;
};

static void good(void)
{
	static const struct policy_case cases[] = {
		{ "comments, blank lines, CRLF and spacing",
		  "# a comment\n\n   # indented comment\nname=test\r\n"
		  "  allow_privileged   =   true  \n\tallow_nesting\t=\tfalse\n"
		  "allow_raw_lxc = true\nallow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\n"
		  "disk_source_prefixes = /srv/moat\n" },
		{ "several prefixes",
		  GOOD_HEAD "disk_source_prefixes = /srv/moat  /data\t/a/...b\n" },
		{ "no final newline", GOOD_HEAD "disk_source_prefixes = *" },
		{ "a 63-byte name",
		  "name = "
		  "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefgh\n"
		  "allow_privileged = true\nallow_nesting = false\n"
		  "allow_raw_lxc = true\nallow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\n"
		  "disk_source_prefixes = *\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ph_policy p;
		int r = ph_policy_parse(cases[i].text, strlen(cases[i].text), &p);

		if (CHECK(r == 0, "policy: accepted: %s (got %d)", cases[i].what, r))
			ph_policy_free(&p);
	}

	/* the values land where they belong */
	{
		static const char text[] =
			"name = test\nallow_privileged = true\nallow_nesting = false\n"
			"allow_raw_lxc = true\nallow_unix_devices = false\n" NEW_KEYS
			"require_delegated_ids = true\n"
			"disk_source_prefixes = /srv/moat /data\n";
		struct ph_policy p;

		if (ph_policy_parse(text, strlen(text), &p) == 0) {
			CHECK(strcmp(p.name, "test") == 0 && p.allow_privileged &&
				      !p.allow_nesting && p.allow_raw_lxc &&
				      !p.allow_unix_devices && p.require_delegated_ids &&
				      strv_len(p.disk_source_prefixes) == 2 &&
				      strcmp(p.disk_source_prefixes[0], "/srv/moat") == 0 &&
				      strcmp(p.disk_source_prefixes[1], "/data") == 0,
			      "policy: parsed values match the text");
			ph_policy_free(&p);
		} else {
			CHECK(false, "policy: parsed values match the text");
		}
	}
}

static void bad(void)
{
	static const struct policy_case cases[] = {
		{ "empty text", "" },
		{ "only comments", "# nothing\n" },
		{ "missing key (allow_nesting)",
		  "name = test\nallow_privileged = true\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "missing key (disk_source_prefixes)", GOOD_HEAD },
		{ "missing key (require_delegated_ids)",
		  "name = test\nallow_privileged = true\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS "disk_source_prefixes = *\n" },
		{ "bad bool: require_delegated_ids = no",
		  "name = test\nallow_privileged = true\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = no\ndisk_source_prefixes = *\n" },
		{ "missing key (name)",
		  "allow_privileged = true\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "duplicate key",
		  GOOD_HEAD "disk_source_prefixes = *\nallow_privileged = true\n" },
		{ "duplicate key with the other value",
		  GOOD_HEAD "disk_source_prefixes = *\nallow_nesting = true\n" },
		{ "unknown key", GOOD_HEAD "disk_source_prefixes = *\nallow_everything = true\n" },
		{ "unknown key differing in case",
		  GOOD_HEAD "disk_source_prefixes = *\nName = x\n" },
		{ "empty key", GOOD_HEAD "disk_source_prefixes = *\n= true\n" },
		{ "line without '='", GOOD_HEAD "disk_source_prefixes = *\nallow_privileged\n" },
		{ "bad bool: yes",
		  "name = test\nallow_privileged = yes\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad bool: True",
		  "name = test\nallow_privileged = True\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad bool: 1",
		  "name = test\nallow_privileged = 1\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad bool: empty",
		  "name = test\nallow_privileged =\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad bool: trailing word",
		  "name = test\nallow_privileged = true false\nallow_nesting = false\n"
		  "allow_raw_lxc = true\nallow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad name: uppercase",
		  "name = Test\nallow_privileged = true\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad name: empty",
		  "name =\nallow_privileged = true\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad name: slash",
		  "name = a/b\nallow_privileged = true\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "bad name: 64 bytes",
		  "name = abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghi\n"
		  "allow_privileged = true\nallow_nesting = false\nallow_raw_lxc = true\n"
		  "allow_unix_devices = false\n" NEW_KEYS
		  "require_delegated_ids = false\ndisk_source_prefixes = *\n" },
		{ "relative path prefix", GOOD_HEAD "disk_source_prefixes = srv/moat\n" },
		{ "relative prefix after a good one", GOOD_HEAD "disk_source_prefixes = /srv x\n" },
		{ "prefix with ..", GOOD_HEAD "disk_source_prefixes = /srv/../etc\n" },
		{ "prefix ending in ..", GOOD_HEAD "disk_source_prefixes = /srv/..\n" },
		{ "prefix /..", GOOD_HEAD "disk_source_prefixes = /..\n" },
		{ "prefix with .", GOOD_HEAD "disk_source_prefixes = /srv/./moat\n" },
		{ "prefix with //", GOOD_HEAD "disk_source_prefixes = //srv\n" },
		{ "prefix with a trailing /", GOOD_HEAD "disk_source_prefixes = /srv/\n" },
		{ "prefix /", GOOD_HEAD "disk_source_prefixes = /\n" },
		{ "prefix with a control byte", GOOD_HEAD "disk_source_prefixes = /srv\x01moat\n" },
		{ "prefix with DEL", GOOD_HEAD "disk_source_prefixes = /srv\x7fmoat\n" },
		{ "prefix ~", GOOD_HEAD "disk_source_prefixes = ~/x\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ph_policy p;
		int r;

		memset(&p, 0, sizeof(p));
		r = ph_policy_parse(cases[i].text, strlen(cases[i].text), &p);
		CHECK(r < 0, "policy: refused: %s (got %d)", cases[i].what, r);
		if (r == 0)
			ph_policy_free(&p);
	}

	/* a NUL byte anywhere, even where a value would end */
	{
		static const char text[] = GOOD_HEAD "disk_source_prefixes = *\0\n";
		static const char text2[] =
			"name = te\0st\nallow_privileged = true\n"
			"allow_nesting = false\nallow_raw_lxc = true\n"
			"allow_unix_devices = false\n" NEW_KEYS
			"require_delegated_ids = false\ndisk_source_prefixes = *\n";
		struct ph_policy p;
		int r;

		r = ph_policy_parse(text, sizeof(text) - 1, &p);
		CHECK(r < 0, "policy: refused: NUL byte after the last value (got %d)", r);
		if (r == 0)
			ph_policy_free(&p);
		r = ph_policy_parse(text2, sizeof(text2) - 1, &p);
		CHECK(r < 0, "policy: refused: NUL byte inside a value (got %d)", r);
		if (r == 0)
			ph_policy_free(&p);
	}

	/* the outputs are untouched on failure */
	{
		static const char text[] = GOOD_HEAD "disk_source_prefixes = relative\n";
		struct ph_policy p, before;

		memset(&p, 0x5a, sizeof(p));
		before = p;
		(void)ph_policy_parse(text, strlen(text), &p);
		CHECK(memcmp(&p, &before, sizeof(p)) == 0,
		      "policy: a refused text leaves *ret untouched");
	}
}

/*
 * ph_policy_load(): a file that anyone else may have written or replaced is
 * never trusted. A sticky world-writable directory such as /tmp is fine:
 * nobody but root can rename or remove the root-owned entry in it.
 */
static void load(void)
{
	char path[] = "/tmp/moat-unit-policy-XXXXXX";
	char dir[] = "/tmp/moat-unit-dir-XXXXXX";
	char inner[64];
	static const char text[] = GOOD_HEAD "disk_source_prefixes = *\n";
	struct ph_policy p;
	int fd, r;

	fd = mkstemp(path);
	if (!CHECK(fd >= 0, "policy: temporary policy file"))
		return;
	if (write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
		t_note("short write to %s", path);
	close(fd);
	r = ph_policy_load(path, &p);
	CHECK(r == 0, "policy: a root-owned 0600 file directly under sticky /tmp loads (got %d)",
	      r);
	if (r == 0)
		ph_policy_free(&p);

	if (CHECK(mkdtemp(dir) != NULL, "policy: temporary directory")) {
		snprintf(inner, sizeof(inner), "%s/p", dir);
		chmod(dir, 0777);
		r = link(path, inner) == 0 ? ph_policy_load(inner, &p) : -EIO;
		CHECK(r == -EPERM,
		      "policy: a file below a world-writable, non-sticky directory is refused (got %d)",
		      r);
		if (r == 0)
			ph_policy_free(&p);
		chmod(dir, 0755);
		r = ph_policy_load(inner, &p);
		CHECK(r == 0, "policy: the same file loads once the directory is 0755 (got %d)", r);
		if (r == 0)
			ph_policy_free(&p);
		chmod(path, 0666);
		r = ph_policy_load(inner, &p);
		CHECK(r == -EPERM, "policy: a world-writable policy file is refused (got %d)", r);
		if (r == 0)
			ph_policy_free(&p);
		unlink(inner);
		rmdir(dir);
	}
	unlink(path);

	r = ph_policy_load("/nonexistent/moat.policy", &p);
	CHECK(r == -ENOENT, "policy: ph_policy_load of a missing file gives -ENOENT (got %d)", r);
}

/* hello reports the loaded policy's flags (op_server.c), whatever they are. */
static void hello_flags(void)
{
	static const char *const texts[] = {
		GOOD_HEAD "disk_source_prefixes = /srv/moat /data\n",
		"name = all\nallow_privileged = false\nallow_nesting = true\nallow_raw_lxc = false\n"
		"allow_unix_devices = true\n" NEW_KEYS
		"require_delegated_ids = true\ndisk_source_prefixes = *\n",
		"name = none\nallow_privileged = false\nallow_nesting = false\nallow_raw_lxc = false\n"
		"allow_unix_devices = false\n" NEW_KEYS
		"require_delegated_ids = false\ndisk_source_prefixes =\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct ph_ctx ctx = { .dir_fd = -EBADF, .chan = -EBADF };
		Ph__HelloReply h = PH__HELLO_REPLY__INIT;
		const struct ph_hello t = { .protocol = PH_PROTOCOL };
		const Ph__PolicyFlags *f;
		size_t n;
		bool same;
		int r;

		if (!CHECK(ph_policy_parse(texts[i], strlen(texts[i]), &ctx.policy) == 0,
			   "policy: hello case %zu parses", i))
			continue;
		snprintf(ctx.default_network, sizeof(ctx.default_network), "%s", i ? "" : "mtbr0");
		r = ph_do_hello(&ctx, &t, &h);
		f = h.policy;
		n = strv_len(ctx.policy.disk_source_prefixes);
		same = r == 0 && f && f->allow_privileged == ctx.policy.allow_privileged &&
		       f->allow_nesting == ctx.policy.allow_nesting &&
		       f->allow_raw_lxc == ctx.policy.allow_raw_lxc &&
		       f->allow_unix_devices == ctx.policy.allow_unix_devices &&
		       f->allow_raw_idmap == ctx.policy.allow_raw_idmap &&
		       f->allow_raw_seccomp == ctx.policy.allow_raw_seccomp &&
		       f->allow_kernel_modules == ctx.policy.allow_kernel_modules &&
		       f->allow_lxc_hooks == ctx.policy.allow_lxc_hooks &&
		       f->allow_raw_dnsmasq == ctx.policy.allow_raw_dnsmasq &&
		       f->allow_host_interfaces == ctx.policy.allow_host_interfaces &&
		       f->require_delegated_ids == ctx.policy.require_delegated_ids &&
		       f->n_disk_source_prefixes == n;
		for (size_t k = 0; same && k < n; k++)
			same = f->disk_source_prefixes[k].len ==
				       strlen(ctx.policy.disk_source_prefixes[k]) &&
			       memcmp(f->disk_source_prefixes[k].data,
				      ctx.policy.disk_source_prefixes[k],
				      f->disk_source_prefixes[k].len) == 0;
		CHECK(h.default_network.len == strlen(ctx.default_network) &&
			      memcmp(h.default_network.data, ctx.default_network,
				     h.default_network.len) == 0,
		      "policy: hello reports --network's default network (\"%s\")",
		      ctx.default_network);
		CHECK(same && h.policy_name.len == strlen(ctx.policy.name),
		      "policy: hello of policy \"%s\" reports its flags and %zu disk prefix(es)",
		      ctx.policy.name, n);
		ph_policy_free(&ctx.policy);
	}
}

/* A shipped policy by file name, parsed; false if it cannot be read. */
static bool shipped_policy(const char *file, struct ph_policy *ret)
{
	char path[4096];
	size_t len = 0;
	char *text;
	int r;

	policy_path(path, sizeof(path), file);
	text = read_all(path, &len);
	if (!text)
		return false;
	r = ph_policy_parse(text, len, ret);
	free(text);
	return r == 0;
}

/* proxy_attach's step: host ports below 1024 and host socket paths (the disk prefixes). */
static void proxy_steps(const struct ph_policy *def, const struct ph_policy *hard)
{
	static const struct {
		const char *what;
		bool bind_instance, unix_listen, unix_connect;
		uint16_t port;
		const char *path;
		bool hardened_refuses;
	} cases[] = {
		{ "tcp on host port 8080", false, false, false, 8080, "", false },
		{ "tcp on host port 80", false, false, false, 80, "", true },
		{ "tcp on host port 1023", false, false, false, 1023, "", true },
		{ "tcp on host port 1024", false, false, false, 1024, "", false },
		{ "port 80 inside the container (bind=instance)", true, false, false, 80, "",
		  false },
		{ "a host socket in /etc", false, true, false, 0, "/etc/x.sock", true },
		{ "a host socket under /srv/moat", false, true, false, 0, "/srv/moat/x.sock",
		  false },
		{ "a host socket in /srv/moatx", false, true, false, 0, "/srv/moatx/y.sock", true },
		{ "a socket in the container's /etc (bind=instance)", true, true, false, 0,
		  "/etc/x.sock", false },
		{ "a connect to a host socket in /run (bind=instance)", true, false, true, 80,
		  "/run/docker.sock", true },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ph_proxy_attach t = { .proxy = { .bind_instance = cases[k].bind_instance } };
		struct ph_proxy_end *u = cases[k].unix_connect ? &t.proxy.connect : &t.proxy.listen;
		const char *why_def = "untouched", *why_hard = "untouched";
		int rd, rh;

		t.proxy.listen = (struct ph_proxy_end){ .kind = PH_PROXY_TCP,
							.family = AF_INET,
							.port = cases[k].port };
		t.proxy.connect = (struct ph_proxy_end){ .kind = PH_PROXY_TCP,
							 .family = AF_INET,
							 .port = 80 };
		if (cases[k].unix_listen || cases[k].unix_connect) {
			u->kind = PH_PROXY_UNIX;
			snprintf(u->path, sizeof(u->path), "%s", cases[k].path);
		}
		rd = ph_policy_proxy_attach(def, &t, &why_def);
		rh = ph_policy_proxy_attach(hard, &t, &why_hard);
		CHECK(rd == 0 && strcmp(why_def, "untouched") == 0,
		      "policy steps: default allows a proxy_attach of %s (%d)", cases[k].what, rd);
		if (cases[k].hardened_refuses)
			CHECK(rh == -EPERM && strstr(why_hard, "policy"),
			      "policy steps: hardened refuses a proxy_attach of %s: %s",
			      cases[k].what, why_hard);
		else
			CHECK(rh == 0, "policy steps: hardened allows a proxy_attach of %s (%d)",
			      cases[k].what, rh);
	}
}

/*
 * The policy steps (ph_policy_<op>, beside each op), without a moatd:
 * instance_start's decisions under both shipped policies, and every op's
 * step on its base message, through the table.
 */
static void policy_steps(void)
{
	static const struct {
		const char *what;
		bool privileged, nesting;
		const char *why; /* hardened's reason, NULL: allowed */
	} starts[] = {
		{ "unprivileged", false, false, NULL },
		{ "privileged", true, false, "privileged" },
		{ "nesting", false, true, "nesting" },
		{ "privileged and nesting", true, true, "privileged" },
	};
	static union ph_typed t;
	struct ph_policy def, hard;
	struct enc *e = calloc(1, sizeof(*e));

	if (!CHECK(e && shipped_policy("default.policy", &def) &&
			   shipped_policy("hardened.policy", &hard),
		   "policy steps: the shipped policies parse"))
		goto out;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		struct ph_instance_start s = { .config = { .privileged = starts[i].privileged,
							   .nesting = starts[i].nesting } };
		const char *why_def = "untouched", *why_hard = "untouched";
		int rd = ph_policy_instance_start(&def, &s, &why_def);
		int rh = ph_policy_instance_start(&hard, &s, &why_hard);

		CHECK(rd == 0 && strcmp(why_def, "untouched") == 0,
		      "policy steps: default allows an instance_start %s (%d)", starts[i].what, rd);
		if (starts[i].why)
			CHECK(rh == -EPERM && strstr(why_hard, starts[i].why) &&
				      strstr(why_hard, "policy"),
			      "policy steps: hardened refuses an instance_start %s with EPERM: %s",
			      starts[i].what, why_hard);
		else
			CHECK(rh == 0 && strcmp(why_hard, "untouched") == 0,
			      "policy steps: hardened allows an instance_start %s (%d)",
			      starts[i].what, rh);
	}
	{ /* raw.dnsmasq: a dnsmasq option run by root, the policy's to allow */
		static struct ph_network_apply n;
		struct ph_network_delete d = { .name = "mtbr0" };
		const char *why_def = "untouched", *why_hard = "untouched";
		int rd, rh;

		memset(&n, 0, sizeof(n));
		snprintf(n.name, sizeof(n.name), "mtbr0");
		rd = ph_policy_network_apply(&def, &n, &why_def);
		rh = ph_policy_network_apply(&hard, &n, &why_hard);
		CHECK(rd == 0 && rh == 0 && strcmp(why_def, "untouched") == 0 &&
			      strcmp(why_hard, "untouched") == 0,
		      "policy steps: both policies allow a network_apply without raw.dnsmasq");
		snprintf(n.raw_dnsmasq, sizeof(n.raw_dnsmasq), "dhcp-option=42,10.0.0.1");
		rd = ph_policy_network_apply(&def, &n, &why_def);
		rh = ph_policy_network_apply(&hard, &n, &why_hard);
		CHECK(rd == 0 && strcmp(why_def, "untouched") == 0,
		      "policy steps: default allows a network_apply with raw.dnsmasq (%d)", rd);
		CHECK(rh == -EPERM && strstr(why_hard, "raw.dnsmasq") && strstr(why_hard, "policy"),
		      "policy steps: hardened refuses a network_apply with raw.dnsmasq: %s",
		      why_hard);
		why_hard = "untouched";
		CHECK(ph_policy_network_delete(&hard, &d, &why_hard) == 0 &&
			      strcmp(why_hard, "untouched") == 0,
		      "policy steps: hardened allows network_delete (it removes only moatd's own)");
	}
	{
		/* nics: physical and macvlan need allow_host_interfaces; bridged and p2p pass
		 * the pure step (a bridged parent is asked about at start, on the host) */
		static const struct {
			enum ph_nic_type type;
			const char *why;
		} nics[] = {
			{ PH_NIC_PHYSICAL, "physical nics" },
			{ PH_NIC_MACVLAN, "macvlan nics" },
			{ PH_NIC_BRIDGED, NULL },
			{ PH_NIC_P2P, NULL },
		};

		for (size_t i = 0; i < sizeof(nics) / sizeof(nics[0]); i++) {
			static struct ph_instance_start s;
			const char *why_def = "untouched", *why_hard = "untouched";
			int rd, rh;

			memset(&s, 0, sizeof(s));
			s.nnics = 2;
			s.nics[0].type = PH_NIC_P2P;
			s.nics[1].type = nics[i].type;
			rd = ph_policy_instance_start(&def, &s, &why_def);
			rh = ph_policy_instance_start(&hard, &s, &why_hard);
			CHECK(rd == 0 && strcmp(why_def, "untouched") == 0,
			      "policy steps: default allows a nic of type %d (%d)", nics[i].type,
			      rd);
			if (nics[i].why)
				CHECK(rh == -EPERM && strstr(why_hard, nics[i].why) &&
					      strstr(why_hard, "policy"),
				      "policy steps: hardened refuses a second nic, %s: %s",
				      nics[i].why, why_hard);
			else
				CHECK(rh == 0,
				      "policy steps: hardened passes a nic of type %d (%d)",
				      nics[i].type, rh);
		}
	}
	for (size_t j = 0; j < ph_ops_len; j++) {
		const struct ph_op *op = &ph_ops[j];
		const Ph__Request *base = ph_base(op->op);
		const struct ph_op *got = NULL;
		Ph__Request *req = NULL;
		const char *why = NULL;
		int rd = -1, rh = -1;

		if (!base)
			continue; /* test_optable fails for it */
		e->n = 0;
		put_request(e, base);
		if (ph_decode(e->b, e->n, op->nfds, &req, &got, &t) == 0) {
			rd = op->policy(&def, &t, &why);
			rh = op->policy(&hard, &t, &why);
			ph__request__free_unpacked(req, NULL);
		}
		CHECK(rd == 0 && rh == 0,
		      "policy steps: %s's base message is allowed by both policies (%d, %d)",
		      op->name, rd, rh);
	}
	proxy_steps(&def, &hard);
	ph_policy_free(&def);
	ph_policy_free(&hard);
out:
	free(e);
}

/* ph_dispatch() of one request on ctx; the reply read back, or NULL. */
static Ph__Reply *dispatch_one(struct ph_ctx *ctx, int peer, const Ph__Request *req, int *ret_r)
{
	static uint8_t buf[FRAME_MAX];
	struct enc *e = calloc(1, sizeof(*e));
	int fds[FRAME_MAX_FDS];
	size_t len = 0, nfds = 0;
	Ph__Reply *rep = NULL;

	if (!e)
		return NULL;
	put_request(e, req);
	*ret_r = ph_dispatch(ctx, e->b, e->n, NULL, 0);
	if (*ret_r == 0 && frame_recv(peer, buf, &len, fds, &nfds) == 0 && len > 0) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		rep = ph__reply__unpack(NULL, len, buf);
	}
	free(e);
	return rep;
}

/*
 * The path in dispatch.c, on a socketpair: a policy refusal is an errno
 * reply naming the op (from the table), sent before any worker or handler
 * runs; hello goes all the way to its handler.
 */
static void policy_dispatch(void)
{
	struct ph_ctx ctx = { .dir_fd = -EBADF, .chan = -EBADF };
	Ph__InstanceStartRequest s = PH__INSTANCE_START_REQUEST__INIT;
	Ph__InstanceConfig cfg = PH__INSTANCE_CONFIG__INIT;
	Ph__Request req = PH__REQUEST__INIT;
	Ph__Reply *rep;
	int sv[2], r = -1;

	if (!CHECK(shipped_policy("hardened.policy", &ctx.policy) &&
			   socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
		   "policy dispatch: hardened policy and a channel"))
		return;
	ctx.chan = sv[0];
	log_set_level(LOG_LVL_WARN); /* dispatch logs each refusal at info */
	cfg.privileged = true;
	s.name = str("c1");
	s.pool = str("default");
	s.config = &cfg;
	req.id = 77;
	req.op_case = PH__REQUEST__OP_INSTANCE_START;
	req.instance_start = &s;
	rep = dispatch_one(&ctx, sv[1], &req, &r);
	CHECK(r == 0 && rep && rep->id == 77 && rep->err == EPERM &&
		      rep->result_case == PH__REPLY__RESULT__NOT_SET &&
		      rep->error.len == strlen("instance_start: privileged containers are not "
					       "allowed by the policy") &&
		      memcmp(rep->error.data, "instance_start: privileged", 26) == 0,
	      "policy dispatch: hardened: a privileged instance_start is an EPERM reply naming "
	      "the op, from the main loop (%d)",
	      r);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);

	req.id = 78;
	req.op_case = PH__REQUEST__OP_HELLO;
	req.hello = &(Ph__HelloRequest)PH__HELLO_REQUEST__INIT;
	req.hello->protocol = PH_PROTOCOL;
	rep = dispatch_one(&ctx, sv[1], &req, &r);
	CHECK(r == 0 && rep && rep->id == 78 && rep->err == 0 &&
		      rep->result_case == PH__REPLY__RESULT_HELLO && rep->hello->policy &&
		      !rep->hello->policy->allow_privileged &&
		      rep->hello->policy->require_delegated_ids,
	      "policy dispatch: hello is answered with the hardened flags (%d)", r);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	log_set_level(LOG_LVL_INFO);
	close(sv[0]);
	close(sv[1]);
	ph_policy_free(&ctx.policy);
}

void test_policy(void)
{
	shipped();
	good();
	bad();
	load();
	hello_flags();
	policy_steps();
	policy_dispatch();
}
