// SPDX-License-Identifier: Apache-2.0
/*
 * moat: `moat list`, as lxc lists: lxc's column letters and custom
 * columns (-c) with each column's cells, and one GET /1.0/instances with
 * the filters the server applies (key=value on a top-level field; the
 * rest are list_filter.c's, on the client), ?recursion=2 when a column
 * needs state, then every output format. Runs in the client as the
 * invoking user, no privilege. The instance objects come from the server
 * (untrusted) and are only read through the typed accessors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "verbs.h"

#define STATUS_STOPPED 102
#define STATUS_ERROR 112

/* ---- columns ------------------------------------------------------------------------------ */

static const struct {
	char letter;
	const char *name;
	bool needs_data;
} shorthands[] = {
	{ '4', "IPV4", true },          { '6', "IPV6", true },
	{ 'a', "ARCHITECTURE", false }, { 'b', "STORAGE POOL", false },
	{ 'c', "CREATED AT", false },   { 'd', "DESCRIPTION", false },
	{ 'D', "DISK USAGE", true },    { 'e', "PROJECT", false },
	{ 'f', "BASE IMAGE", false },   { 'F', "BASE IMAGE", false },
	{ 'l', "LAST USED AT", false }, { 'm', "MEMORY USAGE", true },
	{ 'M', "MEMORY USAGE%", true }, { 'n', "NAME", false },
	{ 'N', "PROCESSES", true },     { 'p', "PID", true },
	{ 'P', "PROFILES", false },     { 'S', "SNAPSHOTS", true },
	{ 's', "STATE", false },        { 't', "TYPE", false },
	{ 'u', "CPU USAGE", true },     { 'L', "LOCATION", false },
};

static int add_column(struct cli_column **cols, size_t *n, const struct cli_column *c)
{
	struct cli_column *grown = realloc(*cols, (*n + 1) * sizeof(*grown));

	if (!grown)
		return cli_error(-ENOMEM, "out of memory");
	*cols = grown;
	(*cols)[(*n)++] = *c;
	return 0;
}

/* "[config:|devices:]key[:name][:maxWidth]" */
static int custom_column(const char *entry, struct cli_column *ret)
{
	__do_free char *copy = strdup(entry);
	char *cc[4];
	size_t n = 0;

	if (!copy)
		return cli_error(-ENOMEM, "out of memory");
	/* split on ':' by hand, keeping empty fields */
	for (char *p = copy;; p++) {
		char *colon = strchr(p, ':');

		if (n == 4)
			return cli_usage_error(
				"Invalid config key column format (too many fields): '%s'", entry);
		cc[n++] = p;
		if (!colon)
			break;
		*colon = '\0';
		p = colon;
	}
	memset(ret, 0, sizeof(*ret));
	ret->custom = 'c';
	ret->max_width = -1;
	if ((strcmp(cc[0], "config") == 0 || strcmp(cc[0], "devices") == 0) && n > 1) {
		ret->custom = cc[0][0];
		memmove(cc, cc + 1, (n - 1) * sizeof(*cc));
		n--;
	}
	if (n > 3)
		return cli_usage_error("Invalid config key column format (too many fields): '%s'",
				       entry);
	if (strlen(cc[0]) >= sizeof(ret->key))
		return cli_usage_error("Invalid config key '%s' in '%s'", cc[0], entry);
	snprintf(ret->key, sizeof(ret->key), "%s", cc[0]);
	snprintf(ret->name, sizeof(ret->name), "%s", cc[0]);
	if (n > 1) {
		if (!*cc[1] && n != 3)
			return cli_usage_error("Invalid name in '%s', empty string is only allowed "
					       "when defining maxWidth",
					       entry);
		snprintf(ret->name, sizeof(ret->name), "%s", cc[1]);
	}
	if (n > 2) {
		char *end;
		long w;

		errno = 0;
		w = strtol(cc[2], &end, 10);
		if (errno || end == cc[2] || *end || w > 1 << 20)
			return cli_usage_error(
				"Invalid max width (must be an integer) '%s' in '%s'", cc[2],
				entry);
		if (w < -1)
			return cli_usage_error(
				"Invalid max width (must -1, 0 or a positive integer) '%s' in '%s'",
				cc[2], entry);
		ret->max_width = w == 0 ? (int)strlen(ret->name) : (int)w;
	}
	return 0;
}

