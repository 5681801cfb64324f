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
	struct ph_policy policy;
	int chan;             /* the channel to the current frontend */
	struct ph_call *call; /* the op being served (dispatch.c) */
};

/* ---- typed requests: what ph_check_<op>() yields and ph_do_<op>() sees ---- */

struct ph_hello {
	uint32_t protocol;
};

struct ph_instance_ref {
	char name[NAME_MAX_LEN + 1]; /* validated by name_valid() */
};

struct ph_instance_state {
	struct ph_instance_ref ref;
};

enum ph_action { PH_STOP = 2, PH_FREEZE, PH_UNFREEZE };

struct ph_instance_action {
	struct ph_instance_ref ref;
	enum ph_action action;
	int timeout; /* -1 = forever, else 0..3600 seconds */
	bool force;
};

#define PH_FP_LEN 64 /* sha256, lowercase hex */

struct ph_image_unpack {
	char fingerprint[PH_FP_LEN + 1];
	char pool[NAME_MAX_LEN + 1];
};

struct ph_instance_create {
	struct ph_instance_ref ref;
	char pool[NAME_MAX_LEN + 1];
	char fingerprint[PH_FP_LEN + 1]; /* "" = empty rootfs */
};

struct ph_instance_delete {
	struct ph_instance_ref ref;
	char pool[NAME_MAX_LEN + 1];
};

struct ph_instance_config {
	bool privileged;
	bool nesting;
	uint64_t memory_limit; /* bytes, 0 = none */
	uint32_t cpu_limit;    /* CPUs, 0 = none */
	uint32_t processes_limit;
};

struct ph_instance_start {
	struct ph_instance_ref ref;
	char pool[NAME_MAX_LEN + 1];
	struct ph_instance_config config;
};

enum ph_file_kind {
	PH_FILE_READ = 1,
	PH_FILE_WRITE,
	PH_FILE_APPEND,
	PH_FILE_MKDIR,
	PH_FILE_SYMLINK,
	PH_FILE_DELETE
};

#define PH_PATH_MAX 4096

struct ph_file_op {
	struct ph_instance_ref ref;
	char pool[NAME_MAX_LEN + 1];
	char path[PH_PATH_MAX];   /* no NUL inside; resolved in the container's root */
	char target[PH_PATH_MAX]; /* symlink content */
	enum ph_file_kind kind;
	int uid, gid; /* -1 or 0..65535 (container ids = on-disk ids, idmapped) */
	int mode;     /* -1 or 0..07777 */
};

#define PH_EXEC_MAX_ARGS 128
#define PH_EXEC_BUF 16384

struct ph_exec_start {
	struct ph_instance_ref ref;
	/* argv, env and cwd strings, NUL-terminated, by offset into buf (the
	 * struct is copied by value, so it holds no pointers into itself) */
	char buf[PH_EXEC_BUF];
	uint16_t argv[PH_EXEC_MAX_ARGS], env[PH_EXEC_MAX_ARGS];
	size_t argc, envc;
	int cwd; /* offset, or -1: "/" */
	uint32_t uid, gid;
	bool interactive;
	uint16_t width, height;
};

struct ph_instance_log {
	struct ph_instance_ref ref;
	bool console; /* console.log, else lxc.log */
	bool truncate;
};

struct ph_console_open {
	struct ph_instance_ref ref;
	uint16_t width, height;
};

struct ph_instance_network {
	struct ph_instance_ref ref;
};

struct ph_instance_limits {
	struct ph_instance_ref ref;
	uint64_t memory_limit; /* bytes, 0 = none, else >= 4096 */
	uint32_t cpu_limit;    /* CPUs, 0 = all, else <= 4096 */
	uint32_t processes_limit;
};

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
/* Descriptor checks: the kind of file each op's descriptors must be. */
int ph_check_fd_readonly_file(const int *fds, size_t nfds);

/* ---- storage.c: paths and confined workers ------------------------------- */
/* Open (creating if needed) $MOAT_DIR/storage-pools/<pool>, O_PATH. */
int ph_pool_open(struct ph_ctx *ctx, const char *pool);
/*
 * Run fn in a grandchild that sees only the directory `root` (a path moatd
 * built from validated names): its own mount namespace pivoted into root,
 * then a user namespace mapping ids 0-65535 to themselves (no capability
 * over the host: no device nodes, no mounts), no_new_privs. It holds no
 * descriptor of moatd's but stdio and keep_fd (-1: none). Returns fn's
 * result (0 or a negative errno).
 */
int ph_confined_path(const char *root, int (*fn)(void *arg), void *arg, int keep_fd);
/* "$MOAT_DIR/storage-pools/<pool>" into ret. */
int ph_pool_path(struct ph_ctx *ctx, const char *pool, char *ret, size_t size);

/* ---- op_instance.c: liblxc's view of a container under moatd's lxcpath ---- */
struct lxc_container;
/* The container `name` (validated) if it is defined there: -ENOENT if not. */
int ph_container_open(struct ph_ctx *ctx, const char *name, struct lxc_container **ret);
void ph_container_put(struct lxc_container **c);
#define __do_lxc_put __attribute__((cleanup(ph_container_put)))
/* Write the liblxc configuration of an instance. */
int ph_render_config(struct ph_ctx *ctx, const char *name, const char *pool,
		     const struct ph_instance_config *cfg);

/* ---- cgroup.c: usage counters read from the payload cgroup's files ------- */
/* The path of ctrl's line ("" = cgroup2) in a /proc/<pid>/cgroup text. */
int ph_cgroup_path(const char *text, const char *ctrl, char *out, size_t size);
/* Does every line of ctrl lie in dir or below it (and is there one)? */
bool ph_cgroup_within(const char *text, const char *ctrl, const char *dir);
/* A counter file's text as a number, or with field ("usage_usec ") that
 * field of its "key value" lines, microseconds made nanoseconds. */
uint64_t ph_cgroup_number(const char *text, const char *field);
/* Is the memory controller on a cgroup v1 hierarchy (a hybrid host), or v2? */
bool ph_cgroup_v1_memory(void);
/* Fill the counters of a running instance; < 0: ask liblxc instead. */
int ph_cgroup_usage(const char *name, pid_t pid, Ph__InstanceStateReply *s);

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
