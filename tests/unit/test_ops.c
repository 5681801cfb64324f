// SPDX-License-Identifier: Apache-2.0
/*
 * Unit test of the op table (privhelper/dispatch.c): every case of the
 * `op` oneof in ph.Request, as the generated descriptor lists them, has
 * exactly one ph_ops[] entry with a name, a check and a handler; no entry
 * is empty or stray; lookups of unset or unknown cases find nothing. An
 * operation added to the .proto without its table entry fails here.
 * Run by the test runner with no privilege; it only reads tables.
 */
#include <stddef.h>
#include <string.h>

#include "frame.h"
#include "ph.h"
#include "t.h"

/* Is field f a member of Ph__Request's `op` oneof? */
static bool in_op_oneof(const ProtobufCFieldDescriptor *f)
{
	return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	       f->quantifier_offset == offsetof(Ph__Request, op_case);
}

void test_ops(void)
{
	const ProtobufCMessageDescriptor *d = &ph__request__descriptor;
	size_t n_cases = 0;

	CHECK(ph_ops_len > 0, "ops: the op table is not empty (%zu entries)", ph_ops_len);

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const struct ph_op *found = NULL;
		size_t count = 0;

		if (!in_op_oneof(f))
			continue;
		n_cases++;
		CHECK(f->type == PROTOBUF_C_TYPE_MESSAGE, "ops: oneof case %s (%u) is a message",
		      f->name, f->id);
		for (size_t j = 0; j < ph_ops_len; j++) {
			if ((unsigned)ph_ops[j].op == f->id) {
				count++;
				found = &ph_ops[j];
			}
		}
		if (!CHECK(count == 1,
			   "ops: oneof case %s (%u) has exactly one table entry (has %zu)", f->name,
			   f->id, count))
			continue;
		CHECK(found->name && found->name[0] != '\0',
		      "ops: oneof case %s (%u) has a name in the table", f->name, f->id);
		CHECK(found->check != NULL, "ops: oneof case %s (%u) has a check", f->name, f->id);
		CHECK(found->run != NULL, "ops: oneof case %s (%u) has a handler", f->name, f->id);
		CHECK(found->nfds <= FRAME_MAX_FDS, "ops: oneof case %s (%u) takes at most %d fds",
		      f->name, f->id, FRAME_MAX_FDS);
		CHECK(ph_op_find((Ph__Request__OpCase)f->id) == found,
		      "ops: ph_op_find(%s) returns its entry", f->name);
	}
	CHECK(n_cases > 0, "ops: ph.Request has an `op` oneof with %zu cases", n_cases);

	/* the other direction: no entry that is empty, duplicated or stray */
	for (size_t j = 0; j < ph_ops_len; j++) {
		const struct ph_op *op = &ph_ops[j];
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field(d, (unsigned)op->op);

		CHECK(op->op != PH__REQUEST__OP__NOT_SET,
		      "ops: table entry %zu (%s) is not an empty slot", j,
		      op->name ? op->name : "?");
		CHECK(f && in_op_oneof(f), "ops: table entry %zu (%s) is an `op` oneof case", j,
		      op->name ? op->name : "?");
		CHECK(op->name && f && strcmp(op->name, f->name) == 0,
		      "ops: table entry %zu is named after its field (%s)", j,
		      op->name ? op->name : "?");
		for (size_t k = j + 1; k < ph_ops_len; k++)
			if (ph_ops[k].op == op->op ||
			    (op->name && ph_ops[k].name && strcmp(ph_ops[k].name, op->name) == 0))
				CHECK(false, "ops: table entries %zu and %zu are distinct", j, k);
	}
	CHECK(ph_ops_len == n_cases, "ops: %zu table entries for %zu oneof cases", ph_ops_len,
	      n_cases);

	CHECK(ph_op_find(PH__REQUEST__OP__NOT_SET) == NULL, "ops: ph_op_find(NOT_SET) is NULL");
	CHECK(ph_op_find((Ph__Request__OpCase)99) == NULL, "ops: ph_op_find(99) is NULL");
	CHECK(ph_op_find((Ph__Request__OpCase)1) == NULL,
	      "ops: ph_op_find(1) (the id field) is NULL");
}
