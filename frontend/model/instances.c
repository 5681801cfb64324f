// SPDX-License-Identifier: Apache-2.0
/*
 * Instance model for moatd-api (unprivileged): rows in the instances table,
 * profiles, expanded configuration, validation of untrusted client input
 * against the keys this server implements, and LXD's JSON shapes.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "model/instances.h"
#include "model/pools.h"
#include "model/snapshots.h"
#include "model/usage.h"
#include "ph/ph.h"

void fe_instance_free(struct fe_instance *i)
{
	free(i->description);
	json_object_put(i->config);
	json_object_put(i->devices);
	json_object_put(i->profiles);
	memset(i, 0, sizeof(*i));
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", s ? s : "");
}

#define INSTANCE_COLUMNS                                                                           \
	"SELECT name, architecture, type, ephemeral, stateful, description,"                       \
	" created_at, last_used_at, config, devices, profiles, base_image, pool"                   \
	" FROM instances"

/* The row st stands on, as an instance (free it with fe_instance_free). */
static int read_row(sqlite3_stmt *st, struct fe_instance *ret)
{
	struct fe_instance i = { 0 };

	copy_col(st, 0, i.name, sizeof(i.name));
	copy_col(st, 1, i.architecture, sizeof(i.architecture));
	copy_col(st, 2, i.type, sizeof(i.type));
	i.ephemeral = sqlite3_column_int(st, 3) != 0;
	i.stateful = sqlite3_column_int(st, 4) != 0;
	i.description = strdup((const char *)sqlite3_column_text(st, 5));
	copy_col(st, 6, i.created_at, sizeof(i.created_at));
	copy_col(st, 7, i.last_used_at, sizeof(i.last_used_at));
	i.config = fe_db_json_column(st, 8, json_type_object);
	i.devices = fe_db_json_column(st, 9, json_type_object);
	i.profiles = fe_db_json_column(st, 10, json_type_array);
	copy_col(st, 11, i.base_image, sizeof(i.base_image));
	copy_col(st, 12, i.pool, sizeof(i.pool));
	if (!i.description) {
		fe_instance_free(&i);
		return -ENOMEM;
	}
	*ret = i;
	return 0;
}

int fe_instance_load(const char *name, struct fe_instance *ret)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -ENOENT;

	if (sqlite3_prepare_v2(db, INSTANCE_COLUMNS " WHERE name = ?;", -1, &st, NULL) !=
	    SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = read_row(st, ret);
	sqlite3_finalize(st);
	fe_db_unlock();
	return r;
}

static int read_any(sqlite3_stmt *st, void *ret)
{
	return read_row(st, ret);
}

static void free_any(void *i)
{
	fe_instance_free(i);
}

int fe_instance_load_all(struct fe_instance **ret, size_t *ret_n)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	void *all = NULL;
	int r;

	if (sqlite3_prepare_v2(db, INSTANCE_COLUMNS " ORDER BY name;", -1, &st, NULL) !=
	    SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	r = fe_db_collect(st, sizeof(struct fe_instance), read_any, free_any, &all, ret_n);
	sqlite3_finalize(st);
	fe_db_unlock();
	if (r == 0)
		*ret = all;
	return r;
}

void fe_instances_free(struct fe_instance *all, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fe_instance_free(&all[k]);
	free(all);
}

static const char *js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}

