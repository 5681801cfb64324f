// SPDX-License-Identifier: Apache-2.0
/*
 * Managed networks: check, policy and handler of network_apply and
 * network_delete, this daemon's network identity (its tag), and the main
 * loop's supervision of the networks' dnsmasqs. Run by moatd (root): the
 * ops in a forked worker; the checks read hostile bytes from moatd-api.
 *
 * A network is a bridge of this daemon's own (marked with its ifalias;
 * net_link.c), its addresses, one fragment of rules in this daemon's
 * nftables table (net_nft.c) and one dnsmasq (net_dnsmasq.c), all from
 * typed fields. A name that is a host interface but not one of this
 * daemon's bridges is refused; so is a subnet that overlaps a route or
 * an address of the host's other interfaces.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "log.h"
#include "net.h"
#include "netaddr.h"
#include "ph.h"
#include "rawconf.h"

/* an in_addr's 4 bytes, network order, as netaddr.h takes them */
#define V4(a) ((const uint8_t *)(a))

static char net_table[32], net_marker[32];
static int net_dir_fd = -EBADF;
static char net_dir[4096];

const char *ph_net_table(void)
{
	return net_table;
}

const char *ph_net_marker(void)
{
	return net_marker;
}

int ph_net_dir_fd(void)
{
	return net_dir_fd;
}

void ph_net_path(const char *name, const char *file, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%s", net_dir, name, file);
}

