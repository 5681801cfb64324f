// SPDX-License-Identifier: Apache-2.0
/*
 * GET /1.0/events (LXD-API.md §4): a websocket carrying every operation,
 * lifecycle and logging event as one JSON text frame. Runs in moatd-api
 * (unprivileged). The only client input here is the ?type= filter; the
 * fan-out and the websocket session are ops/events.c's.
 */
#include "ops/events.h"
#include "core/http.h"
#include "core/websocket.h"

static void events_sub_free(void *data)
{
	fe_events_unsubscribe(data);
}

static int api_events(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_events_sub *sub;
	const char *bad = NULL;
	size_t bad_len = 0;
	unsigned types;

	if (fe_events_parse_types(fe_query(req, "type"), &types, &bad, &bad_len) < 0)
		return fe_error(resp, 400, "\"%.*s\" isn't a supported event type",
				(int)(bad_len > 64 ? 64 : bad_len), bad);
	/* queue from now on, before the 101: nothing that happens after the client's
	 * handshake completes can be missed */
	sub = fe_events_subscribe(types);
	if (!sub)
		return fe_error(resp, 500, "out of memory");
	fe_ws_accept(req, resp, fe_events_ws, sub, events_sub_free);
	return 0;
}

static const struct fe_route routes[] = {
	{ "/1.0/events", "GET", api_events, 0, NULL },
	{ 0 },
};

const struct fe_api_module fe_module_events = { "events", routes, NULL };
