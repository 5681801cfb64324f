// SPDX-License-Identifier: Apache-2.0
/*
 * /1.0/networks/<net>/forwards in LXD 5.0's shapes: list (recursion 0
 * and 1), create, GET with its ETag, PUT and PATCH (through
 * ops/object.c) and delete; each change reaches moatd (the network's
 * DNAT rules) before the answer, and a refusal leaves the stored forward
 * as it was. Runs in moatd-api (unprivileged); paths and bodies are
 * untrusted: model/network_forwards.c checks every value before anything
 * is stored. Where LXD 5.0 answers 500 for a client's mistake the status
 * is 400 here, with LXD's message.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "core/http.h"
#include "model/images.h"
#include "model/network_forwards.h"
#include "ops/object.h"

/* Forward writes one at a time: a network's rules are rebuilt from every row. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static int network_check(struct fe_req *req, struct fe_resp *resp, struct fe_net_subnets *ret)
{
	int r = fe_forward_network(fe_param(req, "name"), ret);

	if (r == -ENOENT)
		fe_error(resp, 404, "Network not found");
	else if (r < 0)
		fe_error(resp, 500, "Failed to read the network");
	return r;
}

static int write_error(int r, const char *err, struct fe_resp *resp)
{
	if (r == -ENOENT)
		return fe_error(resp, 404, "Network forward not found");
	if (r == -EEXIST)
		return fe_error(resp, 409, "%s", err);
	if (r == -EINVAL || r == -E2BIG || r == -EPERM)
		return fe_error(resp, 400, "%s", err);
	if (r == -EOPNOTSUPP)
		return fe_error(resp, 501, "%s", err);
	return fe_error(resp, 500, "%s", err[0] ? err : "Failed to update the network forward");
}

static int forwards_get(struct fe_req *req, struct fe_resp *resp)
{
	struct fe_net_subnets net;
	json_object *list;

	if (network_check(req, resp, &net) < 0)
		return 0;
	if (fe_forward_list(fe_param(req, "name"), fe_recursion(req) > 0, &list) < 0)
		return fe_error(resp, 500, "Failed to read the network forwards");
	return fe_sync(resp, list);
}

static void forward_free(struct lxd_network_forward *f)
{
	free(f->network);
	f->network = NULL;
	lxd_free(&lxd_network_forward_type, f);
}

/* POST: the body as an api.NetworkForwardsPost, checked whole, then stored and applied. */
static int forwards_post(struct fe_req *req, struct fe_resp *resp)
{
	__do_json json_object *body = NULL;
	struct lxd_network_forward f = { 0 };
	struct fe_net_subnets net;
	char err[LXD_ERR_MAX] = "";
	int r;

	if (network_check(req, resp, &net) < 0 || fe_json_body(req, resp, &body) < 0)
		return 0;
	if (lxd_check_body(&lxd_network_forward_type, body, LXD_W | LXD_POST, err) < 0 ||
	    lxd_apply(&lxd_network_forward_type, &f, body, LXD_WRITE_POST, err) < 0) {
		forward_free(&f);
		return fe_error(resp, 400, "%s", err);
	}
	f.network = strdup(fe_param(req, "name"));
	if (!f.network) {
		forward_free(&f);
		return fe_error(resp, 500, "Out of memory");
	}
	if ((f.description && !img_description_valid(f.description)) ||
	    (r = fe_forward_normalise(&f, &net, err)) < 0) {
		if (!err[0])
			snprintf(err, sizeof(err), "Invalid network forward description");
		forward_free(&f);
		return fe_error(resp, 400, "%s", err);
	}
	pthread_mutex_lock(&write_lock);
	r = fe_forward_write(&f, true, err);
	pthread_mutex_unlock(&write_lock);
	if (r < 0) {
		forward_free(&f);
		return write_error(r, err, resp);
	}
	{
		char loc[256];

		snprintf(loc, sizeof(loc), "/1.0/networks/%s/forwards/%s", f.network,
			 f.listen_address);
		forward_free(&f);
		return fe_created(resp, loc);
	}
}

/* ---- one forward through ops/object.c ------------------------------------------------------------ */

static int forward_load(struct fe_req *req, struct fe_resp *resp, void *obj)
{
	struct fe_net_subnets net;
	int r = network_check(req, resp, &net);

	if (r < 0)
		return r;
	r = fe_forward_load(fe_param(req, "name"), fe_param(req, "address"), obj);
	if (r == -ENOENT)
		fe_error(resp, 404, "Network forward not found");
	else if (r < 0)
		fe_error(resp, 500, "Failed to read the network forward");
	return r;
}

static void forward_release(void *obj)
{
	forward_free(obj);
}

static int forward_lock(const void *obj, struct fe_resp *resp)
{
	pthread_mutex_lock(&write_lock);
	return 0;
}

static void forward_unlock(const void *obj)
{
	pthread_mutex_unlock(&write_lock);
}

static int forward_check(void *obj, enum fe_object_write how, struct fe_resp *resp)
{
	struct lxd_network_forward *f = obj;
	struct fe_net_subnets net;
	char err[FE_ERR_MAX] = "";

	if (f->description && !img_description_valid(f->description))
		return fe_error(resp, 400, "Invalid network forward description"), -EINVAL;
	if (fe_forward_network(f->network, &net) < 0)
		return fe_error(resp, 404, "Network not found"), -ENOENT;
	if (fe_forward_normalise(f, &net, err) < 0)
		return fe_error(resp, 400, "%s", err), -EINVAL;
	return 0;
}

static int forward_store(void *obj, struct fe_resp *resp)
{
	char err[FE_ERR_MAX] = "";
	int r = fe_forward_write(obj, false, err);

	if (r < 0)
		write_error(r, err, resp);
	return r;
}

static int forward_remove(void *obj, struct fe_resp *resp)
{
	struct lxd_network_forward *f = obj;
	char err[FE_ERR_MAX] = "";
	int r;

	pthread_mutex_lock(&write_lock);
	r = fe_forward_delete(f->network, f->listen_address, err);
	pthread_mutex_unlock(&write_lock);
	if (r < 0)
		write_error(r, err, resp);
	return r;
}

static const struct fe_object_ops forward_ops = {
	.type = &lxd_network_forward_type,
	.size = sizeof(struct lxd_network_forward),
	.load = forward_load,
	.free = forward_release,
	.lock = forward_lock,
	.unlock = forward_unlock,
	.check = forward_check,
	.store = forward_store,
	.remove = forward_remove,
};

static int forward_get(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_get(req, resp, &forward_ops);
}

static int forward_put(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_put(req, resp, &forward_ops);
}

static int forward_patch(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_patch(req, resp, &forward_ops);
}

static int forward_delete(struct fe_req *req, struct fe_resp *resp)
{
	return fe_object_delete(req, resp, &forward_ops);
}

static const struct fe_route routes[] = {
	{ "/1.0/networks/{name}/forwards", "GET", forwards_get, 0, NULL },
	{ "/1.0/networks/{name}/forwards", "POST", forwards_post, 0, NULL },
	{ "/1.0/networks/{name}/forwards/{address}", "GET", forward_get, 0, NULL },
	{ "/1.0/networks/{name}/forwards/{address}", "PUT", forward_put, 0, NULL },
	{ "/1.0/networks/{name}/forwards/{address}", "PATCH", forward_patch, 0, NULL },
	{ "/1.0/networks/{name}/forwards/{address}", "DELETE", forward_delete, 0, NULL },
	{ 0 },
};

static const char *const extensions[] = { "network_forward", NULL };

const struct fe_api_module fe_module_network_forwards = { "network-forwards", routes, extensions };
