// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for LXD objects as field tables (lxd/object.c, lxd/objects.c)
 * and the shared read and write path (frontend/ops/object.c): every table
 * is walked for rows that cannot work; a known instance, image and alias
 * render to known JSON and hash to the ETags moat gave them before the
 * tables (clients echo them in If-Match); a PUT replaces, a PATCH merges,
 * read-only fields in a body are ignored, wrong JSON types are refused
 * with LXD's 400 messages; the client's views; and GET, PUT, PATCH,
 * create and delete of a test object type through ops/object.c, with
 * their lifecycle events. Unprivileged, no daemon; the inputs are the
 * tests' own tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "lxd/objects.h"
#include "model/instances.h"
#include "ops/events.h"
#include "ops/object.h"
#include "t.h"

static const char *text(json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE)
		 : "(null)";
}

static bool text_is(json_object *o, const char *want)
{
	bool ok = strcmp(text(o), want) == 0;

	if (!ok)
		t_note("got  %s\n# want %s", text(o), want);
	return ok;
}

/* ---- the tables themselves -------------------------------------------------------------------- */

static bool kind_matches(enum lxd_kind k, json_object *v)
{
	switch (k) {
	case LXD_STRING:
	case LXD_TIME:
		return json_object_is_type(v, json_type_string);
	case LXD_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case LXD_INT:
		return json_object_is_type(v, json_type_int);
	case LXD_STRING_MAP:
	case LXD_DEVICE_MAP:
		return json_object_is_type(v, json_type_object);
	case LXD_STRING_LIST:
	case LXD_OBJECT_LIST:
		return json_object_is_type(v, json_type_array);
	case LXD_OBJECT:
		return !v || json_object_is_type(v, json_type_object);
	}
	return false;
}

static void test_tables(void)
{
	static const struct lxd_object_type *const types[] = {
		&lxd_instance_type,        &lxd_image_type,        &lxd_image_alias_type,
		&lxd_profile_type,         &lxd_network_type,      &lxd_network_acl_type,
		&lxd_network_forward_type, &lxd_storage_pool_type, &lxd_snapshot_type
	};

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		const struct lxd_object_type *ty = types[t];
		size_t n = 0, bad = 0;

		CHECK(ty->name && ty->put_name && ty->url && ty->key && lxd_field(ty, ty->key) &&
			      lxd_field(ty, ty->key)->storage != LXD_S_NONE,
		      "tables: the %s type names its Go struct, its URL and a stored key field",
		      ty->name ? ty->name : "?");
		for (const struct lxd_field *f = ty->fields; f->name; f++, n++) {
			json_object *def = f->def ? json_tokener_parse(f->def) : NULL;
			bool stored = f->storage != LXD_S_NONE || f->set;
			const char *why = NULL;

			if (lxd_field(ty, f->name) != f)
				why = "named twice";
			else if ((f->flags & LXD_ETAG) && (f->storage == LXD_S_NONE || f->get))
				why = "in the ETag but not stored";
			else if ((f->flags & LXD_W) && !stored && !(f->flags & LXD_IGNORED))
				why = "writable but nowhere to write it";
			else if ((f->flags & (LXD_W | LXD_POST)) && f->get && !f->set)
				why = "writable but computed";
			else if ((f->flags & (LXD_FULL | LXD_EXPANDED)) && (f->flags & LXD_W))
				why = "a view that is writable";
			else if ((f->flags & LXD_MERGE) && f->kind != LXD_STRING_MAP &&
				 f->kind != LXD_DEVICE_MAP)
				why = "merged but no map";
			else if (f->keep_prefix && f->kind != LXD_STRING_MAP)
				why = "keeps keys but no string map";
			else if (f->def && strcmp(f->def, "null") != 0 &&
				 !kind_matches(f->kind, def))
				why = "a default of another type";
			else if (f->storage == LXD_S_NONE && !f->get && !f->set &&
				 !(f->flags & (LXD_IGNORED | LXD_FULL)) && !f->def)
				why = "neither stored, computed nor constant";
			json_object_put(def);
			if (why) {
				bad++;
				t_note("%s.%s: %s", ty->name, f->name, why);
			}
		}
		CHECK(n > 0 && bad == 0, "tables: every row of the %s table can work (%zu rows)",
		      ty->name, n);
	}
}

/* ---- fixtures --------------------------------------------------------------------------------------- */

static void instance_fixture(struct fe_instance *i)
{
	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "c1");
	snprintf(i->architecture, sizeof(i->architecture), "x86_64");
	snprintf(i->type, sizeof(i->type), "container");
	snprintf(i->created_at, sizeof(i->created_at), "2026-11-22T16:44:53.224930621Z");
	snprintf(i->last_used_at, sizeof(i->last_used_at), "1970-01-01T00:00:00Z");
	i->description = strdup("web/front");
	i->config = json_tokener_parse("{\"image.os\":\"busybox\",\"limits.memory\":\"256MiB\","
				       "\"volatile.base_image\":\"aaa0\","
				       "\"volatile.last_state.power\":\"STOPPED\"}");
	i->devices = json_tokener_parse("{\"root\":{\"path\":\"/\",\"pool\":\"default\","
					"\"type\":\"disk\"}}");
	i->profiles = json_tokener_parse("[\"default\"]");
	snprintf(i->base_image, sizeof(i->base_image), "aaa0");
}

