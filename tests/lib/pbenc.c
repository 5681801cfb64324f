// SPDX-License-Identifier: Apache-2.0
/*
 * Hand encoding of moatd's protobuf requests for the tests (see pbenc.h).
 * Test code only, unprivileged; what it builds is meant to be hostile.
 */
#include <stdlib.h>
#include <string.h>

#include "pbenc.h"

void put_byte(struct enc *e, uint8_t c)
{
	if (e->n < sizeof(e->b))
		e->b[e->n++] = c;
}

void put_raw(struct enc *e, const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put_byte(e, ((const uint8_t *)p)[i]);
}

void put_varint(struct enc *e, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(e, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(e, (uint8_t)v);
}

void put_tag(struct enc *e, uint32_t field, unsigned wt)
{
	put_varint(e, ((uint64_t)field << 3) | wt);
}

void put_len_field(struct enc *e, uint32_t field, const void *p, size_t len)
{
	put_tag(e, field, WT_LEN);
	put_varint(e, len);
	put_raw(e, p, len);
}

void put_request(struct enc *e, const Ph__Request *req)
{
	size_t len = ph__request__get_packed_size(req);

	if (e->n + len <= sizeof(e->b))
		e->n += ph__request__pack(req, e->b + e->n);
}

ProtobufCBinaryData bin(const void *p, size_t len)
{
	return (ProtobufCBinaryData){ .len = len, .data = (uint8_t *)p };
}

ProtobufCBinaryData str(const char *s)
{
	return bin(s, strlen(s));
}

static void build(struct enc *e, Ph__Request *req, uint64_t id)
{
	req->id = id;
	e->n = 0;
	put_request(e, req);
}

void build_hello(struct enc *e, uint64_t id, uint32_t protocol)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__HelloRequest h = PH__HELLO_REQUEST__INIT;

	h.protocol = protocol;
	req.op_case = PH__REQUEST__OP_HELLO;
	req.hello = &h;
	build(e, &req, id);
}

void build_state(struct enc *e, uint64_t id, const void *name, size_t len)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceStateRequest s = PH__INSTANCE_STATE_REQUEST__INIT;

	s.name = bin(name, len);
	req.op_case = PH__REQUEST__OP_INSTANCE_STATE;
	req.instance_state = &s;
	build(e, &req, id);
}

void build_action(struct enc *e, uint64_t id, const void *name, size_t len, int action,
		  int32_t timeout, bool force)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceActionRequest a = PH__INSTANCE_ACTION_REQUEST__INIT;

	a.name = bin(name, len);
	a.action = (Ph__InstanceActionKind)action;
	a.timeout = timeout;
	a.force = force;
	req.op_case = PH__REQUEST__OP_INSTANCE_ACTION;
	req.instance_action = &a;
	build(e, &req, id);
}

void build_console(struct enc *e, uint64_t id, const void *name, size_t len, uint32_t width)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__ConsoleOpenRequest c = PH__CONSOLE_OPEN_REQUEST__INIT;

	c.name = bin(name, len);
	c.width = width;
	c.height = 24;
	req.op_case = PH__REQUEST__OP_CONSOLE_OPEN;
	req.console_open = &c;
	build(e, &req, id);
}

void build_log(struct enc *e, uint64_t id, const void *name, size_t len, int kind)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceLogRequest l = PH__INSTANCE_LOG_REQUEST__INIT;

	l.name = bin(name, len);
	l.kind = kind;
	req.op_case = PH__REQUEST__OP_INSTANCE_LOG;
	req.instance_log = &l;
	build(e, &req, id);
}

void build_wrapped(struct enc *e, uint64_t id, uint32_t op_field, const struct enc *sub)
{
	e->n = 0;
	put_tag(e, 1, WT_VARINT);
	put_varint(e, id);
	put_len_field(e, op_field, sub->b, sub->n);
}

void build_op(struct enc *e, uint64_t id, Ph__Request__OpCase op, void *m)
{
	Ph__Request req = PH__REQUEST__INIT;

	req.op_case = op;
	switch (op) {
	case PH__REQUEST__OP_IMAGE_UNPACK:
		req.image_unpack = m;
		break;
	case PH__REQUEST__OP_INSTANCE_CREATE:
		req.instance_create = m;
		break;
	case PH__REQUEST__OP_INSTANCE_DELETE:
		req.instance_delete = m;
		break;
	case PH__REQUEST__OP_INSTANCE_START:
		req.instance_start = m;
		break;
	case PH__REQUEST__OP_FILE_OP:
		req.file_op = m;
		break;
	case PH__REQUEST__OP_EXEC_START:
		req.exec_start = m;
		break;
	case PH__REQUEST__OP_INSTANCE_LIMITS:
		req.instance_limits = m;
		break;
	case PH__REQUEST__OP_DEVICE_ATTACH:
		req.device_attach = m;
		break;
	case PH__REQUEST__OP_DEVICE_DETACH:
		req.device_detach = m;
		break;
	case PH__REQUEST__OP_NETWORK_APPLY:
		req.network_apply = m;
		break;
	case PH__REQUEST__OP_NETWORK_DELETE:
		req.network_delete = m;
		break;
	case PH__REQUEST__OP_NIC_ATTACH:
		req.nic_attach = m;
		break;
	case PH__REQUEST__OP_NIC_DETACH:
		req.nic_detach = m;
		break;
	case PH__REQUEST__OP_PROXY_ATTACH:
		req.proxy_attach = m;
		break;
	case PH__REQUEST__OP_PROXY_DETACH:
		req.proxy_detach = m;
		break;
	case PH__REQUEST__OP_STORAGE:
		req.storage = m;
		break;
	default:
		abort(); /* the other ops have builders of their own */
	}
	build(e, &req, id);
}
