/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: the private header of the `file` verbs (cmd_file.c,
 * cmd_file_push.c, cmd_file_pull.c) and of file_api.c, the requests they
 * make. Runs in the client as the invoking user, no privilege; see
 * file_api.c for what is trusted.
 */
#ifndef MOAT_CLI_CMD_FILE_H
#define MOAT_CLI_CMD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verbs.h"

#define DIR_MODE 0755     /* lxc's DirMode for local directories */
#define LINK_MAX_LEN 4096 /* a symlink's target, as pulled */

/* ---- file_api.c: one request ---------------------------------------------------------------------- */

/*
 * Where a GET's body goes: a file's bytes to dest ("-": stdout; NULL:
 * nowhere), a symlink's target into link. Headers come before the body,
 * so the type is known at the first byte.
 */
struct pull_sink {
	const struct cli_resp *resp;
	const char *dest;
	int fd;
	char link[LINK_MAX_LEN + 1];
	size_t link_len;
};

/* "/1.0/instances/<name>/files?path=<escaped path>", malloc'ed. */
char *cli_file_url(const char *name, const char *path);
/*
 * GET the file at path into dest (see struct pull_sink); *ret_resp keeps the
 * headers (and, for a directory, the listing). An empty file is created too.
 */
int cli_file_get(struct cli_conn *conn, const char *name, const char *path, const char *dest,
		 struct cli_progress *progress, struct cli_resp *ret_resp, struct pull_sink *sink);
/* POST one entry with lxc's headers; body from fd (streamed) or data (a symlink, "" for a directory). */
int cli_file_post(struct cli_conn *conn, const char *name, const char *target, const char *type,
		  int64_t uid, int64_t gid, int mode, int fd, const char *data,
		  struct cli_progress *progress);

/* ---- cmd_file_push.c, cmd_file_pull.c: what `file edit` runs ------------------------------------- */

struct push_opts {
	bool recursive, mkdir, quiet;
	bool no_mode_change; /* file edit: send no uid, gid or mode */
	long uid, gid;       /* -1: from the local file */
	const char *mode;    /* NULL: from the local file */
};

/* Push the local sources (`-`: stdin) to target_arg, [<remote>:]<instance>/<path>. */
int cli_file_push(struct cli_ctx *ctx, const struct push_opts *o, const char *const *sources,
		  size_t nsources, const char *target_arg);
/* Pull the sources, [<remote>:]<instance>/<path> each, to the local target_arg (`-`: stdout). */
int cli_file_pull(struct cli_ctx *ctx, bool recursive, bool mkdirs, const char *const *sources,
		  size_t nsources, const char *target_arg);

#endif
