// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the instance file API (/1.0/instances/<name>/files?path=), one
 * request at a time, for the `file` verbs (see cmd_file.h): a GET whose
 * body goes to a local file, stdout or a symlink's target, and a POST
 * with lxc's X-LXD-uid/gid/mode/type headers. Runs in the client as the
 * invoking user, no privilege: it writes only where that user may. What
 * the server sends is untrusted: its X-LXD headers are parsed with lxc's
 * rules (cli_file_headers), and a symlink's target is refused past
 * LINK_MAX_LEN bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd_file.h"

/* "/1.0/instances/<name>/files?path=<escaped path>", malloc'ed. */
char *cli_file_url(const char *name, const char *path)
{
	__do_free char *base = cli_instance_path(name, "/files?path="), *e = cli_escape(path);
	char *full;

	if (!base || !e || asprintf(&full, "%s%s", base, e) < 0)
		return NULL;
	return full;
}

/* ---- one GET ---------------------------------------------------------------------------------------- */

static int sink_open(struct pull_sink *s)
{
	struct cli_file_info info;

	if (s->fd >= 0 || !s->dest)
		return 0;
	if (strcmp(s->dest, "-") == 0) {
		s->fd = STDOUT_FILENO;
		return 0;
	}
	cli_file_headers(s->resp, &info);
	s->fd = open(s->dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (s->fd < 0)
		return cli_error(-errno, "open %s: %s", s->dest, strerror(errno));
	if (info.mode >= 0 && fchmod(s->fd, (mode_t)info.mode & 07777) < 0)
		return cli_error(-errno, "chmod %s: %s", s->dest, strerror(errno));
	return 0;
}

static int pull_sink(void *userdata, const void *data, size_t len)
{
	struct pull_sink *s = userdata;
	int r;

	if (strcmp(s->resp->lxd_type, "symlink") == 0) {
		if (len > LINK_MAX_LEN - s->link_len)
			return cli_error(-ENAMETOOLONG, "the symlink's target is too long");
		memcpy(s->link + s->link_len, data, len);
		s->link_len += len;
		s->link[s->link_len] = '\0';
		return 0;
	}
	if (!s->dest)
		return 0;
	r = sink_open(s);
	if (r == 0 && (r = cli_write_all(s->fd, data, len)) < 0)
		r = cli_error(r, "write %s: %s", s->dest, strerror(-r));
	return r;
}

/*
 * GET the file at path into dest (see pull_sink); *ret_resp keeps the
 * headers (and, for a directory, the listing). An empty file is created too.
 */
int cli_file_get(struct cli_conn *conn, const char *name, const char *path, const char *dest,
		 struct cli_progress *progress, struct cli_resp *ret_resp, struct pull_sink *sink)
{
	__do_free char *url = cli_file_url(name, path);
	int r;

	*sink = (struct pull_sink){ .resp = ret_resp, .dest = dest, .fd = -1 };
	if (!url)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_download(conn, url, pull_sink, sink, progress, ret_resp);
	if (r == 0 && strcmp(ret_resp->lxd_type, "directory") != 0 &&
	    strcmp(ret_resp->lxd_type, "symlink") != 0)
		r = sink_open(sink);
	if (sink->fd >= 0 && sink->fd != STDOUT_FILENO && close(sink->fd) < 0 && r == 0)
		r = cli_error(-errno, "close %s: %s", dest, strerror(errno));
	sink->fd = -1;
	return r;
}

/* ---- one POST ---------------------------------------------------------------------------------------- */

/* POST one entry with lxc's headers; body from fd (streamed) or data (a symlink, "" for a directory). */
int cli_file_post(struct cli_conn *conn, const char *name, const char *target, const char *type,
		  int64_t uid, int64_t gid, int mode, int fd, const char *data,
		  struct cli_progress *progress)
{
	__do_free char *url = cli_file_url(name, target);
	char h_uid[40], h_gid[40], h_mode[32], h_type[48];
	const char *headers[5];
	struct cli_resp resp;
	size_t n = 0;
	int r;

	if (!url)
		return cli_error(-ENOMEM, "out of memory");
	if (uid > -1) {
		snprintf(h_uid, sizeof(h_uid), "X-LXD-uid: %lld", (long long)uid);
		headers[n++] = h_uid;
	}
	if (gid > -1) {
		snprintf(h_gid, sizeof(h_gid), "X-LXD-gid: %lld", (long long)gid);
		headers[n++] = h_gid;
	}
	if (mode > -1) {
		snprintf(h_mode, sizeof(h_mode), "X-LXD-mode: %04o", (unsigned)mode);
		headers[n++] = h_mode;
	}
	snprintf(h_type, sizeof(h_type), "X-LXD-type: %s", type);
	headers[n++] = h_type;
	headers[n] = NULL;
	if (fd >= 0)
		r = cli_upload(conn, "POST", url, fd, headers, progress, &resp);
	else
		r = cli_send_raw(conn, "POST", url, data, strlen(data), headers, &resp);
	cli_resp_free(&resp);
	return r;
}
