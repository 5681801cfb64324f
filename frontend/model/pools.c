// SPDX-License-Identifier: Apache-2.0
/*
 * Storage pools (pools.h): rows of the storage_pools table, their checks
 * in LXD 5.0.2's words, what uses each (the instances on it, the profiles
 * whose disks name it), its space and inodes, and the pool of each
 * instance. Runs in moatd-api (unprivileged); names and config are
 * untrusted client input, checked before they are stored, and reach
 * sqlite only as bound parameters. A pool's directory is moatd's
 * (storage op: PH_STORAGE_POOL_CREATE and _DELETE, by name only); the
 * frontend only stats it for its resources, which needs search permission
 * on $MOAT_DIR and storage-pools/ (0711), not on the pool (root's 0700).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cleanup.h"
#include "db/db.h"
#include "log.h"
#include "model/images.h"
#include "model/pools.h"
#include "ph/ph.h"

/* The drivers this server has; a new one is a row (and its moatd side). */
static const char *const drivers[] = { "dir", "btrfs", NULL };

/* Create, delete, and the inserts of the rows that use a pool, one at a time. */
static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *js(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* moatd's directory of the pool. */
static void pool_path(const char *name, char ret[static 4096])
{
	snprintf(ret, 4096, "%s/storage-pools/%s", fe_srv.dir, name);
}

/* What `source` shows: the directory, or a btrfs pool's loop file (as LXD's). */
static void pool_source(const char *name, const char *driver, char ret[static 4096])
{
	if (strcmp(driver, "btrfs") == 0)
		snprintf(ret, 4096, "%s/disks/%s.img", fe_srv.dir, name);
	else
		pool_path(name, ret);
}

/* A btrfs pool's size= ("1GiB", "5GB", bytes): 256 MiB .. 1 PiB. */
static int pool_size(const char *s, uint64_t *ret)
{
	static const struct fe_valid v = { .min = 256ULL << 20, .max = 1ULL << 50 };
	struct fe_value x;

	if (fe_parse_bytes(&v, s, &x) < 0)
		return -EINVAL;
	*ret = x.u;
	return 0;
}

/* ---- checks -------------------------------------------------------------------------------- */

int fe_check_pool_name(const char *name, char err[static FE_ERR_MAX])
{
	if (!*name) {
		snprintf(err, FE_ERR_MAX, "No name provided");
		return -EINVAL;
	}
	if (strchr(name, '/')) {
		snprintf(err, FE_ERR_MAX, "Storage pool names may not contain slashes");
		return -EINVAL;
	}
	if (!name_valid_str(name)) {
		snprintf(err, FE_ERR_MAX,
			 "Invalid storage pool name \"%.80s\": names are 1 to 63 letters, digits "
			 "and hyphens, starting with a letter or digit",
			 name);
		return -EINVAL;
	}
	return 0;
}

int fe_check_pool_driver(const char *driver, char err[static FE_ERR_MAX])
{
	char list[128] = "";
	size_t n = 0;

	if (!*driver) {
		snprintf(err, FE_ERR_MAX, "No driver provided");
		return -EINVAL;
	}
	for (size_t k = 0; drivers[k]; k++) {
		if (strcmp(driver, drivers[k]) == 0)
			return 0;
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"%s\"", k ? ", " : "",
				      drivers[k]);
	}
	snprintf(err, FE_ERR_MAX,
		 "Unsupported storage pool driver \"%.64s\": this server supports %s", driver,
		 list);
	return -EINVAL;
}

/* A value a client may store: printable UTF-8 or ASCII text, no control bytes. */
static bool text_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return false;
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			return false;
	return true;
}

