// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for fe_template_render() (frontend/model/template.c), the LXD image
 * template engine moatd-api runs on templates from untrusted images. Run
 * by the test runner with no privilege; inputs are the tables below and a
 * few generated hostile templates (deep nesting, huge loops).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "model/template.h"
#include "t.h"

static const char ctx_json[] =
	"{\"trigger\":\"create\",\"path\":\"/etc/hostname\","
	"\"instance\":{\"name\":\"c1\",\"type\":\"container\",\"architecture\":\"x86_64\","
	"\"ephemeral\":\"false\",\"privileged\":\"false\"},"
	"\"container\":{\"name\":\"c1\",\"type\":\"container\",\"architecture\":\"x86_64\","
	"\"ephemeral\":\"false\",\"privileged\":\"false\"},"
	"\"config\":{\"user.x\":\"ux\\r\\n\",\"image.os\":\"debian\",\"security.nesting\":\"true\","
	"\"user.empty\":\"\",\"limits.cpu\":\"2\"},"
	"\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\"},"
	"\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"lxdbr0\"}},"
	"\"properties\":{\"default\":\"#cloud-config\\n{}\\n\",\"foo\":\"bar\"},"
	"\"list\":[\"a\",\"b\",\"c\"],\"num\":7,\"flt\":1.5}";

struct good_case {
	const char *tpl;
	const char *want;
};

struct bad_case {
	const char *tpl;
	const char *err; /* a substring of the message */
	int rc;
};

static int render(json_object *ctx, const char *tpl, size_t len, char **ret, size_t *ret_len,
		  char *err, size_t errlen)
{
	return fe_template_render(tpl, len, ctx, ret, ret_len, err, errlen);
}

static void check_good(json_object *ctx, const struct good_case *c)
{
	char esc[T_ESC_MAX], esc2[T_ESC_MAX], err[256];
	__do_free char *out = NULL;
	size_t len = 0;
	int r = render(ctx, c->tpl, strlen(c->tpl), &out, &len, err, sizeof(err));

	if (!CHECK(r == 0, "template \"%s\" renders (%d: %s)",
		   t_escape(esc, sizeof(esc), c->tpl, strlen(c->tpl)), r, err))
		return;
	CHECK(len == strlen(c->want) && memcmp(out, c->want, len) == 0 && out[len] == '\0',
	      "template \"%s\" gives \"%s\" (got \"%s\")",
	      t_escape(esc, sizeof(esc), c->tpl, strlen(c->tpl)),
	      t_escape(esc2, sizeof(esc2), c->want, strlen(c->want)),
	      t_escape(err, sizeof(err), out, len));
}

static void check_bad(json_object *ctx, const char *tpl, size_t tlen, const char *what,
		      const char *want, int rc)
{
	char esc[T_ESC_MAX], err[256];
	char *out = (char *)"untouched";
	size_t len = 12345;
	int r;

	memset(err, 'X', sizeof(err));
	r = render(ctx, tpl, tlen, &out, &len, err, sizeof(err));
	if (!what)
		what = t_escape(esc, sizeof(esc), tpl, tlen);
	CHECK(r == rc && strstr(err, want) && !strchr(err, '\n') && strcmp(out, "untouched") == 0 &&
		      len == 12345,
	      "template \"%s\" is refused with %d, \"%s\" (got %d: \"%s\")", what, rc, want, r,
	      r < 0 ? err : "");
}

/* n copies of a, then b, then n copies of c, into a heap string. */
static char *repeat(const char *a, size_t n, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c), o = 0;
	char *s = malloc(n * (la + lc) + lb + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++, o += la)
		memcpy(s + o, a, la);
	memcpy(s + o, b, lb);
	o += lb;
	for (size_t i = 0; i < n; i++, o += lc)
		memcpy(s + o, c, lc);
	s[o] = '\0';
	return s;
}

/* prefix, n copies of a, middle, n copies of c, suffix: a heap string */
static char *nest(const char *prefix, const char *a, size_t n, const char *middle, const char *c,
		  const char *suffix)
{
	__do_free char *as = repeat(a, n, "", ""), *cs = repeat(c, n, "", "");
	char *s = NULL;

	if (asprintf(&s, "%s%s%s%s%s", prefix, as, middle, cs, suffix) < 0)
		abort();
	return s;
}

