// SPDX-License-Identifier: Apache-2.0
/*
 * One typed call per privileged op (ph_call_<op>(), declared in ph/ph.h),
 * the frontend's half of the boundary: each builds its request, sends it
 * through the channel (channel.c), and checks the reply's shape before it
 * reads a field: the op's result case, the op's descriptor count, errno
 * replies carrying nothing else, strings without NULs that fit. Runs in
 * moatd-api (unprivileged); every reply is untrusted, and a reply of the
 * wrong shape is -EPROTO with its descriptors closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "name.h"
#include "ph/ph.h"
/* what the rest of moatd-api includes must not bring the wire format along */
#ifdef PROTOBUF_C__BEGIN_DECLS
#error "ph/ph.h includes the protobuf header: only ph/'s own files may"
#endif
#include "ph/wire.h"

/*
 * The ops, from the helper's own op table, privhelper/ops.def: name, oneof
 * case (the same number in Request.op and Reply.result), descriptors the
 * request carries, and the fewest and most descriptors a success reply
 * carries (a call whose count depends on the request or the reply checks
 * its exact count after; an errno reply carries none). ops.def is plain
 * macro invocations, nothing of moatd's, so both sides read one list.
 */
enum op_index {
#define PH_OP(op, Op, OP, in, out_min, out_max, flags, fd_check) OP_##op,
#include "ops.def"
};

