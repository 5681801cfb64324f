/* SPDX-License-Identifier: Apache-2.0 */
/* Watching running instances' init processes (watch.c). */
#ifndef MOAT_FE_WATCH_H
#define MOAT_FE_WATCH_H

/* Start the watcher thread; cb runs in it when a watched container ends
 * (its liblxc monitor exits); pid is the init it had. */
int fe_watch_start(void (*cb)(const char *name, int pid));
/* Watch (or watch anew) a running instance, given its init's pid; -ESRCH
 * if it is gone already. */
int fe_watch_instance(const char *name, int pid);
void fe_watch_forget(const char *name);
/* The pid watched for name, or 0. */
int fe_watch_pid(const char *name);

#endif
