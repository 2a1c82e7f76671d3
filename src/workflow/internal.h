/*
 * What the files of the workflow component share: the loaded definition,
 * the problems found in it, the environment a workflow is checked and run
 * in, and the runner.
 */
#ifndef PROV_WORKFLOW_INTERNAL_H
#define PROV_WORKFLOW_INTERNAL_H

#include <provisioning/workflow.h>

#include "config/config.h"
#include "core/sha256.h"
#include "core/strbuf.h"
#include "core/value.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Defaults of DESIGN.md ("Workflow definition"). */
#define WF_DEFAULT_PARALLEL_LIMIT 4
#define WF_DEFAULT_TIMEOUT_MS 300000
#define WF_DEFAULT_MAX_ATTEMPTS 3
#define WF_DEFAULT_INITIAL_DELAY_MS 500
#define WF_DEFAULT_MAX_DELAY_MS 30000

/* An operation's on_failure. */
enum wf_on_failure { WF_ON_FAILURE_FAIL, WF_ON_FAILURE_CONTINUE, WF_ON_FAILURE_ROLLBACK };

struct wf_retry {
	unsigned int max_attempts;
	int backoff;                    /* a prov_dag_backoff */
	long long initial_delay_ms;
	long long max_delay_ms;
};

struct wf_dependency {
	char *op_id;                    /* as written */
	long op;                        /* its index; -1 for an optional one naming no operation */
	int type;                       /* a prov_dag_dependency */
};

struct wf_operation {
	char *id;
	char *provider;                 /* NULL for an extension task */
	char *extension;                /* NULL for a provider action */
	char *action;
	prov_value *params;             /* a table, unresolved */
	struct wf_dependency *deps;     /* depends_on and dependencies:, merged */
	size_t dep_count;
	size_t *refs;                   /* operations its {{ops.ID...}} references name */
	size_t ref_count;
	long long timeout_ms;
	int on_failure;                 /* enum wf_on_failure */
	struct wf_retry retry;
	const prov_value *node;         /* its table in the document, for file:line */
};

/* Problems found in a definition: each "FILE:LINE: message". */
struct wf_problem {
	char *file;
	unsigned int line;
	char *message;
};

struct wf_problems {
	struct wf_problem *items;
	size_t count;
};

struct prov_workflow {
	prov_value *document;           /* as read; operations point into it */
	char *id;
	char *name;
	char *version;
	unsigned int parallel_limit;
	long long timeout_ms;
	struct wf_retry retry;
	bool rollback_enabled;
	bool rollback_on_partial_failure;
	bool preserve_successful;
	prov_value *configuration;      /* a table, or NULL */
	struct wf_operation *ops;
	size_t op_count;
	size_t *by_id;                  /* operation indices sorted by id */
	struct wf_problems problems;    /* of the document alone */
	prov_value *normalised;
	char sha256[PROV_SHA256_HEX_SIZE];
};

/* problems.c */
void wf_problem(struct wf_problems *p, const prov_value *where, const char *fmt, ...)
	PROV_PRINTF(3, 4);
/* The calling thread's last error as a problem (its file:line, else where's). */
void wf_problem_from_error(struct wf_problems *p, const prov_value *where, const char *prefix);
void wf_problems_append(struct wf_problems *to, const struct wf_problems *from);
void wf_problems_release(struct wf_problems *p);
/* PROV_OK when there are none; else PROV_ECONFIG naming the count and the
 * first, with the report (one line each) in *report when not NULL. */
int wf_problems_report(const struct wf_problems *p, const char *what, char **report);

/* definition.c: readers that record a problem for a value of the wrong type. */
/* A problem for every key of table that is not in keys (NULL-terminated). */
void wf_check_keys(struct wf_problems *p, const prov_value *table, const char *const *keys,
		   const char *what);
/* table[key] as a non-empty string into *out (owned); false when absent or wrong. */
bool wf_read_string(struct wf_problems *p, const prov_value *table, const char *key, char **out);
bool wf_read_int(struct wf_problems *p, const prov_value *table, const char *key, long long min,
		 long long *out);
