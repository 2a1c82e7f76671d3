#include "format-round-trip.h"

#include <stdlib.h>

int fuzz_format_round_trip(prov_format format, const char *source_name, const uint8_t *data,
			   size_t size)
{
	prov_source *src = prov_source_new(source_name, "fuzz");
	prov_value *tree = NULL, *again = NULL;
	prov_strbuf out = PROV_STRBUF_INIT;

	if (src && prov_format_parse(format, (const char *)data, size, src, &tree) == PROV_OK) {
		/* Printing walks every node, aliases included. */
		if (prov_format_print(&out, format, tree) == PROV_OK &&
		    prov_format_parse(format, out.data, out.len, src, &again) != PROV_OK)
			abort();
		prov_value_unref(again);
	}
	prov_strbuf_release(&out);
	prov_value_unref(tree);
	prov_source_unref(src);
	return 0;
}
