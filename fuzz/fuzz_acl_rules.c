// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the network ACL rule and forward checks
 * (frontend/model/acl_rules.c, model/network_forwards.c), which moatd-api
 * runs, unprivileged, on the rules and port maps of client bodies. The
 * input is a JSON list (as a body's "ingress" or "ports"); every rule the
 * check accepts must come back unchanged from its own normal form and
 * compile to a typed rule whose ranges are ordered; every accepted forward
 * must compile within its limits. Built with clang, libFuzzer, ASan and
 * UBSan by `make fuzz-build`; runs unprivileged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/network_acls.h"
#include "model/network_forwards.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void rules(json_object *in)
{
	json_object *out = NULL, *again = NULL;
	char err[FE_ERR_MAX];

	if (fe_acl_rules_normalise(in, "ingress", &out, err) < 0)
		return;
	/* the normal form is a fixed point, and each rule compiles */
	if (fe_acl_rules_normalise(out, "ingress", &again, err) < 0 ||
	    strcmp(json_object_to_json_string(out), json_object_to_json_string(again)) != 0)
		abort();
	for (size_t k = 0; k < json_object_array_length(out); k++) {
		struct ph_acl_rule t;

		if (fe_acl_rule_compile(json_object_array_get_idx(out, k), &t) < 0)
			abort();
		for (size_t i = 0; i < t.n_src; i++)
			if (memcmp(t.src[i].first, t.src[i].last, 16) > 0)
				abort();
		for (size_t i = 0; i < t.n_dport; i++)
			if (t.dport[i].first > t.dport[i].last)
				abort();
	}
	json_object_put(out);
	json_object_put(again);
}

static void forward(json_object *ports)
{
	struct fe_net_subnets net = {
		.ipv4 = { 10, 0, 0, 0 }, .ipv4_prefix = 8, .ipv6 = { 0xfd }, .ipv6_prefix = 8
	};
	struct lxd_network_forward f = { 0 };
	static struct ph_forward t;
	char err[FE_ERR_MAX];

	f.listen_address = strdup("192.0.2.1");
	f.config = json_object_new_object();
	f.ports = json_object_get(ports);
	if (fe_forward_normalise(&f, &net, err) == 0 && fe_forward_compile(&f, &t) == -EINVAL)
		abort();
	lxd_free(&lxd_network_forward_type, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	json_object *o;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	o = json_tokener_parse(s);
	free(s);
	if (o && json_object_is_type(o, json_type_array) && json_object_array_length(o) <= 64) {
		rules(o);
		forward(o);
	}
	json_object_put(o);
	return 0;
}