int ph_net_init(struct ph_ctx *ctx)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a of the real $MOAT_DIR */
	struct stat st;
	int fd;

	for (const char *c = ctx->dir; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ULL;
	snprintf(net_table, sizeof(net_table), "moat_%016llx", (unsigned long long)h);
	snprintf(net_marker, sizeof(net_marker), "moat:%016llx", (unsigned long long)h);
	if (mkdirat(ctx->dir_fd, "networks", 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(ctx->dir_fd, "networks", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (st.st_uid != 0 && fchown(fd, 0, 0) < 0) ||
	    ((st.st_mode & 07777) != 0755 && fchmod(fd, 0755) < 0)) {
		close(fd);
		return -errno;
	}
	net_dir_fd = fd;
	snprintf(net_dir, sizeof(net_dir), "%s/networks", ctx->dir);
	/* the fragments' and the config tests' directories, and the fragments' lock */
	if ((mkdirat(fd, ".nft", 0700) < 0 && errno != EEXIST) ||
	    (mkdirat(fd, ".test", 0700) < 0 && errno != EEXIST))
		return -errno;
	fd = openat(fd, ".nft/.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* ---- the checks ------------------------------------------------------------------ */

static int check_net_name(const ProtobufCBinaryData *b, char ret[static PH_NET_NAME_MAX + 1])
{
	if (!name_net_valid(b->data, b->len))
		return -EINVAL;
	memcpy(ret, b->data, b->len);
	ret[b->len] = '\0';
	return 0;
}

/* "xx:xx:xx:xx:xx:xx", lowercase hex, unicast and not zero. */
static int check_hwaddr(const ProtobufCBinaryData *b, uint8_t ret[6])
{
	uint8_t a[6];

	if (!netaddr_mac((const char *)b->data, b->len, true, a) || !netaddr_mac_unicast(a))
		return -EINVAL;
	memcpy(ret, a, 6);
	return 0;
}

static int check_family(int mode, const ProtobufCBinaryData *addr, uint32_t prefix, bool v6,
			enum ph_net_addr_mode *ret_mode, void *ret_addr, uint8_t *ret_prefix)
{
	/* NET_ADDR_AUTO is retired: moatd-api picks the subnet, moatd checks it as any other */
	if (mode != PH__NET_ADDR_MODE__NET_ADDR_NONE && mode != PH__NET_ADDR_MODE__NET_ADDR_SET)
		return -EINVAL;
	*ret_mode = (enum ph_net_addr_mode)mode;
	if (mode == PH__NET_ADDR_MODE__NET_ADDR_NONE)
		return addr->len == 0 && prefix == 0 ? 0 : -EINVAL;
	if (prefix > 128 || ph_check_ip(addr, v6 ? AF_INET6 : AF_INET, NULL, ret_addr) < 0)
		return -EINVAL;
	*ret_prefix = (uint8_t)prefix;
	return netaddr_bridge_ok(v6 ? AF_INET6 : AF_INET, ret_addr, prefix) ? 0 : -EINVAL;
}

static int check_host(const Ph__NetHost *m, const struct ph_network_apply *t,
		      struct ph_net_apply_host *ret)
{
	if (!m || ph_check_name(&m->name, ret->name) < 0 ||
	    check_hwaddr(&m->hwaddr, ret->hwaddr) < 0)
		return -EINVAL;
	/* a host of the network's subnet, not the bridge's own address */
	if (m->ipv4.len) {
		if (t->ipv4_mode == PH_NET_ADDR_NONE ||
		    ph_check_ip(&m->ipv4, AF_INET, NULL, &ret->ipv4) < 0 ||
		    !netaddr_host_of(AF_INET, V4(&ret->ipv4), V4(&t->ipv4), t->ipv4_prefix) ||
		    ret->ipv4.s_addr == t->ipv4.s_addr)
			return -EINVAL;
		ret->has_ipv4 = true;
	}
	if (m->ipv6.len) {
		if (t->ipv6_mode == PH_NET_ADDR_NONE ||
		    ph_check_ip(&m->ipv6, AF_INET6, NULL, &ret->ipv6) < 0 ||
		    !netaddr_bridge_ok(AF_INET6, ret->ipv6.s6_addr, 64) ||
		    !netaddr_in(ret->ipv6.s6_addr, t->ipv6.s6_addr, t->ipv6_prefix) ||
		    memcmp(&ret->ipv6, &t->ipv6, 16) == 0)
			return -EINVAL;
		ret->has_ipv6 = true;
	}
	return 0;
}

static int check_ranges(const Ph__NetworkApplyRequest *m, struct ph_network_apply *t)
{
	if (m->n_ipv4_ranges > PH_NET_RANGES_MAX ||
	    (m->n_ipv4_ranges && t->ipv4_mode != PH_NET_ADDR_SET))
		return -EINVAL;
	for (size_t i = 0; i < m->n_ipv4_ranges; i++) {
		const Ph__NetRange *r = m->ipv4_ranges[i];
		uint32_t a, b;

		if (!r || ph_check_ip(&r->start, AF_INET, NULL, &t->ipv4_ranges[i].start) < 0 ||
		    ph_check_ip(&r->end, AF_INET, NULL, &t->ipv4_ranges[i].end) < 0)
			return -EINVAL;
		a = ntohl(t->ipv4_ranges[i].start.s_addr);
		b = ntohl(t->ipv4_ranges[i].end.s_addr);
		if (a > b ||
		    !netaddr_host_of(AF_INET, V4(&t->ipv4_ranges[i].start), V4(&t->ipv4),
				     t->ipv4_prefix) ||
		    !netaddr_host_of(AF_INET, V4(&t->ipv4_ranges[i].end), V4(&t->ipv4),
				     t->ipv4_prefix))
			return -EINVAL;
	}
	t->n_ipv4_ranges = m->n_ipv4_ranges;
	return 0;
}

int ph_check_network_apply(const Ph__NetworkApplyRequest *m, struct ph_network_apply *ret)
{
	__do_free struct ph_network_apply *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	r = check_net_name(&m->name, t->name);
	if (r == 0)
		r = check_family(m->ipv4_mode, &m->ipv4, m->ipv4_prefix, false, &t->ipv4_mode,
				 &t->ipv4, &t->ipv4_prefix);
	if (r == 0)
		r = check_family(m->ipv6_mode, &m->ipv6, m->ipv6_prefix, true, &t->ipv6_mode,
				 &t->ipv6, &t->ipv6_prefix);
	if (r == 0)
		r = check_ranges(m, t);
	if (r < 0)
		return r;
	t->mtu = m->mtu ? m->mtu : 1500;
	if (t->mtu < 68 || t->mtu > 65535 || (t->ipv6_mode != PH_NET_ADDR_NONE && t->mtu < 1280))
		return -EINVAL;
	if (m->hwaddr.len && check_hwaddr(&m->hwaddr, t->hwaddr) < 0)
		return -EINVAL;
	t->has_hwaddr = m->hwaddr.len != 0;
	t->ipv4_nat = m->ipv4_nat;
	t->ipv4_dhcp = m->ipv4_dhcp;
	t->ipv4_routing = m->ipv4_routing;
	t->ipv6_nat = m->ipv6_nat;
	t->ipv6_dhcp = m->ipv6_dhcp;
	t->ipv6_dhcp_stateful = m->ipv6_dhcp_stateful;
	t->ipv6_routing = m->ipv6_routing;
	if (ph_check_text(&m->dns_domain, 0, t->dns_domain, sizeof(t->dns_domain)) < 0)
		return -EINVAL;
	if (!t->dns_domain[0])
		memcpy(t->dns_domain, "moat", 5);
	if (!name_domain_valid(t->dns_domain))
		return -EINVAL;
	if (m->dns_mode < PH__NET_DNS_MODE__NET_DNS_MANAGED ||
	    m->dns_mode > PH__NET_DNS_MODE__NET_DNS_NONE)
		return -EINVAL;
	t->dns_mode = (enum ph_net_dns_mode)m->dns_mode;
	if (ph_check_text(&m->raw_dnsmasq, 0, t->raw_dnsmasq, sizeof(t->raw_dnsmasq)) < 0 ||
	    rawconf_dnsmasq_check(t->raw_dnsmasq, m->raw_dnsmasq.len) < 0)
		return -EINVAL;
	if (m->n_hosts > PH_NET_HOSTS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < m->n_hosts; i++)
		if (check_host(m->hosts[i], t, &t->hosts[i]) < 0)
			return -EINVAL;
	t->n_hosts = m->n_hosts;
	/* security.acls and the forwards (acl.c) */
	if (m->acls && ph_check_fw_set(m->acls, &t->acls) < 0)
		return -EINVAL;
	if (m->n_forwards > PH_FW_FWD_MAX)
		return -EINVAL;
	for (size_t i = 0; i < m->n_forwards; i++)
		if (ph_check_fw_fwd(m->forwards[i], &t->forwards[i]) < 0)
			return -EINVAL;
	t->n_forwards = m->n_forwards;
	*ret = *t;
	return 0;
}

/* A forward's target: a host of the network's own subnet. */
static bool fw_target_ok(const struct ph_network_apply *n, int family, const uint8_t a[16])
{
	if (family == AF_INET)
		return n->ipv4_mode != PH_NET_ADDR_NONE &&
		       netaddr_host_of(AF_INET, a, V4(&n->ipv4), n->ipv4_prefix);
	return n->ipv6_mode != PH_NET_ADDR_NONE && netaddr_in(a, n->ipv6.s6_addr, n->ipv6_prefix);
}

/* A forward on a loopback address would take the host's own local services. */
static bool loopback(const struct ph_fw_fwd *f)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	return f->family == AF_INET ? f->listen[0] == 127 : memcmp(f->listen, lo6, 16) == 0;
}

/* raw.dnsmasq is a dnsmasq run by root (dhcp-script, conf-file...): the policy decides. */
int ph_policy_network_apply(const struct ph_policy *p, const struct ph_network_apply *t,
			    const char **ret_why)
{
	if (t->raw_dnsmasq[0] && !p->allow_raw_dnsmasq) {
		*ret_why = "raw.dnsmasq is not allowed by the policy";
		return -EPERM;
	}
	for (size_t i = 0; i < t->n_forwards; i++)
		if (loopback(&t->forwards[i])) {
			*ret_why = "a network forward cannot listen on a loopback address";
			return -EPERM;
		}
	return 0;
}

int ph_check_network_delete(const Ph__NetworkDeleteRequest *m, struct ph_network_delete *ret)
{
	return check_net_name(&m->name, ret->name);
}

/* Deleting only ever removes this daemon's own bridge, rules and files. */
PH_POLICY_NONE(network_delete);

/* ---- the handlers -------------------------------------------------------------------- */

static void write_sysctl(const char *path, const char *value)
{
	__do_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		log_warn("sysctl %s = %s: %s", path, value, strerror(errno));
}

/*
 * Forwarding on, for a network that routes or NATs. Turning IPv6
 * forwarding on makes the kernel ignore router advertisements on every
 * interface whose accept_ra is 1: those go to 2 first, so the host keeps
 * the routes it learns (what LXD does).
 */
static void enable_forwarding(bool v4, bool v6)
{
	char buf[16], path[320];
	__do_closedir DIR *d = NULL;
	struct dirent *e;

	if (v4 &&
	    (buf_read_file("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf)) < 0 || buf[0] != '1'))
		write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
	if (!v6 ||
	    (buf_read_file("/proc/sys/net/ipv6/conf/all/forwarding", buf, sizeof(buf)) == 0 &&
	     buf[0] == '1'))
		return;
	d = opendir("/proc/sys/net/ipv6/conf");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "all") == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", e->d_name);
		if (buf_read_file(path, buf, sizeof(buf)) == 0 && buf[0] == '1' && buf[1] == '\n')
			write_sysctl(path, "2");
	}
	write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
}

/* A subnet asked for family, against the host's routes and other interfaces' addresses. */
static int check_overlap(const struct ph_network_apply *t, int family, char *why, size_t why_size)
{
	bool v6 = family == AF_INET6;

	if ((v6 ? t->ipv6_mode : t->ipv4_mode) == PH_NET_ADDR_NONE)
		return 0;
	return ph_link_overlaps(t->name, family, v6 ? (const void *)&t->ipv6 : &t->ipv4,
				v6 ? t->ipv6_prefix : t->ipv4_prefix, why, why_size);
}

/* Remove networks/<name>/ and the files moatd keeps in it: moat-tree's walk, confined there. */
static void remove_files(const char *name)
{
	int r = ph_tree(net_dir, -1, "remove", name, NULL);

	if (r < 0)
		log_warn("network \"%s\": cannot remove its directory: %s", name, strerror(-r));
}

static char rep_v4[INET_ADDRSTRLEN], rep_v6[INET6_ADDRSTRLEN];
static char rep_warning[256];

/*
 * Why this is safe: every field is typed and checked (a name of the
 * bridge charset, addresses that are host addresses of their subnets,
 * bounded numbers, DNS labels, raw.dnsmasq's lines only if the policy
 * allows them). The only link it creates, changes or gives addresses to
 * is one that does not exist or is already this daemon's bridge (its
 * ifalias marker): a host interface is refused. A subnet that overlaps a
 * host route or another interface's address is refused, so no route of
 * the host is shadowed. The rules go only into this daemon's own table,
 * written from the typed fields; dnsmasq gets a config written from them
 * and drops to its own user. A failure undoes a bridge created here.
 * The ACL's rules only add drops and rejects to traffic crossing this
 * bridge (an accept in our chain skips no other chain); a forward DNATs
 * only to addresses of this bridge's own subnet, never from a loopback
 * address (policy), and both are compiled from numbers before anything
 * changes; a fragment nft refuses leaves that fragment's old rules.
 */
int ph_do_network_apply(struct ph_ctx *ctx, const struct ph_network_apply *t,
			Ph__NetworkApplyReply *rep)
{
	__do_free char *rules = NULL, *acl_rules = NULL, *fwd_rules = NULL;
	char why[256] = "";
	int state, r;
	bool created;

	state = ph_link_state(t->name);
	if (state == -EEXIST)
		return ph_fail(ctx, EEXIST,
			       "The name is a host interface that is not one of this daemon's "
			       "networks");
	if (state < 0)
		return ph_fail(ctx, -state, "Cannot read the host's interfaces");
	created = state == 0;
	r = check_overlap(t, AF_INET, why, sizeof(why));
	if (r == 0)
		r = check_overlap(t, AF_INET6, why, sizeof(why));
	if (r == 0)
		r = ph_dnsmasq_check(t, why, sizeof(why));
	/* the ACL's and forwards' rules, compiled before anything changes (acl.c) */
	for (size_t k = 0; r == 0 && k < t->n_forwards; k++) {
		const struct ph_fw_fwd *f = &t->forwards[k];
		bool ok = !f->has_default || fw_target_ok(t, f->family, f->default_target);

		for (size_t p = 0; ok && p < f->n_ports; p++)
			ok = fw_target_ok(t, f->family, f->ports[p].target_addr);
		if (!ok) {
			r = -EPERM;
			snprintf(why, sizeof(why),
				 "a forward's target address is outside the network's subnet");
		}
	}
	if (r == 0 && t->acls.enabled && (r = ph_fw_acl_rules(t->name, &t->acls, &acl_rules)) < 0)
		snprintf(why, sizeof(why), "The network's ACL rules are too many for moatd (%s)",
			 strerror(-r));
	if (r == 0 && t->n_forwards && (r = ph_fw_fwd_rules(t->name, t, &fwd_rules)) < 0)
		snprintf(why, sizeof(why), "The network's forwards are too many for moatd (%s)",
			 strerror(-r));
	if (r < 0)
		return ph_fail(ctx, -r, why[0] ? why : NULL);
	r = ph_link_bridge_ensure(t->name, t->mtu, t->has_hwaddr ? t->hwaddr : NULL, why,
				  sizeof(why));
	if (r == 0)
		r = ph_link_addr_set(t->name, AF_INET, &t->ipv4, t->ipv4_mode ? t->ipv4_prefix : 0);
	if (r == 0)
		r = ph_link_addr_set(t->name, AF_INET6, &t->ipv6,
				     t->ipv6_mode ? t->ipv6_prefix : 0);
	if (r < 0 && !why[0])
		snprintf(why, sizeof(why), "Cannot set up the bridge: %s", strerror(-r));
	if (r == 0 && t->ipv6_mode) { /* the bridge routes: it learns no route from RAs */
		char path[128];

		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", t->name);
		write_sysctl(path, "0");
	}
	if (r == 0) {
		enable_forwarding(t->ipv4_mode && (t->ipv4_nat || t->ipv4_routing),
				  t->ipv6_mode && (t->ipv6_nat || t->ipv6_routing));
		r = ph_nft_net_rules(t, &rules);
		if (r == 0)
			r = ph_nft_set("net", t->name, rules);
		/* each fragment whole or not at all: a refused one keeps its old rules */
		if (r == 0)
			r = ph_nft_set("acl", t->name, acl_rules);
		if (r == 0)
			r = ph_nft_set("fwd", t->name, fwd_rules);
		if (r < 0)
			snprintf(why, sizeof(why), "Cannot set the network's firewall rules: %s",
				 ph_nft_error()[0] ? ph_nft_error() : strerror(-r));
	}
	if (r == 0)
		r = ph_dnsmasq_apply(t, why, sizeof(why));
	if (r < 0) {
		if (created) {
			ph_dnsmasq_stop(t->name);
			ph_nft_set("fwd", t->name, NULL);
			ph_nft_set("acl", t->name, NULL);
			ph_nft_set("net", t->name, NULL);
			ph_link_bridge_delete(t->name);
			remove_files(t->name);
		}
		return ph_fail(ctx, -r, why[0] ? why : NULL);
	}

	ph__network_apply_reply__init(rep);
	rep_warning[0] = '\0';
	if (ph_nft_forward_drop(why, sizeof(why)) > 0) {
		rep->forward_drop = true;
		snprintf(rep_warning, sizeof(rep_warning),
			 "%s: instances on %s may not reach beyond it; allow its traffic there",
			 why, t->name);
		log_warn("network \"%s\": %s", t->name, rep_warning);
	}
	rep->warning.data = (uint8_t *)rep_warning;
	rep->warning.len = strlen(rep_warning);
	if (t->ipv4_mode) {
		inet_ntop(AF_INET, &t->ipv4, rep_v4, sizeof(rep_v4));
		rep->ipv4 =
			(ProtobufCBinaryData){ .len = strlen(rep_v4), .data = (uint8_t *)rep_v4 };
		rep->ipv4_prefix = t->ipv4_prefix;
	}
	if (t->ipv6_mode) {
		inet_ntop(AF_INET6, &t->ipv6, rep_v6, sizeof(rep_v6));
		rep->ipv6 =
			(ProtobufCBinaryData){ .len = strlen(rep_v6), .data = (uint8_t *)rep_v6 };
		rep->ipv6_prefix = t->ipv6_prefix;
	}
	return 0;
}

/*
 * Why this is safe: the name is checked; the bridge goes only if it is
 * this daemon's (a host interface or another daemon's bridge of that name
 * is left alone), the rules removed are this daemon's fragment of that
 * name in its own table, the dnsmasq stopped is the one whose pid file
 * and /proc entry (exe and command line) say it is this network's, and
 * the files are the ones in moatd's own networks/<name>/.
 */
int ph_do_network_delete(struct ph_ctx *ctx, const struct ph_network_delete *t,
			 Ph__NetworkDeleteReply *rep)
{
	int r;

	ph_dnsmasq_stop(t->name);
	r = ph_nft_set("fwd", t->name, NULL);
	if (r == 0)
		r = ph_nft_set("acl", t->name, NULL);
	if (r == 0)
		r = ph_nft_set("net", t->name, NULL);
	if (r < 0)
		return ph_fail(ctx, -r, "Cannot remove the network's firewall rules");
	if (ph_link_state(t->name) == 1) {
		r = ph_link_bridge_delete(t->name);
		if (r < 0)
			return ph_fail(ctx, -r, "Cannot remove the bridge");
	}
	remove_files(t->name);
	ph__network_delete_reply__init(rep);
	return 0;
}

/* ---- supervision ------------------------------------------------------------------------ */

#define NET_TICK_MS 2000

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* fn on each network's name in networks/ until it says true: whether one did. */
static bool each_net(bool (*fn)(const char *name))
{
	__do_closedir DIR *d = NULL;
	struct dirent *e;
	int fd = openat(net_dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (e = readdir(d)))
		if (name_net_valid((const uint8_t *)e->d_name, strlen(e->d_name)) && fn(e->d_name))
			return true;
	return false;
}

static bool revive(const char *name)
{
	(void)ph_dnsmasq_revive(name);
	return false;
}

/*
 * Every NET_TICK_MS: each network with a dnsmasq.conf whose dnsmasq is
 * not running gets it started again, by a child of its own (the main
 * loop never waits for dnsmasq); the child is reaped with the others.
 */
int ph_net_tick(struct ph_ctx *ctx)
{
	static long long next;
	static pid_t reviver;
	long long now = mono_ms();

	if (net_dir_fd < 0)
		return -1;
	if (now < next)
		return (int)(next - now);
	next = now + NET_TICK_MS;
	if (reviver > 0 && kill(reviver, 0) == 0)
		return NET_TICK_MS;
	if (!each_net(ph_dnsmasq_dead)) /* a dnsmasq that should run and does not */
		return NET_TICK_MS;
	reviver = fork();
	if (reviver == 0) {
		each_net(revive);
		_exit(0);
	}
	return NET_TICK_MS;
}
