// SPDX-License-Identifier: Apache-2.0
/*
 * The scan of a unified image tarball before the store accepts it. Runs in
 * moatd-api (unprivileged, seccomp) on an uploaded file: every byte is
 * untrusted. It reads the whole archive with libarchive (tar formats only;
 * gzip, bzip2, xz, lzma, zstd or lz4, all built into libarchive, so no
 * helper program is ever started), unpacks nothing, and refuses:
 *
 *  - a member name that is empty, absolute, longer than IMG_PATH_MAX, or
 *    has an empty, "." or ".." component (a leading "./" is accepted);
 *  - a symlink anywhere but strictly inside rootfs/ (its target may be
 *    anything: it resolves inside the container later), and any member
 *    whose path goes through an earlier symlink or non-directory;
 *  - a hardlink outside rootfs/, or whose target is not a regular file
 *    met earlier inside rootfs/;
 *  - a path met twice unless both times as a directory (this covers
 *    "rootfs/" then a "rootfs" symlink, and a file then a directory);
 *  - rootfs, templates, or a directory implied by a member, not being a
 *    directory; metadata.yaml not being a regular file or over
 *    IMG_META_MAX; device nodes, fifos and sockets outside rootfs/
 *    (inside they are allowed: the unpacker skips them);
 *  - no metadata.yaml, no rootfs/, a metadata.yaml the parser refuses, or
 *    a template whose source templates/<name> is not a regular file;
 *  - more than IMG_SCAN_MAX_MEMBERS members or IMG_SCAN_MAX_UNPACKED
 *    decompressed bytes.
 *
 * Paths seen are remembered as 64-bit keyed hashes (SipHash-2-4, random
 * key per scan) with their kind, not as strings, so memory stays small for
 * large images. A collision can only make two different paths look like
 * one: that refuses an image (a "type change" or "twice"), it can never
 * accept a member that a string table would refuse, because every check
 * that guards an escape (absolute, "..", symlink placement, hardlink
 * target prefix) is done on the name itself.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cleanup.h"
#include "model/images.h"

enum kind { K_NONE = 0, K_DIR = 1, K_FILE = 2, K_SYMLINK = 3, K_OTHER = 4 };

/* ---- SipHash-2-4 (Aumasson and Bernstein), 64-bit output ------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- the set of paths seen: open addressing, (hash & ~7) | kind per slot ----------- */

struct pathset {
	uint64_t key[2];
	uint64_t *slot;
	size_t cap, used; /* cap is a power of two */
};

static int set_init(struct pathset *s)
{
	if (getrandom(s->key, sizeof(s->key), GRND_NONBLOCK) != (ssize_t)sizeof(s->key)) {
		/* a fixed key only weakens the defence against crafted collisions */
		s->key[0] = 0x0123456789abcdefULL;
		s->key[1] = (uint64_t)(uintptr_t)s;
	}
	s->cap = 1024;
	s->used = 0;
	s->slot = calloc(s->cap, sizeof(*s->slot));
	return s->slot ? 0 : -ENOMEM;
}

static uint64_t set_hash(const struct pathset *s, const char *p, size_t len)
{
	uint64_t h = siphash(s->key, p, len) & ~7ULL;

	return h ? h : 8; /* 0 marks an empty slot */
}

static uint64_t *set_find(const struct pathset *s, uint64_t h)
{
	size_t i = (size_t)(h >> 3) & (s->cap - 1);

	while (s->slot[i] != 0 && (s->slot[i] & ~7ULL) != h)
		i = (i + 1) & (s->cap - 1);
	return &s->slot[i];
}

static enum kind set_get(const struct pathset *s, const char *p, size_t len)
{
	return (enum kind)(*set_find(s, set_hash(s, p, len)) & 7);
}

