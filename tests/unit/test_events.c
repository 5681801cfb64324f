// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the event fan-out of moatd-api (frontend/ops/events.c),
 * driven through the listener and the subscriber API, without sockets:
 * the JSON shape of each event type, the ?type= filter, one order for
 * every subscriber under concurrent broadcasts, the bounded queue and the
 * drop of a subscriber that does not keep up (without slowing the
 * broadcast), and clean unsubscription. Run by the test runner with no
 * privilege; every event is the tests' own.
 */
#include <errno.h>
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
#include "ops/events.h"
#include "t.h"

/* The next event parsed, or NULL. */
static json_object *next_json(struct fe_events_sub *s, int timeout_ms, char *ret_raw, size_t cap)
{
	struct fe_event *e = NULL;
	const char *text;
	json_object *o;
	size_t len;

	if (fe_events_next(s, timeout_ms, &e) != 1)
		return NULL;
	text = fe_event_text(e, &len);
	if (ret_raw)
		snprintf(ret_raw, cap, "%s", text);
	o = json_tokener_parse(text);
	fe_event_unref(e);
	return o;
}

/* fe_events_next() for a test that only wants the result. */
static int next_discard(struct fe_events_sub *s, int timeout_ms)
{
	struct fe_event *e = NULL;
	int r = fe_events_next(s, timeout_ms, &e);

	if (r == 1)
		fe_event_unref(e);
	return r;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static bool rfc3339_nanos(const char *s)
{
	/* 2026-11-22T16:45:25.057366491Z */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

	if (!s || strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	return true;
}

static json_object *fake_op(const char *id, int status)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "class", json_object_new_string("task"));
	json_object_object_add(o, "status_code", json_object_new_int(status));
	json_object_object_add(o, "location", json_object_new_string("none"));
	return o;
}

static void test_parse_types(void)
{
	static const struct {
		const char *in;
		int r;
		unsigned mask;
	} cases[] = {
		{ "", 0, FE_EVENT_ALL },
		{ "operation", 0, FE_EVENT_OPERATION },
		{ "lifecycle,logging", 0, FE_EVENT_LIFECYCLE | FE_EVENT_LOGGING },
		{ "operation,operation", 0, FE_EVENT_OPERATION },
		{ "logging,operation,lifecycle", 0, FE_EVENT_ALL },
		{ "nope", -EINVAL, 0 },
		{ "operation,", -EINVAL, 0 },
		{ ",operation", -EINVAL, 0 },
		{ "Operation", -EINVAL, 0 },
		{ "operation, lifecycle", -EINVAL, 0 },
	};
	const char *bad = NULL;
	size_t bad_len = 0;
	unsigned mask = 0;

	CHECK(fe_events_parse_types(NULL, &mask, &bad, &bad_len) == 0 && mask == FE_EVENT_ALL,
	      "events: no ?type= means every type");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		mask = 0;
		r = fe_events_parse_types(cases[i].in, &mask, &bad, &bad_len);
		CHECK(r == cases[i].r && (r < 0 || mask == cases[i].mask), "events: ?type=%s is %s",
		      cases[i].in, cases[i].r ? "refused" : "taken");
	}
	fe_events_parse_types("operation,nope,logging", &mask, &bad, &bad_len);
	CHECK(bad_len == 4 && strncmp(bad, "nope", 4) == 0,
	      "events: the refusal names the first bad entry");
}

