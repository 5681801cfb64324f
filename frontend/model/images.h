/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image store of moatd-api (unprivileged, uid moat, seccomp): unified
 * image tarballs kept as $MOAT_DIR/images/<sha256>, one database row each.
 * The parsers here read untrusted bytes (an uploaded tarball and the
 * metadata.yaml inside it) and are pure: bytes in, struct out, no I/O
 * beyond the archive handle they are given. Nothing is ever unpacked here;
 * the scan only decides whether the tarball is safe to hand to moatd's
 * confined unpacker later.
 *
 *   image_meta.c   metadata.yaml (libyaml) -> struct img_meta
 *   image_tar.c    tarball (libarchive) -> checks + struct img_meta
 *   images.c       the store: database rows, aliases, files
 *   image_upload.c uploads into the store
 *   api/images.c   /1.0/images and /1.0/images/aliases (LXD-API.md §15),
 *                  and the sink that streams an upload's body here
 */
#ifndef MOAT_IMAGES_H
#define MOAT_IMAGES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lxd/objects.h"

struct archive;

static inline void img_json_putp(json_object **o)
{
	json_object_put(*o);
}
/* A json-c reference dropped when the variable leaves scope (like cleanup.h's). */
#define __do_json __attribute__((cleanup(img_json_putp)))

/* Room for one error message, which names the problem and the member. */
#define IMG_ERR_MAX 1024

/* metadata.yaml is read into memory: at most this many bytes. */
#define IMG_META_MAX (1024 * 1024)

/* Members in one tarball, and paths (members and implied directories) remembered. */
#define IMG_SCAN_MAX_MEMBERS 1000000
#define IMG_SCAN_MAX_PATHS 2000000

/* Decompressed bytes a scan reads before it gives up (decompression bombs). */
#define IMG_SCAN_MAX_UNPACKED (32ULL * 1024 * 1024 * 1024)

/* Longest member name, symlink or hardlink target, template path. */
#define IMG_PATH_MAX 4096

/*
 * Largest upload accepted by POST /1.0/images. A build may lower it
 * (-DIMG_UPLOAD_MAX=...); moatd has no switch for it.
 */
#ifndef IMG_UPLOAD_MAX
#define IMG_UPLOAD_MAX (8ULL * 1024 * 1024 * 1024)
#endif

/* ---- metadata.yaml (image_meta.c) ------------------------------------------ */

/*
 * What metadata.yaml says. `properties` is a JSON object of strings.
 * `templates` is a JSON object keyed by the absolute target path inside
 * the instance, each value
 *   {"when":["create","copy"],"create_only":false,"template":"hostname.tpl",
 *    "properties":{"k":"v"}}
 * where "template" names a regular file templates/<template> of the same
 * tarball (checked by the scanner). This is what images.templates stores.
 */
struct img_meta {
	char architecture[32]; /* as written (LXD keeps it so); see img_arch_canonical() */
	int64_t creation_date; /* unix seconds, > 0 */
	int64_t expiry_date;   /* unix seconds, 0 = none */
	json_object *properties;
	json_object *templates;
};

void img_meta_done(struct img_meta *m);

/*
 * Parse metadata.yaml. On failure returns -EINVAL (or -ENOMEM) and writes
 * a message to err; ret_meta is written only on success.
 */
int img_meta_parse(const char *data, size_t len, struct img_meta *ret_meta,
		   char err[static IMG_ERR_MAX]);

/*
 * A string from the input made safe for an error message: printable ASCII
 * as is, '"', '\\' and every other byte as \xNN, cut after 120 bytes ("...").
 */
#define IMG_QUOTE_MAX 512
const char *img_quote(const char *s, char buf[static IMG_QUOTE_MAX]);

/* LXD's canonical name for an architecture or one of its aliases ("amd64"), or NULL. */
const char *img_arch_canonical(const char *arch);

/* An absolute, clean path: "/a/b", no "." or ".." or empty component, no control byte. */
bool img_target_path_valid(const char *p);

/* A clean relative path: "a" or "a/b", no "." or ".." or empty component, no control byte. */
bool img_relative_path_valid(const char *p);

/* ---- the tarball scan (image_tar.c) ----------------------------------------- */

/*
 * Scan a tarball already opened for reading (archive_read_open_*), to its
 * end, refusing anything unsafe (see image_tar.c), and parse its
 * metadata.yaml. On failure returns a negative errno and writes err.
 */
int img_scan_archive(struct archive *a, struct img_meta *ret_meta, char err[static IMG_ERR_MAX]);

