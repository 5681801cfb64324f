// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for ph_decode() (privhelper/dispatch.c + validate.c): the
 * whole path a packet takes in moatd before any handler runs. A table of
 * bad packets, each of which must be refused with a negative errno and
 * leave the outputs untouched, and good ones that must yield the right
 * typed request. Many bad packets are well-formed protobuf that
 * protobuf-c 1.4 accepts on its own (unknown fields, out-of-range enums,
 * NULs in bytes), so the refusal is the validator's; the test says so.
 * Then breadth: every mutant tests/lib/ph_mutate.c makes of every op's
 * base message is either refused with the outputs untouched, or accepted
 * with a typed request that keeps the op's invariants (names valid and
 * whole, no NUL in a path, enums and numbers in range, as sent).
 * Run by the test runner with no privilege; the packets are built here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/pbenc.h"
#include "../lib/ph_mutate.h"
#include "frame.h"
#include "net.h"
#include "ph.h"
#include "rawconf.h"
#include "t.h"

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

	/* descriptor counts (image_unpack, the one op that takes one, is below) */
	e.n = 0;
	build_hello(&e, 1, PH_PROTOCOL);
	refused_enc("hello with 1 fd", &e, 1, EPROTO, true);
	refused_enc("hello with 4 fds", &e, FRAME_MAX_FDS, EPROTO, true);
	e.n = 0;
	build_state(&e, 1, "c1", 2);
	refused_enc("instance_state with 1 fd", &e, 1, EPROTO, true);
	e.n = 0;
	build_action(&e, 1, "c1", 2, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP, -1, false);
	refused_enc("instance_action with 2 fds", &e, 2, EPROTO, true);
	e.n = 0;
	build_action(&e, 1, "c1", 2, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START, -1, false);
	refused_enc("instance_action START (retired: starting is instance_start)", &e, 0, EINVAL,
		    true);

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
		CHECK(strcmp(t.instance_state.ref.name, "c1") == 0,
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
		CHECK(strlen(t.instance_state.ref.name) == NAME_MAX_LEN &&
			      memcmp(t.instance_state.ref.name, name63, NAME_MAX_LEN) == 0,
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
		put_varint(&sub, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP);
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

/* ---- the storage, file and exec ops ----------------------------------------- */

#define FP_OK "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Valid requests; each bad case below changes one thing in one of them. */
static void unpack_base(Ph__ImageUnpackRequest *u)
{
	ph__image_unpack_request__init(u);
	u->fingerprint = str(FP_OK);
	u->pool = str("default");
}

static void create_base(Ph__InstanceCreateRequest *c)
{
	ph__instance_create_request__init(c);
	c->name = str("c1");
	c->pool = str("default");
	c->fingerprint = str(FP_OK);
}

static void delete_base(Ph__InstanceDeleteRequest *d)
{
	ph__instance_delete_request__init(d);
	d->name = str("c1");
	d->pool = str("default");
}

static void start_base(Ph__InstanceStartRequest *s, Ph__InstanceConfig *cfg)
{
	ph__instance_start_request__init(s);
	ph__instance_config__init(cfg);
	s->name = str("c1");
	s->pool = str("default");
	s->config = cfg;
}

static void file_base(Ph__FileOpRequest *f)
{
	ph__file_op_request__init(f);
	f->name = str("c1");
	f->pool = str("default");
	f->path = str("/etc/hostname");
	f->kind = PH__FILE_OP_KIND__FILE_OP_OPEN_READ;
	f->uid = -1;
	f->gid = -1;
	f->mode = -1;
}

static ProtobufCBinaryData argv_true[1] = { { 4, (uint8_t *)"true" } };

static void exec_base(Ph__ExecStartRequest *x)
{
	ph__exec_start_request__init(x);
	x->name = str("c1");
	x->n_argv = 1;
	x->argv = argv_true;
}

static const struct {
	const char *what;
	const char *s;
	size_t len;
} bad_names[] = {
	{ "../x", "../x", 4 },
	{ "a/b", "a/b", 3 },
	{ "empty", "", 0 },
	{ "..", "..", 2 },
	{ "NUL inside", "ab\0cd", 5 },
	{ "newline", "a\nb", 3 },
	{ "64 bytes", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64 },
};
#define N_BAD_NAMES (sizeof(bad_names) / sizeof(bad_names[0]))

static void bad_image_unpack(void)
{
	static const struct {
		const char *what;
		const char *fp;
		size_t len;
	} fps[] = {
		{ "63 chars", FP_OK, 63 },
		{ "65 chars", FP_OK "0", 65 },
		{ "uppercase hex",
		  "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 64 },
		{ "non-hex 'g'", "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  64 },
		{ "NUL inside",
		  "0123456789abcdef\0"
		  "123456789abcdef0123456789abcdef0123456789abcdef",
		  64 },
		{ "empty", "", 0 },
	};
	Ph__ImageUnpackRequest u;
	struct enc e = { .n = 0 }, sub = { .n = 0 };
	char what[160];

	unpack_base(&u);
	build_op(&e, 1, PH__REQUEST__OP_IMAGE_UNPACK, &u);
	refused_enc("image_unpack with 0 fds", &e, 0, EPROTO, true);
	refused_enc("image_unpack with 2 fds", &e, 2, EPROTO, true);
	refused_enc("image_unpack with 4 fds", &e, 4, EPROTO, true);
	for (size_t i = 0; i < sizeof(fps) / sizeof(fps[0]); i++) {
		unpack_base(&u);
		u.fingerprint = bin(fps[i].fp, fps[i].len);
		build_op(&e, 1, PH__REQUEST__OP_IMAGE_UNPACK, &u);
		snprintf(what, sizeof(what), "image_unpack fingerprint: %s", fps[i].what);
		refused_enc(what, &e, 1, EINVAL, true);
	}
	for (size_t i = 0; i < N_BAD_NAMES; i++) {
		unpack_base(&u);
		u.pool = bin(bad_names[i].s, bad_names[i].len);
		build_op(&e, 1, PH__REQUEST__OP_IMAGE_UNPACK, &u);
		snprintf(what, sizeof(what), "image_unpack pool: %s", bad_names[i].what);
		refused_enc(what, &e, 1, EINVAL, true);
	}
	put_len_field(&sub, 1, FP_OK, 64);
	put_len_field(&sub, 2, "default", 7);
	put_tag(&sub, 15, WT_VARINT);
	put_varint(&sub, 1);
	e.n = 0;
	build_wrapped(&e, 1, PH__REQUEST__OP_IMAGE_UNPACK, &sub);
	refused_enc("image_unpack with unknown field 15 inside", &e, 1, EPROTO, true);
}

static void bad_instance_ops(void)
{
	Ph__InstanceCreateRequest c;
	Ph__InstanceDeleteRequest d;
	Ph__InstanceStartRequest s;
	Ph__InstanceConfig cfg;
	struct enc e = { .n = 0 }, sub = { .n = 0 }, cf = { .n = 0 };
	char what[160];

	for (size_t i = 0; i < N_BAD_NAMES; i++) {
		ProtobufCBinaryData b = bin(bad_names[i].s, bad_names[i].len);

		create_base(&c);
		c.name = b;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_CREATE, &c);
		snprintf(what, sizeof(what), "instance_create name: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
		create_base(&c);
		c.pool = b;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_CREATE, &c);
		snprintf(what, sizeof(what), "instance_create pool: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
		delete_base(&d);
		d.name = b;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_DELETE, &d);
		snprintf(what, sizeof(what), "instance_delete name: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
		delete_base(&d);
		d.pool = b;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_DELETE, &d);
		snprintf(what, sizeof(what), "instance_delete pool: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
		start_base(&s, &cfg);
		s.name = b;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_START, &s);
		snprintf(what, sizeof(what), "instance_start name: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
		start_base(&s, &cfg);
		s.pool = b;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_START, &s);
		snprintf(what, sizeof(what), "instance_start pool: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
	}

	create_base(&c);
	c.fingerprint = bin(FP_OK, 63);
	build_op(&e, 1, PH__REQUEST__OP_INSTANCE_CREATE, &c);
	refused_enc("instance_create fingerprint of 63 chars", &e, 0, EINVAL, true);
	create_base(&c);
	c.fingerprint = str(FP_OK "a");
	build_op(&e, 1, PH__REQUEST__OP_INSTANCE_CREATE, &c);
	refused_enc("instance_create fingerprint of 65 chars", &e, 0, EINVAL, true);
	create_base(&c);
	c.fingerprint = str("../../../../../../../../../../../../../../../../../../../../etc/x");
	build_op(&e, 1, PH__REQUEST__OP_INSTANCE_CREATE, &c);
	refused_enc("instance_create fingerprint that is a path (64 bytes)", &e, 0, EINVAL, true);
	create_base(&c);
	build_op(&e, 1, PH__REQUEST__OP_INSTANCE_CREATE, &c);
	refused_enc("instance_create with 1 fd", &e, 1, EPROTO, true);
	delete_base(&d);
	build_op(&e, 1, PH__REQUEST__OP_INSTANCE_DELETE, &d);
	refused_enc("instance_delete with 1 fd", &e, 1, EPROTO, true);

	start_base(&s, &cfg);
	s.config = NULL;
	build_op(&e, 1, PH__REQUEST__OP_INSTANCE_START, &s);
	refused_enc("instance_start without a config", &e, 0, EINVAL, true);
	start_base(&s, &cfg);
	build_op(&e, 1, PH__REQUEST__OP_INSTANCE_START, &s);
	refused_enc("instance_start with 1 fd", &e, 1, EPROTO, true);

	/* an unknown field inside InstanceConfig, a level below the op */
	put_tag(&cf, 3, WT_VARINT);
	put_varint(&cf, 1 << 20);
	put_tag(&cf, 15, WT_VARINT);
	put_varint(&cf, 1);
	put_len_field(&sub, 1, "c1", 2);
	put_len_field(&sub, 2, "default", 7);
	put_len_field(&sub, 3, cf.b, cf.n);
	e.n = 0;
	build_wrapped(&e, 1, PH__REQUEST__OP_INSTANCE_START, &sub);
	refused_enc("instance_start with unknown field 15 inside InstanceConfig", &e, 0, EPROTO,
		    true);
	/* InstanceConfig's fields with the wrong wire type */
	cf.n = 0;
	put_len_field(&cf, 3, "\x01", 1);
	sub.n = 0;
	put_len_field(&sub, 1, "c1", 2);
	put_len_field(&sub, 2, "default", 7);
	put_len_field(&sub, 3, cf.b, cf.n);
	e.n = 0;
	build_wrapped(&e, 1, PH__REQUEST__OP_INSTANCE_START, &sub);
	refused_enc("instance_start with the retired field 3 (memory_limit) as bytes", &e, 0, 0,
		    false);
}

static void bad_file_op(void)
{
	static char path4096[4096];
	Ph__FileOpRequest f;
	struct enc e = { .n = 0 };
	char what[160];

	memset(path4096, 'a', sizeof(path4096));
	path4096[0] = '/';
#define FILE_CASE(desc, change, want)                                                              \
	do {                                                                                       \
		file_base(&f);                                                                     \
		change;                                                                            \
		build_op(&e, 1, PH__REQUEST__OP_FILE_OP, &f);                                      \
		refused_enc("file_op " desc, &e, 0, want, true);                                   \
	} while (0)
	FILE_CASE("kind 0 (UNSPECIFIED)", f.kind = PH__FILE_OP_KIND__FILE_OP_UNSPECIFIED, EINVAL);
	FILE_CASE("kind 7 (out of range)", f.kind = (Ph__FileOpKind)7, EPROTO);
	FILE_CASE("kind -1 (out of range)", f.kind = (Ph__FileOpKind)-1, EPROTO);
	FILE_CASE("NUL inside the path", f.path = bin("/etc/\0shadow", 12), EINVAL);
	FILE_CASE("NUL at the end of the path", f.path = bin("/etc/x\0", 7), EINVAL);
	FILE_CASE("empty path", f.path = bin("", 0), EINVAL);
	FILE_CASE("path of 4096 bytes", f.path = bin(path4096, 4096), EINVAL);
	FILE_CASE("uid -2", f.uid = -2, ERANGE);
	FILE_CASE("uid 65536", f.uid = 65536, ERANGE);
	FILE_CASE("uid INT32_MIN", f.uid = INT32_MIN, ERANGE);
	FILE_CASE("gid -2", f.gid = -2, ERANGE);
	FILE_CASE("gid 70000", f.gid = 70000, ERANGE);
	FILE_CASE("mode 010000", f.mode = 010000, ERANGE);
	FILE_CASE("mode -2", f.mode = -2, ERANGE);
	FILE_CASE("SYMLINK without a target", f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK, EINVAL);
	FILE_CASE("SYMLINK with a NUL inside the target",
		  (f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK, f.target = bin("/etc\0/x", 7)),
		  EINVAL);
	FILE_CASE("SYMLINK with a target of 4096 bytes",
		  (f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK, f.target = bin(path4096, 4096)),
		  EINVAL);
	FILE_CASE("OPEN_READ with a target", f.target = str("/etc/shadow"), EINVAL);
	FILE_CASE("WRITE with a target",
		  (f.kind = PH__FILE_OP_KIND__FILE_OP_WRITE, f.target = str("x")), EINVAL);
	FILE_CASE("DELETE with a target",
		  (f.kind = PH__FILE_OP_KIND__FILE_OP_DELETE, f.target = str("x")), EINVAL);
#undef FILE_CASE
	for (size_t i = 0; i < N_BAD_NAMES; i++) {
		file_base(&f);
		f.name = bin(bad_names[i].s, bad_names[i].len);
		build_op(&e, 1, PH__REQUEST__OP_FILE_OP, &f);
		snprintf(what, sizeof(what), "file_op name: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
		file_base(&f);
		f.pool = bin(bad_names[i].s, bad_names[i].len);
		build_op(&e, 1, PH__REQUEST__OP_FILE_OP, &f);
		snprintf(what, sizeof(what), "file_op pool: %s", bad_names[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
	}
	file_base(&f);
	build_op(&e, 1, PH__REQUEST__OP_FILE_OP, &f);
	refused_enc("file_op with 1 fd", &e, 1, EPROTO, true);
}

static void bad_exec_start(void)
{
	static ProtobufCBinaryData many[PH_EXEC_MAX_ARGS + 1];
	static char big[2][8200];
	ProtobufCBinaryData v[2];
	Ph__ExecStartRequest x;
	struct enc e = { .n = 0 };

	for (size_t i = 0; i < PH_EXEC_MAX_ARGS + 1; i++)
		many[i] = str("x=1");
	memset(big[0], 'a', sizeof(big[0]));
	memset(big[1], 'b', sizeof(big[1]));
	memcpy(big[1], "BIG=", 4);
#define EXEC_CASE(desc, change, want)                                                              \
	do {                                                                                       \
		exec_base(&x);                                                                     \
		change;                                                                            \
		build_op(&e, 1, PH__REQUEST__OP_EXEC_START, &x);                                   \
		refused_enc("exec_start " desc, &e, 0, want, true);                                \
	} while (0)
#define ARGV2(a, b) (v[0] = (a), v[1] = (b), x.n_argv = 2, x.argv = v)
#define ENV1(a) (v[0] = (a), x.n_env = 1, x.env = v)
	EXEC_CASE("with an empty argv", (x.n_argv = 0, x.argv = NULL), EINVAL);
	EXEC_CASE("with an empty argv[0]", ARGV2(bin("", 0), str("-c")), EINVAL);
	/* the errno for a NUL is the validator's business: any refusal will do */
	EXEC_CASE("with a NUL inside argv[1]", ARGV2(str("sh"), bin("-c\0rm", 5)), 0);
	EXEC_CASE("with a NUL inside argv[0]", ARGV2(bin("sh\0", 3), str("-c")), 0);
	EXEC_CASE("with 129 arguments", (x.n_argv = PH_EXEC_MAX_ARGS + 1, x.argv = many), E2BIG);
	EXEC_CASE("with 129 env entries", (x.n_env = PH_EXEC_MAX_ARGS + 1, x.env = many), E2BIG);
	EXEC_CASE("with env without '=' (PATH)", ENV1(str("PATH")), EINVAL);
	EXEC_CASE("with env \"=x\"", ENV1(str("=x")), EINVAL);
	EXEC_CASE("with env \"\"", ENV1(bin("", 0)), EINVAL);
	EXEC_CASE("with env key starting with a digit (1A=x)", ENV1(str("1A=x")), EINVAL);
	EXEC_CASE("with env key with '-' (A-B=x)", ENV1(str("A-B=x")), EINVAL);
	EXEC_CASE("with env key with a space (A B=x)", ENV1(str("A B=x")), EINVAL);
	EXEC_CASE("with env key with a newline (A\\nB=x)", ENV1(str("A\nB=x")), EINVAL);
	EXEC_CASE("with env key with a NUL (A\\0B=x)", ENV1(bin("A\0B=x", 5)), 0);
	EXEC_CASE("with env value with a NUL (A=x\\0y)", ENV1(bin("A=x\0y", 5)), 0);
	EXEC_CASE("with a relative cwd (tmp)", x.cwd = str("tmp"), EINVAL);
	EXEC_CASE("with a NUL inside the cwd", x.cwd = bin("/tmp\0/x", 7), EINVAL);
	EXEC_CASE("with uid 65536", x.uid = 65536, ERANGE);
	EXEC_CASE("with gid 65536", x.gid = 65536, ERANGE);
	EXEC_CASE("with uid 2^32-1", x.uid = UINT32_MAX, ERANGE);
	EXEC_CASE("with width 10001", x.width = 10001, ERANGE);
	EXEC_CASE("with height 10001", x.height = 10001, ERANGE);
	EXEC_CASE("with argv + env over 16384 bytes",
		  (v[0] = bin(big[0], sizeof(big[0])), x.argv = v,
		   v[1] = bin(big[1], sizeof(big[1])), x.n_env = 1, x.env = &v[1]),
		  E2BIG);
	EXEC_CASE("with two arguments taking 16385 bytes with their NULs (one over)",
		  (v[0] = bin(big[0], 8192), v[1] = bin(big[0], 8191), x.n_argv = 2, x.argv = v),
		  E2BIG);
	EXEC_CASE("with argv that fills the buffer and a cwd",
		  (v[0] = bin(big[0], 8192), v[1] = bin(big[0], 8190), x.n_argv = 2, x.argv = v,
		   x.cwd = str("/")),
		  EINVAL);
	EXEC_CASE("with name ../x", x.name = str("../x"), EINVAL);
	EXEC_CASE("with an empty name", x.name = bin("", 0), EINVAL);
#undef EXEC_CASE
#undef ARGV2
#undef ENV1
	exec_base(&x);
	build_op(&e, 1, PH__REQUEST__OP_EXEC_START, &x);
	refused_enc("exec_start with 1 fd", &e, 1, EPROTO, true);
}

static void good_new_ops(void)
{
	static const struct {
		Ph__FileOpKind kind;
		enum ph_file_kind want;
		const char *name;
	} kinds[] = {
		{ PH__FILE_OP_KIND__FILE_OP_OPEN_READ, PH_FILE_READ, "OPEN_READ" },
		{ PH__FILE_OP_KIND__FILE_OP_WRITE, PH_FILE_WRITE, "WRITE" },
		{ PH__FILE_OP_KIND__FILE_OP_APPEND, PH_FILE_APPEND, "APPEND" },
		{ PH__FILE_OP_KIND__FILE_OP_MKDIR, PH_FILE_MKDIR, "MKDIR" },
		{ PH__FILE_OP_KIND__FILE_OP_SYMLINK, PH_FILE_SYMLINK, "SYMLINK" },
		{ PH__FILE_OP_KIND__FILE_OP_DELETE, PH_FILE_DELETE, "DELETE" },
	};
	static char path4095[4096], big[PH_EXEC_BUF];
	Ph__ImageUnpackRequest u;
	Ph__InstanceCreateRequest c;
	Ph__InstanceDeleteRequest d;
	Ph__InstanceStartRequest s;
	Ph__InstanceConfig cfg;
	Ph__FileOpRequest f;
	Ph__ExecStartRequest x;
	ProtobufCBinaryData argv[3], env[3];
	static union ph_typed t;
	struct enc e = { .n = 0 };
	Ph__Request *req;
	char what[96];

	unpack_base(&u);
	build_op(&e, 60, PH__REQUEST__OP_IMAGE_UNPACK, &u);
	req = accepted("image_unpack with 1 fd", &e, 1, PH__REQUEST__OP_IMAGE_UNPACK, &t);
	if (req) {
		CHECK(strcmp(t.image_unpack.fingerprint, FP_OK) == 0 &&
			      strcmp(t.image_unpack.pool, "default") == 0,
		      "decode: image_unpack: typed fingerprint and pool");
		CHECK(ph_op_find(PH__REQUEST__OP_IMAGE_UNPACK)->nfds == 1 &&
			      ph_op_find(PH__REQUEST__OP_IMAGE_UNPACK)->check_fds ==
				      ph_check_fd_readonly_file,
		      "decode: image_unpack's descriptor is checked by ph_check_fd_readonly_file");
		ph__request__free_unpacked(req, NULL);
	}

	create_base(&c);
	build_op(&e, 61, PH__REQUEST__OP_INSTANCE_CREATE, &c);
	req = accepted("instance_create from an image", &e, 0, PH__REQUEST__OP_INSTANCE_CREATE, &t);
	if (req) {
		CHECK(strcmp(t.instance_create.ref.name, "c1") == 0 &&
			      strcmp(t.instance_create.pool, "default") == 0 &&
			      strcmp(t.instance_create.fingerprint, FP_OK) == 0,
		      "decode: instance_create: typed name, pool and fingerprint");
		ph__request__free_unpacked(req, NULL);
	}
	create_base(&c);
	c.fingerprint = bin("", 0);
	build_op(&e, 62, PH__REQUEST__OP_INSTANCE_CREATE, &c);
	req = accepted("instance_create with no fingerprint (empty rootfs)", &e, 0,
		       PH__REQUEST__OP_INSTANCE_CREATE, &t);
	if (req) {
		CHECK(t.instance_create.fingerprint[0] == '\0',
		      "decode: instance_create: no fingerprint is \"\"");
		ph__request__free_unpacked(req, NULL);
	}

	delete_base(&d);
	d.name = str("web-1");
	d.pool = str("p2");
	build_op(&e, 63, PH__REQUEST__OP_INSTANCE_DELETE, &d);
	req = accepted("instance_delete", &e, 0, PH__REQUEST__OP_INSTANCE_DELETE, &t);
	if (req) {
		CHECK(strcmp(t.instance_delete.ref.name, "web-1") == 0 &&
			      strcmp(t.instance_delete.pool, "p2") == 0,
		      "decode: instance_delete: typed name and pool");
		ph__request__free_unpacked(req, NULL);
	}

	start_base(&s, &cfg);
	cfg.privileged = true;
	cfg.nesting = true;
	build_op(&e, 64, PH__REQUEST__OP_INSTANCE_START, &s);
	req = accepted("instance_start privileged and nesting, no limits", &e, 0,
		       PH__REQUEST__OP_INSTANCE_START, &t);
	if (req) {
		/* privileged and nesting pass the validator: the handler applies the policy */
		CHECK(strcmp(t.instance_start.ref.name, "c1") == 0 &&
			      strcmp(t.instance_start.pool, "default") == 0 &&
			      t.instance_start.config.privileged &&
			      t.instance_start.config.nesting &&
			      t.instance_start.config.limits.memory == 0 &&
			      t.instance_start.config.limits.cpu_count == 0 &&
			      t.instance_start.config.limits.processes == 0 &&
			      t.instance_start.config.limits.hugepages_set == 0,
		      "decode: instance_start: config values copied, no Limits is no limit");
		ph__request__free_unpacked(req, NULL);
	}

	{
		/* the security fields: what an accepted start promises sec_config.c's render */
		Ph__ConfigLine l1 = PH__CONFIG_LINE__INIT, l2 = PH__CONFIG_LINE__INIT;
		Ph__ConfigLine *lxc[] = { &l1 }, *sys[] = { &l2 };
		Ph__SyscallRule r1 = PH__SYSCALL_RULE__INIT, *deny[] = { &r1 };
		Ph__IdmapEntry m1 = PH__IDMAP_ENTRY__INIT, *map[] = { &m1 };
		ProtobufCBinaryData mods[] = { str("br_netfilter") };

		start_base(&s, &cfg);
		cfg.idmap_isolated = true;
		cfg.idmap_base = 1065536;
		cfg.idmap_size = 65536;
		m1.uid = m1.gid = true, m1.host = 1000, m1.cont = 1000, m1.count = 1;
		cfg.raw_idmap = map, cfg.n_raw_idmap = 1;
		r1.name = str("sethostname");
		r1.action = PH__SYSCALL_ACTION__SYSCALL_ACTION_ERRNO;
		r1.errnum = 1;
		cfg.syscalls_deny = deny, cfg.n_syscalls_deny = 1;
		l1.key = str("lxc.environment"), l1.value = str("A=1");
		cfg.raw_lxc = lxc, cfg.n_raw_lxc = 1;
		l2.key = str("net.ipv4.ip_forward"), l2.value = str("1");
		cfg.sysctls = sys, cfg.n_sysctls = 1;
		cfg.kernel_modules = mods, cfg.n_kernel_modules = 1;
		build_op(&e, 65, PH__REQUEST__OP_INSTANCE_START, &s);
		req = accepted("instance_start with every security field", &e, 0,
			       PH__REQUEST__OP_INSTANCE_START, &t);
		if (req) {
			const struct ph_sec_config *sc = &t.instance_start.config.sec;

			CHECK(sc->idmap_isolated && sc->idmap_base == 1065536 &&
				      sc->idmap_size == 65536 && sc->n_raw_idmap == 1 &&
				      sc->raw_idmap[0].host == 1000 && sc->n_deny == 1 &&
				      strcmp(sc->deny[0].name, "sethostname") == 0 &&
				      sc->deny[0].action == RAWCONF_ERRNO && sc->deny[0].err == 1 &&
				      !sc->deny_compat && !sc->no_default_deny &&
				      sc->n_raw_lxc == 1 &&
				      strcmp(sc->raw_lxc[0].value, "A=1") == 0 &&
				      sc->n_sysctl == 1 &&
				      strcmp(sc->sysctl[0].key, "net.ipv4.ip_forward") == 0 &&
				      sc->n_modules == 1 &&
				      strcmp(sc->modules[0], "br_netfilter") == 0 &&
				      sc->raw_seccomp[0] == '\0',
			      "decode: instance_start: the security fields copied as typed values");
			ph__request__free_unpacked(req, NULL);
		}
	}

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		file_base(&f);
		f.kind = kinds[i].kind;
		f.path = str("/srv/a b/..\n/x");
		if (kinds[i].want == PH_FILE_SYMLINK)
			f.target = str("../../../etc/shadow");
		f.uid = (int)i - 1;
		f.gid = 65535;
		f.mode = i ? 07777 : -1;
		build_op(&e, 70 + i, PH__REQUEST__OP_FILE_OP, &f);
		snprintf(what, sizeof(what), "file_op %s", kinds[i].name);
		req = accepted(what, &e, 0, PH__REQUEST__OP_FILE_OP, &t);
		if (!req)
			continue;
		CHECK(t.file_op.kind == kinds[i].want && strcmp(t.file_op.ref.name, "c1") == 0 &&
			      strcmp(t.file_op.pool, "default") == 0 &&
			      strcmp(t.file_op.path, "/srv/a b/..\n/x") == 0 &&
			      t.file_op.uid == (int)i - 1 && t.file_op.gid == 65535 &&
			      t.file_op.mode == (i ? 07777 : -1) &&
			      strcmp(t.file_op.target, kinds[i].want == PH_FILE_SYMLINK
							       ? "../../../etc/shadow"
							       : "") == 0,
		      "decode: %s: kind maps to %d, path, ids, mode and target copied as sent",
		      what, (int)kinds[i].want);
		ph__request__free_unpacked(req, NULL);
	}
	memset(path4095, 'p', 4095);
	path4095[0] = '/';
	file_base(&f);
	f.path = bin(path4095, 4095);
	f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK;
	f.target = bin(path4095, 4095);
	build_op(&e, 80, PH__REQUEST__OP_FILE_OP, &f);
	req = accepted("file_op SYMLINK with a 4095-byte path and target", &e, 0,
		       PH__REQUEST__OP_FILE_OP, &t);
	if (req) {
		CHECK(strlen(t.file_op.path) == 4095 &&
			      memcmp(t.file_op.path, path4095, 4095) == 0 &&
			      strlen(t.file_op.target) == 4095,
		      "decode: file_op: a 4095-byte path and target are copied whole");
		ph__request__free_unpacked(req, NULL);
	}

	/* exec_start: strings by offset into buf */
	exec_base(&x);
	argv[0] = str("/bin/sh");
	argv[1] = str("-c");
	argv[2] = bin("", 0); /* an empty argument after argv[0] is an argument */
	env[0] = str("PATH=/usr/bin:/bin");
	env[1] = str("_a1=");
	env[2] = str("LANG=C.UTF-8=x y");
	x.n_argv = 3;
	x.argv = argv;
	x.n_env = 3;
	x.env = env;
	x.uid = 1000;
	x.gid = 65535;
	x.interactive = true;
	x.width = 10000;
	x.height = 1;
	x.cwd = str("/root/a dir");
	build_op(&e, 90, PH__REQUEST__OP_EXEC_START, &x);
	req = accepted("exec_start with argv, env and cwd", &e, 0, PH__REQUEST__OP_EXEC_START, &t);
	if (req) {
		const struct ph_exec_start *xs = &t.exec_start;
		bool offs_ok = xs->argc == 3 && xs->envc == 3;

		for (size_t i = 0; offs_ok && i < 3; i++)
			offs_ok = xs->argv[i] < PH_EXEC_BUF && xs->env[i] < PH_EXEC_BUF;
		CHECK(offs_ok && strcmp(xs->buf + xs->argv[0], "/bin/sh") == 0 &&
			      strcmp(xs->buf + xs->argv[1], "-c") == 0 &&
			      strcmp(xs->buf + xs->argv[2], "") == 0,
		      "decode: exec_start: argv offsets resolve to \"/bin/sh\", \"-c\", \"\"");
		CHECK(offs_ok && strcmp(xs->buf + xs->env[0], "PATH=/usr/bin:/bin") == 0 &&
			      strcmp(xs->buf + xs->env[1], "_a1=") == 0 &&
			      strcmp(xs->buf + xs->env[2], "LANG=C.UTF-8=x y") == 0,
		      "decode: exec_start: env offsets resolve to the entries as sent");
		CHECK(xs->cwd >= 0 && xs->cwd < PH_EXEC_BUF &&
			      strcmp(xs->buf + xs->cwd, "/root/a dir") == 0,
		      "decode: exec_start: cwd offset resolves to \"/root/a dir\"");
		CHECK(strcmp(xs->ref.name, "c1") == 0 && xs->uid == 1000 && xs->gid == 65535 &&
			      xs->interactive && xs->width == 10000 && xs->height == 1,
		      "decode: exec_start: name, ids, interactive and size copied");
		ph__request__free_unpacked(req, NULL);
	}
	exec_base(&x);
	build_op(&e, 91, PH__REQUEST__OP_EXEC_START, &x);
	req = accepted("exec_start of \"true\" alone", &e, 0, PH__REQUEST__OP_EXEC_START, &t);
	if (req) {
		CHECK(t.exec_start.cwd == -1 && t.exec_start.argc == 1 && t.exec_start.envc == 0 &&
			      strcmp(t.exec_start.buf + t.exec_start.argv[0], "true") == 0 &&
			      !t.exec_start.interactive && t.exec_start.uid == 0,
		      "decode: exec_start: no cwd is -1 (\"/\"), no env, one argument");
		ph__request__free_unpacked(req, NULL);
	}
	{
		static ProtobufCBinaryData many[PH_EXEC_MAX_ARGS];

		for (size_t i = 0; i < PH_EXEC_MAX_ARGS; i++)
			many[i] = str("K=v");
		exec_base(&x);
		x.n_argv = PH_EXEC_MAX_ARGS;
		x.argv = many;
		x.n_env = PH_EXEC_MAX_ARGS;
		x.env = many;
		build_op(&e, 92, PH__REQUEST__OP_EXEC_START, &x);
		req = accepted("exec_start with 128 arguments and 128 env entries", &e, 0,
			       PH__REQUEST__OP_EXEC_START, &t);
		if (req) {
			CHECK(t.exec_start.argc == PH_EXEC_MAX_ARGS &&
				      t.exec_start.envc == PH_EXEC_MAX_ARGS &&
				      strcmp(t.exec_start.buf + t.exec_start.env[127], "K=v") == 0,
			      "decode: exec_start: the 128th env entry resolves");
			ph__request__free_unpacked(req, NULL);
		}
	}
	/* exactly full: 16383 bytes and their NUL */
	memset(big, 'a', sizeof(big));
	exec_base(&x);
	argv[0] = bin(big, PH_EXEC_BUF - 1);
	x.argv = argv;
	build_op(&e, 93, PH__REQUEST__OP_EXEC_START, &x);
	req = accepted("exec_start with one argument of 16383 bytes (buffer exactly full)", &e, 0,
		       PH__REQUEST__OP_EXEC_START, &t);
	if (req) {
		CHECK(strlen(t.exec_start.buf) == PH_EXEC_BUF - 1,
		      "decode: exec_start: a 16383-byte argument is copied whole");
		ph__request__free_unpacked(req, NULL);
	}
	exec_base(&x);
	argv[0] = bin(big, PH_EXEC_BUF - 3);
	x.argv = argv;
	x.cwd = str("/");
	build_op(&e, 94, PH__REQUEST__OP_EXEC_START, &x);
	req = accepted("exec_start whose argv and cwd fill the buffer exactly", &e, 0,
		       PH__REQUEST__OP_EXEC_START, &t);
	if (req) {
		CHECK(t.exec_start.cwd == PH_EXEC_BUF - 2 &&
			      strcmp(t.exec_start.buf + t.exec_start.cwd, "/") == 0,
		      "decode: exec_start: cwd in the last two bytes of the buffer");
		ph__request__free_unpacked(req, NULL);
	}
}

/* ---- Limits: instance_start's config and instance_limits, one check ---- */

/* Out-of-bounds Limits, case k (false: no more cases); *ret_errno the refusal. */
static bool bad_limits(size_t k, Ph__Limits *l, Ph__HugepageLimit h[5], Ph__HugepageLimit *hp[5],
		       const char **ret_what, int *ret_errno)
{
	static uint32_t high[] = { 1024 }, twice[] = { 2, 2 }, down[] = { 3, 1 }, one[] = { 1 };

	ph__limits__init(l);
	for (size_t i = 0; i < 5; i++) {
		ph__hugepage_limit__init(&h[i]);
		h[i].size_kb = (uint32_t[]){ 64, 1024, 2048, 1048576, 2048 }[i];
		hp[i] = &h[i];
	}
	*ret_errno = ERANGE;
	switch (k) {
	case 0:
		*ret_what = "memory 1";
		l->memory = 1;
		break;
	case 1:
		*ret_what = "memory 4095";
		l->memory = 4095;
		break;
	case 2:
		*ret_what = "memory 2^63";
		l->memory = 1ULL << 63;
		break;
	case 3:
		*ret_what = "memory and memory_percent";
		l->memory = 1 << 30;
		l->memory_percent = 50;
		break;
	case 4:
		*ret_what = "memory_percent 101";
		l->memory_percent = 101;
		break;
	case 5:
		*ret_what = "swap_priority_drop 11";
		l->swap_priority_drop = 11;
		break;
	case 6:
		*ret_what = "cpu_priority_drop 11";
		l->cpu_priority_drop = 11;
		break;
	case 7:
		*ret_what = "cpu_count 4097";
		l->cpu_count = 4097;
		break;
	case 8:
		*ret_what = "processes 4194305";
		l->processes = 4194305;
		break;
	case 9:
		*ret_what = "cpu_percent 101";
		l->cpu_percent = 101;
		break;
	case 10:
		*ret_what = "a quota below 1 ms";
		l->cpu_quota_us = 999;
		l->cpu_period_us = 100000;
		break;
	case 11:
		*ret_what = "a quota without a period";
		l->cpu_quota_us = 25000;
		break;
	case 12:
		*ret_what = "a period over 1 s";
		l->cpu_quota_us = 25000;
		l->cpu_period_us = 1000001;
		break;
	case 13:
		*ret_what = "a quota with a percentage";
		l->cpu_quota_us = 25000;
		l->cpu_period_us = 100000;
		l->cpu_percent = 50;
		break;
	case 14:
		*ret_what = "a quota over 1000 s";
		l->cpu_quota_us = 1000000001;
		l->cpu_period_us = 100000;
		break;
	case 15:
		*ret_what = "a period alone";
		l->cpu_period_us = 100000;
		break;
	case 16:
		*ret_errno = EINVAL;
		*ret_what = "CPU 1024 in the set";
		l->cpu_set = high;
		l->n_cpu_set = 1;
		break;
	case 17:
		*ret_errno = EINVAL;
		*ret_what = "a CPU set naming CPU 2 twice";
		l->cpu_set = twice;
		l->n_cpu_set = 2;
		break;
	case 18:
		*ret_errno = EINVAL;
		*ret_what = "a CPU set and a count";
		l->cpu_set = one;
		l->n_cpu_set = 1;
		l->cpu_count = 2;
		break;
	case 23:
		*ret_errno = EINVAL;
		*ret_what = "a CPU set out of order";
		l->cpu_set = down;
		l->n_cpu_set = 2;
		break;
	case 19:
		*ret_errno = EINVAL;
		*ret_what = "huge pages of 4096 kB";
		h[0].size_kb = 4096;
		l->hugepages = hp;
		l->n_hugepages = 1;
		break;
	case 20:
		*ret_errno = EINVAL;
		*ret_what = "the 2MB size twice";
		l->hugepages = hp + 2;
		l->n_hugepages = 3;
		h[3].size_kb = 2048;
		break;
	case 21:
		*ret_errno = EINVAL;
		*ret_what = "huge pages of 2^63 bytes";
		h[2].bytes = 1ULL << 63;
		l->hugepages = hp + 2;
		l->n_hugepages = 1;
		break;
	case 22:
		*ret_errno = E2BIG;
		*ret_what = "five huge page entries";
		l->hugepages = hp;
		l->n_hugepages = 5;
		break;
	default:
		return false;
	}
	return true;
}

static void limits_checks(void)
{
	struct enc e = { .n = 0 };
	Ph__InstanceStartRequest s;
	Ph__InstanceConfig cfg;
	Ph__InstanceLimitsRequest lr;
	Ph__Limits l;
	Ph__HugepageLimit h[5], *hp[5];
	union ph_typed t;
	Ph__Request *req;
	const char *what;
	char desc[160];
	int want;
	static uint32_t set[] = { 0, 1, 3, 15, 1023 };

	for (size_t k = 0; bad_limits(k, &l, h, hp, &what, &want); k++) {
		start_base(&s, &cfg);
		cfg.limits = &l;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_START, &s);
		snprintf(desc, sizeof(desc), "instance_start with %s", what);
		refused_enc(desc, &e, 0, want, true);
		ph__instance_limits_request__init(&lr);
		lr.name = str("c1");
		lr.limits = &l;
		build_op(&e, 1, PH__REQUEST__OP_INSTANCE_LIMITS, &lr);
		snprintf(desc, sizeof(desc), "instance_limits with %s", what);
		refused_enc(desc, &e, 0, want, true);
	}

	/* every upper bound at once, and a set, a quota and all four page sizes */
	bad_limits(99, &l, h, hp, &what, &want);
	l.memory = INT64_MAX / 2;
	l.memory_soft = true;
	l.swap_off = true;
	l.swap_priority_drop = 10;
	l.cpu_priority_drop = 10;
	l.cpu_set = set;
	l.n_cpu_set = 5;
	l.cpu_quota_us = 1000000000;
	l.cpu_period_us = 1000000;
	l.processes = 4194304;
	h[3].bytes = (uint64_t)INT64_MAX;
	l.hugepages = hp;
	l.n_hugepages = 4;
	ph__instance_limits_request__init(&lr);
	lr.name = str("c1");
	lr.limits = &l;
	build_op(&e, 70, PH__REQUEST__OP_INSTANCE_LIMITS, &lr);
	req = accepted("instance_limits at every bound", &e, 0, PH__REQUEST__OP_INSTANCE_LIMITS,
		       &t);
	if (req) {
		const struct ph_limits *x = &t.instance_limits.limits;

		CHECK(x->memory == INT64_MAX / 2 && x->memory_soft && x->swap_off &&
			      x->swap_priority_drop == 10 && x->cpu_priority_drop == 10 &&
			      x->has_cpu_set && x->cpu_set[0] == 0x0b && x->cpu_set[1] == 0x80 &&
			      x->cpu_set[2] == 0 && x->cpu_set[127] == 0x80 && x->cpu_count == 0 &&
			      x->cpu_quota_us == 1000000000 && x->cpu_period_us == 1000000 &&
			      x->processes == 4194304 && x->hugepages_set == 0xf &&
			      x->hugepages[3] == (uint64_t)INT64_MAX && x->hugepages[0] == 0,
		      "decode: instance_limits: every limit copied (the set 0-1,3,15,1023, 4 page "
		      "sizes)");
		ph__request__free_unpacked(req, NULL);
	}
	bad_limits(99, &l, h, hp, &what, &want);
	l.memory_percent = 100;
	l.cpu_count = 4096;
	l.cpu_percent = 100;
	start_base(&s, &cfg);
	cfg.limits = &l;
	build_op(&e, 71, PH__REQUEST__OP_INSTANCE_START, &s);
	req = accepted("instance_start with 100% memory, 4096 CPUs, 100% CPU", &e, 0,
		       PH__REQUEST__OP_INSTANCE_START, &t);
	if (req) {
		const struct ph_limits *x = &t.instance_start.config.limits;

		CHECK(x->memory == 0 && x->memory_percent == 100 && x->cpu_count == 4096 &&
			      !x->has_cpu_set && x->cpu_percent == 100 && x->hugepages_set == 0,
		      "decode: instance_start: percentages and a count copied");
		ph__request__free_unpacked(req, NULL);
	}
}

/* A temporary regular file, opened with flags; unlinked at once. */
static int open_temp(int flags)
{
	char path[] = "/tmp/moat-unit-fd-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0)
		return -1;
	(void)!write(fd, "x", 1);
	close(fd);
	r = open(path, flags | O_CLOEXEC);
	unlink(path);
	return r;
}

static void fd_checks(void)
{
	int ro = open_temp(O_RDONLY), ro2 = open_temp(O_RDONLY), wo = open_temp(O_WRONLY);
	int rw = open_temp(O_RDWR), pa = open_temp(O_PATH);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC), p[2] = { -1, -1 };
	int sp[2] = { -1, -1 }, two[2] = { ro, ro2 };

	if (!CHECK(ro >= 0 && ro2 >= 0 && wo >= 0 && rw >= 0 && pa >= 0 && dir >= 0 &&
			   pipe2(p, O_CLOEXEC) == 0 &&
			   socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0,
		   "fd check: test descriptors opened"))
		goto out;
	CHECK(ph_check_fd_readonly_file(&ro, 1) == 0,
	      "fd check: a regular file opened read-only passes");
	CHECK(ph_check_fd_readonly_file(&dir, 1) < 0, "fd check: a directory is refused");
	CHECK(ph_check_fd_readonly_file(&wo, 1) < 0, "fd check: a write-only file is refused");
	CHECK(ph_check_fd_readonly_file(&rw, 1) < 0, "fd check: an O_RDWR file is refused");
	CHECK(ph_check_fd_readonly_file(&p[0], 1) < 0, "fd check: a pipe's read end is refused");
	CHECK(ph_check_fd_readonly_file(&p[1], 1) < 0, "fd check: a pipe's write end is refused");
	CHECK(ph_check_fd_readonly_file(&sp[0], 1) < 0, "fd check: a socket is refused");
	CHECK(ph_check_fd_readonly_file(two, 2) < 0,
	      "fd check: 2 descriptors (both read-only files) are refused");
	CHECK(ph_check_fd_readonly_file(two, 0) < 0, "fd check: 0 descriptors are refused");
	{
		int closed = -EBADF;

		CHECK(ph_check_fd_readonly_file(&closed, 1) < 0,
		      "fd check: a closed descriptor number is refused");
	}
	/* a gap, not a failure: O_PATH reads as O_RDONLY in F_GETFL */
	if (ph_check_fd_readonly_file(&pa, 1) == 0)
		t_note("fd check: an O_PATH descriptor of a regular file passes "
		       "ph_check_fd_readonly_file (reading it later fails with EBADF)");
out:
	for (size_t i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		if (sp[i] >= 0)
			close(sp[i]);
	}
	int all[] = { ro, ro2, wo, rw, pa, dir };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] >= 0)
			close(all[i]);
}

/* ---- every op's mutants (tests/lib/ph_mutate.c) ------------------------------ */

/* The typed name is valid and exactly the bytes sent. */
static bool name_is(const char *typed, const ProtobufCBinaryData *sent)
{
	size_t n = strnlen(typed, NAME_MAX_LEN + 1);

	return n <= NAME_MAX_LEN && name_valid((const uint8_t *)typed, n) && n == sent->len &&
	       (n == 0 || memcmp(typed, sent->data, n) == 0);
}

/* The typed C string is exactly the bytes sent: whole, no NUL inside. */
static bool text_is(const char *typed, size_t size, const ProtobufCBinaryData *sent)
{
	return sent->len < size && strnlen(typed, size) == sent->len &&
	       (sent->len == 0 || memcmp(typed, sent->data, sent->len) == 0);
}

static bool fp_is(const char *typed, const ProtobufCBinaryData *sent)
{
	return strnlen(typed, PH_FP_LEN + 1) == PH_FP_LEN &&
	       strspn(typed, "0123456789abcdef") == PH_FP_LEN &&
	       text_is(typed, PH_FP_LEN + 1, sent);
}

static bool inv_hello(const Ph__Request *q, const union ph_typed *t)
{
	return t->hello.protocol == PH_PROTOCOL && q->hello->protocol == PH_PROTOCOL;
}

static bool inv_instance_state(const Ph__Request *q, const union ph_typed *t)
{
	return name_is(t->instance_state.ref.name, &q->instance_state->name);
}

static bool inv_instance_action(const Ph__Request *q, const union ph_typed *t)
{
	const struct ph_instance_action *a = &t->instance_action;
	const Ph__InstanceActionRequest *m = q->instance_action;

	return name_is(a->ref.name, &m->name) && a->action >= PH_STOP && a->action <= PH_UNFREEZE &&
	       (int)a->action == (int)m->action && a->timeout >= -1 && a->timeout <= 3600 &&
	       a->timeout == m->timeout && a->force == (m->force != 0);
}

static bool inv_image_unpack(const Ph__Request *q, const union ph_typed *t)
{
	return fp_is(t->image_unpack.fingerprint, &q->image_unpack->fingerprint) &&
	       name_is(t->image_unpack.pool, &q->image_unpack->pool);
}

static bool inv_instance_create(const Ph__Request *q, const union ph_typed *t)
{
	const struct ph_instance_create *c = &t->instance_create;
	const Ph__InstanceCreateRequest *m = q->instance_create;

	return name_is(c->ref.name, &m->name) && name_is(c->pool, &m->pool) &&
	       (m->fingerprint.len == 0 ? c->fingerprint[0] == '\0'
					: fp_is(c->fingerprint, &m->fingerprint));
}

static bool inv_instance_delete(const Ph__Request *q, const union ph_typed *t)
{
	return name_is(t->instance_delete.ref.name, &q->instance_delete->name) &&
	       name_is(t->instance_delete.pool, &q->instance_delete->pool);
}

/* What ph_check_limits() promises: every bound, and the values copied. */
static bool limits_ok(const struct ph_limits *t, const Ph__Limits *m)
{
	static const Ph__Limits none = PH__LIMITS__INIT;
	size_t n = 0;
	bool ok;

	if (!m)
		m = &none;
	ok = (t->memory == 0 || t->memory >= 4096) && t->memory <= INT64_MAX / 2 &&
	     t->memory_percent <= 100 && !(t->memory && t->memory_percent) &&
	     t->swap_priority_drop <= 10 && t->cpu_priority_drop <= 10 && t->cpu_count <= 4096 &&
	     t->processes <= 4194304 && t->cpu_percent <= 100 &&
	     (t->cpu_quota_us == 0 ? t->cpu_period_us == 0
				   : t->cpu_quota_us >= 1000 && t->cpu_quota_us <= 1000000000 &&
					     t->cpu_period_us >= 1000 &&
					     t->cpu_period_us <= 1000000 && !t->cpu_percent) &&
	     !(t->has_cpu_set && t->cpu_count) && t->hugepages_set < 16 && t->memory == m->memory &&
	     t->memory_percent == m->memory_percent && t->memory_soft == (m->memory_soft != 0) &&
	     t->swap_off == (m->swap_off != 0) && t->cpu_count == m->cpu_count &&
	     t->processes == m->processes && t->cpu_quota_us == m->cpu_quota_us &&
	     t->has_cpu_set == (m->n_cpu_set > 0) &&
	     (size_t)__builtin_popcount(t->hugepages_set) == m->n_hugepages;
	for (size_t i = 0; ok && i < PH_CPUSET_BYTES * 8; i++)
		if (t->cpu_set[i / 8] & (1u << (i % 8)))
			ok = n < m->n_cpu_set && m->cpu_set[n++] == i;
	return ok && n == m->n_cpu_set;
}

/* A device: a safe name, absolute normal paths (no "..", no newline or space),
 * ids and mode in range, the kind declared. */
static bool device_ok(const struct ph_device *d, const Ph__Device *m)
{
	return m && text_is(d->name, sizeof(d->name), &m->name) &&
	       text_is(d->source, sizeof(d->source), &m->source) &&
	       text_is(d->path, sizeof(d->path), &m->path) && d->source[0] == '/' &&
	       d->path[0] == '/' && d->path[1] != '\0' && !strstr(d->source, "/..") &&
	       !strstr(d->path, "/..") && !strpbrk(d->path, " \n\\") && !strpbrk(d->name, "/\n") &&
	       d->name[0] != '.' && d->uid <= 65535 && d->gid <= 65535 && d->mode <= 0777 &&
	       d->kind >= PH_DEV_DISK && d->kind <= PH_DEV_UNIX_BLOCK;
}

/* A nic: names that are interface names, a unicast hwaddr, the mtu in range,
 * filtering only on a bridged nic with a host end, addresses only with it. */
static bool nic_ok(const struct ph_nic *n, const Ph__Nic *m)
{
	bool filtering = n->mac_filtering || n->ipv4_filtering || n->ipv6_filtering;

	return m && text_is(n->device, sizeof(n->device), &m->device) &&
	       name_device_valid(n->device) && name_ifname_valid(n->ifname) &&
	       text_is(n->ifname, sizeof(n->ifname), &m->ifname) &&
	       text_is(n->parent, sizeof(n->parent), &m->parent) &&
	       text_is(n->host_name, sizeof(n->host_name), &m->host_name) &&
	       (n->parent[0] ? name_ifname_valid(n->parent) : n->type == PH_NIC_P2P) &&
	       (!n->host_name[0] || name_ifname_valid(n->host_name)) &&
	       (int)n->type == (int)m->type && n->type >= PH_NIC_BRIDGED &&
	       n->type <= PH_NIC_PHYSICAL && (n->mtu == 0 || (n->mtu >= 68 && n->mtu <= 65535)) &&
	       n->has_hwaddr == (m->hwaddr != 0) && !(n->hwaddr[0] & 1) &&
	       (!filtering || (n->type == PH_NIC_BRIDGED && n->host_name[0] && n->has_hwaddr)) &&
	       n->n_ipv4 == m->n_ipv4 && n->n_ipv6 == m->n_ipv6 && n->n_ipv4 <= PH_NIC_ADDRS_MAX &&
	       n->n_ipv6 <= PH_NIC_ADDRS_MAX && (n->ipv4_filtering || !n->n_ipv4) &&
	       (n->ipv6_filtering || !n->n_ipv6) && n->ingress == m->ingress &&
	       n->egress == m->egress && n->ingress <= PH_NIC_RATE_MAX &&
	       n->egress <= PH_NIC_RATE_MAX &&
	       (!(n->ingress || n->egress) || (n->type == PH_NIC_BRIDGED && n->host_name[0]));
}

static bool inv_instance_start(const Ph__Request *q, const union ph_typed *t)
{
	const struct ph_instance_start *s = &t->instance_start;
	const Ph__InstanceStartRequest *m = q->instance_start;
	const Ph__InstanceConfig *c = m->config;

	bool ok = name_is(s->ref.name, &m->name) && name_is(s->pool, &m->pool) && c &&
		  limits_ok(&s->config.limits, c->limits) &&
		  s->config.privileged == (c->privileged != 0) &&
		  s->config.nesting == (c->nesting != 0) && s->ndevices == m->n_devices &&
		  s->ndevices <= PH_DEVICES_MAX;

	/* names once, paths in order */
	for (size_t k = 0; ok && k < s->ndevices; k++)
		ok = device_ok(&s->devices[k], m->devices[k]) &&
		     (k == 0 || strcmp(s->devices[k - 1].path, s->devices[k].path) < 0);
	ok = ok && s->nnics == m->n_nics && s->nnics <= PH_NICS_MAX;
	for (size_t k = 0; ok && k < s->nnics; k++) {
		ok = nic_ok(&s->nics[k], m->nics[k]);
		for (size_t j = 0; ok && j < k; j++)
			ok = strcmp(s->nics[j].ifname, s->nics[k].ifname) != 0 &&
			     strcmp(s->nics[j].device, s->nics[k].device) != 0;
	}
	return ok;
}

static bool inv_file_op(const Ph__Request *q, const union ph_typed *t)
{
	const struct ph_file_op *f = &t->file_op;
	const Ph__FileOpRequest *m = q->file_op;

	return name_is(f->ref.name, &m->name) && name_is(f->pool, &m->pool) && m->path.len > 0 &&
	       text_is(f->path, sizeof(f->path), &m->path) && f->kind >= PH_FILE_READ &&
	       f->kind <= PH_FILE_DELETE && (int)f->kind == (int)m->kind && f->uid >= -1 &&
	       f->uid <= 65535 && f->uid == m->uid && f->gid >= -1 && f->gid <= 65535 &&
	       f->gid == m->gid && f->mode >= -1 && f->mode <= 07777 && f->mode == m->mode &&
	       (f->kind == PH_FILE_SYMLINK
			? m->target.len > 0 && text_is(f->target, sizeof(f->target), &m->target)
			: m->target.len == 0 && f->target[0] == '\0');
}

static bool inv_exec_start(const Ph__Request *q, const union ph_typed *t)
{
	const struct ph_exec_start *x = &t->exec_start;
	const Ph__ExecStartRequest *m = q->exec_start;
	bool ok = name_is(x->ref.name, &m->name) && x->argc == m->n_argv && x->argc >= 1 &&
		  x->argc <= PH_EXEC_MAX_ARGS && x->envc == m->n_env &&
		  x->envc <= PH_EXEC_MAX_ARGS && m->argv[0].len > 0;

	for (size_t i = 0; ok && i < x->argc; i++)
		ok = x->argv[i] < PH_EXEC_BUF &&
		     text_is(x->buf + x->argv[i], PH_EXEC_BUF - x->argv[i], &m->argv[i]);
	for (size_t i = 0; ok && i < x->envc; i++)
		ok = x->env[i] < PH_EXEC_BUF &&
		     text_is(x->buf + x->env[i], PH_EXEC_BUF - x->env[i], &m->env[i]) &&
		     strchr(x->buf + x->env[i], '=') > x->buf + x->env[i];
	if (ok)
		ok = m->cwd.len == 0
			     ? x->cwd == -1
			     : x->cwd >= 0 && x->cwd < PH_EXEC_BUF && x->buf[x->cwd] == '/' &&
				       text_is(x->buf + x->cwd, PH_EXEC_BUF - (size_t)x->cwd,
					       &m->cwd);
	return ok && x->uid == m->uid && x->gid == m->gid && x->uid <= 65535 && x->gid <= 65535 &&
	       x->width == m->width && x->height == m->height && x->width <= 10000 &&
	       x->height <= 10000 && x->interactive == (m->interactive != 0);
}

static bool inv_instance_log(const Ph__Request *q, const union ph_typed *t)
{
	const Ph__InstanceLogRequest *m = q->instance_log;

	return name_is(t->instance_log.ref.name, &m->name) &&
	       (m->kind == PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC ||
		m->kind == PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE) &&
	       t->instance_log.console ==
		       (m->kind == PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE) &&
	       t->instance_log.truncate == (m->truncate != 0);
}

static bool inv_console_open(const Ph__Request *q, const union ph_typed *t)
{
	const Ph__ConsoleOpenRequest *m = q->console_open;

	return name_is(t->console_open.ref.name, &m->name) && m->width <= 10000 &&
	       m->height <= 10000 && t->console_open.width == m->width &&
	       t->console_open.height == m->height;
}

static bool inv_instance_network(const Ph__Request *q, const union ph_typed *t)
{
	return name_is(t->instance_network.ref.name, &q->instance_network->name);
}

static bool inv_instance_limits(const Ph__Request *q, const union ph_typed *t)
{
	const Ph__InstanceLimitsRequest *m = q->instance_limits;
	const struct ph_instance_limits *l = &t->instance_limits;

	return name_is(l->ref.name, &m->name) && limits_ok(&l->limits, m->limits);
}

static bool inv_device_attach(const Ph__Request *q, const union ph_typed *t)
{
	return name_is(t->device_attach.ref.name, &q->device_attach->name) &&
	       device_ok(&t->device_attach.device, q->device_attach->device);
}

static bool inv_device_detach(const Ph__Request *q, const union ph_typed *t)
{
	return name_is(t->device_detach.ref.name, &q->device_detach->name) &&
	       device_ok(&t->device_detach.device, q->device_detach->device);
}

/* The text sent is the address typed (empty: none). */
static bool addr_is(int family, const ProtobufCBinaryData *sent, const void *typed)
{
	char s[INET6_ADDRSTRLEN];
	uint8_t a[16];

	if (sent->len == 0 || sent->len >= sizeof(s))
		return false;
	memcpy(s, sent->data, sent->len);
	s[sent->len] = '\0';
	return inet_pton(family, s, a) == 1 && memcmp(a, typed, family == AF_INET ? 4 : 16) == 0;
}

static bool in_net4(struct in_addr a, struct in_addr net, unsigned prefix)
{
	uint32_t m = prefix ? ~0U << (32 - prefix) : 0, x = ntohl(a.s_addr);

	return (x & m) == (ntohl(net.s_addr) & m) && (x & ~m) != 0 && (x & ~m) != ~m;
}

/*
 * A network_apply the handler may act on: a bridge name, an mtu in range,
 * each address the one sent (a host address of its subnet), each static
 * lease inside it, raw.dnsmasq whole and of key[=value] lines.
 */
static bool inv_network_apply(const Ph__Request *q, const union ph_typed *t)
{
	const Ph__NetworkApplyRequest *m = q->network_apply;
	const struct ph_network_apply *n = &t->network_apply;
	bool ok = name_net_valid((const uint8_t *)n->name, strlen(n->name)) &&
		  strlen(n->name) == m->name.len &&
		  memcmp(n->name, m->name.data, m->name.len) == 0 && n->mtu >= 68 &&
		  n->mtu <= 65535 && n->n_hosts == m->n_hosts &&
		  n->n_ipv4_ranges == m->n_ipv4_ranges &&
		  strlen(n->raw_dnsmasq) == m->raw_dnsmasq.len &&
		  rawconf_dnsmasq_check(n->raw_dnsmasq, strlen(n->raw_dnsmasq)) >= 0 &&
		  n->dns_domain[0];

	if (n->ipv4_mode == PH_NET_ADDR_SET)
		ok = ok && addr_is(AF_INET, &m->ipv4, &n->ipv4) && n->ipv4_prefix >= 8 &&
		     n->ipv4_prefix <= 30 && in_net4(n->ipv4, n->ipv4, n->ipv4_prefix);
	else
		ok = ok && m->ipv4.len == 0 && n->n_ipv4_ranges == 0;
	if (n->ipv6_mode == PH_NET_ADDR_SET)
		ok = ok && addr_is(AF_INET6, &m->ipv6, &n->ipv6) && n->ipv6_prefix >= 8 &&
		     n->ipv6_prefix <= 126;
	for (size_t i = 0; ok && i < n->n_hosts; i++) {
		const struct ph_net_apply_host *h = &n->hosts[i];

		ok = name_is(h->name, &m->hosts[i]->name) && !(h->hwaddr[0] & 1) &&
		     h->has_ipv4 == (m->hosts[i]->ipv4.len != 0) &&
		     (!h->has_ipv4 || (addr_is(AF_INET, &m->hosts[i]->ipv4, &h->ipv4) &&
				       (n->ipv4_mode != PH_NET_ADDR_SET ||
					in_net4(h->ipv4, n->ipv4, n->ipv4_prefix))));
	}
	/* the ACL set and the forwards (acl.c): as many as sent, each range ordered, each
	 * forward's addresses of one family, its target ports one or as many as listen */
	ok = ok && n->acls.enabled == (m->acls != NULL) && n->n_forwards == m->n_forwards;
	for (size_t i = 0; ok && n->acls.enabled && i < n->acls.n_ingress + n->acls.n_egress; i++) {
		const struct ph_fw_rule *r = i < n->acls.n_ingress
						     ? &n->acls.ingress[i]
						     : &n->acls.egress[i - n->acls.n_ingress];

		ok = r->action >= PH_FW_ALLOW && r->action <= PH_FW_DROP && r->n_src <= 8 &&
		     r->n_dst <= 8 &&
		     ((r->proto == PH_FW_TCP || r->proto == PH_FW_UDP) ||
		      (r->n_sport == 0 && r->n_dport == 0)) &&
		     r->icmp_type >= -1 && r->icmp_type <= 255;
		for (size_t k = 0; ok && k < r->n_src; k++)
			ok = memcmp(r->src[k].first, r->src[k].last, 16) <= 0;
		for (size_t k = 0; ok && k < r->n_dport; k++)
			ok = r->dport[k].first <= r->dport[k].last;
	}
	for (size_t i = 0; ok && i < n->n_forwards; i++) {
		const struct ph_fw_fwd *f = &n->forwards[i];

		ok = (f->family == AF_INET || f->family == AF_INET6) && f->n_ports <= 32;
		for (size_t k = 0; ok && k < f->n_ports; k++)
			ok = f->ports[k].listen.first <= f->ports[k].listen.last &&
			     (f->ports[k].target.first == f->ports[k].target.last ||
			      f->ports[k].target.last - f->ports[k].target.first ==
				      f->ports[k].listen.last - f->ports[k].listen.first);
	}
	for (size_t i = 0; ok && i < n->n_ipv4_ranges; i++)
		ok = in_net4(n->ipv4_ranges[i].start, n->ipv4, n->ipv4_prefix) &&
		     in_net4(n->ipv4_ranges[i].end, n->ipv4, n->ipv4_prefix) &&
		     ntohl(n->ipv4_ranges[i].start.s_addr) <= ntohl(n->ipv4_ranges[i].end.s_addr);
	return ok;
}

static bool inv_network_delete(const Ph__Request *q, const union ph_typed *t)
{
	const ProtobufCBinaryData *b = &q->network_delete->name;

	return name_net_valid(b->data, b->len) && strlen(t->network_delete.name) == b->len &&
	       memcmp(t->network_delete.name, b->data, b->len) == 0;
}

static bool inv_nic_attach(const Ph__Request *q, const union ph_typed *t)
{
	return name_is(t->nic_attach.ref.name, &q->nic_attach->name) &&
	       nic_ok(&t->nic_attach.nic, q->nic_attach->nic);
}

static bool inv_nic_detach(const Ph__Request *q, const union ph_typed *t)
{
	return name_is(t->nic_detach.ref.name, &q->nic_detach->name) &&
	       nic_ok(&t->nic_detach.nic, q->nic_detach->nic);
}

/* A proxy end: its kind's fields only, an address of 4 or 16 bytes and a port, or a
 * normal absolute path that fits sun_path. */
static bool proxy_end_ok(const struct ph_proxy_end *e, const Ph__ProxyEnd *m)
{
	if (!m)
		return false;
	if (e->kind == PH_PROXY_UNIX)
		return m->kind == PH__PROXY_KIND__PROXY_KIND_UNIX &&
		       text_is(e->path, sizeof(e->path), &m->path) && e->path[0] == '/' &&
		       e->path[1] != '\0' && !strstr(e->path, "/..") &&
		       !strpbrk(e->path, " \n\\") && m->addr.len == 0 && m->port == 0;
	char text[INET6_ADDRSTRLEN] = "";
	uint8_t again[16];

	if (m->addr.len < sizeof(text))
		memcpy(text, m->addr.data, m->addr.len);
	return (e->kind == PH_PROXY_TCP || e->kind == PH_PROXY_UDP) && m->path.len == 0 &&
	       (e->family == AF_INET || e->family == AF_INET6) &&
	       inet_pton(e->family, text, again) == 1 &&
	       memcmp(e->addr, again, e->family == AF_INET ? 4 : 16) == 0 && e->port >= 1 &&
	       e->port == m->port;
}

static bool proxy_ok(const struct ph_instance_ref *ref, const struct ph_proxy *p,
		     const ProtobufCBinaryData *name, const Ph__Proxy *m)
{
	return m && name_is(ref->name, name) && text_is(p->device, sizeof(p->device), &m->device) &&
	       p->device[0] != '\0' && p->device[0] != '.' && !strpbrk(p->device, "/\n ") &&
	       proxy_end_ok(&p->listen, m->listen) && proxy_end_ok(&p->connect, m->connect) &&
	       (p->listen.kind == PH_PROXY_UDP) == (p->connect.kind == PH_PROXY_UDP) &&
	       p->uid <= 65535 && p->gid <= 65535 && p->mode <= 0777 && p->security_uid <= 65535 &&
	       p->security_gid <= 65535 && p->bind_instance == (m->bind_instance != 0);
}

static bool inv_proxy_attach(const Ph__Request *q, const union ph_typed *t)
{
	return proxy_ok(&t->proxy_attach.ref, &t->proxy_attach.proxy, &q->proxy_attach->name,
			q->proxy_attach->proxy);
}

static bool inv_proxy_detach(const Ph__Request *q, const union ph_typed *t)
{
	return proxy_ok(&t->proxy_detach.ref, &t->proxy_detach.proxy, &q->proxy_detach->name,
			q->proxy_detach->proxy);
}

/* A snapshot name: exactly what was sent, empty or name_device_valid(). */
static bool snap_is(const char *typed, const ProtobufCBinaryData *sent)
{
	return text_is(typed, NAME_MAX_LEN + 1, sent) &&
	       (sent->len == 0 || name_device_valid(typed));
}

/* An instance name that may be absent (the action takes none): "" then. */
static bool opt_name_is(const char *typed, const ProtobufCBinaryData *sent)
{
	return sent->len == 0 ? typed[0] == '\0' : name_is(typed, sent);
}

static bool inv_storage(const Ph__Request *q, const union ph_typed *t)
{
	const Ph__StorageRequest *m = q->storage;
	const struct ph_storage *s = &t->storage;

	return s->action >= PH_POOL_CREATE && s->action <= PH_INSTANCE_RENAME &&
	       (int)s->action == (int)m->action && s->pool[0] && name_is(s->pool, &m->pool) &&
	       opt_name_is(s->name, &m->name) && opt_name_is(s->target, &m->target) &&
	       (m->target_pool.len ? name_is(s->target_pool, &m->target_pool)
				   : strcmp(s->target_pool, s->pool) == 0) &&
	       snap_is(s->snapshot, &m->snapshot) &&
	       snap_is(s->target_snapshot, &m->target_snapshot) &&
	       (s->action == PH_POOL_CREATE
			? (s->btrfs ? m->driver.len == 5 &&
					      memcmp(m->driver.data, "btrfs", 5) == 0 &&
					      s->size >= 256ULL << 20 && s->size <= 1ULL << 50
				    : m->driver.len == 3 && memcmp(m->driver.data, "dir", 3) == 0 &&
					      s->size == 0)
			: !s->btrfs && s->size == 0 && m->size == 0);
}

/* What an accepted request of each op promises its handler, keyed by op case. */
static const struct {
	Ph__Request__OpCase op;
	bool (*ok)(const Ph__Request *q, const union ph_typed *t);
} invariants[] = {
	{ PH__REQUEST__OP_HELLO, inv_hello },
	{ PH__REQUEST__OP_INSTANCE_STATE, inv_instance_state },
	{ PH__REQUEST__OP_INSTANCE_ACTION, inv_instance_action },
	{ PH__REQUEST__OP_IMAGE_UNPACK, inv_image_unpack },
	{ PH__REQUEST__OP_INSTANCE_CREATE, inv_instance_create },
	{ PH__REQUEST__OP_INSTANCE_DELETE, inv_instance_delete },
	{ PH__REQUEST__OP_INSTANCE_START, inv_instance_start },
	{ PH__REQUEST__OP_FILE_OP, inv_file_op },
	{ PH__REQUEST__OP_EXEC_START, inv_exec_start },
	{ PH__REQUEST__OP_INSTANCE_LOG, inv_instance_log },
	{ PH__REQUEST__OP_CONSOLE_OPEN, inv_console_open },
	{ PH__REQUEST__OP_INSTANCE_NETWORK, inv_instance_network },
	{ PH__REQUEST__OP_INSTANCE_LIMITS, inv_instance_limits },
	{ PH__REQUEST__OP_DEVICE_ATTACH, inv_device_attach },
	{ PH__REQUEST__OP_PROXY_ATTACH, inv_proxy_attach },
	{ PH__REQUEST__OP_PROXY_DETACH, inv_proxy_detach },
	{ PH__REQUEST__OP_DEVICE_DETACH, inv_device_detach },
	{ PH__REQUEST__OP_NETWORK_APPLY, inv_network_apply },
	{ PH__REQUEST__OP_NETWORK_DELETE, inv_network_delete },
	{ PH__REQUEST__OP_NIC_ATTACH, inv_nic_attach },
	{ PH__REQUEST__OP_NIC_DETACH, inv_nic_detach },
	{ PH__REQUEST__OP_STORAGE, inv_storage },
};

/*
 * What every accepted request keeps, whatever its op, by its descriptors:
 * no unknown field, every enum declared, every name and pool a valid name,
 * no NUL in any bytes field (none of the contract's bytes is binary).
 */
static bool generic_ok(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;

	if (m->n_unknown_fields)
		return false;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const void *member = base + f->offset;
		size_t n = 1;

		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which;

			memcpy(&which, base + f->quantifier_offset, sizeof(which));
			if (which != f->id)
				continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			memcpy(&n, base + f->quantifier_offset, sizeof(n));
		for (size_t k = 0; k < n; k++) {
			const void *el =
				f->label == PROTOBUF_C_LABEL_REPEATED
					? *(const char *const *)member +
						  k * (f->type == PROTOBUF_C_TYPE_BYTES
							       ? sizeof(ProtobufCBinaryData)
							       : sizeof(void *))
					: member;

			if (f->type == PROTOBUF_C_TYPE_BYTES) {
				const ProtobufCBinaryData *b = el;

				if (b->len && memchr(b->data, '\0', b->len))
					return false;
				if (ph_mut_name_field(f) && !name_valid(b->data, b->len))
					return false;
			} else if (f->type == PROTOBUF_C_TYPE_ENUM) {
				int v;

				memcpy(&v, el, sizeof(v));
				if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
					return false;
			} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
				const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)el;

				if (sub && !generic_ok(sub))
					return false;
			}
		}
	}
	return true;
}