/* clang-format off */
const struct ph_call_op ph_call_ops[] = {
#define PH_OP(op, Op, OP, in, out_min, out_max, flags, fd_check) \
	[OP_##op] = { #op, PH__REQUEST__OP_##OP, PH__REPLY__RESULT_##OP, in, out_min, out_max },
#include "ops.def"
};
/* clang-format on */
const size_t ph_call_ops_len = ARRAY_SIZE(ph_call_ops);

/* ---- the checks every call makes ------------------------------------------------ */

/* A reply being read: freed, and its descriptors not taken closed, at scope exit. */
struct reply {
	Ph__Reply *msg;
	int fds[FRAME_MAX_FDS];
	size_t nfds;
};

static void reply_done(struct reply *r)
{
	for (size_t i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	r->nfds = 0;
	if (r->msg)
		ph__reply__free_unpacked(r->msg, NULL);
	r->msg = NULL;
}

#define __do_reply __attribute__((cleanup(reply_done)))

/* Fail a call: err < 0, with moatd's message or none. */
static int fail(struct ph_error *ret_error, int err, const ProtobufCBinaryData *msg)
{
	if (ret_error) {
		size_t n = msg && msg->len ? strnlen((const char *)msg->data, msg->len) : 0;

		if (n >= sizeof(ret_error->msg))
			n = sizeof(ret_error->msg) - 1;
		if (n)
			memcpy(ret_error->msg, msg->data, n);
		ret_error->msg[n] = '\0';
	}
	return err;
}

/* A reply of the wrong shape: said once here, where the op and id are known. */
static int breach(struct ph_error *ret_error, const Ph__Request *req, const char *why)
{
	const struct ph_call_op *o = NULL;

	for (size_t i = 0; i < ph_call_ops_len; i++)
		if (ph_call_ops[i].op == req->op_case)
			o = &ph_call_ops[i];
	log_warn("moatd's reply to %s (request %llu) is malformed: %s", o ? o->name : "?",
		 (unsigned long long)req->id, why);
	return fail(ret_error, -EPROTO, NULL);
}

/*
 * Send req as op with the request's descriptors, and check the reply:
 * an errno reply is that errno (moatd's message in ret_error) and must
 * carry no result and no descriptor; a success reply must be the op's
 * result with a descriptor count in the op's range. On 0, *rep holds the
 * reply and its descriptors.
 */
static int call(enum op_index op, Ph__Request *req, const int *fds, size_t nfds, struct reply *rep,
		struct ph_error *ret_error)
{
	const struct ph_call_op *o = &ph_call_ops[op];
	int r;

	req->op_case = o->op;
	if (nfds != o->request_fds) /* moatd would close the channel: never send it */
		return fail(ret_error, -EINVAL, NULL);
	r = ph_channel_call(req, fds, nfds, &rep->msg, rep->fds, &rep->nfds);
	if (r < 0)
		return fail(ret_error, r, NULL);
	if (rep->msg->err != 0) {
		if (rep->msg->err < 0 || rep->msg->err > 4095)
			return breach(ret_error, req, "an errno out of range");
		if (rep->msg->result_case != PH__REPLY__RESULT__NOT_SET)
			return breach(ret_error, req, "an errno reply with a result");
		if (rep->nfds != 0)
			return breach(ret_error, req, "an errno reply with descriptors");
		return fail(ret_error, -rep->msg->err, &rep->msg->error);
	}
	if (rep->msg->result_case != o->result)
		return breach(ret_error, req, "another op's result");
	if (rep->nfds < o->reply_fds_min || rep->nfds > o->reply_fds_max)
		return breach(ret_error, req, "a descriptor count other than the op's");
	return 0;
}

int ph_wire_call(Ph__Request__OpCase op, Ph__Request *req, Ph__Reply **ret_reply,
		 struct ph_error *ret_error)
{
	struct reply rep __do_reply = { 0 };
	size_t i = 0;
	int r;

	while (i < ph_call_ops_len && ph_call_ops[i].op != op)
		i++;
	if (i == ph_call_ops_len || ph_call_ops[i].request_fds || ph_call_ops[i].reply_fds_max)
		return fail(ret_error, -EINVAL, NULL);
	r = call((enum op_index)i, req, NULL, 0, &rep, ret_error);
	if (r < 0)
		return r;
	*ret_reply = TAKE_PTR(rep.msg);
	return 0;
}

int ph_wire_breach(struct ph_error *ret_error, const Ph__Request *req, const char *why)
{
	return breach(ret_error, req, why);
}

/* The exact descriptor count of a call's variant, within the op's range. */
static int expect_fds(const struct reply *rep, size_t n, const Ph__Request *req,
		      struct ph_error *ret_error)
{
	if (rep->nfds != n)
		return breach(ret_error, req, "a descriptor count other than the request's");
	return 0;
}

static void set_bytes(ProtobufCBinaryData *b, const char *s)
{
	b->data = (uint8_t *)(s ? s : "");
	b->len = s ? strlen(s) : 0;
}

/* A string from moatd: no NUL inside, and it fits with its terminator. */
static int copy_str(char *dst, size_t cap, const ProtobufCBinaryData *b)
{
	if (b->len >= cap || (b->len && memchr(b->data, '\0', b->len)))
		return -EPROTO;
	if (b->len)
		memcpy(dst, b->data, b->len);
	dst[b->len] = '\0';
	return 0;
}

/* ---- hello ------------------------------------------------------------------------ */

static int features_json(Ph__KernelFeature **f, size_t n, json_object **ret)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < n; i++) {
		char name[64];

		if (copy_str(name, sizeof(name), &f[i]->name) < 0 || !name[0]) {
			json_object_put(o);
			return -EPROTO;
		}
		json_object_object_add(o, name,
				       json_object_new_string(f[i]->value ? "true" : "false"));
	}
	if (!o)
		return -ENOMEM;
	*ret = o;
	return 0;
}

