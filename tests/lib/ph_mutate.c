// SPDX-License-Identifier: Apache-2.0
/*
 * The descriptor-driven mutator of ph_mutate.h. Test code only,
 * unprivileged; what it builds is meant to be hostile.
 *
 * It packs the base request and unpacks a working copy with protobuf-c's
 * own allocator, then walks that copy: for each mutant it changes one
 * value in place (pointing it at storage of its own), calls back, and puts
 * the original back before the next one, so the copy is freed intact.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ph_mutate.h"

#define MAX_PATH 96 /* "request.exec_start.argv[1]" */

struct walk {
	Ph__Request *req; /* the working copy */
	ph_mutant_fn fn;
	void *arg;
	int count;
};

static void emit(struct walk *w, enum ph_mut_kind kind, const ProtobufCFieldDescriptor *f,
		 const char *path, const char *value)
{
	struct ph_mutant m = { .req = w->req, .kind = kind, .field = f };

	snprintf(m.what, sizeof(m.what), "%s: %s", path, value);
	w->fn(&m, w->arg);
	w->count++;
}

/* ---- bytes ----------------------------------------------------------------- */

static void bytes_mutants(struct walk *w, const ProtobufCFieldDescriptor *f, ProtobufCBinaryData *v,
			  const char *path)
{
	static uint8_t buf[512];
	static const char nl[] = "\nlxc.apparmor.profile = unconfined";
	const ProtobufCBinaryData saved = *v;
	size_t half = saved.len / 2;

	*v = (ProtobufCBinaryData){ .len = 0, .data = buf };
	emit(w, PH_MUT_BYTES, f, path, "empty");

	/* the value cut in two by a NUL (protobuf-c's `string` would stop there) */
	if (saved.len)
		memcpy(buf, saved.data, half);
	buf[half] = '\0';
	if (saved.len)
		memcpy(buf + half + 1, saved.data + half, saved.len - half);
	*v = (ProtobufCBinaryData){ .len = saved.len + 1, .data = buf };
	emit(w, PH_MUT_BYTES, f, path, "with a NUL");

	*v = (ProtobufCBinaryData){ .len = 1, .data = (uint8_t *)"/" };
	emit(w, PH_MUT_BYTES, f, path, "\"/\"");
	*v = (ProtobufCBinaryData){ .len = 2, .data = (uint8_t *)".." };
	emit(w, PH_MUT_BYTES, f, path, "\"..\"");

	/* the value, then a newline and a liblxc key */
	if (saved.len + sizeof(nl) <= sizeof(buf)) {
		if (saved.len)
			memcpy(buf, saved.data, saved.len);
		memcpy(buf + saved.len, nl, sizeof(nl) - 1);
		*v = (ProtobufCBinaryData){ .len = saved.len + sizeof(nl) - 1, .data = buf };
		emit(w, PH_MUT_BYTES, f, path, "with a newline");
	}

	memset(buf, 'a', 300);
	*v = (ProtobufCBinaryData){ .len = 300, .data = buf };
	emit(w, PH_MUT_BYTES, f, path, "300 bytes");
	*v = saved;
}

/* ---- numbers ---------------------------------------------------------------- */

static bool enum_has(const ProtobufCEnumDescriptor *e, int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX &&
	       protobuf_c_enum_descriptor_get_value(e, (int)v) != NULL;
}

static void enum_mutants(struct walk *w, const ProtobufCFieldDescriptor *f, int *v,
			 const char *path)
{
	const ProtobufCEnumDescriptor *e = f->descriptor;
	const int saved = *v;
	int64_t lo = INT32_MAX, hi = INT32_MIN;
	int64_t cand[4];
	char label[48];

	for (unsigned i = 0; i < e->n_values; i++) {
		if (e->values[i].value < lo)
			lo = e->values[i].value;
		if (e->values[i].value > hi)
			hi = e->values[i].value;
	}
	cand[0] = hi + 1;
	cand[1] = lo - 1;
	cand[2] = INT32_MIN;
	cand[3] = INT32_MAX;
	for (size_t i = 0; i < 4; i++) {
		if (enum_has(e, cand[i]) || cand[i] < INT32_MIN || cand[i] > INT32_MAX)
			continue;
		*v = (int)cand[i];
		snprintf(label, sizeof(label), "%d (out of range)", *v);
		emit(w, PH_MUT_ENUM, f, path, label);
	}
	*v = saved;
}