struct mut_tally {
	const struct ph_op *op;
	bool (*ok)(const Ph__Request *q, const union ph_typed *t);
	unsigned refused, accepted;
	struct enc e;
};

static void decode_mutant(const struct ph_mutant *m, void *arg)
{
	static const struct ph_op sentinel_op;
	static union ph_typed typed, before;
	struct mut_tally *k = arg;
	const struct ph_op *got = &sentinel_op;
	Ph__Request *req = NULL;
	int r;

	k->e.n = 0;
	put_request(&k->e, m->req);
	memset(&typed, 0x5a, sizeof(typed));
	memcpy(&before, &typed, sizeof(typed));
	r = ph_decode(k->e.b, k->e.n, k->op->nfds, &req, &got, &typed);
	if (r < 0) {
		k->refused++;
		CHECK(!req && got == &sentinel_op && memcmp(&typed, &before, sizeof(typed)) == 0,
		      "decode: %s mutant %s: refused (%d), outputs untouched", k->op->name, m->what,
		      r);
		return;
	}
	k->accepted++;
	CHECK(got == k->op && req && generic_ok(&req->base) && k->ok && k->ok(req, &typed),
	      "decode: %s mutant %s: accepted, and the typed request keeps the op's invariants",
	      k->op->name, m->what);
	/* a hostile name is never a name */
	if (m->kind == PH_MUT_BYTES && ph_mut_name_field(m->field))
		CHECK(false, "decode: %s mutant %s: a hostile %s was accepted", k->op->name,
		      m->what, m->field->name);
	ph__request__free_unpacked(req, NULL);
}

