// SPDX-License-Identifier: Apache-2.0
/*
 * Image uploads into the store of moatd-api (unprivileged, uid moat,
 * seccomp): streamed to $MOAT_DIR/images/.upload-<uuid> while hashed,
 * scanned (image_tar.c), then renamed to images/<sha256> in the same
 * database transaction that adds the row (images.c has the rows). Upload
 * bytes and X-LXD-* headers are untrusted; they reach sqlite only as bound
 * parameters. The database and the images/ directory are this process's own.
 *
 * Invariants: no row without its file (the file is renamed into place
 * before the row's transaction commits); temporary files are removed on
 * every failure path, and any left by a frontend that died are removed
 * before this one's first upload.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "db/db.h"
#include "log.h"
#include "model/config.h"
#include "model/images.h"

#include "images_int.h"

struct img_upload {
	int dfd; /* $MOAT_DIR/images */
	int fd;  /* the temporary file, read-write */
	char tmpname[64];
	gnutls_hash_hd_t hash;
	bool hashing;
	uint64_t size, cap;
	char *filename;
	bool public;
	json_object *properties; /* X-LXD-properties, or NULL */
	json_object *profiles;   /* array of names */
	char expect[65];         /* X-LXD-fingerprint, lowercased; "" if absent */
	char fp[65];
};

/* ---- small helpers ------------------------------------------------------------- */

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static void unix_time_format(int64_t t, char ret_time[static 64])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(ret_time, 64, "1970-01-01T00:00:00Z");
		return;
	}
	snprintf(ret_time, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* X-LXD-public: the config schema's bool (LXD's IsTrue). */
static bool is_true(const char *s)
{
	struct fe_value v;

	return s && fe_parse_bool(NULL, s, &v) == 0 && v.b;
}

/* ---- uploads -------------------------------------------------------------------- */

/* Temporary files of a frontend that died mid-upload; run once, before the first upload. */
static pthread_once_t stale_once = PTHREAD_ONCE_INIT;

static void remove_stale_uploads(void)
{
	int dfd = img_open_images_dir();
	DIR *d;
	struct dirent *e;

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((e = readdir(d)))
		if (strncmp(e->d_name, ".upload-", 8) == 0 && unlinkat(dirfd(d), e->d_name, 0) == 0)
			log_info("removed a stale upload \"%s\"", e->d_name);
	closedir(d);
}

/* Drop the temporary file and descriptors now, not when the finished operation is freed. */
static void upload_release(struct img_upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -EBADF;
	if (u->tmpname[0] && u->dfd >= 0)
		unlinkat(u->dfd, u->tmpname, 0);
	u->tmpname[0] = '\0';
	if (u->dfd >= 0)
		close(u->dfd);
	u->dfd = -EBADF;
}

void img_upload_free(void *p)
{
	struct img_upload *u = p;

	if (!u)
		return;
	if (u->hashing)
		gnutls_hash_deinit(u->hash, NULL);
	upload_release(u);
	free(u->filename);
	json_object_put(u->properties);
	json_object_put(u->profiles);
	free(u);
}

static int header_error(char err[static IMG_ERR_MAX], const char *name)
{
	snprintf(err, IMG_ERR_MAX, "Invalid %s header", name);
	return -EINVAL;
}

/* Read the X-LXD-* headers into u: -EINVAL (a bad header), -ENOENT (a missing profile). */
static int upload_headers(const struct img_upload_headers *h, struct img_upload *u,
			  char err[static IMG_ERR_MAX])
{
	const char *v;
	const char *missing = NULL;
	int r;

	v = h->filename;
	if (v && (!img_text_valid(v, 255) || strchr(v, '/')))
		return header_error(err, "X-LXD-filename");
	u->filename = strdup(v ? v : "");
	if (!u->filename)
		return -ENOMEM;
	u->public = is_true(h->public);

	v = h->properties;
	if (v) {
		r = img_parse_query(v, &u->properties);
		if (r < 0)
			return r == -ENOMEM ? r : header_error(err, "X-LXD-properties");
	}

	u->profiles = json_object_new_array();
	if (!u->profiles)
		return -ENOMEM;
	v = h->profiles;
	if (v) {
		/* profile=a&profile=b: every value of "profile", in order */
		for (const char *s = v; *s;) {
			size_t n = strcspn(s, "&");
			__do_free char *item = NULL;
			json_object *kv = NULL;

			item = strndup(s, n);
			if (!item)
				return -ENOMEM;
			if (n > 0) {
				r = img_parse_query(item, &kv);
				if (r < 0)
					return r == -ENOMEM ? r
							    : header_error(err, "X-LXD-profiles");
				json_object_object_foreach(kv, key, val)
				{
					if (strcmp(key, "profile") != 0 ||
					    !img_text_valid(json_object_get_string(val), 255)) {
						json_object_put(kv);
						return header_error(err, "X-LXD-profiles");
					}
					json_object_array_add(u->profiles, json_object_get(val));
				}
				json_object_put(kv);
			}
			s += n;
			if (*s == '&')
				s++;
		}
	}
	if (json_object_array_length(u->profiles) == 0)
		json_object_array_add(u->profiles, json_object_new_string("default"));
	if (img_profiles_exist(u->profiles, &missing) < 0) {
		snprintf(err, IMG_ERR_MAX, "Profile '%s' doesn't exist", missing);
		return -ENOENT;
	}

	v = h->fingerprint;
	if (v && *v) {
		if (!img_fingerprint_valid(v, 64))
			return header_error(err, "X-LXD-fingerprint");
		for (size_t i = 0; i < 64; i++)
			u->expect[i] = (char)(v[i] >= 'A' && v[i] <= 'F' ? v[i] + 32 : v[i]);
		u->expect[64] = '\0';
	}
	return 0;
}

