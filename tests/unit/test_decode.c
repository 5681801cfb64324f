// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for ph_decode() (privhelper/dispatch.c + validate.c): the
 * whole path a packet takes in moatd before any handler runs. A table of
 * bad packets, each of which must be refused with a negative errno and
 * leave the outputs untouched, and good ones that must yield the right
 * typed request. Many bad packets are well-formed protobuf that
 * protobuf-c 1.4 accepts on its own (unknown fields, out-of-range enums,
 * NULs in bytes), so the refusal is the validator's; the test says so.
 * Run by the test runner with no privilege; the packets are built here.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ph.h"
#include "t.h"

#define ENC_MAX 1024

/* A packet under construction (small ones; the oversized one is separate). */
struct enc {
	uint8_t b[ENC_MAX];
	size_t n;
};

static void put_byte(struct enc *e, uint8_t c)
{
	if (e->n < sizeof(e->b))
		e->b[e->n++] = c;
}

static void put_raw(struct enc *e, const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put_byte(e, ((const uint8_t *)p)[i]);
}

static void put_varint(struct enc *e, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(e, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(e, (uint8_t)v);
}

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

static void put_tag(struct enc *e, uint32_t field, unsigned wt)
{
	put_varint(e, ((uint64_t)field << 3) | wt);
}

static void put_len_field(struct enc *e, uint32_t field, const void *p, size_t len)
{
	put_tag(e, field, WT_LEN);
	put_varint(e, len);
	put_raw(e, p, len);
}

static void put_request(struct enc *e, const Ph__Request *req)
{
	size_t len = ph__request__get_packed_size(req);

	if (e->n + len <= sizeof(e->b))
		e->n += ph__request__pack(req, e->b + e->n);
}

/* ---- builders: each packs a request as the real frontend would ---------- */

static void build_hello(struct enc *e, uint64_t id, uint32_t protocol)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__HelloRequest h = PH__HELLO_REQUEST__INIT;

	h.protocol = protocol;
	req.id = id;
	req.op_case = PH__REQUEST__OP_HELLO;
	req.hello = &h;
	put_request(e, &req);
}

static void build_state(struct enc *e, uint64_t id, const void *name, size_t len)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceStateRequest s = PH__INSTANCE_STATE_REQUEST__INIT;

	s.name.data = (uint8_t *)name;
	s.name.len = len;
	req.id = id;
	req.op_case = PH__REQUEST__OP_INSTANCE_STATE;
	req.instance_state = &s;
	put_request(e, &req);
}

static void build_action(struct enc *e, uint64_t id, const void *name, size_t len, int action,
			 int32_t timeout, bool force)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceActionRequest a = PH__INSTANCE_ACTION_REQUEST__INIT;

	a.name.data = (uint8_t *)name;
	a.name.len = len;
	a.action = (Ph__InstanceActionKind)action;
	a.timeout = timeout;
	a.force = force;
	req.id = id;
	req.op_case = PH__REQUEST__OP_INSTANCE_ACTION;
	req.instance_action = &a;
	put_request(e, &req);
}

/* id, then field `op_field` wrapping the sub-message bytes in `sub`. */
static void build_wrapped(struct enc *e, uint64_t id, uint32_t op_field, const struct enc *sub)
{
	put_tag(e, 1, WT_VARINT);
	put_varint(e, id);
	put_len_field(e, op_field, sub->b, sub->n);
}

/* ---- checks ---------------------------------------------------------------- */

static bool all_untouched = true;

/*
 * Refused with a negative errno (want, or any if want is 0), outputs left
 * as they were. pb_ok: protobuf-c alone accepts the bytes, so the refusal
 * must come from moat's own checks.
 */