int cli_list_columns(const char *spec, bool clustered, struct cli_column **ret, size_t *ret_n)
{
	__do_free char *copy = NULL;
	struct cli_column *cols = NULL;
	size_t n = 0;
	char *save = NULL;
	int r = 0;

	if (!clustered && strchr(spec, 'L') && !strchr(spec, '.'))
		return cli_usage_error("Can't specify column L when not clustered");
	if (!*spec || spec[0] == ',' || spec[strlen(spec) - 1] == ',' || strstr(spec, ",,"))
		return cli_usage_error(
			"Empty column entry (redundant, leading or trailing command) in '%s'",
			spec);
	copy = strdup(spec);
	if (!copy)
		return cli_error(-ENOMEM, "out of memory");
	for (char *entry = strtok_r(copy, ",", &save); entry && r == 0;
	     entry = strtok_r(NULL, ",", &save)) {
		struct cli_column c;

		if (strchr(entry, '.')) {
			r = custom_column(entry, &c);
			if (r == 0)
				r = add_column(&cols, &n, &c);
			continue;
		}
		for (const char *p = entry; *p && r == 0; p++) {
			size_t i;

			for (i = 0; i < ARRAY_SIZE(shorthands); i++)
				if (shorthands[i].letter == *p)
					break;
			if (i == ARRAY_SIZE(shorthands) || (*p == 'L' && !clustered)) {
				r = cli_usage_error("Unknown column shorthand char '%c' in '%s'",
						    *p, entry);
				break;
			}
			memset(&c, 0, sizeof(c));
			c.kind = *p;
			c.max_width = -1;
			c.needs_data = shorthands[i].needs_data;
			snprintf(c.name, sizeof(c.name), "%s", shorthands[i].name);
			r = add_column(&cols, &n, &c);
		}
	}
	if (r < 0) {
		free(cols);
		return r;
	}
	*ret = cols;
	*ret_n = n;
	return 0;
}

/* ---- cells ------------------------------------------------------------------------------------- */

static bool is_active(json_object *inst)
{
	int64_t code = cli_jint(inst, "status_code");

	return code != STATUS_STOPPED && code != STATUS_ERROR;
}

char *cli_join_lines(const char *const *parts, size_t n)
{
	size_t len = 1, o = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);

		if (i)
			out[o++] = '\n';
		memcpy(out + o, parts[i], l);
		o += l;
	}
	out[o] = '\0';
	return out;
}

static int str_rcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)b, *(const char *const *)a);
}

/* "<address> (<nic>)" for every global address of the family, sorted in reverse. */
static char *ip_cell(json_object *inst, const char *family)
{
	json_object *net = cli_jmap(cli_jget(inst, "state", json_type_object), "network");
	char **lines = NULL;
	size_t n = 0;
	char *out = NULL;

	if (!is_active(inst) ||
	    !cli_jget(cli_jget(inst, "state", json_type_object), "network", json_type_object))
		return strdup("");
	json_object_object_foreach(net, nic, v)
	{
		json_object *addrs = cli_jget(v, "addresses", json_type_array);

		if (strcmp(cli_jstr(v, "type"), "loopback") == 0)
			continue;
		for (size_t i = 0; addrs && i < json_object_array_length(addrs); i++) {
			json_object *a = json_object_array_get_idx(addrs, i);
			const char *scope = cli_jstr(a, "scope");
			char **grown;

			if (strcmp(scope, "link") == 0 || strcmp(scope, "local") == 0 ||
			    strcmp(cli_jstr(a, "family"), family) != 0)
				continue;
			grown = realloc(lines, (n + 1) * sizeof(*grown));
			if (!grown)
				goto out;
			lines = grown;
			if (asprintf(&lines[n], "%s (%s)", cli_jstr(a, "address"), nic) < 0)
				goto out;
			n++;
		}
	}
	if (n > 1)
		qsort(lines, n, sizeof(*lines), str_rcmp);
	out = cli_join_lines((const char *const *)lines, n);
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return out;
}

