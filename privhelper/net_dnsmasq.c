// SPDX-License-Identifier: Apache-2.0
/*
 * One dnsmasq per managed network (DHCP, RA, DNS for its instances): its
 * configuration and hosts file, rendered from the network's typed fields
 * into $MOAT_DIR/networks/<name>/ (root 0755; the leases 0644, read by
 * moatd-api), and its life: started as root with only `--conf-file=` on
 * its command line, it binds the bridge's addresses and drops to the user
 * moat-dns itself; it daemonizes and writes dnsmasq.pid, by which (and
 * /proc's exe and command line) moatd finds it again after a restart. A
 * change of the hosts alone is a SIGHUP, of the config a restart; the
 * main loop's tick starts it again if it died. Run by moatd (root), in a
 * worker; the raw.dnsmasq check runs in an op's check (pure).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup.h"
#include "log.h"
#include "net.h"
#include "ph.h"

#define DNSMASQ "/usr/sbin/dnsmasq"
#define DNS_USER "moat-dns"
#define FILE_MAX (512 * 1024)

static void path_of(const char *name, const char *file, char *buf, size_t size)
{
	ph_net_path(name, file, buf, size);
}

/* The pid in the pid file, if that process is this network's dnsmasq. */
static pid_t running_pid(const char *name)
{
	char pidf[4096], conf[4096], proc[64], exe[4096], cmd[8192], want[4200];
	__do_close int fd = -EBADF;
	ssize_t n;
	long pid;
	char *end;

	path_of(name, "dnsmasq.pid", pidf, sizeof(pidf));
	path_of(name, "dnsmasq.conf", conf, sizeof(conf));
	if (buf_read_file(pidf, cmd, 32) < 0)
		return 0;
	errno = 0;
	pid = strtol(cmd, &end, 10);
	if (errno || pid <= 1 || pid > 1 << 22 || (*end != '\n' && *end != '\0'))
		return 0;
	snprintf(proc, sizeof(proc), "/proc/%ld/exe", pid);
	n = readlink(proc, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if (strcmp(exe, DNSMASQ) != 0)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/%ld/cmdline", pid);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, cmd, sizeof(cmd) - 1)) <= 0)
		return 0;
	cmd[n] = '\0';
	snprintf(want, sizeof(want), "--conf-file=%s", conf);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(cmd + i) + 1)
		if (strcmp(cmd + i, want) == 0)
			return (pid_t)pid;
	return 0;
}

static bool exists_file(const char *name, const char *file)
{
	char p[4096];

	path_of(name, file, p, sizeof(p));
	return access(p, F_OK) == 0;
}

/* A start that failed in the last REVIVE_BACKOFF seconds: not tried again yet. */
#define REVIVE_BACKOFF 30

static bool backing_off(const char *name)
{
	char p[4096];
	struct stat st;

	path_of(name, "dnsmasq.failed", p, sizeof(p));
	return stat(p, &st) == 0 && time(NULL) - st.st_mtime < REVIVE_BACKOFF;
}

/* (Not while its bridge is gone, after a host reboot: the next network_apply makes both.) */
bool ph_dnsmasq_dead(const char *name)
{
	return exists_file(name, "dnsmasq.conf") && running_pid(name) == 0 && !backing_off(name) &&
	       ph_link_state(name) == 1;
}

/* networks/<name>/ (root 0755) and its lock, held until the descriptor closes. */
static int lock_net(const char *name, bool create, bool wait)
{
	char p[4096];
	int fd;

	path_of(name, "", p, sizeof(p));
	if (create && mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	path_of(name, ".lock", p, sizeof(p));
	fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static void kill_wait(pid_t pid)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	kill(pid, SIGTERM);
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
		char p[64], st[256] = "";
		__do_close int fd = -EBADF;

		snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, st, sizeof(st) - 1) > 0 && strstr(st, ") Z "))
			return; /* dead, not reaped yet by whoever inherited it */
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
}

