// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `file push`, lxc's way (LXD-API.md §14): the target given as
 * [<remote>:]<instance>/<path>, absolute on POST, X-LXD-uid/gid/mode
 * taken from the local file unless --uid/--gid/--mode say otherwise, -p
 * making the missing parents (GETs deepest first, then POSTs top-down),
 * -r walking the local tree in filepath.Walk's order, and `-` for stdin.
 * Runs in the client as the invoking user, no privilege: it reads only
 * what that user may (without -r, every source is opened before anything
 * is sent). What the server sends is untrusted and only looked at for
 * whether a parent is a directory, or for its error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd_file.h"

/* Does path exist as a directory on the instance? 1, 0 (not there), or an error (not a directory). */
static int remote_dir(struct cli_conn *conn, const char *name, const char *path)
{
	struct cli_resp resp = { 0 };
	struct pull_sink sink;
	int r = cli_file_get(conn, name, path, NULL, NULL, &resp, &sink);

	if (r < 0) {
		cli_error_clear();
		cli_resp_free(&resp);
		return 0;
	}
	r = strcmp(resp.lxd_type, "directory") == 0
		    ? 1
		    : cli_error(-ENOTDIR, "%s is not a directory", path);
	cli_resp_free(&resp);
	return r;
}

/*
 * filepath.Join(parts[:n]...) (empty parts dropped), with a leading "/"
 * when rooted; *ret NULL when nothing is left.
 */
static int join_parts(char *const *parts, size_t n, bool rooted, char **ret)
{
	char *cur = NULL;

	for (size_t k = 0; k < n; k++) {
		char *next;

		if (!*parts[k])
			continue;
		if (asprintf(&next, "%s%s%s", cur ? cur : "", cur || rooted ? "/" : "", parts[k]) <
		    0) {
			free(cur);
			return cli_error(-ENOMEM, "out of memory");
		}
		free(cur);
		cur = next;
	}
	*ret = cur;
	return 0;
}

