// SPDX-License-Identifier: Apache-2.0
/*
 * The one op table, generated from ops.def, and the path every packet takes
 * in moatd (root): decode -> generic walk -> op lookup -> exact descriptor
 * count -> the op's pure check -> its descriptor check -> its pure policy
 * step -> its handler -> one reply. Any failure before the policy step is a
 * protocol breach and closes the channel (the frontend is then replaced); a
 * policy or handler refusal is an errno reply naming the op, by its name in
 * the table. Ops marked SLOW run in a forked worker so that the main loop
 * keeps serving. Everything in a packet is hostile (it comes from
 * moatd-api); nothing but the table decides which code sees it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "frame.h"
#include "log.h"
#include "ph.h"

DEFINE_PB_CLEANUP(ph__request)

#define PH_OPF_FAST 0
#define PH_OPF_SLOW PH_OP_SLOW
#define PH_FDCHECK_none NULL
#define PH_FDCHECK_readonly_file ph_check_fd_readonly_file
#define PH_FDCHECKED_none 0
#define PH_FDCHECKED_readonly_file 1

/*
 * Per op: the three steps behind the table's uniform signatures. Each one
 * hands its step the op's own sub-message, typed struct and reply, never
 * the union: a handler cannot read another op's request.
 */
#define PH_OP(nm, Nm, NM, in, out_min, out_max, fl, fdc)                                           \
	_Static_assert((int)PH__REPLY__RESULT_##NM == (int)PH__REQUEST__OP_##NM,                   \
		       #nm ": the reply's case is the request's");                                 \
	_Static_assert((in) <= FRAME_MAX_FDS && (out_min) <= (out_max) &&                          \
			       (out_max) <= FRAME_MAX_FDS,                                         \
		       #nm ": descriptor counts fit a frame");                                     \
	_Static_assert(((in) > 0) == PH_FDCHECKED_##fdc,                                           \
		       #nm ": descriptors in, and only then, have a check");                       \
	static int check_##nm(const Ph__Request *req, union ph_typed *ret)                         \
	{                                                                                          \
		return req->nm ? ph_check_##nm(req->nm, &ret->nm) : -EPROTO;                       \
	}                                                                                          \
	static int policy_##nm(const struct ph_policy *p, const union ph_typed *t,                 \
			       const char **ret_why)                                               \
	{                                                                                          \
		return ph_policy_##nm(p, &t->nm, ret_why);                                         \
	}                                                                                          \
	static int run_##nm(struct ph_ctx *ctx, const union ph_typed *t, Ph__Reply *reply,         \
			    union ph_replies *storage)                                             \
	{                                                                                          \
		int r;                                                                             \
                                                                                                   \
		ph__##nm##_reply__init(&storage->nm);                                              \
		r = ph_do_##nm(ctx, &t->nm, &storage->nm);                                         \
		if (r == 0) {                                                                      \
			reply->result_case = PH__REPLY__RESULT_##NM;                               \
			reply->nm = &storage->nm;                                                  \
		}                                                                                  \
		return r;                                                                          \
	}
#include "ops.def"

/* Every entry is required; unknown or unset op cases are fatal. */
const struct ph_op ph_ops[] = {
#define PH_OP(nm, Nm, NM, in, out_min, out_max, fl, fdc)                                           \
	{ .op = PH__REQUEST__OP_##NM,                                                              \
	  .name = #nm,                                                                             \
	  .nfds = (in),                                                                            \
	  .nfds_out_min = (out_min),                                                               \
	  .nfds_out_max = (out_max),                                                               \
	  .flags = PH_OPF_##fl,                                                                    \
	  .check = check_##nm,                                                                     \
	  .check_fds = PH_FDCHECK_##fdc,                                                           \
	  .policy = policy_##nm,                                                                   \
	  .run = run_##nm },
#include "ops.def"
};
const size_t ph_ops_len = ARRAY_SIZE(ph_ops);

const struct ph_op *ph_op_find(Ph__Request__OpCase op)
{
	for (size_t i = 0; i < ph_ops_len; i++)
		if (ph_ops[i].op == op)
			return &ph_ops[i];
	return NULL;
}

int ph_decode(const uint8_t *buf, size_t len, size_t nfds, Ph__Request **ret_req,
	      const struct ph_op **ret_op, union ph_typed *ret_typed)
{
	Ph__Request *req __attribute__((cleanup(cleanup_pb_ph__request))) = NULL;
	const struct ph_op *op;
	union ph_typed typed;
	int r;

	if (len == 0 || len > FRAME_MAX)
		return -EMSGSIZE;
	req = ph__request__unpack(NULL, len, buf);
	if (!req)
		return -EBADMSG;
	r = ph_check_message(&req->base, 0);
	if (r < 0)
		return r;
	if (req->op_case == PH__REQUEST__OP__NOT_SET)
		return -EOPNOTSUPP;
	op = ph_op_find(req->op_case);
	if (!op)
		return -EOPNOTSUPP;
	if (nfds != op->nfds)
		return -EPROTO;
	memset(&typed, 0, sizeof(typed));
	r = op->check(req, &typed);
	if (r < 0)
		return r;
	*ret_op = op;
	*ret_typed = typed;
	*ret_req = TAKE_PTR(req);
	return 0;
}

int ph_fail(struct ph_ctx *ctx, int err, const char *why)
{
	struct ph_call *c = ctx->call;

	if (err < 0)
		err = -err;
	if (c) {
		snprintf(c->error, sizeof(c->error), "%s: %s", c->op->name,
			 why ? why : strerror(err));
		c->err = err;
	}
	return -err;
}

int ph_reply_fd(struct ph_ctx *ctx, int fd)
{
	struct ph_call *c = ctx->call;

	if (!c || c->nfds_out >= ARRAY_SIZE(c->fds_out)) {
		close(fd);
		return -EMFILE;
	}
	c->fds_out[c->nfds_out++] = fd;
	return 0;
}

static void close_fds(int *fds, size_t nfds)
{
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
}

/* The envelope of call c: its op's result (already in reply) or its error. */
static int send_reply(int chan, struct ph_call *c, Ph__Reply *reply)
{
	uint8_t buf[FRAME_MAX];
	size_t len;

	reply->id = c->id;
	if (c->err) {
		reply->err = c->err;
		reply->error.data = (uint8_t *)c->error;
		reply->error.len = strlen(c->error);
		reply->result_case = PH__REPLY__RESULT__NOT_SET;
	}
	len = ph__reply__get_packed_size(reply);
	if (len > sizeof(buf))
		return -EMSGSIZE;
	ph__reply__pack(reply, buf);
	return frame_send(chan, buf, len, c->fds_out, c->nfds_out);
}

/* An errno reply outside any handler (a policy refusal, no worker). */
static void refuse(struct ph_ctx *ctx, const struct ph_op *op, uint64_t id, int err,
		   const char *why)
{
	struct ph_call c = { .op = op, .id = id };
	Ph__Reply reply = PH__REPLY__INIT;

	ctx->call = &c;
	ph_fail(ctx, err, why);
	ctx->call = NULL;
	log_info("op %s (request %llu) refused: %s", op->name, (unsigned long long)id, c.error);
	(void)send_reply(ctx->chan, &c, &reply);
}

static void run_op(struct ph_ctx *ctx, const struct ph_op *op, uint64_t id,
		   const union ph_typed *typed, const int *fds)
{
	static union ph_replies storage; /* one op at a time per process */
	struct ph_call c = { .op = op, .id = id, .fds = fds };
	Ph__Reply reply = PH__REPLY__INIT;
	struct timespec t0, t1;
	int r;

	ctx->call = &c;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = op->run(ctx, typed, &reply, &storage);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* what the table promises the frontend, whatever the handler did */
	if (r == 0 && c.err)
		r = -c.err; /* it set an error: that is a refusal */
	if (r == 0 && (c.nfds_out < op->nfds_out_min || c.nfds_out > op->nfds_out_max))
		r = ph_fail(ctx, EPROTO, "internal error: wrong number of reply descriptors");
	log_debug("op %s (request %llu): %s in %.2f ms", op->name, (unsigned long long)id,
		  r < 0 ? "refused" : "done",
		  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (r < 0) {
		if (c.err == 0)
			ph_fail(ctx, r, NULL);
		close_fds(c.fds_out, c.nfds_out);
		c.nfds_out = 0;
		log_info("op %s (request %llu) refused: %s", op->name, (unsigned long long)id,
			 c.error);
	}
	r = send_reply(ctx->chan, &c, &reply);
	if (r < 0 && r != -EPIPE)
		log_warn("op %s (request %llu): reply not sent: %s", op->name,
			 (unsigned long long)id, strerror(-r));
	close_fds(c.fds_out, c.nfds_out);
	if (c.after_reply && (op->flags & PH_OP_SLOW))
		c.after_reply(ctx);
	ctx->call = NULL;
}

int ph_dispatch(struct ph_ctx *ctx, const uint8_t *buf, size_t len, int *fds, size_t nfds)
{
	Ph__Request *req __attribute__((cleanup(cleanup_pb_ph__request))) = NULL;
	const struct ph_op *op = NULL;
	union ph_typed typed;
	const char *why = NULL;
	pid_t pid;
	int r;

	r = ph_decode(buf, len, nfds, &req, &op, &typed);
	if (r == 0 && op->check_fds)
		r = op->check_fds(fds, nfds);
	if (r < 0) {
		close_fds(fds, nfds);
		return r;
	}
	r = op->policy(&ctx->policy, &typed, &why);
	if (r < 0) {
		refuse(ctx, op, req->id, r, why);
		close_fds(fds, nfds);
		return 0;
	}

	if (!(op->flags & PH_OP_SLOW)) {
		run_op(ctx, op, req->id, &typed, fds);
		close_fds(fds, nfds);
		return 0;
	}
	pid = fork();
	if (pid < 0) {
		refuse(ctx, op, req->id, errno, "cannot start a worker");
		close_fds(fds, nfds);
		return 0;
	}
	if (pid == 0) {
		sigset_t none;

		/* the worker may start containers: they must not inherit our mask */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		run_op(ctx, op, req->id, &typed, fds);
		_exit(0);
	}
	close_fds(fds, nfds); /* the worker has its copies */
	return 0;
}
