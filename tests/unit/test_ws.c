// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for websocket framing (common/ws.c) and the frontend's
 * websocket connections (frontend/core/websocket.c). The framing part checks
 * RFC 6455's own examples, every length form, masking both ways,
 * fragmentation, "need more" at every cut, and a table of bad frames. The
 * connection part runs fe_ws_serve_fd() on one end of a socketpair and
 * plays the client on the other: keepalive, echo, pings, the close
 * handshake both ways, protocol errors, abort and concurrent senders.
 * Run by the test runner with no privilege; all bytes are the tests' own.
 */
#include <errno.h>
#include <gnutls/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/websocket.h"
#include "lxd/ws.h"
#include "t.h"

static const uint8_t rfc_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

static int sha1(const void *data, size_t len, uint8_t ret[20])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA1, data, len, ret) < 0 ? -EIO : 0;
}

static bool parse_one(bool server, const uint8_t *buf, size_t len, struct ws_frame *f, size_t *used)
{
	struct ws_parser p = { .expect_masked = server, .max_message = 1 << 20 };

	return ws_parse(&p, buf, len, f, used) == 1;
}

/* ---- handshake ------------------------------------------------------------------ */

static void test_handshake(void)
{
	char accept[WS_ACCEPT_LEN + 1] = "";
	char key[WS_KEY_LEN + 1], key2[WS_KEY_LEN + 1];
	char b[16];

	/* RFC 6455 §1.3 */
	CHECK(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", sha1, accept) == 0 &&
		      strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
	      "ws: the accept key of RFC 6455's example is s3pPLMBiTxaQ9kYGzzhZRbK+xOo= (got %s)",
	      accept);
	CHECK(ws_key_valid("dGhlIHNhbXBsZSBub25jZQ=="), "ws: RFC 6455's example key is valid");
	static const char *const bad[] = {
		"",
		"dGhlIHNhbXBsZSBub25jZQ",     /* no padding */
		"dGhlIHNhbXBsZSBub25jZQ=",    /* short padding */
		"dGhlIHNhbXBsZSBub25jZQ===",  /* too long */
		"dGhlIHNhbXBsZSBub25jZR==",   /* 4 stray bits set: not canonical */
		"dGhlIHNhbXBsZSBub25j*Q==",   /* not base64 */
		"dGhlIHNhbXBsZSBub25jZQ==\n", /* trailing junk */
		"dGhlIHNhbXBs ZSBub25jZQ==",
		"aGVsbG8=", /* base64, but of 5 bytes */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!ws_key_valid(bad[i]), "ws: Sec-WebSocket-Key \"%s\" is refused", bad[i]);
	CHECK(!ws_key_valid(NULL), "ws: a missing Sec-WebSocket-Key is refused");
	CHECK(ws_accept_key("nope", sha1, accept) == -EINVAL,
	      "ws: no accept key is computed for a bad key");
	CHECK(ws_client_key(key) == 0 && ws_key_valid(key) && ws_client_key(key2) == 0 &&
		      strcmp(key, key2) != 0,
	      "ws: client keys are valid and random (%s, %s)", key, key2);
	ws_base64((const uint8_t *)"foobar", 6, b);
	CHECK(strcmp(b, "Zm9vYmFy") == 0, "ws: base64(\"foobar\") (RFC 4648 vector)");
	ws_base64((const uint8_t *)"fooba", 5, b);
	CHECK(strcmp(b, "Zm9vYmE=") == 0, "ws: base64(\"fooba\")");
	ws_base64((const uint8_t *)"f", 1, b);
	CHECK(strcmp(b, "Zg==") == 0, "ws: base64(\"f\")");
}

/* ---- RFC 6455 §5.7 examples ----------------------------------------------------------- */

