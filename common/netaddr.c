// SPDX-License-Identifier: Apache-2.0
/*
 * netaddr.h's subnet and MAC address rules, for moatd (root, on the frontend's checked
 * bytes) and moatd-api (on client input) alike. Pure.
 */
#include "netaddr.h"

#include <stddef.h>
#include <sys/socket.h>

bool netaddr_in(const uint8_t *a, const uint8_t *net, unsigned prefix)
{
	for (unsigned bit = 0; bit < prefix; bit++)
		if ((a[bit / 8] ^ net[bit / 8]) & (0x80u >> (bit % 8)))
			return false;
	return true;
}

bool netaddr_overlap(const uint8_t *a, unsigned pa, const uint8_t *b, unsigned pb)
{
	return netaddr_in(a, b, pa < pb ? pa : pb);
}

bool netaddr_host_of(int af, const uint8_t *a, const uint8_t *net, unsigned prefix)
{
	size_t bits = af == AF_INET ? 32 : 128;
	bool zeros = true, ones = true;

	for (size_t bit = prefix; bit < bits; bit++) {
		bool set = a[bit / 8] & (0x80u >> (bit % 8));

		zeros = zeros && !set;
		ones = ones && set;
	}
	return prefix < bits && netaddr_in(a, net, prefix) && !zeros && (af != AF_INET || !ones);
}

bool netaddr_bridge_ok(int af, const uint8_t *a, unsigned prefix)
{
	if (!netaddr_host_of(af, a, a, prefix))
		return false;
	if (af == AF_INET)
		return prefix >= 8 && prefix <= 30 && a[0] != 0 && a[0] != 127 && a[0] < 224 &&
		       !(a[0] == 169 && a[1] == 254);
	if (prefix < 8 || prefix > 126 || a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return false;
	/* ::, ::1, ::a.b.c.d and ::ffff:a.b.c.d: the first 80 bits zero */
	for (size_t k = 0; k < 10; k++)
		if (a[k])
			return true;
	return false;
}

static int hex_digit(char c, bool lower)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (!lower && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool netaddr_mac(const char *s, size_t len, bool lower, uint8_t ret[6])
{
	uint8_t a[6];

	if (len != 17)
		return false;
	for (size_t k = 0; k < 6; k++) {
		int hi = hex_digit(s[3 * k], lower), lo = hex_digit(s[3 * k + 1], lower);

		if (hi < 0 || lo < 0 || (k < 5 && s[3 * k + 2] != ':'))
			return false;
		a[k] = (uint8_t)(hi << 4 | lo);
	}
	for (size_t k = 0; k < 6; k++)
		ret[k] = a[k];
	return true;
}

bool netaddr_mac_unicast(const uint8_t a[6])
{
	return !(a[0] & 1) && (a[0] | a[1] | a[2] | a[3] | a[4] | a[5]);
}
