/*
 * The plugin registry the plugin commands start from, configured from the
 * resolved config: plugins.paths, plugins.allow_writable (the permission
 * switch), the extensions.* settings, and each provider instance's
 * providers.<name> section. Plugins read config through the registry's
 * config service, answered from the same resolved config.
 */
#include "cli/plugin_host.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_to_stderr(int level, const char *instance, const char *message, void *userdata)
{
	(void)userdata;
	if (level <= PROV_LOG_WARNING)
		fprintf(stderr, "provisioning: %s: %s: %s\n", prov_log_level_name(level),
			instance, message);
}

static int config_lookup(char *buf, size_t size, size_t *needed, const char *key, void *userdata)
{
	const prov_config *config = userdata;
	char *json = NULL;
	int rc = prov_config_get_json(config, key, &json);

	if (rc != PROV_OK)
		return rc;
	*needed = strlen(json);
	if (buf && size > 0)
		snprintf(buf, size, "%s", json);
	prov_free(json);
	return *needed < size ? PROV_OK : PROV_ERANGE;
}

/* A config list of strings as a NULL-terminated array (NULL when unset). */
static int string_list(char ***out, const prov_config *config, const char *key)
{
	char *json = NULL;
	json_object *list;
	size_t n;

	*out = NULL;
	if (prov_config_get_json(config, key, &json) != PROV_OK)
		return CLI_EXIT_OK;
	list = json_tokener_parse(json);
	prov_free(json);
	if (!json_object_is_type(list, json_type_array)) {
		json_object_put(list);
		fprintf(stderr, "provisioning: %s must be a list of strings\n", key);
		return CLI_EXIT_FAILURE;
	}
	n = json_object_array_length(list);
	*out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; *out && i < n; i++) {
		json_object *item = json_object_array_get_idx(list, i);

		if (!json_object_is_type(item, json_type_string)) {
			fprintf(stderr, "provisioning: %s must be a list of strings\n", key);
			json_object_put(list);
			return CLI_EXIT_FAILURE;
		}
		(*out)[i] = strdup(json_object_get_string(item));
	}
	json_object_put(list);
	return *out ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static void free_list(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

int cli_plugin_host_open(struct cli_plugin_host *h, const struct cli_globals *g)
{
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	int allow = 0, rc;

	memset(h, 0, sizeof(*h));
	rc = cli_load_config(g, &h->config);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = string_list(&h->paths, h->config, "plugins.paths");
	if (rc != CLI_EXIT_OK)
		return rc;
	prov_config_get_bool(h->config, "plugins.allow_writable", &allow);
	opt.paths = (const char *const *)h->paths;
	opt.allow_writable = allow;
	opt.log = log_to_stderr;
	opt.config_get = config_lookup;
	opt.userdata = h->config;
	if (prov_registry_new(&h->registry, &opt) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	return CLI_EXIT_OK;
}

int cli_plugin_host_load_extensions(struct cli_plugin_host *h)
{
	prov_extension_options opt = PROV_EXTENSION_OPTIONS_INIT;
	int rc = string_list(&h->extension_paths, h->config, "extensions.paths");

	if (rc == CLI_EXIT_OK)
		rc = string_list(&h->allowed, h->config, "extensions.allowed");
	if (rc == CLI_EXIT_OK)
		rc = string_list(&h->blocked, h->config, "extensions.blocked");
	if (rc != CLI_EXIT_OK)
		return rc;
	prov_config_get_string(h->config, "paths.base", &opt.base_dir);
	prov_config_get_string(h->config, "extensions.mode", &opt.mode);
	opt.paths = (const char *const *)h->extension_paths;
	opt.allowed = (const char *const *)h->allowed;
	opt.blocked = (const char *const *)h->blocked;
	if (prov_registry_load_extensions(h->registry, &opt) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	return CLI_EXIT_OK;
}

int cli_plugin_host_add_provider(struct cli_plugin_host *h, const char *name)
{
	char key[256], *section = NULL;
	int rc;

	snprintf(key, sizeof(key), "providers.%s", name);
	prov_config_get_json(h->config, key, &section);
	rc = prov_registry_add_provider(h->registry, name, section);
	prov_free(section);
	return rc == PROV_OK ? CLI_EXIT_OK : cli_report_error(CLI_EXIT_FAILURE);
}

void cli_plugin_host_close(struct cli_plugin_host *h)
{
	prov_registry_free(h->registry);
	prov_config_free(h->config);
	free_list(h->paths);
	free_list(h->extension_paths);
	free_list(h->allowed);
	free_list(h->blocked);
	memset(h, 0, sizeof(*h));
}

int cli_registry_list(const struct cli_globals *g, int argc, char **argv,
		      const struct cli_registry_listing *listing)
{
	struct cli_plugin_host host;
	char *json = NULL;
	int rc;

	if (argc != 2 || strcmp(argv[1], "list") != 0)
		return cli_usage_error("%s", listing->usage);
	rc = cli_plugin_host_open(&host, g);
	if (rc == CLI_EXIT_OK && listing->load_extensions)
		rc = cli_plugin_host_load_extensions(&host);
	if (rc == CLI_EXIT_OK && listing->to_json(&json, host.registry) != PROV_OK)
		rc = cli_report_error(CLI_EXIT_FAILURE);
	if (rc == CLI_EXIT_OK && g->json) {
		printf("%s\n", json);
	} else if (rc == CLI_EXIT_OK) {
		json_object *doc = json_tokener_parse(json);

		listing->print_table(doc);
		json_object_put(doc);
	}
	prov_free(json);
	cli_plugin_host_close(&host);
	return rc;
}

const char *cli_json_member(json_object *o, const char *key, const char *fallback)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
	       ? json_object_get_string(v) : fallback;
}
