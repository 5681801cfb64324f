// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the remotes file (load, save, lxc's JSON view), REMOTE:NAME and
 * connecting to a remote; see remote.h. Runs in the client as the invoking
 * user, no privilege. The file is the user's own but still parsed with
 * the bounded YAML reader, and names with a ':' in them are refused (they
 * could never be addressed).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "client.h"
#include "format.h"
#include "remote.h"

#define CONFIG_MAX (1u << 20)

static void remote_free(struct cli_remote *r)
{
	free(r->name);
	free(r->addr);
	free(r->protocol);
	free(r->auth_type);
	free(r->project);
	memset(r, 0, sizeof(*r));
}

void cli_config_free(struct cli_config *c)
{
	for (size_t i = 0; i < c->nremotes; i++)
		remote_free(&c->remotes[i]);
	free(c->remotes);
	free(c->path);
	free(c->default_remote);
	if (c->aliases)
		json_object_put(c->aliases);
	memset(c, 0, sizeof(*c));
}

const struct cli_remote *cli_config_remote(const struct cli_config *c, const char *name)
{
	for (size_t i = 0; i < c->nremotes; i++)
		if (strcmp(c->remotes[i].name, name) == 0)
			return &c->remotes[i];
	return NULL;
}

static int remote_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cli_remote *)a)->name, ((const struct cli_remote *)b)->name);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int cli_config_set_remote(struct cli_config *c, const struct cli_remote *r)
{
	struct cli_remote copy = {
		.name = strdup(r->name),
		.addr = dup_or_empty(r->addr),
		.protocol = dup_or_empty(r->protocol),
		.auth_type = dup_or_empty(r->auth_type),
		.project = dup_or_empty(r->project),
		.public = r->public,
		.is_static = r->is_static,
	};

	if (!copy.name || !copy.addr || !copy.protocol || !copy.auth_type || !copy.project) {
		remote_free(&copy);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->nremotes; i++)
		if (strcmp(c->remotes[i].name, r->name) == 0) {
			remote_free(&c->remotes[i]);
			c->remotes[i] = copy;
			return 0;
		}
	struct cli_remote *grown = realloc(c->remotes, (c->nremotes + 1) * sizeof(*grown));

	if (!grown) {
		remote_free(&copy);
		return -ENOMEM;
	}
	c->remotes = grown;
	c->remotes[c->nremotes++] = copy;
	qsort(c->remotes, c->nremotes, sizeof(*c->remotes), remote_cmp);
	return 0;
}

static const struct cli_remote local_remote = {
	.name = (char *)"local",
	.addr = (char *)"unix://",
	.is_static = true,
};

void cli_config_defaults(struct cli_config *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->default_remote = strdup("local");
	cli_config_set_remote(ret, &local_remote);
}

/* ---- the file ---------------------------------------------------------------------- */

int cli_config_path(char **ret)
{
	const char *env = getenv("MOAT_CONF"), *home = getenv("HOME");
	struct stat st;
	int r;

	if (env && *env) {
		if (stat(env, &st) == 0 && S_ISDIR(st.st_mode))
			r = asprintf(ret, "%s/config.yml", env);
		else
			r = asprintf(ret, "%s", env);
	} else {
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());

			home = pw ? pw->pw_dir : "/";
		}
		r = asprintf(ret, "%s/.config/moat/config.yml", home);
	}
	return r < 0 ? cli_error(-ENOMEM, "out of memory") : 0;
}

static bool yaml_true(json_object *v)
{
	static const char *const yes[] = { "y",    "Y",    "yes", "Yes", "YES", "true",
					   "True", "TRUE", "on",  "On",  "ON" };
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (strcmp(s, yes[i]) == 0)
			return true;
	return false;
}

static const char *yaml_str(json_object *o, const char *key)
{
	return cli_jstr(o, key);
}

