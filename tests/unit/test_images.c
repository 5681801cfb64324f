// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the image store's pure parts (frontend/model/image_meta.c,
 * image_tar.c, images.c): metadata.yaml parsing, the tarball scan, the
 * URL-query, time, name and path checks, and the upload cap. Tables of
 * good and bad inputs; tarballs are written in memory with libarchive.
 * Run by the test runner with no privilege; only the cap test touches the
 * filesystem (a temporary directory it removes).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "model/images.h"
#include "t.h"

/* ---- metadata.yaml ------------------------------------------------------------ */

struct meta_case {
	const char *name;
	const char *yaml;
	const char *want; /* NULL: must parse; else a substring of the error */
};

static const char *const M_OK = "architecture: x86_64\ncreation_date: 1700000000\n";

static void test_meta_table(void)
{
	static const struct meta_case cases[] = {
		{ "minimal", "architecture: x86_64\ncreation_date: 1\n", NULL },
		{ "document marker and comments",
		  "---\n# c\narchitecture: x86_64 # arch\ncreation_date: 5\n...\n", NULL },
		{ "alias architecture", "architecture: amd64\ncreation_date: 1\n", NULL },
		{ "flow mapping", "{architecture: aarch64, creation_date: 1}", NULL },
		{ "unknown keys ignored",
		  "architecture: x86_64\ncreation_date: 1\nfoo: [1, {a: b}]\n", NULL },
		{ "expiry_date",
		  "architecture: x86_64\ncreation_date: 1\nexpiry_date: 2000000000\n", NULL },
		{ "null properties and templates",
		  "architecture: x86_64\ncreation_date: 1\nproperties:\ntemplates: ~\n", NULL },
		{ "scalar property values",
		  "architecture: x86_64\ncreation_date: 1\nproperties:\n  a: 1.5\n  b: true\n  c: \"q\"\n  d:\n",
		  NULL },
		{ "template with everything",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/hostname:\n    when: [create, copy]\n    template: hostname.tpl\n    create_only: yes\n    properties: {k: v}\n",
		  NULL },
		{ "template in a subdirectory",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /a/b:\n    template: d/t.tpl\n",
		  NULL },
		{ "UTF-8 values",
		  "architecture: x86_64\ncreation_date: 1\nproperties:\n  description: \"caf\xc3\xa9\"\n",
		  NULL },

		{ "empty", "", "empty document" },
		{ "a list", "- a\n- b\n", "must be a map" },
		{ "a scalar", "hello", "must be a map" },
		{ "no architecture", "creation_date: 1\n", "architecture is missing" },
		{ "empty architecture", "architecture:\ncreation_date: 1\n",
		  "architecture is missing" },
		{ "unknown architecture", "architecture: vax\ncreation_date: 1\n",
		  "unsupported architecture" },
		{ "architecture a map", "architecture: {a: b}\ncreation_date: 1\n",
		  "architecture must be a string" },
		{ "no creation_date", "architecture: x86_64\n", "creation_date is missing" },
		{ "creation_date zero", "architecture: x86_64\ncreation_date: 0\n",
		  "out of range" },
		{ "creation_date negative", "architecture: x86_64\ncreation_date: -5\n",
		  "out of range" },
		{ "creation_date text", "architecture: x86_64\ncreation_date: yesterday\n",
		  "must be an integer" },
		{ "creation_date quoted", "architecture: x86_64\ncreation_date: \"1\"\n",
		  "must be an integer" },
		{ "creation_date float", "architecture: x86_64\ncreation_date: 1.5\n",
		  "must be an integer" },
		{ "creation_date hex", "architecture: x86_64\ncreation_date: 0x10\n",
		  "must be an integer" },
		{ "creation_date huge",
		  "architecture: x86_64\ncreation_date: 99999999999999999999\n", "out of range" },
		{ "creation_date past 9999", "architecture: x86_64\ncreation_date: 253402300800\n",
		  "out of range" },
		{ "expiry_date text",
		  "architecture: x86_64\ncreation_date: 1\nexpiry_date: never\n",
		  "must be an integer" },
		{ "duplicate key", "architecture: x86_64\narchitecture: i686\ncreation_date: 1\n",
		  "given twice" },
		{ "duplicate property",
		  "architecture: x86_64\ncreation_date: 1\nproperties: {a: b, a: c}\n",
		  "given twice" },
		{ "alias", "architecture: &a x86_64\ncreation_date: 1\nproperties: {x: *a}\n",
		  "aliases are not allowed" },
		{ "merge key alias",
		  "a: &x {b: c}\narchitecture: x86_64\ncreation_date: 1\nproperties:\n  <<: *x\n",
		  "aliases are not allowed" },
		{ "two documents",
		  "architecture: x86_64\ncreation_date: 1\n---\narchitecture: x86_64\n",
		  "more than one" },
		{ "too deep",
		  "architecture: x86_64\ncreation_date: 1\nx: [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]\n",
		  "nested deeper" },
		{ "properties a list", "architecture: x86_64\ncreation_date: 1\nproperties: [a]\n",
		  "map of strings" },
		{ "property value a map",
		  "architecture: x86_64\ncreation_date: 1\nproperties: {a: {b: c}}\n",
		  "must be a string" },
		{ "property key a map",
		  "architecture: x86_64\ncreation_date: 1\nproperties: {{a: b}: c}\n",
		  "keys must be strings" },
		{ "NUL in a value",
		  "architecture: x86_64\ncreation_date: 1\nproperties: {a: \"x\\0y\"}\n", "NUL" },
		{ "NUL in the file", "architecture: x86_64\ncreation_date: 1\n\0", "NUL byte" },
		{ "invalid UTF-8",
		  "architecture: x86_64\ncreation_date: 1\nproperties: {a: \"\xff\"}\n", "line" },
		{ "syntax error", "architecture: [x86_64\ncreation_date: 1\n", "line" },
		{ "templates a list", "architecture: x86_64\ncreation_date: 1\ntemplates: [a]\n",
		  "templates must be a map" },
		{ "template a string",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/x: y\n",
		  "must be a map" },
		{ "template relative target",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  etc/x:\n    template: t\n",
		  "not an absolute clean path" },
		{ "template target with ..",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/../x:\n    template: t\n",
		  "not an absolute clean path" },
		{ "template target with //",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc//x:\n    template: t\n",
		  "not an absolute clean path" },
		{ "template target /",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /:\n    template: t\n",
		  "not an absolute clean path" },
		{ "template target newline",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  \"/etc/a\\nb\":\n    template: t\n",
		  "not an absolute clean path" },
		{ "template name with ..",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/x:\n    template: ../t\n",
		  "not a clean relative path" },
		{ "template name absolute",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/x:\n    template: /t\n",
		  "not a clean relative path" },
		{ "template without a name",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/x:\n    when: [create]\n",
		  "names no template" },
		{ "when a string",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/x:\n    template: t\n    when: create\n",
		  "must be a list" },
		{ "when holds a map",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/x:\n    template: t\n    when: [{a: b}]\n",
		  "must be a string" },
		{ "create_only not a bool",
		  "architecture: x86_64\ncreation_date: 1\ntemplates:\n  /etc/x:\n    template: t\n    create_only: maybe\n",
		  "true or false" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct meta_case *c = &cases[i];
		size_t len = strlen(c->yaml);
		char err[IMG_ERR_MAX] = "";
		struct img_meta m;
		int r;

		if (strcmp(c->name, "NUL in the file") == 0)
			len++;
		r = img_meta_parse(c->yaml, len, &m, err);
		if (!c->want) {
			CHECK(r == 0, "meta: %s parses (%s)", c->name, err);
		} else {
			CHECK(r == -EINVAL && strstr(err, c->want),
			      "meta: %s is refused with \"%s\" (r=%d, \"%s\")", c->name, c->want, r,
			      err);
			CHECK(strncmp(err, "metadata.yaml: ", 15) == 0,
			      "meta: %s: the error names metadata.yaml", c->name);
		}
		if (r == 0)
			img_meta_done(&m);
	}
}

static void test_meta_values(void)
{
	static const char yaml[] = "architecture: amd64\n"
				   "creation_date: 1700000000\n"
				   "expiry_date: 1800000000\n"
				   "properties:\n"
				   "  description: busybox test\n"
				   "  release: 1.35\n"
				   "templates:\n"
				   "  /etc/hostname:\n"
				   "    when:\n"
				   "      - create\n"
				   "      - copy\n"
				   "    template: hostname.tpl\n"
				   "    create_only: true\n"
				   "    properties:\n"
				   "      k: v\n";
	char err[IMG_ERR_MAX];
	struct img_meta m;
	const char *s;

	if (!CHECK(img_meta_parse(yaml, sizeof(yaml) - 1, &m, err) == 0,
		   "meta: a full file parses (%s)", err))
		return;
	CHECK(strcmp(m.architecture, "amd64") == 0, "meta: the architecture is kept as written");
	CHECK(strcmp(img_arch_canonical(m.architecture), "x86_64") == 0,
	      "meta: amd64 is x86_64 canonically");
	CHECK(m.creation_date == 1700000000 && m.expiry_date == 1800000000, "meta: dates");
	s = json_object_to_json_string_ext(m.properties,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	CHECK(strcmp(s, "{\"description\":\"busybox test\",\"release\":\"1.35\"}") == 0,
	      "meta: properties are strings in order: %s", s);
	s = json_object_to_json_string_ext(m.templates,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	CHECK(strcmp(s, "{\"/etc/hostname\":{\"when\":[\"create\",\"copy\"],\"create_only\":true,"
			"\"template\":\"hostname.tpl\",\"properties\":{\"k\":\"v\"}}}") == 0,
	      "meta: templates as JSON: %s", s);
	img_meta_done(&m);

	CHECK(img_meta_parse(M_OK, strlen(M_OK), &m, err) == 0 && m.expiry_date == 0 &&
		      json_object_object_length(m.properties) == 0 &&
		      json_object_object_length(m.templates) == 0,
	      "meta: defaults are no expiry, {} and {}");
	img_meta_done(&m);
}

static void test_meta_size(void)
{
	size_t n = IMG_META_MAX + 1;
	char *big = malloc(n);
	char err[IMG_ERR_MAX];
	struct img_meta m;

	if (!big)
		return;
	memset(big, '#', n);
	memcpy(big, M_OK, strlen(M_OK));
	big[strlen(M_OK)] = '#';
	CHECK(img_meta_parse(big, n, &m, err) == -EINVAL && strstr(err, "larger than"),
	      "meta: a file over IMG_META_MAX is refused");
	free(big);
}

/* ---- names, paths, queries, times ------------------------------------------------ */

static void test_small_checks(void)
{
	static const struct {
		const char *s;
		bool target, relative;
	} paths[] = {
		{ "/etc/hostname", true, false },
		{ "/a", true, false },
		{ "etc/hostname", false, true },
		{ "a", false, true },
		{ "/", false, false },
		{ "", false, false },
		{ "/a/", false, false },
		{ "/a//b", false, false },
		{ "/a/./b", false, false },
		{ "/a/../b", false, false },
		{ "/..", false, false },
		{ "a/..", false, false },
		{ "./a", false, false },
		{ "/a\nb", false, false },
		{ "/a\x7f", false, false },
		{ "/caf\xc3\xa9", true, false },
	};
	static const struct {
		const char *s;
		bool valid;
	} names[] = {
		{ "bb", true },
		{ "a b", true },
		{ "caf\xc3\xa9", true },
		{ "a.b-c_d", true },
		{ "", false },
		{ "a/b", false },
		{ ".", false },
		{ "..", false },
		{ "a\nb", false },
		{ "a\x7f", false },
		{ "\xff", false },
		{ "\xc0\xaf", false },
		{ "\xed\xa0\x80", false },
	};
	char many[IMG_ALIAS_NAME_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		char esc[T_ESC_MAX];

		t_escape(esc, sizeof(esc), paths[i].s, strlen(paths[i].s));
		CHECK(img_target_path_valid(paths[i].s) == paths[i].target,
		      "path: \"%s\" is %sa valid template target", esc,
		      paths[i].target ? "" : "not ");
		CHECK(img_relative_path_valid(paths[i].s) == paths[i].relative,
		      "path: \"%s\" is %sa valid template name", esc,
		      paths[i].relative ? "" : "not ");
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char esc[T_ESC_MAX];

		t_escape(esc, sizeof(esc), names[i].s, strlen(names[i].s));
		CHECK(img_alias_name_valid(names[i].s) == names[i].valid,
		      "alias name \"%s\" is %svalid", esc, names[i].valid ? "" : "in");
	}
	memset(many, 'a', sizeof(many));
	many[IMG_ALIAS_NAME_MAX] = '\0';
	CHECK(img_alias_name_valid(many), "alias name of %d bytes is valid", IMG_ALIAS_NAME_MAX);
	many[IMG_ALIAS_NAME_MAX] = 'a';
	many[IMG_ALIAS_NAME_MAX + 1] = '\0';
	CHECK(!img_alias_name_valid(many), "alias name of %d bytes is invalid",
	      IMG_ALIAS_NAME_MAX + 1);
	CHECK(img_arch_canonical("x86_64") && img_arch_canonical("arm64") &&
		      strcmp(img_arch_canonical("arm64"), "aarch64") == 0 &&
		      !img_arch_canonical("") && !img_arch_canonical("X86_64"),
	      "architectures: names and aliases, case-sensitive");
}

static void test_query(void)
{
	static const struct {
		const char *in;
		const char *out; /* JSON, NULL = refused */
	} cases[] = {
		{ "", "{}" },
		{ "a=b", "{\"a\":\"b\"}" },
		{ "os=busybox&description=with+space%21",
		  "{\"os\":\"busybox\",\"description\":\"with space!\"}" },
		{ "a=1&a=2", "{\"a\":\"1\"}" },
		{ "a", "{\"a\":\"\"}" },
		{ "=x&b=", "{\"b\":\"\"}" },
		{ "&&a=b&", "{\"a\":\"b\"}" },
		{ "k%2Fx=v%2fy", "{\"k/x\":\"v/y\"}" },
		{ "a=caf%C3%A9", "{\"a\":\"caf\xc3\xa9\"}" },
		{ "a=%zz", NULL },
		{ "a=%2", NULL },
		{ "a=%", NULL },
		{ "a=%00", NULL },
		{ "a=%ff", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_object *o = NULL;
		int r = img_parse_query(cases[i].in, &o);

		if (cases[i].out) {
			const char *got =
				r == 0 ? json_object_to_json_string_ext(
						 o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE)
				       : "(refused)";

			CHECK(r == 0 && strcmp(got, cases[i].out) == 0,
			      "query \"%s\" parses to %s (got %s)", cases[i].in, cases[i].out, got);
		} else {
			CHECK(r == -EINVAL, "query \"%s\" is refused", cases[i].in);
		}
		json_object_put(o);
	}
}

static void test_time(void)
{
	static const struct {
		const char *in;
		int r;
		const char *out;
	} cases[] = {
		{ "2026-11-22T16:42:29Z", 0, "2026-11-22T16:42:29Z" },
		{ "2026-11-22T16:42:29.500Z", 0, "2026-11-22T16:42:29.5Z" },
		{ "2026-11-22T16:42:29.123456789Z", 0, "2026-11-22T16:42:29.123456789Z" },
		{ "2030-01-02T03:04:05+01:00", 0, "2030-01-02T02:04:05Z" },
		{ "2030-01-01T23:30:00-01:00", 0, "2030-01-02T00:30:00Z" },
		{ "1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z" },
		{ "0001-01-01T00:00:00Z", 1, NULL },
		{ "tomorrow", -EINVAL, NULL },
		{ "2026-11-22", -EINVAL, NULL },
		{ "2026-11-22T16:42:29", -EINVAL, NULL },
		{ "2026-11-22 16:42:29Z", -EINVAL, NULL },
		{ "2026-11-22T16:42:29.Z", -EINVAL, NULL },
		{ "2026-11-22T16:42:29Zjunk", -EINVAL, NULL },
		{ "2026-11-22T16:42:29+1:00", -EINVAL, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char out[64] = "";
		int r = lxd_time_parse(cases[i].in, out);

		CHECK(r == cases[i].r && (!cases[i].out || strcmp(out, cases[i].out) == 0),
		      "time \"%s\" -> %d \"%s\" (got %d \"%s\")", cases[i].in, cases[i].r,
		      cases[i].out ? cases[i].out : "", r, out);
	}
}

/* ---- tarballs --------------------------------------------------------------- */

enum { REG, DIR_, SYM, HARD, CHR, FIFO, END };

struct member {
	int type;
	const char *name;
	const char *data; /* REG: contents; SYM, HARD: target */
};

struct tar_case {
	const char *name;
	struct member m[12];
	const char *want; /* NULL: accepted; else a substring of the error */
	int filter;       /* 0 none, 1 gzip, 2 xz, 3 zstd */
};

#define META_M                                                                                     \
	{                                                                                          \
		REG, "metadata.yaml", "architecture: x86_64\ncreation_date: 1700000000\n"          \
	}
#define TPL_META(target, tpl)                                                                      \
	{                                                                                          \
		REG, "metadata.yaml",                                                              \
			"architecture: x86_64\ncreation_date: 1\ntemplates:\n  " target            \
			":\n    when: [create]\n    template: " tpl "\n"                           \
	}
#define ROOT_M                                                                                     \
	{ DIR_, "rootfs", NULL },                                                                  \
	{                                                                                          \
		REG, "rootfs/bin/sh", "x"                                                          \
	}

/* A tarball of the members, in memory (GNU tar format: long names, links). */
static int build_tar(const struct member *m, int filter, char **ret, size_t *ret_len)
{
	struct archive *a = archive_write_new();
	size_t cap = 1 << 20, used = 0;
	char *buf = malloc(cap);
	int r = 0;

	if (!a || !buf) {
		archive_write_free(a);
		free(buf);
		return -ENOMEM;
	}
	archive_write_set_format_gnutar(a);
	if (filter == 1)
		archive_write_add_filter_gzip(a);
	else if (filter == 2)
		archive_write_add_filter_xz(a);
	else if (filter == 3)
		archive_write_add_filter_zstd(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK)
		r = -EIO;
	for (; r == 0 && m->type != END; m++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = m->type == REG && m->data ? strlen(m->data) : 0;

		archive_entry_set_pathname(e, m->name);
		archive_entry_set_mtime(e, 1700000000, 0);
		switch (m->type) {
		case REG:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)len);
			break;
		case DIR_:
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case SYM:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, m->data);
			break;
		case HARD:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, m->data);
			break;
		case CHR:
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_perm(e, 0666);
			archive_entry_set_rdev(e, makedev(1, 3));
			break;
		case FIFO:
			archive_entry_set_filetype(e, AE_IFIFO);
			archive_entry_set_perm(e, 0644);
			break;
		}
		if (archive_write_header(a, e) != ARCHIVE_OK)
			r = -EIO;
		else if (len && archive_write_data(a, m->data, len) != (la_ssize_t)len)
			r = -EIO;
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		r = -EIO;
	archive_write_free(a);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = used;
	return 0;
}

static void test_tar_table(void)
{
	static const struct tar_case cases[] = {
		/* accepted */
		{ "a minimal image", { META_M, ROOT_M, { END, NULL, NULL } }, NULL, 0 },
		{ "gzip", { META_M, ROOT_M, { END, NULL, NULL } }, NULL, 1 },
		{ "xz", { META_M, ROOT_M, { END, NULL, NULL } }, NULL, 2 },
		{ "zstd", { META_M, ROOT_M, { END, NULL, NULL } }, NULL, 3 },
		{ "./ prefixes and a ./ top directory",
		  { { DIR_, "./", NULL },
		    { REG, "./metadata.yaml", "architecture: x86_64\ncreation_date: 1\n" },
		    { DIR_, "./rootfs/", NULL },
		    { REG, "./rootfs/x", "x" },
		    { END, NULL, NULL } },
		  NULL,
		  0 },
		{ "rootfs implied by its members",
		  { META_M, { REG, "rootfs/etc/passwd", "x" }, { END, NULL, NULL } },
		  NULL,
		  0 },
		{ "symlinks inside rootfs point anywhere",
		  { META_M,
		    ROOT_M,
		    { SYM, "rootfs/bin/ls", "/bin/busybox" },
		    { SYM, "rootfs/up", "../../.." },
		    { SYM, "rootfs/root", "/" },
		    { END, NULL, NULL } },
		  NULL,
		  0 },
		{ "device nodes and fifos inside rootfs",
		  { META_M,
		    ROOT_M,
		    { DIR_, "rootfs/dev", NULL },
		    { CHR, "rootfs/dev/null", NULL },
		    { FIFO, "rootfs/dev/fifo", NULL },
		    { END, NULL, NULL } },
		  NULL,
		  0 },
		{ "a hardlink to an earlier file in rootfs",
		  { META_M,
		    ROOT_M,
		    { HARD, "rootfs/bin/ash", "rootfs/bin/sh" },
		    { END, NULL, NULL } },
		  NULL,
		  0 },
		{ "a directory given twice",
		  { META_M,
		    ROOT_M,
		    { DIR_, "rootfs", NULL },
		    { DIR_, "rootfs/bin", NULL },
		    { END, NULL, NULL } },
		  NULL,
		  0 },
		{ "a template present",
		  { TPL_META("/etc/hostname", "hostname.tpl"),
		    ROOT_M,
		    { DIR_, "templates", NULL },
		    { REG, "templates/hostname.tpl", "{{ container.name }}" },
		    { END, NULL, NULL } },
		  NULL,
		  0 },
		{ "metadata.yaml after rootfs", { ROOT_M, META_M, { END, NULL, NULL } }, NULL, 0 },
		{ "extra top-level files",
		  { META_M,
		    ROOT_M,
		    { REG, "README", "x" },
		    { DIR_, "doc", NULL },
		    { END, NULL, NULL } },
		  NULL,
		  0 },

		/* refused */
		{ "an absolute member",
		  { META_M, ROOT_M, { REG, "/etc/evil", "x" }, { END, NULL, NULL } },
		  "absolute path",
		  0 },
		{ "a .. member",
		  { META_M, ROOT_M, { REG, "rootfs/../../evil", "x" }, { END, NULL, NULL } },
		  "\"..\" in the path",
		  0 },
		{ "a trailing .. member",
		  { META_M, ROOT_M, { DIR_, "rootfs/..", NULL }, { END, NULL, NULL } },
		  "\"..\" in the path",
		  0 },
		{ "a . component",
		  { META_M, ROOT_M, { REG, "rootfs/./x", "x" }, { END, NULL, NULL } },
		  "component",
		  0 },
		{ "an empty component",
		  { META_M, ROOT_M, { REG, "rootfs//x", "x" }, { END, NULL, NULL } },
		  "component",
		  0 },
		{ "a hardlink to an absolute path",
		  { META_M, ROOT_M, { HARD, "rootfs/shadow", "/etc/shadow" }, { END, NULL, NULL } },
		  "hardlink target: absolute path",
		  0 },
		{ "a hardlink with ..",
		  { META_M,
		    ROOT_M,
		    { HARD, "rootfs/x", "rootfs/../metadata.yaml" },
		    { END, NULL, NULL } },
		  "hardlink target: \"..\"",
		  0 },
		{ "a hardlink out of rootfs",
		  { META_M, ROOT_M, { HARD, "rootfs/x", "metadata.yaml" }, { END, NULL, NULL } },
		  "hardlink target leaves rootfs/",
		  0 },
		{ "a hardlink to a later file",
		  { META_M,
		    ROOT_M,
		    { HARD, "rootfs/x", "rootfs/y" },
		    { REG, "rootfs/y", "y" },
		    { END, NULL, NULL } },
		  "not a regular file met earlier",
		  0 },
		{ "a hardlink to a directory",
		  { META_M, ROOT_M, { HARD, "rootfs/x", "rootfs/bin" }, { END, NULL, NULL } },
		  "not a regular file met earlier",
		  0 },
		{ "a hardlink to a symlink",
		  { META_M,
		    ROOT_M,
		    { SYM, "rootfs/s", "/" },
		    { HARD, "rootfs/x", "rootfs/s" },
		    { END, NULL, NULL } },
		  "not a regular file met earlier",
		  0 },
		{ "a hardlink outside rootfs",
		  { META_M, ROOT_M, { HARD, "other", "rootfs/bin/sh" }, { END, NULL, NULL } },
		  "only allowed inside rootfs/",
		  0 },
		{ "rootfs/ then a rootfs symlink",
		  { META_M, ROOT_M, { SYM, "rootfs", "/" }, { END, NULL, NULL } },
		  "\"rootfs\": must be a directory",
		  0 },
		{ "rootfs a symlink",
		  { META_M, { SYM, "rootfs", "/" }, { END, NULL, NULL } },
		  "must be a directory",
		  0 },
		{ "rootfs a file",
		  { META_M, { REG, "rootfs", "x" }, { END, NULL, NULL } },
		  "must be a directory",
		  0 },
		{ "a dir then a symlink over it",
		  { META_M, ROOT_M, { SYM, "rootfs/bin", "/" }, { END, NULL, NULL } },
		  "changes the type",
		  0 },
		{ "an implied dir then a symlink over it",
		  { META_M,
		    { REG, "rootfs/a/b", "x" },
		    { SYM, "rootfs/a", "/" },
		    { END, NULL, NULL } },
		  "changes the type",
		  0 },
		{ "a file then a directory",
		  { META_M, ROOT_M, { DIR_, "rootfs/bin/sh", NULL }, { END, NULL, NULL } },
		  "changes the type",
		  0 },
		{ "a file given twice",
		  { META_M, ROOT_M, { REG, "rootfs/bin/sh", "y" }, { END, NULL, NULL } },
		  "appears twice",
		  0 },
		{ "metadata.yaml twice",
		  { META_M, ROOT_M, META_M, { END, NULL, NULL } },
		  "appears twice",
		  0 },
		{ "a member through a symlink",
		  { META_M,
		    ROOT_M,
		    { SYM, "rootfs/up", "/" },
		    { REG, "rootfs/up/etc/x", "x" },
		    { END, NULL, NULL } },
		  "goes through a symlink",
		  0 },
		{ "a member through a file",
		  { META_M, ROOT_M, { REG, "rootfs/bin/sh/x", "x" }, { END, NULL, NULL } },
		  "goes through a non-directory",
		  0 },
		{ "metadata.yaml a symlink",
		  { { SYM, "metadata.yaml", "/etc/passwd" }, ROOT_M, { END, NULL, NULL } },
		  "must be a regular file",
		  0 },
		{ "metadata.yaml a directory",
		  { { DIR_, "metadata.yaml", NULL }, ROOT_M, { END, NULL, NULL } },
		  "must be a regular file",
		  0 },
		{ "metadata.yaml a hardlink",
		  { ROOT_M, { HARD, "metadata.yaml", "rootfs/bin/sh" }, { END, NULL, NULL } },
		  "must be a regular file",
		  0 },
		{ "templates a symlink",
		  { META_M, ROOT_M, { SYM, "templates", "/etc" }, { END, NULL, NULL } },
		  "must be a directory",
		  0 },
		{ "a symlink in templates/",
		  { META_M, ROOT_M, { SYM, "templates/x", "/etc/shadow" }, { END, NULL, NULL } },
		  "only regular files and directories",
		  0 },
		{ "a device in templates/",
		  { META_M, ROOT_M, { CHR, "templates/null", NULL }, { END, NULL, NULL } },
		  "only regular files and directories",
		  0 },
		{ "a top-level symlink",
		  { META_M, ROOT_M, { SYM, "evil", "/" }, { END, NULL, NULL } },
		  "only allowed inside rootfs/",
		  0 },
		{ "a top-level device",
		  { META_M, ROOT_M, { CHR, "null", NULL }, { END, NULL, NULL } },
		  "only allowed inside rootfs/",
		  0 },
		{ "no metadata.yaml", { ROOT_M, { END, NULL, NULL } }, "no metadata.yaml", 0 },
		{ "no rootfs", { META_M, { END, NULL, NULL } }, "no rootfs/", 0 },
		{ "metadata.yaml refused by the parser",
		  { { REG, "metadata.yaml", "creation_date: 1\n" }, ROOT_M, { END, NULL, NULL } },
		  "architecture is missing",
		  0 },
		{ "a template source missing",
		  { TPL_META("/etc/hostname", "hostname.tpl"),
		    ROOT_M,
		    { DIR_, "templates", NULL },
		    { END, NULL, NULL } },
		  "template source \"hostname.tpl\"",
		  0 },
		{ "a template source that is a directory",
		  { TPL_META("/etc/hostname", "hostname.tpl"),
		    ROOT_M,
		    { DIR_, "templates/hostname.tpl", NULL },
		    { END, NULL, NULL } },
		  "not a regular file in templates/",
		  0 },
		{ "a template source outside templates/",
		  { TPL_META("/etc/hostname", "x"),
		    ROOT_M,
		    { REG, "x", "x" },
		    { END, NULL, NULL } },
		  "template source \"x\"",
		  0 },
		{ "a template target with ..",
		  { TPL_META("/etc/../shadow", "t"),
		    ROOT_M,
		    { REG, "templates/t", "x" },
		    { END, NULL, NULL } },
		  "not an absolute clean path",
		  0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tar_case *c = &cases[i];
		char err[IMG_ERR_MAX] = "";
		struct img_meta m;
		char *buf = NULL;
		size_t len = 0;
		int r;

		if (!CHECK(build_tar(c->m, c->filter, &buf, &len) == 0, "tar: %s: built", c->name))
			continue;
		r = img_scan_memory(buf, len, &m, err);
		if (!c->want)
			CHECK(r == 0, "tar: %s is accepted (%s)", c->name, err);
		else
			CHECK(r < 0 && strstr(err, c->want),
			      "tar: %s is refused with \"%s\" (got \"%s\")", c->name, c->want, err);
		if (r == 0)
			img_meta_done(&m);
		free(buf);
	}
}

static void test_tar_raw(void)
{
	static const struct member ok[] = { META_M, ROOT_M, { END, NULL, NULL } };
	char err[IMG_ERR_MAX];
	struct img_meta m;
	char junk[4096], *buf;
	size_t len;
	int r;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7919 % 251);
	CHECK(img_scan_memory(junk, sizeof(junk), &m, err) < 0 && strstr(err, "not a tarball"),
	      "tar: random bytes are not a tarball (%s)", err);
	CHECK(img_scan_memory("", 0, &m, err) < 0, "tar: an empty body is refused (%s)", err);
	memset(junk, 0, sizeof(junk));
	CHECK(img_scan_memory(junk, 1024, &m, err) < 0 && strstr(err, "no metadata.yaml"),
	      "tar: an empty tar is refused (%s)", err);
	/* lrzip, lzop, grzip would need an external program: never started */
	CHECK(img_scan_memory("LRZI\0\6", 6, &m, err) < 0, "tar: an lrzip header is refused (%s)",
	      err);

	if (build_tar(ok, 0, &buf, &len) < 0)
		return;
	r = img_scan_memory(buf, len - 1024 - 300, &m, err);
	CHECK(r < 0, "tar: a truncated tarball is refused (%s)", err);
	if (r == 0)
		img_meta_done(&m);
	/* a metadata.yaml whose header says 2 MiB */
	{
		struct archive *a = archive_write_new();
		struct archive_entry *e = archive_entry_new();
		size_t cap = 1 << 16, used = 0;
		char *big = malloc(cap);

		archive_write_set_format_gnutar(a);
		archive_write_open_memory(a, big, cap, &used);
		archive_entry_set_pathname(e, "metadata.yaml");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, 2 * 1024 * 1024);
		archive_write_header(a, e);
		archive_entry_free(e);
		/* leave the data out: the header alone must be refused */
		archive_write_free(a);
		CHECK(img_scan_memory(big, used, &m, err) < 0 && strstr(err, "larger than"),
		      "tar: metadata.yaml of 2 MiB is refused by its header (%s)", err);
		free(big);
	}
	free(buf);
}

/* ---- the upload cap --------------------------------------------------------------- */

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

static void test_upload_cap(void)
{
	char dir[] = "/tmp/moat-unit-img.XXXXXX";
	char err[IMG_ERR_MAX] = "";
	struct img_upload *u = NULL;
	int dfd;

	if (!mkdtemp(dir))
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (CHECK(img_upload_new(dfd, 10, &u) == 0, "upload: a new upload in a directory")) {
		CHECK(count_entries(dir) == 1, "upload: it is one temporary file");
		CHECK(img_upload_write(u, "123456", 6, err) == 0,
		      "upload: 6 bytes under a cap of 10");
		CHECK(img_upload_write(u, "7890", 4, err) == 0, "upload: exactly the cap");
		CHECK(img_upload_write(u, "x", 1, err) == -EFBIG &&
			      strcmp(err, "Image upload larger than 10 bytes") == 0,
		      "upload: one byte over the cap is -EFBIG, the API's 413 (%s)", err);
		img_upload_free(u);
		CHECK(count_entries(dir) == 0, "upload: freeing it removes the temporary file");
	}
	rmdir(dir);
}

void test_images(void)
{
	test_meta_table();
	test_meta_values();
	test_meta_size();
	test_small_checks();
	test_query();
	test_time();
	test_tar_table();
	test_tar_raw();
	test_upload_cap();
}