static int set_grow(struct pathset *s)
{
	struct pathset n = *s;

	n.cap = s->cap * 2;
	n.slot = calloc(n.cap, sizeof(*n.slot));
	if (!n.slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			*set_find(&n, s->slot[i] & ~7ULL) = s->slot[i];
	free(s->slot);
	*s = n;
	return 0;
}

/* Record p as kind k; the caller has checked it is absent. */
static int set_put(struct pathset *s, const char *p, size_t len, enum kind k)
{
	uint64_t h;

	if (s->used >= IMG_SCAN_MAX_PATHS)
		return -E2BIG;
	if ((s->used + 1) * 2 > s->cap && set_grow(s) < 0)
		return -ENOMEM;
	h = set_hash(s, p, len);
	*set_find(s, h) = h | (uint64_t)k;
	s->used++;
	return 0;
}

/* ---- the scan ------------------------------------------------------------------ */

struct scan {
	struct pathset seen;
	char *err;
	char *meta;
	size_t meta_len;
	bool have_meta, have_rootfs;
	unsigned long members;
};

static int __attribute__((format(printf, 3, 4)))
refuse(struct scan *sc, const char *member, const char *fmt, ...)
{
	char q[IMG_QUOTE_MAX];
	va_list ap;
	int n = 0;

	if (member)
		n = snprintf(sc->err, IMG_ERR_MAX, "Image member \"%s\": ", img_quote(member, q));
	if (n < 0 || n >= IMG_ERR_MAX - 1)
		return -EINVAL; /* cut: the name alone filled the message */
	va_start(ap, fmt);
	vsnprintf(sc->err + n, IMG_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * A member name made clean, into out: leading "./" dropped, one trailing
 * '/' dropped. Returns 1 for the archive's top directory itself ("." or
 * "./"), 0 for a clean name, or -EINVAL (why in *ret_why).
 */
static int clean_name(const char *raw, char out[static IMG_PATH_MAX], const char **ret_why)
{
	const char *p = raw;
	size_t n;

	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/')
			p++;
	}
	if (strcmp(p, ".") == 0 || (*p == '\0' && p != raw))
		return 1;
	if (*raw == '/') {
		*ret_why = "absolute path";
		return -EINVAL;
	}
	n = strlen(p);
	if (n == 0) {
		*ret_why = "empty name";
		return -EINVAL;
	}
	if (n >= IMG_PATH_MAX) {
		*ret_why = "name too long";
		return -EINVAL;
	}
	memcpy(out, p, n + 1);
	if (out[n - 1] == '/')
		out[--n] = '\0';
	for (char *c = out;;) {
		size_t l = strcspn(c, "/");

		if (l == 2 && c[0] == '.' && c[1] == '.') {
			*ret_why = "\"..\" in the path";
			return -EINVAL;
		}
		if (l == 0 || (l == 1 && c[0] == '.')) {
			*ret_why = "empty or \".\" component in the path";
			return -EINVAL;
		}
		if (c[l] == '\0')
			break;
		c += l + 1;
	}
	return 0;
}

static bool under(const char *path, const char *top)
{
	size_t n = strlen(top);

	return strncmp(path, top, n) == 0 && path[n] == '/';
}

/* Every proper prefix of path must be a directory: recorded as one, or recorded now. */
static int check_parents(struct scan *sc, const char *raw, const char *path)
{
	for (const char *c = strchr(path, '/'); c; c = strchr(c + 1, '/')) {
		size_t len = (size_t)(c - path);
		enum kind k = set_get(&sc->seen, path, len);
		int r;

		if (k == K_DIR)
			continue;
		if (k == K_SYMLINK)
			return refuse(sc, raw, "its path goes through a symlink");
		if (k != K_NONE)
			return refuse(sc, raw, "its path goes through a non-directory");
		r = set_put(&sc->seen, path, len, K_DIR);
		if (r < 0)
			return r == -E2BIG ? refuse(sc, NULL, "Image has too many paths") : r;
	}
	return 0;
}

static int read_metadata(struct archive *a, struct archive_entry *e, struct scan *sc)
{
	char *buf;
	size_t len = 0;

	if (archive_entry_size_is_set(e) && archive_entry_size(e) > IMG_META_MAX)
		return refuse(sc, "metadata.yaml", "larger than %d bytes", IMG_META_MAX);
	buf = malloc(IMG_META_MAX + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf + len, IMG_META_MAX + 1 - len);

		if (n < 0) {
			const char *why = archive_error_string(a);

			refuse(sc, "metadata.yaml", "cannot read: %s", why ? why : "read error");
			free(buf);
			return -EINVAL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > IMG_META_MAX) {
			free(buf);
			return refuse(sc, "metadata.yaml", "larger than %d bytes", IMG_META_MAX);
		}
	}
	sc->meta = buf;
	sc->meta_len = len;
	return 0;
}