static void test_shapes(void)
{
	struct fe_events_sub *s = fe_events_subscribe(FE_EVENT_ALL);
	json_object *op = fake_op("0000-op", 103), *ev, *md = NULL, *v;
	char raw[2048] = "";
	const char *keys[8];
	size_t nkeys = 0;

	if (!CHECK(s != NULL, "events: subscribe"))
		return;
	fe_events_on_operation(op);
	ev = next_json(s, 1000, raw, sizeof(raw));
	CHECK(ev != NULL, "events: an operation event arrives and is JSON");
	CHECK(strlen(raw) > 1 && strchr(raw, '\n') == raw + strlen(raw) - 1,
	      "events: the text is one line ending in \"\\n\"");
	json_object_object_foreach(ev, k, val)
	{
		(void)val;
		if (nkeys < 8)
			keys[nkeys++] = k;
	}
	CHECK(nkeys == 5 && strcmp(keys[0], "type") == 0 && strcmp(keys[1], "timestamp") == 0 &&
		      strcmp(keys[2], "metadata") == 0 && strcmp(keys[3], "location") == 0 &&
		      strcmp(keys[4], "project") == 0,
	      "events: keys are type, timestamp, metadata, location, project");
	CHECK(str(ev, "type") && strcmp(str(ev, "type"), "operation") == 0 && str(ev, "location") &&
		      strcmp(str(ev, "location"), "none") == 0 && str(ev, "project") &&
		      strcmp(str(ev, "project"), "default") == 0,
	      "events: type operation, location none, project default");
	CHECK(rfc3339_nanos(str(ev, "timestamp")),
	      "events: timestamp is RFC 3339 with nanoseconds (%s)",
	      str(ev, "timestamp") ? str(ev, "timestamp") : "none");
	CHECK(json_object_object_get_ex(ev, "metadata", &md) && json_object_equal(md, op),
	      "events: metadata is the operation object");
	json_object_put(ev);
	json_object_put(op);

	v = json_object_new_object();
	json_object_object_add(v, "reason", json_object_new_string("test"));
	fe_event_lifecycle("instance-started", "/1.0/instances/x1", v);
	ev = next_json(s, 1000, NULL, 0);
	md = NULL;
	json_object_object_get_ex(ev, "metadata", &md);
	CHECK(ev && strcmp(str(ev, "type"), "lifecycle") == 0 && md && str(md, "action") &&
		      strcmp(str(md, "action"), "instance-started") == 0 && str(md, "source") &&
		      strcmp(str(md, "source"), "/1.0/instances/x1") == 0,
	      "events: a lifecycle event carries action and source");
	v = NULL;
	CHECK(md && json_object_object_get_ex(md, "requestor", &v) && str(v, "username") &&
		      strcmp(str(v, "username"), "root") == 0 && str(v, "protocol") &&
		      strcmp(str(v, "protocol"), "unix") == 0,
	      "events: ... a requestor");
	CHECK(md && json_object_object_get_ex(md, "context", &v) && str(v, "reason") &&
		      strcmp(str(v, "reason"), "test") == 0,
	      "events: ... and its context");
	json_object_put(ev);

	fe_event_lifecycle("instance-deleted", "/1.0/instances/x1", NULL);
	ev = next_json(s, 1000, NULL, 0);
	md = NULL;
	CHECK(ev && json_object_object_get_ex(ev, "metadata", &md) &&
		      !json_object_object_get_ex(md, "context", NULL),
	      "events: a lifecycle event without context has no context key");
	json_object_put(ev);

	fe_event_logging("info", "hello", NULL);
	ev = next_json(s, 1000, NULL, 0);
	md = NULL;
	CHECK(ev && strcmp(str(ev, "type"), "logging") == 0 &&
		      json_object_object_get_ex(ev, "metadata", &md) && str(md, "message") &&
		      strcmp(str(md, "message"), "hello") == 0 && str(md, "level") &&
		      strcmp(str(md, "level"), "info") == 0,
	      "events: a logging event carries message and level");
	json_object_put(ev);
	CHECK(next_discard(s, 50) == 0, "events: with nothing queued, next() times out");
	fe_events_unsubscribe(s);
}

static void test_filter(void)
{
	struct fe_events_sub *ops = fe_events_subscribe(FE_EVENT_OPERATION);
	struct fe_events_sub *life = fe_events_subscribe(FE_EVENT_LIFECYCLE);
	json_object *op = fake_op("f-1", 200), *ev;
	size_t before = fe_events_subscribers();

	CHECK(before >= 2, "events: two subscribers are counted (%zu)", before);
	fe_event_lifecycle("image-created", "/1.0/images/abc", NULL);
	fe_events_on_operation(op);
	json_object_put(op);
	ev = next_json(ops, 1000, NULL, 0);
	CHECK(ev && strcmp(str(ev, "type"), "operation") == 0,
	      "events: an operation subscriber gets the operation event");
	json_object_put(ev);
	CHECK(next_discard(ops, 50) == 0, "events: ... and not the lifecycle one");
	ev = next_json(life, 1000, NULL, 0);
	CHECK(ev && strcmp(str(ev, "type"), "lifecycle") == 0,
	      "events: a lifecycle subscriber gets the lifecycle event");
	json_object_put(ev);
	CHECK(next_discard(life, 50) == 0, "events: ... and not the operation one");
	fe_events_unsubscribe(ops);
	fe_events_unsubscribe(life);
	CHECK(fe_events_subscribers() == before - 2, "events: unsubscribing removes them");
}

