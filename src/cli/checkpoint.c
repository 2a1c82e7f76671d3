/*
 * provisioning checkpoint list|show|delete: the checkpoints in the store the
 * configuration names (checkpoint.store, checkpoint.dir, checkpoint.etcd.*).
 */
#include "cli/cli.h"

#include <provisioning/provisioning.h>

#include <stdlib.h>
#include <string.h>

struct checkpoint_options {
	const char *prefix;
	const char *after;
	size_t limit;
	const char *id;
};

static int parse_limit(const char *text, size_t *out)
{
	char *end;
	unsigned long long n = strtoull(text, &end, 10);

	if (!*text || *end || text[0] == '-')
		return cli_usage_error("checkpoint list: --limit needs a number, not '%s'", text);
	*out = (size_t)n;
	return CLI_EXIT_OK;
}

static int parse_options(int argc, char **argv, struct checkpoint_options *o)
{
	bool listing = strcmp(argv[1], "list") == 0;

	for (int i = 2; i < argc; i++) {
		const char *value;
		int rc;

		if (listing && (value = cli_option_value("--prefix", argc, argv, &i))) {
			o->prefix = value;
		} else if (listing && (value = cli_option_value("--after", argc, argv, &i))) {
			o->after = value;
		} else if (listing && (value = cli_option_value("--limit", argc, argv, &i))) {
			if ((rc = parse_limit(value, &o->limit)))
				return rc;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("checkpoint %s: unknown option '%s'", argv[1], argv[i]);
		} else if (listing || o->id) {
			return cli_usage_error("checkpoint %s: unexpected argument '%s'", argv[1], argv[i]);
		} else {
			o->id = argv[i];
		}
	}
	if (!listing && !o->id)
		return cli_usage_error("checkpoint %s needs a workflow id", argv[1]);
	if (o->id && prov_workflow_id_validate(o->id) != PROV_OK)
		return cli_usage_error("%s", prov_error_last()->message);
	return CLI_EXIT_OK;
}

static int open_store(const struct cli_globals *g, prov_checkpoint_store **out)
{
	prov_config *cfg;
	int rc = cli_load_config(g, &cfg);

	if (rc == CLI_EXIT_OK)
		rc = cli_store_open(cfg, out);
	prov_config_free(cfg);
	return rc;
}

static void print_list_json(const prov_checkpoint_list *list)
{
	size_t n = prov_checkpoint_list_count(list);

	fputs("{\"checkpoints\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		const char *error = prov_checkpoint_list_error_at(list, i);

		printf("%s{\"workflow_id\":", i ? "," : "");
		cli_print_json_string(prov_checkpoint_list_id_at(list, i));
		printf(",\"step\":%lld,\"timestamp\":", prov_checkpoint_list_step_at(list, i));
		cli_print_json_string(prov_checkpoint_list_timestamp_at(list, i));
		fputs(",\"error\":", stdout);
		if (error)
			cli_print_json_string(error);
		else
			fputs("null", stdout);
		putchar('}');
	}
	fputs("],\"next\":", stdout);
	if (prov_checkpoint_list_next(list))
		cli_print_json_string(prov_checkpoint_list_next(list));
	else
		fputs("null", stdout);
	fputs("}\n", stdout);
}

static void print_list_text(const prov_checkpoint_list *list)
{
	size_t n = prov_checkpoint_list_count(list);

	if (n == 0) {
		puts("no checkpoints");
		return;
	}
	printf("%-40s %6s  %s\n", "WORKFLOW", "STEP", "UPDATED");
	for (size_t i = 0; i < n; i++) {
		const char *error = prov_checkpoint_list_error_at(list, i);

		if (error)
			printf("%-40s %6s  damaged: %s\n", prov_checkpoint_list_id_at(list, i), "-",
			       error);
		else
			printf("%-40s %6lld  %s\n", prov_checkpoint_list_id_at(list, i),
			       prov_checkpoint_list_step_at(list, i),
			       prov_checkpoint_list_timestamp_at(list, i));
	}
	if (prov_checkpoint_list_next(list))
		printf("more: checkpoint list --after %s\n", prov_checkpoint_list_next(list));
}

static int list_checkpoints(const struct cli_globals *g, prov_checkpoint_store *store,
			    const struct checkpoint_options *o)
{
	prov_checkpoint_list_options options = PROV_CHECKPOINT_LIST_OPTIONS_INIT;
	prov_checkpoint_list *list;

	options.prefix = o->prefix;
	options.after = o->after;
	options.limit = o->limit;
	if (prov_checkpoint_store_list(&list, store, &options) != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	if (g->json)
		print_list_json(list);
	else
		print_list_text(list);
	prov_checkpoint_list_free(list);
	return CLI_EXIT_OK;
}

static int show_checkpoint(const struct cli_globals *g, prov_checkpoint_store *store,
			   const char *id)
{
	prov_checkpoint *checkpoint;
	char *json;
	int rc = prov_checkpoint_store_load(&checkpoint, store, id);

	if (rc == PROV_OK)
		rc = g->json ? prov_checkpoint_to_json(&json, checkpoint)
			     : prov_checkpoint_to_json_pretty(&json, checkpoint);
	prov_checkpoint_free(checkpoint);
	if (rc != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	puts(json);
	prov_free(json);
	return CLI_EXIT_OK;
}

static int delete_checkpoint(const struct cli_globals *g, prov_checkpoint_store *store,
			     const char *id)
{
	prov_checkpoint_token *token;
	int rc = prov_checkpoint_store_acquire(&token, store, id);
	int released;

	if (rc != PROV_OK)
		return cli_report_error(rc == PROV_EBUSY ? CLI_EXIT_CONFLICT : CLI_EXIT_FAILURE);
	rc = prov_checkpoint_store_delete(store, token);
	/* A failed release replaces the delete's error only when it fails too. */
	released = prov_checkpoint_store_release(store, token);
	prov_checkpoint_token_free(token);
	if (rc != PROV_OK || released != PROV_OK)
		return cli_report_error(CLI_EXIT_FAILURE);
	if (g->json) {
		fputs("{\"deleted\":", stdout);
		cli_print_json_string(id);
		fputs("}\n", stdout);
	} else {
		printf("deleted checkpoint %s\n", id);
	}
	return CLI_EXIT_OK;
}

static void usage(FILE *out)
{
	fputs("usage: provisioning checkpoint list [--prefix P] [--after ID] [--limit N]\n"
	      "       provisioning checkpoint show ID\n"
	      "       provisioning checkpoint delete ID\n", out);
}

int cli_checkpoint(const struct cli_globals *g, int argc, char **argv)
{
	struct checkpoint_options o = { NULL, NULL, 0, NULL };
	prov_checkpoint_store *store;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "show") != 0 &&
	    strcmp(argv[1], "delete") != 0)
		return cli_usage_error("unknown checkpoint command '%s' (list, show or delete)", argv[1]);
	if ((rc = parse_options(argc, argv, &o)) != CLI_EXIT_OK ||
	    (rc = open_store(g, &store)) != CLI_EXIT_OK)
		return rc;
	if (strcmp(argv[1], "list") == 0)
		rc = list_checkpoints(g, store, &o);
	else if (strcmp(argv[1], "show") == 0)
		rc = show_checkpoint(g, store, o.id);
	else
		rc = delete_checkpoint(g, store, o.id);
	prov_checkpoint_store_close(store);
	return rc;
}
