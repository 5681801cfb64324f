// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for JSON request bodies (frontend/core/json.c and the
 * validators in frontend/model/: the config schema of config.c and
 * devices.c, instances.c and images.c), which
 * moatd-api (unprivileged) runs on every body a client sends. The input is
 * one body, refused above FE_BODY_MAX and NUL-ended as http.c gathers it,
 * parsed by fe_json_body() (strict, depth-capped) and then read field by
 * field exactly as each handler does: instance create, PUT and PATCH,
 * state change, exec, image PUT and PATCH, and alias POST. The create,
 * state and exec readers live inline in handlers that also touch moatd,
 * so their getter calls and range checks are repeated here; PUT, PATCH
 * and the alias create read bodies through the objects' field tables,
 * whose checks and lxd_apply() run here on scratch objects. The getters
 * and validators are the real ones. The profile check needs the
 * database: one is made in a /tmp directory, removed at exit. Built with clang, libFuzzer, ASan and UBSan by
 * `make fuzz-build`. Checked: every failure leaves a 400 with a message,
 * and what is accepted keeps the promises the handlers rely on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/http.h"
#include "fe.h"
#include "fe_scratch.h"
#include "model/images.h"
#include "model/instances.h"
#include "name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setup(void)
{
	(void)scratch_setup();
}

/* A refusal is a 400 with a message; anything else is a bug in a getter. */
static void refused(struct fe_resp *resp)
{
	if (resp->kind != FE_RESP_ERROR || resp->http_status != 400 || !resp->error ||
	    !resp->error[0])
		abort();
	fe_resp_free(resp);
	memset(resp, 0, sizeof(*resp));
}

/* A refusal from model/: a message for the 400. */
static void refused_err(const char *err)
{
	if (!err[0] || strnlen(err, FE_ERR_MAX) >= FE_ERR_MAX)
		abort();
}

static void accepted(struct fe_resp *resp)
{
	if (resp->kind != FE_RESP_SYNC || resp->error)
		abort();
}

/* What fe_check_config() and fe_check_devices() accepted. */
static void check_accepted_config(json_object *config, json_object *devices)
{
	struct ph_start_config cfg;

	if (config) {
		json_object_object_foreach(config, k, v)
		{
			(void)k;
			if (!json_object_is_type(v, json_type_string))
				abort();
		}
		fe_config_start(config, &cfg);
		/* what the setters took passed the same parsers */
		if (cfg.limits.cpu_count > 4096 ||
		    (cfg.limits.memory && cfg.limits.memory < 4096) ||
		    cfg.limits.memory_percent > 100 || cfg.limits.cpu_percent > 100 ||
		    cfg.limits.swap_priority_drop > 10 || cfg.limits.cpu_priority_drop > 10 ||
		    (cfg.limits.has_cpu_set && cfg.limits.cpu_count) ||
		    (cfg.limits.cpu_quota_us &&
		     (cfg.limits.cpu_quota_us < 1000 || cfg.limits.cpu_period_us < 1000 ||
		      cfg.limits.cpu_period_us > 1000000)))
			abort();
	}
	if (!devices)
		return;
	json_object_object_foreach(devices, dn, dev)
	{
		json_object *t;

		if (!json_object_is_type(dev, json_type_object) ||
		    !json_object_object_get_ex(dev, "type", &t) ||
		    !json_object_is_type(t, json_type_string))
			abort();
		/* an accepted proxy reads into what proxy_attach's check takes */
		if (strcmp(json_object_get_string(t), "proxy") == 0) {
			struct ph_proxy_config p;
			char err[FE_ERR_MAX];

			if (fe_proxy_parse(dn, dev, &p, err) < 0 || p.uid > 65535 ||
			    p.gid > 65535 || p.mode > 0777 || p.security_uid > 65535 ||
			    p.security_gid > 65535 ||
			    (p.listen.kind == PH_PROXY_END_UDP) !=
				    (p.connect.kind == PH_PROXY_END_UDP))
				abort();
			for (int k = 0; k < 2; k++) {
				const struct ph_proxy_end_config *e = k ? &p.connect : &p.listen;

				/* moatd's check: a normal absolute path ("..ck" is a
				 * name, ".." is not), not "/" */
				if (e->kind == PH_PROXY_END_UNIX
					    ? !name_device_path_valid(e->path) ||
						      strcmp(e->path, "/") == 0
					    : e->port == 0)
					abort();
			}
		}
	}
	/* accepted nics become what moatd's ph_check_nic() takes */
	{
		json_object *vol = json_object_new_object();
		static struct ph_start_config nc;

		memset(&nc, 0, sizeof(nc));
		if (vol && fe_nics_start(vol, devices, &nc, NULL) == 0)
			for (size_t k = 0; k < nc.n_nics; k++) {
				const struct ph_nic_config *n = &nc.nics[k];
				bool filters = n->mac_filtering || n->ipv4_filtering ||
					       n->ipv6_filtering || n->ingress || n->egress;

				if (!name_ifname_valid(n->ifname) || !n->has_hwaddr ||
				    (n->hwaddr[0] & 1) ||
				    (n->type != PH_NIC_KIND_P2P && !name_ifname_valid(n->parent)) ||
				    (n->type == PH_NIC_KIND_P2P && n->parent[0]) ||
				    (n->host_name[0] && !name_ifname_valid(n->host_name)) ||
				    n->ingress > (1ull << 40) || n->egress > (1ull << 40) ||
				    (filters &&
				     (n->type != PH_NIC_KIND_BRIDGED || !n->host_name[0])))
					abort();
			}
		json_object_put(vol);
	}
}

