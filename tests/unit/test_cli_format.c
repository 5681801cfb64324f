// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for what the moat client prints and how `moat list` reads
 * its arguments: the -c column spec parser (shorthands, custom config and
 * devices columns, every refusal), cells and filters on a made-up
 * instance, tablewriter's boxes and the compact form, CSV quoting, fitting
 * a table to a width, Go's JSON and yaml.v2's YAML (quoting, sorted maps,
 * nil maps and slices), YAML parsing, sizes, dates and natural order.
 * Run by the test runner with no privilege; no I/O but memory streams.
 * All inputs are the tests' own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "../../cli/client.h"
#include "../../cli/format.h"
#include "../../cli/verbs.h"
#include "t.h"

/* ---- columns ------------------------------------------------------------------------ */

static void test_columns(void)
{
	static const struct {
		const char *spec;
		const char *msg;
	} bad[] = {
		{ "", "Empty column entry" },
		{ "n,", "Empty column entry" },
		{ ",n", "Empty column entry" },
		{ "n,,s", "Empty column entry" },
		{ "nZ", "Unknown column shorthand char 'Z' in 'nZ'" },
		{ "nsL", "Can't specify column L when not clustered" },
		{ "config:a.b:c:1:x", "too many fields" },
		{ "a.b:c:1:x", "too many fields" },
		{ "a.b:", "empty string is only allowed when defining maxWidth" },
		{ "a.b:X:wide", "Invalid max width (must be an integer) 'wide'" },
		{ "a.b:X:-2", "Invalid max width (must -1, 0 or a positive integer)" },
	};
	struct cli_column *cols = NULL;
	size_t n = 0;
	int r;

	r = cli_list_columns("ns46tS", false, &cols, &n);
	CHECK(r == 0 && n == 6 && strcmp(cols[0].name, "NAME") == 0 &&
		      strcmp(cols[2].name, "IPV4") == 0 && strcmp(cols[3].name, "IPV6") == 0 &&
		      strcmp(cols[4].name, "TYPE") == 0 && strcmp(cols[5].name, "SNAPSHOTS") == 0 &&
		      !cols[0].needs_data && cols[2].needs_data && cols[5].needs_data,
	      "cli: columns ns46tS: the default layout");
	free(cols);
	r = cli_list_columns("n,s,P", false, &cols, &n);
	CHECK(r == 0 && n == 3 && cols[2].kind == 'P' && strcmp(cols[2].name, "PROFILES") == 0,
	      "cli: columns with commas");
	free(cols);
	r = cli_list_columns("n,user.comment:comment,config:image.os:OS:3,devices:eth0.parent:ETHP",
			     false, &cols, &n);
	CHECK(r == 0 && n == 4 && cols[1].kind == 0 && cols[1].custom == 'c' &&
		      strcmp(cols[1].key, "user.comment") == 0 &&
		      strcmp(cols[1].name, "comment") == 0 && cols[1].max_width == -1 &&
		      cols[2].custom == 'c' && strcmp(cols[2].key, "image.os") == 0 &&
		      strcmp(cols[2].name, "OS") == 0 && cols[2].max_width == 3 &&
		      cols[3].custom == 'd' && strcmp(cols[3].key, "eth0.parent") == 0,
	      "cli: custom columns [config:|devices:]key[:name][:maxWidth]");
	free(cols);
	r = cli_list_columns("volatile.base_image:BASE:0,user.x", false, &cols, &n);
	CHECK(r == 0 && n == 2 && cols[0].max_width == 4 && strcmp(cols[1].name, "user.x") == 0,
	      "cli: maxWidth 0 is the header's width; the name defaults to the key");
	free(cols);
	r = cli_list_columns("nL", true, &cols, &n);
	CHECK(r == 0 && n == 2 && strcmp(cols[1].name, "LOCATION") == 0, "cli: L on a cluster");
	free(cols);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cli_error_clear();
		r = cli_list_columns(bad[i].spec, false, &cols, &n);
		CHECK(r < 0 && strstr(cli_error_message(), bad[i].msg) != NULL,
		      "cli: columns '%s' refused (%s)", bad[i].spec, cli_error_message());
	}
}

