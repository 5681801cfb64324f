/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moatd-api's base header, which every layer of frontend/ may include:
 * server-wide state and small helpers. moatd-api runs as the unprivileged
 * `moat` user with no capabilities, no_new_privs and a seccomp allowlist;
 * every byte it reads from a client is untrusted, and so is nothing it gets
 * from moatd. The layers and what each may include: docs/DESIGN.md.
 */
#ifndef MOAT_FE_H
#define MOAT_FE_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* ---- server-wide state ---------------------------------------------------- */

/* What moatd's policy allows, from its hello reply: the API refuses at PUT
 * time what moatd would refuse at start (moatd still enforces). */
struct fe_policy {
	bool known; /* false until moatd answered hello */
	bool allow_privileged;
	bool allow_nesting;
	bool allow_raw_lxc;
	bool allow_unix_devices;
	bool require_delegated_ids;
	bool allow_raw_idmap, allow_raw_seccomp, allow_kernel_modules, allow_lxc_hooks;
	bool allow_raw_dnsmasq;      /* raw.dnsmasq of a managed network */
	bool allow_host_interfaces;  /* nics: physical, macvlan, bridged onto a host bridge */
	char **disk_source_prefixes; /* NULL-terminated; "*" = any */
};

struct fe_server {
	char *dir;        /* $MOAT_DIR */
	gid_t socket_gid; /* group allowed on the unix socket, besides root */
	char lxc_version[32];
	char policy_name[64];
	json_object *kernel_features; /* {"name":"true"|"false"} from moatd */
	json_object *lxc_features;
	uint32_t idmap_base, idmap_size;
	struct fe_policy policy;
};

extern struct fe_server fe_srv;

/* ---- small helpers (util.c) -------------------------------------------------- */
/* The value of a hex digit, or -1. */
int fe_unhex(char c);

/*
 * Percent-decode s in place; returns its new length. "%00" stays as it is
 * (decoded, a NUL would cut the string short of what the client sent), and
 * so does a '%' not followed by two hex digits; '+' is not a space.
 */
size_t fe_percent_decode(char *s);
/*
 * prefix, then s percent-encoded as one path segment (all but RFC 3986's
 * unreserved bytes): a new string, or NULL when out of memory.
 */
char *fe_path_join_escaped(const char *prefix, const char *s);

/* RFC 3339 UTC with nanoseconds, as LXD writes it. */
void fe_time_format(const struct timespec *ts, char ret[static 64]);
void fe_uuid(char ret[static 37]);
/* 32 random bytes as 64 hex digits (websocket secrets). */
void fe_random_hex(char ret[static 65]);
/*
 * Is `given` (a client's, may be NULL) the secret `want` (fe_random_hex's,
 * not empty)? In time that does not depend on where they differ, so a
 * client on the network cannot find a secret byte by byte by timing.
 */
bool fe_secret_equal(const char *given, const char *want);
/* Hex sha256 of a JSON value's canonical text, for ETags (core/response.c). */
void fe_etag_of(json_object *o, char ret[static 65]);

#endif
