// SPDX-License-Identifier: Apache-2.0
/*
 * Notices instances that stop on their own: a poweroff or reboot from
 * inside, a crash of init, a kill from the host. Runs in moatd-api
 * (unprivileged) as one thread holding a pidfd for each running
 * container's liblxc monitor (the parent of its init, which lives exactly
 * as long as the container); pidfd_open needs no privilege and gives no
 * power over the process (the frontend cannot signal it). When a monitor
 * exits, the callback (api/instance_state.c) decides what that means: a
 * reboot, a shutdown, an ephemeral instance to delete. Inputs are pids
 * from moatd's state replies and /proc, not from clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "model/instances.h"
#include "model/watch.h"

struct watch {
	char name[NAME_MAX_LEN + 1];
	int pid;   /* the container's init */
	int pidfd; /* its monitor's */
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct watch *watches;
static size_t nwatches;
static int wake[2] = { -1, -1 };
static void (*on_exit_cb)(const char *name, int pid);

static void poke(void)
{
	char c = 1;

	if (wake[1] >= 0)
		(void)!write(wake[1], &c, 1);
}

static void drop_locked(size_t k)
{
	close(watches[k].pidfd);
	watches[k] = watches[--nwatches];
}

/* The parent of a container's init is liblxc's monitor for it. */
static int monitor_of(int pid)
{
	char path[64], line[256];
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	fclose(f);
	return ppid > 1 ? ppid : -ESRCH;
}

int fe_watch_instance(const char *name, int pid)
{
	int fd, mon, r = 0;
	struct watch *w;

	if (pid <= 0 || strlen(name) > NAME_MAX_LEN)
		return -EINVAL;
	mon = monitor_of(pid);
	if (mon <= 0)
		return mon < 0 ? mon : -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, mon, 0);
	if (fd < 0)
		return -errno; /* ESRCH: it is already gone; the caller looks again */
	pthread_mutex_lock(&watch_lock);
	for (size_t k = 0; k < nwatches; k++)
		if (strcmp(watches[k].name, name) == 0) {
			drop_locked(k);
			break;
		}
	w = realloc(watches, (nwatches + 1) * sizeof(*w));
	if (!w) {
		close(fd);
		r = -ENOMEM;
	} else {
		watches = w;
		w = &watches[nwatches++];
		snprintf(w->name, sizeof(w->name), "%s", name);
		w->pid = pid;
		w->pidfd = fd;
	}
	pthread_mutex_unlock(&watch_lock);
	poke();
	return r;
}

void fe_watch_forget(const char *name)
{
	pthread_mutex_lock(&watch_lock);
	for (size_t k = 0; k < nwatches; k++)
		if (strcmp(watches[k].name, name) == 0) {
			drop_locked(k);
			break;
		}
	pthread_mutex_unlock(&watch_lock);
	poke();
}

int fe_watch_pid(const char *name)
{
	int pid = 0;

	pthread_mutex_lock(&watch_lock);
	for (size_t k = 0; k < nwatches; k++)
		if (strcmp(watches[k].name, name) == 0)
			pid = watches[k].pid;
	pthread_mutex_unlock(&watch_lock);
	return pid;
}

static void *watch_thread(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd *p;
		size_t n;
		char name[NAME_MAX_LEN + 1];
		int pid = 0;

		pthread_mutex_lock(&watch_lock);
		n = nwatches;
		p = calloc(n + 1, sizeof(*p));
		for (size_t k = 0; p && k < n; k++)
			p[k] = (struct pollfd){ .fd = watches[k].pidfd, .events = POLLIN };
		pthread_mutex_unlock(&watch_lock);
		if (!p) {
			sleep(1);
			continue;
		}
		p[n] = (struct pollfd){ .fd = wake[0], .events = POLLIN };
		if (poll(p, n + 1, -1) < 0 && errno != EINTR) {
			free(p);
			sleep(1);
			continue;
		}
		if (p[n].revents) {
			char buf[64];

			while (read(wake[0], buf, sizeof(buf)) > 0)
				;
		}
		name[0] = 0;
		pthread_mutex_lock(&watch_lock);
		for (size_t i = 0; i < n && !name[0]; i++) {
			if (!p[i].revents)
				continue;
			/* the set may have changed meanwhile: find it by its descriptor */
			for (size_t k = 0; k < nwatches; k++)
				if (watches[k].pidfd == p[i].fd) {
					snprintf(name, sizeof(name), "%s", watches[k].name);
					pid = watches[k].pid;
					drop_locked(k);
					break;
				}
		}
		pthread_mutex_unlock(&watch_lock);
		free(p);
		if (name[0])
			on_exit_cb(name, pid);
	}
	return NULL;
}

int fe_watch_start(void (*cb)(const char *name, int pid))
{
	pthread_t t;
	int r;

	on_exit_cb = cb;
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	r = pthread_create(&t, NULL, watch_thread, NULL);
	if (r != 0)
		return -r;
	pthread_detach(t);
	return 0;
}
