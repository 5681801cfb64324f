/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: the REST client. HTTP over a remote's unix socket with libcurl,
 * LXD's response envelopes (sync, async, error), operations (waited for
 * with GET /1.0/operations/<id>/wait) and streamed uploads and downloads.
 * Runs in the client as the invoking user; the server's answers are
 * untrusted: sizes are capped, JSON is checked for its shape before use,
 * and server strings are only ever printed.
 *
 * Every function returns 0 or a negative errno and, on failure, has put
 * the message for "Error: ..." in the error slot (cli.h): the server's own
 * `error` text when it sent one, as lxc does.
 *
 * For websocket users (exec, console, monitor): cli_conn_socket() gives a
 * connected stream to the same server, on which an HTTP/1.1 upgrade
 * request can be written by hand and then common/ws.c's framing used;
 * cli_op_id() and cli_op_fds() read what such operations return.
 */
#ifndef MOAT_CLI_CLIENT_H
#define MOAT_CLI_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CLI_JSON_MAX (64u << 20) /* the largest JSON answer accepted */

struct cli_conn {
	char *remote; /* its name in the config, for messages */
	char *socket; /* the unix socket's path */
	bool debug;   /* --debug: each request and answer on stderr */
};

/* One answer. json is the whole envelope (NULL if the body was not JSON). */
struct cli_resp {
	long status;
	json_object *json;
	json_object *metadata; /* borrowed from json; NULL if absent */
	char etag[128];
	char location[512];
	char filename[256]; /* from Content-Disposition, if any */
	char content_type[128];
	/* the file API's X-LXD-uid, -gid, -mode and -type headers, as sent (see cli_file_headers) */
	char lxd_uid[24];
	char lxd_gid[24];
	char lxd_mode[16];
	char lxd_type[32];
};

/* What a file GET's headers say, as lxc's ParseLXDFileHeaders reads them. */
struct cli_file_info {
	int64_t uid, gid; /* -1: absent or not a number */
	int mode;         /* permission bits (0777 at most), -1: absent or not a number */
	char type[32];    /* "file" when absent */
};
void cli_file_headers(const struct cli_resp *r, struct cli_file_info *ret);
/*
 * Go's strconv.ParseInt(s, 0, 64) (no underscores): a sign, then 0x, 0o,
 * 0b, a leading 0 (octal) or decimal digits, all of s. false otherwise.
 */
bool cli_parse_go_int(const char *s, int64_t *ret);

void cli_resp_free(struct cli_resp *r);
void cli_conn_free(struct cli_conn *c);

/*
 * Percent-escape s for use as one path segment (everything outside
 * [A-Za-z0-9._~-]), or as a query value. NULL on ENOMEM.
 */
char *cli_escape(const char *s);

/*
 * A request with an optional JSON body. 0 when the server answered 2xx
 * with a JSON envelope that is not of type "error"; else the server's
 * error (or the transport's) is recorded and *ret still holds what came.
 */
int cli_request(struct cli_conn *c, const char *method, const char *path, json_object *body,
		struct cli_resp *ret);
/* The same with extra headers ("Name: value", NULL-terminated; If-Match for instance). */
int cli_request_hdr(struct cli_conn *c, const char *method, const char *path, json_object *body,
		    const char *const *headers, struct cli_resp *ret);

/*
 * A request whose body is len raw bytes (Content-Length, no JSON type: a
 * directory or symlink push), with extra headers. The answer is in *ret.
 */
int cli_send_raw(struct cli_conn *c, const char *method, const char *path, const void *data,
		 size_t len, const char *const *headers, struct cli_resp *ret);

/*
 * Parse a response body as LXD's envelope into r (status already set): 0,
 * or the server's error recorded (a non-2xx status, type "error", or a
 * body that is not a JSON object). Pure: the body is the server's and
 * untrusted; r->json is set when it was a JSON object.
 */
int cli_envelope_parse(const char *buf, size_t len, struct cli_resp *r);

/* One JSON object (and trailing blanks) from untrusted bytes, at most CLI_JSON_MAX; else NULL. */
json_object *cli_json_parse(const char *buf, size_t len);