#define ORDER_THREADS 4
#define ORDER_EACH 500

static void *emitter(void *arg)
{
	long id = (long)arg;
	char name[32];

	for (int i = 0; i < ORDER_EACH; i++) {
		json_object *op;

		snprintf(name, sizeof(name), "t%ld", id);
		op = fake_op(name, i);
		fe_events_on_operation(op);
		json_object_put(op);
	}
	return NULL;
}

static void test_order(void)
{
	struct fe_events_sub *a = fe_events_subscribe(FE_EVENT_ALL);
	struct fe_events_sub *b = fe_events_subscribe(FE_EVENT_OPERATION);
	pthread_t th[ORDER_THREADS];
	int next[ORDER_THREADS] = { 0 };
	bool per_thread = true, same = true;
	int total = ORDER_THREADS * ORDER_EACH;

	for (long i = 0; i < ORDER_THREADS; i++)
		pthread_create(&th[i], NULL, emitter, (void *)i);
	for (int i = 0; i < ORDER_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < total; k++) {
		json_object *ea = next_json(a, 1000, NULL, 0), *eb = next_json(b, 1000, NULL, 0);
		json_object *ma = NULL, *mb = NULL, *sc;
		int t, n;

		if (!ea || !eb || !json_object_object_get_ex(ea, "metadata", &ma) ||
		    !json_object_object_get_ex(eb, "metadata", &mb) || !str(ma, "id")) {
			per_thread = same = false;
			json_object_put(ea);
			json_object_put(eb);
			break;
		}
		same = same && json_object_equal(ma, mb);
		t = str(ma, "id")[1] - '0';
		n = json_object_object_get_ex(ma, "status_code", &sc) ? json_object_get_int(sc)
								      : -1;
		if (t < 0 || t >= ORDER_THREADS || n != next[t])
			per_thread = false;
		else
			next[t]++;
		json_object_put(ea);
		json_object_put(eb);
	}
	CHECK(per_thread, "events: %d threads x %d events: each thread's events in its order",
	      ORDER_THREADS, ORDER_EACH);
	CHECK(same, "events: two subscribers see one and the same order");
	fe_events_unsubscribe(a);
	fe_events_unsubscribe(b);
}

static int drops;

static void count_drop(void *data)
{
	(void)data;
	drops++;
}

static void test_slow_subscriber(void)
{
	struct fe_events_sub *slow = fe_events_subscribe(FE_EVENT_ALL);
	struct fe_events_sub *fast = fe_events_subscribe(FE_EVENT_ALL);
	struct fe_events_sub *other = fe_events_subscribe(FE_EVENT_LIFECYCLE);
	json_object *op = fake_op("slow", 103);
	struct timespec t0, t1;
	bool fast_ok = true;
	double ms;
	int n = 0;

	fe_events_on_drop(slow, count_drop, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < FE_EVENTS_QUEUE_MAX; i++)
		fe_events_on_operation(op);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(!fe_events_dropped(slow) && drops == 0,
	      "events: %d queued events are held for a subscriber that does not read",
	      FE_EVENTS_QUEUE_MAX);
	t_note("events: %d broadcasts to 3 subscribers took %.1f ms", FE_EVENTS_QUEUE_MAX, ms);
	/* the fast one drains, then one more event overflows only the slow one */
	for (int i = 0; i < FE_EVENTS_QUEUE_MAX; i++) {
		struct fe_event *e;

		if (fe_events_next(fast, 1000, &e) != 1) {
			fast_ok = false;
			break;
		}
		fe_event_unref(e);
	}
	fe_events_on_operation(op);
	CHECK(fe_events_dropped(slow) && drops == 1,
	      "events: event %d drops the subscriber that fell behind (drop callback once)",
	      FE_EVENTS_QUEUE_MAX + 1);
	CHECK(next_discard(slow, 0) == -ECONNRESET,
	      "events: a dropped subscriber's next() is -ECONNRESET, its queue gone");
	CHECK(fast_ok && !fe_events_dropped(fast),
	      "events: the subscriber that kept up is not dropped");
	for (struct fe_event *e = NULL; fe_events_next(fast, 0, &e) == 1; n++)
		fe_event_unref(e);
	CHECK(n == 1, "events: ... and got the last event");
	CHECK(!fe_events_dropped(other),
	      "events: a subscriber not selecting the type is untouched by the flood");
	fe_events_on_operation(op);
	CHECK(drops == 1, "events: a dropped subscriber gets nothing more (no second callback)");
	json_object_put(op);
	fe_events_unsubscribe(slow);
	fe_events_unsubscribe(fast);
	fe_events_unsubscribe(other);
}