static const char instance_json[] =
	"{\"architecture\":\"x86_64\",\"config\":{\"user.x\":\"own\",\"volatile.base_image\":"
	"\"26d3126e9afd66c1b7d913b13ca4559527a9606836a9713cd62bfcb2189b8620\"},"
	"\"devices\":{},\"ephemeral\":true,\"profiles\":[\"default\",\"p2\"],"
	"\"expanded_config\":{\"user.x\":\"own\",\"user.comment\":\"web server\","
	"\"image.os\":\"busybox\",\"limits.memory\":\"1MiB\"},"
	"\"expanded_devices\":{\"root\":{\"path\":\"/\",\"pool\":\"default\",\"type\":\"disk\"},"
	"\"eth0\":{\"type\":\"nic\",\"parent\":\"moatbr0\"}},"
	"\"name\":\"web01\",\"status\":\"Running\",\"status_code\":103,"
	"\"created_at\":\"2026-11-22T16:44:53.224930621Z\",\"last_used_at\":\"1970-01-01T00:00:00Z\","
	"\"type\":\"container\",\"location\":\"none\",\"project\":\"default\","
	"\"state\":{\"pid\":42,\"processes\":3,\"cpu\":{\"usage\":2500000000},"
	"\"memory\":{\"usage\":524288},\"disk\":{\"root\":{\"usage\":2048}},"
	"\"network\":{\"lo\":{\"type\":\"loopback\",\"addresses\":[{\"family\":\"inet\","
	"\"address\":\"127.0.0.1\",\"netmask\":\"8\",\"scope\":\"local\"}]},"
	"\"eth0\":{\"type\":\"broadcast\",\"addresses\":["
	"{\"family\":\"inet\",\"address\":\"10.0.3.5\",\"netmask\":\"24\",\"scope\":\"global\"},"
	"{\"family\":\"inet\",\"address\":\"10.0.3.7\",\"netmask\":\"24\",\"scope\":\"global\"},"
	"{\"family\":\"inet6\",\"address\":\"fe80::1\",\"netmask\":\"64\",\"scope\":\"link\"},"
	"{\"family\":\"inet6\",\"address\":\"fd42::5\",\"netmask\":\"64\",\"scope\":\"global\"}]}}},"
	"\"snapshots\":[{\"name\":\"s1\"},{\"name\":\"s2\"}]}";

static void test_cells(void)
{
	static const struct {
		const char *spec, *want;
	} cells[] = {
		{ "n", "web01" },
		{ "s", "RUNNING" },
		{ "t", "CONTAINER (EPHEMERAL)" },
		{ "S", "2" },
		{ "4", "10.0.3.7 (eth0)\n10.0.3.5 (eth0)" },
		{ "6", "fd42::5 (eth0)" },
		{ "P", "default\np2" },
		{ "p", "42" },
		{ "N", "3" },
		{ "u", "2s" },
		{ "m", "512.00KiB" },
		{ "M", "50.0%" },
		{ "D", "2.00KiB" },
		{ "b", "default" },
		{ "c", "2026/11/22 16:44 UTC" },
		{ "l", "" },
		{ "f", "26d3126e9afd" },
		{ "a", "x86_64" },
		{ "user.x", "own" },
		{ "user.comment:C:3", "web" },
		{ "devices:eth0.parent", "moatbr0" },
		{ "devices:eth0.nothing", "" },
		{ "devices:root.pool", "default" },
	};
	json_object *inst = json_tokener_parse(instance_json);

	CHECK(inst != NULL, "cli: the test instance parses");
	for (size_t i = 0; inst && i < sizeof(cells) / sizeof(cells[0]); i++) {
		struct cli_column *cols = NULL;
		size_t n = 0;
		char *cell = NULL, esc[T_ESC_MAX];

		if (cli_list_columns(cells[i].spec, false, &cols, &n) == 0 && n == 1)
			cell = cli_list_cell(&cols[0], inst);
		CHECK(cell && strcmp(cell, cells[i].want) == 0, "cli: cell -c %s is \"%s\"",
		      cells[i].spec, cell ? t_escape(esc, sizeof(esc), cell, strlen(cell)) : "?");
		free(cell);
		free(cols);
	}
	if (inst)
		json_object_put(inst);
}

static void test_filters(void)
{
	static const struct {
		const char *filter;
		bool match;
	} f[] = {
		{ "web", true }, /* a name prefix */
		{ "web01", true },
		{ "db", false },
		{ "w.*1", true }, /* a regex on the name, anchored */
		{ "eb0", false }, /* neither prefix nor (anchored) regex */
		{ ".*eb0.*", true },
		{ "status=running", true }, /* a shorthand, any case */
		{ "status=stopped", false },
		{ "status=stopped,running", true },
		{ "type=container", true },
		{ "image.os=busybox", true }, /* a config key */
		{ "i.os=busybox", true },     /* abbreviated */
		{ "u.comment=web.*", true },  /* a regex value */
		{ "u.comment=web", false },
		{ "user.nothing=", true }, /* lxc: an absent key equals "" */
		{ "ipv4=10.0.3.5", true },
		{ "ipv4=10.0.3.0/24", true },
		{ "ipv4=10.0.4.0/24", false },
		{ "ipv6=fd42::/16", true },
	};
	json_object *inst = json_tokener_parse(instance_json);

	for (size_t i = 0; inst && i < sizeof(f) / sizeof(f[0]); i++) {
		const char *one[1] = { f[i].filter };

		CHECK(cli_list_match(inst, one, 1) == f[i].match, "cli: filter %s %s", f[i].filter,
		      f[i].match ? "matches" : "does not match");
	}
	if (inst) {
		const char *two[2] = { "web", "status=stopped" };

		CHECK(!cli_list_match(inst, two, 2), "cli: filters add up (all must match)");
		json_object_put(inst);
	}
}

