/*
 * Extension manifests: any bytes read as extension.toml end in a valid
 * manifest or one error message, never a crash or a leak.
 */
#include "core/err.h"
#include "format/toml.h"
#include "plugin/manifest.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	prov_source *src = prov_source_new("/ext/fuzz/extension.toml", NULL);
	prov_value *root = NULL;
	prov_manifest m;

	if (prov_toml_parse((const char *)data, size, src, &root) == PROV_OK) {
		int rc = prov_manifest_from_value(&m, root, "/ext/fuzz/extension.toml");

		if (rc == PROV_OK && (!m.library || strncmp(m.library, "/ext/fuzz/", 10) != 0 ||
				      strstr(m.library, "..")))
			__builtin_trap();
		if (rc != PROV_OK && !prov_error_last()->message[0])
			__builtin_trap();
		prov_manifest_release(&m);
	}
	prov_value_unref(root);
	prov_source_unref(src);
	return 0;
}
