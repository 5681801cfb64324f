// SPDX-License-Identifier: Apache-2.0
/*
 * One valid request per op of privhelper/ops.def, keyed by op case: what
 * tests/lib/ph_mutate.c turns into hostile variants (see ph_mutate.h).
 * Each names an instance that does not exist ("nosuch") in the pool
 * "default", so a live moatd answers it with an errno and makes nothing.
 * Test code only, unprivileged; the values are the tests' own.
 */
#include <string.h>

#include "ph_mutate.h"

#define BASE_FP "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static ProtobufCBinaryData text(const char *s)
{
	return (ProtobufCBinaryData){ .len = strlen(s), .data = (uint8_t *)s };
}

static void base_hello(Ph__Request *r)
{
	static Ph__HelloRequest m;

	ph__hello_request__init(&m);
	m.protocol = 1; /* PH_PROTOCOL */
	r->hello = &m;
}

static void base_instance_state(Ph__Request *r)
{
	static Ph__InstanceStateRequest m;

	ph__instance_state_request__init(&m);
	m.name = text("nosuch");
	r->instance_state = &m;
}

static void base_instance_action(Ph__Request *r)
{
	static Ph__InstanceActionRequest m;

	ph__instance_action_request__init(&m);
	m.name = text("nosuch");
	m.action = PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP;
	m.timeout = 10;
	r->instance_action = &m;
}

static void base_image_unpack(Ph__Request *r)
{
	static Ph__ImageUnpackRequest m;

	ph__image_unpack_request__init(&m);
	m.fingerprint = text(BASE_FP);
	m.pool = text("default");
	r->image_unpack = &m;
}

static void base_instance_create(Ph__Request *r)
{
	static Ph__InstanceCreateRequest m;

	ph__instance_create_request__init(&m);
	m.name = text("nosuch");
	m.pool = text("default");
	m.fingerprint = text(BASE_FP); /* not unpacked: ENOENT */
	r->instance_create = &m;
}

static void base_instance_delete(Ph__Request *r)
{
	static Ph__InstanceDeleteRequest m;

	ph__instance_delete_request__init(&m);
	m.name = text("nosuch");
	m.pool = text("default");
	r->instance_delete = &m;
}

static void base_instance_start(Ph__Request *r)
{
	static Ph__InstanceStartRequest m;
	static Ph__InstanceConfig cfg;
	static Ph__Limits lim;
	static Ph__HugepageLimit huge, *hugep[] = { &huge };
	static Ph__Device disk, *devs[] = { &disk };
	static Ph__Nic nic, *nics[] = { &nic };

	ph__instance_start_request__init(&m);
	/* a p2p nic (no host interface): both policies allow it */
	ph__nic__init(&nic);
	nic.device = text("eth0");
	nic.type = PH__NIC_TYPE__NIC_TYPE_P2P;
	nic.ifname = text("eth0");
	nic.host_name = text("vethbase0");
	nic.hwaddr = 0x00163e0a0b0cull;
	nic.mtu = 1500;
	m.nics = nics;
	m.n_nics = 1;
	/* a disk under the hardened policy's prefix: both policies allow the base */
	ph__device__init(&disk);
	disk.name = text("share");
	disk.kind = PH__DEVICE_KIND__DEVICE_KIND_DISK;
	disk.source = text("/srv/moat/share");
	disk.path = text("/mnt/share");
	disk.readonly = true;
	disk.shift = true;
	disk.propagation = PH__PROPAGATION__PROPAGATION_SLAVE;
	m.devices = devs;
	m.n_devices = 1;
	ph__instance_config__init(&cfg);
	ph__limits__init(&lim);
	ph__hugepage_limit__init(&huge);
	lim.memory = 256 << 20;
	lim.cpu_count = 2;
	lim.processes = 100;
	lim.cpu_percent = 50;
	lim.swap_priority_drop = 3;
	huge.size_kb = 2048;
	lim.hugepages = hugep;
	lim.n_hugepages = 1;
	cfg.limits = &lim;
	m.name = text("nosuch");
	m.pool = text("default");
	m.config = &cfg;
	r->instance_start = &m;
}

