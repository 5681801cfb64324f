/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ph/: the frontend's side of the channel to moatd. moatd-api,
 * unprivileged; nothing moatd answers is trusted.
 *
 * One typed call per operation of proto/privhelper.proto, in the manner of
 * OpenSSH's monitor_wrap.c: the rest of moatd-api calls ph_call_<op>() with
 * plain C values and gets plain C values back; only the .c files of ph/ see
 * the wire format (this header does not include the protobuf header, and
 * `make lint` keeps the generated types out of every other folder).
 *
 * Every ph_call_<op>() returns 0, or a negative errno:
 *   - moatd's own refusal (its reply's errno), with its message ("op:
 *     reason") in ret_error;
 *   - -EPROTO for a reply of the wrong shape (another op's result, a string
 *     with a NUL in it, a descriptor count other than the op's), whose
 *     descriptors are then closed;
 *   - the channel's errors (-EMSGSIZE for a request over the frame limit).
 * ret_error may be NULL; when it is not, it is written on every failure
 * (an empty message when moatd sent none). The other ret_* outputs are
 * written only on success. Names, pools and paths are the caller's C
 * strings; they travel as bytes and moatd validates them.
 */
#ifndef MOAT_FE_PH_PH_H
#define MOAT_FE_PH_PH_H

#include <netinet/in.h>

#include "fe.h"

/* ---- the channel to moatd (channel.c) ----------------------------------------- */

/* Take over the channel (fd 3) and start the thread that reads replies. */
int fe_ph_init(int chan);

/* ---- values of the calls (calls.c) --------------------------------------------- */

/* moatd's message for a refusal: its "error" bytes up to the first NUL, cut
 * to fit (moatd's own limit is the same). */
#define PH_ERROR_MAX 256
struct ph_error {
	char msg[PH_ERROR_MAX];
};

/* The same numbers as ph.InstanceStatus; any other value is -EPROTO. */
enum ph_instance_status {
	PH_STATUS_UNSPECIFIED = 0,
	PH_STATUS_STOPPED = 1,
	PH_STATUS_RUNNING = 2,
	PH_STATUS_FROZEN = 3,
	PH_STATUS_ERROR = 4,
};

/* hello: what only root can learn, for GET /1.0 and PUT-time refusals. */
struct ph_hello_info {
	uint32_t protocol;
	char lxc_version[32];
	char policy_name[64];
	json_object *kernel_features; /* {"name":"true"|"false"}; the caller's */
	json_object *lxc_features;
	uint32_t idmap_base, idmap_size;
	bool first_frontend;      /* moatd has just started: autostart is this frontend's */
	char default_network[16]; /* moatd's --network: the network to create, "" none */
	char cgroup[4096];        /* moatd's own /proc/self/cgroup text, "" when not sent */
	/* known = false when moatd sent no flags; disk_source_prefixes is the
	 * caller's (strv_free), NULL when not known */
	struct fe_policy policy;
};

/* instance_state: liblxc's view (the counters are model/usage.c's). */
struct ph_instance_state_info {
	enum ph_instance_status status;
	int pid;
	bool reboot_requested;
};

/* The same numbers as ph.InstanceActionKind (start is InstanceStart). */
enum ph_action_kind {
	PH_ACTION_STOP = 2,
	PH_ACTION_FREEZE = 3,
	PH_ACTION_UNFREEZE = 4,
};

#define PH_LIMITS_CPUSET_BYTES 128 /* a CPU set names CPUs 0-1023 */
/* The huge page sizes of limits.hugepages.*, in this order. */
enum ph_limits_huge {
	PH_LIMITS_64KB,
	PH_LIMITS_1MB,
	PH_LIMITS_2MB,
	PH_LIMITS_1GB,
	PH_LIMITS_HUGE_N
};

/* The limits.* keys as moatd takes them (ph.Limits): 0 = unset in each. */
struct ph_limits_config {
	uint64_t memory;                                /* bytes */
	uint32_t memory_percent;                        /* or 1-100 % of the host's memory */
	bool memory_soft;                               /* limits.memory.enforce=soft */
	bool swap_off;                                  /* limits.memory.swap=false */
	uint32_t swap_priority_drop, cpu_priority_drop; /* 10 - priority */
	uint32_t cpu_count;                             /* or the set: */
	uint8_t cpu_set[PH_LIMITS_CPUSET_BYTES];        /* CPU n = bit n%8 of byte n/8 */
	bool has_cpu_set;
	uint32_t cpu_percent;                 /* limits.cpu.allowance N% */
	uint32_t cpu_quota_us, cpu_period_us; /* or Qms/Pms */
	uint32_t processes;
	uint64_t hugepages[PH_LIMITS_HUGE_N]; /* bytes, for the sizes in hugepages_set */
	unsigned hugepages_set;               /* bit k: hugepages[k] is a limit (0 is one) */
};

/* A device moatd realises (ph.Device): the same numbers as ph.DeviceKind. */
enum ph_dev_type { PH_DEVICE_DISK = 1, PH_DEVICE_UNIX_CHAR = 2, PH_DEVICE_UNIX_BLOCK = 3 };
/* The same numbers as ph.Propagation. */
enum ph_propagation { PH_PROP_PRIVATE, PH_PROP_SHARED, PH_PROP_SLAVE, PH_PROP_UNBINDABLE };

#define PH_START_DEVICES_MAX 16
struct ph_device_config {
	const char *name;   /* the device's name: the caller's strings, */
	const char *source; /* which must outlive the call */
	const char *path;
	enum ph_dev_type kind;
	bool readonly, optional, shift;
	enum ph_propagation propagation;
	uint32_t uid, gid, mode;
};

/* A nic moatd renders (ph.Nic): the same numbers as ph.NicType. */
enum ph_nic_kind {
	PH_NIC_KIND_BRIDGED = 1,
	PH_NIC_KIND_MACVLAN = 2,
	PH_NIC_KIND_P2P = 3,
	PH_NIC_KIND_PHYSICAL = 4,
};

#define PH_START_NICS_MAX 16
#define PH_NIC_IPS_MAX 8 /* addresses a filtered nic may use, per family */
struct ph_nic_config {
	char device[64]; /* the device's name */
	enum ph_nic_kind type;
	char ifname[16];    /* inside the container */
	char parent[16];    /* the bridge (a managed network's name) or host interface; p2p: "" */
	char host_name[16]; /* bridged, p2p: the host end; "" lets the kernel name it */
	char network[16];   /* the managed network (parent too), or "": the frontend's own */
	bool has_hwaddr;
	uint8_t hwaddr[6];
	uint32_t mtu; /* 0: the default */
	bool mac_filtering, ipv4_filtering, ipv6_filtering;
	char ipv4[PH_NIC_IPS_MAX][16]; /* what a filtered nic may send from, as text */
	char ipv6[PH_NIC_IPS_MAX][46];
	size_t n_ipv4, n_ipv6;
	uint64_t ingress,
		egress; /* limits.*: bytes a second into and out of the container; 0: none */
};

/* A proxy device (ph.Proxy): the same numbers as ph.ProxyKind. */
enum ph_proxy_kind_config { PH_PROXY_END_TCP = 1, PH_PROXY_END_UDP = 2, PH_PROXY_END_UNIX = 3 };
#define PH_PROXY_PATH_MAX 108 /* sun_path, with its NUL */
struct ph_proxy_end_config {
	enum ph_proxy_kind_config kind;
	int family;       /* tcp, udp: AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order */
	uint16_t port;
	char path[PH_PROXY_PATH_MAX]; /* unix */
};
struct ph_proxy_config {
	const char *device; /* the device's name: the caller's string */
	struct ph_proxy_end_config listen, connect;
	bool bind_instance;
	uint32_t uid, gid, mode, security_uid, security_gid;
};

/* instance_start: what moatd renders into liblxc's configuration. */
struct ph_start_config {
	bool privileged;
	bool nesting;
	struct ph_limits_config limits;
	/*
	 * The security keys (model/config_sec.c's setters). Texts point into
	 * the expanded config and stay valid while it lives; ph/calls_sec.c
	 * cuts them into the request's typed fields (common/rawconf.c's rules).
	 */
	bool idmap_isolated;
	uint32_t idmap_base, idmap_size;   /* isolated only */
	const char *raw_idmap;             /* LXD's lines, or NULL */
	bool no_default_deny, deny_compat; /* security.syscalls.deny_default=false, deny_compat */
	const char *syscalls_deny, *syscalls_allow;         /* one rule a line, or NULL */
	const char *raw_seccomp, *raw_lxc, *kernel_modules; /* NULL: none */
	const char *sysctl_key[32], *sysctl_value[32];      /* "net.ipv4.ip_forward", "1" */
	size_t n_sysctl;
	struct ph_device_config devices[PH_START_DEVICES_MAX]; /* in path order */
	size_t ndevices;
	struct ph_nic_config nics[PH_START_NICS_MAX]; /* lxc.net.0 ... (model/nic.c) */
	size_t n_nics;
};

/* file_op: the same numbers as ph.FileOpKind. */
enum ph_file_op_kind {
	PH_FILE_OP_READ = 1,   /* stat, and a read-only fd (file, directory) or the link's target */
	PH_FILE_OP_WRITE = 2,  /* stat, and a write-only fd to the created or truncated file */
	PH_FILE_OP_APPEND = 3, /* the same, appending */
	PH_FILE_OP_MKDIR = 4,  /* stat; an existing directory is fine */
	PH_FILE_OP_SYMLINK = 5, /* stat of the new link to target */
	PH_FILE_OP_DELETE = 6,  /* a file, a link or an empty directory; no stat */
};

struct ph_file_request {
	const char *name, *pool, *path;
	enum ph_file_op_kind kind;
	int uid, gid;       /* -1: keep, or 0 for new files */
	int mode;           /* permission bits; -1: 0644 for files, 0755 for directories */
	const char *target; /* symlink: the link's content; else NULL */
};

/* The same numbers as ph.FileType. */
enum ph_file_type {
	PH_FILE_TYPE_UNSPECIFIED = 0,
	PH_FILE_TYPE_FILE = 1,
	PH_FILE_TYPE_DIRECTORY = 2,
	PH_FILE_TYPE_SYMLINK = 3,
};

#define PH_TARGET_MAX 4096
struct ph_file_info {
	enum ph_file_type type;
	uint32_t uid, gid, mode;
	int64_t mtime;
	char target[PH_TARGET_MAX]; /* a symlink's target ("" else) */
};

/* exec_start: a command to run in a running container. */
#define PH_CALL_MAX_ARGS 128
struct ph_exec_request {
	const char *name;
	const char *const *argv; /* argc strings, 1..PH_CALL_MAX_ARGS */
	size_t argc;
	const char *const *env; /* envc "KEY=value" strings */
	size_t envc;
	uint32_t uid, gid;
	const char *cwd;
	bool interactive;
	uint32_t width, height;
};

struct ph_exec_info {
	int pid;
	/* interactive: the pty master, the control socket; else stdin's write
	 * end, stdout's and stderr's read ends, the control socket. The
	 * caller's; the slots after nfds are -EBADF. */
	int fds[4];
	unsigned nfds;
};

/* The same numbers as ph.InstanceLogKind. */
enum ph_log_kind {
	PH_LOG_LXC = 1,     /* lxc.log */
	PH_LOG_CONSOLE = 2, /* console.log */
};

/* instance_network: a running container's interfaces. */
struct ph_net_address {
	char family[8]; /* inet, inet6 */
	char address[48];
	uint32_t prefix;
	char scope[8]; /* global, link, local */
};

struct ph_net_interface {
	char name[64];
	char hwaddr[32];
	uint32_t mtu;
	bool up, loopback;
	struct ph_net_address *addresses;
	size_t n_addresses;
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	uint64_t rx_errors, tx_errors, rx_dropped, tx_dropped;
};

struct ph_net_info {
	struct ph_net_interface *interfaces;
	size_t n_interfaces;
	bool has_state; /* the worker read the state too */
	struct ph_instance_state_info state;
};
/* Free what ph_call_instance_network() allocated (the struct itself stays). */
/* netlink.c: the links and addresses from a NETLINK_ROUTE socket (two
 * dumps), or from a stream of netlink messages already read (fuzzing). */
int ph_netlink_read(int fd, struct ph_net_info *ret);
int ph_netlink_parse(const void *buf, size_t len, struct ph_net_info *n);
void ph_net_info_free(struct ph_net_info *n);

/*
 * Network ACLs and forwards (model/network_acls.c, model/network_forwards.c):
 * the typed rules moatd compiles into nftables (privhelper/acl.c). A set is
 * every enabled rule of the ACLs a network or a nic names, with its two
 * default actions; addresses and ports are numbers here, never text.
 */
#define PH_ACL_RULES_MAX 64 /* rules of one direction of a set */
#define PH_ACL_MATCH_MAX 8  /* addresses or ports in one field of a rule */
enum ph_acl_action { PH_ACL_ALLOW = 1, PH_ACL_REJECT = 2, PH_ACL_DROP = 3 };
enum ph_acl_proto {
	PH_ACL_ANY = 0,
	PH_ACL_TCP = 1,
	PH_ACL_UDP = 2,
	PH_ACL_ICMP4 = 3,
	PH_ACL_ICMP6 = 4
};
struct ph_acl_range {
	int family;                  /* AF_INET (4 bytes used) or AF_INET6 */
	uint8_t first[16], last[16]; /* first <= last */
};
struct ph_port_range {
	uint16_t first, last; /* first <= last */
};
struct ph_acl_rule {
	enum ph_acl_action action;
	bool log; /* state "logged" */
	enum ph_acl_proto proto;
	struct ph_acl_range src[PH_ACL_MATCH_MAX], dst[PH_ACL_MATCH_MAX];
	size_t n_src, n_dst;
	struct ph_port_range sport[PH_ACL_MATCH_MAX], dport[PH_ACL_MATCH_MAX];
	size_t n_sport, n_dport;
	int icmp_type, icmp_code; /* -1: any */
};
struct ph_acl_set {
	bool enabled; /* false: no ACL at all (no default action either) */
	enum ph_acl_action default_ingress, default_egress;
	struct ph_acl_rule ingress[PH_ACL_RULES_MAX], egress[PH_ACL_RULES_MAX];
	size_t n_ingress, n_egress;
};

#define PH_FWD_MAX 32       /* forwards of one network */
#define PH_FWD_PORTS_MAX 32 /* port maps of one forward */
/* One port map: listen ports first-last to target_first... (or all to one port). */
struct ph_fwd_port {
	enum ph_acl_proto proto; /* PH_ACL_TCP or PH_ACL_UDP */
	struct ph_port_range listen;
	struct ph_port_range target; /* one port, or as many as listen */
	uint8_t target_addr[16];     /* the family of the forward's listen address */
};
struct ph_forward {
	int family; /* AF_INET or AF_INET6: of every address of the forward */
	uint8_t listen[16];
	bool has_default; /* config target_address: every other port and protocol */
	uint8_t default_target[16];
	struct ph_fwd_port ports[PH_FWD_PORTS_MAX];
	size_t n_ports;
};

/* ---- the calls, one per op, in the order of the proto ------------------------- */

int ph_call_hello(struct ph_hello_info *ret, struct ph_error *ret_error);
int ph_call_instance_state(const char *name, struct ph_instance_state_info *ret,
			   struct ph_error *ret_error);
/* timeout: seconds for a clean stop before the kill; -1 waits forever.
 * ret_status may be NULL. */
int ph_call_instance_action(const char *name, enum ph_action_kind action, int timeout, bool force,
			    enum ph_instance_status *ret_status, struct ph_error *ret_error);
/* image_fd: the image file, read-only; it stays the caller's.
 * ret_cached (may be NULL): it was unpacked before. */
int ph_call_image_unpack(const char *fingerprint, const char *pool, int image_fd, bool *ret_cached,
			 struct ph_error *ret_error);
/* fingerprint "" makes an empty rootfs. */
int ph_call_instance_create(const char *name, const char *pool, const char *fingerprint,
			    struct ph_error *ret_error);
int ph_call_instance_delete(const char *name, const char *pool, struct ph_error *ret_error);
/* A running instance's limits changed at once: the whole set, what is unset is removed. */
int ph_call_instance_limits(const char *name, const struct ph_limits_config *limits,
			    struct ph_error *ret_error);
/* ret_pid (may be NULL): the new init's pid, 0 when moatd did not say. */
int ph_call_instance_start(const char *name, const char *pool, const struct ph_start_config *config,
			   int *ret_pid, struct ph_error *ret_error);
/*
 * ret (may be NULL) gets the stat moatd sent. ret_fd (may be NULL: the
 * descriptor is closed) gets the descriptor of a read (a file or a
 * directory) or a write, else -EBADF. Descriptors expected: read, 1 (0 for
 * a symlink); write and append, 1; the others, 0.
 */
int ph_call_file_op(const struct ph_file_request *req, struct ph_file_info *ret, int *ret_fd,
		    struct ph_error *ret_error);
int ph_call_exec_start(const struct ph_exec_request *req, struct ph_exec_info *ret,
		       struct ph_error *ret_error);
/* Without truncate, *ret_fd is the log, read-only (closed when ret_fd is
 * NULL); with truncate the log is emptied and ret_fd is unused. */
int ph_call_instance_log(const char *name, enum ph_log_kind kind, bool truncate, int *ret_fd,
			 struct ph_error *ret_error);
/* The console's pty master and its control socket, both the caller's. */
int ph_call_console_open(const char *name, uint32_t width, uint32_t height, int *ret_ptx,
			 int *ret_ctl, struct ph_error *ret_error);
/* Hot-plug one device into a running instance, or take it out (as it was attached). */
int ph_call_device_attach(const char *name, const struct ph_device_config *dev,
			  struct ph_error *ret_error);
int ph_call_device_detach(const char *name, const struct ph_device_config *dev,
			  struct ph_error *ret_error);
/* Hot-plug one nic into a running instance, or take it out (as it was attached). */
int ph_call_nic_attach(const char *name, const struct ph_nic_config *nic,
		       struct ph_error *ret_error);
int ph_call_nic_detach(const char *name, const struct ph_nic_config *nic,
		       struct ph_error *ret_error);
/* Start (or restart) the forwarder of a proxy device of a running instance, or stop it. */
int ph_call_proxy_attach(const char *name, const struct ph_proxy_config *proxy, int *ret_pid,
			 struct ph_error *ret_error);
int ph_call_proxy_detach(const char *name, const struct ph_proxy_config *proxy,
			 struct ph_error *ret_error);

/* The storage op (privhelper/op_snapshot.c): one action of a pool's work on
 * instances and snapshots. Fields the action does not take are NULL or "". */
enum ph_storage_verb {
	PH_STORAGE_POOL_CREATE = 1,
	PH_STORAGE_POOL_DELETE,
	PH_STORAGE_SNAPSHOT_CREATE,
	PH_STORAGE_SNAPSHOT_DELETE,
	PH_STORAGE_SNAPSHOT_RENAME,
	PH_STORAGE_SNAPSHOT_RESTORE,
	PH_STORAGE_INSTANCE_COPY,
	PH_STORAGE_SNAPSHOT_COPY,
	PH_STORAGE_INSTANCE_RENAME,
};
struct ph_storage_args {
	enum ph_storage_verb action;
	const char *pool, *name, *snapshot;                 /* the source */
	const char *target_pool, *target, *target_snapshot; /* NULL target_pool: pool */
	const char *driver;                                 /* POOL_CREATE: "dir" or "btrfs" */
	uint64_t size; /* POOL_CREATE btrfs: its loop file's bytes (256 MiB .. 1 PiB) */
};
int ph_call_storage(const struct ph_storage_args *a, struct ph_error *ret_error);
/* ret is freed with ph_net_info_free(). */
int ph_call_instance_network(const char *name, struct ph_net_info *ret, struct ph_error *ret_error);

/* ---- managed networks (calls_net.c) ------------------------------------------------ */

#define PH_NET_RANGES_MAX 8
#define PH_NET_HOSTS_MAX 1024
enum ph_addr_mode { PH_ADDR_NONE = 0, PH_ADDR_SET = 2 }; /* "auto": model/networks.c picks */
enum ph_dns_mode { PH_DNS_MANAGED = 0, PH_DNS_DYNAMIC = 1, PH_DNS_NONE = 2 };
struct ph_net_range {
	struct in_addr start, end;
};
/* One instance's nic on the network: a dnsmasq host line (DHCP + DNS name). */
struct ph_net_host {
	char name[64]; /* the instance's name: its DNS name */
	uint8_t hwaddr[6];
	bool has_ipv4;
	struct in_addr ipv4; /* a static lease (ipv4.address) */
	bool has_ipv6;
	struct in6_addr ipv6; /* ipv6.address */
};
struct ph_network {
	char name[16]; /* the bridge: the network's name */
	uint32_t mtu;  /* bridge.mtu; 0: 1500 */
	bool has_hwaddr;
	uint8_t hwaddr[6]; /* bridge.hwaddr */
	enum ph_addr_mode ipv4_mode;
	struct in_addr ipv4;
	uint8_t ipv4_prefix; /* the bridge's own address */
	bool ipv4_nat, ipv4_dhcp, ipv4_routing;
	struct ph_net_range ipv4_ranges[PH_NET_RANGES_MAX];
	size_t n_ipv4_ranges; /* 0: dnsmasq's default (.2 - .254) */
	enum ph_addr_mode ipv6_mode;
	struct in6_addr ipv6;
	uint8_t ipv6_prefix;
	bool ipv6_nat, ipv6_dhcp, ipv6_dhcp_stateful, ipv6_routing;
	char dns_domain[64]; /* dns.domain, default "moat" */
	enum ph_dns_mode dns_mode;
	const char *raw_dnsmasq; /* NULL, or lines the frontend checked (moatd checks again) */
	const struct ph_net_host *hosts;
	size_t n_hosts;
	/* security.acls (NULL: none) and the forwards (model/network_use.c) */
	const struct ph_acl_set *acls;
	const struct ph_forward *forwards;
	size_t n_forwards;
};
/* What moatd did: the addresses it set (the ones asked). */
struct ph_network_applied {
	struct in_addr ipv4;
	uint8_t ipv4_prefix; /* prefix 0: no IPv4 */
	struct in6_addr ipv6;
	uint8_t ipv6_prefix; /* prefix 0: no IPv6 */
	bool forward_drop;   /* another firewall's forward hook drops by policy */
	char warning[256];   /* "" or what the admin should know (logged too) */
};
/* Create or update the bridge, its addresses, NAT/filter rules and dnsmasq; idempotent. */
int ph_call_network_apply(const struct ph_network *net, struct ph_network_applied *ret,
			  struct ph_error *ret_error);
/* Remove every host-side trace: the bridge, its rules, its dnsmasq, its files. -ENOENT-free: gone is fine. */
int ph_call_network_delete(const char *name, struct ph_error *ret_error);

#endif