static void check_renders(json_object *ctx, const char *tpl, size_t tlen, const char *what,
			  const char *want, size_t want_len)
{
	char err[256];
	__do_free char *out = NULL;
	size_t len = 0;
	int r = render(ctx, tpl, tlen, &out, &len, err, sizeof(err));

	CHECK(r == 0 && len == want_len && memcmp(out, want, len) == 0,
	      "%s renders as expected (%d%s%s)", what, r, r ? ": " : "", r ? err : "");
}

static void test_limits(json_object *ctx)
{
	const size_t big = FE_TEMPLATE_MAX_INPUT, depth = FE_TEMPLATE_MAX_DEPTH;
	char *s;

	/* blocks: 32 nested are fine, 33 are not */
	s = nest("", "{% if true %}", depth, "x", "{% endif %}", "");
	check_renders(ctx, s, strlen(s), "32 nested ifs", "x", 1);
	free(s);
	s = nest("", "{% if true %}", depth + 1, "x", "{% endif %}", "");
	check_bad(ctx, s, strlen(s), "33 nested ifs", "line 1: blocks nested too deeply", -E2BIG);
	free(s);
	s = nest("", "{% for c in \"ab\" %}", 1000, "x", "{% endfor %}", "");
	check_bad(ctx, s, strlen(s), "1000 nested fors", "blocks nested too deeply", -E2BIG);
	free(s);
	s = nest("{% if 0 %}", "{% elif 0 %}", 10000, "{% else %}e", "", "{% endif %}");
	check_renders(ctx, s, strlen(s), "10000 elifs", "e", 1);
	free(s);

	/* expressions */
	s = nest("{{ ", "(", 30, "1", ")", " }}");
	check_renders(ctx, s, strlen(s), "30 nested parentheses", "1", 1);
	free(s);
	s = nest("{{ ", "(", 40, "1", ")", " }}");
	check_bad(ctx, s, strlen(s), "40 nested parentheses", "expression nested too deeply",
		  -E2BIG);
	free(s);
	s = nest("{{ ", "(", 100000, "1", ")", " }}");
	check_bad(ctx, s, strlen(s), "100000 nested parentheses", "expression nested too deeply",
		  -E2BIG);
	free(s);
	s = nest("{{ x", "[x", 100, "", "]", " }}");
	check_bad(ctx, s, strlen(s), "100 nested subscripts", "expression nested too deeply",
		  -E2BIG);
	free(s);
	s = nest("{{ x", ".a", 200, "", "", " }}");
	check_bad(ctx, s, strlen(s), "200 lookups in a row", "expression nested too deeply",
		  -E2BIG);
	free(s);
	s = nest("{{ x", "|upper", 200, "", "", " }}");
	check_bad(ctx, s, strlen(s), "200 filters in a row", "expression nested too deeply",
		  -E2BIG);
	free(s);
	s = nest("{{ ", "1 == ", 200, "1", "", " }}");
	check_bad(ctx, s, strlen(s), "200 comparisons in a row", "expression nested too deeply",
		  -E2BIG);
	free(s);
	s = nest("{{ ", "false or ", 50000, "true", "", " }}");
	check_renders(ctx, s, strlen(s), "an or chain of 50001 terms (no depth)", "True", 4);
	free(s);
	s = nest("{{ ", "not ", 2, "1", "", " }}");
	check_bad(ctx, s, strlen(s), "not not", "expected a value, found \"not\"", -EINVAL);
	free(s);

	/* loops and work */
	{
		__do_free char *x = repeat("x", 1000, "", "");

		s = NULL;
		if (asprintf(&s,
			     "{%% for a in \"%s\" %%}{%% for b in \"%s\" %%}{%% endfor %%}"
			     "{%% endfor %%}",
			     x, x) < 0)
			abort();
		check_bad(ctx, s, strlen(s), "a million loop iterations",
			  "line 1: more than 100000 loop iterations", -E2BIG);
		free(s);
	}
	{
		__do_free char *a = repeat("x", 400, "", "");
		__do_free char *b = repeat("y", 250, "", "");
		__do_free char *body = repeat("{% if false %}{% endif %}", 300, "", "");

		s = NULL;
		if (asprintf(&s,
			     "{%% for i in \"%s\" %%}{%% for j in \"%s\" %%}%s{%% endfor %%}"
			     "{%% endfor %%}",
			     a, b, body) < 0)
			abort();
		check_bad(ctx, s, strlen(s), "100000 iterations of 300 ifs", "too much work",
			  -E2BIG);
		free(s);
	}

	/* output: 9 x 0.5 MiB is too much, 3 x 0.5 MiB is fine */
	{
		__do_free char *text = repeat("z", big / 2, "", "");
		__do_free char *want = repeat("z", 3 * (big / 2), "", "");

		s = NULL;
		if (asprintf(&s,
			     "{%% for a in list %%}{%% for b in list %%}%s{%% endfor %%}"
			     "{%% endfor %%}",
			     text) < 0)
			abort();
		check_bad(ctx, s, strlen(s), "4.5 MiB of output",
			  "line 1: the output is larger than", -E2BIG);
		free(s);
		s = NULL;
		if (asprintf(&s, "{%% for b in list %%}%s{%% endfor %%}", text) < 0)
			abort();
		check_renders(ctx, s, strlen(s), "1.5 MiB of output", want, 3 * (big / 2));
		free(s);
	}

	/* the parsed tree: 1 MiB of {{a}} needs ~37 MiB, a 1 MiB template of a usual kind ~9 */
	s = repeat("{{a}}", big / 5, "", "");
	check_bad(ctx, s, strlen(s), "1 MiB of {{a}}", "the template is too complex", -E2BIG);
	free(s);
	{
		const char *line = "{{ container.name }} and some text around it\n";
		__do_free char *want =
			repeat("c1 and some text around it\n", big / strlen(line), "", "");

		s = repeat(line, big / strlen(line), "", "");
		check_renders(ctx, s, strlen(s), "1 MiB of {{ container.name }} lines", want,
			      strlen(want));
		free(s);
	}

	/* input: 1 MiB of text is copied as it is; one byte more is refused */
	s = repeat("t", big + 1, "", "");
	check_renders(ctx, s, big, "1 MiB of text", s, big);
	check_bad(ctx, s, big + 1, "1 MiB + 1 of text", "the template is larger than", -E2BIG);
	free(s);
}