static int policy_from(const Ph__PolicyFlags *p, struct fe_policy *ret)
{
	__do_strv char **prefixes = NULL;

	memset(ret, 0, sizeof(*ret));
	if (!p)
		return 0; /* an older moatd: not known, the API refuses nothing early */
	prefixes = calloc(p->n_disk_source_prefixes + 1, sizeof(char *));
	if (!prefixes)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_disk_source_prefixes; i++) {
		const ProtobufCBinaryData *b = &p->disk_source_prefixes[i];

		if (b->len == 0 || b->len >= 4096 || memchr(b->data, '\0', b->len))
			return -EPROTO;
		prefixes[i] = strndup((const char *)b->data, b->len);
		if (!prefixes[i])
			return -ENOMEM;
	}
	ret->known = true;
	ret->allow_privileged = p->allow_privileged;
	ret->allow_nesting = p->allow_nesting;
	ret->allow_raw_lxc = p->allow_raw_lxc;
	ret->allow_unix_devices = p->allow_unix_devices;
	ret->require_delegated_ids = p->require_delegated_ids;
	ret->allow_raw_idmap = p->allow_raw_idmap;
	ret->allow_raw_seccomp = p->allow_raw_seccomp;
	ret->allow_kernel_modules = p->allow_kernel_modules;
	ret->allow_lxc_hooks = p->allow_lxc_hooks;
	ret->allow_raw_dnsmasq = p->allow_raw_dnsmasq;
	ret->allow_host_interfaces = p->allow_host_interfaces;
	ret->disk_source_prefixes = TAKE_PTR(prefixes);
	return 0;
}

int ph_call_hello(struct ph_hello_info *ret, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__HelloRequest m = PH__HELLO_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	struct ph_hello_info h = { 0 };
	const Ph__HelloReply *x;
	int r;

	m.protocol = 1;
	req.hello = &m;
	r = call(OP_hello, &req, NULL, 0, &rep, ret_error);
	if (r < 0)
		return r;
	x = rep.msg->hello;
	if (copy_str(h.lxc_version, sizeof(h.lxc_version), &x->lxc_version) < 0 ||
	    copy_str(h.policy_name, sizeof(h.policy_name), &x->policy_name) < 0 ||
	    copy_str(h.cgroup, sizeof(h.cgroup), &x->cgroup) < 0)
		return breach(ret_error, &req, "a name or cgroup text too long or with a NUL");
	h.protocol = x->protocol;
	h.idmap_base = x->idmap_base;
	h.idmap_size = x->idmap_size;
	h.first_frontend = x->first_frontend;
	if (x->default_network.len &&
	    (!name_net_valid(x->default_network.data, x->default_network.len) ||
	     copy_str(h.default_network, sizeof(h.default_network), &x->default_network) < 0))
		return breach(ret_error, &req, "a default network that is not a network name");
	r = features_json(x->kernel_features, x->n_kernel_features, &h.kernel_features);
	if (r == 0)
		r = features_json(x->lxc_features, x->n_lxc_features, &h.lxc_features);
	if (r == 0)
		r = policy_from(x->policy, &h.policy);
	if (r < 0) {
		json_object_put(h.kernel_features);
		json_object_put(h.lxc_features);
		return r == -EPROTO ? breach(ret_error, &req, "a feature or prefix not a name")
				    : fail(ret_error, r, NULL);
	}
	*ret = h;
	return 0;
}

/* ---- instances ---------------------------------------------------------------------- */

static int state_from(const Ph__InstanceStateReply *x, struct ph_instance_state_info *ret)
{
	if ((unsigned)x->status > PH_STATUS_ERROR)
		return -EPROTO;
	*ret = (struct ph_instance_state_info){
		.status = (enum ph_instance_status)x->status,
		.pid = x->pid,
		.reboot_requested = x->reboot_requested,
	};
	return 0;
}

int ph_call_instance_state(const char *name, struct ph_instance_state_info *ret,
			   struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceStateRequest m = PH__INSTANCE_STATE_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	struct ph_instance_state_info s;
	int r;

	set_bytes(&m.name, name);
	req.instance_state = &m;
	r = call(OP_instance_state, &req, NULL, 0, &rep, ret_error);
	if (r < 0)
		return r;
	if (state_from(rep.msg->instance_state, &s) < 0)
		return breach(ret_error, &req, "a status out of range");
	*ret = s;
	return 0;
}

