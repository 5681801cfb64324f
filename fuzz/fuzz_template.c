// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for fe_template_render() (frontend/model/template.c), which
 * moatd-api runs, unprivileged, on the templates of untrusted images. The
 * input is a template, optionally followed by a NUL byte and a value that
 * goes into a small fixed context as config["user.fuzz"] and
 * properties.default. Built with clang, libFuzzer, ASan and UBSan by
 * `make fuzz-build`; runs unprivileged. Every answer is checked against
 * the engine's promises (template.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ctx_json[] =
	"{\"trigger\":\"start\",\"path\":\"/etc/hosts\","
	"\"instance\":{\"name\":\"c1\",\"type\":\"container\",\"architecture\":\"x86_64\","
	"\"ephemeral\":\"false\",\"privileged\":\"true\"},"
	"\"container\":{\"name\":\"c1\",\"type\":\"container\",\"architecture\":\"x86_64\","
	"\"ephemeral\":\"false\",\"privileged\":\"true\"},"
	"\"config\":{\"image.os\":\"debian\",\"limits.cpu\":\"2\",\"user.empty\":\"\","
	"\"user.meta-data\":\"a: b\\r\\n\"},"
	"\"devices\":{\"eth0\":{\"type\":\"nic\",\"parent\":\"lxdbr0\"},"
	"\"root\":{\"type\":\"disk\",\"path\":\"/\"}},"
	"\"properties\":{\"foo\":\"bar\"},\"list\":[\"a\",1,true,2.5,null,{},[]]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep = memchr(data, '\0', size);
	size_t len = sep ? (size_t)(sep - text) : size;
	json_object *ctx = json_tokener_parse(ctx_json), *config, *props;
	char err[256], *out = NULL;
	size_t out_len = 0;
	int r;

	if (!ctx)
		abort();
	if (sep) {
		json_object_object_get_ex(ctx, "config", &config);
		json_object_object_get_ex(ctx, "properties", &props);
		json_object_object_add(config, "user.fuzz",
				       json_object_new_string_len(sep + 1, (int)(size - len - 1)));
		json_object_object_add(props, "default",
				       json_object_new_string_len(sep + 1, (int)(size - len - 1)));
	}
	memset(err, 'X', sizeof(err));
	r = fe_template_render(text, len, ctx, &out, &out_len, err, sizeof(err));
	if (r == 0) {
		if (!out || out[out_len] != '\0' || out_len > FE_TEMPLATE_MAX_OUTPUT || err[0])
			abort();
		/* text without any { comes back as it is */
		if (!memchr(text, '{', len) && (out_len != len || memcmp(out, text, len) != 0))
			abort();
		free(out);
	} else {
		if ((r != -EINVAL && r != -E2BIG && r != -ENOMEM) || out || !err[0] ||
		    !memchr(err, '\0', sizeof(err)) || strchr(err, '\n'))
			abort();
		if (!memchr(text, '{', len) && len <= FE_TEMPLATE_MAX_INPUT)
			abort();
	}
	json_object_put(ctx);
	return 0;
}
