// SPDX-License-Identifier: Apache-2.0
/*
 * Image templates at instance start (LXD-API.md §15): for each template the
 * image declares, when its "when" list holds the pending trigger (create,
 * copy, rename: recorded in volatile.apply_template) or "start", read its
 * source (copied out of the stored image tarball into the database at first
 * use, all of an image's at once), render it with template.c and
 * write it into the instance through moatd's file_op. Runs in moatd-api
 * (unprivileged); the tarball and the template text are untrusted (they
 * come from the image), the source name was checked at import.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "db/db.h"
#include "model/instances.h"
#include "model/template.h"

#define TEMPLATE_SOURCE_MAX (1024 * 1024)

/* Is name the source of one of the image's templates? */
static bool referenced(json_object *templates, const char *name)
{
	json_object *src;

	json_object_object_foreach(templates, target, spec)
	{
		(void)target;
		if (json_object_object_get_ex(spec, "template", &src) &&
		    strcmp(json_object_get_string(src), name) == 0)
			return true;
	}
	return false;
}

/* sql with the image's fingerprint and the source's name bound to ?1, ?2 */
static sqlite3_stmt *prepare_source(sqlite3 *db, const char *sql, const char *fp, const char *name)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return st;
}

static int cache_one(const char *fp, const char *name, const char *text, size_t len)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = prepare_source(db,
					  "INSERT OR REPLACE INTO image_templates (fingerprint,"
					  " name, content) VALUES (?1, ?2, ?3);",
					  fp, name);
	int r = -EIO;

	if (st) {
		sqlite3_bind_blob(st, 3, text, (int)len, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			r = 0;
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

/*
 * One pass over the image file: the source of every template the image
 * declares (a regular file templates/<name>, at most TEMPLATE_SOURCE_MAX),
 * into the image_templates table. The tarball is decompressed once per
 * image, not once per template and start.
 */
static int cache_sources(const char *fp, json_object *templates)
{
	char path[PATH_MAX];
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	__do_close int fd = -EBADF;
	int r = 0;

	if (!a)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/images/%s", fe_srv.dir, fp);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (fd < 0 || archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		archive_read_free(a);
		return -EIO;
	}
	while (r == 0 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		la_int64_t size = archive_entry_size(e);
		char *buf;

		if (strncmp(p, "./", 2) == 0)
			p += 2;
		if (strncmp(p, "templates/", 10) != 0 || archive_entry_filetype(e) != AE_IFREG ||
		    !referenced(templates, p + 10))
			continue;
		if (size < 0 || size > TEMPLATE_SOURCE_MAX) {
			r = -EFBIG;
			break;
		}
		buf = malloc((size_t)size + 1);
		if (!buf) {
			r = -ENOMEM;
			break;
		}
		if (archive_read_data(a, buf, (size_t)size) != size)
			r = -EIO;
		else
			r = cache_one(fp, p + 10, buf, (size_t)size);
		free(buf);
	}
	archive_read_free(a);
	return r;
}

/* templates/<name> as cached, into a malloc'd buffer; -ENOENT if not. */
static int cached_source(const char *fp, const char *name, char **ret, size_t *ret_len)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st =
		prepare_source(db,
			       "SELECT content FROM image_templates WHERE fingerprint = ?1"
			       " AND name = ?2;",
			       fp, name);
	int r = -ENOENT;

	if (!st) {
		fe_db_unlock();
		return -EIO;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		int len = sqlite3_column_bytes(st, 0);
		const void *data = sqlite3_column_blob(st, 0);
		char *buf = malloc((size_t)len + 1);

		if (buf) {
			if (len)
				memcpy(buf, data, (size_t)len);
			buf[len] = '\0';
			*ret = buf;
			*ret_len = (size_t)len;
			r = 0;
		} else {
			r = -ENOMEM;
		}
	}
	sqlite3_finalize(st);
	fe_db_unlock();
	return r;
}

