// SPDX-License-Identifier: Apache-2.0
/*
 * Hot-plugged nics of a running container: check, policy and handler of
 * nic_attach and nic_detach. Run by moatd (root), each in a forked worker
 * (which may enter the container's network namespace: it exits after its
 * reply); the checks read hostile bytes from moatd-api.
 *
 * Everything is netlink through libnl-route-3, from the typed nic
 * (nic.c's ph_check_nic()): a veth pair created with its container end
 * already in the container's network namespace (the init's, found by
 * liblxc under moatd's lxcpath) and named there, the host end on the
 * bridge (bridged) or on none (p2p); a macvlan created there on its
 * parent; a physical interface moved there and renamed. Then, inside that
 * namespace, the end is given its mtu and hwaddr and brought up. Detach
 * deletes the interface inside the container (a veth's host end goes with
 * its pair), or moves a physical one back to moatd's namespace under its
 * parent's name: what it touches is the container's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>

#include "cleanup.h"
#include "net.h"
#include "ph.h"

/* libnl's error as an errno, its message into why. */
static int nl_fail(int nlerr, const char **ret_why)
{
	*ret_why = nl_geterror(nlerr < 0 ? -nlerr : nlerr);
	return ph_nl_err(nlerr);
}

/* Inside the container's namespace: ifname gets the nic's mtu and hwaddr, and goes up. */
static int end_up(struct nl_sock *sk, const struct ph_nic *n, bool set_addr, const char **ret_why)
{
	struct rtnl_link *l = NULL, *ch = rtnl_link_alloc();
	struct nl_addr *a = NULL;
	int r;

	if (!ch)
		return -ENOMEM;
	r = rtnl_link_get_kernel(sk, 0, n->ifname, &l);
	if (r == 0) {
		if (set_addr && n->has_hwaddr && (a = nl_addr_build(AF_LLC, n->hwaddr, 6)))
			rtnl_link_set_addr(ch, a);
		if (n->mtu)
			rtnl_link_set_mtu(ch, n->mtu);
		rtnl_link_set_flags(ch, IFF_UP);
		r = rtnl_link_change(sk, l, ch, 0);
	}
	nl_addr_put(a);
	rtnl_link_put(ch);
	rtnl_link_put(l);
	return r < 0 ? nl_fail(r, ret_why) : 0;
}

/* Create the nic's interface (veth pair or macvlan) with its container end in pid's namespace. */
static int create(struct nl_sock *sk, const struct ph_nic *n, pid_t pid, const char **ret_why)
{
	struct rtnl_link *l =
		n->type == PH_NIC_MACVLAN ? rtnl_link_macvlan_alloc() : rtnl_link_veth_alloc();
	struct rtnl_link *inside = l;
	/* the macvlan's link, the bridge a veth's host end joins; p2p: none */
	int idx = n->parent[0] ? (int)if_nametoindex(n->parent) : 0;
	int r = n->parent[0] && !idx ? -ENODEV : 0;

	if (!l)
		return -ENOMEM;
	if (n->type == PH_NIC_MACVLAN) {
		rtnl_link_set_link(l, idx);
		rtnl_link_macvlan_set_mode(l, MACVLAN_MODE_BRIDGE);
	} else {
		inside = rtnl_link_veth_get_peer(l);
		if (n->host_name[0])
			rtnl_link_set_name(l, n->host_name);
		if (n->mtu)
			rtnl_link_set_mtu(l, n->mtu);
		if (idx)
			rtnl_link_set_master(l, idx);
		rtnl_link_set_flags(l, IFF_UP);
	}
	rtnl_link_set_name(inside, n->ifname);
	rtnl_link_set_ns_pid(inside, pid);
	if (r == 0) {
		r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
		r = r < 0 ? nl_fail(r, ret_why) : 0;
	} else {
		*ret_why = "the nic's parent is not a host interface";
	}
	if (inside != l)
		rtnl_link_put(inside);
	rtnl_link_put(l);
	return r;
}

/* Move the link named from (in the current namespace) into ns_fd or pid's, named to. */
static int move(struct nl_sock *sk, const char *from, const char *to, int ns_fd, pid_t pid,
		const char **ret_why)
{
	struct rtnl_link *l = NULL, *ch = rtnl_link_alloc();
	int r;

	if (!ch)
		return -ENOMEM;
	r = rtnl_link_get_kernel(sk, 0, from, &l);
	if (r == 0) {
		rtnl_link_set_name(ch, to);
		if (ns_fd >= 0)
			rtnl_link_set_ns_fd(ch, ns_fd);
		else
			rtnl_link_set_ns_pid(ch, pid);
		r = rtnl_link_change(sk, l, ch, 0);
	}
	rtnl_link_put(ch);
	rtnl_link_put(l);
	return r < 0 ? nl_fail(r, ret_why) : 0;
}

/* The running container's init; else the op's error reply. */
static int running(struct ph_ctx *ctx, const char *name, pid_t *ret_pid)
{
	bool userns;
	int r = ph_running_init(ctx, name, ret_pid, &userns);

	if (r < 0)
		return ph_fail(ctx, r,
			       r == -ENOENT ? "Instance not found" : "Instance is not running");
	return 0;
}

/* Inside the container's namespace: its end deleted (a veth's pair goes with it), or a
 * physical one moved back to host_ns under its parent's name. */
static int take_out(struct nl_sock *sk, const struct ph_nic *n, int host_ns, const char **ret_why)
{
	struct rtnl_link *l = NULL;
	int r;

	if (n->type == PH_NIC_PHYSICAL)
		return move(sk, n->ifname, n->parent, host_ns, 0, ret_why);
	r = rtnl_link_get_kernel(sk, 0, n->ifname, &l);
	if (r == 0)
		r = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	return r < 0 ? nl_fail(r, ret_why) : 0;
}

