/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security keys' validators and setters (config_sec.c), for the rows
 * of model/config.c: raw.idmap, security.syscalls.*, raw.lxc, raw.seccomp,
 * linux.kernel_modules, linux.sysctl.*. moatd-api, unprivileged; values
 * are client input. Pure.
 */
#ifndef MOAT_FE_MODEL_CONFIG_SEC_H
#define MOAT_FE_MODEL_CONFIG_SEC_H

#include "model/config.h"

/* LXD's raw.idmap lines (common/rawconf.c's rules, at most 16). */
int fe_parse_raw_idmap(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* One syscall rule a line, each a syscall libseccomp knows (at most 128). */
int fe_parse_syscalls(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* raw.lxc: lines of moat's allowed keys; ret->u = 1 when one is a lxc.hook.* line. */
int fe_parse_raw_lxc(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* raw.seccomp: a liblxc seccomp policy (version 2). */
int fe_parse_raw_seccomp(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* linux.kernel_modules: module names separated by commas (at most 16). */
int fe_parse_modules(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* A namespaced sysctl name (after "linux.sysctl."). */
int fe_parse_sysctl_name(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* A sysctl value: printable text, no line break, 1..255 bytes. */
int fe_parse_sysctl_value(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* Only a false value (keys of features moat does not have). */
int fe_parse_false(const struct fe_valid *v, const char *s, struct fe_value *ret);

void fe_set_idmap_isolated(struct ph_start_config *c, const struct fe_value *v);
void fe_set_raw_idmap(struct ph_start_config *c, const struct fe_value *v);
void fe_set_deny_default(struct ph_start_config *c, const struct fe_value *v);
void fe_set_syscalls_deny(struct ph_start_config *c, const struct fe_value *v);
void fe_set_syscalls_allow(struct ph_start_config *c, const struct fe_value *v);
void fe_set_raw_lxc(struct ph_start_config *c, const struct fe_value *v);
void fe_set_raw_seccomp(struct ph_start_config *c, const struct fe_value *v);
void fe_set_kernel_modules(struct ph_start_config *c, const struct fe_value *v);
void fe_set_sysctl(struct ph_start_config *c, const char *key, const struct fe_value *v);

/*
 * Why raw.lxc or raw.seccomp text was refused, as LXD words it ("Setting
 * lxc.include is not allowed: lxc.include"): true and why filled when
 * parse is one of those two validators and the text fails it.
 */
bool fe_sec_explain(fe_parse_fn parse, const char *s, char *why, size_t size);

/* The start config's cross-key rule (LXD's): 0, or -EINVAL with the message. */
int fe_sec_check_start(const struct ph_start_config *c, char err[static FE_ERR_MAX]);

#endif