static void base_file_op(Ph__Request *r)
{
	static Ph__FileOpRequest m;

	ph__file_op_request__init(&m);
	m.name = text("nosuch");
	m.pool = text("default");
	m.path = text("/etc/hostname");
	m.kind = PH__FILE_OP_KIND__FILE_OP_OPEN_READ;
	m.uid = -1;
	m.gid = -1;
	m.mode = -1;
	r->file_op = &m;
}

static void base_exec_start(Ph__Request *r)
{
	static ProtobufCBinaryData argv[2], env[1];
	static Ph__ExecStartRequest m;

	ph__exec_start_request__init(&m);
	argv[0] = text("echo");
	argv[1] = text("hello");
	env[0] = text("PATH=/usr/bin:/bin");
	m.name = text("nosuch");
	m.argv = argv;
	m.n_argv = 2;
	m.env = env;
	m.n_env = 1;
	m.cwd = text("/root");
	m.width = 80;
	m.height = 24;
	r->exec_start = &m;
}

static void base_instance_log(Ph__Request *r)
{
	static Ph__InstanceLogRequest m;

	ph__instance_log_request__init(&m);
	m.name = text("nosuch");
	m.kind = PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC;
	r->instance_log = &m;
}

static void base_console_open(Ph__Request *r)
{
	static Ph__ConsoleOpenRequest m;

	ph__console_open_request__init(&m);
	m.name = text("nosuch");
	m.width = 80;
	m.height = 24;
	r->console_open = &m;
}

static void base_instance_network(Ph__Request *r)
{
	static Ph__InstanceNetworkRequest m;

	ph__instance_network_request__init(&m);
	m.name = text("nosuch");
	r->instance_network = &m;
}

static void base_instance_limits(Ph__Request *r)
{
	static Ph__InstanceLimitsRequest m;

	static Ph__Limits lim;
	static uint32_t cpus[] = { 0, 3 };

	ph__instance_limits_request__init(&m);
	ph__limits__init(&lim);
	m.name = text("nosuch");
	lim.memory_percent = 50;
	lim.memory_soft = true;
	lim.cpu_set = cpus;
	lim.n_cpu_set = 2;
	lim.cpu_quota_us = 25000;
	lim.cpu_period_us = 100000;
	lim.processes = 100;
	m.limits = &lim;
	r->instance_limits = &m;
}

/* A disk under the hardened policy's prefix: both policies allow it. */
static Ph__Device *base_disk(void)
{
	static Ph__Device d;

	ph__device__init(&d);
	d.name = text("share");
	d.kind = PH__DEVICE_KIND__DEVICE_KIND_DISK;
	d.source = text("/srv/moat/share");
	d.path = text("/mnt/share");
	d.readonly = true;
	d.shift = true;
	return &d;
}

static void base_device_attach(Ph__Request *r)
{
	static Ph__DeviceAttachRequest m;

	ph__device_attach_request__init(&m);
	m.name = text("nosuch");
	m.device = base_disk();
	r->device_attach = &m;
}

static void base_device_detach(Ph__Request *r)
{
	static Ph__DeviceDetachRequest m;

	ph__device_detach_request__init(&m);
	m.name = text("nosuch");
	m.device = base_disk();
	r->device_detach = &m;
}

/*
 * A network named "lo": a host interface that is not moatd's, so a live
 * moatd refuses it (EEXIST) before it changes anything, whatever a mutant
 * of the other fields says.
 */