#define FP "aaa00d98a3d1c3ae4d5a7b2cb5b7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c382af"

static void image_fixture(struct lxd_image *img)
{
	memset(img, 0, sizeof(*img));
	img->properties = json_tokener_parse(
		"{\"description\":\"busybox test\",\"os\":\"busybox\",\"release\":\"1.35\"}");
	img->public = true;
	snprintf(img->expires_at, sizeof(img->expires_at), "1970-01-01T00:00:00Z");
	img->profiles = json_tokener_parse("[\"default\"]");
	img->aliases = json_tokener_parse("[{\"name\":\"bb\",\"description\":\"\"}]");
	img->architecture = strdup("x86_64");
	img->filename = strdup("bb.tar.gz");
	snprintf(img->fingerprint, sizeof(img->fingerprint), FP);
	img->size = 1036774;
	img->type = strdup("container");
	snprintf(img->created_at, sizeof(img->created_at), "2026-11-22T16:42:29Z");
	snprintf(img->last_used_at, sizeof(img->last_used_at), "0001-01-01T00:00:00Z");
	snprintf(img->uploaded_at, sizeof(img->uploaded_at), "2026-11-22T16:42:29.78271471Z");
}

static void alias_fixture(struct lxd_image_alias *a)
{
	a->description = strdup("the small one");
	/* what moat hashed before the tables (any string will do for the ETag) */
	a->target = strdup(FP "6");
	a->name = strdup("bb");
	a->type = strdup("container");
}

/* ---- render and ETag ------------------------------------------------------------------------------- */

static const char instance_json[] =
	"{\"architecture\":\"x86_64\",\"config\":{\"image.os\":\"busybox\",\"limits.memory\":"
	"\"256MiB\",\"volatile.base_image\":\"aaa0\",\"volatile.last_state.power\":\"STOPPED\"},"
	"\"devices\":{\"root\":{\"path\":\"/\",\"pool\":\"default\",\"type\":\"disk\"}},"
	"\"ephemeral\":false,\"profiles\":[\"default\"],\"stateful\":false,\"description\":"
	"\"web/front\",\"created_at\":\"2026-11-22T16:44:53.224930621Z\",\"expanded_config\":"
	"{\"image.os\":\"busybox\",\"limits.memory\":\"256MiB\",\"volatile.base_image\":\"aaa0\","
	"\"volatile.last_state.power\":\"STOPPED\"},\"expanded_devices\":{\"root\":{\"path\":\"/\","
	"\"pool\":\"default\",\"type\":\"disk\"}},\"name\":\"c1\",\"status\":\"Stopped\","
	"\"status_code\":102,\"last_used_at\":\"1970-01-01T00:00:00Z\",\"location\":\"none\","
	"\"type\":\"container\",\"project\":\"default\"";

static void test_render(void)
{
	struct fe_instance i;
	struct fe_instance_state st = { .status_code = 102 };
	struct lxd_image img;
	struct lxd_image_alias a = { 0 };
	json_object *none = json_object_new_object(), *o;
	char want[4096];

	instance_fixture(&i);
	/* no profiles to merge: the expanded maps are the instance's own */
	o = fe_instance_json(&i, &st, false, none, NULL);
	snprintf(want, sizeof(want), "%s}", instance_json);
	CHECK(text_is(o, want), "render: an instance, in LXD's field order (restore left out)");
	json_object_put(o);
	o = fe_instance_json(&i, &st, true, none, NULL);
	snprintf(want, sizeof(want),
		 "%s,\"backups\":null,\"state\":{\"status\":\"Stopped\",\"status_code\":102,"
		 "\"disk\":{},\"memory\":{\"usage\":0,\"usage_peak\":0,\"swap_usage\":0,"
		 "\"swap_usage_peak\":0},\"network\":null,\"pid\":0,\"processes\":0,\"cpu\":"
		 "{\"usage\":0}},\"snapshots\":null}",
		 instance_json);
	CHECK(text_is(o, want), "render: with recursion, backups, state and snapshots follow");
	json_object_put(o);

	image_fixture(&img);
	o = lxd_render(&lxd_image_type, &img, NULL, 0);
	CHECK(text_is(o, "{\"auto_update\":false,\"properties\":{\"description\":\"busybox "
			 "test\",\"os\":\"busybox\",\"release\":\"1.35\"},\"public\":true,"
			 "\"expires_at\":\"1970-01-01T00:00:00Z\",\"profiles\":[\"default\"],"
			 "\"aliases\":[{\"name\":\"bb\",\"description\":\"\"}],\"architecture\":"
			 "\"x86_64\",\"cached\":false,\"filename\":\"bb.tar.gz\",\"fingerprint\":"
			 "\"" FP "\",\"size\":1036774,\"type\":\"container\",\"created_at\":"
			 "\"2026-11-22T16:42:29Z\",\"last_used_at\":\"0001-01-01T00:00:00Z\","
			 "\"uploaded_at\":\"2026-11-22T16:42:29.78271471Z\"}"),
	      "render: an image, in LXD's field order, cached a constant");
	json_object_put(o);

	alias_fixture(&a);
	o = lxd_render(&lxd_image_alias_type, &a, NULL, 0);
	CHECK(text_is(o, "{\"description\":\"the small one\",\"target\":\"" FP "6\",\"name\":"
			 "\"bb\",\"type\":\"container\"}"),
	      "render: an image alias");
	json_object_put(o);

	/* a NULL map shows as {} (lxc writes into it), a NULL string as "" */
	json_object_put(i.config);
	i.config = NULL;
	free(i.description);
	i.description = NULL;
	o = lxd_render(&lxd_instance_type, &i, NULL, 0);
	CHECK(o && strstr(text(o), "\"config\":{},") && strstr(text(o), "\"description\":\"\","),
	      "render: an unset map is {} and an unset string \"\"");
	json_object_put(o);

	fe_instance_free(&i);
	lxd_free(&lxd_image_type, &img);
	lxd_free(&lxd_image_alias_type, &a);
	json_object_put(none);
}

