// SPDX-License-Identifier: Apache-2.0
/*
 * The field tables of LXD's objects (LXD-API.md §7, §15), in the order
 * LXD's Go structs emit their fields: instance, image, image alias,
 * profile, network, network ACL, network forward, storage pool.
 * Shared by moatd-api and moat (never moatd); trusted data, no I/O. The
 * ETag columns keep moat's own ETags byte for byte (clients echo them):
 * the instance's covers architecture, config, devices, ephemeral,
 * profiles and description; the image's its <Object>Put part; the
 * alias's the whole alias; the profile's config, description and
 * devices (its ProfilePut, as LXD's); the network's its config and
 * description (its NetworkPut); the network ACL's its name and
 * NetworkACLPut; the forward's its NetworkForwardPut and listen address;
 * the storage pool's LXD's own columns (name, driver, config).
 */
#include "objects.h"

/* ---- instances ----------------------------------------------------------------------------------- */

static json_object *instance_status(const void *obj, const void *view)
{
	const struct lxd_instance_view *v = view;

	return json_object_new_string(v && v->status ? v->status : "");
}

static json_object *instance_status_code(const void *obj, const void *view)
{
	const struct lxd_instance_view *v = view;

	return json_object_new_int(v ? v->status_code : 0);
}

static json_object *instance_expanded_config(const void *obj, const void *view)
{
	const struct lxd_instance_view *v = view;

	return v && v->expanded_config ? json_object_get(v->expanded_config)
				       : json_object_new_object();
}

static json_object *instance_expanded_devices(const void *obj, const void *view)
{
	const struct lxd_instance_view *v = view;

	return v && v->expanded_devices ? json_object_get(v->expanded_devices)
					: json_object_new_object();
}

static json_object *instance_state(const void *obj, const void *view)
{
	const struct lxd_instance_view *v = view;

	return v && v->state ? json_object_get(v->state) : NULL;
}

static json_object *instance_snapshots(const void *obj, const void *view)
{
	const struct lxd_instance_view *v = view;

	return v && v->snapshots ? json_object_get(v->snapshots) : NULL;
}

static const struct lxd_field instance_fields[] = {
	/* the architecture cannot change; "" (or leaving it out) means "as it is" */
	{ .name = "architecture",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG | LXD_KEEP_EMPTY,
	  LXD_AT(struct lxd_instance, architecture) },
	/*
	 * Unlike LXD, a PUT that leaves out volatile.* keys keeps them: they
	 * are the server's own bookkeeping (power state, pending templates,
	 * id map). A PATCH keeps what it does not name, as LXD's does.
	 */
	{ .name = "config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  .keep_prefix = "volatile.",
	  LXD_AT(struct lxd_instance, config) },
	/* a PATCH replaces each device it names, whole */
	{ .name = "devices",
	  .kind = LXD_DEVICE_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_instance, devices) },
	{ .name = "ephemeral",
	  .kind = LXD_BOOL,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "false",
	  LXD_AT(struct lxd_instance, ephemeral) },
	{ .name = "profiles",
	  .kind = LXD_STRING_LIST,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "[]",
	  LXD_AT(struct lxd_instance, profiles) },
	/* an action, not a value: a PUT with it restores that snapshot and does nothing else */
	{ .name = "restore", .kind = LXD_STRING, .flags = LXD_W | LXD_IGNORED | LXD_OMITEMPTY },
	/* LXD too ignores it in a PUT */
	{ .name = "stateful",
	  .kind = LXD_BOOL,
	  .flags = LXD_W | LXD_IGNORED,
	  LXD_AT(struct lxd_instance, stateful) },
	/* a PUT without it keeps it */
	{ .name = "description",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  LXD_AT(struct lxd_instance, description) },
	{ .name = "created_at", .kind = LXD_TIME, LXD_AT(struct lxd_instance, created_at) },
	{ .name = "expanded_config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_EXPANDED,
	  .get = instance_expanded_config },
	{ .name = "expanded_devices",
	  .kind = LXD_DEVICE_MAP,
	  .flags = LXD_EXPANDED,
	  .get = instance_expanded_devices },
	{ .name = "name", .kind = LXD_STRING, LXD_AT(struct lxd_instance, name) },
	{ .name = "status", .kind = LXD_STRING, .get = instance_status },
	{ .name = "status_code", .kind = LXD_INT, .get = instance_status_code },
	{ .name = "last_used_at", .kind = LXD_TIME, LXD_AT(struct lxd_instance, last_used_at) },
	{ .name = "location", .kind = LXD_STRING, .def = "\"none\"" },
	{ .name = "type", .kind = LXD_STRING, LXD_AT(struct lxd_instance, type) },
	{ .name = "project", .kind = LXD_STRING, .def = "\"default\"" },
	/* api.InstanceFull: recursion=1 on one instance, recursion=2 on the list */
	{ .name = "backups", .kind = LXD_OBJECT, .flags = LXD_FULL },
	{ .name = "state", .kind = LXD_OBJECT, .flags = LXD_FULL, .get = instance_state },
	{ .name = "snapshots", .kind = LXD_OBJECT, .flags = LXD_FULL, .get = instance_snapshots },
	{ .name = NULL },
};

