// SPDX-License-Identifier: Apache-2.0
/*
 * Network forwards (network_forwards.h): LXD 5.0's checks of a forward
 * (its forwardValidate, with its messages), the rows of the
 * network_forwards table, and a network's forwards typed for moatd
 * (numbers, never text), which compiles them into DNAT rules. Runs in
 * moatd-api (unprivileged); every value is untrusted client input and
 * reaches sqlite only as bound parameters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "db/db.h"
#include "model/images.h"
#include "model/network_acls.h"
#include "model/network_forwards.h"
#include "model/network_use.h"
#include "netaddr.h"

/* ---- values -------------------------------------------------------------------------------------- */

static int ip_parse(const char *s, int *family, uint8_t ret[static 16])
{
	return fe_ip_parse(s, strlen(s), family, ret);
}

static bool unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static bool multicast(int family, const uint8_t a[16])
{
	return family == AF_INET ? (a[0] & 0xf0) == 0xe0 : a[0] == 0xff;
}

int fe_check_forward_listen(const char *addr, char err[static FE_ERR_MAX])
{
	uint8_t a[16];
	int family;

	if (ip_parse(addr, &family, a) < 0) {
		snprintf(err, FE_ERR_MAX, "Invalid listen address");
		return -EINVAL;
	}
	if (unspecified(a) || multicast(family, a)) {
		snprintf(err, FE_ERR_MAX, "Cannot use %s address: \"%s\"",
			 unspecified(a) ? "unspecified" : "multicast", addr);
		return -EINVAL;
	}
	return 0;
}

static bool in_subnet(int family, const uint8_t a[16], const struct fe_net_subnets *net)
{
	const uint8_t *base = family == AF_INET ? net->ipv4 : net->ipv6;
	unsigned prefix = family == AF_INET ? net->ipv4_prefix : net->ipv6_prefix;

	return prefix != 0 && netaddr_in(a, base, prefix);
}

