/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile requests in breadth, for the tests that play a compromised
 * frontend (tests/unit/test_decode.c against ph_decode(), tests/forge
 * against a live moatd). Test code only, unprivileged.
 *
 * ph_base(op) is one valid request per op (tests/lib/ph_base.c, a table
 * keyed by op case that sits beside privhelper/ops.def: an op missing from
 * it fails tests/unit/test_optable.c). It names the instance "nosuch" in
 * pool "default", so that a live moatd has nothing to act on.
 *
 * ph_mutate(base) walks the request's descriptors, at every level, and
 * hands each mutant to a callback: every bytes field (every element of a
 * repeated one, or one element added to an empty one) empty, with a NUL,
 * "/", "..", with a newline and 300 bytes long; every enum field out of its
 * declared range; every integer field at the bounds of its type; every
 * sub-message absent (outside a oneof); an unknown field, varint and
 * length-delimited, appended to every message. A new op gets all of these
 * by having a base message.
 */
#ifndef MOAT_TESTS_PH_MUTATE_H
#define MOAT_TESTS_PH_MUTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/privhelper.pb-c.h"

/* The base request of op, id 1; static storage, until the next call. NULL: none. */
const Ph__Request *ph_base(Ph__Request__OpCase op);

enum ph_mut_kind {
	PH_MUT_BYTES,   /* a hostile bytes value */
	PH_MUT_ENUM,    /* an enum value outside the declared set */
	PH_MUT_INT,     /* an integer (or bool) at a bound of its type */
	PH_MUT_ABSENT,  /* a sub-message left out */
	PH_MUT_UNKNOWN, /* an unknown field appended */
};

struct ph_mutant {
	const Ph__Request *req; /* the mutant; valid during the callback only */
	enum ph_mut_kind kind;
	const ProtobufCFieldDescriptor *field; /* what changed; NULL for PH_MUT_UNKNOWN */
	char what[160];                        /* e.g. "file_op.path: \"..\"" */
};

typedef void (*ph_mutant_fn)(const struct ph_mutant *m, void *arg);

/* Give every mutant of base to fn; returns how many, or a negative errno. */
int ph_mutate(const Ph__Request *base, ph_mutant_fn fn, void *arg);

/* Is this a bytes field that holds a name (name_valid()): `name` or `pool`? */
bool ph_mut_name_field(const ProtobufCFieldDescriptor *f);

#endif
