/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: the client side of a websocket over the server's unix socket, for
 * exec, console and monitor. The HTTP/1.1 upgrade is written by hand on
 * cli_conn_socket()'s stream, the 101 answer is checked (status, Upgrade,
 * Connection, Sec-WebSocket-Accept by SHA-1 through gnutls), and then
 * common/ws.c frames every message: ours masked, the server's parsed under
 * a size cap, pings answered with pongs, a close answered with a close.
 * Runs in the client as the invoking user, no privilege. Every byte the
 * server sends is untrusted: the handshake answer is read up to
 * CLI_WS_HEADER_MAX, and frames through ws_parse() up to
 * CLI_WS_MESSAGE_MAX a message, checked from the header before anything
 * is sized from it.
 */
#ifndef MOAT_CLI_WSCLIENT_H
#define MOAT_CLI_WSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lxd/ws.h"

struct cli_conn;

#define CLI_WS_HEADER_MAX 16384        /* the server's 101 answer */
#define CLI_WS_MESSAGE_MAX (16u << 20) /* one data message */

struct cli_ws {
	int fd; /* -EBADF when closed */
	bool debug;
	struct ws_parser parser;
	uint8_t *rx; /* received bytes not yet parsed */
	size_t rx_len, rx_cap;
	uint8_t *msg; /* the data message being put together */
	size_t msg_len, msg_cap;
	bool msg_done;       /* msg was handed out: start afresh on the next call */
	bool eof;            /* the server's end of the stream is closed */
	bool close_received; /* the server's close frame came */
	bool close_sent;     /* ours went out: no frame may follow */
	uint16_t close_code;
};

/* One message from the server: WS_OP_TEXT, WS_OP_BINARY or WS_OP_CLOSE. */
struct cli_ws_msg {
	uint8_t opcode;
	const uint8_t *data; /* valid until the next cli_ws_next() */
	size_t len;
	uint16_t close_code; /* WS_OP_CLOSE */
};

/* What the server's answer to the upgrade says. */
struct cli_ws_reply {
	long status;
	size_t header_len;              /* the status line and headers, through the blank line */
	int64_t content_length;         /* -1: none given */
	bool upgrade;                   /* Upgrade: websocket */
	bool connection;                /* Connection: ... upgrade ... */
	char accept[WS_ACCEPT_LEN + 1]; /* Sec-WebSocket-Accept ("" if absent or too long) */
};

/*
 * Parse the answer to an upgrade request at the start of buf. Pure.
 *   1        the status line and headers are complete: *ret filled
 *   0        need more bytes
 *   -EPROTO  not an HTTP/1.x answer, a malformed header line, or headers
 *            over CLI_WS_HEADER_MAX
 */
int cli_ws_reply_parse(const char *buf, size_t len, struct cli_ws_reply *ret);

/*
 * Connect to the server and upgrade GET path (with its query) to a
 * websocket. A refusal records the server's error ("Error: ...").
 */
int cli_ws_open(const struct cli_conn *c, const char *path, struct cli_ws *ret);

/* An operation's websocket: /1.0/operations/<id>/websocket?secret=<secret>. */
int cli_ws_open_op(const struct cli_conn *c, const char *op_id, const char *secret,
		   struct cli_ws *ret);

/* A websocket with no connection, reading what cli_ws_feed() gives (the fuzzer, tests). */
void cli_ws_init(struct cli_ws *ws, int fd);
void cli_ws_close(struct cli_ws *ws);

/* One masked frame (blocking). -EPIPE once our close has gone out. */
int cli_ws_send(struct cli_ws *ws, uint8_t opcode, const void *data, size_t len);
static inline int cli_ws_send_text(struct cli_ws *ws, const char *s, size_t len)
{
	return cli_ws_send(ws, WS_OP_TEXT, s, len);
}
/* Our close frame: code and reason (cut to fit). Once only; later calls do nothing. */
int cli_ws_send_close(struct cli_ws *ws, uint16_t code, const char *reason);

/* Append bytes as if read from the socket: -EMSGSIZE past what one frame may need. */
int cli_ws_feed(struct cli_ws *ws, const void *data, size_t len);
/* One read() from the socket into the buffer: >0 bytes, 0 at the end (ws->eof), or -errno. */
int cli_ws_fill(struct cli_ws *ws);
/*
 * The next whole message in the buffer: 1 (*ret filled), 0 (need more:
 * cli_ws_fill), -EPROTO or -EMSGSIZE (the server broke the protocol).
 * Pings are answered and pongs dropped here; a close is answered and
 * returned.
 */
int cli_ws_next(struct cli_ws *ws, struct cli_ws_msg *ret);
/* Blocking: the next message, 0 when the stream ended without one, or <0. */
int cli_ws_recv(struct cli_ws *ws, struct cli_ws_msg *ret);

#endif