/*
 * Run dnsmasq on the config at conf (--test: only parse it): 0 once it
 * runs (daemonized: its first process exits 0 when the daemon is up), else
 * its message in why.
 */
static int run(const char *name, const char *conf, bool test, char *why, size_t why_size)
{
	char arg[4200], err[512] = "";
	const char *msg = err;
	int pipefd[2], r;
	ssize_t n, got = 0;
	pid_t pid;

	snprintf(arg, sizeof(arg), "--conf-file=%s", conf);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t none;
		int null = open("/dev/null", O_RDWR);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		umask(022);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(pipefd[1], 2) < 0)
			_exit(127);
		if (test)
			execl(DNSMASQ, "dnsmasq", "--test", arg, (char *)NULL);
		else
			execl(DNSMASQ, "dnsmasq", arg, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (got < (ssize_t)sizeof(err) - 1 &&
	       (n = read(pipefd[0], err + got, sizeof(err) - 1 - (size_t)got)) > 0)
		got += n;
	close(pipefd[0]);
	r = ph_wait(pid);
	if (r == 0 || r == -ECHILD) /* ECHILD: waitpid failed, no status to explain */
		return r;
	err[got] = '\0';
	msg += strspn(msg, "\n ");
	err[msg - err + (ssize_t)strcspn(msg, "\n")] = '\0';
	snprintf(why, why_size, "%s: %s",
		 test ? "dnsmasq refused the configuration" : "Cannot start dnsmasq",
		 msg[0] ? msg : "it exited");
	log_warn("network \"%s\": %s", name, why);
	return -EINVAL;
}

static int start(const char *name, char *why, size_t why_size)
{
	char conf[4096];

	path_of(name, "dnsmasq.conf", conf, sizeof(conf));
	return run(name, conf, false, why, why_size);
}

/* Replace networks/<name>/<file> with text if it differs: 1 changed, 0 same. */
static int put_file(const char *name, const char *file, const char *text)
{
	char p[4096], tmp[4200], old[FILE_MAX + 1];
	size_t n = strlen(text);
	__do_close int fd = -EBADF;
	ssize_t got = 0, k;

	path_of(name, file, p, sizeof(p));
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	while (fd >= 0 && got < (ssize_t)sizeof(old) &&
	       (k = read(fd, old + got, sizeof(old) - (size_t)got)) > 0)
		got += k;
	if (fd >= 0 && (size_t)got == n && memcmp(old, text, n) == 0)
		return 0;
	close(TAKE_FD(fd));
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || write(fd, text, n) != (ssize_t)n || rename(tmp, p) < 0) {
		unlink(tmp);
		return -errno ? -errno : -EIO;
	}
	return 1;
}

static void ntop(int family, const void *a, char *buf, size_t size)
{
	inet_ntop(family, a, buf, (socklen_t)size);
}

static void v4_range(FILE *f, uint32_t a, uint32_t b)
{
	struct in_addr x = { htonl(a) }, y = { htonl(b) };
	char s[INET_ADDRSTRLEN], e[INET_ADDRSTRLEN];

	if (a > b)
		return;
	ntop(AF_INET, &x, s, sizeof(s));
	ntop(AF_INET, &y, e, sizeof(e));
	fprintf(f, "dhcp-range=%s,%s,1h\n", s, e);
}

static void render_v4(FILE *f, const struct ph_network_apply *n)
{
	uint32_t a = ntohl(n->ipv4.s_addr), m = n->ipv4_prefix ? ~0U << (32 - n->ipv4_prefix) : 0;
	uint32_t lo = (a & m) + 1, hi = (a | ~m) - 1;
	char s[INET_ADDRSTRLEN];

	ntop(AF_INET, &n->ipv4, s, sizeof(s));
	fprintf(f, "listen-address=%s\n", s);
	if (!n->ipv4_dhcp)
		return;
	for (size_t i = 0; i < n->n_ipv4_ranges; i++)
		v4_range(f, ntohl(n->ipv4_ranges[i].start.s_addr),
			 ntohl(n->ipv4_ranges[i].end.s_addr));
	if (n->n_ipv4_ranges == 0) { /* the whole subnet but the bridge's own address */
		v4_range(f, lo, a - 1);
		v4_range(f, a + 1, hi);
	}
}