/* A sub-table: NULL when absent, or (with a problem) when not a table. */
const prov_value *wf_read_table(struct wf_problems *p, const prov_value *table, const char *key);
/* owner's retry table over base: the keys it sets replace base's. */
void wf_read_retry(struct wf_problems *p, const prov_value *owner, const struct wf_retry *base,
		   struct wf_retry *out);

/* definition.c, operations.c: reading a document into a workflow. */
int wf_read_settings(prov_workflow *wf, const prov_value *doc);
int wf_read_operations(prov_workflow *wf, const prov_value *doc);
void wf_operations_free(prov_workflow *wf);
/* The index of the operation called id, or -1. */
long wf_find_operation(const prov_workflow *wf, const char *id);
/* Problems of the dependency graph: cycles, naming one. */
void wf_check_graph(prov_workflow *wf);
/* A graph of the operations: nodes in definition order, every dependency. */
int wf_build_dag(prov_dag **out, const prov_workflow *wf, prov_dag_task_fn task,
		 void *userdata);

/* references.c */
typedef void (*wf_reference_fn)(const char *name, const prov_value *where, void *userdata);
/* Call fn for every {{...}} reference in the strings of v. */
void wf_scan_references(const prov_value *v, wf_reference_fn fn, void *userdata);
/* Whether a reference names an operation's output ("ops." first). */
bool wf_is_ops_reference(const char *name);
/* Split "ops.ID.output[.PATH]": the op id (owned) and PATH (borrowed, "" for
 * the whole output); false when the name has another shape. */
bool wf_parse_ops_reference(const char *name, char **op_id, const char **path);

/* normalise.c */
int wf_normalise(prov_workflow *wf);
const char *wf_on_failure_name(int on_failure);
const char *wf_backoff_name(int backoff);

/* The place a workflow is checked, planned and run in. */
struct wf_env {
	prov_config *config;            /* resolved with the workflow's configuration */
	prov_config_expander *expander;
	prov_registry *registry;        /* may be NULL: provider checks skipped */
};

/* env.c */
int wf_env_open(struct wf_env *env, const prov_workflow_runner *runner,
		const prov_workflow *wf);
void wf_env_close(struct wf_env *env);
/* Providers and actions, extensions and tasks, and config references:
 * every problem goes to p. Provider instances missing from the registry are
 * made from providers.<name>. */
void wf_env_check(struct wf_env *env, const prov_workflow *wf, struct wf_problems *p);
/* Make the provider instance `name` if the registry lacks it. */
int wf_env_ensure_provider(struct wf_env *env, const char *name);
/* The params of op with config references resolved; {{ops...}} references
 * go to `ops` (NULL: they are kept as written). */
int wf_expand_params(prov_value **out, const struct wf_env *env, const struct wf_operation *op,
		     prov_config_reference_fn ops, void *userdata);

/* The runner handle. */
struct prov_workflow_runner {
	prov_registry *registry;
	prov_config_resolver *resolver;
	prov_checkpoint_store *store;
	prov_bus *bus;
	unsigned int parallel_limit;
	long long wait_ms;
	pthread_mutex_t lock;           /* guards the two below */
	prov_dag *active;               /* the graph running now, for cancel */
	bool busy;                      /* a call is running */
	atomic_bool cancelled;
};

/* runner.c */
int wf_runner_enter(prov_workflow_runner *runner);
/* cancel_seen: the call was a run that a cancel may have reached. */
void wf_runner_leave(prov_workflow_runner *runner, bool cancel_seen);
bool wf_runner_cancelled(const prov_workflow_runner *runner);
/* Run a graph, cancellable through the runner. */
int wf_runner_run_dag(prov_workflow_runner *runner, prov_dag *dag,
		      const prov_dag_run_options *options);
/* Open env for wf and collect every problem (PROV_ECONFIG; env closed then). */
int wf_check(struct wf_env *env, char **report, prov_workflow_runner *runner,
	     const prov_workflow *wf);

#endif
