/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moatd (root): the typed requests that each op's ph_check_<op>() yields
 * and its ph_do_<op>() sees, one struct per op of ops.def, and the helpers
 * the op families share (storage.c, render.c, cgroup.c, op_instance.c).
 * Included by ph.h (the typed-request union needs every struct whole); not
 * part of the trust core: what a field may hold is decided by its op's
 * check, in the op's family file. Nothing here parses bytes.
 */
#ifndef MOAT_PH_TYPES_H
#define MOAT_PH_TYPES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "name.h"
#include "proto/privhelper.pb-c.h"

struct ph_ctx;

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

enum ph_storage_action {
	PH_POOL_CREATE = 1,
	PH_POOL_DELETE,
	PH_SNAP_CREATE,
	PH_SNAP_DELETE,
	PH_SNAP_RENAME,
	PH_SNAP_RESTORE,
	PH_INSTANCE_COPY,
	PH_SNAP_COPY,
	PH_INSTANCE_RENAME,
};

/* One storage action (op_snapshot.c); "" where the action takes no such field. */
struct ph_storage {
	enum ph_storage_action action;
	char pool[NAME_MAX_LEN + 1], target_pool[NAME_MAX_LEN + 1]; /* target_pool: pool if unset */
	char name[NAME_MAX_LEN + 1], target[NAME_MAX_LEN + 1];      /* name_valid() */
	char snapshot[NAME_MAX_LEN + 1],
		target_snapshot[NAME_MAX_LEN + 1]; /* name_device_valid() */
	bool btrfs;                                /* POOL_CREATE: the btrfs driver (else dir) */
	uint64_t size; /* of a btrfs pool's loop file: 256 MiB .. 1 PiB */
};

#include "rawconf.h"

#define PH_IDMAP_MAX 16     /* raw.idmap entries */
#define PH_SYSCALLS_MAX 128 /* rules of a deny or an allow list */
#define PH_RAW_LXC_MAX 64   /* raw.lxc lines */
#define PH_MODULES_MAX 16   /* linux.kernel_modules */
#define PH_SYSCTL_MAX 32    /* linux.sysctl.* keys */

struct ph_idmap_entry {
	bool uid, gid;
	uint32_t host, cont, count; /* cont + count <= 65536, host + count <= 2^32 */
};

struct ph_line {
	char key[RAWCONF_KEY_MAX];
	char value[RAWCONF_VALUE_MAX];
};

/* The security part of a start (sec_config.c checks, polices and renders it). */
struct ph_sec_config {
	bool idmap_isolated;
	uint32_t idmap_base, idmap_size; /* isolated: host uid of container 0, 1..65536 ids */
	struct ph_idmap_entry raw_idmap[PH_IDMAP_MAX];
	size_t n_raw_idmap;
	bool no_default_deny, deny_compat;
	struct rawconf_rule deny[PH_SYSCALLS_MAX], allow[PH_SYSCALLS_MAX];
	size_t n_deny, n_allow;
	char raw_seccomp[RAWCONF_SECCOMP_MAX + 1]; /* "" = none */
	struct ph_line raw_lxc[PH_RAW_LXC_MAX];
	size_t n_raw_lxc;
	char modules[PH_MODULES_MAX][RAWCONF_MODULE_MAX];
	size_t n_modules;
	struct ph_line sysctl[PH_SYSCTL_MAX]; /* value < RAWCONF_SYSCTL_MAX */
	size_t n_sysctl;
};

/* The huge page sizes LXD names (limits.hugepages.64KB ... .1GB). */
enum ph_hugepage { PH_HUGE_64KB, PH_HUGE_1MB, PH_HUGE_2MB, PH_HUGE_1GB, PH_HUGE_N };

#define PH_CPUSET_BYTES 128 /* a CPU set names CPUs 0-1023 */

