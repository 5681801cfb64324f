/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration schema of moatd-api (unprivileged): every instance
 * config key it accepts (config.c) and every device type (devices.c), as
 * rows of tables, each row with a validator from one small vocabulary (as
 * LXD's shared/validate). Validation, expansion, the start request,
 * templates and delete read values through here: nothing else parses a
 * key's value. Keys and values are untrusted client input (or what the
 * database kept of it); everything here is pure but fe_check_config() and
 * fe_check_devices(), which read fe_srv.policy.
 *
 * Errors: 0 or a negative errno, and a message in a caller's buffer of
 * FE_ERR_MAX bytes, which api/ turns into the 400.
 */
#ifndef MOAT_FE_MODEL_CONFIG_H
#define MOAT_FE_MODEL_CONFIG_H

#include "fe.h"
#include "ph/ph.h"

/* Room for one error message of model/ (api/ answers it). */
#define FE_ERR_MAX 512

/* The one storage pool; the root disk lives there. */
#define FE_POOL "default"

/* No config key is longer (a prefix row's keys are checked against it). */
#define FE_KEY_MAX 255

/* ---- the vocabulary -------------------------------------------------------------- */

/* A value as a validator read it: what a setter gets. */
struct fe_value {
	const char *s; /* the text */
	bool b;        /* bool: true or false */
	uint64_t u;    /* numbers: ints, bytes, CPU counts; an allowance's quota in µs */
	uint64_t u2;   /* an allowance's period in µs */
	uint32_t pct;  /* a percentage ("50%"); 0: the value is not one */
	bool has_cpus; /* a CPU set ("0-1,3"), in cpus */
	uint8_t cpus[PH_LIMITS_CPUSET_BYTES];
	int family;       /* an address (fe_parse_cidr, fe_parse_mac): AF_INET, AF_INET6, or */
	uint8_t addr[16]; /* AF_PACKET (6 bytes); 0: one of the row's keywords (u: its index) */
	uint8_t prefix;   /* a CIDR's prefix length */
};

struct fe_valid;
/* 0 and *ret filled, or -EINVAL (ret untouched). */
typedef int (*fe_parse_fn)(const struct fe_valid *v, const char *s, struct fe_value *ret);

/* One validator: a parser with its parameters and the reason for a refusal. */
struct fe_valid {
	fe_parse_fn parse;
	uint64_t min, max;          /* numbers: the range; strings: max is the length */
	const char *const *choices; /* enums: NULL-terminated */
	const char *why;            /* "must be a boolean" */
};

