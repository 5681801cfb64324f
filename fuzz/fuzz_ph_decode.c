// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for ph_decode() (privhelper/dispatch.c): the whole path
 * from the channel's bytes to a validated typed request, as moatd (root)
 * runs it on what a possibly hostile moatd-api sends. Built with clang,
 * libFuzzer, ASan and UBSan by `make fuzz-build`; runs unprivileged. The
 * input is untrusted by design. Each input is decoded once per descriptor
 * count 0..FRAME_MAX_FDS (so image_unpack, which carries one, is reached
 * too); at most the op's own count may be accepted. Besides memory safety
 * it checks the validator's promises on every accepted packet (names,
 * paths and strings copied whole, never cut or repaired; numbers in their
 * ranges) and aborts if one breaks. UBSan halts on its first report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__ubsan_default_options(void);

/* Undefined behaviour is a finding like a crash, not a line in a log. */
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

static bool typed_name_ok(const char *name)
{
	size_t n = strnlen(name, NAME_MAX_LEN + 1);

	return n <= NAME_MAX_LEN && name_valid((const uint8_t *)name, n);
}

/* The typed C string holds exactly the bytes that were sent. */
static bool same(const char *typed, size_t size, const ProtobufCBinaryData *b)
{
	return b->len < size && strnlen(typed, size) == b->len &&
	       (b->len == 0 || memcmp(typed, b->data, b->len) == 0);
}

static bool name_ok(const char *typed, const ProtobufCBinaryData *b)
{
	return typed_name_ok(typed) && same(typed, NAME_MAX_LEN + 1, b);
}

static bool fingerprint_ok(const char *fp)
{
	return strnlen(fp, PH_FP_LEN + 1) == PH_FP_LEN &&
	       strspn(fp, "0123456789abcdef") == PH_FP_LEN;
}

/* A string of the exec buffer at offset off equals b, whole and terminated. */
/* What ph_check_nic() promises nic.c's lines and rules. */
static void check_nic(const struct ph_nic *n)
{
	bool rules = n->mac_filtering || n->ipv4_filtering || n->ipv6_filtering || n->ingress ||
		     n->egress;

	if (!name_device_valid(n->device) || !name_ifname_valid(n->ifname) ||
	    n->type < PH_NIC_BRIDGED || n->type > PH_NIC_PHYSICAL ||
	    (n->type == PH_NIC_P2P ? n->parent[0] != '\0' : !name_ifname_valid(n->parent)) ||
	    (n->host_name[0] && (!name_ifname_valid(n->host_name) ||
				 (n->type != PH_NIC_BRIDGED && n->type != PH_NIC_P2P))) ||
	    (n->has_hwaddr && (n->hwaddr[0] & 1)) || (n->mtu && (n->mtu < 68 || n->mtu > 65535)) ||
	    (rules && (n->type != PH_NIC_BRIDGED || !n->host_name[0])) ||
	    n->n_ipv4 > PH_NIC_ADDRS_MAX || n->n_ipv6 > PH_NIC_ADDRS_MAX ||
	    n->ingress > PH_NIC_RATE_MAX || n->egress > PH_NIC_RATE_MAX)
		abort();
}

static bool exec_str_ok(const struct ph_exec_start *x, size_t off, const ProtobufCBinaryData *b)
{
	return off < PH_EXEC_BUF && b->len < PH_EXEC_BUF - off &&
	       same(x->buf + off, PH_EXEC_BUF - off, b);
}

static bool env_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (const char *c = s; c < eq; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || *c == '_' ||
		      (*c >= '0' && *c <= '9')))
			return false;
	return true;
}

