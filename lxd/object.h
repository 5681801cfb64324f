/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LXD objects as field tables, after LXD's shared/api structs: an object
 * type is a list of its JSON fields, each with its JSON type, whether it
 * is part of <Object>Put (writable) or read-only, whether the ETag covers
 * it, what a PUT gives it when the body leaves it out, and where the C
 * struct keeps it (an offset, or a getter and a setter). The functions
 * here are the same for every object, driven by its table: render it,
 * hash its ETag, type-check a request body, apply a PUT or a PATCH, and,
 * for the client, the Go zero-value view of an object a server sent.
 *
 * Linked into moatd-api and moat, never into moatd; includes nothing of
 * frontend/, cli/ or privhelper/ (tools/lint.sh). Pure: no I/O, no global
 * state, no locks. Request bodies and server replies are untrusted: every
 * value is type-checked before use, and a wrong type is refused, never
 * repaired. The tables themselves (objects.c) are trusted.
 */
#ifndef MOAT_LXD_OBJECT_H
#define MOAT_LXD_OBJECT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The JSON type of a field, as LXD's Go structs have it. */
enum lxd_kind {
	LXD_STRING,      /* "x" */
	LXD_BOOL,        /* true */
	LXD_INT,         /* 42 (int64) */
	LXD_STRING_MAP,  /* {"k":"v"}: config, properties */
	LXD_DEVICE_MAP,  /* {"eth0":{"k":"v"}}: devices; their keys are the schema's to check */
	LXD_STRING_LIST, /* ["a","b"]: profiles */
	LXD_OBJECT, /* a JSON object; read-only ones hold any JSON the server builds, or null */
	LXD_TIME,   /* "2026-11-22T16:42:29Z": RFC 3339, kept in UTC as Go prints it */
	LXD_OBJECT_LIST, /* [{...}, {...}]: an ACL's rules, a forward's ports; the module checks each */
};

/* Flags of a field. */
#define LXD_W (1u << 0)          /* in <Object>Put: PUT and PATCH write it, bodies are checked */
#define LXD_ETAG (1u << 1)       /* hashed into the ETag (stored fields only) */
#define LXD_POST (1u << 2)       /* read from a create body too, besides the writable ones */
#define LXD_MERGE (1u << 3)      /* a PATCH merges this map key by key; a PUT replaces it */
#define LXD_KEEP_EMPTY (1u << 4) /* an empty value (Go's zero time too) keeps the stored one */
#define LXD_IGNORED (1u << 5)    /* in <Object>Put, type-checked, but a write never changes it */
#define LXD_OMITEMPTY (1u << 6)  /* Go's `json:",omitempty"`: left out while empty */
#define LXD_FULL (1u << 7)       /* only in the full object (recursion): state, snapshots */
#define LXD_EXPANDED (1u << 8)   /* the expanded view of another field; an editor leaves it out */
#define LXD_NIL (1u << 9)        /* a NULL list shows as null (Go's nil slice), not [] */

/* Where the C struct keeps a field (LXD_AT() finds it from the member's type). */
enum lxd_storage {
	LXD_S_NONE,  /* computed by get(), or a constant: def */
	LXD_S_CHARS, /* char name[size] */
	LXD_S_STR,   /* char *, malloc'ed (NULL shows as "") */
	LXD_S_BOOL,  /* bool */
	LXD_S_INT64, /* int64_t */
	LXD_S_JSON,  /* json_object *: maps, lists, objects (NULL shows as {}, [] or null) */
};

/* Room for one error message; a longer one is cut. */
#define LXD_ERR_MAX 1024

/*
 * One field. The table of an object type lists them in the order LXD
 * emits them (the order of its Go struct) and ends with { NULL }.
 */
struct lxd_field {
	const char *name;
	enum lxd_kind kind;
	unsigned flags;
	/*
	 * JSON text. For a writable field: what a PUT gives it when the body
	 * leaves it out or sends null (NULL: a PUT keeps the stored value);
	 * for a field without storage or getter: the constant it shows.
	 */
	const char *def;
	/* A map's keys with this prefix survive a PUT unless the body sets them. */
	const char *keep_prefix;
	enum lxd_storage storage;
	size_t offset, size;
	/* Instead of storage: a computed value (a new reference), from the object and the view. */
	json_object *(*get)(const void *obj, const void *view);
	/* Instead of storage, for a writable field: take the checked value v (borrowed). */
	int (*set)(void *obj, json_object *v, char err[static LXD_ERR_MAX]);
};

/* The storage of member m of struct type T, for a table row: .name = ..., LXD_AT(T, m). */
#define LXD_AT(T, m)                                                                               \
	.storage = _Generic(&((T *)0)->m,                                                          \
		char(*)[sizeof(((T *)0)->m)]: LXD_S_CHARS,                                          \
		char **: LXD_S_STR,                                                                 \
		bool *: LXD_S_BOOL,                                                                 \
		int64_t *: LXD_S_INT64,                                                             \
		json_object **: LXD_S_JSON),                                                        \
	.offset = offsetof(T, m), .size = sizeof(((T *)0)->m)

