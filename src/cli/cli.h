/*
 * The `provisioning` command. It is a client of the public API only: it
 * includes <provisioning/...> headers and links the shared library like any
 * other program, so it proves the API is enough to build a real tool.
 */
#ifndef PROV_CLI_H
#define PROV_CLI_H

#include <provisioning/checkpoint.h>
#include <provisioning/config.h>

#include <stdbool.h>
#include <stdio.h>

/* Exit codes, the command's stable contract with scripts. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_PARTIAL = 3,
	CLI_EXIT_CONFLICT = 4,
	CLI_EXIT_CANCELLED = 130,
};

/* Options that come before the subcommand and apply to all of them. */
struct cli_globals {
	const char **config_files;  /* each --config FILE, in order */
	int config_count;
	const char **overrides;     /* each --set key.path=value, in order */
	int override_count;
	const char *workspace;      /* --workspace DIR */
	const char *env_name;       /* --env NAME */
	bool json;                  /* --json: machine-readable output */
	bool color;                 /* a terminal, and NO_COLOR unset */
};

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(const struct cli_globals *globals, int argc, char **argv);
};

/*
 * Resolve the configuration from the standard layers (discovered from the
 * current directory), --workspace, --env, each --config and each --set.
 * Returns CLI_EXIT_OK with *out set (free with prov_config_free()), or
 * prints the error as one line and returns CLI_EXIT_FAILURE.
 */
int cli_load_config(const struct cli_globals *g, prov_config **out);

/*
 * Open the checkpoint store the configuration names (checkpoint.store,
 * checkpoint.dir, checkpoint.etcd.*). Returns CLI_EXIT_OK with *out set, or
 * prints the error as one line and returns CLI_EXIT_FAILURE.
 */
int cli_store_open(const prov_config *cfg, prov_checkpoint_store **out);

/*
 * The resolver behind cli_load_config(), unresolved, for commands that add
 * layers of their own (a workflow's configuration). Free it with
 * prov_config_resolver_free(). CLI_EXIT_OK, or the error printed.
 */
int cli_load_resolver(const struct cli_globals *g, prov_config_resolver **out);

/* An option that takes a value, as "--name VALUE" or "--name=VALUE": the
 * value, advancing *i past it, or NULL when argv[*i] is not that option. */
const char *cli_option_value(const char *name, int argc, char **argv, int *i);

/* Print s on stdout as a JSON string, quoted and escaped. */
void cli_print_json_string(const char *s);

/* provisioning config show|get|validate|dump */
int cli_config(const struct cli_globals *g, int argc, char **argv);

/* provisioning plugins list */
int cli_plugins(const struct cli_globals *g, int argc, char **argv);

/* provisioning extensions list */
int cli_extensions(const struct cli_globals *g, int argc, char **argv);

/* provisioning servers list|get|create|delete --provider NAME */
int cli_servers(const struct cli_globals *g, int argc, char **argv);

/* provisioning checkpoint list|show|delete */
int cli_checkpoint(const struct cli_globals *g, int argc, char **argv);

/* provisioning workflow plan|run|resume|status|list|cancel|rollback|graph */
int cli_workflow(const struct cli_globals *g, int argc, char **argv);

/* Print "provisioning: MESSAGE" on stderr and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the library's last error on stderr as one line; returns exit_code. */
int cli_report_error(int exit_code);

#endif