static void base_network_apply(Ph__Request *r)
{
	static Ph__NetworkApplyRequest m;
	static Ph__NetRange range, *ranges[1] = { &range };
	static Ph__NetHost host, *hosts[1] = { &host };
	/* security.acls: one rule; a forward to the static lease (acl.c) */
	static Ph__AclSet set;
	static Ph__AclRule rule, *rules[1] = { &rule };
	static Ph__AclRange rng, *rngs[1] = { &rng };
	static Ph__PortRange dport, *dports[1] = { &dport }, lp, tp;
	static Ph__Forward fwd, *fwds[1] = { &fwd };
	static Ph__ForwardPort fport, *fports[1] = { &fport };

	ph__acl_set__init(&set);
	ph__acl_rule__init(&rule);
	ph__acl_range__init(&rng);
	ph__port_range__init(&dport);
	ph__port_range__init(&lp);
	ph__port_range__init(&tp);
	ph__forward__init(&fwd);
	ph__forward_port__init(&fport);
	rng.first = text("192.0.2.0");
	rng.last = text("192.0.2.255");
	dport.first = dport.last = 81;
	rule.action = PH__ACL_ACTION__ACL_DROP;
	rule.protocol = PH__ACL_PROTO__ACL_TCP;
	rule.source = rngs;
	rule.n_source = 1;
	rule.destination_port = dports;
	rule.n_destination_port = 1;
	rule.icmp_type = rule.icmp_code = -1;
	set.default_ingress = PH__ACL_ACTION__ACL_REJECT;
	set.default_egress = PH__ACL_ACTION__ACL_ALLOW;
	set.ingress = rules;
	set.n_ingress = 1;
	lp.first = lp.last = 8080;
	tp.first = tp.last = 80;
	fport.protocol = PH__ACL_PROTO__ACL_TCP;
	fport.listen = &lp;
	fport.target = &tp;
	fport.target_address = text("10.250.63.5");
	fwd.listen_address = text("192.0.2.63");
	fwd.ports = fports;
	fwd.n_ports = 1;

	ph__network_apply_request__init(&m);
	ph__net_range__init(&range);
	ph__net_host__init(&host);
	m.name = text("lo");
	m.mtu = 1500;
	m.hwaddr = text("00:16:3e:0a:0b:0c");
	m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	m.ipv4 = text("10.250.63.1");
	m.ipv4_prefix = 24;
	m.ipv4_nat = m.ipv4_dhcp = m.ipv4_routing = 1;
	range.start = text("10.250.63.100");
	range.end = text("10.250.63.200");
	m.ipv4_ranges = ranges;
	m.n_ipv4_ranges = 1;
	m.ipv6_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	m.ipv6 = text("fd00:250:63::1");
	m.ipv6_prefix = 64;
	m.ipv6_nat = m.ipv6_dhcp = 1;
	m.dns_domain = text("moat");
	m.dns_mode = PH__NET_DNS_MODE__NET_DNS_MANAGED;
	host.name = text("c1");
	host.hwaddr = text("00:16:3e:01:02:03");
	host.ipv4 = text("10.250.63.5");
	m.hosts = hosts;
	m.n_hosts = 1;
	m.acls = &set;
	m.forwards = fwds;
	m.n_forwards = 1;
	r->network_apply = &m;
}

static void base_network_delete(Ph__Request *r)
{
	static Ph__NetworkDeleteRequest m;

	ph__network_delete_request__init(&m);
	m.name = text("lo"); /* not moatd's: left alone */
	r->network_delete = &m;
}

/* A p2p nic: it touches no host interface, so both policies allow it. */
static Ph__Nic *base_nic(void)
{
	static Ph__Nic n;

	ph__nic__init(&n);
	n.device = text("eth1");
	n.type = PH__NIC_TYPE__NIC_TYPE_P2P;
	n.ifname = text("eth1");
	n.host_name = text("vethbase1");
	n.hwaddr = 0x00163e0a0b0dull;
	return &n;
}

static void base_nic_attach(Ph__Request *r)
{
	static Ph__NicAttachRequest m;

	ph__nic_attach_request__init(&m);
	m.name = text("nosuch");
	m.nic = base_nic();
	r->nic_attach = &m;
}

static void base_nic_detach(Ph__Request *r)
{
	static Ph__NicDetachRequest m;

	ph__nic_detach_request__init(&m);
	m.name = text("nosuch");
	m.nic = base_nic();
	r->nic_detach = &m;
}

