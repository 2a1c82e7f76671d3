/* provisioning plugins list: the plugins on the search path and the files that failed. */
#include "cli/plugin_host.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char *member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
	       ? json_object_get_string(v) : "";
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

int cli_plugins(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_plugin_host host;
	char *json = NULL;
	int rc;

	if (argc != 2 || strcmp(argv[1], "list") != 0)
		return cli_usage_error("usage: provisioning plugins list");
	rc = cli_plugin_host_open(&host, g);
	if (rc == CLI_EXIT_OK && prov_registry_plugins_json(&json, host.registry) != PROV_OK)
		rc = cli_report_error(CLI_EXIT_FAILURE);
	if (rc == CLI_EXIT_OK && g->json) {
		printf("%s\n", json);
	} else if (rc == CLI_EXIT_OK) {
		json_object *doc = json_tokener_parse(json);

		print_table(doc);
		json_object_put(doc);
	}
	prov_free(json);
	cli_plugin_host_close(&host);
	return rc;
}