/* Set the n-byte integer at p to each bound of its type in turn. */
static void int_mutants(struct walk *w, const ProtobufCFieldDescriptor *f, void *p,
			const char *path)
{
	static const int64_t s32[] = { 0, 1, -1, INT32_MIN, INT32_MAX };
	static const uint64_t u32[] = { 0, 1, INT32_MAX, (uint64_t)INT32_MAX + 1, UINT32_MAX };
	static const int64_t s64[] = { 0, 1, -1, INT64_MIN, INT64_MAX };
	static const uint64_t u64[] = { 0, 1, INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX };
	uint8_t saved[8];
	char label[32];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		memcpy(saved, p, 4);
		for (size_t i = 0; i < sizeof(s32) / sizeof(s32[0]); i++) {
			int32_t v = (int32_t)s32[i];

			memcpy(p, &v, 4);
			snprintf(label, sizeof(label), "%d", (int)v);
			emit(w, PH_MUT_INT, f, path, label);
		}
		memcpy(p, saved, 4);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		memcpy(saved, p, 4);
		for (size_t i = 0; i < sizeof(u32) / sizeof(u32[0]); i++) {
			uint32_t v = (uint32_t)u32[i];

			memcpy(p, &v, 4);
			snprintf(label, sizeof(label), "%u", (unsigned)v);
			emit(w, PH_MUT_INT, f, path, label);
		}
		memcpy(p, saved, 4);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		memcpy(saved, p, 8);
		for (size_t i = 0; i < sizeof(s64) / sizeof(s64[0]); i++) {
			int64_t v = s64[i];

			memcpy(p, &v, 8);
			snprintf(label, sizeof(label), "%lld", (long long)v);
			emit(w, PH_MUT_INT, f, path, label);
		}
		memcpy(p, saved, 8);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		memcpy(saved, p, 8);
		for (size_t i = 0; i < sizeof(u64) / sizeof(u64[0]); i++) {
			uint64_t v = u64[i];

			memcpy(p, &v, 8);
			snprintf(label, sizeof(label), "%llu", (unsigned long long)v);
			emit(w, PH_MUT_INT, f, path, label);
		}
		memcpy(p, saved, 8);
		break;
	case PROTOBUF_C_TYPE_BOOL: {
		protobuf_c_boolean b, old;

		memcpy(&old, p, sizeof(old));
		for (int i = 0; i < 2; i++) {
			b = i;
			memcpy(p, &b, sizeof(b));
			emit(w, PH_MUT_INT, f, path, i ? "true" : "false");
		}
		memcpy(p, &old, sizeof(old));
		break;
	}
	default:
		break; /* floats: none in the contract */
	}
}

/* ---- the walk ------------------------------------------------------------------ */

static void walk_message(struct walk *w, ProtobufCMessage *m, const char *path);

static void unknown_mutants(struct walk *w, ProtobufCMessage *m, const char *path)
{
	static uint8_t varint[] = { 0x01 };
	static uint8_t ld[64];
	static const char key[] = "lxc.apparmor.profile = unconfined";
	const size_t saved_n = m->n_unknown_fields;
	ProtobufCMessageUnknownField *const saved = m->unknown_fields;
	ProtobufCMessageUnknownField u;
	uint32_t tag = 15;
	char label[64];

	while (protobuf_c_message_descriptor_get_field(m->descriptor, tag))
		tag++;
	ld[0] = sizeof(key) - 1; /* the payload's length, then the payload */
	memcpy(ld + 1, key, sizeof(key) - 1);

	u = (ProtobufCMessageUnknownField){ .tag = tag,
					    .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT,
					    .len = sizeof(varint),
					    .data = varint };
	m->unknown_fields = &u;
	m->n_unknown_fields = 1;
	snprintf(label, sizeof(label), "unknown field %u (varint 1) appended", tag);
	emit(w, PH_MUT_UNKNOWN, NULL, path, label);

	u = (ProtobufCMessageUnknownField){ .tag = tag + 85,
					    .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
					    .len = sizeof(key),
					    .data = ld };
	if (!protobuf_c_message_descriptor_get_field(m->descriptor, u.tag)) {
		snprintf(label, sizeof(label), "unknown field %u (a liblxc key) appended", u.tag);
		emit(w, PH_MUT_UNKNOWN, NULL, path, label);
	}
	m->unknown_fields = saved;
	m->n_unknown_fields = saved_n;
}

