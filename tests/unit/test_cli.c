// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the moat client's command line: the command table (a walk
 * that fails on an empty or clashing entry), argument parsing (flags long
 * and short, repeated -c, bundles, "--", interspersed positionals, unknown
 * flags and verbs, argument counts), REMOTE:NAME, and the remotes file
 * (YAML in, YAML out, lxc's JSON view, save and load). Run by the test
 * runner with no privilege; it writes one temporary file under /tmp. All
 * inputs are the tests' own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/cli.h"
#include "../../cli/client.h"
#include "../../cli/format.h"
#include "../../cli/remote.h"
#include "t.h"

/* ---- the table ----------------------------------------------------------------------- */

static int walk_cmd(const struct cli_cmd *c, const char *path)
{
	int bad = 0;

	if (!c->name || !*c->name || !c->short_help || !*c->short_help) {
		t_note("cli: %s has no name or no help", path);
		bad++;
	}
	if (!c->run && !c->subs) {
		t_note("cli: %s %s has neither a handler nor sub-commands", path, c->name);
		bad++;
	}
	if (c->run && (c->min_args < 0 || (c->max_args >= 0 && c->max_args < c->min_args))) {
		t_note("cli: %s %s has bad argument counts", path, c->name);
		bad++;
	}
	for (size_t i = 0; c->flags && c->flags[i].name; i++) {
		const struct cli_flag *f = &c->flags[i];

		if (i >= CLI_MAX_FLAGS || !f->help || f->short_name == 'h' ||
		    f->short_name == 'q' || strcmp(f->name, "help") == 0 ||
		    strcmp(f->name, "quiet") == 0 || strcmp(f->name, "debug") == 0 ||
		    strcmp(f->name, "version") == 0) {
			t_note("cli: %s %s --%s is bad or clashes with a global flag", path,
			       c->name, f->name);
			bad++;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(c->flags[k].name, f->name) == 0 ||
			    (f->short_name && c->flags[k].short_name == f->short_name)) {
				t_note("cli: %s %s has --%s twice", path, c->name, f->name);
				bad++;
			}
	}
	for (const struct cli_cmd *s = c->subs; s && s->name; s++) {
		char sub[128];

		for (const struct cli_cmd *o = c->subs; o < s; o++) {
			bool clash = strcmp(o->name, s->name) == 0;

			for (const char *const *al = s->aliases; al && *al; al++)
				clash |= strcmp(*al, o->name) == 0;
			if (clash) {
				t_note("cli: %s %s is there twice", c->name, s->name);
				bad++;
			}
		}
		snprintf(sub, sizeof(sub), "%s %s", path, c->name);
		bad += walk_cmd(s, sub);
	}
	return bad;
}

static void test_table(void)
{
	CHECK(walk_cmd(&cli_root, "") == 0,
	      "cli: every command has a name, help and a handler or sub-commands, and no flag or "
	      "name clashes");
}

/* ---- parsing --------------------------------------------------------------------------- */

#define ARGV(...) ((char *[]){ "moat", __VA_ARGS__, NULL })

static int parse(char **argv, struct cli_args *a)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	cli_error_clear();
	return cli_parse(&cli_root, argc, argv, a);
}

