// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `monitor`, lxc's way: the /1.0/events websocket, each event
 * printed as lxc prints it (re-read as api.Event, then as an interface{}:
 * YAML by default, JSON with --format json, and --pretty as logrus's
 * text line), until the connection ends or moat is killed. --type narrows
 * the events on the server (?type=a,b; lxc 5.0.2 filters on its side
 * only) and here too. Runs in the client as the invoking user, no
 * privilege. Events are the server's and untrusted: each is one text
 * frame (wsclient.c's caps), parsed as a JSON object and only printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cleanup.h"
#include "doc.h"
#include "verbs.h"
#include "wsclient.h"

enum monitor_format { MON_YAML, MON_JSON, MON_PRETTY };

/* logrus's levels, most severe first; -1 when unknown. */
static int log_level(const char *s)
{
	static const char *const levels[] = { "panic", "fatal", "error", "warning",
					      "info",  "debug", "trace" };

	if (strcasecmp(s, "warn") == 0)
		return 3;
	if (strcasecmp(s, "dbug") == 0)
		return 5;
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (strcasecmp(s, levels[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * api.Event as lxc holds it: type, timestamp (a time.Time: its RFC3339Nano
 * form), metadata (raw), location and project (omitempty); other keys dropped.
 */
json_object *cli_event_normalize(json_object *ev)
{
	json_object *o = json_object_new_object(), *md = NULL;
	const char *ts = cli_jstr(ev, "timestamp");
	char t[64];
	size_t tl = cli_go_time(ts, strlen(ts), t, sizeof(t));

	if (!o)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string(cli_jstr(ev, "type")));
	json_object_object_add(o, "timestamp",
			       json_object_new_string(tl    ? t
						      : *ts ? ts
							    : "0001-01-01T00:00:00Z"));
	if (json_object_object_get_ex(ev, "metadata", &md))
		json_object_object_add(o, "metadata", json_object_get(md));
	else
		json_object_object_add(o, "metadata", NULL);
	if (*cli_jstr(ev, "location"))
		json_object_object_add(o, "location",
				       json_object_new_string(cli_jstr(ev, "location")));
	if (*cli_jstr(ev, "project"))
		json_object_object_add(o, "project",
				       json_object_new_string(cli_jstr(ev, "project")));
	return o;
}

/* logrus's text formatter: a value quoted (Go's %q, roughly) unless it is all [A-Za-z0-9-._/@^+]. */
static void logfmt_value(FILE *out, const char *s)
{
	bool quote = false;

	for (const char *p = s; *p && !quote; p++)
		quote = !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr("-._/@^+", *p));
	if (!quote) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p == '\r')
			fputs("\\r", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/*
 * time.RFC3339 of the event's time, in the zone it came with: the
 * fraction dropped, a zero offset written Z.
 */
static void logrus_time(const char *ts, char *ret, size_t size)
{
	size_t len = strlen(ts), head = 19;
	const char *zone;

	if (cli_time_parse(ts, &(time_t){ 0 }) < 0 || len < 20) {
		snprintf(ret, size, "0001-01-01T00:00:00Z");
		return;
	}
	zone = ts + head;
	if (*zone == '.')
		zone += strspn(zone + 1, "0123456789") + 1;
	if (strcmp(zone, "+00:00") == 0 || strcmp(zone, "-00:00") == 0)
		zone = "Z";
	snprintf(ret, size, "%.*s%s", (int)head, ts, zone);
}

/* fmt's %v of a value decoded into interface{}: map[k:v], [a b], <nil>, numbers, text. */
static void go_value(FILE *out, json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		fputs("<nil>", out);
		break;
	case json_type_boolean:
		fputs(json_object_get_boolean(v) ? "true" : "false", out);
		break;
	case json_type_int:
		fprintf(out, "%" PRId64, json_object_get_int64(v));
		break;
	case json_type_double:
		fprintf(out, "%.17g", json_object_get_double(v));
		break;
	case json_type_string:
		fputs(json_object_get_string(v), out);
		break;
	case json_type_array:
		fputc('[', out);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i)
				fputc(' ', out);
			go_value(out, json_object_array_get_idx(v, i));
		}
		fputc(']', out);
		break;
	case json_type_object: {
		__do_free const char **keys = cli_doc_object_keys(v, true);

		fputs("map[", out);
		for (size_t i = 0; keys && keys[i]; i++) {
			fprintf(out, "%s%s:", i ? " " : "", keys[i]);
			go_value(out, json_object_object_get(v, keys[i]));
		}
		fputc(']', out);
		break;
	}
	}
}

/* time.Time's String() of an RFC 3339 time: "2006-01-02 15:04:05.999999999 +0000 UTC". */
static void go_time_string(FILE *out, const char *ts)
{
	char t[64];
	size_t len = cli_go_time(ts, strlen(ts), t, sizeof(t)), zone;

	if (!len) {
		len = strlen(ts);
		if (len < 20 || len >= sizeof(t) || cli_time_parse(ts, &(time_t){ 0 }) < 0) {
			fputs("0001-01-01 00:00:00 +0000 UTC", out);
			return;
		}
		memcpy(t, ts, len + 1);
	}
	t[10] = ' ';
	zone = t[len - 1] == 'Z' ? len - 1 : len - 6;
	fprintf(out, "%.*s ", (int)zone, t);
	if (t[zone] == 'Z')
		fputs("+0000 UTC", out);
	else
		fprintf(out, "%.3s%.2s %.3s%.2s", t + zone, t + zone + 4, t + zone, t + zone + 4);
}

/* api.StatusCode's String(). */
static const char *status_text(int64_t code)
{
	static const struct {
		int code;
		const char *text;
	} codes[] = {
		{ 100, "Created" },  { 101, "Started" },    { 102, "Stopped" },
		{ 103, "Running" },  { 104, "Cancelling" }, { 105, "Pending" },
		{ 106, "Starting" }, { 107, "Stopping" },   { 108, "Aborting" },
		{ 109, "Freezing" }, { 110, "Frozen" },     { 111, "Thawed" },
		{ 112, "Error" },    { 113, "Ready" },      { 200, "Success" },
		{ 400, "Failure" },  { 401, "Cancelled" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i].code == code)
			return codes[i].text;
	return "";
}

/* One " key=value" field, the value as fmt's %v, quoted by logrus's rule. */
static void field(FILE *out, const char *key, json_object *v, const char *time_or_null)
{
	__do_free char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (time_or_null)
		go_time_string(f, time_or_null);
	else
		go_value(f, v);
	if (fclose(f) != 0)
		return;
	fprintf(out, " %s=", key);
	logfmt_value(out, buf);
}

/* The context of an operation event, as ToLogging() lists it (logrus sorts the keys). */
static void operation_fields(FILE *out, json_object *md)
{
	json_object *v;

	field(out, "CreatedAt", NULL, cli_jstr(md, "created_at"));
	v = json_object_new_string(cli_jstr(md, "err"));
	field(out, "Err", v, NULL);
	json_object_put(v);
	v = json_object_new_string(cli_jstr(md, "location"));
	field(out, "Location", v, NULL);
	json_object_put(v);
	v = json_object_new_boolean(cli_jbool(md, "may_cancel"));
	field(out, "MayCancel", v, NULL);
	json_object_put(v);
	field(out, "Metadata", cli_jmap(md, "metadata"), NULL);
	field(out, "Resources", cli_jmap(md, "resources"), NULL);
	v = json_object_new_string(cli_jstr(md, "status"));
	field(out, "Status", v, NULL);
	json_object_put(v);
	v = json_object_new_string(status_text(cli_jint(md, "status_code")));
	field(out, "StatusCode", v, NULL);
	json_object_put(v);
	field(out, "UpdatedAt", NULL, cli_jstr(md, "updated_at"));
}

/*
 * --pretty: lxc's event.ToLogging() through logrus's text formatter (no
 * colours): time, level, msg, then the context's fields sorted.
 */
static void print_pretty(FILE *out, json_object *ev, int max_level)
{
	const char *type = cli_jstr(ev, "type");
	json_object *md = cli_jget(ev, "metadata", json_type_object), *ctx = NULL;
	__do_free char *msg = NULL;
	__do_free const char **keys = NULL;
	const char *level = "info";
	char when[64];
	int r;

	if (strcmp(type, "logging") == 0) {
		level = cli_jstr(md, "level");
		if (strcmp(level, "dbug") == 0)
			level = "debug";
		r = asprintf(&msg, "%s", cli_jstr(md, "message"));
		ctx = cli_jget(md, "context", json_type_object);
	} else if (strcmp(type, "lifecycle") == 0) {
		json_object *req = cli_jget(md, "requestor", json_type_object);

		if (req)
			r = asprintf(&msg, "Action: %s, Source: %s, Requestor: %s/%s (%s)",
				     cli_jstr(md, "action"), cli_jstr(md, "source"),
				     cli_jstr(req, "protocol"), cli_jstr(req, "username"),
				     cli_jstr(req, "address"));
		else
			r = asprintf(&msg, "Action: %s, Source: %s", cli_jstr(md, "action"),
				     cli_jstr(md, "source"));
		ctx = cli_jget(md, "context", json_type_object);
	} else if (strcmp(type, "operation") == 0) {
		r = asprintf(&msg, "ID: %s, Class: %s, Description: %s", cli_jstr(md, "id"),
			     cli_jstr(md, "class"), cli_jstr(md, "description"));
	} else {
		return; /* lxc: "Not supported event type" */
	}
	if (r < 0)
		msg = NULL;
	if (log_level(level) < 0 || log_level(level) > max_level)
		return;
	logrus_time(cli_jstr(ev, "timestamp"), when, sizeof(when));
	fprintf(out, "time=\"%s\" level=%s msg=", when,
		strcmp(level, "warn") == 0 ? "warning" : level);
	logfmt_value(out, msg ? msg : "");
	if (strcmp(type, "operation") == 0)
		operation_fields(out, md);
	keys = ctx ? cli_doc_object_keys(ctx, true) : NULL;
	for (size_t i = 0; keys && keys[i]; i++)
		field(out, keys[i], json_object_object_get(ctx, keys[i]), NULL);
	fputc('\n', out);
}

int cli_cmd_monitor(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	const char *format = cli_flag_str(a, "format"), *loglevel = cli_flag_str(a, "loglevel");
	const char *const *types;
	__do_free char *name = NULL, *path = NULL, *joined = NULL, *escaped = NULL;
	struct cli_conn conn = { 0 };
	enum monitor_format fmt;
	struct cli_ws ws;
	size_t ntypes;
	int max_level = 5, r;

	if (strcmp(format, "yaml") == 0)
		fmt = MON_YAML;
	else if (strcmp(format, "json") == 0)
		fmt = MON_JSON;
	else if (strcmp(format, "pretty") == 0)
		fmt = MON_PRETTY;
	else
		return cli_error(-EINVAL, "Invalid format: %s", format);
	if (cli_flag_bool(a, "pretty"))
		fmt = MON_PRETTY;
	if (loglevel && *loglevel) {
		if (fmt != MON_PRETTY)
			return cli_error(
				-EINVAL,
				"Log level filtering can only be used with pretty formatting");
		max_level = log_level(loglevel);
		if (max_level < 0)
			return cli_error(-EINVAL, "not a valid logrus Level: \"%s\"", loglevel);
	}
	types = cli_flag_list(a, "type", &ntypes);
	joined = cli_join_lines(types, ntypes);
	if (!joined)
		return cli_error(-ENOMEM, "out of memory");
	for (char *p = joined; *p; p++)
		if (*p == '\n')
			*p = ',';
	escaped = cli_escape(joined);
	if (!escaped || asprintf(&path, "/1.0/events%s%s%s%s",
				 ntypes || cli_flag_bool(a, "all-projects") ? "?" : "",
				 ntypes ? "type=" : "", ntypes ? escaped : "",
				 cli_flag_bool(a, "all-projects")
					 ? (ntypes ? "&all-projects=true" : "all-projects=true")
					 : "") < 0) {
		path = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	r = cli_open(ctx, a->npos ? a->pos[0] : "", &conn, &name);
	if (r == 0 && *name)
		r = cli_error(-EINVAL, "monitor takes a remote (\"%s:\"), not an instance", name);
	if (r == 0)
		r = cli_ws_open(&conn, path, &ws);
	cli_conn_free(&conn);
	if (r < 0)
		return r;
	for (;;) {
		struct cli_ws_msg m;
		json_object *ev, *norm;
		bool wanted = ntypes == 0;

		r = cli_ws_recv(&ws, &m);
		if (r < 0) {
			r = cli_error(r, "the events connection failed: %s", strerror(-r));
			break;
		}
		if (r == 0 || m.opcode == WS_OP_CLOSE) {
			r = cli_error(-ECONNRESET, "websocket: close 1006 (abnormal closure): "
						   "unexpected EOF");
			break;
		}
		ev = cli_json_parse((const char *)m.data, m.len);
		if (!json_object_is_type(ev, json_type_object)) {
			json_object_put(ev);
			continue;
		}
		for (size_t i = 0; i < ntypes; i++)
			wanted |= strcmp(types[i], cli_jstr(ev, "type")) == 0;
		norm = wanted ? cli_event_normalize(ev) : NULL;
		json_object_put(ev);
		if (!norm)
			continue;
		if (fmt == MON_PRETTY) {
			print_pretty(stdout, norm, max_level);
		} else if (fmt == MON_YAML) {
			cli_yaml_print_any(stdout, norm);
			fputs("\n\n", stdout);
		} else {
			__do_free char *s = cli_json_string_any(norm);

			printf("%s\n\n", s ? s : "");
		}
		json_object_put(norm);
		if (fflush(stdout) != 0) {
			r = cli_error(-errno, "writing the events: %s", strerror(errno));
			break;
		}
	}
	cli_ws_close(&ws);
	return r;
}
