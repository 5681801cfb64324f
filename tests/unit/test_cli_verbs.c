// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the pure pieces of moat's exec, console, file, config
 * and monitor verbs: NAME/PATH splitting and Go's path rules, ctrl-a q
 * across reads, the control channel's JSON, the file API's X-LXD headers,
 * the websocket handshake answer and frames from the server, LXD's
 * envelopes, the YAML edit round trip (api.InstancePut out and back in,
 * yaml.v2's typing, the error comment), and events printed as lxc prints
 * them. Run by the test runner with no privilege; no file, socket or
 * daemon is touched. All inputs are the tests' own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "../../cli/client.h"
#include "../../cli/format.h"
#include "../../cli/session.h"
#include "../../cli/verbs.h"
#include "../../cli/wsclient.h"
#include "t.h"

/* ---- NAME/PATH and paths ------------------------------------------------------------------ */

static void test_file_spec(void)
{
	static const struct {
		const char *arg, *inst, *path;
		int r;
	} cases[] = {
		{ "c1/root/f", "c1", "root/f", 0 },
		{ "c1//root/f", "c1", "/root/f", 0 },
		{ "local:c1/etc/hosts", "local:c1", "etc/hosts", 0 },
		{ "c1/", "c1", "", 0 },
		{ "c1/a:b/c", "c1", "a:b/c", 0 },
		{ "c1", NULL, NULL, -EINVAL },
		{ "", NULL, NULL, -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *inst = NULL, *path = NULL;
		int r = cli_file_spec(cases[i].arg, &inst, &path);

		CHECK(r == cases[i].r && (r < 0 || (strcmp(inst, cases[i].inst) == 0 &&
						    strcmp(path, cases[i].path) == 0)),
		      "cli file: \"%s\" splits as lxc's SplitN(\"/\", 2)", cases[i].arg);
		free(inst);
		free(path);
	}
}

static void test_paths(void)
{
	/* Go's path.Clean test table (a selection) */
	static const char *const clean[][2] = {
		{ "", "." },
		{ "abc", "abc" },
		{ "abc/def", "abc/def" },
		{ ".", "." },
		{ "..", ".." },
		{ "../..", "../.." },
		{ "../../abc", "../../abc" },
		{ "/abc", "/abc" },
		{ "/", "/" },
		{ "abc/", "abc" },
		{ "/abc/def/", "/abc/def" },
		{ "//", "/" },
		{ "abc//def//ghi", "abc/def/ghi" },
		{ "abc/./def", "abc/def" },
		{ "/./abc/def", "/abc/def" },
		{ "abc/.", "abc" },
		{ "abc/def/ghi/../jkl", "abc/def/jkl" },
		{ "abc/def/../ghi/../jkl", "abc/jkl" },
		{ "abc/def/..", "abc" },
		{ "abc/def/../..", "." },
		{ "/abc/def/../..", "/" },
		{ "abc/def/../../..", ".." },
		{ "/abc/def/../../..", "/" },
		{ "abc/def/../../../ghi/jkl/../../../mno", "../../mno" },
		{ "abc/./../def", "def" },
		{ "abc//./../def", "def" },
		{ "abc/../../././../def", "../../def" },
		{ "/root/./a/../b//", "/root/b" },
	};
	static const char *const base[][2] = {
		{ "", "." },        { ".", "." },
		{ "/.", "." },      { "/", "/" },
		{ "////", "/" },    { "x/", "x" },
		{ "abc", "abc" },   { "abc/def", "def" },
		{ "a/b/.x", ".x" }, { "/dev/stdin", "stdin" },
	};
	static const char *const dir[][2] = {
		{ "", "." },
		{ ".", "." },
		{ "/.", "/" },
		{ "/", "/" },
		{ "////", "/" },
		{ "/foo", "/" },
		{ "x/", "x" },
		{ "abc", "." },
		{ "abc/def", "abc" },
		{ "a/b/.x", "a/b" },
		{ "/root/new/f", "/root/new" },
	};
	static const char *const join[][3] = {
		{ "", "", "" },
		{ "a", "", "a" },
		{ "", "b", "b" },
		{ "/", "a", "/a" },
		{ "/root/", "f", "/root/f" },
		{ "a", "../b", "b" },
		{ "out", "dir", "out/dir" },
	};

	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		char *c = cli_path_clean(clean[i][0]);

		CHECK(c && strcmp(c, clean[i][1]) == 0,
		      "cli path: Clean(\"%s\") = \"%s\" (got \"%s\")", clean[i][0], clean[i][1],
		      c ? c : "NULL");
		free(c);
	}
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		char *c = cli_path_base(base[i][0]);

		CHECK(c && strcmp(c, base[i][1]) == 0, "cli path: Base(\"%s\") = \"%s\"",
		      base[i][0], base[i][1]);
		free(c);
	}
	for (size_t i = 0; i < sizeof(dir) / sizeof(dir[0]); i++) {
		char *c = cli_path_dir(dir[i][0]);

		CHECK(c && strcmp(c, dir[i][1]) == 0, "cli path: Dir(\"%s\") = \"%s\"", dir[i][0],
		      dir[i][1]);
		free(c);
	}
	for (size_t i = 0; i < sizeof(join) / sizeof(join[0]); i++) {
		char *c = cli_path_join(join[i][0], join[i][1]);

		CHECK(c && strcmp(c, join[i][2]) == 0, "cli path: Join(\"%s\", \"%s\") = \"%s\"",
		      join[i][0], join[i][1], join[i][2]);
		free(c);
	}
}

