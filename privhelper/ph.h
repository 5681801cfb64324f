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
	int chan; /* the channel to the current frontend */
};

/* ---- typed requests: what validators yield and handlers see ----------- */

struct ph_hello {
	uint32_t protocol;
};

struct ph_instance_ref {
	char name[NAME_MAX_LEN + 1]; /* validated by name_valid() */
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

union ph_typed {
	struct ph_hello hello;
	struct ph_instance_ref instance_state;
	struct ph_instance_action instance_action;
	struct ph_image_unpack image_unpack;
	struct ph_instance_create instance_create;
	struct ph_instance_delete instance_delete;
	struct ph_instance_start instance_start;
	struct ph_file_op file_op;
	struct ph_exec_start exec_start;
	struct ph_instance_log instance_log;
	struct ph_console_open console_open;
	struct ph_instance_ref instance_network;
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
		Ph__ImageUnpackReply image_unpack;
		Ph__InstanceCreateReply instance_create;
		Ph__InstanceDeleteReply instance_delete;
		Ph__InstanceStartReply instance_start;
		Ph__FileOpReply file_op;
		Ph__ExecStartReply exec_start;
		Ph__InstanceLogReply instance_log;
		Ph__ConsoleOpenReply console_open;
		Ph__InstanceNetworkReply instance_network;
	} r;

	char target[PH_PATH_MAX];
	/* Run in the worker after the reply went out (PH_OP_SLOW ops only). */
	void (*after_reply)(struct ph_ctx *ctx, struct ph_out *out);
	void *after_data;
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
int ph_check_image_unpack(const Ph__Request *req, union ph_typed *ret);
int ph_check_instance_create(const Ph__Request *req, union ph_typed *ret);
int ph_check_instance_delete(const Ph__Request *req, union ph_typed *ret);
int ph_check_instance_start(const Ph__Request *req, union ph_typed *ret);
int ph_check_file_op(const Ph__Request *req, union ph_typed *ret);
int ph_check_exec_start(const Ph__Request *req, union ph_typed *ret);
int ph_check_instance_log(const Ph__Request *req, union ph_typed *ret);
int ph_check_console_open(const Ph__Request *req, union ph_typed *ret);
int ph_check_instance_network(const Ph__Request *req, union ph_typed *ret);
/* Descriptor checks: the kind of file each op's descriptors must be. */
int ph_check_fd_readonly_file(const int *fds, size_t nfds);

/* ---- handlers: see only the typed struct and the checked descriptors ----- */
#define PH_HANDLER(op)                                                                             \
	int ph_do_##op(struct ph_ctx *ctx, const union ph_typed *t, const int *fds,                \
		       struct ph_out *out)
PH_HANDLER(hello);
PH_HANDLER(instance_state);
PH_HANDLER(instance_action);
PH_HANDLER(image_unpack);
PH_HANDLER(instance_create);
PH_HANDLER(instance_delete);
PH_HANDLER(instance_start);
PH_HANDLER(file_op);
PH_HANDLER(exec_start);
PH_HANDLER(instance_log);
PH_HANDLER(console_open);
PH_HANDLER(instance_network);

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
/* Write the liblxc configuration of an instance (op_instance.c). */
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
/* Fill the counters of a running instance; < 0: ask liblxc instead. */
int ph_cgroup_usage(const char *name, pid_t pid, Ph__InstanceStateReply *s);

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
	int (*check_fds)(const int *fds, size_t nfds); /* NULL when nfds is 0 */
	int (*run)(struct ph_ctx *ctx, const union ph_typed *t, const int *fds, struct ph_out *out);
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
