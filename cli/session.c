// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the pieces exec and console share (see session.h): raw terminal
 * mode and size, the control channel's JSON, ctrl-a q, and a signalfd for
 * the signals a session forwards. Runs in the client as the invoking user,
 * no privilege; the input is the user's own terminal.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "session.h"

/* ---- the terminal ------------------------------------------------------------------------------ */

int cli_term_raw(int fd, struct cli_term *ret)
{
	struct termios raw;

	ret->fd = -1;
	if (tcgetattr(fd, &ret->old) < 0)
		return -errno;
	raw = ret->old;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return -errno;
	ret->fd = fd;
	return 0;
}

void cli_term_restore(struct cli_term *t)
{
	if (t->fd < 0)
		return;
	(void)tcsetattr(t->fd, TCSANOW, &t->old);
	t->fd = -1;
}

int cli_term_size(int fd, int *ret_width, int *ret_height)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -errno;
	*ret_width = ws.ws_col;
	*ret_height = ws.ws_row;
	return 0;
}

/* ---- control messages ----------------------------------------------------------------------------- */

char *cli_ctl_resize(int width, int height)
{
	char *s;

	if (asprintf(&s,
		     "{\"command\":\"window-resize\",\"args\":{\"height\":\"%d\",\"width\":\"%d\"},"
		     "\"signal\":0}",
		     height, width) < 0)
		return NULL;
	return s;
}

char *cli_ctl_signal(int sig)
{
	char *s;

	if (asprintf(&s, "{\"command\":\"signal\",\"args\":null,\"signal\":%d}", sig) < 0)
		return NULL;
	return s;
}

/* ---- ctrl-a q ---------------------------------------------------------------------------------------- */

size_t cli_detach_filter(struct cli_detach *d, uint8_t *buf, size_t n, bool *ret_detach)
{
	size_t out = 0;

	*ret_detach = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = buf[i];

		if (c == 0x01 && !d->escape) {
			d->escape = true;
			continue;
		}
		if (c == 'q' && d->escape) {
			d->escape = false;
			*ret_detach = true;
			return out;
		}
		d->escape = false;
		buf[out++] = c;
	}
	return out;
}

/* ---- signals -------------------------------------------------------------------------------------------- */

const int cli_exec_signals[] = {
	SIGWINCH, SIGTERM, SIGHUP,  SIGINT,  SIGQUIT, SIGABRT, SIGTSTP,
	SIGTTIN,  SIGTTOU, SIGUSR1, SIGUSR2, SIGSEGV, SIGCONT,
};
const size_t cli_exec_nsignals = ARRAY_SIZE(cli_exec_signals);

int cli_sigs_open(const int *sigs, size_t n, struct cli_sigs *ret)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (size_t i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, &ret->old) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		sigprocmask(SIG_SETMASK, &ret->old, NULL);
		return -e;
	}
	ret->fd = fd;
	return 0;
}

int cli_sigs_read(struct cli_sigs *s)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do
		n = read(s->fd, &si, sizeof(si));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if ((size_t)n != sizeof(si))
		return -EIO;
	return (int)si.ssi_signo;
}

void cli_sigs_close(struct cli_sigs *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	sigprocmask(SIG_SETMASK, &s->old, NULL);
}

/* ---- the loop ------------------------------------------------------------------------------------------ */

void cli_session_init(struct cli_session *s, const struct cli_session_ops *ops, void *data)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->data = data;
	for (int w = 0; w < CLI_SESSION_WS; w++)
		cli_ws_init(&s->ws[w], -EBADF);
	s->sigs.fd = -1;
	s->term.fd = -1;
}

void cli_session_free(struct cli_session *s)
{
	cli_term_restore(&s->term);
	cli_sigs_close(&s->sigs);
	for (int w = 0; w < CLI_SESSION_WS; w++)
		cli_ws_close(&s->ws[w]);
}

/* Every whole message that came on websocket w. */
static void session_ws(struct cli_session *s, int w)
{
	struct cli_ws *ws = &s->ws[w];
	struct cli_ws_msg m;
	int r = cli_ws_fill(ws);

	while (r >= 0 && !s->ended[w] && (r = cli_ws_next(ws, &m)) == 1) {
		if (m.opcode != WS_OP_BINARY) {
			/* a text frame is the barrier; a close ends it too */
			s->ended[w] = true;
			break;
		}
		s->ops->on_data(s, w, m.data, m.len);
	}
	if (r < 0 || ws->eof)
		s->ended[w] = true;
}

int cli_session_run(struct cli_session *s)
{
	enum { WHO_STDIN = -1, WHO_SIGNAL = -2 };

	for (;;) {
		struct pollfd pfd[2 + CLI_SESSION_WS];
		int who[2 + CLI_SESSION_WS], n = 0, timeout = -1, r;

		if (s->ops->finished(s, &timeout))
			return 0;
		if (s->stdin_open) {
			pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
			who[n++] = WHO_STDIN;
		}
		pfd[n] = (struct pollfd){ .fd = s->sigs.fd, .events = POLLIN };
		who[n++] = WHO_SIGNAL;
		for (int w = 0; w < CLI_SESSION_WS; w++)
			if (s->open[w] && !s->ended[w]) {
				pfd[n] = (struct pollfd){ .fd = s->ws[w].fd, .events = POLLIN };
				who[n++] = w;
			}
		r = poll(pfd, (nfds_t)n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cli_error(-errno, "poll: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			int sig;

			if (!pfd[i].revents)
				continue;
			if (who[i] == WHO_STDIN)
				s->ops->on_stdin(s);
			else if (who[i] == WHO_SIGNAL)
				while ((sig = cli_sigs_read(&s->sigs)) > 0)
					s->ops->on_signal(s, sig);
			else
				session_ws(s, who[i]);
		}
	}
}