/* api_create() (api/instances.c) up to the image lookup. */
static void create_body(json_object *body)
{
	json_object *source = NULL, *config = NULL, *devices = NULL, *profiles = NULL;
	const char *name = "", *type = "container", *stype = "", *alias = "", *fp = "", *desc = "";
	bool ephemeral = false;
	struct fe_resp resp = { 0 };
	char err[FE_ERR_MAX];

	if (fe_json_string(body, "name", "", &resp, &name) < 0 ||
	    fe_json_string(body, "type", "container", &resp, &type) < 0 ||
	    fe_json_string(body, "description", "", &resp, &desc) < 0 ||
	    fe_json_bool(body, "ephemeral", false, &resp, &ephemeral) < 0 ||
	    fe_json_string_map(body, "config", &resp, &config) < 0 ||
	    fe_json_object(body, "devices", &resp, &devices) < 0 ||
	    fe_json_strings(body, "profiles", &resp, &profiles) < 0 ||
	    fe_json_object(body, "source", &resp, &source) < 0)
		return refused(&resp);
	if (!name || !type || !desc)
		abort();
	if (source && (fe_json_string(source, "type", "", &resp, &stype) < 0 ||
		       fe_json_string(source, "alias", "", &resp, &alias) < 0 ||
		       fe_json_string(source, "fingerprint", "", &resp, &fp) < 0))
		return refused(&resp);
	if (!stype || !alias || !fp)
		abort();
	if ((*name && fe_check_instance_name(name, err) < 0) || fe_check_config(config, err) < 0 ||
	    fe_check_devices(devices, err) < 0 || fe_check_profiles(profiles, err) < 0)
		return refused_err(err);
	/* the name is copied into a NAME_MAX_LEN buffer and used as a path component */
	if (*name && (!name_valid_str(name) || strlen(name) > NAME_MAX_LEN))
		abort();
	check_accepted_config(config, devices);
	accepted(&resp);
}

/* A body an object's field table refuses: the message of its 400. */
static void table_refused(const char *err)
{
	if (!err[0] || strnlen(err, LXD_ERR_MAX) >= LXD_ERR_MAX)
		abort();
}