int img_upload_new(int dfd, uint64_t cap, struct img_upload **ret_upload)
{
	struct img_upload *u = calloc(1, sizeof(*u));
	char uuid[37];
	int r;

	if (!u) {
		close(dfd);
		return -ENOMEM;
	}
	u->dfd = dfd;
	u->cap = cap;
	fe_uuid(uuid);
	snprintf(u->tmpname, sizeof(u->tmpname), ".upload-%s", uuid);
	u->fd = openat(u->dfd, u->tmpname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		       0600);
	if (u->fd < 0) {
		r = -errno;
		u->tmpname[0] = '\0';
		img_upload_free(u);
		return r;
	}
	if (gnutls_hash_init(&u->hash, GNUTLS_DIG_SHA256) < 0) {
		img_upload_free(u);
		return -EIO;
	}
	u->hashing = true;
	*ret_upload = u;
	return 0;
}

/* A failure of the store must not read as the client's (-EINVAL, -ENOENT) or the cap's. */
static int store_errno(int r)
{
	return r == -EINVAL || r == -ENOENT || r == -EFBIG ? -EIO : r;
}

int img_upload_begin(const struct img_upload_headers *h, struct img_upload **ret_upload,
		     char err[static IMG_ERR_MAX])
{
	struct img_upload *u;
	int dfd, r;

	pthread_once(&stale_once, remove_stale_uploads);
	dfd = img_open_images_dir();
	if (dfd < 0) {
		snprintf(err, IMG_ERR_MAX, "Cannot open the image store: %s", strerror(-dfd));
		return store_errno(dfd);
	}
	r = img_upload_new(dfd, IMG_UPLOAD_MAX, &u);
	if (r < 0) {
		snprintf(err, IMG_ERR_MAX, "Cannot store the upload: %s", strerror(-r));
		return store_errno(r);
	}
	r = upload_headers(h, u, err);
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(err, IMG_ERR_MAX, "Out of memory");
		img_upload_free(u);
		return r;
	}
	*ret_upload = u;
	return 0;
}

int img_upload_write(struct img_upload *u, const void *data, size_t len,
		     char err[static IMG_ERR_MAX])
{
	const char *p = data;

	if (len > u->cap - u->size) {
		snprintf(err, IMG_ERR_MAX, "Image upload larger than %llu bytes",
			 (unsigned long long)u->cap);
		return -EFBIG;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = write(u->fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			snprintf(err, IMG_ERR_MAX, "Cannot store the upload: %s", strerror(-r));
			return store_errno(r);
		}
		done += (size_t)n;
	}
	if (gnutls_hash(u->hash, p, len) < 0) {
		snprintf(err, IMG_ERR_MAX, "Cannot hash the upload");
		return -EIO;
	}
	u->size += len;
	return 0;
}

/*
 * Add the row and move the file into place, in one transaction: -EEXIST if
 * the image is already there. The file is renamed before COMMIT, so a
 * committed row always has its file.
 */