static void render_v6(FILE *f, const struct ph_network_apply *n)
{
	struct in6_addr net = n->ipv6, start, end;
	char s[INET6_ADDRSTRLEN], nets[INET6_ADDRSTRLEN], e[INET6_ADDRSTRLEN];

	for (unsigned i = n->ipv6_prefix; i < 128; i++)
		net.s6_addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	ntop(AF_INET6, &n->ipv6, s, sizeof(s));
	ntop(AF_INET6, &net, nets, sizeof(nets));
	fprintf(f, "listen-address=%s\nenable-ra\n", s);
	if (!n->ipv6_dhcp) {
		fprintf(f, "dhcp-range=%s,ra-only,%u\n", nets, n->ipv6_prefix);
	} else if (!n->ipv6_dhcp_stateful) {
		fprintf(f, "dhcp-range=%s,ra-stateless,ra-names,%u\n", nets, n->ipv6_prefix);
	} else {
		start = end = net;
		start.s6_addr[15] |= 2;
		for (unsigned i = n->ipv6_prefix > 96 ? n->ipv6_prefix : 96; i < 128; i++)
			end.s6_addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		end.s6_addr[15] &= 0xfe;
		ntop(AF_INET6, &start, s, sizeof(s));
		ntop(AF_INET6, &end, e, sizeof(e));
		fprintf(f, "dhcp-range=%s,%s,%u,1h\n", s, e, n->ipv6_prefix);
	}
}

/* dnsmasq.conf, from the typed fields: names checked, addresses formatted here. */
static int render_conf(const struct ph_network_apply *n, char **ret)
{
	__do_free char *text = NULL;
	__do_fclose FILE *f = NULL;
	char dir[4096];
	size_t len = 0;

	path_of(n->name, "", dir, sizeof(dir));
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f,
		"# written by moatd from network %s's fields; rewritten at each change\n"
		"interface=%s\nbind-interfaces\nexcept-interface=lo\nno-ping\nstrict-order\n"
		"user=" DNS_USER "\ngroup=" DNS_USER "\npid-file=%sdnsmasq.pid\n"
		"dhcp-leasefile=%sdnsmasq.leases\ndhcp-hostsfile=%sdnsmasq.hosts\n"
		"dhcp-no-override\ndhcp-authoritative\ndhcp-rapid-commit\n",
		n->name, n->name, dir, dir, dir);
	if (n->dns_mode != PH_NET_DNS_NONE) /* none: no records, still a resolver (LXD's) */
		fprintf(f, "domain=%s\nlocal=/%s/\n", n->dns_domain, n->dns_domain);
	if (n->dns_mode == PH_NET_DNS_MANAGED)
		fprintf(f, "dhcp-ignore-names\n");
	if (n->ipv4_mode)
		render_v4(f, n);
	if (n->ipv6_mode)
		render_v6(f, n);
	if (n->raw_dnsmasq[0]) /* checked: rawconf_dnsmasq_check's lines */
		fprintf(f, "# raw.dnsmasq\n%s\n", n->raw_dnsmasq);
	if (fflush(f) != 0)
		return -ENOMEM;
	fclose(TAKE_PTR(f));
	*ret = TAKE_PTR(text);
	return 0;
}

/* dnsmasq.hosts: hwaddr,[ipv4,][[ipv6],]name per instance. */
static int render_hosts(const struct ph_network_apply *n, char **ret)
{
	__do_free char *text = NULL;
	__do_fclose FILE *f = NULL;
	size_t len = 0;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n->n_hosts; i++) {
		const struct ph_net_apply_host *h = &n->hosts[i];
		char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

		fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x,", h->hwaddr[0], h->hwaddr[1],
			h->hwaddr[2], h->hwaddr[3], h->hwaddr[4], h->hwaddr[5]);
		if (h->has_ipv4) {
			ntop(AF_INET, &h->ipv4, a4, sizeof(a4));
			fprintf(f, "%s,", a4);
		}
		if (h->has_ipv6) {
			ntop(AF_INET6, &h->ipv6, a6, sizeof(a6));
			fprintf(f, "[%s],", a6);
		}
		fprintf(f, "%s\n", h->name);
	}
	if (fflush(f) != 0)
		return -ENOMEM;
	fclose(TAKE_PTR(f));
	*ret = TAKE_PTR(text);
	return 0;
}

