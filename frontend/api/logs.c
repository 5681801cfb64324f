// SPDX-License-Identifier: Apache-2.0
/*
 * Instance logs: GET /1.0/instances/<name>/logs, .../logs/<file> (lxc.log
 * and the exec_<id>.stdout|.stderr files of record-output execs), DELETE
 * .../logs/<file> (exec files only), and the console log (GET and DELETE
 * .../console). Runs in moatd-api (unprivileged). moatd opens the
 * root-owned log files it names itself and hands back a read-only
 * descriptor; the exec files are the frontend's own, in
 * $MOAT_DIR/logs/<name>/ (made by moatd, owned by the frontend's user),
 * reached only through directory descriptors. Instance and file names come
 * from clients: untrusted, checked before they name anything.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/instances.h"
#include "ph/ph.h"

/* ---- the frontend's own log files: $MOAT_DIR/logs/<name>/exec_* ------------------- */

bool fe_exec_log_name_valid(const char *file)
{
	static const char prefix[] = "exec_";
	const size_t plen = sizeof(prefix) - 1, slen = sizeof(".stdout") - 1;
	size_t len, idlen;

	if (!file || strncmp(file, prefix, plen) != 0)
		return false;
	len = strlen(file);
	if (len <= plen + slen)
		return false;
	idlen = len - plen - slen;
	if (idlen > FE_EXEC_LOG_ID_MAX || (strcmp(file + len - slen, ".stdout") != 0 &&
					   strcmp(file + len - slen, ".stderr") != 0))
		return false;
	for (size_t k = plen; k < plen + idlen; k++) {
		char c = file[k];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
	}
	return true;
}