/* proxy_attach's own refusals: each one field of a valid request made bad. */
static void proxy_checks(void)
{
	static const char v4[] = "127.0.0.1";
	Ph__ProxyAttachRequest m = PH__PROXY_ATTACH_REQUEST__INIT;
	Ph__Proxy p = PH__PROXY__INIT;
	Ph__ProxyEnd l = PH__PROXY_END__INIT, c = PH__PROXY_END__INIT;
	struct ph_proxy_attach t;
	static const struct {
		const char *what, *path, *addr;
		uint32_t port, kind, mode;
		bool udp_connect;
	} bad[] = {
		{ "a unix path with \"..\"", "/srv/moat/../etc/x.sock", "", 0, 3, 0, false },
		{ "a relative unix path", "web.sock", "", 0, 3, 0, false },
		{ "a unix path longer than sun_path",
		  "/srv/moat/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "", 0, 3, 0, false },
		{ "an address of five numbers", "", "1.2.3.4.5", 80, 1, 0, false },
		{ "a host name", "", "localhost", 80, 1, 0, false },
		{ "an address with a port", "", "127.0.0.1:80", 80, 1, 0, false },
		{ "an IPv6 address with a scope", "", "fe80::1%eth0", 80, 1, 0, false },
		{ "port 0", "", v4, 0, 1, 0, false },
		{ "port 65536", "", v4, 65536, 1, 0, false },
		{ "an undeclared kind", "", v4, 80, 9, 0, false },
		{ "a tcp listener with a path too", "/srv/moat/x.sock", v4, 80, 1, 0, false },
		{ "a unix listener with an address too", "/srv/moat/x.sock", v4, 0, 3, 0, false },
		{ "mode 01000", "/srv/moat/x.sock", "", 0, 3, 01000, false },
		{ "a unix listener to udp", "/srv/moat/x.sock", "", 0, 3, 0, true },
	};

	m.name = (ProtobufCBinaryData){ .data = (uint8_t *)"c1", .len = 2 };
	m.proxy = &p;
	p.device = (ProtobufCBinaryData){ .data = (uint8_t *)"web", .len = 3 };
	p.listen = &l;
	p.connect = &c;
	c.kind = PH__PROXY_KIND__PROXY_KIND_TCP;
	c.addr = (ProtobufCBinaryData){ .data = (uint8_t *)v4, .len = strlen(v4) };
	c.port = 80;
	l = c;
	l.port = 8080;
	CHECK(ph_check_proxy_attach(&m, &t) == 0 && t.proxy.listen.port == 8080 &&
		      t.proxy.listen.family == AF_INET && t.proxy.connect.kind == PH_PROXY_TCP &&
		      !t.proxy.bind_instance && strcmp(t.proxy.device, "web") == 0,
	      "decode: proxy_attach tcp 127.0.0.1:8080 -> 127.0.0.1:80 is accepted as typed");
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		Ph__ProxyEnd save = l;

		l.kind = (Ph__ProxyKind)bad[k].kind;
		l.path = (ProtobufCBinaryData){ .data = (uint8_t *)bad[k].path,
						.len = strlen(bad[k].path) };
		l.addr = (ProtobufCBinaryData){ .data = (uint8_t *)bad[k].addr,
						.len = strlen(bad[k].addr) };
		l.port = bad[k].port;
		p.mode = bad[k].mode;
		c.kind = bad[k].udp_connect ? PH__PROXY_KIND__PROXY_KIND_UDP
					    : PH__PROXY_KIND__PROXY_KIND_TCP;
		CHECK(ph_check_proxy_attach(&m, &t) < 0, "decode: proxy_attach with %s is refused",
		      bad[k].what);
		l = save;
		p.mode = 0;
		c.kind = PH__PROXY_KIND__PROXY_KIND_TCP;
	}
	p.device = (ProtobufCBinaryData){ .data = (uint8_t *)"../x", .len = 4 };
	CHECK(ph_check_proxy_attach(&m, &t) < 0,
	      "decode: proxy_attach of device \"../x\" is refused");
	p.device = (ProtobufCBinaryData){ .data = (uint8_t *)"web", .len = 3 };
	p.security_uid = 65536;
	CHECK(ph_check_proxy_attach(&m, &t) < 0,
	      "decode: proxy_attach with security.uid 65536 is refused");
}

