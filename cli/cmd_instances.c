// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the instance verbs but `list`: launch, init, start, stop, restart,
 * pause, delete and info, with lxc's requests, messages and waits (every
 * async call waits on GET /1.0/operations/<id>/wait). Runs in the client as
 * the invoking user, no privilege. Instance objects come from the server
 * (untrusted) and are read through the typed accessors; `init` reads a
 * YAML document from stdin when stdin is not a terminal, as lxc does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "verbs.h"

#define STATUS_STOPPED 102
#define STATUS_FROZEN 110
#define STDIN_MAX (1u << 20)

/* ---- init and launch ------------------------------------------------------------------------- */

/* What `init < file.yaml` gives: the document (lxc takes config, devices, profiles), or NULL. */
static int read_stdin_yaml(json_object **ret)
{
	__do_free char *buf = NULL;
	size_t len = 0;
	int r;

	*ret = NULL;
	if (isatty(STDIN_FILENO))
		return 0;
	r = cli_read_all(STDIN_FILENO, STDIN_MAX, &buf, &len);
	if (r == -EBADF)
		return 0; /* no stdin at all */
	if (r < 0)
		return cli_error(r, "reading stdin: %s", strerror(-r));
	return len ? cli_yaml_parse(buf, len, ret) : 0;
}

/* The object under key in the stdin document, as a fresh copy, or a new empty object. */
static json_object *stdin_object(json_object *doc, const char *key)
{
	json_object *o = cli_jget(doc, key, json_type_object), *copy = NULL;

	if (!o || json_object_deep_copy(o, &copy, NULL) < 0)
		return json_object_new_object();
	return copy;
}

