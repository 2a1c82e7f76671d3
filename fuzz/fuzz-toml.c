/*
 * The TOML reader on arbitrary bytes. Whatever it accepts must print, and
 * the printed text must read back as the same tree: a parse that succeeds
 * on one side of the round trip and not the other is a bug in one of them.
 */
#include "core/value.h"
#include "format/toml.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	prov_value *tree = NULL, *again = NULL;
	prov_strbuf out = PROV_STRBUF_INIT;

	if (prov_toml_parse((const char *)data, size, NULL, &tree) != PROV_OK)
		return 0;
	if (prov_toml_print(&out, tree) != PROV_OK)
		abort();
	if (prov_toml_parse(prov_strbuf_cstr(&out), out.len, NULL, &again) != PROV_OK)
		abort();
	if (!prov_value_equal(tree, again))
		abort();
	prov_value_unref(again);
	prov_value_unref(tree);
	prov_strbuf_release(&out);
	return 0;
}
