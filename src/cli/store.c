/*
 * Opening the checkpoint store the configuration names: checkpoint.store
 * ("dir" or "etcd"), checkpoint.dir, and the checkpoint.etcd.* settings.
 * Every command that reads or writes checkpoints opens its store here.
 */
#include "cli/cli.h"

#include <provisioning/provisioning.h>

#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* What the etcd settings point into, freed once the store is open. */
struct etcd_settings {
	prov_checkpoint_etcd_options options;
	char **endpoints;
};

/* A configured string, or NULL when the key is not set. */
static int optional_string(const prov_config *cfg, const char *key, const char **out)
{
	int rc = prov_config_get_string(cfg, key, out);

	if (rc == PROV_ENOTFOUND) {
		*out = NULL;
		return PROV_OK;
	}
	return rc;
}

/* A configured count of seconds or milliseconds; 0 (the default) when not set. */
static int optional_int(const prov_config *cfg, const char *key, int *out)
{
	int64_t value = 0;
	int rc = prov_config_get_int64(cfg, key, &value);

	*out = 0;
	if (rc == PROV_ENOTFOUND)
		return CLI_EXIT_OK;
	if (rc != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	if (value < 0 || value > INT_MAX) {
		fprintf(stderr, "provisioning: %s must be between 0 and %d, not %lld\n", key,
			INT_MAX, (long long)value);
		return CLI_EXIT_FAILURE;
	}
	*out = (int)value;
	return CLI_EXIT_OK;
}

/* Add the comma-separated parts of `text` to a NULL-terminated list. */
static int add_split(char ***list, size_t *n, const char *text)
{
	char *copy = strdup(text), *part, *save = NULL;

	if (!copy)
		return CLI_EXIT_FAILURE;
	for (part = strtok_r(copy, ", ", &save); part; part = strtok_r(NULL, ", ", &save)) {
		char **grown = realloc(*list, (*n + 2) * sizeof(char *));

		if (!grown)
			break;
		*list = grown;
		grown[*n + 1] = NULL;
		if (!(grown[*n] = strdup(part)))
			break;
		++*n;
	}
	if (part) {
		fputs("provisioning: out of memory\n", stderr);
		free(copy);
		return CLI_EXIT_FAILURE;
	}
	free(copy);
	return CLI_EXIT_OK;
}

/* checkpoint.etcd.endpoints: a list of URLs, or one string of them separated by commas. */
static int read_endpoints(const prov_config *cfg, char ***out)
{
	static const char key[] = "checkpoint.etcd.endpoints";
	json_object *doc = NULL;
	char *json = NULL;
	size_t n = 0;
	int rc = CLI_EXIT_OK;

	*out = NULL;
	if (prov_config_get_json(cfg, key, &json) != PROV_OK)
		return CLI_EXIT_OK;
	doc = json_tokener_parse(json);
	prov_free(json);
	if (json_object_is_type(doc, json_type_string))
		rc = add_split(out, &n, json_object_get_string(doc));
	for (size_t i = 0; json_object_is_type(doc, json_type_array) && rc == CLI_EXIT_OK &&
			   i < json_object_array_length(doc); i++) {
		json_object *item = json_object_array_get_idx(doc, i);

		rc = json_object_is_type(item, json_type_string)
			     ? add_split(out, &n, json_object_get_string(item)) : CLI_EXIT_USAGE;
	}
	json_object_put(doc);
	if (rc == CLI_EXIT_USAGE || (rc == CLI_EXIT_OK && n == 0)) {
		fprintf(stderr, "provisioning: %s must be a list of URLs (or one string of them "
				"separated by commas)\n", key);
		rc = CLI_EXIT_FAILURE;
	}
	return rc;
}

static void free_settings(struct etcd_settings *s)
{
	for (size_t i = 0; s->endpoints && s->endpoints[i]; i++)
		free(s->endpoints[i]);
	free(s->endpoints);
}

static int read_etcd_strings(const prov_config *cfg, prov_checkpoint_etcd_options *o)
{
	if (optional_string(cfg, "checkpoint.etcd.prefix", &o->prefix) != PROV_OK ||
	    optional_string(cfg, "checkpoint.etcd.ca_file", &o->ca_file) != PROV_OK ||
	    optional_string(cfg, "checkpoint.etcd.cert_file", &o->cert_file) != PROV_OK ||
	    optional_string(cfg, "checkpoint.etcd.key_file", &o->key_file) != PROV_OK ||
	    optional_string(cfg, "checkpoint.etcd.user", &o->user) != PROV_OK ||
	    optional_string(cfg, "checkpoint.etcd.password", &o->password) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	return CLI_EXIT_OK;
}

static int read_etcd(const prov_config *cfg, struct etcd_settings *s)
{
	prov_checkpoint_etcd_options init = PROV_CHECKPOINT_ETCD_OPTIONS_INIT;
	prov_checkpoint_etcd_options *o = &s->options;
	int rc;

	*o = init;
	if ((rc = read_endpoints(cfg, &s->endpoints)) != CLI_EXIT_OK ||
	    (rc = read_etcd_strings(cfg, o)) != CLI_EXIT_OK ||
	    (rc = optional_int(cfg, "checkpoint.etcd.lease_ttl_s", &o->lease_ttl_s)) ||
	    (rc = optional_int(cfg, "checkpoint.etcd.connect_timeout_ms", &o->connect_timeout_ms)) ||
	    (rc = optional_int(cfg, "checkpoint.etcd.request_timeout_ms", &o->request_timeout_ms)) ||
	    (rc = optional_int(cfg, "checkpoint.etcd.retry_timeout_ms", &o->retry_timeout_ms)))
		return rc;
	o->endpoints = (const char *const *)s->endpoints;
	return CLI_EXIT_OK;
}

int cli_store_open(const prov_config *cfg, prov_checkpoint_store **out)
{
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	struct etcd_settings etcd = { PROV_CHECKPOINT_ETCD_OPTIONS_INIT, NULL };
	int rc = CLI_EXIT_OK;

	*out = NULL;
	if (optional_string(cfg, "checkpoint.store", &options.store) != PROV_OK ||
	    optional_string(cfg, "checkpoint.dir", &options.dir) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	/* The etcd settings matter, and are checked, only for the etcd store. */
	if (options.store && strcmp(options.store, "etcd") == 0) {
		rc = read_etcd(cfg, &etcd);
		options.etcd = &etcd.options;
	}
	if (rc == CLI_EXIT_OK && prov_checkpoint_store_open(out, &options) != PROV_OK)
		rc = cli_report_error(CLI_EXIT_FAILURE);
	free_settings(&etcd);
	return rc;
}