/* ---- ctrl-a q and control messages ------------------------------------------------------------- */

/* Feed the reads one after the other; what would be sent, and whether it detached (at which read). */
static void detach_run(const char *const *reads, size_t n, char *sent, size_t size, int *ret_at)
{
	struct cli_detach d = { 0 };
	size_t o = 0;

	*ret_at = -1;
	for (size_t i = 0; i < n; i++) {
		uint8_t buf[64];
		size_t len = strlen(reads[i]), keep;
		bool quit;

		memcpy(buf, reads[i], len);
		keep = cli_detach_filter(&d, buf, len, &quit);
		if (o + keep < size) {
			memcpy(sent + o, buf, keep);
			o += keep;
		}
		if (quit) {
			*ret_at = (int)i;
			break;
		}
	}
	sent[o] = '\0';
}

static void test_detach(void)
{
	char sent[128];
	int at;

	detach_run((const char *const[]){ "ls\r", "\x01", "q" }, 3, sent, sizeof(sent), &at);
	CHECK(at == 2 && strcmp(sent, "ls\r") == 0,
	      "cli console: ctrl-a, then q in the next read, detaches (nothing of it sent)");
	detach_run((const char *const[]){ "ab\x01q", "cd" }, 2, sent, sizeof(sent), &at);
	CHECK(at == 0 && strcmp(sent, "ab") == 0,
	      "cli console: ctrl-a q inside one read detaches; what came before is sent");
	detach_run((const char *const[]){ "\x01", "x", "q" }, 3, sent, sizeof(sent), &at);
	CHECK(at == -1 && strcmp(sent, "xq") == 0,
	      "cli console: ctrl-a then another key sends that key only; a later q is a q");
	detach_run((const char *const[]){ "\x01", "\x01", "q" }, 3, sent, sizeof(sent), &at);
	CHECK(at == -1 && strcmp(sent, "\x01q") == 0,
	      "cli console: ctrl-a ctrl-a sends one ctrl-a (and no detach)");
	detach_run((const char *const[]){ "q", "\x01", "", "q" }, 4, sent, sizeof(sent), &at);
	CHECK(at == 3 && strcmp(sent, "q") == 0,
	      "cli console: an empty read between ctrl-a and q keeps the escape");
}

static void test_control(void)
{
	char *s = cli_ctl_resize(120, 40);

	CHECK(s && strcmp(s, "{\"command\":\"window-resize\",\"args\":{\"height\":\"40\",\"width\":"
			     "\"120\"},\"signal\":0}") == 0,
	      "cli exec: window-resize as lxc writes it (numbers as strings)");
	free(s);
	s = cli_ctl_signal(15);
	CHECK(s && strcmp(s, "{\"command\":\"signal\",\"args\":null,\"signal\":15}") == 0,
	      "cli exec: a forwarded signal as lxc writes it");
	free(s);
}

