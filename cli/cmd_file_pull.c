// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `file pull`, lxc's way (LXD-API.md §14): sources given as
 * [<remote>:]<instance>/<path>, relative on GET, -p making the local
 * parents, -r walking the instance's tree (GETs of each directory's
 * listing), a symlink made here or, to `-` or under -r, followed on the
 * instance, and `-` for stdout. Runs in the client as the invoking user,
 * no privilege: it writes only where that user may. What the server sends
 * is untrusted: a directory listing is JSON checked for its shape, and
 * names in it are refused when they are "", ".", ".." or hold a "/"
 * before any local path is made from them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd_file.h"

#define LINK_FOLLOW_MAX 255

/* os.MkdirAll: every missing directory of path, with mode; 0 or -errno. */
static int local_mkdir_p(const char *path, mode_t mode)
{
	__do_free char *p = strdup(path);
	struct stat st;

	if (!p)
		return -ENOMEM;
	if (stat(p, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* A pulled symlink made here: its target with blanks trimmed (strings.TrimSpace), as lxc. */
static int local_link(struct pull_sink *sink, const char *dest)
{
	char *l = sink->link;
	size_t len = sink->link_len;

	while (len && strchr(" \t\n\r\v\f", l[len - 1]))
		len--;
	l[len] = '\0';
	while (*l && strchr(" \t\n\r\v\f", *l))
		l++;
	if (symlink(l, dest) < 0)
		return cli_error(-errno, "symlink %s: %s", dest, strerror(errno));
	return 0;
}

/* A directory answer's entries: a JSON list of plain names, or an error. */
static int dir_entries(const struct cli_resp *resp, json_object **ret)
{
	json_object *list = resp->metadata;

	if (!json_object_is_type(list, json_type_array))
		return cli_error(-EPROTO, "the server's directory listing is not a list");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *s = json_object_get_string(e);

		if (!json_object_is_type(e, json_type_string) || !*s || strcmp(s, ".") == 0 ||
		    strcmp(s, "..") == 0 || strchr(s, '/') ||
		    strlen(s) != (size_t)json_object_get_string_len(e))
			return cli_error(-EPROTO, "the server's directory listing has a bad name");
	}
	*ret = list;
	return 0;
}

/* ---- pull ----------------------------------------------------------------------------------------------- */

static int pull_tree(struct cli_ctx *ctx, struct cli_conn *conn, const char *name, const char *p,
		     const char *target_dir)
{
	__do_free char *base = cli_path_base(p), *target = NULL, *label = NULL;
	struct cli_progress progress = { .show = !ctx->quiet && isatty(STDOUT_FILENO) };
	struct cli_resp resp = { 0 };
	struct cli_file_info info;
	struct pull_sink sink;
	json_object *entries = NULL;
	int r;

	target = base ? cli_path_join(target_dir, base) : NULL;
	if (!target)
		return cli_error(-ENOMEM, "out of memory");
	if (asprintf(&label, "Pulling %s from %s", p, target) < 0)
		label = NULL;
	progress.label = label ? label : "Pulling";
	r = cli_file_get(conn, name, p, target, &progress, &resp, &sink);
	if (r < 0)
		goto out;
	cli_file_headers(&resp, &info);
	if (strcmp(info.type, "directory") == 0) {
		r = dir_entries(&resp, &entries);
		if (r == 0 && mkdir(target, info.mode >= 0 ? (mode_t)info.mode : DIR_MODE) < 0)
			r = cli_error(-errno, "mkdir %s: %s", target, strerror(errno));
		for (size_t i = 0; r == 0 && i < json_object_array_length(entries); i++) {
			__do_free char *next = cli_path_join(
				p, json_object_get_string(json_object_array_get_idx(entries, i)));

			r = next ? pull_tree(ctx, conn, name, next, target)
				 : cli_error(-ENOMEM, "out of memory");
		}
	} else if (strcmp(info.type, "symlink") == 0) {
		r = local_link(&sink, target);
	} else if (strcmp(info.type, "file") != 0) {
		r = cli_error(-EINVAL, "Unknown file type '%s'", info.type);
	}
out:
	cli_resp_free(&resp);
	return r;
}

/* Follow a symlink on the instance (pull to - or -r): the path it ends at. */
static int follow_link(struct cli_conn *conn, const char *name, const char *path,
		       struct pull_sink *sink, char **ret)
{
	__do_free char *cur = strdup(path);

	for (int i = 0; cur; i++) {
		struct cli_resp resp = { 0 };
		struct pull_sink next;
		char *target = sink->link, *np;
		size_t len = strlen(target);
		int r;

		if (i > LINK_FOLLOW_MAX)
			return cli_error(-ELOOP, "Too many links");
		if (len && target[len - 1] == '\n')
			target[len - 1] = '\0';
		if (target[0] == '/') {
			np = strdup(target);
		} else {
			__do_free char *dir = cli_path_dir(cur);

			np = dir ? cli_path_join(dir, target) : NULL;
		}
		free(cur);
		cur = np;
		if (!cur)
			break;
		r = cli_file_get(conn, name, cur, NULL, NULL, &resp, &next);
		if (r == 0 && strcmp(resp.lxd_type, "symlink") != 0) {
			cli_resp_free(&resp);
			*ret = TAKE_PTR(cur);
			return 0;
		}
		cli_resp_free(&resp);
		if (r < 0)
			return r;
		*sink = next;
	}
	return cli_error(-ENOMEM, "out of memory");
}

int cli_file_pull(struct cli_ctx *ctx, bool recursive, bool mkdirs, const char *const *sources,
		  size_t nsources, const char *target_arg)
{
	__do_free char *target = cli_path_clean(target_arg);
	bool target_dir = false;
	struct stat st;
	int r = 0;

	if (!target)
		return cli_error(-ENOMEM, "out of memory");
	if (stat(target, &st) == 0) {
		target_dir = S_ISDIR(st.st_mode);
		if (!target_dir && nsources > 1)
			return cli_error(-EINVAL, "More than one file to download, but target is "
						  "not a directory");
	} else if (errno != ENOENT) {
		return cli_error(-errno, "stat %s: %s", target, strerror(errno));
	} else if (target_arg[strlen(target_arg) - 1] == '/' || nsources > 1) {
		r = local_mkdir_p(target, DIR_MODE);
		if (r < 0)
			return cli_error(r, "mkdir %s: %s", target, strerror(-r));
		target_dir = true;
	} else if (mkdirs) {
		__do_free char *dir = cli_path_dir(target);

		r = dir ? local_mkdir_p(dir, DIR_MODE) : -ENOMEM;
		if (r < 0)
			return cli_error(r, "mkdir %s: %s", dir ? dir : target, strerror(-r));
	}
	for (size_t i = 0; r == 0 && i < nsources; i++) {
		__do_free char *inst = NULL, *path = NULL, *name = NULL, *dest = NULL;
		__do_free char *label = NULL, *base = NULL;
		struct cli_progress progress = { .show = !ctx->quiet && isatty(STDOUT_FILENO) };
		struct cli_conn conn = { 0 };
		struct cli_resp resp = { 0 };
		struct pull_sink sink;

		if (cli_file_spec(sources[i], &inst, &path) < 0)
			return cli_error(-EINVAL, "Invalid source %s", sources[i]);
		base = cli_path_base(path);
		dest = !base ? NULL : target_dir ? cli_path_join(target, base) : strdup(target);
		if (!dest)
			return cli_error(-ENOMEM, "out of memory");
		r = cli_open(ctx, inst, &conn, &name);
		if (r < 0)
			return r;
		if (asprintf(&label, "Pulling %s from %s", dest, path) < 0)
			label = NULL;
		progress.label = label ? label : "Pulling";
		progress.show = progress.show && strcmp(dest, "-") != 0;
		/* a file goes straight to its destination; a directory or a symlink is looked at */
		r = cli_file_get(&conn, name, path, dest, &progress, &resp, &sink);
		if (r == 0 && strcmp(resp.lxd_type, "directory") == 0) {
			if (!recursive) {
				r = cli_error(-EISDIR,
					      "Can't pull a directory without --recursive");
			} else {
				if (access(target, F_OK) < 0) {
					r = local_mkdir_p(target, DIR_MODE);
					if (r < 0)
						r = cli_error(r, "mkdir %s: %s", target,
							      strerror(-r));
					target_dir = true;
				}
				if (r == 0)
					r = pull_tree(ctx, &conn, name, path, target);
			}
		} else if (r == 0 && strcmp(resp.lxd_type, "symlink") == 0) {
			if (strcmp(dest, "-") == 0 || recursive) {
				__do_free char *real = NULL;
				struct cli_resp again = { 0 };
				struct pull_sink s2;

				r = follow_link(&conn, name, path, &sink, &real);
				if (r == 0)
					r = cli_file_get(&conn, name, real, dest, &progress, &again,
							 &s2);
				cli_resp_free(&again);
			} else {
				r = local_link(&sink, dest);
			}
		}
		cli_resp_free(&resp);
		cli_conn_free(&conn);
	}
	return r;
}

int cli_cmd_file_pull(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;

	return cli_file_pull(ctx, cli_flag_bool(a, "recursive"), cli_flag_bool(a, "create-dirs"),
			     a->pos, a->npos - 1, a->pos[a->npos - 1]);
}