int fe_check_pool_config(const char *name, const char *driver, json_object *config, bool create,
			 char err[static FE_ERR_MAX])
{
	bool btrfs = strcmp(driver, "btrfs") == 0;
	char own[4096];
	uint64_t size;

	pool_source(name, driver, own);
	json_object_object_foreach(config, key, val)
	{
		const char *v = json_object_get_string(val);

		if (!text_ok(key, 255) || !text_ok(v, 4096)) {
			snprintf(err, FE_ERR_MAX,
				 "Invalid value for option \"%.64s\": too long or "
				 "holds control characters",
				 key);
			return -EINVAL;
		}
		if (strcmp(key, "source") == 0) {
			if (!create && strcmp(v, own) != 0) {
				snprintf(err, FE_ERR_MAX,
					 "Pool source cannot be changed when not in pending state");
				return -EINVAL;
			}
			if (*v && strcmp(v, own) != 0) {
				snprintf(err, FE_ERR_MAX,
					 "Invalid value for option \"source\": only moatd's own "
					 "directory of the pool (\"%.200s\") is supported yet, not "
					 "\"%.200s\"",
					 own, v);
				return -EINVAL;
			}
			continue;
		}
		if (strcmp(key, "volatile.initial_source") == 0 || strncmp(key, "user.", 5) == 0)
			continue;
		if (btrfs && strcmp(key, "size") == 0) {
			if (!create) {
				snprintf(err, FE_ERR_MAX,
					 "Invalid option \"size\": a btrfs pool's size is set when "
					 "it is created");
				return -EINVAL;
			}
			if (pool_size(v, &size) < 0) {
				snprintf(
					err, FE_ERR_MAX,
					"Invalid value for option \"size\": \"%.64s\" (a size from "
					"256MiB to 1PiB, such as 5GiB)",
					v);
				return -EINVAL;
			}
			continue;
		}
		if (strncmp(key, "rsync.", 6) == 0) {
			snprintf(err, FE_ERR_MAX,
				 "Invalid option \"%.64s\": this server copies without rsync", key);
			return -EINVAL;
		}
		if (strncmp(key, "volume.", 7) == 0) {
			snprintf(
				err, FE_ERR_MAX,
				"Invalid option \"%.64s\": custom volumes are not supported by this "
				"server yet",
				key);
			return -EINVAL;
		}
		snprintf(err, FE_ERR_MAX, "Invalid option \"%.64s\"", key);
		return -EINVAL;
	}
	return 0;
}

static int run(const char *sql, const char *const *texts);

/* ---- what uses a pool ------------------------------------------------------------------------ */

static void add_url(json_object *list, const char *prefix, const char *name)
{
	__do_free char *url = fe_path_join_escaped(prefix, name);

	if (url)
		json_object_array_add(list, json_object_new_string(url));
}

static int by_text(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(json_object *const *)a),
		      json_object_get_string(*(json_object *const *)b));
}

/* Does a device map hold a disk on the pool (LXD: any disk device whose pool= names it)? */
static bool devices_use(json_object *devices, const char *name)
{
	json_object_object_foreach(devices, dev, d)
	{
		json_object *type = NULL, *pool = NULL;

		(void)dev;
		if (json_object_object_get_ex(d, "type", &type) &&
		    strcmp(json_object_get_string(type), "disk") == 0 &&
		    json_object_object_get_ex(d, "pool", &pool) &&
		    strcmp(json_object_get_string(pool), name) == 0)
			return true;
	}
	return false;
}

