// SPDX-License-Identifier: Apache-2.0
/*
 * The one op table, and the path every packet takes in moatd (root):
 * decode -> generic walk -> op lookup -> exact descriptor count -> the op's
 * pure check -> its handler -> one reply. Any failure before the handler is
 * a protocol breach and closes the channel (the frontend is then replaced);
 * a handler's refusal is an errno reply naming the op. Ops marked SLOW run
 * in a forked worker so that the main loop keeps serving.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "frame.h"
#include "log.h"
#include "ph.h"

DEFINE_PB_CLEANUP(ph__request)

/* Every entry is required; unknown or unset op cases are fatal. */
/* clang-format off */
const struct ph_op ph_ops[] = {
	/* op case, name, descriptors, flags, check, descriptor check, handler */
	{ PH__REQUEST__OP_HELLO, "hello", 0, 0,
	  ph_check_hello, NULL, ph_do_hello },
	{ PH__REQUEST__OP_INSTANCE_STATE, "instance_state", 0, 0,
	  ph_check_instance_state, NULL, ph_do_instance_state },
	{ PH__REQUEST__OP_INSTANCE_ACTION, "instance_action", 0, PH_OP_SLOW,
	  ph_check_instance_action, NULL, ph_do_instance_action },
	{ PH__REQUEST__OP_IMAGE_UNPACK, "image_unpack", 1, PH_OP_SLOW,
	  ph_check_image_unpack, ph_check_fd_readonly_file, ph_do_image_unpack },
	{ PH__REQUEST__OP_INSTANCE_CREATE, "instance_create", 0, PH_OP_SLOW,
	  ph_check_instance_create, NULL, ph_do_instance_create },
	{ PH__REQUEST__OP_INSTANCE_DELETE, "instance_delete", 0, PH_OP_SLOW,
	  ph_check_instance_delete, NULL, ph_do_instance_delete },
	{ PH__REQUEST__OP_INSTANCE_START, "instance_start", 0, PH_OP_SLOW,
	  ph_check_instance_start, NULL, ph_do_instance_start },
	{ PH__REQUEST__OP_FILE_OP, "file_op", 0, 0,
	  ph_check_file_op, NULL, ph_do_file_op },
	{ PH__REQUEST__OP_EXEC_START, "exec_start", 0, PH_OP_SLOW,
	  ph_check_exec_start, NULL, ph_do_exec_start },
	{ PH__REQUEST__OP_INSTANCE_LOG, "instance_log", 0, 0,
	  ph_check_instance_log, NULL, ph_do_instance_log },
	{ PH__REQUEST__OP_CONSOLE_OPEN, "console_open", 0, PH_OP_SLOW,
	  ph_check_console_open, NULL, ph_do_console_open },
	{ PH__REQUEST__OP_INSTANCE_NETWORK, "instance_network", 0, PH_OP_SLOW,
	  ph_check_instance_network, NULL, ph_do_instance_network },
};
/* clang-format on */
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

int ph_fail(struct ph_out *out, const char *op, int err, const char *why)
{
	if (err < 0)
		err = -err;
	snprintf(out->error, sizeof(out->error), "%s: %s", op, why ? why : strerror(err));
	out->reply.err = err;
	out->reply.error.data = (uint8_t *)out->error;
	out->reply.error.len = strlen(out->error);
	out->reply.result_case = PH__REPLY__RESULT__NOT_SET;
	return -err;
}

static int send_reply(int chan, struct ph_out *out)
{
	uint8_t buf[FRAME_MAX];
	size_t len = ph__reply__get_packed_size(&out->reply);

	if (len > sizeof(buf))
		return -EMSGSIZE;
	ph__reply__pack(&out->reply, buf);
	return frame_send(chan, buf, len, out->fds, out->nfds);
}

static void run_op(struct ph_ctx *ctx, const struct ph_op *op, uint64_t id,
		   const union ph_typed *typed, const int *fds)
{
	static struct ph_out out; /* large (paths); one op at a time per process */
	struct timespec t0, t1;
	int r;

	memset(&out, 0, sizeof(out));
	ph__reply__init(&out.reply);
	out.reply.id = id;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = op->run(ctx, typed, fds, &out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("op %s (request %llu): %s in %.2f ms", op->name, (unsigned long long)id,
		  r < 0 ? "refused" : "done",
		  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (r < 0 && out.reply.err == 0)
		ph_fail(&out, op->name, r, NULL);
	if (r < 0)
		log_info("op %s (request %llu) refused: %s", op->name, (unsigned long long)id,
			 out.error);
	r = send_reply(ctx->chan, &out);
	if (r < 0 && r != -EPIPE)
		log_warn("op %s (request %llu): reply not sent: %s", op->name,
			 (unsigned long long)id, strerror(-r));
	for (size_t i = 0; i < out.nfds; i++)
		close(out.fds[i]);
	if (out.after_reply && (op->flags & PH_OP_SLOW))
		out.after_reply(ctx, &out);
}

static void close_fds(int *fds, size_t nfds)
{
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
}

int ph_dispatch(struct ph_ctx *ctx, const uint8_t *buf, size_t len, int *fds, size_t nfds)
{
	Ph__Request *req __attribute__((cleanup(cleanup_pb_ph__request))) = NULL;
	const struct ph_op *op = NULL;
	union ph_typed typed;
	pid_t pid;
	int r;

	r = ph_decode(buf, len, nfds, &req, &op, &typed);
	if (r == 0 && op->check_fds)
		r = op->check_fds(fds, nfds);
	if (r < 0) {
		close_fds(fds, nfds);
		return r;
	}

	if (!(op->flags & PH_OP_SLOW)) {
		run_op(ctx, op, req->id, &typed, fds);
		close_fds(fds, nfds);
		return 0;
	}
	pid = fork();
	if (pid < 0) {
		struct ph_out out;

		memset(&out, 0, sizeof(out));
		ph__reply__init(&out.reply);
		out.reply.id = req->id;
		ph_fail(&out, op->name, errno, "cannot start a worker");
		(void)send_reply(ctx->chan, &out);
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
