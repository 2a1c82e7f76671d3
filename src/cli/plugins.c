/* provisioning plugins list: the plugins on the search path and the files that failed. */
#include "cli/plugin_host.h"

#include <stdio.h>

static const char *member(json_object *o, const char *key)
{
	return cli_json_member(o, key, "");
}

static void print_table(json_object *doc)
{
	json_object *plugins = json_object_object_get(doc, "plugins");
	json_object *failed = json_object_object_get(doc, "failed");
	size_t n = json_object_array_length(plugins), f = json_object_array_length(failed);

	if (n == 0)
		printf("no plugins found (set PROVISIONING_PLUGIN_PATH or plugins.paths)\n");
	else
		printf("%-16s %-10s %-10s %-4s %s\n", "NAME", "KIND", "VERSION", "ABI", "FILE");
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(plugins, i);

		printf("%-16s %-10s %-10s %-4s %s\n", member(p, "name"), member(p, "kind"),
		       member(p, "version"), member(p, "abi"), member(p, "file"));
	}
	if (f)
		printf("\nnot loaded:\n");
	for (size_t i = 0; i < f; i++)
		printf("  %s\n", member(json_object_array_get_idx(failed, i), "reason"));
}

static const struct cli_registry_listing plugins_listing = {
	.usage = "usage: provisioning plugins list",
	.load_extensions = false,
	.to_json = prov_registry_plugins_json,
	.print_table = print_table,
};

int cli_plugins(const struct cli_globals *g, int argc, char **argv)
{
	return cli_registry_list(g, argc, argv, &plugins_listing);
}
