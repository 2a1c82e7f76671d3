/*
 * provisioning servers list|get|create|delete --provider NAME
 *   [--param KEY=VALUE ...] [--spec FILE]
 * Calls one provider instance; --json prints the data exchange document.
 */
#include "cli/plugin_host.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct servers_args {
	const char *action;             /* list_servers, get_server, ... */
	const char *provider;
	const char *id;
	const char *spec_file;
	json_object *params;
};

static const struct {
	const char *verb;
	const char *action;
	bool needs_id;
} verbs[] = {
	{ "list", "list_servers", false },
	{ "get", "get_server", true },
	{ "create", "create_server", false },
	{ "delete", "delete_server", true },
};

/* VALUE as JSON when all of it reads as a number, bool, null, object or array. */
static json_object *param_value(const char *text)
{
	json_tokener *tok = json_tokener_new();
	json_object *value = tok ? json_tokener_parse_ex(tok, text, (int)strlen(text)) : NULL;
	bool whole = tok && json_tokener_get_error(tok) == json_tokener_success &&
		     json_tokener_get_parse_end(tok) == strlen(text);

	json_tokener_free(tok);
	if (!value || !whole || json_object_is_type(value, json_type_string)) {
		json_object_put(value);
		value = json_object_new_string(text);
	}
	return value;
}

/* KEY=VALUE: VALUE is JSON when it reads as JSON other than a string, else a string. */
static int add_param(json_object *params, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	char *key;

	if (!eq || eq == assignment)
		return -1;
	key = strndup(assignment, (size_t)(eq - assignment));
	json_object_object_add(params, key, param_value(eq + 1));
	free(key);
	return 0;
}

static int parse_verb(struct servers_args *a, const char *verb)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].verb, verb) == 0) {
			a->action = verbs[i].action;
			return verbs[i].needs_id ? 1 : 0;
		}
	return -1;
}

static int parse_args(struct servers_args *a, int argc, char **argv)
{
	int needs_id = argc > 1 ? parse_verb(a, argv[1]) : -1;

	if (needs_id < 0)
		return cli_usage_error("usage: provisioning servers list|get|create|delete --provider NAME");
	for (int i = 2; i < argc; i++) {
		const char *value;

		if ((value = cli_option_value("--provider", argc, argv, &i)))
			a->provider = value;
		else if ((value = cli_option_value("--spec", argc, argv, &i)))
			a->spec_file = value;
		else if ((value = cli_option_value("--param", argc, argv, &i))) {
			if (add_param(a->params, value) != 0)
				return cli_usage_error("--param takes KEY=VALUE, not '%s'", value);
		} else if (argv[i][0] != '-' && needs_id && !a->id)
			a->id = argv[i];
		else
			return cli_usage_error("servers %s: unexpected argument '%s'", argv[1], argv[i]);
	}
	if (!a->provider)
		return cli_usage_error("servers %s needs --provider NAME", argv[1]);
	if (needs_id && !a->id)
		return cli_usage_error("servers %s needs a server id", argv[1]);
	return CLI_EXIT_OK;
}

/* The --spec file's object, with the --param values over it. */
static int merge_spec(struct servers_args *a)
{
	json_object *spec;

	if (!a->spec_file)
		return CLI_EXIT_OK;
	spec = json_object_from_file(a->spec_file);
	if (!json_object_is_type(spec, json_type_object)) {
		json_object_put(spec);
		fprintf(stderr, "provisioning: %s: the spec must be a JSON object\n", a->spec_file);
		return CLI_EXIT_FAILURE;
	}
	json_object_object_foreach(a->params, key, value)
		json_object_object_add(spec, key, json_object_get(value));
	json_object_put(a->params);
	a->params = spec;
	return CLI_EXIT_OK;
}

static void print_fields(json_object *record)
{
	json_object_object_foreach(record, key, value)
		printf("%-12s %s\n", key, json_object_is_type(value, json_type_string)
		       ? json_object_get_string(value) : json_object_to_json_string(value));
}

static void print_data(json_object *data)
{
	if (!json_object_is_type(data, json_type_array)) {
		if (json_object_is_type(data, json_type_object))
			print_fields(data);
		return;
	}
	printf("%-10s %-20s %-9s %-15s %-12s %s\n", "ID", "HOSTNAME", "STATUS", "IP", "PLAN", "ZONE");
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		json_object *s = json_object_array_get_idx(data, i);
		const char *f[6] = { "id", "hostname", "status", "ip_address", "plan", "zone" };
		const char *v[6];

		for (int k = 0; k < 6; k++) {
			json_object *x = json_object_object_get(s, f[k]);

			v[k] = x ? json_object_get_string(x) : "-";
		}
		printf("%-10s %-20s %-9s %-15s %-12s %s\n", v[0], v[1], v[2], v[3], v[4], v[5]);
	}
}

static int call(const struct cli_globals *g, struct servers_args *a)
{
	struct cli_plugin_host host;
	char *document = NULL;
	int rc = cli_plugin_host_open(&host, g), status;

	if (rc == CLI_EXIT_OK)
		rc = cli_plugin_host_add_provider(&host, a->provider);
	if (rc != CLI_EXIT_OK) {
		cli_plugin_host_close(&host);
		return rc;
	}
	if (a->id)
		json_object_object_add(a->params, "id", json_object_new_string(a->id));
	status = prov_provider_call(&document, host.registry, a->provider, a->action,
				    json_object_to_json_string(a->params), NULL);
	if (document && g->json)
		printf("%s\n", document);
	else if (document && status == PROV_OK) {
		json_object *doc = json_tokener_parse(document);

		print_data(json_object_object_get(json_object_object_get(doc, "result"), "data"));
		json_object_put(doc);
	}
	rc = status == PROV_OK ? CLI_EXIT_OK : cli_report_error(CLI_EXIT_FAILURE);
	prov_free(document);
	cli_plugin_host_close(&host);
	return rc;
}

int cli_servers(const struct cli_globals *g, int argc, char **argv)
{
	struct servers_args a = { .params = json_object_new_object() };
	int rc = parse_args(&a, argc, argv);

	if (rc == CLI_EXIT_OK)
		rc = merge_spec(&a);
	if (rc == CLI_EXIT_OK)
		rc = call(g, &a);
	json_object_put(a.params);
	return rc;
}
