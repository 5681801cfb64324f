// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for common/rawconf.c, the rules both daemons run on
 * the security keys' texts before they become liblxc configuration:
 * raw.lxc (rawconf_lxc_parse), raw.seccomp (rawconf_seccomp_check),
 * raw.idmap (rawconf_idmap_parse) and the syscall rules of
 * security.syscalls.deny/allow (rawconf_syscall_rule), and a managed
 * network's raw.dnsmasq (rawconf_dnsmasq_check, run on every input). The
 * first byte picks one of the others. Every accepted input is checked against the promises
 * that keep a rendered line one line: no key outside the allow list, no
 * lxc.include, no control byte in a key or value, ranges in bounds.
 * Built by `make fuzz-build` (clang, libFuzzer, ASan, UBSan); unprivileged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int line(void *arg, const char *key, const char *value)
{
	bool hooks = *(bool *)arg;

	if (rawconf_lxc_key(key, hooks) != NULL || strcmp(key, "lxc.include") == 0 ||
	    !rawconf_value_ok(value, RAWCONF_VALUE_MAX) || strpbrk(key, "\n\r= \t"))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, why[256];
	struct rawconf_idmap m[16];
	struct rawconf_rule r;
	bool hooks;
	int n;

	if (size < 1 || size > 16384)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	hooks = data[0] & 0x10;
	switch (data[0] % 4) {
	case 0:
		(void)rawconf_lxc_parse(text, hooks, line, &hooks, why, sizeof(why));
		break;
	case 1:
		if (rawconf_seccomp_check(text, size - 1, NULL, why, sizeof(why)) == 0 &&
		    (memchr(text, '\0', size - 1) || text[strspn(text, " \t")] != '2' ||
		     strchr(text, '\r')))
			abort();
		break;
	case 2:
		n = rawconf_idmap_parse(text, m, 16);
		for (int k = 0; k < n; k++)
			if (!m[k].count || m[k].count > 65536 ||
			    (uint64_t)m[k].cont + m[k].count > 65536 || !(m[k].uid || m[k].gid))
				abort();
		break;
	case 3:
		if (rawconf_syscall_rule(text, strlen(text), &r) == 0 &&
		    (!rawconf_syscall_name_ok(r.name) || r.err > 4095))
			abort();
		break;
	}
	/* raw.dnsmasq: an accepted text is whole, bounded, printable lines of option names */
	if (rawconf_dnsmasq_check(text, size - 1) >= 0)
		for (const char *p = text; p < text + size - 1; p++)
			if ((p == text || p[-1] == '\n') && *p != '#' && *p != '\n' &&
			    (*p < 'a' || *p > 'z'))
				abort();
	if (rawconf_dnsmasq_check(text, strlen(text)) >= 0 &&
	    (strlen(text) > RAWCONF_DNSMASQ_MAX || strpbrk(text, "\r\t")))
		abort();
	free(text);
	return 0;
}
