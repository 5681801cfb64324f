// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of network ACL rules and network forwards in the frontend
 * (model/acl_rules.c, model/network_forwards.c): LXD's refusals with its
 * words, the normal form that is stored, and the typed form moatd gets.
 * Pure: no daemon, no database.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/network_acls.h"
#include "model/network_forwards.h"
#include "t.h"

/* A rule list (JSON text) through the check: 0 with the normal form in ret_text, or the error. */
static int rules(const char *json, char ret[static FE_ERR_MAX])
{
	json_object *in = json_tokener_parse(json), *out = NULL;
	int r = fe_acl_rules_normalise(in, "ingress", &out, ret);

	if (r == 0)
		snprintf(ret, FE_ERR_MAX, "%s",
			 json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(in);
	json_object_put(out);
	return r;
}

static void test_acl_rules(void)
{
	static const struct {
		const char *json, *err;
	} bad[] = {
		{ "[{\"action\":\"accept\",\"state\":\"enabled\"}]",
		  "Invalid ingress rule 0: Action must be one of: allow, drop, reject" },
		{ "[{\"action\":\"allow\",\"state\":\"on\"}]",
		  "Invalid ingress rule 0: State must be one of: enabled, disabled, logged" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"source\":\"10.0.0.300\"}]",
		  "Invalid ingress rule 0: Invalid Source: Invalid subject \"10.0.0.300\"" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"destination\":\"other-acl\"}]",
		  "Invalid ingress rule 0: Invalid Destination: Invalid subject \"other-acl\"" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"source\":\"10.0.0.0/33\"}]",
		  "Invalid ingress rule 0: Invalid Source: Invalid subject \"10.0.0.0/33\"" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"source\":\"10.0.0.9-10.0.0.1\"}]",
		  "Invalid ingress rule 0: Invalid Source: Invalid subject \"10.0.0.9-10.0.0.1\"" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"source\":\"10.0.0.1\","
		  "\"destination\":\"fd00::1\"}]",
		  "Invalid ingress rule 0: Conflicting IP family types used for Source and "
		  "Destination" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"sctp\"}]",
		  "Invalid ingress rule 0: Protocol must be one of: icmp4, icmp6, tcp, udp" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"tcp\","
		  "\"destination_port\":\"65536\"}]",
		  "Invalid ingress rule 0: Invalid Destination port: Invalid port \"65536\"" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"tcp\","
		  "\"source_port\":\"90-80\"}]",
		  "Invalid ingress rule 0: Invalid Source port: Invalid port \"90-80\"" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"destination_port\":\"80\"}]",
		  "Invalid ingress rule 0: Destination port cannot be used without specifying "
		  "protocol" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"tcp\","
		  "\"icmp_type\":\"8\"}]",
		  "Invalid ingress rule 0: ICMP type cannot be used with non-ICMP protocol" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"icmp4\","
		  "\"destination_port\":\"80\"}]",
		  "Invalid ingress rule 0: Destination port cannot be used with \"icmp4\" protocol" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"icmp4\","
		  "\"icmp_type\":\"256\"}]",
		  "Invalid ingress rule 0: Invalid ICMP type: Invalid value for an integer \"256\". "
		  "Must be between 0 and 255" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"icmp6\","
		  "\"source\":\"10.0.0.1\"}]",
		  "Invalid ingress rule 0: Cannot use IPv4 source addresses with \"icmp6\" protocol" },
		{ "[{\"action\":\"allow\",\"state\":\"enabled\",\"protocol\":\"tcp\","
		  "\"destination_port\":80}]",
		  "json: cannot unmarshal value into Go struct field "
		  "NetworkACLRule.ingress.destination_port of type string" },
		{ "[{\"action\":\"drop\",\"state\":\"enabled\"},{\"action\":\" drop\","
		  "\"state\":\"enabled\"}]",
		  "Duplicate of ingress rule 0" },
	};
	char out[FE_ERR_MAX];
	json_object *rule;
	struct ph_acl_rule t;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int r = rules(bad[k].json, out);

		CHECK(r == -EINVAL && strcmp(out, bad[k].err) == 0, "acl rule refused: %s (%s)",
		      bad[k].err, r == 0 ? "accepted" : out);
	}
	CHECK(rules("[{\"action\":\" allow \",\"state\":\"enabled\",\"protocol\":\"tcp\","
		    "\"source\":\" 10.1.0.0/16 , fd00::1-fd00::9\",\"destination_port\":\"80, 8000-8080\","
		    "\"description\":\" web \",\"unknown\":\"ignored\"}]",
		    out) == 0 &&
		      strcmp(out,
			     "[{\"action\":\"allow\",\"source\":\"10.1.0.0\\/16,fd00::1-fd00::9\","
			     "\"protocol\":\"tcp\",\"destination_port\":\"80,8000-8080\","
			     "\"description\":\"web\",\"state\":\"enabled\"}]") == 0,
	      "a rule's normal form: trimmed, lists joined, LXD's order, empty fields left out (%s)",
	      out);
	rule = json_tokener_parse(
		"{\"action\":\"reject\",\"state\":\"logged\",\"protocol\":\"udp\","
		"\"source\":\"10.1.2.3/16\",\"destination_port\":\"53,8000-8080\"}");
	CHECK(fe_acl_rule_compile(rule, &t) == 0 && t.action == PH_ACL_REJECT && t.log &&
		      t.proto == PH_ACL_UDP && t.n_src == 1 && t.src[0].family == AF_INET &&
		      memcmp(t.src[0].first, "\x0a\x01\x00\x00", 4) == 0 &&
		      memcmp(t.src[0].last, "\x0a\x01\xff\xff", 4) == 0 && t.n_dport == 2 &&
		      t.dport[0].first == 53 && t.dport[0].last == 53 && t.dport[1].first == 8000 &&
		      t.dport[1].last == 8080 && t.icmp_type == -1,
	      "a rule's typed form: a CIDR as its first and last address, port ranges");
	json_object_put(rule);

	CHECK(fe_check_acl_name("web-acl", out) == 0, "acl name web-acl");
	CHECK(fe_check_acl_name("", out) == -EINVAL && strcmp(out, "Name is required") == 0,
	      "acl name empty: Name is required");
	CHECK(fe_check_acl_name("1abc", out) == -EINVAL &&
		      fe_check_acl_name("a-", out) == -EINVAL &&
		      fe_check_acl_name("a_b", out) == -EINVAL &&
		      fe_check_acl_name("a/b", out) == -EINVAL,
	      "acl names: no leading digit, no trailing dash, no _ or /");
	CHECK(fe_acl_list_has(" a1 , b2", "b2") && !fe_acl_list_has("a1,b2", "b") &&
		      fe_check_acl_list_syntax("a1, b2", out) == 0 &&
		      fe_check_acl_list_syntax("a1,,", out) == -EINVAL,
	      "security.acls lists");
}

