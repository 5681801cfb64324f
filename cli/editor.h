/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat: the user's text editor, as lxc finds and runs it (`config edit`,
 * `file edit`): $VISUAL, else $EDITOR, else the first of editor, vi,
 * emacs and nano on $PATH; the command line split on blanks and exec'd
 * directly (no shell) with the file's path as its last argument. Runs in
 * the client as the invoking user, no privilege; the variables and the
 * file are the user's own.
 */
#ifndef MOAT_CLI_EDITOR_H
#define MOAT_CLI_EDITOR_H

#include <stddef.h>

#define CLI_EDIT_MAX (16u << 20) /* the largest text read back from the editor */

/* Run the editor on path and wait for it: 0, or an error recorded ("exit status 1"). */
int cli_editor_run(const char *path);

/*
 * Edit text in a private temporary file ending in .yaml (removed after):
 * *ret gets the saved content, malloc'ed and NUL-terminated.
 */
int cli_editor_text(const char *text, size_t len, char **ret, size_t *ret_len);

#endif