/* An object type: its table, and what else the shared paths need to know of it. */
struct lxd_object_type {
	const char *name;     /* "instance" */
	const char *put_name; /* "api.InstancePut": what the client's YAML errors name */
	const char *url;      /* "/1.0/instances": where one lives, for lifecycle sources */
	const char *key;      /* the field that names one in its URL ("name") */
	/* lifecycle actions of an update, a create and a delete; NULL: no event */
	const char *updated, *created, *deleted;
	const struct lxd_field *fields;
};

/* The field called name, or NULL. */
const struct lxd_field *lxd_field(const struct lxd_object_type *t, const char *name);

/* ---- the server side: C struct to JSON, JSON bodies to C struct --------------------------- */

#define LXD_RENDER_FULL (1u << 0) /* with the LXD_FULL fields (recursion) */

/*
 * The object as JSON, in the table's order. view is what the module
 * computed for the getters (the instance's state, expanded config...).
 */
json_object *lxd_render(const struct lxd_object_type *t, const void *obj, const void *view,
			unsigned flags);

/* The ETag: sha256 (hex) of the LXD_ETAG fields as one JSON object, in the table's order. */
void lxd_etag(const struct lxd_object_type *t, const void *obj, char ret[static 65]);
/* Hex sha256 of a JSON value's compact text (json-c's, with "\/"): the ETag of any value. */
void lxd_etag_of(json_object *o, char ret[static 65]);

/*
 * Is v (not NULL) of JSON type kind? 0, or -EINVAL with the 400 message
 * naming key ("Invalid JSON: field \"ephemeral\" must be a boolean").
 */
int lxd_check_value(enum lxd_kind kind, const char *key, json_object *v,
		    char err[static LXD_ERR_MAX]);

/*
 * Type-check the fields of a body that carry one of the flags in want
 * (LXD_W for PUT and PATCH, LXD_W | LXD_POST for a create), in the
 * table's order. Missing or null fields pass; other keys are ignored, as
 * LXD's decoder ignores them (pylxd sends read-only fields back).
 */
int lxd_check_body(const struct lxd_object_type *t, json_object *body, unsigned want,
		   char err[static LXD_ERR_MAX]);

enum lxd_write {
	LXD_WRITE_PUT,   /* every writable field replaced (absent ones take def) */
	LXD_WRITE_PATCH, /* only the fields present; LXD_MERGE maps merged */
	LXD_WRITE_POST,  /* as PUT, and the LXD_POST fields too (a new, zeroed object) */
};

/*
 * Apply a body to obj, field by field (type-checked again). On failure obj
 * may be half-written: apply to a copy the caller can drop. 0 or -EINVAL
 * (err), -ENOMEM.
 */
int lxd_apply(const struct lxd_object_type *t, void *obj, json_object *body, enum lxd_write how,
	      char err[static LXD_ERR_MAX]);

/* Free what the table's storage points to (strings, JSON) and clear those members. */
void lxd_free(const struct lxd_object_type *t, void *obj);

/* "<url>/<key>": where the object lives, a lifecycle event's source. -ENAMETOOLONG. */
int lxd_url(const struct lxd_object_type *t, const void *obj, char *ret, size_t size);

/*
 * An RFC 3339 time ("2026-11-22T16:42:29.5Z", "...+02:00") into UTC, as
 * Go prints it. Returns 1 for Go's zero time (0001-01-01T00:00:00Z, "not
 * set"), 0 for another time, -EINVAL if malformed or outside years 1-9999.
 */
int lxd_time_parse(const char *s, char ret_time[static 64]);

/* ---- the client side: JSON a server sent, as Go would decode it -------------------------- */

#define LXD_VIEW_PUT (1u << 0)      /* only the writable fields: <Object>Put */
#define LXD_VIEW_EXPANDED (1u << 1) /* maps from their "expanded_<name>" field */

/*
 * The fields of src as LXD's client decodes them into its struct, in the
 * table's order: a missing or mistyped value becomes Go's zero value
 * ("", false, 0, null, 0001-01-01T00:00:00Z), LXD_OMITEMPTY fields are
 * left out while empty. Without LXD_VIEW_PUT: every field but the
 * LXD_EXPANDED and LXD_FULL ones (what an editor shows). NULL on ENOMEM.
 */
json_object *lxd_view(const struct lxd_object_type *t, json_object *src, unsigned flags);

/* Go's name of a kind's type ("map[string]string"), for decoding errors. */
const char *lxd_go_type(enum lxd_kind kind);

#endif