static void test_rfc_examples(void)
{
	static const uint8_t text[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					  0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t frag[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f };
	static const uint8_t ping[] = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const uint8_t pong[] = { 0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	struct ws_parser cp = { .expect_masked = false, .max_message = 100 };
	struct ws_frame f;
	uint8_t out[16], *built = NULL;
	size_t used = 0, blen = 0;
	int r;

	CHECK(parse_one(false, text, sizeof(text), &f, &used) && used == 7 && f.fin &&
		      f.opcode == WS_OP_TEXT && f.payload_len == 5 &&
		      memcmp(f.payload, "Hello", 5) == 0,
	      "ws: RFC 6455 unmasked \"Hello\" parses");
	CHECK(parse_one(true, masked, sizeof(masked), &f, &used) && used == 11 && f.masked,
	      "ws: RFC 6455 masked \"Hello\" parses");
	ws_payload_copy(&f, out);
	CHECK(memcmp(out, "Hello", 5) == 0, "ws: RFC 6455 masked \"Hello\" unmasks");
	CHECK(ws_build(WS_OP_TEXT, true, "Hello", 5, NULL, &built, &blen) == 0 &&
		      blen == sizeof(text) && memcmp(built, text, blen) == 0,
	      "ws: building unmasked \"Hello\" gives RFC 6455's bytes");
	free(built);
	CHECK(ws_build(WS_OP_TEXT, true, "Hello", 5, rfc_key, &built, &blen) == 0 &&
		      blen == sizeof(masked) && memcmp(built, masked, blen) == 0,
	      "ws: building masked \"Hello\" with key 37fa213d gives RFC 6455's bytes");
	free(built);

	r = ws_parse(&cp, frag, sizeof(frag), &f, &used);
	CHECK(r == 1 && used == 5 && !f.fin && f.opcode == WS_OP_TEXT &&
		      cp.msg_opcode == WS_OP_TEXT,
	      "ws: RFC 6455 fragmented \"Hel\" opens a text message");
	r = ws_parse(&cp, frag + 5, sizeof(frag) - 5, &f, &used);
	CHECK(r == 1 && used == 4 && f.fin && f.opcode == WS_OP_CONT &&
		      f.msg_opcode == WS_OP_TEXT && memcmp(f.payload, "lo", 2) == 0 &&
		      cp.msg_opcode == 0 && cp.msg_len == 0,
	      "ws: RFC 6455 fragmented \"lo\" closes it");
	CHECK(parse_one(false, ping, sizeof(ping), &f, &used) && f.opcode == WS_OP_PING &&
		      f.payload_len == 5,
	      "ws: RFC 6455 unmasked ping parses");
	CHECK(parse_one(true, pong, sizeof(pong), &f, &used) && f.opcode == WS_OP_PONG,
	      "ws: RFC 6455 masked pong parses");
}

/* ---- length forms, round trips, need more ----------------------------------------------- */

static void test_lengths(void)
{
	static const size_t lens[] = { 0, 1, 125, 126, 127, 255, 256, 65535, 65536, 100000 };
	uint8_t hdr[WS_HEADER_MAX];

	CHECK(ws_header(hdr, WS_OP_BINARY, true, 125, NULL) == 2 && hdr[1] == 125,
	      "ws: 125 bytes take the 7-bit form");
	CHECK(ws_header(hdr, WS_OP_BINARY, true, 126, NULL) == 4 && hdr[1] == 126 && hdr[2] == 0 &&
		      hdr[3] == 126,
	      "ws: 126 bytes take the 16-bit form");
	CHECK(ws_header(hdr, WS_OP_BINARY, true, 256, NULL) == 4 && hdr[0] == 0x82 &&
		      hdr[1] == 0x7e && hdr[2] == 0x01 && hdr[3] == 0x00,
	      "ws: 256 bytes: 82 7e 01 00 (RFC 6455 §5.7)");
	CHECK(ws_header(hdr, WS_OP_BINARY, true, 65535, NULL) == 4,
	      "ws: 65535 bytes take the 16-bit form");
	CHECK(ws_header(hdr, WS_OP_BINARY, true, 65536, NULL) == 10 && hdr[1] == 0x7f &&
		      memcmp(hdr + 2, "\0\0\0\0\0\1\0\0", 8) == 0,
	      "ws: 64 KiB: 82 7f 00 00 00 00 00 01 00 00 (RFC 6455 §5.7)");
	CHECK(ws_header(hdr, WS_OP_BINARY, true, 65536, rfc_key) == 14 && (hdr[1] & 0x80) &&
		      memcmp(hdr + 10, rfc_key, 4) == 0,
	      "ws: a masked 64-bit header is 14 bytes, key last");

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (int m = 0; m < 2; m++) {
			size_t n = lens[i], blen = 0, used = 0;
			uint8_t *payload = malloc(n + 1), *built = NULL, *out = malloc(n + 1);
			struct ws_parser p = { .expect_masked = m, .max_message = 1 << 20 };
			struct ws_frame f;
			bool cuts_ok = true;
			int r;

			for (size_t k = 0; k < n; k++)
				payload[k] = (uint8_t)(k * 7 + 3);
			r = ws_build(WS_OP_BINARY, true, payload, n, m ? rfc_key : NULL, &built,
				     &blen);
			if (!CHECK(r == 0, "ws: build %zu bytes %s", n,
				   m ? "masked" : "unmasked")) {
				free(payload);
				free(out);
				continue;
			}
			/* every cut short of the whole frame is "need more", state untouched */
			for (size_t cut = 0; cut < blen; cut += (cut < 20 ? 1 : 997)) {
				r = ws_parse(&p, built, cut, &f, &used);
				if (r != 0 || p.msg_opcode != 0 ||
				    (cut >= (size_t)(blen - n) && used != blen))
					cuts_ok = false;
			}
			CHECK(cuts_ok, "ws: %zu bytes %s: every prefix is \"need more\"", n,
			      m ? "masked" : "unmasked");
			r = ws_parse(&p, built, blen, &f, &used);
			if (r == 1)
				ws_payload_copy(&f, out);
			CHECK(r == 1 && used == blen && f.payload_len == n && f.fin &&
				      f.opcode == WS_OP_BINARY && memcmp(out, payload, n) == 0,
			      "ws: %zu bytes %s round-trip", n, m ? "masked" : "unmasked");
			free(built);
			free(payload);
			free(out);
		}
	}
}

/* ---- fragmentation and limits ------------------------------------------------------------ */

static size_t put(uint8_t *buf, uint8_t op, bool fin, const char *payload, bool masked)
{
	size_t n = strlen(payload);
	size_t h = ws_header(buf, op, fin, n, masked ? rfc_key : NULL);

	memcpy(buf + h, payload, n);
	if (masked)
		ws_mask(buf + h, n, rfc_key, 0);
	return h + n;
}

static void test_fragments(void)
{
	struct ws_parser p = { .expect_masked = true, .max_message = 10 };
	struct ws_frame f;
	uint8_t buf[256];
	size_t used, n;
	int r;

	n = put(buf, WS_OP_BINARY, false, "abcd", true);
	r = ws_parse(&p, buf, n, &f, &used);
	CHECK(r == 1 && p.msg_opcode == WS_OP_BINARY && p.msg_len == 4,
	      "ws: a first fragment opens a binary message");
	n = put(buf, WS_OP_PING, true, "p", true);
	r = ws_parse(&p, buf, n, &f, &used);
	CHECK(r == 1 && f.opcode == WS_OP_PING && p.msg_len == 4,
	      "ws: a ping between fragments is fine and leaves the message open");
	n = put(buf, WS_OP_TEXT, true, "x", true);
	CHECK(ws_parse(&p, buf, n, &f, &used) == -EPROTO,
	      "ws: a new text message inside an open one is refused");
	n = put(buf, WS_OP_CONT, false, "efgh", true);
	r = ws_parse(&p, buf, n, &f, &used);
	CHECK(r == 1 && f.msg_opcode == WS_OP_BINARY && p.msg_len == 8,
	      "ws: a continuation adds to the message");
	n = put(buf, WS_OP_CONT, true, "ijk", true);
	CHECK(ws_parse(&p, buf, n, &f, &used) == -EMSGSIZE && p.msg_len == 8,
	      "ws: a continuation past the message cap is -EMSGSIZE (11 > 10)");
	n = put(buf, WS_OP_CONT, true, "ij", true);
	r = ws_parse(&p, buf, n, &f, &used);
	CHECK(r == 1 && f.fin && p.msg_opcode == 0 && p.msg_len == 0,
	      "ws: the last fragment ends the message at exactly the cap");
	n = put(buf, WS_OP_CONT, true, "x", true);
	CHECK(ws_parse(&p, buf, n, &f, &used) == -EPROTO,
	      "ws: a continuation with no message open is refused");
	n = put(buf, WS_OP_TEXT, true, "0123456789a", true);
	CHECK(ws_parse(&p, buf, 2, &f, &used) == -EMSGSIZE,
	      "ws: an oversized frame is refused from its first two bytes");
	n = put(buf, WS_OP_TEXT, true, "", true);
	r = ws_parse(&p, buf, n, &f, &used);
	CHECK(r == 1 && f.payload_len == 0 && f.opcode == WS_OP_TEXT && n == 6,
	      "ws: an empty text frame (exec's barrier) parses");
}

struct bad_frame {
	const char *what;
	bool server; /* parsing as the server (expects masked frames) */
	uint8_t bytes[16];
	size_t len;
	int err;
};

static void test_bad_frames(void)
{
	static const struct bad_frame bad[] = {
		{ "RSV1 set", false, { 0xc1, 0x00 }, 2, -EPROTO },
		{ "RSV2 set", false, { 0xa1, 0x00 }, 2, -EPROTO },
		{ "RSV3 set", false, { 0x91, 0x00 }, 2, -EPROTO },
		{ "opcode 3", false, { 0x83, 0x00 }, 2, -EPROTO },
		{ "opcode 7", false, { 0x87, 0x00 }, 2, -EPROTO },
		{ "opcode 0xb", false, { 0x8b, 0x00 }, 2, -EPROTO },
		{ "opcode 0xf", false, { 0x8f, 0x00 }, 2, -EPROTO },
		{ "an unmasked frame sent to a server", true, { 0x81, 0x00 }, 2, -EPROTO },
		{ "a masked frame sent to a client",
		  false,
		  { 0x81, 0x80, 1, 2, 3, 4 },
		  6,
		  -EPROTO },
		{ "a fragmented ping", false, { 0x09, 0x00 }, 2, -EPROTO },
		{ "a fragmented close", false, { 0x08, 0x00 }, 2, -EPROTO },
		{ "a 126-byte ping", false, { 0x89, 0x7e, 0x00, 0x7e }, 4, -EPROTO },
		{ "a pong with a 64-bit length", false, { 0x8a, 0x7f }, 2, -EPROTO },
		{ "a 16-bit length under 126", false, { 0x82, 0x7e, 0x00, 0x7d }, 4, -EPROTO },
		{ "a 64-bit length under 65536",
		  false,
		  { 0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff },
		  10,
		  -EPROTO },
		{ "a 64-bit length with the top bit set",
		  false,
		  { 0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0 },
		  10,
		  -EPROTO },
		{ "a continuation first", false, { 0x80, 0x00 }, 2, -EPROTO },
		{ "a 2^62-byte frame",
		  false,
		  { 0x82, 0x7f, 0x40, 0, 0, 0, 0, 0, 0, 0 },
		  10,
		  -EMSGSIZE },
		{ "a 2 MiB frame",
		  false,
		  { 0x82, 0x7f, 0, 0, 0, 0, 0, 0x20, 0, 0 },
		  10,
		  -EMSGSIZE },
	};
	char esc[T_ESC_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ws_parser p = { .expect_masked = bad[i].server, .max_message = 1 << 20 };
		struct ws_frame f;
		size_t used = 99;
		int r = ws_parse(&p, bad[i].bytes, bad[i].len, &f, &used);

		CHECK(r == bad[i].err && p.msg_opcode == 0,
		      "ws: %s (%s) is refused with %s (got %d)", bad[i].what,
		      t_escape(esc, sizeof(esc), bad[i].bytes, bad[i].len),
		      bad[i].err == -EPROTO ? "-EPROTO" : "-EMSGSIZE", r);
	}
	{
		struct ws_parser p = { .expect_masked = false, .max_message = 1 << 20 };
		struct ws_frame f;
		size_t used;

		CHECK(ws_parse(&p, (const uint8_t *)"\x81", 1, &f, &used) == 0 && used == 0,
		      "ws: one byte is \"need more\"");
		CHECK(ws_parse(&p, (const uint8_t *)"\x82\x7e\x01", 3, &f, &used) == 0 && used == 0,
		      "ws: a cut 16-bit length is \"need more\"");
	}
	{
		uint8_t *b = NULL;
		size_t n;
		char big[126] = { 0 };

		CHECK(ws_build(WS_OP_PING, true, big, 126, NULL, &b, &n) == -EINVAL,
		      "ws: the builder refuses a 126-byte ping");
		CHECK(ws_build(WS_OP_CLOSE, false, "", 0, NULL, &b, &n) == -EINVAL,
		      "ws: the builder refuses a fragmented close");
		CHECK(ws_build(3, true, "", 0, NULL, &b, &n) == -EINVAL,
		      "ws: the builder refuses opcode 3");
	}
}

/* ---- close payloads, UTF-8 ------------------------------------------------------------------ */

static void test_close_utf8(void)
{
	static const struct {
		uint16_t code;
		bool ok;
	} codes[] = {
		{ 1000, true },  { 1001, true },  { 1002, true },   { 1003, true },
		{ 1007, true },  { 1011, true },  { 1014, true },   { 3000, true },
		{ 4999, true },  { 0, false },    { 999, false },   { 1004, false },
		{ 1005, false }, { 1006, false }, { 1015, false },  { 1016, false },
		{ 2999, false }, { 5000, false }, { 65535, false },
	};
	static const struct {
		const char *s;
		bool ok;
	} utf8[] = {
		{ "", true },
		{ "plain", true },
		{ "h\xc3\xa9llo", true },
		{ "\xe2\x82\xac", true },
		{ "\xf0\x9f\x90\xb3", true },
		{ "\xf4\x8f\xbf\xbf", true },
		{ "\xc0\x80", false },         /* overlong NUL */
		{ "\xe0\x80\xaf", false },     /* overlong '/' */
		{ "\xed\xa0\x80", false },     /* surrogate */
		{ "\xf4\x90\x80\x80", false }, /* > U+10FFFF */
		{ "\xe2\x82", false },         /* cut */
		{ "\x80", false },             /* lone continuation */
		{ "\xff", false },
		{ "a\xc3", false },
	};
	uint8_t pl[WS_CONTROL_MAX];
	char reason[200];
	uint16_t code = 0;
	size_t n;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		uint8_t b[2] = { (uint8_t)(codes[i].code >> 8), (uint8_t)codes[i].code };

		CHECK((ws_close_parse(b, 2, &code) == 0) == codes[i].ok, "ws: close code %u is %s",
		      codes[i].code, codes[i].ok ? "taken" : "refused");
	}
	CHECK(ws_close_parse(pl, 0, &code) == 0 && code == WS_CLOSE_NO_STATUS,
	      "ws: an empty close payload means 1005");
	CHECK(ws_close_parse((const uint8_t *)"\x03", 1, &code) == -EPROTO,
	      "ws: a 1-byte close payload is refused");
	CHECK(ws_close_parse((const uint8_t *)"\x03\xe8\xff", 3, &code) == -EPROTO,
	      "ws: a close reason that is not UTF-8 is refused");
	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		char esc[T_ESC_MAX];

		CHECK(ws_utf8_valid((const uint8_t *)utf8[i].s, strlen(utf8[i].s)) == utf8[i].ok,
		      "ws: UTF-8 \"%s\" is %s",
		      t_escape(esc, sizeof(esc), utf8[i].s, strlen(utf8[i].s)),
		      utf8[i].ok ? "valid" : "invalid");
	}
	n = ws_close_payload(pl, 1000, "bye");
	CHECK(n == 5 && pl[0] == 0x03 && pl[1] == 0xe8 && memcmp(pl + 2, "bye", 3) == 0,
	      "ws: close payload 1000 \"bye\"");
	memset(reason, 'a', sizeof(reason));
	reason[122] = '\xc3'; /* a 2-byte sequence straddling the 123-byte limit */
	reason[123] = '\xa9';
	reason[sizeof(reason) - 1] = '\0';
	n = ws_close_payload(pl, 1000, reason);
	CHECK(n == 124 && ws_close_parse(pl, n, &code) == 0,
	      "ws: a long close reason is cut to fit 125 bytes, at a UTF-8 boundary (%zu)", n);
}