const struct lxd_object_type lxd_instance_type = {
	.name = "instance",
	.put_name = "api.InstancePut",
	.url = "/1.0/instances",
	.key = "name",
	.updated = "instance-updated",
	/* created and deleted are sent by their operations (frontend/api/instances.c) */
	.fields = instance_fields,
};

/* ---- instance snapshots ---------------------------------------------------------------------------- */

/*
 * LXD 5.0.2's api.InstanceSnapshot, in its order. Everything but
 * expires_at (InstanceSnapshotPut) is what the instance was when the
 * snapshot was taken; the ETag covers expires_at, the writable part.
 */
static const struct lxd_field snapshot_fields[] = {
	/* Go's zero time: it never expires */
	{ .name = "expires_at",
	  .kind = LXD_TIME,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "\"0001-01-01T00:00:00Z\"",
	  LXD_AT(struct lxd_snapshot, expires_at) },
	{ .name = "architecture", .kind = LXD_STRING, LXD_AT(struct lxd_snapshot, architecture) },
	{ .name = "config", .kind = LXD_STRING_MAP, LXD_AT(struct lxd_snapshot, config) },
	{ .name = "created_at", .kind = LXD_TIME, LXD_AT(struct lxd_snapshot, created_at) },
	{ .name = "devices", .kind = LXD_DEVICE_MAP, LXD_AT(struct lxd_snapshot, devices) },
	{ .name = "ephemeral", .kind = LXD_BOOL, LXD_AT(struct lxd_snapshot, ephemeral) },
	{ .name = "expanded_config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_EXPANDED,
	  LXD_AT(struct lxd_snapshot, expanded_config) },
	{ .name = "expanded_devices",
	  .kind = LXD_DEVICE_MAP,
	  .flags = LXD_EXPANDED,
	  LXD_AT(struct lxd_snapshot, expanded_devices) },
	{ .name = "last_used_at", .kind = LXD_TIME, .def = "\"0001-01-01T00:00:00Z\"" },
	{ .name = "name", .kind = LXD_STRING, LXD_AT(struct lxd_snapshot, name) },
	{ .name = "profiles", .kind = LXD_STRING_LIST, LXD_AT(struct lxd_snapshot, profiles) },
	{ .name = "stateful", .kind = LXD_BOOL, LXD_AT(struct lxd_snapshot, stateful) },
	/* LXD's dir driver does not measure a snapshot either */
	{ .name = "size", .kind = LXD_INT, .def = "-1" },
	{ .name = NULL },
};

const struct lxd_object_type lxd_snapshot_type = {
	.name = "snapshot",
	.put_name = "api.InstanceSnapshotPut",
	.url = "/1.0/instances", /* the snapshot's own URL has its instance in it: events are the module's */
	.key = "name",
	.fields = snapshot_fields,
};

/* ---- images ------------------------------------------------------------------------------------------ */

static const struct lxd_field image_fields[] = {
	{ .name = "auto_update",
	  .kind = LXD_BOOL,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "false",
	  LXD_AT(struct lxd_image, auto_update) },
	/* a PATCH adds to and overrides the current properties */
	{ .name = "properties",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_image, properties) },
	{ .name = "public",
	  .kind = LXD_BOOL,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "false",
	  LXD_AT(struct lxd_image, public) },
	/* "" or Go's zero time (what lxc sends for "never") keeps the current value */
	{ .name = "expires_at",
	  .kind = LXD_TIME,
	  .flags = LXD_W | LXD_ETAG | LXD_KEEP_EMPTY,
	  LXD_AT(struct lxd_image, expires_at) },
	/* null on a PUT means the default profile */
	{ .name = "profiles",
	  .kind = LXD_STRING_LIST,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "[\"default\"]",
	  LXD_AT(struct lxd_image, profiles) },
	{ .name = "aliases", .kind = LXD_OBJECT, LXD_AT(struct lxd_image, aliases) },
	{ .name = "architecture", .kind = LXD_STRING, LXD_AT(struct lxd_image, architecture) },
	{ .name = "cached", .kind = LXD_BOOL, .def = "false" },
	{ .name = "filename", .kind = LXD_STRING, LXD_AT(struct lxd_image, filename) },
	{ .name = "fingerprint", .kind = LXD_STRING, LXD_AT(struct lxd_image, fingerprint) },
	{ .name = "size", .kind = LXD_INT, LXD_AT(struct lxd_image, size) },
	{ .name = "type", .kind = LXD_STRING, LXD_AT(struct lxd_image, type) },
	{ .name = "created_at", .kind = LXD_TIME, LXD_AT(struct lxd_image, created_at) },
	{ .name = "last_used_at", .kind = LXD_TIME, LXD_AT(struct lxd_image, last_used_at) },
	{ .name = "uploaded_at", .kind = LXD_TIME, LXD_AT(struct lxd_image, uploaded_at) },
	{ .name = NULL },
};