int ph_call_instance_action(const char *name, enum ph_action_kind action, int timeout, bool force,
			    enum ph_instance_status *ret_status, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceActionRequest m = PH__INSTANCE_ACTION_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	int r;

	set_bytes(&m.name, name);
	m.action = (Ph__InstanceActionKind)action;
	m.timeout = timeout;
	m.force = force;
	req.instance_action = &m;
	r = call(OP_instance_action, &req, NULL, 0, &rep, ret_error);
	if (r < 0)
		return r;
	if ((unsigned)rep.msg->instance_action->status > PH_STATUS_ERROR)
		return breach(ret_error, &req, "a status out of range");
	if (ret_status)
		*ret_status = (enum ph_instance_status)rep.msg->instance_action->status;
	return 0;
}

int ph_call_image_unpack(const char *fingerprint, const char *pool, int image_fd, bool *ret_cached,
			 struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__ImageUnpackRequest m = PH__IMAGE_UNPACK_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	int r;

	set_bytes(&m.fingerprint, fingerprint);
	set_bytes(&m.pool, pool);
	req.image_unpack = &m;
	r = call(OP_image_unpack, &req, &image_fd, 1, &rep, ret_error);
	if (r < 0)
		return r;
	if (ret_cached)
		*ret_cached = rep.msg->image_unpack->cached;
	return 0;
}

int ph_call_instance_create(const char *name, const char *pool, const char *fingerprint,
			    struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceCreateRequest m = PH__INSTANCE_CREATE_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };

	set_bytes(&m.name, name);
	set_bytes(&m.pool, pool);
	set_bytes(&m.fingerprint, fingerprint);
	req.instance_create = &m;
	return call(OP_instance_create, &req, NULL, 0, &rep, ret_error);
}

/* The message's storage, the caller's: ph.Limits and its huge page entries. */
struct limits_msg {
	Ph__Limits m;
	uint32_t cpus[PH_LIMITS_CPUSET_BYTES * 8];
	Ph__HugepageLimit huge[PH_LIMITS_HUGE_N];
	Ph__HugepageLimit *hugep[PH_LIMITS_HUGE_N];
};

static Ph__Limits *limits_msg(const struct ph_limits_config *l, struct limits_msg *ret)
{
	static const uint32_t kb[PH_LIMITS_HUGE_N] = { 64, 1024, 2048, 1048576 };
	Ph__Limits *m = &ret->m;

	ph__limits__init(m);
	m->memory = l->memory;
	m->memory_percent = l->memory_percent;
	m->memory_soft = l->memory_soft;
	m->swap_off = l->swap_off;
	m->swap_priority_drop = l->swap_priority_drop;
	m->cpu_priority_drop = l->cpu_priority_drop;
	m->cpu_count = l->cpu_count;
	for (uint32_t c = 0; l->has_cpu_set && c < PH_LIMITS_CPUSET_BYTES * 8; c++)
		if (l->cpu_set[c / 8] & (1u << (c % 8)))
			ret->cpus[m->n_cpu_set++] = c;
	m->cpu_set = m->n_cpu_set ? ret->cpus : NULL;
	m->cpu_percent = l->cpu_percent;
	m->cpu_quota_us = l->cpu_quota_us;
	m->cpu_period_us = l->cpu_period_us;
	m->processes = l->processes;
	for (size_t k = 0; k < PH_LIMITS_HUGE_N; k++) {
		if (!(l->hugepages_set & (1u << k)))
			continue;
		ph__hugepage_limit__init(&ret->huge[k]);
		ret->huge[k].size_kb = kb[k];
		ret->huge[k].bytes = l->hugepages[k];
		ret->hugep[m->n_hugepages++] = &ret->huge[k];
	}
	m->hugepages = m->n_hugepages ? ret->hugep : NULL;
	return m;
}

