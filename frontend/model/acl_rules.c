// SPDX-License-Identifier: Apache-2.0
/*
 * The rules of LXD 5.0's network ACLs (network_acls.h): names, config,
 * each rule's fields normalised and checked in LXD's order with LXD's
 * messages, and a stored rule turned into its typed form (struct
 * ph_acl_rule: numbers, never text) for moatd. Pure: no I/O, no state.
 * Runs in moatd-api (unprivileged); every value is untrusted client input.
 *
 * Subjects are IP addresses, CIDR subnets and "first-last" ranges; LXD's
 * named subjects (other ACLs, @internal, @external) are OVN's and are
 * refused here, as LXD's bridge driver cannot realise them either.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "model/images.h"
#include "model/network_acls.h"

const char *const fe_acl_actions[] = { "allow", "reject", "drop", NULL };

int fe_check_acl_name(const char *name, char err[static FE_ERR_MAX])
{
	size_t n = strlen(name);

	if (n == 0) {
		snprintf(err, FE_ERR_MAX, "Name is required");
		return -EINVAL;
	}
	if (n > FE_ACL_NAME_MAX || (name[0] >= '0' && name[0] <= '9') || name[0] == '-' ||
	    name[n - 1] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid network ACL name \"%.64s\": names are 1 to 63 letters, digits "
			 "and dashes, not starting with a digit or a dash, not ending with a dash",
			 img_text_valid(name, 256) ? name : "?");
		return -EINVAL;
	}
	return 0;
}

int fe_check_acl_config(json_object *config, char err[static FE_ERR_MAX])
{
	if (!config)
		return 0;
	json_object_object_foreach(config, k, v)
	{
		(void)v;
		if (strncmp(k, "user.", 5) == 0 && img_text_valid(k, 255))
			continue;
		snprintf(err, FE_ERR_MAX, "Invalid config option \"%.64s\"",
			 img_text_valid(k, 256) ? k : "?");
		return -EINVAL;
	}
	return 0;
}

/* ---- values ------------------------------------------------------------------------------ */