static void test_forwards(void)
{
	struct fe_net_subnets net = { .ipv4 = { 10, 250, 65, 0 }, .ipv4_prefix = 24 };
	struct lxd_network_forward f = { 0 };
	struct ph_forward t;
	char err[FE_ERR_MAX];

	CHECK(fe_check_forward_listen("0.0.0.0", err) == -EINVAL &&
		      strcmp(err, "Cannot use unspecified address: \"0.0.0.0\"") == 0,
	      "forward: the unspecified listen address refused (%s)", err);
	CHECK(fe_check_forward_listen("10.0.0.x", err) == -EINVAL &&
		      strcmp(err, "Invalid listen address") == 0,
	      "forward: a listen address that is not one refused");
	f.listen_address = strdup("192.0.2.10");
	f.config = json_object_new_object();
	f.ports = json_tokener_parse(
		"[{\"protocol\":\"tcp\",\"listen_port\":\"80,90-91\","
		"\"target_port\":\"8080-8082\",\"target_address\":\"10.250.65.5\"},"
		"{\"protocol\":\"udp\",\"listen_port\":\"53\","
		"\"target_address\":\" 10.250.65.6 \"}]");
	CHECK(fe_forward_normalise(&f, &net, err) == 0, "forward: two port maps accepted (%s)",
	      err);
	CHECK(fe_forward_compile(&f, &t) == 0 && t.family == AF_INET && t.n_ports == 3 &&
		      t.ports[0].listen.first == 80 && t.ports[0].target.first == 8080 &&
		      t.ports[1].listen.first == 90 && t.ports[1].listen.last == 91 &&
		      t.ports[1].target.first == 8081 && t.ports[1].target.last == 8082 &&
		      t.ports[2].proto == PH_ACL_UDP && t.ports[2].target.first == 53,
	      "forward: typed as contiguous runs on both sides, an empty target port as the listen one");
	json_object_put(f.ports);
	f.ports = json_tokener_parse("[{\"protocol\":\"tcp\",\"listen_port\":\"80\","
				     "\"target_address\":\"10.250.66.5\"}]");
	CHECK(fe_forward_normalise(&f, &net, err) == -EINVAL &&
		      strcmp(err, "Target address is not within the network subnet") == 0,
	      "forward: a target outside the network refused (%s)", err);
	json_object_put(f.ports);
	f.ports =
		json_tokener_parse("[{\"protocol\":\"tcp\",\"listen_port\":\"80-81\","
				   "\"target_port\":\"1-3\",\"target_address\":\"10.250.65.5\"}]");
	CHECK(fe_forward_normalise(&f, &net, err) == -EINVAL &&
		      strstr(err, "Mismatch of listen port(s) and target port(s) count"),
	      "forward: listen and target port counts must agree (%s)", err);
	json_object_put(f.ports);
	f.ports = json_tokener_parse("[{\"protocol\":\"sctp\",\"listen_port\":\"80\","
				     "\"target_address\":\"10.250.65.5\"}]");
	CHECK(fe_forward_normalise(&f, &net, err) == -EINVAL &&
		      strstr(err, "Invalid port protocol in port specification 0"),
	      "forward: a protocol outside tcp, udp refused (%s)", err);
	json_object_put(f.ports);
	f.ports = json_tokener_parse("[{\"protocol\":\"tcp\",\"listen_port\":\"80,80\","
				     "\"target_address\":\"10.250.65.5\"}]");
	CHECK(fe_forward_normalise(&f, &net, err) == -EINVAL &&
		      strstr(err, "Duplicate listen port 80 for protocol \"tcp\""),
	      "forward: a listen port twice refused (%s)", err);
	json_object_put(f.ports);
	f.ports = json_tokener_parse("[{\"protocol\":\"tcp\",\"listen_port\":\"70000\","
				     "\"target_address\":\"10.250.65.5\"}]");
	CHECK(fe_forward_normalise(&f, &net, err) == -EINVAL &&
		      strstr(err, "Invalid listen port in port specification 0"),
	      "forward: a port out of range refused (%s)", err);
	json_object_object_add(f.config, "bogus", json_object_new_string("x"));
	CHECK(fe_forward_normalise(&f, &net, err) == -EINVAL &&
		      strcmp(err, "Invalid option \"bogus\"") == 0,
	      "forward: an unknown config key refused (%s)", err);
	lxd_free(&lxd_network_forward_type, &f);
}

void test_acl(void)
{
	test_acl_rules();
	test_forwards();
}
