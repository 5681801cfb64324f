// SPDX-License-Identifier: Apache-2.0
/*
 * moat: reading the server's answers without trusting them (declared in
 * client.h): LXD's envelope (sync, async, error) from a body's bytes, the
 * typed cli_j* accessors, the file API's X-LXD headers with lxc's rules,
 * and an async answer's operation id and websocket secrets. Runs in the
 * client as the invoking user, no privilege. No I/O: it reads what
 * client.c received, and records errors in the error slot (cli.h). The
 * input is the server's and untrusted: a body is at most CLI_JSON_MAX
 * bytes, parsed whole as exactly one JSON object, and read only through
 * accessors that check each value's type; the X-LXD numbers are read in
 * full or not at all.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "cleanup.h"
#include "cli.h"
#include "client.h"

/* ---- JSON accessors ------------------------------------------------------------------- */

json_object *cli_jget(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

json_object *cli_jmap(json_object *o, const char *key)
{
	static json_object *empty;
	json_object *v = cli_jget(o, key, json_type_object);

	if (v)
		return v;
	if (!empty)
		empty = json_object_new_object();
	if (!empty)
		abort();
	return empty;
}

const char *cli_jstr(json_object *o, const char *key)
{
	json_object *v = cli_jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : "";
}

int64_t cli_jint(json_object *o, const char *key)
{
	json_object *v = cli_jget(o, key, json_type_int);

	if (!v)
		v = cli_jget(o, key, json_type_double);
	return v ? json_object_get_int64(v) : 0;
}

bool cli_jbool(json_object *o, const char *key)
{
	json_object *v = cli_jget(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

/* ---- the envelope ------------------------------------------------------------------------- */

static const char *reason(long status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

bool cli_status_ok(long s)
{
	return s >= 200 && s < 300;
}

json_object *cli_json_parse(const char *buf, size_t len)
{
	json_object *o = NULL;
	json_tokener *tok;
	size_t end;

	if (!buf || !len || len > CLI_JSON_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	end = json_tokener_get_error(tok) == json_tokener_success ? json_tokener_get_parse_end(tok)
								  : 0;
	json_tokener_free(tok);
	/* one document, then only blanks (LXD ends each event with a newline) */
	while (end && end < len && strchr(" \t\r\n", buf[end]) && buf[end])
		end++;
	if (o && (end != len || !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

int cli_envelope_parse(const char *buf, size_t len, struct cli_resp *r)
{
	const char *msg;

	if (r->json)
		json_object_put(r->json);
	r->metadata = NULL;
	r->json = cli_json_parse(buf, len);
	if (r->json)
		json_object_object_get_ex(r->json, "metadata", &r->metadata);
	msg = cli_jstr(r->json, "error");
	if (!cli_status_ok(r->status) || strcmp(cli_jstr(r->json, "type"), "error") == 0) {
		if (*msg)
			return cli_error(-EIO, "%s", msg);
		return cli_error(-EIO, "%s", reason(r->status));
	}
	if (!r->json)
		return cli_error(-EPROTO, "the server's answer is not JSON");
	return 0;
}

/* ---- the file API's headers ----------------------------------------------------------------- */

/* A whole decimal integer (strconv.ParseInt(s, 10, 64)), else false. */
static bool parse_i64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!((*s >= '0' && *s <= '9') || ((*s == '+' || *s == '-') && s[1] >= '0' && s[1] <= '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

bool cli_parse_go_int(const char *s, int64_t *ret)
{
	bool neg = false;
	int base = 10;
	uint64_t v = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
		if (v > (uint64_t)INT64_MAX)
			return false;
	}
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

void cli_file_headers(const struct cli_resp *r, struct cli_file_info *ret)
{
	int64_t v;

	ret->uid = parse_i64(r->lxd_uid, &v) ? v : -1;
	ret->gid = parse_i64(r->lxd_gid, &v) ? v : -1;
	/*
	 * lxc: a decimal number first (Atoi), then read again with its base
	 * (ParseInt(s, 0)), keeping the permission bits; if that second read
	 * fails ("0649"), the decimal value stays.
	 */
	if (!parse_i64(r->lxd_mode, &v) || v < INT_MIN || v > INT_MAX) {
		ret->mode = -1;
	} else {
		int64_t m;

		ret->mode = cli_parse_go_int(r->lxd_mode, &m) ? (int)(m & 0777) : (int)v;
	}
	snprintf(ret->type, sizeof(ret->type), "%s", *r->lxd_type ? r->lxd_type : "file");
}

/* ---- an async answer's operation ------------------------------------------------------------ */

const char *cli_op_id(const struct cli_resp *r)
{
	const char *id = cli_jstr(r->metadata, "id"), *url;

	if (*id)
		return id;
	url = cli_jstr(r->json, "operation");
	if (strncmp(url, "/1.0/operations/", 16) == 0)
		return url + 16;
	return "";
}

json_object *cli_op_fds(const struct cli_resp *r)
{
	return cli_jget(cli_jget(r->metadata, "metadata", json_type_object), "fds",
			json_type_object);
}
