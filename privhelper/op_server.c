// SPDX-License-Identifier: Apache-2.0
/*
 * Server-level ops, run by moatd (root): check, policy and handler of each.
 *
 * hello: reports what only root can learn, for GET /1.0, what the
 * loaded policy allows, and whether the asking frontend is the first moatd
 * started (then it runs the boot.autostart instances). It reads kernel and liblxc facts; it takes nothing
 * from the request (hostile bytes from moatd-api) but the protocol number,
 * which its check pins to PH_PROTOCOL.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

#include "buf.h"
#include "cleanup.h"
#include "ph.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool probe_idmapped_mounts(void)
{
	/* mount_setattr(2) with a bad fd: EBADF means the kernel has it. */
	return syscall(SYS_mount_setattr, -1, "", 0, NULL, (size_t)0) < 0 && errno != ENOSYS;
}

static bool probe_seccomp_listener(void)
{
	struct seccomp_notif_sizes sizes;

	return syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
}

static bool probe_pidfds(void)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		return false;
	close((int)fd);
	return true;
}

static bool probe_cgroup2(void)
{
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return true;
	return statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* The reply's storage: one op at a time per process. */
static Ph__KernelFeature feat[32];
static Ph__KernelFeature *featp[32];
static Ph__PolicyFlags flags;
static ProtobufCBinaryData prefixes[256]; /* ph_policy_parse() keeps at most 256 */
static char self_cgroup[4096];

static void add_feature(size_t *n, const char *name, bool value)
{
	if (*n >= ARRAY_SIZE(feat))
		return;
	ph__kernel_feature__init(&feat[*n]);
	feat[*n].name.data = (uint8_t *)name;
	feat[*n].name.len = strlen(name);
	feat[*n].value = value;
	featp[*n] = &feat[*n];
	(*n)++;
}

int ph_check_hello(const Ph__HelloRequest *m, struct ph_hello *ret)
{
	if (m->protocol != PH_PROTOCOL)
		return -EPROTONOSUPPORT;
	ret->protocol = m->protocol;
	return 0;
}

PH_POLICY_NONE(hello); /* it widens nothing */

/* What the policy allows, for refusals at PUT time (moatd still enforces each). */
static Ph__PolicyFlags *policy_flags(const struct ph_policy *p)
{
	size_t n = 0;

	ph__policy_flags__init(&flags);
	flags.allow_privileged = p->allow_privileged;
	flags.allow_nesting = p->allow_nesting;
	flags.allow_raw_lxc = p->allow_raw_lxc;
	flags.allow_unix_devices = p->allow_unix_devices;
	flags.require_delegated_ids = p->require_delegated_ids;
	flags.allow_raw_idmap = p->allow_raw_idmap;
	flags.allow_raw_seccomp = p->allow_raw_seccomp;
	flags.allow_kernel_modules = p->allow_kernel_modules;
	flags.allow_lxc_hooks = p->allow_lxc_hooks;
	flags.allow_raw_dnsmasq = p->allow_raw_dnsmasq;
	flags.allow_host_interfaces = p->allow_host_interfaces;
	for (char **s = p->disk_source_prefixes; s && *s && n < ARRAY_SIZE(prefixes); s++, n++) {
		prefixes[n].data = (uint8_t *)*s;
		prefixes[n].len = strlen(*s);
	}
	flags.disk_source_prefixes = n ? prefixes : NULL;
	flags.n_disk_source_prefixes = n;
	return &flags;
}

/*
 * Why this is safe: no input reaches any call; the reply holds static
 * strings, booleans, the policy moatd loaded (root's file, which says
 * nothing secret) and moatd's own cgroup (/proc/self/cgroup, which any
 * user may read). The probes act on the helper itself only.
 */
int ph_do_hello(struct ph_ctx *ctx, const struct ph_hello *t, Ph__HelloReply *h)
{
	static const char *const lxc_exts[] = {
		"mount_injection_file",      "seccomp_notify",
		"network_veth_router",       "devpts_fd",
		"seccomp_allow_deny_syntax", "seccomp_proxy_send_notify_fd",
		"idmapped_mounts_v2",        "core_scheduling"
	};
	size_t n = 0, kn;

	h->protocol = PH_PROTOCOL;
	h->lxc_version.data = (uint8_t *)lxc_get_version();
	h->lxc_version.len = strlen(lxc_get_version());
	h->idmap_base = ctx->idmap_base;
	h->idmap_size = ctx->idmap_size;
	h->policy_name.data = (uint8_t *)ctx->policy.name;
	h->policy_name.len = strlen(ctx->policy.name);
	h->policy = policy_flags(&ctx->policy);
	h->first_frontend = ctx->frontends == 1; /* its first: moatd has just started */
	h->default_network.data = (uint8_t *)ctx->default_network;
	h->default_network.len = strlen(ctx->default_network);
	if (buf_read_file("/proc/self/cgroup", self_cgroup, sizeof(self_cgroup)) == 0) {
		h->cgroup.data = (uint8_t *)self_cgroup; /* for the frontend's counters */
		h->cgroup.len = strlen(self_cgroup);
	}

	add_feature(&n, "idmapped_mounts", probe_idmapped_mounts());
	add_feature(&n, "seccomp_listener", probe_seccomp_listener());
	add_feature(&n, "pidfds", probe_pidfds());
	h->kernel_features = featp;
	h->n_kernel_features = kn = n;

	add_feature(&n, "cgroup2", probe_cgroup2());
	for (size_t i = 0; i < ARRAY_SIZE(lxc_exts); i++)
		add_feature(&n, lxc_exts[i], lxc_has_api_extension(lxc_exts[i]));
	h->lxc_features = featp + kn;
	h->n_lxc_features = n - kn;
	return 0;
}
