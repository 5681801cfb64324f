// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the command-line client's entry point. It speaks only the REST
 * API, over a remote's unix socket ($MOAT_DIR/unix.socket for `local`).
 * Runs as the invoking user with that user's privileges; argv is checked
 * against the command table (commands.c, args.c), and what the server
 * sends is untrusted and only printed. Everything but main() lives in the
 * other cli/ files, so that the unit tests link them.
 */
#include <signal.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	/* a closed pipe (moat list | head) ends the output, not the process by a signal */
	signal(SIGPIPE, SIG_IGN);
	/* build time: completion and man pages from the command table (gen.c) */
	if (argc == 3 && strcmp(argv[1], "__generate") == 0 && strcmp(argv[2], "completion") == 0)
		return cli_gen_completion(stdout) < 0;
	if (argc == 4 && strcmp(argv[1], "__generate") == 0 && strcmp(argv[2], "man") == 0)
		return cli_gen_man(argv[3]) < 0;
	return cli_main(argc, argv);
}
