// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for cgroup_line() and cgroup_payload() (common/cgroup.c)
 * as moatd (root) runs them on a container init's /proc/<pid>/cgroup for
 * limits.c's live writes (privhelper/cgroup.c): the container names its
 * own sub-cgroups, newlines included. The first byte picks the controller;
 * the rest is the text. Checked: a path found is absolute, fits, and is in
 * the text; the payload of c1 is "/lxc.payload.c1" only if the first line
 * found for the controller is that directory or below it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctrls[] = { "", "memory", "pids", "cpuacct", "name=systemd" };
	static const char dir[] = "/lxc.payload.c1";
	const char *ctrl;
	char *text, out[64], payload[64];
	size_t n;
	int r;

	if (size < 1)
		return 0;
	ctrl = ctrls[data[0] % (sizeof(ctrls) / sizeof(ctrls[0]))];
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	r = cgroup_line(text, ctrl, out, sizeof(out));
	if (r == 0) {
		n = strnlen(out, sizeof(out));
		if (n == 0 || n >= sizeof(out) || out[0] != '/' || !strstr(text, out))
			abort();
	}
	if (cgroup_payload(text, ctrl, NULL, "c1", payload, sizeof(payload)) == 0 &&
	    strcmp(payload, dir) == 0) {
		/* the first line for ctrl decides what cgroup_line saw */
		if (r != 0 && r != -EINVAL)
			abort();
		if (r == 0 && (strncmp(out, dir, strlen(dir)) != 0 ||
			       (out[strlen(dir)] != '\0' && out[strlen(dir)] != '/')))
			abort();
	}
	free(text);
	return 0;
}