/*
 * storage: each action takes its own fields only; names as path components,
 * snapshot names by name_device_valid(); the driver "dir" alone.
 */
static void storage_checks(void)
{
	static const struct {
		const char *what;
		int action;
		const char *name, *snap, *target, *tsnap, *tpool, *driver;
		uint64_t size;
	} bad[] = {
		{ "no action", 0, "c1", "s", "", "", "", "", 0 },
		{ "an action past the last (an undeclared enum value)", 10, "c1", "s", "", "", "",
		  "", 0 },
		{ "a snapshot ..", 3, "c1", "..", "", "", "", "", 0 },
		{ "a snapshot .hidden", 3, "c1", ".hidden", "", "", "", "", 0 },
		{ "a snapshot a/b", 3, "c1", "a/b", "", "", "", "", 0 },
		{ "a snapshot with a newline", 3, "c1", "s\nx", "", "", "", "", 0 },
		{ "a snapshot of 64 bytes", 3, "c1",
		  "s123456789012345678901234567890123456789012345678901234567890123", "", "", "",
		  "", 0 },
		{ "a snapshot create without a snapshot", 3, "c1", "", "", "", "", "", 0 },
		{ "a snapshot delete with a target", 4, "c1", "s", "c2", "", "", "", 0 },
		{ "a snapshot rename without a new name", 5, "c1", "s", "", "", "", "", 0 },
		{ "a snapshot rename to ../x", 5, "c1", "s", "", "../x", "", "", 0 },
		{ "a restore to another pool", 6, "c1", "s", "", "", "p2", "", 0 },
		{ "a copy without a target", 7, "c1", "", "", "", "", "", 0 },
		{ "a copy to a target a/b", 7, "c1", "", "a/b", "", "", "", 0 },
		{ "a copy to a pool ..", 7, "c1", "", "c2", "", "..", "", 0 },
		{ "a snapshot copy without a target snapshot", 8, "c1", "s", "c2", "", "", "", 0 },
		{ "a rename with a snapshot", 9, "c1", "s", "c2", "", "", "", 0 },
		{ "a rename of ../c1", 9, "../c1", "", "c2", "", "", "", 0 },
		{ "a pool create without a driver", 1, "", "", "", "", "", "", 0 },
		{ "a btrfs pool without a size", 1, "", "", "", "", "", "btrfs", 0 },
		{ "a btrfs pool of 255 MiB", 1, "", "", "", "", "", "btrfs", 255 << 20 },
		{ "a btrfs pool of 2 PiB", 1, "", "", "", "", "", "btrfs", 1ULL << 51 },
		{ "a dir pool with a size", 1, "", "", "", "", "", "dir", 1ULL << 30 },
		{ "a snapshot with a size", 3, "c1", "s", "", "", "", "", 1ULL << 30 },
		{ "a pool create of driver zfs", 1, "", "", "", "", "", "zfs", 0 },
		{ "a pool create of driver dir;x", 1, "", "", "", "", "", "dir;x", 0 },
		{ "a pool create with a name", 1, "c1", "", "", "", "", "dir", 0 },
		{ "a pool delete with a driver", 2, "", "", "", "", "", "dir", 0 },
	};
	Ph__StorageRequest m;
	struct enc e = { .n = 0 };
	union ph_typed t;
	Ph__Request *req;
	char what[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ph__storage_request__init(&m);
		m.action = (Ph__StorageAction)bad[i].action;
		m.pool = str("default");
		m.name = str(bad[i].name);
		m.snapshot = str(bad[i].snap);
		m.target = str(bad[i].target);
		m.target_snapshot = str(bad[i].tsnap);
		m.target_pool = str(bad[i].tpool);
		m.driver = str(bad[i].driver);
		m.size = bad[i].size;
		build_op(&e, 1, PH__REQUEST__OP_STORAGE, &m);
		snprintf(what, sizeof(what), "storage: %s", bad[i].what);
		refused_enc(what, &e, 0, bad[i].action <= 9 ? EINVAL : EPROTO, bad[i].action <= 9);
	}
	ph__storage_request__init(&m);
	m.action = PH__STORAGE_ACTION__STORAGE_INSTANCE_COPY;
	m.pool = str("default");
	m.name = str("c1");
	m.snapshot = str("snap-2026.12_03");
	m.target = str("c2");
	build_op(&e, 1, PH__REQUEST__OP_STORAGE, &m);
	req = accepted("storage: a copy from a snapshot", &e, 0, PH__REQUEST__OP_STORAGE, &t);
	if (req) {
		CHECK(t.storage.action == PH_INSTANCE_COPY && strcmp(t.storage.name, "c1") == 0 &&
			      strcmp(t.storage.snapshot, "snap-2026.12_03") == 0 &&
			      strcmp(t.storage.target, "c2") == 0 &&
			      strcmp(t.storage.target_pool, "default") == 0,
		      "decode: storage: a copy keeps its names; no target pool is the pool");
		ph__request__free_unpacked(req, NULL);
	}
	m.target_pool = str("p2");
	build_op(&e, 1, PH__REQUEST__OP_STORAGE, &m);
	req = accepted("storage: a copy to another pool", &e, 0, PH__REQUEST__OP_STORAGE, &t);
	if (req) {
		CHECK(strcmp(t.storage.target_pool, "p2") == 0,
		      "decode: storage: the target pool as sent");
		ph__request__free_unpacked(req, NULL);
	}
	ph__storage_request__init(&m);
	m.action = PH__STORAGE_ACTION__STORAGE_POOL_CREATE;
	m.pool = str("fast");
	m.driver = str("btrfs");
	m.size = 1ULL << 30;
	build_op(&e, 1, PH__REQUEST__OP_STORAGE, &m);
	req = accepted("storage: a btrfs pool of 1 GiB", &e, 0, PH__REQUEST__OP_STORAGE, &t);
	if (req) {
		CHECK(t.storage.btrfs && t.storage.size == 1ULL << 30,
		      "decode: storage: a btrfs pool keeps its driver and size");
		ph__request__free_unpacked(req, NULL);
	}
}