static void test_parse_ok(void)
{
	struct cli_args a;
	const char *const *list;
	size_t n;
	int r;

	{
		char **v = ARGV("list", "-c", "ns", "--format=csv", "web");
		r = parse(v, &a);
		CHECK(r == 0 && strcmp(a.cmd->name, "list") == 0 && a.npos == 1 &&
			      strcmp(a.pos[0], "web") == 0 &&
			      strcmp(cli_flag_str(&a, "columns"), "ns") == 0 &&
			      strcmp(cli_flag_str(&a, "format"), "csv") == 0,
		      "cli: list -c ns --format=csv web");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("list");
		r = parse(v, &a);
		CHECK(r == 0 && strcmp(cli_flag_str(&a, "columns"), "ns46tS") == 0 &&
			      strcmp(cli_flag_str(&a, "format"), "table") == 0 &&
			      !cli_flag_given(&a, "columns"),
		      "cli: list's defaults are -c ns46tS -f table");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("init", "bb", "c1", "-c", "a=1", "--config", "b=2", "-cc=3",
				"--config=d=4", "-e");
		r = parse(v, &a);
		list = r == 0 ? cli_flag_list(&a, "config", &n) : NULL;
		CHECK(r == 0 && n == 4 && strcmp(list[0], "a=1") == 0 &&
			      strcmp(list[1], "b=2") == 0 && strcmp(list[2], "c=3") == 0 &&
			      strcmp(list[3], "d=4") == 0 && cli_flag_bool(&a, "ephemeral") &&
			      a.npos == 2,
		      "cli: -c repeats (-c v, --config v, -cv, --config=v), in order");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("launch", "-ec", "k=v", "bb", "-p", "p1", "c1", "-p", "p2");
		r = parse(v, &a);
		list = r == 0 ? cli_flag_list(&a, "profile", &n) : NULL;
		CHECK(r == 0 && cli_flag_bool(&a, "ephemeral") && n == 2 &&
			      strcmp(list[1], "p2") == 0 && a.npos == 2 &&
			      strcmp(a.pos[0], "bb") == 0 && strcmp(a.pos[1], "c1") == 0,
		      "cli: bundled -ec k=v, and flags among the positionals");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("delete", "-f", "--", "-weird", "--force");
		r = parse(v, &a);
		CHECK(r == 0 && cli_flag_bool(&a, "force") && a.npos == 2 &&
			      strcmp(a.pos[0], "-weird") == 0 && strcmp(a.pos[1], "--force") == 0,
		      "cli: after --, words that look like flags are positionals");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("stop", "--timeout", "-1", "c1", "--timeout=30", "-q", "--debug");
		r = parse(v, &a);
		CHECK(r == 0 && cli_flag_int(&a, "timeout") == 30 && a.quiet && a.debug &&
			      !cli_flag_bool(&a, "force"),
		      "cli: --timeout takes -1, the last one wins; global -q --debug after the verb");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("stop", "c1");
		r = parse(v, &a);
		CHECK(r == 0 && cli_flag_int(&a, "timeout") == -1,
		      "cli: stop's --timeout defaults to -1");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("--debug", "image", "alias", "ls", "-f", "yaml");
		r = parse(v, &a);
		CHECK(r == 0 && a.debug && strcmp(a.path, "moat image alias list") == 0 &&
			      a.cmd->run && strcmp(cli_flag_str(&a, "format"), "yaml") == 0,
		      "cli: sub-commands by alias (image alias ls), a global flag first");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("rm", "c1");
		r = parse(v, &a);
		CHECK(r == 0 && strcmp(a.cmd->name, "delete") == 0, "cli: rm is delete");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("freeze", "c1");
		r = parse(v, &a);
		CHECK(r == 0 && strcmp(a.cmd->name, "pause") == 0, "cli: freeze is pause");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("image", "info", "--help");
		r = parse(v, &a);
		CHECK(r == 0 && a.help, "cli: --help needs no arguments");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("image");
		r = parse(v, &a);
		CHECK(r == 0 && !a.cmd->run && a.cmd->subs, "cli: a bare group parses (help)");
		cli_args_free(&a);
	}
	{
		char **v = ARGV("delete", "-f=true", "--interactive=false", "c1");
		r = parse(v, &a);
		CHECK(r == 0 && cli_flag_bool(&a, "force") && !cli_flag_bool(&a, "interactive"),
		      "cli: booleans take =true and =false");
		cli_args_free(&a);
	}
}