static void refused(const char *what, const uint8_t *buf, size_t len, size_t nfds, int want,
		    bool pb_ok)
{
	static const struct ph_op sentinel_op;
	Ph__Request *req = NULL;
	const struct ph_op *op = &sentinel_op;
	union ph_typed typed, before;
	int r;

	memset(&typed, 0x5a, sizeof(typed));
	before = typed;
	r = ph_decode(buf, len, nfds, &req, &op, &typed);
	if (want)
		CHECK(r == -want, "decode: refused: %s (want %d, got %d)", what, -want, r);
	else
		CHECK(r < 0, "decode: refused: %s (got %d)", what, r);
	if (req || op != &sentinel_op || memcmp(&typed, &before, sizeof(typed)) != 0) {
		all_untouched = false;
		t_note("outputs written on refusal: %s", what);
	}
	if (r == 0 && req)
		ph__request__free_unpacked(req, NULL);
	if (pb_ok) {
		Ph__Request *m = ph__request__unpack(NULL, len, buf);

		CHECK(m != NULL,
		      "decode: %s: protobuf-c alone accepts it, so moat's check refused it", what);
		if (m)
			ph__request__free_unpacked(m, NULL);
	}
}

/* Accepted: returns the decoded request (caller frees) or NULL. */
static Ph__Request *accepted(const char *what, const struct enc *e, size_t nfds,
			     Ph__Request__OpCase want_op, union ph_typed *ret_typed)
{
	Ph__Request *req = NULL;
	const struct ph_op *op = NULL;
	int r;

	memset(ret_typed, 0, sizeof(*ret_typed));
	r = ph_decode(e->b, e->n, nfds, &req, &op, ret_typed);
	if (!CHECK(r == 0 && req && op && op->op == want_op && req->op_case == want_op,
		   "decode: accepted: %s (got %d)", what, r)) {
		if (req)
			ph__request__free_unpacked(req, NULL);
		return NULL;
	}
	return req;
}

static void refused_enc(const char *what, const struct enc *e, size_t nfds, int want, bool pb_ok)
{
	refused(what, e->b, e->n, nfds, want, pb_ok);
}

/* ---- the tables ---------------------------------------------------------- */

