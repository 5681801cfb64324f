/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules for the security keys whose values become liblxc configuration
 * text: raw.lxc lines, liblxc seccomp policies (raw.seccomp and the
 * security.syscalls.* lists), linux.sysctl.* names, linux.kernel_modules
 * names and their values, and raw.dnsmasq's lines for a managed network's
 * dnsmasq. moatd-api uses them to answer a 400 at PUT time,
 * moatd (root) runs the same rules again on the typed start request (on
 * network_apply for raw.dnsmasq), since
 * the frontend is assumed compromised. Pure; the input is untrusted.
 */
#ifndef MOAT_RAWCONF_H
#define MOAT_RAWCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAWCONF_KEY_MAX 128      /* a raw.lxc key or a sysctl name, with its NUL */
#define RAWCONF_VALUE_MAX 1024   /* a raw.lxc value, with its NUL */
#define RAWCONF_SYSCTL_MAX 256   /* a sysctl value, with its NUL */
#define RAWCONF_SYSCALL_MAX 64   /* a syscall name, with its NUL */
#define RAWCONF_MODULE_MAX 56    /* a kernel module name, with its NUL (MODULE_NAME_LEN) */
#define RAWCONF_SECCOMP_MAX 8192 /* a whole raw.seccomp policy, bytes */

/*
 * A raw.lxc key: NULL when moat's allow list has it, else LXD's refusal
 * (static text). lxc.hook.* keys pass only with allow_hooks.
 */
const char *rawconf_lxc_key(const char *key, bool allow_hooks);
/* A value of a liblxc line: printable ASCII or tab, no NUL, no line break, < max bytes. */
bool rawconf_value_ok(const char *v, size_t max);

/*
 * raw.lxc text, line by line: blank lines and '#' comments skipped, each
 * other line "key = value" (spaces around both trimmed), each key and
 * value checked as above; fn gets every line (key and value in a scratch
 * buffer). 0, fn's error, or -EINVAL with LXD's message in why.
 */
int rawconf_lxc_parse(const char *text, bool allow_hooks,
		      int (*fn)(void *arg, const char *key, const char *value), void *arg,
		      char *why, size_t why_size);

/* A namespaced sysctl (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*). */
bool rawconf_sysctl_ok(const char *name);
/* A kernel module name: [a-zA-Z0-9_-], 1..55 bytes. */
bool rawconf_module_ok(const char *name);
/* A syscall name's charset: [a-z0-9_], 1..63 bytes (libseccomp decides if it exists). */
bool rawconf_syscall_name_ok(const char *name);

enum rawconf_action {
	RAWCONF_DEFAULT = 0, /* the list's own: deny list, kill; allow list, allow */
	RAWCONF_KILL,
	RAWCONF_ERRNO,
	RAWCONF_TRAP,
	RAWCONF_ALLOW,
};

struct rawconf_rule {
	char name[RAWCONF_SYSCALL_MAX];
	enum rawconf_action action;
	uint32_t err; /* RAWCONF_ERRNO: 0..4095 */
};

/* One line of security.syscalls.deny/allow: "name", "name kill|trap|allow|errno N". */
int rawconf_syscall_rule(const char *line, size_t len, struct rawconf_rule *ret);

/*
 * A whole liblxc seccomp policy (version 2: "2", the list kind, then
 * reject_force_umount, [arch] sections, '#' comments and rules "name
 * [action] [[idx,value,SCMP_CMP_op(,mask)]]..."), at most
 * RAWCONF_SECCOMP_MAX bytes. known (may be NULL) says whether a syscall
 * name exists. The "notify" action is refused: moatd runs no notify
 * handler. 0, or -EINVAL with the reason in why.
 */
int rawconf_seccomp_check(const char *text, size_t len, bool (*known)(const char *name), char *why,
			  size_t why_size);

struct rawconf_idmap {
	bool uid, gid;
	uint32_t host, cont, count;
};

/*
 * raw.idmap, LXD's syntax: lines "both|uid|gid HOST CONT" where HOST and
 * CONT are an id or a range "A-B" of the same length (at most 65536 ids,
 * container ids below 65536; no id in two entries of one kind); blank
 * lines skipped. Up to max entries into ret; their number, or -EINVAL or
 * -E2BIG.
 */
int rawconf_idmap_parse(const char *text, struct rawconf_idmap *ret, size_t max);

#define RAWCONF_DNSMASQ_MAX 4096 /* a managed network's raw.dnsmasq, bytes */

/*
 * raw.dnsmasq, lines of a dnsmasq configuration file that moatd appends to
 * its own: at most 32 lines of at most 512 printable bytes (no tab, no
 * CR), each blank, a '#' comment, or "option" or "option=value" with an
 * option of moat's allow list (none names a file, script, user, interface
 * or listening address). len is text's strlen (a NUL inside is refused).
 * The number of lines, or -EINVAL.
 */
int rawconf_dnsmasq_check(const char *text, size_t len);

#endif
