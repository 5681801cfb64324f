// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the pure pieces of moat's profile and device verbs: a new
 * device from "k=v" arguments, lxc's refusals of a device the instance has
 * only from its profiles, `profile assign`'s list, a profile's YAML into
 * api.ProfilePut by its field table, and the verbs' argument counts in the
 * command table. No file, socket or daemon is touched; the inputs are the
 * tests' own.
 */
#include <errno.h>
#include <string.h>

#include "../../cli/cli.h"
#include "../../cli/verbs.h"
#include "cleanup.h"
#include "lxd/objects.h"
#include "t.h"

static void test_device_new(void)
{
	const char *const kv[] = { "source=/srv", "path=/mnt", "x=a=b" };
	const char *const bad[] = { "source=/srv", "readonly" };
	json_object *d = NULL;
	int r;

	r = cli_device_new("disk", kv, 3, &d);
	CHECK(r == 0 && strcmp(json_object_to_json_string_ext(
				       d, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			       "{\"type\":\"disk\",\"source\":\"/srv\",\"path\":\"/mnt\","
			       "\"x\":\"a=b\"}") == 0,
	      "cli device: type first, then each k=v (split at the first =)");
	if (d)
		json_object_put(d);
	cli_error_clear();
	d = NULL;
	r = cli_device_new("disk", bad, 2, &d);
	CHECK(r == -EINVAL && !d &&
		      strcmp(cli_error_message(), "No value found in \"readonly\"") == 0,
	      "cli device: an argument without = is lxc's \"No value found\"");
	cli_error_clear();
}

static void test_device_missing(void)
{
	json_object *inst = json_tokener_parse(
		"{\"devices\":{\"own\":{\"type\":\"none\"}},"
		"\"expanded_devices\":{\"own\":{\"type\":\"none\"},\"root\":{\"type\":\"disk\"}}}");
	const char *e;

	CHECK(cli_device_missing(inst, "own", "removed from") == NULL,
	      "cli device: its own device");
	e = cli_device_missing(inst, "root", "removed from");
	CHECK(e && strcmp(e, "Device from profile(s) cannot be removed from individual instance. "
			     "Override device or modify profile instead") == 0,
	      "cli device: a profile's device, removed: lxc's words");
	e = cli_device_missing(inst, "root", "retrieved for");
	CHECK(e && strcmp(e,
			  "Device from profile(s) cannot be retrieved for individual instance") ==
			      0,
	      "cli device: a profile's device, retrieved: no advice (as lxc)");
	e = cli_device_missing(inst, "nosuch", "modified for");
	CHECK(e && strcmp(e, "Device doesn't exist") == 0, "cli device: an unknown device");
	e = cli_device_missing(inst, "root", NULL);
	CHECK(e && strcmp(e, "Device doesn't exist") == 0,
	      "cli device: for a profile, expanded devices do not count");
	json_object_put(inst);
}

static void test_profiles_split(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "[]" },
		{ "default", "[\"default\"]" },
		{ "default,p1", "[\"default\",\"p1\"]" },
		{ "a,,b", "[\"a\",\"\",\"b\"]" }, /* strings.Split: the server refuses "" */
		{ "a,", "[\"a\",\"\"]" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_object *a = cli_profiles_split(cases[i].in);

		CHECK(a && strcmp(json_object_to_json_string_ext(
					  a,
					  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
				  cases[i].out) == 0,
		      "cli profile assign: \"%s\" is %s", cases[i].in, cases[i].out);
		if (a)
			json_object_put(a);
	}
}

static void test_profile_yaml(void)
{
	static const char doc[] = "name: ignored\nused_by: [x]\ndescription: d\n"
				  "config:\n  user.a: 1\n"
				  "devices:\n  data:\n    type: disk\n    path: /mnt\n";
	json_object *put = NULL;
	int r;

	r = cli_put_from_yaml(&lxd_profile_type, doc, strlen(doc), &put);
	CHECK(r == 0 &&
		      strcmp(json_object_to_json_string_ext(
				     put, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			     "{\"config\":{\"user.a\":\"1\"},\"description\":\"d\","
			     "\"devices\":{\"data\":{\"type\":\"disk\",\"path\":\"/mnt\"}}}") == 0,
	      "cli profile edit: api.ProfilePut only (name and used_by dropped), scalars as strings");
	if (put)
		json_object_put(put);
	put = NULL;
	cli_error_clear();
	r = cli_put_from_yaml(&lxd_profile_type, "config: [a]\n", 12, &put);
	CHECK(r == -EINVAL && !put && strstr(cli_error_message(), "cannot unmarshal !!seq"),
	      "cli profile edit: a list for config is yaml.v2's error");
	cli_error_clear();
}

static void test_profile_args(void)
{
	static const struct {
		int argc;
		const char *argv[8];
		int r;
	} cases[] = {
		{ 6, { "moat", "profile", "device", "add", "p1", "data" }, -EINVAL },
		{ 7, { "moat", "profile", "device", "add", "p1", "data", "disk" }, 0 },
		{ 6, { "moat", "config", "device", "override", "c1", "root" }, 0 },
		{ 5, { "moat", "profile", "assign", "c1", "" }, 0 },
		{ 4, { "moat", "profile", "mv", "p1" }, -EINVAL },
		{ 5, { "moat", "profile", "ls", "--format", "csv" }, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cli_args a;
		int r;

		cli_error_clear();
		r = cli_parse(&cli_root, cases[i].argc, (char **)cases[i].argv, &a);
		CHECK(r == cases[i].r && (r < 0 || a.cmd->run),
		      "cli profile args: case %zu parses as lxc's argument counts", i);
		cli_args_free(&a);
	}
	cli_error_clear();
}

void test_cli_profiles(void)
{
	test_device_new();
	test_device_missing();
	test_profiles_split();
	test_profile_yaml();
	test_profile_args();
}
