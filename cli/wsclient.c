// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the client side of a websocket (see wsclient.h): the upgrade
 * written by hand on the server's unix socket, the 101 answer checked
 * (SHA-1 of the key through gnutls), then common/ws.c's framing. Runs in
 * the client as the invoking user, no privilege. The server's bytes are
 * untrusted: the answer's headers are read up to CLI_WS_HEADER_MAX, an
 * error body up to CLI_JSON_MAX, and frames are parsed by ws_parse()
 * under CLI_WS_MESSAGE_MAX before any buffer is sized from them. Writes
 * to the socket may meet EPIPE: moat ignores SIGPIPE (main.c).
 */
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "cli.h"
#include "client.h"
#include "wsclient.h"

#define HANDSHAKE_TIMEOUT_MS 30000
#define READ_CHUNK 65536

/* ---- the answer to the upgrade ------------------------------------------------------------ */

/* Does the comma-separated header value v (of vlen bytes) hold token, in any case? */
static bool has_token(const char *v, size_t vlen, const char *token)
{
	size_t tl = strlen(token), i = 0;

	while (i < vlen) {
		size_t start, end;

		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < vlen && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end - start == tl && strncasecmp(v + start, token, tl) == 0)
			return true;
	}
	return false;
}

static bool name_is(const char *line, size_t nlen, const char *name)
{
	return strlen(name) == nlen && strncasecmp(line, name, nlen) == 0;
}

int cli_ws_reply_parse(const char *buf, size_t len, struct cli_ws_reply *ret)
{
	const char *end = NULL, *p, *line_end;
	struct cli_ws_reply r = { .content_length = -1 };

	for (size_t i = 0; i + 3 < len && i + 4 <= CLI_WS_HEADER_MAX; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
		    buf[i + 3] == '\n') {
			end = buf + i + 2; /* the end of the last header line's \r\n */
			break;
		}
	if (!end)
		return len >= CLI_WS_HEADER_MAX ? -EPROTO : 0;
	r.header_len = (size_t)(end - buf) + 2;

	/* "HTTP/1.1 101 Switching Protocols" */
	line_end = memchr(buf, '\r', (size_t)(end - buf));
	if (!line_end || line_end - buf < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[7] < '0' ||
	    buf[7] > '9' || buf[8] != ' ')
		return -EPROTO;
	for (int i = 9; i < 12; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -EPROTO;
	if (line_end - buf > 12 && buf[12] != ' ')
		return -EPROTO;
	r.status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');

	for (p = line_end + 2; p < end; p = line_end + 2) {
		const char *colon, *v;
		size_t vlen;

		line_end = memchr(p, '\r', (size_t)(end - p));
		if (!line_end || line_end[1] != '\n')
			return -EPROTO;
		colon = memchr(p, ':', (size_t)(line_end - p));
		if (!colon || colon == p)
			return -EPROTO;
		for (const char *q = p; q < colon; q++)
			if (*q <= ' ' || *q >= 0x7f)
				return -EPROTO;
		v = colon + 1;
		while (v < line_end && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(line_end - v);
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (name_is(p, (size_t)(colon - p), "Upgrade"))
			r.upgrade = has_token(v, vlen, "websocket");
		else if (name_is(p, (size_t)(colon - p), "Connection"))
			r.connection = has_token(v, vlen, "upgrade");
		else if (name_is(p, (size_t)(colon - p), "Sec-WebSocket-Accept"))
			snprintf(r.accept, sizeof(r.accept), "%.*s",
				 vlen <= WS_ACCEPT_LEN ? (int)vlen : 0, v);
		else if (name_is(p, (size_t)(colon - p), "Content-Length")) {
			int64_t n = 0;

			if (vlen == 0 || vlen > 12)
				return -EPROTO;
			for (size_t i = 0; i < vlen; i++) {
				if (v[i] < '0' || v[i] > '9')
					return -EPROTO;
				n = n * 10 + (v[i] - '0');
			}
			r.content_length = n;
		}
	}
	*ret = r;
	return 1;
}

/* ---- connection ----------------------------------------------------------------------------- */

static int sha1_gnutls(const void *data, size_t len, uint8_t ret[20])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA1, data, len, ret) == 0 ? 0 : -EIO;
}

void cli_ws_init(struct cli_ws *ws, int fd)
{
	memset(ws, 0, sizeof(*ws));
	ws->fd = fd;
	ws->parser.expect_masked = false; /* the server's frames are never masked */
	ws->parser.max_message = CLI_WS_MESSAGE_MAX;
}

void cli_ws_close(struct cli_ws *ws)
{
	if (ws->fd >= 0)
		close(ws->fd);
	free(ws->rx);
	free(ws->msg);
	cli_ws_init(ws, -EBADF);
}

