// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the image verbs: import (the tarball streamed as a chunked POST
 * body with lxc's X-LXD-* headers), list, info, show, delete, export (the
 * download: cmd_image_export.c) and the alias verbs. Runs in
 * the client as the invoking user, no privilege. Image objects and the
 * export's filename come from the server (untrusted): the filename is used
 * only when it is a plain file name, and the bytes are written to a
 * temporary file that is renamed only once they hash to the fingerprint.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "images_int.h"
#include "lxd/objects.h"
#include "sha256.h"
#include "verbs.h"

/* "/1.0/images<sub>/<escaped name><suffix>", NULL on ENOMEM. */
char *cli_image_path(const char *sub, const char *name, const char *suffix)
{
	__do_free char *e = cli_escape(name);
	char *p;

	if (!e || asprintf(&p, "/1.0/images%s/%s%s", sub, e, suffix ? suffix : "") < 0)
		return NULL;
	return p;
}

/* lxc's dereferenceAlias: the alias's target, else the name itself (malloc'ed). */
static char *dereference(struct cli_conn *c, const char *name)
{
	__do_free char *path = cli_image_path("/aliases", *name ? name : "default", NULL);
	json_object *alias = NULL;
	char *fp;

	if (path && cli_get(c, path, &alias) == 0 && *cli_jstr(alias, "target"))
		fp = strdup(cli_jstr(alias, "target"));
	else
		fp = strdup(*name ? name : "default");
	cli_error_clear();
	if (alias)
		json_object_put(alias);
	return fp;
}