static int stop_locked(const char *name)
{
	char p[4096];
	pid_t pid = running_pid(name);

	path_of(name, "dnsmasq.conf", p, sizeof(p));
	if (unlink(p) < 0 && errno != ENOENT) /* first: the tick must not start it again */
		return -errno;
	if (pid > 0)
		kill_wait(pid);
	return 0;
}

int ph_dnsmasq_check(const struct ph_network_apply *n, char *why, size_t why_size)
{
	__do_free char *conf = NULL;
	char p[4096];
	__do_close int fd = -EBADF;
	size_t len;
	int r = render_conf(n, &conf);

	if (r < 0 || (!n->ipv4_mode && !n->ipv6_mode))
		return r;
	len = strlen(conf);
	ph_net_path(".test", n->name, p, sizeof(p)); /* networks/.test/<name>: never a network */
	*strrchr(p, '/') = '\0';
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	ph_net_path(".test", n->name, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, conf, len) != (ssize_t)len)
		r = -EIO;
	if (r == 0)
		r = run(n->name, p, true, why, why_size);
	unlink(p);
	return r;
}

int ph_dnsmasq_apply(const struct ph_network_apply *n, char *why, size_t why_size)
{
	__do_free char *conf = NULL, *hosts = NULL;
	__do_close int lock = -EBADF;
	char leases[4096];
	int r, conf_changed, hosts_changed, fd;
	pid_t pid;

	lock = lock_net(n->name, true, true);
	if (lock < 0)
		return lock;
	if (!n->ipv4_mode && !n->ipv6_mode) /* nothing to serve */
		return stop_locked(n->name);
	r = render_conf(n, &conf);
	if (r == 0)
		r = render_hosts(n, &hosts);
	if (r < 0)
		return r;
	pid = running_pid(n->name);
	hosts_changed = put_file(n->name, "dnsmasq.hosts", hosts);
	conf_changed = put_file(n->name, "dnsmasq.conf", conf);
	if (hosts_changed < 0 || conf_changed < 0)
		return hosts_changed < 0 ? hosts_changed : conf_changed;
	path_of(n->name, "dnsmasq.failed", leases, sizeof(leases));
	(void)unlink(leases); /* a new config: the tick may try again at once */
	path_of(n->name, "dnsmasq.leases", leases, sizeof(leases));
	fd = open(leases, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	if (pid > 0 && !conf_changed) {
		if (hosts_changed)
			kill(pid, SIGHUP); /* dnsmasq reads its hosts file again */
		return 0;
	}
	if (pid > 0)
		kill_wait(pid);
	r = start(n->name, why, why_size);
	if (r < 0) /* the tick must not start it again and again */
		(void)stop_locked(n->name);
	return r;
}

int ph_dnsmasq_stop(const char *name)
{
	__do_close int lock = lock_net(name, false, true);

	if (lock < 0)
		return lock == -ENOENT ? 0 : lock;
	return stop_locked(name);
}

int ph_dnsmasq_revive(const char *name)
{
	__do_close int lock = lock_net(name, false, false);
	char why[256];

	if (lock < 0 || !ph_dnsmasq_dead(name))
		return 0; /* busy (an op is at it) or fine */
	log_warn("network \"%s\": dnsmasq is not running; starting it again", name);
	if (start(name, why, sizeof(why)) < 0) {
		char p[4096];
		int fd;

		path_of(name, "dnsmasq.failed", p, sizeof(p));
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	return 0;
}