int cli_config_parse(const char *yaml, size_t len, struct cli_config *conf)
{
	json_object *doc = NULL, *remotes, *aliases;
	int r = cli_yaml_parse(yaml, len, &doc);

	if (r < 0)
		return r;
	if (!doc)
		return 0; /* an empty file: the defaults */
	if (!json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return cli_error(-EINVAL, "the remotes file is not a YAML mapping");
	}
	if (*yaml_str(doc, "default-remote")) {
		char *d = strdup(yaml_str(doc, "default-remote"));

		if (!d) {
			json_object_put(doc);
			return cli_error(-ENOMEM, "out of memory");
		}
		free(conf->default_remote);
		conf->default_remote = d;
	}
	remotes = cli_jmap(doc, "remotes");
	json_object_object_foreach(remotes, name, v)
	{
		const struct cli_remote *st = cli_config_remote(conf, name);
		struct cli_remote rem = {
			.name = name,
			.addr = (char *)yaml_str(v, "addr"),
			.protocol = (char *)yaml_str(v, "protocol"),
			.auth_type = (char *)yaml_str(v, "auth_type"),
			.project = (char *)yaml_str(v, "project"),
			.public = yaml_true(cli_jget(v, "public", json_type_string)),
		};

		if (!*name || strchr(name, ':')) {
			int r2 = cli_error(-EINVAL, "the remotes file names a remote \"%s\"", name);

			json_object_put(doc);
			return r2;
		}
		if (st && st->is_static) {
			/* built in: only the project may be changed (as lxc) */
			rem = *st;
			rem.project = (char *)yaml_str(v, "project");
		}
		if (cli_config_set_remote(conf, &rem) < 0) {
			json_object_put(doc);
			return cli_error(-ENOMEM, "out of memory");
		}
	}
	aliases = cli_jget(doc, "aliases", json_type_object);
	if (aliases) {
		if (conf->aliases)
			json_object_put(conf->aliases);
		conf->aliases = json_object_get(aliases);
	}
	json_object_put(doc);
	return 0;
}

int cli_config_load(const char *path, struct cli_config *ret)
{
	__do_close int fd = -EBADF;
	__do_free char *buf = NULL, *msg = NULL;
	size_t len = 0;
	int r;

	cli_config_defaults(ret);
	ret->path = strdup(path);
	if (!ret->path || !ret->default_remote)
		return cli_error(-ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cli_error(-errno, "cannot read %s: %s", path, strerror(errno));
	}
	r = cli_read_all(fd, CONFIG_MAX, &buf, &len);
	if (r < 0)
		return cli_error(r, "cannot read %s: %s", path, strerror(-r));
	r = cli_config_parse(buf, len, ret);
	if (r < 0) {
		msg = strdup(cli_error_message());
		return cli_error(r, "%s: %s", path, msg ? msg : "invalid");
	}
	return 0;
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

int cli_config_yaml(const struct cli_config *c, char **ret_buf, size_t *ret_len)
{
	json_object *doc = json_object_new_object(), *remotes = json_object_new_object();
	FILE *f;
	int r;

	json_object_object_add(doc, "default-remote", jstr(c->default_remote));
	for (size_t i = 0; i < c->nremotes; i++) {
		const struct cli_remote *rem = &c->remotes[i];
		json_object *o;

		if (rem->is_static && strcmp(rem->name, "local") != 0)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "addr", jstr(rem->addr));
		if (*rem->auth_type)
			json_object_object_add(o, "auth_type", jstr(rem->auth_type));
		if (*rem->project)
			json_object_object_add(o, "project", jstr(rem->project));
		if (*rem->protocol)
			json_object_object_add(o, "protocol", jstr(rem->protocol));
		json_object_object_add(o, "public", json_object_new_boolean(rem->public));
		json_object_object_add(remotes, rem->name, o);
	}
	json_object_object_add(doc, "remotes", remotes);
	json_object_object_add(doc, "aliases",
			       c->aliases ? json_object_get(c->aliases) : json_object_new_object());
	f = open_memstream(ret_buf, ret_len);
	if (!f) {
		json_object_put(doc);
		return cli_error(-ENOMEM, "out of memory");
	}
	r = cli_yaml_print(f, doc);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	json_object_put(doc);
	if (r < 0) {
		free(*ret_buf);
		*ret_buf = NULL;
		return cli_error(r, "cannot write the remotes file");
	}
	return 0;
}

