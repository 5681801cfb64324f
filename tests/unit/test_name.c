// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for name_valid() / name_valid_str() (common/name.c), the one
 * rule for names that become paths, liblxc names and config values. Run
 * by the test runner with no privilege; inputs are the table below.
 */
#include <string.h>

#include "name.h"
#include "t.h"

struct name_case {
	const char *s; /* NUL-terminated; cases with a NUL inside are below */
	bool valid;
};

static void check_one(const char *s, size_t len, bool want)
{
	char esc[T_ESC_MAX];
	bool got = name_valid((const uint8_t *)s, len);

	CHECK(got == want, "name_valid(\"%s\", %zu) is %s", t_escape(esc, sizeof(esc), s, len), len,
	      want ? "true" : "false");
}

void test_name(void)
{
	static const struct name_case cases[] = {
		/* good */
		{ "a", true },
		{ "Z", true },
		{ "0", true },
		{ "c1", true },
		{ "web-01", true },
		{ "a-", true },
		{ "a--b", true },
		{ "UPPER-lower-123", true },
		/* bad */
		{ "-a", false },
		{ "-", false },
		{ "a/b", false },
		{ "/a", false },
		{ "a/", false },
		{ "..", false },
		{ ".", false },
		{ "../x", false },
		{ "a.b", false },
		{ "a b", false },
		{ " a", false },
		{ "a ", false },
		{ "%", false },
		{ "a%2fb", false },
		{ "a_b", false },
		{ "a\nb", false },
		{ "a\tb", false },
		{ "a:b", false },
		{ "a=b", false },
		{ "a\\b", false },
		{ "a\x7f", false },
		{ "\xc3\xa9", false },
		{ "a\xff", false },
	};
	char buf[NAME_MAX_LEN + 2];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_one(cases[i].s, strlen(cases[i].s), cases[i].valid);

	/* empty, by length and by pointer */
	CHECK(!name_valid((const uint8_t *)"", 0), "name_valid(\"\", 0) is false");
	CHECK(!name_valid((const uint8_t *)"abc", 0), "name_valid(\"abc\", 0) is false");
	CHECK(!name_valid(NULL, 0), "name_valid(NULL, 0) is false");
	CHECK(!name_valid(NULL, 3), "name_valid(NULL, 3) is false");

	/* 63 bytes is the longest; 64 is refused; so is a 63 one ending badly */
	memset(buf, 'a', sizeof(buf));
	check_one(buf, NAME_MAX_LEN, true);
	check_one(buf, NAME_MAX_LEN + 1, false);
	buf[0] = '9';
	buf[NAME_MAX_LEN - 1] = '-';
	check_one(buf, NAME_MAX_LEN, true);
	buf[NAME_MAX_LEN - 1] = '.';
	check_one(buf, NAME_MAX_LEN, false);

	/* an embedded or trailing NUL is a byte like any other: refused */
	check_one("ab\0cd", 5, false);
	check_one("ab\0", 3, false);
	check_one("\0ab", 3, false);
	check_one("\0", 1, false);
	/* ... while the same bytes cut before the NUL are a fine name */
	check_one("ab\0cd", 2, true);

	/* name_valid_str: a C string, so it can carry no NUL; same rule */
	CHECK(name_valid_str("c1"), "name_valid_str(\"c1\") is true");
	CHECK(!name_valid_str(""), "name_valid_str(\"\") is false");
	CHECK(!name_valid_str(NULL), "name_valid_str(NULL) is false");
	CHECK(!name_valid_str("a/b"), "name_valid_str(\"a/b\") is false");
	CHECK(!name_valid_str(".."), "name_valid_str(\"..\") is false");
	memset(buf, 'b', sizeof(buf));
	buf[NAME_MAX_LEN] = '\0';
	CHECK(name_valid_str(buf), "name_valid_str(63 x 'b') is true");
	buf[NAME_MAX_LEN] = 'b';
	buf[NAME_MAX_LEN + 1] = '\0';
	CHECK(!name_valid_str(buf), "name_valid_str(64 x 'b') is false");

	/* name_domain_valid: dns.domain in moatd-api's 400 and moatd's network_apply check */
	static const char *const dom_ok[] = { "moat", "lab.example", "A-1.b2", "x" };
	static const char *const dom_bad[] = { "",     ".",  "a..b", "a b", "moat-", "-moat",
					       "a.-b", "a.", ".a",   "a_b", "a/b",   "a\nb" };
	for (size_t k = 0; k < sizeof(dom_ok) / sizeof(dom_ok[0]); k++)
		CHECK(name_domain_valid(dom_ok[k]), "name_domain_valid(\"%s\") is true", dom_ok[k]);
	for (size_t k = 0; k < sizeof(dom_bad) / sizeof(dom_bad[0]); k++)
		CHECK(!name_domain_valid(dom_bad[k]), "name_domain_valid(\"%s\") is false",
		      dom_bad[k]);
	memset(buf, 'd', 63);
	buf[63] = '\0';
	CHECK(name_domain_valid(buf), "name_domain_valid: a label of 63 bytes is true");
	buf[63] = 'd';
	buf[64] = '\0';
	CHECK(!name_domain_valid(buf), "name_domain_valid: a label of 64 bytes is false");
}