/* Resolve an image name as lxc: an alias first, else a fingerprint (prefix). */
static int resolve_image(struct cli_conn *c, const char *image, json_object **ret_img)
{
	__do_free char *e = cli_escape(image), *path = NULL;
	json_object *alias = NULL;
	const char *fp = image;
	int r;

	if (!e || asprintf(&path, "/1.0/images/aliases/%s", e) < 0) {
		path = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	if (cli_get(c, path, &alias) == 0 && *cli_jstr(alias, "target"))
		fp = cli_jstr(alias, "target");
	cli_error_clear();
	free(path);
	free(e);
	e = cli_escape(fp);
	if (!e || asprintf(&path, "/1.0/images/%s", e) < 0) {
		path = NULL;
		if (alias)
			json_object_put(alias);
		return cli_error(-ENOMEM, "out of memory");
	}
	r = cli_get(c, path, ret_img);
	if (alias)
		json_object_put(alias);
	return r;
}

/* lxc's `init`; *ret_name is the instance's name (the server's choice when none was given). */
static int create(struct cli_ctx *ctx, struct cli_conn *conn, char **ret_name, char **ret_remote)
{
	const struct cli_args *a = ctx->args;
	bool empty = cli_flag_bool(a, "empty");
	__do_free char *iremote = NULL, *image = NULL, *remote = NULL, *name = NULL;
	json_object *doc = NULL, *body, *config, *source, *op = NULL, *list, *devices;
	const char *const *kv, *const *profiles, *storage;
	size_t nkv, nprofiles;
	int r;

	if (a->npos == 0 && !empty)
		return cli_usage_error("Invalid number of arguments");
	if (empty && a->npos > 1)
		return cli_error(-EINVAL, "--empty cannot be combined with an image name");
	r = read_stdin_yaml(&doc);
	if (r < 0)
		return r;
	if (a->npos > 0)
		r = cli_parse_remote(ctx->conf, a->pos[0], &iremote, &image);
	if (r == 0)
		r = cli_parse_remote(ctx->conf, a->npos > 1 ? a->pos[1] : "", &remote, &name);
	if (r == 0 && empty && a->npos == 1) {
		/* `init --empty NAME`: the one argument is the name */
		free(remote);
		free(name);
		remote = TAKE_PTR(iremote);
		name = TAKE_PTR(image);
	}
	if (r == 0 && iremote && strcmp(iremote, remote) != 0)
		r = cli_error(-EOPNOTSUPP, "Images from another remote (%s:) are not supported yet",
			      iremote);
	if (r == 0)
		r = cli_connect(ctx->conf, remote, ctx->debug, conn);
	if (r < 0) {
		if (doc)
			json_object_put(doc);
		return r;
	}

	body = json_object_new_object();
	config = stdin_object(doc, "config");
	kv = cli_flag_list(a, "config", &nkv);
	for (size_t i = 0; i < nkv; i++) {
		const char *eq = strchr(kv[i], '=');
		char *key;

		if (!eq) {
			r = cli_error(-EINVAL, "Bad key=value pair: %s", kv[i]);
			goto out;
		}
		key = strndup(kv[i], (size_t)(eq - kv[i]));
		if (!key) {
			r = cli_error(-ENOMEM, "out of memory");
			goto out;
		}
		json_object_object_add(config, key, json_object_new_string(eq + 1));
		free(key);
	}
	json_object_object_add(body, "architecture", json_object_new_string(""));
	json_object_object_add(body, "config", config);
	devices = stdin_object(doc, "devices");
	json_object_object_add(body, "devices", devices);
	storage = cli_flag_str(a, "storage");
	if (storage && *storage) {
		/* lxc's -s: the pool must be there, and the root disk is on it */
		__do_free char *pool = cli_escape(storage), *path = NULL;
		json_object *root = json_object_new_object(), *p = NULL;

		if (!pool || asprintf(&path, "/1.0/storage-pools/%s", pool) < 0) {
			json_object_put(root);
			r = cli_error(-ENOMEM, "out of memory");
			goto out;
		}
		r = cli_get(conn, path, &p);
		if (p)
			json_object_put(p);
		if (r < 0) {
			json_object_put(root);
			goto out;
		}
		json_object_object_add(root, "type", json_object_new_string("disk"));
		json_object_object_add(root, "path", json_object_new_string("/"));
		json_object_object_add(root, "pool", json_object_new_string(storage));
		json_object_object_add(devices, "root", root);
	}
	json_object_object_add(body, "ephemeral",
			       json_object_new_boolean(cli_flag_bool(a, "ephemeral")));
	profiles = cli_flag_list(a, "profile", &nprofiles);
	if (nprofiles || cli_flag_bool(a, "no-profiles")) {
		list = json_object_new_array();
		for (size_t i = 0; i < nprofiles; i++)
			json_object_array_add(list, json_object_new_string(profiles[i]));
		json_object_object_add(body, "profiles", list);
	} else if (cli_jget(doc, "profiles", json_type_array)) {
		json_object_object_add(body, "profiles",
				       json_object_get(cli_jget(doc, "profiles", json_type_array)));
	} else {
		json_object_object_add(body, "profiles", NULL);
	}
	json_object_object_add(body, "stateful", json_object_new_boolean(false));
	json_object_object_add(body, "description", json_object_new_string(""));
	json_object_object_add(body, "name", json_object_new_string(name));
	source = json_object_new_object();
	if (empty) {
		json_object_object_add(source, "type", json_object_new_string("none"));
		json_object_object_add(body, "type", json_object_new_string("container"));
	} else {
		json_object *img = NULL;

		r = resolve_image(conn, *image ? image : "default", &img);
		if (r < 0) {
			json_object_put(source);
			goto out;
		}
		json_object_object_add(source, "type", json_object_new_string("image"));
		json_object_object_add(source, "certificate", json_object_new_string(""));
		json_object_object_add(source, "fingerprint",
				       json_object_new_string(cli_jstr(img, "fingerprint")));
		json_object_object_add(source, "allow_inconsistent",
				       json_object_new_boolean(false));
		json_object_object_add(body, "type",
				       json_object_new_string(*cli_jstr(img, "type")
								      ? cli_jstr(img, "type")
								      : "container"));
		json_object_put(img);
	}
	json_object_object_add(body, "source", source);
	json_object_object_add(body, "instance_type", json_object_new_string(""));

	if (!ctx->quiet) {
		if (*name)
			printf("Creating %s\n", name);
		else
			printf("Creating the instance\n");
		fflush(stdout);
	}
	r = cli_async(conn, "POST", "/1.0/instances", body, &op);
	if (r < 0)
		goto out;
	list = cli_jget(cli_jget(op, "resources", json_type_object), "instances", json_type_array);
	if (!list || json_object_array_length(list) == 0)
		list = cli_jget(cli_jget(op, "resources", json_type_object), "containers",
				json_type_array);
	if (!list || json_object_array_length(list) == 0) {
		r = cli_error(-EPROTO,
			      "Didn't get any affected image, instance or snapshot from server");
		goto out;
	}
	if (!*name && json_object_array_length(list) == 1) {
		const char *url = json_object_get_string(json_object_array_get_idx(list, 0));
		const char *slash = url ? strrchr(url, '/') : NULL;

		free(name);
		name = strdup(slash ? slash + 1 : "");
		if (!name) {
			r = cli_error(-ENOMEM, "out of memory");
			goto out;
		}
		printf("Instance name is: %s\n", name);
	}
	*ret_name = TAKE_PTR(name);
	*ret_remote = TAKE_PTR(remote);
out:
	if (op)
		json_object_put(op);
	json_object_put(body);
	if (doc)
		json_object_put(doc);
	return r;
}

int cli_cmd_init(struct cli_ctx *ctx)
{
	__do_free char *name = NULL, *remote = NULL;
	struct cli_conn conn = { 0 };
	int r = create(ctx, &conn, &name, &remote);

	cli_conn_free(&conn);
	return r;
}

static json_object *state_body(const char *action, long timeout, bool force)
{
	json_object *b = json_object_new_object();

	json_object_object_add(b, "action", json_object_new_string(action));
	json_object_object_add(b, "timeout", json_object_new_int64(timeout));
	json_object_object_add(b, "force", json_object_new_boolean(force));
	json_object_object_add(b, "stateful", json_object_new_boolean(false));
	return b;
}

/*
 * PUT .../state and wait. who: for lxc's hint on failure ("Try `moat info
 * --show-log <who>`"), or NULL for none.
 */
static int change_state(struct cli_conn *c, const char *name, const char *action, long timeout,
			bool force, const char *who)
{
	__do_free char *path = cli_instance_path(name, "/state"), *msg = NULL;
	json_object *body;
	int r;

	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	body = state_body(action, timeout, force);
	r = cli_async(c, "PUT", path, body, NULL);
	json_object_put(body);
	if (r == 0 || !who || !(msg = strdup(cli_error_message())))
		return r;
	return cli_error(r, "%s\nTry `moat info --show-log %s` for more info", msg, who);
}

int cli_cmd_launch(struct cli_ctx *ctx)
{
	__do_free char *name = NULL, *remote = NULL, *who = NULL;
	struct cli_conn conn = { 0 };
	int r;

	r = create(ctx, &conn, &name, &remote);
	if (r < 0)
		goto out;
	if (!ctx->quiet) {
		printf("Starting %s\n", name);
		fflush(stdout);
	}
	if (asprintf(&who, "%s:%s", remote, name) < 0) {
		who = NULL;
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	r = change_state(&conn, name, "start", -1, false, who);
out:
	cli_conn_free(&conn);
	return r;
}

/* ---- start, stop, restart, pause ----------------------------------------------------------------- */

static int do_action(struct cli_ctx *ctx, const char *action, const char *raw)
{
	__do_free char *name = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	bool stop_like = strcmp(action, "stop") == 0 || strcmp(action, "restart") == 0;
	long timeout = stop_like ? cli_flag_int(ctx->args, "timeout") : 0;
	bool force = stop_like && cli_flag_bool(ctx->args, "force");
	int r;

	r = cli_open(ctx, raw, &conn, &name);
	if (r < 0)
		return r;
	if (!*name) {
		r = cli_error(-EINVAL, "Must supply instance name for: \"%s\"", raw);
		goto out;
	}
	path = cli_instance_path(name, NULL);
	if (!path) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	if (strcmp(action, "start") == 0) {
		json_object *inst = NULL;

		r = cli_get(&conn, path, &inst);
		if (r < 0)
			goto out;
		if (cli_jint(inst, "status_code") == STATUS_FROZEN)
			action = "unfreeze";
		json_object_put(inst);
	}
	r = change_state(&conn, name, strcmp(action, "pause") == 0 ? "freeze" : action, timeout,
			 force, raw);
out:
	cli_conn_free(&conn);
	return r;
}

/* --all: every instance of the remote (those already in the wanted state left out). */
static int all_names(struct cli_ctx *ctx, const char *action, char ***ret)
{
	const struct cli_args *a = ctx->args;
	__do_free char *remote = NULL, *name = NULL;
	struct cli_conn conn = { 0 };
	json_object *list = NULL;
	char **names;
	size_t n = 0;
	int r;

	if (a->npos > 1)
		return cli_error(-EINVAL, "Both --all and instance name given");
	r = cli_parse_remote(ctx->conf, a->npos ? a->pos[0] : "", &remote, &name);
	if (r < 0)
		return r;
	if (*name)
		return cli_error(-EINVAL, "Both --all and instance name given");
	r = cli_connect(ctx->conf, remote, ctx->debug, &conn);
	if (r == 0)
		r = cli_get_list(&conn, "/1.0/instances?recursion=1", &list);
	cli_conn_free(&conn);
	if (r < 0)
		return r;
	names = calloc(json_object_array_length(list) + 1, sizeof(*names));
	for (size_t i = 0; names && i < json_object_array_length(list); i++) {
		json_object *inst = json_object_array_get_idx(list, i);
		int64_t code = cli_jint(inst, "status_code");

		if ((strcmp(action, "start") == 0 && code == 103) ||
		    (strcmp(action, "stop") == 0 && code == STATUS_STOPPED))
			continue;
		if (asprintf(&names[n], "%s:%s", remote, cli_jstr(inst, "name")) < 0) {
			names[n] = NULL;
			strv_free(names);
			names = NULL;
			break;
		}
		n++;
	}
	json_object_put(list);
	if (!names)
		return cli_error(-ENOMEM, "out of memory");
	*ret = names;
	return 0;
}

static int run_action(struct cli_ctx *ctx, const char *action)
{
	const struct cli_args *a = ctx->args;
	__do_strv char **all = NULL;
	const char *const *names = a->pos;
	size_t n = a->npos, failed = 0;
	int r;

	if (cli_flag_bool(a, "all")) {
		r = all_names(ctx, action, &all);
		if (r < 0)
			return r;
		names = (const char *const *)all;
		for (n = 0; all[n]; n++)
			;
	} else if (n == 0) {
		return cli_usage_error("Invalid number of arguments");
	}
	if (n == 1)
		return do_action(ctx, action, names[0]);
	for (size_t i = 0; i < n; i++) {
		r = do_action(ctx, action, names[i]);
		if (r == 0)
			continue;
		failed++;
		/* lxc's batch report: "<name>: error: <line>" for each line */
		for (const char *p = cli_error_message(); *p;) {
			size_t len = strcspn(p, "\n");

			fprintf(stderr, "%s: error: %.*s\n", names[i], (int)len, p);
			p += len + (p[len] ? 1 : 0);
		}
	}
	if (failed) {
		fputc('\n', stderr);
		return cli_error(-EIO, "Some instances failed to %s", action);
	}
	return 0;
}

int cli_cmd_start(struct cli_ctx *ctx)
{
	return run_action(ctx, "start");
}

int cli_cmd_stop(struct cli_ctx *ctx)
{
	return run_action(ctx, "stop");
}

int cli_cmd_restart(struct cli_ctx *ctx)
{
	return run_action(ctx, "restart");
}

int cli_cmd_pause(struct cli_ctx *ctx)
{
	return run_action(ctx, "pause");
}

/* ---- delete ------------------------------------------------------------------------------------------ */

static int confirm(const char *name)
{
	char line[64] = "";

	printf("Remove %s (yes/no): ", name);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0)
		return 0;
	return cli_error(-ECANCELED, "User aborted delete operation");
}

/* path + the escaped s (path is freed); NULL on ENOMEM. */
static char *append_escaped(char *path, const char *s)
{
	__do_free char *e = cli_escape(s);
	char *full = NULL;

	if (e && asprintf(&full, "%s%s", path, e) < 0)
		full = NULL;
	free(path);
	return full;
}

static int delete_one(struct cli_ctx *ctx, const char *raw)
{
	__do_free char *name = NULL, *path = NULL;
	struct cli_conn conn = { 0 };
	json_object *inst = NULL;
	char *slash;
	int64_t code;
	int r;

	r = cli_open(ctx, raw, &conn, &name);
	if (r < 0)
		return r;
	if (cli_flag_bool(ctx->args, "interactive")) {
		r = confirm(name);
		if (r < 0)
			goto out;
	}
	slash = strchr(name, '/');
	if (slash) {
		/* a snapshot: instance/snapshot */
		*slash = '\0';
		path = cli_instance_path(name, "/snapshots/");
		if (path)
			path = append_escaped(path, slash + 1);
		r = path ? cli_async(&conn, "DELETE", path, NULL, NULL)
			 : cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	path = cli_instance_path(name, NULL);
	if (!path) {
		r = cli_error(-ENOMEM, "out of memory");
		goto out;
	}
	r = cli_get(&conn, path, &inst);
	if (r < 0)
		goto out;
	code = cli_jint(inst, "status_code");
	if (code != 0 && code != STATUS_STOPPED) {
		if (!cli_flag_bool(ctx->args, "force")) {
			r = cli_error(-EBUSY, "The instance is currently running, stop it first or "
					      "pass --force");
			goto out;
		}
		r = change_state(&conn, name, "stop", -1, true, NULL);
		if (r < 0) {
			__do_free char *msg = strdup(cli_error_message());

			r = cli_error(r, "Stopping the instance failed: %s", msg ? msg : "");
			goto out;
		}
		/* an ephemeral instance deletes itself when it stops */
		if (cli_jbool(inst, "ephemeral"))
			goto out;
	}
	r = cli_async(&conn, "DELETE", path, NULL, NULL);
out:
	if (inst)
		json_object_put(inst);
	cli_conn_free(&conn);
	return r;
}

int cli_cmd_delete(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	int r;

	/* as lxc: every instance must exist before any is deleted */
	for (size_t i = 0; i < a->npos; i++) {
		__do_free char *name = NULL, *path = NULL;
		struct cli_conn conn = { 0 };

		if (strchr(a->pos[i], '/'))
			continue;
		r = cli_open(ctx, a->pos[i], &conn, &name);
		if (r == 0) {
			path = cli_instance_path(name, NULL);
			r = path ? cli_get(&conn, path, NULL) : cli_error(-ENOMEM, "out of memory");
		}
		cli_conn_free(&conn);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < a->npos; i++) {
		r = delete_one(ctx, a->pos[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- info ---------------------------------------------------------------------------------------------- */

static int server_info(struct cli_conn *conn)
{
	json_object *md = NULL;
	int r = cli_get(conn, "/1.0", &md);

	if (r < 0)
		return r;
	r = cli_yaml_print(stdout, md);
	json_object_put(md);
	return r;
}

static void size_line(const char *label, int64_t v, bool iec, const char *indent)
{
	char s[32];

	cli_size_str(s, sizeof(s), v, 2, iec);
	printf("%s%s: %s\n", indent, label, s);
}

static void print_network(json_object *net)
{
	size_t n = (size_t)json_object_object_length(net), i = 0;
	__do_free const char **names = calloc(n + 1, sizeof(*names));
	char up[32];

	if (!names || n == 0)
		return;
	json_object_object_foreach(net, nic_name, nic_v)
	{
		(void)nic_v;
		names[i++] = nic_name;
	}
	qsort(names, n, sizeof(*names), cli_strcmp_p);
	printf("  Network usage:\n");
	for (i = 0; i < n; i++) {
		json_object *nic = json_object_object_get(net, names[i]);
		json_object *cnt = cli_jget(nic, "counters", json_type_object);
		json_object *addrs = cli_jget(nic, "addresses", json_type_array);

		printf("    %s:\n", names[i]);
		printf("      Type: %s\n", cli_jstr(nic, "type"));
		printf("      State: %s\n", cli_upper(up, sizeof(up), cli_jstr(nic, "state")));
		if (*cli_jstr(nic, "host_name"))
			printf("      Host interface: %s\n", cli_jstr(nic, "host_name"));
		if (*cli_jstr(nic, "hwaddr"))
			printf("      MAC address: %s\n", cli_jstr(nic, "hwaddr"));
		if (cli_jint(nic, "mtu"))
			printf("      MTU: %" PRId64 "\n", cli_jint(nic, "mtu"));
		size_line("Bytes received", cli_jint(cnt, "bytes_received"), false, "      ");
		size_line("Bytes sent", cli_jint(cnt, "bytes_sent"), false, "      ");
		printf("      Packets received: %" PRId64 "\n", cli_jint(cnt, "packets_received"));
		printf("      Packets sent: %" PRId64 "\n", cli_jint(cnt, "packets_sent"));
		printf("      IP addresses:\n");
		for (size_t k = 0; addrs && k < json_object_array_length(addrs); k++) {
			json_object *ad = json_object_array_get_idx(addrs, k);
			const char *fam = cli_jstr(ad, "family");

			printf("        %s:%s%s/%s (%s)\n", fam,
			       strcmp(fam, "inet") == 0 ? "  " : " ", cli_jstr(ad, "address"),
			       cli_jstr(ad, "netmask"), cli_jstr(ad, "scope"));
		}
	}
}

static void print_resources(json_object *st)
{
	json_object *mem = cli_jget(st, "memory", json_type_object);
	json_object *disk = cli_jmap(st, "disk");
	int64_t cpu = cli_jint(cli_jget(st, "cpu", json_type_object), "usage");
	static const struct {
		const char *key, *label;
	} mems[] = {
		{ "usage", "Memory (current)" },
		{ "usage_peak", "Memory (peak)" },
		{ "swap_usage", "Swap (current)" },
		{ "swap_usage_peak", "Swap (peak)" },
	};
	bool any = false;

	printf("\nResources:\n");
	printf("  Processes: %" PRId64 "\n", cli_jint(st, "processes"));
	json_object_object_foreach(disk, dname, d)
	{
		if (!cli_jint(d, "usage"))
			continue;
		if (!any)
			printf("  Disk usage:\n");
		any = true;
		size_line(dname, cli_jint(d, "usage"), true, "    ");
	}
	if (cpu) {
		printf("  CPU usage:\n");
		printf("    CPU usage (in seconds): %" PRId64 "\n", cpu / 1000000000);
	}
	any = false;
	for (size_t i = 0; i < ARRAY_SIZE(mems); i++) {
		if (!cli_jint(mem, mems[i].key))
			continue;
		if (!any)
			printf("  Memory usage:\n");
		any = true;
		size_line(mems[i].label, cli_jint(mem, mems[i].key), true, "    ");
	}
	print_network(cli_jmap(st, "network"));
}

static int print_snapshots(json_object *snaps)
{
	static const char *const header[] = { "Name", "Taken at", "Expires at", "Stateful" };
	struct cli_table t;
	int r = 0;

	if (!snaps || json_object_array_length(snaps) == 0)
		return 0;
	printf("\nSnapshots:\n");
	cli_table_init(&t, 4, header);
	for (size_t i = 0; r == 0 && i < json_object_array_length(snaps); i++) {
		json_object *s = json_object_array_get_idx(snaps, i);
		const char *name = cli_jstr(s, "name"), *slash = strrchr(name, '/');
		char taken[64] = " ", expires[64] = " ";
		const char *cells[4];

		if (cli_time_set(cli_jstr(s, "created_at")))
			cli_time_str(taken, sizeof(taken), cli_jstr(s, "created_at"),
				     CLI_TIME_LOCAL);
		if (cli_time_set(cli_jstr(s, "expires_at")))
			cli_time_str(expires, sizeof(expires), cli_jstr(s, "expires_at"),
				     CLI_TIME_LOCAL);
		cells[0] = slash ? slash + 1 : name;
		cells[1] = taken;
		cells[2] = expires;
		cells[3] = cli_jbool(s, "stateful") ? "YES" : "NO";
		r = cli_table_add(&t, cells);
	}
	if (r == 0)
		r = cli_render(stdout, CLI_FMT_TABLE, &t, NULL, 0);
	cli_table_free(&t);
	return r < 0 ? cli_error(r, "out of memory") : 0;
}

static int instance_info(struct cli_conn *conn, const char *name, bool show_log)
{
	__do_free char *path = cli_instance_path(name, "?recursion=1");
	json_object *inst = NULL, *st;
	const char *type;
	char up[64], when[64];
	int r;

	if (!path)
		return cli_error(-ENOMEM, "out of memory");
	r = cli_get(conn, path, &inst);
	if (r < 0)
		return r;
	st = cli_jget(inst, "state", json_type_object);
	type = *cli_jstr(inst, "type") ? cli_jstr(inst, "type") : "container";
	printf("Name: %s\n", cli_jstr(inst, "name"));
	printf("Status: %s\n", cli_upper(up, sizeof(up), cli_jstr(inst, "status")));
	printf(cli_jbool(inst, "ephemeral") ? "Type: %s (ephemeral)\n" : "Type: %s\n", type);
	printf("Architecture: %s\n", cli_jstr(inst, "architecture"));
	if (cli_jint(st, "pid"))
		printf("PID: %" PRId64 "\n", cli_jint(st, "pid"));
	if (cli_time_set(cli_jstr(inst, "created_at"))) {
		cli_time_str(when, sizeof(when), cli_jstr(inst, "created_at"), CLI_TIME_LOCAL);
		printf("Created: %s\n", when);
	}
	if (cli_time_set(cli_jstr(inst, "last_used_at"))) {
		cli_time_str(when, sizeof(when), cli_jstr(inst, "last_used_at"), CLI_TIME_LOCAL);
		printf("Last Used: %s\n", when);
	}
	if (cli_jint(st, "pid"))
		print_resources(st);
	r = print_snapshots(cli_jget(inst, "snapshots", json_type_array));
	if (r == 0 && show_log) {
		__do_free char *log_path = NULL, *log = NULL;
		size_t len = 0;

		if (strcmp(type, "container") != 0)
			r = cli_error(-EOPNOTSUPP, "Unsupported instance type: %s", type);
		else if (!(log_path = cli_instance_path(name, "/logs/lxc.log")))
			r = cli_error(-ENOMEM, "out of memory");
		else
			r = cli_get_raw(conn, log_path, &log, &len);
		if (r == 0) {
			printf("\nLog:\n\n");
			fwrite(log, 1, len, stdout);
			printf("\n");
		}
	}
	json_object_put(inst);
	return r;
}

int cli_cmd_info(struct cli_ctx *ctx)
{
	const struct cli_args *a = ctx->args;
	__do_free char *name = NULL;
	struct cli_conn conn = { 0 };
	int r;

	r = cli_open(ctx, a->npos ? a->pos[0] : "", &conn, &name);
	if (r < 0)
		return r;
	if (*name)
		r = instance_info(&conn, name, cli_flag_bool(a, "show-log"));
	else
		r = server_info(&conn);
	cli_conn_free(&conn);
	return r;
}