static void check_exec(const Ph__ExecStartRequest *m, const struct ph_exec_start *x)
{
	size_t end = 0;

	if (!name_ok(x->ref.name, &m->name) || x->argc != m->n_argv || x->envc != m->n_env ||
	    x->argc < 1 || x->argc > PH_EXEC_MAX_ARGS || x->envc > PH_EXEC_MAX_ARGS ||
	    m->argv[0].len == 0)
		abort();
	/* strings in order, one after the other, each whole and terminated */
	for (size_t i = 0; i < x->argc; i++) {
		if (x->argv[i] != end || !exec_str_ok(x, x->argv[i], &m->argv[i]))
			abort();
		end += m->argv[i].len + 1;
	}
	for (size_t i = 0; i < x->envc; i++) {
		if (x->env[i] != end || !exec_str_ok(x, x->env[i], &m->env[i]) ||
		    !env_ok(x->buf + x->env[i]))
			abort();
		end += m->env[i].len + 1;
	}
	if (m->cwd.len == 0 ? x->cwd != -1
			    : (x->cwd < 0 || (size_t)x->cwd != end ||
			       !exec_str_ok(x, (size_t)x->cwd, &m->cwd) || x->buf[x->cwd] != '/'))
		abort();
	if (x->uid != m->uid || x->gid != m->gid || x->uid > 65535 || x->gid > 65535 ||
	    x->width != m->width || x->height != m->height || x->width > 10000 ||
	    x->height > 10000 || x->interactive != (m->interactive != 0))
		abort();
}

static void check_file_op(const Ph__FileOpRequest *m, const struct ph_file_op *f)
{
	if (!name_ok(f->ref.name, &m->name) || !name_ok(f->pool, &m->pool) ||
	    !same(f->path, sizeof(f->path), &m->path) || f->path[0] == '\0' ||
	    f->kind < PH_FILE_READ || f->kind > PH_FILE_DELETE || (int)f->kind != (int)m->kind ||
	    f->uid != m->uid || f->gid != m->gid || f->mode != m->mode || f->uid < -1 ||
	    f->uid > 65535 || f->gid < -1 || f->gid > 65535 || f->mode < -1 || f->mode > 07777)
		abort();
	if (f->kind == PH_FILE_SYMLINK
		    ? (f->target[0] == '\0' || !same(f->target, sizeof(f->target), &m->target))
		    : (f->target[0] != '\0' || m->target.len != 0))
		abort();
}

