/* What the files of `provisioning workflow` share. */
#ifndef PROV_CLI_WORKFLOW_H
#define PROV_CLI_WORKFLOW_H

#include "cli/cli.h"
#include "cli/plugin_host.h"

#include <provisioning/provisioning.h>

struct workflow_options {
	const char *target;          /* FILE or ID */
	unsigned int parallel;       /* --parallel N; 0: the definition's */
	long long wait_ms;           /* --wait[=SECONDS]: -1 for as long as it takes */
	const char *format;          /* --format dot|mermaid */
};

/* The exit code a workflow call's status stands for (DESIGN.md "The command"). */
int workflow_exit_code(int rc);

/* workflow_run.c: run FILE, resume ID, rollback ID. */
int workflow_run(const struct cli_globals *g, const struct workflow_options *o);
int workflow_resume(const struct cli_globals *g, const struct workflow_options *o);
int workflow_rollback(const struct cli_globals *g, const struct workflow_options *o);

/* workflow_stored.c: status ID, list, cancel ID. */
int workflow_status(const struct cli_globals *g, const struct workflow_options *o);
int workflow_list(const struct cli_globals *g);
int workflow_cancel(const struct cli_globals *g, const struct workflow_options *o);
/* The path of ID's cancel request: workflow.cancel_dir/ID (malloc'd), or NULL. */
char *workflow_cancel_request_path(const prov_config *config, const char *id);

/*
 * workflow_progress.c: the live display of a run, fed by the bus. On a
 * terminal, finished operations print a line each above a live region of
 * the running ones with their elapsed time; elsewhere every transition is
 * a plain line. Colours only when g->color.
 */
struct progress;
struct progress *progress_start(prov_bus *bus, const struct cli_globals *g);
/* Redraw the running operations' times (a terminal only); any thread. */
void progress_tick(struct progress *p);
/* Close the bus, print what is still queued, and free the display. */
void progress_finish(struct progress *p);
/* The summary line of a result document. */
void progress_summary(const char *result_json, const struct cli_globals *g);

#endif