/* ---- the frontend's connections, over a socketpair ---------------------------------------- */

struct srv {
	int fd;
	const uint8_t *extra;
	size_t extra_len;
	int keepalive_ms;
	size_t max_message;
	bool close_first; /* the handler starts a close itself */
	bool no_recv;     /* the handler returns at once */
	int end;          /* what fe_ws_recv() returned last */
	uint16_t peer_code;
	struct fe_ws *ws; /* a reference, for the test to use after */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool have_ws;
	pthread_t thread;
};

static void echo_handler(struct fe_ws *ws, void *data)
{
	struct srv *s = data;
	struct fe_ws_msg m;
	int r;

	if (s->keepalive_ms)
		fe_ws_set_keepalive(ws, s->keepalive_ms);
	if (s->max_message)
		fe_ws_set_max_message(ws, s->max_message);
	pthread_mutex_lock(&s->lock);
	s->ws = fe_ws_ref(ws);
	s->have_ws = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->no_recv)
		return;
	if (s->close_first)
		fe_ws_close(ws, WS_CLOSE_GOING_AWAY, "bye");
	while ((r = fe_ws_recv(ws, &m)) > 0)
		if (fe_ws_send(ws, m.opcode, m.data, m.len) < 0)
			break;
	s->end = r;
	s->peer_code = fe_ws_peer_close_code(ws);
}