static char *trim_dup(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

/* "80,90-95" into ranges (at most PH_FWD_PORTS_MAX); the count of ports in ret_total. */
static int ports_parse(const char *s, struct ph_port_range *out, size_t *ret_n, size_t *ret_total)
{
	__do_free char *copy = strdup(s);
	char *save = copy, *part;
	size_t n = 0, total = 0;

	if (!copy)
		return -ENOMEM;
	while ((part = strsep(&save, ","))) {
		__do_free char *t = trim_dup(part);
		char *dash;
		unsigned long a, b;
		char *end;

		if (!t)
			return -ENOMEM;
		if (!*t)
			continue;
		if (n >= PH_FWD_PORTS_MAX)
			return -E2BIG;
		dash = strchr(t, '-');
		if (dash)
			*dash = '\0';
		if (!*t || strspn(t, "0123456789") != strlen(t) || strlen(t) > 5)
			return -EINVAL;
		a = strtoul(t, &end, 10);
		b = a;
		if (dash) {
			if (!dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
			    strlen(dash + 1) > 5)
				return -EINVAL;
			b = strtoul(dash + 1, &end, 10);
		}
		if (a > 65535 || b > 65535 || b < a)
			return -EINVAL;
		out[n].first = (uint16_t)a;
		out[n].last = (uint16_t)b;
		total += b - a + 1;
		n++;
	}
	*ret_n = n;
	*ret_total = total;
	return 0;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "";
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* ---- one forward ----------------------------------------------------------------------------- */

static int check_target(const char *what, const char *s, int lfamily, size_t spec,
			const struct fe_net_subnets *net, uint8_t ret[static 16],
			char err[static FE_ERR_MAX])
{
	int family;

	if (ip_parse(s, &family, ret) < 0) {
		if (spec == (size_t)-1)
			snprintf(err, FE_ERR_MAX, "Invalid default target address");
		else
			snprintf(err, FE_ERR_MAX,
				 "Invalid target address in port specification %zu", spec);
		return -EINVAL;
	}
	if (family != lfamily) {
		if (spec == (size_t)-1)
			snprintf(err, FE_ERR_MAX,
				 "Cannot mix IP versions in listen address and default target "
				 "address");
		else
			snprintf(err, FE_ERR_MAX,
				 "Cannot mix IP versions in listen address and port specification "
				 "%zu target address",
				 spec);
		return -EINVAL;
	}
	if (unspecified(ret) || !in_subnet(family, ret, net)) {
		snprintf(err, FE_ERR_MAX, "%s address is not within the network subnet", what);
		return -EINVAL;
	}
	return 0;
}

int fe_forward_normalise(struct lxd_network_forward *f, const struct fe_net_subnets *net,
			 char err[static FE_ERR_MAX])
{
	static const char *const fields[] = { "description", "protocol", "listen_port",
					      "target_port", "target_address" };
	uint8_t listen[16], deftarget[16] = { 0 };
	const char *dt = NULL;
	size_t n = f->ports ? json_object_array_length(f->ports) : 0;
	json_object *out;
	int family, r = 0;
	/* listen ports taken, per protocol (tcp, udp): one bit each */
	__do_free uint8_t *taken = calloc(2, 65536 / 8);

	if (!taken)
		return -ENOMEM;
	if (fe_check_forward_listen(f->listen_address ? f->listen_address : "", err) < 0)
		return -EINVAL;
	ip_parse(f->listen_address, &family, listen);
	json_object_object_foreach(f->config, ck, cv)
	{
		if (strcmp(ck, "target_address") == 0) {
			dt = json_object_get_string(cv);
			continue;
		}
		if (strncmp(ck, "user.", 5) == 0 && img_text_valid(ck, 255))
			continue;
		snprintf(err, FE_ERR_MAX, "Invalid option \"%.64s\"",
			 img_text_valid(ck, 256) ? ck : "?");
		return -EINVAL;
	}
	if (dt && *dt &&
	    check_target("Default target", dt, family, (size_t)-1, net, deftarget, err) < 0)
		return -EINVAL;
	if (n > PH_FWD_PORTS_MAX) {
		snprintf(err, FE_ERR_MAX, "Too many port specifications: at most %d",
			 PH_FWD_PORTS_MAX);
		return -EINVAL;
	}
	out = json_object_new_array();
	for (size_t i = 0; out && r == 0 && i < n; i++) {
		json_object *spec = json_object_array_get_idx(f->ports, i), *o;
		struct ph_port_range lr[PH_FWD_PORTS_MAX], tr[PH_FWD_PORTS_MAX];
		size_t nl = 0, nt = 0, tl = 0, tt = 0;
		char *vals[5] = { 0 };
		uint8_t target[16];
		int e;

		for (size_t k = 0; k < 5; k++) {
			const char *s = str_of(spec, fields[k]);

			if (!s || !img_description_valid(s)) {
				snprintf(err, FE_ERR_MAX,
					 "json: cannot unmarshal value into Go struct field "
					 "NetworkForwardPort.ports.%s of type string",
					 fields[k]);
				r = -EINVAL;
				break;
			}
			vals[k] = trim_dup(s);
			if (!vals[k])
				r = -ENOMEM;
		}
		if (r < 0) {
			for (size_t k = 0; k < 5; k++)
				free(vals[k]);
			break;
		}
		r = -EINVAL;
		if (strcmp(vals[1], "tcp") != 0 && strcmp(vals[1], "udp") != 0)
			snprintf(
				err, FE_ERR_MAX,
				"Invalid port protocol in port specification %zu, protocol must be "
				"one of: tcp, udp",
				i);
		else if (check_target("Target", vals[4], family, i, net, target, err) < 0)
			;
		else if (dt && *dt && memcmp(target, deftarget, 16) == 0)
			snprintf(err, FE_ERR_MAX,
				 "Target address is same as default target address in port "
				 "specification %zu",
				 i);
		else if ((e = ports_parse(vals[2], lr, &nl, &tl)) < 0 || nl == 0)
			snprintf(err, FE_ERR_MAX, "%s listen port in port specification %zu",
				 e == 0 ? "Missing" : "Invalid", i);
		else if (ports_parse(vals[3], tr, &nt, &tt) < 0)
			snprintf(err, FE_ERR_MAX, "Invalid target port in port specification %zu",
				 i);
		else if (tt > 1 && tt != tl)
			snprintf(err, FE_ERR_MAX,
				 "Mismatch of listen port(s) and target port(s) count in port "
				 "specification %zu",
				 i);
		else
			r = 0;
		for (size_t k = 0; r == 0 && k < nl; k++)
			for (unsigned p = lr[k].first; r == 0 && p <= lr[k].last; p++) {
				uint8_t *bits = taken + (vals[1][0] == 'u' ? 65536 / 8 : 0);

				if (bits[p / 8] & (1u << (p % 8))) {
					snprintf(err, FE_ERR_MAX,
						 "Duplicate listen port %u for protocol \"%s\" in "
						 "port specification %zu",
						 p, vals[1], i);
					r = -EINVAL;
				}
				bits[p / 8] |= (uint8_t)(1u << (p % 8));
			}
		if (r == 0) {
			o = json_object_new_object();
			for (size_t k = 0; o && k < 5; k++)
				json_object_object_add(o, fields[k],
						       json_object_new_string(vals[k]));
			json_object_array_add(out, o);
		}
		for (size_t k = 0; k < 5; k++)
			free(vals[k]);
	}
	if (!out)
		return -ENOMEM;
	if (r < 0) {
		json_object_put(out);
		return r;
	}
	json_object_put(f->ports);
	f->ports = out;
	return 0;
}

int fe_forward_compile(const struct lxd_network_forward *f, struct ph_forward *ret)
{
	struct ph_forward t = { 0 };
	json_object *dt = NULL;

	if (!f->listen_address || ip_parse(f->listen_address, &t.family, t.listen) < 0)
		return -EINVAL;
	if (json_object_object_get_ex(f->config, "target_address", &dt) &&
	    *json_object_get_string(dt)) {
		int family;

		if (ip_parse(json_object_get_string(dt), &family, t.default_target) < 0 ||
		    family != t.family)
			return -EINVAL;
		t.has_default = true;
	}
	for (size_t i = 0; f->ports && i < json_object_array_length(f->ports); i++) {
		json_object *spec = json_object_array_get_idx(f->ports, i);
		struct ph_port_range lr[PH_FWD_PORTS_MAX], tr[PH_FWD_PORTS_MAX];
		size_t nl, nt, tl, tt, li = 0, ti = 0;
		unsigned loff = 0, toff = 0;
		struct ph_fwd_port base = { 0 };
		int family;
		const char *proto = str_of(spec, "protocol"), *lp = str_of(spec, "listen_port"),
			   *tp = str_of(spec, "target_port"), *ta = str_of(spec, "target_address");

		if (!proto || !lp || !tp || !ta || ports_parse(lp, lr, &nl, &tl) < 0 ||
		    ports_parse(tp, tr, &nt, &tt) < 0 ||
		    ip_parse(ta, &family, base.target_addr) < 0 || family != t.family)
			return -EINVAL;
		base.proto = strcmp(proto, "udp") == 0 ? PH_ACL_UDP : PH_ACL_TCP;
		/* each listen range whole with no target port, or all to one port */
		if (tt <= 1) {
			for (size_t k = 0; k < nl; k++) {
				if (t.n_ports >= PH_FWD_PORTS_MAX)
					return -E2BIG;
				base.listen = lr[k];
				base.target =
					tt ? (struct ph_port_range){ tr[0].first, tr[0].first }
					   : lr[k];
				t.ports[t.n_ports++] = base;
			}
			continue;
		}
		/* as many target ports as listen ports: runs that are contiguous on both sides */
		while (li < nl && ti < nt) {
			unsigned lrem = lr[li].last - lr[li].first + 1 - loff;
			unsigned trem = tr[ti].last - tr[ti].first + 1 - toff;
			unsigned run = lrem < trem ? lrem : trem;

			if (t.n_ports >= PH_FWD_PORTS_MAX)
				return -E2BIG;
			base.listen =
				(struct ph_port_range){ (uint16_t)(lr[li].first + loff),
							(uint16_t)(lr[li].first + loff + run - 1) };
			base.target =
				(struct ph_port_range){ (uint16_t)(tr[ti].first + toff),
							(uint16_t)(tr[ti].first + toff + run - 1) };
			t.ports[t.n_ports++] = base;
			loff += run;
			toff += run;
			if (loff > (unsigned)(lr[li].last - lr[li].first)) {
				li++;
				loff = 0;
			}
			if (toff > (unsigned)(tr[ti].last - tr[ti].first)) {
				ti++;
				toff = 0;
			}
		}
	}
	*ret = t;
	return 0;
}

/* ---- rows ------------------------------------------------------------------------------------------ */

/* "10.1.2.1/24" into base and prefix; anything else (auto, none, "") leaves them 0. */
static void subnet_of(const char *s, int want, uint8_t *ret, uint8_t *ret_prefix)
{
	char buf[64];
	char *slash;
	unsigned long p;

	if (!s || strlen(s) >= sizeof(buf))
		return;
	memcpy(buf, s, strlen(s) + 1);
	slash = strchr(buf, '/');
	if (!slash)
		return;
	*slash = '\0';
	p = strtoul(slash + 1, NULL, 10);
	if (inet_pton(want, buf, ret) != 1 || p == 0 || p > (want == AF_INET ? 32u : 128u))
		return;
	*ret_prefix = (uint8_t)p;
}

int fe_forward_network(const char *network, struct fe_net_subnets *ret)
{
	struct fe_net_subnets n = { 0 };
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -ENOENT;

	/* the networks table is model/networks.c's: its config holds the addresses in use */
	if (sqlite3_prepare_v2(db,
			       "SELECT json_extract(config, '$.\"ipv4.address\"'),"
			       " json_extract(config, '$.\"ipv6.address\"') FROM networks"
			       " WHERE name = ?;",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, network, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			subnet_of((const char *)sqlite3_column_text(st, 0), AF_INET, n.ipv4,
				  &n.ipv4_prefix);
			subnet_of((const char *)sqlite3_column_text(st, 1), AF_INET6, n.ipv6,
				  &n.ipv6_prefix);
			r = 0;
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	if (r == 0)
		*ret = n;
	return r;
}

#define FWD_COLUMNS                                                                                \
	"SELECT network, listen_address, description, config, ports FROM network_forwards"

static int read_row(sqlite3_stmt *st, struct lxd_network_forward *ret)
{
	struct lxd_network_forward f = { 0 };

	f.network = strdup((const char *)sqlite3_column_text(st, 0));
	f.listen_address = strdup((const char *)sqlite3_column_text(st, 1));
	f.description = strdup((const char *)sqlite3_column_text(st, 2));
	f.config = fe_db_json_column(st, 3, json_type_object);
	f.ports = fe_db_json_column(st, 4, json_type_array);
	if (!f.network || !f.listen_address || !f.description) {
		free(f.network);
		lxd_free(&lxd_network_forward_type, &f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

int fe_forward_load(const char *network, const char *addr, struct lxd_network_forward *ret)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, FWD_COLUMNS " WHERE network = ? AND listen_address = ?;", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, network, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, addr, -1, SQLITE_TRANSIENT);
		r = sqlite3_step(st) == SQLITE_ROW ? read_row(st, ret) : -ENOENT;
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

/* Each row of the network through fn (the lock held). */
static int each_row(const char *network, int (*fn)(struct lxd_network_forward *f, void *arg),
		    void *arg)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, FWD_COLUMNS " WHERE network = ? ORDER BY listen_address;", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, network, -1, SQLITE_TRANSIENT);
		r = 0;
		while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
			struct lxd_network_forward f;

			r = read_row(st, &f);
			if (r == 0) {
				r = fn(&f, arg);
				free(f.network);
				lxd_free(&lxd_network_forward_type, &f);
			}
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

struct list_arg {
	json_object *list;
	bool full;
};

static int list_one(struct lxd_network_forward *f, void *arg)
{
	struct list_arg *a = arg;
	char url[256];

	if (a->full) {
		json_object_array_add(a->list, lxd_render(&lxd_network_forward_type, f, NULL, 0));
		return 0;
	}
	snprintf(url, sizeof(url), "/1.0/networks/%s/forwards/%s", f->network, f->listen_address);
	json_object_array_add(a->list, json_object_new_string(url));
	return 0;
}

int fe_forward_list(const char *network, bool full, json_object **ret)
{
	struct list_arg a = { json_object_new_array(), full };
	int r = a.list ? each_row(network, list_one, &a) : -ENOMEM;

	if (r < 0) {
		json_object_put(a.list);
		return r;
	}
	*ret = a.list;
	return 0;
}

struct typed_arg {
	struct ph_forward *list;
	size_t n;
};

static int typed_one(struct lxd_network_forward *f, void *arg)
{
	struct typed_arg *a = arg;

	if (a->n >= PH_FWD_MAX)
		return -E2BIG;
	return fe_forward_compile(f, &a->list[a->n]) < 0 ? -EINVAL : (a->n++, 0);
}

int fe_forwards_of(const char *network, struct ph_forward **ret, size_t *ret_n)
{
	struct typed_arg a = { calloc(PH_FWD_MAX, sizeof(struct ph_forward)), 0 };
	int r = a.list ? each_row(network, typed_one, &a) : -ENOMEM;

	if (r < 0 || a.n == 0) {
		free(a.list);
		a.list = NULL;
	}
	if (r < 0)
		return r;
	*ret = a.list;
	*ret_n = a.n;
	return 0;
}

static int run(const char *sql, const char *const *texts)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		for (int k = 0; texts[k]; k++)
			sqlite3_bind_text(st, k + 1, texts[k], -1, SQLITE_TRANSIENT);
		switch (sqlite3_step(st)) {
		case SQLITE_DONE:
			r = sqlite3_changes(db);
			break;
		case SQLITE_CONSTRAINT:
			r = -EEXIST;
			break;
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

static int row_put(const struct lxd_network_forward *f, bool create)
{
	const char *texts[] = {
		f->network,
		f->listen_address,
		f->description ? f->description : "",
		json_object_to_json_string_ext(f->config, JSON_C_TO_STRING_PLAIN),
		json_object_to_json_string_ext(f->ports, JSON_C_TO_STRING_PLAIN),
		NULL,
	};
	int r;

	if (create) {
		/* a listen address is one forward's, on whichever network */
		r = run("INSERT INTO network_forwards (network, listen_address, description,"
			" config, ports) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM"
			" network_forwards WHERE listen_address = ?2);",
			texts);
		return r < 0 ? r : r == 0 ? -EEXIST : 0;
	}
	r = run("UPDATE network_forwards SET description = ?3, config = ?4, ports = ?5"
		" WHERE network = ?1 AND listen_address = ?2;",
		texts);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

static int row_delete(const char *network, const char *addr)
{
	const char *texts[] = { network, addr, NULL };
	int r = run("DELETE FROM network_forwards WHERE network = ?1 AND listen_address = ?2;",
		    texts);

	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int fe_forward_write(const struct lxd_network_forward *f, bool create, char err[static FE_ERR_MAX])
{
	struct lxd_network_forward old = { 0 };
	int r = create ? 0 : fe_forward_load(f->network, f->listen_address, &old);

	if (r < 0)
		return r;
	r = row_put(f, create);
	if (r == -EEXIST)
		snprintf(err, FE_ERR_MAX, "A forward for that listen address already exists");
	if (r == 0 && (r = fe_network_resync(f->network, err)) < 0) {
		char ignored[FE_ERR_MAX];

		if ((create ? row_delete(f->network, f->listen_address) : row_put(&old, false)) ==
		    0)
			fe_network_resync(f->network, ignored);
	}
	free(old.network);
	lxd_free(&lxd_network_forward_type, &old);
	return r;
}

int fe_forward_delete(const char *network, const char *addr, char err[static FE_ERR_MAX])
{
	struct lxd_network_forward old = { 0 };
	int r = fe_forward_load(network, addr, &old);

	if (r < 0)
		return r;
	r = row_delete(network, addr);
	if (r == 0 && (r = fe_network_resync(network, err)) < 0) {
		char ignored[FE_ERR_MAX];

		if (row_put(&old, true) == 0)
			fe_network_resync(network, ignored);
	}
	free(old.network);
	lxd_free(&lxd_network_forward_type, &old);
	return r;
}
