/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ph/'s own header: the wire side of the calls, shared by channel.c and
 * calls.c (and by tests/unit/test_phcall.c, which checks the op list).
 * Nothing outside ph/ includes it: it brings in the generated protobuf
 * types. moatd-api, unprivileged; replies from moatd are untrusted.
 */
#ifndef MOAT_FE_PH_WIRE_H
#define MOAT_FE_PH_WIRE_H

#include "frame.h"
#include "ph/ph.h"
#include "proto/privhelper.pb-c.h"

/*
 * One op as the frontend sees it (calls.c builds the list from
 * privhelper/ops.def, the helper's own op table). A success reply carries between
 * reply_fds_min and reply_fds_max descriptors (the call then checks the
 * exact count of its variant); an errno reply carries none.
 */
struct ph_call_op {
	const char *name;
	Ph__Request__OpCase op;
	Ph__Reply__ResultCase result;
	unsigned request_fds;
	unsigned reply_fds_min, reply_fds_max;
};

extern const struct ph_call_op ph_call_ops[];
extern const size_t ph_call_ops_len;

/*
 * One round trip on the channel (channel.c): give req an id, send it with
 * nfds descriptors (which stay the caller's), wait for the reply with that
 * id. 0: *ret_reply is the reply, whatever its err (free it with
 * ph__reply__free_unpacked), and its descriptors are in ret_fds (the
 * caller's). < 0: nothing was received (-EMSGSIZE: req is over the frame
 * limit; else the send failed).
 */
int ph_channel_call(Ph__Request *req, const int *fds, size_t nfds, Ph__Reply **ret_reply,
		    int ret_fds[static FRAME_MAX_FDS], size_t *ret_nfds);

/*
 * calls.c's round trip for ph/'s other files (calls_net.c), for an op
 * whose request and reply carry no descriptor: the reply checked as every
 * call's is (an errno reply is that errno, with moatd's message); on 0
 * *ret_reply is the op's result (free it with ph__reply__free_unpacked).
 * ph_wire_breach(): a reply of the wrong shape, logged; -EPROTO.
 */
int ph_wire_call(Ph__Request__OpCase op, Ph__Request *req, Ph__Reply **ret_reply,
		 struct ph_error *ret_error);
int ph_wire_breach(struct ph_error *ret_error, const Ph__Request *req, const char *why);

/*
 * The security part of an InstanceConfig (calls_sec.c): the arrays its
 * repeated fields point to, owned here and freed after the call.
 */
struct ph_sec_wire {
	Ph__IdmapEntry *idmap, **idmap_p;
	Ph__SyscallRule *rules, **deny_p, **allow_p;
	Ph__ConfigLine *lines, **lxc_p, **sysctl_p;
	ProtobufCBinaryData *modules;
	char *text; /* the lines' and names' bytes */
};

/* Fill m's fields 20-31 from c; -EINVAL when a text breaks common/rawconf.c's rules. */
int ph_sec_fill(const struct ph_start_config *c, Ph__InstanceConfig *m, struct ph_sec_wire *w);
void ph_sec_wire_free(struct ph_sec_wire *w);

/* The nics of an InstanceStartRequest (calls_nic.c): the messages and the arrays
 * their fields point to, on the caller's stack; the strings stay the config's. */
struct ph_nic_wire {
	Ph__Nic nic[PH_START_NICS_MAX], *p[PH_START_NICS_MAX];
	ProtobufCBinaryData v4[PH_START_NICS_MAX][PH_NIC_IPS_MAX];
	ProtobufCBinaryData v6[PH_START_NICS_MAX][PH_NIC_IPS_MAX];
};

/* One nic into x (v4, v6: the arrays its addresses point to); -E2BIG past the limits. */
int ph_nic_msg(const struct ph_nic_config *n, Ph__Nic *x, ProtobufCBinaryData v4[PH_NIC_IPS_MAX],
	       ProtobufCBinaryData v6[PH_NIC_IPS_MAX]);
/* Fill m's nics from c; -E2BIG past PH_START_NICS_MAX. */
int ph_nic_fill(const struct ph_start_config *c, Ph__InstanceStartRequest *m,
		struct ph_nic_wire *w);

/*
 * A network's ACL set and forwards in a NetworkApplyRequest (calls_acl.c):
 * every message and array on the heap, owned here and freed after the call.
 */
struct ph_fw_wire {
	Ph__AclSet set;
	Ph__AclRule *rules, **in_p, **out_p;
	Ph__AclRange *ranges, **ranges_p;
	Ph__PortRange *ports, **ports_p;
	Ph__Forward *fwd, **fwd_p;
	Ph__ForwardPort *fports, **fports_p;
	char (*text)[46]; /* the addresses' text */
	size_t n_ranges, n_ports, n_text;
};

/* Fill m's fields 50 and 51 from net; -E2BIG past the limits. */
int ph_fw_fill(const struct ph_network *net, Ph__NetworkApplyRequest *m, struct ph_fw_wire *w);
void ph_fw_wire_free(struct ph_fw_wire *w);

#endif
