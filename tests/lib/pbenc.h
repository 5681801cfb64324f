/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hand encoding of moatd's protobuf requests, for the tests that play a
 * hostile frontend: tests/forge (against a live moatd) and the unit tests
 * of ph_decode (tests/unit/test_decode.c). The put_* functions write raw
 * protobuf (any field, any wire type, any bytes); the build_* functions
 * pack a request as the real frontend would, into a reset buffer.
 */
#ifndef MOAT_TESTS_PBENC_H
#define MOAT_TESTS_PBENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "proto/privhelper.pb-c.h"

/* A packet under construction; writes past the end are dropped. */
struct enc {
	uint8_t b[FRAME_MAX + 64];
	size_t n;
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

void put_byte(struct enc *e, uint8_t c);
void put_raw(struct enc *e, const void *p, size_t len);
void put_varint(struct enc *e, uint64_t v);
void put_tag(struct enc *e, uint32_t field, unsigned wt);
void put_len_field(struct enc *e, uint32_t field, const void *p, size_t len);
/* Append req packed by protobuf-c's own encoder (nothing if it does not fit). */
void put_request(struct enc *e, const Ph__Request *req);

ProtobufCBinaryData bin(const void *p, size_t len);
ProtobufCBinaryData str(const char *s);

void build_hello(struct enc *e, uint64_t id, uint32_t protocol);
void build_state(struct enc *e, uint64_t id, const void *name, size_t len);
void build_action(struct enc *e, uint64_t id, const void *name, size_t len, int action,
		  int32_t timeout, bool force);
void build_console(struct enc *e, uint64_t id, const void *name, size_t len, uint32_t width);
void build_log(struct enc *e, uint64_t id, const void *name, size_t len, int kind);
/* id, then the op field `op_field` wrapping the bytes of `sub`. */
void build_wrapped(struct enc *e, uint64_t id, uint32_t op_field, const struct enc *sub);
/* One request of the storage, file and exec ops; m is the op's message. */
void build_op(struct enc *e, uint64_t id, Ph__Request__OpCase op, void *m);

#endif