/* The limits.* keys as ph_check_limits() (limits.c) yields them; 0 = unset. */
struct ph_limits {
	uint64_t memory;                                /* bytes, else >= 4096 */
	uint32_t memory_percent;                        /* or 1-100 % of the host's memory */
	bool memory_soft;                               /* limits.memory.enforce=soft */
	bool swap_off;                                  /* limits.memory.swap=false */
	uint32_t swap_priority_drop, cpu_priority_drop; /* 10 - priority: 0-10 */
	uint32_t cpu_count;                             /* 1-4096; 0 = every CPU */
	uint8_t cpu_set[PH_CPUSET_BYTES];               /* or a set (not with cpu_count) */
	bool has_cpu_set;
	uint32_t cpu_percent;                 /* 1-100; 0 = 100 % */
	uint32_t cpu_quota_us, cpu_period_us; /* both or neither; not with cpu_percent */
	uint32_t processes;                   /* 1-4194304 */
	uint64_t hugepages[PH_HUGE_N];        /* bytes, for the sizes in hugepages_set */
	unsigned hugepages_set;               /* bit k: hugepages[k] is a limit */
};

struct ph_instance_config {
	bool privileged;
	bool nesting;
	struct ph_limits limits;
	struct ph_sec_config sec;
};

#define PH_DEVICES_MAX 16       /* devices of one start */
#define PH_DEVICE_PATH_MAX 1024 /* a device's source or path, with its NUL */

enum ph_device_kind { PH_DEV_DISK = 1, PH_DEV_UNIX_CHAR, PH_DEV_UNIX_BLOCK };

/* One device as ph_check_device() (op_device.c) yields it. */
struct ph_device {
	char name[NAME_MAX_LEN + 1]; /* [A-Za-z0-9][A-Za-z0-9._-]{0,62} */
	enum ph_device_kind kind;
	char source[PH_DEVICE_PATH_MAX]; /* absolute, normal: no ".", "..", "//", trailing "/" */
	char path[PH_DEVICE_PATH_MAX];   /* the same rules, not "/"; no space or '\\' */
	bool readonly, optional, shift;
	unsigned long propagation; /* MS_PRIVATE, MS_SHARED, MS_SLAVE or MS_UNBINDABLE */
	uint32_t uid, gid;         /* unix-*: 0-65535 */
	uint32_t mode;             /* unix-*: 0-0777 */
};

#define PH_NICS_MAX 16     /* nics of one start */
#define PH_NIC_ADDRS_MAX 8 /* addresses a filtered nic may use, per family */

enum ph_nic_type { PH_NIC_BRIDGED = 1, PH_NIC_MACVLAN, PH_NIC_P2P, PH_NIC_PHYSICAL };

/* One nic as ph_check_nic() (nic.c) yields it. */
struct ph_nic {
	char device[NAME_MAX_LEN + 1]; /* the device's name: name_device_valid() */
	enum ph_nic_type type;
	char ifname[NAME_IFNAME_MAX + 1];    /* name_ifname_valid() */
	char parent[NAME_IFNAME_MAX + 1];    /* the same; "" for p2p only */
	char host_name[NAME_IFNAME_MAX + 1]; /* bridged, p2p: the same or ""; else "" */
	uint8_t hwaddr[6];                   /* unicast, not zero, when has_hwaddr */
	bool has_hwaddr;
	uint32_t mtu;                                       /* 0 or 68-65535 */
	bool mac_filtering, ipv4_filtering, ipv6_filtering; /* bridged only */
	uint8_t ipv4[PH_NIC_ADDRS_MAX][4];
	uint8_t ipv6[PH_NIC_ADDRS_MAX][16];
	size_t n_ipv4, n_ipv6;
	uint64_t ingress, egress; /* bridged: bytes a second, 0 = none, <= PH_NIC_RATE_MAX */
};
#define PH_NIC_RATE_MAX (1ull << 40)

