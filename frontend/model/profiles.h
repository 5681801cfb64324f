/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profiles as moatd-api keeps them (model/profiles.c): their rows, the
 * instances that use them, and a change of one applied to every member,
 * running ones included, all or nothing. Unprivileged; names, keys and
 * devices come from clients and are checked here before they are stored.
 * Functions return 0 or a negative errno, with the client's message in
 * err where they take one (-EINVAL, -ENOENT, -EEXIST, -EBUSY: the
 * client's; -EIO: the database's; others: moatd's refusal of a live change).
 */
#ifndef MOAT_FE_MODEL_PROFILES_H
#define MOAT_FE_MODEL_PROFILES_H

#include "lxd/objects.h"
#include "model/config.h"

/* The one profile that can be neither renamed nor deleted. */
#define FE_PROFILE_DEFAULT "default"
/* The longest profile name this server takes (LXD sets none). */
#define FE_PROFILE_NAME_MAX 255

/*
 * A name LXD takes (not empty, no '/', not "." or "..") that is also
 * short, valid UTF-8 and free of control bytes (moat's own rule: names
 * are printed by clients and logged). Pure.
 */
int fe_check_profile_name(const char *name, char err[static FE_ERR_MAX]);
/* A profile's config: the schema's keys, without the keys only an instance holds. */
int fe_check_profile_config(json_object *config, char err[static FE_ERR_MAX]);

/* The profile with its used_by; -ENOENT when there is none. */
int fe_profile_load(const char *name, struct lxd_profile *ret);
/* Every profile by name: their URLs, or (full) the objects. */
int fe_profile_list(bool full, json_object **ret);
/* A new profile; -EEXIST when the name is taken. */
int fe_profile_insert(const struct lxd_profile *p);
/*
 * Store p's config, description and devices and apply them to every
 * instance that uses p: each member's expanded configuration must keep a
 * root disk, and what changes live on a running member (model/live.c) is
 * applied to it first; one member's failure undoes the members done and
 * stores nothing. -ENOENT when the profile is gone.
 */
int fe_profile_update(const struct lxd_profile *p, char err[static FE_ERR_MAX]);
/* Rename it, in the instances' and images' lists too; -ENOENT, -EEXIST. */
int fe_profile_rename(const char *from, const char *to);
/* Delete it; -EBUSY while an instance uses it, -ENOENT. */
int fe_profile_delete(const char *name);

#endif
