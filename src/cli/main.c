/*
 * Entry point of the `provisioning` command: global options, then dispatch
 * to a subcommand from the table below.
 */
#include "cli/cli.h"

#include <provisioning/provisioning.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_command commands[] = {
	{ "config", "show, query, validate and convert configuration", cli_config },
	{ "plugins", "list the plugins on the search path", cli_plugins },
	{ "extensions", "list extensions, loaded or with the reason they are not", cli_extensions },
	{ "servers", "list, get, create and delete servers of a provider", cli_servers },
	{ "checkpoint", "list, show and delete the stored checkpoints", cli_checkpoint },
	{ "workflow", "plan, run, resume, cancel and roll back workflows", cli_workflow },
	{ NULL, NULL, NULL },
};

static void print_help(FILE *out)
{
	fputs("usage: provisioning [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Global options:\n"
	      "  --config FILE        add a config file (repeatable, later wins)\n"
	      "  --set KEY=VALUE      override a config key (repeatable)\n"
	      "  --workspace DIR      read the workspace layer from DIR\n"
	      "  --env NAME           select the environment layer config.NAME.*\n"
	      "  --json               print machine-readable JSON\n"
	      "  --help, -h           show this help\n"
	      "  --version            show versions\n"
	      "\n"
	      "Commands:\n", out);
	for (const struct cli_command *c = commands; c->name; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fputs("\n"
	      "Exit codes: 0 success, 1 failure, 2 usage, 3 partial, 4 conflict,\n"
	      "130 cancelled.\n", out);
}

static int print_version(bool json)
{
	const prov_version_info *v = prov_version();
	unsigned abi = v->plugin_abi;

	if (json)
		printf("{\"version\":\"%s\",\"library\":\"%s\",\"plugin_abi\":\"%u.%u\"}\n",
		       PROV_VERSION_STRING, v->version, abi >> 16, abi & 0xffff);
	else
		printf("provisioning %s (libprovisioning %s, plugin ABI %u.%u)\n",
		       PROV_VERSION_STRING, v->version, abi >> 16, abi & 0xffff);
	return CLI_EXIT_OK;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("provisioning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see provisioning --help)\n", stderr);
	return CLI_EXIT_USAGE;
}

int cli_report_error(int exit_code)
{
	const prov_error *e = prov_error_last();

	fprintf(stderr, "provisioning: %s\n", e->message[0] ? e->message : prov_strerror(e->code));
	return exit_code;
}

void cli_print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int push_option(const char ***list, int *count, const char *value)
{
	const char **grown = realloc(*list, sizeof(**list) * (size_t)(*count + 1));

	if (!grown)
		return -1;
	grown[(*count)++] = value;
	*list = grown;
	return 0;
}

const char *cli_option_value(const char *name, int argc, char **argv, int *i)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Parse global options; returns the index of the command, or -1 after an error. */
static int parse_globals(struct cli_globals *g, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *value;
		int rc = 0;

		if ((value = cli_option_value("--config", argc, argv, &i)))
			rc = push_option(&g->config_files, &g->config_count, value);
		else if ((value = cli_option_value("--set", argc, argv, &i)))
			rc = push_option(&g->overrides, &g->override_count, value);
		else if ((value = cli_option_value("--workspace", argc, argv, &i)))
			g->workspace = value;
		else if ((value = cli_option_value("--env", argc, argv, &i)))
			g->env_name = value;
		else if (strcmp(argv[i], "--json") == 0)
			g->json = true;
		else
			break;
		if (rc != 0) {
			fputs("provisioning: out of memory\n", stderr);
			return -1;
		}
	}
	return i;
}

static const struct cli_command *find_command(const char *name)
{
	for (const struct cli_command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int dispatch(struct cli_globals *g, int argc, char **argv)
{
	int first = parse_globals(g, argc, argv);
	const struct cli_command *command;

	if (first < 0)
		return CLI_EXIT_FAILURE;
	if (first >= argc)
		return cli_usage_error("no command given");
	if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0 ||
	    strcmp(argv[first], "help") == 0) {
		print_help(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[first], "--version") == 0 || strcmp(argv[first], "version") == 0)
		return print_version(g->json);
	if (argv[first][0] == '-')
		return cli_usage_error("unknown option '%s'", argv[first]);
	command = find_command(argv[first]);
	if (!command)
		return cli_usage_error("unknown command '%s'", argv[first]);
	return command->run(g, argc - first, argv + first);
}

int main(int argc, char **argv)
{
	struct cli_globals globals = { 0 };
	int rc;

	globals.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	rc = dispatch(&globals, argc, argv);
	free(globals.config_files);
	free(globals.overrides);
	return rc;
}