static void mutants(void)
{
	struct mut_tally *k = calloc(1, sizeof(*k));

	if (!CHECK(k != NULL, "decode: mutants (memory)"))
		return;
	for (size_t j = 0; j < ph_ops_len; j++) {
		const Ph__Request *base = ph_base(ph_ops[j].op);
		int n;

		k->op = &ph_ops[j];
		k->ok = NULL;
		k->refused = k->accepted = 0;
		for (size_t i = 0; i < sizeof(invariants) / sizeof(invariants[0]); i++)
			if (invariants[i].op == k->op->op)
				k->ok = invariants[i].ok;
		CHECK(k->ok != NULL, "decode: %s has typed invariants for its mutants",
		      k->op->name);
		if (!base)
			continue; /* test_optable fails for it */
		n = ph_mutate(base, decode_mutant, k);
		CHECK(n > 0 && k->refused > 0 && k->accepted > 0 &&
			      k->refused + k->accepted == (unsigned)n,
		      "decode: %s: %d mutants of its base message, %u refused, %u accepted",
		      k->op->name, n, k->refused, k->accepted);
	}
	free(k);
}

/* ---- network_apply: what the check accepts and refuses ------------------------ */

static void net_req(Ph__NetworkApplyRequest *m)
{
	ph__network_apply_request__init(m);
	m->name = str("mt_br-0");
	m->ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	m->ipv4 = str("10.250.63.1");
	m->ipv4_prefix = 24;
	m->ipv6_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	m->ipv6 = str("fd42:1:2:3::1");
	m->ipv6_prefix = 64;
}

