// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for JSON request bodies (frontend/core/json.c and the
 * validators in frontend/model/: the config schema of config.c and
 * devices.c, instances.c and images.c), which
 * moatd-api (unprivileged) runs on every body a client sends. The input is
 * one body, refused above FE_BODY_MAX and NUL-ended as http.c gathers it,
 * parsed by fe_json_body() (strict, depth-capped) and then read field by
 * field exactly as each handler does: instance create, PUT and PATCH,
 * state change, exec, image PUT and alias POST. The readers live inline in
 * handlers that also touch moatd, so their getter calls and range checks
 * are repeated here; the getters and validators are the real ones. The
 * profile check needs the database: one is made in a /tmp directory,
 * removed at exit. Built with clang, libFuzzer, ASan and UBSan by
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
	struct fe_start_config cfg;

	if (config) {
		json_object_object_foreach(config, k, v)
		{
			(void)k;
			if (!json_object_is_type(v, json_type_string))
				abort();
		}
		fe_config_start(config, &cfg);
		/* what the setters took passed the same parsers */
		if (cfg.cpu_limit > 4096 || (cfg.memory_limit && cfg.memory_limit < 4096))
			abort();
	}
	if (!devices)
		return;
	json_object_object_foreach(devices, dn, dev)
	{
		json_object *t;

		(void)dn;
		if (!json_object_is_type(dev, json_type_object) ||
		    !json_object_object_get_ex(dev, "type", &t) ||
		    !json_object_is_type(t, json_type_string))
			abort();
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

/* update() (api/instances.c): PUT and PATCH, up to the reload. */
static void update_body(json_object *body, bool patch)
{
	json_object *config = NULL, *devices = NULL, *profiles = NULL;
	const char *desc = NULL, *arch = "", *restore = "";
	bool ephemeral;
	struct fe_resp resp = { 0 };
	char err[FE_ERR_MAX];

	if (fe_json_string_map(body, "config", &resp, &config) < 0 ||
	    fe_json_object(body, "devices", &resp, &devices) < 0 ||
	    fe_json_strings(body, "profiles", &resp, &profiles) < 0 ||
	    fe_json_string(body, "description", "old", &resp, &desc) < 0 ||
	    fe_json_string(body, "architecture", "", &resp, &arch) < 0 ||
	    fe_json_string(body, "restore", "", &resp, &restore) < 0 ||
	    fe_json_bool(body, "ephemeral", patch, &resp, &ephemeral) < 0)
		return refused(&resp);
	if (!desc || !arch || !restore)
		abort();
	if (fe_check_config(config, err) < 0 || fe_check_devices(devices, err) < 0 ||
	    fe_check_profiles(profiles, err) < 0)
		return refused_err(err);
	check_accepted_config(config, devices);
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

/* read_image_put() (api/images.c), without the current image. */
static void image_put_body(json_object *body)
{
	json_object *props = NULL, *profiles = NULL;
	const char *expires = NULL;
	bool auto_update, public;
	char t[64];
	struct fe_resp resp = { 0 };

	if (fe_json_bool(body, "auto_update", false, &resp, &auto_update) < 0 ||
	    fe_json_bool(body, "public", false, &resp, &public) < 0 ||
	    fe_json_string_map(body, "properties", &resp, &props) < 0 ||
	    fe_json_strings(body, "profiles", &resp, &profiles) < 0 ||
	    fe_json_string(body, "expires_at", NULL, &resp, &expires) < 0)
		return refused(&resp);
	if (expires && *expires && lxd_time_parse(expires, t) == 0 &&
	    strnlen(t, sizeof(t)) >= sizeof(t))
		abort();
	if (!props)
		return accepted(&resp);
	json_object_object_foreach(props, k, v)
	{
		(void)img_description_valid_len(k, 256);
		(void)img_description_valid_len(json_object_get_string(v), 65536);
	}
	accepted(&resp);
}

/* aliases_post() (api/images.c), up to the image lookup. */
static void alias_body(json_object *body)
{
	const char *name = NULL, *target = NULL, *description = NULL, *type = NULL;
	char q[IMG_QUOTE_MAX];
	struct fe_resp resp = { 0 };

	if (fe_json_string(body, "name", "", &resp, &name) < 0 ||
	    fe_json_string(body, "target", "", &resp, &target) < 0 ||
	    fe_json_string(body, "description", "", &resp, &description) < 0 ||
	    fe_json_string(body, "type", "", &resp, &type) < 0)
		return refused(&resp);
	if (!name || !target || !description || !type)
		abort();
	if (img_alias_name_valid(name) && (strchr(name, '/') || !*name))
		abort();
	(void)img_description_valid(description);
	if (strnlen(img_quote(name, q), IMG_QUOTE_MAX) >= IMG_QUOTE_MAX)
		abort();
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
	image_put_body(body);
	alias_body(body);
	json_object_put(body);
	free(buf);
	return 0;
}
