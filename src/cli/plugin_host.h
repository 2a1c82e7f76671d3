/* The plugin registry of the plugin commands (plugins, extensions, servers). */
#ifndef PROV_CLI_PLUGIN_HOST_H
#define PROV_CLI_PLUGIN_HOST_H

#include "cli/cli.h"

#include <provisioning/provisioning.h>

#include <json-c/json.h>

struct cli_plugin_host {
	prov_config *config;
	prov_registry *registry;
	char **paths;                /* plugins.paths */
	char **extension_paths;      /* extensions.paths */
	char **allowed;              /* extensions.allowed */
	char **blocked;              /* extensions.blocked */
};

/* Resolve the config and load the plugins it points to; CLI_EXIT_* (error printed). */
int cli_plugin_host_open(struct cli_plugin_host *h, const struct cli_globals *g);
/* Discover and load the extensions the config allows. */
int cli_plugin_host_load_extensions(struct cli_plugin_host *h);
/* Make provider instance `name` from providers.<name>. */
int cli_plugin_host_add_provider(struct cli_plugin_host *h, const char *name);
void cli_plugin_host_close(struct cli_plugin_host *h);

/* A "COMMAND list" of what the registry holds (plugins list, extensions list). */
struct cli_registry_listing {
	const char *usage;              /* the usage error's text */
	bool load_extensions;           /* discover and load the extensions first */
	int (*to_json)(char **json, prov_registry *registry);
	void (*print_table)(json_object *doc);
};

/* Run the listing: its JSON document with --json, else its table. CLI_EXIT_*. */
int cli_registry_list(const struct cli_globals *g, int argc, char **argv,
		      const struct cli_registry_listing *listing);

/* The string member `key` of o, or fallback when it is missing or not a string. */
const char *cli_json_member(json_object *o, const char *key, const char *fallback);

#endif