static int commit_upload(struct img_upload *u, const struct img_meta *m, json_object *properties)
{
	char created[64], expires[64], uploaded[64], size[32];
	struct timespec now;
	const char *p[12];
	sqlite3 *db;
	int r;

	unix_time_format(m->creation_date, created);
	unix_time_format(m->expiry_date, expires);
	clock_gettime(CLOCK_REALTIME, &now);
	fe_time_format(&now, uploaded);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)u->size);
	p[0] = u->fp;
	p[1] = u->filename;
	p[2] = size;
	p[3] = u->public ? "1" : "0";
	p[4] = m->architecture;
	p[5] = created;
	p[6] = expires;
	p[7] = uploaded;
	p[8] = json_object_to_json_string_ext(properties, DB_JSON);
	p[9] = json_object_to_json_string_ext(u->profiles, DB_JSON);
	p[10] = json_object_to_json_string_ext(m->templates, DB_JSON);

	if (fsync(u->fd) < 0)
		return -errno;
	db = fe_db_lock();
	r = fe_db_exec_locked("BEGIN IMMEDIATE;");
	if (r == 0 && img_db_exists(db, "SELECT 1 FROM images WHERE fingerprint = ?;", u->fp))
		r = -EEXIST;
	if (r == 0)
		r = img_db_run(
			db,
			"INSERT INTO images (fingerprint, filename, size, public, auto_update,"
			" architecture, type, created_at, expires_at, uploaded_at, properties,"
			" profiles, templates) VALUES (?1, ?2, CAST(?3 AS INTEGER),"
			" CAST(?4 AS INTEGER), 0, ?5, 'container', ?6, ?7, ?8, ?9, ?10, ?11);",
			11, p, NULL);
	if (r >= 0 && renameat(u->dfd, u->tmpname, u->dfd, u->fp) < 0)
		r = -errno;
	else if (r >= 0)
		u->tmpname[0] = '\0';
	if (r >= 0) {
		r = fe_db_exec_locked("COMMIT;");
		if (r < 0)
			unlinkat(u->dfd, u->fp, 0);
	}
	if (r < 0)
		fe_db_exec_locked("ROLLBACK;");
	fe_db_unlock();
	if (r >= 0)
		fsync(u->dfd);
	return r < 0 ? r : 0;
}

static json_object *upload_result(const struct img_upload *u)
{
	json_object *md = json_object_new_object();
	char size[32];

	snprintf(size, sizeof(size), "%llu", (unsigned long long)u->size);
	json_object_object_add(md, "fingerprint", json_object_new_string(u->fp));
	json_object_object_add(md, "size", json_object_new_string(size));
	return md;
}

static bool image_exists(const char *fp)
{
	sqlite3 *db = fe_db_lock();
	bool found = img_db_exists(db, "SELECT 1 FROM images WHERE fingerprint = ?;", fp);

	fe_db_unlock();
	return found;
}

/* The upload into the store: 0, or a negative errno with err (and the metadata, if any). */
static int upload_import(struct img_upload *u, json_object **ret_metadata,
			 char err[static IMG_ERR_MAX])
{
	struct img_meta meta;
	json_object *props;
	int r;

	if (u->expect[0] && strcmp(u->expect, u->fp) != 0) {
		snprintf(err, IMG_ERR_MAX, "fingerprints don't match, got %s expected %s", u->fp,
			 u->expect);
		return -EINVAL;
	}
	/* LXD reports the fingerprint of a duplicate too */
	if (image_exists(u->fp)) {
		*ret_metadata = upload_result(u);
		snprintf(err, IMG_ERR_MAX, "Image with same fingerprint already exists");
		return -EEXIST;
	}
	if (lseek(u->fd, 0, SEEK_SET) < 0) {
		r = -errno;
		snprintf(err, IMG_ERR_MAX, "Cannot read the upload: %s", strerror(-r));
		return r;
	}
	r = img_scan_fd(u->fd, &meta, err);
	if (r < 0) {
		if (!err[0])
			snprintf(err, IMG_ERR_MAX, "%s", strerror(-r));
		return r;
	}

	/* X-LXD-properties override metadata.yaml's */
	props = json_object_get(meta.properties);
	if (u->properties) {
		json_object_object_foreach(u->properties, k, v)
		{
			json_object_object_add(props, k, json_object_get(v));
		}
	}
	r = commit_upload(u, &meta, props);
	json_object_put(props);
	img_meta_done(&meta);
	if (r == -EEXIST) {
		*ret_metadata = upload_result(u);
		snprintf(err, IMG_ERR_MAX, "Image with same fingerprint already exists");
		return r;
	}
	if (r < 0) {
		snprintf(err, IMG_ERR_MAX, "Cannot add the image to the store: %s", strerror(-r));
		return r;
	}
	log_info("image %s imported (%llu bytes)", u->fp, (unsigned long long)u->size);
	*ret_metadata = upload_result(u);
	return 0;
}

int img_upload_import(struct img_upload *u, json_object **ret_metadata,
		      char err[static IMG_ERR_MAX])
{
	int r;

	*ret_metadata = NULL;
	err[0] = '\0';
	r = upload_import(u, ret_metadata, err);
	upload_release(u);
	return r;
}

void img_upload_end(struct img_upload *u)
{
	uint8_t d[32];

	gnutls_hash_deinit(u->hash, d);
	u->hashing = false;
	hex(d, sizeof(d), u->fp);
}