/* $MOAT_DIR/logs, made by moatd at start. */
static int open_logs_root(void)
{
	char path[PATH_BUF];
	int fd;

	if (snprintf(path, sizeof(path), "%s/logs", fe_srv.dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* logs/<name>/ of a valid instance name, made (0700) first if create. */
static int open_instance_logs(int root, const char *name, bool create)
{
	int fd;

	if (root < 0)
		return root;
	if (!name_valid_str(name))
		return -EINVAL;
	if (create && mkdirat(root, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/*
 * Open name's exec log file: for writing (created or truncated, 0600) or
 * for reading; a regular file only (O_NONBLOCK: a FIFO in its place must
 * not block the open). The name is checked here again, so that nothing
 * but an exec_ file in the instance's own directory is reachable.
 */
static int open_exec_log(const char *name, const char *file, bool create, int *ret_fd)
{
	__do_close int root = -EBADF, dfd = -EBADF;
	struct stat st;
	int fd;

	if (!fe_exec_log_name_valid(file))
		return -EINVAL;
	root = open_logs_root();
	dfd = open_instance_logs(root, name, create);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, file,
		    (create ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC |
			    O_NONBLOCK,
		    0600);
	if (fd < 0)
		return errno == ELOOP ? -ENOENT : -errno; /* a symlink in its place: not ours */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	*ret_fd = fd;
	return 0;
}

int fe_exec_log_create(const char *name, const char *file, int *ret_fd)
{
	return open_exec_log(name, file, true, ret_fd);
}

/* logs/<name>/ to read, or NULL (none, or an error). */
static DIR *open_instance_logs_dir(int root, const char *name)
{
	int dfd = open_instance_logs(root, name, false);
	DIR *d;

	if (dfd < 0)
		return NULL;
	d = fdopendir(dfd);
	if (!d)
		close(dfd);
	return d;
}

void fe_instance_logs_remove(const char *name)
{
	__do_close int root = open_logs_root();
	__do_closedir DIR *d = open_instance_logs_dir(root, name);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	(void)unlinkat(root, name, AT_REMOVEDIR);
}

int fe_instance_logs_rename(const char *from, const char *to)
{
	__do_close int root = open_logs_root();

	if (root < 0)
		return root == -ENOENT ? 0 : root;
	if (renameat(root, from, root, to) < 0 && errno != ENOENT) /* the new name has none */
		return -errno;
	return 0;
}

/* Append the URL of each exec_ file of the instance to a (unsorted). */
static void list_exec_logs(const char *name, json_object *a)
{
	__do_close int root = open_logs_root();
	__do_closedir DIR *d = open_instance_logs_dir(root, name);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char url[256];

		if (fe_exec_log_name_valid(e->d_name) &&
		    snprintf(url, sizeof(url), "/1.0/instances/%s/logs/%s", name, e->d_name) <
			    (int)sizeof(url))
			json_object_array_add(a, json_object_new_string(url));
	}
}

static int by_string(const void *x, const void *y)
{
	return strcmp(json_object_get_string(*(json_object *const *)x),
		      json_object_get_string(*(json_object *const *)y));
}

/* ---- the endpoints -------------------------------------------------------------- */

/* 0 when the instance exists, else <0 with a 404 in resp. */
static int check_instance(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_instance i;
	const char *name = fe_param(req, "name");

	if (!name_valid_str(name) || fe_instance_load(name, &i) < 0)
		return fe_error(resp, 404, "Instance not found") - 1;
	fe_instance_free(&i);
	return 0;
}

static int log_op(struct fe_req *req, struct fe_resp *resp, enum ph_log_kind kind, bool truncate,
		  int *ret_fd)
{
	struct fe_instance i;
	int e;
	const char *name = fe_param(req, "name");

	if (!name_valid_str(name) || fe_instance_load(name, &i) < 0)
		return fe_error(resp, 404, "Instance not found") - 1;
	e = ph_call_instance_log(i.name, kind, truncate, ret_fd, NULL);
	fe_instance_free(&i);
	if (e < 0) {
		if (e == -ENOENT && truncate)
			return 0; /* nothing to clear */
		return e == -ENOENT
			       ? fe_error(resp, 404, "Not Found") - 1
			       : fe_error(resp, 500, "Cannot read the log: %s", strerror(-e)) - 1;
	}
	return 0;
}

static int api_logs(struct fe_req *req, struct fe_resp *resp)
{
	json_object *a;
	char url[128];
	int r;
	const char *name = fe_param(req, "name");

	if (check_instance(req, resp) < 0)
		return 0;
	r = log_op(req, resp, PH_LOG_LXC, false, NULL);
	if (r < 0 && resp->http_status != 404)
		return 0;
	a = json_object_new_array();
	if (r == 0) { /* else no lxc.log (yet): list what there is */
		snprintf(url, sizeof(url), "/1.0/instances/%s/logs/lxc.log", name);
		json_object_array_add(a, json_object_new_string(url));
	}
	list_exec_logs(name, a);
	json_object_array_sort(a, by_string); /* by name, as LXD lists a directory */
	return fe_sync(resp, a);
}

static int send_log(struct fe_req *req, struct fe_resp *resp, enum ph_log_kind kind)
{
	int fd = -1;

	if (log_op(req, resp, kind, false, &fd) < 0)
		return 0;
	fe_raw(resp, NULL, 0);
	resp->raw_fd = fd;
	return 0;
}

static int api_log_file(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name"), *file = fe_param(req, "file");
	int fd = -EBADF, r;

	if (strcmp(file, "lxc.log") == 0)
		return send_log(req, resp, PH_LOG_LXC);
	if (check_instance(req, resp) < 0)
		return 0;
	if (!fe_exec_log_name_valid(file))
		return fe_error(resp, 404, "Not Found");
	r = open_exec_log(name, file, false, &fd);
	if (r == -ENOENT)
		return fe_error(resp, 404, "Not Found");
	if (r < 0)
		return fe_error(resp, 500, "Cannot read the log: %s", strerror(-r));
	fe_raw(resp, NULL, 0);
	resp->raw_fd = fd; /* http.c sends it with its length, and closes it */
	return 0;
}

static int api_log_delete(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name"), *file = fe_param(req, "file");
	__do_close int root = -EBADF, dfd = -EBADF;
	int r;

	if (check_instance(req, resp) < 0)
		return 0;
	if (strcmp(file, "lxc.log") == 0 || strcmp(file, "lxc.conf") == 0)
		return fe_error(resp, 400, "lxc.log and lxc.conf may not be deleted");
	if (!fe_exec_log_name_valid(file))
		return fe_error(resp, 404, "Not Found");
	root = open_logs_root();
	dfd = open_instance_logs(root, name, false);
	r = dfd < 0 ? dfd : unlinkat(dfd, file, 0) < 0 ? -errno : 0;
	if (r == -ENOENT)
		return fe_error(resp, 404, "Not Found");
	if (r < 0)
		return fe_error(resp, 500, "Cannot delete the log: %s", strerror(-r));
	return fe_sync(resp, json_object_new_object());
}

static int api_console_log(struct fe_req *req, struct fe_resp *resp)
{
	return send_log(req, resp, PH_LOG_CONSOLE);
}

static int api_console_clear(struct fe_req *req, struct fe_resp *resp)
{
	if (log_op(req, resp, PH_LOG_CONSOLE, true, NULL) < 0)
		return 0;
	return fe_sync(resp, json_object_new_object());
}

static const struct fe_route routes[] = {
	{ "/1.0/instances/{name}/logs", "GET", api_logs, 0, NULL },
	{ "/1.0/instances/{name}/logs/{file}", "GET", api_log_file, 0, NULL },
	{ "/1.0/instances/{name}/logs/{file}", "DELETE", api_log_delete, 0, NULL },
	{ "/1.0/instances/{name}/console", "GET", api_console_log, 0, NULL },
	{ "/1.0/instances/{name}/console", "DELETE", api_console_clear, 0, NULL },
	{ 0 },
};

const struct fe_api_module fe_module_logs = { "logs", routes, NULL };