static void test_exec_args(void)
{
	char **argv = (char *[]){ "moat", "exec", "c1", "--env", "A=1",    "-t", "--env",
				  "B",    "--",   "sh", "-c",    "exit 3", NULL };
	struct cli_args a;
	const char *const *env;
	size_t n = 0;
	int r;

	cli_error_clear();
	r = cli_parse(&cli_root, 12, argv, &a);
	env = r == 0 ? cli_flag_list(&a, "env", &n) : NULL;
	CHECK(r == 0 && a.npos == 4 && strcmp(a.pos[0], "c1") == 0 && strcmp(a.pos[1], "sh") == 0 &&
		      strcmp(a.pos[3], "exit 3") == 0 && n == 2 && strcmp(env[1], "B") == 0 &&
		      cli_flag_bool(&a, "force-interactive") &&
		      strcmp(cli_flag_str(&a, "mode"), "auto") == 0,
	      "cli exec: NAME, flags, then -- and the command line untouched");
	cli_args_free(&a);
	argv = (char *[]){ "moat", "exec", "c1", "ls", "-la", NULL };
	r = cli_parse(&cli_root, 5, argv, &a);
	CHECK(r == -EINVAL, "cli exec: without --, a command's flag is moat's (lxc's rule too)");
	cli_args_free(&a);
	argv = (char *[]){
		"moat", "file", "push", "-rp", "--uid", "5", "a", "b", "c1/root/", NULL
	};
	r = cli_parse(&cli_root, 9, argv, &a);
	CHECK(r == 0 && a.npos == 3 && cli_flag_bool(&a, "recursive") &&
		      cli_flag_bool(&a, "create-dirs") && cli_flag_int(&a, "uid") == 5 &&
		      cli_flag_int(&a, "gid") == -1,
	      "cli file push: -rp, --uid; --gid defaults to -1");
	cli_args_free(&a);
}

/* ---- the file API's headers -------------------------------------------------------------------- */

