// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the frontend's typed calls (frontend/ph/calls.c) against a
 * fake moatd: the channel (frontend/ph/channel.c) on one end of a
 * SOCK_SEQPACKET socketpair, and on the other a thread that answers each
 * request with the reply the test set up. Checked: a reply of another op
 * is -EPROTO; a descriptor count other than the op's (or its variant's) is
 * -EPROTO with every received descriptor closed; an errno reply is that
 * errno with moatd's message copied; a success fills the outputs; outputs
 * stay untouched on failure. Also: the op list has one entry per case of
 * the proto's `op` oneof, with the helper's names and descriptor counts.
 * Run by the test runner with no privilege; the replies are the tests' own
 * (hostile on purpose). It runs last: the channel, once started, stays.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "frame.h"
#include "log.h"
#include "ph.h"
#include "ph/wire.h"
#include "t.h"

/* ---- the fake moatd ---------------------------------------------------------------- */

/* What the next reply is: err, message, result case, descriptors, the
 * result's fields (fill sets them on rep). */
struct canned {
	int err;
	const char *error;
	Ph__Reply__ResultCase result;
	unsigned nfds;
	void (*fill)(Ph__Reply *rep);
	bool netlink; /* the descriptor a NETLINK_ROUTE socket (of this process's namespace) */
};

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct canned script;
static int peer = -1;
/* The far ends of the descriptors sent with the last reply. */
static int kept[FRAME_MAX_FDS] = { -1, -1, -1, -1 };
static size_t n_kept;
/* The last request as it arrived. */
static Ph__Request *last_req;
static size_t last_req_fds;

static void *fake_moatd(void *arg)
{
	static uint8_t buf[FRAME_MAX], out[FRAME_MAX];

	(void)arg;
	for (;;) {
		int fds[FRAME_MAX_FDS], send_fds[FRAME_MAX_FDS];
		Ph__Reply rep = PH__REPLY__INIT;
		size_t len = 0, nfds = 0, n;
		Ph__Request *req;

		if (frame_recv(peer, buf, &len, fds, &nfds) < 0 || len == 0)
			return NULL;
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		req = ph__request__unpack(NULL, len, buf);
		pthread_mutex_lock(&fake_lock);
		if (last_req)
			ph__request__free_unpacked(last_req, NULL);
		last_req = req;
		last_req_fds = nfds;
		rep.id = req ? req->id : 0;
		rep.err = script.err;
		if (script.error) {
			rep.error.data = (uint8_t *)script.error;
			rep.error.len = strlen(script.error);
		}
		rep.result_case = script.result;
		if (script.fill)
			script.fill(&rep);
		for (size_t i = 0; i < n_kept; i++)
			close(kept[i]);
		n_kept = 0;
		for (unsigned i = 0; i < script.nfds; i++) {
			int sp[2];

			if (script.netlink) {
				sp[0] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
				sp[1] = open("/dev/null",
					     O_RDONLY | O_CLOEXEC); /* nothing to watch */
				if (sp[0] < 0)
					break;
			} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
				break;
			}
			send_fds[i] = sp[0];
			kept[n_kept++] = sp[1];
		}
		n = ph__reply__get_packed_size(&rep);
		if (n <= sizeof(out)) {
			ph__reply__pack(&rep, out);
			(void)frame_send(peer, out, n, send_fds, n_kept);
		}
		for (size_t i = 0; i < n_kept; i++)
			close(send_fds[i]); /* the frontend has its copies */
		pthread_mutex_unlock(&fake_lock);
	}
	return NULL;
}

static void answer(int err, const char *error, Ph__Reply__ResultCase result, unsigned nfds,
		   void (*fill)(Ph__Reply *rep))
{
	pthread_mutex_lock(&fake_lock);
	script = (struct canned){ err, error, result, nfds, fill, false };
	pthread_mutex_unlock(&fake_lock);
}

/* Has the frontend closed every descriptor of the last reply? (Our far
 * end then sees the hang-up at once.) */
static bool all_closed(void)
{
	bool closed = true;

	pthread_mutex_lock(&fake_lock);
	for (size_t i = 0; i < n_kept; i++) {
		struct pollfd p = { .fd = kept[i], .events = POLLIN };

		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLHUP))
			closed = false;
	}
	pthread_mutex_unlock(&fake_lock);
	return closed;
}

/* Is fd the frontend's end of the i-th descriptor of the last reply? */
static bool is_sent(int fd, size_t i)
{
	char c = 0;
	bool ok;

	pthread_mutex_lock(&fake_lock);
	ok = i < n_kept && fd >= 0 && write(fd, "x", 1) == 1 && read(kept[i], &c, 1) == 1 &&
	     c == 'x';
	pthread_mutex_unlock(&fake_lock);
	return ok;
}

static Ph__Request__OpCase last_op(void)
{
	Ph__Request__OpCase op;

	pthread_mutex_lock(&fake_lock);
	op = last_req ? last_req->op_case : PH__REQUEST__OP__NOT_SET;
	pthread_mutex_unlock(&fake_lock);
	return op;
}

static bool bytes_eq(const ProtobufCBinaryData *b, const char *s)
{
	return b->len == strlen(s) && (b->len == 0 || memcmp(b->data, s, b->len) == 0);
}

/* ---- canned results ---------------------------------------------------------------- */

