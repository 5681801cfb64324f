/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ph/: the frontend's side of the channel to moatd. moatd-api,
 * unprivileged; nothing moatd answers is trusted.
 */
#ifndef MOAT_FE_PH_PH_H
#define MOAT_FE_PH_PH_H

#include "fe.h"
#include "proto/privhelper.pb-c.h"

/* ---- the channel to moatd (phc.c) ------------------------------------------ */

int fe_ph_init(int chan);
/* One request, one reply. The reply is freed with ph__reply__free_unpacked. */
int fe_ph_call(Ph__Request *req, Ph__Reply **ret_reply);
/* The same, passing descriptors (which stay the caller's). */
int fe_ph_call_fds(Ph__Request *req, const int *fds, size_t nfds, Ph__Reply **ret_reply);
/* The same, returning the reply's descriptors (up to 4; the caller owns them). */
int fe_ph_call_fds_ret(Ph__Request *req, Ph__Reply **ret_reply, int *ret_fds, size_t *ret_nfds);
int fe_ph_call_full(Ph__Request *req, const int *fds, size_t nfds, Ph__Reply **ret_reply,
		    int *ret_fds, size_t *ret_nfds);
int fe_ph_hello(void);

#endif
