/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moatd (root) internals: its context, the policy, and the typed requests
 * that validators produce and handlers consume. Nothing here parses bytes.
 */
#ifndef MOAT_PH_H
#define MOAT_PH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "name.h"
#include "proto/privhelper.pb-c.h"

#define PH_PROTOCOL 1

/* The root-owned policy, loaded once at start (policy.c). */
struct ph_policy {
	char name[64];
	bool allow_privileged;
	bool allow_nesting;
	bool allow_raw_lxc;
	bool allow_unix_devices;
	/* Host paths that disk devices may use; "*" entry = any. */
	char **disk_source_prefixes;
};

struct ph_ctx {
	int dir_fd;    /* $MOAT_DIR, O_PATH */
	char *dir;     /* its absolute path, for liblxc's lxcpath */
	char *lxcpath; /* $MOAT_DIR/containers */
	uid_t fe_uid;  /* the frontend's user */
	gid_t fe_gid;
	gid_t sock_gid;      /* group allowed on the API socket */
	uint32_t idmap_base; /* delegated id range (subuid/subgid of root) */
	uint32_t idmap_size;
	struct ph_policy policy;
	int chan; /* the channel to the current frontend */
};

/* ---- typed requests: what validators yield and handlers see ----------- */

struct ph_hello {
	uint32_t protocol;
};

struct ph_instance_ref {
	char name[NAME_MAX_LEN + 1]; /* validated by name_valid() */
};

enum ph_action { PH_START = 1, PH_STOP, PH_FREEZE, PH_UNFREEZE };

struct ph_instance_action {
	struct ph_instance_ref ref;
	enum ph_action action;
	int timeout; /* -1 = forever, else 0..3600 seconds */
	bool force;
};

union ph_typed {
	struct ph_hello hello;
	struct ph_instance_ref instance_state;
	struct ph_instance_action instance_action;
};

/*
 * Reply being built by a handler. The handler points reply->result at one
 * of the storage members below and may add descriptors to fds.
 */
struct ph_out {
	Ph__Reply reply;
	union {
		Ph__HelloReply hello;
		Ph__InstanceStateReply instance_state;
		Ph__InstanceActionReply instance_action;
	} r;
	Ph__KernelFeature feat[32];
	Ph__KernelFeature *featp[32];
	int fds[4];
	size_t nfds;
	char error[256];
};

/* ---- policy.c ----------------------------------------------------------- */
int ph_policy_load(const char *path, struct ph_policy *ret);
int ph_policy_parse(const char *text, size_t len, struct ph_policy *ret);
void ph_policy_free(struct ph_policy *p);

/* ---- validate.c: pure, message in, typed struct out -------------------- */
int ph_check_message(const ProtobufCMessage *m, unsigned depth);
int ph_check_hello(const Ph__Request *req, union ph_typed *ret);
int ph_check_instance_state(const Ph__Request *req, union ph_typed *ret);
int ph_check_instance_action(const Ph__Request *req, union ph_typed *ret);

/* ---- handlers: see only the typed struct --------------------------------- */
int ph_do_hello(struct ph_ctx *ctx, const union ph_typed *t, struct ph_out *out);
int ph_do_instance_state(struct ph_ctx *ctx, const union ph_typed *t, struct ph_out *out);
int ph_do_instance_action(struct ph_ctx *ctx, const union ph_typed *t, struct ph_out *out);

/* ---- dispatch.c --------------------------------------------------------- */
enum ph_op_flags {
	PH_OP_SLOW = 1 << 0, /* run in a forked worker, off the main loop */
};

struct ph_op {
	Ph__Request__OpCase op;
	const char *name;
	unsigned nfds; /* exact number of descriptors the request carries */
	unsigned flags;
	int (*check)(const Ph__Request *req, union ph_typed *ret);
	int (*run)(struct ph_ctx *ctx, const union ph_typed *t, struct ph_out *out);
};

extern const struct ph_op ph_ops[];
extern const size_t ph_ops_len;

const struct ph_op *ph_op_find(Ph__Request__OpCase op);

/*
 * Decode and validate one packet. On success *ret_req is the decoded
 * message (free with ph__request__free_unpacked), *ret_op its table entry
 * and *ret_typed the validated request. Any failure is a protocol breach:
 * the caller closes the channel. Pure; used by the fuzzer.
 */
int ph_decode(const uint8_t *buf, size_t len, size_t nfds, Ph__Request **ret_req,
	      const struct ph_op **ret_op, union ph_typed *ret_typed);

/* Handle one packet from the channel. < 0: close the channel. */
int ph_dispatch(struct ph_ctx *ctx, const uint8_t *buf, size_t len, int *fds, size_t nfds);

/* Set an errno reply naming the op; returns -err for convenience. */
int ph_fail(struct ph_out *out, const char *op, int err, const char *why);

#endif
