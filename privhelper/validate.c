// SPDX-License-Identifier: Apache-2.0
/*
 * Validators: one pure ph_check_<op>() per operation, plus the generic walk
 * every decoded request goes through first. Runs in moatd (root) on bytes
 * from moatd-api, which is treated as hostile.
 *
 * protobuf-c 1.4 keeps unknown fields, accepts enum values outside the
 * declared set and cuts `string` fields at a NUL. So ph_check_message()
 * walks the whole message tree and refuses unknown fields at every level,
 * undeclared enum values and any `string` field at all (the contract uses
 * `bytes`), and the op checks then look at every byte of every name.
 * A check either yields a complete typed struct or fails; it never repairs.
 */
#include <errno.h>
#include <string.h>

#include "ph.h"

#define PH_MAX_DEPTH 8

static int check_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, unsigned depth)
{
	const char *base = (const char *)m;
	const void *member = base + f->offset;
	size_t n = 1;

	if (f->type == PROTOBUF_C_TYPE_STRING)
		return -EPROTO;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which;

		memcpy(&which, base + f->quantifier_offset, sizeof(which));
		if (which != f->id)
			return 0;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		memcpy(&n, base + f->quantifier_offset, sizeof(n));
		if (n > 0 && !*(void *const *)member)
			return -EPROTO;
	}

	for (size_t i = 0; i < n; i++) {
		if (f->type == PROTOBUF_C_TYPE_ENUM) {
			int v;

			if (f->label == PROTOBUF_C_LABEL_REPEATED)
				v = (*(int *const *)member)[i];
			else
				memcpy(&v, member, sizeof(v));
			if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
				return -EPROTO;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const ProtobufCMessage *sub;
			int r;

			if (f->label == PROTOBUF_C_LABEL_REPEATED)
				sub = (*(ProtobufCMessage *const *const *)member)[i];
			else
				sub = *(ProtobufCMessage *const *)member;
			if (!sub) {
				if (f->label == PROTOBUF_C_LABEL_REPEATED)
					return -EPROTO;
				continue;
			}
			r = ph_check_message(sub, depth + 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int ph_check_message(const ProtobufCMessage *m, unsigned depth)
{
	const ProtobufCMessageDescriptor *d;

	if (!m || depth > PH_MAX_DEPTH)
		return -EPROTO;
	if (m->n_unknown_fields != 0)
		return -EPROTO;
	d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		int r = check_field(m, &d->fields[i], depth);

		if (r < 0)
			return r;
	}
	return 0;
}

/* A name as bytes: the shared charset rule, copied into a fixed buffer. */
static int check_name(const ProtobufCBinaryData *b, char ret[static NAME_MAX_LEN + 1])
{
	if (!name_valid(b->data, b->len))
		return -EINVAL;
	memcpy(ret, b->data, b->len);
	ret[b->len] = '\0';
	return 0;
}

int ph_check_hello(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__HelloRequest *h = req->hello;

	if (h->protocol != PH_PROTOCOL)
		return -EPROTONOSUPPORT;
	ret->hello.protocol = h->protocol;
	return 0;
}

int ph_check_instance_state(const Ph__Request *req, union ph_typed *ret)
{
	return check_name(&req->instance_state->name, ret->instance_state.name);
}

int ph_check_instance_action(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__InstanceActionRequest *a = req->instance_action;
	struct ph_instance_action t = { 0 };
	int r;

	r = check_name(&a->name, t.ref.name);
	if (r < 0)
		return r;
	switch (a->action) {
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START:
		t.action = PH_START;
		break;
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP:
		t.action = PH_STOP;
		break;
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_FREEZE:
		t.action = PH_FREEZE;
		break;
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNFREEZE:
		t.action = PH_UNFREEZE;
		break;
	default:
		return -EINVAL;
	}
	if (a->timeout < -1 || a->timeout > 3600)
		return -ERANGE;
	t.timeout = a->timeout;
	t.force = a->force != 0;
	ret->instance_action = t;
	return 0;
}