int ph_call_instance_limits(const char *name, const struct ph_limits_config *limits,
			    struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceLimitsRequest m = PH__INSTANCE_LIMITS_REQUEST__INIT;
	struct limits_msg lm;
	struct reply rep __do_reply = { 0 };

	set_bytes(&m.name, name);
	m.limits = limits_msg(limits, &lm);
	req.instance_limits = &m;
	return call(OP_instance_limits, &req, NULL, 0, &rep, ret_error);
}

int ph_call_instance_delete(const char *name, const char *pool, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceDeleteRequest m = PH__INSTANCE_DELETE_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };

	set_bytes(&m.name, name);
	set_bytes(&m.pool, pool);
	req.instance_delete = &m;
	return call(OP_instance_delete, &req, NULL, 0, &rep, ret_error);
}

static Ph__Device *device_msg(const struct ph_device_config *d, Ph__Device *m)
{
	ph__device__init(m);
	set_bytes(&m->name, d->name);
	set_bytes(&m->source, d->source);
	set_bytes(&m->path, d->path);
	m->kind = (Ph__DeviceKind)d->kind;
	m->readonly = d->readonly;
	m->optional = d->optional;
	m->shift = d->shift;
	m->propagation = (Ph__Propagation)d->propagation;
	m->uid = d->uid;
	m->gid = d->gid;
	m->mode = d->mode;
	return m;
}

int ph_call_device_attach(const char *name, const struct ph_device_config *dev,
			  struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__DeviceAttachRequest m = PH__DEVICE_ATTACH_REQUEST__INIT;
	Ph__Device d;
	struct reply rep __do_reply = { 0 };

	set_bytes(&m.name, name);
	m.device = device_msg(dev, &d);
	req.device_attach = &m;
	return call(OP_device_attach, &req, NULL, 0, &rep, ret_error);
}

int ph_call_device_detach(const char *name, const struct ph_device_config *dev,
			  struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__DeviceDetachRequest m = PH__DEVICE_DETACH_REQUEST__INIT;
	Ph__Device d;
	struct reply rep __do_reply = { 0 };

	set_bytes(&m.name, name);
	m.device = device_msg(dev, &d);
	req.device_detach = &m;
	return call(OP_device_detach, &req, NULL, 0, &rep, ret_error);
}

/* nic_attach or nic_detach: the same message. */
static int nic_call(bool attach, const char *name, const struct ph_nic_config *nic,
		    struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__NicAttachRequest a = PH__NIC_ATTACH_REQUEST__INIT;
	Ph__NicDetachRequest d = PH__NIC_DETACH_REQUEST__INIT;
	ProtobufCBinaryData v4[PH_NIC_IPS_MAX], v6[PH_NIC_IPS_MAX];
	Ph__Nic x;
	struct reply rep __do_reply = { 0 };
	int r = ph_nic_msg(nic, &x, v4, v6);

	if (r < 0)
		return fail(ret_error, r, NULL);
	if (attach) {
		set_bytes(&a.name, name);
		a.nic = &x;
		req.nic_attach = &a;
	} else {
		set_bytes(&d.name, name);
		d.nic = &x;
		req.nic_detach = &d;
	}
	return call(attach ? OP_nic_attach : OP_nic_detach, &req, NULL, 0, &rep, ret_error);
}

int ph_call_nic_attach(const char *name, const struct ph_nic_config *nic,
		       struct ph_error *ret_error)
{
	return nic_call(true, name, nic, ret_error);
}

int ph_call_nic_detach(const char *name, const struct ph_nic_config *nic,
		       struct ph_error *ret_error)
{
	return nic_call(false, name, nic, ret_error);
}