static void *serve_thread(void *arg)
{
	struct srv *s = arg;

	fe_ws_serve_fd(s->fd, s->extra, s->extra_len, echo_handler, s);
	return NULL;
}

/* Start a server on a socketpair; returns the client's end, or -1. */
static int srv_start(struct srv *s)
{
	int sv[2];

	s->end = 99;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		CHECK(false, "ws: socketpair");
		return -1;
	}
	s->fd = sv[0];
	if (pthread_create(&s->thread, NULL, serve_thread, s) != 0) {
		close(sv[0]);
		close(sv[1]);
		CHECK(false, "ws: pthread_create");
		return -1;
	}
	return sv[1];
}

static struct fe_ws *srv_ws(struct srv *s)
{
	pthread_mutex_lock(&s->lock);
	while (!s->have_ws)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return s->ws;
}

static void srv_join(struct srv *s, int cfd)
{
	pthread_join(s->thread, NULL);
	if (s->ws)
		fe_ws_unref(s->ws);
	close(s->fd);
	if (cfd >= 0)
		close(cfd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
}

/* The client side: a masked frame. */
static bool cl_send(int fd, uint8_t op, bool fin, const void *data, size_t len)
{
	uint8_t key[4] = { 0xa1, 0xb2, 0xc3, 0xd4 }, *b = NULL;
	size_t n = 0;
	bool ok;

	if (ws_build(op, fin, data, len, key, &b, &n) < 0)
		return false;
	ok = send(fd, b, n, MSG_NOSIGNAL) == (ssize_t)n;
	free(b);
	return ok;
}

struct cl {
	int fd;
	struct ws_parser p;
	uint8_t buf[1 << 17];
	size_t len;
};

static void cl_init(struct cl *c, int fd)
{
	memset(&c->p, 0, sizeof(c->p));
	c->fd = fd;
	c->p.expect_masked = false;
	c->p.max_message = sizeof(c->buf);
	c->len = 0;
}

/* Read one server frame: 1 and op/payload (NUL-ended, into out), 0 on EOF/timeout, -1 bad. */
static int cl_read(struct cl *c, uint8_t *ret_op, uint8_t *out, size_t cap, size_t *ret_len,
		   int timeout_ms)
{
	for (;;) {
		struct ws_frame f;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		size_t used;
		ssize_t n;
		int r = ws_parse(&c->p, c->buf, c->len, &f, &used);

		if (r < 0)
			return -1;
		if (r == 1) {
			if (f.payload_len + 1 > cap)
				return -1;
			ws_payload_copy(&f, out);
			out[f.payload_len] = '\0';
			*ret_op = f.opcode;
			*ret_len = f.payload_len;
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			return 1;
		}
		if (poll(&p, 1, timeout_ms) <= 0)
			return 0;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n <= 0)
			return 0;
		c->len += (size_t)n;
	}
}