int fe_instance_insert(const struct fe_instance *i)
{
	char pool[NAME_MAX_LEN + 1];
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int r;

	if (i->pool[0])
		snprintf(pool, sizeof(pool), "%s", i->pool);
	else if (fe_instance_root_pool(i, pool) < 0)
		snprintf(pool, sizeof(pool), "%s", FE_POOL);
	if (fe_pool_hold(pool) < 0) /* a pool's delete waits until the row is there */
		return -ENOENT;
	db = fe_db_lock();
	if (sqlite3_prepare_v2(
		    db,
		    "INSERT INTO instances (name, architecture, type, ephemeral, stateful,"
		    " description, created_at, last_used_at, config, devices, profiles,"
		    " base_image, pool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);",
		    -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		fe_pool_release();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, i->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, i->architecture, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, i->type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, i->ephemeral);
	sqlite3_bind_int(st, 5, i->stateful);
	sqlite3_bind_text(st, 6, i->description ? i->description : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, i->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, i->last_used_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, js(i->config), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, js(i->devices), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, js(i->profiles), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 12, i->base_image, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, pool, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	fe_db_unlock();
	fe_pool_release();
	if (r == SQLITE_CONSTRAINT)
		return -EEXIST;
	return r == SQLITE_DONE ? 0 : -EIO;
}

int fe_instance_save(const struct fe_instance *i)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(db,
			       "UPDATE instances SET config = ?, devices = ?, profiles = ?,"
			       " description = ?, ephemeral = ?, last_used_at = ? WHERE name = ?;",
			       -1, &st, NULL) != SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, js(i->config), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, js(i->devices), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, js(i->profiles), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, i->description ? i->description : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, i->ephemeral);
	sqlite3_bind_text(st, 6, i->last_used_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, i->name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	fe_db_unlock();
	return r == SQLITE_DONE ? 0 : -EIO;
}

int fe_instance_delete_row(const char *name)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(db, "DELETE FROM instances WHERE name = ?;", -1, &st, NULL) !=
	    SQLITE_OK) {
		fe_db_unlock();
		return -EIO;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	fe_db_unlock();
	return r == SQLITE_DONE ? 0 : -EIO;
}

json_object *fe_instance_names(void)
{
	return fe_db_strings("SELECT name FROM instances ORDER BY name;");
}

/* Copy every key of src into dst (later wins); devices are replaced whole. */
static void merge(json_object *dst, json_object *src)
{
	json_object_object_foreach(src, k, v)
	{
		json_object_object_add(dst, k, json_object_get(v));
	}
}

/* A profile's keys into dst, but those only an instance may hold (volatile.*, image.*). */
static void merge_from_profile(json_object *dst, json_object *src)
{
	json_object_object_foreach(src, k, v)
	{
		if (fe_config_from_profile(k))
			json_object_object_add(dst, k, json_object_get(v));
	}
}

static json_object *deep_copy(json_object *o)
{
	json_object *c = NULL;

	if (json_object_deep_copy(o, &c, NULL) < 0)
		return json_object_new_object();
	return c;
}

/* The rows st yields, into all as name -> {config, devices}. */
static void add_profiles(sqlite3_stmt *st, json_object *all)
{
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "config", fe_db_json_column(st, 1, json_type_object));
		json_object_object_add(p, "devices", fe_db_json_column(st, 2, json_type_object));
		json_object_object_add(all, (const char *)sqlite3_column_text(st, 0), p);
	}
}