static enum kind kind_of(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return K_FILE;
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return K_FILE;
	case AE_IFDIR:
		return K_DIR;
	case AE_IFLNK:
		return K_SYMLINK;
	default:
		return K_OTHER;
	}
}

static int check_member(struct archive *a, struct archive_entry *e, struct scan *sc)
{
	const char *raw = archive_entry_pathname(e);
	const char *hl = archive_entry_hardlink(e);
	const char *why = NULL;
	char path[IMG_PATH_MAX];
	enum kind k = kind_of(e), was;
	bool in_rootfs;
	int r;

	if (!raw)
		return refuse(sc, NULL, "Image has a member without a name");
	r = clean_name(raw, path, &why);
	if (r < 0)
		return refuse(sc, raw, "%s", why);
	if (r == 1)
		return k == K_DIR ? 0 : refuse(sc, raw, "the top directory must be a directory");
	in_rootfs = under(path, "rootfs");

	if (strcmp(path, "metadata.yaml") == 0) {
		if (k != K_FILE || hl || archive_entry_filetype(e) != AE_IFREG)
			return refuse(sc, raw, "must be a regular file");
	} else if (strcmp(path, "rootfs") == 0 || strcmp(path, "templates") == 0) {
		if (k != K_DIR)
			return refuse(sc, raw, "must be a directory");
	} else if (under(path, "templates")) {
		if (hl || (k != K_FILE && k != K_DIR))
			return refuse(sc, raw,
				      "only regular files and directories may be in templates/");
	} else if (!in_rootfs) {
		if (hl || (k != K_FILE && k != K_DIR))
			return refuse(sc, raw,
				      "links and special files are only allowed inside rootfs/");
	}

	if (k == K_SYMLINK) {
		const char *target = archive_entry_symlink(e);

		if (!target || !*target)
			return refuse(sc, raw, "symlink without a target");
		if (strlen(target) >= IMG_PATH_MAX)
			return refuse(sc, raw, "symlink target too long");
	}
	if (hl) {
		char tpath[IMG_PATH_MAX];

		r = clean_name(hl, tpath, &why);
		if (r != 0)
			return refuse(sc, raw, "hardlink target: %s",
				      r < 0 ? why : "the top directory");
		if (!under(tpath, "rootfs"))
			return refuse(sc, raw, "hardlink target leaves rootfs/");
		if (set_get(&sc->seen, tpath, strlen(tpath)) != K_FILE)
			return refuse(sc, raw, "hardlink target is not a regular file met earlier");
	}

	r = check_parents(sc, raw, path);
	if (r < 0)
		return r;
	was = set_get(&sc->seen, path, strlen(path));
	if (was != K_NONE) {
		if (was != k)
			return refuse(sc, raw, "a second member changes the type of this path");
		if (k != K_DIR)
			return refuse(sc, raw, "appears twice");
	} else {
		r = set_put(&sc->seen, path, strlen(path), k);
		if (r < 0)
			return r == -E2BIG ? refuse(sc, NULL, "Image has too many paths") : r;
	}

	if (strcmp(path, "metadata.yaml") == 0) {
		sc->have_meta = true;
		return read_metadata(a, e, sc);
	}
	if (in_rootfs || strcmp(path, "rootfs") == 0)
		sc->have_rootfs = true;
	return 0;
}