/* mkdir -p of the file's directory, 0700 for what it creates. */
static int make_parents(const char *path)
{
	__do_free char *dir = strdup(path);

	if (!dir)
		return -ENOMEM;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int cli_config_save(const struct cli_config *c)
{
	__do_free char *buf = NULL, *tmp = NULL;
	__do_close int fd = -EBADF;
	size_t len = 0;
	int r;

	r = cli_config_yaml(c, &buf, &len);
	if (r < 0)
		return r;
	r = make_parents(c->path);
	if (r < 0)
		return cli_error(r, "cannot create the directory of %s: %s", c->path, strerror(-r));
	if (asprintf(&tmp, "%s.XXXXXX", c->path) < 0) {
		tmp = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cli_error(-errno, "cannot write %s: %s", c->path, strerror(errno));
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) < 0) {
		r = -errno;
		unlink(tmp);
		return cli_error(r, "cannot write %s: %s", tmp, strerror(-r));
	}
	if (rename(tmp, c->path) < 0) {
		r = -errno;
		unlink(tmp);
		return cli_error(r, "cannot write %s: %s", c->path, strerror(-r));
	}
	return 0;
}

json_object *cli_config_remotes_json(const struct cli_config *c)
{
	json_object *all = json_object_new_object();

	for (size_t i = 0; i < c->nremotes; i++) {
		const struct cli_remote *rem = &c->remotes[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "Addr", jstr(rem->addr));
		json_object_object_add(o, "AuthType", jstr(rem->auth_type));
		json_object_object_add(o, "Domain", jstr(""));
		json_object_object_add(o, "Project", jstr(rem->project));
		json_object_object_add(o, "Protocol", jstr(rem->protocol));
		json_object_object_add(o, "Public", json_object_new_boolean(rem->public));
		json_object_object_add(o, "Global", json_object_new_boolean(false));
		json_object_object_add(o, "Static", json_object_new_boolean(rem->is_static));
		json_object_object_add(all, rem->name, o);
	}
	return all;
}

/* ---- names and connections ---------------------------------------------------------------- */

int cli_parse_remote(const struct cli_config *c, const char *raw, char **ret_remote,
		     char **ret_name)
{
	const char *colon = strchr(raw, ':');
	char *remote, *name;

	if (!colon) {
		remote = strdup(c->default_remote);
		name = strdup(raw);
	} else {
		remote = strndup(raw, (size_t)(colon - raw));
		if (remote && !cli_config_remote(c, remote)) {
			/* a snapshot name with a ':' in it, as lxc allows */
			bool snap = strchr(raw, '/') && strchr(remote, '/');

			free(remote);
			if (!snap)
				return cli_error(-ENOENT, "The remote \"%.*s\" doesn't exist",
						 (int)(colon - raw), raw);
			remote = strdup(c->default_remote);
			name = strdup(raw);
		} else {
			name = strdup(colon + 1);
		}
	}
	if (!remote || !name) {
		free(remote);
		free(name);
		return cli_error(-ENOMEM, "out of memory");
	}
	*ret_remote = remote;
	*ret_name = name;
	return 0;
}

int cli_connect(const struct cli_config *c, const char *remote, bool debug, struct cli_conn *ret)
{
	const struct cli_remote *rem = cli_config_remote(c, remote);
	const char *dir = getenv("MOAT_DIR");
	char *sock;
	int r;

	if (!rem)
		return cli_error(-ENOENT, "The remote \"%s\" doesn't exist", remote);
	if (strcmp(rem->addr, "unix://") == 0 || strcmp(rem->addr, "unix:") == 0)
		r = asprintf(&sock, "%s/unix.socket", dir && *dir ? dir : "/var/lib/moat");
	else if (strncmp(rem->addr, "unix://", 7) == 0)
		r = asprintf(&sock, "%s", rem->addr + 7);
	else
		return cli_error(-EPROTONOSUPPORT,
				 "The remote \"%s\" (%s) is not a unix socket: only those are "
				 "supported for now",
				 remote, rem->addr);
	if (r < 0)
		return cli_error(-ENOMEM, "out of memory");
	ret->socket = sock;
	ret->remote = strdup(remote);
	ret->debug = debug;
	if (!ret->remote) {
		cli_conn_free(ret);
		return cli_error(-ENOMEM, "out of memory");
	}
	return 0;
}
