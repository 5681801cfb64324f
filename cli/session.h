/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: what exec and console share around their websockets: the local
 * terminal (raw mode and size), the control channel's JSON messages
 * (window-resize, signal) as lxc writes them, lxc's ctrl-a q detach, and
 * the signals a session catches (through a signalfd), and the poll()
 * loop that carries them and the websockets. Runs in the client
 * as the invoking user, no privilege; the input is the user's own
 * keyboard and terminal.
 */
#ifndef MOAT_CLI_SESSION_H
#define MOAT_CLI_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "wsclient.h"

/* ---- the terminal ------------------------------------------------------------------------------ */

struct cli_term {
	int fd; /* -1: nothing to restore */
	struct termios old;
};

/* Put fd (a terminal) in raw mode, remembering how it was. */
int cli_term_raw(int fd, struct cli_term *ret);
/* Back as it was (idempotent). */
void cli_term_restore(struct cli_term *t);
/* fd's size in columns and rows; -ENOTTY when it is no terminal. */
int cli_term_size(int fd, int *ret_width, int *ret_height);

/* ---- control messages ----------------------------------------------------------------------------- */

/*
 * lxc's api.InstanceExecControl as Go encodes it:
 * {"command":"window-resize","args":{"height":"H","width":"W"},"signal":0}
 * and {"command":"signal","args":null,"signal":N}. Malloc'ed, NULL on ENOMEM.
 */
char *cli_ctl_resize(int width, int height);
char *cli_ctl_signal(int sig);

/* ---- ctrl-a q ---------------------------------------------------------------------------------------- */

/*
 * lxc's console escape, a byte at a time and across reads: ctrl-a is held
 * back; ctrl-a then q detaches; ctrl-a then any other byte sends that
 * byte only (so ctrl-a ctrl-a sends one ctrl-a).
 */
struct cli_detach {
	bool escape; /* a ctrl-a is held back */
};

/*
 * Filter n bytes of keyboard input in place; returns how many remain to
 * send. *ret_detach is set when ctrl-a q was typed (what follows the q is
 * dropped).
 */
size_t cli_detach_filter(struct cli_detach *d, uint8_t *buf, size_t n, bool *ret_detach);

/* ---- signals -------------------------------------------------------------------------------------------- */

/* The signals lxc exec forwards to the command (and SIGWINCH, which resizes). */
extern const int cli_exec_signals[];
extern const size_t cli_exec_nsignals;

struct cli_sigs {
	int fd; /* a signalfd, or -1 */
	sigset_t old;
};

/* Block these signals and read them from a signalfd instead. */
int cli_sigs_open(const int *sigs, size_t n, struct cli_sigs *ret);
/* The next pending signal: >0, 0 if none is waiting, or -errno. */
int cli_sigs_read(struct cli_sigs *s);
/* Restore the old mask (a signal still pending is then delivered as usual). */
void cli_sigs_close(struct cli_sigs *s);

/* ---- the loop ------------------------------------------------------------------------------------------ */

#define CLI_SESSION_WS 4

/*
 * One session: our stdin, the signalfd and up to CLI_SESSION_WS
 * websockets in one poll() loop. The verb sets what it connected (open),
 * its callbacks and data; the loop reads every websocket whole messages at
 * a time: binary ones go to on_data, and a text frame (the barrier), a
 * close or the end of the stream mark the websocket ended.
 */
struct cli_session {
	struct cli_ws ws[CLI_SESSION_WS];
	bool open[CLI_SESSION_WS];
	bool ended[CLI_SESSION_WS];
	bool stdin_open; /* poll our stdin for on_stdin */
	struct cli_sigs sigs;
	struct cli_term term;
	const struct cli_session_ops *ops;
	void *data; /* the verb's */
};

struct cli_session_ops {
	/* true to end the loop; *ret_timeout_ms (-1 by default) bounds the next wait */
	bool (*finished)(struct cli_session *s, int *ret_timeout_ms);
	void (*on_stdin)(struct cli_session *s);
	void (*on_signal)(struct cli_session *s, int sig);
	void (*on_data)(struct cli_session *s, int w, const uint8_t *data, size_t len);
};

void cli_session_init(struct cli_session *s, const struct cli_session_ops *ops, void *data);
/* Run until finished() says so (0), or poll fails (recorded). */
int cli_session_run(struct cli_session *s);
/* The terminal back, the signals back, every websocket closed. */
void cli_session_free(struct cli_session *s);

#endif