/* Expect a frame with opcode op (and payload, unless NULL). */
static bool cl_expect(struct cl *c, uint8_t op, const char *payload, size_t plen)
{
	static uint8_t out[1 << 17];
	uint8_t got = 0xff;
	size_t n = 0;

	if (cl_read(c, &got, out, sizeof(out), &n, 5000) != 1 || got != op)
		return false;
	return !payload || (n == plen && memcmp(out, payload, plen) == 0);
}

/* Expect a close frame with this code, then the end of the stream. */
static bool cl_expect_close(struct cl *c, uint16_t code)
{
	uint8_t out[WS_CONTROL_MAX + 1], op = 0;
	size_t n = 0;
	char tail;

	if (cl_read(c, &op, out, sizeof(out), &n, 5000) != 1 || op != WS_OP_CLOSE || n < 2 ||
	    (uint16_t)(out[0] << 8 | out[1]) != code)
		return false;
	return recv(c->fd, &tail, 1, 0) == 0;
}

static bool cl_eof(struct cl *c)
{
	uint8_t out[64], op;
	size_t n;

	return cl_read(c, &op, out, sizeof(out), &n, 5000) == 0;
}

static void test_conn_basics(void)
{
	struct srv s = { 0 };
	struct cl *c = malloc(sizeof(*c));
	uint8_t frame[64], *big;
	size_t n;
	int fd;

	/* a text frame already read with the handshake is handled first */
	n = 0;
	{
		uint8_t *b = NULL;
		size_t bl = 0;

		if (ws_build(WS_OP_TEXT, true, "early", 5, rfc_key, &b, &bl) == 0) {
			memcpy(frame, b, bl);
			n = bl;
		}
		free(b);
	}
	s.extra = frame;
	s.extra_len = n;
	fd = srv_start(&s);
	if (fd < 0 || !c) {
		free(c);
		return;
	}
	cl_init(c, fd);
	CHECK(cl_expect(c, WS_OP_PING, "keepalive", 9),
	      "ws conn: the first frame is a ping \"keepalive\"");
	CHECK(cl_expect(c, WS_OP_TEXT, "early", 5),
	      "ws conn: bytes read past the handshake are the first frame");
	CHECK(cl_send(fd, WS_OP_TEXT, true, "hello", 5) && cl_expect(c, WS_OP_TEXT, "hello", 5),
	      "ws conn: a text message is received (and echoed)");
	CHECK(cl_send(fd, WS_OP_BINARY, true, "\0\1\2", 3) &&
		      cl_expect(c, WS_OP_BINARY, "\0\1\2", 3),
	      "ws conn: a binary message is received");
	CHECK(cl_send(fd, WS_OP_TEXT, true, "", 0) && cl_expect(c, WS_OP_TEXT, "", 0),
	      "ws conn: an empty text frame (the exec barrier) is a message of length 0");
	CHECK(cl_send(fd, WS_OP_PING, true, "are you there", 13) &&
		      cl_expect(c, WS_OP_PONG, "are you there", 13),
	      "ws conn: a ping is answered with a pong carrying its payload");
	CHECK(cl_send(fd, WS_OP_PONG, true, "unasked", 7) &&
		      cl_send(fd, WS_OP_TEXT, false, "frag", 4) &&
		      cl_send(fd, WS_OP_PING, true, "mid", 3) &&
		      cl_send(fd, WS_OP_CONT, false, "men", 3) &&
		      cl_send(fd, WS_OP_CONT, true, "ted", 3) &&
		      cl_expect(c, WS_OP_PONG, "mid", 3) &&
		      cl_expect(c, WS_OP_TEXT, "fragmented", 10),
	      "ws conn: a fragmented message with a ping inside: pong first, then the whole");
	big = malloc(300000);
	if (big) {
		for (size_t i = 0; i < 300000; i++)
			big[i] = (uint8_t)i;
		CHECK(cl_send(fd, WS_OP_BINARY, false, big, 100000) &&
			      cl_send(fd, WS_OP_CONT, true, big + 100000, 20000) &&
			      cl_expect(c, WS_OP_BINARY, (const char *)big, 120000),
		      "ws conn: a 120000-byte message in two fragments");
		free(big);
	}
	CHECK(cl_send(fd, WS_OP_CLOSE, true, "\x03\xe8ok", 4) && cl_expect_close(c, 1000),
	      "ws conn: a close frame is answered with the same code, then the socket closes");
	srv_join(&s, fd);
	CHECK(s.end == 0 && s.peer_code == 1000,
	      "ws conn: the handler saw an orderly close (recv %d, peer code %u)", s.end,
	      s.peer_code);
	free(c);
}