struct waiter {
	struct fe_events_sub *s;
	int r;
};

static void *wait_next(void *arg)
{
	struct waiter *w = arg;
	struct fe_event *e = NULL;

	w->r = fe_events_next(w->s, -1, &e);
	if (w->r == 1)
		fe_event_unref(e);
	return NULL;
}

static void test_close(void)
{
	struct waiter w = { .s = fe_events_subscribe(FE_EVENT_ALL), .r = 99 };
	json_object *op = fake_op("close", 103);
	pthread_t th;

	fe_events_on_operation(op); /* queued, then discarded by close */
	fe_events_on_operation(op);
	fe_events_close(w.s);
	CHECK(next_discard(w.s, 0) == -ECONNRESET,
	      "events: after close, queued events are discarded");
	fe_events_unsubscribe(w.s);

	w.s = fe_events_subscribe(FE_EVENT_ALL);
	w.r = 99;
	pthread_create(&th, NULL, wait_next, &w);
	{
		struct timespec d = { 0, 50 * 1000 * 1000 };

		nanosleep(&d, NULL);
	}
	fe_events_close(w.s);
	pthread_join(th, NULL);
	CHECK(w.r == -ECONNRESET, "events: close wakes a blocked next() (%d)", w.r);
	fe_events_on_operation(op); /* nothing is queued for a closed subscriber */
	fe_events_unsubscribe(w.s);
	json_object_put(op);
}

/* ---- the websocket: GET /1.0/events's handler on a socketpair ------------------------- */

struct stream {
	int fd;
	struct fe_events_sub *sub;
	pthread_t thread;
};

static void *stream_thread(void *arg)
{
	struct stream *st = arg;

	fe_ws_serve_fd(st->fd, NULL, 0, fe_events_ws, st->sub);
	fe_events_unsubscribe(st->sub); /* what the upgrade's free_data does */
	return NULL;
}

/* Start the handler; returns the client's end or -1. */
static int stream_start(struct stream *st, unsigned types)
{
	int sv[2];

	st->sub = fe_events_subscribe(types);
	if (!st->sub || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		CHECK(false, "events ws: set up");
		return -1;
	}
	st->fd = sv[0];
	if (pthread_create(&st->thread, NULL, stream_thread, st) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	return sv[1];
}

/* Join the handler's thread within 10 s; false if it did not end. */
static bool stream_join(struct stream *st)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	if (pthread_timedjoin_np(st->thread, NULL, &dl) != 0)
		return false;
	close(st->fd);
	return true;
}

struct rd {
	int fd;
	struct ws_parser p;
	uint8_t buf[1 << 16];
	size_t len;
};

/* One server frame into out (NUL-ended): 1, or 0 at EOF / timeout, -1 on a bad frame. */
static int rd_frame(struct rd *r, uint8_t *ret_op, char *out, size_t cap, size_t *ret_len)
{
	for (;;) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		struct ws_frame f;
		size_t used;
		ssize_t n;
		int x = ws_parse(&r->p, r->buf, r->len, &f, &used);

		if (x < 0)
			return -1;
		if (x == 1) {
			if (f.payload_len >= cap)
				return -1;
			ws_payload_copy(&f, (uint8_t *)out);
			out[f.payload_len] = '\0';
			*ret_op = f.opcode;
			*ret_len = f.payload_len;
			memmove(r->buf, r->buf + used, r->len - used);
			r->len -= used;
			return 1;
		}
		if (poll(&p, 1, 5000) <= 0)
			return 0;
		n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
		if (n <= 0)
			return 0;
		r->len += (size_t)n;
	}
}

