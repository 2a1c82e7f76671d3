/*
 * provisioning workflow plan|run|resume|status|list|cancel|rollback|graph:
 * the arguments of each, and the commands that only read a definition.
 */
#include "cli/workflow.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int workflow_exit_code(int rc)
{
	switch (rc) {
	case PROV_OK:
		return CLI_EXIT_OK;
	case PROV_EPARTIAL:
		return CLI_EXIT_PARTIAL;
	case PROV_ECANCELLED:
		return CLI_EXIT_CANCELLED;
	case PROV_EBUSY:
	case PROV_ECONFLICT:
		return CLI_EXIT_CONFLICT;
	default:
		return CLI_EXIT_FAILURE;
	}
}

struct subcommand {
	const char *name;
	const char *target;      /* "FILE", "ID" or NULL */
	const char *options;     /* the options it takes, for usage and parsing */
};

static const struct subcommand subcommands[] = {
	{ "plan", "FILE", "" },
	{ "run", "FILE", "--parallel --wait" },
	{ "resume", "ID", "--parallel --wait" },
	{ "status", "ID", "" },
	{ "list", NULL, "" },
	{ "cancel", "ID", "--wait" },
	{ "rollback", "ID", "--wait" },
	{ "graph", "FILE", "--format" },
};

static void usage(FILE *out)
{
	fputs("usage: provisioning workflow plan FILE\n"
	      "       provisioning workflow run FILE [--parallel N] [--wait[=SECONDS]]\n"
	      "       provisioning workflow resume ID [--parallel N] [--wait[=SECONDS]]\n"
	      "       provisioning workflow status ID\n"
	      "       provisioning workflow list\n"
	      "       provisioning workflow cancel ID [--wait=SECONDS]\n"
	      "       provisioning workflow rollback ID [--wait[=SECONDS]]\n"
	      "       provisioning workflow graph FILE [--format dot|mermaid]\n"
	      "--json (before the command) prints results as JSON.\n", out);
}

static int parse_number(const char *option, const char *text, long long min, long long *out)
{
	char *end;
	long long n = strtoll(text, &end, 10);

	if (!*text || *end || n < min)
		return cli_usage_error("workflow: %s needs a number of at least %lld, not '%s'",
				       option, min, text);
	*out = n;
	return CLI_EXIT_OK;
}

static bool takes(const struct subcommand *c, const char *option)
{
	return strstr(c->options, option) != NULL;
}

static int parse_option(const struct subcommand *c, int argc, char **argv, int *i,
			struct workflow_options *o)
{
	const char *value;
	long long n = 0;
	int rc = CLI_EXIT_OK;

	if (takes(c, "--parallel") && (value = cli_option_value("--parallel", argc, argv, i))) {
		if ((rc = parse_number("--parallel", value, 1, &n)) == CLI_EXIT_OK)
			o->parallel = n > 4096 ? 4096 : (unsigned int)n;
	} else if (takes(c, "--wait") && strcmp(argv[*i], "--wait") == 0) {
		o->wait_ms = -1;
	} else if (takes(c, "--wait") && strncmp(argv[*i], "--wait=", 7) == 0) {
		if ((rc = parse_number("--wait", argv[*i] + 7, 0, &n)) == CLI_EXIT_OK)
			o->wait_ms = n * 1000;
	} else if (takes(c, "--format") && (value = cli_option_value("--format", argc, argv, i))) {
		o->format = value;
	} else {
		rc = cli_usage_error("workflow %s: unknown option '%s'", c->name, argv[*i]);
	}
	return rc;
}

static int parse(const struct subcommand *c, int argc, char **argv, struct workflow_options *o)
{
	int rc = CLI_EXIT_OK;

	for (int i = 2; rc == CLI_EXIT_OK && i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			rc = parse_option(c, argc, argv, &i, o);
		else if (!c->target || o->target)
			rc = cli_usage_error("workflow %s: unexpected argument '%s'", c->name, argv[i]);
		else
			o->target = argv[i];
	}
	if (rc == CLI_EXIT_OK && c->target && !o->target)
		rc = cli_usage_error("workflow %s needs %s", c->name,
				     strcmp(c->target, "ID") == 0 ? "a workflow id" : "a definition file");
	if (rc == CLI_EXIT_OK && o->format && strcmp(o->format, "dot") != 0 &&
	    strcmp(o->format, "mermaid") != 0)
		rc = cli_usage_error("workflow graph: --format is dot or mermaid, not '%s'", o->format);
	if (rc == CLI_EXIT_OK && c->target && strcmp(c->target, "ID") == 0 &&
	    prov_workflow_id_validate(o->target) != PROV_OK)
		rc = cli_usage_error("%s", prov_error_last()->message);
	return rc;
}