json_object *fe_profiles_load(json_object *names)
{
	json_object *all = json_object_new_object();
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db,
			       names ? "SELECT name, config, devices FROM profiles WHERE name = ?;"
				     : "SELECT name, config, devices FROM profiles;",
			       -1, &st, NULL) == SQLITE_OK) {
		if (!names)
			add_profiles(st, all);
		for (size_t k = 0; names && k < json_object_array_length(names); k++) {
			sqlite3_reset(st);
			sqlite3_bind_text(
				st, 1, json_object_get_string(json_object_array_get_idx(names, k)),
				-1, SQLITE_TRANSIENT);
			add_profiles(st, all);
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return all;
}

int fe_instance_expand_with(const struct fe_instance *i, json_object *profiles,
			    json_object **ret_config, json_object **ret_devices)
{
	json_object *config = json_object_new_object(), *devices = json_object_new_object();
	json_object *own = profiles ? NULL : fe_profiles_load(i->profiles), *p, *v;

	for (size_t k = 0; k < json_object_array_length(i->profiles); k++) {
		const char *name =
			json_object_get_string(json_object_array_get_idx(i->profiles, k));

		if (!json_object_object_get_ex(profiles ? profiles : own, name, &p))
			continue;
		if (json_object_object_get_ex(p, "config", &v))
			merge_from_profile(config, v);
		if (json_object_object_get_ex(p, "devices", &v))
			merge(devices, v);
	}
	json_object_put(own);
	merge(config, i->config);
	merge(devices, i->devices);
	*ret_config = deep_copy(config);
	*ret_devices = deep_copy(devices);
	json_object_put(config);
	json_object_put(devices);
	return 0;
}

int fe_instance_expand(const struct fe_instance *i, json_object **ret_config,
		       json_object **ret_devices)
{
	return fe_instance_expand_with(i, NULL, ret_config, ret_devices);
}

const char *fe_status_name(int code)
{
	switch (code) {
	case 102:
		return "Stopped";
	case 103:
		return "Running";
	case 110:
		return "Frozen";
	}
	return "Error";
}

/*
 * The run state of each instance as last learnt from moatd, so that a GET
 * or a list need not ask moatd (which reads the container's configuration
 * through liblxc each time). Every change the frontend makes forgets the
 * entry (fe_instance_status_forget: after a start, stop, freeze, delete,
 * and when the watcher sees a container end), and a reply that raced with
 * a change is not kept: the generation counts the forgets, and a reply is
 * stored only if none happened while it was asked for.
 */
struct status_entry {
	struct status_entry *next;
	char name[NAME_MAX_LEN + 1];
	int status_code, pid;
};

#define STATUS_BUCKETS 1024
static pthread_mutex_t status_lock = PTHREAD_MUTEX_INITIALIZER;
static struct status_entry *status_table[STATUS_BUCKETS];
static uint64_t status_gen;

static struct status_entry **status_slot(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	struct status_entry **e;

	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	for (e = &status_table[h % STATUS_BUCKETS]; *e; e = &(*e)->next)
		if (strcmp((*e)->name, name) == 0)
			break;
	return e;
}

static void status_store(const struct fe_instance_state *s, uint64_t gen)
{
	struct status_entry **e, *n;

	if (s->status_code != 102 && s->status_code != 103 && s->status_code != 110)
		return;
	pthread_mutex_lock(&status_lock);
	if (gen == status_gen) {
		e = status_slot(s->name);
		n = *e ? *e : calloc(1, sizeof(*n));
		if (n) {
			snprintf(n->name, sizeof(n->name), "%s", s->name);
			n->status_code = s->status_code;
			n->pid = s->pid;
			if (!*e)
				*e = n;
		}
	}
	pthread_mutex_unlock(&status_lock);
}

void fe_instance_status_forget(const char *name)
{
	struct status_entry **e, *n;

	pthread_mutex_lock(&status_lock);
	status_gen++;
	e = status_slot(name);
	n = *e;
	if (n) {
		*e = n->next;
		free(n);
	}
	pthread_mutex_unlock(&status_lock);
}

int fe_instance_status(const char *name, struct fe_instance_state *ret)
{
	struct fe_instance_state s = { .status_code = 112 };
	struct status_entry *e;

	pthread_mutex_lock(&status_lock);
	e = *status_slot(name);
	if (e) {
		snprintf(s.name, sizeof(s.name), "%s", name);
		s.status_code = e->status_code;
		s.pid = e->pid;
	}
	pthread_mutex_unlock(&status_lock);
	if (!e)
		return fe_instance_state(name, ret);
	*ret = s;
	return 0;
}

/* moatd's state into the frontend's struct, and the counters (s->name is set by the caller). */
static void state_from_reply(const struct ph_instance_state_info *x, struct fe_instance_state *s)
{
	struct fe_usage u;

	switch (x->status) {
	case PH_STATUS_STOPPED:
		s->status_code = 102;
		break;
	case PH_STATUS_RUNNING:
		s->status_code = 103;
		break;
	case PH_STATUS_FROZEN:
		s->status_code = 110;
		break;
	default:
		s->status_code = 112;
		break;
	}
	s->pid = x->pid;
	s->reboot_requested = x->reboot_requested;
	/* a running or frozen one's counters, read here (model/usage.c); none
	 * when its payload cgroup is not where liblxc puts it */
	if (x->pid > 0 && fe_usage_read(s->name, x->pid, &u) == 0) {
		s->processes = u.processes;
		s->cpu_ns = u.cpu_ns;
		s->memory = u.memory;
		s->memory_peak = u.memory_peak;
		s->swap = u.swap;
		s->swap_peak = u.swap_peak;
	}
}

static uint64_t status_generation(void)
{
	uint64_t gen;

	pthread_mutex_lock(&status_lock);
	gen = status_gen;
	pthread_mutex_unlock(&status_lock);
	return gen;
}

int fe_instance_state(const char *name, struct fe_instance_state *ret)
{
	struct ph_instance_state_info x;
	struct fe_instance_state s = { .status_code = 112 };
	uint64_t gen = status_generation();
	int r;

	snprintf(s.name, sizeof(s.name), "%s", name);
	r = ph_call_instance_state(name, &x, NULL);
	if (r == 0)
		state_from_reply(&x, &s);
	if (r == 0)
		status_store(&s, gen);
	*ret = s;
	return r;
}

/*
 * state.network, read by moatd inside the container's network namespace,
 * and into st the state the same worker read (st untouched when the answer
 * is NULL).
 */
static json_object *network_and_state(const char *name, struct fe_instance_state *st)
{
	struct ph_net_info net;
	json_object *o = NULL;
	uint64_t gen = status_generation();

	if (ph_call_instance_network(name, &net, NULL) == 0) {
		if (net.has_state) {
			struct fe_instance_state s = { .status_code = 112 };

			snprintf(s.name, sizeof(s.name), "%s", name);
			state_from_reply(&net.state, &s);
			status_store(&s, gen);
			*st = s;
		}
		o = json_object_new_object();
		for (size_t k = 0; k < net.n_interfaces; k++) {
			const struct ph_net_interface *i = &net.interfaces[k];
			json_object *n = json_object_new_object(), *addrs = json_object_new_array();
			json_object *c = json_object_new_object();

			for (size_t a = 0; a < i->n_addresses; a++) {
				json_object *x = json_object_new_object();
				char prefix[8];

				snprintf(prefix, sizeof(prefix), "%u", i->addresses[a].prefix);
				json_object_object_add(
					x, "family",
					json_object_new_string(i->addresses[a].family));
				json_object_object_add(
					x, "address",
					json_object_new_string(i->addresses[a].address));
				json_object_object_add(x, "netmask",
						       json_object_new_string(prefix));
				json_object_object_add(
					x, "scope", json_object_new_string(i->addresses[a].scope));
				json_object_array_add(addrs, x);
			}
			json_object_object_add(n, "addresses", addrs);
			json_object_object_add(c, "bytes_received",
					       json_object_new_int64((int64_t)i->rx_bytes));
			json_object_object_add(c, "bytes_sent",
					       json_object_new_int64((int64_t)i->tx_bytes));
			json_object_object_add(c, "packets_received",
					       json_object_new_int64((int64_t)i->rx_packets));
			json_object_object_add(c, "packets_sent",
					       json_object_new_int64((int64_t)i->tx_packets));
			json_object_object_add(c, "errors_received",
					       json_object_new_int64((int64_t)i->rx_errors));
			json_object_object_add(c, "errors_sent",
					       json_object_new_int64((int64_t)i->tx_errors));
			json_object_object_add(c, "packets_dropped_outbound",
					       json_object_new_int64((int64_t)i->tx_dropped));
			json_object_object_add(c, "packets_dropped_inbound",
					       json_object_new_int64((int64_t)i->rx_dropped));
			json_object_object_add(n, "counters", c);
			json_object_object_add(n, "hwaddr", json_object_new_string(i->hwaddr));
			json_object_object_add(n, "host_name", json_object_new_string(""));
			json_object_object_add(n, "mtu", json_object_new_int((int32_t)i->mtu));
			json_object_object_add(n, "state",
					       json_object_new_string(i->up ? "up" : "down"));
			json_object_object_add(
				n, "type",
				json_object_new_string(i->loopback ? "loopback" : "broadcast"));
			json_object_object_add(o, i->name, n);
		}
		ph_net_info_free(&net);
	}
	return o;
}

json_object *fe_instance_state_network(const char *name, struct fe_instance_state *st)
{
	json_object *net;

	if (fe_instance_status(name, st) < 0)
		return NULL;
	if (st->status_code != 103 && st->status_code != 110)
		return NULL; /* stopped: nothing more to read */
	net = network_and_state(name, st);
	if (!net) /* stopped meanwhile, or no answer: the plain state says which */
		fe_instance_state(name, st);
	fe_nics_state_host_names(name, net); /* the nics' host ends, as LXD shows them */
	return net;
}

json_object *fe_state_json_net(const struct fe_instance_state *st, json_object *net)
{
	json_object *o = json_object_new_object(), *mem = json_object_new_object();
	json_object *cpu = json_object_new_object();
	bool up = st->status_code == 103 || st->status_code == 110;

	json_object_object_add(o, "status",
			       json_object_new_string(fe_status_name(st->status_code)));
	json_object_object_add(o, "status_code", json_object_new_int(st->status_code));
	json_object_object_add(o, "disk", json_object_new_object());
	json_object_object_add(mem, "usage", json_object_new_int64((int64_t)(up ? st->memory : 0)));
	json_object_object_add(mem, "usage_peak",
			       json_object_new_int64((int64_t)(up ? st->memory_peak : 0)));
	json_object_object_add(mem, "swap_usage",
			       json_object_new_int64((int64_t)(up ? st->swap : 0)));
	json_object_object_add(mem, "swap_usage_peak",
			       json_object_new_int64((int64_t)(up ? st->swap_peak : 0)));
	json_object_object_add(o, "memory", mem);
	if (!up) {
		json_object_put(net);
		net = NULL;
	}
	json_object_object_add(o, "network", net);
	json_object_object_add(o, "pid", json_object_new_int(up ? st->pid : 0));
	json_object_object_add(o, "processes",
			       json_object_new_int64((int64_t)(up ? st->processes : 0)));
	json_object_object_add(cpu, "usage", json_object_new_int64((int64_t)(up ? st->cpu_ns : 0)));
	json_object_object_add(o, "cpu", cpu);
	return o;
}

/* lxd_instance_type's offsets are taken in struct lxd_instance: they must hold here too. */
_Static_assert(offsetof(struct fe_instance, profiles) == offsetof(struct lxd_instance, profiles) &&
		       offsetof(struct fe_instance, base_image) >= sizeof(struct lxd_instance),
	       "struct fe_instance begins with LXD_INSTANCE_MEMBERS");

json_object *fe_instance_json(const struct fe_instance *i, const struct fe_instance_state *st,
			      bool with_state, json_object *profiles, json_object *net)
{
	struct lxd_instance_view v = { .status = fe_status_name(st->status_code),
				       .status_code = st->status_code };
	json_object *o;

	fe_instance_expand_with(i, profiles, &v.expanded_config, &v.expanded_devices);
	if (with_state) {
		v.state = fe_state_json_net(st, net);
		v.snapshots = fe_snapshots_json(i->name);
	} else {
		json_object_put(net);
	}
	o = lxd_render(&lxd_instance_type, i, &v, with_state ? LXD_RENDER_FULL : 0);
	json_object_put(v.expanded_config);
	json_object_put(v.expanded_devices);
	json_object_put(v.state);
	json_object_put(v.snapshots);
	return o;
}

/* ---- validation ------------------------------------------------------------ */

int fe_check_instance_name(const char *name, char err[static FE_ERR_MAX])
{
	size_t n = strlen(name);
	bool digits = true;

	if (!name_valid_str(name) || n > NAME_MAX_LEN) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid instance name \"%.80s\": names are 1 to 63 letters, digits and "
			 "hyphens, starting with a letter or digit",
			 name);
		return -EINVAL;
	}
	for (size_t k = 0; k < n; k++)
		digits = digits && name[k] >= '0' && name[k] <= '9';
	if (digits || name[n - 1] == '-') {
		snprintf(err, FE_ERR_MAX, "Invalid instance name \"%s\": %s", name,
			 digits ? "it cannot be a number" : "it cannot end with a hyphen");
		return -EINVAL;
	}
	return 0;
}

