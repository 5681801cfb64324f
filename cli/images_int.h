/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image verbs' shared helpers (cmd_images.c), private to them
 * (cmd_images.c, cmd_image_export.c). Client side, no privilege.
 */
#ifndef MOAT_CLI_IMAGES_INT_H
#define MOAT_CLI_IMAGES_INT_H

#include <stdbool.h>

#include "verbs.h"

/* "/1.0/images<sub>/<escaped name><suffix>", NULL on ENOMEM. */
char *cli_image_path(const char *sub, const char *name, const char *suffix);
/* Open the remote named in raw and resolve its image: *ret_fp is a fingerprint (prefix). */
int cli_open_image(struct cli_ctx *ctx, const char *raw, struct cli_conn *conn, char **ret_fp);
/* No control characters (bytes below 0x20, DEL). */
bool cli_printable(const char *s);

#endif