/* The same from memory (fuzzing, tests) or from a descriptor (the store). */
int img_scan_memory(const void *data, size_t len, struct img_meta *ret_meta,
		    char err[static IMG_ERR_MAX]);
int img_scan_fd(int fd, struct img_meta *ret_meta, char err[static IMG_ERR_MAX]);

/* ---- the store (images.c; uploads: image_upload.c) ------------------------------ */

/* "a=b&c=d%20e" (URL query encoding) into a JSON object of strings; -EINVAL if malformed. */
int img_parse_query(const char *s, json_object **ret_map);

/*
 * Alias names: 1 to IMG_ALIAS_NAME_MAX bytes of UTF-8, no control byte, no
 * '/' (a name is one path segment of /1.0/images/aliases/<name>), not "."
 * or "..".
 */
#define IMG_ALIAS_NAME_MAX 255
bool img_alias_name_valid(const char *s);
/* Printable UTF-8: no control byte (C0, DEL), valid encoding, at most max bytes (names, profiles'). */
bool img_text_valid(const char *s, size_t max);

/* Descriptions: valid UTF-8, at most IMG_DESCRIPTION_MAX bytes. */
#define IMG_DESCRIPTION_MAX 4096
bool img_description_valid(const char *s);
/* The same with another limit (property values). */
bool img_description_valid_len(const char *s, size_t max);

/*
 * Uploads for POST /1.0/images (api/images.c streams the body here):
 * begin, write every chunk, end, then import in the operation. Each
 * answers 0 or a negative errno with the message in err: -EINVAL (a bad
 * header) and -ENOENT (a missing profile) are the client's, -EFBIG is a
 * body over the cap, anything else is the store's.
 */
struct img_upload;
/* The X-LXD-* headers of an upload as the client sent them (NULL: absent). */
struct img_upload_headers {
	const char *filename, *public, *properties, *profiles, *fingerprint;
};
/*
 * A new upload into a temporary file ".upload-<uuid>" in the directory dfd
 * (taken, also on failure), refusing bodies over cap bytes.
 */
int img_upload_new(int dfd, uint64_t cap, struct img_upload **ret_upload);
/* A new upload into the store (IMG_UPLOAD_MAX), described by the headers. */
int img_upload_begin(const struct img_upload_headers *h, struct img_upload **ret_upload,
		     char err[static IMG_ERR_MAX]);
/* Append and hash; -EFBIG past the cap. */
int img_upload_write(struct img_upload *u, const void *data, size_t len,
		     char err[static IMG_ERR_MAX]);
/* The body is complete: its fingerprint is known. */
void img_upload_end(struct img_upload *u);
/*
 * The "Downloading image" operation's work: scan the file and add it to
 * the store. *ret_metadata is {"fingerprint","size"} once the fingerprint
 * is known (also for a duplicate, as LXD), else NULL. The temporary file
 * is gone afterwards, whatever the answer.
 */
int img_upload_import(struct img_upload *u, json_object **ret_metadata,
		      char err[static IMG_ERR_MAX]);
void img_upload_free(void *u);

/* A fingerprint or a unique prefix of one (hex) to the full fingerprint; -ENOENT otherwise. */
int img_resolve(const char *prefix, char ret_fp[static 65]);

/* The image (LXD-API.md §15), aliases included; -ENOENT if absent. lxd_free() it. */
int img_load(const char *fp, struct lxd_image *ret);

/* A JSON array: image URLs, or image objects with recursion. */
int img_list_json(bool recursion, json_object **ret_list);

/* Remove the row (its aliases go with it), then the file. */
int img_delete(const char *fp);

/*
 * The stored file of an image, opened read-only, and the extension its
 * compression gives it (".tar.gz", ".tar.xz", ... or ".tar").
 */
int img_open_file(const char *fp, const char **ret_ext, int *ret_fd);

/* Every name in the array is a profile; if not, -ENOENT and the first missing one. */
int img_profiles_exist(json_object *profiles, const char **missing);

/*
 * Write back what PUT /1.0/images/<fp> changes: public, auto_update,
 * properties, profiles and expires_at ("" keeps the stored one).
 */
int img_update(const struct lxd_image *img);

/* Aliases: -ENOENT (alias, or target image), -EEXIST (name taken). */
int img_alias_list(bool recursion, json_object **ret_list);
int img_alias_load(const char *name, struct lxd_image_alias *ret);
/* An empty type becomes the image's type. */
int img_alias_create(const char *name, const char *description, const char *fp, const char *type);
int img_alias_rename(const char *name, const char *new_name);
int img_alias_update(const char *name, const char *fp, const char *description);
int img_alias_delete(const char *name);

#endif
