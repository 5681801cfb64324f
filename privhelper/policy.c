// SPDX-License-Identifier: Apache-2.0
/*
 * The policy: what moatd will do for its frontend beyond the LXD-compatible
 * basics. Runs in moatd (root) once at start. The file is trusted only after
 * the checks in ph_policy_load(): a regular file, owned by root, writable by
 * nobody else, in directories owned by root that nobody else can write (or
 * that are sticky). The text is still parsed strictly (unknown key,
 * duplicate key or bad value: refuse to start), and ph_policy_parse() is
 * fuzzed.
 *
 * Format: one "key = value" per line, '#' starts a comment line.
 *   name                  = [a-z0-9-]{1,63}
 *   allow_privileged      = true|false
 *   allow_nesting         = true|false
 *   allow_raw_lxc         = true|false
 *   allow_unix_devices    = true|false
 *   disk_source_prefixes  = "*" or absolute paths separated by spaces
 *   require_delegated_ids = true|false
 *   allow_raw_idmap       = true|false
 *   allow_raw_seccomp     = true|false
 *   allow_kernel_modules  = true|false
 *   allow_lxc_hooks       = true|false
 *   allow_host_interfaces = true|false
 *   allow_raw_dnsmasq     = true|false
 *   allow_proxy_low_ports = true|false
 * Every key must appear exactly once: a policy never relies on a default.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "ph.h"

#define POLICY_MAX (64 * 1024)

void ph_policy_free(struct ph_policy *p)
{
	strv_free(p->disk_source_prefixes);
	p->disk_source_prefixes = NULL;
}

static int parse_bool(const char *v, bool *ret)
{
	if (strcmp(v, "true") == 0)
		*ret = true;
	else if (strcmp(v, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static bool path_prefix_ok(const char *p)
{
	size_t n = strlen(p);

	if (n < 2 || n >= PATH_MAX || p[0] != '/' || p[n - 1] == '/')
		return false;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x21 || *c == 0x7f)
			return false;
	/* no "." or ".." components, no "//" */
	for (const char *c = p; *c; c++) {
		if (c[0] != '/')
			continue;
		if (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return false;
	}
	return true;
}

static int parse_prefixes(char *v, char ***ret)
{
	__do_strv char **out = NULL;
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char **grown;

		if (strcmp(tok, "*") != 0 && !path_prefix_ok(tok))
			return -EINVAL;
		if (n >= 256)
			return -E2BIG;
		grown = realloc(out, (n + 2) * sizeof(char *));
		if (!grown)
			return -ENOMEM;
		out = grown;
		out[n] = strdup(tok);
		if (!out[n])
			return -ENOMEM;
		out[++n] = NULL;
	}
	if (n == 0) {
		out = calloc(1, sizeof(char *));
		if (!out)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int ph_policy_parse(const char *text, size_t len, struct ph_policy *ret)
{
	enum {
		K_NAME,
		K_PRIV,
		K_NEST,
		K_RAW,
		K_UNIX,
		K_DISK,
		K_IDS,
		K_RAW_IDMAP,
		K_RAW_SECCOMP,
		K_MODULES,
		K_HOOKS,
		K_HOST_IFS,
		K_RAW_DNSMASQ,
		K_PROXY_LOW,
		K_MAX
	};
	static const char *const keys[K_MAX] = { "name",
						 "allow_privileged",
						 "allow_nesting",
						 "allow_raw_lxc",
						 "allow_unix_devices",
						 "disk_source_prefixes",
						 "require_delegated_ids",
						 "allow_raw_idmap",
						 "allow_raw_seccomp",
						 "allow_kernel_modules",
						 "allow_lxc_hooks",
						 "allow_host_interfaces",
						 "allow_raw_dnsmasq",
						 "allow_proxy_low_ports" };
	struct ph_policy p = { 0 };
	bool seen[K_MAX] = { false };
	__do_free char *copy = NULL;
	char *save = NULL;
	int r = 0;

	if (len > POLICY_MAX || memchr(text, '\0', len))
		return -EINVAL;
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *k, *v;
		int key = -1;

		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		k = trim(line);
		v = trim(eq + 1);
		for (int i = 0; i < K_MAX; i++)
			if (strcmp(k, keys[i]) == 0)
				key = i;
		if (key < 0 || seen[key]) {
			r = -EINVAL;
			break;
		}
		seen[key] = true;
		switch (key) {
		case K_NAME: {
			size_t n = strlen(v);

			r = (n == 0 || n >= sizeof(p.name)) ? -EINVAL : 0;
			for (size_t i = 0; r == 0 && i < n; i++)
				if (!((v[i] >= 'a' && v[i] <= 'z') ||
				      (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
					r = -EINVAL;
			if (r == 0)
				memcpy(p.name, v, n + 1);
			break;
		}
		case K_PRIV:
			r = parse_bool(v, &p.allow_privileged);
			break;
		case K_NEST:
			r = parse_bool(v, &p.allow_nesting);
			break;
		case K_RAW:
			r = parse_bool(v, &p.allow_raw_lxc);
			break;
		case K_UNIX:
			r = parse_bool(v, &p.allow_unix_devices);
			break;
		case K_DISK:
			r = parse_prefixes(v, &p.disk_source_prefixes);
			break;
		case K_IDS:
			r = parse_bool(v, &p.require_delegated_ids);
			break;
		case K_RAW_IDMAP:
			r = parse_bool(v, &p.allow_raw_idmap);
			break;
		case K_RAW_SECCOMP:
			r = parse_bool(v, &p.allow_raw_seccomp);
			break;
		case K_MODULES:
			r = parse_bool(v, &p.allow_kernel_modules);
			break;
		case K_HOOKS:
			r = parse_bool(v, &p.allow_lxc_hooks);
			break;
		case K_HOST_IFS:
			r = parse_bool(v, &p.allow_host_interfaces);
			break;
		case K_RAW_DNSMASQ:
			r = parse_bool(v, &p.allow_raw_dnsmasq);
			break;
		case K_PROXY_LOW:
			r = parse_bool(v, &p.allow_proxy_low_ports);
			break;
		}
		if (r < 0)
			break;
	}
	for (int i = 0; r == 0 && i < K_MAX; i++)
		if (!seen[i])
			r = -ENODATA;
	if (r < 0) {
		ph_policy_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}

/*
 * Every directory above the file must be root's and writable by root alone,
 * or sticky (like /tmp): there nobody else can rename or remove an entry
 * that root owns, so the root-owned path below it stays root's.
 */
static int check_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (;;) {
		struct stat st;
		char *slash = strrchr(buf, '/');

		if (!slash)
			return -EINVAL;
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (lstat(buf, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
			return -EPERM;
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
			return -EPERM;
		if (strcmp(buf, "/") == 0)
			return 0;
	}
}

int ph_policy_load(const char *path, struct ph_policy *ret)
{
	char real[PATH_MAX];
	__do_close int fd = -EBADF;
	__do_free char *text = NULL;
	struct stat st;
	ssize_t n;
	int r;

	if (!realpath(path, real))
		return -errno;
	r = check_parents(real);
	if (r < 0)
		return r;
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	if (st.st_size > POLICY_MAX)
		return -EFBIG;
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return -ENOMEM;
	n = read(fd, text, (size_t)st.st_size);
	if (n != st.st_size)
		return n < 0 ? -errno : -EIO;
	return ph_policy_parse(text, (size_t)n, ret);
}