static void fill_hello(Ph__Reply *rep, bool with_policy)
{
	static Ph__HelloReply h;
	static Ph__KernelFeature kf[2], lf[1];
	static Ph__KernelFeature *kfp[2], *lfp[1];
	static Ph__PolicyFlags p;
	static ProtobufCBinaryData prefixes[2];

	ph__hello_reply__init(&h);
	ph__kernel_feature__init(&kf[0]);
	ph__kernel_feature__init(&kf[1]);
	ph__kernel_feature__init(&lf[0]);
	kf[0].name = (ProtobufCBinaryData){ 6, (uint8_t *)"pidfds" };
	kf[0].value = true;
	kf[1].name = (ProtobufCBinaryData){ 7, (uint8_t *)"cgroup2" };
	kf[1].value = false;
	lf[0].name = (ProtobufCBinaryData){ 9, (uint8_t *)"devpts_fd" };
	lf[0].value = true;
	kfp[0] = &kf[0];
	kfp[1] = &kf[1];
	lfp[0] = &lf[0];
	h.protocol = 1;
	h.lxc_version = (ProtobufCBinaryData){ 5, (uint8_t *)"5.0.2" };
	h.policy_name = (ProtobufCBinaryData){ 6, (uint8_t *)"strict" };
	h.n_kernel_features = 2;
	h.kernel_features = kfp;
	h.n_lxc_features = 1;
	h.lxc_features = lfp;
	h.idmap_base = 1000000;
	h.idmap_size = 65536;
	if (with_policy) {
		ph__policy_flags__init(&p);
		p.allow_nesting = true;
		p.require_delegated_ids = true;
		prefixes[0] = (ProtobufCBinaryData){ 4, (uint8_t *)"/srv" };
		prefixes[1] = (ProtobufCBinaryData){ 9, (uint8_t *)"/data/lxd" };
		p.n_disk_source_prefixes = 2;
		p.disk_source_prefixes = prefixes;
		p.allow_raw_dnsmasq = true;
		h.policy = &p;
		h.first_frontend = true;
		h.default_network = (ProtobufCBinaryData){ 7, (uint8_t *)"moatbr0" };
		h.cgroup = (ProtobufCBinaryData){ 24, (uint8_t *)"4:memory:/srv/moat\n0::/\n" };
	}
	rep->hello = &h;
}

static void fill_hello_bad_cgroup(Ph__Reply *rep)
{
	fill_hello(rep, true);
	rep->hello->cgroup = (ProtobufCBinaryData){ 5, (uint8_t *)"0::/\0x" };
}

static void fill_hello_bad_network(Ph__Reply *rep)
{
	fill_hello(rep, true);
	rep->hello->default_network = (ProtobufCBinaryData){ 3, (uint8_t *)"a/b" };
}

static void fill_hello_policy(Ph__Reply *rep)
{
	fill_hello(rep, true);
}

static void fill_hello_plain(Ph__Reply *rep)
{
	fill_hello(rep, false);
}

static Ph__InstanceStateReply state_reply;

static void init_state(void)
{
	ph__instance_state_reply__init(&state_reply);
	state_reply.status = PH__INSTANCE_STATUS__INSTANCE_STATUS_RUNNING;
	state_reply.pid = 4321;
}

static void fill_state(Ph__Reply *rep)
{
	init_state();
	rep->instance_state = &state_reply;
}

static void fill_state_bad_status(Ph__Reply *rep)
{
	fill_state(rep);
	state_reply.status = (Ph__InstanceStatus)9;
}

static void fill_action(Ph__Reply *rep)
{
	static Ph__InstanceActionReply a;

	ph__instance_action_reply__init(&a);
	a.status = PH__INSTANCE_STATUS__INSTANCE_STATUS_FROZEN;
	rep->instance_action = &a;
}

static void fill_unpack(Ph__Reply *rep)
{
	static Ph__ImageUnpackReply u;

	ph__image_unpack_reply__init(&u);
	u.cached = true;
	rep->image_unpack = &u;
}

static void fill_start(Ph__Reply *rep)
{
	static Ph__InstanceStartReply s;

	ph__instance_start_reply__init(&s);
	s.status = PH__INSTANCE_STATUS__INSTANCE_STATUS_RUNNING;
	s.pid = 555;
	rep->instance_start = &s;
}

static Ph__FileOpReply file_reply;

static void fill_file(Ph__Reply *rep, Ph__FileType type, const char *target, size_t target_len)
{
	ph__file_op_reply__init(&file_reply);
	file_reply.type = type;
	file_reply.uid = 1000;
	file_reply.gid = 100;
	file_reply.mode = 0755;
	file_reply.mtime = 1700000000;
	file_reply.target = (ProtobufCBinaryData){ target_len, (uint8_t *)target };
	rep->file_op = &file_reply;
}

static void fill_file_symlink(Ph__Reply *rep)
{
	fill_file(rep, PH__FILE_TYPE__FILE_TYPE_SYMLINK, "/etc/motd", 9);
}

static void fill_file_symlink_nul(Ph__Reply *rep)
{
	fill_file(rep, PH__FILE_TYPE__FILE_TYPE_SYMLINK, "/etc\0/motd", 10);
}

static void fill_file_regular(Ph__Reply *rep)
{
	fill_file(rep, PH__FILE_TYPE__FILE_TYPE_FILE, "", 0);
}

static void fill_exec(Ph__Reply *rep)
{
	static Ph__ExecStartReply x;

	ph__exec_start_reply__init(&x);
	x.pid = 777;
	rep->exec_start = &x;
}

static void fill_log(Ph__Reply *rep)
{
	static Ph__InstanceLogReply l;

	ph__instance_log_reply__init(&l);
	rep->instance_log = &l;
}

static void fill_console(Ph__Reply *rep)
{
	static Ph__ConsoleOpenReply c;

	ph__console_open_reply__init(&c);
	rep->console_open = &c;
}

static void fill_create(Ph__Reply *rep)
{
	static Ph__InstanceCreateReply c;

	ph__instance_create_reply__init(&c);
	rep->instance_create = &c;
}

static void fill_network(Ph__Reply *rep)
{
	static Ph__InstanceNetworkReply n;

	init_state(); /* the state too, as the worker reads it */
	ph__instance_network_reply__init(&n);
	n.state = &state_reply;
	rep->instance_network = &n;
}