static void check_accepted(const Ph__Request *req, const struct ph_op *op, size_t nfds,
			   const union ph_typed *tp, size_t size)
{
	const union ph_typed t = *tp;

	/* what the handlers rely on */
	if (!req || !op || op->op != req->op_case || op->nfds != nfds || !op->check ||
	    !op->policy || !op->run || (op->nfds > 0) != (op->check_fds != NULL) ||
	    size > FRAME_MAX || req->base.n_unknown_fields != 0)
		abort();
	switch (req->op_case) {
	case PH__REQUEST__OP_HELLO:
		if (t.hello.protocol != PH_PROTOCOL)
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_STATE:
		if (!name_ok(t.instance_state.ref.name, &req->instance_state->name))
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_ACTION:
		if (!name_ok(t.instance_action.ref.name, &req->instance_action->name) ||
		    t.instance_action.action < PH_STOP || t.instance_action.action > PH_UNFREEZE ||
		    t.instance_action.timeout < -1 || t.instance_action.timeout > 3600)
			abort();
		break;
	case PH__REQUEST__OP_IMAGE_UNPACK:
		if (!fingerprint_ok(t.image_unpack.fingerprint) ||
		    !same(t.image_unpack.fingerprint, PH_FP_LEN + 1,
			  &req->image_unpack->fingerprint) ||
		    !name_ok(t.image_unpack.pool, &req->image_unpack->pool))
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_CREATE:
		if (!name_ok(t.instance_create.ref.name, &req->instance_create->name) ||
		    !name_ok(t.instance_create.pool, &req->instance_create->pool) ||
		    !same(t.instance_create.fingerprint, PH_FP_LEN + 1,
			  &req->instance_create->fingerprint) ||
		    (t.instance_create.fingerprint[0] &&
		     !fingerprint_ok(t.instance_create.fingerprint)))
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_DELETE:
		if (!name_ok(t.instance_delete.ref.name, &req->instance_delete->name) ||
		    !name_ok(t.instance_delete.pool, &req->instance_delete->pool))
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_START: {
		const struct ph_instance_config *c = &t.instance_start.config;
		const Ph__InstanceConfig *mc = req->instance_start->config;

		if (!name_ok(t.instance_start.ref.name, &req->instance_start->name) ||
		    !name_ok(t.instance_start.pool, &req->instance_start->pool) || !mc ||
		    (c->limits.memory && c->limits.memory < 4096) || c->limits.cpu_count > 4096 ||
		    c->limits.processes > 4194304 || c->limits.swap_priority_drop > 10 ||
		    c->limits.cpu_priority_drop > 10 ||
		    (c->limits.has_cpu_set && c->limits.cpu_count) ||
		    (mc->limits ? c->limits.memory != mc->limits->memory : c->limits.memory != 0) ||
		    c->privileged != (mc->privileged != 0) || c->nesting != (mc->nesting != 0) ||
		    t.instance_start.nnics > PH_NICS_MAX)
			abort();
		for (size_t k = 0; k < t.instance_start.nnics; k++)
			check_nic(&t.instance_start.nics[k]);
		break;
	}
	case PH__REQUEST__OP_FILE_OP:
		check_file_op(req->file_op, &t.file_op);
		break;
	case PH__REQUEST__OP_EXEC_START:
		check_exec(req->exec_start, &t.exec_start);
		break;
	case PH__REQUEST__OP_INSTANCE_NETWORK:
		if (!typed_name_ok(t.instance_network.ref.name))
			abort();
		break;
	case PH__REQUEST__OP_CONSOLE_OPEN:
		if (!typed_name_ok(t.console_open.ref.name))
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_LOG:
		if (!typed_name_ok(t.instance_log.ref.name))
			abort();
		break;
	case PH__REQUEST__OP_INSTANCE_LIMITS:
		if (!typed_name_ok(t.instance_limits.ref.name))
			abort();
		break;
	case PH__REQUEST__OP_DEVICE_ATTACH:
		if (!typed_name_ok(t.device_attach.ref.name))
			abort();
		break;
	case PH__REQUEST__OP_DEVICE_DETACH:
		if (!typed_name_ok(t.device_detach.ref.name))
			abort();
		break;
	case PH__REQUEST__OP_NETWORK_APPLY: {
		const struct ph_network_apply *n = &t.network_apply;

		if (!name_net_valid((const uint8_t *)n->name, strnlen(n->name, sizeof(n->name))) ||
		    n->mtu < 68 || n->mtu > 65535 || n->n_hosts > PH_NET_HOSTS_MAX ||
		    n->n_ipv4_ranges > PH_NET_RANGES_MAX ||
		    n->n_hosts != req->network_apply->n_hosts ||
		    (n->ipv4_mode == PH_NET_ADDR_SET &&
		     (n->ipv4_prefix < 8 || n->ipv4_prefix > 30)) ||
		    (n->ipv6_mode == PH_NET_ADDR_SET &&
		     (n->ipv6_prefix < 8 || n->ipv6_prefix > 126)) ||
		    strchr(n->raw_dnsmasq, '\r') || strchr(n->dns_domain, '\n'))
			abort();
		for (size_t i = 0; i < n->n_hosts; i++)
			if (!typed_name_ok(n->hosts[i].name) || (n->hosts[i].hwaddr[0] & 1))
				abort();
		break;
	}
	case PH__REQUEST__OP_NETWORK_DELETE:
		if (!name_net_valid((const uint8_t *)t.network_delete.name,
				    strnlen(t.network_delete.name, sizeof(t.network_delete.name))))
			abort();
		break;
	case PH__REQUEST__OP_NIC_ATTACH:
		if (!typed_name_ok(t.nic_attach.ref.name))
			abort();
		check_nic(&t.nic_attach.nic);
		break;
	case PH__REQUEST__OP_NIC_DETACH:
		if (!typed_name_ok(t.nic_detach.ref.name))
			abort();
		check_nic(&t.nic_detach.nic);
		break;
	default:
		abort(); /* an op the table should not have let through */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union ph_typed t; /* large (exec_start's buffer): not on the stack */
	unsigned accepted = 0;

	for (size_t nfds = 0; nfds <= FRAME_MAX_FDS; nfds++) {
		Ph__Request *req = NULL;
		const struct ph_op *op = NULL;

		if (ph_decode(data, size, nfds, &req, &op, &t) != 0) {
			if (req || op)
				abort(); /* outputs written on failure */
			continue;
		}
		/* each op carries exactly its own number of descriptors */
		if (++accepted > 1)
			abort();
		check_accepted(req, op, nfds, &t, size);
		ph__request__free_unpacked(req, NULL);
	}
	return 0;
}
