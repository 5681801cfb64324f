// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for ph_decode() (privhelper/dispatch.c): the whole path
 * from the channel's bytes to a validated typed request, as moatd (root)
 * runs it on what a possibly hostile moatd-api sends. Built with clang,
 * libFuzzer, ASan and UBSan by `make fuzz-build`; runs unprivileged. The
 * input is untrusted by design. Besides memory safety it checks the
 * validator's promises on every accepted packet and aborts if one breaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool typed_name_ok(const char *name)
{
	size_t n = strnlen(name, NAME_MAX_LEN + 1);

	return n <= NAME_MAX_LEN && name_valid((const uint8_t *)name, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ph__Request *req = NULL;
	const struct ph_op *op = NULL;
	union ph_typed t;

	if (ph_decode(data, size, 0, &req, &op, &t) != 0) {
		if (req || op)
			abort(); /* outputs written on failure */
		return 0;
	}
	/* what the handlers rely on */
	if (!req || !op || op->op != req->op_case || op->nfds != 0 || !op->check || !op->run ||
	    size > FRAME_MAX || req->base.n_unknown_fields != 0)
		abort();
	switch (req->op_case) {
	case PH__REQUEST__OP_HELLO:
		if (t.hello.protocol != PH_PROTOCOL)
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_STATE:
		if (!typed_name_ok(t.instance_state.name))
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_ACTION:
		if (!typed_name_ok(t.instance_action.ref.name) ||
		    t.instance_action.action < PH_START || t.instance_action.action > PH_UNFREEZE ||
		    t.instance_action.timeout < -1 || t.instance_action.timeout > 3600)
			abort();
		break;
	default:
		abort(); /* an op the table should not have let through */
	}
	ph__request__free_unpacked(req, NULL);
	return 0;
}
