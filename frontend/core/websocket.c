// SPDX-License-Identifier: Apache-2.0
/*
 * Websocket connections for moatd-api (see websocket.h): the handshake
 * check, the 101 handover through libmicrohttpd, and per-connection
 * sending (any thread, one frame at a time under a mutex), receiving (the
 * connection's own thread), ping/pong, keepalive and the close handshake.
 * Runs in moatd-api, unprivileged. Everything read from the socket is
 * untrusted; frames are parsed by common/ws.c under a message-size cap.
 *
 * Locking: send_lock serializes writes on the socket and may be held while
 * blocked in the kernel; st_lock guards the flags and the pending control
 * frames and is never held across I/O. A pong or keepalive ping that finds
 * send_lock taken is left pending and written by whoever holds it, right
 * after its frame, so the reading thread never waits on a slow writer.
 */
#include "core/websocket.h"
#include "buf.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "buf.h"
#include "core/http.h"

#define RX_INITIAL 4096

struct fe_ws {
	int fd; /* -EBADF once released */
	unsigned refs;
	pthread_mutex_t send_lock;
	pthread_mutex_t st_lock;
	/* under st_lock */
	bool dead;           /* released: fd must not be touched (send_lock also held) */
	bool aborted;        /* fe_ws_abort() */
	bool close_sent;     /* our close frame is on the wire: no frame may follow */
	bool close_received; /* the peer's close frame */
	uint16_t peer_code;
	uint8_t pong[WS_HEADER_MAX + WS_CONTROL_MAX]; /* pending control frames */
	size_t pong_len;
	uint8_t ping[WS_HEADER_MAX + WS_CONTROL_MAX];
	size_t ping_len;
	/* the handler's thread only */
	struct ws_parser parser;
	uint8_t *rx;
	size_t rx_off, rx_len, rx_cap;
	uint8_t *msg;
	size_t msg_len, msg_cap;
	int keepalive_ms;
	struct timespec next_ping;
	struct timespec close_deadline;
	int rx_end; /* what fe_ws_recv() returned when it ended, or 1 */
};

/* ---- time ------------------------------------------------------------------ */

