// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/instances/<name>/files?path=: push, pull and delete of files,
 * directories and symlinks (LXD-API.md §14), on running and stopped
 * instances. Runs in moatd-api (unprivileged): paths, headers and bodies
 * are untrusted. moatd resolves each path inside the container's root and
 * hands back descriptors; a pushed body streams straight into one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/instances.h"
#include "model/pools.h"
#include "ph/ph.h"

/* The path query, made absolute ("root/f" -> "/root/f"). */
static int file_path(struct fe_req *req, struct fe_resp *resp, char ret[static PATH_BUF])
{
	const char *p = fe_query(req, "path");
	int n;

	if (!p || !*p) {
		fe_error(resp, 400, "Missing path argument");
		return -EINVAL;
	}
	n = snprintf(ret, PATH_BUF, "%s%s", p[0] == '/' ? "" : "/", p);
	if (n < 0 || n >= PATH_BUF) {
		fe_error(resp, 400, "Path too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

static bool instance_exists(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name");
	struct fe_instance i;

	if (!name_valid_str(name) || fe_instance_load(name, &i) < 0) {
		fe_error(resp, 404, "Instance not found");
		return false;
	}
	fe_instance_free(&i);
	return true;
}

/* One file_op; on failure resp holds the error. */
static int file_op(const char *name, const char *path, enum ph_file_op_kind kind, int uid, int gid,
		   int mode, const char *target, struct fe_resp *resp,
		   struct ph_file_info *ret_info, int *ret_fd)
{
	const struct ph_file_request f = { .name = name,
					   .pool = fe_instance_pool(name),
					   .path = path,
					   .kind = kind,
					   .uid = uid,
					   .gid = gid,
					   .mode = mode,
					   .target = target };
	int r = ph_call_file_op(&f, ret_info, ret_fd, NULL);

	if (r < 0) {
		if (r == -ENOENT)
			fe_error(resp, 404, "Not Found");
		else if (r == -EEXIST)
			fe_error(resp, 400, "File already exists");
		/* ENAMETOOLONG (a 300-byte component) and EINVAL (a delete of
		 * "/") are the client's error too: 400, not 500 (found by
		 * tests/integration/90-hostile.sh) */
		else if (r == -EISDIR || r == -ENOTDIR || r == -EPERM || r == -ENOTEMPTY ||
			 r == -ELOOP || r == -ENAMETOOLONG || r == -EINVAL)
			fe_error(resp, 400, "%s", strerror(-r));
		else
			fe_error(resp, 500, "File operation failed: %s", strerror(-r));
		return r;
	}
	return 0;
}

int fe_file_exists(const char *name, const char *path)
{
	struct fe_resp resp = { 0 };
	int r = file_op(name, path, PH_FILE_OP_READ, -1, -1, -1, NULL, &resp, NULL, NULL);

	fe_resp_free(&resp);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

int fe_file_write(const char *name, const char *path, const void *data, size_t len)
{
	struct fe_resp resp = { 0 };
	int fd = -1, r;

	/* a new file is 0644 and the container root's; an existing one keeps both */
	r = file_op(name, path, PH_FILE_OP_WRITE, -1, -1, -1, NULL, &resp, NULL, &fd);
	fe_resp_free(&resp);
	if (r < 0)
		return r;
	for (size_t off = 0; r == 0 && off < len;) {
		ssize_t n = write(fd, (const uint8_t *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = -EIO;
		else
			off += (size_t)n;
	}
	close(fd);
	return r;
}

static void lxd_headers(struct fe_resp *resp, const struct ph_file_info *f, const char *type)
{
	char v[32];

	if (!resp->headers)
		resp->headers = json_object_new_object();
	snprintf(v, sizeof(v), "%u", f->uid);
	json_object_object_add(resp->headers, "X-LXD-uid", json_object_new_string(v));
	snprintf(v, sizeof(v), "%u", f->gid);
	json_object_object_add(resp->headers, "X-LXD-gid", json_object_new_string(v));
	snprintf(v, sizeof(v), "%04o", f->mode);
	json_object_object_add(resp->headers, "X-LXD-mode", json_object_new_string(v));
	json_object_object_add(resp->headers, "X-LXD-type", json_object_new_string(type));
}

static int api_pull(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name");
	char path[PATH_BUF];
	struct ph_file_info info;
	int fd = -1;

	if (!instance_exists(req, resp) || file_path(req, resp, path) < 0)
		return 0;
	if (file_op(name, path, PH_FILE_OP_READ, -1, -1, -1, NULL, resp, &info, &fd) < 0)
		return 0;
	switch (info.type) {
	case PH_FILE_TYPE_SYMLINK:
		fe_raw(resp, NULL, 0);
		resp->raw_body = strdup(info.target);
		resp->raw_len = resp->raw_body ? strlen(info.target) : 0;
		lxd_headers(resp, &info, "symlink");
		break;
	case PH_FILE_TYPE_DIRECTORY: {
		json_object *names = json_object_new_array();
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				json_object_array_add(names, json_object_new_string(e->d_name));
		if (d)
			closedir(d);
		else if (fd >= 0)
			close(fd);
		fd = -1;
		fe_sync(resp, names);
		lxd_headers(resp, &info, "directory");
		break;
	}
	default: {
		const char *base = strrchr(path, '/');
		char disp[300];

		fe_raw(resp, NULL, 0);
		resp->raw_fd = TAKE_FD(fd);
		lxd_headers(resp, &info, "file");
		snprintf(disp, sizeof(disp), "inline;filename=%.250s", base ? base + 1 : path);
		json_object_object_add(resp->headers, "Content-Disposition",
				       json_object_new_string(disp));
		break;
	}
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

/* X-LXD-uid/gid (decimal) and X-LXD-mode (octal, base 0 as LXD parses it). */
static int header_num(struct fe_req *req, const char *key, int base, long max, int *ret,
		      struct fe_resp *resp)
{
	const char *v = fe_header(req, key);
	char *end;
	long x;

	*ret = -1;
	if (!v || !*v)
		return 0;
	errno = 0;
	x = strtol(v, &end, base);
	if (errno || *end || x < -1 || x > max) {
		fe_error(resp, 400, "Invalid %s header", key);
		return -EINVAL;
	}
	*ret = (int)x;
	return 0;
}

struct push {
	int fd;
	char *name;
};

static void push_free(void *p)
{
	struct push *s = p;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->name);
	free(s);
}

/* Headers are in: a file body streams into a descriptor moatd opened. */
static int push_open(struct fe_req *req, struct fe_resp *resp, void **ret_state)
{
	const char *name = fe_param(req, "name");
	const char *type = fe_header(req, "X-LXD-type"), *write = fe_header(req, "X-LXD-write");
	char path[PATH_BUF];
	int uid, gid, mode, fd = -1;
	struct push *s;

	if (type && *type && strcmp(type, "file") != 0)
		return 1; /* directories and symlinks: a small body, gathered */
	if (!instance_exists(req, resp) || file_path(req, resp, path) < 0 ||
	    header_num(req, "X-LXD-uid", 10, 65535, &uid, resp) < 0 ||
	    header_num(req, "X-LXD-gid", 10, 65535, &gid, resp) < 0 ||
	    header_num(req, "X-LXD-mode", 0, 07777, &mode, resp) < 0)
		return -EINVAL;
	if (write && *write && strcmp(write, "overwrite") != 0 && strcmp(write, "append") != 0) {
		fe_error(resp, 400, "Invalid X-LXD-write header");
		return -EINVAL;
	}
	if (file_op(name, path,
		    write && strcmp(write, "append") == 0 ? PH_FILE_OP_APPEND : PH_FILE_OP_WRITE,
		    uid, gid, mode, NULL, resp, NULL, &fd) < 0)
		return -EIO;
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		fe_error(resp, 500, "Out of memory");
		return -ENOMEM;
	}
	s->fd = fd;
	*ret_state = s;
	return 0;
}

static int push_write(void *state, const void *data, size_t len, struct fe_resp *resp)
{
	struct push *s = state;

	for (size_t off = 0; off < len;) {
		ssize_t n = write(s->fd, (const uint8_t *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fe_error(resp, 500, "Failed to write the file: %s", strerror(errno));
			return -EIO;
		}
		off += (size_t)n;
	}
	return 0;
}

static const struct fe_body_sink push_sink = { push_open, push_write, push_free };

static int api_push(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name");
	const char *type = fe_header(req, "X-LXD-type");
	char path[PATH_BUF], target[PATH_BUF];
	int uid, gid, mode;

	if (req->stream) /* a file: everything went through push_write */
		return fe_sync(resp, json_object_new_object());
	if (!instance_exists(req, resp) || file_path(req, resp, path) < 0 ||
	    header_num(req, "X-LXD-uid", 10, 65535, &uid, resp) < 0 ||
	    header_num(req, "X-LXD-gid", 10, 65535, &gid, resp) < 0 ||
	    header_num(req, "X-LXD-mode", 0, 07777, &mode, resp) < 0)
		return 0;
	if (type && strcmp(type, "directory") == 0) {
		if (file_op(name, path, PH_FILE_OP_MKDIR, uid, gid, mode, NULL, resp, NULL, NULL) <
		    0)
			return 0;
	} else if (type && strcmp(type, "symlink") == 0) {
		if (req->body_len == 0 || req->body_len >= sizeof(target) ||
		    memchr(req->body, '\0', req->body_len))
			return fe_error(resp, 400, "Invalid symlink target");
		memcpy(target, req->body, req->body_len);
		target[req->body_len] = '\0';
		if (file_op(name, path, PH_FILE_OP_SYMLINK, uid, gid, -1, target, resp, NULL,
			    NULL) < 0)
			return 0;
	} else {
		return fe_error(resp, 400, "Unknown X-LXD-type \"%.32s\"", type ? type : "");
	}
	return fe_sync(resp, json_object_new_object());
}

static int api_delete_file(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name");
	char path[PATH_BUF];

	if (!instance_exists(req, resp) || file_path(req, resp, path) < 0)
		return 0;
	if (file_op(name, path, PH_FILE_OP_DELETE, -1, -1, -1, NULL, resp, NULL, NULL) < 0)
		return 0;
	return fe_sync(resp, json_object_new_object());
}

static const struct fe_route routes[] = {
	{ "/1.0/instances/{name}/files", "GET", api_pull, 0, NULL },
	{ "/1.0/instances/{name}/files", "POST", api_push, 0, &push_sink },
	{ "/1.0/instances/{name}/files", "DELETE", api_delete_file, 0, NULL },
	{ 0 },
};

/* The API extensions these endpoints add (GET /1.0 lists them). */
static const char *const extensions[] = {
	"directory_manipulation", /* file push and pull of directories */
	"file_symlinks",          /* symlinks in file push and pull */
	"file_delete",            /* DELETE .../files */
	NULL,
};

const struct fe_api_module fe_module_files = { "files", routes, extensions };
