// SPDX-License-Identifier: Apache-2.0
/*
 * The limits.* keys of a container as cgroup files: the check of the typed
 * Limits message (shared by instance_start and instance_limits), and the
 * one table of what each limit writes where, used both for the lines of a
 * start's configuration (ph_render_limits, "lxc.cgroup[2].FILE = VALUE")
 * and for a live change (ph_limits_apply, the same files of the running
 * container's own payload cgroup). Run by moatd (root); the message comes
 * from moatd-api (hostile); the host's files read here (online CPUs, huge
 * page sizes, controllers) are the kernel's.
 *
 * Each controller goes to its v1 hierarchy when the host mounts one (a
 * hybrid host: memory, cpu, cpuset, pids), else to cgroup2 (where this
 * host has hugetlb), whose root must then enable it for its children
 * (ph_limits_prepare). The mapping is LXD 5.0's (driver_lxc.go,
 * lxd/cgroup): limits.memory to memory.limit_in_bytes / memory.max with a
 * soft limit of 90 % on v1; enforce=soft to memory.soft_limit_in_bytes /
 * memory.high alone; swap=false to no swap (memsw = the limit on v1,
 * memory.swap.max = 0 on cgroup2) and swappiness 0; swap.priority to
 * swappiness 70 - priority (v1 only, as LXD); limits.cpu to cpuset.cpus
 * (a count: the first N online CPUs; a set: those of it online);
 * allowance and priority to cpu.shares (1024 at 100 %) / cpu.weight (100)
 * minus (10 - priority), and Qms/Pms to the CFS quota; limits.processes to
 * pids.max; limits.hugepages.SIZE to hugetlb.SIZE.limit_in_bytes / .max.
 * Every value is a number moatd formats, or a CPU list it prints from a
 * bitmap: nothing of the request is copied as text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "ph.h"

#define CPU_BITS (PH_CPUSET_BYTES * 8)
#define MAX_BYTES (INT64_MAX / 2) /* memsw is twice the limit */

static const struct {
	uint32_t kb;
	const char *name; /* as LXD and the kernel's hugetlb files name it */
} huge[PH_HUGE_N] = {
	[PH_HUGE_64KB] = { 64, "64KB" },
	[PH_HUGE_1MB] = { 1024, "1MB" },
	[PH_HUGE_2MB] = { 2048, "2MB" },
	[PH_HUGE_1GB] = { 1048576, "1GB" },
};

/* ---- the check ------------------------------------------------------------ */

static bool bits_empty(const uint8_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (b[k])
			return false;
	return true;
}

int ph_check_limits(const Ph__Limits *m, struct ph_limits *ret)
{
	struct ph_limits t = { 0 };

	if (!m) {
		*ret = t;
		return 0;
	}
	if ((m->memory && m->memory < 4096) || m->memory > MAX_BYTES || m->memory_percent > 100 ||
	    (m->memory && m->memory_percent))
		return -ERANGE;
	if (m->swap_priority_drop > 10 || m->cpu_priority_drop > 10 || m->cpu_count > 4096 ||
	    m->processes > 4194304 || m->cpu_percent > 100)
		return -ERANGE;
	if (m->n_cpu_set && m->cpu_count)
		return -EINVAL;
	for (size_t i = 0; i < m->n_cpu_set; i++) { /* ascending: each CPU once */
		if (m->cpu_set[i] >= CPU_BITS || (i && m->cpu_set[i] <= m->cpu_set[i - 1]))
			return -EINVAL;
		t.cpu_set[m->cpu_set[i] / 8] |= (uint8_t)(1u << (m->cpu_set[i] % 8));
	}
	if ((m->cpu_quota_us || m->cpu_period_us) &&
	    (m->cpu_percent || m->cpu_quota_us < 1000 || m->cpu_quota_us > 1000000000 ||
	     m->cpu_period_us < 1000 || m->cpu_period_us > 1000000))
		return -ERANGE;
	if (m->n_hugepages > PH_HUGE_N)
		return -E2BIG;
	for (size_t i = 0; i < m->n_hugepages; i++) {
		size_t k = 0;

		while (k < PH_HUGE_N && huge[k].kb != m->hugepages[i]->size_kb)
			k++;
		if (k == PH_HUGE_N || (t.hugepages_set & (1u << k)) ||
		    m->hugepages[i]->bytes > INT64_MAX)
			return -EINVAL;
		t.hugepages_set |= 1u << k;
		t.hugepages[k] = m->hugepages[i]->bytes;
	}
	t.memory = m->memory;
	t.memory_percent = m->memory_percent;
	t.memory_soft = m->memory_soft != 0;
	t.swap_off = m->swap_off != 0;
	t.swap_priority_drop = m->swap_priority_drop;
	t.cpu_priority_drop = m->cpu_priority_drop;
	t.cpu_count = m->cpu_count;
	t.has_cpu_set = m->n_cpu_set > 0;
	t.cpu_percent = m->cpu_percent;
	t.cpu_quota_us = m->cpu_quota_us;
	t.cpu_period_us = m->cpu_period_us;
	t.processes = m->processes;
	*ret = t;
	return 0;
}

