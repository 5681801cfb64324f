// SPDX-License-Identifier: Apache-2.0
/*
 * The image store of moatd-api (unprivileged, uid moat, seccomp): the
 * image and alias rows, their JSON, and the image files, read, changed and
 * removed for the API handlers (api/images.c); uploads into the store are
 * image_upload.c's. Request values are untrusted and reach sqlite only as
 * bound parameters; the database and the images/ directory are this
 * process's own.
 *
 * Invariant: no row without its file (a file is removed only after the
 * delete of its row commits).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "db/db.h"
#include "log.h"
#include "model/config.h"
#include "model/images.h"

#include "images_int.h"

/* ---- small helpers ------------------------------------------------------------- */

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n;
		uint32_t c;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0)
			n = 1, c = *p & 0x1f;
		else if ((*p & 0xf0) == 0xe0)
			n = 2, c = *p & 0x0f;
		else if ((*p & 0xf8) == 0xf0)
			n = 3, c = *p & 0x07;
		else
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* Printable UTF-8: no control byte (C0, DEL), valid encoding, at most max bytes. */
bool img_text_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max || !utf8_valid(s))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

bool img_description_valid_len(const char *s, size_t max)
{
	return strlen(s) <= max && utf8_valid(s);
}

bool img_description_valid(const char *s)
{
	return img_description_valid_len(s, IMG_DESCRIPTION_MAX);
}

bool img_alias_name_valid(const char *s)
{
	return *s && img_text_valid(s, IMG_ALIAS_NAME_MAX) && !strchr(s, '/') &&
	       strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Decode one URL-encoded component ('+' is a space) of n bytes; NUL or bad escapes refused. */
static char *url_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int h, l;

			if (i + 2 >= n || (h = fe_unhex(s[i + 1])) < 0 ||
			    (l = fe_unhex(s[i + 2])) < 0 || (h == 0 && l == 0)) {
				free(out);
				errno = EINVAL;
				return NULL;
			}
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (!utf8_valid(out)) {
		free(out);
		errno = EINVAL;
		return NULL;
	}
	return out;
}

int img_parse_query(const char *s, json_object **ret_map)
{
	json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	while (*s) {
		size_t n = strcspn(s, "&");
		const char *eq = memchr(s, '=', n);
		size_t kl = eq ? (size_t)(eq - s) : n;
		__do_free char *k = NULL;
		__do_free char *v = NULL;

		if (n > 0) {
			k = url_decode(s, kl);
			v = eq ? url_decode(eq + 1, n - kl - 1) : strdup("");
			if (!k || !v) {
				json_object_put(o);
				return errno == ENOMEM ? -ENOMEM : -EINVAL;
			}
			/* the first value of a key wins, as Go's url.Values.Get */
			if (*k && !json_object_object_get_ex(o, k, NULL))
				json_object_object_add(o, k, json_object_new_string(v));
		}
		s += n;
		if (*s == '&')
			s++;
	}
	*ret_map = o;
	return 0;
}