struct ph_instance_start {
	struct ph_instance_ref ref;
	char pool[NAME_MAX_LEN + 1];
	struct ph_instance_config config;
	struct ph_device devices[PH_DEVICES_MAX]; /* in path order */
	size_t ndevices;
	struct ph_nic nics[PH_NICS_MAX]; /* lxc.net.0 ... in this order */
	size_t nnics;
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
	struct ph_limits limits; /* the whole set: what is unset is removed */
};

struct ph_device_attach {
	struct ph_instance_ref ref;
	struct ph_device device;
};

struct ph_device_detach {
	struct ph_instance_ref ref;
	struct ph_device device;
};

/* Managed networks (op_network.c). A name: [A-Za-z0-9][A-Za-z0-9_-]{0,14}. */
#define PH_NET_NAME_MAX 15
#define PH_NET_RANGES_MAX 8
#define PH_NET_HOSTS_MAX 1024
#define PH_NET_DOMAIN_MAX 63
#define PH_NET_RAW_MAX 8191

/* NET_ADDR_AUTO (1) is retired: moatd-api picks the subnet. */
enum ph_net_addr_mode { PH_NET_ADDR_NONE = 0, PH_NET_ADDR_SET = 2 };
enum ph_net_dns_mode { PH_NET_DNS_MANAGED = 0, PH_NET_DNS_DYNAMIC = 1, PH_NET_DNS_NONE = 2 };

struct ph_net_apply_host {
	char name[NAME_MAX_LEN + 1]; /* an instance name (name_valid()) */
	uint8_t hwaddr[6];           /* unicast, not zero */
	bool has_ipv4, has_ipv6;
	struct in_addr ipv4; /* in the network's subnet, not its own address */
	struct in6_addr ipv6;
};

/* ---- acl.c: network ACLs and forwards, typed -------------------------------- */
#define PH_FW_RULES_MAX 64 /* rules of one direction */
#define PH_FW_MATCH_MAX 8  /* addresses or ports in one field of a rule */
#define PH_FW_FWD_MAX 32   /* forwards of one network */
#define PH_FW_PORTS_MAX 32 /* port maps of one forward */
enum ph_fw_action { PH_FW_ALLOW = 1, PH_FW_REJECT = 2, PH_FW_DROP = 3 };
enum ph_fw_proto { PH_FW_ANY = 0, PH_FW_TCP = 1, PH_FW_UDP = 2, PH_FW_ICMP4 = 3, PH_FW_ICMP6 = 4 };
struct ph_fw_range {
	int family;                  /* AF_INET (4 bytes used) or AF_INET6 */
	uint8_t first[16], last[16]; /* first <= last */
};
struct ph_fw_ports {
	uint16_t first, last; /* first <= last */
};
struct ph_fw_rule {
	enum ph_fw_action action;
	bool log;
	enum ph_fw_proto proto;
	struct ph_fw_range src[PH_FW_MATCH_MAX], dst[PH_FW_MATCH_MAX];
	size_t n_src, n_dst;
	struct ph_fw_ports sport[PH_FW_MATCH_MAX], dport[PH_FW_MATCH_MAX]; /* tcp, udp only */
	size_t n_sport, n_dport;
	int icmp_type, icmp_code; /* -1, or 0-255 with icmp4 and icmp6 only */
};
struct ph_fw_set {
	bool enabled;
	enum ph_fw_action default_ingress, default_egress;
	struct ph_fw_rule ingress[PH_FW_RULES_MAX], egress[PH_FW_RULES_MAX];
	size_t n_ingress, n_egress;
};
struct ph_fw_fwd_port {
	enum ph_fw_proto proto;            /* PH_FW_TCP or PH_FW_UDP */
	struct ph_fw_ports listen, target; /* target: one port or as many as listen */
	uint8_t target_addr[16];
};
struct ph_fw_fwd {
	int family;
	uint8_t listen[16];
	bool has_default;
	uint8_t default_target[16];
	struct ph_fw_fwd_port ports[PH_FW_PORTS_MAX];
	size_t n_ports;
};