/* The URLs of sql's rows (?1 the pool), the lock held. */
static void add_rows(sqlite3 *db, const char *sql, const char *name, const char *prefix,
		     json_object *list)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW)
		add_url(list, prefix, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* What uses the pool; images (LXD's image volumes) only when asked: they do not keep it. */
static json_object *users(const char *name, bool images)
{
	json_object *list = json_object_new_array(), *profiles;
	sqlite3 *db = fe_db_lock();

	add_rows(db, "SELECT name FROM instances WHERE pool = ?1;", name, "/1.0/instances/", list);
	if (images)
		add_rows(db, "SELECT fingerprint FROM storage_pool_images WHERE pool = ?1;", name,
			 "/1.0/images/", list);
	fe_db_unlock();
	profiles = fe_profiles_load(NULL);
	json_object_object_foreach(profiles, pname, p)
	{
		json_object *devices;

		if (json_object_object_get_ex(p, "devices", &devices) && devices_use(devices, name))
			add_url(list, "/1.0/profiles/", pname);
	}
	json_object_put(profiles);
	json_object_array_sort(list, by_text); /* LXD sorts the URLs */
	return list;
}

json_object *fe_pool_used_by(const char *name)
{
	return users(name, true);
}

void fe_pool_image_add(const char *pool, const char *fingerprint)
{
	(void)run("INSERT OR IGNORE INTO storage_pool_images (pool, fingerprint) VALUES (?, ?);",
		  (const char *const[]){ pool, fingerprint, NULL });
}

/* ---- rows -------------------------------------------------------------------------------------- */

#define POOL_COLUMNS "SELECT name, description, driver, config FROM storage_pools"

static char *column(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return strdup(s ? s : "");
}

/* The row st is on, as the API shows it (full: with its used_by). */
static int read_row(sqlite3_stmt *st, struct lxd_storage_pool *ret)
{
	struct lxd_storage_pool p = { 0 };
	char path[4096];

	p.name = column(st, 0);
	p.description = column(st, 1);
	p.driver = column(st, 2);
	p.config = fe_db_json_column(st, 3, json_type_object);
	p.status = strdup("Created");
	p.locations = json_object_new_array();
	if (!p.name || !p.description || !p.driver || !p.status || !p.locations) {
		lxd_free(&lxd_storage_pool_type, &p);
		return -ENOMEM;
	}
	json_object_array_add(p.locations, json_object_new_string("none"));
	pool_source(p.name, p.driver, path);
	json_object_object_add(p.config, "source", json_object_new_string(path));
	*ret = p;
	return 0;
}

/* Every row, in name order, through fn (the lock held), until it fails. */
static int each_row(const char *where, const char *name,
		    int (*fn)(struct lxd_storage_pool *p, void *data), void *data)
{
	char sql[256];
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	snprintf(sql, sizeof(sql), POOL_COLUMNS "%s ORDER BY name;", where);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (name)
			sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		r = 0;
		while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
			struct lxd_storage_pool p;

			r = read_row(st, &p);
			if (r == 0)
				r = fn(&p, data);
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

static int take_one(struct lxd_storage_pool *p, void *data)
{
	struct lxd_storage_pool *ret = data;

	*ret = *p;
	return 1;
}

int fe_pool_load(const char *name, struct lxd_storage_pool *ret)
{
	struct lxd_storage_pool p = { 0 };
	int r = each_row(" WHERE name = ?", name, take_one, &p);

	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	p.used_by = fe_pool_used_by(p.name); /* after the row's lock: it takes it again */
	*ret = p;
	return 0;
}

int fe_pool_exists(const char *name)
{
	struct lxd_storage_pool p = { 0 };
	int r = each_row(" WHERE name = ?", name, take_one, &p);

	if (r > 0)
		lxd_free(&lxd_storage_pool_type, &p);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* What a list gathers: the rows (full) or their URLs, used_by filled once the lock is gone. */
static int gather(struct lxd_storage_pool *p, void *data)
{
	json_object *names = data;

	json_object_array_add(names, json_object_new_string(p->name));
	lxd_free(&lxd_storage_pool_type, p);
	return 0;
}

int fe_pool_list(bool full, json_object **ret)
{
	json_object *names = json_object_new_array(), *list = json_object_new_array();
	int r = each_row("", NULL, gather, names);

	for (size_t k = 0; r == 0 && k < json_object_array_length(names); k++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, k));
		struct lxd_storage_pool p;

		if (!full) {
			add_url(list, "/1.0/storage-pools/", name);
			continue;
		}
		if (fe_pool_load(name, &p) < 0)
			continue; /* deleted meanwhile */
		json_object_array_add(list, lxd_render(&lxd_storage_pool_type, &p, NULL, 0));
		lxd_free(&lxd_storage_pool_type, &p);
	}
	json_object_put(names);
	if (r < 0) {
		json_object_put(list);
		return r;
	}
	*ret = list;
	return 0;
}

/* The config as stored: without source (always moatd's directory) and without empty values. */
static json_object *stored_config(json_object *config)
{
	json_object *c = json_object_new_object();

	json_object_object_foreach(config, k, v)
	{
		if (strcmp(k, "source") != 0 && *json_object_get_string(v))
			json_object_object_add(c, k, json_object_get(v));
	}
	return c;
}

static int run(const char *sql, const char *const *texts)
{
	sqlite3 *db = fe_db_lock();
	int r = fe_db_run_locked(db, sql, texts);

	fe_db_unlock();
	return r;
}

/* driver and size: a create's ("dir", 0 for a dir pool); NULL, 0 for a delete. */
static int pool_call(enum ph_storage_verb verb, const char *name, const char *driver, uint64_t size,
		     char err[static FE_ERR_MAX])
{
	struct ph_storage_args a = { .action = verb, .pool = name, .driver = driver, .size = size };
	struct ph_error e = { "" };
	int r;

	r = ph_call_storage(&a, &e);
	if (r < 0)
		snprintf(err, FE_ERR_MAX, "%s", e.msg[0] ? e.msg : strerror(-r));
	return r;
}

/*
 * A btrfs pool's size: its size= or, as LXD's default, a fifth of the free
 * space where moat keeps its state, at least 5 GiB and at most 30 GiB (the
 * loop file is sparse: it takes what is written); kept in the config.
 */
static uint64_t btrfs_size(json_object *config)
{
	json_object *v = NULL;
	struct statvfs vfs;
	uint64_t size = 5ULL << 30;
	char text[32];

	if (json_object_object_get_ex(config, "size", &v) &&
	    pool_size(json_object_get_string(v), &size) == 0)
		return size;
	if (statvfs(fe_srv.dir, &vfs) == 0)
		size = (uint64_t)vfs.f_bavail * vfs.f_frsize / 5;
	size = size < 5ULL << 30 ? 5ULL << 30 : size > 30ULL << 30 ? 30ULL << 30 : size;
	size &= ~((1ULL << 30) - 1);
	snprintf(text, sizeof(text), "%lluGiB", (unsigned long long)(size >> 30));
	json_object_object_add(config, "size", json_object_new_string(text));
	return size;
}

int fe_pool_create(const struct lxd_storage_pool *p, char err[static FE_ERR_MAX])
{
	__do_json json_object *config = stored_config(p->config);
	bool btrfs = strcmp(p->driver, "btrfs") == 0;
	uint64_t size = btrfs ? btrfs_size(config) : 0;
	const char *texts[] = { p->name, p->description ? p->description : "", p->driver,
				js(config), NULL };
	int r;

	pthread_mutex_lock(&pools_lock);
	r = run("INSERT INTO storage_pools (name, description, driver, config)"
		" VALUES (?, ?, ?, ?);",
		texts);
	if (r == -EEXIST)
		snprintf(err, FE_ERR_MAX, "The storage pool already exists");
	if (r >= 0) {
		r = pool_call(PH_STORAGE_POOL_CREATE, p->name, p->driver, size, err);
		if (r < 0)
			(void)run("DELETE FROM storage_pools WHERE name = ?;",
				  (const char *const[]){ p->name, NULL });
	}
	pthread_mutex_unlock(&pools_lock);
	return r < 0 ? r : 0;
}

int fe_pool_update(const struct lxd_storage_pool *p, char err[static FE_ERR_MAX])
{
	__do_json json_object *config = stored_config(p->config);
	const char *texts[] = { p->description ? p->description : "", js(config), p->name, NULL };
	int r;

	(void)err;
	r = run("UPDATE storage_pools SET description = ?1, config = ?2 WHERE name = ?3;", texts);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

static bool in_use(const char *name)
{
	json_object *u = users(name, false); /* as LXD's IsUsed: not its image volumes */
	bool used = json_object_array_length(u) > 0;

	json_object_put(u);
	return used;
}

int fe_pool_delete(const char *name, char err[static FE_ERR_MAX])
{
	const char *texts[] = { name, NULL };
	int r = fe_pool_exists(name);

	if (r < 0)
		return r;
	pthread_mutex_lock(&pools_lock);
	if (in_use(name)) {
		r = -EBUSY;
	} else {
		r = pool_call(PH_STORAGE_POOL_DELETE, name, NULL, 0, err);
		if (r == 0)
			r = run("DELETE FROM storage_pools WHERE name = ?;", texts) < 0 ? -EIO : 0;
	}
	pthread_mutex_unlock(&pools_lock);
	if (r == -EBUSY || r == -ENOTEMPTY) {
		snprintf(err, FE_ERR_MAX, "The storage pool is currently in use");
		r = -EBUSY;
	}
	return r;
}

/* ---- resources ------------------------------------------------------------------------------ */

static json_object *used_total(uint64_t used, uint64_t total)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "used", json_object_new_uint64(used));
	json_object_object_add(o, "total", json_object_new_uint64(total));
	return o;
}

int fe_pool_resources(const char *name, json_object **ret)
{
	char path[4096];
	struct statvfs v;
	json_object *o;
	int r = fe_pool_exists(name);

	if (r < 0)
		return r;
	pool_path(name, path);
	if (statvfs(path, &v) < 0)
		return -errno;
	/* as LXD's genericVFSGetResources: blocks in f_frsize units; no inodes when none shown */
	o = json_object_new_object();
	json_object_object_add(o, "space",
			       used_total((uint64_t)(v.f_blocks - v.f_bfree) * v.f_frsize,
					  (uint64_t)v.f_blocks * v.f_frsize));
	json_object_object_add(o, "inodes",
			       v.f_files ? used_total((uint64_t)(v.f_files - v.f_ffree), v.f_files)
					 : used_total(0, 0));
	*ret = o;
	return 0;
}

/* ---- start ---------------------------------------------------------------------------------- */

static int make_dir(struct lxd_storage_pool *p, void *data)
{
	json_object *missing = data;
	char path[4096];
	struct stat sb;

	pool_path(p->name, path);
	/* a btrfs pool is moatd's to mount again at its start: made anew, it would be empty */
	if (strcmp(p->driver, "dir") == 0 && stat(path, &sb) < 0 && errno == ENOENT)
		json_object_array_add(missing, json_object_new_string(p->name));
	lxd_free(&lxd_storage_pool_type, p);
	return 0;
}

void fe_pools_setup(void)
{
	__do_json json_object *missing = json_object_new_array();

	(void)each_row("", NULL, make_dir, missing);
	for (size_t k = 0; k < json_object_array_length(missing); k++) {
		const char *name = json_object_get_string(json_object_array_get_idx(missing, k));
		char err[FE_ERR_MAX];

		if (pool_call(PH_STORAGE_POOL_CREATE, name, "dir", 0, err) < 0)
			log_error("storage pool \"%s\": its directory: %s", name, err);
	}
}

/* ---- the pool of an instance ------------------------------------------------------------------ */

int fe_pool_hold(const char *name)
{
	pthread_mutex_lock(&pools_lock);
	if (fe_pool_exists(name) == 0)
		return 0;
	pthread_mutex_unlock(&pools_lock);
	return -ENOENT;
}

void fe_pool_release(void)
{
	pthread_mutex_unlock(&pools_lock);
}

int fe_devices_root_pool(json_object *expanded, char ret[static NAME_MAX_LEN + 1])
{
	json_object_object_foreach(expanded, name, dev)
	{
		json_object *pool;

		(void)name;
		if (fe_device_is_root(dev) && json_object_object_get_ex(dev, "pool", &pool)) {
			snprintf(ret, NAME_MAX_LEN + 1, "%s", json_object_get_string(pool));
			return 0;
		}
	}
	return -ENOENT;
}

int fe_instance_root_pool(const struct fe_instance *i, char ret[static NAME_MAX_LEN + 1])
{
	json_object *xc = NULL, *xd = NULL;
	int r = fe_instance_expand(i, &xc, &xd);

	if (r == 0)
		r = fe_devices_root_pool(xd, ret);
	json_object_put(xc);
	json_object_put(xd);
	return r;
}

int fe_pool_change_check(const struct fe_instance *i, json_object *expanded,
			 char err[static FE_ERR_MAX])
{
	char pool[NAME_MAX_LEN + 1];

	if (fe_devices_root_pool(expanded, pool) == 0 && i->pool[0] && strcmp(pool, i->pool) != 0) {
		snprintf(err, FE_ERR_MAX,
			 "The storage pool of the root disk can only be changed through move");
		return -EINVAL;
	}
	return 0;
}

int fe_instance_pool_get(const char *name, char ret[static NAME_MAX_LEN + 1])
{
	sqlite3 *db = fe_db_lock();
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_prepare_v2(db, "SELECT pool FROM instances WHERE name = ?;", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		r = -ENOENT;
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(ret, NAME_MAX_LEN + 1, "%s", sqlite3_column_text(st, 0));
			r = 0;
		}
		sqlite3_finalize(st);
	}
	fe_db_unlock();
	return r;
}

const char *fe_instance_pool(const char *name)
{
	static _Thread_local char ring[4][NAME_MAX_LEN + 1];
	static _Thread_local unsigned next;
	char *buf = ring[next++ % 4];

	if (fe_instance_pool_get(name, buf) < 0)
		snprintf(buf, NAME_MAX_LEN + 1, "%s", FE_POOL);
	return buf;
}