static void test_ws_stream(void)
{
	static const int codes[] = { 105, 103, 200 };
	struct stream st;
	struct rd *r = calloc(1, sizeof(*r));
	char out[4096];
	bool in_order = true;
	uint8_t op = 0, *close_frame = NULL;
	size_t n = 0, cl = 0;
	uint8_t key[4] = { 1, 2, 3, 4 };

	if (!r)
		return;
	r->fd = stream_start(&st, FE_EVENT_OPERATION);
	if (r->fd < 0) {
		free(r);
		return;
	}
	r->p.max_message = sizeof(r->buf);
	CHECK(rd_frame(r, &op, out, sizeof(out), &n) == 1 && op == WS_OP_PING &&
		      strcmp(out, "keepalive") == 0,
	      "events ws: the stream opens with the keepalive ping");
	fe_event_lifecycle("instance-created", "/1.0/instances/x", NULL); /* not selected */
	for (size_t i = 0; i < 3; i++) {
		json_object *o = fake_op("ws-op", codes[i]);

		fe_events_on_operation(o);
		json_object_put(o);
	}
	for (size_t i = 0; i < 3; i++) {
		json_object *ev = NULL, *md, *sc;

		if (rd_frame(r, &op, out, sizeof(out), &n) != 1 || op != WS_OP_TEXT || n < 2 ||
		    out[n - 1] != '\n' || !(ev = json_tokener_parse(out)) ||
		    !json_object_object_get_ex(ev, "metadata", &md) ||
		    !json_object_object_get_ex(md, "status_code", &sc) ||
		    json_object_get_int(sc) != codes[i])
			in_order = false;
		json_object_put(ev);
	}
	CHECK(in_order,
	      "events ws: Pending, Running, Success arrive as text frames, in order, one JSON "
	      "object and \"\\n\" each, the unselected lifecycle event left out");
	if (ws_build(WS_OP_CLOSE, true, "\x03\xe8", 2, key, &close_frame, &cl) == 0)
		(void)!send(r->fd, close_frame, cl, MSG_NOSIGNAL);
	free(close_frame);
	CHECK(rd_frame(r, &op, out, sizeof(out), &n) == 1 && op == WS_OP_CLOSE,
	      "events ws: the client's close frame is answered");
	CHECK(stream_join(&st), "events ws: the handler and its writer end after the close");
	close(r->fd);
	free(r);
}

static void test_ws_drop(void)
{
	struct stream st;
	struct timespec t0, t1;
	json_object *op = fake_op("flood", 103), *big = json_object_new_object();
	char *pad = malloc(2048), *out = malloc(1 << 16);
	struct rd *r = calloc(1, sizeof(*r));
	int total = FE_EVENTS_QUEUE_MAX + 1000, got = 0, fr;
	bool dropped_seen = false;
	uint8_t opc;
	size_t n;
	double ms;

	if (!pad || !out || !r) {
		free(pad);
		free(out);
		free(r);
		json_object_put(op);
		json_object_put(big);
		return;
	}
	memset(pad, 'x', 2047);
	pad[2047] = '\0';
	json_object_object_add(big, "pad", json_object_new_string(pad));
	json_object_object_add(op, "metadata", big);
	r->fd = stream_start(&st, FE_EVENT_ALL);
	if (r->fd < 0) {
		free(pad);
		free(out);
		free(r);
		json_object_put(op);
		return;
	}
	r->p.max_message = sizeof(r->buf);
	/* the client reads nothing: the socket fills, the writer blocks, the queue fills */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < total; i++)
		fe_events_on_operation(op);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(ms < 5000,
	      "events ws: %d broadcasts of 2 KiB events to a client that does not read "
	      "never wait on it (%.0f ms)",
	      total, ms);
	CHECK(stream_join(&st), "events ws: the subscriber that fell behind is dropped: its "
				"connection ends");
	while ((fr = rd_frame(r, &opc, out, 1 << 16, &n)) == 1) {
		if (opc == WS_OP_TEXT)
			got++;
		if (opc == WS_OP_CLOSE)
			dropped_seen = true;
	}
	CHECK(fr == 0 && !dropped_seen && got > 0 && got < total,
	      "events ws: the client got what fit in the socket (%d events), then the end of the "
	      "stream, cut without a close frame",
	      got);
	close(r->fd);
	json_object_put(op);
	free(pad);
	free(out);
	free(r);
}

void test_events(void)
{
	test_parse_types();
	test_shapes();
	test_filter();
	test_order();
	test_slow_subscriber();
	test_close();
	test_ws_stream();
	test_ws_drop();
}