/* ---- the op list against the proto and the helper's table ------------------------ */

static bool in_op_oneof(const ProtobufCFieldDescriptor *f)
{
	return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	       f->quantifier_offset == offsetof(Ph__Request, op_case);
}

static void test_op_list(void)
{
	const ProtobufCMessageDescriptor *d = &ph__request__descriptor;
	size_t n_cases = 0;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const ProtobufCFieldDescriptor *rf;
		const struct ph_call_op *o = NULL;
		const struct ph_op *helper;
		size_t count = 0;

		if (!in_op_oneof(f))
			continue;
		n_cases++;
		for (size_t j = 0; j < ph_call_ops_len; j++)
			if ((unsigned)ph_call_ops[j].op == f->id) {
				o = &ph_call_ops[j];
				count++;
			}
		if (!CHECK(count == 1,
			   "phcall: op %s (%u) has exactly one entry in the list (has %zu)",
			   f->name, f->id, count))
			continue;
		CHECK(o->name && strcmp(o->name, f->name) == 0,
		      "phcall: op %u is named %s (list: %s)", f->id, f->name,
		      o->name ? o->name : "(none)");
		rf = protobuf_c_message_descriptor_get_field(&ph__reply__descriptor,
							     (unsigned)o->result);
		CHECK(rf && strcmp(rf->name, f->name) == 0,
		      "phcall: op %s expects the reply's %s result", f->name, f->name);
		CHECK(o->reply_fds_min <= o->reply_fds_max && o->reply_fds_max <= FRAME_MAX_FDS,
		      "phcall: op %s's reply descriptors are a range within %d", f->name,
		      FRAME_MAX_FDS);
		helper = ph_op_find((Ph__Request__OpCase)f->id);
		if (!CHECK(helper != NULL, "phcall: op %s is in the helper's table", f->name))
			continue;
		CHECK(strcmp(helper->name, o->name) == 0,
		      "phcall: op %s has the helper's name for it (%s)", f->name, helper->name);
		CHECK(helper->nfds == o->request_fds,
		      "phcall: op %s sends the descriptors the helper takes (%u, list %u)", f->name,
		      helper->nfds, o->request_fds);
	}
	CHECK(n_cases > 0 && ph_call_ops_len == n_cases,
	      "phcall: the list has one entry per op (%zu entries, %zu ops)", ph_call_ops_len,
	      n_cases);
}

/* ---- the calls ---------------------------------------------------------------------- */

static void test_hello(void)
{
	struct ph_hello_info h;
	struct ph_error e;
	json_object *v;
	int r;

	answer(0, NULL, PH__REPLY__RESULT_HELLO, 0, fill_hello_policy);
	r = ph_call_hello(&h, &e);
	if (!CHECK(r == 0, "phcall: hello succeeds (%d)", r))
		return;
	CHECK(last_op() == PH__REQUEST__OP_HELLO, "phcall: hello sends a hello request");
	CHECK(strcmp(h.lxc_version, "5.0.2") == 0 && strcmp(h.policy_name, "strict") == 0,
	      "phcall: hello: lxc version and policy name (%s, %s)", h.lxc_version, h.policy_name);
	CHECK(h.idmap_base == 1000000 && h.idmap_size == 65536, "phcall: hello: the id range");
	CHECK(h.first_frontend, "phcall: hello: moatd's first frontend is told so (autostart)");
	CHECK(strcmp(h.default_network, "moatbr0") == 0 && h.policy.allow_raw_dnsmasq,
	      "phcall: hello: the default network (%s) and allow_raw_dnsmasq", h.default_network);
	CHECK(strcmp(h.cgroup, "4:memory:/srv/moat\n0::/\n") == 0,
	      "phcall: hello: moatd's own cgroup text (%s)", h.cgroup);
	CHECK(json_object_object_get_ex(h.kernel_features, "pidfds", &v) &&
		      strcmp(json_object_get_string(v), "true") == 0 &&
		      json_object_object_get_ex(h.kernel_features, "cgroup2", &v) &&
		      strcmp(json_object_get_string(v), "false") == 0 &&
		      json_object_object_length(h.kernel_features) == 2,
	      "phcall: hello: kernel features as {\"name\":\"true\"|\"false\"}");
	CHECK(json_object_object_length(h.lxc_features) == 1, "phcall: hello: lxc features");
	CHECK(h.policy.known && !h.policy.allow_privileged && h.policy.allow_nesting &&
		      !h.policy.allow_raw_lxc && !h.policy.allow_unix_devices &&
		      h.policy.require_delegated_ids,
	      "phcall: hello: the policy's flags, known");
	CHECK(h.policy.disk_source_prefixes && h.policy.disk_source_prefixes[0] &&
		      strcmp(h.policy.disk_source_prefixes[0], "/srv") == 0 &&
		      h.policy.disk_source_prefixes[1] &&
		      strcmp(h.policy.disk_source_prefixes[1], "/data/lxd") == 0 &&
		      !h.policy.disk_source_prefixes[2],
	      "phcall: hello: disk source prefixes, NULL-terminated");
	json_object_put(h.kernel_features);
	json_object_put(h.lxc_features);
	strv_free(h.policy.disk_source_prefixes);

	answer(0, NULL, PH__REPLY__RESULT_HELLO, 0, fill_hello_plain);
	memset(&h, 0xa5, sizeof(h));
	r = ph_call_hello(&h, &e);
	CHECK(r == 0 && !h.policy.known && !h.policy.allow_privileged &&
		      !h.policy.disk_source_prefixes && !h.first_frontend &&
		      !h.default_network[0] && !h.cgroup[0],
	      "phcall: hello without policy flags: policy not known, not the first frontend (%d)",
	      r);
	if (r == 0) {
		json_object_put(h.kernel_features);
		json_object_put(h.lxc_features);
	}
	answer(0, NULL, PH__REPLY__RESULT_HELLO, 0, fill_hello_bad_network);
	r = ph_call_hello(&h, &e);
	CHECK(r == -EPROTO,
	      "phcall: hello with a default network that is not a name is -EPROTO (%d)", r);
	answer(0, NULL, PH__REPLY__RESULT_HELLO, 0, fill_hello_bad_cgroup);
	r = ph_call_hello(&h, &e);
	CHECK(r == -EPROTO, "phcall: hello with a NUL in moatd's cgroup text is -EPROTO (%d)", r);
}