static void bad_frames(void)
{
	struct enc e = { .n = 0 };
	uint8_t *big;
	size_t n = 0;

	refused("empty packet", (const uint8_t *)"", 0, 0, EMSGSIZE, false);

	/*
	 * FRAME_MAX+1 bytes that are valid protobuf as a whole (a 5-byte id
	 * and 16383 copies of hello{protocol: 1}): only the size is wrong.
	 */
	big = malloc(FRAME_MAX + 1);
	if (big) {
		static const uint8_t id5[] = { 0x08, 0x80, 0x80, 0x80, 0x01 };
		static const uint8_t hello[] = { 0x52, 0x02, 0x08, 0x01 };

		memcpy(big, id5, sizeof(id5));
		n = sizeof(id5);
		while (n + sizeof(hello) <= FRAME_MAX + 1) {
			memcpy(big + n, hello, sizeof(hello));
			n += sizeof(hello);
		}
		CHECK(n == FRAME_MAX + 1, "decode: oversized packet built to FRAME_MAX+1 bytes");
		refused("FRAME_MAX+1 bytes of valid protobuf", big, n, 0, EMSGSIZE, true);
		refused("SIZE_MAX length", big, SIZE_MAX, 0, EMSGSIZE, false);
		free(big);
	}

	/* truncated: a valid instance_state without its last byte */
	build_state(&e, 7, "c1", 2);
	refused("truncated packet (last byte cut)", e.b, e.n - 1, 0, 0, false);
	refused("truncated packet (half of it)", e.b, e.n / 2, 0, 0, false);
	refused("truncated varint", (const uint8_t *)"\x08\x80", 2, 0, 0, false);
	refused("varint longer than 10 bytes",
		(const uint8_t *)"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, 0, 0,
		false);
	refused("garbage bytes", (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff", 8, 0, 0,
		false);
	refused("field number 0", (const uint8_t *)"\x00\x01", 2, 0, 0, false);
	refused("group wire type", (const uint8_t *)"\x08\x01\x53\x54", 4, 0, 0, false);
	refused("length past the end", (const uint8_t *)"\x08\x01\x5a\x7f\x0a\x01\x61", 7, 0, 0,
		false);
}

static void bad_envelopes(void)
{
	struct enc e = { .n = 0 }, sub = { .n = 0 };

	/* id only: no op in the oneof */
	put_tag(&e, 1, WT_VARINT);
	put_varint(&e, 1);
	refused_enc("empty oneof (no op)", &e, 0, EOPNOTSUPP, true);

	/* an op number nobody has assigned, as a length-delimited field */
	e.n = 0;
	put_tag(&e, 1, WT_VARINT);
	put_varint(&e, 2);
	put_len_field(&e, 99, "", 0);
	refused_enc("unknown op (field 99, empty)", &e, 0, 0, true);
	e.n = 0;
	put_tag(&e, 1, WT_VARINT);
	put_varint(&e, 2);
	put_len_field(&e, 99, "\x08\x01", 2);
	refused_enc("unknown op (field 99, hello-shaped body)", &e, 0, 0, true);

	/* a valid hello with an unknown field beside it, at the top level */
	e.n = 0;
	build_hello(&e, 3, PH_PROTOCOL);
	put_len_field(&e, 99, "", 0);
	refused_enc("hello + unknown top-level field 99", &e, 0, EPROTO, true);
	e.n = 0;
	build_hello(&e, 3, PH_PROTOCOL);
	put_tag(&e, 2, WT_VARINT);
	put_varint(&e, 0);
	refused_enc("hello + unknown top-level field 2 (varint 0)", &e, 0, EPROTO, true);
	e.n = 0;
	build_hello(&e, 3, PH_PROTOCOL);
	put_tag(&e, 536870911, WT_I32);
	put_raw(&e, "\0\0\0\0", 4);
	refused_enc("hello + unknown field 2^29-1 (fixed32)", &e, 0, EPROTO, true);

	/* unknown fields inside the op's own message */
	sub.n = 0;
	put_tag(&sub, 1, WT_VARINT);
	put_varint(&sub, PH_PROTOCOL);
	put_tag(&sub, 15, WT_VARINT);
	put_varint(&sub, 1);
	e.n = 0;
	build_wrapped(&e, 4, 10, &sub);
	refused_enc("hello with unknown field 15 inside", &e, 0, EPROTO, true);

	sub.n = 0;
	put_len_field(&sub, 1, "nosuch", 6);
	put_tag(&sub, 15, WT_VARINT);
	put_varint(&sub, 1);
	e.n = 0;
	build_wrapped(&e, 5, 11, &sub);
	refused_enc("instance_state with unknown field 15 (varint) inside", &e, 0, EPROTO, true);

	sub.n = 0;
	put_len_field(&sub, 1, "nosuch", 6);
	put_len_field(&sub, 15, "/etc/shadow", 11);
	e.n = 0;
	build_wrapped(&e, 5, 11, &sub);
	refused_enc("instance_state with unknown field 15 (bytes) inside", &e, 0, EPROTO, true);

	sub.n = 0;
	put_len_field(&sub, 1, "c1", 2);
	put_tag(&sub, 2, WT_VARINT);
	put_varint(&sub, 1);
	put_tag(&sub, 15, WT_VARINT);
	put_varint(&sub, 1);
	e.n = 0;
	build_wrapped(&e, 6, 12, &sub);
	refused_enc("instance_action with unknown field 15 inside", &e, 0, EPROTO, true);

	/* known fields with the wrong wire type */
	e.n = 0;
	put_len_field(&e, 1, "\x01", 1);
	put_len_field(&e, 10, "\x08\x01", 2);
	refused_enc("id sent as bytes", &e, 0, 0, false);
	e.n = 0;
	put_tag(&e, 1, WT_VARINT);
	put_varint(&e, 1);
	put_tag(&e, 10, WT_VARINT);
	put_varint(&e, 1);
	refused_enc("hello sent as a varint", &e, 0, 0, false);
	sub.n = 0;
	put_tag(&sub, 1, WT_VARINT);
	put_varint(&sub, 5);
	e.n = 0;
	build_wrapped(&e, 1, 11, &sub);
	refused_enc("instance_state name sent as a varint", &e, 0, 0, false);
}

static void bad_requests(void)
{
	static const struct {
		const char *what;
		const char *name;
		size_t len;
	} names[] = {
		{ "NUL inside a name (ab\\0cd)", "ab\0cd", 5 },
		{ "NUL at the end of a name", "ab\0", 3 },
		{ "name a/b", "a/b", 3 },
		{ "name ..", "..", 2 },
		{ "name ../x", "../x", 4 },
		{ "name .", ".", 1 },
		{ "name -a", "-a", 2 },
		{ "empty name", "", 0 },
		{ "64-byte name",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64 },
		{ "name with a space", "a b", 3 },
		{ "name with %", "a%b", 3 },
		{ "name with a newline", "a\nlxc.apparmor.profile=unconfined", 33 },
		{ "name /etc", "/etc", 4 },
	};
	struct enc e = { .n = 0 };
	char what[160];

	/* hello */
	build_hello(&e, 1, 2);
	refused_enc("hello protocol 2", &e, 0, EPROTONOSUPPORT, true);
	e.n = 0;
	build_hello(&e, 1, 0);
	refused_enc("hello protocol 0", &e, 0, EPROTONOSUPPORT, true);
	e.n = 0;
	build_hello(&e, 1, UINT32_MAX);
	refused_enc("hello protocol 2^32-1", &e, 0, EPROTONOSUPPORT, true);

	/* descriptor counts: no op takes any yet */
	e.n = 0;
	build_hello(&e, 1, PH_PROTOCOL);
	refused_enc("hello with 1 fd", &e, 1, EPROTO, true);
	refused_enc("hello with 4 fds", &e, FRAME_MAX_FDS, EPROTO, true);
	e.n = 0;
	build_state(&e, 1, "c1", 2);
	refused_enc("instance_state with 1 fd", &e, 1, EPROTO, true);
	e.n = 0;
	build_action(&e, 1, "c1", 2, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START, -1, false);
	refused_enc("instance_action with 2 fds", &e, 2, EPROTO, true);

	/* names, in both ops that take one */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		e.n = 0;
		build_state(&e, 9, names[i].name, names[i].len);
		snprintf(what, sizeof(what), "instance_state: %s", names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
		e.n = 0;
		build_action(&e, 9, names[i].name, names[i].len,
			     PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP, 10, false);
		snprintf(what, sizeof(what), "instance_action: %s", names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
	}

	/* enum values */
	e.n = 0;
	build_action(&e, 1, "c1", 2, 99, 0, false);
	refused_enc("instance_action action 99 (out of range)", &e, 0, EPROTO, true);
	e.n = 0;
	build_action(&e, 1, "c1", 2, -1, 0, false);
	refused_enc("instance_action action -1 (out of range)", &e, 0, EPROTO, true);
	e.n = 0;
	build_action(&e, 1, "c1", 2, INT_MIN, 0, false);
	refused_enc("instance_action action INT_MIN", &e, 0, EPROTO, true);
	e.n = 0;
	build_action(&e, 1, "c1", 2, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNFREEZE + 1, 0,
		     false);
	refused_enc("instance_action action one past the last", &e, 0, EPROTO, true);
	e.n = 0;
	build_action(&e, 1, "c1", 2, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNSPECIFIED, 0,
		     false);
	refused_enc("instance_action action UNSPECIFIED (0)", &e, 0, EINVAL, true);

	/* timeouts */
	{
		static const int32_t bad_timeouts[] = { -2, 3601, INT32_MIN, INT32_MAX };

		for (size_t i = 0; i < sizeof(bad_timeouts) / sizeof(bad_timeouts[0]); i++) {
			e.n = 0;
			build_action(&e, 1, "c1", 2, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP,
				     bad_timeouts[i], false);
			snprintf(what, sizeof(what), "instance_action timeout %d",
				 (int)bad_timeouts[i]);
			refused_enc(what, &e, 0, ERANGE, true);
		}
	}
}

static void good_requests(void)
{
	static const struct {
		int action;
		enum ph_action want;
		int32_t timeout;
		bool force;
	} actions[] = {
		{ PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START, PH_START, -1, false },
		{ PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP, PH_STOP, 0, true },
		{ PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP, PH_STOP, 3600, false },
		{ PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_FREEZE, PH_FREEZE, 30, false },
		{ PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNFREEZE, PH_UNFREEZE, 1, false },
	};
	char name63[NAME_MAX_LEN + 1];
	union ph_typed t;
	struct enc e = { .n = 0 };
	Ph__Request *req;

	build_hello(&e, 42, PH_PROTOCOL);
	req = accepted("hello protocol 1", &e, 0, PH__REQUEST__OP_HELLO, &t);
	if (req) {
		CHECK(req->id == 42 && t.hello.protocol == PH_PROTOCOL,
		      "decode: hello: id and protocol carried through");
		ph__request__free_unpacked(req, NULL);
	}
	e.n = 0;
	build_hello(&e, UINT64_MAX, PH_PROTOCOL);
	req = accepted("hello with id 2^64-1", &e, 0, PH__REQUEST__OP_HELLO, &t);
	if (req) {
		CHECK(req->id == UINT64_MAX, "decode: hello: the largest id survives");
		ph__request__free_unpacked(req, NULL);
	}

	e.n = 0;
	build_state(&e, 43, "c1", 2);
	req = accepted("instance_state c1", &e, 0, PH__REQUEST__OP_INSTANCE_STATE, &t);
	if (req) {
		CHECK(strcmp(t.instance_state.name, "c1") == 0,
		      "decode: instance_state: typed name is \"c1\"");
		ph__request__free_unpacked(req, NULL);
	}
	e.n = 0;
	build_state(&e, 44, "nosuch", 6);
	req = accepted("instance_state nosuch", &e, 0, PH__REQUEST__OP_INSTANCE_STATE, &t);
	if (req)
		ph__request__free_unpacked(req, NULL);

	memset(name63, 'z', NAME_MAX_LEN);
	name63[0] = '7';
	name63[NAME_MAX_LEN] = '\0';
	e.n = 0;
	build_state(&e, 45, name63, NAME_MAX_LEN);
	req = accepted("instance_state with a 63-byte name", &e, 0, PH__REQUEST__OP_INSTANCE_STATE,
		       &t);
	if (req) {
		CHECK(strlen(t.instance_state.name) == NAME_MAX_LEN &&
			      memcmp(t.instance_state.name, name63, NAME_MAX_LEN) == 0,
		      "decode: instance_state: a 63-byte name is copied whole and terminated");
		ph__request__free_unpacked(req, NULL);
	}

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		char what[96];

		snprintf(what, sizeof(what), "instance_action %d timeout %d%s", actions[i].action,
			 (int)actions[i].timeout, actions[i].force ? " force" : "");
		e.n = 0;
		build_action(&e, 50 + i, "web-1", 5, actions[i].action, actions[i].timeout,
			     actions[i].force);
		req = accepted(what, &e, 0, PH__REQUEST__OP_INSTANCE_ACTION, &t);
		if (!req)
			continue;
		CHECK(strcmp(t.instance_action.ref.name, "web-1") == 0 &&
			      t.instance_action.action == actions[i].want &&
			      t.instance_action.timeout == actions[i].timeout &&
			      t.instance_action.force == actions[i].force,
		      "decode: %s: typed request matches", what);
		ph__request__free_unpacked(req, NULL);
	}

	/* default values sent explicitly are still the same request */
	e.n = 0;
	put_tag(&e, 1, WT_VARINT);
	put_varint(&e, 0);
	{
		struct enc sub = { .n = 0 };

		put_len_field(&sub, 1, "c1", 2);
		put_tag(&sub, 2, WT_VARINT);
		put_varint(&sub, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START);
		put_tag(&sub, 3, WT_VARINT);
		put_varint(&sub, 0);
		put_tag(&sub, 4, WT_VARINT);
		put_varint(&sub, 0);
		put_len_field(&e, 12, sub.b, sub.n);
	}
	req = accepted("instance_action with zero values sent explicitly", &e, 0,
		       PH__REQUEST__OP_INSTANCE_ACTION, &t);
	if (req)
		ph__request__free_unpacked(req, NULL);
}

void test_decode(void)
{
	bad_frames();
	bad_envelopes();
	bad_requests();
	good_requests();
	CHECK(all_untouched, "decode: every refusal left ret_req, ret_op and ret_typed untouched");
}
