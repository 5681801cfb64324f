/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Websocket connections in moatd-api (unprivileged): the upgrade of an
 * HTTP request (libmicrohttpd's 101 handover) and a small connection API
 * for handlers (events now, exec and console later). Frames come from
 * clients and are untrusted; they are parsed by common/ws.c.
 *
 * The shape of a handler:
 *
 *   static void on_ws(struct fe_ws *ws, void *data)   // the connection's own thread
 *   {
 *           struct fe_ws_msg m;
 *           int r;
 *
 *           while ((r = fe_ws_recv(ws, &m)) > 0)       // pings, pongs, close: handled
 *                   use(m.opcode, m.data, m.len);
 *           // r == 0: closed by the peer (or after our fe_ws_close), r < 0: error
 *   }                                                   // returning closes the connection
 *
 *   route handler:  return fe_ws_accept(req, resp, on_ws, data, free_data);
 *
 * Any other thread may call fe_ws_send*() / fe_ws_close() / fe_ws_abort()
 * on a connection it holds a reference to (fe_ws_ref()), before or after
 * the handler returned: once the connection is gone they fail with -EPIPE.
 */
#ifndef MOAT_FE_WEBSOCKET_H
#define MOAT_FE_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http.h"
#include "lxd/ws.h"

struct fe_ws;

/* Runs in the connection's thread from just after the 101 until it returns. */
typedef void (*fe_ws_handler)(struct fe_ws *ws, void *data);

/* Data messages from the peer (control frames never reach the handler). */
struct fe_ws_msg {
	enum ws_opcode opcode; /* WS_OP_TEXT or WS_OP_BINARY */
	uint8_t *data;         /* valid until the next fe_ws_recv(); NUL after the last byte */
	size_t len;            /* 0 for an empty frame: exec's end-of-stream barrier */
};

#define FE_WS_KEEPALIVE_MS 10000     /* LXD pings "keepalive" right away and every 10 s */
#define FE_WS_MAX_MESSAGE (1u << 20) /* default cap on a peer's message, fragments included */
#define FE_WS_CLOSE_WAIT_MS 2000     /* how long a close frame waits for its answer */

/*
 * In a route handler: check that req is a websocket handshake (GET,
 * Upgrade: websocket, Connection: upgrade, Sec-WebSocket-Version: 13, a
 * valid Sec-WebSocket-Key) and make resp the 101 that hands the connection
 * to fn(ws, data) in this connection's thread. Returns 0; on a bad
 * handshake resp is a 400 and -EINVAL is returned. Either way free_data
 * (may be NULL) is called on data exactly once: after fn has returned, or
 * as soon as it is known that fn will never run (bad handshake, client
 * gone before the 101). Must be the handler's last word on resp.
 */
int fe_ws_accept(struct fe_req *req, struct fe_resp *resp, fe_ws_handler fn, void *data,
		 void (*free_data)(void *));

/*
 * Serve a websocket on a connected socket (after the HTTP handshake):
 * sends the first keepalive ping, runs fn, then closes the websocket
 * (close frame, bounded wait for the answer). The caller closes fd after.
 * extra: bytes already read past the handshake. This is what the 101
 * handover runs; the unit tests run it on a socketpair.
 */
void fe_ws_serve_fd(int fd, const void *extra, size_t extra_len, fe_ws_handler fn, void *data);

/*
 * Send one data message as a single frame (server frames are unmasked):
 * any thread, serialized per connection by a mutex, blocking until the
 * kernel took it all. 0, or -EPIPE once the connection is closing or
 * gone, or another negative errno from the socket.
 */
int fe_ws_send(struct fe_ws *ws, enum ws_opcode opcode, const void *data, size_t len);
int fe_ws_send_text(struct fe_ws *ws, const char *text, size_t len);
int fe_ws_send_binary(struct fe_ws *ws, const void *data, size_t len);

/*
 * The next data message; only from the handler's thread. Answers pings,
 * swallows pongs, sends the keepalive ping every FE_WS_KEEPALIVE_MS.
 *   1             *ret_msg filled
 *   0             the peer sent a close frame (answered), or closed after ours
 *   -ECONNRESET   the peer went away without a close frame
 *   -EPROTO       a bad frame (a 1002 close frame was sent)
 *   -EMSGSIZE     a message over the limit (1009 sent)
 *   -EILSEQ       a text message that is not UTF-8 (1007 sent)
 *   -ETIMEDOUT    our close frame was not answered in FE_WS_CLOSE_WAIT_MS
 *   -ECANCELED    fe_ws_abort() was called
 * Once it returned <= 0 it keeps returning that.
 */
int fe_ws_recv(struct fe_ws *ws, struct fe_ws_msg *ret_msg);

/* Handler's thread, before the first fe_ws_recv(): limits. */
void fe_ws_set_max_message(struct fe_ws *ws, size_t max);
void fe_ws_set_keepalive(struct fe_ws *ws, int ms); /* <= 0: no keepalive pings */

/*
 * Any thread: send a close frame (after any frame in progress). No data
 * frame can follow; the handler's fe_ws_recv() returns 0 when the peer
 * answers. -EALREADY if a close frame was already sent, -EPIPE if gone.
 */
int fe_ws_close(struct fe_ws *ws, uint16_t code, const char *reason);

/*
 * Any thread, never blocks: drop the connection now (shutdown of the
 * socket, no close frame). Blocked fe_ws_send() and fe_ws_recv() return.
 */
void fe_ws_abort(struct fe_ws *ws);

/* The code of the peer's close frame, WS_CLOSE_NO_STATUS if none (yet). */
uint16_t fe_ws_peer_close_code(struct fe_ws *ws);

/* References, for threads that keep the connection beyond the handler. */
struct fe_ws *fe_ws_ref(struct fe_ws *ws);
void fe_ws_unref(struct fe_ws *ws);

/* ---- for http.c --------------------------------------------------------------- */

/* Queue the 101 answer for up on conn (a struct MHD_Connection). 0 or -EIO. */
int fe_ws_queue(void *conn, struct fe_ws_upgrade *up);
/* When the request is over (MHD's completion callback): frees up and its data. */
void fe_ws_upgrade_free(struct fe_ws_upgrade *up);

#endif