struct ph_network_apply;
/* An AclSet (absent: enabled false) and a Forward into their typed forms (acl.c). */
int ph_check_fw_set(const Ph__AclSet *m, struct ph_fw_set *ret);
int ph_check_fw_fwd(const Ph__Forward *m, struct ph_fw_fwd *ret);
/* The "acl" and "fwd" fragments of bridge b (malloc'ed); -E2BIG past 64 KiB of rules. */
int ph_fw_acl_rules(const char *b, const struct ph_fw_set *s, char **ret);
int ph_fw_fwd_rules(const char *b, const struct ph_network_apply *n, char **ret);

struct ph_network_apply {
	char name[PH_NET_NAME_MAX + 1];
	uint32_t mtu; /* 68..65535 (1280.. with IPv6) */
	bool has_hwaddr;
	uint8_t hwaddr[6];
	enum ph_net_addr_mode ipv4_mode, ipv6_mode;
	struct in_addr ipv4; /* SET: a host address of its subnet */
	uint8_t ipv4_prefix; /* SET: 8..30 */
	struct in6_addr ipv6;
	uint8_t ipv6_prefix; /* SET: 8..126 */
	bool ipv4_nat, ipv4_dhcp, ipv4_routing;
	bool ipv6_nat, ipv6_dhcp, ipv6_dhcp_stateful, ipv6_routing;
	struct {
		struct in_addr start, end; /* host order compared; in the subnet (SET only) */
	} ipv4_ranges[PH_NET_RANGES_MAX];
	size_t n_ipv4_ranges;
	char dns_domain[PH_NET_DOMAIN_MAX + 1]; /* DNS labels [a-z0-9-], dots between */
	enum ph_net_dns_mode dns_mode;
	char raw_dnsmasq[PH_NET_RAW_MAX + 1]; /* "" or rawconf_dnsmasq_check's lines */
	size_t n_hosts;
	struct ph_net_apply_host hosts[PH_NET_HOSTS_MAX];
	struct ph_fw_set acls;                    /* acl.c: security.acls (enabled false: none) */
	struct ph_fw_fwd forwards[PH_FW_FWD_MAX]; /* acl.c: in the network's subnet */
	size_t n_forwards;
};

struct ph_network_delete {
	char name[PH_NET_NAME_MAX + 1];
};

struct ph_nic_attach {
	struct ph_instance_ref ref;
	struct ph_nic nic;
};

struct ph_nic_detach {
	struct ph_instance_ref ref;
	struct ph_nic nic;
};

/* ---- proxy devices (op_proxy.c checks and runs them, proxy_fwd.c forwards) ---- */

enum ph_proxy_kind { PH_PROXY_TCP = 1, PH_PROXY_UDP, PH_PROXY_UNIX };

#define PH_PROXY_PATH_MAX 108 /* sun_path, with its NUL */

/* One end as ph_check_proxy() yields it. */
struct ph_proxy_end {
	enum ph_proxy_kind kind;
	int family;                   /* tcp, udp: AF_INET or AF_INET6 */
	uint8_t addr[16];             /* network order, 4 or 16 bytes used */
	uint16_t port;                /* 1-65535 */
	char path[PH_PROXY_PATH_MAX]; /* unix: absolute, normal, not "/" */
};

struct ph_proxy {
	char device[NAME_MAX_LEN + 1];       /* [A-Za-z0-9][A-Za-z0-9._-]{0,62} */
	struct ph_proxy_end listen, connect; /* udp with udp only; tcp and unix mix */
	bool bind_instance;
	uint32_t uid, gid, mode;             /* a unix listener's: 0-65535, 0-0777 */
	uint32_t security_uid, security_gid; /* container ids, 0-65535 */
};

struct ph_proxy_attach {
	struct ph_instance_ref ref;
	struct ph_proxy proxy;
};