static json_object *field(json_object *body, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(body, key, &v);
	return v;
}

/*
 * PUT and PATCH of an instance (ops/object.c with api/instances.c's
 * callbacks), up to the reload: the table's type checks, the schema's
 * checks, then the body applied to a scratch instance, which must keep
 * its shape.
 */
static void update_body(json_object *body, bool patch)
{
	struct fe_instance i = { 0 };
	struct fe_resp resp = { 0 };
	char err[LXD_ERR_MAX] = "", serr[FE_ERR_MAX];

	if (lxd_check_body(&lxd_instance_type, body, LXD_W, err) < 0)
		return table_refused(err);
	if (fe_check_config(field(body, "config"), serr) < 0 ||
	    fe_check_devices(field(body, "devices"), serr) < 0 ||
	    fe_check_profiles(field(body, "profiles"), serr) < 0)
		return refused_err(serr);
	snprintf(i.name, sizeof(i.name), "c1");
	snprintf(i.architecture, sizeof(i.architecture), "x86_64");
	i.description = strdup("old");
	i.config = json_tokener_parse("{\"volatile.last_state.power\":\"STOPPED\"}");
	i.devices = json_object_new_object();
	i.profiles = json_object_new_array();
	/*
	 * what the table checked, lxd_apply() takes, or refuses with a message
	 * (a value too long for its member: the handler checks the architecture first)
	 */
	if (lxd_apply(&lxd_instance_type, &i, body, patch ? LXD_WRITE_PATCH : LXD_WRITE_PUT, err) <
	    0) {
		fe_instance_free(&i);
		return table_refused(err);
	}
	if (!json_object_is_type(i.config, json_type_object) ||
	    !json_object_is_type(i.devices, json_type_object) ||
	    !json_object_is_type(i.profiles, json_type_array) || !i.description ||
	    !json_object_object_get_ex(i.config, "volatile.last_state.power", NULL))
		abort();
	check_accepted_config(i.config, i.devices);
	fe_instance_free(&i);
	accepted(&resp);
}

/* api_state_put() (api/instances.c). */
static void state_body(json_object *body)
{
	const char *action = "";
	int64_t timeout = -1;
	bool force = false;
	struct fe_resp resp = { 0 };

	if (fe_json_string(body, "action", "", &resp, &action) < 0 ||
	    fe_json_int(body, "timeout", -1, &resp, &timeout) < 0 ||
	    fe_json_bool(body, "force", false, &resp, &force) < 0)
		return refused(&resp);
	if (!action)
		abort();
	accepted(&resp);
}

/* api_exec() (api/exec.c), up to the instance's status. */
static void exec_body(json_object *body)
{
	json_object *cmd = NULL, *env = NULL;
	const char *cwd = "";
	int64_t w = 0, h = 0, uid = 0, gid = 0;
	bool wait_ws = true, interactive = false, record = false;
	struct fe_resp resp = { 0 };

	if (fe_json_strings(body, "command", &resp, &cmd) < 0 ||
	    fe_json_string_map(body, "environment", &resp, &env) < 0 ||
	    fe_json_bool(body, "wait-for-websocket", false, &resp, &wait_ws) < 0 ||
	    fe_json_bool(body, "interactive", false, &resp, &interactive) < 0 ||
	    fe_json_bool(body, "record-output", false, &resp, &record) < 0 ||
	    fe_json_int(body, "width", 0, &resp, &w) < 0 ||
	    fe_json_int(body, "height", 0, &resp, &h) < 0 ||
	    fe_json_int(body, "user", 0, &resp, &uid) < 0 ||
	    fe_json_int(body, "group", 0, &resp, &gid) < 0 ||
	    fe_json_string(body, "cwd", "", &resp, &cwd) < 0)
		return refused(&resp);
	if (!cwd)
		abort();
	/* the session takes the argv and environment as strings */
	for (size_t k = 0; cmd && k < json_object_array_length(cmd); k++)
		if (!json_object_is_type(json_object_array_get_idx(cmd, k), json_type_string))
			abort();
	if (!env)
		return accepted(&resp);
	json_object_object_foreach(env, ek, ev)
	{
		(void)ek;
		if (!json_object_is_type(ev, json_type_string))
			abort();
	}
	accepted(&resp);
}