/* ---- tables ---------------------------------------------------------------------------- */

static char *render(enum cli_format f, struct cli_table *t, json_object *raw, int width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	cli_render(out, f, t, raw, width);
	fclose(out);
	return buf;
}

static void test_tables(void)
{
	static const char *const header[] = { "NAME", "STATE", "TYPE" };
	static const char *const r1[] = { "c10", "RUNNING", "CONTAINER" };
	static const char *const r2[] = { "c2", "STOPPED", "CONTAINER (EPHEMERAL)" };
	static const char *const r3[] = { "a", "", "x, \"y\"\nz" };
	struct cli_table t;
	bool ok;
	char *s;

	cli_table_init(&t, 3, header);
	cli_table_add(&t, r1);
	cli_table_add(&t, r2);
	cli_table_sort(&t);
	s = render(CLI_FMT_TABLE, &t, NULL, 0);
	ok = CHECK(s && strcmp(s, "+------+---------+-----------------------+\n"
				  "| NAME |  STATE  |         TYPE          |\n"
				  "+------+---------+-----------------------+\n"
				  "| c2   | STOPPED | CONTAINER (EPHEMERAL) |\n"
				  "+------+---------+-----------------------+\n"
				  "| c10  | RUNNING | CONTAINER             |\n"
				  "+------+---------+-----------------------+\n") == 0,
		   "cli: a table as lxc draws it (natural order: c2 before c10)");
	if (s && !ok)
		t_note("%s", s);
	free(s);
	s = render(CLI_FMT_COMPACT, &t, NULL, 0);
	CHECK(s && strcmp(s, "  NAME   STATE           TYPE           \n"
			     "  c2    STOPPED  CONTAINER (EPHEMERAL)  \n"
			     "  c10   RUNNING  CONTAINER              \n") == 0,
	      "cli: the compact form");
	free(s);
	cli_table_add(&t, r3);
	cli_table_sort(&t);
	s = render(CLI_FMT_CSV, &t, NULL, 0);
	CHECK(s && strcmp(s, "a,,\"x, \"\"y\"\"\nz\"\nc2,STOPPED,CONTAINER (EPHEMERAL)\n"
			     "c10,RUNNING,CONTAINER\n") == 0,
	      "cli: CSV as Go writes it (quotes doubled, newlines quoted)");
	free(s);
	s = render(CLI_FMT_TABLE, &t, NULL, 0);
	CHECK(s && strstr(s, "| a    |         | x, \"y\"                |\n"
			     "|      |         | z                     |\n") != NULL,
	      "cli: a multi-line cell takes several lines");
	free(s);
	s = render(CLI_FMT_TABLE, &t, NULL, 36);
	CHECK(s &&
		      strstr(s, "| c2   | STOPPED | CONTAINER       |\n"
				"|      |         | (EPHEMERAL)     |\n") != NULL &&
		      strchr(s, '\n') - s == 36,
	      "cli: fitted to 36 columns, the widest column wraps at a space");
	free(s);
	cli_table_free(&t);

	cli_table_init(&t, 3, header);
	s = render(CLI_FMT_TABLE, &t, NULL, 0);
	CHECK(s && strcmp(s, "+------+-------+------+\n"
			     "| NAME | STATE | TYPE |\n"
			     "+------+-------+------+\n") == 0,
	      "cli: an empty table is its header");
	free(s);
	cli_table_free(&t);
}

/* ---- JSON and YAML ---------------------------------------------------------------------- */

char *t_yaml_of(json_object *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	cli_yaml_print(out, o);
	fclose(out);
	return buf;
}