static void test_etag(void)
{
	struct fe_instance i;
	struct lxd_image img;
	struct lxd_image_alias a = { 0 };
	char tag[65], again[65];
	json_object *o;

	/* the values moat's hand-written ETags gave these objects before the tables */
	instance_fixture(&i);
	lxd_etag(&lxd_instance_type, &i, tag);
	CHECK(strcmp(tag, "2294ecce83a37eb762703875e488fa9683d1b0410b1f3b4affba614ba50f281a") == 0,
	      "etag: a known instance keeps its ETag (got %s)", tag);
	i.stateful = true;
	snprintf(i.last_used_at, sizeof(i.last_used_at), "2027-01-01T00:00:00Z");
	lxd_etag(&lxd_instance_type, &i, again);
	CHECK(strcmp(tag, again) == 0,
	      "etag: an instance's ETag leaves out stateful and what the server keeps");
	i.ephemeral = true;
	lxd_etag(&lxd_instance_type, &i, again);
	CHECK(strcmp(tag, again) != 0, "etag: an instance's ETag covers ephemeral");
	fe_instance_free(&i);

	image_fixture(&img);
	lxd_etag(&lxd_image_type, &img, tag);
	CHECK(strcmp(tag, "5ee325c907deec3ef6f9a11da455ceb3e2cbf9d5088efa2c86191477a838b34b") == 0,
	      "etag: a known image keeps its ETag, over its <Object>Put part (got %s)", tag);
	img.size = 1;
	lxd_etag(&lxd_image_type, &img, again);
	CHECK(strcmp(tag, again) == 0, "etag: an image's ETag leaves out its read-only fields");
	lxd_free(&lxd_image_type, &img);

	alias_fixture(&a);
	lxd_etag(&lxd_image_alias_type, &a, tag);
	CHECK(strcmp(tag, "bab4431807856954888e255251ff7790115aa644e9fcaef0516d18f415a6ff67") == 0,
	      "etag: a known alias keeps its ETag, over the whole alias (got %s)", tag);
	o = lxd_render(&lxd_image_alias_type, &a, NULL, 0);
	fe_etag_of(o, again);
	CHECK(strcmp(tag, again) == 0, "etag: fe_etag_of() of the alias is the same hash");
	json_object_put(o);
	lxd_free(&lxd_image_alias_type, &a);
}

/* ---- PUT, PATCH, read-only fields, wrong types ------------------------------------------------------- */

/* Apply body to a fresh fixture; the instance's state after, as JSON (ETag fields and a few more). */
static int apply_instance(const char *body, enum lxd_write how, struct fe_instance *ret,
			  char err[static LXD_ERR_MAX])
{
	json_object *b = json_tokener_parse(body);
	int r;

	instance_fixture(ret);
	ret->ephemeral = true;
	r = b ? lxd_apply(&lxd_instance_type, ret, b, how, err) : -EBADMSG;
	json_object_put(b);
	return r;
}