static void test_bytes(json_object *ctx)
{
	static const char bin[] = "\x01\x02\x7f\x80\xfe\xff{ } % # {x} }} %} #} \t\r\n\r\nend\r\n";
	static const char nul[] = "a\0b{{ container.name }}\0";
	char err[256];
	__do_free char *out = NULL;
	size_t len = 0;
	int r;

	r = render(ctx, bin, sizeof(bin) - 1, &out, &len, err, sizeof(err));
	CHECK(r == 0 && len == sizeof(bin) - 1 && memcmp(out, bin, len) == 0,
	      "text only (binary bytes, CR LF) comes back byte for byte (%d: %s)", r, err);
	free(TAKE_PTR(out));
	r = render(ctx, nul, sizeof(nul) - 1, &out, &len, err, sizeof(err));
	CHECK(r == 0 && len == 6 && memcmp(out, "a\0bc1\0", 7) == 0,
	      "NUL bytes in the text are kept (%d: %s)", r, err);
	free(TAKE_PTR(out));
	r = render(ctx, NULL, 0, &out, &len, err, sizeof(err));
	CHECK(r == 0 && len == 0 && out && out[0] == '\0', "an empty template gives \"\" (%d)", r);
	free(TAKE_PTR(out));
	r = render(NULL, "[{{ container.name }}]", 22, &out, NULL, NULL, 0);
	CHECK(r == 0 && strcmp(out, "[]") == 0, "no context, no err buffer: \"[]\" (%d)", r);
	free(TAKE_PTR(out));
	r = render(ctx, "{{ x", 4, &out, &len, NULL, 0);
	CHECK(r == -EINVAL && !out, "an error without an err buffer is still an error (%d)", r);
	check_bad(ctx, "x{{\x01}}", 7, NULL, "line 1: unexpected byte 0x01", -EINVAL);
}

