/*
 * libFuzzer target for the YAML reader: any input must parse or fail with
 * an error, never crash or leak; what parses must print and read back.
 */
#include "format-round-trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_format_round_trip(PROV_FORMAT_YAML, "fuzz.yaml", data, size);
}