static void test_put_patch(void)
{
	struct fe_instance i;
	struct lxd_image img;
	char err[LXD_ERR_MAX] = "";
	json_object *b;
	int r;

	r = apply_instance(
		"{\"config\":{\"user.a\":\"1\",\"volatile.last_state.power\":\"RUNNING\"},"
		"\"stateful\":true,\"restore\":\"\"}",
		LXD_WRITE_PUT, &i, err);
	CHECK(r == 0 &&
		      text_is(i.config,
			      "{\"volatile.base_image\":\"aaa0\","
			      "\"volatile.last_state.power\":\"RUNNING\",\"user.a\":\"1\"}") &&
		      text_is(i.devices, "{}") && text_is(i.profiles, "[]") && !i.ephemeral &&
		      strcmp(i.description, "web/front") == 0 &&
		      strcmp(i.architecture, "x86_64") == 0,
	      "put: an instance PUT replaces config (volatile.* kept), devices, profiles and "
	      "ephemeral, and keeps the description it leaves out (%s)",
	      err);
	CHECK(!i.stateful, "put: stateful is checked but never written (LXD ignores it too)");
	fe_instance_free(&i);

	r = apply_instance("{\"architecture\":\"\",\"config\":null,\"devices\":null,\"profiles\":"
			   "null,\"ephemeral\":null,\"description\":null}",
			   LXD_WRITE_PUT, &i, err);
	CHECK(r == 0 &&
		      text_is(i.config, "{\"volatile.base_image\":\"aaa0\","
					"\"volatile.last_state.power\":\"STOPPED\"}") &&
		      text_is(i.devices, "{}") && !i.ephemeral &&
		      strcmp(i.architecture, "x86_64") == 0 &&
		      strcmp(i.description, "web/front") == 0,
	      "put: null is as absent (lxc restore sends them): the defaults, \"\" architecture "
	      "kept");
	fe_instance_free(&i);

	r = apply_instance("{\"config\":{\"limits.memory\":\"1GiB\",\"user.b\":\"2\"},\"devices\":"
			   "{\"eth0\":{\"type\":\"nic\"}},\"description\":\"new\"}",
			   LXD_WRITE_PATCH, &i, err);
	CHECK(r == 0 &&
		      text_is(i.config,
			      "{\"image.os\":\"busybox\",\"limits.memory\":\"1GiB\","
			      "\"volatile.base_image\":\"aaa0\","
			      "\"volatile.last_state.power\":\"STOPPED\",\"user.b\":\"2\"}") &&
		      text_is(i.devices, "{\"root\":{\"path\":\"/\",\"pool\":\"default\",\"type\":"
					 "\"disk\"},\"eth0\":{\"type\":\"nic\"}}") &&
		      text_is(i.profiles, "[\"default\"]") && i.ephemeral &&
		      strcmp(i.description, "new") == 0,
	      "patch: an instance PATCH merges config keys and whole devices, keeps the rest");
	fe_instance_free(&i);

	r = apply_instance("{\"devices\":{\"root\":{\"path\":\"/\",\"type\":\"disk\"}}}",
			   LXD_WRITE_PATCH, &i, err);
	CHECK(r == 0 && text_is(i.devices, "{\"root\":{\"path\":\"/\",\"type\":\"disk\"}}"),
	      "patch: a device it names is replaced whole");
	fe_instance_free(&i);

	r = apply_instance("{\"profiles\":[]}", LXD_WRITE_PATCH, &i, err);
	CHECK(r == 0 && text_is(i.profiles, "[]") &&
		      text_is(i.devices, "{\"root\":{\"path\":"
					 "\"/\",\"pool\":\"default\","
					 "\"type\":\"disk\"}}"),
	      "patch: a list is replaced, not merged");
	fe_instance_free(&i);

	/* read-only fields in a body are ignored, whatever their type (pylxd sends them back) */
	r = apply_instance("{\"name\":\"evil\",\"created_at\":\"x\",\"status\":\"Frozen\","
			   "\"status_code\":\"103\",\"expanded_config\":5,\"location\":1,"
			   "\"type\":[],\"last_used_at\":true,\"unknown\":{}}",
			   LXD_WRITE_PATCH, &i, err);
	CHECK(r == 0 && strcmp(i.name, "c1") == 0 && strcmp(i.type, "container") == 0 &&
		      strcmp(i.created_at, "2026-11-22T16:44:53.224930621Z") == 0 &&
		      strcmp(i.last_used_at, "1970-01-01T00:00:00Z") == 0,
	      "read-only: name, type, times, status and unknown keys in a body are ignored");
	b = json_tokener_parse("{\"name\":1,\"expanded_devices\":\"x\",\"state\":[]}");
	CHECK(lxd_check_body(&lxd_instance_type, b, LXD_W, err) == 0,
	      "read-only: their types are not checked either (%s)", err);
	json_object_put(b);
	fe_instance_free(&i);

	image_fixture(&img);
	b = json_tokener_parse("{\"expires_at\":\"2030-01-01T00:00:00+02:00\"}");
	r = lxd_apply(&lxd_image_type, &img, b, LXD_WRITE_PUT, err);
	CHECK(r == 0 && text_is(img.properties, "{}") && !img.public &&
		      text_is(img.profiles, "[\"default\"]") &&
		      strcmp(img.expires_at, "2029-12-31T22:00:00Z") == 0,
	      "put: an image PUT clears properties and public, null profiles are [\"default\"], "
	      "expires_at in UTC");
	json_object_put(b);
	b = json_tokener_parse("{\"expires_at\":\"0001-01-01T00:00:00Z\",\"properties\":{\"os\":"
			       "\"alpine\",\"x\":\"y\"},\"public\":true}");
	r = lxd_apply(&lxd_image_type, &img, b, LXD_WRITE_PATCH, err);
	CHECK(r == 0 && strcmp(img.expires_at, "2029-12-31T22:00:00Z") == 0 && img.public &&
		      text_is(img.properties, "{\"os\":\"alpine\",\"x\":\"y\"}"),
	      "patch: Go's zero time keeps expires_at; properties merge");
	json_object_put(b);
	b = json_tokener_parse("{\"expires_at\":\"tomorrow\"}");
	r = lxd_apply(&lxd_image_type, &img, b, LXD_WRITE_PATCH, err);
	CHECK(r == -EINVAL &&
		      strcmp(err, "Invalid JSON: \"expires_at\" is not an RFC 3339 time") == 0 &&
		      strcmp(img.expires_at, "2029-12-31T22:00:00Z") == 0,
	      "put: a time that is no RFC 3339 time is refused (%s)", err);
	json_object_put(b);
	lxd_free(&lxd_image_type, &img);
}

