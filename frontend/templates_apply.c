// SPDX-License-Identifier: Apache-2.0
/*
 * Image templates at instance start (LXD-API.md §15): for each template the
 * image declares, when its "when" list holds the pending trigger (create,
 * copy, rename: recorded in volatile.apply_template) or "start", read its
 * source from the stored image tarball, render it with template.c and
 * write it into the instance through moatd's file_op. Runs in moatd-api
 * (unprivileged); the tarball and the template text are untrusted (they
 * come from the image), the source name was checked at import.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "instances.h"
#include "template.h"

#define TEMPLATE_SOURCE_MAX (1024 * 1024)

/* templates/<name> from the image file, into a malloc'd buffer. */
static int read_source(const char *fp, const char *name, char **ret, size_t *ret_len)
{
	char path[PATH_BUF], want[512];
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	__do_close int fd = -EBADF;
	int r = -ENOENT;

	if (!a)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/images/%s", fe_srv.dir, fp);
	snprintf(want, sizeof(want), "templates/%s", name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (fd < 0 || archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		archive_read_free(a);
		return -EIO;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		la_int64_t size = archive_entry_size(e);
		char *buf;
		la_ssize_t n;

		if (strncmp(p, "./", 2) == 0)
			p += 2;
		if (strcmp(p, want) != 0 || archive_entry_filetype(e) != AE_IFREG)
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
		n = archive_read_data(a, buf, (size_t)size);
		if (n != size) {
			free(buf);
			r = -EIO;
			break;
		}
		buf[size] = '\0';
		*ret = buf;
		*ret_len = (size_t)size;
		r = 0;
		break;
	}
	archive_read_free(a);
	return r;
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
	json_object *m = json_object_new_object(), *v;
	bool priv = json_object_object_get_ex(xconfig, "security.privileged", &v) &&
		    strcmp(json_object_get_string(v), "true") == 0;

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
		r = read_source(json_object_get_string(base), json_object_get_string(src), &text,
				&len);
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