/* One misbehaving client: send raw bytes, expect the close code and the handler's end. */
static void bad_client(const char *what, const void *bytes, size_t len, size_t max_message,
		       uint16_t code, int end)
{
	struct srv s = { .max_message = max_message };
	struct cl *c = malloc(sizeof(*c));
	int fd = srv_start(&s);

	if (fd < 0 || !c) {
		free(c);
		return;
	}
	cl_init(c, fd);
	cl_expect(c, WS_OP_PING, "keepalive", 9);
	CHECK(send(fd, bytes, len, MSG_NOSIGNAL) == (ssize_t)len && cl_expect_close(c, code),
	      "ws conn: %s: closed with %u", what, code);
	srv_join(&s, fd);
	CHECK(s.end == end, "ws conn: %s: the handler's recv returned %d (got %d)", what, end,
	      s.end);
	free(c);
}

static void test_conn_errors(void)
{
	uint8_t b[64], *built = NULL;
	size_t n = 0;

	bad_client("an unmasked frame", "\x81\x02hi", 4, 0, WS_CLOSE_PROTOCOL, -EPROTO);
	bad_client("reserved bits", "\xf1\x80\0\0\0\0", 6, 0, WS_CLOSE_PROTOCOL, -EPROTO);
	bad_client("garbage", "\xff\xff\xff\xff\xff\xff\xff\xff", 8, 0, WS_CLOSE_PROTOCOL, -EPROTO);
	bad_client("a frame over the cap", "\x82\xff\0\0\0\0\x7f\xff\xff\xff", 10, 0,
		   WS_CLOSE_TOO_BIG, -EMSGSIZE);
	if (ws_build(WS_OP_TEXT, true, "\xc0\x80", 2, rfc_key, &built, &n) == 0 && n < sizeof(b)) {
		memcpy(b, built, n);
		bad_client("a text message that is not UTF-8", b, n, 0, WS_CLOSE_BAD_DATA, -EILSEQ);
	}
	free(built);
	if (ws_build(WS_OP_BINARY, true, "0123456789", 10, rfc_key, &built, &n) == 0 &&
	    n < sizeof(b)) {
		memcpy(b, built, n);
		bad_client("a message over a handler's cap of 8", b, n, 8, WS_CLOSE_TOO_BIG,
			   -EMSGSIZE);
	}
	free(built);
	if (ws_build(WS_OP_CLOSE, true, "\x03\xed", 2, rfc_key, &built, &n) == 0 && n < sizeof(b)) {
		memcpy(b, built, n);
		bad_client("a close frame with code 1005", b, n, 0, WS_CLOSE_PROTOCOL, -EPROTO);
	}
	free(built);

	/* the peer goes away without a close frame */
	{
		struct srv s = { 0 };
		int fd = srv_start(&s);

		if (fd >= 0) {
			shutdown(fd, SHUT_WR);
			srv_join(&s, fd);
			CHECK(s.end == -ECONNRESET,
			      "ws conn: a peer that just goes away: -ECONNRESET (%d)", s.end);
		}
	}
}