static void test_parse_errors(void)
{
	static const struct {
		const char *argv[6];
		const char *msg;
	} bad[] = {
		{ { "list", "--bogus" }, "unknown flag: --bogus" },
		{ { "list", "-z" }, "unknown shorthand flag: 'z' in -z" },
		{ { "list", "-c" }, "flag needs an argument: 'c' in -c" },
		{ { "list", "--columns" }, "flag needs an argument: --columns" },
		{ { "stop", "--timeout", "soon", "c1" }, "invalid argument \"soon\" for" },
		{ { "stop", "--timeout=99999999999", "c1" }, "invalid argument" },
		{ { "delete", "--force=maybe", "c1" }, "invalid argument \"maybe\"" },
		{ { "image", "info" }, "Invalid number of arguments" },
		{ { "image", "alias", "create", "a" }, "Invalid number of arguments" },
		{ { "version", "a", "b" }, "Invalid number of arguments" },
		{ { "frobnicate" }, "unknown command \"frobnicate\" for \"moat\"" },
		{ { "image", "frob", "x" }, "unknown command \"frob\" for \"moat image\"" },
		{ { "start", "--force", "c1" }, "unknown flag: --force" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[8] = { "moat" };
		struct cli_args a;
		int argc = 1, r;

		for (size_t k = 0; bad[i].argv[k]; k++)
			argv[argc++] = (char *)bad[i].argv[k];
		r = parse(argv, &a);
		CHECK(r == -EINVAL && cli_error_is_usage() &&
			      strstr(cli_error_message(), bad[i].msg) != NULL,
		      "cli: refused: moat %s %s %s (\"%s\")", argv[1], argc > 2 ? argv[2] : "",
		      argc > 3 ? argv[3] : "", cli_error_message());
		cli_args_free(&a);
	}
}

/* ---- REMOTE:NAME and the remotes file --------------------------------------------------- */

/* A remotes file as moat writes it (so that it must come out the same). */
static const char remotes_yaml[] = "default-remote: other\n"
				   "remotes:\n"
				   "  local:\n"
				   "    addr: unix://\n"
				   "    project: p1\n"
				   "    public: false\n"
				   "  other:\n"
				   "    addr: unix:///tmp/other/unix.socket\n"
				   "    public: true\n"
				   "  tls1:\n"
				   "    addr: https://10.0.0.1:8443\n"
				   "    auth_type: tls\n"
				   "    protocol: lxd\n"
				   "    public: false\n"
				   "aliases:\n"
				   "  ll: list -c ns\n";

static void test_remote_names(void)
{
	struct cli_config c;
	struct cli_conn conn = { 0 };
	char *remote = NULL, *name = NULL;
	int r;

	cli_config_defaults(&c);
	r = cli_parse_remote(&c, "c1", &remote, &name);
	CHECK(r == 0 && strcmp(remote, "local") == 0 && strcmp(name, "c1") == 0,
	      "cli: c1 is local:c1");
	free(remote);
	free(name);
	r = cli_parse_remote(&c, "local:c1", &remote, &name);
	CHECK(r == 0 && strcmp(remote, "local") == 0 && strcmp(name, "c1") == 0, "cli: local:c1");
	free(remote);
	free(name);
	r = cli_parse_remote(&c, "local:", &remote, &name);
	CHECK(r == 0 && strcmp(remote, "local") == 0 && *name == '\0',
	      "cli: local: names the remote only");
	free(remote);
	free(name);
	cli_error_clear();
	r = cli_parse_remote(&c, "nope:c1", &remote, &name);
	CHECK(r < 0 && strcmp(cli_error_message(), "The remote \"nope\" doesn't exist") == 0,
	      "cli: an unknown remote is an error (\"%s\")", cli_error_message());
	r = cli_parse_remote(&c, "c1/snap:1", &remote, &name);
	CHECK(r == 0 && strcmp(remote, "local") == 0 && strcmp(name, "c1/snap:1") == 0,
	      "cli: a snapshot name with a colon stays a name");
	free(remote);
	free(name);

	setenv("MOAT_DIR", "/srv/moat-test", 1);
	r = cli_connect(&c, "local", false, &conn);
	CHECK(r == 0 && strcmp(conn.socket, "/srv/moat-test/unix.socket") == 0,
	      "cli: local is $MOAT_DIR/unix.socket (%s)", conn.socket ? conn.socket : "");
	cli_conn_free(&conn);
	unsetenv("MOAT_DIR");
	r = cli_connect(&c, "local", false, &conn);
	CHECK(r == 0 && strcmp(conn.socket, "/var/lib/moat/unix.socket") == 0,
	      "cli: MOAT_DIR defaults to /var/lib/moat");
	cli_conn_free(&conn);

	r = cli_config_parse(remotes_yaml, strlen(remotes_yaml), &c);
	CHECK(r == 0, "cli: a remotes file parses");
	r = cli_parse_remote(&c, "web", &remote, &name);
	CHECK(r == 0 && strcmp(remote, "other") == 0,
	      "cli: the default remote comes from the file");
	free(remote);
	free(name);
	r = cli_connect(&c, "other", false, &conn);
	CHECK(r == 0 && strcmp(conn.socket, "/tmp/other/unix.socket") == 0,
	      "cli: a unix:///path remote connects to that socket");
	cli_conn_free(&conn);
	r = cli_connect(&c, "tls1", false, &conn);
	CHECK(r == -EPROTONOSUPPORT, "cli: an https remote is refused for now");
	CHECK(strcmp(cli_config_remote(&c, "local")->project, "p1") == 0,
	      "cli: the file may give local a project");
	static const char moved[] = "remotes:\n  local:\n    addr: unix:///elsewhere\n";

	r = cli_config_parse(moved, strlen(moved), &c);
	CHECK(r == 0 && strcmp(cli_config_remote(&c, "local")->addr, "unix://") == 0,
	      "cli: the file may not move local");
	cli_config_free(&c);
}

static bool same_config(const struct cli_config *a, const struct cli_config *b)
{
	if (strcmp(a->default_remote, b->default_remote) != 0 || a->nremotes != b->nremotes)
		return false;
	for (size_t i = 0; i < a->nremotes; i++) {
		const struct cli_remote *x = &a->remotes[i], *y = &b->remotes[i];

		if (strcmp(x->name, y->name) || strcmp(x->addr, y->addr) ||
		    strcmp(x->protocol, y->protocol) || strcmp(x->auth_type, y->auth_type) ||
		    strcmp(x->project, y->project) || x->public != y->public ||
		    x->is_static != y->is_static)
			return false;
	}
	return true;
}

static void test_remote_file(void)
{
	struct cli_config c, back, loaded;
	char path[] = "/tmp/moat-unit-remotes.XXXXXX";
	char *yaml = NULL, *js;
	json_object *j, *parsed;
	size_t len = 0;
	int fd, r;

	cli_config_defaults(&c);
	r = cli_config_parse(remotes_yaml, strlen(remotes_yaml), &c);
	r = r == 0 ? cli_config_yaml(&c, &yaml, &len) : r;
	CHECK(r == 0 && yaml && strcmp(yaml, remotes_yaml) == 0,
	      "cli: the remotes file is written in lxc's shape, as it was read");
	if (yaml && strcmp(yaml, remotes_yaml) != 0)
		t_note("got:\n%s", yaml);
	cli_config_defaults(&back);
	r = yaml ? cli_config_parse(yaml, len, &back) : -EINVAL;
	CHECK(r == 0 && same_config(&c, &back), "cli: remotes YAML -> config -> YAML -> config");
	cli_config_free(&back);
	free(yaml);

	j = cli_config_remotes_json(&c);
	js = cli_json_string(j);
	parsed = js ? json_tokener_parse(js) : NULL;
	CHECK(parsed && json_object_equal(parsed, j) &&
		      strcmp(cli_jstr(cli_jget(parsed, "other", json_type_object), "Addr"),
			     "unix:///tmp/other/unix.socket") == 0 &&
		      cli_jbool(cli_jget(parsed, "local", json_type_object), "Static") &&
		      cli_jbool(cli_jget(parsed, "other", json_type_object), "Public"),
	      "cli: remotes -> JSON (lxc's remote list --format json) -> parsed the same");
	CHECK(js && strncmp(js,
			    "{\"local\":{\"Addr\":\"unix://\",\"AuthType\":\"\",\"Domain\":\"\","
			    "\"Project\":\"p1\",",
			    60) == 0,
	      "cli: remote JSON keys are lxc's struct fields");
	if (parsed)
		json_object_put(parsed);
	json_object_put(j);
	free(js);

	fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	free(c.path);
	c.path = strdup(path);
	r = cli_config_save(&c);
	CHECK(r == 0, "cli: the remotes file is saved");
	r = cli_config_load(path, &loaded);
	CHECK(r == 0 && same_config(&c, &loaded) && loaded.aliases &&
		      strcmp(cli_jstr(loaded.aliases, "ll"), "list -c ns") == 0,
	      "cli: saved and loaded back, aliases kept");
	cli_config_free(&loaded);
	unlink(path);
	r = cli_config_load(path, &loaded);
	CHECK(r == 0 && loaded.nremotes == 1 && strcmp(loaded.default_remote, "local") == 0,
	      "cli: no file: only local, the default");
	cli_config_free(&loaded);
	cli_config_free(&c);

	static const char *const bad[] = {
		"remotes:\n  \"a:b\":\n    addr: unix://\n",
		"- a\n- b\n",
		"remotes: &x\n  a: *x\n",
		"remotes: [\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cli_config_defaults(&c);
		r = cli_config_parse(bad[i], strlen(bad[i]), &c);
		CHECK(r < 0, "cli: a bad remotes file is refused (%zu: %s)", i,
		      cli_error_message());
		cli_config_free(&c);
	}
}

void test_cli(void)
{
	test_table();
	test_parse_ok();
	test_parse_errors();
	test_remote_names();
	test_remote_file();
}