/* Wait until fd is readable; -ETIMEDOUT after ms. */
static int wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&pfd, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* The body of a refused upgrade: the server's error text, as for any request. */
static int refused(int fd, const struct cli_ws_reply *reply, const char *extra, size_t extra_len)
{
	struct cli_resp resp = { .status = reply->status };
	__do_free char *body = NULL;
	size_t len = 0, want;
	int r;

	want = reply->content_length >= 0 && (uint64_t)reply->content_length <= CLI_JSON_MAX
		       ? (size_t)reply->content_length
		       : CLI_JSON_MAX;
	body = malloc(want + 1);
	if (!body)
		return cli_error(-ENOMEM, "out of memory");
	len = extra_len < want ? extra_len : want;
	memcpy(body, extra, len);
	while (len < want && wait_readable(fd, HANDSHAKE_TIMEOUT_MS) == 0) {
		ssize_t n = read(fd, body + len, want - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	r = cli_envelope_parse(body, len, &resp);
	if (r == 0) /* a 2xx that is not 101: still no websocket */
		r = cli_error(-EPROTO, "the server did not upgrade to a websocket (HTTP %ld)",
			      reply->status);
	cli_resp_free(&resp);
	return r;
}

int cli_ws_open(const struct cli_conn *c, const char *path, struct cli_ws *ret)
{
	char key[WS_KEY_LEN + 1], accept[WS_ACCEPT_LEN + 1];
	__do_free char *req = NULL, *buf = NULL;
	struct cli_ws_reply reply;
	size_t len = 0;
	int fd = -EBADF, r;

	r = ws_client_key(key);
	if (r == 0)
		r = ws_accept_key(key, sha1_gnutls, accept);
	if (r < 0)
		return cli_error(r, "websocket key: %s", strerror(-r));
	if (asprintf(&req,
		     "GET %s HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: moat " MOAT_VERSION
		     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
		     "Sec-WebSocket-Version: 13\r\n\r\n",
		     path, key) < 0) {
		req = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	buf = malloc(CLI_WS_HEADER_MAX);
	if (!buf)
		return cli_error(-ENOMEM, "out of memory");
	if (c->debug)
		fprintf(stderr, "DEBUG: websocket GET %s (%s)\n", path, c->socket);
	r = cli_conn_socket(c, &fd);
	if (r < 0)
		return r;
	r = cli_write_all(fd, req, strlen(req));
	if (r < 0) {
		close(fd);
		return cli_error(r, "cannot reach the server at %s: %s", c->socket, strerror(-r));
	}
	for (;;) {
		ssize_t n;

		r = cli_ws_reply_parse(buf, len, &reply);
		if (r != 0)
			break;
		r = wait_readable(fd, HANDSHAKE_TIMEOUT_MS);
		if (r < 0)
			break;
		n = read(fd, buf + len, CLI_WS_HEADER_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -ECONNRESET;
			break;
		}
		len += (size_t)n;
	}
	if (r < 0) {
		close(fd);
		if (r == -EPROTO)
			return cli_error(
				r, "the server's answer to the websocket upgrade is not HTTP");
		return cli_error(r, "websocket upgrade: %s", strerror(-r));
	}
	if (c->debug)
		fprintf(stderr, "DEBUG: websocket HTTP %ld\n", reply.status);
	if (reply.status != 101) {
		r = refused(fd, &reply, buf + reply.header_len, len - reply.header_len);
		close(fd);
		return r;
	}
	if (!reply.upgrade || !reply.connection || strcmp(reply.accept, accept) != 0) {
		close(fd);
		return cli_error(-EPROTO, "the server's websocket handshake is not valid");
	}
	cli_ws_init(ret, fd);
	ret->debug = c->debug;
	r = cli_ws_feed(ret, buf + reply.header_len, len - reply.header_len);
	if (r < 0) {
		cli_ws_close(ret);
		return cli_error(r, "websocket: %s", strerror(-r));
	}
	return 0;
}

int cli_ws_open_op(const struct cli_conn *c, const char *op_id, const char *secret,
		   struct cli_ws *ret)
{
	__do_free char *eid = cli_escape(op_id), *esecret = cli_escape(secret), *path = NULL;

	if (!eid || !esecret ||
	    asprintf(&path, "/1.0/operations/%s/websocket?secret=%s", eid, esecret) < 0) {
		path = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	return cli_ws_open(c, path, ret);
}

/* ---- frames ---------------------------------------------------------------------------------- */

int cli_ws_send(struct cli_ws *ws, uint8_t opcode, const void *data, size_t len)
{
	__do_free uint8_t *frame = NULL;
	uint8_t mask[4];
	size_t flen;
	int r;

	if (ws->close_sent || ws->fd < 0)
		return -EPIPE;
	r = ws_mask_key(mask);
	if (r == 0)
		r = ws_build(opcode, true, data, len, mask, &frame, &flen);
	if (r == 0)
		r = cli_write_all(ws->fd, frame, flen);
	if (r == 0 && opcode == WS_OP_CLOSE)
		ws->close_sent = true;
	return r;
}

int cli_ws_send_close(struct cli_ws *ws, uint16_t code, const char *reason)
{
	uint8_t payload[WS_CONTROL_MAX];
	size_t n;

	if (ws->close_sent)
		return 0;
	n = ws_close_payload(payload, code, reason);
	return cli_ws_send(ws, WS_OP_CLOSE, payload, n);
}

/* Make room for `more` bytes after rx_len, within what one frame can need. */
static int rx_reserve(struct cli_ws *ws, size_t more)
{
	if (more > CLI_WS_MESSAGE_MAX + WS_HEADER_MAX - ws->rx_len)
		return -EMSGSIZE;
	return buf_reserve(&ws->rx, &ws->rx_cap, ws->rx_len + more, READ_CHUNK,
			   CLI_WS_MESSAGE_MAX + WS_HEADER_MAX);
}

int cli_ws_feed(struct cli_ws *ws, const void *data, size_t len)
{
	int r;

	if (len == 0)
		return 0;
	r = rx_reserve(ws, len);
	if (r < 0)
		return r;
	memcpy(ws->rx + ws->rx_len, data, len);
	ws->rx_len += len;
	return 0;
}

int cli_ws_fill(struct cli_ws *ws)
{
	size_t room;
	ssize_t n;
	int r;

	if (ws->eof)
		return 0;
	/* at least a chunk, unless the buffer is as big as a frame can need */
	r = rx_reserve(ws, READ_CHUNK);
	if (r == -EMSGSIZE)
		r = rx_reserve(ws, 1);
	if (r < 0)
		return r;
	room = ws->rx_cap - ws->rx_len;
	do
		n = read(ws->fd, ws->rx + ws->rx_len, room);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? (ws->eof = true, 0) : -errno;
	if (n == 0) {
		ws->eof = true;
		return 0;
	}
	ws->rx_len += (size_t)n;
	return (int)(n > INT32_MAX ? INT32_MAX : n);
}

static void rx_consume(struct cli_ws *ws, size_t used)
{
	memmove(ws->rx, ws->rx + used, ws->rx_len - used);
	ws->rx_len -= used;
}

int cli_ws_next(struct cli_ws *ws, struct cli_ws_msg *ret)
{
	if (ws->msg_done) {
		ws->msg_len = 0;
		ws->msg_done = false;
	}
	for (;;) {
		struct ws_frame f;
		size_t used;
		int r = ws_parse(&ws->parser, ws->rx, ws->rx_len, &f, &used);

		if (r <= 0)
			return r;
		if (f.opcode == WS_OP_PING) {
			uint8_t payload[WS_CONTROL_MAX];

			ws_payload_copy(&f, payload);
			rx_consume(ws, used);
			if (!ws->close_sent)
				(void)cli_ws_send(ws, WS_OP_PONG, payload, f.payload_len);
			continue;
		}
		if (f.opcode == WS_OP_PONG) {
			rx_consume(ws, used);
			continue;
		}
		if (f.opcode == WS_OP_CLOSE) {
			uint16_t code = WS_CLOSE_NO_STATUS;
			uint8_t payload[WS_CONTROL_MAX];

			ws_payload_copy(&f, payload);
			rx_consume(ws, used);
			if (ws_close_parse(payload, f.payload_len, &code) < 0)
				return -EPROTO;
			ws->close_received = true;
			ws->close_code = code;
			/* answer with the same code, as RFC 6455 §5.5.1 asks */
			(void)cli_ws_send_close(
				ws, code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : code, "");
			*ret = (struct cli_ws_msg){ .opcode = WS_OP_CLOSE, .close_code = code };
			return 1;
		}
		/* a data frame: the parser has checked the message's total against the cap */
		if (ws->msg_len + f.payload_len > ws->msg_cap) {
			size_t cap = ws->msg_cap ? ws->msg_cap : READ_CHUNK;
			uint8_t *grown;

			while (cap < ws->msg_len + f.payload_len)
				cap *= 2;
			grown = realloc(ws->msg, cap);
			if (!grown)
				return -ENOMEM;
			ws->msg = grown;
			ws->msg_cap = cap;
		}
		if (f.payload_len) {
			ws_payload_copy(&f, ws->msg + ws->msg_len);
			ws->msg_len += f.payload_len;
		}
		rx_consume(ws, used);
		if (!f.fin)
			continue;
		ws->msg_done = true;
		*ret = (struct cli_ws_msg){ .opcode = f.msg_opcode,
					    .data = ws->msg_len ? ws->msg : (const uint8_t *)"",
					    .len = ws->msg_len };
		return 1;
	}
}

int cli_ws_recv(struct cli_ws *ws, struct cli_ws_msg *ret)
{
	for (;;) {
		int r = cli_ws_next(ws, ret);

		if (r != 0)
			return r;
		if (ws->eof)
			return 0;
		r = cli_ws_fill(ws);
		if (r < 0)
			return r;
	}
}