static int check_templates(struct scan *sc, json_object *templates)
{
	json_object_object_foreach(templates, target, t)
	{
		json_object *name;
		char src[IMG_PATH_MAX + 16], q1[IMG_QUOTE_MAX], q2[IMG_QUOTE_MAX];
		int n;

		if (!json_object_object_get_ex(t, "template", &name))
			return refuse(sc, NULL, "template for \"%s\" names no file",
				      img_quote(target, q1));
		n = snprintf(src, sizeof(src), "templates/%s", json_object_get_string(name));
		if (n < 0 || (size_t)n >= sizeof(src) ||
		    set_get(&sc->seen, src, (size_t)n) != K_FILE)
			return refuse(
				sc, NULL,
				"template source \"%s\" for \"%s\" is not a regular file in templates/",
				img_quote(json_object_get_string(name), q1), img_quote(target, q2));
	}
	return 0;
}

int img_scan_archive(struct archive *a, struct img_meta *ret_meta, char err[static IMG_ERR_MAX])
{
	struct scan sc = { .err = err };
	struct img_meta meta = { 0 };
	bool parsed = false;
	int r;

	err[0] = '\0';
	r = set_init(&sc.seen);
	if (r < 0)
		return r;
	for (;;) {
		struct archive_entry *e;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			const char *why = archive_error_string(a);

			if (sc.members == 0)
				r = refuse(&sc, NULL,
					   "Image is not a tarball in a supported compression (%s)",
					   why ? why : "unreadable");
			else
				r = refuse(&sc, NULL, "Image tarball is damaged: %s",
					   why ? why : "read error");
			break;
		}
		if (++sc.members > IMG_SCAN_MAX_MEMBERS) {
			r = refuse(&sc, NULL, "Image has more than %d members",
				   IMG_SCAN_MAX_MEMBERS);
			break;
		}
		if ((uint64_t)archive_filter_bytes(a, 0) > IMG_SCAN_MAX_UNPACKED) {
			r = refuse(&sc, NULL, "Image expands to more than %llu bytes",
				   (unsigned long long)IMG_SCAN_MAX_UNPACKED);
			break;
		}
		r = check_member(a, e, &sc);
		if (r < 0)
			break;
	}
	if (r == 0 && !sc.have_meta)
		r = refuse(&sc, NULL, "Image has no metadata.yaml");
	if (r == 0 && !sc.have_rootfs)
		r = refuse(&sc, NULL, "Image has no rootfs/");
	if (r == 0) {
		r = img_meta_parse(sc.meta, sc.meta_len, &meta, err);
		parsed = r == 0;
	}
	if (r == 0)
		r = check_templates(&sc, meta.templates);
	free(sc.seen.slot);
	free(sc.meta);
	if (r < 0) {
		if (parsed)
			img_meta_done(&meta);
		if (r == -ENOMEM && !err[0])
			snprintf(err, IMG_ERR_MAX, "out of memory while scanning the image");
		return r;
	}
	*ret_meta = meta;
	return 0;
}

/* Tar formats only, and only decompressors built into libarchive (none runs a program). */
static struct archive *reader_new(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_lzma(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_lz4(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int scan_opened(struct archive *a, int opened, struct img_meta *ret_meta,
		       char err[static IMG_ERR_MAX])
{
	int r;

	if (opened != ARCHIVE_OK) {
		const char *why = archive_error_string(a);

		snprintf(err, IMG_ERR_MAX, "Image is not a tarball in a supported compression (%s)",
			 why ? why : "unreadable");
		r = -EINVAL;
	} else {
		r = img_scan_archive(a, ret_meta, err);
	}
	archive_read_free(a);
	return r;
}

int img_scan_memory(const void *data, size_t len, struct img_meta *ret_meta,
		    char err[static IMG_ERR_MAX])
{
	struct archive *a = reader_new();

	err[0] = '\0';
	if (!a) {
		snprintf(err, IMG_ERR_MAX, "cannot set up the archive reader");
		return -ENOMEM;
	}
	return scan_opened(a, archive_read_open_memory(a, data, len), ret_meta, err);
}

int img_scan_fd(int fd, struct img_meta *ret_meta, char err[static IMG_ERR_MAX])
{
	struct archive *a = reader_new();

	err[0] = '\0';
	if (!a) {
		snprintf(err, IMG_ERR_MAX, "cannot set up the archive reader");
		return -ENOMEM;
	}
	return scan_opened(a, archive_read_open_fd(a, fd, 64 * 1024), ret_meta, err);
}