/* Open the remote named in raw and resolve its image: *ret_fp is a fingerprint (prefix). */
int cli_open_image(struct cli_ctx *ctx, const char *raw, struct cli_conn *conn, char **ret_fp)
{
	__do_free char *name = NULL;
	int r = cli_open(ctx, raw, conn, &name);

	if (r < 0)
		return r;
	if (!*name) {
		cli_conn_free(conn);
		return cli_error(-EINVAL, "Image identifier missing");
	}
	*ret_fp = dereference(conn, name);
	if (!*ret_fp) {
		cli_conn_free(conn);
		return cli_error(-ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- import ------------------------------------------------------------------------------- */

static int create_alias(struct cli_conn *c, const char *name, const char *target)
{
	json_object *body = json_object_new_object();
	int r;

	json_object_object_add(body, "description", json_object_new_string(""));
	json_object_object_add(body, "target", json_object_new_string(target));
	json_object_object_add(body, "name", json_object_new_string(name));
	json_object_object_add(body, "type", json_object_new_string(""));
	r = cli_sync(c, "POST", "/1.0/images/aliases", body, NULL);
	json_object_put(body);
	return r;
}

/* lxc's ensureImageAliases: drop the aliases about to be reused, then make them all. */
static int ensure_aliases(struct cli_conn *c, const char *const *names, size_t n, const char *fp)
{
	json_object *list = NULL;
	int r;

	if (n == 0)
		return 0;
	r = cli_get(c, "/1.0/images/aliases?recursion=1", &list);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
		const char *have = cli_jstr(json_object_array_get_idx(list, i), "name");

		for (size_t k = 0; k < n; k++) {
			__do_free char *path = NULL;

			if (strcmp(have, names[k]) != 0)
				continue;
			path = cli_image_path("/aliases", have, NULL);
			r = path ? cli_sync(c, "DELETE", path, NULL, NULL) : -ENOMEM;
			if (r < 0) {
				__do_free char *msg = strdup(cli_error_message());

				r = cli_error(r, "Failed to remove alias %s: %s", have,
					      msg ? msg : "");
			}
			break;
		}
	}
	json_object_put(list);
	for (size_t k = 0; r == 0 && k < n; k++) {
		r = create_alias(c, names[k], fp);
		if (r < 0) {
			__do_free char *msg = strdup(cli_error_message());

			r = cli_error(r, "Failed to create alias %s: %s", names[k], msg ? msg : "");
		}
	}
	return r;
}

/* "k=v&k2=v2", escaped: lxc's X-LXD-properties. */
static char *properties_header(const char *const *props, size_t n)
{
	char *out = strdup("X-LXD-properties: ");

	for (size_t i = 0; out && i < n; i++) {
		const char *eq = strchr(props[i], '=');
		__do_free char *key = strndup(props[i], (size_t)(eq - props[i]));
		__do_free char *ek = key ? cli_escape(key) : NULL, *ev = cli_escape(eq + 1);
		char *next;

		if (!ek || !ev || asprintf(&next, "%s%s%s=%s", out, i ? "&" : "", ek, ev) < 0) {
			free(out);
			return NULL;
		}
		free(out);
		out = next;
	}
	return out;
}

bool cli_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int cli_image_import(struct cli_ctx *ctx, const char *file, const char *remote_raw,
		     const char *const *props, size_t nprops, const char *const *aliases,
		     size_t naliases, bool public)
{
	__do_free char *copy = strdup(file), *fname_h = NULL, *props_h = NULL;
	__do_close int fd = -EBADF;
	struct cli_progress progress = { .show = !ctx->quiet && isatty(STDOUT_FILENO),
					 .label = "Transferring image" };
	const char *headers[5];
	struct cli_conn conn = { 0 };
	struct cli_resp resp = { 0 };
	json_object *op = NULL;
	size_t nh = 0;
	struct stat st;
	int r;

	if (!copy)
		return cli_error(-ENOMEM, "out of memory");
	if (strncmp(file, "http://", 7) == 0 || strncmp(file, "https://", 8) == 0)
		return cli_error(-EOPNOTSUPP, "Importing an image from a URL is not supported yet");
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_error(-errno, "open %s: %s", file, strerror(errno));
	if (fstat(fd, &st) < 0)
		return cli_error(-errno, "stat %s: %s", file, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return cli_error(
			-EISDIR,
			"Importing a directory is not supported yet: pack it as a tarball");
	if (!cli_printable(basename(copy)))
		return cli_error(-EINVAL, "The file name %s has control characters in it", file);
	progress.total = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (asprintf(&fname_h, "X-LXD-filename: %s", basename(copy)) < 0) {
		fname_h = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	headers[nh++] = "Content-Type: application/octet-stream";
	headers[nh++] = fname_h;
	if (public)
		headers[nh++] = "X-LXD-public: true";
	if (nprops) {
		props_h = properties_header(props, nprops);
		if (!props_h)
			return cli_error(-ENOMEM, "out of memory");
		headers[nh++] = props_h;
	}
	headers[nh] = NULL;

	r = cli_open(ctx, remote_raw, &conn, NULL);
	if (r < 0)
		return r;
	r = cli_upload(&conn, "POST", "/1.0/images", fd, headers, &progress, &resp);
	if (r == 0)
		r = cli_op_wait(&conn, cli_op_id(&resp), &op);
	if (r == 0) {
		const char *fp =
			cli_jstr(cli_jget(op, "metadata", json_type_object), "fingerprint");

		printf("Image imported with fingerprint: %s\n", fp);
		fflush(stdout);
		r = ensure_aliases(&conn, aliases, naliases, fp);
	}
	if (op)
		json_object_put(op);
	cli_resp_free(&resp);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_image_import(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free const char **props = calloc(a->npos + 1, sizeof(*props));
	const char *file = NULL, *rootfs = NULL, *remote = "";
	const char *const *aliases;
	size_t nprops = 0, naliases;

	if (!props)
		return cli_error(-ENOMEM, "out of memory");
	/* as lxc: a word with '=' that is not a file is a property */
	for (size_t i = 0; i < a->npos; i++) {
		const char *arg = a->pos[i];

		if (!strchr(arg, '=') || access(arg, F_OK) == 0) {
			size_t len = strlen(arg);

			if (len && arg[len - 1] == ':')
				remote = arg;
			else if (!file)
				file = arg;
			else
				rootfs = arg;
		} else {
			props[nprops++] = arg;
		}
	}
	if (!file)
		file = a->pos[0];
	if (rootfs)
		return cli_error(-EOPNOTSUPP, "Split images (a metadata and a rootfs tarball) are "
					      "not supported yet: import a unified tarball");
	aliases = cli_flag_list(a, "alias", &naliases);
	return cli_image_import(ctx, file, remote, props, nprops, aliases, naliases,
				cli_flag_bool(a, "public"));
}

/* ---- list -------------------------------------------------------------------------------------- */

/* What image list and alias list start from. */
struct filtered {
	enum cli_format fmt;
	char *name;           /* the name part of the first argument */
	const char **filters; /* pointing into argv or name */
	size_t nf;
	json_object *list;
};

static void filtered_free(struct filtered *f)
{
	free(f->name);
	free(f->filters);
	if (f->list)
		json_object_put(f->list);
}

/*
 * The start of image list and alias list, as lxc: "[<remote>:][<filter>]
 * [<filter>...]": the format, the remote, the filters, the list at path.
 */
static int fetch_filtered(struct cli_ctx *ctx, const char *path, struct filtered *ret)
{
	const struct cli_args *a = ctx->args;
	struct cli_conn conn = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->filters = calloc(a->npos + 1, sizeof(*ret->filters));
	if (!ret->filters)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_format_flag(ctx, &ret->fmt);
	if (r == 0)
		r = cli_open(ctx, a->npos ? a->pos[0] : "", &conn, &ret->name);
	if (r < 0)
		return r;
	if (*ret->name)
		ret->filters[ret->nf++] = ret->name;
	for (size_t i = 1; i < a->npos; i++)
		ret->filters[ret->nf++] = a->pos[i];
	r = cli_get_list(&conn, path, &ret->list);
	cli_conn_free(&conn);
	return r;
}

static const char *shortest_alias(json_object *img)
{
	json_object *al = cli_jget(img, "aliases", json_type_array);
	const char *best = "";

	for (size_t i = 0; al && i < json_object_array_length(al); i++) {
		const char *n = cli_jstr(json_object_array_get_idx(al, i), "name");

		if (!*best || (*n && strlen(n) < strlen(best)))
			best = n;
	}
	return best;
}

static char *image_cell(char col, json_object *img)
{
	json_object *al = cli_jget(img, "aliases", json_type_array);
	size_t nal = al ? json_object_array_length(al) : 0;
	const char *fp = cli_jstr(img, "fingerprint");
	char buf[128];

	switch (col) {
	case 'l': {
		char *out;

		if (nal <= 1)
			return strdup(shortest_alias(img));
		if (asprintf(&out, "%s (%zu more)", shortest_alias(img), nal - 1) < 0)
			return NULL;
		return out;
	}
	case 'L': {
		__do_free const char **names = calloc(nal + 1, sizeof(*names));

		if (!names)
			return NULL;
		for (size_t i = 0; i < nal; i++)
			names[i] = cli_jstr(json_object_array_get_idx(al, i), "name");
		qsort(names, nal, sizeof(*names), cli_strcmp_p);
		return cli_join_lines(names, nal);
	}
	case 'f':
		return strndup(fp, 12);
	case 'F':
		return strdup(fp);
	case 'p':
		return strdup(cli_jbool(img, "public") ? "yes" : "no");
	case 'd':
		return strdup(
			cli_jstr(cli_jget(img, "properties", json_type_object), "description"));
	case 'a':
		return strdup(cli_jstr(img, "architecture"));
	case 's':
		snprintf(buf, sizeof(buf), "%.2fMB",
			 (double)cli_jint(img, "size") / 1024.0 / 1024.0);
		return strdup(buf);
	case 'u':
		cli_time_str(buf, sizeof(buf), cli_jstr(img, "uploaded_at"), CLI_TIME_LONG);
		return strdup(buf);
	case 't':
		return strdup(*cli_jstr(img, "type")
				      ? cli_upper(buf, sizeof(buf), cli_jstr(img, "type"))
				      : "CONTAINER");
	}
	return strdup("");
}

static const char *image_header(char col)
{
	switch (col) {
	case 'l':
		return "ALIAS";
	case 'L':
		return "ALIASES";
	case 'f':
	case 'F':
		return "FINGERPRINT";
	case 'p':
		return "PUBLIC";
	case 'd':
		return "DESCRIPTION";
	case 'a':
		return "ARCHITECTURE";
	case 's':
		return "SIZE";
	case 'u':
		return "UPLOAD DATE";
	case 't':
		return "TYPE";
	}
	return NULL;
}

/* A top-level field as fmt.Sprintf("%v") would print it. */
static bool field_equals(json_object *img, const char *key, const char *value)
{
	json_object *v;
	char num[32];

	if (!json_object_object_get_ex(img, key, &v))
		return false;
	switch (json_object_get_type(v)) {
	case json_type_string:
		return strcmp(json_object_get_string(v), value) == 0;
	case json_type_boolean:
		return strcmp(json_object_get_boolean(v) ? "true" : "false", value) == 0;
	case json_type_int:
		snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
		return strcmp(num, value) == 0;
	default:
		return false;
	}
}

/* lxc's imageShouldShow */
static bool image_match(json_object *img, const char *const *filters, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		bool found = false;

		if (eq) {
			__do_free char *key = strndup(f, (size_t)(eq - f));

			/* a property (the key may be abbreviated, the value is a regex), or a field */
			found = key && (cli_map_match(cli_jget(img, "properties", json_type_object),
						      key, eq + 1) == 1 ||
					field_equals(img, key, eq + 1));
		} else {
			json_object *al = cli_jget(img, "aliases", json_type_array);

			for (size_t k = 0; al && k < json_object_array_length(al); k++)
				if (strstr(cli_jstr(json_object_array_get_idx(al, k), "name"), f))
					found = true;
			if (strstr(cli_jstr(img, "fingerprint"), f))
				found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

int cli_cmd_image_list(struct cli_ctx *ctx)
{
	const char *spec = cli_flag_str(ctx->args, "columns");
	__do_free char *cols = calloc(strlen(spec) + 1, 1);
	__do_free const char **header = calloc(strlen(spec) + 1, sizeof(*header));
	struct filtered f;
	json_object *shown;
	size_t ncols = 0;
	struct cli_table t;
	int r;

	if (!cols || !header)
		return cli_error(-ENOMEM, "out of memory");
	if (!*spec || spec[0] == ',' || spec[strlen(spec) - 1] == ',' || strstr(spec, ",,"))
		return cli_usage_error(
			"Empty column entry (redundant, leading or trailing command) in '%s'",
			spec);
	for (const char *p = spec; *p; p++) {
		if (*p == ',')
			continue;
		if (!image_header(*p))
			return cli_usage_error("Unknown column shorthand char '%c' in '%s'", *p,
					       spec);
		header[ncols] = image_header(*p);
		cols[ncols++] = *p;
	}
	r = fetch_filtered(ctx, "/1.0/images?filter=&recursion=1", &f);
	if (r < 0) {
		filtered_free(&f);
		return r;
	}
	shown = json_object_new_array();
	cli_table_init(&t, ncols, header);
	for (size_t i = 0; r == 0 && i < json_object_array_length(f.list); i++) {
		json_object *img = json_object_array_get_idx(f.list, i);
		char **cells;

		if (!image_match(img, f.filters, f.nf))
			continue;
		cells = calloc(ncols + 1, sizeof(*cells));
		if (!cells) {
			r = -ENOMEM;
			break;
		}
		json_object_array_add(shown, json_object_get(img));
		for (size_t c = 0; c < ncols; c++)
			if (!(cells[c] = image_cell(cols[c], img)))
				r = -ENOMEM;
		if (r == 0)
			r = cli_table_add(&t, (const char *const *)cells);
		for (size_t c = 0; c < ncols; c++)
			free(cells[c]);
		free(cells);
	}
	r = cli_table_finish(&t, f.fmt, shown, r);
	filtered_free(&f);
	return r;
}

/* ---- info, show, delete ---------------------------------------------------------------------------- */

static int get_image(struct cli_ctx *ctx, const char *raw, json_object **ret)
{
	__do_free char *fp = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	int r = cli_open_image(ctx, raw, &conn, &fp);

	if (r < 0)
		return r;
	path = cli_image_path("", fp, NULL);
	r = path ? cli_get(&conn, path, ret) : cli_error(-ENOMEM, "out of memory");
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_image_info(struct cli_ctx *ctx)
{
	json_object *img = NULL, *props, *aliases, *profiles;
	__do_free const char **keys = NULL;
	char when[64];
	size_t n = 0;
	int r = get_image(ctx, ctx->args->pos[0], &img);

	if (r < 0)
		return r;
	props = cli_jmap(img, "properties");
	aliases = cli_jget(img, "aliases", json_type_array);
	profiles = cli_jget(img, "profiles", json_type_array);
	printf("Fingerprint: %s\n", cli_jstr(img, "fingerprint"));
	printf("Size: %.2fMB\n", (double)cli_jint(img, "size") / 1024.0 / 1024.0);
	printf("Architecture: %s\n", cli_jstr(img, "architecture"));
	printf("Type: %s\n", *cli_jstr(img, "type") ? cli_jstr(img, "type") : "container");
	printf("Public: %s\n", cli_jbool(img, "public") ? "yes" : "no");
	printf("Timestamps:\n");
	if (cli_time_set(cli_jstr(img, "created_at"))) {
		cli_time_str(when, sizeof(when), cli_jstr(img, "created_at"), CLI_TIME_UTC);
		printf("    Created: %s\n", when);
	}
	cli_time_str(when, sizeof(when), cli_jstr(img, "uploaded_at"), CLI_TIME_UTC);
	printf("    Uploaded: %s\n", when);
	cli_time_str(when, sizeof(when), cli_jstr(img, "expires_at"), CLI_TIME_UTC);
	printf("    Expires: %s\n", cli_time_set(cli_jstr(img, "expires_at")) ? when : "never");
	cli_time_str(when, sizeof(when), cli_jstr(img, "last_used_at"), CLI_TIME_UTC);
	printf("    Last used: %s\n", cli_time_set(cli_jstr(img, "last_used_at")) ? when : "never");
	printf("Properties:\n");
	keys = calloc((size_t)json_object_object_length(props) + 1, sizeof(*keys));
	json_object_object_foreach(props, k, v)
	{
		(void)v;
		if (keys)
			keys[n++] = k;
	}
	if (keys)
		qsort(keys, n, sizeof(*keys), cli_strcmp_p);
	for (size_t i = 0; i < n; i++)
		printf("    %s: %s\n", keys[i], cli_jstr(props, keys[i]));
	printf("Aliases:\n");
	for (size_t i = 0; aliases && i < json_object_array_length(aliases); i++) {
		json_object *al = json_object_array_get_idx(aliases, i);

		if (*cli_jstr(al, "description"))
			printf("    - %s (%s)\n", cli_jstr(al, "name"),
			       cli_jstr(al, "description"));
		else
			printf("    - %s\n", cli_jstr(al, "name"));
	}
	printf("Cached: %s\n", cli_jbool(img, "cached") ? "yes" : "no");
	printf("Auto update: %s\n", cli_jbool(img, "auto_update") ? "enabled" : "disabled");
	if (!profiles || json_object_array_length(profiles) == 0) {
		printf("Profiles: []\n");
	} else {
		printf("Profiles:\n");
		for (size_t i = 0; i < json_object_array_length(profiles); i++)
			printf("    - %s\n",
			       json_object_get_string(json_object_array_get_idx(profiles, i)));
	}
	json_object_put(img);
	return 0;
}

int cli_cmd_image_show(struct cli_ctx *ctx)
{
	json_object *img = NULL, *put;
	int r = get_image(ctx, ctx->args->pos[0], &img);

	if (r < 0)
		return r;
	/* what lxc shows: the image's writable part (api.ImagePut), from the image's table */
	put = lxd_view(&lxd_image_type, img, LXD_VIEW_PUT);
	r = put ? cli_yaml_print(stdout, put) : cli_error(-ENOMEM, "out of memory");
	if (put)
		json_object_put(put);
	json_object_put(img);
	return r;
}

int cli_cmd_image_delete(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;

	for (size_t i = 0; i < a->npos; i++) {
		__do_free char *fp = NULL, *path = NULL;
		struct cli_conn conn = { 0 };
		int r = cli_open_image(ctx, a->pos[i], &conn, &fp);

		if (r < 0)
			return r;
		path = cli_image_path("", fp, NULL);
		r = path ? cli_async(&conn, "DELETE", path, NULL, NULL)
			 : cli_error(-ENOMEM, "out of memory");
		cli_conn_free(&conn);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- aliases --------------------------------------------------------------------------------------------- */

int cli_cmd_alias_create(struct cli_ctx *ctx)
{
	__do_free char *name = NULL;
	struct cli_conn conn = { 0 };
	int r = cli_open(ctx, ctx->args->pos[0], &conn, &name);

	if (r < 0)
		return r;
	r = *name ? create_alias(&conn, name, ctx->args->pos[1])
		  : cli_error(-EINVAL, "Alias name missing");
	cli_conn_free(&conn);
	return r;
}

/* Send method with body to the alias named in the first argument ("[<remote>:]<alias>"). */
static int alias_request(struct cli_ctx *ctx, const char *method, json_object *body)
{
	__do_free char *name = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	int r = cli_open(ctx, ctx->args->pos[0], &conn, &name);

	if (r < 0)
		return r;
	if (!*name)
		r = cli_error(-EINVAL, "Alias name missing");
	else if (!(path = cli_image_path("/aliases", name, NULL)))
		r = cli_error(-ENOMEM, "out of memory");
	else
		r = cli_sync(&conn, method, path, body, NULL);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_alias_delete(struct cli_ctx *ctx)
{
	return alias_request(ctx, "DELETE", NULL);
}

int cli_cmd_alias_rename(struct cli_ctx *ctx)
{
	json_object *body = json_object_new_object();
	int r;

	json_object_object_add(body, "name", json_object_new_string(ctx->args->pos[1]));
	r = alias_request(ctx, "POST", body);
	json_object_put(body);
	return r;
}

int cli_cmd_alias_list(struct cli_ctx *ctx)
{
	static const char *const header[] = { "ALIAS", "FINGERPRINT", "TYPE", "DESCRIPTION" };
	json_object *list, *shown;
	const char **filters;
	struct filtered f;
	struct cli_table t;
	size_t nf;
	int r;

	r = fetch_filtered(ctx, "/1.0/images/aliases?recursion=1", &f);
	if (r < 0) {
		filtered_free(&f);
		return r;
	}
	list = f.list;
	filters = f.filters;
	nf = f.nf;
	shown = json_object_new_array();
	cli_table_init(&t, 4, header);
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
		json_object *al = json_object_array_get_idx(list, i);
		const char *target = cli_jstr(al, "target");
		char fp12[13], type[64];
		const char *cells[4];
		bool show = nf == 0;

		for (size_t k = 0; k < nf; k++)
			if (strstr(cli_jstr(al, "name"), filters[k]) || strstr(target, filters[k]))
				show = true;
		if (!show)
			continue;
		json_object_array_add(shown, json_object_get(al));
		snprintf(fp12, sizeof(fp12), "%s", target);
		cells[0] = cli_jstr(al, "name");
		cells[1] = fp12;
		cells[2] = *cli_jstr(al, "type")
				   ? cli_upper(type, sizeof(type), cli_jstr(al, "type"))
				   : "CONTAINER";
		cells[3] = cli_jstr(al, "description");
		r = cli_table_add(&t, cells);
	}
	r = cli_table_finish(&t, f.fmt, shown, r);
	filtered_free(&f);
	return r;
}