void test_template(void)
{
	static const struct good_case good[] = {
		/* the context */
		{ "{{ container.name }}", "c1" },
		{ "{{instance.name}}.{{ instance.architecture }}", "c1.x86_64" },
		{ "{{ trigger }} {{ path }}", "create /etc/hostname" },
		{ "{{ config_get(\"user.x\", \"d\") }}", "ux" },
		{ "{{ config_get(\"user.none\", \"d\") }}", "d" },
		{ "{{ config_get('image.os', 'd') }}", "debian" },
		{ "{{ config_get(\"user.empty\", \"d\") }}", "" },
		{ "{{ config_get(\"user.user-data\", properties.default) }}",
		  "#cloud-config\n{}\n" },
		{ "{{ config[\"user.x\"] }}", "ux\r\n" },
		{ "{{ config[\"image.os\"]|upper }}", "DEBIAN" },
		{ "{{ devices.eth0.parent }} {{ devices[\"root\"][\"pool\"] }}", "lxdbr0 default" },
		{ "{{ list.1 }}{{ list[2] }}{{ list.0 }}{{ list.9 }}", "bca" },
		{ "{{ num }} {{ flt }} {{ 42 }} {{ true }} {{ false }}",
		  "7 1.500000 42 True False" },
		/* undefined */
		{ "[{{ nothing }}]", "[]" },
		{ "[{{ container.nothing.deeper }}{{ config.missing }}{{ list.x }}]", "[]" },
		{ "[{{ container.name.x }}{{ num.x }}{{ nothing[0] }}]", "[]" },
		/* literals */
		{ "{{ \"a\\\"b\\\\c\" }} {{ 'it\\'s' }} {{ \"'\" }}", "a\"b\\c it's '" },
		{ "{{ \"{{ }} {% %}\" }}", "{{ }} {% %}" },
		/* if */
		{ "{% if trigger == \"create\" %}A{% elif trigger == \"start\" %}B{% else %}C{% endif %}",
		  "A" },
		{ "{% if \"x\" == \"y\" %}A{% elif 1 == 1 %}B{% else %}C{% endif %}", "B" },
		{ "{% if 0 %}A{% elif false %}B{% else %}C{% endif %}", "C" },
		{ "{% if 0 %}A{% elif false %}B{% endif %}", "" },
		{ "{% if true %}{% if false %}x{% else %}{% if 1 %}y{% endif %}{% endif %}{% endif %}",
		  "y" },
		{ "a{% if container.privileged == \"true\" %}P{% endif %}b", "ab" },
		/* truthiness */
		{ "{% if \"\" %}T{% else %}F{% endif %}", "F" },
		{ "{% if \"false\" %}T{% else %}F{% endif %}", "T" },
		{ "{% if nothing %}T{% else %}F{% endif %}", "F" },
		{ "{% if config %}T{% else %}F{% endif %}", "T" },
		{ "{% if devices.nic %}T{% else %}F{% endif %}", "F" },
		{ "{% if not nothing %}T{% endif %}{% if !config %}F{% endif %}", "T" },
		/* Pongo2's operators and quirks */
		{ "{{ nothing == \"\" }} {{ nothing == other }} {{ \"1\" == 1 }} {{ 2 == 2 }}",
		  "False True False True" },
		{ "{{ 1 != 2 }} {{ 1 <> 1 }} {{ config[\"limits.cpu\"] > 1 }} {{ \"x\" < 1 }}",
		  "True False True True" },
		{ "{{ false and false or true }} {{ true || false && false }}", "False True" },
		{ "{{ not nothing == true }} {{ not 5 }} {{ not 0 }}", "True 0 1" },
		{ "{{ \"nest\" in \"security.nesting\" }} {{ \"eth0\" in devices }} {{ \"b\" in list }}",
		  "True True True" },
		{ "{{ \"z\" in list }} {{ \"c1\" in container }} {{ 1 in nothing }}",
		  "False False False" },
		{ "{{ (true or false) and (1 == 2) }}", "False" },
		/* filters */
		{ "{{ container.name|upper }} {{ \"MiXeD\"|lower }} {{ \"h\xc3\xa9llo\"|upper }}",
		  "C1 mixed H\xc3\xa9LLO" },
		{ "{{ nothing|default:\"dflt\" }} {{ config_get(\"user.empty\", \"\")|default:'e' }}",
		  "dflt e" },
		{ "{{ container.name|default:\"x\" }} {{ \"\"|default_if_none:\"n\" }}|"
		  "{{ nothing|default_if_none:properties.foo }}",
		  "c1 |bar" },
		{ "{{ \"h\xc3\xa9llo\"|length }} {{ config|length }} {{ list|length }} {{ num|length }}",
		  "5 5 3 0" },
		{ "{% if container.name|length > 1 %}long{% endif %}", "long" },
		/* for */
		{ "{% for k, v in config %}{{ k }}={{ v|default:'-' }};{% endfor %}",
		  "image.os=debian;limits.cpu=2;security.nesting=true;user.empty=-;user.x=ux\r\n;" },
		{ "{% for k in devices %}{{ k }}:{{ devices[k].type }} {% endfor %}",
		  "eth0:nic root:disk " },
		{ "{% for x in list %}{{ forloop.Counter }}{{ x }}{% if not forloop.Last %},{% endif %}"
		  "{% endfor %}",
		  "1a,2b,3c" },
		{ "{% for x in list %}{% for y in \"12\" %}{{ forloop.Parentloop.Counter0 }}{{ y }}"
		  "{% endfor %}{% endfor %}",
		  "010211122122" },
		{ "{% for x in nothing %}x{% empty %}none{% endfor %}", "none" },
		{ "{% for x in list %}{% empty %}none{% endfor %}", "" },
		{ "{% for c in \"abc\" %}[{{ c }}]{% endfor %}", "[a][b][c]" },
		{ "{% for i, x in list %}{{ i }}{{ x }}{% endfor %}", "abc" },
		{ "{% for x in list %}{{ forloop.First }}{{ forloop.Revcounter0 }} {% endfor %}",
		  "True2 False1 False0 " },
		{ "{{ forloop.Counter }}{% for x in num %}x{% endfor %}", "" },
		/* comments and whitespace control */
		{ "a{# a comment #}b{# {{ x }} {% if %} #}c", "abc" },
		{ "a{#\n multi\n line\n#}b", "ab" },
		{ "a  {%- if true -%}  b  {%- endif -%}  c", "abc" },
		{ "x \n {{- \"y\" -}} \n z", "xyz" },
		{ "a \n{%- if false %}x{% endif %}\n", "a\n" },
		{ "a  {# c #}{{- 1 }}", "a1" },
		{ "{{\n container.name\n}}", "c1" },
		/* realistic templates */
		{ "127.0.0.1\tlocalhost\r\n127.0.1.1\t{{ container.name }}\r\n",
		  "127.0.0.1\tlocalhost\r\n127.0.1.1\tc1\r\n" },
		{ "instance-id: {{ container.name }}\nlocal-hostname: {{ container.name }}\n"
		  "{{ config_get(\"user.meta-data\", \"\") }}\n",
		  "instance-id: c1\nlocal-hostname: c1\n\n" },
		{ "{% if config_get(\"user.network-config\", \"\") == \"\" %}version: 1\nconfig:\n"
		  "  - type: physical\n    name: {% if instance.type == \"virtual-machine\" %}enp5s0"
		  "{% else %}eth0{% endif %}\n    subnets:\n      - type: dhcp\n"
		  "{% else %}{{ config_get(\"user.network-config\", \"\") }}{% endif %}",
		  "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n"
		  "      - type: dhcp\n" },
		{ "{%- if config_get(\"cloud-init.user-data\", \"\") != \"\" -%}\n"
		  "{{ config_get(\"cloud-init.user-data\", \"\") }}\n"
		  "{%- else -%}\n{{ config_get(\"user.user-data\", properties.default) }}\n"
		  "{%- endif %}\n",
		  "#cloud-config\n{}\n\n" },
		{ "", "" },
	};
	static const struct bad_case bad[] = {
		{ "{% include \"x\" %}", "line 1: unknown tag \"include\"", -EINVAL },
		{ "a\nb\n{% include 'x' %}", "line 3: unknown tag \"include\"", -EINVAL },
		{ "{% extends \"base\" %}", "unknown tag \"extends\"", -EINVAL },
		{ "{% import \"m\" x %}", "unknown tag \"import\"", -EINVAL },
		{ "{% ssi \"/etc/passwd\" %}", "unknown tag \"ssi\"", -EINVAL },
		{ "{% set x = 1 %}", "unknown tag \"set\"", -EINVAL },
		{ "{{ container.name", "line 1: unterminated {{ (no }})", -EINVAL },
		{ "x\n{{ ", "line 2: unterminated {{", -EINVAL },
		{ "{% if true", "unterminated {% (no %})", -EINVAL },
		{ "{%", "unterminated {%", -EINVAL },
		{ "{{ x %}", "expected \"}}\", found \"%}\"", -EINVAL },
		{ "{% if x }}", "expected \"%}\", found \"}}\"", -EINVAL },
		{ "{% if true %}x", "line 1: {% if %} is not closed (no {% endif %})", -EINVAL },
		{ "\n{% for x in list %}x{% empty %}",
		  "line 2: {% for %} is not closed (no {% endfor %})", -EINVAL },
		{ "{% if 1 %}{% else %}{% elif 2 %}{% endif %}", "unexpected {% elif %}", -EINVAL },
		{ "{% endif %}", "unexpected {% endif %}", -EINVAL },
		{ "{% for x in list %}{% endif %}", "unexpected {% endif %}", -EINVAL },
		{ "{% endif x %}", "unexpected {% endif %}", -EINVAL },
		{ "{% if 1 %}{% endif x %}", "expected \"%}\", found \"x\"", -EINVAL },
		{ "{% %}", "expected a tag name", -EINVAL },
		{ "{% if %}{% endif %}", "expected a value, found \"%}\"", -EINVAL },
		{ "{% for in list %}{% endfor %}", "expected a loop variable", -EINVAL },
		{ "{% for x list %}{% endfor %}", "expected \"in\"", -EINVAL },
		{ "{{ }}", "expected a value, found \"}}\"", -EINVAL },
		{ "{{ foo(1) }}", "unknown function \"foo\"", -EINVAL },
		{ "{{ config_get(\"a\") }}", "config_get() takes 2 arguments, not 1", -EINVAL },
		{ "{{ config_get(\"a\", 1, 2) }}", "takes 2 arguments, not 3", -EINVAL },
		{ "{{ config_get(\"a\", ) }}", "expected a value, found \")\"", -EINVAL },
		{ "{{ x|nosuch }}", "unknown filter \"nosuch\"", -EINVAL },
		{ "{{ x|default }}", "filter default needs an argument", -EINVAL },
		{ "{{ x|upper:1 }}", "filter upper takes no argument", -EINVAL },
		{ "{{ \"abc }}", "unterminated string", -EINVAL },
		{ "{{ \"a\\n\" }}", "unknown escape", -EINVAL },
		{ "{{ \"a\nb\" }}", "newline in a string", -EINVAL },
		{ "{{ 1 + 2 }}", "operator '+' is not supported", -EINVAL },
		{ "{{ x = 2 }}", "operator '=' is not supported", -EINVAL },
		{ "{{ 1.5 }}", "decimal numbers are not supported", -EINVAL },
		{ "{{ 99999999999999999999 }}", "number too large", -EINVAL },
		{ "{{ 1x }}", "malformed number", -EINVAL },
		{ "{{ x. }}", "expected a name or an index after \".\"", -EINVAL },
		{ "{{ x[1 }}", "expected \"]\"", -EINVAL },
		{ "{{ (1 }}", "expected \")\"", -EINVAL },
		{ "{{ 1 2 }}", "expected \"}}\", found a number", -EINVAL },
		{ "{{ x @ }}", "unexpected character '@'", -EINVAL },
		{ "{# x", "unterminated comment", -EINVAL },
		{ "{{ config }}", "line 1: cannot use a map as text", -EINVAL },
		{ "\n\n{{ list }}", "line 3: cannot use a list as text", -EINVAL },
		{ "{% for x in list %}{{ forloop }}{% endfor %}", "cannot use forloop as text",
		  -EINVAL },
		{ "{{ config|upper }}", "cannot use a map as text", -EINVAL },
	};

	json_object *ctx = json_tokener_parse(ctx_json);

	if (!CHECK(ctx != NULL, "template: the test context parses"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		check_good(ctx, &good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		check_bad(ctx, bad[i].tpl, strlen(bad[i].tpl), NULL, bad[i].err, bad[i].rc);
	test_bytes(ctx);
	test_limits(ctx);
	json_object_put(ctx);
}
