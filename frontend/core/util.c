// SPDX-License-Identifier: Apache-2.0
/*
 * Small helpers for moatd-api: LXD's time format, random UUIDs, hex
 * digits, percent-decoding. Unprivileged; the strings decoded here come
 * from clients (paths and query arguments) and are untrusted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fe.h"

struct fe_server fe_srv;

void fe_time_format(const struct timespec *ts, char ret[static 64])
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(ret, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec);
}

void fe_random_hex(char ret[static 65])
{
	uint8_t b[32] = { 0 };

	(void)!getrandom(b, sizeof(b), 0);
	for (int i = 0; i < 32; i++)
		snprintf(ret + 2 * i, 3, "%02x", b[i]);
}

void fe_uuid(char ret[static 37])
{
	uint8_t b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] ^= (uint8_t)(ts.tv_nsec >> (i % 4) * 8) + (uint8_t)i;
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(ret, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

bool fe_secret_equal(const char *given, const char *want)
{
	size_t n = strlen(want);
	unsigned char diff = 0;

	if (!given || n == 0 || strnlen(given, n + 1) != n)
		return false;
	for (size_t k = 0; k < n; k++)
		diff |= (unsigned char)(given[k] ^ want[k]);
	return diff == 0;
}

int fe_unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t fe_percent_decode(char *s)
{
	char *w = s;
	const char *r = s;
	int hi, lo;

	while (*r) {
		if (r[0] == '%' && (hi = fe_unhex(r[1])) >= 0 && (lo = fe_unhex(r[2])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

char *fe_path_join_escaped(const char *prefix, const char *s)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t o = strlen(prefix);
	char *out = malloc(o + 3 * strlen(s) + 1);

	if (!out)
		return NULL;
	memcpy(out, prefix, o);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c)) {
			out[o++] = (char)*c;
		} else {
			out[o++] = '%';
			out[o++] = hexd[*c >> 4];
			out[o++] = hexd[*c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