static void field_mutants(struct walk *w, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			  const char *parent)
{
	char *base = (char *)m;
	void *member = base + f->offset;
	char path[MAX_PATH];
	size_t n = 1;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which;

		memcpy(&which, base + f->quantifier_offset, sizeof(which));
		if (which != f->id)
			return; /* another case of the oneof is the one set */
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		memcpy(&n, base + f->quantifier_offset, sizeof(n));

	if (f->type == PROTOBUF_C_TYPE_BYTES && f->label == PROTOBUF_C_LABEL_REPEATED) {
		ProtobufCBinaryData **arr = member, *saved = *arr, one;

		for (size_t i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s.%s[%zu]", parent, f->name, i);
			bytes_mutants(w, f, &(*arr)[i], path);
		}
		if (n == 0) { /* one element, added */
			size_t one_n = 1;

			one = (ProtobufCBinaryData){ 0 };
			*arr = &one;
			memcpy(base + f->quantifier_offset, &one_n, sizeof(one_n));
			snprintf(path, sizeof(path), "%s.%s[0] (added)", parent, f->name);
			bytes_mutants(w, f, &one, path);
			memcpy(base + f->quantifier_offset, &n, sizeof(n));
			*arr = saved;
		}
		return;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		if (f->type == PROTOBUF_C_TYPE_MESSAGE)
			for (size_t i = 0; i < n; i++) {
				snprintf(path, sizeof(path), "%s.%s[%zu]", parent, f->name, i);
				walk_message(w, (*(ProtobufCMessage ***)member)[i], path);
			}
		return; /* repeated numbers: none in the requests */
	}
	snprintf(path, sizeof(path), "%s.%s", parent, f->name);
	switch (f->type) {
	case PROTOBUF_C_TYPE_BYTES:
		bytes_mutants(w, f, member, path);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		enum_mutants(w, f, member, path);
		break;
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage **sub = member, *saved = *sub;

		if (saved)
			walk_message(w, saved, path);
		if (saved && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			*sub = NULL;
			emit(w, PH_MUT_ABSENT, f, path, "absent");
			*sub = saved;
		}
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		break; /* none in the contract (lint refuses them) */
	default:
		int_mutants(w, f, member, path);
		break;
	}
}

static void walk_message(struct walk *w, ProtobufCMessage *m, const char *path)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++)
		field_mutants(w, m, &d->fields[i], path);
	unknown_mutants(w, m, path);
}

int ph_mutate(const Ph__Request *base, ph_mutant_fn fn, void *arg)
{
	struct walk w = { .fn = fn, .arg = arg };
	size_t len;
	uint8_t *buf;

	if (!base || base->op_case == PH__REQUEST__OP__NOT_SET)
		return -EINVAL;
	len = ph__request__get_packed_size(base);
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	ph__request__pack(base, buf);
	w.req = ph__request__unpack(NULL, len, buf);
	free(buf);
	if (!w.req)
		return -EBADMSG;
	walk_message(&w, &w.req->base, "request"); /* "request.id", "request.file_op.path" */
	ph__request__free_unpacked(w.req, NULL);
	return w.count;
}

bool ph_mut_name_field(const ProtobufCFieldDescriptor *f)
{
	return f && f->type == PROTOBUF_C_TYPE_BYTES &&
	       (strcmp(f->name, "name") == 0 || strcmp(f->name, "pool") == 0);
}
