/* Loading the configuration every command starts from, and the store it names. */
#include "cli/cli.h"

#include <provisioning/provisioning.h>

int cli_load_resolver(const struct cli_globals *g, prov_config_resolver **out)
{
	prov_config_discovery_options opts = PROV_CONFIG_DISCOVERY_OPTIONS_INIT;
	prov_config_resolver *r = NULL;
	int rc;

	*out = NULL;
	opts.workspace_dir = g->workspace;
	opts.env_name = g->env_name;
	rc = prov_config_resolver_new(&r);
	if (rc == PROV_OK)
		rc = prov_config_resolver_discover(r, &opts);
	for (int i = 0; rc == PROV_OK && i < g->config_count; i++)
		rc = prov_config_resolver_add_file(r, g->config_files[i]);
	for (int i = 0; rc == PROV_OK && i < g->override_count; i++)
		rc = prov_config_resolver_add_override(r, g->overrides[i]);
	if (rc != PROV_OK) {
		prov_config_resolver_free(r);
		return cli_report_error(CLI_EXIT_FAILURE);
	}
	*out = r;
	return CLI_EXIT_OK;
}

int cli_load_config(const struct cli_globals *g, prov_config **out)
{
	prov_config_resolver *r = NULL;
	int rc = cli_load_resolver(g, &r);

	*out = NULL;
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = prov_config_resolve(r, out);
	prov_config_resolver_free(r);
	return rc == PROV_OK ? CLI_EXIT_OK : cli_report_error(CLI_EXIT_FAILURE);
}