struct ph_proxy_detach {
	struct ph_instance_ref ref;
	struct ph_proxy proxy;
};

/* What the forwarder runs with: the container's init, the binary it becomes,
 * the host ids it drops to (never 0), a unix listener's owner as host ids. */
struct ph_proxy_run {
	pid_t init;
	int exe_fd; /* moat-forward, beside moatd: root's, writable by root alone */
	uid_t uid, sock_uid;
	gid_t gid, sock_gid;
};

/* ---- storage.c: paths and confined workers ------------------------------- */
/* Open (creating if needed) $MOAT_DIR/storage-pools/<pool>, O_PATH. */
int ph_pool_open(struct ph_ctx *ctx, const char *pool);
/*
 * Run `moat-tree CMD A [B]` (worker/tree.c) in a child that sees only
 * the directory `root` (a path moatd built from validated names, as are A
 * and B): its own mount namespace pivoted into root, then a user namespace
 * mapping ids 0-65535 to themselves (no capability over the host: no
 * device nodes, no mounts), no_new_privs, exec'd from a descriptor so no
 * memory of moatd's comes along. It holds no descriptor of moatd's but
 * stdio and in_fd as its fd 3 (-1: none). Returns 0 or a negative errno.
 */
int ph_tree(const char *root, int in_fd, const char *cmd, const char *a, const char *b);
/*
 * The same worker, with the whole argv ({ "moat-tree", CMD, ..., NULL }),
 * answering on a socket that is its fd 3: one packet of exactly size bytes
 * into reply, with at most one descriptor (*ret_fd, else -EBADF). Returns
 * 0, the worker's negative errno, or -EPROTO for an answer of another size.
 */
int ph_tree_ask(const char *root, const char *const *argv, void *reply, size_t size, int *ret_fd);
/* Map ids 0-65535 of pid's new user namespace to host uid.. and gid.. (storage.c's
 * confined worker: 0 and 0; a disk's idmapped mount: the containers' base). */
int ph_userns_map(pid_t pid, uint32_t uid, uint32_t gid);
/* A binary (moatd-api, moat-forward, moat-tree), opened read-only if it is a
 * regular file, root's and writable by root alone; else a negative errno.
 * ph_open_beside: the one of that name beside moatd's own. */
int ph_open_root_file(const char *path);
int ph_open_beside(const char *name);
/* storage_btrfs.c: btrfs pools made, removed (-ENOTSUP: not one), mounted at start. */
int ph_btrfs_create(struct ph_ctx *ctx, const char *pool, uint64_t size);
int ph_btrfs_remove(struct ph_ctx *ctx, const char *pool);
void ph_btrfs_mount_all(struct ph_ctx *ctx);
/* op_snapshot.c: a new instance's storage from a rootfs under storage-pools/
 * (NULL: empty), staged and renamed into place; freeze: the running source. */
int ph_storage_new(struct ph_ctx *ctx, const char *src, const char *pool, const char *name,
		   const char *freeze);
/* op_snapshot.c: at start, remove what copies killed midway left in the pools. */
void ph_storage_sweep(struct ph_ctx *ctx);
/* "$MOAT_DIR/storage-pools/<pool>" into ret. */
int ph_pool_path(struct ph_ctx *ctx, const char *pool, char *ret, size_t size);

/* ---- op_instance.c: liblxc's view of a container under moatd's lxcpath ---- */
struct lxc_container;
/* The container `name` (validated) if it is defined there: -ENOENT if not. */
int ph_container_open(struct ph_ctx *ctx, const char *name, struct lxc_container **ret);
void ph_container_put(struct lxc_container **c);
#define __do_lxc_put __attribute__((cleanup(ph_container_put)))