/* ---- the host ------------------------------------------------------------- */

/* The kernel's CPU list ("0-3,6") into bits; -EIO if it is not one. */
static int cpulist_parse(const char *s, uint8_t bits[static PH_CPUSET_BYTES])
{
	memset(bits, 0, PH_CPUSET_BYTES);
	while (*s && *s != '\n') {
		unsigned long lo, hi;
		char *end;

		if (*s < '0' || *s > '9')
			return -EIO;
		lo = hi = strtoul(s, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EIO;
			hi = strtoul(end + 1, &end, 10);
		}
		if (lo > hi || hi >= CPU_BITS)
			return -EIO;
		for (unsigned long c = lo; c <= hi; c++)
			bits[c / 8] |= (uint8_t)(1u << (c % 8));
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* bits as a CPU list ("0-1,3"), into out. */
static void cpulist_format(const uint8_t bits[static PH_CPUSET_BYTES], char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned c = 0; c < CPU_BITS; c++) {
		unsigned e = c;

		if (!(bits[c / 8] & (1u << (c % 8))))
			continue;
		while (e + 1 < CPU_BITS && (bits[(e + 1) / 8] & (1u << ((e + 1) % 8))))
			e++;
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, e > c ? "%s%u-%u" : "%s%u",
				      n ? "," : "", c, e);
		c = e;
	}
}

static bool word_in(const char *list, const char *word)
{
	size_t k = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += k)
		if ((p == list || p[-1] == ' ') && (p[k] == ' ' || p[k] == '\n' || !p[k]))
			return true;
	return false;
}

/* Is ctrl usable: a v1 hierarchy, or listed by the cgroup2 root? */
static bool have_controller(const char *ctrl)
{
	char path[128], list[512];

	if (ph_cgroup_v1(ctrl))
		return true;
	if (!ph_cgroup2_root())
		return false;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", ph_cgroup2_root());
	return buf_read_file(path, list, sizeof(list)) == 0 && word_in(list, ctrl);
}

static bool have_hugepages(size_t k)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%ukB", huge[k].kb);
	return access(path, F_OK) == 0;
}

/* ---- what goes where ------------------------------------------------------ */

struct item {
	const char *ctrl, *file; /* moatd's constants */
	const char *value;       /* num, or the plan's CPU list */
	char num[48];
	bool optional; /* a live change skips a file the kernel does not have */
};

struct plan {
	struct item it[24];
	size_t n;
	char cpus[4096];
	const char *why;
};

static struct item *add(struct plan *p, const char *ctrl, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct item *add(struct plan *p, const char *ctrl, const char *file, const char *fmt, ...)
{
	struct item *it = &p->it[p->n++]; /* at most 16 items: see plan() */
	va_list ap;

	*it = (struct item){ .ctrl = ctrl, .file = file };
	va_start(ap, fmt);
	vsnprintf(it->num, sizeof(it->num), fmt, ap);
	va_end(ap);
	it->value = it->num;
	return it;
}

static void plan_memory(const struct ph_limits *l, bool live, struct plan *p)
{
	bool v1 = ph_cgroup_v1("memory");
	uint64_t bytes = l->memory;

	if (l->memory_percent)
		bytes = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE) / 100 *
			l->memory_percent;
	if (v1) {
		bool memsw = access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;

		if (live) { /* as LXD: reset all three, then set (memsw >= limit always) */
			if (memsw)
				add(p, "memory", "memory.memsw.limit_in_bytes", "-1");
			add(p, "memory", "memory.limit_in_bytes", "-1");
			add(p, "memory", "memory.soft_limit_in_bytes", "-1");
		}
		if (bytes && l->memory_soft) {
			add(p, "memory", "memory.soft_limit_in_bytes", "%llu",
			    (unsigned long long)bytes);
		} else if (bytes) {
			add(p, "memory", "memory.limit_in_bytes", "%llu",
			    (unsigned long long)bytes);
			if (memsw)
				add(p, "memory", "memory.memsw.limit_in_bytes", "%llu",
				    (unsigned long long)(l->swap_off ? bytes : 2 * bytes));
			add(p, "memory", "memory.soft_limit_in_bytes", "%llu",
			    (unsigned long long)(bytes / 10 * 9));
		}
		if (l->swap_off)
			add(p, "memory", "memory.swappiness", "0");
		else if (live || l->swap_priority_drop)
			add(p, "memory", "memory.swappiness", "%u", 60 + l->swap_priority_drop);
		return;
	}
	if (bytes)
		add(p, "memory", l->memory_soft ? "memory.high" : "memory.max", "%llu",
		    (unsigned long long)bytes);
	else if (live)
		add(p, "memory", l->memory_soft ? "memory.high" : "memory.max", "max");
	if (live)
		add(p, "memory", l->memory_soft ? "memory.max" : "memory.high", "max");
	if (l->swap_off)
		add(p, "memory", "memory.swap.max", "0");
	else if (live)
		add(p, "memory", "memory.swap.max", "max")->optional = true;
}

