// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/networks in LXD 5.0.2's shapes: the list (recursion 0 and 1, the
 * host's own interfaces after the managed networks, as LXD), create, GET
 * with its ETag, PUT and PATCH (through ops/object.c), rename, delete,
 * .../state and .../leases. Runs in moatd-api (unprivileged); paths and
 * bodies are untrusted: names, keys and values are checked by
 * model/networks.c before anything reaches moatd or the database. Every
 * change is applied by moatd (network_apply, network_delete) before it is
 * stored, so a refusal stores nothing: its message is the 400.
 *
 * Status codes are LXD's: a bad key or value, a network in use, a name
 * taken by a host interface or an existing network are 400 (LXD's
 * BadRequest); a rename onto a taken name is 409.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/images.h"
#include "model/networks.h"
#include "ops/events.h"
#include "ops/object.h"

static int not_found(struct fe_resp *resp)
{
	return fe_error(resp, 404, "Network not found");
}

/* A model error: 400 for the client's (and moatd's refusal), 404, 409, else 500. */
static int model_error(int r, const char *err, struct fe_resp *resp)
{
	switch (r) {
	case -ENOENT:
		return not_found(resp);
	case -EIO:
	case -ENOMEM:
		return fe_error(resp, 500, "%s", err);
	default:
		return fe_error(resp, 400, "%s", err[0] ? err : strerror(-r));
	}
}

static int networks_get(struct fe_req *req, struct fe_resp *resp)
{
	json_object *list;

	if (fe_network_list(fe_recursion(req) > 0, &list) < 0)
		return fe_error(resp, 500, "Failed to read the networks");
	return fe_sync(resp, list);
}

/* ---- one network through ops/object.c ------------------------------------------------ */

static int network_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	int r = fe_network_load(fe_param(req, "name"), obj);

	if (r == -ENOENT)
		not_found(resp);
	else if (r < 0)
		fe_error(resp, 500, "Failed loading network");
	return r;
}

/* A create's name and type; a change only of a managed network. */
static int network_validate(struct fe_req *req, const void *cur, json_object *body,
			    enum fe_object_write how, struct fe_resp *resp)
{
	const struct lxd_network *n = cur;
	json_object *name = NULL, *type = NULL;
	char err[FE_ERR_MAX];

	if (how != FE_OBJECT_CREATE) {
		if (!n->managed) {
			not_found(resp);
			return -ENOENT;
		}
		return 0;
	}
	json_object_object_get_ex(body, "name", &name);
	json_object_object_get_ex(body, "type", &type);
	if (fe_check_network_name(name ? json_object_get_string(name) : "", err) < 0 ||
	    fe_check_network_type(type ? json_object_get_string(type) : "", err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	return 0;
}

/* The network as the body left it (a PATCH merged): its config whole, and the description. */
static int network_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	struct lxd_network *n = obj;
	char err[FE_ERR_MAX];

	if (n->description && !img_description_valid(n->description)) {
		fe_error(resp, 400, "Invalid network description");
		return -EINVAL;
	}
	if (fe_check_network_config(n->name, n->config, &fe_srv.policy, err) < 0) {
		fe_error(resp, 400, "%s", err);
		return -EINVAL;
	}
	if (how == FE_OBJECT_CREATE) {
		free(n->type);
		n->type = strdup("bridge");
		if (!n->type) {
			fe_error(resp, 500, "Out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static int network_store(void *obj, struct fe_resp *resp)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_network_update(obj, err);

	if (r < 0)
		model_error(r, err, resp);
	return r;
}

static int network_insert(void *obj, struct fe_resp *resp)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_network_create(obj, err);

	if (r < 0)
		model_error(r, err, resp);
	return r;
}

static int network_remove(void *obj, struct fe_resp *resp)
{
	struct lxd_network *n = obj;
	char err[FE_ERR_MAX] = "";
	int r;

	if (!n->managed) {
		not_found(resp);
		return -ENOENT;
	}
	r = fe_network_delete(n->name, err);
	if (r < 0)
		model_error(r == -EBUSY ? -EINVAL : r, err, resp);
	return r;
}

static const struct fe_object_ops network_ops = {
	.type = &lxd_network_type,
	.size = sizeof(struct lxd_network),
	.load = network_load,
	.validate = network_validate,
	.check = network_check,
	.store = network_store,
	.insert = network_insert,
	.remove = network_remove,
};

static int networks_post(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_create(req, resp, &network_ops);
}

static int network_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &network_ops);
}

static int network_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &network_ops);
}

static int network_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &network_ops);
}

static int network_delete(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_delete(req, resp, &network_ops);
}

/* POST /1.0/networks/<name> {"name": "new"}: 201 with the new Location, as LXD. */
static int network_rename(struct fe_req *req, struct fe_resp *resp)
{
	__do_json json_object *body = NULL;
	const char *from = fe_param(req, "name"), *to = NULL;
	char err[FE_ERR_MAX] = "";
	int r;

	if (fe_json_body(req, resp, &body) < 0 || fe_json_string(body, "name", "", resp, &to) < 0)
		return 0;
	if (fe_network_exists(from) < 0)
		return not_found(resp);
	if (!*to)
		return fe_error(resp, 400, "New network name not provided");
	if (fe_check_network_name(to, err) < 0)
		return fe_error(resp, 400, "%s", err);
	r = fe_network_rename(from, to, err);
	if (r == -EEXIST)
		return fe_error(resp, 409, "%s", err);
	if (r < 0)
		return model_error(r == -EBUSY ? -EINVAL : r, err, resp);
	return fe_object_renamed(resp, &lxd_network_type, "network-renamed", from, to);
}

static int network_state(struct fe_req *req, struct fe_resp *resp)
{
	const char *name = fe_param(req, "name");
	json_object *st;

	if (strncmp(name, "veth", 4) == 0 ||
	    (fe_network_exists(name) < 0 && !fe_host_interface_exists(name)))
		return not_found(resp);
	if (fe_host_interface_state(name, &st) < 0)
		return fe_error(resp, 404, "Network interface \"%s\" not found", name);
	return fe_sync(resp, st);
}

static int network_leases(struct fe_req *req, struct fe_resp *resp)
{
	json_object *list;

	if (fe_network_leases(fe_param(req, "name"), &list) < 0)
		return not_found(resp);
	return fe_sync(resp, list);
}

static const struct fe_route routes[] = {
	{ "/1.0/networks", "GET", networks_get, 0, NULL },
	{ "/1.0/networks", "POST", networks_post, 0, NULL },
	{ "/1.0/networks/{name}", "GET", network_get, 0, NULL },
	{ "/1.0/networks/{name}", "POST", network_rename, 0, NULL },
	{ "/1.0/networks/{name}", "PUT", network_put, 0, NULL },
	{ "/1.0/networks/{name}", "PATCH", network_patch, 0, NULL },
	{ "/1.0/networks/{name}", "DELETE", network_delete, 0, NULL },
	{ "/1.0/networks/{name}/leases", "GET", network_leases, 0, NULL },
	{ "/1.0/networks/{name}/state", "GET", network_state, 0, NULL },
	{ 0 },
};

/* LXD 5.0.2's names of what these endpoints implement. */
static const char *const extensions[] = {
	"network",
	"network_leases",
	"network_state",
	"network_hwaddr",
	"network_leases_location",
	"network_state_bond_bridge",
	"instance_nic_network",
	NULL,
};

const struct fe_api_module fe_module_networks = { "networks", routes, extensions };
