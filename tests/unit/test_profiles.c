// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for what profiles check before anything is stored
 * (frontend/model/profiles.c): names as LXD takes them plus moat's own
 * rule, a profile's config refusing the keys only an instance holds with
 * LXD's words, and the Location's path segment (fe_path_join_escaped).
 * Pure: no database, no daemon.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "model/profiles.h"
#include "t.h"

static void name_case(const char *name, int want, const char *msg)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_check_profile_name(name, err);

	CHECK(r == want && (!msg || strstr(err, msg)), "profiles: name \"%s\" -> %d (%d, %s)", name,
	      want, r, err);
}

static void config_case(const char *json, int want, const char *msg)
{
	json_object *o = json_tokener_parse(json);
	char err[FE_ERR_MAX] = "";
	int r = fe_check_profile_config(o, err);

	CHECK(r == want && (!msg || strstr(err, msg)), "profiles: config %s -> %d (%d, %s)", json,
	      want, r, err);
	json_object_put(o);
}

void test_profiles(void)
{
	char big[FE_PROFILE_NAME_MAX + 2];
	char *s;

	name_case("p1", 0, NULL);
	name_case("with space", 0, NULL);
	name_case("é", 0, NULL);
	name_case("", -EINVAL, "No name provided");
	name_case("a/b", -EINVAL, "Profile names may not contain slashes");
	name_case(".", -EINVAL, "Invalid profile name");
	name_case("..", -EINVAL, "Invalid profile name");
	name_case("a\nb", -EINVAL, "Invalid profile name");
	name_case("a\x7f", -EINVAL, "Invalid profile name");
	name_case("\xff\xfe", -EINVAL, "Invalid profile name");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	name_case(big, -EINVAL, "Invalid profile name");
	big[sizeof(big) - 2] = '\0';
	name_case(big, 0, NULL);

	config_case("{}", 0, NULL);
	config_case("{\"limits.memory\":\"256MiB\",\"user.a\":\"x\"}", 0, NULL);
	config_case("{\"volatile.x\":\"1\"}", -EINVAL,
		    "Volatile keys can only be set on instances");
	config_case("{\"image.os\":\"x\"}", -EINVAL, "Image keys can only be set on instances");
	config_case("{\"nope\":\"1\"}", -EINVAL, "Unknown configuration key");
	config_case("{\"limits.memory\":\"lots\"}", -EINVAL, "limits.memory");

	s = fe_path_join_escaped("/1.0/profiles/", "a b/c%é~_.-");
	CHECK(s && strcmp(s, "/1.0/profiles/a%20b%2Fc%25%C3%A9~_.-") == 0,
	      "profiles: a name as a path segment (%s)", s ? s : "NULL");
	free(s);
}
