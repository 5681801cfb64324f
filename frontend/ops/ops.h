/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ops/: LXD's background operations (ops.c): their life, their JSON
 * shape, waiting and cancelling. moatd-api, unprivileged.
 */
#ifndef MOAT_FE_OPS_OPS_H
#define MOAT_FE_OPS_OPS_H

#include "core/http.h"

/* ---- operations (ops.c) ----------------------------------------------------- */

enum fe_status {
	FE_OP_CREATED = 100,
	FE_OP_RUNNING = 103,
	FE_OP_CANCELLING = 104,
	FE_OP_PENDING = 105,
	FE_OP_SUCCESS = 200,
	FE_OP_FAILURE = 400,
	FE_OP_CANCELLED = 401,
};

struct fe_op;
/* The work of an operation: returns 0, or a negative errno after fe_op_fail(). */
typedef int (*fe_op_fn)(struct fe_op *op, void *data);

struct fe_op *fe_op_new(const char *class, const char *description, json_object *resources);
int fe_op_start(struct fe_op *op, fe_op_fn fn, void *data, void (*free_data)(void *));
void fe_op_set_metadata(struct fe_op *op, json_object *md);
int fe_op_fail(struct fe_op *op, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool fe_op_cancelled(struct fe_op *op);
/* Websocket operations: who answers GET /1.0/operations/<id>/websocket?secret=. */
void fe_op_set_connect(struct fe_op *op, int (*connect)(void *data, struct fe_req *req,
							struct fe_resp *resp, const char *secret));
int fe_op_connect(struct fe_op *op, struct fe_req *req, struct fe_resp *resp, const char *secret);
const char *fe_op_id(const struct fe_op *op);
json_object *fe_op_json(struct fe_op *op);
struct fe_op *fe_op_get(const char *id);
void fe_op_put(struct fe_op *op);
/* Wait until final or timeout (seconds, -1 forever). */
void fe_op_wait(struct fe_op *op, int timeout);
int fe_op_cancel(struct fe_op *op);
json_object *fe_ops_list(bool recursion);
/* Async response for a started op. */
int fe_async(struct fe_resp *r, struct fe_op *op);
/* Called with each operation object on every status or metadata change. */
void fe_ops_set_listener(void (*fn)(json_object *op));
/* Seconds a finished operation stays visible. */
#define FE_OP_KEEP_SECONDS 5

#endif
