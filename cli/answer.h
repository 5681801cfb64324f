/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: what the REST client's transport (client.c) takes from answer.c
 * besides client.h. Runs in the client as the invoking user, no
 * privilege; the statuses and bodies it judges are the server's
 * (untrusted).
 */
#ifndef MOAT_CLI_ANSWER_H
#define MOAT_CLI_ANSWER_H

#include <stdbool.h>

/* A 2xx status. */
bool cli_status_ok(long status);

#endif
