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

/* ---- the untyped calls, until every caller uses ph_call_<op>() ------------- */

int fe_ph_call_full(Ph__Request *req, const int *fds, size_t nfds, Ph__Reply **ret_reply,
		    int *ret_fds, size_t *ret_nfds)
{
	Ph__Reply *rep;
	int r = ph_channel_call(req, fds, nfds, &rep, ret_fds, ret_nfds);

	if (r < 0)
		return r;
	r = rep->err != 0 ? -rep->err : 0;
	if (ret_reply)
		*ret_reply = rep;
	else
		ph__reply__free_unpacked(rep, NULL);
	return r;
}

int fe_ph_call(Ph__Request *req, Ph__Reply **ret_reply)
{
	return fe_ph_call_fds(req, NULL, 0, ret_reply);
}

int fe_ph_call_fds(Ph__Request *req, const int *fds, size_t nfds, Ph__Reply **ret_reply)
{
	int got[FRAME_MAX_FDS];
	size_t ngot = 0;
	int r = fe_ph_call_full(req, fds, nfds, ret_reply, got, &ngot);

	for (size_t i = 0; i < ngot; i++)
		close(got[i]);
	return r;
}

int fe_ph_call_fds_ret(Ph__Request *req, Ph__Reply **ret_reply, int *ret_fds, size_t *ret_nfds)
{
	return fe_ph_call_full(req, NULL, 0, ret_reply, ret_fds, ret_nfds);
}
static json_object *features_json(Ph__KernelFeature **f, size_t n)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < n; i++) {
		char name[64];
		size_t l = f[i]->name.len < sizeof(name) - 1 ? f[i]->name.len : sizeof(name) - 1;

		memcpy(name, f[i]->name.data, l);
		name[l] = '\0';
		json_object_object_add(o, name,
				       json_object_new_string(f[i]->value ? "true" : "false"));
	}
	return o;
}

static void copy_bytes(char *dst, size_t cap, const ProtobufCBinaryData *b)
{
	size_t l = b->len < cap - 1 ? b->len : cap - 1;

	memcpy(dst, b->data, l);
	dst[l] = '\0';
}

int fe_ph_hello(void)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__HelloRequest h = PH__HELLO_REQUEST__INIT;
	Ph__Reply *rep = NULL;
	int r;

	h.protocol = 1;
	req.op_case = PH__REQUEST__OP_HELLO;
	req.hello = &h;
	r = fe_ph_call(&req, &rep);
	if (r < 0) {
		if (rep)
			ph__reply__free_unpacked(rep, NULL);
		return r;
	}
	if (rep->result_case != PH__REPLY__RESULT_HELLO) {
		ph__reply__free_unpacked(rep, NULL);
		return -EPROTO;
	}
	copy_bytes(fe_srv.lxc_version, sizeof(fe_srv.lxc_version), &rep->hello->lxc_version);
	copy_bytes(fe_srv.policy_name, sizeof(fe_srv.policy_name), &rep->hello->policy_name);
	fe_srv.kernel_features =
		features_json(rep->hello->kernel_features, rep->hello->n_kernel_features);
	fe_srv.lxc_features = features_json(rep->hello->lxc_features, rep->hello->n_lxc_features);
	fe_srv.idmap_base = rep->hello->idmap_base;
	fe_srv.idmap_size = rep->hello->idmap_size;
	ph__reply__free_unpacked(rep, NULL);
	return 0;
}