static void test_yaml_out(void)
{
	static const struct {
		const char *s;
		bool plain;
	} words[] = {
		{ "hello", true },
		{ "1.35.0", true },
		{ "5.0.2", true },
		{ "x86_64", true },
		{ "0", false },
		{ "8", false },
		{ "1.0", false },
		{ "-1", false },
		{ "+1", false },
		{ "0x12", false },
		{ "0b101", false },
		{ "1_000", false },
		{ "1e3", false },
		{ ".5", false },
		{ ".inf", false },
		{ ".nan", false },
		{ "", false },
		{ "~", false },
		{ "null", false },
		{ "Null", false },
		{ "y", false },
		{ "Y", false },
		{ "yes", false },
		{ "no", false },
		{ "on", false },
		{ "OFF", false },
		{ "true", false },
		{ "False", false },
		{ "2024-01-02", false },
		{ "1:20", false },
		{ "<<", true },
		{ "yesterday", true },
		{ "2026-11-22T20:35:22.489909053Z", true },
		{ "/etc/hostname", true },
	};
	json_object *doc;
	bool ok;
	char *s;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		CHECK(cli_yaml_plain_ok(words[i].s) == words[i].plain,
		      "cli: yaml.v2 prints \"%s\" %s", words[i].s,
		      words[i].plain ? "plain" : "quoted");

	doc = json_tokener_parse(
		"{\"auto_update\":false,\"properties\":{\"z\":\"multi\\nline\",\"os\":\"0x12\","
		"\"description\":\"a very long description with many words in it that should go "
		"past the eighty column limit of yaml emitters for sure yes\",\"y\":\"a: b\","
		"\"release\":\"2024-01-02\"},\"public\":false,"
		"\"expires_at\":\"1970-01-01T00:00:00Z\",\"profiles\":[\"default\"],"
		"\"snapshots\":null,\"resources\":null,\"other\":null,\"size\":1036511,"
		"\"created_at\":\"2026-11-22T20:58:13.557885410Z\",\"t0\":\"2026-11-22T20:58:13.000Z\","
		"\"empty\":{},\"list\":[]}");
	s = doc ? t_yaml_of(doc) : NULL;
	ok = CHECK(s && strcmp(s,
			       "auto_update: false\n"
			       "properties:\n"
			       "  description: a very long description with many words in it that "
			       "should go past the\n"
			       "    eighty column limit of yaml emitters for sure yes\n"
			       "  os: \"0x12\"\n"
			       "  release: \"2024-01-02\"\n"
			       "  \"y\": 'a: b'\n"
			       "  z: |-\n"
			       "    multi\n"
			       "    line\n"
			       "public: false\n"
			       "expires_at: 1970-01-01T00:00:00Z\n"
			       "profiles:\n"
			       "- default\n"
			       "snapshots: []\n"
			       "resources: {}\n"
			       "other: null\n"
			       "size: 1036511\n"
			       "created_at: 2026-11-22T20:58:13.55788541Z\n"
			       "t0: 2026-11-22T20:58:13Z\n"
			       "empty: {}\n"
			       "list: []\n") == 0,
		   "cli: YAML as lxc prints it (sorted maps, quoting, folding at 80, nil maps and "
		   "slices, times as Go prints them)");
	if (s && !ok)
		t_note("%s", s);
	free(s);
	if (doc)
		json_object_put(doc);
}

static void test_json_out(void)
{
	json_object *doc = json_tokener_parse(
		"[{\"name\":\"a<b>&c\",\"config\":{\"z\":\"1\",\"a\":\"\\u0001\\u2028/\"},"
		"\"n\":-3,\"t\":true,\"x\":null,\"l\":[],\"at\":\"2026-11-22T20:58:13.500+01:00\"}]");
	char *s = doc ? cli_json_string(doc) : NULL;
	bool ok;

	ok = CHECK(s && strcmp(s, "[{\"name\":\"a\\u003cb\\u003e\\u0026c\",\"config\":{\"a\":"
				  "\"\\u0001\\u2028/\",\"z\":\"1\"},\"n\":-3,\"t\":true,\"x\":null,"
				  "\"l\":[],\"at\":\"2026-11-22T20:58:13.5+01:00\"}]") == 0,
		   "cli: JSON as Go's encoder writes it (HTML escapes, sorted maps, '/' plain)");
	if (s && !ok)
		t_note("%s", s);
	free(s);
	if (doc)
		json_object_put(doc);
}