int fe_check_profiles(json_object *profiles, char err[static FE_ERR_MAX])
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int r = 0;

	if (!profiles)
		return 0;
	db = fe_db_lock();
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM profiles WHERE name = ?;", -1, &st, NULL) !=
	    SQLITE_OK) {
		fe_db_unlock();
		snprintf(err, FE_ERR_MAX, "Failed to read the profiles");
		return -EIO;
	}
	for (size_t k = 0; r == 0 && k < json_object_array_length(profiles); k++) {
		const char *p = json_object_get_string(json_object_array_get_idx(profiles, k));

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, p, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			snprintf(err, FE_ERR_MAX, "Requested profile \"%.64s\" doesn't exist", p);
			r = -ENOENT;
		}
	}
	sqlite3_finalize(st);
	fe_db_unlock();
	return r;
}

int fe_instance_start_config(json_object *expanded, struct ph_start_config *ret)
{
	fe_config_start(expanded, ret);
	return 0;
}

int fe_instance_start_config_of(const struct fe_instance *i, struct ph_start_config *ret)
{
	json_object *xc = NULL, *xd = NULL;
	int r = fe_instance_expand(i, &xc, &xd);

	if (r == 0)
		r = fe_instance_start_config(xc, ret);
	json_object_put(xc);
	json_object_put(xd);
	return r;
}