static char *fmt_cell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_cell(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

static char *size_cell(int64_t v)
{
	char buf[32];

	cli_size_str(buf, sizeof(buf), v, 2, true);
	return strdup(buf);
}

static char *time_cell(const char *t)
{
	char buf[64] = "";

	if (cli_time_set(t))
		cli_time_str(buf, sizeof(buf), t, CLI_TIME_UTC);
	return strdup(buf);
}

/* units.ParseByteSizeString for limits.memory; -1 if it is not a plain size. */
static int64_t parse_size(const char *s)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 },
		{ "B", 1 },
		{ "kB", 1e3 },
		{ "KB", 1e3 },
		{ "MB", 1e6 },
		{ "GB", 1e9 },
		{ "TB", 1e12 },
		{ "PB", 1e15 },
		{ "EB", 1e18 },
		{ "KiB", 1024.0 },
		{ "MiB", 1048576.0 },
		{ "GiB", 1073741824.0 },
		{ "TiB", 1099511627776.0 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(end, units[i].suffix) == 0)
			return (int64_t)(v * units[i].mult);
	return -1;
}

static char *custom_cell(const struct cli_column *col, json_object *inst)
{
	const char *v = "";

	if (col->custom == 'c') {
		json_object *cfg = cli_jget(inst, "config", json_type_object), *x;

		if (cfg && json_object_object_get_ex(cfg, col->key, &x))
			v = cli_jstr(cfg, col->key);
		else
			v = cli_jstr(cli_jget(inst, "expanded_config", json_type_object), col->key);
	} else {
		const char *dot = strchr(col->key, '.');
		char dev[128];

		if (!dot || strchr(dot + 1, '.'))
			return strdup("");
		snprintf(dev, sizeof(dev), "%.*s", (int)(dot - col->key), col->key);
		json_object *d = cli_jget(cli_jget(inst, "devices", json_type_object), dev,
					  json_type_object),
			    *x;

		if (d && json_object_object_get_ex(d, dot + 1, &x))
			v = cli_jstr(d, dot + 1);
		else
			v = cli_jstr(cli_jget(cli_jget(inst, "expanded_devices", json_type_object),
					      dev, json_type_object),
				     dot + 1);
	}
	if (col->max_width > 0 && strlen(v) > (size_t)col->max_width)
		return strndup(v, (size_t)col->max_width);
	return strdup(v);
}

