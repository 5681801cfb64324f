/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scope-bound cleanup, used by every process (moatd, moatd-api, moat).
 * Pure macros and inline helpers: no input, no privilege.
 *
 *   __do_free char *s = strdup(x);       freed when s leaves scope
 *   __do_close int fd = open(...);       closed unless it is -EBADF
 *   return TAKE_PTR(s);                  hand ownership on
 */
#ifndef MOAT_CLEANUP_H
#define MOAT_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -EBADF;                                                                     \
		_tf;                                                                               \
	})

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* A NULL-terminated vector of heap strings. */
static inline void strv_free(char **v)
{
	if (!v)
		return;
	for (char **i = v; *i; i++)
		free(*i);
	free(v);
}

static inline void cleanup_strvp(char ***v)
{
	strv_free(*v);
}

#define __do_free __attribute__((cleanup(cleanup_freep)))
#define __do_close __attribute__((cleanup(cleanup_closep)))
#define __do_fclose __attribute__((cleanup(cleanup_fclosep)))
#define __do_closedir __attribute__((cleanup(cleanup_closedirp)))
#define __do_strv __attribute__((cleanup(cleanup_strvp)))

/* Generated protobuf-c types: DEFINE_PB_CLEANUP(ph__request) gives __do_pb_ph__request. */
#define DEFINE_PB_CLEANUP(prefix)                                                                  \
	static inline void cleanup_pb_##prefix(void *p)                                            \
	{                                                                                          \
		void **pp = p;                                                                     \
		if (*pp)                                                                           \
			prefix##__free_unpacked(*pp, NULL);                                        \
	}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