bool img_fingerprint_valid(const char *s, size_t min)
{
	size_t n = strlen(s);

	if (n < min || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (fe_unhex(s[i]) < 0)
			return false;
	return true;
}

int img_open_images_dir(void)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/images", fe_srv.dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* ---- the database ------------------------------------------------------------- */

/* Run one statement with text parameters (NULL = SQL NULL); caller holds the lock. */
int img_db_run(sqlite3 *db, const char *sql, int nparams, const char *const *params,
	       int *ret_changes)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	for (int i = 0; i < nparams; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return -EEXIST;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -EIO;
	if (ret_changes)
		*ret_changes = sqlite3_changes(db);
	return rc == SQLITE_ROW ? 1 : 0;
}

bool img_db_exists(sqlite3 *db, const char *sql, const char *param)
{
	return img_db_run(db, sql, 1, &param, NULL) == 1;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s ? s : "";
}

#define IMAGE_COLUMNS                                                                              \
	"fingerprint, filename, size, public, auto_update, architecture, type, created_at,"        \
	" expires_at, uploaded_at, last_used_at, properties, profiles"

/* A strdup of text that is never NULL (col_text's), or NULL when out of memory. */
static char *col_dup(sqlite3_stmt *st, int col)
{
	return strdup(col_text(st, col));
}

/* The image of a row of IMAGE_COLUMNS, with its aliases. Lock held. */
static int read_image(sqlite3 *db, sqlite3_stmt *st, struct lxd_image *ret)
{
	struct lxd_image img = { 0 };
	const char *fp = col_text(st, 0);
	sqlite3_stmt *a;

	img.aliases = json_object_new_array();
	if (sqlite3_prepare_v2(db,
			       "SELECT name, description FROM image_aliases WHERE fingerprint = ?"
			       " ORDER BY name;",
			       -1, &a, NULL) == SQLITE_OK) {
		sqlite3_bind_text(a, 1, fp, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(a) == SQLITE_ROW) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "name", json_object_new_string(col_text(a, 0)));
			json_object_object_add(e, "description",
					       json_object_new_string(col_text(a, 1)));
			json_object_array_add(img.aliases, e);
		}
		sqlite3_finalize(a);
	}
	snprintf(img.fingerprint, sizeof(img.fingerprint), "%s", fp);
	img.filename = col_dup(st, 1);
	img.size = sqlite3_column_int64(st, 2);
	img.public = sqlite3_column_int(st, 3) != 0;
	img.auto_update = sqlite3_column_int(st, 4) != 0;
	img.architecture = col_dup(st, 5);
	img.type = col_dup(st, 6);
	snprintf(img.created_at, sizeof(img.created_at), "%s", col_text(st, 7));
	snprintf(img.expires_at, sizeof(img.expires_at), "%s", col_text(st, 8));
	snprintf(img.uploaded_at, sizeof(img.uploaded_at), "%s", col_text(st, 9));
	snprintf(img.last_used_at, sizeof(img.last_used_at), "%s", col_text(st, 10));
	img.properties = fe_db_json_column(st, 11, json_type_object);
	img.profiles = fe_db_json_column(st, 12, json_type_array);
	if (!img.aliases || !img.filename || !img.architecture || !img.type) {
		lxd_free(&lxd_image_type, &img);
		return -ENOMEM;
	}
	*ret = img;
	return 0;
}

int img_resolve(const char *prefix, char ret_fp[static 65])
{
	char want[65], found[65] = "";
	sqlite3_stmt *st;
	sqlite3 *db;
	int n = 0, rows = 0;

	if (!img_fingerprint_valid(prefix, 1))
		return -ENOENT;
	for (size_t i = 0; prefix[i]; i++)
		want[i] = (char)(prefix[i] >= 'A' && prefix[i] <= 'F' ? prefix[i] + 32 : prefix[i]);
	want[strlen(prefix)] = '\0';
	db = fe_db_lock();
	if (sqlite3_prepare_v2(
		    db,
		    "SELECT fingerprint FROM images WHERE substr(fingerprint, 1, ?2) = ?1"
		    " LIMIT 2;",
		    -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, want, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, (int)strlen(want));
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		n = snprintf(found, sizeof(found), "%s", col_text(st, 0));
	}
	sqlite3_finalize(st);
	fe_db_unlock();
	if (rows != 1 || n != 64)
		return -ENOENT;
	memcpy(ret_fp, found, 65);
	return 0;
}

