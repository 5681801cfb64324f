// SPDX-License-Identifier: Apache-2.0
/*
 * The frontend's side of the channel to moatd: requests with replies
 * matched by id, so that many HTTP threads can wait at once; calls.c builds
 * the requests and checks the replies. Runs in moatd-api (unprivileged);
 * what moatd sends is untrusted. If moatd closes the channel (it does so
 * on any protocol breach) this process exits and moatd starts a fresh one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "frame.h"
#include "log.h"
#include "ph/wire.h"

struct pending {
	uint64_t id;
	Ph__Reply *reply;
	int fds[FRAME_MAX_FDS];
	size_t nfds;
	bool done;
	pthread_cond_t cond;
	struct pending *next;
};

static int chan = -EBADF;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *waiting;
static uint64_t next_id = 1;

static void *reader(void *arg)
{
	static uint8_t buf[FRAME_MAX];

	(void)arg;
	pthread_setname_np(pthread_self(), "ph-reader");
	for (;;) {
		int fds[FRAME_MAX_FDS];
		size_t len = 0, nfds = 0;
		Ph__Reply *rep;
		int r = frame_recv(chan, buf, &len, fds, &nfds);

		if (r < 0 || len == 0) {
			log_error("channel to moatd closed (%s); exiting",
				  r < 0 ? strerror(-r) : "end of stream");
			_exit(3);
		}
		rep = ph__reply__unpack(NULL, len, buf);
		if (!rep) {
			log_error("undecodable reply from moatd; exiting");
			_exit(3);
		}
		pthread_mutex_lock(&lock);
		for (struct pending *p = waiting; p; p = p->next)
			if (p->id == rep->id && !p->done) {
				p->reply = rep;
				memcpy(p->fds, fds, nfds * sizeof(int));
				p->nfds = nfds;
				nfds = 0;
				p->done = true;
				pthread_cond_signal(&p->cond);
				rep = NULL;
				break;
			}
		pthread_mutex_unlock(&lock);
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]); /* nobody asked for these */
		if (rep) {
			log_warn("reply %llu from moatd matches no request",
				 (unsigned long long)rep->id);
			ph__reply__free_unpacked(rep, NULL);
		}
	}
	return NULL;
}

int fe_ph_init(int fd)
{
	pthread_t t;

	chan = fd;
	if (pthread_create(&t, NULL, reader, NULL) != 0)
		return -EAGAIN;
	pthread_detach(t);
	return 0;
}

int ph_channel_call(Ph__Request *req, const int *fds, size_t nfds, Ph__Reply **ret_reply,
		    int ret_fds[static FRAME_MAX_FDS], size_t *ret_nfds)
{
	uint8_t buf[FRAME_MAX];
	struct pending p = { .cond = PTHREAD_COND_INITIALIZER };
	size_t len;
	int r;

	pthread_mutex_lock(&lock);
	p.id = req->id = next_id++;
	len = ph__request__get_packed_size(req);
	if (len > sizeof(buf)) {
		pthread_mutex_unlock(&lock);
		return -EMSGSIZE;
	}
	p.next = waiting;
	waiting = &p;
	ph__request__pack(req, buf);
	r = frame_send(chan, buf, len, fds, nfds);
	while (r == 0 && !p.done)
		pthread_cond_wait(&p.cond, &lock);
	for (struct pending **pp = &waiting; *pp; pp = &(*pp)->next)
		if (*pp == &p) {
			*pp = p.next;
			break;
		}
	pthread_mutex_unlock(&lock);
	pthread_cond_destroy(&p.cond);
	if (r < 0)
		return r;
	memcpy(ret_fds, p.fds, p.nfds * sizeof(int));
	*ret_nfds = p.nfds;
	*ret_reply = p.reply;
	return 0;
}