static int enter_netns(pid_t pid)
{
	__do_close int fd = ph_ns_open(pid, "net");

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return -errno;
	return 0;
}

/* ---- nic_attach ---------------------------------------------------------------- */

PH_CHECK_OF(nic_attach, NicAttach, ph_check_nic, nic);

PH_POLICY_OF(nic_attach, ph_policy_nic, nic);

/*
 * Why this is safe: the policy step (physical and macvlan nics refused
 * unless allow_host_interfaces) ran before the worker forked, and the
 * handler asks it again, with ph_nic_prepare() (a bridged nic's parent:
 * one of this daemon's bridges, else allow_host_interfaces; the filter set
 * before the interface exists); the container is found by its validated
 * name under moatd's lxcpath and must be running; every name is an
 * interface name (nic.c), so netlink gets no path and no second request;
 * a veth's host end is created with NLM_F_EXCL, so an existing host
 * interface is never taken over, and one that exists is refused before
 * any filter is set (another nic's filter is never replaced; a filter is
 * dropped only once its host end is gone); the container's end is made in, or
 * moved into, the namespace of the container's own init, and changed
 * there.
 */
int ph_do_nic_attach(struct ph_ctx *ctx, const struct ph_nic_attach *t, Ph__NicAttachReply *rep)
{
	const struct ph_nic *n = &t->nic;
	__do_close int host_ns = -EBADF;
	const char *why = NULL;
	struct nl_sock *sk = NULL;
	pid_t pid;
	int r;

	r = ph_policy_nic(&ctx->policy, n, &why);
	if (r == 0)
		r = ph_nic_prepare(ctx, t->ref.name, n, false, &why);
	/* a host end that exists is another nic's: its filter is not this request's */
	if (r == 0 && n->host_name[0] && if_nametoindex(n->host_name))
		r = -EEXIST, why = "the nic's host_name is taken on the host";
	if (r == 0)
		r = ph_nic_prepare(ctx, t->ref.name, n, true, &why); /* the filter first */
	if (r < 0)
		return ph_fail(ctx, r, why);
	r = running(ctx, t->ref.name, &pid);
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (r == 0 && host_ns < 0)
		r = ph_fail(ctx, errno, NULL);
	if (r == 0 && ph_nl_open(&sk) < 0)
		r = ph_fail(ctx, EIO, "cannot open a netlink socket");
	if (r < 0) {
		ph_nic_unfilter(ctx, t->ref.name, n);
		return r;
	}
	r = n->type == PH_NIC_PHYSICAL ? move(sk, n->parent, n->ifname, -1, pid, &why)
				       : create(sk, n, pid, &why);
	nl_socket_free(sk);
	if (r < 0) {
		ph_nic_unfilter(ctx, t->ref.name, n);
		return ph_fail(ctx, r, why ? why : "cannot plug the nic in");
	}
	r = enter_netns(pid);
	if (r == 0 && ph_nl_open(&sk) < 0)
		r = -EIO;
	if (r == 0) {
		r = end_up(sk, n, true, &why);
		if (r < 0) /* not half plugged in: out again */
			(void)take_out(sk, n, host_ns, &why);
		nl_socket_free(sk);
	}
	if (r < 0) {
		if (setns(host_ns, CLONE_NEWNET) == 0)
			ph_nic_unfilter(ctx, t->ref.name, n);
		return ph_fail(ctx, r, why ? why : "cannot bring the nic up");
	}
	ph__nic_attach_reply__init(rep);
	return 0;
}

/* ---- nic_detach ---------------------------------------------------------------- */

PH_CHECK_OF(nic_detach, NicDetach, ph_check_nic, nic);

PH_POLICY_OF(nic_detach, ph_policy_nic, nic); /* a physical one comes back to the host */

/*
 * Why this is safe: the interface is looked up by its checked name inside
 * the running container's own network namespace (its init's, found under
 * moatd's lxcpath), so what is deleted is the container's own (a veth's
 * host end goes with its pair; nothing of the host is named); a physical
 * nic, allowed by the policy step, comes back to moatd's namespace under
 * its parent's checked name, which the kernel refuses if taken. The nic's
 * filter goes only after, from moatd's namespace again.
 */
int ph_do_nic_detach(struct ph_ctx *ctx, const struct ph_nic_detach *t, Ph__NicDetachReply *rep)
{
	const struct ph_nic *n = &t->nic;
	__do_close int host_ns = -EBADF;
	const char *why = NULL;
	struct nl_sock *sk;
	pid_t pid;
	int r;

	r = ph_policy_nic(&ctx->policy, n, &why);
	if (r < 0)
		return ph_fail(ctx, r, why);
	r = running(ctx, t->ref.name, &pid);
	if (r < 0)
		return r;
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_ns < 0)
		return ph_fail(ctx, errno, NULL);
	r = enter_netns(pid);
	if (r < 0)
		return ph_fail(ctx, r, "cannot enter the container's network namespace");
	if (ph_nl_open(&sk) < 0)
		return ph_fail(ctx, EIO, "cannot open a netlink socket");
	r = take_out(sk, n, host_ns, &why);
	nl_socket_free(sk);
	if (r < 0)
		return ph_fail(ctx, r, why);
	/* back in moatd's namespace: the nic's filter goes */
	if (setns(host_ns, CLONE_NEWNET) < 0)
		return ph_fail(ctx, errno, "cannot leave the container's network namespace");
	ph_nic_unfilter(ctx, t->ref.name, n);
	ph__nic_detach_reply__init(rep);
	return 0;
}
