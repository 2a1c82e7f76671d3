/* The plugin registry of the plugin commands (plugins, extensions, servers). */
#ifndef PROV_CLI_PLUGIN_HOST_H
#define PROV_CLI_PLUGIN_HOST_H

#include "cli/cli.h"

#include <provisioning/provisioning.h>

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

#endif