/* true/false, 1/0, yes/no, on/off, any case (LXD's IsTrue/IsFalse); v may be NULL. */
int fe_parse_bool(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* Decimal digits only (no sign, no space), min to max. */
int fe_parse_uint(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* Digits and an optional unit (B, kB, MB, GB, TB; KiB, MiB, GiB, TiB), at least min bytes. */
int fe_parse_bytes(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* A count of CPUs, 1 to max. */
int fe_parse_cpus(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* limits.cpu: a count (1 to max, in u) or a set of CPUs 0-1023 such as "0-1,3" or
 * "1-1" (has_cpus, cpus), each CPU named once (LXD's IsValidCPUSet). */
int fe_parse_cpuset(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* "N%" (1-100, in pct) or bytes as fe_parse_bytes (at least min, in u). */
int fe_parse_percent_or_bytes(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* limits.cpu.allowance: "N%" (1-100, in pct) or "Qms/Pms" (the ms optional; Q 1-1000000,
 * P 1-1000; u and u2 in µs). */
int fe_parse_allowance(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* One of choices, exactly. */
int fe_parse_enum(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* Any text of at most max bytes. */
int fe_parse_string(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* An environment variable name: a letter or _, then letters, digits and _ (what exec accepts). */
int fe_parse_env_name(const struct fe_valid *v, const char *s, struct fe_value *ret);
/* Nothing: a key whose presence alone is refused. */
int fe_parse_absent(const struct fe_valid *v, const char *s, struct fe_value *ret);

#define FE_BOOL(reason)                                                                            \
	{                                                                                          \
		.parse = fe_parse_bool, .why = (reason)                                            \
	}
#define FE_UINT(lo, hi, reason)                                                                    \
	{                                                                                          \
		.parse = fe_parse_uint, .min = (lo), .max = (hi), .why = (reason)                  \
	}
#define FE_BYTES(lo, reason)                                                                       \
	{                                                                                          \
		.parse = fe_parse_bytes, .min = (lo), .max = UINT64_MAX, .why = (reason)           \
	}
#define FE_CPUS(hi, reason)                                                                        \
	{                                                                                          \
		.parse = fe_parse_cpus, .min = 1, .max = (hi), .why = (reason)                     \
	}
#define FE_CPUSET(hi, reason)                                                                      \
	{                                                                                          \
		.parse = fe_parse_cpuset, .min = 1, .max = (hi), .why = (reason)                   \
	}
#define FE_PERCENT_OR_BYTES(lo, reason)                                                            \
	{                                                                                          \
		.parse = fe_parse_percent_or_bytes, .min = (lo), .max = UINT64_MAX,                \
		.why = (reason)                                                                    \
	}
#define FE_ALLOWANCE(reason)                                                                       \
	{                                                                                          \
		.parse = fe_parse_allowance, .why = (reason)                                       \
	}
#define FE_ENUM(list, reason)                                                                      \
	{                                                                                          \
		.parse = fe_parse_enum, .choices = (list), .why = (reason)                         \
	}
#define FE_STRING(len, reason)                                                                     \
	{                                                                                          \
		.parse = fe_parse_string, .max = (len), .why = (reason)                            \
	}
#define FE_ENV_NAME(reason)                                                                        \
	{                                                                                          \
		.parse = fe_parse_env_name, .why = (reason)                                        \
	}
#define FE_ABSENT(reason)                                                                          \
	{                                                                                          \
		.parse = fe_parse_absent, .why = (reason)                                          \
	}

/* The environment-name rule on its own (exec's request environment). */
bool fe_env_name_valid(const char *name);

/* ---- the rows -------------------------------------------------------------------- */

/* What moatd needs to start an instance (struct ph_start_config, the
 * argument of ph_call_instance_start()) is filled by the schema's setters. */
typedef void (*fe_set_fn)(struct ph_start_config *c, const struct fe_value *v);

/* The flag of moatd's policy (struct fe_policy) a row needs when it asks for something. */
enum fe_gate {
	FE_GATE_NONE,
	FE_GATE_PRIVILEGED,     /* allow_privileged */
	FE_GATE_NESTING,        /* allow_nesting */
	FE_GATE_RAW_LXC,        /* allow_raw_lxc */
	FE_GATE_UNIX_DEVICES,   /* allow_unix_devices */
	FE_GATE_RAW_IDMAP,      /* allow_raw_idmap */
	FE_GATE_RAW_SECCOMP,    /* allow_raw_seccomp */
	FE_GATE_KERNEL_MODULES, /* allow_kernel_modules */
	FE_GATE_LXC_HOOKS,      /* allow_lxc_hooks (raw.lxc's lxc.hook.* lines) */
	FE_GATE_RAW_DNSMASQ,    /* allow_raw_dnsmasq (a network's raw.dnsmasq) */
};

/* Does the policy allow what the gate guards? An unknown policy (known=false) allows all. */
bool fe_policy_allows(const struct fe_policy *p, enum fe_gate gate);

#define FE_KEY_PREFIX 0x1u   /* name ends in '.' and the row covers every key under it */
#define FE_KEY_LIVE 0x2u     /* a change reaches a running instance (LXD's "live update") */
#define FE_KEY_INSTANCE 0x4u /* set on an instance only: never expanded from a profile */
#define FE_KEY_REQUIRED 0x8u /* device rows: the key must be there */

/*
 * One key, or every key under a prefix. A config row's gate applies when
 * its (bool) value is true; a device row has no gate (a device type has
 * one) and no setter.
 */
struct fe_key {
	const char *name;
	unsigned flags;
	struct fe_valid value;         /* the value's validator */
	const struct fe_valid *suffix; /* prefix rows: what may follow the prefix; NULL: anything */
	enum fe_gate gate;
	const char *forbidden; /* the gate's refusal, as LXD words it */
	fe_set_fn set;         /* how the value reaches the start request; NULL: it does not */
	/* prefix rows: the same, with the whole key (linux.sysctl.NAME) */
	void (*set_key)(struct ph_start_config *c, const char *key, const struct fe_value *v);
};

/* ---- instance config keys (config.c) --------------------------------------------- */

/* The table, in name order, and its length. */
extern const struct fe_key fe_config_keys[];
extern const size_t fe_config_nkeys;

/* The row covering key (exact names first, then prefixes), or NULL. */
const struct fe_key *fe_config_key(const char *key);

/*
 * One key and its value, as a client sent them, against the schema and
 * the policy. An empty value means "unset" (as LXD's validate.Optional)
 * and passes any row. Returns 0 or -EINVAL with the message in err.
 */
int fe_config_check_one(const char *key, const char *value, const struct fe_policy *policy,
			char err[static FE_ERR_MAX]);
/* Every key of a config object ({"k":"v"}; NULL passes) against fe_srv.policy. */
int fe_check_config(json_object *config, char err[static FE_ERR_MAX]);

/*
 * The value of key in config, read by its row: 1 and ret filled when it
 * is set and valid, 0 when it is absent, empty or not valid (a value the
 * database kept from before a rule), -ENOENT when no row covers key.
 */
int fe_config_get(json_object *config, const char *key, struct fe_value *ret);
/* A bool key: true only when it is set to a true value. */
bool fe_config_true(json_object *config, const char *key);
/* Can key change on a running instance? False for keys no row covers. */
bool fe_config_live(const char *key);
/* May a profile give key to an instance (expansion)? */
bool fe_config_from_profile(const char *key);

/* The environment.NAME keys of config, as NAME -> value, into env (exec). */
void fe_config_environment(json_object *config, json_object *env);

/* The start request's part the expanded config decides: every row's setter. */
void fe_config_start(json_object *expanded, struct ph_start_config *ret);

/* ---- device types (devices.c) -------------------------------------------------------- */

struct fe_device_type {
	const char *name;
	const struct fe_key *keys; /* its rows ("type" is not one), ended by { NULL } */
	const char *why;           /* the refusal when a required key is missing */
	const char *unsupported;   /* not NULL: a type LXD has and moat has not yet; the refusal */
	enum fe_gate gate;         /* the policy flag any device of the type needs */
	const char *forbidden;     /* the gate's refusal, as LXD words it */
	bool other_keys;           /* keys no row covers pass, and nothing reads them */
	/* What the rows cannot say alone (a key that needs another); NULL: nothing. */
	int (*check)(const char *name, json_object *dev, const struct fe_policy *policy,
		     char err[static FE_ERR_MAX]);
};

extern const struct fe_device_type fe_device_types[];
extern const size_t fe_device_ntypes;

/* The type's row, or NULL. */
const struct fe_device_type *fe_device_type(const char *name);

/* One device ({"type":"disk",...}) against its type's rows and the policy. */
int fe_device_check_one(const char *name, json_object *dev, const struct fe_policy *policy,
			char err[static FE_ERR_MAX]);
/* Every device of a devices object ({"name":{...}}; NULL passes) against fe_srv.policy. */
int fe_check_devices(json_object *devices, char err[static FE_ERR_MAX]);

/* Is this device the root disk (a disk at path "/")? */
bool fe_device_is_root(json_object *dev);

/* The nic type (model/nic.c): its rows and the check of what they cannot say. */
extern const struct fe_key fe_nic_keys[];
int fe_nic_check(const char *name, json_object *dev, const struct fe_policy *policy,
		 char err[static FE_ERR_MAX]);
/*
 * The nics of an expanded devices map into ret->nics (by device name:
 * lxc.net.0 is the first), each with a stable hwaddr and host end: the
 * device's, else config's volatile.<dev>.hwaddr and .host_name, else new
 * ones written there (*ret_changed, may be NULL, says so: store config).
 * -E2BIG past PH_START_NICS_MAX.
 */
int fe_nics_start(json_object *config, json_object *expanded, struct ph_start_config *ret,
		  bool *ret_changed);

/*
 * What the nics of a devices map need of the managed networks (the
 * database): network= names one, ipv4.address and ipv6.address lie in its
 * subnets; under a policy without allow_host_interfaces a bridged nic's
 * parent must be one. LXD's words in err.
 */
int fe_nics_check_networks(json_object *devices, const struct fe_policy *policy,
			   char err[static FE_ERR_MAX]);
/* After a stored live change: the networks of the nics that came, went or changed are
 * synced (dnsmasq's host lines); failures are logged. */
void fe_nics_sync_changed(json_object *old_xd, json_object *new_xd);
/* A filtered nic on a managed network with IPv6 may use SLAAC's address there too. */
void fe_nics_network_addrs(struct ph_start_config *cfg);
struct fe_instance;
/* A new instance's nics (its own and its profiles'): their volatile keys made now. */
void fe_nics_create(struct fe_instance *i);
/* A running instance's state.network (LXD's): each nic's host_name from its device or
 * volatile.<dev>.host_name. */
void fe_nics_state_host_names(const char *name, json_object *net);
/* The nics' volatile keys (volatile.<dev>.hwaddr, .host_name) of from that to lacks, into to. */
void fe_nics_keep_volatile(json_object *to, json_object *from);

/* The devices moatd realises at start (host disks, unix nodes) of an expanded
 * devices map, in path order, into ret (its strings point into expanded);
 * -E2BIG past PH_START_DEVICES_MAX. */
int fe_devices_start(json_object *expanded, struct ph_start_config *ret);

/* ---- proxy devices (proxy.c) ------------------------------------------------------------ */

#define FE_PROXIES_MAX 32 /* proxy devices of one instance */

/* A proxy device's keys into ret (ret->device is name); a 400's message in err. */
int fe_proxy_parse(const char *name, json_object *dev, struct ph_proxy_config *ret,
		   char err[static FE_ERR_MAX]);
/* The valid proxy devices of an expanded devices map; -E2BIG past FE_PROXIES_MAX. */
int fe_proxies_list(json_object *expanded, struct ph_proxy_config ret[static FE_PROXIES_MAX],
		    size_t *ret_n);
/* After a start: every proxy's forwarder (proxy_attach); on a failure the ones
 * started are stopped and err says which device failed and why. */
int fe_proxies_attach(const char *instance, json_object *expanded, char err[static FE_ERR_MAX]);
/* Are two proxies the same device with the same keys? */
bool fe_proxy_same(const struct ph_proxy_config *a, const struct ph_proxy_config *b);

#endif