/* ---- render.c: the liblxc configuration written at every start ---------- */
/* path written whole or not at all: ph_atomic_open(), write, ph_atomic_close(f, tmp, path, r). */
FILE *ph_atomic_open(const char *path, char tmp[static 4096], mode_t mode, int *ret_err);
int ph_atomic_close(FILE *f, const char *tmp, const char *path, int r);
/* Write the liblxc configuration of an instance; s and staged (or NULL): the
 * start's devices and which of them ph_devices_stage() staged. */
int ph_render_config(struct ph_ctx *ctx, const char *name, const char *pool,
		     const struct ph_instance_config *cfg, const struct ph_instance_start *s,
		     const bool *staged, const char **ret_why);

/* ---- op_device.c, device_mount.c: disks and unix nodes ------------------- */
/* The running container's init pid, and whether it has a user namespace of its own;
 * -ESRCH when it does not run. */
int ph_running_init(struct ph_ctx *ctx, const char *name, pid_t *ret_pid, bool *ret_userns);
/* /proc/<pid>/ns/<ns> opened read-only (a namespace to setns into, or to hand on). */
int ph_ns_open(pid_t pid, const char *ns);
/* The Device message into ret; < 0: malformed. */
int ph_check_device(const Ph__Device *m, struct ph_device *ret);
/* Does one of the policy's disk_source_prefixes cover path, component by component? */
bool ph_policy_prefix_allows(const struct ph_policy *p, const char *path);
/* May the policy give this device (on its names, before anything is opened)? */
int ph_policy_device(const struct ph_policy *p, const struct ph_device *d, const char **ret_why);
/* Stage every device of a start under $MOAT_DIR/containers/<name>/devices/ (sources
 * opened and checked again, mounts made detached and attached there); *ret_staged
 * says which were (optional ones may be missing). */
int ph_devices_stage(struct ph_ctx *ctx, const struct ph_instance_start *s,
		     bool ret_staged[static PH_DEVICES_MAX], const char **ret_why);
/* The lxc.mount.entry lines of the staged devices. */
int ph_render_devices(struct ph_ctx *ctx, FILE *f, const struct ph_instance_start *s,
		      const bool *staged);
/* After a start: the staging mounts and nodes go (the container holds its own). */
void ph_devices_unstage(struct ph_ctx *ctx, const char *name);

/* ---- nic.c: nics of a start (lxc.net.N.*) and their nftables filters ---- */
/* The Nic message into ret; < 0: malformed. */
int ph_check_nic(const Ph__Nic *m, struct ph_nic *ret);
/* May the policy give this nic (on its type and names alone)? */
int ph_policy_nic(const struct ph_policy *p, const struct ph_nic *n, const char **ret_why);
/* At start, before the configuration is written: what needs the host (a bridged
 * nic's parent: one of this daemon's bridges, else allow_host_interfaces; the
 * filters set before the interfaces exist, the last run's dropped). 0, or < 0
 * and *ret_why. */
int ph_nics_prepare(struct ph_ctx *ctx, const struct ph_instance_start *s, bool filter,
		    const char **ret_why);
/* The same for one nic of instance name (a start's, or a hot-plugged one); without
 * filter, the parent's check alone (before the instance is looked up). */
int ph_nic_prepare(struct ph_ctx *ctx, const char *name, const struct ph_nic *n, bool filter,
		   const char **ret_why);
/* The lxc.net.N.* lines of a start's nics ("lxc.net.0.type = empty" without one,
 * or with s NULL: a configuration written outside a start). */
int ph_render_nics(FILE *f, const struct ph_instance_start *s);
/* Does the nic want a fragment in the bridge table (a filter, a limit)? */
bool ph_nic_has_rules(const struct ph_nic *n);
/* The nft statements filtering a nic's host end (mac/ipv4/ipv6 filtering) of
 * instance name into buf; "" when it asks for none. -ENOBUFS if buf is too small. Pure. */
