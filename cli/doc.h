/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: the private header of the document printers, doc_json.c and
 * doc_yaml.c, for what doc.c tells them about lxc's Go types. Runs in the
 * client as the invoking user, no privilege; the documents printed come
 * from the server (untrusted) and are only escaped and written out.
 */
#ifndef MOAT_CLI_DOC_H
#define MOAT_CLI_DOC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * What a value was in the Go structs lxc prints (doc.c says which keys of
 * LXD's API are maps or slices). KEY_ANY: a Go interface{} all the way
 * down (lxc monitor re-reads events into one): every map sorted, null as
 * null, every number a float64.
 */
enum key_kind { KEY_STRUCT, KEY_MAP, KEY_MAP_DEEP, KEY_SLICE, KEY_ANY };

/* Does a container of this kind pass its kind on to its children? */
bool cli_doc_kind_deep(enum key_kind kind);
/* What the value at key is in LXD's API structs (NULL: the top level, a struct). */
enum key_kind cli_doc_key_kind(const char *key);
/* qsort's comparison of two C strings (an array of const char *). */
int cli_strcmp_p(const void *a, const void *b);
/* The keys of o, sorted or in the document's order. NULL-terminated; free() it. */
const char **cli_doc_object_keys(json_object *o, bool sorted);
/*
 * A float64 as Go's strconv.FormatFloat(v, fmt, -1, 64) writes it, fmt
 * 'g' (yaml.v2) or 'j' (encoding/json), into ret.
 */
void cli_doc_go_float(double v, char fmt, char *ret, size_t size);

#endif