/* templates/<name> of the image, into a malloc'd buffer. */
static int read_source(const char *fp, json_object *templates, const char *name, char **ret,
		       size_t *ret_len)
{
	int r = cached_source(fp, name, ret, ret_len);

	if (r != -ENOENT)
		return r;
	r = cache_sources(fp, templates);
	return r < 0 ? r : cached_source(fp, name, ret, ret_len);
}

static bool has(json_object *when, const char *what)
{
	for (size_t k = 0; when && k < json_object_array_length(when); k++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(when, k)), what) == 0)
			return true;
	return false;
}

static json_object *image_templates(const char *fp)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	json_object *t = NULL;

	if (sqlite3_prepare_v2(db, "SELECT templates FROM images WHERE fingerprint = ?;", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			t = json_tokener_parse((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	if (t && !json_object_is_type(t, json_type_object)) {
		json_object_put(t);
		t = NULL;
	}
	return t;
}

static json_object *instance_map(const struct fe_instance *i, json_object *xconfig)
{
	json_object *m = json_object_new_object();
	bool priv = fe_config_true(xconfig, "security.privileged");

	json_object_object_add(m, "name", json_object_new_string(i->name));
	json_object_object_add(m, "type", json_object_new_string(i->type));
	json_object_object_add(m, "architecture", json_object_new_string(i->architecture));
	json_object_object_add(m, "ephemeral",
			       json_object_new_string(i->ephemeral ? "true" : "false"));
	json_object_object_add(m, "privileged", json_object_new_string(priv ? "true" : "false"));
	return m;
}

int fe_instance_apply_templates(const struct fe_instance *i, json_object *xconfig,
				json_object *xdevices, const char *trigger, char *err,
				size_t errlen)
{
	json_object *base, *templates;
	int r = 0;

	if (!json_object_object_get_ex(xconfig, "volatile.base_image", &base))
		return 0;
	templates = image_templates(json_object_get_string(base));
	if (!templates)
		return 0;
	json_object_object_foreach(templates, target, spec)
	{
		json_object *when = NULL, *src = NULL, *co = NULL, *props = NULL, *ctx;
		char *text = NULL, *out = NULL;
		size_t len = 0, olen = 0;

		json_object_object_get_ex(spec, "when", &when);
		if (!has(when, "start") && !(trigger && *trigger && has(when, trigger)))
			continue;
		if (!json_object_object_get_ex(spec, "template", &src))
			continue;
		if (json_object_object_get_ex(spec, "create_only", &co) &&
		    json_object_get_boolean(co) && fe_file_exists(i->name, target) == 1)
			continue;
		r = read_source(json_object_get_string(base), templates,
				json_object_get_string(src), &text, &len);
		if (r < 0) {
			snprintf(err, errlen, "template %s: cannot read its source: %s", target,
				 strerror(-r));
			break;
		}
		json_object_object_get_ex(spec, "properties", &props);
		ctx = json_object_new_object();
		json_object_object_add(ctx, "trigger",
				       json_object_new_string(trigger ? trigger : "start"));
		json_object_object_add(ctx, "path", json_object_new_string(target));
		json_object_object_add(ctx, "instance", instance_map(i, xconfig));
		json_object_object_add(ctx, "container", instance_map(i, xconfig));
		json_object_object_add(ctx, "config", json_object_get(xconfig));
		json_object_object_add(ctx, "devices", json_object_get(xdevices));
		json_object_object_add(ctx, "properties",
				       props ? json_object_get(props) : json_object_new_object());
		r = fe_template_render(text, len, ctx, &out, &olen, err, errlen);
		json_object_put(ctx);
		free(text);
		if (r == 0) {
			r = fe_file_write(i->name, target, out, olen);
			if (r < 0)
				snprintf(err, errlen, "template %s: cannot write it: %s", target,
					 strerror(-r));
		}
		free(out);
		if (r < 0)
			break;
	}
	json_object_put(templates);
	return r;
}
