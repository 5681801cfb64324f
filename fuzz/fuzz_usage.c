// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for cgroup_line() and cgroup_payload()
 * (common/cgroup.c), which moatd-api (unprivileged) runs on a
 * container init's /proc/<pid>/cgroup to find the payload cgroup whose
 * counters it reads: the container names its own sub-cgroups, newlines
 * included. The first byte picks the controller, the second moatd's own
 * path of it (unknown, the root, or below one); the rest is the text.
 * Checked: a line found is absolute, fits and is in the text; a payload
 * directory found is one of liblxc's names for c1 ("/lxc.payload.c1", or
 * moatd's path and that, either with "-1" to "-999"), built from those
 * alone, and the init's first line for the controller lies in it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "model/usage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is s "/lxc.payload.c1", or that and "-<n>" with n 1-999 in "%d" form? */
static bool liblxc_name(const char *s)
{
	static const char name[] = "/lxc.payload.c1";
	size_t k = strlen(name), digits;

	if (strncmp(s, name, k) != 0)
		return false;
	s += k;
	if (*s == '\0')
		return true;
	if (*s != '-' || s[1] < '1' || s[1] > '9')
		return false;
	digits = strspn(s + 1, "0123456789");
	return digits <= 3 && s[1 + digits] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctrls[] = { "", "memory", "pids", "cpuacct", "name=systemd" };
	static const char *const bases[] = { NULL, "/", "/srv/moat" };
	const char *ctrl, *base;
	char *text, line[64], out[4096];
	size_t n;
	int r;

	if (size < 2)
		return 0;
	ctrl = ctrls[data[0] % (sizeof(ctrls) / sizeof(ctrls[0]))];
	base = bases[data[1] % (sizeof(bases) / sizeof(bases[0]))];
	text = malloc(size - 1);
	if (!text)
		return 0;
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';

	r = cgroup_line(text, ctrl, line, sizeof(line));
	if (r == 0) {
		n = strnlen(line, sizeof(line));
		if (n == 0 || n >= sizeof(line) || line[0] != '/' || !strstr(text, line))
			abort();
	}
	if (cgroup_payload(text, ctrl, base, "c1", out, sizeof(out)) == 0) {
		const char *rest = out;

		if (!liblxc_name(rest)) {
			/* not the root's form: moatd's path (not the root) and the name */
			if (!base || strcmp(base, "/") == 0 ||
			    strncmp(out, base, strlen(base)) != 0)
				abort();
			rest = out + strlen(base);
			if (!liblxc_name(rest))
				abort();
		}
		/* the first line for ctrl is the directory or below it */
		r = cgroup_line(text, ctrl, line, sizeof(line));
		n = strlen(out);
		if (r == 0 && (strncmp(line, out, n) != 0 || (line[n] != '\0' && line[n] != '/')))
			abort();
	}
	free(text);
	return 0;
}
