/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LXD image template engine (template.c, with template_lex.c,
 * template_parse.c and template_eval.c behind template_int.h): a Pongo2
 * subset, rendered with autoescape off. Run by moatd-api, unprivileged.
 * The template text comes from an image and is untrusted; the context is
 * built by moatd-api. template.c's header lists the exact syntax and
 * semantics. fe_template_render() is the engine's one entry.
 */
#ifndef MOAT_FE_TEMPLATE_H
#define MOAT_FE_TEMPLATE_H

#include <json-c/json.h>
#include <stddef.h>

#define FE_TEMPLATE_MAX_INPUT (1024 * 1024)      /* bytes of template text */
#define FE_TEMPLATE_MAX_OUTPUT (4 * 1024 * 1024) /* bytes of rendered output */
#define FE_TEMPLATE_MAX_DEPTH 32                 /* nested blocks; nested expressions */
#define FE_TEMPLATE_MAX_ITERATIONS 100000        /* loop iterations, all loops together */

/*
 * Render len bytes of template text with the context ctx, a JSON object
 * (NULL: empty) with trigger, path, instance, container, config, devices
 * and properties, as LXD passes them. On success returns 0 with
 * *ret_out a malloc'd, NUL-terminated output of *ret_len bytes (ret_len
 * may be NULL; the output may hold NUL bytes copied from the text). On
 * failure returns a negative errno and writes a one-line message into err
 * ("line 3: unknown tag \"include\""); the outputs are untouched:
 *   -EINVAL  a syntax or evaluation error
 *   -E2BIG   a limit above (or the work limit) was exceeded
 *   -ENOMEM  out of memory
 * Pure: no I/O, no global state; safe to call from several threads.
 */
int fe_template_render(const char *text, size_t len, json_object *ctx, char **ret_out,
		       size_t *ret_len, char *err, size_t errlen);

#endif