static void test_wrong_types(void)
{
	static const struct {
		const struct lxd_object_type *t;
		const char *body, *err;
	} cases[] = {
		{ &lxd_instance_type, "{\"ephemeral\":\"true\"}",
		  "Invalid JSON: field \"ephemeral\" must be a boolean" },
		{ &lxd_instance_type, "{\"stateful\":1}",
		  "Invalid JSON: field \"stateful\" must be a boolean" },
		{ &lxd_instance_type, "{\"config\":[\"a\"]}",
		  "Invalid JSON: field \"config\" must be an object" },
		{ &lxd_instance_type, "{\"config\":{\"limits.cpu\":1}}",
		  "Invalid JSON: \"config\" values must be strings (key \"limits.cpu\")" },
		{ &lxd_instance_type, "{\"config\":{\"user.x\":null}}",
		  "Invalid JSON: \"config\" values must be strings (key \"user.x\")" },
		{ &lxd_instance_type, "{\"devices\":[]}",
		  "Invalid JSON: field \"devices\" must be an object" },
		{ &lxd_instance_type, "{\"profiles\":\"default\"}",
		  "Invalid JSON: field \"profiles\" must be an array of strings" },
		{ &lxd_instance_type, "{\"profiles\":[1]}",
		  "Invalid JSON: field \"profiles\" must be an array of strings without NUL" },
		{ &lxd_instance_type, "{\"description\":[]}",
		  "Invalid JSON: field \"description\" must be a string" },
		{ &lxd_instance_type, "{\"architecture\":64}",
		  "Invalid JSON: field \"architecture\" must be a string" },
		{ &lxd_instance_type, "{\"restore\":{}}",
		  "Invalid JSON: field \"restore\" must be a string" },
		{ &lxd_image_type, "{\"public\":\"yes\"}",
		  "Invalid JSON: field \"public\" must be a boolean" },
		{ &lxd_image_type, "{\"properties\":{\"a\":1}}",
		  "Invalid JSON: \"properties\" values must be strings (key \"a\")" },
		{ &lxd_image_type, "{\"expires_at\":0}",
		  "Invalid JSON: field \"expires_at\" must be a string" },
		{ &lxd_image_alias_type, "{\"target\":true}",
		  "Invalid JSON: field \"target\" must be a string" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		json_object *b = json_tokener_parse(cases[k].body);
		char err[LXD_ERR_MAX] = "", err2[LXD_ERR_MAX] = "";
		struct fe_instance i;
		int r = lxd_check_body(cases[k].t, b, LXD_W, err), r2 = 0;

		/* lxd_apply() checks again, and refuses before writing the field */
		if (cases[k].t == &lxd_instance_type) {
			instance_fixture(&i);
			r2 = lxd_apply(&lxd_instance_type, &i, b, LXD_WRITE_PATCH, err2);
			CHECK(r2 == -EINVAL && strcmp(err, err2) == 0 && !i.ephemeral &&
				      text_is(i.profiles, "[\"default\"]"),
			      "types: lxd_apply() refuses %s too, and writes nothing of it",
			      cases[k].body);
			fe_instance_free(&i);
		}
		CHECK(b && r == -EINVAL && strcmp(err, cases[k].err) == 0,
		      "types: %s %s is a 400 \"%s\" (got \"%s\")", cases[k].t->name, cases[k].body,
		      cases[k].err, err);
		json_object_put(b);
	}
}

/* ---- the client's views --------------------------------------------------------------------------- */

static void test_views(void)
{
	static const char inst[] =
		"{\"architecture\":\"x86_64\",\"config\":{\"user.a\":\"1\"},\"devices\":{},"
		"\"ephemeral\":true,\"profiles\":[\"default\"],\"stateful\":\"no\",\"description\":"
		"\"d\",\"created_at\":\"\",\"expanded_config\":{\"user.a\":\"1\",\"p\":\"v\"},"
		"\"expanded_devices\":{\"root\":{\"type\":\"disk\"}},\"name\":\"c1\",\"status\":"
		"\"Running\",\"status_code\":103.0,\"location\":\"none\",\"type\":\"container\","
		"\"project\":\"default\",\"state\":{\"pid\":1},\"extra\":1}";
	json_object *o = json_tokener_parse(inst), *v;

	v = lxd_view(&lxd_instance_type, o, LXD_VIEW_PUT);
	CHECK(text_is(v, "{\"architecture\":\"x86_64\",\"config\":{\"user.a\":\"1\"},\"devices\":"
			 "{},\"ephemeral\":true,\"profiles\":[\"default\"],\"stateful\":false,"
			 "\"description\":\"d\"}"),
	      "view: api.InstancePut in lxc's order, restore omitted, a mistyped bool false");
	json_object_put(v);
	v = lxd_view(&lxd_instance_type, o, LXD_VIEW_PUT | LXD_VIEW_EXPANDED);
	CHECK(text_is(v, "{\"architecture\":\"x86_64\",\"config\":{\"user.a\":\"1\",\"p\":\"v\"},"
			 "\"devices\":{\"root\":{\"type\":\"disk\"}},\"ephemeral\":true,"
			 "\"profiles\":[\"default\"],\"stateful\":false,\"description\":\"d\"}"),
	      "view: --expanded takes the expanded maps");
	json_object_put(v);
	v = lxd_view(&lxd_instance_type, o, 0);
	CHECK(text_is(v, "{\"architecture\":\"x86_64\",\"config\":{\"user.a\":\"1\"},\"devices\":"
			 "{},\"ephemeral\":true,\"profiles\":[\"default\"],\"stateful\":false,"
			 "\"description\":\"d\",\"created_at\":\"0001-01-01T00:00:00Z\",\"name\":"
			 "\"c1\",\"status\":\"Running\",\"status_code\":103,\"last_used_at\":"
			 "\"0001-01-01T00:00:00Z\",\"location\":\"none\",\"type\":\"container\","
			 "\"project\":\"default\"}"),
	      "view: the editor's api.Instance: no expanded_* or state, Go's zero time");
	json_object_put(v);
	json_object_put(o);

	o = json_tokener_parse("{\"auto_update\":false,\"properties\":{\"os\":\"bb\"},"
			       "\"public\":true,\"expires_at\":\"1970-01-01T00:00:00Z\","
			       "\"fingerprint\":\"" FP "\"}");
	v = lxd_view(&lxd_image_type, o, LXD_VIEW_PUT);
	CHECK(text_is(v, "{\"auto_update\":false,\"properties\":{\"os\":\"bb\"},\"public\":true,"
			 "\"expires_at\":\"1970-01-01T00:00:00Z\",\"profiles\":null}"),
	      "view: api.ImagePut, a missing list null as Go has it");
	json_object_put(v);
	json_object_put(o);
	v = lxd_view(&lxd_image_alias_type, NULL, LXD_VIEW_PUT);
	CHECK(text_is(v, "{\"description\":\"\",\"target\":\"\"}"),
	      "view: of nothing, the zero values");
	json_object_put(v);
}

/* ---- the shared path, with a test object type ---------------------------------------------------------- */

struct thing {
	char name[16];
	char *note;
	json_object *tags;
	int64_t n;
	char *shout;
};

static int set_shout(void *obj, json_object *v, char err[static LXD_ERR_MAX])
{
	struct thing *t = obj;
	const char *s = v ? json_object_get_string(v) : "";

	if (strcmp(s, "no") == 0) {
		snprintf(err, LXD_ERR_MAX, "Invalid shout \"%s\"", s);
		return -EINVAL;
	}
	free(t->shout);
	t->shout = strdup(s);
	return t->shout ? 0 : -ENOMEM;
}

static json_object *get_shout(const void *obj, const void *view)
{
	const struct thing *t = obj;

	return json_object_new_string(t->shout ? t->shout : "");
}

static const struct lxd_field thing_fields[] = {
	{ .name = "name",
	  .kind = LXD_STRING,
	  .flags = LXD_POST | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct thing, name) },
	{ .name = "note",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct thing, note) },
	{ .name = "tags",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct thing, tags) },
	{ .name = "n", .kind = LXD_INT, .flags = LXD_W, .def = "0", LXD_AT(struct thing, n) },
	{ .name = "shout",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_OMITEMPTY,
	  .def = "\"\"",
	  .get = get_shout,
	  .set = set_shout },
	{ .name = "kind", .kind = LXD_STRING, .def = "\"test\"" },
	{ .name = NULL },
};

