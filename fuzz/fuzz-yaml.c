/*
 * libFuzzer target for the YAML reader: any input must parse or fail with
 * an error, never crash or leak; what parses must print and read back.
 */
#include "format/format.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	prov_source *src = prov_source_new("fuzz.yaml", "fuzz");
	prov_value *tree = NULL, *again = NULL;
	prov_strbuf out = PROV_STRBUF_INIT;

	if (src && prov_yaml_read((const char *)data, size, src, &tree) == PROV_OK) {
		/* Printing walks every node, aliases included. */
		if (prov_format_print(&out, PROV_FORMAT_YAML, tree) == PROV_OK &&
		    prov_yaml_read(out.data, out.len, src, &again) != PROV_OK)
			abort();
		prov_value_unref(again);
	}
	prov_strbuf_release(&out);
	prov_value_unref(tree);
	prov_source_unref(src);
	return 0;
}