static void test_file_headers(void)
{
	static const struct {
		const char *uid, *gid, *mode, *type;
		int64_t want_uid, want_gid;
		int want_mode;
		const char *want_type;
	} cases[] = {
		{ "1000", "1001", "0644", "file", 1000, 1001, 0644, "file" },
		{ "", "", "", "", -1, -1, -1, "file" },
		{ "0", "0", "0755", "directory", 0, 0, 0755, "directory" },
		{ "x", "-5", "04755", "symlink", -1, -5, 0755, "symlink" },
		{ "1", "2", "0649", "file", 1, 2, 649, "file" },
		{ "1", "2", "420", "file", 1, 2, 420 & 0777, "file" },
		{ "1", "2", "0x1ff", "file", 1, 2, -1, "file" },
		{ "99999999999999999999", "1", "0600", "file", -1, 1, 0600, "file" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cli_resp r = { 0 };
		struct cli_file_info info;

		snprintf(r.lxd_uid, sizeof(r.lxd_uid), "%s", cases[i].uid);
		snprintf(r.lxd_gid, sizeof(r.lxd_gid), "%s", cases[i].gid);
		snprintf(r.lxd_mode, sizeof(r.lxd_mode), "%s", cases[i].mode);
		snprintf(r.lxd_type, sizeof(r.lxd_type), "%s", cases[i].type);
		cli_file_headers(&r, &info);
		CHECK(info.uid == cases[i].want_uid && info.gid == cases[i].want_gid &&
			      info.mode == cases[i].want_mode &&
			      strcmp(info.type, cases[i].want_type) == 0,
		      "cli file: X-LXD headers uid=%s gid=%s mode=%s type=%s read as lxc reads them",
		      cases[i].uid, cases[i].gid, cases[i].mode, cases[i].type);
	}
}

/* ---- the websocket ------------------------------------------------------------------------------- */

static void test_ws_reply(void)
{
	static const char ok[] =
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		"Connection: keep-alive, Upgrade\r\n"
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x89\x00";
	static const char *const bad[] = {
		"HTTP/1.1 10x Nope\r\n\r\n",
		"HTTX/1.1 101 Switching\r\n\r\n",
		"HTTP/1.1 101 Switching\r\nno colon here\r\n\r\n",
		"HTTP/1.1 101 Switching\r\n: empty name\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\nContent-Length: 12x\r\n\r\n",
		"HTTP/1.1 101 Switching\r\nUp grade: websocket\r\n\r\n",
	};
	struct cli_ws_reply rep;
	char big[CLI_WS_HEADER_MAX + 10];
	int r;

	r = cli_ws_reply_parse(ok, sizeof(ok) - 1, &rep);
	CHECK(r == 1 && rep.status == 101 && rep.upgrade && rep.connection &&
		      strcmp(rep.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0 &&
		      rep.header_len == sizeof(ok) - 3 && rep.content_length == -1,
	      "cli ws: a 101 answer: status, Upgrade, Connection token, Accept, and where the "
	      "frames start");
	r = cli_ws_reply_parse(ok, 40, &rep);
	CHECK(r == 0, "cli ws: half an answer needs more");
	r = cli_ws_reply_parse("HTTP/1.1 404 Not Found\r\nContent-Length: 25\r\n\r\n{", 48, &rep);
	CHECK(r == 1 && rep.status == 404 && rep.content_length == 25 && !rep.upgrade,
	      "cli ws: a refusal and its Content-Length");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cli_ws_reply_parse(bad[i], strlen(bad[i]), &rep) == -EPROTO,
		      "cli ws: a bad answer is refused (%zu)", i);
	memset(big, 'a', sizeof(big));
	CHECK(cli_ws_reply_parse(big, sizeof(big), &rep) == -EPROTO,
	      "cli ws: headers over CLI_WS_HEADER_MAX are refused");
}

static void test_ws_frames(void)
{
	struct cli_ws ws;
	struct cli_ws_msg m;
	int r;

	cli_ws_init(&ws, -1);
	/* a ping (answered, dropped), then "hi" in two fragments, then an empty text frame */
	cli_ws_feed(&ws, "\x89\x04ping\x02\x01h\x80\x01i\x81\x00", 14);
	r = cli_ws_next(&ws, &m);
	CHECK(r == 1 && m.opcode == WS_OP_BINARY && m.len == 2 && memcmp(m.data, "hi", 2) == 0,
	      "cli ws: a ping is skipped, fragments are put together");
	r = cli_ws_next(&ws, &m);
	CHECK(r == 1 && m.opcode == WS_OP_TEXT && m.len == 0,
	      "cli ws: the empty text frame (the barrier) comes through");
	CHECK(cli_ws_next(&ws, &m) == 0, "cli ws: then nothing until more bytes come");
	cli_ws_feed(&ws, "\x88\x02\x03\xe8", 4);
	r = cli_ws_next(&ws, &m);
	CHECK(r == 1 && m.opcode == WS_OP_CLOSE && m.close_code == 1000 && ws.close_received,
	      "cli ws: a close frame and its code");
	cli_ws_close(&ws);

	cli_ws_init(&ws, -1);
	cli_ws_feed(&ws, "\x82\x81\x00\x00\x00\x00x", 7);
	CHECK(cli_ws_next(&ws, &m) == -EPROTO, "cli ws: a masked frame from the server is refused");
	cli_ws_close(&ws);

	cli_ws_init(&ws, -1);
	cli_ws_feed(&ws, "\x82\x7f\x00\x00\x00\x00\x10\x00\x00\x00", 10);
	CHECK(cli_ws_next(&ws, &m) == -EMSGSIZE,
	      "cli ws: a frame over CLI_WS_MESSAGE_MAX is refused from its header");
	cli_ws_close(&ws);

	cli_ws_init(&ws, -1);
	cli_ws_feed(&ws, "\x88\x02\x03\xed", 4);
	CHECK(cli_ws_next(&ws, &m) == -EPROTO, "cli ws: a close with a reserved code is refused");
	cli_ws_close(&ws);
}

/* ---- envelopes ------------------------------------------------------------------------------------- */

static void test_envelope(void)
{
	static const char err[] = "{\"type\":\"error\",\"error\":\"Instance not found\","
				  "\"error_code\":404,\"metadata\":null}\n";
	static const char ok[] = "{\"type\":\"sync\",\"status_code\":200,\"metadata\":[\"a\"]}";
	struct cli_resp r = { .status = 404 };
	int rc;

	rc = cli_envelope_parse(err, sizeof(err) - 1, &r);
	CHECK(rc < 0 && strcmp(cli_error_message(), "Instance not found") == 0,
	      "cli: an error envelope gives the server's text");
	cli_resp_free(&r);
	r = (struct cli_resp){ .status = 200 };
	rc = cli_envelope_parse(ok, sizeof(ok) - 1, &r);
	CHECK(rc == 0 && json_object_is_type(r.metadata, json_type_array),
	      "cli: a sync envelope and its metadata");
	cli_resp_free(&r);
	r = (struct cli_resp){ .status = 200 };
	rc = cli_envelope_parse("{\"a\":1} x", 9, &r);
	CHECK(rc == -EPROTO && !r.json, "cli: trailing bytes after the JSON are refused");
	cli_resp_free(&r);
	r = (struct cli_resp){ .status = 200 };
	rc = cli_envelope_parse("[1,2]", 5, &r);
	CHECK(rc == -EPROTO, "cli: an envelope that is no object is refused");
	cli_resp_free(&r);
}

/* ---- config: the YAML edit round trip ------------------------------------------------------------- */

static void test_edit_round_trip(void)
{
	static const char inst[] =
		"{\"architecture\":\"x86_64\",\"config\":{\"user.n\":\"2\",\"user.b\":\"true\","
		"\"limits.memory\":\"256MiB\",\"user.multi\":\"a\\nb\\n\"},"
		"\"devices\":{\"root\":{\"path\":\"/\",\"type\":\"disk\"}},\"ephemeral\":true,"
		"\"profiles\":[\"default\"],\"stateful\":false,\"description\":\"x: y\","
		"\"created_at\":\"2026-11-22T16:44:53.215381768Z\",\"name\":\"c1\","
		"\"expanded_config\":{\"k\":\"v\"},\"status\":\"Running\",\"status_code\":103}";
	static const char top[] =
		"# Error: Invalid config: bad\n# Error: second line\narchitecture:";
	json_object *o = json_tokener_parse(inst), *put = cli_instance_put(o, false), *back = NULL;
	char *yaml = t_yaml_of(put), *annotated, *again;
	int r;

	CHECK(yaml &&
		      strncmp(yaml, "architecture: x86_64\nconfig:\n  limits.memory: 256MiB\n",
			      52) == 0 &&
		      strstr(yaml, "\n  user.n: \"2\"\n") && strstr(yaml, "\nephemeral: true\n") &&
		      strstr(yaml, "\ndescription: 'x: y'\n") && !strstr(yaml, "expanded"),
	      "cli config show: api.InstancePut's fields in lxc's order, values quoted as yaml.v2");
	r = cli_instance_put_from_yaml(yaml, yaml ? strlen(yaml) : 0, &back);
	CHECK(r == 0 && json_object_equal(put, back),
	      "cli config edit: the YAML reads back as the same api.InstancePut");
	if (back)
		json_object_put(back);
	back = NULL;

	annotated = cli_edit_annotate(yaml, strlen(yaml), "Invalid config: bad\nsecond line");
	CHECK(annotated && strncmp(annotated, top, strlen(top)) == 0,
	      "cli config edit: the server's error goes on top as comment lines");
	again = annotated ? cli_edit_annotate(annotated, strlen(annotated), "other") : NULL;
	CHECK(again && strncmp(again, "# Error: other\narchitecture:", 28) == 0,
	      "cli config edit: a later error replaces the earlier one");
	r = again ? cli_instance_put_from_yaml(again, strlen(again), &back) : -1;
	CHECK(r == 0 && json_object_equal(put, back),
	      "cli config edit: the comment lines change nothing");
	if (back)
		json_object_put(back);
	free(again);
	free(annotated);
	free(yaml);
	json_object_put(put);
	json_object_put(o);
}

static void test_put_typing(void)
{
	static const struct {
		const char *yaml;
		int r;
		const char *json; /* the PUT body, when accepted */
	} cases[] = {
		{ "ephemeral: yes\nstateful: Off\n", 0,
		  "{\"architecture\":\"\",\"config\":null,\"devices\":null,\"ephemeral\":true,"
		  "\"profiles\":null,\"stateful\":false,\"description\":\"\"}" },
		{ "config:\n  limits.cpu: 2\n  user.x: 0x10\n  user.e:\nunknown: 1\nname: other\n",
		  0,
		  "{\"architecture\":\"\",\"config\":{\"limits.cpu\":\"2\",\"user.x\":\"0x10\","
		  "\"user.e\":\"\"},\"devices\":null,\"ephemeral\":false,\"profiles\":null,"
		  "\"stateful\":false,\"description\":\"\"}" },
		{ "restore: snap0\nprofiles: [a, 'b']\ndevices: {eth0: {type: nic}, d: }\n", 0,
		  "{\"architecture\":\"\",\"config\":null,\"devices\":{\"eth0\":{\"type\":\"nic\"},"
		  "\"d\":{}},\"ephemeral\":false,\"profiles\":[\"a\",\"b\"],\"restore\":\"snap0\","
		  "\"stateful\":false,\"description\":\"\"}" },
		{ "", 0,
		  "{\"architecture\":\"\",\"config\":null,\"devices\":null,\"ephemeral\":false,"
		  "\"profiles\":null,\"stateful\":false,\"description\":\"\"}" },
		{ "ephemeral: \"yes\"\n", -EINVAL, NULL },
		{ "ephemeral: maybe\n", -EINVAL, NULL },
		{ "config: [a]\n", -EINVAL, NULL },
		{ "config:\n  k: [a]\n", -EINVAL, NULL },
		{ "devices:\n  d: x\n", -EINVAL, NULL },
		{ "profiles: p\n", -EINVAL, NULL },
		{ "description: {a: b}\n", -EINVAL, NULL },
		{ "- a\n- b\n", -EINVAL, NULL },
		{ "a: &x 1\nb: *x\n", -EINVAL, NULL },
		{ "config: {\n", -EINVAL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *put = NULL;
		char esc[T_ESC_MAX];
		int r;

		cli_error_clear();
		r = cli_instance_put_from_yaml(cases[i].yaml, strlen(cases[i].yaml), &put);
		CHECK(r == cases[i].r &&
			      (r < 0 ? *cli_error_message() != '\0'
				     : strcmp(json_object_to_json_string_ext(
						      put, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE),
					      cases[i].json) == 0),
		      "cli config edit: \"%s\" %s",
		      t_escape(esc, sizeof(esc), cases[i].yaml, strlen(cases[i].yaml)),
		      cases[i].r ? "is refused with yaml.v2's message" : "reads as yaml.v2 would");
		if (put)
			json_object_put(put);
	}
	cli_error_clear();
}

/* ---- monitor ---------------------------------------------------------------------------------------- */

static void test_monitor_events(void)
{
	static const char ev[] =
		"{\"type\":\"lifecycle\",\"timestamp\":\"2026-11-22T16:45:25.057366400Z\","
		"\"metadata\":{\"action\":\"instance-started\",\"source\":\"/1.0/instances/c1\","
		"\"context\":{\"n\":12000000,\"f\":0.5,\"z\":null,\"t\":\"2026-11-22T10:00:00Z\","
		"\"s\":\"<b>\"}},\"location\":\"none\",\"project\":\"default\",\"extra\":1}";
	json_object *o = json_tokener_parse(ev), *norm = cli_event_normalize(o);
	char *yaml = NULL, *json = cli_json_string_any(norm);
	size_t len = 0;
	FILE *f = open_memstream(&yaml, &len);

	if (f) {
		cli_yaml_print_any(f, norm);
		fclose(f);
	}
	CHECK(yaml && strcmp(yaml, "location: none\n"
				   "metadata:\n"
				   "  action: instance-started\n"
				   "  context:\n"
				   "    f: 0.5\n"
				   "    \"n\": 1.2e+07\n"
				   "    s: <b>\n"
				   "    t: \"2026-11-22T10:00:00Z\"\n"
				   "    z: null\n"
				   "  source: /1.0/instances/c1\n"
				   "project: default\n"
				   "timestamp: \"2026-11-22T16:45:25.0573664Z\"\n"
				   "type: lifecycle\n") == 0,
	      "cli monitor: an event as lxc's YAML (api.Event re-read as interface{})");
	CHECK(json && strcmp(json, "{\"location\":\"none\",\"metadata\":{\"action\":\"instance-"
				   "started\",\"context\":{\"f\":0.5,\"n\":12000000,\"s\":"
				   "\"\\u003cb\\u003e\",\"t\":\"2026-11-22T10:00:00Z\",\"z\":null},"
				   "\"source\":\"/1.0/instances/c1\"},\"project\":\"default\","
				   "\"timestamp\":\"2026-11-22T16:45:25.0573664Z\",\"type\":"
				   "\"lifecycle\"}") == 0,
	      "cli monitor: an event as lxc's --format json");
	if (!yaml || !json)
		t_note("%s\n%s", yaml ? yaml : "", json ? json : "");
	free(yaml);
	free(json);
	json_object_put(norm);
	json_object_put(o);
}

void test_cli_verbs(void)
{
	test_file_spec();
	test_paths();
	test_detach();
	test_control();
	test_exec_args();
	test_file_headers();
	test_ws_reply();
	test_ws_frames();
	test_envelope();
	test_edit_round_trip();
	test_put_typing();
	test_monitor_events();
}
