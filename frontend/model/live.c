// SPDX-License-Identifier: Apache-2.0
/*
 * Live changes of a running instance (live.h): the difference between two
 * expanded configurations turned into moatd calls. Runs in moatd-api
 * (unprivileged); its input is what the config schema already accepted.
 *
 * Each kind of live change is one step: it compares the two sides and, if
 * they differ, applies the new one. A failed step undoes the steps before
 * it (each applied again with the old side), so an instance is never left
 * half changed by one request. To add a kind: a step in steps[] below.
 */
#include <errno.h>
#include <string.h>

#include "model/config.h"
#include "model/live.h"

/* One kind of live change: apply `to` if it differs from `from`; 1 applied, 0 same, < 0 error. */
typedef int (*live_step_fn)(const char *name, json_object *from_xc, json_object *from_xd,
			    json_object *to_xc, json_object *to_xd, struct ph_error *e);

static bool same_limits(const struct ph_limits_config *a, const struct ph_limits_config *b)
{
	return a->memory == b->memory && a->memory_percent == b->memory_percent &&
	       a->memory_soft == b->memory_soft && a->swap_off == b->swap_off &&
	       a->swap_priority_drop == b->swap_priority_drop &&
	       a->cpu_priority_drop == b->cpu_priority_drop && a->cpu_count == b->cpu_count &&
	       a->has_cpu_set == b->has_cpu_set &&
	       memcmp(a->cpu_set, b->cpu_set, sizeof(a->cpu_set)) == 0 &&
	       a->cpu_percent == b->cpu_percent && a->cpu_quota_us == b->cpu_quota_us &&
	       a->cpu_period_us == b->cpu_period_us && a->processes == b->processes &&
	       a->hugepages_set == b->hugepages_set &&
	       memcmp(a->hugepages, b->hugepages, sizeof(a->hugepages)) == 0;
}

/* Every limits.* key: instance_limits, with the whole new set. */
static int step_limits(const char *name, json_object *from_xc, json_object *from_xd,
		       json_object *to_xc, json_object *to_xd, struct ph_error *e)
{
	struct ph_start_config before, after;
	int r;

	(void)from_xd;
	(void)to_xd;
	fe_config_start(from_xc, &before);
	fe_config_start(to_xc, &after);
	if (same_limits(&before.limits, &after.limits))
		return 0;
	r = ph_call_instance_limits(name, &after.limits, e);
	return r < 0 ? r : 1;
}

static bool same_device(const struct ph_device_config *a, const struct ph_device_config *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->source, b->source) == 0 &&
	       strcmp(a->path, b->path) == 0 && a->kind == b->kind && a->readonly == b->readonly &&
	       a->optional == b->optional && a->shift == b->shift &&
	       a->propagation == b->propagation && a->uid == b->uid && a->gid == b->gid &&
	       a->mode == b->mode;
}

/* Is a device of set `in` (same name, same keys) in `of`? */
static bool kept(const struct ph_start_config *of, const struct ph_device_config *d)
{
	for (size_t k = 0; k < of->ndevices; k++)
		if (same_device(&of->devices[k], d))
			return true;
	return false;
}

/*
 * Host disks and unix nodes (device_attach, device_detach): the removed or
 * changed ones out (deepest path first), then the added or changed ones in
 * (path order); a failure undoes what this step did.
 */
static int step_devices(const char *name, json_object *from_xc, json_object *from_xd,
			json_object *to_xc, json_object *to_xd, struct ph_error *e)
{
	struct ph_start_config before = { 0 }, after = { 0 };
	size_t out[PH_START_DEVICES_MAX], in[PH_START_DEVICES_MAX], nout = 0, nin = 0;
	int r = 0;

	(void)from_xc;
	(void)to_xc;
	if (fe_devices_start(from_xd, &before) < 0 || fe_devices_start(to_xd, &after) < 0)
		return -E2BIG;
	for (size_t k = before.ndevices; k-- > 0;)
		if (!kept(&after, &before.devices[k]))
			out[nout++] = k;
	for (size_t k = 0; k < after.ndevices; k++)
		if (!kept(&before, &after.devices[k]))
			in[nin++] = k;
	if (!nout && !nin)
		return 0;
	for (size_t k = 0; k < nout; k++) {
		r = ph_call_device_detach(name, &before.devices[out[k]], e);
		if (r < 0) {
			while (k-- > 0)
				(void)ph_call_device_attach(name, &before.devices[out[k]], NULL);
			return r;
		}
	}
	for (size_t k = 0; k < nin; k++) {
		r = ph_call_device_attach(name, &after.devices[in[k]], e);
		if (r < 0) {
			while (k-- > 0)
				(void)ph_call_device_detach(name, &after.devices[in[k]], NULL);
			for (size_t j = nout; j-- > 0;)
				(void)ph_call_device_attach(name, &before.devices[out[j]], NULL);
			return r;
		}
	}
	return 1;
}

static bool same_nic(const struct ph_nic_config *a, const struct ph_nic_config *b)
{
	return memcmp(a, b, sizeof(*a)) == 0; /* zeroed, then filled: no stray bytes */
}

