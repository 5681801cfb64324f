// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the snapshots.* key parsers (frontend/model/
 * snapshot_sched.c), which moatd-api runs, unprivileged, on client
 * config values: fe_schedule_parse() (cron lines and aliases),
 * fe_expiry_parse() and fe_snapshot_pattern(). Built with clang,
 * libFuzzer, ASan and UBSan by `make fuzz-build`; runs unprivileged. What
 * is accepted is checked against the parsers' promises: a schedule's bit
 * sets within their fields, an expiry not before its start, a rendered
 * pattern within its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/snapshots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[FE_PATTERN_MAX];
	struct fe_schedule sch;
	time_t t;
	struct tm tm = { .tm_min = 30, .tm_hour = 12, .tm_mday = 15, .tm_mon = 5, .tm_wday = 3 };

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (fe_schedule_parse(s, &sch) == 0) {
		if (sch.n > FE_SCHEDULE_MAX)
			abort();
		for (size_t k = 0; k < sch.n; k++)
			if ((sch.c[k].minute >> 60) || (sch.c[k].hour >> 24) ||
			    (sch.c[k].dom & 1) || (sch.c[k].month & 1) || (sch.c[k].month >> 13) ||
			    (sch.c[k].dow >> 7))
				abort();
		(void)fe_schedule_due(&sch, &tm);
	}
	if (fe_expiry_parse(s, 1700000000, &t) == 0 && *s && t < 1700000000)
		abort();
	if (fe_snapshot_pattern(s, 1700000000, out) == 0 && strlen(out) >= sizeof(out))
		abort();
	free(s);
	return 0;
}
