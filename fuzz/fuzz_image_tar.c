// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for img_scan_memory() (frontend/model/image_tar.c): the scan
 * moatd-api (unprivileged) runs on an uploaded image tarball, whose bytes
 * are untrusted by design; archives in any supported compression are read
 * from memory with archive_read_open_memory. Built with clang, libFuzzer,
 * ASan and UBSan by `make fuzz-build`; runs unprivileged. Every accepted
 * tarball must yield metadata that keeps the parser's promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/images.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[IMG_ERR_MAX];
	struct img_meta m;

	if (img_scan_memory(data, size, &m, err) != 0) {
		if (strnlen(err, sizeof(err)) >= sizeof(err) || !err[0])
			abort();
		return 0;
	}
	if (!m.architecture[0] || !img_arch_canonical(m.architecture) || m.creation_date <= 0 ||
	    !json_object_is_type(m.properties, json_type_object) ||
	    !json_object_is_type(m.templates, json_type_object))
		abort();
	json_object_object_foreach(m.templates, target, t)
	{
		json_object *name;

		if (!img_target_path_valid(target) ||
		    !json_object_object_get_ex(t, "template", &name) ||
		    !img_relative_path_valid(json_object_get_string(name)))
			abort();
	}
	img_meta_done(&m);
	return 0;
}
