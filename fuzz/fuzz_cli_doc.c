// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the moat client's parsers of outside bytes: the
 * bounded YAML reader (cli/doc_yaml_parse.c) and the api.InstancePut typing on top of
 * it (`config edit`), the YAML and JSON printers fed what was read, and
 * what the client takes from a server: LXD's response envelopes and the
 * operation fields read from them, the file API's X-LXD headers, the
 * websocket upgrade answer and the server's frames (cli/wsclient.c), and
 * events as `monitor` prints them. Built with clang, libFuzzer, ASan and
 * UBSan by `make fuzz-build`; runs unprivileged, with no socket or daemon.
 * Input: one selector byte, then the bytes for that parser. Checked: no
 * crash or leak, a YAML document read back after printing is the same,
 * frames handed out lie inside the message cap, and a parsed upgrade
 * answer's header length lies inside the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "../cli/client.h"
#include "../cli/format.h"
#include "../cli/verbs.h"
#include "../cli/wsclient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

/* Print o both ways; for YAML that came from YAML, it must read back the same. */
static void print_all(json_object *o, bool reread)
{
	char *buf = NULL, *s;
	size_t len = 0;
	FILE *f;

	cli_yaml_print(sink(), o);
	cli_yaml_print_any(sink(), o);
	s = cli_json_string(o);
	free(s);
	s = cli_json_string_any(o);
	free(s);
	if (!reread)
		return;
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	if (cli_yaml_print(f, o) == 0 && fclose(f) == 0) {
		json_object *back = NULL;

		/* maps and lists come back as they were; string values keep their text */
		if (cli_yaml_parse(buf, len, &back) == 0 && o && back &&
		    json_object_get_type(o) == json_type_object &&
		    json_object_object_length(o) != json_object_object_length(back))
			abort();
		if (back)
			json_object_put(back);
	} else if (f) {
		fclose(f);
	}
	free(buf);
}

static void yaml_doc(const char *s, size_t n)
{
	json_object *doc = NULL;

	if (cli_yaml_parse(s, n, &doc) == 0) {
		print_all(doc, true);
		if (doc)
			json_object_put(doc);
	}
}

static void instance_put(const char *s, size_t n)
{
	json_object *put = NULL;

	if (cli_instance_put_from_yaml(s, n, &put) == 0) {
		json_object *again;
		char *ed;

		print_all(put, false);
		again = cli_instance_put(put, false);
		if (again)
			json_object_put(again);
		ed = cli_edit_annotate(s, n, "fuzz\nerror");
		free(ed);
		json_object_put(put);
	}
}

static void envelope(const uint8_t *d, size_t n)
{
	struct cli_resp r = { 0 };
	struct cli_file_info info;
	size_t off = 0;
	char *fields[4] = { r.lxd_uid, r.lxd_gid, r.lxd_mode, r.lxd_type };
	size_t sizes[4] = { sizeof(r.lxd_uid), sizeof(r.lxd_gid), sizeof(r.lxd_mode),
			    sizeof(r.lxd_type) };

	if (n < 2)
		return;
	r.status = 100 + d[0] % 5 * 100 + d[1] % 16;
	d += 2;
	n -= 2;
	/* the X-LXD headers: four short NUL-separated fields first */
	for (int i = 0; i < 4 && off < n; i++) {
		size_t l = strnlen((const char *)d + off, n - off);

		snprintf(fields[i], sizes[i], "%.*s", (int)(l < sizes[i] ? l : sizes[i] - 1),
			 (const char *)d + off);
		off += l + 1;
	}
	cli_file_headers(&r, &info);
	if (!info.type[0] || (info.mode != -1 && !*r.lxd_mode))
		abort();
	if (off > n)
		off = n;
	(void)cli_envelope_parse((const char *)d + off, n - off, &r);
	(void)cli_op_id(&r);
	(void)cli_op_fds(&r);
	if (r.metadata) {
		json_object *put = cli_instance_put(r.metadata, d[0] & 1);

		if (put) {
			print_all(put, false);
			json_object_put(put);
		}
	}
	cli_resp_free(&r);
}

static void ws_reply(const char *s, size_t n)
{
	struct cli_ws_reply rep;

	if (cli_ws_reply_parse(s, n, &rep) == 1 && (rep.header_len > n || rep.header_len < 4))
		abort();
}

static void ws_frames(const uint8_t *d, size_t n)
{
	struct cli_ws ws;
	struct cli_ws_msg m;

	cli_ws_init(&ws, -1);
	/* fed in two pieces, as two reads would give them */
	for (int piece = 0; piece < 2; piece++) {
		size_t from = piece ? n / 2 : 0, to = piece ? n : n / 2;
		int r;

		if (cli_ws_feed(&ws, d + from, to - from) < 0)
			break;
		while ((r = cli_ws_next(&ws, &m)) == 1) {
			if (m.len > CLI_WS_MESSAGE_MAX || (m.len && !m.data))
				abort();
			if (m.opcode != WS_OP_TEXT && m.opcode != WS_OP_BINARY &&
			    m.opcode != WS_OP_CLOSE)
				abort();
		}
		if (r < 0)
			break;
	}
	cli_ws_close(&ws);
}

static void event(const char *s, size_t n)
{
	json_object *ev = cli_json_parse(s, n), *norm;

	if (!ev)
		return;
	norm = cli_event_normalize(ev);
	if (norm) {
		print_all(norm, false);
		json_object_put(norm);
	}
	json_object_put(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (size == 0 || size > (1u << 20))
		return 0;
	switch (data[0] % 6) {
	case 0:
		yaml_doc(s, n);
		break;
	case 1:
		instance_put(s, n);
		break;
	case 2:
		envelope(data + 1, n);
		break;
	case 3:
		ws_reply(s, n);
		break;
	case 4:
		ws_frames(data + 1, n);
		break;
	case 5:
		event(s, n);
		break;
	}
	cli_error_clear();
	return 0;
}