/* ---- managed networks (calls_net.c) ------------------------------------------------ */

static Ph__NetworkApplyReply applied;

static void fill_applied(Ph__Reply *rep)
{
	ph__network_apply_reply__init(&applied);
	applied.ipv4 = (ProtobufCBinaryData){ 8, (uint8_t *)"10.9.8.1" };
	applied.ipv4_prefix = 24;
	applied.ipv6 = (ProtobufCBinaryData){ 9, (uint8_t *)"fd00:1::1" };
	applied.ipv6_prefix = 64;
	applied.forward_drop = true;
	applied.warning = (ProtobufCBinaryData){ 4, (uint8_t *)"drop" };
	rep->network_apply = &applied;
}

static void fill_applied_bad_addr(Ph__Reply *rep)
{
	fill_applied(rep);
	applied.ipv4 = (ProtobufCBinaryData){ 8, (uint8_t *)"10.9.8.x" };
}

static void fill_applied_bad_prefix(Ph__Reply *rep)
{
	fill_applied(rep);
	applied.ipv6_prefix = 129;
}

static void fill_applied_none(Ph__Reply *rep)
{
	ph__network_apply_reply__init(&applied);
	rep->network_apply = &applied;
}

static void fill_net_delete(Ph__Reply *rep)
{
	static Ph__NetworkDeleteReply d;

	ph__network_delete_reply__init(&d);
	rep->network_delete = &d;
}

static void test_networks(void)
{
	struct ph_net_host hosts[2] = {
		{ .name = "c1", .hwaddr = { 0, 0x16, 0x3e, 1, 2, 3 }, .has_ipv4 = true },
		{ .name = "c2", .hwaddr = { 0, 0x16, 0x3e, 0xa, 0xb, 0xc }, .has_ipv6 = true },
	};
	struct ph_network net = {
		.name = "mtbr0",
		.mtu = 1400,
		.has_hwaddr = true,
		.hwaddr = { 0, 0x16, 0x3e, 0xaa, 0xbb, 0xcc },
		.ipv4_mode = PH_ADDR_SET,
		.ipv4_prefix = 24,
		.ipv4_nat = true,
		.ipv4_dhcp = true,
		.n_ipv4_ranges = 1,
		.ipv6_mode = PH_ADDR_SET,
		.ipv6_prefix = 64,
		.dns_domain = "lab",
		.dns_mode = PH_DNS_NONE,
		.raw_dnsmasq = "no-negcache",
		.hosts = hosts,
		.n_hosts = 2,
	};
	struct ph_network_applied a;
	struct ph_error e;
	char s[64];
	int r;

	inet_pton(AF_INET, "10.250.63.1", &net.ipv4);
	inet_pton(AF_INET, "10.250.63.100", &net.ipv4_ranges[0].start);
	inet_pton(AF_INET, "10.250.63.200", &net.ipv4_ranges[0].end);
	inet_pton(AF_INET, "10.250.63.7", &hosts[0].ipv4);
	inet_pton(AF_INET6, "fd00:1::7", &hosts[1].ipv6);
	inet_pton(AF_INET6, "fd00:1::1", &net.ipv6);
	answer(0, NULL, PH__REPLY__RESULT_NETWORK_APPLY, 0, fill_applied);
	memset(&a, 0, sizeof(a));
	r = ph_call_network_apply(&net, &a, &e);
	inet_ntop(AF_INET, &a.ipv4, s, sizeof(s));
	CHECK(r == 0 && strcmp(s, "10.9.8.1") == 0 && a.ipv4_prefix == 24 && a.ipv6_prefix == 64 &&
		      a.ipv6.s6_addr[0] == 0xfd && a.ipv6.s6_addr[15] == 1 && a.forward_drop &&
		      strcmp(a.warning, "drop") == 0,
	      "phcall: network_apply gives the addresses moatd applied and its warning (%d)", r);
	pthread_mutex_lock(&fake_lock);
	{
		const Ph__NetworkApplyRequest *m =
			last_req && last_req->op_case == PH__REQUEST__OP_NETWORK_APPLY
				? last_req->network_apply
				: NULL;

		CHECK(m && bytes_eq(&m->name, "mtbr0") && m->mtu == 1400 &&
			      bytes_eq(&m->hwaddr, "00:16:3e:aa:bb:cc") &&
			      m->ipv4_mode == PH__NET_ADDR_MODE__NET_ADDR_SET &&
			      bytes_eq(&m->ipv4, "10.250.63.1") && m->ipv4_prefix == 24 &&
			      m->ipv4_nat && m->ipv4_dhcp && !m->ipv4_routing &&
			      m->n_ipv4_ranges == 1 &&
			      bytes_eq(&m->ipv4_ranges[0]->start, "10.250.63.100") &&
			      bytes_eq(&m->ipv4_ranges[0]->end, "10.250.63.200") &&
			      m->ipv6_mode == PH__NET_ADDR_MODE__NET_ADDR_SET &&
			      bytes_eq(&m->ipv6, "fd00:1::1") && m->ipv6_prefix == 64 &&
			      bytes_eq(&m->dns_domain, "lab") &&
			      m->dns_mode == PH__NET_DNS_MODE__NET_DNS_NONE &&
			      bytes_eq(&m->raw_dnsmasq, "no-negcache") && m->n_hosts == 2 &&
			      bytes_eq(&m->hosts[0]->name, "c1") &&
			      bytes_eq(&m->hosts[0]->hwaddr, "00:16:3e:01:02:03") &&
			      bytes_eq(&m->hosts[0]->ipv4, "10.250.63.7") &&
			      m->hosts[0]->ipv6.len == 0 &&
			      bytes_eq(&m->hosts[1]->hwaddr, "00:16:3e:0a:0b:0c") &&
			      m->hosts[1]->ipv4.len == 0 &&
			      bytes_eq(&m->hosts[1]->ipv6, "fd00:1::7"),
		      "phcall: network_apply sends every field, addresses and hwaddrs as text");
	}
	pthread_mutex_unlock(&fake_lock);

	answer(0, NULL, PH__REPLY__RESULT_NETWORK_APPLY, 0, fill_applied_none);
	memset(&a, 0x5a, sizeof(a));
	r = ph_call_network_apply(&net, &a, &e);
	CHECK(r == 0 && a.ipv4_prefix == 0 && a.ipv6_prefix == 0 && !a.forward_drop &&
		      !a.warning[0],
	      "phcall: network_apply without addresses: prefixes 0, no warning (%d)", r);
	answer(0, NULL, PH__REPLY__RESULT_NETWORK_APPLY, 0, fill_applied_bad_addr);
	memset(&a, 0x5a, sizeof(a));
	r = ph_call_network_apply(&net, &a, &e);
	CHECK(r == -EPROTO && a.ipv4_prefix == 0x5a,
	      "phcall: an applied address that is not one is -EPROTO, output untouched (%d)", r);
	answer(0, NULL, PH__REPLY__RESULT_NETWORK_APPLY, 0, fill_applied_bad_prefix);
	r = ph_call_network_apply(&net, &a, &e);
	CHECK(r == -EPROTO, "phcall: an IPv6 prefix of 129 is -EPROTO (%d)", r);
	answer(EEXIST, "network_apply: the name is a host interface", PH__REPLY__RESULT__NOT_SET, 0,
	       NULL);
	r = ph_call_network_apply(&net, &a, &e);
	CHECK(r == -EEXIST && strstr(e.msg, "host interface"),
	      "phcall: network_apply's refusal is its errno and moatd's message (%d: %s)", r,
	      e.msg);
	memcpy(net.name, "abcdefghijklmnop", 16); /* no terminator within the 16 bytes */
	r = ph_call_network_apply(&net, &a, &e);
	CHECK(r == -EINVAL, "phcall: a network name that does not fit is -EINVAL, not sent (%d)",
	      r);

	answer(0, NULL, PH__REPLY__RESULT_NETWORK_DELETE, 0, fill_net_delete);
	r = ph_call_network_delete("mtbr0", &e);
	pthread_mutex_lock(&fake_lock);
	CHECK(r == 0 && last_req && last_req->op_case == PH__REQUEST__OP_NETWORK_DELETE &&
		      bytes_eq(&last_req->network_delete->name, "mtbr0"),
	      "phcall: network_delete sends the name (%d)", r);
	pthread_mutex_unlock(&fake_lock);
	answer(ENOENT, "network_delete: gone", PH__REPLY__RESULT__NOT_SET, 0, NULL);
	r = ph_call_network_delete("mtbr0", &e);
	CHECK(r == 0, "phcall: network_delete of a network that is gone is fine (%d)", r);
	answer(EIO, "network_delete: cannot", PH__REPLY__RESULT__NOT_SET, 0, NULL);
	r = ph_call_network_delete("mtbr0", &e);
	CHECK(r == -EIO, "phcall: network_delete's other errors are its errno (%d)", r);
}