static void test_conn_close_and_keepalive(void)
{
	struct cl *c = malloc(sizeof(*c));
	struct timespec t0, t1;
	int fd;

	if (!c)
		return;
	/* keepalive pings on the handler's interval */
	{
		struct srv s = { .keepalive_ms = 100 };

		fd = srv_start(&s);
		if (fd >= 0) {
			cl_init(c, fd);
			cl_expect(c, WS_OP_PING, "keepalive", 9);
			CHECK(cl_expect(c, WS_OP_PING, "keepalive", 9) &&
				      cl_expect(c, WS_OP_PING, "keepalive", 9),
			      "ws conn: keepalive pings keep coming on the interval");
			cl_send(fd, WS_OP_CLOSE, true, "", 0);
			CHECK(cl_expect_close(c, 1000),
			      "ws conn: an empty close frame is answered with 1000");
			srv_join(&s, fd);
			CHECK(s.end == 0 && s.peer_code == WS_CLOSE_NO_STATUS,
			      "ws conn: ... and the handler sees code 1005");
		}
	}
	/* the server closes first; the client answers */
	{
		struct srv s = { .close_first = true };

		fd = srv_start(&s);
		if (fd >= 0) {
			cl_init(c, fd);
			cl_expect(c, WS_OP_PING, "keepalive", 9);
			CHECK(cl_expect(c, WS_OP_CLOSE,
					"\x03\xe9"
					"bye",
					5),
			      "ws conn: fe_ws_close() sends the code and reason");
			CHECK(srv_ws(&s) && fe_ws_send_text(s.ws, "late", 4) == -EPIPE,
			      "ws conn: no data frame after our close frame (-EPIPE)");
			CHECK(fe_ws_close(s.ws, 1000, NULL) == -EALREADY,
			      "ws conn: a second close is -EALREADY");
			cl_send(fd, WS_OP_CLOSE, true, "\x03\xe9", 2);
			srv_join(&s, fd);
			CHECK(s.end == 0, "ws conn: the answer ends the handler's recv with 0 (%d)",
			      s.end);
		}
	}
	/* the server closes first; the client never answers (it does read) */
	{
		struct srv s = { .close_first = true };

		fd = srv_start(&s);
		if (fd >= 0) {
			cl_init(c, fd);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			cl_expect(c, WS_OP_PING, "keepalive", 9);
			cl_expect(c, WS_OP_CLOSE, NULL, 0);
			CHECK(cl_eof(c), "ws conn: after its close frame the server ends its side");
			srv_join(&s, -1);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			CHECK(s.end == -ETIMEDOUT && t1.tv_sec - t0.tv_sec <= 4,
			      "ws conn: an unanswered close times out in about %d ms (%d)",
			      FE_WS_CLOSE_WAIT_MS, s.end);
			close(fd);
		}
	}
	/* the handler returns without closing: the layer closes politely */
	{
		struct srv s = { .no_recv = true };
		struct fe_ws *keep;

		fd = srv_start(&s);
		if (fd >= 0) {
			keep = fe_ws_ref(srv_ws(&s));
			cl_init(c, fd);
			cl_expect(c, WS_OP_PING, "keepalive", 9);
			CHECK(cl_expect(c, WS_OP_CLOSE, "\x03\xe8", 2),
			      "ws conn: when the handler returns, a 1000 close frame is sent");
			cl_send(fd, WS_OP_CLOSE, true, "\x03\xe8", 2);
			CHECK(cl_eof(c), "ws conn: ... and after the answer the socket closes");
			srv_join(&s, fd);
			CHECK(fe_ws_send_binary(keep, "x", 1) == -EPIPE,
			      "ws conn: sending on a finished connection is -EPIPE, not a crash");
			fe_ws_unref(keep);
		}
	}
	free(c);
}

