/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6455 websocket framing as pure functions: the handshake keys, a
 * frame parser that returns one frame or "need more", and a frame builder.
 * Linked into moatd-api (frontend/core/websocket.c) and moat (the CLI), never
 * into moatd: the root helper never parses a websocket frame. No privilege
 * and no I/O (getrandom() only, for client masks and keys); the bytes
 * given to ws_parse() are untrusted and are checked before anything is
 * sized from them.
 *
 * SHA-1 is not implemented here: the caller passes its own (gnutls in the
 * frontend), so that the framing brings no crypto library of its own.
 */
#ifndef MOAT_WS_H
#define MOAT_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close status codes (RFC 6455 §7.4.1) that moat sends. */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_NO_STATUS = 1005, /* never on the wire: "the close frame had no code" */
	WS_CLOSE_BAD_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_INTERNAL = 1011,
};

#define WS_HEADER_MAX 14   /* 2 + 8 (64-bit length) + 4 (mask) */
#define WS_CONTROL_MAX 125 /* payload of a control frame */
#define WS_KEY_LEN 24      /* base64 of 16 bytes */
#define WS_ACCEPT_LEN 28   /* base64 of a SHA-1 */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- handshake ------------------------------------------------------------ */

/* The caller's SHA-1: 0 or a negative errno. */
typedef int (*ws_sha1_fn)(const void *data, size_t len, uint8_t ret[20]);

/* Is key a Sec-WebSocket-Key: base64 (with padding) of exactly 16 bytes? */
bool ws_key_valid(const char *key);

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + WS_GUID)). -EINVAL on a bad key. */
int ws_accept_key(const char *key, ws_sha1_fn sha1, char ret[static WS_ACCEPT_LEN + 1]);

/* A fresh random Sec-WebSocket-Key (client side). */
int ws_client_key(char ret[static WS_KEY_LEN + 1]);

/* Base64 (RFC 4648, padded) of len bytes into ret (4 * ceil(len / 3) + 1 bytes). */
void ws_base64(const uint8_t *data, size_t len, char *ret);

/* ---- parsing -------------------------------------------------------------- */

/*
 * One parser per direction of a connection. Set the first two fields, zero
 * the rest (a designated initializer does both). The parser keeps the
 * fragmentation state: which data message is open and how long it is so far.
 */
struct ws_parser {
	bool expect_masked;   /* true on a server (client frames are masked), false on a client */
	uint64_t max_message; /* limit on a data message, all its fragments together */
	/* state, updated only when a frame is returned */
	uint8_t msg_opcode; /* WS_OP_TEXT or WS_OP_BINARY while a fragmented message is open */
	uint64_t msg_len;
};

struct ws_frame {
	bool fin;
	uint8_t opcode;     /* as on the wire: WS_OP_CONT for a continuation */
	uint8_t msg_opcode; /* the data message it belongs to (TEXT/BINARY), or opcode */
	bool masked;
	uint8_t mask[4];
	size_t header_len;
	size_t payload_len;
	const uint8_t *payload; /* inside the buffer given to ws_parse(), still masked */
};

/*
 * Parse the frame at the start of buf[0..len).
 *   1          one whole frame: *ret_frame filled, *ret_used = its size in buf
 *   0          need more bytes; *ret_used = the size the whole frame needs, when
 *              the header is complete (else 0): a caller can grow its buffer
 *   -EPROTO    not a valid frame here: reserved bits or opcode, a control frame
 *              fragmented or over 125 bytes, wrong masking for the direction, a
 *              continuation with no message open or a new message inside one, a
 *              length not in its shortest form or with the top bit set
 *   -EMSGSIZE  the data message would exceed p->max_message (checked from the
 *              header alone, before the payload arrives)
 * *ret_used is always written; *ret_frame and the parser's state change only
 * when 1 is returned.
 */
int ws_parse(struct ws_parser *p, const uint8_t *buf, size_t len, struct ws_frame *ret_frame,
	     size_t *ret_used);

/* Copy a parsed frame's payload to dst (payload_len bytes), unmasking it. */
void ws_payload_copy(const struct ws_frame *f, uint8_t *dst);

/* XOR data with key, starting at key offset `offset` (for unmasking in pieces). */
void ws_mask(uint8_t *data, size_t len, const uint8_t key[static 4], size_t offset);

/*
 * A close frame's payload: empty (-> WS_CLOSE_NO_STATUS), or a code that
 * may appear on the wire followed by a UTF-8 reason. -EPROTO otherwise.
 */
int ws_close_parse(const uint8_t *payload, size_t len, uint16_t *ret_code);

/* Is data valid UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF)? */
bool ws_utf8_valid(const uint8_t *data, size_t len);

/* ---- building ------------------------------------------------------------- */

/*
 * Write a frame header for a payload of len bytes into ret; mask == NULL
 * for an unmasked (server) frame. Returns the header's length (2..14).
 */
size_t ws_header(uint8_t ret[static WS_HEADER_MAX], uint8_t opcode, bool fin, uint64_t len,
		 const uint8_t *mask);

/*
 * A whole frame in one malloc'ed buffer. mask: NULL = unmasked (a server's
 * frames), else the 4-byte key to mask with (a client's). -EINVAL for a
 * control frame over 125 bytes or not final, or an unknown opcode.
 */
int ws_build(uint8_t opcode, bool fin, const void *payload, size_t len, const uint8_t *mask,
	     uint8_t **ret_buf, size_t *ret_len);

/* A random masking key (client side). */
int ws_mask_key(uint8_t ret[static 4]);

/* A close frame's payload: code (big-endian) and reason, cut at a UTF-8 boundary to fit 125. */
size_t ws_close_payload(uint8_t ret[static WS_CONTROL_MAX], uint16_t code, const char *reason);

#endif
