/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: the remotes file and REMOTE:NAME. The file is YAML in lxc's own
 * shape (default-remote, remotes: {name: {addr, protocol, auth_type,
 * project, public}}, aliases), at $MOAT_CONF (a file, or a directory
 * holding config.yml) or ~/.config/moat/config.yml. `local` is built in:
 * addr unix://, which means $MOAT_DIR/unix.socket (MOAT_DIR defaults to
 * /var/lib/moat); other remotes may name a socket as unix:///path.
 * Runs in the client as the invoking user, no privilege; the file is the
 * user's own and is parsed with the bounded YAML reader (format.h).
 */
#ifndef MOAT_CLI_REMOTE_H
#define MOAT_CLI_REMOTE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

struct cli_conn;

struct cli_remote {
	char *name;
	char *addr;
	char *protocol;  /* "" means lxd */
	char *auth_type; /* "" means the default for the address */
	char *project;
	bool public;
	bool is_static; /* built in (local): never written out but for the default */
};

struct cli_config {
	char *path; /* where it was read from and is written to */
	char *default_remote;
	struct cli_remote *remotes; /* sorted by name */
	size_t nremotes;
	json_object *aliases; /* kept as read (an object), written back unchanged */
};

/* The file's path: $MOAT_CONF (file, or directory + config.yml), else ~/.config/moat/config.yml. */
int cli_config_path(char **ret);

/* Defaults only (local, the default remote), then the file if it exists. */
int cli_config_load(const char *path, struct cli_config *ret);
/* Parse a document into conf (which holds the defaults already). */
int cli_config_parse(const char *yaml, size_t len, struct cli_config *conf);
void cli_config_defaults(struct cli_config *ret);
void cli_config_free(struct cli_config *c);

/* The document lxc would write: static remotes left out but for local. */
int cli_config_yaml(const struct cli_config *c, char **ret_buf, size_t *ret_len);
/* Write it to c->path (0600, through a temporary file and a rename). */
int cli_config_save(const struct cli_config *c);

const struct cli_remote *cli_config_remote(const struct cli_config *c, const char *name);
/* Add or replace a remote (copied). */
int cli_config_set_remote(struct cli_config *c, const struct cli_remote *r);

/* lxc's `remote list --format json` object: {"name": {"Addr": ..., ...}}. */
json_object *cli_config_remotes_json(const struct cli_config *c);

/*
 * lxc's ParseRemote: "name" is (default remote, name); "r:name" is (r,
 * name) if r is a remote, else an error (unless it is a snapshot name
 * with a colon in it). The outputs are malloc'ed.
 */
int cli_parse_remote(const struct cli_config *c, const char *raw, char **ret_remote,
		     char **ret_name);

/* A connection to a remote (unix sockets only, for now). */
int cli_connect(const struct cli_config *c, const char *remote, bool debug, struct cli_conn *ret);

#endif