/*
 * network_apply's ACL set and forwards (privhelper/acl.c): one of each
 * accepted and typed as sent; a rule or forward that is not what the
 * frontend can have checked is refused: an address not in inet_pton's form, a range
 * that ends before it starts, a port past 65535, a protocol outside the
 * list, an ICMP type on a TCP rule, ports on an ICMP rule, a default
 * action left unset, a forward on 0.0.0.0, target ports that do not match
 * the listen ports, a target of the other family.
 */
static void acl_checks(struct enc *e, Ph__NetworkApplyRequest *m)
{
	static union ph_typed t;

	Ph__AclSet set = PH__ACL_SET__INIT;
	Ph__AclRule rule = PH__ACL_RULE__INIT, *rp = &rule;
	Ph__AclRange rng = PH__ACL_RANGE__INIT, *rngp = &rng;
	Ph__PortRange dp = PH__PORT_RANGE__INIT, *dpp = &dp, lp = PH__PORT_RANGE__INIT,
		      tp = PH__PORT_RANGE__INIT;
	Ph__Forward fwd = PH__FORWARD__INIT, *fwdp = &fwd;
	Ph__ForwardPort fp = PH__FORWARD_PORT__INIT, *fpp = &fp;
	Ph__Request *req;

#define ACL_RESET()                                                                                \
	do {                                                                                       \
		net_req(m);                                                                        \
		rng.first = str("192.0.2.1");                                                      \
		rng.last = str("192.0.2.9");                                                       \
		dp.first = 80;                                                                     \
		dp.last = 81;                                                                      \
		rule.action = PH__ACL_ACTION__ACL_REJECT;                                          \
		rule.log = true;                                                                   \
		rule.protocol = PH__ACL_PROTO__ACL_TCP;                                            \
		rule.source = &rngp;                                                               \
		rule.n_source = 1;                                                                 \
		rule.destination_port = &dpp;                                                      \
		rule.n_destination_port = 1;                                                       \
		rule.icmp_type = rule.icmp_code = -1;                                              \
		set.default_ingress = PH__ACL_ACTION__ACL_DROP;                                    \
		set.default_egress = PH__ACL_ACTION__ACL_ALLOW;                                    \
		set.egress = &rp;                                                                  \
		set.n_egress = 1;                                                                  \
		lp.first = 8080;                                                                   \
		lp.last = 8081;                                                                    \
		tp.first = 80;                                                                     \
		tp.last = 81;                                                                      \
		fp.protocol = PH__ACL_PROTO__ACL_UDP;                                              \
		fp.listen = &lp;                                                                   \
		fp.target = &tp;                                                                   \
		fp.target_address = str("10.250.63.5");                                            \
		fwd.listen_address = str("192.0.2.9");                                             \
		fwd.default_target = str("");                                                      \
		fwd.ports = &fpp;                                                                  \
		fwd.n_ports = 1;                                                                   \
		m->acls = &set;                                                                    \
		m->forwards = &fwdp;                                                               \
		m->n_forwards = 1;                                                                 \
	} while (0)

	ACL_RESET();
	build_op(e, 120, PH__REQUEST__OP_NETWORK_APPLY, m);
	req = accepted("network_apply with an ACL rule and a forward", e, 0,
		       PH__REQUEST__OP_NETWORK_APPLY, &t);
	if (req) {
		const struct ph_network_apply *n = &t.network_apply;
		const struct ph_fw_rule *r = &n->acls.egress[0];

		CHECK(n->acls.enabled && n->acls.n_egress == 1 && n->acls.n_ingress == 0 &&
			      n->acls.default_ingress == PH_FW_DROP && r->action == PH_FW_REJECT &&
			      r->log && r->proto == PH_FW_TCP && r->n_src == 1 &&
			      r->src[0].family == AF_INET && r->src[0].last[3] == 9 &&
			      r->n_dport == 1 && r->dport[0].last == 81 && r->icmp_type == -1 &&
			      n->n_forwards == 1 && n->forwards[0].family == AF_INET &&
			      n->forwards[0].listen[3] == 9 &&
			      n->forwards[0].ports[0].proto == PH_FW_UDP &&
			      n->forwards[0].ports[0].listen.first == 8080 &&
			      n->forwards[0].ports[0].target_addr[3] == 5,
		      "decode: network_apply: the ACL rule and the forward typed as sent");
		ph__request__free_unpacked(req, NULL);
	}
	ACL_RESET();
	rng.first = str("192.0.2.01");
	build_op(e, 121, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with an ACL address with a leading zero", e, 0, EINVAL, true);
	ACL_RESET();
	rng.first = str("192.0.2.9");
	rng.last = str("192.0.2.1");
	build_op(e, 122, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with an ACL range that ends before it starts", e, 0, EINVAL,
		    true);
	ACL_RESET();
	dp.last = 65536;
	build_op(e, 123, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with an ACL port past 65535", e, 0, EINVAL, true);
	ACL_RESET();
	rule.protocol = 9;
	build_op(e, 124, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with an ACL protocol outside the list", e, 0, EPROTO, true);
	ACL_RESET();
	rule.icmp_type = 8;
	build_op(e, 125, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with an ICMP type on a TCP rule", e, 0, EINVAL, true);
	ACL_RESET();
	rule.protocol = PH__ACL_PROTO__ACL_ICMP4;
	build_op(e, 126, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with ports on an ICMP rule", e, 0, EINVAL, true);
	ACL_RESET();
	set.default_egress = PH__ACL_ACTION__ACL_ACTION_UNSPECIFIED;
	build_op(e, 127, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with an ACL default action left unset", e, 0, EINVAL, true);
	ACL_RESET();
	fwd.listen_address = str("0.0.0.0");
	build_op(e, 128, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with a forward on 0.0.0.0", e, 0, EINVAL, true);
	ACL_RESET();
	tp.last = 90;
	build_op(e, 129, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with target ports that do not match the listen ports", e, 0,
		    EINVAL, true);
	ACL_RESET();
	fp.target_address = str("fd00::5");
	build_op(e, 130, PH__REQUEST__OP_NETWORK_APPLY, m);
	refused_enc("network_apply with a forward target of the other family", e, 0, EINVAL, true);
#undef ACL_RESET
	net_req(m);
}

static void network_checks(void)
{
	static union ph_typed t;
	Ph__NetworkApplyRequest m;
	Ph__NetHost h = PH__NET_HOST__INIT, *hp = &h;
	Ph__NetRange rg = PH__NET_RANGE__INIT, *rp = &rg;
	struct enc e = { .n = 0 };
	Ph__Request *req;
	static const struct {
		const char *what, *field, *value;
	} bad[] = {
		{ "a name of 16 bytes", "name", "abcdefghijklmnop" },
		{ "a name with a dot", "name", "br.0" },
		{ "a name starting with -", "name", "-br0" },
		{ "an IPv4 address with a leading zero octet", "ipv4", "010.250.63.1" },
		{ "an IPv4 address in 127/8", "ipv4", "127.0.0.1" },
		{ "an IPv4 address that is the subnet's", "ipv4", "10.250.63.0" },
		{ "an IPv4 address that is the broadcast", "ipv4", "10.250.63.255" },
		{ "an IPv4 address in 169.254/16", "ipv4", "169.254.1.1" },
		{ "an IPv4 address of 224/4", "ipv4", "224.0.0.1" },
		{ "an IPv6 link-local address", "ipv6", "fe80::1" },
		{ "an IPv6 multicast address", "ipv6", "ff02::1" },
		{ "the IPv6 subnet's own address", "ipv6", "fd42:1:2:3::" },
		{ "an IPv4-mapped IPv6 address", "ipv6", "::ffff:10.0.0.1" },
		{ "a domain with an empty label", "dns_domain", "a..b" },
		{ "a domain with a space", "dns_domain", "a b" },
		{ "a domain label ending in -", "dns_domain", "moat-" },
		{ "a raw.dnsmasq line with a CR", "raw_dnsmasq", "port=0\r" },
		{ "a raw.dnsmasq key with a dot", "raw_dnsmasq", "lxc.hook=x" },
		{ "a raw.dnsmasq value with a tab", "raw_dnsmasq", "port=\t0" },
		{ "a raw.dnsmasq line of only a value", "raw_dnsmasq", "=x" },
		{ "an uppercase hwaddr", "hwaddr", "00:16:3E:00:00:01" },
		{ "a multicast hwaddr", "hwaddr", "01:16:3e:00:00:01" },
		{ "a zero hwaddr", "hwaddr", "00:00:00:00:00:00" },
		{ "a hwaddr of 5 bytes", "hwaddr", "00:16:3e:00:01" },
	};

	net_req(&m);
	m.mtu = 9000;
	m.hwaddr = str("00:16:3e:aa:bb:cc");
	m.dns_domain = str("lab.example");
	m.dns_mode = PH__NET_DNS_MODE__NET_DNS_DYNAMIC;
	m.raw_dnsmasq = str("# a comment\ndhcp-option=42,10.0.0.1\n\nno-negcache");
	rg.start = str("10.250.63.100");
	rg.end = str("10.250.63.150");
	m.ipv4_ranges = &rp;
	m.n_ipv4_ranges = 1;
	h.name = str("c1");
	h.hwaddr = str("00:16:3e:01:02:03");
	h.ipv4 = str("10.250.63.7");
	h.ipv6 = str("fd42:1:2:3::7");
	m.hosts = &hp;
	m.n_hosts = 1;
	build_op(&e, 90, PH__REQUEST__OP_NETWORK_APPLY, &m);
	req = accepted("network_apply with every field", &e, 0, PH__REQUEST__OP_NETWORK_APPLY, &t);
	if (req) {
		const struct ph_network_apply *n = &t.network_apply;

		CHECK(strcmp(n->name, "mt_br-0") == 0 && n->mtu == 9000 && n->has_hwaddr &&
			      n->hwaddr[0] == 0 && n->hwaddr[3] == 0xaa && n->hwaddr[5] == 0xcc &&
			      n->ipv4_prefix == 24 && ntohl(n->ipv4.s_addr) == 0x0afa3f01 &&
			      n->ipv6_prefix == 64 && n->ipv6.s6_addr[0] == 0xfd &&
			      n->ipv6.s6_addr[15] == 1 && n->n_ipv4_ranges == 1 &&
			      ntohl(n->ipv4_ranges[0].end.s_addr) == 0x0afa3f96 &&
			      strcmp(n->dns_domain, "lab.example") == 0 &&
			      n->dns_mode == PH_NET_DNS_DYNAMIC && n->n_hosts == 1 &&
			      strcmp(n->hosts[0].name, "c1") == 0 && n->hosts[0].has_ipv4 &&
			      n->hosts[0].has_ipv6 && n->hosts[0].hwaddr[5] == 3 &&
			      strstr(n->raw_dnsmasq, "no-negcache"),
		      "decode: network_apply: every field typed as sent");
		ph__request__free_unpacked(req, NULL);
	}
	net_req(&m);
	m.ipv4_mode = m.ipv6_mode = PH__NET_ADDR_MODE__NET_ADDR_NONE;
	m.ipv4 = m.ipv6 = str("");
	m.ipv4_prefix = m.ipv6_prefix = 0;
	build_op(&e, 91, PH__REQUEST__OP_NETWORK_APPLY, &m);
	req = accepted("network_apply with no addresses and nothing else", &e, 0,
		       PH__REQUEST__OP_NETWORK_APPLY, &t);
	if (req) {
		CHECK(t.network_apply.mtu == 1500 &&
			      strcmp(t.network_apply.dns_domain, "moat") == 0 &&
			      t.network_apply.ipv4_mode == PH_NET_ADDR_NONE,
		      "decode: network_apply: mtu 1500 and domain moat by default");
		ph__request__free_unpacked(req, NULL);
	}
	m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_AUTO; /* retired: moatd-api picks */
	build_op(&e, 91, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with the retired auto mode", &e, 0, EINVAL, true);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ProtobufCBinaryData v = str(bad[i].value);
		char what[128];

		net_req(&m);
		if (strcmp(bad[i].field, "name") == 0)
			m.name = v;
		else if (strcmp(bad[i].field, "ipv4") == 0)
			m.ipv4 = v;
		else if (strcmp(bad[i].field, "ipv6") == 0)
			m.ipv6 = v;
		else if (strcmp(bad[i].field, "dns_domain") == 0)
			m.dns_domain = v;
		else if (strcmp(bad[i].field, "raw_dnsmasq") == 0)
			m.raw_dnsmasq = v;
		else
			m.hwaddr = v;
		build_op(&e, 92, PH__REQUEST__OP_NETWORK_APPLY, &m);
		snprintf(what, sizeof(what), "network_apply with %s", bad[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
	}
	net_req(&m);
	m.mtu = 1279; /* IPv6 wants 1280 */
	build_op(&e, 93, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with IPv6 and an mtu of 1279", &e, 0, EINVAL, true);
	net_req(&m);
	m.ipv4_prefix = 31;
	build_op(&e, 94, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with an IPv4 /31", &e, 0, EINVAL, true);
	m.ipv4_prefix = 100; /* past 32: a shift the check must never make (fuzz_ph_decode) */
	build_op(&e, 94, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with an IPv4 prefix of 100", &e, 0, EINVAL, true);
	net_req(&m);
	m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_AUTO;
	build_op(&e, 95, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply auto with an address sent", &e, 0, EINVAL, true);
	net_req(&m);
	rg.start = str("10.250.63.200");
	rg.end = str("10.250.63.100");
	m.ipv4_ranges = &rp;
	m.n_ipv4_ranges = 1;
	build_op(&e, 96, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with a range that ends before it starts", &e, 0, EINVAL, true);
	rg.start = str("10.250.63.100");
	rg.end = str("10.250.64.100");
	build_op(&e, 97, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with a range outside the subnet", &e, 0, EINVAL, true);
	acl_checks(&e, &m);
	net_req(&m);
	h.ipv4 = str("10.250.63.1");
	h.ipv6 = str("");
	m.hosts = &hp;
	m.n_hosts = 1;
	build_op(&e, 98, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with a static lease of the bridge's own address", &e, 0, EINVAL,
		    true);
	h.ipv4 = str("");
	h.name = str("c_1");
	build_op(&e, 99, PH__REQUEST__OP_NETWORK_APPLY, &m);
	refused_enc("network_apply with a host name that is not an instance name", &e, 0, EINVAL,
		    true);
	CHECK(rawconf_dnsmasq_check("", 0) >= 0 && rawconf_dnsmasq_check("log-dhcp\n", 9) >= 0 &&
		      rawconf_dnsmasq_check("a\0b", 3) < 0 && rawconf_dnsmasq_check("A=1", 3) < 0 &&
		      rawconf_dnsmasq_check("no-such-option=1", 16) < 0,
	      "decode: raw.dnsmasq lines: empty and allowed option lines pass; a NUL, an "
	      "uppercase key or an option moat does not allow do not");
	{
		ProtobufCBinaryData v4 = { 8, (uint8_t *)"10.0.0.1" },
				    v6 = { 7, (uint8_t *)"fd00::1" },
				    nul = { 9, (uint8_t *)"10.0.0.1\0" },
				    sp = { 9, (uint8_t *)" 10.0.0.1" },
				    name = { 9, (uint8_t *)"localhost" }, none = { 0, NULL };
		uint8_t a[16];
		int fam = 0;

		CHECK(ph_check_ip(&v4, 0, &fam, a) == 0 && fam == AF_INET && a[0] == 10 &&
			      a[3] == 1 && a[4] == 0 && ph_check_ip(&v6, 0, &fam, a) == 0 &&
			      fam == AF_INET6 && a[0] == 0xfd && a[15] == 1,
		      "decode: ph_check_ip: either family, told which");
		CHECK(ph_check_ip(&v4, AF_INET6, NULL, a) < 0 &&
			      ph_check_ip(&v6, AF_INET, NULL, a) < 0 &&
			      ph_check_ip(&nul, 0, &fam, a) < 0 &&
			      ph_check_ip(&sp, 0, &fam, a) < 0 &&
			      ph_check_ip(&name, 0, &fam, a) < 0 &&
			      ph_check_ip(&none, 0, &fam, a) < 0,
		      "decode: ph_check_ip: the other family, a NUL, a space, a name and nothing are "
		      "refused");
	}
}

/* ---- nics: instance_start's repeated Nic ---- */

static void nic_base(Ph__Nic *n)
{
	ph__nic__init(n);
	n->device = str("eth0");
	n->type = PH__NIC_TYPE__NIC_TYPE_BRIDGED;
	n->ifname = str("eth0");
	n->parent = str("mtbr0");
	n->host_name = str("veth1234abcd");
	n->hwaddr = 0x00163e010203ull;
}

/* A start with the one nic n (nic_base's). */
static void start_one_nic(Ph__InstanceStartRequest *s, Ph__InstanceConfig *cfg, Ph__Nic *n,
			  Ph__Nic **nics)
{
	start_base(s, cfg);
	nic_base(n);
	nics[0] = n;
	s->nics = nics;
	s->n_nics = 1;
}

static void nic_checks(void)
{
	static ProtobufCBinaryData v4[] = { { 8, (uint8_t *)"10.0.0.5" } };
	static ProtobufCBinaryData v6[] = { { 11, (uint8_t *)"fd00:1::abc" } };
	Ph__InstanceStartRequest s;
	Ph__InstanceConfig cfg;
	Ph__Nic n, n2, *nics[PH_NICS_MAX + 1];
	struct enc e = { .n = 0 };
	union ph_typed t;
	Ph__Request *req;
	static const struct {
		const char *what, *field, *value;
	} bad_text[] = {
		{ "ifname with a slash", "ifname", "eth/0" },
		{ "ifname of 16 bytes", "ifname", "eth0123456789abc" },
		{ "ifname with a newline", "ifname", "eth0\nlxc.hook" },
		{ "ifname with a space", "ifname", "eth 0" },
		{ "ifname with '='", "ifname", "a=b" },
		{ "empty ifname", "ifname", "" },
		{ "ifname starting with '-'", "ifname", "-eth0" },
		{ "parent with a colon", "parent", "br:0" },
		{ "empty parent on a bridged nic", "parent", "" },
		{ "host_name of 16 bytes", "host_name", "veth0123456789ab" },
		{ "host_name with a newline", "host_name", "v\n" },
		{ "device with a slash", "device", "a/b" },
		{ "empty device", "device", "" },
	};

	for (size_t i = 0; i < sizeof(bad_text) / sizeof(bad_text[0]); i++) {
		char what[128];

		start_one_nic(&s, &cfg, &n, nics);
		if (strcmp(bad_text[i].field, "ifname") == 0)
			n.ifname = str(bad_text[i].value);
		else if (strcmp(bad_text[i].field, "parent") == 0)
			n.parent = str(bad_text[i].value);
		else if (strcmp(bad_text[i].field, "host_name") == 0)
			n.host_name = str(bad_text[i].value);
		else
			n.device = str(bad_text[i].value);
		build_op(&e, 70, PH__REQUEST__OP_INSTANCE_START, &s);
		snprintf(what, sizeof(what), "instance_start nic: %s", bad_text[i].what);
		refused_enc(what, &e, 0, EINVAL, true);
	}
	{
		static const struct {
			const char *what;
			int kind; /* 0 type, 1 hwaddr, 2 mtu, 3 filter on p2p, 4 v4 without
				     filtering, 5 bad v4 text, 6 parent on p2p, 7 host_name on
				     macvlan, 8 filtering without host_name, 9 v6 as v4,
				     10 a limit on p2p, 11 ingress v */
			uint64_t v;
			int want;
		} bad[] = {
			{ "type 0", 0, 0, EINVAL },
			{ "type 5 (undeclared: the generic walk)", 0, 5, EPROTO },
			{ "a multicast hwaddr", 1, 0x01005e000001ull, EINVAL },
			{ "a hwaddr over 48 bits", 1, 0x1000000000000ull, EINVAL },
			{ "mtu 67", 2, 67, ERANGE },
			{ "mtu 65536", 2, 65536, ERANGE },
			{ "mac filtering on a p2p nic", 3, 0, EINVAL },
			{ "ipv4 addresses without ipv4 filtering", 4, 0, EINVAL },
			{ "an ipv4 address that is not one", 5, 0, EINVAL },
			{ "a parent on a p2p nic", 6, 0, EINVAL },
			{ "a host_name on a macvlan nic", 7, 0, EINVAL },
			{ "filtering without a host end", 8, 0, EINVAL },
			{ "an IPv6 address as ipv4", 9, 0, EINVAL },
			{ "a limit on a p2p nic", 10, 0, EINVAL },
			{ "a limit over 2^40 bytes a second", 11, (1ull << 40) + 1, ERANGE },
		};
		static ProtobufCBinaryData bad_v4[] = { { 9, (uint8_t *)"10.0.0.05" } };
		static ProtobufCBinaryData v6_as_v4[] = { { 11, (uint8_t *)"fd00:1::abc" } };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char what[128];

			start_one_nic(&s, &cfg, &n, nics);
			switch (bad[i].kind) {
			case 0:
				n.type = (Ph__NicType)bad[i].v;
				break;
			case 1:
				n.hwaddr = bad[i].v;
				break;
			case 2:
				n.mtu = (uint32_t)bad[i].v;
				break;
			case 3:
				n.type = PH__NIC_TYPE__NIC_TYPE_P2P;
				n.parent = str("");
				n.mac_filtering = true;
				break;
			case 4:
				n.ipv4 = v4, n.n_ipv4 = 1;
				break;
			case 5:
				n.ipv4_filtering = true;
				n.ipv4 = bad_v4, n.n_ipv4 = 1;
				break;
			case 6:
				n.type = PH__NIC_TYPE__NIC_TYPE_P2P;
				break;
			case 7:
				n.type = PH__NIC_TYPE__NIC_TYPE_MACVLAN;
				break;
			case 8:
				n.host_name = str("");
				n.mac_filtering = true;
				break;
			case 9:
				n.ipv4_filtering = true;
				n.ipv4 = v6_as_v4, n.n_ipv4 = 1;
				break;
			case 10:
				n.type = PH__NIC_TYPE__NIC_TYPE_P2P;
				n.parent = str("");
				n.egress = 1000;
				break;
			case 11:
				n.ingress = bad[i].v;
				break;
			}
			build_op(&e, 71, PH__REQUEST__OP_INSTANCE_START, &s);
			snprintf(what, sizeof(what), "instance_start nic: %s", bad[i].what);
			refused_enc(what, &e, 0, bad[i].want, true);
		}
	}
	/* one name inside, one device, one host end each; at most PH_NICS_MAX */
	start_base(&s, &cfg);
	nic_base(&n);
	nic_base(&n2);
	n2.device = str("eth1");
	n2.host_name = str("veth2");
	nics[0] = &n, nics[1] = &n2;
	s.nics = nics;
	s.n_nics = 2;
	build_op(&e, 72, PH__REQUEST__OP_INSTANCE_START, &s);
	refused_enc("instance_start: two nics named eth0 inside", &e, 0, EINVAL, true);
	n2.ifname = str("eth1");
	n2.host_name = str("veth1234abcd");
	build_op(&e, 72, PH__REQUEST__OP_INSTANCE_START, &s);
	refused_enc("instance_start: two nics with one host end", &e, 0, EINVAL, true);
	n2.host_name = str("veth2");
	n2.device = str("eth0");
	build_op(&e, 72, PH__REQUEST__OP_INSTANCE_START, &s);
	refused_enc("instance_start: two nics of one device", &e, 0, EINVAL, true);
	for (size_t k = 0; k <= PH_NICS_MAX; k++)
		nics[k] = &n;
	s.n_nics = PH_NICS_MAX + 1;
	build_op(&e, 73, PH__REQUEST__OP_INSTANCE_START, &s);
	refused_enc("instance_start with 17 nics", &e, 0, E2BIG, true);

	/* accepted: what the handler and the renderer get */
	start_base(&s, &cfg);
	nic_base(&n);
	n.mtu = 1400;
	n.mac_filtering = n.ipv4_filtering = n.ipv6_filtering = true;
	n.ipv4 = v4, n.n_ipv4 = 1;
	n.ipv6 = v6, n.n_ipv6 = 1;
	n.ingress = 1250000;
	n.egress = 1ull << 40;
	nic_base(&n2);
	n2.device = str("p");
	n2.type = PH__NIC_TYPE__NIC_TYPE_P2P;
	n2.ifname = str("eth1.5_x");
	n2.parent = str("");
	n2.host_name = str("");
	n2.hwaddr = 0;
	nics[0] = &n, nics[1] = &n2;
	s.nics = nics;
	s.n_nics = 2;
	build_op(&e, 74, PH__REQUEST__OP_INSTANCE_START, &s);
	req = accepted("instance_start with a filtered bridged nic and a p2p one", &e, 0,
		       PH__REQUEST__OP_INSTANCE_START, &t);
	if (req) {
		const struct ph_nic *a = &t.instance_start.nics[0], *b = &t.instance_start.nics[1];
		static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };
		static const uint8_t ip4[4] = { 10, 0, 0, 5 };

		CHECK(t.instance_start.nnics == 2 && a->type == PH_NIC_BRIDGED &&
			      strcmp(a->device, "eth0") == 0 && strcmp(a->parent, "mtbr0") == 0 &&
			      strcmp(a->host_name, "veth1234abcd") == 0 && a->has_hwaddr &&
			      memcmp(a->hwaddr, mac, 6) == 0 && a->mtu == 1400 &&
			      a->mac_filtering && a->ipv4_filtering && a->ipv6_filtering &&
			      a->n_ipv4 == 1 && memcmp(a->ipv4[0], ip4, 4) == 0 && a->n_ipv6 == 1 &&
			      a->ipv6[0][0] == 0xfd && a->ipv6[0][15] == 0xbc &&
			      a->ingress == 1250000 && a->egress == 1ull << 40,
		      "decode: instance_start: a bridged nic's fields as typed values");
		CHECK(b->type == PH_NIC_P2P && strcmp(b->ifname, "eth1.5_x") == 0 &&
			      b->parent[0] == '\0' && b->host_name[0] == '\0' && !b->has_hwaddr &&
			      b->mtu == 0 && !b->mac_filtering,
		      "decode: instance_start: a p2p nic without parent, host end or hwaddr");
		ph__request__free_unpacked(req, NULL);
	}
}

void test_decode(void)
{
	bad_frames();
	bad_envelopes();
	bad_requests();
	good_requests();
	bad_image_unpack();
	bad_instance_ops();
	bad_file_op();
	bad_exec_start();
	good_new_ops();
	limits_checks();
	network_checks();
	nic_checks();
	fd_checks();
	proxy_checks();
	storage_checks();
	mutants();
	CHECK(all_untouched, "decode: every refusal left ret_req, ret_op and ret_typed untouched");
}
