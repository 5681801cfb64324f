// SPDX-License-Identifier: Apache-2.0
/*
 * moat: paths as Go's path package treats them (Clean, Join, Base, Dir),
 * and lxc's [<remote>:]<instance>/<path> argument split in two; see
 * verbs.h. Runs in the client as the invoking user, no privilege. Pure
 * string work on the user's arguments and the server's names: nothing is
 * opened here, and every result is a fresh heap string.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "verbs.h"

/* ---- paths, as Go's path package ------------------------------------------------------------- */

char *cli_path_clean(const char *p)
{
	size_t n = strlen(p), out = 0, i = 0, dotdot;
	bool rooted = n > 0 && p[0] == '/';
	char *buf;

	if (n == 0)
		return strdup(".");
	buf = malloc(n + 2);
	if (!buf)
		return NULL;
	if (rooted)
		buf[out++] = '/';
	i = rooted ? 1 : 0;
	dotdot = out;
	while (i < n) {
		if (p[i] == '/') {
			i++;
		} else if (p[i] == '.' && (i + 1 == n || p[i + 1] == '/')) {
			i++;
		} else if (p[i] == '.' && p[i + 1] == '.' && (i + 2 == n || p[i + 2] == '/')) {
			i += 2;
			if (out > dotdot) {
				/* back up over the last element */
				out--;
				while (out > dotdot && buf[out] != '/')
					out--;
			} else if (!rooted) {
				if (out > 0)
					buf[out++] = '/';
				buf[out++] = '.';
				buf[out++] = '.';
				dotdot = out;
			}
		} else {
			if ((rooted && out != 1) || (!rooted && out != 0))
				buf[out++] = '/';
			for (; i < n && p[i] != '/'; i++)
				buf[out++] = p[i];
		}
	}
	if (out == 0)
		buf[out++] = '.';
	buf[out] = '\0';
	return buf;
}

char *cli_path_join(const char *a, const char *b)
{
	__do_free char *both = NULL;

	if (!*a && !*b)
		return strdup("");
	if (asprintf(&both, "%s%s%s", a, *a && *b ? "/" : "", b) < 0)
		return NULL;
	return cli_path_clean(both);
}

char *cli_path_base(const char *p)
{
	size_t n = strlen(p);
	const char *slash;

	if (n == 0)
		return strdup(".");
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0)
		return strdup("/");
	slash = memrchr(p, '/', n);
	if (slash)
		return strndup(slash + 1, n - (size_t)(slash + 1 - p));
	return strndup(p, n);
}

char *cli_path_dir(const char *p)
{
	const char *slash = strrchr(p, '/');
	__do_free char *dir = strndup(p, slash ? (size_t)(slash - p + 1) : 0);

	return dir ? cli_path_clean(dir) : NULL;
}

int cli_file_spec(const char *arg, char **ret_instance, char **ret_path)
{
	const char *slash = strchr(arg, '/');
	char *inst, *path;

	if (!slash)
		return -EINVAL;
	inst = strndup(arg, (size_t)(slash - arg));
	path = strdup(slash + 1);
	if (!inst || !path) {
		free(inst);
		free(path);
		return -ENOMEM;
	}
	*ret_instance = inst;
	*ret_path = path;
	return 0;
}