/* Load a file and check the definition alone; problems printed a line each. */
static int load_checked(prov_workflow **out, const char *path, prov_workflow_runner *runner)
{
	char *problems = NULL;
	int rc = prov_workflow_load_file(out, path);

	if (rc != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	rc = prov_workflow_validate(&problems, runner, *out);
	if (rc == PROV_ECONFIG && problems)
		fputs(problems, stderr);
	else if (rc != PROV_OK)
		cli_report_error(0);
	prov_free(problems);
	if (rc != PROV_OK) {
		prov_workflow_free(*out);
		*out = NULL;
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static int graph(const struct workflow_options *o)
{
	prov_workflow *wf = NULL;
	char *drawing = NULL;
	int rc = load_checked(&wf, o->target, NULL);

	if (rc == CLI_EXIT_OK && prov_workflow_graph(&drawing, wf, o->format ? o->format : "dot"))
		rc = cli_report_error(CLI_EXIT_FAILURE);
	if (drawing)
		fputs(drawing, stdout);
	prov_free(drawing);
	prov_workflow_free(wf);
	return rc;
}

static void print_call(json_object *call)
{
	json_object *v, *deps;
	const char *target = json_object_object_get_ex(call, "provider", &v)
			     ? json_object_get_string(v) : NULL;

	if (!target && json_object_object_get_ex(call, "extension", &v))
		target = json_object_get_string(v);
	json_object_object_get_ex(call, "params", &v);
	printf("  %-20s %s %s %s", json_object_get_string(json_object_object_get(call, "op")),
	       target, json_object_get_string(json_object_object_get(call, "action")),
	       json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (json_object_object_get_ex(call, "depends_on", &deps) && json_object_array_length(deps))
		printf("  after %s", json_object_to_json_string_ext(deps, JSON_C_TO_STRING_PLAIN));
	putchar('\n');
}

static void print_plan(const char *plan_json)
{
	json_object *plan = json_tokener_parse(plan_json), *levels;

	printf("workflow %s (%s): %s operations, parallel %s\n",
	       json_object_get_string(json_object_object_get(plan, "workflow_id")),
	       json_object_get_string(json_object_object_get(plan, "name")),
	       json_object_get_string(json_object_object_get(plan, "operation_count")),
	       json_object_get_string(json_object_object_get(plan, "parallel_limit")));
	json_object_object_get_ex(plan, "levels", &levels);
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *level = json_object_array_get_idx(levels, i);

		printf("level %zu\n", i);
		for (size_t j = 0; j < json_object_array_length(level); j++)
			print_call(json_object_array_get_idx(level, j));
	}
	json_object_put(plan);
}

static int plan(const struct cli_globals *g, const struct workflow_options *o)
{
	prov_workflow_options opt = PROV_WORKFLOW_OPTIONS_INIT;
	struct cli_plugin_host host;
	prov_config_resolver *resolver = NULL;
	prov_workflow_runner *runner = NULL;
	prov_workflow *wf = NULL;
	char *json = NULL;
	int rc = cli_plugin_host_open(&host, g);

	if (rc == CLI_EXIT_OK)
		rc = cli_plugin_host_load_extensions(&host);
	if (rc == CLI_EXIT_OK)
		rc = cli_load_resolver(g, &resolver);
	opt.registry = host.registry;
	opt.resolver = resolver;
	if (rc == CLI_EXIT_OK && prov_workflow_runner_new(&runner, &opt) != PROV_OK)
		rc = cli_report_error(CLI_EXIT_FAILURE);
	if (rc == CLI_EXIT_OK)
		rc = load_checked(&wf, o->target, runner);
	if (rc == CLI_EXIT_OK && prov_workflow_plan(&json, runner, wf) != PROV_OK)
		rc = cli_report_error(CLI_EXIT_FAILURE);
	if (rc == CLI_EXIT_OK && g->json)
		puts(json);
	else if (rc == CLI_EXIT_OK)
		print_plan(json);
	prov_free(json);
	prov_workflow_free(wf);
	prov_workflow_runner_free(runner);
	prov_config_resolver_free(resolver);
	cli_plugin_host_close(&host);
	return rc;
}

int cli_workflow(const struct cli_globals *g, int argc, char **argv)
{
	struct workflow_options o = { NULL, 0, 0, NULL };
	const struct subcommand *c = NULL;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			c = &subcommands[i];
	if (!c)
		return cli_usage_error("unknown workflow command '%s' (plan, run, resume, status, "
				       "list, cancel, rollback or graph)", argv[1]);
	/* A cancel waits for the run to stop unless told how long to wait. */
	if (strcmp(c->name, "cancel") == 0)
		o.wait_ms = -1;
	if ((rc = parse(c, argc, argv, &o)) != CLI_EXIT_OK)
		return rc;
	if (strcmp(c->name, "plan") == 0)
		return plan(g, &o);
	if (strcmp(c->name, "run") == 0)
		return workflow_run(g, &o);
	if (strcmp(c->name, "resume") == 0)
		return workflow_resume(g, &o);
	if (strcmp(c->name, "status") == 0)
		return workflow_status(g, &o);
	if (strcmp(c->name, "list") == 0)
		return workflow_list(g);
	if (strcmp(c->name, "cancel") == 0)
		return workflow_cancel(g, &o);
	if (strcmp(c->name, "rollback") == 0)
		return workflow_rollback(g, &o);
	return graph(&o);
}