/* A sync request; *ret_md (if asked for) gets a reference to `metadata`. */
int cli_sync(struct cli_conn *c, const char *method, const char *path, json_object *body,
	     json_object **ret_md);

static inline int cli_get(struct cli_conn *c, const char *path, json_object **ret_md)
{
	return cli_sync(c, "GET", path, NULL, ret_md);
}

/* GET a non-JSON body (a log file) into a malloc'ed, NUL-terminated buffer. */
int cli_get_raw(struct cli_conn *c, const char *path, char **ret_buf, size_t *ret_len);

/*
 * An async request, then wait for its operation. The operation's own
 * failure (status not Success) is an error carrying its `err` text.
 * *ret_op (optional) gets the final operation object.
 */
int cli_async(struct cli_conn *c, const char *method, const char *path, json_object *body,
	      json_object **ret_op);
/* The same with extra headers. */
int cli_async_hdr(struct cli_conn *c, const char *method, const char *path, json_object *body,
		  const char *const *headers, json_object **ret_op);

/* The operation id of an async answer (metadata.id, else the `operation` URL). */
const char *cli_op_id(const struct cli_resp *r);
/* An async answer's metadata.metadata.fds (websocket secrets), or NULL. */
json_object *cli_op_fds(const struct cli_resp *r);

/* Wait for operation `id` to end; error unless it ended in Success. */
int cli_op_wait(struct cli_conn *c, const char *id, json_object **ret_op);
/* Wait for operation `id` to end, however it ended: *ret_op is the final object. */
int cli_op_wait_final(struct cli_conn *c, const char *id, json_object **ret_op);

/* Progress shown while bytes move (on a terminal only; see format.h). */
struct cli_progress {
	bool show;
	const char *label; /* "Transferring image" */
	uint64_t total;    /* 0: unknown */
	size_t last_len;
	int last_pct;
};

/*
 * POST/PUT a file as the body, streamed and chunked as lxc sends it, with
 * extra headers ("Name: value", NULL-terminated). The answer is in *ret.
 */
int cli_upload(struct cli_conn *c, const char *method, const char *path, int fd,
	       const char *const *headers, struct cli_progress *progress, struct cli_resp *ret);

/*
 * GET path and hand every body byte to sink (return 0, or a negative errno
 * to stop). A JSON error answer is recorded as usual. ret gets the headers.
 * A directory (X-LXD-type: directory) is a JSON answer: it is kept in ret
 * (ret->metadata the list of names) and never given to the sink.
 */
typedef int (*cli_sink)(void *userdata, const void *data, size_t len);
int cli_download(struct cli_conn *c, const char *path, cli_sink sink, void *userdata,
		 struct cli_progress *progress, struct cli_resp *ret);

/*
 * Read fd to its end into a malloc'ed, NUL-terminated buffer of at most
 * max bytes: 0, -EFBIG past max, or the read's -errno (nothing recorded).
 */
int cli_read_all(int fd, size_t max, char **ret, size_t *ret_len);

/* write() it all (EINTR retried): 0 or -errno (nothing recorded). */
int cli_write_all(int fd, const void *data, size_t len);

/* Get a list (a JSON array) with cli_get: anything else is an error. */
int cli_get_list(struct cli_conn *c, const char *path, json_object **ret);

/* A connected SOCK_STREAM to the server (for websocket upgrades). */
int cli_conn_socket(const struct cli_conn *c, int *ret_fd);

/* ---- reading the server's JSON without trusting its shape ---------------------------- */

/* o[key] as a string ("" when absent or not a string). */
const char *cli_jstr(json_object *o, const char *key);
/* o[key] as an integer (0 when absent or not a number). */
int64_t cli_jint(json_object *o, const char *key);
bool cli_jbool(json_object *o, const char *key);
/* o[key] if it is an object, else an empty object (never NULL; not to be freed or changed). */
json_object *cli_jmap(json_object *o, const char *key);
/* o[key] if it has the given type, else NULL. */
json_object *cli_jget(json_object *o, const char *key, json_type type);

#endif
