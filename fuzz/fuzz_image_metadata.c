// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for img_meta_parse() (frontend/model/image_meta.c), the
 * metadata.yaml parser moatd-api (unprivileged) runs on bytes taken from an
 * uploaded image: untrusted by design. Built with clang, libFuzzer, ASan
 * and UBSan by `make fuzz-build`; runs unprivileged. Besides memory safety
 * it checks the parser's promises on every accepted file and aborts if one
 * breaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/images.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What every accepted metadata.yaml promises to the store and the renderer. */
static void check_meta(const struct img_meta *m)
{
	if (!m->architecture[0] || !img_arch_canonical(m->architecture) || m->creation_date <= 0 ||
	    m->expiry_date < 0 || !json_object_is_type(m->properties, json_type_object) ||
	    !json_object_is_type(m->templates, json_type_object))
		abort();
	json_object_object_foreach(m->properties, k, v)
	{
		if (!*k || !json_object_is_type(v, json_type_string))
			abort();
	}
	json_object_object_foreach(m->templates, target, t)
	{
		json_object *name, *when, *create_only, *props;

		if (!img_target_path_valid(target) ||
		    !json_object_object_get_ex(t, "template", &name) ||
		    !img_relative_path_valid(json_object_get_string(name)) ||
		    !json_object_object_get_ex(t, "when", &when) ||
		    !json_object_is_type(when, json_type_array) ||
		    !json_object_object_get_ex(t, "create_only", &create_only) ||
		    !json_object_is_type(create_only, json_type_boolean) ||
		    !json_object_object_get_ex(t, "properties", &props) ||
		    !json_object_is_type(props, json_type_object))
			abort();
		for (size_t i = 0; i < json_object_array_length(when); i++)
			if (!json_object_is_type(json_object_array_get_idx(when, i),
						 json_type_string))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[IMG_ERR_MAX];
	struct img_meta m;

	if (img_meta_parse((const char *)data, size, &m, err) != 0) {
		if (strnlen(err, sizeof(err)) >= sizeof(err) || !err[0])
			abort();
		return 0;
	}
	check_meta(&m);
	img_meta_done(&m);
	return 0;
}