int ph_nic_filter_rules(const char *name, const struct ph_nic *n, char *buf, size_t size);
/* Drop one nic's filter (hot-unplugged), or every filter of an instance (stopped, deleted). */
void ph_nic_unfilter(struct ph_ctx *ctx, const char *name, const struct ph_nic *n);
void ph_nics_unfilter_all(struct ph_ctx *ctx, const char *name);

/* ---- limits.c: the limits.* keys as cgroup files -------------------------- */
/* The Limits message into ret (NULL m: no limit); -ERANGE/-EINVAL if out of bounds. */
int ph_check_limits(const Ph__Limits *m, struct ph_limits *ret);
/* Before a start or a live change: can this host apply l (huge page sizes,
 * controllers, online CPUs)? Enables the cgroup2 controllers l needs. */
int ph_limits_prepare(const struct ph_limits *l, const char **ret_why);
/* The limits' lines of a start's configuration. */
int ph_render_limits(FILE *f, const struct ph_limits *l);
/* Write l into the running container's own cgroup files: live, the whole
 * set (what is unset is reset); else, after a start, what liblxc left out. */
int ph_limits_apply(const char *name, pid_t pid, const struct ph_limits *l, bool live,
		    const char **ret_why);

/* ---- sec_config.c: the security keys of a start ----------------------------- */
/* Part of ph_check_instance_start(): the security fields into ret. */
int ph_check_sec_config(const Ph__InstanceConfig *m, struct ph_sec_config *ret);
/* Part of ph_policy_instance_start(). */
int ph_policy_sec_config(const struct ph_policy *p, const struct ph_instance_config *c,
			 const char **ret_why);
/* The idmap lines (and the seccomp policy file) of a start; < 0 with *ret_why. */
int ph_render_sec_idmap(struct ph_ctx *ctx, FILE *f, const struct ph_instance_config *c,
			const char **ret_why);
int ph_render_sec(struct ph_ctx *ctx, FILE *f, const char *name,
		  const struct ph_instance_config *c);
/* linux.kernel_modules: each loaded (or already there); < 0 with a message in why. */
int ph_sec_load_modules(const struct ph_sec_config *s, char *why, size_t why_size);

/* ---- cgroup.c: a running container's payload cgroup directories --------- */
/* Is controller ctrl ("memory") on a cgroup v1 hierarchy (a hybrid host), or on cgroup2? */
bool ph_cgroup_v1(const char *ctrl);
/* The mount point of cgroup2 ("/sys/fs/cgroup" or "/sys/fs/cgroup/unified"), or NULL. */
const char *ph_cgroup2_root(void);
/* The running container's payload directory of ctrl ("" = cgroup2), O_PATH; < 0 if not found. */
int ph_cgroup_dir(const char *name, pid_t pid, const char *ctrl);

/* ---- supervise.c: uid:gid with no capability in any set, securebits locked,
 * no supplementary group, ids re-checked not 0 (the frontend, the forwarders) */
int ph_demote(uid_t uid, gid_t gid);
/* Wait for the child pid (through EINTR): 0 if it exited 0, -its exit status if
 * another, -EIO if a signal ended it, -errno if waitpid failed. */
int ph_wait(pid_t pid);

/* ---- op_proxy.c: at instance_delete, every proxy's forwarder, host listener and record */
void ph_proxies_forget(struct ph_ctx *ctx, const char *name);

/* ---- proxy_fwd.c: the forwarder of one proxy device ------------------------ */
/* In a fresh child of moatd (root, nothing of moatd's but status_fd): listen,
 * drop everything, write { pid, 0 or -errno } on status_fd, forward until the
 * container's init exits. Never returns. */
void __attribute__((noreturn))
ph_proxy_forward(const struct ph_proxy *p, const struct ph_proxy_run *run, int status_fd);
/* A unix socket path's directory under root (inside it, or with no symlink),
 * O_PATH; its last component in *ret_leaf. */
int ph_proxy_dir(int root, bool in_root, const char *path, const char **ret_leaf);

#endif