static void mono_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static void ts_add_ms(struct timespec *ts, int ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds from now until ts, at least 0, at most INT_MAX-ish. */
static int ms_until(const struct timespec *ts)
{
	struct timespec now;
	long long ms;

	mono_now(&now);
	ms = (long long)(ts->tv_sec - now.tv_sec) * 1000 + (ts->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > 3600000 ? 3600000 : (int)ms;
}

/* ---- references --------------------------------------------------------------- */

struct fe_ws *fe_ws_ref(struct fe_ws *ws)
{
	__atomic_add_fetch(&ws->refs, 1, __ATOMIC_RELAXED);
	return ws;
}

void fe_ws_unref(struct fe_ws *ws)
{
	if (!ws || __atomic_sub_fetch(&ws->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	pthread_mutex_destroy(&ws->send_lock);
	pthread_mutex_destroy(&ws->st_lock);
	free(ws->rx);
	free(ws->msg);
	free(ws);
}

/* ---- writing -------------------------------------------------------------------- */

/* Write every byte of iov; the socket may be non-blocking. Caller holds send_lock. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w;

		if (fd < 0)
			return -EPIPE;
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			/* shutdown() by fe_ws_abort() wakes this with POLLHUP */
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Write the pending pong and ping, if any. Caller holds send_lock. */
static void flush_control_locked(struct fe_ws *ws)
{
	uint8_t buf[2 * (WS_HEADER_MAX + WS_CONTROL_MAX)];
	struct iovec iov;
	size_t n = 0;
	bool dead;

	pthread_mutex_lock(&ws->st_lock);
	dead = ws->dead || ws->aborted || ws->close_sent;
	if (!dead) {
		memcpy(buf, ws->pong, ws->pong_len);
		n = ws->pong_len;
		memcpy(buf + n, ws->ping, ws->ping_len);
		n += ws->ping_len;
	}
	ws->pong_len = ws->ping_len = 0;
	pthread_mutex_unlock(&ws->st_lock);
	if (n == 0)
		return;
	iov.iov_base = buf;
	iov.iov_len = n;
	(void)write_all(ws->fd, &iov, 1); /* a failure shows up in the next read */
}

static bool control_pending(struct fe_ws *ws)
{
	bool p;

	pthread_mutex_lock(&ws->st_lock);
	p = ws->pong_len > 0 || ws->ping_len > 0;
	pthread_mutex_unlock(&ws->st_lock);
	return p;
}

/* Write pending control frames unless someone else is writing (they will). */
static void kick_control(struct fe_ws *ws)
{
	while (control_pending(ws) && pthread_mutex_trylock(&ws->send_lock) == 0) {
		flush_control_locked(ws);
		pthread_mutex_unlock(&ws->send_lock);
	}
}

/* Queue a pong or a ping (one of each may wait; a newer one replaces the older). */
static void queue_control(struct fe_ws *ws, uint8_t opcode, const void *payload, size_t len)
{
	uint8_t *slot = opcode == WS_OP_PONG ? ws->pong : ws->ping;
	size_t h;

	pthread_mutex_lock(&ws->st_lock);
	h = ws_header(slot, opcode, true, len, NULL);
	if (len > 0)
		memcpy(slot + h, payload, len);
	if (opcode == WS_OP_PONG)
		ws->pong_len = h + len;
	else
		ws->ping_len = h + len;
	pthread_mutex_unlock(&ws->st_lock);
	kick_control(ws);
}

/* Send one frame; caller holds send_lock. A close frame sets close_sent first. */
static int send_frame_locked(struct fe_ws *ws, uint8_t opcode, const void *data, size_t len)
{
	uint8_t hdr[WS_HEADER_MAX];
	struct iovec iov[2];
	bool gone, twice;
	int r;

	pthread_mutex_lock(&ws->st_lock);
	gone = ws->dead || ws->aborted || ws->close_sent;
	twice = opcode == WS_OP_CLOSE && ws->close_sent;
	if (!gone && opcode == WS_OP_CLOSE) {
		ws->close_sent = true; /* no frame of anyone's may follow it */
		/* fe_ws_recv() waits this long for the answer */
		mono_now(&ws->close_deadline);
		ts_add_ms(&ws->close_deadline, FE_WS_CLOSE_WAIT_MS);
	}
	pthread_mutex_unlock(&ws->st_lock);
	if (gone)
		return twice ? -EALREADY : -EPIPE;
	iov[0].iov_base = hdr;
	iov[0].iov_len = ws_header(hdr, opcode, true, len, NULL);
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	r = write_all(ws->fd, iov, len > 0 ? 2 : 1);
	if (opcode == WS_OP_CLOSE && r == 0)
		/* the peer sees the end of our side: a polite one answers and closes */
		shutdown(ws->fd, SHUT_WR);
	return r;
}

int fe_ws_send(struct fe_ws *ws, enum ws_opcode opcode, const void *data, size_t len)
{
	int r;

	if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY)
		return -EINVAL;
	pthread_mutex_lock(&ws->send_lock);
	r = send_frame_locked(ws, (uint8_t)opcode, data, len);
	if (r == 0)
		flush_control_locked(ws);
	pthread_mutex_unlock(&ws->send_lock);
	kick_control(ws);
	return r;
}

int fe_ws_send_text(struct fe_ws *ws, const char *text, size_t len)
{
	return fe_ws_send(ws, WS_OP_TEXT, text, len);
}

int fe_ws_send_binary(struct fe_ws *ws, const void *data, size_t len)
{
	return fe_ws_send(ws, WS_OP_BINARY, data, len);
}

void fe_ws_abort(struct fe_ws *ws)
{
	pthread_mutex_lock(&ws->st_lock);
	if (!ws->aborted && !ws->dead)
		shutdown(ws->fd, SHUT_RDWR);
	ws->aborted = true;
	pthread_mutex_unlock(&ws->st_lock);
}

/* Take send_lock, but give up after ms: a writer stuck on a peer that does not read. */
static bool lock_send_within(struct fe_ws *ws, int ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	ts_add_ms(&dl, ms);
	return pthread_mutex_timedlock(&ws->send_lock, &dl) == 0;
}

int fe_ws_close(struct fe_ws *ws, uint16_t code, const char *reason)
{
	uint8_t payload[WS_CONTROL_MAX];
	size_t n = ws_close_payload(payload, code, reason);
	bool already;
	int r;

	pthread_mutex_lock(&ws->st_lock);
	already = ws->close_sent;
	pthread_mutex_unlock(&ws->st_lock);
	if (already)
		return -EALREADY;
	if (!lock_send_within(ws, FE_WS_CLOSE_WAIT_MS)) {
		fe_ws_abort(ws);
		return -ETIMEDOUT;
	}
	r = send_frame_locked(ws, WS_OP_CLOSE, payload, n);
	pthread_mutex_unlock(&ws->send_lock);
	return r;
}

uint16_t fe_ws_peer_close_code(struct fe_ws *ws)
{
	uint16_t c;

	pthread_mutex_lock(&ws->st_lock);
	c = ws->close_received ? ws->peer_code : WS_CLOSE_NO_STATUS;
	pthread_mutex_unlock(&ws->st_lock);
	return c;
}

/* ---- reading -------------------------------------------------------------------- */

void fe_ws_set_max_message(struct fe_ws *ws, size_t max)
{
	ws->parser.max_message = max;
}

void fe_ws_set_keepalive(struct fe_ws *ws, int ms)
{
	ws->keepalive_ms = ms;
	if (ms > 0) {
		mono_now(&ws->next_ping);
		ts_add_ms(&ws->next_ping, ms);
	}
}

/* End reading with r; for a protocol error tell the peer why first. */
static int rx_fail(struct fe_ws *ws, int r)
{
	uint16_t code = r == -EMSGSIZE ? WS_CLOSE_TOO_BIG
			: r == -EILSEQ ? WS_CLOSE_BAD_DATA
				       : WS_CLOSE_PROTOCOL;

	if (r == -EPROTO || r == -EMSGSIZE || r == -EILSEQ)
		(void)fe_ws_close(ws, code, NULL);
	ws->rx_end = r;
	return r;
}

/* Make room for a frame of `need` bytes (0: unknown yet) after rx_off. */
static int rx_room(struct fe_ws *ws, size_t need)
{
	size_t have = ws->rx_len - ws->rx_off;
	size_t want = need > have ? need : have + WS_HEADER_MAX;

	if (ws->rx_off > 0) {
		memmove(ws->rx, ws->rx + ws->rx_off, have);
		ws->rx_off = 0;
		ws->rx_len = have;
	}
	/* at least one byte free after what is held */
	if (want <= ws->rx_len)
		want = ws->rx_len + 1;
	return buf_reserve(&ws->rx, &ws->rx_cap, want, RX_INITIAL, 0);
}

/* Append a data frame's payload to the message being assembled. */
static int msg_append(struct fe_ws *ws, const struct ws_frame *f)
{
	/* the parser bounds both */
	int r = buf_reserve(&ws->msg, &ws->msg_cap, ws->msg_len + f->payload_len + 1, 256, 0);

	if (r < 0)
		return r;
	ws_payload_copy(f, ws->msg + ws->msg_len);
	ws->msg_len += f->payload_len;
	ws->msg[ws->msg_len] = '\0';
	return 0;
}

enum { FRAME_END = -1, FRAME_MORE = 0, FRAME_MSG = 1 };

/* A whole frame: a message is ready, go on reading, or the end (in rx_end). */
static int on_frame(struct fe_ws *ws, const struct ws_frame *f, struct fe_ws_msg *ret_msg)
{
	uint8_t payload[WS_CONTROL_MAX];
	uint16_t code;
	bool sent;
	int r;

	switch (f->opcode) {
	case WS_OP_PING:
		ws_payload_copy(f, payload);
		queue_control(ws, WS_OP_PONG, payload, f->payload_len);
		return FRAME_MORE;
	case WS_OP_PONG:
		return FRAME_MORE;
	case WS_OP_CLOSE:
		ws_payload_copy(f, payload);
		if (ws_close_parse(payload, f->payload_len, &code) < 0) {
			rx_fail(ws, -EPROTO);
			return FRAME_END;
		}
		pthread_mutex_lock(&ws->st_lock);
		ws->close_received = true;
		ws->peer_code = code;
		sent = ws->close_sent;
		pthread_mutex_unlock(&ws->st_lock);
		if (!sent) /* echo the code (RFC 6455 §5.5.1) */
			(void)fe_ws_close(ws, code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : code,
					  NULL);
		ws->rx_end = 0;
		return FRAME_END;
	}
	r = msg_append(ws, f);
	if (r < 0) {
		rx_fail(ws, r);
		return FRAME_END;
	}
	if (!f->fin)
		return FRAME_MORE;
	if (f->msg_opcode == WS_OP_TEXT && !ws_utf8_valid(ws->msg, ws->msg_len)) {
		rx_fail(ws, -EILSEQ);
		return FRAME_END;
	}
	ret_msg->opcode = (enum ws_opcode)f->msg_opcode;
	ret_msg->data = ws->msg;
	ret_msg->len = ws->msg_len;
	ws->msg_len = 0; /* the next message starts over; this one stays valid until then */
	return FRAME_MSG;
}

/* How long poll() may sleep: until the next keepalive or the close deadline. */
static int poll_timeout(struct fe_ws *ws, bool *ret_close_sent)
{
	int t = -1;

	pthread_mutex_lock(&ws->st_lock);
	*ret_close_sent = ws->close_sent;
	if (ws->close_sent)
		t = ms_until(&ws->close_deadline);
	pthread_mutex_unlock(&ws->st_lock);
	if (!*ret_close_sent && ws->keepalive_ms > 0) {
		int k = ms_until(&ws->next_ping);

		if (t < 0 || k < t)
			t = k;
	}
	return t;
}

int fe_ws_recv(struct fe_ws *ws, struct fe_ws_msg *ret_msg)
{
	if (ws->rx_end <= 0)
		return ws->rx_end;
	for (;;) {
		struct ws_frame f;
		struct pollfd p = { .fd = ws->fd, .events = POLLIN };
		bool close_sent, aborted;
		size_t used = 0;
		ssize_t n;
		int r, t;

		r = ws_parse(&ws->parser, ws->rx + ws->rx_off, ws->rx_len - ws->rx_off, &f, &used);
		if (r < 0)
			return rx_fail(ws, r);
		if (r == 1) {
			ws->rx_off += used;
			if (ws->rx_off == ws->rx_len)
				ws->rx_off = ws->rx_len = 0;
			r = on_frame(ws, &f, ret_msg);
			if (r == FRAME_MSG)
				return 1;
			if (r == FRAME_END)
				return ws->rx_end;
			continue;
		}
		r = rx_room(ws, used);
		if (r < 0)
			return rx_fail(ws, r);

		t = poll_timeout(ws, &close_sent);
		if (close_sent && t == 0) /* even if the peer keeps talking */
			return rx_fail(ws, -ETIMEDOUT);
		r = poll(&p, 1, t);
		if (r < 0 && errno != EINTR)
			return rx_fail(ws, -errno);
		if (r == 0) {
			if (!close_sent && ws->keepalive_ms > 0 && ms_until(&ws->next_ping) == 0) {
				queue_control(ws, WS_OP_PING, "keepalive", 9);
				mono_now(&ws->next_ping);
				ts_add_ms(&ws->next_ping, ws->keepalive_ms);
			}
			continue;
		}
		if (r < 0)
			continue;
		n = recv(ws->fd, ws->rx + ws->rx_len, ws->rx_cap - ws->rx_len, 0);
		if (n > 0) {
			ws->rx_len += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		pthread_mutex_lock(&ws->st_lock);
		aborted = ws->aborted;
		close_sent = ws->close_sent;
		pthread_mutex_unlock(&ws->st_lock);
		if (aborted)
			return rx_fail(ws, -ECANCELED);
		if (n == 0 && close_sent) /* the peer closed after our close frame */
			return rx_fail(ws, 0);
		return rx_fail(ws, n == 0 ? -ECONNRESET : -errno);
	}
}

/* ---- a connection's life ------------------------------------------------------------ */

static struct fe_ws *ws_new(int fd, const void *extra, size_t extra_len)
{
	struct fe_ws *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return NULL;
	ws->fd = fd;
	ws->refs = 1;
	ws->rx_end = 1;
	ws->parser.expect_masked = true;
	ws->parser.max_message = FE_WS_MAX_MESSAGE;
	pthread_mutex_init(&ws->send_lock, NULL);
	pthread_mutex_init(&ws->st_lock, NULL);
	ws->rx_cap = extra_len > RX_INITIAL ? extra_len : RX_INITIAL;
	ws->rx = malloc(ws->rx_cap);
	if (!ws->rx) {
		fe_ws_unref(ws);
		return NULL;
	}
	if (extra_len > 0)
		memcpy(ws->rx, extra, extra_len);
	ws->rx_len = extra_len;
	return ws;
}

/* After the handler: close politely if that is still to do, then let go of the socket. */
static void ws_finish(struct fe_ws *ws)
{
	struct fe_ws_msg m;
	bool talk, close_sent;

	pthread_mutex_lock(&ws->st_lock);
	talk = !ws->aborted && ws->rx_end > 0; /* the peer is still there, as far as we know */
	close_sent = ws->close_sent;
	pthread_mutex_unlock(&ws->st_lock);
	if (talk && (close_sent || fe_ws_close(ws, WS_CLOSE_NORMAL, NULL) == 0))
		while (fe_ws_recv(ws, &m) > 0) /* wait (bounded) for the answer */
			;

	pthread_mutex_lock(&ws->st_lock);
	if (!ws->dead && !ws->aborted)
		shutdown(ws->fd, SHUT_RDWR); /* a writer blocked on this socket returns */
	ws->dead = true;
	pthread_mutex_unlock(&ws->st_lock);
	pthread_mutex_lock(&ws->send_lock);
	ws->fd = -EBADF;
	pthread_mutex_unlock(&ws->send_lock);
}

void fe_ws_serve_fd(int fd, const void *extra, size_t extra_len, fe_ws_handler fn, void *data)
{
	struct fe_ws *ws = ws_new(fd, extra, extra_len);

	if (!ws)
		return;
	fe_ws_set_keepalive(ws, FE_WS_KEEPALIVE_MS);
	queue_control(ws, WS_OP_PING, "keepalive", 9);
	fn(ws, data);
	ws_finish(ws);
	fe_ws_unref(ws);
}

/* ---- the HTTP side -------------------------------------------------------------------- */

struct fe_ws_upgrade {
	fe_ws_handler fn;
	void *data;
	void (*free_data)(void *);
	char accept[WS_ACCEPT_LEN + 1];
};

static int sha1_gnutls(const void *data, size_t len, uint8_t ret[20])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA1, data, len, ret) < 0 ? -EIO : 0;
}

/* Does the comma-separated header value hold token (case-insensitive)? */
static bool has_token(const char *value, const char *token)
{
	size_t tl = strlen(token);

	while (value && *value) {
		size_t n;

		value += strspn(value, " \t,");
		n = strcspn(value, ",");
		while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
			n--;
		if (n == tl && strncasecmp(value, token, tl) == 0)
			return true;
		value += strcspn(value, ",");
	}
	return false;
}

/* The handshake's headers (RFC 6455 §4.2.1); NULL if fine, else why not. */
static const char *handshake_problem(struct fe_req *req)
{
	const char *v;

	if (strcmp(req->method, "GET") != 0)
		return "websocket: the handshake must be a GET";
	if (!has_token(fe_header(req, "Connection"), "upgrade"))
		return "websocket: 'upgrade' token not found in 'Connection' header";
	if (!has_token(fe_header(req, "Upgrade"), "websocket"))
		return "websocket: 'websocket' token not found in 'Upgrade' header";
	v = fe_header(req, "Sec-WebSocket-Version");
	if (!v || strcmp(v, "13") != 0)
		return "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header";
	if (!ws_key_valid(fe_header(req, "Sec-WebSocket-Key")))
		return "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or "
		       "blank";
	return NULL;
}

int fe_ws_accept(struct fe_req *req, struct fe_resp *resp, fe_ws_handler fn, void *data,
		 void (*free_data)(void *))
{
	const char *why = handshake_problem(req);
	struct fe_ws_upgrade *up;

	if (!why) {
		up = calloc(1, sizeof(*up));
		if (!up) {
			why = "out of memory";
		} else if (ws_accept_key(fe_header(req, "Sec-WebSocket-Key"), sha1_gnutls,
					 up->accept) < 0) {
			free(up);
			why = "websocket: cannot compute the accept key";
		}
	}
	if (why) {
		if (free_data)
			free_data(data);
		fe_error(resp, 400, "%s", why);
		return -EINVAL;
	}
	up->fn = fn;
	up->data = data;
	up->free_data = free_data;
	fe_sync(resp, NULL);
	resp->http_status = 101;
	resp->upgrade = up;
	return 0;
}

static void on_upgraded(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra_in,
			size_t extra_in_size, MHD_socket sock,
			struct MHD_UpgradeResponseHandle *urh)
{
	struct fe_ws_upgrade *up = cls;

	(void)c;
	(void)con_cls;
	/* libmicrohttpd calls this in the connection's own thread (thread per connection) */
	fe_ws_serve_fd(sock, extra_in, extra_in_size, up->fn, up->data);
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

int fe_ws_queue(void *conn, struct fe_ws_upgrade *up)
{
	struct MHD_Response *mr = MHD_create_response_for_upgrade(on_upgraded, up);
	enum MHD_Result ret;

	if (!mr)
		return -EIO;
	if (MHD_add_response_header(mr, MHD_HTTP_HEADER_UPGRADE, "websocket") != MHD_YES ||
	    MHD_add_response_header(mr, "Sec-WebSocket-Accept", up->accept) != MHD_YES) {
		MHD_destroy_response(mr);
		return -EIO;
	}
	ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, mr);
	MHD_destroy_response(mr);
	return ret == MHD_YES ? 0 : -EIO;
}

void fe_ws_upgrade_free(struct fe_ws_upgrade *up)
{
	if (!up)
		return;
	if (up->free_data)
		up->free_data(up->data);
	free(up);
}