/* A unix listener under the hardened policy's prefix to a tcp port: both policies allow it. */
static Ph__Proxy *base_proxy(void)
{
	static Ph__ProxyEnd l, c;
	static Ph__Proxy p;

	ph__proxy_end__init(&l);
	l.kind = PH__PROXY_KIND__PROXY_KIND_UNIX;
	l.path = text("/srv/moat/web.sock");
	ph__proxy_end__init(&c);
	c.kind = PH__PROXY_KIND__PROXY_KIND_TCP;
	c.addr = text("127.0.0.1");
	c.port = 80;
	ph__proxy__init(&p);
	p.device = text("web");
	p.listen = &l;
	p.connect = &c;
	p.uid = 1000;
	p.gid = 1000;
	p.mode = 0660;
	p.security_uid = 1;
	p.security_gid = 1;
	return &p;
}

static void base_proxy_attach(Ph__Request *r)
{
	static Ph__ProxyAttachRequest m;

	ph__proxy_attach_request__init(&m);
	m.name = text("nosuch");
	m.proxy = base_proxy();
	r->proxy_attach = &m;
}

static void base_proxy_detach(Ph__Request *r)
{
	static Ph__ProxyDetachRequest m;

	ph__proxy_detach_request__init(&m);
	m.name = text("nosuch");
	m.proxy = base_proxy();
	r->proxy_detach = &m;
}

static void base_storage(Ph__Request *r)
{
	static Ph__StorageRequest m;

	ph__storage_request__init(&m);
	m.action = PH__STORAGE_ACTION__STORAGE_SNAPSHOT_CREATE;
	m.pool = text("default");
	m.name = text("nosuch");
	m.snapshot = text("snap0");
	r->storage = &m;
}

/* Keyed by op case, in the order of privhelper/ops.def. */
static const struct {
	Ph__Request__OpCase op;
	void (*fill)(Ph__Request *r);
} bases[] = {
	{ PH__REQUEST__OP_HELLO, base_hello },
	{ PH__REQUEST__OP_INSTANCE_STATE, base_instance_state },
	{ PH__REQUEST__OP_INSTANCE_ACTION, base_instance_action },
	{ PH__REQUEST__OP_IMAGE_UNPACK, base_image_unpack },
	{ PH__REQUEST__OP_INSTANCE_CREATE, base_instance_create },
	{ PH__REQUEST__OP_INSTANCE_DELETE, base_instance_delete },
	{ PH__REQUEST__OP_INSTANCE_START, base_instance_start },
	{ PH__REQUEST__OP_FILE_OP, base_file_op },
	{ PH__REQUEST__OP_EXEC_START, base_exec_start },
	{ PH__REQUEST__OP_INSTANCE_LOG, base_instance_log },
	{ PH__REQUEST__OP_CONSOLE_OPEN, base_console_open },
	{ PH__REQUEST__OP_INSTANCE_NETWORK, base_instance_network },
	{ PH__REQUEST__OP_INSTANCE_LIMITS, base_instance_limits },
	{ PH__REQUEST__OP_DEVICE_ATTACH, base_device_attach },
	{ PH__REQUEST__OP_DEVICE_DETACH, base_device_detach },
	{ PH__REQUEST__OP_NETWORK_APPLY, base_network_apply },
	{ PH__REQUEST__OP_NETWORK_DELETE, base_network_delete },
	{ PH__REQUEST__OP_NIC_ATTACH, base_nic_attach },
	{ PH__REQUEST__OP_NIC_DETACH, base_nic_detach },
	{ PH__REQUEST__OP_PROXY_ATTACH, base_proxy_attach },
	{ PH__REQUEST__OP_PROXY_DETACH, base_proxy_detach },
	{ PH__REQUEST__OP_STORAGE, base_storage },
};

const Ph__Request *ph_base(Ph__Request__OpCase op)
{
	static Ph__Request req;

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		if (bases[i].op != op)
			continue;
		ph__request__init(&req);
		req.id = 1;
		req.op_case = op;
		bases[i].fill(&req);
		return &req;
	}
	return NULL;
}