static void test_result_case(void)
{
	struct ph_instance_state_info s = { .pid = 4242 }, before = s;
	struct ph_error e = { "untouched?" };
	int r;

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_ACTION, 0, fill_action);
	r = ph_call_instance_state("c1", &s, &e);
	CHECK(r == -EPROTO, "phcall: another op's result is -EPROTO (%d)", r);
	CHECK(memcmp(&s, &before, sizeof(s)) == 0, "phcall: ... and the output is untouched");
	CHECK(e.msg[0] == '\0', "phcall: ... and the error message is empty (\"%s\")", e.msg);

	answer(0, NULL, PH__REPLY__RESULT__NOT_SET, 0, NULL);
	r = ph_call_instance_state("c1", &s, &e);
	CHECK(r == -EPROTO, "phcall: a success reply without a result is -EPROTO (%d)", r);

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_STATE, 0, fill_state_bad_status);
	r = ph_call_instance_state("c1", &s, &e);
	CHECK(r == -EPROTO && memcmp(&s, &before, sizeof(s)) == 0,
	      "phcall: a status out of range is -EPROTO, output untouched (%d)", r);
}

static void test_descriptor_counts(void)
{
	struct ph_instance_state_info s = { .pid = 4242 };
	struct ph_exec_info x = { .pid = -1 }, xbefore = x;
	const char *argv[] = { "sh", "-c", "true" };
	struct ph_exec_request req = { .name = "c1", .argv = argv, .argc = 3, .cwd = "/" };
	int ptx = -7, ctl = -7, fd = -7, r;

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_STATE, 1, fill_state);
	r = ph_call_instance_state("c1", &s, NULL);
	CHECK(r == -EPROTO, "phcall: instance_state with a descriptor is -EPROTO (%d)", r);
	CHECK(all_closed(), "phcall: ... and the descriptor is closed");
	CHECK(s.pid == 4242, "phcall: ... and the output is untouched");

	answer(0, NULL, PH__REPLY__RESULT_CONSOLE_OPEN, 1, fill_console);
	r = ph_call_console_open("c1", 80, 25, &ptx, &ctl, NULL);
	CHECK(r == -EPROTO, "phcall: console_open with 1 descriptor of 2 is -EPROTO (%d)", r);
	CHECK(all_closed(), "phcall: ... and the descriptor is closed");
	CHECK(ptx == -7 && ctl == -7, "phcall: ... and the outputs are untouched");

	answer(0, NULL, PH__REPLY__RESULT_CONSOLE_OPEN, 3, fill_console);
	r = ph_call_console_open("c1", 80, 25, &ptx, &ctl, NULL);
	CHECK(r == -EPROTO && all_closed(),
	      "phcall: console_open with 3 descriptors is -EPROTO, all closed (%d)", r);

	/* within the op's range (2-4), but not the count of the variant */
	req.interactive = true;
	answer(0, NULL, PH__REPLY__RESULT_EXEC_START, 4, fill_exec);
	r = ph_call_exec_start(&req, &x, NULL);
	CHECK(r == -EPROTO, "phcall: an interactive exec_start with 4 descriptors is -EPROTO (%d)",
	      r);
	CHECK(all_closed(), "phcall: ... and all 4 are closed");
	CHECK(memcmp(&x, &xbefore, sizeof(x)) == 0, "phcall: ... and the output is untouched");
	req.interactive = false;
	answer(0, NULL, PH__REPLY__RESULT_EXEC_START, 2, fill_exec);
	r = ph_call_exec_start(&req, &x, NULL);
	CHECK(r == -EPROTO && all_closed(),
	      "phcall: a plain exec_start with 2 descriptors is -EPROTO, both closed (%d)", r);

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_LOG, 1, fill_log);
	r = ph_call_instance_log("c1", PH_LOG_CONSOLE, true, &fd, NULL);
	CHECK(r == -EPROTO && all_closed() && fd == -7,
	      "phcall: a truncated log with a descriptor is -EPROTO, closed (%d)", r);
	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_LOG, 0, fill_log);
	r = ph_call_instance_log("c1", PH_LOG_LXC, false, &fd, NULL);
	CHECK(r == -EPROTO && fd == -7, "phcall: a log without its descriptor is -EPROTO (%d)", r);

	answer(0, NULL, PH__REPLY__RESULT_FILE_OP, 1, fill_file_symlink);
	r = ph_call_file_op(
		&(struct ph_file_request){
			.name = "c1", .pool = "default", .path = "/l", .kind = PH_FILE_OP_READ },
		NULL, &fd, NULL);
	CHECK(r == -EPROTO && all_closed() && fd == -7,
	      "phcall: a symlink read with a descriptor is -EPROTO, closed (%d)", r);
	answer(0, NULL, PH__REPLY__RESULT_FILE_OP, 0, fill_file_regular);
	r = ph_call_file_op(
		&(struct ph_file_request){
			.name = "c1", .pool = "default", .path = "/f", .kind = PH_FILE_OP_WRITE },
		NULL, &fd, NULL);
	CHECK(r == -EPROTO && fd == -7, "phcall: a write without its descriptor is -EPROTO (%d)",
	      r);
}