const struct lxd_object_type lxd_image_type = {
	.name = "image",
	.put_name = "api.ImagePut",
	.url = "/1.0/images",
	.key = "fingerprint",
	/* moat sends no image lifecycle events yet (LXD: image-updated) */
	.fields = image_fields,
};

/* ---- image aliases --------------------------------------------------------------------------------- */

static const struct lxd_field image_alias_fields[] = {
	{ .name = "description",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_image_alias, description) },
	{ .name = "target",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_image_alias, target) },
	/* a rename is its own request (POST /1.0/images/aliases/<name>) */
	{ .name = "name",
	  .kind = LXD_STRING,
	  .flags = LXD_POST | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_image_alias, name) },
	{ .name = "type",
	  .kind = LXD_STRING,
	  .flags = LXD_POST | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_image_alias, type) },
	{ .name = NULL },
};

const struct lxd_object_type lxd_image_alias_type = {
	.name = "image alias",
	.put_name = "api.ImageAliasesEntryPut",
	.url = "/1.0/images/aliases",
	.key = "name",
	/* moat sends no alias lifecycle events yet (LXD: image-alias-*) */
	.fields = image_alias_fields,
};

/* ---- profiles ------------------------------------------------------------------------------------------ */

static const struct lxd_field profile_fields[] = {
	/* null on a create or a PUT is an empty map; a PATCH merges key by key, as LXD's */
	{ .name = "config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_profile, config) },
	/* a PUT without it keeps it */
	{ .name = "description",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  LXD_AT(struct lxd_profile, description) },
	{ .name = "devices",
	  .kind = LXD_DEVICE_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_profile, devices) },
	/* a rename is its own request (POST /1.0/profiles/<name>) */
	{ .name = "name",
	  .kind = LXD_STRING,
	  .flags = LXD_POST,
	  .def = "\"\"",
	  LXD_AT(struct lxd_profile, name) },
	{ .name = "used_by", .kind = LXD_STRING_LIST, LXD_AT(struct lxd_profile, used_by) },
	{ .name = NULL },
};

const struct lxd_object_type lxd_profile_type = {
	.name = "profile",
	.put_name = "api.ProfilePut",
	.url = "/1.0/profiles",
	.key = "name",
	.updated = "profile-updated",
	.created = "profile-created",
	.deleted = "profile-deleted",
	.fields = profile_fields,
};

/* ---- networks ------------------------------------------------------------------------------------------ */

static const struct lxd_field network_fields[] = {
	/* a PATCH merges key by key, as LXD's doNetworkUpdate */
	{ .name = "config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_network, config) },
	/* a PUT without it empties it, as LXD's */
	{ .name = "description",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_network, description) },
	/* a rename is its own request (POST /1.0/networks/<name>) */
	{ .name = "name",
	  .kind = LXD_STRING,
	  .flags = LXD_POST,
	  .def = "\"\"",
	  LXD_AT(struct lxd_network, name) },
	/* "" on a create is "bridge" */
	{ .name = "type",
	  .kind = LXD_STRING,
	  .flags = LXD_POST,
	  .def = "\"\"",
	  LXD_AT(struct lxd_network, type) },
	/* null while nothing uses it ([] for a loopback), as LXD's nil list */
	{ .name = "used_by",
	  .kind = LXD_STRING_LIST,
	  .flags = LXD_NIL,
	  LXD_AT(struct lxd_network, used_by) },
	{ .name = "managed", .kind = LXD_BOOL, LXD_AT(struct lxd_network, managed) },
	{ .name = "status", .kind = LXD_STRING, LXD_AT(struct lxd_network, status) },
	/* ["none"] for a managed network, null for a host interface, as LXD's */
	{ .name = "locations",
	  .kind = LXD_STRING_LIST,
	  .flags = LXD_NIL,
	  LXD_AT(struct lxd_network, locations) },
	{ .name = NULL },
};

