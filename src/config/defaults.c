/*
 * The built-in defaults: the lowest layer, always present.
 *
 * Components add their keys to the table below, one line each, the value
 * written as JSON. paths.base is not listed: it is the directory discovery
 * found (the project's, else the current one), filled in at resolve time.
 */
#include "config/private.h"
#include "format/format.h"
#include "core/err.h"

#include <string.h>

static const struct builtin_default {
	const char *path;
	const char *json;
} builtin_defaults[] = {
	{ "checkpoint.store", "\"dir\"" },
	{ "checkpoint.dir", "\"{{paths.base}}/.provisioning/checkpoints\"" },
	{ "checkpoint.etcd.endpoints", "[\"http://127.0.0.1:2379\"]" },
	{ "checkpoint.etcd.prefix", "\"/provisioning\"" },
	{ "checkpoint.etcd.lease_ttl_s", "10" },
	{ "checkpoint.etcd.connect_timeout_ms", "2000" },
	{ "checkpoint.etcd.request_timeout_ms", "5000" },
	{ "checkpoint.etcd.retry_timeout_ms", "10000" },
	{ "workflow.cancel_dir", "\"{{paths.base}}/.provisioning/cancel\"" },
	{ "plugins.paths", "[]" },
	{ "plugins.allow_writable", "false" },
	{ "extensions.mode", "\"full\"" },
};

#define BUILTIN_SOURCE "<builtin>"

static int add_default(prov_value *root, prov_source *src, const struct builtin_default *d)
{
	prov_value *parsed, *value;
	int rc = prov_json_read(d->json, strlen(d->json), src, &parsed);

	if (rc)
		return rc;
	/* Compiled-in values have no line to show. */
	value = prov_value_with_origin(parsed, src, 0);
	prov_value_unref(parsed);
	return value ? prov_config_tree_set(root, d->path, value) : PROV_ENOMEM;
}

int prov_config_builtin_tree(const char *base_dir, prov_value **out)
{
	prov_source *src = prov_source_new(BUILTIN_SOURCE,
					   prov_config_layer_name(PROV_CONFIG_LAYER_BUILTIN));
	prov_value *root = src ? prov_value_table(src, 0) : NULL;
	prov_value *base = src ? prov_value_string(base_dir, strlen(base_dir), src, 0) : NULL;
	int rc = root && base ? prov_config_tree_set(root, "paths.base", base) : prov_err_nomem();

	if (!root || !base)
		prov_value_unref(base);
	for (size_t i = 0; rc == PROV_OK && i < sizeof(builtin_defaults) / sizeof(builtin_defaults[0]); i++)
		rc = add_default(root, src, &builtin_defaults[i]);
	prov_source_unref(src);
	if (rc) {
		prov_value_unref(root);
		return rc;
	}
	*out = root;
	return PROV_OK;
}
