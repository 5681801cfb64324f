// SPDX-License-Identifier: Apache-2.0
/*
 * Name validation (see name.h). Pure function over untrusted bytes: no
 * locale, no regex engine, every byte checked, length checked first.
 */
#include "name.h"

#include <string.h>

static bool is_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool name_valid(const uint8_t *s, size_t len)
{
	if (!s || len == 0 || len > NAME_MAX_LEN)
		return false;
	if (!is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool name_valid_str(const char *s)
{
	return s && name_valid((const uint8_t *)s, strnlen(s, NAME_MAX_LEN + 1));
}

bool name_device_valid(const char *s)
{
	static const char word[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
	size_t n = strlen(s);

	return n >= 1 && n <= NAME_MAX_LEN && s[0] != '.' && s[0] != '-' && s[0] != '_' &&
	       s[strspn(s, word)] == '\0';
}

bool name_net_valid(const uint8_t *s, size_t len)
{
	static const char word[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

	if (len < 1 || len > NAME_NET_MAX_LEN || s[0] == '-' || s[0] == '_')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(word, s[i]))
			return false;
	return true;
}

bool name_ifname_valid(const char *s)
{
	size_t n = strnlen(s, NAME_IFNAME_MAX + 1);

	return n >= 1 && n <= NAME_IFNAME_MAX && name_device_valid(s);
}

bool name_domain_valid(const char *s)
{
	static const char label[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

	for (const char *p = s;;) {
		size_t n = strspn(p, label);

		if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
			return false;
		p += n;
		if (!*p)
			return true;
		if (*p++ != '.')
			return false;
	}
}

bool name_device_path_valid(const char *p)
{
	size_t n = strlen(p);

	if (n < 1 || p[0] != '/' || (n > 1 && p[n - 1] == '/'))
		return false;
	for (const char *c = p; *c; c++) {
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '\\')
			return false;
		if (c[0] == '/' && (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || !c[2])) ||
				    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || !c[3]))))
			return false;
	}
	return true;
}

bool name_path_under(char *const *prefixes, const char *path)
{
	for (char *const *x = prefixes; x && *x; x++) {
		size_t n = strlen(*x);

		if (strcmp(*x, "*") == 0 ||
		    (strncmp(path, *x, n) == 0 && (path[n] == '\0' || path[n] == '/')))
			return true;
	}
	return false;
}
