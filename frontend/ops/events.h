/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events stream of moatd-api (LXD-API.md §4): what GET /1.0/events
 * (api/events.c) serves, a websocket carrying every operation, lifecycle
 * and logging event as one JSON text frame. Unprivileged. Events are built
 * here from the frontend's own data; the only client input is the ?type=
 * filter.
 *
 * Fan-out: each event is rendered once and shared by reference; every
 * subscriber has a bounded queue (FE_EVENTS_QUEUE_MAX) drained by its own
 * writer thread, so a broadcast never waits on a client. A subscriber
 * whose queue overflows is dropped (its connection cut), never slowed
 * down for. Broadcasts are serialized: every subscriber sees the events it
 * selected in one and the same order.
 */
#ifndef MOAT_FE_EVENTS_H
#define MOAT_FE_EVENTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "ops/ops.h"

enum fe_event_type {
	FE_EVENT_OPERATION = 1u << 0,
	FE_EVENT_LIFECYCLE = 1u << 1,
	FE_EVENT_LOGGING = 1u << 2,
};
#define FE_EVENT_ALL (FE_EVENT_OPERATION | FE_EVENT_LIFECYCLE | FE_EVENT_LOGGING)

#define FE_EVENTS_QUEUE_MAX 4096 /* events waiting for one subscriber before it is dropped */

/* Register with the operations (fe_ops_set_listener). Once, at start. */
void fe_events_init(void);

/*
 * A lifecycle event, e.g. ("instance-started", "/1.0/instances/x1", NULL).
 * context is taken (may be NULL). Any thread; never blocks on clients.
 */
void fe_event_lifecycle(const char *action, const char *source, json_object *context);

/* A logging event ("info", "debug", ...); context is taken (may be NULL). */
void fe_event_logging(const char *level, const char *message, json_object *context);

/* The operations listener: one "operation" event for op (borrowed). */
void fe_events_on_operation(json_object *op);

/*
 * The ?type= filter: NULL or "" = every type, else a comma-separated list
 * of "operation", "lifecycle", "logging". 0, or -EINVAL with *ret_bad and
 * *ret_bad_len naming the first entry that is not a type.
 */
int fe_events_parse_types(const char *s, unsigned *ret_mask, const char **ret_bad,
			  size_t *ret_bad_len);

/* ---- subscribers (the websocket handler; the unit tests drive them directly) ---- */

struct fe_event;
struct fe_events_sub;

/* Start queueing the events of the given types. NULL when out of memory. */
struct fe_events_sub *fe_events_subscribe(unsigned types);

/*
 * The next event, waiting up to timeout_ms (-1: forever). 1 and *ret_event
 * (a reference: fe_event_unref()), 0 on timeout, -ECONNRESET once the
 * subscriber was dropped or closed.
 */
int fe_events_next(struct fe_events_sub *s, int timeout_ms, struct fe_event **ret_event);

/* The event's text: one JSON object and "\n". */
const char *fe_event_text(const struct fe_event *e, size_t *ret_len);
void fe_event_unref(struct fe_event *e);

/*
 * Called (once, with the events lock held: it must not block) when the
 * subscriber is dropped for overflowing its queue.
 */
void fe_events_on_drop(struct fe_events_sub *s, void (*fn)(void *data), void *data);

bool fe_events_dropped(struct fe_events_sub *s);

/* Stop queueing, discard what is queued, wake fe_events_next(). Any thread. */
void fe_events_close(struct fe_events_sub *s);

/* Close (if still open) and free. */
void fe_events_unsubscribe(struct fe_events_sub *s);

/* How many subscribers exist (open or not yet freed). */
size_t fe_events_subscribers(void);

/*
 * The websocket handler of GET /1.0/events (a fe_ws_handler; data is the
 * subscriber): a writer thread sends each event as a text frame while this
 * thread reads and ignores what the client sends. For api/events.c and
 * the tests.
 */
struct fe_ws;
void fe_events_ws(struct fe_ws *ws, void *data);

#endif