static void thing_free(void *obj)
{
	struct thing *t = obj;

	lxd_free(&(const struct lxd_object_type){ .fields = thing_fields }, t);
	free(t->shout);
	t->shout = NULL;
}

static const struct lxd_object_type thing_type = {
	.name = "thing",
	.put_name = "api.ThingPut",
	.url = "/1.0/things",
	.key = "name",
	.updated = "thing-updated",
	.created = "thing-created",
	.deleted = "thing-deleted",
	.fields = thing_fields,
};

/* The store: one thing, or none; and the name the request's path gives (the router's capture). */
static struct thing stored;
static bool exists;
static int locks, unlocks, stores;
static const char *path_name;

static void copy_thing(struct thing *dst, const struct thing *src)
{
	memcpy(dst->name, src->name, sizeof(dst->name));
	dst->note = src->note ? strdup(src->note) : NULL;
	dst->shout = src->shout ? strdup(src->shout) : NULL;
	dst->n = src->n;
	dst->tags = NULL;
	if (src->tags)
		json_object_deep_copy(src->tags, &dst->tags, NULL);
}

static int thing_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	if (!exists || !path_name || strcmp(path_name, stored.name) != 0) {
		fe_error(resp, 404, "Thing not found");
		return -ENOENT;
	}
	copy_thing(obj, &stored);
	return 0;
}

