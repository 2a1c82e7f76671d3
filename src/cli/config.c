/*
 * provisioning config show|get|validate|dump: the resolved configuration,
 * one key of it, its check against a schema, and one file converted.
 */
#include "cli/cli.h"

#include <provisioning/provisioning.h>

#include <stdlib.h>
#include <string.h>

struct config_options {
	prov_format format;      /* AUTO: the command's default */
	bool origin;
	bool show_secrets;
	const char *schema;
	const char *operand;     /* KEY or FILE */
};

static int parse_format(const char *name, prov_format *out)
{
	if (strcmp(name, "json") == 0)
		*out = PROV_FORMAT_JSON;
	else if (strcmp(name, "yaml") == 0)
		*out = PROV_FORMAT_YAML;
	else if (strcmp(name, "toml") == 0)
		*out = PROV_FORMAT_TOML;
	else
		return cli_usage_error("unknown format '%s' (json, yaml or toml)", name);
	return CLI_EXIT_OK;
}

static int parse_options(int argc, char **argv, struct config_options *o)
{
	for (int i = 2; i < argc; i++) {
		const char *value;
		int rc;

		if ((value = cli_option_value("--format", argc, argv, &i))) {
			if ((rc = parse_format(value, &o->format)))
				return rc;
		} else if ((value = cli_option_value("--schema", argc, argv, &i))) {
			o->schema = value;
		} else if (strcmp(argv[i], "--origin") == 0) {
			o->origin = true;
		} else if (strcmp(argv[i], "--show-secrets") == 0) {
			o->show_secrets = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("config %s: unknown option '%s'", argv[1], argv[i]);
		} else if (o->operand) {
			return cli_usage_error("config %s: unexpected argument '%s'", argv[1], argv[i]);
		} else {
			o->operand = argv[i];
		}
	}
	return CLI_EXIT_OK;
}

/* Append a key to a path, quoting keys that hold a dot, a quote or a backslash. */
static char *child_path(const char *path, const char *key)
{
	bool quote = !*key || strpbrk(key, ".\"\\") != NULL;
	size_t len = strlen(path) + strlen(key) * 2 + 4;
	char *out = malloc(len), *p;

	if (!out)
		return NULL;
	p = out + sprintf(out, "%s%s%s", path, *path ? "." : "", quote ? "\"" : "");
	for (; *key; key++) {
		if (quote && (*key == '"' || *key == '\\'))
			*p++ = '\\';
		*p++ = *key;
	}
	strcpy(p, quote ? "\"" : "");
	return out;
}

static int print_origin_leaf(const prov_config *c, const char *path, bool secret,
			     const struct config_options *o, bool *first)
{
	const char *layer, *file;
	char *value = NULL;
	int line, rc;

	rc = prov_config_get_origin(c, path, &layer, &file, &line);
	if (rc == PROV_OK && !secret)
		rc = prov_config_get_json(c, path, &value);
	if (rc)
		return rc;
	if (o->format == PROV_FORMAT_JSON) {
		fputs(*first ? "[\n  {\"key\": " : ",\n  {\"key\": ", stdout);
		cli_print_json_string(path);
		printf(", \"value\": %s, \"layer\": ", value ? value : "\"***\"");
		cli_print_json_string(layer);
		fputs(", \"file\": ", stdout);
		cli_print_json_string(file);
		printf(", \"line\": %d}", line);
	} else {
		printf("%s = %s  # %s", path, value ? value : "\"***\"", file);
		if (line > 0)
			printf(":%d", line);
		printf(" (%s)\n", layer);
	}
	*first = false;
	prov_free(value);
	return PROV_OK;
}

/* Every leaf under path with its origin, depth first in table order. */
static int print_origins(const prov_config *c, const char *path, bool secret,
			 const struct config_options *o, bool *first)
{
	size_t count = 0;
	int type, rc = prov_config_get_type(c, path, &type);
	bool table = type == PROV_CONFIG_TABLE;

	if (rc == PROV_OK && table)
		rc = prov_config_get_key_count(c, path, &count);
	else if (rc == PROV_OK && type == PROV_CONFIG_ARRAY)
		rc = prov_config_get_array_length(c, path, &count);
	if (rc)
		return rc;
	if (count == 0 || secret)
		return print_origin_leaf(c, path, secret, o, first);
	for (size_t i = 0; rc == PROV_OK && i < count; i++) {
		const char *key = NULL;
		char index[24], *child;

		if (table)
			rc = prov_config_get_key_at(c, path, i, &key);
		snprintf(index, sizeof(index), "%zu", i);
		child = rc ? NULL : child_path(path, table ? key : index);
		if (!rc && !child)
			return PROV_ENOMEM;
		if (child)
			rc = print_origins(c, child, table && !o->show_secrets &&
					   prov_config_is_secret_key(key), o, first);
		free(child);
	}
	return rc;
}

