/* provisioning extensions list: every extension found, loaded or with its reason. */
#include "cli/plugin_host.h"

#include <stdio.h>

static const char *member(json_object *o, const char *key)
{
	return cli_json_member(o, key, "-");
}

static void print_table(json_object *doc)
{
	json_object *list = json_object_object_get(doc, "extensions");
	size_t n = json_object_array_length(list);

	if (n == 0) {
		printf("no extensions found\n");
		return;
	}
	printf("%-20s %-10s %-10s %s\n", "NAME", "VERSION", "TYPE", "STATUS");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		bool loaded = json_object_get_boolean(json_object_object_get(e, "loaded"));

		printf("%-20s %-10s %-10s %s\n", member(e, "name"), member(e, "version"),
		       member(e, "type"), loaded ? "loaded" : member(e, "reason"));
	}
}

static const struct cli_registry_listing extensions_listing = {
	.usage = "usage: provisioning extensions list",
	.load_extensions = true,
	.to_json = prov_registry_extensions_json,
	.print_table = print_table,
};

int cli_extensions(const struct cli_globals *g, int argc, char **argv)
{
	return cli_registry_list(g, argc, argv, &extensions_listing);
}