/* text: room for the address as inet_ntop writes it (the wire's form). */
static Ph__ProxyEnd *proxy_end_msg(const struct ph_proxy_end_config *e, Ph__ProxyEnd *m,
				   char text[static INET6_ADDRSTRLEN])
{
	ph__proxy_end__init(m);
	m->kind = (Ph__ProxyKind)e->kind;
	if (e->kind == PH_PROXY_END_UNIX) {
		set_bytes(&m->path, e->path);
		return m;
	}
	if (!inet_ntop(e->family, e->addr, text, INET6_ADDRSTRLEN))
		text[0] = '\0'; /* moatd refuses an empty address */
	set_bytes(&m->addr, text);
	m->port = e->port;
	return m;
}

struct proxy_wire {
	Ph__Proxy p;
	Ph__ProxyEnd l, c;
	char lt[INET6_ADDRSTRLEN], ct[INET6_ADDRSTRLEN];
};

static Ph__Proxy *proxy_msg(const struct ph_proxy_config *p, struct proxy_wire *w)
{
	Ph__Proxy *m = &w->p;

	ph__proxy__init(m);
	set_bytes(&m->device, p->device);
	m->listen = proxy_end_msg(&p->listen, &w->l, w->lt);
	m->connect = proxy_end_msg(&p->connect, &w->c, w->ct);
	m->bind_instance = p->bind_instance;
	m->uid = p->uid;
	m->gid = p->gid;
	m->mode = p->mode;
	m->security_uid = p->security_uid;
	m->security_gid = p->security_gid;
	return m;
}

int ph_call_proxy_attach(const char *name, const struct ph_proxy_config *proxy, int *ret_pid,
			 struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__ProxyAttachRequest m = PH__PROXY_ATTACH_REQUEST__INIT;
	struct proxy_wire w;
	struct reply rep __do_reply = { 0 };
	int r;

	set_bytes(&m.name, name);
	m.proxy = proxy_msg(proxy, &w);
	req.proxy_attach = &m;
	r = call(OP_proxy_attach, &req, NULL, 0, &rep, ret_error);
	if (r == 0 && ret_pid)
		*ret_pid = rep.msg->proxy_attach->pid;
	return r;
}

int ph_call_proxy_detach(const char *name, const struct ph_proxy_config *proxy,
			 struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__ProxyDetachRequest m = PH__PROXY_DETACH_REQUEST__INIT;
	struct proxy_wire w;
	struct reply rep __do_reply = { 0 };

	set_bytes(&m.name, name);
	m.proxy = proxy_msg(proxy, &w);
	req.proxy_detach = &m;
	return call(OP_proxy_detach, &req, NULL, 0, &rep, ret_error);
}

int ph_call_instance_start(const char *name, const char *pool, const struct ph_start_config *config,
			   int *ret_pid, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceStartRequest m = PH__INSTANCE_START_REQUEST__INIT;
	Ph__InstanceConfig c = PH__INSTANCE_CONFIG__INIT;
	struct ph_sec_wire sec __attribute__((cleanup(ph_sec_wire_free))) = { 0 };
	struct limits_msg lm;
	struct reply rep __do_reply = { 0 };
	struct ph_nic_wire nw;
	int r;

	Ph__Device dev[PH_START_DEVICES_MAX], *devp[PH_START_DEVICES_MAX];

	c.privileged = config->privileged;
	c.nesting = config->nesting;
	c.limits = limits_msg(&config->limits, &lm);
	r = ph_sec_fill(config, &c, &sec);
	if (r < 0)
		return fail(ret_error, r, NULL);
	set_bytes(&m.name, name);
	set_bytes(&m.pool, pool);
	m.config = &c;
	if (config->ndevices > PH_START_DEVICES_MAX)
		return fail(ret_error, -E2BIG, NULL);
	for (size_t k = 0; k < config->ndevices; k++)
		devp[k] = device_msg(&config->devices[k], &dev[k]);
	m.n_devices = config->ndevices;
	m.devices = config->ndevices ? devp : NULL;
	r = ph_nic_fill(config, &m, &nw);
	if (r < 0)
		return fail(ret_error, r, NULL);
	req.instance_start = &m;
	r = call(OP_instance_start, &req, NULL, 0, &rep, ret_error);
	if (r < 0)
		return r;
	if (ret_pid)
		*ret_pid = rep.msg->instance_start->pid;
	return 0;
}