char *cli_list_cell(const struct cli_column *col, json_object *inst)
{
	json_object *st = cli_jget(inst, "state", json_type_object);
	const char *base =
		cli_jstr(cli_jget(inst, "config", json_type_object), "volatile.base_image");
	char up[64];

	if (!col->kind)
		return custom_cell(col, inst);
	switch (col->kind) {
	case '4':
		return ip_cell(inst, "inet");
	case '6':
		return ip_cell(inst, "inet6");
	case 'a':
		return strdup(cli_jstr(inst, "architecture"));
	case 'b': {
		json_object *devs = cli_jmap(inst, "expanded_devices");

		json_object_object_foreach(devs, k, d)
		{
			(void)k;
			if (strcmp(cli_jstr(d, "type"), "disk") == 0 &&
			    strcmp(cli_jstr(d, "path"), "/") == 0)
				return strdup(cli_jstr(d, "pool"));
		}
		return strdup("");
	}
	case 'c':
		return time_cell(cli_jstr(inst, "created_at"));
	case 'd':
		return strdup(cli_jstr(inst, "description"));
	case 'D': {
		const char *root = "root";
		json_object *devs = cli_jmap(inst, "expanded_devices");
		int64_t usage;

		json_object_object_foreach(devs, k, d)
		{
			if (strcmp(cli_jstr(d, "type"), "disk") == 0 &&
			    strcmp(cli_jstr(d, "path"), "/") == 0)
				root = k;
		}
		usage = cli_jint(
			cli_jget(cli_jget(st, "disk", json_type_object), root, json_type_object),
			"usage");
		return usage > 0 ? size_cell(usage) : strdup("");
	}
	case 'e':
		return strdup(cli_jstr(inst, "project"));
	case 'f':
		return strndup(base, 12);
	case 'F':
		return strdup(base);
	case 'l': {
		const char *t = cli_jstr(inst, "last_used_at");

		return time_cell(t);
	}
	case 'm': {
		int64_t usage = cli_jint(cli_jget(st, "memory", json_type_object), "usage");

		return is_active(inst) && st && usage > 0 ? size_cell(usage) : strdup("");
	}
	case 'M': {
		int64_t usage = cli_jint(cli_jget(st, "memory", json_type_object), "usage");
		const char *limit = cli_jstr(cli_jget(inst, "expanded_config", json_type_object),
					     "limits.memory");
		int64_t max = parse_size(limit);

		if (!is_active(inst) || !st || usage <= 0 || !*limit || strchr(limit, '%') ||
		    max <= 0)
			return strdup("");
		return fmt_cell("%.1f%%", (double)usage / (double)max * 100.0);
	}
	case 'n':
		return strdup(cli_jstr(inst, "name"));
	case 'N':
		return is_active(inst) && st ? fmt_cell("%" PRId64, cli_jint(st, "processes"))
					     : strdup("");
	case 'p':
		return is_active(inst) && st ? fmt_cell("%" PRId64, cli_jint(st, "pid"))
					     : strdup("");
	case 'P': {
		json_object *p = cli_jget(inst, "profiles", json_type_array);
		size_t n = p ? json_object_array_length(p) : 0;
		__do_free const char **names = calloc(n + 1, sizeof(*names));

		if (!names)
			return NULL;
		for (size_t i = 0; i < n; i++) {
			names[i] = json_object_get_string(json_object_array_get_idx(p, i));
			if (!names[i])
				names[i] = "";
		}
		return cli_join_lines(names, n);
	}
	case 's':
		return strdup(cli_upper(up, sizeof(up), cli_jstr(inst, "status")));
	case 'S': {
		json_object *s = cli_jget(inst, "snapshots", json_type_array);

		return fmt_cell("%zu", s ? json_object_array_length(s) : 0);
	}
	case 't': {
		const char *type = *cli_jstr(inst, "type") ? cli_jstr(inst, "type") : "container";

		cli_upper(up, sizeof(up), type);
		return cli_jbool(inst, "ephemeral") ? fmt_cell("%s (EPHEMERAL)", up) : strdup(up);
	}
	case 'u': {
		int64_t cpu = cli_jint(cli_jget(st, "cpu", json_type_object), "usage");

		return is_active(inst) && st && cpu > 0 ? fmt_cell("%" PRId64 "s", cpu / 1000000000)
							: strdup("");
	}
	case 'L':
		return strdup(cli_jstr(inst, "location"));
	}
	return strdup("");
}

/* ---- the verb ------------------------------------------------------------------------------------ */

/* Would lxc send this filter to the server (a top-level field, one value, no dots)? */
static bool server_filter(const char *f)
{
	static const char *const fields[] = {
		"architecture", "config",      "devices",     "ephemeral",       "profiles",
		"stateful",     "description", "created_at",  "expanded_config", "expanded_devices",
		"name",         "status",      "status_code", "last_used_at",    "location",
		"type",         "project",     "backups",     "state",           "snapshots",
	};
	const char *eq = strchr(f, '=');

	if (!eq || strchr(eq + 1, ',') || memchr(f, '.', (size_t)(eq - f)))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strlen(fields[i]) == (size_t)(eq - f) &&
		    strncmp(fields[i], f, (size_t)(eq - f)) == 0)
			return true;
	return false;
}

/* "?filter=k eq v and ...&recursion=N", escaped. */
static char *list_path(const char *const *filters, size_t n, int recursion)
{
	__do_free char *expr = strdup(""), *esc = NULL;
	char *path;

	for (size_t i = 0; expr && i < n; i++) {
		const char *eq = strchr(filters[i], '=');
		char *next;

		if (!server_filter(filters[i]))
			continue;
		if (asprintf(&next, "%s%s%.*s eq %s", expr, *expr ? " and " : "",
			     (int)(eq - filters[i]), filters[i], eq + 1) < 0)
			return NULL;
		free(expr);
		expr = next;
	}
	esc = expr ? cli_escape(expr) : NULL;
	if (!esc || asprintf(&path, "/1.0/instances?filter=%s&recursion=%d", esc, recursion) < 0)
		return NULL;
	return path;
}

