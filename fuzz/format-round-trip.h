/*
 * The body the JSON and YAML reader targets share: any input must parse or
 * fail with an error, never crash or leak; what parses must print in the
 * same format and read back.
 */
#ifndef PROV_FUZZ_FORMAT_ROUND_TRIP_H
#define PROV_FUZZ_FORMAT_ROUND_TRIP_H

#include "format/format.h"

#include <stdint.h>

/* Read data as `format` from a source called source_name; abort() on a failed read-back. */
int fuzz_format_round_trip(prov_format format, const char *source_name, const uint8_t *data,
			   size_t size);

#endif