static bool nic_kept(const struct ph_start_config *of, const struct ph_nic_config *n)
{
	for (size_t k = 0; k < of->n_nics; k++)
		if (same_nic(&of->nics[k], n))
			return true;
	return false;
}

/*
 * Nics (nic_detach, nic_attach): the removed or changed ones out, then the
 * added or changed ones in; a failure undoes what this step did. A new
 * nic's hwaddr and host end go into to_xc's volatile keys, which the
 * caller stores (fe_nics_keep_volatile); both sides share the ones the
 * running nics have.
 */
static int step_nics(const char *name, json_object *from_xc, json_object *from_xd,
		     json_object *to_xc, json_object *to_xd, struct ph_error *e)
{
	struct ph_start_config before, after;
	size_t out[PH_START_NICS_MAX], in[PH_START_NICS_MAX], nout = 0, nin = 0;
	int r = 0;

	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (fe_nics_start(from_xc, from_xd, &before, NULL) < 0)
		return -E2BIG;
	fe_nics_keep_volatile(to_xc, from_xc);
	if (fe_nics_start(to_xc, to_xd, &after, NULL) < 0)
		return -E2BIG;
	fe_nics_network_addrs(&before);
	fe_nics_network_addrs(&after);
	for (size_t k = 0; k < before.n_nics; k++)
		if (!nic_kept(&after, &before.nics[k]))
			out[nout++] = k;
	for (size_t k = 0; k < after.n_nics; k++)
		if (!nic_kept(&before, &after.nics[k]))
			in[nin++] = k;
	if (!nout && !nin)
		return 0;
	for (size_t k = 0; k < nout; k++) {
		r = ph_call_nic_detach(name, &before.nics[out[k]], e);
		if (r < 0) {
			while (k-- > 0)
				(void)ph_call_nic_attach(name, &before.nics[out[k]], NULL);
			return r;
		}
	}
	for (size_t k = 0; k < nin; k++) {
		r = ph_call_nic_attach(name, &after.nics[in[k]], e);
		if (r < 0) {
			while (k-- > 0)
				(void)ph_call_nic_detach(name, &after.nics[in[k]], NULL);
			for (size_t j = nout; j-- > 0;)
				(void)ph_call_nic_attach(name, &before.nics[out[j]], NULL);
			return r;
		}
	}
	return 1;
}

static bool proxy_kept(const struct ph_proxy_config *of, size_t n, const struct ph_proxy_config *p)
{
	for (size_t k = 0; k < n; k++)
		if (fe_proxy_same(&of[k], p))
			return true;
	return false;
}

/*
 * Proxy devices (proxy_attach, proxy_detach): the removed or changed ones'
 * forwarders stopped, then the added or changed ones' started; a failure
 * undoes what this step did.
 */
static int step_proxies(const char *name, json_object *from_xc, json_object *from_xd,
			json_object *to_xc, json_object *to_xd, struct ph_error *e)
{
	struct ph_proxy_config before[FE_PROXIES_MAX], after[FE_PROXIES_MAX];
	size_t nb = 0, na = 0, out[FE_PROXIES_MAX], in[FE_PROXIES_MAX], nout = 0, nin = 0;
	int r = 0;

	(void)from_xc;
	(void)to_xc;
	if (fe_proxies_list(from_xd, before, &nb) < 0 || fe_proxies_list(to_xd, after, &na) < 0)
		return -E2BIG;
	for (size_t k = 0; k < nb; k++)
		if (!proxy_kept(after, na, &before[k]))
			out[nout++] = k;
	for (size_t k = 0; k < na; k++)
		if (!proxy_kept(before, nb, &after[k]))
			in[nin++] = k;
	if (!nout && !nin)
		return 0;
	for (size_t k = 0; k < nout; k++)
		(void)ph_call_proxy_detach(name, &before[out[k]], NULL); /* gone is fine */
	for (size_t k = 0; k < nin; k++) {
		r = ph_call_proxy_attach(name, &after[in[k]], NULL, e);
		if (r < 0) {
			while (k-- > 0)
				(void)ph_call_proxy_detach(name, &after[in[k]], NULL);
			for (size_t j = 0; j < nout; j++)
				(void)ph_call_proxy_attach(name, &before[out[j]], NULL, NULL);
			return r;
		}
	}
	return 1;
}

static const live_step_fn steps[] = {
	step_limits,
	step_devices,
	step_nics,
	step_proxies,
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

int fe_live_apply(const char *name, json_object *old_xc, json_object *old_xd, json_object *new_xc,
		  json_object *new_xd, struct ph_error *e)
{
	struct ph_error scratch;
	bool done[NSTEPS] = { false };

	if (!e)
		e = &scratch;
	for (size_t k = 0; k < NSTEPS; k++) {
		int r = steps[k](name, old_xc, old_xd, new_xc, new_xd, e);

		if (r < 0) {
			while (k-- > 0)
				if (done[k])
					(void)steps[k](name, new_xc, new_xd, old_xc, old_xd, NULL);
			return r;
		}
		done[k] = r > 0;
	}
	return 0;
}