int img_load(const char *fp, struct lxd_image *ret)
{
	sqlite3_stmt *st;
	sqlite3 *db = fe_db_lock();
	int r = -ENOENT;

	if (sqlite3_prepare_v2(db, "SELECT " IMAGE_COLUMNS " FROM images WHERE fingerprint = ?;",
			       -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = read_image(db, st, ret);
	sqlite3_finalize(st);
	fe_db_unlock();
	return r;
}

int img_list_json(bool recursion, json_object **ret_list)
{
	json_object *a = json_object_new_array();
	sqlite3_stmt *st;
	sqlite3 *db = fe_db_lock();

	if (sqlite3_prepare_v2(db, "SELECT " IMAGE_COLUMNS " FROM images ORDER BY rowid;", -1, &st,
			       NULL) != SQLITE_OK) {
		fe_db_unlock();
		json_object_put(a);
		return -EIO;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (recursion) {
			struct lxd_image img;

			if (read_image(db, st, &img) == 0) {
				json_object_array_add(a,
						      lxd_render(&lxd_image_type, &img, NULL, 0));
				lxd_free(&lxd_image_type, &img);
			}
		} else {
			char url[128];

			snprintf(url, sizeof(url), "/1.0/images/%s", col_text(st, 0));
			json_object_array_add(a, json_object_new_string(url));
		}
	}
	sqlite3_finalize(st);
	fe_db_unlock();
	*ret_list = a;
	return 0;
}

int img_delete(const char *fp)
{
	const char *p[] = { fp };
	char rootfs[80];
	int changes = 0, r;
	__do_close int dfd = img_open_images_dir();
	sqlite3 *db;

	if (dfd < 0)
		return dfd;
	snprintf(rootfs, sizeof(rootfs), "%s.rootfs", fp);
	db = fe_db_lock();
	r = fe_db_exec_locked("BEGIN IMMEDIATE;");
	if (r == 0)
		r = img_db_run(db, "DELETE FROM image_aliases WHERE fingerprint = ?;", 1, p, NULL);
	if (r >= 0)
		r = img_db_run(db, "DELETE FROM images WHERE fingerprint = ?;", 1, p, &changes);
	if (r >= 0 && changes == 0)
		r = -ENOENT;
	if (r >= 0)
		r = fe_db_exec_locked("COMMIT;");
	if (r < 0) {
		fe_db_exec_locked("ROLLBACK;");
		fe_db_unlock();
		return r;
	}
	/*
	 * The row is gone; now the files, still under the lock so that an
	 * upload of the same image cannot put its file in place in between.
	 * A file left behind is harmless; a row without its file is not.
	 */
	if (unlinkat(dfd, fp, 0) < 0 && errno != ENOENT)
		log_warn("image %s: cannot remove its file: %m", fp);
	if (unlinkat(dfd, rootfs, 0) < 0 && errno != ENOENT)
		log_warn("image %s: cannot remove its rootfs file: %m", fp);
	fe_db_unlock();
	return 0;
}

int img_open_file(const char *fp, const char **ret_ext, int *ret_fd)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *ext;
	} kinds[] = {
		{ "\x1f\x8b", 2, ".tar.gz" },
		{ "\xfd"
		  "7zXZ\x00",
		  6, ".tar.xz" },
		{ "BZh", 3, ".tar.bz2" },
		{ "\x28\xb5\x2f\xfd", 4, ".tar.zst" },
		{ "\x04\x22\x4d\x18", 4, ".tar.lz4" },
		{ "\x5d\x00\x00", 3, ".tar.lzma" },
	};
	__do_close int dfd = img_open_images_dir();
	__do_close int fd = -EBADF;
	unsigned char head[8] = { 0 };
	const char *ext = ".tar";
	ssize_t n;

	if (dfd < 0)
		return dfd;
	if (!img_fingerprint_valid(fp, 64))
		return -ENOENT;
	fd = openat(dfd, fp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if ((size_t)n >= kinds[i].len && memcmp(head, kinds[i].magic, kinds[i].len) == 0) {
			ext = kinds[i].ext;
			break;
		}
	*ret_ext = ext;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int img_profiles_exist(json_object *profiles, const char **missing)
{
	sqlite3 *db = fe_db_lock();

	for (size_t i = 0; i < json_object_array_length(profiles); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(profiles, i));

		if (!img_db_exists(db, "SELECT 1 FROM profiles WHERE name = ?;", name)) {
			fe_db_unlock();
			*missing = name;
			return -ENOENT;
		}
	}
	fe_db_unlock();
	return 0;
}

int img_update(const struct lxd_image *img)
{
	sqlite3 *db = fe_db_lock();
	const char *props = json_object_to_json_string_ext(img->properties, DB_JSON);
	const char *profiles = json_object_to_json_string_ext(img->profiles, DB_JSON);
	const char *p[] = { img->public ? "1" : "0",
			    img->auto_update ? "1" : "0",
			    props,
			    profiles,
			    img->expires_at[0] ? img->expires_at : NULL,
			    img->fingerprint };
	int changes = 0;
	int r = img_db_run(db,
			   "UPDATE images SET public = ?1, auto_update = ?2, properties = ?3,"
			   " profiles = ?4, expires_at = coalesce(?5, expires_at)"
			   " WHERE fingerprint = ?6;",
			   6, p, &changes);

	fe_db_unlock();
	if (r < 0)
		return r;
	return changes == 1 ? 0 : -ENOENT;
}

/* ---- aliases ------------------------------------------------------------------ */

/* The alias of a row (name, fingerprint, description, type). */
static int read_alias(sqlite3_stmt *st, struct lxd_image_alias *ret)
{
	struct lxd_image_alias a = { 0 };

	a.description = col_dup(st, 2);
	a.target = col_dup(st, 1);
	a.name = col_dup(st, 0);
	a.type = col_dup(st, 3);
	if (!a.description || !a.target || !a.name || !a.type) {
		lxd_free(&lxd_image_alias_type, &a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

int img_alias_list(bool recursion, json_object **ret_list)
{
	json_object *a = json_object_new_array();
	sqlite3_stmt *st;
	sqlite3 *db = fe_db_lock();

	if (sqlite3_prepare_v2(db,
			       "SELECT name, fingerprint, description, type FROM image_aliases"
			       " ORDER BY name;",
			       -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		json_object_put(a);
		return -EIO;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (recursion) {
			struct lxd_image_alias al;

			if (read_alias(st, &al) == 0) {
				json_object_array_add(
					a, lxd_render(&lxd_image_alias_type, &al, NULL, 0));
				lxd_free(&lxd_image_alias_type, &al);
			}
		} else {
			__do_free char *url = NULL;

			if (asprintf(&url, "/1.0/images/aliases/%s", col_text(st, 0)) < 0)
				url = NULL;
			json_object_array_add(a, json_object_new_string(url ? url : ""));
		}
	}
	sqlite3_finalize(st);
	fe_db_unlock();
	*ret_list = a;
	return 0;
}

int img_alias_load(const char *name, struct lxd_image_alias *ret)
{
	sqlite3_stmt *st;
	sqlite3 *db = fe_db_lock();
	int r = -ENOENT;

	if (sqlite3_prepare_v2(db,
			       "SELECT name, fingerprint, description, type FROM image_aliases"
			       " WHERE name = ?;",
			       -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = read_alias(st, ret);
	sqlite3_finalize(st);
	fe_db_unlock();
	return r;
}

int img_alias_create(const char *name, const char *description, const char *fp, const char *type)
{
	sqlite3 *db = fe_db_lock();
	const char *p[] = { name, fp, description, type };
	int changes = 0, r;

	if (img_db_exists(db, "SELECT 1 FROM image_aliases WHERE name = ?;", name)) {
		fe_db_unlock();
		return -EEXIST;
	}
	/* an empty type becomes the image's */
	r = img_db_run(db,
		       "INSERT INTO image_aliases (name, fingerprint, description, type)"
		       " SELECT ?1, fingerprint, ?3, CASE WHEN ?4 = '' THEN type ELSE ?4 END"
		       " FROM images WHERE fingerprint = ?2;",
		       4, p, &changes);
	if (r >= 0 && changes != 1)
		r = -ENOENT;
	fe_db_unlock();
	return r < 0 ? r : 0;
}

int img_alias_rename(const char *name, const char *new_name)
{
	sqlite3 *db = fe_db_lock();
	const char *p[] = { new_name, name };
	int changes = 0, r;

	if (!img_db_exists(db, "SELECT 1 FROM image_aliases WHERE name = ?;", name)) {
		fe_db_unlock();
		return -ENOENT;
	}
	if (img_db_exists(db, "SELECT 1 FROM image_aliases WHERE name = ?;", new_name)) {
		fe_db_unlock();
		return -EEXIST;
	}
	r = img_db_run(db, "UPDATE image_aliases SET name = ?1 WHERE name = ?2;", 2, p, &changes);
	fe_db_unlock();
	if (r < 0)
		return r;
	return changes == 1 ? 0 : -ENOENT;
}

int img_alias_update(const char *name, const char *fp, const char *description)
{
	sqlite3 *db = fe_db_lock();
	const char *p[] = { fp, description, name };
	int changes = 0;
	int r = img_db_run(
		db, "UPDATE image_aliases SET fingerprint = ?1, description = ?2 WHERE name = ?3;",
		3, p, &changes);

	fe_db_unlock();
	if (r < 0)
		return r;
	return changes == 1 ? 0 : -ENOENT;
}

int img_alias_delete(const char *name)
{
	sqlite3 *db = fe_db_lock();
	const char *p[] = { name };
	int changes = 0;
	int r = img_db_run(db, "DELETE FROM image_aliases WHERE name = ?;", 1, p, &changes);

	fe_db_unlock();
	if (r < 0)
		return r;
	return changes == 1 ? 0 : -ENOENT;
}
