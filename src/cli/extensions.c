/* provisioning extensions list: every extension found, loaded or with its reason. */
#include "cli/plugin_host.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char *member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
	       ? json_object_get_string(v) : "-";
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

int cli_extensions(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_plugin_host host;
	char *json = NULL;
	int rc;

	if (argc != 2 || strcmp(argv[1], "list") != 0)
		return cli_usage_error("usage: provisioning extensions list");
	rc = cli_plugin_host_open(&host, g);
	if (rc == CLI_EXIT_OK)
		rc = cli_plugin_host_load_extensions(&host);
	if (rc == CLI_EXIT_OK && prov_registry_extensions_json(&json, host.registry) != PROV_OK)
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
