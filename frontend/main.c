// SPDX-License-Identifier: Apache-2.0
/*
 * moatd-api: the network-facing half of moat. Started only by moatd,
 * already demoted (uid moat, no capabilities, no_new_privs, seccomp), with
 * fd 3 = its end of the channel to moatd (SOCK_SEQPACKET) and fd 4 = the
 * listening API socket. It tightens its seccomp filter (no execve) before
 * anything else, then serves the REST API.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/http.h"
#include "db/db.h"
#include "log.h"
#include "model/instances.h"
#include "model/pools.h"
#include "model/snapshots.h"
#include "model/usage.h"
#include "ops/events.h"
#include "ph/ph.h"
#include "sandbox.h"

static bool sock_is(int fd, int type, bool listening)
{
	int t = 0, acc = 0;
	socklen_t l = sizeof(t);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &l) < 0 || t != type)
		return false;
	l = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0)
		return false;
	return (acc != 0) == listening;
}

/* What moatd said at hello, kept for GET /1.0 and for PUT-time refusals. */
static void server_from_hello(const struct ph_hello_info *h)
{
	snprintf(fe_srv.lxc_version, sizeof(fe_srv.lxc_version), "%s", h->lxc_version);
	snprintf(fe_srv.policy_name, sizeof(fe_srv.policy_name), "%s", h->policy_name);
	fe_srv.kernel_features = h->kernel_features;
	fe_srv.lxc_features = h->lxc_features;
	fe_srv.idmap_base = h->idmap_base;
	fe_srv.idmap_size = h->idmap_size;
	fe_srv.policy = h->policy;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "socket-gid", required_argument, NULL, 'g' },
		{ "debug", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const int chan = 3, listen_fd = 4;
	struct ph_hello_info hello;
	struct ph_error err = { "" };
	struct fe_boot_plan *boot = NULL;
	int c, r;

	log_init("moatd-api");
	/*
	 * One arena for every thread. glibc would give threads arenas of
	 * their own (up to eight per core), and a thread arena keeps the top
	 * of its heap at its high-water mark: 8 MB after one list of 500
	 * instances, which malloc_trim() cannot release (it trims only the
	 * main arena's top). In the main arena it can: http.c trims after a
	 * large answer. The daemon mostly waits; one arena's lock costs it
	 * nothing measurable (bench: requests per second).
	 */
	mallopt(M_ARENA_MAX, 1);
	/*
	 * A large buffer (the answer to a list of 500 instances is about a
	 * megabyte) would otherwise raise glibc's mmap threshold to its size
	 * for good, and with it the free memory kept at the top of the heap.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	r = sandbox_install(false);
	if (r < 0) {
		log_error("cannot install the seccomp filter: %s", strerror(-r));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			fe_srv.dir = optarg;
			break;
		case 'g': {
			char *end;
			unsigned long g;

			errno = 0;
			g = strtoul(optarg, &end, 10);
			if (errno || *end || g > 0xfffffffeUL)
				return 1;
			fe_srv.socket_gid = (gid_t)g;
			break;
		}
		case 'D':
			log_set_level(LOG_LVL_DEBUG);
			break;
		default:
			return 1;
		}
	}
	if (!fe_srv.dir || getuid() == 0 || geteuid() == 0) {
		log_error("moatd-api is started by moatd, never by hand or as root");
		return 1;
	}
	if (!sock_is(chan, SOCK_SEQPACKET, false) || !sock_is(listen_fd, SOCK_STREAM, true)) {
		log_error("moatd-api needs fd 3 (channel) and fd 4 (API socket) from moatd");
		return 1;
	}

	r = fe_ph_init(chan);
	if (r == 0)
		r = ph_call_hello(&hello, &err);
	if (r < 0) {
		log_error("moatd did not answer hello: %s%s%s", strerror(-r),
			  err.msg[0] ? ": " : "", err.msg);
		return 1;
	}
	server_from_hello(&hello);
	fe_usage_init(hello.cgroup); /* where moatd's containers' counters are */
	r = fe_db_open(fe_srv.dir);
	if (r < 0)
		return 1;
	fe_pools_setup(); /* each stored pool's directory, made by moatd if it is not there */
	fe_events_init();
	/* what a killed daemon left half created or copied */
	fe_instances_sweep_unfinished();
	/* moatd has just started (a host boot): what to start, read before the
	 * watcher records the instances that stopped meanwhile */
	if (hello.first_frontend)
		boot = fe_boot_autostart_plan(hello.default_network);
	log_info(hello.first_frontend ? "moatd has just started: autostart runs"
				      : "moatd started an earlier frontend: no autostart");
	r = fe_instances_watch();
	if (r < 0) {
		log_error("cannot watch the instances: %s", strerror(-r));
		return 1;
	}
	r = fe_snapshot_schedule_start();
	if (r < 0) {
		log_error("cannot start the snapshot schedule: %s", strerror(-r));
		return 1;
	}
	r = fe_http_start(listen_fd);
	if (r < 0) {
		log_error("cannot serve the API socket");
		return 1;
	}
	log_info("serving the API (uid %d, lxc %s, policy %s)", (int)getuid(), fe_srv.lxc_version,
		 fe_srv.policy_name);
	fe_boot_autostart(boot);
	for (;;)
		sleep(3600);
}