static void test_yaml_in(void)
{
	static const char doc[] = "config:\n  limits.cpu: 2\n  user.x: \"yes\"\n"
				  "devices: {}\nprofiles:\n- default\n- p2\nnothing: ~\n";
	static const char *const refused[] = {
		"a: &x [1]\nb: *x\n",
		"a: 1\n---\nb: 2\n",
		"a: [\n",
		"? [a, b]\n: c\n",
	};
	json_object *o = NULL, *back = NULL;
	char *s = NULL, deep[300];
	int r;

	r = cli_yaml_parse(doc, strlen(doc), &o);
	CHECK(r == 0 && o &&
		      strcmp(cli_jstr(cli_jget(o, "config", json_type_object), "limits.cpu"),
			     "2") == 0 &&
		      strcmp(cli_jstr(cli_jget(o, "config", json_type_object), "user.x"), "yes") ==
			      0 &&
		      json_object_array_length(cli_jget(o, "profiles", json_type_array)) == 2 &&
		      json_object_object_get_ex(o, "nothing", NULL) &&
		      json_object_object_get(o, "nothing") == NULL,
	      "cli: YAML in: scalars as strings, ~ as null");
	s = o ? t_yaml_of(o) : NULL;
	r = s ? cli_yaml_parse(s, strlen(s), &back) : -EINVAL;
	CHECK(r == 0 && back && json_object_equal(o, back), "cli: YAML out and in again: the same");
	free(s);
	if (o)
		json_object_put(o);
	if (back)
		json_object_put(back);
	r = cli_yaml_parse("", 0, &o);
	CHECK(r == 0 && o == NULL, "cli: an empty YAML document is null");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		o = NULL;
		r = cli_yaml_parse(refused[i], strlen(refused[i]), &o);
		CHECK(r < 0 && o == NULL, "cli: YAML refused (%zu: %s)", i, cli_error_message());
	}
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	deep[200] = '\0';
	r = cli_yaml_parse(deep, 200, &o);
	CHECK(r < 0, "cli: YAML nested 100 deep is refused");
}

/* ---- lxc's small formats ------------------------------------------------------------------------ */

static void test_small(void)
{
	static const struct {
		int64_t v;
		bool iec;
		const char *want;
	} sizes[] = {
		{ 999, false, "999B" },        { 1000, false, "1.00kB" },
		{ 1036511, false, "1.04MB" },  { 1023, true, "1023B" },
		{ 679936, true, "664.00KiB" }, { 1273856, true, "1.21MiB" },
	};
	static const struct {
		const char *a, *b;
		int want;
	} order[] = {
		{ "c2", "c10", -1 }, { "c10", "c2", 1 }, { "a", "b", -1 },    { "c1", "c1", 0 },
		{ "x01", "x1", 1 },  { "1a", "a", -1 },  { "ab", "abc", -1 },
	};
	char buf[64];
	time_t t;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cli_size_str(buf, sizeof(buf), sizes[i].v, 2, sizes[i].iec);
		CHECK(strcmp(buf, sizes[i].want) == 0, "cli: size %lld is %s (got %s)",
		      (long long)sizes[i].v, sizes[i].want, buf);
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int c = cli_natural_cmp(order[i].a, order[i].b);

		CHECK((c > 0) - (c < 0) == order[i].want, "cli: natural order %s vs %s", order[i].a,
		      order[i].b);
	}
	CHECK(cli_time_parse("2026-11-22T20:35:22.489909053Z", &t) == 0 && t == 1795379722,
	      "cli: RFC 3339 with nanoseconds");
	CHECK(cli_time_parse("2026-11-22T21:35:22+01:00", &t) == 0 && t == 1795379722,
	      "cli: RFC 3339 with an offset");
	CHECK(cli_time_parse("2026-11-22", &t) < 0 && cli_time_parse("", &t) < 0,
	      "cli: a date alone or nothing is no time");
	CHECK(!cli_time_set("1970-01-01T00:00:00Z") && !cli_time_set("0001-01-01T00:00:00Z") &&
		      cli_time_set("2026-11-22T20:35:22Z"),
	      "cli: the epoch and year 1 are unset times");
	cli_time_str(buf, sizeof(buf), "2026-11-22T20:35:22Z", CLI_TIME_UTC);
	CHECK(strcmp(buf, "2026/11/22 20:35 UTC") == 0, "cli: UTC layout (%s)", buf);
	cli_time_str(buf, sizeof(buf), "2026-11-22T20:35:22Z", CLI_TIME_LONG);
	CHECK(strcmp(buf, "Nov 22, 2026 at 8:35pm (UTC)") == 0, "cli: image list layout (%s)", buf);
	cli_time_str(buf, sizeof(buf), "2026-01-02T00:05:00Z", CLI_TIME_LONG);
	CHECK(strcmp(buf, "Jan 2, 2026 at 12:05am (UTC)") == 0, "cli: midnight is 12am (%s)", buf);
}

void test_cli_format(void)
{
	test_columns();
	test_cells();
	test_filters();
	test_tables();
	test_yaml_out();
	test_json_out();
	test_yaml_in();
	test_small();
}