/* PUT and PATCH of an image (ops/object.c with api/images.c's callbacks), on a scratch image. */
static void image_put_body(json_object *body, bool patch)
{
	struct lxd_image img = { 0 };
	struct fe_resp resp = { 0 };
	char err[LXD_ERR_MAX] = "", t[64];
	json_object *props = field(body, "properties");

	if (lxd_check_body(&lxd_image_type, body, LXD_W, err) < 0)
		return table_refused(err);
	if (props) {
		json_object_object_foreach(props, k, v)
		{
			(void)img_description_valid_len(k, 256);
			(void)img_description_valid_len(json_object_get_string(v), 65536);
		}
	}
	img.properties = json_object_new_object();
	img.profiles = json_tokener_parse("[\"default\"]");
	snprintf(img.expires_at, sizeof(img.expires_at), "1970-01-01T00:00:00Z");
	if (lxd_apply(&lxd_image_type, &img, body, patch ? LXD_WRITE_PATCH : LXD_WRITE_PUT, err) <
	    0) {
		/* the types were checked: only a time may be refused now */
		if (!strstr(err, "is not an RFC 3339 time"))
			abort();
		lxd_free(&lxd_image_type, &img);
		return table_refused(err);
	}
	if (!json_object_is_type(img.properties, json_type_object) ||
	    !json_object_is_type(img.profiles, json_type_array) ||
	    strnlen(img.expires_at, sizeof(img.expires_at)) >= sizeof(img.expires_at) ||
	    lxd_time_parse(img.expires_at, t) < 0)
		abort();
	lxd_free(&lxd_image_type, &img);
	accepted(&resp);
}

/* An alias create (ops/object.c with api/images.c's callbacks), up to the image lookup. */
static void alias_body(json_object *body)
{
	struct lxd_image_alias al = { 0 };
	char q[IMG_QUOTE_MAX], err[LXD_ERR_MAX] = "";
	struct fe_resp resp = { 0 };

	if (lxd_check_body(&lxd_image_alias_type, body, LXD_W | LXD_POST, err) < 0)
		return table_refused(err);
	if (lxd_apply(&lxd_image_alias_type, &al, body, LXD_WRITE_POST, err) < 0)
		abort();
	if (!al.name || !al.target || !al.description || !al.type)
		abort();
	if (img_alias_name_valid(al.name) && (strchr(al.name, '/') || !*al.name))
		abort();
	(void)img_description_valid(al.description);
	if (strnlen(img_quote(al.name, q), IMG_QUOTE_MAX) >= IMG_QUOTE_MAX)
		abort();
	lxd_free(&lxd_image_alias_type, &al);
	accepted(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fe_req req = { 0 };
	struct fe_resp resp = { 0 };
	json_object *body = NULL;
	char *buf;

	if (size > FE_BODY_MAX) /* http.c answers 413 without parsing */
		return 0;
	setup();
	buf = scratch_cstr(data, size);
	if (!buf)
		return 0;
	req.method = "POST";
	req.path = "/1.0/instances";
	req.body = buf;
	req.body_len = size;
	if (fe_json_body(&req, &resp, &body) < 0) {
		if (body)
			abort();
		refused(&resp);
		free(buf);
		return 0;
	}
	if (!json_object_is_type(body, json_type_object))
		abort();
	create_body(body);
	update_body(body, false);
	update_body(body, true);
	state_body(body);
	exec_body(body);
	image_put_body(body, false);
	image_put_body(body, true);
	alias_body(body);
	json_object_put(body);
	free(buf);
	return 0;
}
