// SPDX-License-Identifier: Apache-2.0
/*
 * moat image export: the image downloaded from the server and checked
 * against its fingerprint. Runs in the client as the invoking user, no
 * privilege. The bytes and the filename come from the server (untrusted):
 * the filename is used only when it is a plain file name, and the bytes
 * are written to a temporary file that is renamed only once they hash to
 * the fingerprint.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "images_int.h"
#include "sha256.h"
#include "verbs.h"

/* ---- export ------------------------------------------------------------------------------------------ */

struct export_sink {
	int fd;
	struct cli_sha256 sha;
};

static int export_write(void *userdata, const void *data, size_t len)
{
	struct export_sink *s = userdata;
	const char *p = data;

	cli_sha256_update(&s->sha, data, len);
	while (len) {
		ssize_t w = write(s->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return cli_error(-errno, "writing the image: %s", strerror(errno));
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The server's file name, if it is a plain one ("<fp>.tar.gz"), else NULL. */
static const char *safe_filename(const char *f)
{
	if (!*f || *f == '.' || strchr(f, '/') || !cli_printable(f) || strlen(f) > 200)
		return NULL;
	return f;
}

int cli_cmd_image_export(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	const char *target = a->npos > 1 ? a->pos[1] : ".";
	__do_free char *fp = NULL, *path = NULL, *tmp = NULL, *dest = NULL, *dir = NULL;
	struct cli_progress progress = { .show = !ctx->quiet && isatty(STDOUT_FILENO),
					 .label = "Exporting the image" };
	struct export_sink sink = { .fd = -EBADF };
	struct cli_conn conn = { 0 };
	struct cli_resp resp = { 0 };
	bool into_dir;
	struct stat st;
	char hash[65];
	const char *fname;
	int r;

	into_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
	dir = strdup(target);
	if (!dir)
		return cli_error(-ENOMEM, "out of memory");
	if (!into_dir)
		dirname(dir);
	r = cli_open_image(ctx, a->pos[0], &conn, &fp);
	if (r < 0)
		return r;
	path = cli_image_path("", fp, "/export");
	if (!path || asprintf(&tmp, "%s/.moat-export.XXXXXX", dir) < 0) {
		tmp = NULL;
		cli_conn_free(&conn);
		return cli_error(-ENOMEM, "out of memory");
	}
	sink.fd = mkostemp(tmp, O_CLOEXEC);
	if (sink.fd < 0) {
		cli_conn_free(&conn);
		return cli_error(-errno, "cannot write in %s: %s", dir, strerror(errno));
	}
	cli_sha256_init(&sink.sha);
	r = cli_download(&conn, path, export_write, &sink, &progress, &resp);
	cli_conn_free(&conn);
	if (r == 0 && strncmp(resp.content_type, "multipart/", 10) == 0)
		r = cli_error(-EOPNOTSUPP, "Exporting split images is not supported yet");
	if (r == 0 && fsync(sink.fd) < 0)
		r = cli_error(-errno, "writing the image: %s", strerror(errno));
	cli_sha256_hex(&sink.sha, hash);
	/* the fingerprint is the sha256 of the bytes (fp may be a unique prefix of it) */
	if (r == 0 && strncmp(hash, fp, strlen(fp)) != 0)
		r = cli_error(-EBADMSG, "Image fingerprint doesn't match. Got %s expected %s", hash,
			      fp);
	fname = safe_filename(resp.filename);
	if (r == 0) {
		if (into_dir)
			r = asprintf(&dest, "%s/%s", target, fname ? fname : hash);
		else if (fname && strchr(fname, '.'))
			r = asprintf(&dest, "%s.%s", target, strchr(fname, '.') + 1);
		else
			r = asprintf(&dest, "%s", target);
		if (r < 0) {
			dest = NULL;
			r = cli_error(-ENOMEM, "out of memory");
		} else {
			r = 0;
		}
	}
	if (r == 0 && (fchmod(sink.fd, 0644) < 0 || rename(tmp, dest) < 0))
		r = cli_error(-errno, "cannot write %s: %s", dest, strerror(errno));
	close(sink.fd);
	if (r < 0)
		unlink(tmp);
	else
		printf("Image exported successfully!\n");
	cli_resp_free(&resp);
	return r;
}
