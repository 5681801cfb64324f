// SPDX-License-Identifier: Apache-2.0
/*
 * A container's payload cgroup from /proc/<pid>/cgroup texts (cgroup.h),
 * for moatd and moatd-api alike. Pure; the init's text is hostile.
 *
 * liblxc 5.0 puts the payload in "lxc.payload.<name>" at the root of each
 * hierarchy when it runs as root (it escapes to the root cgroup unless
 * lxc.cgroup.relative is set), else below the cgroup of the process that
 * started it, moatd's; it takes "<name>-1", "<name>-2", ... when the name
 * is taken (several daemons, or a stray directory, can hold it).
 */
#include "cgroup.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* liblxc tries "<name>" then "<name>-1" to "<name>-999". */
#define PAYLOAD_TRIES 1000
#define PREFIX "/lxc.payload."

/* Does the comma-separated list [s, s + n) name ctrl? "" is only cgroup2's empty list. */
static bool lists(const char *s, size_t n, const char *ctrl)
{
	size_t k = strlen(ctrl), at = 0;

	if (k == 0)
		return n == 0;
	while (at <= n) {
		const char *comma = memchr(s + at, ',', n - at);
		size_t len = comma ? (size_t)(comma - (s + at)) : n - at;

		if (len == k && memcmp(s + at, ctrl, k) == 0)
			return true;
		at += len + 1;
	}
	return false;
}

/* The path of the next line from *pos whose controllers name ctrl; false at
 * the end. Lines without two ':' are passed over. */
static bool next_path(const char *text, size_t *pos, const char *ctrl, const char **ret,
		      size_t *ret_len)
{
	while (text[*pos]) {
		const char *l = text + *pos, *c1, *c2;
		size_t n = strcspn(l, "\n");

		*pos += n + (l[n] == '\n');
		c1 = memchr(l, ':', n);
		c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - l)) : NULL;
		if (c2 && lists(c1 + 1, (size_t)(c2 - c1 - 1), ctrl)) {
			*ret = c2 + 1;
			*ret_len = n - (size_t)(c2 + 1 - l);
			return true;
		}
	}
	return false;
}

int cgroup_line(const char *text, const char *ctrl, char *ret, size_t size)
{
	size_t pos = 0, n;
	const char *p;

	if (!next_path(text, &pos, ctrl, &p, &n))
		return -ENOENT;
	if (n == 0 || p[0] != '/' || n >= size)
		return -EINVAL;
	memcpy(ret, p, n);
	ret[n] = '\0';
	return 0;
}

/* Is [p, p + n) dir or below it? */
static bool below(const char *p, size_t n, const char *dir)
{
	size_t k = strlen(dir);

	return n >= k && memcmp(p, dir, k) == 0 && (n == k || p[k] == '/');
}

/* Every line of ctrl lies in dir or below it, and there is one. */
static bool all_below(const char *text, const char *ctrl, const char *dir)
{
	size_t pos = 0, n;
	const char *p;
	bool any = false;

	while (next_path(text, &pos, ctrl, &p, &n)) {
		if (!below(p, n, dir))
			return false;
		any = true;
	}
	return any;
}

/* Which of liblxc's names for name's payload directly below pre the path
 * starts with: 0 for "<name>", n for "<name>-<n>"; -1 for none. */
static int payload_index(const char *path, const char *pre, const char *name)
{
	size_t k = strlen(pre), m = strlen(name);
	const char *s;
	int idx = 0;

	if (strncmp(path, pre, k) != 0 || strncmp(path + k, PREFIX, strlen(PREFIX)) != 0 ||
	    strncmp(path + k + strlen(PREFIX), name, m) != 0)
		return -1;
	s = path + k + strlen(PREFIX) + m;
	if (*s == '-' && s[1] >= '1' && s[1] <= '9') /* "%d": no sign, no leading 0 */
		for (s++; *s >= '0' && *s <= '9' && idx < PAYLOAD_TRIES; s++)
			idx = idx * 10 + (*s - '0');
	return (*s == '\0' || *s == '/') && idx < PAYLOAD_TRIES ? idx : -1;
}

int cgroup_payload(const char *text, const char *ctrl, const char *base, const char *name,
		   char *ret, size_t size)
{
	char first[PATH_MAX], dir[PATH_MAX];
	int r = cgroup_line(text, ctrl, first, sizeof(first));

	if (r < 0)
		return r;
	/* escaped to the root first, then below moatd's cgroup (none when that is the root) */
	for (int form = 0; form < 2; form++) {
		const char *pre = form == 0 ? "" : base;
		int idx, n;

		if (form == 1 && (!base || base[0] != '/' || strcmp(base, "/") == 0))
			break;
		idx = payload_index(first, pre, name);
		if (idx < 0)
			continue;
		n = idx ? snprintf(dir, sizeof(dir), "%s" PREFIX "%s-%d", pre, name, idx)
			: snprintf(dir, sizeof(dir), "%s" PREFIX "%s", pre, name);
		if (n < 0 || (size_t)n >= sizeof(dir) || !all_below(text, ctrl, dir))
			continue;
		if ((size_t)n >= size)
			return -ENAMETOOLONG;
		memcpy(ret, dir, (size_t)n + 1);
		return 0;
	}
	return -ESRCH;
}