const struct lxd_object_type lxd_network_type = {
	.name = "network",
	.put_name = "api.NetworkPut",
	.url = "/1.0/networks",
	.key = "name",
	.updated = "network-updated",
	.created = "network-created",
	.deleted = "network-deleted",
	.fields = network_fields,
};

/* ---- network ACLs ------------------------------------------------------------------------------ */

static const struct lxd_field network_acl_fields[] = {
	/* a rename is its own request (POST /1.0/network-acls/<name>) */
	{ .name = "name",
	  .kind = LXD_STRING,
	  .flags = LXD_POST | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_network_acl, name) },
	{ .name = "description",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_network_acl, description) },
	/* a PUT without them empties them (Go's nil slice), as LXD's */
	{ .name = "egress",
	  .kind = LXD_OBJECT_LIST,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "[]",
	  LXD_AT(struct lxd_network_acl, egress) },
	{ .name = "ingress",
	  .kind = LXD_OBJECT_LIST,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "[]",
	  LXD_AT(struct lxd_network_acl, ingress) },
	{ .name = "config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_network_acl, config) },
	{ .name = "used_by", .kind = LXD_STRING_LIST, LXD_AT(struct lxd_network_acl, used_by) },
	{ .name = NULL },
};

const struct lxd_object_type lxd_network_acl_type = {
	.name = "network ACL",
	.put_name = "api.NetworkACLPut",
	.url = "/1.0/network-acls",
	.key = "name",
	.updated = "network-acl-updated",
	.created = "network-acl-created",
	.deleted = "network-acl-deleted",
	.fields = network_acl_fields,
};

/* ---- network forwards ----------------------------------------------------------------------------- */

static const struct lxd_field network_forward_fields[] = {
	{ .name = "description",
	  .kind = LXD_STRING,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_network_forward, description) },
	{ .name = "config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_network_forward, config) },
	{ .name = "ports",
	  .kind = LXD_OBJECT_LIST,
	  .flags = LXD_W | LXD_ETAG,
	  .def = "[]",
	  LXD_AT(struct lxd_network_forward, ports) },
	/* the forward's key: set on create, never changed */
	{ .name = "listen_address",
	  .kind = LXD_STRING,
	  .flags = LXD_POST | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_network_forward, listen_address) },
	{ .name = "location", .kind = LXD_STRING, .def = "\"\"" },
	{ .name = NULL },
};

/* Its URL is under its network's: the module builds it (url here is the family's root). */
const struct lxd_object_type lxd_network_forward_type = {
	.name = "network forward",
	.put_name = "api.NetworkForwardPut",
	.url = "/1.0/networks",
	.key = "listen_address",
	.fields = network_forward_fields,
};

/* ---- storage pools ------------------------------------------------------------------------------ */

/* The ETag is LXD's columns: the name, the driver and the config (not the description). */
static const struct lxd_field storage_pool_fields[] = {
	/* a PATCH merges key by key, as LXD's doStoragePoolUpdate */
	{ .name = "config",
	  .kind = LXD_STRING_MAP,
	  .flags = LXD_W | LXD_ETAG | LXD_MERGE,
	  .def = "{}",
	  LXD_AT(struct lxd_storage_pool, config) },
	{ .name = "description",
	  .kind = LXD_STRING,
	  .flags = LXD_W,
	  .def = "\"\"",
	  LXD_AT(struct lxd_storage_pool, description) },
	{ .name = "name",
	  .kind = LXD_STRING,
	  .flags = LXD_POST | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_storage_pool, name) },
	{ .name = "driver",
	  .kind = LXD_STRING,
	  .flags = LXD_POST | LXD_ETAG,
	  .def = "\"\"",
	  LXD_AT(struct lxd_storage_pool, driver) },
	/* null while nothing uses it (Go's nil slice), as LXD's */
	{ .name = "used_by",
	  .kind = LXD_STRING_LIST,
	  .flags = LXD_NIL,
	  LXD_AT(struct lxd_storage_pool, used_by) },
	{ .name = "status", .kind = LXD_STRING, LXD_AT(struct lxd_storage_pool, status) },
	{ .name = "locations",
	  .kind = LXD_STRING_LIST,
	  .flags = LXD_NIL,
	  LXD_AT(struct lxd_storage_pool, locations) },
	{ .name = NULL },
};

const struct lxd_object_type lxd_storage_pool_type = {
	.name = "storage pool",
	.put_name = "api.StoragePoolPut",
	.url = "/1.0/storage-pools",
	.key = "name",
	.updated = "storage-pool-updated",
	.created = "storage-pool-created",
	.deleted = "storage-pool-deleted",
	.fields = storage_pool_fields,
};
