// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/instances endpoints, in LXD's shapes (LXD-API.md). Runs in moatd-api
 * (unprivileged); request bodies and paths are untrusted.
 */
#include "fe.h"

const struct fe_route fe_routes_instances[] = {
	{ NULL, NULL, NULL },
};
