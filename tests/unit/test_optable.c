// SPDX-License-Identifier: Apache-2.0
/*
 * Unit test of the op table (privhelper/ops.def, generated into
 * privhelper/dispatch.c) against the contract (proto/privhelper.proto, as
 * protobuf-c's descriptors and the .proto's own comments say it):
 *   - every case of the `op` oneof in ph.Request has exactly one ph_ops[]
 *     entry, with a name, a check, a policy step and a handler, and the
 *     entry is found by ph_op_find(); no entry is empty, stray or doubled;
 *   - the table's name is the proto field's name, its message prefix the
 *     field's message (<Op>Request), and ph.Reply's `result` oneof has the
 *     case of the same number and name, of message <Op>Reply; no reply case
 *     lacks an op;
 *   - its descriptor counts are what the .proto's comment above each
 *     request says ("Descriptors: request N, reply A-B");
 *   - every op has a base message (tests/lib/ph_base.c) that ph_decode()
 *     accepts with the op's descriptor count, and no other count.
 * An operation added to the .proto without its ops.def line, or an ops.def
 * line that disagrees with the .proto, fails here.
 * Run by the test runner with no privilege; it reads tables and the .proto.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pbenc.h"
#include "../lib/ph_mutate.h"
#include "frame.h"
#include "ph.h"
#include "t.h"

#ifndef MOAT_POLICY_DEFAULT
#define MOAT_POLICY_DEFAULT "policy/default.policy"
#endif

/* ops.def as the frontend will read it: plain values, no moatd types. */
static const struct {
	unsigned op;
	const char *name, *prefix;
	unsigned in, out_min, out_max;
	const char *flags, *fd_check;
} def[] = {
#define PH_OP(nm, Nm, NM, in, out_min, out_max, fl, fdc)                                           \
	{ PH__REQUEST__OP_##NM, #nm, #Nm, in, out_min, out_max, #fl, #fdc },
#include "ops.def"
};
#define N_DEF (sizeof(def) / sizeof(def[0]))

/* Is field f a member of the oneof whose case lives at offset off? */
static bool in_oneof(const ProtobufCFieldDescriptor *f, size_t off)
{
	return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->quantifier_offset == off;
}

static bool in_op_oneof(const ProtobufCFieldDescriptor *f)
{
	return in_oneof(f, offsetof(Ph__Request, op_case));
}

/* The message name of field f ("ph.HelloRequest" -> "HelloRequest"). */
static const char *message_of(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *m = f->descriptor;

	return f->type == PROTOBUF_C_TYPE_MESSAGE && m ? m->short_name : "";
}

static bool named(const char *s, const char *prefix, const char *suffix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 && strcmp(s + n, suffix) == 0;
}

/* The request cases against the table (the checks of the former test_ops.c). */
static size_t request_cases(void)
{
	const ProtobufCMessageDescriptor *d = &ph__request__descriptor;
	size_t n_cases = 0;

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
		CHECK(found->policy != NULL, "ops: oneof case %s (%u) has a policy step", f->name,
		      f->id);
		CHECK(found->run != NULL, "ops: oneof case %s (%u) has a handler", f->name, f->id);
		CHECK((found->nfds > 0) == (found->check_fds != NULL),
		      "ops: oneof case %s (%u) checks its descriptors (%u) iff it takes any",
		      f->name, f->id, found->nfds);
		CHECK(found->nfds <= FRAME_MAX_FDS && found->nfds_out_min <= found->nfds_out_max &&
			      found->nfds_out_max <= FRAME_MAX_FDS,
		      "ops: oneof case %s (%u) takes at most %d fds and replies with %u-%u",
		      f->name, f->id, FRAME_MAX_FDS, found->nfds_out_min, found->nfds_out_max);
		CHECK((found->flags & ~(unsigned)PH_OP_SLOW) == 0,
		      "ops: oneof case %s (%u) has only known flags", f->name, f->id);
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
	return n_cases;
}

/* ops.def's own columns against the table and both oneofs. */
static void def_lines(void)
{
	const ProtobufCMessageDescriptor *req = &ph__request__descriptor;
	const ProtobufCMessageDescriptor *rep = &ph__reply__descriptor;
	size_t n_results = 0;

	CHECK(N_DEF == ph_ops_len, "ops.def: %zu lines for %zu table entries", N_DEF, ph_ops_len);
	for (size_t i = 0; i < N_DEF; i++) {
		const ProtobufCFieldDescriptor *fq =
			protobuf_c_message_descriptor_get_field(req, def[i].op);
		const ProtobufCFieldDescriptor *fr =
			protobuf_c_message_descriptor_get_field(rep, def[i].op);
		const struct ph_op *op = ph_op_find((Ph__Request__OpCase)def[i].op);
		bool slow = strcmp(def[i].flags, "SLOW") == 0;

		CHECK(fq && in_op_oneof(fq) && strcmp(fq->name, def[i].name) == 0 &&
			      named(message_of(fq), def[i].prefix, "Request"),
		      "ops.def: %s is request case %u, field %s of message %sRequest", def[i].name,
		      def[i].op, def[i].name, def[i].prefix);
		CHECK(fr && in_oneof(fr, offsetof(Ph__Reply, result_case)) &&
			      strcmp(fr->name, def[i].name) == 0 &&
			      named(message_of(fr), def[i].prefix, "Reply"),
		      "ops.def: %s has reply case %u of the same name, message %sReply",
		      def[i].name, def[i].op, def[i].prefix);
		CHECK(slow || strcmp(def[i].flags, "FAST") == 0, "ops.def: %s is FAST or SLOW (%s)",
		      def[i].name, def[i].flags);
		CHECK(strcmp(def[i].fd_check, "none") == 0
			      ? def[i].in == 0
			      : strcmp(def[i].fd_check, "readonly_file") == 0 && def[i].in > 0,
		      "ops.def: %s's descriptor check (%s) fits its %u descriptors", def[i].name,
		      def[i].fd_check, def[i].in);
		CHECK(op && strcmp(op->name, def[i].name) == 0 && op->nfds == def[i].in &&
			      op->nfds_out_min == def[i].out_min &&
			      op->nfds_out_max == def[i].out_max &&
			      ((op->flags & PH_OP_SLOW) != 0) == slow &&
			      (op->check_fds == ph_check_fd_readonly_file) ==
				      (strcmp(def[i].fd_check, "readonly_file") == 0),
		      "ops.def: %s's line is its table entry", def[i].name);
	}
	for (unsigned i = 0; i < rep->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &rep->fields[i];

		if (!in_oneof(f, offsetof(Ph__Reply, result_case)))
			continue;
		n_results++;
		CHECK(ph_op_find((Ph__Request__OpCase)f->id) != NULL,
		      "ops: reply case %s (%u) is an op's", f->name, f->id);
	}
	CHECK(n_results == ph_ops_len, "ops: %zu reply cases for %zu ops", n_results, ph_ops_len);
}

/* proto/privhelper.proto, beside policy/ in the source tree; malloc'ed. */
static char *read_proto(void)
{
	const char *def_path = MOAT_POLICY_DEFAULT;
	const char *slash = strrchr(def_path, '/');
	char path[4096];
	size_t n = 0, cap = 0;
	char *buf = NULL;
	FILE *f;
	int top = 0;

	/* ".../policy/default.policy" -> "..." */
	if (slash) {
		const char *s2 = slash;

		while (s2 > def_path && s2[-1] != '/')
			s2--;
		top = s2 > def_path ? (int)(s2 - def_path - 1) : 0;
	}
	snprintf(path, sizeof(path), "%.*s%sproto/privhelper.proto", top, def_path, top ? "/" : "");
	f = fopen(path, "re");
	if (!f)
		return NULL;
	for (;;) {
		char *grown;
		size_t got;

		if (n + 4096 + 1 > cap) {
			grown = realloc(buf, cap + 8192);
			if (!grown)
				break;
			buf = grown;
			cap += 8192;
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The "Descriptors:" comment on the line above `message <prefix>Request {`. */
static bool proto_counts(const char *text, const char *prefix, unsigned *in, unsigned *omin,
			 unsigned *omax)
{
	char want[128];
	const char *m, *line;
	int used = 0;

	snprintf(want, sizeof(want), "\nmessage %sRequest {", prefix);
	m = strstr(text, want);
	if (!m || m == text)
		return false;
	line = m - 1;
	while (line > text && line[-1] != '\n')
		line--;
	if (sscanf(line, "// Descriptors: request %u, reply %u-%u.%n", in, omin, omax, &used) ==
		    3 &&
	    used > 0)
		return true;
	used = 0;
	if (sscanf(line, "// Descriptors: request %u, reply %u.%n", in, omin, &used) == 2 &&
	    used > 0) {
		*omax = *omin;
		return true;
	}
	return false;
}

static void proto_comments(void)
{
	char *text = read_proto();

	if (!CHECK(text != NULL, "ops: read proto/privhelper.proto"))
		return;
	for (size_t i = 0; i < N_DEF; i++) {
		unsigned in = 99, omin = 99, omax = 99;
		bool found = proto_counts(text, def[i].prefix, &in, &omin, &omax);

		CHECK(found && in == def[i].in && omin == def[i].out_min && omax == def[i].out_max,
		      "ops.def: %s's descriptors (request %u, reply %u-%u) are what the .proto "
		      "says (request %u, reply %u-%u)",
		      def[i].name, def[i].in, def[i].out_min, def[i].out_max, in, omin, omax);
	}
	free(text);
}

/* Every op has a base message, valid with its own descriptor count only. */
static void base_messages(void)
{
	static union ph_typed t;
	struct enc *e = calloc(1, sizeof(*e));

	if (!CHECK(e != NULL, "ops: base messages (memory)"))
		return;
	for (size_t j = 0; j < ph_ops_len; j++) {
		const struct ph_op *op = &ph_ops[j];
		const Ph__Request *base = ph_base(op->op);
		Ph__Request *req = NULL;
		const struct ph_op *got = NULL;
		bool others = true;
		int r = -1;

		if (!CHECK(base && base->op_case == op->op,
			   "ops: %s has a base message (tests/lib/ph_base.c)", op->name))
			continue;
		e->n = 0;
		put_request(e, base);
		r = ph_decode(e->b, e->n, op->nfds, &req, &got, &t);
		CHECK(r == 0 && got == op,
		      "ops: %s's base message passes ph_decode with %u fds (%d)", op->name,
		      op->nfds, r);
		if (req)
			ph__request__free_unpacked(req, NULL);
		for (size_t n = 0; n <= FRAME_MAX_FDS; n++) {
			req = NULL;
			if (n != op->nfds && ph_decode(e->b, e->n, n, &req, &got, &t) == 0)
				others = false;
			if (req)
				ph__request__free_unpacked(req, NULL);
		}
		CHECK(others, "ops: %s's base message is refused with any other descriptor count",
		      op->name);
	}
	CHECK(ph_base(PH__REQUEST__OP__NOT_SET) == NULL, "ops: no base message for NOT_SET");
	free(e);
}

void test_optable(void)
{
	CHECK(ph_ops_len > 0, "ops: the op table is not empty (%zu entries)", ph_ops_len);
	request_cases();
	def_lines();
	proto_comments();
	base_messages();
}
