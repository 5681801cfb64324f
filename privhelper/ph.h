/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moatd (root) internals: its context, the policy, the typed requests that
 * checks produce and handlers consume, and the op table's declarations,
 * generated from ops.def. Nothing here parses bytes.
 */
#ifndef MOAT_PH_H
#define MOAT_PH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h"
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
	bool allow_raw_idmap;       /* raw.idmap; isolated maps outside the delegated range */
	bool allow_raw_seccomp;     /* raw.seccomp */
	bool allow_kernel_modules;  /* linux.kernel_modules */
	bool allow_lxc_hooks;       /* lxc.hook.* lines in raw.lxc */
	bool allow_host_interfaces; /* nics: physical, macvlan, bridged onto a host bridge */
	bool allow_raw_dnsmasq;     /* raw.dnsmasq of a managed network */
	bool allow_proxy_low_ports; /* proxy devices listening on host ports below 1024 */
	/* Host paths that disk devices may use; "*" entry = any. */
	char **disk_source_prefixes;
	/* No container ids unless root has a range in /etc/subuid and /etc/subgid. */
	bool require_delegated_ids;
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
	uint32_t idmap_base_gid;
	uint32_t idmap_size_gid;
	struct ph_policy policy;
	int chan;                 /* the channel to the current frontend */
	unsigned frontends;       /* how many moatd started (supervise.c): hello's first_frontend */
	char default_network[16]; /* --network: hello's default_network ("": none) */
	struct ph_call *call;     /* the op being served (dispatch.c) */
};

#include "ph_types.h"

/* Every op's typed request, as ph_decode() yields it. */
union ph_typed {
#define PH_OP(nm, ...) struct ph_##nm nm;
#include "ops.def"
};

/*
 * The three steps of every op, in its op_<family>.c, dispatched in this
 * order from the table (dispatch.c):
 *   ph_check_<op>()  pure: the op's own message in, its typed struct out
 *                    (written only on success); < 0 is a protocol breach
 *   ph_policy_<op>() pure: 0, or a negative errno and *ret_why (a static
 *                    string) when the loaded policy refuses the request
 *   ph_do_<op>()     the one action: sees its typed struct and ctx (with
 *                    ctx->call: descriptors in and out, the error), fills
 *                    the reply that dispatch wires into the envelope
 */
#define PH_OP(nm, Nm, ...)                                                                         \
	int ph_check_##nm(const Ph__##Nm##Request *m, struct ph_##nm *ret);                        \
	int ph_policy_##nm(const struct ph_policy *p, const struct ph_##nm *t,                     \
			   const char **ret_why);                                                  \
	int ph_do_##nm(struct ph_ctx *ctx, const struct ph_##nm *t, Ph__##Nm##Reply *reply);
#include "ops.def"

/* The check of an op on one instance and one message: its name, then fn(m->field, &t.field). */
#define PH_CHECK_OF(nm, Nm, fn, field)                                                             \
	int ph_check_##nm(const Ph__##Nm##Request *m, struct ph_##nm *ret)                         \
	{                                                                                          \
		struct ph_##nm t;                                                                  \
		int r = ph_check_name(&m->name, t.ref.name);                                       \
                                                                                                   \
		if (r == 0)                                                                        \
			r = fn(m->field, &t.field);                                                \
		if (r == 0)                                                                        \
			*ret = t;                                                                  \
		return r;                                                                          \
	}
/* The policy step of an op the policy has nothing to narrow in (its use says why). */
#define PH_POLICY_NONE(nm)                                                                         \
	int ph_policy_##nm(const struct ph_policy *p, const struct ph_##nm *t,                     \
			   const char **ret_why)                                                   \
	{                                                                                          \
		return 0;                                                                          \
	}
/* The policy step of an op that is the policy step of one of its fields (t->field). */
#define PH_POLICY_OF(nm, fn, field)                                                                \
	int ph_policy_##nm(const struct ph_policy *p, const struct ph_##nm *t,                     \
			   const char **ret_why)                                                   \
	{                                                                                          \
		return fn(p, &t->field, ret_why);                                                  \
	}

/* ---- policy.c ----------------------------------------------------------- */
int ph_policy_load(const char *path, struct ph_policy *ret);
int ph_policy_parse(const char *text, size_t len, struct ph_policy *ret);
void ph_policy_free(struct ph_policy *p);