struct sender {
	struct fe_ws *ws;
	int id;
	int sent;
};

#define SENDERS 4
#define PER_SENDER 300

static void *sender_thread(void *arg)
{
	struct sender *sd = arg;
	uint8_t buf[5000];

	for (int i = 0; i < PER_SENDER; i++) {
		size_t len = 2 + (size_t)(i * 37 + sd->id * 11) % (sizeof(buf) - 2);

		memset(buf, 'a' + sd->id, len);
		buf[0] = (uint8_t)sd->id;
		buf[1] = (uint8_t)i;
		if (fe_ws_send_binary(sd->ws, buf, len) < 0)
			break;
		sd->sent++;
	}
	return NULL;
}

static void test_conn_concurrency(void)
{
	struct srv s = { 0 };
	struct cl *c = malloc(sizeof(*c));
	struct sender sd[SENDERS];
	pthread_t th[SENDERS];
	int next[SENDERS] = { 0 };
	bool ok = true, shape = true;
	static uint8_t out[8192];
	int fd, got = 0;

	fd = srv_start(&s);
	if (fd < 0 || !c) {
		free(c);
		return;
	}
	cl_init(c, fd);
	cl_expect(c, WS_OP_PING, "keepalive", 9);
	srv_ws(&s);
	for (int i = 0; i < SENDERS; i++) {
		sd[i] = (struct sender){ .ws = s.ws, .id = i };
		pthread_create(&th[i], NULL, sender_thread, &sd[i]);
	}
	/* ping while they send: the pong must come out whole, between frames */
	cl_send(fd, WS_OP_PING, true, "busy", 4);
	while (got < SENDERS * PER_SENDER + 1) {
		uint8_t op;
		size_t n;

		if (cl_read(c, &op, out, sizeof(out), &n, 5000) != 1) {
			ok = false;
			break;
		}
		got++;
		if (op == WS_OP_PONG) {
			shape = shape && n == 4 && memcmp(out, "busy", 4) == 0;
			continue;
		}
		if (op != WS_OP_BINARY || n < 2 || out[0] >= SENDERS ||
		    out[1] != (uint8_t)next[out[0]]) {
			shape = false;
			break;
		}
		for (size_t k = 2; k < n; k++)
			if (out[k] != 'a' + out[0])
				shape = false;
		next[out[0]]++;
	}
	for (int i = 0; i < SENDERS; i++)
		pthread_join(th[i], NULL);
	CHECK(ok && shape && got == SENDERS * PER_SENDER + 1,
	      "ws conn: %d threads x %d frames and a pong arrive whole and in each thread's order "
	      "(%d frames)",
	      SENDERS, PER_SENDER, got);
	/* abort: a blocked receiver returns, later sends fail */
	fe_ws_abort(s.ws);
	srv_join(&s, fd);
	CHECK(s.end == -ECANCELED, "ws conn: fe_ws_abort() ends a blocked fe_ws_recv() (%d)",
	      s.end);
	free(c);
}

void test_ws(void)
{
	test_handshake();
	test_rfc_examples();
	test_lengths();
	test_fragments();
	test_bad_frames();
	test_close_utf8();
	test_conn_basics();
	test_conn_errors();
	test_conn_close_and_keepalive();
	test_conn_concurrency();
}
