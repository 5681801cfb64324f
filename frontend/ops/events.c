// SPDX-License-Identifier: Apache-2.0
/*
 * The event fan-out (see events.h), and the websocket session of each
 * GET /1.0/events (its HTTP handler is api/events.c). Runs in moatd-api,
 * unprivileged. The only client input is the ?type= filter and whatever
 * frames the client sends on the websocket (read and discarded by
 * websocket.c); the events themselves are built from the frontend's own
 * state.
 *
 * One mutex (ev_lock) guards the subscriber list and every queue, so a
 * broadcast is one pass under one lock: render once outside it, then per
 * subscriber a type test, a pointer store and a condvar signal. Writers
 * take the lock only to pop; they send without it.
 */
#include "ops/events.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/websocket.h"
#include "ops/ops.h"

struct fe_event {
	unsigned refs;
	size_t len;
	char text[]; /* JSON, "\n", NUL */
};

struct fe_events_sub {
	struct fe_events_sub *prev, *next;
	unsigned types;
	bool closed;  /* no more events: closed or dropped */
	bool dropped; /* overflowed its queue */
	struct fe_event **q;
	size_t cap, head, n;
	pthread_cond_t cond;
	void (*on_drop)(void *);
	void *drop_data;
};

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fe_events_sub *subs;
static size_t nsubs; /* written under ev_lock, read without it to skip rendering for no one */

#define QUEUE_INITIAL 16

/* ---- events ------------------------------------------------------------------- */

const char *fe_event_text(const struct fe_event *e, size_t *ret_len)
{
	*ret_len = e->len;
	return e->text;
}

void fe_event_unref(struct fe_event *e)
{
	if (e && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(e);
}

/* Render {"type","timestamp","metadata","location"[,"project"]} and "\n"; md is taken. */
static struct fe_event *event_new(const char *type, json_object *md, bool project)
{
	json_object *o = json_object_new_object();
	struct timespec now;
	struct fe_event *e = NULL;
	const char *s;
	char ts[64];
	size_t len;

	if (!o) {
		json_object_put(md);
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	fe_time_format(&now, ts);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "metadata", md);
	json_object_object_add(o, "location", json_object_new_string("none"));
	if (project)
		json_object_object_add(o, "project", json_object_new_string("default"));
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = s ? strlen(s) : 0;
	if (len > 0)
		e = malloc(sizeof(*e) + len + 2);
	if (e) {
		e->refs = 1;
		memcpy(e->text, s, len);
		e->text[len] = '\n';
		e->text[len + 1] = '\0';
		e->len = len + 1;
	}
	json_object_put(o);
	return e;
}

/* Drop s: it fell FE_EVENTS_QUEUE_MAX events behind. Holds ev_lock. */
static void drop_locked(struct fe_events_sub *s)
{
	for (size_t i = 0; i < s->n; i++)
		fe_event_unref(s->q[(s->head + i) % s->cap]);
	s->head = s->n = 0;
	s->closed = s->dropped = true;
	if (s->on_drop)
		s->on_drop(s->drop_data);
	s->on_drop = NULL;
	pthread_cond_broadcast(&s->cond);
}

/* Room for one more in s's queue, growing it up to the cap. Holds ev_lock. */
static bool room_locked(struct fe_events_sub *s)
{
	struct fe_event **q;
	size_t cap;

	if (s->n < s->cap)
		return true;
	if (s->cap >= FE_EVENTS_QUEUE_MAX)
		return false;
	cap = s->cap ? s->cap * 2 : QUEUE_INITIAL;
	if (cap > FE_EVENTS_QUEUE_MAX)
		cap = FE_EVENTS_QUEUE_MAX;
	q = malloc(cap * sizeof(*q));
	if (!q)
		return false;
	for (size_t i = 0; i < s->n; i++)
		q[i] = s->q[(s->head + i) % s->cap];
	free(s->q);
	s->q = q;
	s->cap = cap;
	s->head = 0;
	return true;
}

static void broadcast(unsigned type, struct fe_event *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&ev_lock);
	for (struct fe_events_sub *s = subs; s; s = s->next) {
		if (s->closed || !(s->types & type))
			continue;
		if (!room_locked(s)) {
			drop_locked(s);
			continue;
		}
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
		s->q[(s->head + s->n) % s->cap] = e;
		s->n++;
		pthread_cond_signal(&s->cond);
	}
	pthread_mutex_unlock(&ev_lock);
	fe_event_unref(e);
}