static int thing_lock(const void *obj, struct fe_resp *resp)
{
	locks++;
	return 0;
}

static void thing_unlock(const void *obj)
{
	unlocks++;
}

static int thing_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	const struct thing *t = obj;

	if (t->n < 0) {
		fe_error(resp, 400, "n must not be negative");
		return -EINVAL;
	}
	return 0;
}

static int thing_store(void *obj, struct fe_resp *resp)
{
	thing_free(&stored);
	copy_thing(&stored, obj);
	stores++;
	return 0;
}

static int thing_insert(void *obj, struct fe_resp *resp)
{
	if (exists) {
		fe_error(resp, 409, "Thing exists");
		return -EEXIST;
	}
	exists = true;
	return thing_store(obj, resp);
}

static int thing_remove(void *obj, struct fe_resp *resp)
{
	exists = false;
	return 0;
}

static const struct fe_object_ops thing_ops = {
	.type = &thing_type,
	.size = sizeof(struct thing),
	.load = thing_load,
	.free = thing_free,
	.lock = thing_lock,
	.unlock = thing_unlock,
	.check = thing_check,
	.store = thing_store,
	.insert = thing_insert,
	.remove = thing_remove,
};

/* One request through ops (no If-Match: libmicrohttpd has no connection to ask). */
static void request(int (*fn)(struct fe_req *, struct fe_resp *, const struct fe_object_ops *),
		    const char *method, const char *name, const char *body, struct fe_resp *resp)
{
	struct fe_req req = { .method = method, .path = "/1.0/things", .trusted = true };

	path_name = name;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	memset(resp, 0, sizeof(*resp));
	fn(&req, resp, &thing_ops);
}

/* The next lifecycle event's action and source, "action source", or "". */
static void next_event(struct fe_events_sub *s, char *ret, size_t size)
{
	struct fe_event *e = NULL;
	json_object *o = NULL, *md = NULL, *a = NULL, *src = NULL;
	size_t len;

	snprintf(ret, size, "%s", "");
	if (fe_events_next(s, 1000, &e) != 1)
		return;
	o = json_tokener_parse(fe_event_text(e, &len));
	if (json_object_object_get_ex(o, "metadata", &md) &&
	    json_object_object_get_ex(md, "action", &a) &&
	    json_object_object_get_ex(md, "source", &src))
		snprintf(ret, size, "%s %s", json_object_get_string(a),
			 json_object_get_string(src));
	json_object_put(o);
	fe_event_unref(e);
}

