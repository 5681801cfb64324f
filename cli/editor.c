// SPDX-License-Identifier: Apache-2.0
/*
 * moat: running the user's editor (see editor.h). fork and execvp of the
 * user's own $VISUAL/$EDITOR words, no shell; SIGPIPE (ignored by moat)
 * set back to its default for the editor. Runs in the client as the
 * invoking user, no privilege; the temporary file is made with mkstemps
 * (0600) in $TMPDIR or /tmp and removed afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "client.h"
#include "editor.h"
#include "session.h"

/* Is name an executable file in a directory of $PATH? */
static bool in_path(const char *name)
{
	__do_free char *path = strdup(getenv("PATH") ?: "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;

	if (!path)
		return false;
	for (char *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		__do_free char *full = NULL;

		if (asprintf(&full, "%s/%s", *dir ? dir : ".", name) < 0) {
			full = NULL;
			return false;
		}
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

static int editor_command(char **ret)
{
	static const char *const fallback[] = { "editor", "vi", "emacs", "nano" };
	const char *e = getenv("VISUAL");

	if (!e || !*e)
		e = getenv("EDITOR");
	for (size_t i = 0; (!e || !*e) && i < ARRAY_SIZE(fallback); i++)
		if (in_path(fallback[i]))
			e = fallback[i];
	if (!e || !*e)
		return cli_error(
			-ENOENT,
			"No text editor found, please set the EDITOR environment variable");
	*ret = strdup(e);
	return *ret ? 0 : cli_error(-ENOMEM, "out of memory");
}

int cli_editor_run(const char *path)
{
	__do_free char *cmd = NULL;
	__do_free char **argv = NULL;
	size_t n = 0, cap = 4;
	char *save = NULL;
	int r, status;
	pid_t pid;

	r = editor_command(&cmd);
	if (r < 0)
		return r;
	argv = calloc(cap, sizeof(*argv));
	for (char *w = strtok_r(cmd, " \t\n", &save); argv && w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		if (n + 2 >= cap) {
			char **grown = realloc(argv, 2 * cap * sizeof(*argv));

			if (!grown)
				return cli_error(-ENOMEM, "out of memory");
			argv = grown;
			cap *= 2;
		}
		argv[n++] = w;
	}
	if (!argv)
		return cli_error(-ENOMEM, "out of memory");
	if (n == 0)
		return cli_error(
			-ENOENT,
			"No text editor found, please set the EDITOR environment variable");
	argv[n++] = (char *)path;
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return cli_error(-errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "Error: exec: \"%s\": %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_error(-errno, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return cli_error(-EIO, "exit status %d", WEXITSTATUS(status));
	return cli_error(-EIO, "signal: %s", strsignal(WTERMSIG(status)));
}

int cli_editor_text(const char *text, size_t len, char **ret, size_t *ret_len)
{
	const char *tmp = getenv("TMPDIR");
	__do_free char *path = NULL;
	__do_close int fd = -EBADF;
	int r;

	if (asprintf(&path, "%s/moat_editor_XXXXXX.yaml", tmp && *tmp ? tmp : "/tmp") < 0) {
		path = NULL;
		return cli_error(-ENOMEM, "out of memory");
	}
	fd = mkstemps(path, 5);
	if (fd < 0)
		return cli_error(-errno, "cannot create a temporary file: %s", strerror(errno));
	r = cli_write_all(fd, text, len);
	close(TAKE_FD(fd));
	if (r < 0) {
		unlink(path);
		return cli_error(r, "writing %s: %s", path, strerror(-r));
	}
	r = cli_editor_run(path);
	if (r == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = cli_error(-errno, "reading %s: %s", path, strerror(errno));
		else if ((r = cli_read_all(fd, CLI_EDIT_MAX, ret, ret_len)) < 0)
			r = cli_error(r, "reading %s: %s", path, strerror(-r));
	}
	unlink(path);
	return r;
}