/* Anyone to render for? An event racing a new subscription is one that came before it. */
static bool listened(void)
{
	return __atomic_load_n(&nsubs, __ATOMIC_ACQUIRE) > 0;
}

void fe_events_on_operation(json_object *op)
{
	if (!listened())
		return;
	broadcast(FE_EVENT_OPERATION, event_new("operation", json_object_get(op), true));
}

void fe_event_lifecycle(const char *action, const char *source, json_object *context)
{
	json_object *md, *who;

	if (!listened()) {
		json_object_put(context);
		return;
	}
	md = json_object_new_object();
	who = json_object_new_object();
	json_object_object_add(who, "username", json_object_new_string("root"));
	json_object_object_add(who, "protocol", json_object_new_string("unix"));
	json_object_object_add(who, "address", json_object_new_string("@"));
	json_object_object_add(md, "action", json_object_new_string(action));
	json_object_object_add(md, "source", json_object_new_string(source));
	json_object_object_add(md, "requestor", who);
	if (context)
		json_object_object_add(md, "context", context);
	broadcast(FE_EVENT_LIFECYCLE, event_new("lifecycle", md, true));
}

void fe_event_logging(const char *level, const char *message, json_object *context)
{
	json_object *md;

	if (!listened()) {
		json_object_put(context);
		return;
	}
	md = json_object_new_object();
	json_object_object_add(md, "message", json_object_new_string(message));
	json_object_object_add(md, "level", json_object_new_string(level));
	json_object_object_add(md, "context", context ? context : json_object_new_object());
	broadcast(FE_EVENT_LOGGING, event_new("logging", md, false));
}

void fe_events_init(void)
{
	fe_ops_set_listener(fe_events_on_operation);
}

int fe_events_parse_types(const char *s, unsigned *ret_mask, const char **ret_bad,
			  size_t *ret_bad_len)
{
	static const struct {
		const char *name;
		unsigned bit;
	} types[] = {
		{ "operation", FE_EVENT_OPERATION },
		{ "lifecycle", FE_EVENT_LIFECYCLE },
		{ "logging", FE_EVENT_LOGGING },
	};
	unsigned mask = 0;

	if (!s || !*s) {
		*ret_mask = FE_EVENT_ALL;
		return 0;
	}
	for (;;) {
		size_t n = strcspn(s, ",");
		unsigned bit = 0;

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strlen(types[i].name) == n && strncmp(types[i].name, s, n) == 0)
				bit = types[i].bit;
		if (!bit) {
			*ret_bad = s;
			*ret_bad_len = n;
			return -EINVAL;
		}
		mask |= bit;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	*ret_mask = mask;
	return 0;
}

/* ---- subscribers ----------------------------------------------------------------- */

struct fe_events_sub *fe_events_subscribe(unsigned types)
{
	struct fe_events_sub *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->types = types;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&ev_lock);
	s->next = subs;
	if (subs)
		subs->prev = s;
	subs = s;
	__atomic_add_fetch(&nsubs, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ev_lock);
	return s;
}

int fe_events_next(struct fe_events_sub *s, int timeout_ms, struct fe_event **ret_event)
{
	struct timespec dl;
	int r = 1;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += timeout_ms / 1000;
		dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&ev_lock);
	while (s->n == 0 && !s->closed) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&s->cond, &ev_lock);
		} else if (pthread_cond_timedwait(&s->cond, &ev_lock, &dl) == ETIMEDOUT) {
			r = 0;
			break;
		}
	}
	if (s->closed) {
		r = -ECONNRESET;
	} else if (r == 1) {
		*ret_event = s->q[s->head];
		s->head = (s->head + 1) % s->cap;
		s->n--;
	}
	pthread_mutex_unlock(&ev_lock);
	return r;
}