/* ---- files, commands, logs, the console ------------------------------------------- */

int ph_call_file_op(const struct ph_file_request *f, struct ph_file_info *ret, int *ret_fd,
		    struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__FileOpRequest m = PH__FILE_OP_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	const Ph__FileOpReply *x;
	size_t want;
	int r;

	set_bytes(&m.name, f->name);
	set_bytes(&m.pool, f->pool);
	set_bytes(&m.path, f->path);
	m.kind = (Ph__FileOpKind)f->kind;
	m.uid = f->uid;
	m.gid = f->gid;
	m.mode = f->mode;
	set_bytes(&m.target, f->target);
	req.file_op = &m;
	r = call(OP_file_op, &req, NULL, 0, &rep, ret_error);
	if (r < 0)
		return r;
	x = rep.msg->file_op;
	if ((unsigned)x->type > PH_FILE_TYPE_SYMLINK)
		return breach(ret_error, &req, "a file type out of range");
	switch (f->kind) {
	case PH_FILE_OP_READ:
		if (x->type == PH__FILE_TYPE__FILE_TYPE_UNSPECIFIED)
			return breach(ret_error, &req, "a read without a file type");
		want = x->type == PH__FILE_TYPE__FILE_TYPE_SYMLINK ? 0 : 1;
		break;
	case PH_FILE_OP_WRITE:
	case PH_FILE_OP_APPEND:
		want = 1;
		break;
	default:
		want = 0;
		break;
	}
	r = expect_fds(&rep, want, &req, ret_error);
	if (r < 0)
		return r;
	if (ret) {
		/* the target is big: written in place, after the last check */
		if (x->target.len >= sizeof(ret->target) ||
		    (x->target.len && memchr(x->target.data, '\0', x->target.len)))
			return breach(ret_error, &req, "a link target too long or with a NUL");
		ret->type = (enum ph_file_type)x->type;
		ret->uid = x->uid;
		ret->gid = x->gid;
		ret->mode = x->mode;
		ret->mtime = x->mtime;
		copy_str(ret->target, sizeof(ret->target), &x->target);
	}
	if (ret_fd)
		*ret_fd = want ? TAKE_FD(rep.fds[0]) : -EBADF;
	return 0;
}

int ph_call_exec_start(const struct ph_exec_request *x, struct ph_exec_info *ret,
		       struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__ExecStartRequest m = PH__EXEC_START_REQUEST__INIT;
	ProtobufCBinaryData argv[PH_CALL_MAX_ARGS], env[PH_CALL_MAX_ARGS];
	struct reply rep __do_reply = { 0 };
	struct ph_exec_info e = { .fds = { -EBADF, -EBADF, -EBADF, -EBADF } };
	int r;

	if (x->argc == 0 || x->argc > PH_CALL_MAX_ARGS || x->envc > PH_CALL_MAX_ARGS)
		return fail(ret_error, -E2BIG, NULL);
	for (size_t i = 0; i < x->argc; i++)
		set_bytes(&argv[i], x->argv[i]);
	for (size_t i = 0; i < x->envc; i++)
		set_bytes(&env[i], x->env[i]);
	set_bytes(&m.name, x->name);
	m.n_argv = x->argc;
	m.argv = argv;
	m.n_env = x->envc;
	m.env = env;
	m.uid = x->uid;
	m.gid = x->gid;
	set_bytes(&m.cwd, x->cwd);
	m.interactive = x->interactive;
	m.width = x->width;
	m.height = x->height;
	req.exec_start = &m;
	r = call(OP_exec_start, &req, NULL, 0, &rep, ret_error);
	if (r == 0)
		r = expect_fds(&rep, x->interactive ? 2 : 4, &req, ret_error);
	if (r < 0)
		return r;
	e.pid = rep.msg->exec_start->pid;
	e.nfds = (unsigned)rep.nfds;
	for (size_t i = 0; i < rep.nfds; i++)
		e.fds[i] = TAKE_FD(rep.fds[i]);
	*ret = e;
	return 0;
}