/* ---- validate.c: the generic walk and shared primitives, all pure -------- */
int ph_check_message(const ProtobufCMessage *m, unsigned depth);
/* A name (name_valid()) into a C string. */
int ph_check_name(const ProtobufCBinaryData *b, char ret[static NAME_MAX_LEN + 1]);
/* 64 lowercase hex digits into a C string. */
int ph_check_fingerprint(const ProtobufCBinaryData *b, char ret[static PH_FP_LEN + 1]);
/* Bytes without a NUL, min..size-1 of them, into a C string. */
int ph_check_text(const ProtobufCBinaryData *b, size_t min, char *ret, size_t size);
/* An IP address as text, read by inet_pton alone (no name, scope or port), of family
 * AF_INET or AF_INET6 into ret, or of either (family 0: ret gets 16 bytes, an IPv4
 * address zero-padded; *ret_family says which). 0, or -EINVAL. */
int ph_check_ip(const ProtobufCBinaryData *b, int family, int *ret_family, void *ret);
/* Descriptor checks: the kind of file each op's descriptors must be. */
int ph_check_fd_readonly_file(const int *fds, size_t nfds);

/* ---- dispatch.c: the table generated from ops.def, and the path --------- */
enum ph_op_flags {
	PH_OP_SLOW = 1 << 0, /* run in a forked worker, off the main loop */
};

/* Every op's reply message: dispatch.c's storage for the one being built. */
union ph_replies {
#define PH_OP(nm, Nm, ...) Ph__##Nm##Reply nm;
#include "ops.def"
};

struct ph_op {
	Ph__Request__OpCase op;
	const char *name;      /* the oneof field's name: in every error and log line */
	unsigned nfds;         /* exact number of descriptors the request carries */
	unsigned nfds_out_min; /* and a successful reply (an errno reply: none) */
	unsigned nfds_out_max;
	unsigned flags;
	/* generated around ph_check_<op>, ph_policy_<op> and ph_do_<op> */
	int (*check)(const Ph__Request *req, union ph_typed *ret);
	int (*check_fds)(const int *fds, size_t nfds); /* NULL when nfds is 0 */
	int (*policy)(const struct ph_policy *p, const union ph_typed *t, const char **ret_why);
	int (*run)(struct ph_ctx *ctx, const union ph_typed *t, Ph__Reply *reply,
		   union ph_replies *storage);
};

extern const struct ph_op ph_ops[];
extern const size_t ph_ops_len;

const struct ph_op *ph_op_find(Ph__Request__OpCase op);

/*
 * The op being served, in ctx->call while its handler runs: the request's
 * checked descriptors, the descriptors the reply will carry, and the error.
 */
struct ph_call {
	const struct ph_op *op;
	uint64_t id;
	const int *fds; /* op->nfds of them, checked by op->check_fds */
	int fds_out[FRAME_MAX_FDS];
	size_t nfds_out;
	/* Run in the worker after the reply went out (PH_OP_SLOW ops only). */
	void (*after_reply)(struct ph_ctx *ctx);
	int err;
	char error[256];
};

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

/*
 * For handlers: an errno reply naming the current op (from the table);
 * returns -err. ph_reply_fd() hands fd on with the reply (closing it if
 * the reply is full); on failure dispatch closes what was handed on.
 */
int ph_fail(struct ph_ctx *ctx, int err, const char *why);
int ph_reply_fd(struct ph_ctx *ctx, int fd);

/* ---- supervise.c: moatd-api's life ---------------------------------------- */
struct ph_frontend {
	int exe_fd;    /* the moatd-api binary, opened by root at start */
	int listen_fd; /* the API socket it serves */
	bool debug;
	pid_t pid;                                 /* 0: not running */
	long long next_spawn, spawned_at, backoff; /* ms, CLOCK_MONOTONIC */
};

/* Start moatd-api if it is due; the poll timeout until then (-1: none). */
int ph_frontend_tick(struct ph_frontend *fe, struct ph_ctx *ctx);
/* Reap exited children; if moatd-api was one, close the channel, retry later. */
void ph_frontend_reap(struct ph_frontend *fe, struct ph_ctx *ctx);

#endif