void fe_events_on_drop(struct fe_events_sub *s, void (*fn)(void *data), void *data)
{
	pthread_mutex_lock(&ev_lock);
	s->on_drop = s->closed ? NULL : fn;
	s->drop_data = data;
	pthread_mutex_unlock(&ev_lock);
}

bool fe_events_dropped(struct fe_events_sub *s)
{
	bool d;

	pthread_mutex_lock(&ev_lock);
	d = s->dropped;
	pthread_mutex_unlock(&ev_lock);
	return d;
}

static void close_locked(struct fe_events_sub *s)
{
	for (size_t i = 0; i < s->n; i++)
		fe_event_unref(s->q[(s->head + i) % s->cap]);
	s->head = s->n = 0;
	s->closed = true;
	s->on_drop = NULL;
	pthread_cond_broadcast(&s->cond);
}

void fe_events_close(struct fe_events_sub *s)
{
	pthread_mutex_lock(&ev_lock);
	close_locked(s);
	pthread_mutex_unlock(&ev_lock);
}

void fe_events_unsubscribe(struct fe_events_sub *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&ev_lock);
	close_locked(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	__atomic_sub_fetch(&nsubs, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ev_lock);
	pthread_cond_destroy(&s->cond);
	free(s->q);
	free(s);
}

size_t fe_events_subscribers(void)
{
	size_t n;

	pthread_mutex_lock(&ev_lock);
	n = nsubs;
	pthread_mutex_unlock(&ev_lock);
	return n;
}

/* ---- the websocket of a GET /1.0/events ------------------------------------------------ */

#define EVENTS_MAX_MESSAGE (64 * 1024) /* clients have nothing to say here */
#define WRITER_JOIN_MS 2000
#if defined(__SANITIZE_ADDRESS__)
#define WRITER_STACK (1024 * 1024)
#else
#define WRITER_STACK (256 * 1024)
#endif

struct events_conn {
	struct fe_events_sub *sub;
	struct fe_ws *ws;
};

static void *events_writer(void *arg)
{
	struct events_conn *ec = arg;
	struct fe_event *e;

	pthread_setname_np(pthread_self(), "events");
	while (fe_events_next(ec->sub, -1, &e) > 0) {
		size_t len;
		const char *text = fe_event_text(e, &len);
		int r = fe_ws_send_text(ec->ws, text, len);

		fe_event_unref(e);
		if (r < 0) {
			fe_ws_abort(ec->ws); /* the reader ends too */
			break;
		}
	}
	return NULL;
}

static void abort_ws(void *data)
{
	fe_ws_abort(data);
}

/* The connection's thread: read (and ignore) what the client sends until it goes. */
void fe_events_ws(struct fe_ws *ws, void *data)
{
	struct events_conn ec = { .sub = data, .ws = ws };
	struct fe_ws_msg m;
	pthread_attr_t attr;
	struct timespec dl;
	pthread_t writer;
	int r;

	fe_ws_set_max_message(ws, EVENTS_MAX_MESSAGE);
	fe_events_on_drop(ec.sub, abort_ws, ws);
	if (fe_events_dropped(ec.sub)) /* it overflowed before the 101 went out */
		fe_ws_abort(ws);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WRITER_STACK);
	r = pthread_create(&writer, &attr, events_writer, &ec);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		fe_events_close(ec.sub);
		return; /* closes the websocket */
	}
	while (fe_ws_recv(ws, &m) > 0)
		;
	fe_events_close(ec.sub); /* the writer's fe_events_next() returns */
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += WRITER_JOIN_MS / 1000;
	if (pthread_timedjoin_np(writer, NULL, &dl) != 0) {
		fe_ws_abort(ws); /* stuck in a send to a client that does not read */
		pthread_join(writer, NULL);
	}
}
