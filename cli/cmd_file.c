// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `file delete` and `file edit`, lxc's way (LXD-API.md §14): delete
 * sends a DELETE for each path; edit pulls the file into a temporary
 * directory of its own (0700), runs the editor on it and pushes it back
 * without sending a uid, gid or mode, or pushes stdin when that is not a
 * terminal. Runs in the client as the invoking user, no privilege; the
 * server's answers are only checked for errors. `file push` and `file
 * pull` are cmd_file_push.c and cmd_file_pull.c (cmd_file.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd_file.h"
#include "editor.h"

/* ---- delete, edit ------------------------------------------------------------------------------------ */

int cli_cmd_file_delete(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;

	for (size_t i = 0; i < a->npos; i++) {
		__do_free char *inst = NULL, *path = NULL, *name = NULL, *url = NULL;
		struct cli_conn conn = { 0 };
		int r;

		if (cli_file_spec(a->pos[i], &inst, &path) < 0)
			return cli_error(-EINVAL, "Invalid path %s", a->pos[i]);
		r = cli_open(ctx, inst, &conn, &name);
		if (r < 0)
			return r;
		url = cli_file_url(name, path);
		r = url ? cli_sync(&conn, "DELETE", url, NULL, NULL)
			: cli_error(-ENOMEM, "out of memory");
		cli_conn_free(&conn);
		if (r < 0)
			return r;
	}
	return 0;
}

int cli_cmd_file_edit(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	struct push_opts o = { .uid = -1, .gid = -1, .no_mode_change = true, .quiet = true };
	const char *tmp = getenv("TMPDIR");
	__do_free char *dir = NULL, *file = NULL, *inst = NULL, *path = NULL, *base = NULL;
	const char *src[1];
	int r;

	/* not a terminal: the new content is stdin */
	if (!isatty(STDIN_FILENO)) {
		src[0] = "-";
		return cli_file_push(ctx, &o, src, 1, a->pos[0]);
	}
	if (cli_file_spec(a->pos[0], &inst, &path) < 0)
		return cli_error(-EINVAL, "Invalid source %s", a->pos[0]);
	base = cli_path_base(path);
	if (!base || asprintf(&dir, "%s/moat_file_edit_XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) {
		dir = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	if (!mkdtemp(dir))
		return cli_error(-errno, "Unable to create a temporary file: %s", strerror(errno));
	if (asprintf(&file, "%s/%s", dir, strcmp(base, "/") == 0 ? "file" : base) < 0) {
		file = NULL;
		rmdir(dir);
		return cli_error(-ENOMEM, "out of memory");
	}
	src[0] = a->pos[0];
	r = cli_file_pull(ctx, false, false, src, 1, file);
	if (r == 0)
		r = cli_editor_run(file);
	if (r == 0) {
		src[0] = file;
		r = cli_file_push(ctx, &o, src, 1, a->pos[0]);
	}
	unlink(file);
	rmdir(dir);
	return r;
}
