/*
 * libprovisioning: the document formats the library reads and writes.
 *
 * Configuration layers, workflow definitions and extension manifests may
 * each be written in any of them.
 */
#ifndef PROVISIONING_FORMAT_H
#define PROVISIONING_FORMAT_H

#include <provisioning/common.h>

PROV_BEGIN_DECLS

typedef enum prov_format {
	PROV_FORMAT_AUTO = 0, /**< choose by file extension (.toml, .yaml/.yml, .json) */
	PROV_FORMAT_TOML = 1,
	PROV_FORMAT_YAML = 2,
	PROV_FORMAT_JSON = 3
} prov_format;

PROV_END_DECLS

#endif