int fe_instance_image(const char *alias, const char *fp, char ret_fp[static 65],
		      json_object **ret_props, bool *ret_templates)
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	char want[65] = "";
	int found = 0;

	if (alias && *alias) {
		if (sqlite3_prepare_v2(db, "SELECT fingerprint FROM image_aliases WHERE name = ?;",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, alias, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				snprintf(want, sizeof(want), "%s", sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
		if (!want[0]) {
			fe_db_unlock();
			return -ENOENT;
		}
		fp = want;
	}
	if (!fp || !*fp || strlen(fp) > 64 || strspn(fp, "0123456789abcdef") != strlen(fp)) {
		fe_db_unlock();
		return -ENOENT;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT fingerprint, properties, templates FROM images"
			       " WHERE substr(fingerprint, 1, ?) = ? LIMIT 2;",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int(st, 1, (int)strlen(fp));
		sqlite3_bind_text(st, 2, fp, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (++found > 1)
				break;
			snprintf(ret_fp, 65, "%s", sqlite3_column_text(st, 0));
			*ret_props = json_tokener_parse((const char *)sqlite3_column_text(st, 1));
			{
				const char *t = (const char *)sqlite3_column_text(st, 2);

				*ret_templates = t && strcmp(t, "{}") != 0 && *t;
			}
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	if (found != 1) {
		if (found > 1)
			json_object_put(*ret_props);
		*ret_props = NULL;
		return -ENOENT;
	}
	if (!*ret_props || !json_object_is_type(*ret_props, json_type_object)) {
		json_object_put(*ret_props);
		*ret_props = json_object_new_object();
	}
	return 0;
}

bool fe_instance_has_root_disk(const struct fe_instance *i)
{
	json_object *xc = NULL, *xd = NULL;
	bool found = false;

	fe_instance_expand(i, &xc, &xd);
	json_object_object_foreach(xd, name, dev)
	{
		(void)name;
		found = found || fe_device_is_root(dev);
	}
	json_object_put(xc);
	json_object_put(xd);
	return found;
}

/* ---- operations on an instance ------------------------------------------------- */

json_object *fe_instance_resources(const char *name)
{
	static const char *const kinds[] = { "containers", "instances" };
	json_object *r = json_object_new_object();

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		json_object *urls = json_object_new_array();
		char url[128];

		snprintf(url, sizeof(url), "/1.0/%s/%s", kinds[k], name);
		json_object_array_add(urls, json_object_new_string(url));
		json_object_object_add(r, kinds[k], urls);
	}
	return r;
}

/* ---- one operation at a time per instance -------------------------------------- */

static pthread_mutex_t busy_lock = PTHREAD_MUTEX_INITIALIZER;
static json_object *busy; /* name -> what */

int fe_instance_busy(const char *name, const char *what)
{
	int r = 0;

	pthread_mutex_lock(&busy_lock);
	if (!busy)
		busy = json_object_new_object();
	if (json_object_object_get_ex(busy, name, NULL))
		r = -EBUSY;
	else
		json_object_object_add(busy, name, json_object_new_string(what));
	pthread_mutex_unlock(&busy_lock);
	return r;
}

void fe_instance_idle(const char *name)
{
	pthread_mutex_lock(&busy_lock);
	if (busy)
		json_object_object_del(busy, name);
	pthread_mutex_unlock(&busy_lock);
}