int ph_call_instance_log(const char *name, enum ph_log_kind kind, bool truncate, int *ret_fd,
			 struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceLogRequest m = PH__INSTANCE_LOG_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	int r;

	set_bytes(&m.name, name);
	m.kind = (Ph__InstanceLogKind)kind;
	m.truncate = truncate;
	req.instance_log = &m;
	r = call(OP_instance_log, &req, NULL, 0, &rep, ret_error);
	if (r == 0)
		r = expect_fds(&rep, truncate ? 0 : 1, &req, ret_error);
	if (r < 0)
		return r;
	if (!truncate && ret_fd)
		*ret_fd = TAKE_FD(rep.fds[0]);
	return 0;
}

int ph_call_console_open(const char *name, uint32_t width, uint32_t height, int *ret_ptx,
			 int *ret_ctl, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__ConsoleOpenRequest m = PH__CONSOLE_OPEN_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	int r;

	set_bytes(&m.name, name);
	m.width = width;
	m.height = height;
	req.console_open = &m;
	r = call(OP_console_open, &req, NULL, 0, &rep, ret_error);
	if (r < 0)
		return r;
	*ret_ptx = TAKE_FD(rep.fds[0]);
	*ret_ctl = TAKE_FD(rep.fds[1]);
	return 0;
}

/* ---- the network ------------------------------------------------------------------- */

void ph_net_info_free(struct ph_net_info *n)
{
	for (size_t i = 0; n->interfaces && i < n->n_interfaces; i++)
		free(n->interfaces[i].addresses);
	free(n->interfaces);
	n->interfaces = NULL;
	n->n_interfaces = 0;
}

int ph_call_instance_network(const char *name, struct ph_net_info *ret, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceNetworkRequest m = PH__INSTANCE_NETWORK_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };
	struct ph_net_info n = { 0 };
	const Ph__InstanceNetworkReply *x;
	int r;

	set_bytes(&m.name, name);
	req.instance_network = &m;
	r = call(OP_instance_network, &req, NULL, 0, &rep, ret_error);
	if (r == 0)
		r = expect_fds(&rep, 1, &req, ret_error);
	if (r < 0)
		return r;
	x = rep.msg->instance_network;
	if (x->state) {
		if (state_from(x->state, &n.state) < 0)
			return breach(ret_error, &req, "a status out of range");
		n.has_state = true;
	}
	/* the interfaces: asked of the socket moatd opened in the container's namespace */
	r = ph_netlink_read(rep.fds[0], &n);
	if (r < 0) {
		ph_net_info_free(&n);
		return fail(ret_error, r, NULL);
	}
	*ret = n;
	return 0;
}

int ph_call_storage(const struct ph_storage_args *a, struct ph_error *ret_error)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__StorageRequest m = PH__STORAGE_REQUEST__INIT;
	struct reply rep __do_reply = { 0 };

	m.action = (Ph__StorageAction)a->action;
	set_bytes(&m.pool, a->pool);
	set_bytes(&m.name, a->name);
	set_bytes(&m.snapshot, a->snapshot);
	set_bytes(&m.target_pool, a->target_pool);
	set_bytes(&m.target, a->target);
	set_bytes(&m.target_snapshot, a->target_snapshot);
	set_bytes(&m.driver, a->driver);
	m.size = a->size;
	req.storage = &m;
	return call(OP_storage, &req, NULL, 0, &rep, ret_error);
}
