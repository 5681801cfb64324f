// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `file push|pull|delete|edit`, lxc's way (LXD-API.md §14): paths
 * given as [<remote>:]<instance>/<path>, absolute paths on POST and
 * relative ones on GET and DELETE, X-LXD-uid/gid/mode/type headers taken
 * from the local file unless --uid/--gid/--mode say otherwise, -p making
 * the missing parents (GETs deepest first, then POSTs top-down), -r
 * walking trees both ways, and `-` for stdin and stdout. Runs in the
 * client as the invoking user, no privilege: it reads and writes only
 * what that user may. What the server sends is untrusted: the X-LXD
 * headers are parsed with lxc's rules (cli_file_headers), a directory
 * listing is JSON checked for its shape, and names in it are refused
 * when they are "", ".", ".." or hold a "/" before any local path is made
 * from them.
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
#include "editor.h"
#include "session.h"
#include "verbs.h"

#define DIR_MODE 0755     /* lxc's DirMode for local directories */
#define LINK_MAX_LEN 4096 /* a symlink's target, as pulled */
#define LINK_FOLLOW_MAX 255

/* ---- paths, as Go's path package ------------------------------------------------------------- */

char *cli_path_clean(const char *p)
{
	size_t n = strlen(p), out = 0, i = 0, dotdot;
	bool rooted = n > 0 && p[0] == '/';
	char *buf;

	if (n == 0)
		return strdup(".");
	buf = malloc(n + 2);
	if (!buf)
		return NULL;
	if (rooted)
		buf[out++] = '/';
	i = rooted ? 1 : 0;
	dotdot = out;
	while (i < n) {
		if (p[i] == '/') {
			i++;
		} else if (p[i] == '.' && (i + 1 == n || p[i + 1] == '/')) {
			i++;
		} else if (p[i] == '.' && p[i + 1] == '.' && (i + 2 == n || p[i + 2] == '/')) {
			i += 2;
			if (out > dotdot) {
				/* back up over the last element */
				out--;
				while (out > dotdot && buf[out] != '/')
					out--;
			} else if (!rooted) {
				if (out > 0)
					buf[out++] = '/';
				buf[out++] = '.';
				buf[out++] = '.';
				dotdot = out;
			}
		} else {
			if ((rooted && out != 1) || (!rooted && out != 0))
				buf[out++] = '/';
			for (; i < n && p[i] != '/'; i++)
				buf[out++] = p[i];
		}
	}
	if (out == 0)
		buf[out++] = '.';
	buf[out] = '\0';
	return buf;
}

char *cli_path_join(const char *a, const char *b)
{
	__do_free char *both = NULL;

	if (!*a && !*b)
		return strdup("");
	if (asprintf(&both, "%s%s%s", a, *a && *b ? "/" : "", b) < 0)
		return NULL;
	return cli_path_clean(both);
}

char *cli_path_base(const char *p)
{
	size_t n = strlen(p);
	const char *slash;

	if (n == 0)
		return strdup(".");
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0)
		return strdup("/");
	slash = memrchr(p, '/', n);
	if (slash)
		return strndup(slash + 1, n - (size_t)(slash + 1 - p));
	return strndup(p, n);
}

char *cli_path_dir(const char *p)
{
	const char *slash = strrchr(p, '/');
	__do_free char *dir = strndup(p, slash ? (size_t)(slash - p + 1) : 0);

	return dir ? cli_path_clean(dir) : NULL;
}

int cli_file_spec(const char *arg, char **ret_instance, char **ret_path)
{
	const char *slash = strchr(arg, '/');
	char *inst, *path;

	if (!slash)
		return -EINVAL;
	inst = strndup(arg, (size_t)(slash - arg));
	path = strdup(slash + 1);
	if (!inst || !path) {
		free(inst);
		free(path);
		return -ENOMEM;
	}
	*ret_instance = inst;
	*ret_path = path;
	return 0;
}

/* "/1.0/instances/<name>/files?path=<escaped path>", malloc'ed. */
static char *files_path(const char *name, const char *path)
{
	__do_free char *base = cli_instance_path(name, "/files?path="), *e = cli_escape(path);
	char *full;

	if (!base || !e || asprintf(&full, "%s%s", base, e) < 0)
		return NULL;
	return full;
}

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

/* ---- one GET ---------------------------------------------------------------------------------------- */

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
static int get_file(struct cli_conn *conn, const char *name, const char *path, const char *dest,
		    struct cli_progress *progress, struct cli_resp *ret_resp,
		    struct pull_sink *sink)
{
	__do_free char *url = files_path(name, path);
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

/* ---- push ----------------------------------------------------------------------------------------------- */

struct push_opts {
	bool recursive, mkdir, quiet;
	bool no_mode_change; /* file edit: send no uid, gid or mode */
	long uid, gid;       /* -1: from the local file */
	const char *mode;    /* NULL: from the local file */
};

/* POST one entry with lxc's headers; body from fd (streamed) or data (a symlink, "" for a directory). */
static int post_entry(struct cli_conn *conn, const char *name, const char *target, const char *type,
		      int64_t uid, int64_t gid, int mode, int fd, const char *data,
		      struct cli_progress *progress)
{
	__do_free char *url = files_path(name, target);
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

/* Does path exist as a directory on the instance? 1, 0 (not there), or an error (not a directory). */
static int remote_dir(struct cli_conn *conn, const char *name, const char *path)
{
	struct cli_resp resp = { 0 };
	struct pull_sink sink;
	int r = get_file(conn, name, path, NULL, NULL, &resp, &sink);

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
		r = post_entry(conn, name, cur, "directory", uid, gid, mode, -1, "", NULL);
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

		r = post_entry(conn, name, dest, "directory", st.st_uid, st.st_gid,
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
		return post_entry(conn, name, dest, "symlink", st.st_uid, st.st_gid,
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
		return post_entry(conn, name, dest, "file", st.st_uid, st.st_gid,
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

static int do_push(struct cli_ctx *ctx, const struct push_opts *o, const char *const *sources,
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
		r = post_entry(&conn, name, fpath, "file", uid, gid, fmode, fds[i], NULL,
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

	return do_push(ctx, &o, a->pos, a->npos - 1, a->pos[a->npos - 1]);
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
	r = get_file(conn, name, p, target, &progress, &resp, &sink);
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
		r = get_file(conn, name, cur, NULL, NULL, &resp, &next);
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

static int do_pull(struct cli_ctx *ctx, bool recursive, bool mkdirs, const char *const *sources,
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
		r = get_file(&conn, name, path, dest, &progress, &resp, &sink);
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
					r = get_file(&conn, name, real, dest, &progress, &again,
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

	return do_pull(ctx, cli_flag_bool(a, "recursive"), cli_flag_bool(a, "create-dirs"), a->pos,
		       a->npos - 1, a->pos[a->npos - 1]);
}

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
		url = files_path(name, path);
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
		return do_push(ctx, &o, src, 1, a->pos[0]);
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
	r = do_pull(ctx, false, false, src, 1, file);
	if (r == 0)
		r = cli_editor_run(file);
	if (r == 0) {
		src[0] = file;
		r = do_push(ctx, &o, src, 1, a->pos[0]);
	}
	unlink(file);
	rmdir(dir);
	return r;
}