static void test_errno_replies(void)
{
	char long_msg[400];
	struct ph_error e;
	int fd = -7, r;

	answer(ENOSPC, "instance_create: no space left", PH__REPLY__RESULT__NOT_SET, 0, NULL);
	r = ph_call_instance_create("c1", "default", "", &e);
	CHECK(r == -ENOSPC, "phcall: an errno reply is that errno (%d)", r);
	CHECK(strcmp(e.msg, "instance_create: no space left") == 0,
	      "phcall: ... and moatd's message is copied (\"%s\")", e.msg);
	r = ph_call_instance_create("c1", "default", "", NULL);
	CHECK(r == -ENOSPC, "phcall: ... and without a message buffer too (%d)", r);

	answer(ENOENT, NULL, PH__REPLY__RESULT__NOT_SET, 0, NULL);
	memset(&e, 'x', sizeof(e));
	r = ph_call_instance_delete("c1", "default", &e);
	CHECK(r == -ENOENT && e.msg[0] == '\0',
	      "phcall: an errno reply without a message leaves an empty one (%d)", r);

	memset(long_msg, 'm', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	answer(EPERM, long_msg, PH__REPLY__RESULT__NOT_SET, 0, NULL);
	r = ph_call_instance_delete("c1", "default", &e);
	CHECK(r == -EPERM && strlen(e.msg) == PH_ERROR_MAX - 1 && e.msg[0] == 'm',
	      "phcall: a message over %d bytes is cut to fit (%zu)", PH_ERROR_MAX, strlen(e.msg));

	answer(EIO, "instance_log: x", PH__REPLY__RESULT__NOT_SET, 1, NULL);
	r = ph_call_instance_log("c1", PH_LOG_LXC, false, &fd, &e);
	CHECK(r == -EPROTO && all_closed() && fd == -7,
	      "phcall: an errno reply with a descriptor is -EPROTO, closed (%d)", r);

	answer(EIO, "instance_create: x", PH__REPLY__RESULT_INSTANCE_CREATE, 0, fill_create);
	r = ph_call_instance_create("c1", "default", "", &e);
	CHECK(r == -EPROTO, "phcall: an errno reply with a result is -EPROTO (%d)", r);

	answer(-5, NULL, PH__REPLY__RESULT__NOT_SET, 0, NULL);
	r = ph_call_instance_create("c1", "default", "", &e);
	CHECK(r == -EPROTO, "phcall: a negative errno is -EPROTO (%d)", r);
}

static void test_successes(void)
{
	struct ph_instance_state_info s;
	struct ph_start_config cfg = { .nesting = true,
				       .limits = { .memory = 1 << 30,
						   .has_cpu_set = true,
						   .cpu_set = { 0x0b },
						   .hugepages_set = 1u << PH_LIMITS_2MB } };
	struct ph_file_info *info = calloc(1, sizeof(*info));
	const char *argv[] = { "sh", "-c", "true" }, *env[] = { "A=b" };
	struct ph_exec_request req = {
		.name = "c1", .argv = argv, .argc = 3, .env = env, .envc = 1, .cwd = "/root"
	};
	enum ph_instance_status status = PH_STATUS_UNSPECIFIED;
	struct ph_exec_info x;
	struct ph_net_info n;
	int ptx = -7, ctl = -7, fd = -7, pid = 0, image[2], r;
	bool cached = false;

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_STATE, 0, fill_state);
	r = ph_call_instance_state("c1", &s, NULL);
	CHECK(r == 0 && s.status == PH_STATUS_RUNNING && s.pid == 4321 && !s.reboot_requested,
	      "phcall: instance_state fills the state (%d)", r);
	pthread_mutex_lock(&fake_lock);
	CHECK(last_req && last_req->op_case == PH__REQUEST__OP_INSTANCE_STATE &&
		      bytes_eq(&last_req->instance_state->name, "c1") && last_req_fds == 0,
	      "phcall: instance_state sends the name, no descriptor");
	pthread_mutex_unlock(&fake_lock);

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_ACTION, 0, fill_action);
	r = ph_call_instance_action("c1", PH_ACTION_FREEZE, 30, false, &status, NULL);
	CHECK(r == 0 && status == PH_STATUS_FROZEN, "phcall: instance_action (%d)", r);
	pthread_mutex_lock(&fake_lock);
	CHECK(last_req && last_req->op_case == PH__REQUEST__OP_INSTANCE_ACTION &&
		      last_req->instance_action->action ==
			      PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_FREEZE &&
		      last_req->instance_action->timeout == 30,
	      "phcall: instance_action sends the action and timeout");
	pthread_mutex_unlock(&fake_lock);

	if (pipe(image) == 0) {
		answer(0, NULL, PH__REPLY__RESULT_IMAGE_UNPACK, 0, fill_unpack);
		r = ph_call_image_unpack("ab12", "default", image[0], &cached, NULL);
		CHECK(r == 0 && cached, "phcall: image_unpack (%d)", r);
		pthread_mutex_lock(&fake_lock);
		CHECK(last_req && last_req->op_case == PH__REQUEST__OP_IMAGE_UNPACK &&
			      last_req_fds == 1 &&
			      bytes_eq(&last_req->image_unpack->fingerprint, "ab12"),
		      "phcall: image_unpack sends the fingerprint and one descriptor");
		pthread_mutex_unlock(&fake_lock);
		CHECK(fcntl(image[0], F_GETFD) >= 0, "phcall: ... which stays the caller's");
		close(image[0]);
		close(image[1]);
	}

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_START, 0, fill_start);
	r = ph_call_instance_start("c1", "default", &cfg, &pid, NULL);
	CHECK(r == 0 && pid == 555, "phcall: instance_start gives the pid (%d, %d)", r, pid);
	pthread_mutex_lock(&fake_lock);
	CHECK(last_req && last_req->op_case == PH__REQUEST__OP_INSTANCE_START &&
		      last_req->instance_start->config &&
		      last_req->instance_start->config->nesting &&
		      !last_req->instance_start->config->privileged &&
		      last_req->instance_start->config->limits &&
		      last_req->instance_start->config->limits->memory == 1 << 30 &&
		      last_req->instance_start->config->limits->n_cpu_set == 3 &&
		      last_req->instance_start->config->limits->cpu_set[0] == 0 &&
		      last_req->instance_start->config->limits->cpu_set[1] == 1 &&
		      last_req->instance_start->config->limits->cpu_set[2] == 3 &&
		      last_req->instance_start->config->limits->n_hugepages == 1 &&
		      last_req->instance_start->config->limits->hugepages[0]->size_kb == 2048 &&
		      last_req->instance_start->config->limits->hugepages[0]->bytes == 0,
	      "phcall: instance_start sends the configuration (the CPU set 0-1,3 as a list, a "
	      "2MB page limit of 0)");
	pthread_mutex_unlock(&fake_lock);

	if (info) {
		answer(0, NULL, PH__REPLY__RESULT_FILE_OP, 0, fill_file_symlink);
		r = ph_call_file_op(&(struct ph_file_request){ .name = "c1",
							       .pool = "default",
							       .path = "/l",
							       .kind = PH_FILE_OP_READ },
				    info, &fd, NULL);
		CHECK(r == 0 && info->type == PH_FILE_TYPE_SYMLINK &&
			      strcmp(info->target, "/etc/motd") == 0 && info->uid == 1000 &&
			      info->gid == 100 && info->mode == 0755 && fd == -EBADF,
		      "phcall: file_op read of a symlink: its target, no descriptor (%d)", r);
		pthread_mutex_lock(&fake_lock);
		CHECK(last_req && last_req->op_case == PH__REQUEST__OP_FILE_OP &&
			      bytes_eq(&last_req->file_op->path, "/l") &&
			      last_req->file_op->kind == PH__FILE_OP_KIND__FILE_OP_OPEN_READ,
		      "phcall: file_op sends the path and kind");
		pthread_mutex_unlock(&fake_lock);

		memset(info, 0x5a, sizeof(*info));
		answer(0, NULL, PH__REPLY__RESULT_FILE_OP, 0, fill_file_symlink_nul);
		fd = -7;
		r = ph_call_file_op(&(struct ph_file_request){ .name = "c1",
							       .pool = "default",
							       .path = "/l",
							       .kind = PH_FILE_OP_READ },
				    info, &fd, NULL);
		CHECK(r == -EPROTO && info->uid == 0x5a5a5a5a && fd == -7,
		      "phcall: a link target with a NUL is -EPROTO, output untouched (%d)", r);

		answer(0, NULL, PH__REPLY__RESULT_FILE_OP, 1, fill_file_regular);
		r = ph_call_file_op(&(struct ph_file_request){ .name = "c1",
							       .pool = "default",
							       .path = "/f",
							       .kind = PH_FILE_OP_READ },
				    info, &fd, NULL);
		CHECK(r == 0 && info->type == PH_FILE_TYPE_FILE && is_sent(fd, 0),
		      "phcall: file_op read of a file gives its descriptor (%d)", r);
		if (r == 0)
			close(fd);
		free(info);
	}

	answer(0, NULL, PH__REPLY__RESULT_EXEC_START, 4, fill_exec);
	r = ph_call_exec_start(&req, &x, NULL);
	CHECK(r == 0 && x.pid == 777 && x.nfds == 4 && is_sent(x.fds[0], 0) &&
		      is_sent(x.fds[1], 1) && is_sent(x.fds[2], 2) && is_sent(x.fds[3], 3),
	      "phcall: exec_start gives the pid and 4 descriptors in order (%d)", r);
	if (r == 0)
		for (int i = 0; i < 4; i++)
			close(x.fds[i]);
	pthread_mutex_lock(&fake_lock);
	CHECK(last_req && last_req->op_case == PH__REQUEST__OP_EXEC_START &&
		      last_req->exec_start->n_argv == 3 &&
		      bytes_eq(&last_req->exec_start->argv[2], "true") &&
		      last_req->exec_start->n_env == 1 &&
		      bytes_eq(&last_req->exec_start->env[0], "A=b") &&
		      bytes_eq(&last_req->exec_start->cwd, "/root"),
	      "phcall: exec_start sends argv, env and cwd");
	pthread_mutex_unlock(&fake_lock);
	req.interactive = true;
	answer(0, NULL, PH__REPLY__RESULT_EXEC_START, 2, fill_exec);
	r = ph_call_exec_start(&req, &x, NULL);
	CHECK(r == 0 && x.nfds == 2 && is_sent(x.fds[0], 0) && is_sent(x.fds[1], 1) &&
		      x.fds[2] == -EBADF && x.fds[3] == -EBADF,
	      "phcall: an interactive exec_start gives 2 descriptors (%d)", r);
	if (r == 0) {
		close(x.fds[0]);
		close(x.fds[1]);
	}

	answer(0, NULL, PH__REPLY__RESULT_CONSOLE_OPEN, 2, fill_console);
	r = ph_call_console_open("c1", 80, 25, &ptx, &ctl, NULL);
	CHECK(r == 0 && is_sent(ptx, 0) && is_sent(ctl, 1),
	      "phcall: console_open gives the pty and the control socket (%d)", r);
	if (r == 0) {
		close(ptx);
		close(ctl);
	}

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_LOG, 1, fill_log);
	fd = -7;
	r = ph_call_instance_log("c1", PH_LOG_LXC, false, &fd, NULL);
	CHECK(r == 0 && is_sent(fd, 0), "phcall: instance_log gives the log's descriptor (%d)", r);
	if (r == 0)
		close(fd);
	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_LOG, 1, fill_log);
	r = ph_call_instance_log("c1", PH_LOG_LXC, false, NULL, NULL);
	CHECK(r == 0 && all_closed(), "phcall: ... closed when the caller does not want it (%d)",
	      r);

	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_NETWORK, 1, fill_network);
	pthread_mutex_lock(&fake_lock);
	script.netlink = true;
	pthread_mutex_unlock(&fake_lock);
	r = ph_call_instance_network("c1", &n, NULL);
	pthread_mutex_lock(&fake_lock);
	script.netlink = false;
	pthread_mutex_unlock(&fake_lock);
	if (CHECK(r == 0 && n.n_interfaces >= 1,
		  "phcall: instance_network reads the interfaces from moatd's netlink socket (%d)",
		  r)) {
		const struct ph_net_interface *lo = NULL;

		CHECK(n.has_state && n.state.status == PH_STATUS_RUNNING && n.state.pid == 4321,
		      "phcall: ... and the state from the reply");
		for (size_t k = 0; k < n.n_interfaces; k++)
			if (strcmp(n.interfaces[k].name, "lo") == 0)
				lo = &n.interfaces[k];
		CHECK(lo && lo->loopback && lo->up && lo->hwaddr[0] == '\0' &&
			      lo->n_addresses >= 1 &&
			      strcmp(lo->addresses[0].address, "127.0.0.1") == 0 &&
			      lo->addresses[0].prefix == 8 &&
			      strcmp(lo->addresses[0].scope, "local") == 0,
		      "phcall: ... lo as the kernel has it (127.0.0.1/8, scope local, no hwaddr)");
		ph_net_info_free(&n);
	}
	answer(0, NULL, PH__REPLY__RESULT_INSTANCE_NETWORK, 0, fill_network);
	r = ph_call_instance_network("c1", &n, NULL);
	CHECK(r == -EPROTO, "phcall: a reply without its socket is a breach (%d)", r);
}

void test_phcall(void)
{
	pthread_t t;
	int sv[2];

	test_op_list();
	if (!CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
		   "phcall: a socketpair for the fake moatd"))
		return;
	peer = sv[1];
	/* the fake end is never closed: the channel's reader would exit the process */
	if (!CHECK(pthread_create(&t, NULL, fake_moatd, NULL) == 0,
		   "phcall: the fake moatd's thread") ||
	    !CHECK(fe_ph_init(sv[0]) == 0, "phcall: the channel starts"))
		return;
	pthread_detach(t);
	log_set_level(LOG_LVL_ERROR); /* the malformed replies' warnings are expected */
	test_hello();
	test_result_case();
	test_descriptor_counts();
	test_errno_replies();
	test_successes();
	test_networks();
	log_set_level(LOG_LVL_INFO);
}
