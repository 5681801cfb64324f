/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one rule for names that may become path components, liblxc container
 * names or config values: [a-zA-Z0-9][a-zA-Z0-9-]{0,62}. Shared by the
 * helper's validators and the frontend's request checks. Pure.
 */
#ifndef MOAT_NAME_H
#define MOAT_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN 63

bool name_valid(const uint8_t *s, size_t len);
bool name_valid_str(const char *s);

/* A device's name (LXD's devices): [A-Za-z0-9][A-Za-z0-9._-]{0,62}. */
bool name_device_valid(const char *s);
/* A managed network's name, its bridge's: [A-Za-z0-9][A-Za-z0-9_-]{0,14}. */
#define NAME_NET_MAX_LEN 15
bool name_net_valid(const uint8_t *s, size_t len);

/* A network interface's name (a nic's name inside, its parent, its host end):
 * [A-Za-z0-9][A-Za-z0-9._-]{0,14} (the kernel's IFNAMSIZ, no '/', ':' or space). */
#define NAME_IFNAME_MAX 15
bool name_ifname_valid(const char *s);

/* A DNS domain (a network's dns.domain): labels of [A-Za-z0-9-], 1..63 bytes
 * each, none starting or ending with '-', one '.' between two. */
bool name_domain_valid(const char *s);

/* A device's path (host source or container path): absolute and normal (no ".",
 * "..", "//" or trailing "/"; "/" alone passes), no control byte, space or '\\'. */
bool name_device_path_valid(const char *p);

/* Does one of prefixes (NULL-ended; "*" is every path) cover path, component by
 * component (the policy's disk_source_prefixes, in moatd and moatd-api)? */
bool name_path_under(char *const *prefixes, const char *path);

#endif
