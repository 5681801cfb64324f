// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for ph_policy_parse() (privhelper/policy.c), the parser
 * moatd (root) runs once at start on the root-owned policy file. The file
 * is trusted only after ownership checks, but its text is still parsed
 * strictly, so it is fuzzed as untrusted input. Built with clang,
 * libFuzzer, ASan and UBSan by `make fuzz-build`; runs unprivileged.
 * Every accepted policy is checked against the parser's promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool prefix_ok(const char *p)
{
	if (strcmp(p, "*") == 0)
		return true;
	if (p[0] != '/' || strstr(p, "//") || strstr(p, "/../") || strstr(p, "/./"))
		return false;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ph_policy p;
	size_t n;

	memset(&p, 0, sizeof(p));
	if (ph_policy_parse((const char *)data, size, &p) != 0)
		return 0;
	n = strnlen(p.name, sizeof(p.name));
	if (n == 0 || n >= sizeof(p.name) || !p.disk_source_prefixes)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!((p.name[i] >= 'a' && p.name[i] <= 'z') ||
		      (p.name[i] >= '0' && p.name[i] <= '9') || p.name[i] == '-'))
			abort();
	for (char **v = p.disk_source_prefixes; *v; v++)
		if (!prefix_ok(*v))
			abort();
	ph_policy_free(&p);
	return 0;
}
