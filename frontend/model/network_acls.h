/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network ACLs as moatd-api keeps them (model/network_acls.c): LXD 5.0's
 * rules and their checks (LXD's messages), the rows of the network_acls
 * table, what uses an ACL, and the typed set (ph/ph.h's struct
 * ph_acl_set) a network or a nic sends to moatd. Unprivileged; names and
 * rules come from clients and are checked here before they are stored or
 * compiled. Functions return 0 or a negative errno, with the client's
 * message in err where they take one.
 */
#ifndef MOAT_FE_MODEL_NETWORK_ACLS_H
#define MOAT_FE_MODEL_NETWORK_ACLS_H

#include "lxd/objects.h"
#include "model/config.h"
#include "ph/ph.h"

#define FE_ACL_NAME_MAX 63
#define FE_ACL_RULES_MAX 64 /* rules of one direction of one ACL */

/* LXD's ACL names: 1-63 letters, digits and dashes, not starting with a digit or a dash,
 * not ending with a dash. Pure. */
int fe_check_acl_name(const char *name, char err[static FE_ERR_MAX]);
/* An ACL's config: user.* keys only (LXD's "Invalid config option"). Pure. */
int fe_check_acl_config(json_object *config, char err[static FE_ERR_MAX]);
/*
 * The rules of one direction ("ingress", "egress"), as LXD's Normalise()
 * leaves them (spaces trimmed, lists joined by ","), checked in LXD's
 * order and for duplicates; ret is the canonical list that is stored
 * (LXD's field order, empty fields left out). rules NULL is an empty
 * list. Pure.
 */
int fe_acl_rules_normalise(json_object *rules, const char *dir, json_object **ret,
			   char err[static FE_ERR_MAX]);
/* One stored (normalised) rule into its typed form. Pure. */
int fe_acl_rule_compile(json_object *rule, struct ph_acl_rule *ret);
/* The first len bytes of s as an IPv4 or IPv6 address (inet_pton's forms). Pure. */
int fe_ip_parse(const char *s, size_t len, int *family, uint8_t ret[static 16]);
/* A security.acls value: comma separated ACL names (spaces trimmed). Pure (syntax only). */
int fe_check_acl_list_syntax(const char *value, char err[static FE_ERR_MAX]);
/* The same, and each names an ACL once that exists ("Network ACL %q does not exist"). */
int fe_check_acl_list(const char *value, char err[static FE_ERR_MAX]);
/* The same as a config key's parser (security.acls of a network or a nic). */
int fe_parse_acl_list(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* The rows of security.acls and its two default actions, for a key table. */
#define FE_ACL_ACTIONS_WHY "must be allow, reject or drop"
extern const char *const fe_acl_actions[];
#define FE_ACL_KEY_ROWS                                                                            \
	{ .name = "security.acls",                                                                 \
	  .value = { .parse = fe_parse_acl_list,                                                   \
		     .why = "must be network ACL names separated by commas" } },                   \
		{ .name = "security.acls.default.egress.action",                                   \
		  .value = FE_ENUM(fe_acl_actions, FE_ACL_ACTIONS_WHY) },                          \
	{                                                                                          \
		.name = "security.acls.default.ingress.action",                                    \
		.value = FE_ENUM(fe_acl_actions, FE_ACL_ACTIONS_WHY)                               \
	}
/* Does the security.acls value list name? Pure. */
bool fe_acl_list_has(const char *value, const char *name);
/* "allow", "reject", "drop" (NULL or "": LXD's default, reject). -EINVAL. Pure. */
int fe_acl_action_parse(const char *s, enum ph_acl_action *ret);

/*
 * The set for security.acls (value, NULL or "": none) with its default
 * actions (NULL: reject): every enabled rule of the named ACLs, in LXD's
 * order of actions (drop, reject, allow), from the stored rows. ret is
 * calloc'ed (free()); -ENOENT for an ACL that is not there, -E2BIG past
 * PH_ACL_RULES_MAX.
 */
int fe_acl_set_build(const char *value, const char *def_in, const char *def_out,
		     struct ph_acl_set **ret, char err[static FE_ERR_MAX]);

/* The ACL with its used_by; -ENOENT. */
int fe_acl_load(const char *name, struct lxd_network_acl *ret);
/* Every ACL by name: their URLs, or (full) the objects. */
int fe_acl_list(bool full, json_object **ret);
/* A new ACL (rules normalised already); -EEXIST. */
int fe_acl_insert(const struct lxd_network_acl *a);
/*
 * Store a's description, rules and config and give the networks and
 * running nics that use it their new filters (moatd); one refusal puts
 * the old row and the old filters back.
 */
int fe_acl_update(const struct lxd_network_acl *a, char err[static FE_ERR_MAX]);
/* -EBUSY while used (LXD's "Cannot rename an ACL that is in use"), -ENOENT, -EEXIST. */
int fe_acl_rename(const char *from, const char *to, char err[static FE_ERR_MAX]);
/* -EBUSY while used, -ENOENT. */
int fe_acl_delete(const char *name, char err[static FE_ERR_MAX]);

#endif