int cli_cmd_list(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *remote = NULL, *name = NULL, *path = NULL;
	__do_free struct cli_column *cols = NULL;
	__do_free const char **filters = calloc(a->npos + 2, sizeof(*filters));
	__do_free const char **client = calloc(a->npos + 2, sizeof(*client));
	const char *spec = cli_flag_str(a, "columns");
	json_object *list = NULL, *shown = NULL;
	struct cli_conn conn = { 0 };
	size_t ncols = 0, nf = 0, nc = 0;
	const char **header = NULL;
	bool needs_data = false;
	enum cli_format fmt;
	struct cli_table t;
	int r;

	if (!filters || !client)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_format_flag(ctx, &fmt);
	if (r < 0)
		return r;
	if (cli_flag_bool(a, "fast")) {
		if (cli_flag_given(a, "columns"))
			return cli_usage_error("Can't specify --fast with --columns");
		spec = "nsacPt";
	}
	r = cli_list_columns(spec, false, &cols, &ncols);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ncols; i++)
		needs_data |= cols[i].needs_data;

	for (size_t i = 0; i < a->npos; i++)
		filters[nf++] = a->pos[i];
	if (a->npos && strchr(a->pos[0], ':') && !strchr(a->pos[0], '=')) {
		r = cli_parse_remote(ctx->conf, a->pos[0], &remote, &name);
		nf = 0;
		for (size_t i = 1; i < a->npos; i++)
			filters[nf++] = a->pos[i];
	} else {
		r = cli_parse_remote(ctx->conf, "", &remote, &name);
		if (r == 0 && a->npos && !strchr(a->pos[0], '=')) {
			free(name);
			name = strdup(a->pos[0]);
		}
	}
	if (r < 0)
		return r;
	if (name && *name)
		filters[nf++] = name;
	for (size_t i = 0; i < nf; i++)
		if (!server_filter(filters[i]))
			client[nc++] = filters[i];

	r = cli_connect(ctx->conf, remote, ctx->debug, &conn);
	if (r < 0)
		return r;
	path = list_path(filters, nf, needs_data ? 2 : 1);
	r = path ? cli_get_list(&conn, path, &list) : cli_error(-ENOMEM, "out of memory");
	cli_conn_free(&conn);
	if (r < 0)
		return r;

	header = calloc(ncols, sizeof(*header));
	shown = json_object_new_array();
	cli_table_init(&t, ncols, header);
	for (size_t i = 0; header && i < ncols; i++)
		header[i] = cols[i].name;
	for (size_t i = 0; header && r == 0 && i < json_object_array_length(list); i++) {
		json_object *inst = json_object_array_get_idx(list, i);
		char **cells = calloc(ncols + 1, sizeof(*cells));

		if (!cli_list_match(inst, client, nc)) {
			free(cells);
			continue;
		}
		if (!needs_data) {
			/* lxc prints the struct it filled: these come out as null */
			static const char *const extra[] = { "backups", "state", "snapshots" };

			for (size_t k = 0; k < ARRAY_SIZE(extra); k++)
				if (!json_object_object_get_ex(inst, extra[k], NULL))
					json_object_object_add(inst, extra[k], NULL);
		}
		json_object_array_add(shown, json_object_get(inst));
		for (size_t c = 0; cells && c < ncols; c++)
			if (!(cells[c] = cli_list_cell(&cols[c], inst)))
				r = -ENOMEM;
		r = r == 0 && cells ? cli_table_add(&t, (const char *const *)cells) : -ENOMEM;
		for (size_t c = 0; cells && c < ncols; c++)
			free(cells[c]);
		free(cells);
	}
	if (!header)
		r = -ENOMEM;
	r = cli_table_finish(&t, fmt, shown, r);
	free(header);
	json_object_put(list);
	return r;
}
