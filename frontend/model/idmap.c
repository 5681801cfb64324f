// SPDX-License-Identifier: Apache-2.0
/*
 * security.idmap.isolated: each isolated instance gets host ids of its
 * own, a 65536-id slot of the range moatd delegates (hello's idmap_base
 * and idmap_size), slot 0 being the map every other container shares. The
 * slot is kept in volatile.idmap.base, as LXD keeps it, and is chosen at
 * start: the instance's own when no other instance holds it, else the
 * lowest free one. security.idmap.base names the base itself. Runs in
 * moatd-api (unprivileged); moatd checks again that the range lies in
 * what it delegates (or that the policy says allow_raw_idmap).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/idmap.h"

#define SLOT 65536u

static uint32_t base_of(json_object *config)
{
	json_object *o;
	const char *s;
	char *end;
	unsigned long v;

	if (!json_object_object_get_ex(config, "volatile.idmap.base", &o))
		return 0;
	s = json_object_get_string(o);
	v = strtoul(s, &end, 10);
	return *s && !*end && v <= UINT32_MAX ? (uint32_t)v : 0;
}

static bool taken(const struct fe_instance *all, size_t n, const char *self, uint64_t base,
		  uint64_t size)
{
	for (size_t k = 0; k < n; k++) {
		uint64_t b = base_of(all[k].config);

		if (strcmp(all[k].name, self) != 0 && b && b < base + size && base < b + SLOT)
			return true;
	}
	return false;
}

int fe_idmap_assign(struct fe_instance *i, struct ph_start_config *cfg, char err[static FE_ERR_MAX])
{
	struct fe_instance *all = NULL;
	uint64_t lo = fe_srv.idmap_base, hi = (uint64_t)fe_srv.idmap_base + fe_srv.idmap_size;
	uint64_t size = cfg->idmap_size ? cfg->idmap_size : SLOT, base = cfg->idmap_base;
	uint64_t own = base_of(i->config);
	size_t n = 0;
	char buf[16];
	int r;

	if (cfg->privileged || !cfg->idmap_isolated) {
		cfg->idmap_isolated = false;
		cfg->idmap_base = cfg->idmap_size = 0;
		json_object_object_add(i->config, "volatile.idmap.base",
				       json_object_new_string("0"));
		return 0;
	}
	r = fe_instance_load_all(&all, &n);
	if (r < 0) {
		snprintf(err, FE_ERR_MAX, "Failed to read the instances' id maps");
		return r;
	}
	if (!base) {
		if (own >= lo + SLOT && own + size <= hi && (own - lo) % SLOT == 0 &&
		    !taken(all, n, i->name, own, size))
			base = own;
		for (uint64_t b = lo + SLOT; !base && b + size <= hi; b += SLOT)
			if (!taken(all, n, i->name, b, size))
				base = b;
	}
	fe_instances_free(all, n);
	if (!base) {
		snprintf(err, FE_ERR_MAX, "Not enough uid/gid available for the container");
		return -ENOSPC;
	}
	cfg->idmap_base = (uint32_t)base;
	cfg->idmap_size = (uint32_t)size;
	snprintf(buf, sizeof(buf), "%u", cfg->idmap_base);
	json_object_object_add(i->config, "volatile.idmap.base", json_object_new_string(buf));
	return 0;
}