static void test_shared_path(void)
{
	struct fe_events_sub *s = fe_events_subscribe(FE_EVENT_LIFECYCLE);
	struct fe_resp resp;
	char ev[256], tag[65];

	request(fe_object_create, "POST", NULL,
		"{\"name\":\"t1\",\"note\":\"hi/there\",\"tags\":{\"a\":\"1\"},\"n\":2}", &resp);
	next_event(s, ev, sizeof(ev));
	CHECK(resp.kind == FE_RESP_SYNC && resp.http_status == 201 && resp.location &&
		      strcmp(resp.location, "/1.0/things/t1") == 0 && exists &&
		      strcmp(stored.note, "hi/there") == 0 && stored.n == 2,
	      "path: create applies the body (its create-only fields too) and answers 201 with "
	      "Location (%d %s)",
	      resp.http_status, resp.error ? resp.error : "");
	CHECK(strcmp(ev, "thing-created /1.0/things/t1") == 0,
	      "path: create sends the table's lifecycle event, its source from the object (\"%s\")",
	      ev);
	fe_resp_free(&resp);

	request(fe_object_get, "GET", "t1", NULL, &resp);
	lxd_etag(&thing_type, &stored, tag);
	CHECK(resp.kind == FE_RESP_SYNC &&
		      text_is(resp.metadata, "{\"name\":\"t1\",\"note\":\"hi/there\",\"tags\":"
					     "{\"a\":\"1\"},\"n\":2,\"kind\":\"test\"}") &&
		      strcmp(resp.etag, tag) == 0 && strlen(tag) == 64,
	      "path: GET renders the object with its ETag");
	fe_resp_free(&resp);

	request(fe_object_get, "GET", "t9", NULL, &resp);
	CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == 404,
	      "path: GET of what is not there is the module's 404");
	fe_resp_free(&resp);

	request(fe_object_put, "PUT", "t1", "{\"n\":\"3\",\"note\":\"x\"}", &resp);
	CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == 400 && resp.error &&
		      strcmp(resp.error, "Invalid JSON: field \"n\" must be an integer") == 0 &&
		      locks == 0 && stores == 1 && strcmp(stored.note, "hi/there") == 0,
	      "path: a wrong type is a 400 before the lock, and nothing is stored");
	fe_resp_free(&resp);

	request(fe_object_put, "PUT", "t1", "{\"note\":\"new\",\"name\":\"t2\",\"kind\":1}", &resp);
	next_event(s, ev, sizeof(ev));
	CHECK(resp.kind == FE_RESP_SYNC && text_is(resp.metadata, "{}") &&
		      strcmp(stored.name, "t1") == 0 && strcmp(stored.note, "new") == 0 &&
		      text_is(stored.tags, "{}") && stored.n == 0 && locks == 1 && unlocks == 1,
	      "path: PUT replaces every writable field, ignores read-only and create-only ones, "
	      "under the lock, and answers sync {}");
	CHECK(strcmp(ev, "thing-updated /1.0/things/t1") == 0, "path: PUT sends \"%s\"", ev);
	fe_resp_free(&resp);

	request(fe_object_patch, "PATCH", "t1", "{\"tags\":{\"b\":\"2\"},\"shout\":\"HEY\"}",
		&resp);
	next_event(s, ev, sizeof(ev));
	CHECK(resp.kind == FE_RESP_SYNC && text_is(stored.tags, "{\"b\":\"2\"}") &&
		      strcmp(stored.note, "new") == 0 && stored.shout &&
		      strcmp(stored.shout, "HEY") == 0 &&
		      strcmp(ev, "thing-updated /1.0/things/t1") == 0,
	      "path: PATCH writes only what it names, through a setter too");
	fe_resp_free(&resp);
	request(fe_object_patch, "PATCH", "t1", "{\"tags\":{\"c\":\"3\"}}", &resp);
	next_event(s, ev, sizeof(ev));
	CHECK(resp.kind == FE_RESP_SYNC && text_is(stored.tags, "{\"b\":\"2\",\"c\":\"3\"}"),
	      "path: PATCH merges a LXD_MERGE map");
	fe_resp_free(&resp);

	request(fe_object_patch, "PATCH", "t1", "{\"shout\":\"no\"}", &resp);
	CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == 400 && resp.error &&
		      strcmp(resp.error, "Invalid shout \"no\"") == 0 &&
		      strcmp(stored.shout, "HEY") == 0 && locks == unlocks,
	      "path: a setter's refusal is a 400, nothing stored, the lock let go");
	fe_resp_free(&resp);
	request(fe_object_patch, "PATCH", "t1", "{\"n\":-1}", &resp);
	CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == 400 && stored.n == 0 &&
		      locks == unlocks,
	      "path: the module's check runs after the body is applied, before it is stored");
	fe_resp_free(&resp);
	request(fe_object_put, "PUT", "t1", "{\"note\":", &resp);
	CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == 400 && resp.error &&
		      strstr(resp.error, "Invalid JSON"),
	      "path: a body that is no JSON is a 400");
	fe_resp_free(&resp);

	request(fe_object_create, "POST", NULL, "{\"name\":\"t1\"}", &resp);
	CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == 409,
	      "path: the module's insert may refuse a create");
	fe_resp_free(&resp);

	request(fe_object_delete, "DELETE", "t1", NULL, &resp);
	next_event(s, ev, sizeof(ev));
	CHECK(resp.kind == FE_RESP_SYNC && text_is(resp.metadata, "{}") && !exists &&
		      strcmp(ev, "thing-deleted /1.0/things/t1") == 0,
	      "path: DELETE removes it, sends \"%s\" and answers sync {}", ev);
	fe_resp_free(&resp);
	request(fe_object_delete, "DELETE", "t1", NULL, &resp);
	CHECK(resp.kind == FE_RESP_ERROR && resp.http_status == 404,
	      "path: DELETE of what is gone is the 404");
	fe_resp_free(&resp);

	thing_free(&stored);
	fe_events_unsubscribe(s);
}

void test_object(void)
{
	test_tables();
	test_render();
	test_etag();
	test_put_patch();
	test_wrong_types();
	test_views();
	test_shared_path();
}