static int print_dump(char *text, int rc)
{
	if (rc)
		return cli_report_error(CLI_EXIT_FAILURE);
	fputs(text, stdout);
	prov_free(text);
	return CLI_EXIT_OK;
}

static int config_show(const struct cli_globals *g, struct config_options *o)
{
	prov_config *c;
	char *text = NULL;
	bool first = true;
	int rc = cli_load_config(g, &c);

	if (rc)
		return rc;
	if (o->format == PROV_FORMAT_AUTO)
		o->format = g->json ? PROV_FORMAT_JSON : PROV_FORMAT_YAML;
	if (o->origin) {
		rc = print_origins(c, "", false, o, &first);
		if (rc == PROV_OK && o->format == PROV_FORMAT_JSON)
			puts(first ? "[]" : "\n]");
		rc = rc ? cli_report_error(CLI_EXIT_FAILURE) : CLI_EXIT_OK;
	} else {
		rc = prov_config_dump(c, "", o->format,
				      o->show_secrets ? PROV_CONFIG_DUMP_SECRETS : 0, &text);
		rc = print_dump(text, rc);
	}
	prov_config_free(c);
	return rc;
}

static int config_get(const struct cli_globals *g, const struct config_options *o)
{
	prov_config *c;
	const char *s;
	char *json = NULL;
	int type, rc;

	if (!o->operand)
		return cli_usage_error("config get: which KEY?");
	if ((rc = cli_load_config(g, &c)))
		return rc;
	rc = prov_config_get_type(c, o->operand, &type);
	if (rc == PROV_OK && !g->json && type == PROV_CONFIG_STRING) {
		prov_config_get_string(c, o->operand, &s);
		puts(s);
	} else if (rc == PROV_OK && (rc = prov_config_get_json(c, o->operand, &json)) == PROV_OK) {
		puts(json);
	}
	if (rc)
		cli_report_error(CLI_EXIT_FAILURE);
	prov_free(json);
	prov_config_free(c);
	return rc ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

static void log_to_stderr(int level, const char *component, const char *message, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "provisioning: %s: %s: %s\n", prov_log_level_name(level), component, message);
}

static int config_validate(const struct cli_globals *g, const struct config_options *o)
{
	prov_config_schema *schema = NULL;
	prov_config *c = NULL;
	char *violations = NULL;
	int rc = cli_load_config(g, &c);

	if (rc)
		return rc;
	prov_log_set_handler(log_to_stderr, PROV_LOG_WARNING, NULL);
	if (o->schema && prov_config_schema_load(&schema, o->schema) != PROV_OK)
		rc = cli_report_error(CLI_EXIT_FAILURE);
	if (rc == CLI_EXIT_OK) {
		int status = prov_config_validate(c, schema, g->json ? 0 : PROV_CONFIG_VALIDATE_TEXT,
						  &violations);
		if (status == PROV_OK)
			puts(g->json ? violations : "configuration is valid");
		else if (status == PROV_ECONFIG)
			fputs(violations, g->json ? stdout : stderr);
		if (status == PROV_ECONFIG && g->json)
			putchar('\n');
		rc = status == PROV_OK ? CLI_EXIT_OK : cli_report_error(CLI_EXIT_FAILURE);
	}
	prov_log_set_handler(NULL, PROV_LOG_ERROR, NULL);
	prov_free(violations);
	prov_config_schema_free(schema);
	prov_config_free(c);
	return rc;
}

static int config_dump(const struct config_options *o)
{
	char *text = NULL;
	int rc;

	if (!o->operand)
		return cli_usage_error("config dump: which FILE?");
	rc = prov_config_dump_file(o->operand, o->format == PROV_FORMAT_AUTO ? PROV_FORMAT_JSON
							     : o->format,
				   o->show_secrets ? PROV_CONFIG_DUMP_SECRETS : 0, &text);
	return print_dump(text, rc);
}

int cli_config(const struct cli_globals *g, int argc, char **argv)
{
	struct config_options o = { PROV_FORMAT_AUTO, false, false, NULL, NULL };
	int rc;

	if (argc < 2)
		return cli_usage_error("config: show, get, validate or dump?");
	if ((rc = parse_options(argc, argv, &o)))
		return rc;
	if (strcmp(argv[1], "show") == 0)
		return config_show(g, &o);
	if (strcmp(argv[1], "get") == 0)
		return config_get(g, &o);
	if (strcmp(argv[1], "validate") == 0)
		return config_validate(g, &o);
	if (strcmp(argv[1], "dump") == 0)
		return config_dump(&o);
	return cli_usage_error("config: unknown subcommand '%s'", argv[1]);
}