static int plan_cpus(const struct ph_limits *l, bool live, struct plan *p)
{
	uint8_t online[PH_CPUSET_BYTES], want[PH_CPUSET_BYTES] = { 0 };
	char text[4096];
	uint32_t left = l->cpu_count;

	if (!l->has_cpu_set && !l->cpu_count && !live)
		return 0;
	if (buf_read_file("/sys/devices/system/cpu/online", text, sizeof(text)) < 0 ||
	    cpulist_parse(text, online) < 0) {
		p->why = "cannot read the host's online CPUs";
		return -EIO;
	}
	for (unsigned c = 0; c < CPU_BITS; c++) {
		uint8_t bit = (uint8_t)(1u << (c % 8));

		if (!(online[c / 8] & bit))
			continue;
		if (l->has_cpu_set ? (l->cpu_set[c / 8] & bit) : (!l->cpu_count || left-- > 0))
			want[c / 8] |= bit;
	}
	if (bits_empty(want, sizeof(want))) {
		p->why = "limits.cpu names no online CPU of the host";
		return -EINVAL;
	}
	cpulist_format(want, p->cpus, sizeof(p->cpus));
	add(p, "cpuset", "cpuset.cpus", "%s", "")->value = p->cpus;
	return 0;
}

static void plan_cpu(const struct ph_limits *l, bool live, struct plan *p)
{
	bool v1 = ph_cgroup_v1("cpu");
	int64_t max = v1 ? 1024 : 100, shares = max;

	if (l->cpu_percent)
		shares = max * l->cpu_percent / 100;
	shares -= l->cpu_priority_drop;
	if (shares < (v1 ? 2 : 1)) /* LXD's 0 is below what either file takes */
		shares = v1 ? 2 : 1;
	if (live || shares != max)
		add(p, "cpu", v1 ? "cpu.shares" : "cpu.weight", "%lld", (long long)shares);
	if (v1 && (l->cpu_quota_us || live)) {
		add(p, "cpu", "cpu.cfs_period_us", "%u",
		    l->cpu_quota_us ? l->cpu_period_us : 100000);
		add(p, "cpu", "cpu.cfs_quota_us", "%lld",
		    l->cpu_quota_us ? (long long)l->cpu_quota_us : -1LL);
	} else if (l->cpu_quota_us) {
		add(p, "cpu", "cpu.max", "%u %u", l->cpu_quota_us, l->cpu_period_us);
	} else if (live) {
		add(p, "cpu", "cpu.max", "max 100000");
	}
}

static int plan_hugepages(const struct ph_limits *l, bool live, struct plan *p)
{
	static const char *const v1_files[PH_HUGE_N] = { "hugetlb.64KB.limit_in_bytes",
							 "hugetlb.1MB.limit_in_bytes",
							 "hugetlb.2MB.limit_in_bytes",
							 "hugetlb.1GB.limit_in_bytes" };
	static const char *const v2_files[PH_HUGE_N] = { "hugetlb.64KB.max", "hugetlb.1MB.max",
							 "hugetlb.2MB.max", "hugetlb.1GB.max" };
	static char why[96];
	bool v1 = ph_cgroup_v1("hugetlb"), have = have_controller("hugetlb");

	for (size_t k = 0; k < PH_HUGE_N; k++) {
		bool set = l->hugepages_set & (1u << k);

		if (set && (!have || !have_hugepages(k))) {
			snprintf(why, sizeof(why), "limits.hugepages.%s: the host has no %s",
				 huge[k].name,
				 have ? "huge pages of that size" : "hugetlb cgroup controller");
			p->why = why;
			return -EOPNOTSUPP;
		}
		if (!have || !have_hugepages(k) || (!set && !live))
			continue;
		if (set)
			add(p, "hugetlb", v1 ? v1_files[k] : v2_files[k], "%llu",
			    (unsigned long long)l->hugepages[k]);
		else /* cgroup2 has the files once a limit enabled the controller */
			add(p, "hugetlb", v1 ? v1_files[k] : v2_files[k], "%s", v1 ? "-1" : "max")
				->optional = !v1;
	}
	return 0;
}