/* lxc's recursiveMkdir: find the deepest existing parent, then POST the rest top-down. */
static int mkdir_p(struct cli_conn *conn, const char *name, const char *p, int mode, int64_t uid,
		   int64_t gid)
{
	__do_free char *clean = NULL;
	__do_free char **parts = NULL;
	size_t nparts = 0, i;
	int r;

	if (strcmp(p, "/") == 0)
		return 0;
	clean = cli_path_clean(p);
	parts = calloc(strlen(p) + 2, sizeof(*parts));
	if (!clean || !parts)
		return cli_error(-ENOMEM, "out of memory");
	/* strings.Split(clean, "/"): parts[k] ends where the k-th slash is */
	parts[nparts++] = clean;
	for (char *s = clean; (s = strchr(s, '/')); s++) {
		*s = '\0';
		parts[nparts++] = s + 1;
	}
	for (i = nparts; i >= 1; i--) {
		__do_free char *cur = NULL;

		/* GET wants the path relative, as lxc sends it */
		r = join_parts(parts, i, false, &cur);
		if (r == 0)
			r = remote_dir(conn, name, cur ? cur : "");
		if (r < 0)
			return r;
		if (r == 1) {
			i++;
			break;
		}
	}
	for (; i <= nparts; i++) {
		__do_free char *cur = NULL;

		r = join_parts(parts, i, true, &cur);
		if (r < 0)
			return r;
		if (!cur)
			continue;
		r = cli_file_post(conn, name, cur, "directory", uid, gid, mode, -1, "", NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int no_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* filepath.Walk's order: the entry itself, then its children by name. */
static int push_tree(struct cli_ctx *ctx, struct cli_conn *conn, const char *name,
		     const char *local, size_t strip, const char *target)
{
	__do_free char *dest = cli_path_join(target, local + strip);
	struct cli_progress progress = { .show = !ctx->quiet && isatty(STDOUT_FILENO) };
	__do_free char *label = NULL;
	struct stat st;
	int r;

	if (!dest)
		return cli_error(-ENOMEM, "out of memory");
	if (lstat(local, &st) < 0)
		return cli_error(-errno, "Failed to walk path for %s: %s", local, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names = NULL;
		int n;

		r = cli_file_post(conn, name, dest, "directory", st.st_uid, st.st_gid,
				  (int)(st.st_mode & 0777), -1, "", NULL);
		if (r < 0)
			return r;
		n = scandir(local, &names, no_dots, name_cmp);
		if (n < 0)
			return cli_error(-errno, "Failed to walk path for %s: %s", local,
					 strerror(errno));
		r = 0;
		for (int i = 0; i < n; i++) {
			__do_free char *child = NULL;

			if (r == 0 && asprintf(&child, "%s/%s", local, names[i]->d_name) < 0) {
				child = NULL;
				r = cli_error(-ENOMEM, "out of memory");
			}
			if (r == 0)
				r = push_tree(ctx, conn, name, child, strip, target);
			free(names[i]);
		}
		free(names);
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		char link[LINK_MAX_LEN + 1];
		ssize_t n = readlink(local, link, LINK_MAX_LEN);

		if (n < 0)
			return cli_error(-errno, "readlink %s: %s", local, strerror(errno));
		link[n] = '\0';
		return cli_file_post(conn, name, dest, "symlink", st.st_uid, st.st_gid,
				     (int)(st.st_mode & 0777), -1, link, NULL);
	}
	if (!S_ISREG(st.st_mode))
		return cli_error(-EINVAL, "'%s' isn't a supported file type", local);
	{
		__do_close int fd = open(local, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0)
			return cli_error(-errno, "open %s: %s", local, strerror(errno));
		if (asprintf(&label, "Pushing %s to %s", local, dest) < 0)
			label = NULL;
		progress.label = label ? label : "Pushing";
		progress.total = (uint64_t)st.st_size;
		return cli_file_post(conn, name, dest, "file", st.st_uid, st.st_gid,
				     (int)(st.st_mode & 0777), fd, NULL, &progress);
	}
}

/* --mode: 3 digits get a leading 0, then strconv.ParseInt(mode, 0, 0). */
static int parse_mode_flag(const char *s, int *ret)
{
	__do_free char *m = NULL;
	int64_t v;

	if (asprintf(&m, "%s%s", strlen(s) == 3 ? "0" : "", s) < 0) {
		m = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	if (!cli_parse_go_int(m, &v) || v < 0 || v > 07777)
		return cli_error(-EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax", m);
	*ret = (int)v;
	return 0;
}

int cli_file_push(struct cli_ctx *ctx, const struct push_opts *o, const char *const *sources,
		  size_t nsources, const char *target_arg)
{
	__do_free char *inst = NULL, *rel = NULL, *abs = NULL, *target = NULL, *name = NULL;
	struct cli_conn conn = { 0 };
	__do_free int *fds = NULL;
	bool target_dir;
	int mode = DIR_MODE, r;

	if (cli_file_spec(target_arg, &inst, &rel) < 0)
		return cli_error(-EINVAL, "Invalid target %s", target_arg);
	target_dir = target_arg[strlen(target_arg) - 1] == '/';
	if (asprintf(&abs, "/%s", rel) < 0) {
		abs = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	target = cli_path_clean(abs);
	if (!target)
		return cli_error(-ENOMEM, "out of memory");
	if (target[strlen(target) - 1] == '/')
		target_dir = true;
	if (o->mode) {
		r = parse_mode_flag(o->mode, &mode);
		if (r < 0)
			return r;
	}
	if (o->recursive && (o->uid != -1 || o->gid != -1 || o->mode))
		return cli_error(-EINVAL, "Can't supply uid/gid/mode in recursive mode");
	if (!o->recursive && nsources > 1 && !target_dir)
		return cli_error(-EINVAL, "Missing target directory");

	/* every source must open before anything is pushed */
	fds = calloc(nsources, sizeof(*fds));
	if (!fds)
		return cli_error(-ENOMEM, "out of memory");
	for (size_t i = 0; i < nsources; i++)
		fds[i] = -1;
	r = 0;
	for (size_t i = 0; !o->recursive && r == 0 && i < nsources; i++) {
		if (strcmp(sources[i], "-") == 0) {
			fds[i] = STDIN_FILENO;
			continue;
		}
		fds[i] = open(sources[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			r = cli_error(-errno, "open %s: %s", sources[i], strerror(errno));
	}
	if (r == 0)
		r = cli_open(ctx, inst, &conn, &name);
	if (r == 0 && o->recursive) {
		if (o->mkdir) {
			struct stat st;

			if (stat(sources[0], &st) < 0)
				r = cli_error(-errno, "stat %s: %s", sources[0], strerror(errno));
			else
				r = mkdir_p(&conn, name, target, (int)(st.st_mode & 0777),
					    st.st_uid, st.st_gid);
		}
		for (size_t i = 0; r == 0 && i < nsources; i++) {
			__do_free char *clean = cli_path_clean(sources[i]);
			const char *slash = clean ? strrchr(clean, '/') : NULL;

			if (!clean)
				r = cli_error(-ENOMEM, "out of memory");
			else
				r = push_tree(ctx, &conn, name, clean,
					      slash ? (size_t)(slash - clean + 1) : 0, target);
		}
	}
	for (size_t i = 0; !o->recursive && r == 0 && i < nsources; i++) {
		const char *src = strcmp(sources[i], "-") == 0 ? "/dev/stdin" : sources[i];
		__do_free char *base = cli_path_base(src), *fpath = NULL, *label = NULL;
		struct cli_progress progress = { .show = !o->quiet && isatty(STDOUT_FILENO) };
		int64_t uid = o->uid < 0 ? 0 : o->uid, gid = o->gid < 0 ? 0 : o->gid;
		int fmode = mode;
		struct stat st;

		if (fstat(fds[i], &st) < 0) {
			r = cli_error(-errno, "stat %s: %s", src, strerror(errno));
			break;
		}
		fpath = target_dir ? cli_path_join(target, base) : strdup(target);
		if (!base || !fpath) {
			r = cli_error(-ENOMEM, "out of memory");
			break;
		}
		if (o->mkdir) {
			__do_free char *dir = cli_path_dir(fpath);

			if (o->uid == -1)
				uid = st.st_uid;
			if (o->gid == -1)
				gid = st.st_gid;
			r = dir ? mkdir_p(&conn, name, dir, -1, uid, gid)
				: cli_error(-ENOMEM, "out of memory");
			if (r < 0)
				break;
		}
		if (o->no_mode_change) {
			uid = gid = -1;
			fmode = -1;
		} else {
			if (!o->mode)
				fmode = (int)(st.st_mode & 0777);
			if (o->uid == -1)
				uid = st.st_uid;
			if (o->gid == -1)
				gid = st.st_gid;
			fmode &= 0777;
		}
		if (asprintf(&label, "Pushing %s to %s", src, fpath) < 0)
			label = NULL;
		progress.label = label ? label : "Pushing";
		progress.total = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
		r = cli_file_post(&conn, name, fpath, "file", uid, gid, fmode, fds[i], NULL,
				  &progress);
	}
	for (size_t i = 0; i < nsources; i++)
		if (fds[i] > STDIN_FILENO)
			close(fds[i]);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_file_push(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	struct push_opts o = {
		.recursive = cli_flag_bool(a, "recursive"),
		.mkdir = cli_flag_bool(a, "create-dirs"),
		.quiet = ctx->quiet,
		.uid = cli_flag_int(a, "uid"),
		.gid = cli_flag_int(a, "gid"),
		.mode = cli_flag_given(a, "mode") && *cli_flag_str(a, "mode")
				? cli_flag_str(a, "mode")
				: NULL,
	};

	return cli_file_push(ctx, &o, a->pos, a->npos - 1, a->pos[a->npos - 1]);
}
