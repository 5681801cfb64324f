/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LXD's objects as moat knows them (LXD-API.md §7, §15): the C struct of
 * each, and its field table (objects.c). Shared by moatd-api, which keeps
 * its objects in these structs, and moat, which reads the tables to show
 * and edit what a server sent. Never moatd. The tables are trusted; the
 * values in the structs come from clients and servers and are not.
 *
 * A new object type (profile, network, storage pool or volume,
 * certificate, project) is a struct here and a table in objects.c; the
 * server module gives the shared paths (frontend/ops/object.h) its load
 * and store callbacks.
 */
#ifndef MOAT_LXD_OBJECTS_H
#define MOAT_LXD_OBJECTS_H

#include "name.h"
#include "object.h"

/* ---- instances (api.Instance) ---------------------------------------------------------------- */

/*
 * The members an instance keeps, as a list, so that moatd-api's own
 * struct (struct fe_instance) can begin with exactly these: the table's
 * offsets, taken in struct lxd_instance, then hold for both.
 */
#define LXD_INSTANCE_MEMBERS                                                                       \
	char name[NAME_MAX_LEN + 1];                                                               \
	char architecture[32];                                                                     \
	char type[32];                                                                             \
	bool ephemeral;                                                                            \
	bool stateful;                                                                             \
	char *description;                                                                         \
	char created_at[64];                                                                       \
	char last_used_at[64];                                                                     \
	json_object *config;   /* {"k":"v"} */                                                     \
	json_object *devices;  /* {"dev":{"k":"v"}} */                                             \
	json_object *profiles; /* ["default"] */

struct lxd_instance {
	LXD_INSTANCE_MEMBERS
};

/* What an instance shows besides its members, computed by the server (all borrowed). */
struct lxd_instance_view {
	const char *status; /* "Running" */
	int status_code;    /* 103 */
	json_object *expanded_config, *expanded_devices;
	json_object *state;     /* the full object only */
	json_object *snapshots; /* the full object only: a list, or NULL (none) */
};

extern const struct lxd_object_type lxd_instance_type;

/* ---- instance snapshots (api.InstanceSnapshot) -------------------------------------------------- */

/* As an instance's members, with the expanded maps and the expiry it was given. */
#define LXD_SNAPSHOT_MEMBERS                                                                       \
	char expires_at[64];                                                                       \
	char architecture[32];                                                                     \
	json_object *config;                                                                       \
	char created_at[64];                                                                       \
	json_object *devices;                                                                      \
	bool ephemeral;                                                                            \
	json_object *expanded_config;                                                              \
	json_object *expanded_devices;                                                             \
	char name[NAME_MAX_LEN + 1]; /* bare: "s1" */                                              \
	json_object *profiles;                                                                     \
	bool stateful;

struct lxd_snapshot {
	LXD_SNAPSHOT_MEMBERS
};

extern const struct lxd_object_type lxd_snapshot_type;

/* ---- images (api.Image) ----------------------------------------------------------------------- */

struct lxd_image {
	bool auto_update;
	json_object *properties; /* {"os":"busybox"} */
	bool public;
	char expires_at[64];
	json_object *profiles; /* ["default"] */
	json_object *aliases;  /* [{"name":"bb","description":""}] */
	char *architecture;
	char *filename;
	char fingerprint[65];
	int64_t size;
	char *type;
	char created_at[64];
	char last_used_at[64];
	char uploaded_at[64];
};

extern const struct lxd_object_type lxd_image_type;

/* ---- image aliases (api.ImageAliasesEntry) --------------------------------------------------- */

struct lxd_image_alias {
	char *description;
	char *target; /* a fingerprint (a body may name a prefix: the server resolves it) */
	char *name;
	char *type; /* "container"; an empty one on create becomes the image's */
};

extern const struct lxd_object_type lxd_image_alias_type;

/* ---- profiles (api.Profile) ------------------------------------------------------------------- */

struct lxd_profile {
	json_object *config; /* {"k":"v"} */
	char *description;
	json_object *devices; /* {"dev":{"k":"v"}} */
	char *name;
	json_object *used_by; /* ["/1.0/instances/x1"] */
};

extern const struct lxd_object_type lxd_profile_type;

/* ---- network ACLs (api.NetworkACL) ---------------------------------------------------------- */

struct lxd_network_acl {
	char *name;
	char *description;
	json_object *egress;  /* [{"action":"allow","state":"enabled",...}] */
	json_object *ingress; /* the same */
	json_object *config;  /* {"user.k":"v"} */
	json_object *used_by; /* ["/1.0/networks/br0"] */
};

extern const struct lxd_object_type lxd_network_acl_type;

/* ---- network forwards (api.NetworkForward) ----------------------------------------------- */

struct lxd_network_forward {
	char *description;
	json_object *config; /* {"target_address":"10.0.0.2"} */
	json_object *ports;  /* [{"protocol":"tcp","listen_port":"80",...}] */
	char *listen_address;
	char *network; /* not a field: the network it belongs to (the URL's) */
};

extern const struct lxd_object_type lxd_network_forward_type;
/* ---- networks (api.Network) ------------------------------------------------------------------- */

struct lxd_network {
	json_object *config; /* {"ipv4.address":"10.0.3.1/24"} */
	char *description;
	char *name;
	char *type;           /* "bridge"; a host interface's kind when unmanaged */
	json_object *used_by; /* ["/1.0/profiles/default","/1.0/instances/c1"] */
	bool managed;
	char *status;           /* "Created"; "" when unmanaged */
	json_object *locations; /* ["none"]; [] when unmanaged */
};

extern const struct lxd_object_type lxd_network_type;

/* ---- storage pools (api.StoragePool) ---------------------------------------------------------- */

struct lxd_storage_pool {
	json_object *config; /* {"source":"/var/lib/moat/storage-pools/default"} */
	char *description;
	char *name;
	char *driver;           /* "dir" */
	json_object *used_by;   /* ["/1.0/instances/c1","/1.0/profiles/default"], sorted */
	char *status;           /* "Created" */
	json_object *locations; /* ["none"] */
};

extern const struct lxd_object_type lxd_storage_pool_type;

#endif