/* Every file l writes, in order; live: the unset ones reset too. At most
 * 6 (memory) + 1 (cpuset) + 3 (cpu) + 1 (pids) + 4 (hugetlb) items. */
static int plan(const struct ph_limits *l, bool live, struct plan *p)
{
	int r;

	p->n = 0;
	p->why = NULL;
	plan_memory(l, live, p);
	r = plan_cpus(l, live, p);
	if (r < 0)
		return r;
	plan_cpu(l, live, p);
	if (l->processes)
		add(p, "pids", "pids.max", "%u", l->processes);
	else if (live)
		add(p, "pids", "pids.max", "max");
	return plan_hugepages(l, live, p);
}

/* ---- start and live change ------------------------------------------------ */

/* cgroup2's root lets its children have ctrl (moatd's containers sit there). */
static int enable_v2(const char *ctrl)
{
	char path[128], list[512], plus[32];
	__do_close int fd = -EBADF;
	const char *root = ph_cgroup2_root();

	if (!root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	if (buf_read_file(path, list, sizeof(list)) == 0 && word_in(list, ctrl))
		return 0;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	snprintf(plus, sizeof(plus), "+%s", ctrl);
	return write(fd, plus, strlen(plus)) < 0 ? -errno : 0;
}

int ph_limits_prepare(const struct ph_limits *l, const char **ret_why)
{
	struct plan p;
	int r = plan(l, false, &p); /* what is set: a reset never needs a controller */

	if (r < 0) {
		*ret_why = p.why;
		return r;
	}
	for (size_t k = 0; k < p.n; k++)
		if (!ph_cgroup_v1(p.it[k].ctrl) && have_controller(p.it[k].ctrl) &&
		    (r = enable_v2(p.it[k].ctrl)) < 0) {
			*ret_why = "cannot enable a cgroup2 controller for the containers";
			return r;
		}
	return 0;
}

/*
 * Does liblxc apply the item's line at start? Not a cgroup2 one on a
 * hybrid host ("Ignoring cgroup2 limits on legacy cgroup system"):
 * ph_limits_apply() writes those once the container runs.
 */
static bool liblxc_applies(const struct item *it)
{
	const char *root = ph_cgroup2_root();

	return ph_cgroup_v1(it->ctrl) || (root && strcmp(root, "/sys/fs/cgroup") == 0);
}

int ph_render_limits(FILE *f, const struct ph_limits *l)
{
	struct plan p;
	int r = plan(l, false, &p);

	if (r < 0)
		return r;
	for (size_t k = 0; k < p.n; k++)
		if (liblxc_applies(&p.it[k]))
			fprintf(f, "lxc.cgroup%s.%s = %s\n", ph_cgroup_v1(p.it[k].ctrl) ? "" : "2",
				p.it[k].file, p.it[k].value);
	return 0;
}

int ph_limits_apply(const char *name, pid_t pid, const struct ph_limits *l, bool live,
		    const char **ret_why)
{
	static char why[128];
	struct plan p;
	int r = plan(l, live, &p);

	if (r < 0) {
		*ret_why = p.why;
		return r;
	}
	for (size_t k = 0; k < p.n; k++) {
		const struct item *it = &p.it[k];
		__do_close int dir = -EBADF;
		__do_close int fd = -EBADF;

		if (!live && liblxc_applies(it))
			continue;
		dir = ph_cgroup_dir(name, pid, ph_cgroup_v1(it->ctrl) ? it->ctrl : "");
		if (dir < 0) {
			snprintf(why, sizeof(why), "cannot find the container's %s cgroup",
				 it->ctrl);
			*ret_why = why;
			return dir;
		}
		fd = openat(dir, it->file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT && it->optional)
			continue;
		if (fd < 0 || write(fd, it->value, strlen(it->value)) < 0) {
			r = -errno;
			snprintf(why, sizeof(why), "cannot write %s = %s: %s", it->file, it->value,
				 strerror(-r));
			*ret_why = why;
			return r;
		}
	}
	return 0;
}