/* A decimal number of at most 5 digits no larger than max; -EINVAL. */
static int parse_uint(const char *s, size_t len, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t k = 0; k < len; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[k] - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "80" or "8000-8080" (first <= last). */
static int parse_port(const char *s, struct ph_port_range *ret)
{
	const char *dash = strchr(s, '-');
	unsigned a, b;

	if (parse_uint(s, dash ? (size_t)(dash - s) : strlen(s), 65535, &a) < 0)
		return -EINVAL;
	b = a;
	if (dash && (parse_uint(dash + 1, strlen(dash + 1), 65535, &b) < 0 || b < a))
		return -EINVAL;
	ret->first = (uint16_t)a;
	ret->last = (uint16_t)b;
	return 0;
}

int fe_ip_parse(const char *s, size_t len, int *family, uint8_t ret[static 16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(ret, 0, 16);
	if (inet_pton(AF_INET, buf, ret) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, ret) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

/* An address, "addr/prefix" (host bits allowed, as Go's ParseCIDR) or "first-last". */
static int parse_subject(const char *s, struct ph_acl_range *ret)
{
	const char *slash = strchr(s, '/'), *dash = strchr(s, '-');
	struct ph_acl_range r = { 0 };
	size_t width;

	if (slash) {
		unsigned prefix;

		if (fe_ip_parse(s, (size_t)(slash - s), &r.family, r.first) < 0)
			return -EINVAL;
		width = r.family == AF_INET ? 4 : 16;
		if (parse_uint(slash + 1, strlen(slash + 1), (unsigned)width * 8, &prefix) < 0 ||
		    (slash[1] == '0' && slash[2]))
			return -EINVAL;
		for (size_t bit = prefix; bit < width * 8; bit++)
			r.first[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
		memcpy(r.last, r.first, 16);
		for (size_t bit = prefix; bit < width * 8; bit++)
			r.last[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	} else if (dash) {
		int f2;

		if (fe_ip_parse(s, (size_t)(dash - s), &r.family, r.first) < 0 ||
		    fe_ip_parse(dash + 1, strlen(dash + 1), &f2, r.last) < 0 || f2 != r.family ||
		    memcmp(r.first, r.last, 16) > 0)
			return -EINVAL;
	} else {
		if (fe_ip_parse(s, strlen(s), &r.family, r.first) < 0)
			return -EINVAL;
		memcpy(r.last, r.first, 16);
	}
	*ret = r;
	return 0;
}

/* ---- one rule ------------------------------------------------------------------------------- */

/* The rule's fields, in LXD's JSON order (api.NetworkACLRule). */
enum {
	F_ACTION,
	F_SOURCE,
	F_DEST,
	F_PROTO,
	F_SPORT,
	F_DPORT,
	F_ITYPE,
	F_ICODE,
	F_DESC,
	F_STATE,
	F_N
};
static const char *const field_names[F_N] = {
	"action",           "source",    "destination", "protocol",    "source_port",
	"destination_port", "icmp_type", "icmp_code",   "description", "state",
};
#define LIST_FIELD(f) ((f) == F_SOURCE || (f) == F_DEST || (f) == F_SPORT || (f) == F_DPORT)

struct rule {
	char *v[F_N]; /* normalised, never NULL */
};

static void rule_free(struct rule *r)
{
	for (int f = 0; f < F_N; f++)
		free(r->v[f]);
}

static char *trim_dup(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

/* "a, b ,c" into "a,b,c" (each part trimmed; an empty part stays, and fails its check). */
static char *list_dup(const char *s)
{
	__do_free char *copy = strdup(s);
	char *out = calloc(1, strlen(s) + 1), *save = copy, *part;
	size_t len = 0;
	bool first = true;

	if (!copy || !out) {
		free(out);
		return NULL;
	}
	if (!*s)
		return out;
	while ((part = strsep(&save, ","))) {
		__do_free char *t = trim_dup(part);

		if (!t) {
			free(out);
			return NULL;
		}
		if (!first)
			out[len++] = ',';
		first = false;
		memcpy(out + len, t, strlen(t));
		len += strlen(t);
		out[len] = '\0';
	}
	return out;
}

/* The body's rule into r; -EINVAL for a value that is not a string (Go's decoding error). */
static int rule_read(json_object *o, const char *dir, struct rule *r, char err[static FE_ERR_MAX])
{
	for (int f = 0; f < F_N; f++) {
		json_object *v = NULL;
		const char *s = "";

		if (json_object_object_get_ex(o, field_names[f], &v) && v) {
			if (!json_object_is_type(v, json_type_string) ||
			    strlen(json_object_get_string(v)) !=
				    (size_t)json_object_get_string_len(v) ||
			    !img_description_valid(json_object_get_string(v))) {
				snprintf(err, FE_ERR_MAX,
					 "json: cannot unmarshal %s into Go struct field "
					 "NetworkACLRule.%s.%s of type string",
					 json_object_is_type(v, json_type_string) ? "invalid string"
										  : "value",
					 dir, field_names[f]);
				return -EINVAL;
			}
			s = json_object_get_string(v);
		}
		r->v[f] = LIST_FIELD(f) ? list_dup(s) : trim_dup(s);
		if (!r->v[f])
			return -ENOMEM;
	}
	return 0;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* Each part of a comma list through fn; the first bad part in ret_bad. */
static int each_part(const char *list, int (*fn)(const char *part, void *out, size_t k), void *out,
		     size_t *ret_n, char bad[static 128])
{
	__do_free char *copy = strdup(list);
	char *save = copy, *part;
	size_t n = 0;

	if (!copy)
		return -ENOMEM;
	while ((part = strsep(&save, ","))) {
		if (n >= PH_ACL_MATCH_MAX) {
			snprintf(bad, 128, "at most %d", PH_ACL_MATCH_MAX);
			return -E2BIG;
		}
		if (fn(part, out, n) < 0) {
			snprintf(bad, 128, "%.100s", part);
			return -EINVAL;
		}
		n++;
	}
	*ret_n = n;
	return 0;
}

static int subject_fn(const char *part, void *out, size_t k)
{
	return parse_subject(part, (struct ph_acl_range *)out + k);
}

static int port_fn(const char *part, void *out, size_t k)
{
	return parse_port(part, (struct ph_port_range *)out + k);
}

static int check_subjects(const char *field, const char *list, struct ph_acl_range *out,
			  size_t *ret_n, bool *has4, bool *has6, char err[static FE_ERR_MAX])
{
	char bad[128];
	int r = each_part(list, subject_fn, out, ret_n, bad);

	if (r == -E2BIG)
		snprintf(err, FE_ERR_MAX, "Invalid %s: %s subjects", field, bad);
	else if (r < 0)
		snprintf(err, FE_ERR_MAX, "Invalid %s: Invalid subject \"%s\"", field, bad);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	for (size_t k = 0; k < *ret_n; k++) {
		*has4 |= out[k].family == AF_INET;
		*has6 |= out[k].family == AF_INET6;
	}
	return 0;
}

static int check_ports(const char *field, const char *list, struct ph_port_range *out,
		       size_t *ret_n, char err[static FE_ERR_MAX])
{
	char bad[128];
	int r = each_part(list, port_fn, out, ret_n, bad);

	if (r == -E2BIG)
		snprintf(err, FE_ERR_MAX, "Invalid %s port: %s ports", field, bad);
	else if (r < 0)
		snprintf(err, FE_ERR_MAX, "Invalid %s port: Invalid port \"%s\"", field, bad);
	return r < 0 ? (r == -ENOMEM ? r : -EINVAL) : 0;
}

static int check_uint8(const char *what, const char *s, int *ret, char err[static FE_ERR_MAX])
{
	unsigned v;

	if (parse_uint(s, strlen(s), 255, &v) < 0) {
		snprintf(
			err, FE_ERR_MAX,
			"Invalid ICMP %s: Invalid value for an integer \"%.32s\". Must be between 0 "
			"and 255",
			what, s);
		return -EINVAL;
	}
	*ret = (int)v;
	return 0;
}

/* LXD's validateRule, in its order; the typed rule in ret when it passes. */
static int rule_check(const struct rule *r, struct ph_acl_rule *ret, char err[static FE_ERR_MAX])
{
	static const char *const actions[] = { "allow", "drop", "reject", NULL };
	static const char *const states[] = { "enabled", "disabled", "logged", NULL };
	static const char *const protos[] = { "icmp4", "icmp6", "tcp", "udp", NULL };
	const char *proto = r->v[F_PROTO];
	bool s4 = false, s6 = false, d4 = false, d6 = false;
	struct ph_acl_rule t = { .icmp_type = -1, .icmp_code = -1 };
	bool l4, icmp;
	int e;

	if (!one_of(r->v[F_ACTION], actions)) {
		snprintf(err, FE_ERR_MAX, "Action must be one of: allow, drop, reject");
		return -EINVAL;
	}
	if (!one_of(r->v[F_STATE], states)) {
		snprintf(err, FE_ERR_MAX, "State must be one of: enabled, disabled, logged");
		return -EINVAL;
	}
	t.action = r->v[F_ACTION][0] == 'a'   ? PH_ACL_ALLOW
		   : r->v[F_ACTION][0] == 'd' ? PH_ACL_DROP
					      : PH_ACL_REJECT;
	t.log = strcmp(r->v[F_STATE], "logged") == 0;
	if (*r->v[F_SOURCE] &&
	    (e = check_subjects("Source", r->v[F_SOURCE], t.src, &t.n_src, &s4, &s6, err)) < 0)
		return e;
	if (*r->v[F_DEST] &&
	    (e = check_subjects("Destination", r->v[F_DEST], t.dst, &t.n_dst, &d4, &d6, err)) < 0)
		return e;
	if (*r->v[F_SOURCE] && *r->v[F_DEST] &&
	    ((s4 && !d4) || (d4 && !s4) || (s6 && !d6) || (d6 && !s6))) {
		snprintf(err, FE_ERR_MAX,
			 "Conflicting IP family types used for Source and Destination");
		return -EINVAL;
	}
	if (*proto && !one_of(proto, protos)) {
		snprintf(err, FE_ERR_MAX, "Protocol must be one of: icmp4, icmp6, tcp, udp");
		return -EINVAL;
	}
	l4 = strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0;
	icmp = strcmp(proto, "icmp4") == 0 || strcmp(proto, "icmp6") == 0;
	t.proto = !*proto                     ? PH_ACL_ANY
		  : strcmp(proto, "tcp") == 0 ? PH_ACL_TCP
		  : strcmp(proto, "udp") == 0 ? PH_ACL_UDP
		  : proto[4] == '4'           ? PH_ACL_ICMP4
					      : PH_ACL_ICMP6;
	if (l4) {
		if (*r->v[F_ITYPE] || *r->v[F_ICODE]) {
			snprintf(err, FE_ERR_MAX, "ICMP %s cannot be used with non-ICMP protocol",
				 *r->v[F_ITYPE] ? "type" : "code");
			return -EINVAL;
		}
		if (*r->v[F_SPORT] &&
		    (e = check_ports("Source", r->v[F_SPORT], t.sport, &t.n_sport, err)) < 0)
			return e;
		if (*r->v[F_DPORT] &&
		    (e = check_ports("Destination", r->v[F_DPORT], t.dport, &t.n_dport, err)) < 0)
			return e;
	} else if (icmp) {
		bool v4 = t.proto == PH_ACL_ICMP4;

		if (*r->v[F_SPORT] || *r->v[F_DPORT]) {
			snprintf(err, FE_ERR_MAX, "%s port cannot be used with \"%s\" protocol",
				 *r->v[F_SPORT] ? "Source" : "Destination", proto);
			return -EINVAL;
		}
		if ((v4 && (s6 || d6)) || (!v4 && (s4 || d4))) {
			snprintf(err, FE_ERR_MAX,
				 "Cannot use IPv%c %s addresses with \"%s\" protocol",
				 v4 ? '6' : '4', (v4 ? s6 : s4) ? "source" : "destination", proto);
			return -EINVAL;
		}
		if (*r->v[F_ITYPE] &&
		    (e = check_uint8("type", r->v[F_ITYPE], &t.icmp_type, err)) < 0)
			return e;
		if (*r->v[F_ICODE] &&
		    (e = check_uint8("code", r->v[F_ICODE], &t.icmp_code, err)) < 0)
			return e;
	} else {
		static const char *const what[] = { [F_ITYPE] = "ICMP type",
						    [F_ICODE] = "ICMP code",
						    [F_SPORT] = "Source port",
						    [F_DPORT] = "Destination port" };
		static const int order[] = { F_ITYPE, F_ICODE, F_SPORT, F_DPORT };

		for (size_t k = 0; k < 4; k++)
			if (*r->v[order[k]]) {
				snprintf(err, FE_ERR_MAX,
					 "%s cannot be used without specifying protocol",
					 what[order[k]]);
				return -EINVAL;
			}
	}
	if (ret)
		*ret = t;
	return 0;
}

static json_object *rule_json(const struct rule *r)
{
	json_object *o = json_object_new_object();

	for (int f = 0; o && f < F_N; f++)
		if (*r->v[f] || f == F_ACTION || f == F_STATE)
			json_object_object_add(o, field_names[f], json_object_new_string(r->v[f]));
	return o;
}

int fe_acl_rules_normalise(json_object *rules, const char *dir, json_object **ret,
			   char err[static FE_ERR_MAX])
{
	size_t n = rules ? json_object_array_length(rules) : 0;
	struct rule *rs;
	json_object *out;
	int r = 0;

	if (n > FE_ACL_RULES_MAX) {
		snprintf(err, FE_ERR_MAX, "Too many %s rules: at most %d", dir, FE_ACL_RULES_MAX);
		return -EINVAL;
	}
	rs = calloc(n + 1, sizeof(*rs));
	out = json_object_new_array();
	if (!rs || !out) {
		free(rs);
		json_object_put(out);
		return -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		char why[FE_ERR_MAX];

		r = rule_read(json_object_array_get_idx(rules, i), dir, &rs[i], err);
		if (r == 0 && (r = rule_check(&rs[i], NULL, why)) < 0)
			snprintf(err, FE_ERR_MAX, "Invalid %s rule %zu: %.400s", dir, i, why);
		for (size_t j = 0; r == 0 && j < i; j++) {
			bool same = true;

			for (int f = 0; f < F_N; f++)
				same = same && strcmp(rs[i].v[f], rs[j].v[f]) == 0;
			if (same) {
				snprintf(err, FE_ERR_MAX, "Duplicate of %s rule %zu", dir, j);
				r = -EINVAL;
			}
		}
		if (r == 0)
			json_object_array_add(out, rule_json(&rs[i]));
	}
	for (size_t i = 0; i < n; i++)
		rule_free(&rs[i]);
	free(rs);
	if (r < 0) {
		json_object_put(out);
		return r;
	}
	*ret = out;
	return 0;
}

int fe_acl_rule_compile(json_object *rule, struct ph_acl_rule *ret)
{
	struct rule r = { 0 };
	char err[FE_ERR_MAX];
	int e = rule_read(rule, "ingress", &r, err);

	if (e == 0)
		e = rule_check(&r, ret, err);
	rule_free(&r);
	return e;
}

/* ---- security.acls and the default actions -------------------------------------------------- */

int fe_check_acl_list_syntax(const char *value, char err[static FE_ERR_MAX])
{
	__do_free char *list = list_dup(value ? value : "");
	char *save = list, *part;

	if (!list)
		return -ENOMEM;
	if (!*list)
		return 0;
	while ((part = strsep(&save, ",")))
		if (fe_check_acl_name(part, err) < 0)
			return -EINVAL;
	return 0;
}

bool fe_acl_list_has(const char *value, const char *name)
{
	__do_free char *list = list_dup(value ? value : "");
	char *save = list, *part;

	while (list && *list && (part = strsep(&save, ",")))
		if (strcmp(part, name) == 0)
			return true;
	return false;
}

int fe_acl_action_parse(const char *s, enum ph_acl_action *ret)
{
	if (!s || !*s || strcmp(s, "reject") == 0)
		*ret = PH_ACL_REJECT;
	else if (strcmp(s, "allow") == 0)
		*ret = PH_ACL_ALLOW;
	else if (strcmp(s, "drop") == 0)
		*ret = PH_ACL_DROP;
	else
		return -EINVAL;
	return 0;
}

int fe_parse_acl_list(const struct fe_valid *v, const char *s, struct fe_value *ret)
{
	char err[FE_ERR_MAX];

	if (fe_check_acl_list_syntax(s, err) < 0)
		return -EINVAL;
	ret->s = s;
	return 0;
}
