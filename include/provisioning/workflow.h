/*
 * libprovisioning: workflows.
 *
 * A workflow definition (TOML, YAML or JSON; docs/WORKFLOWS.md) names
 * operations, each a provider action or an extension task, and the
 * dependencies between them. prov_workflow_load_file() reads one;
 * prov_workflow_validate() reports every problem at once, each with its
 * file:line; prov_workflow_plan() shows the calls a run would make.
 *
 * A runner (prov_workflow_runner) runs definitions: every operation is a
 * node of a dependency graph (<provisioning/dag.h>) executed in parallel,
 * with retries, timeouts and failure policies; every transition is an event
 * on the bus (<provisioning/bus.h>); the checkpoint store
 * (<provisioning/checkpoint.h>) keeps the definition and one record per
 * finished operation, so a run that stops for any reason is resumed by its
 * id alone, and what it created can be rolled back.
 *
 * Results are data exchange documents (JSON text):
 * {"format_version":1,"status":"success"|"error"|"partial"|"cancelled",
 *  "result":{"operation":"workflow","resources":[...],"data":{...},
 *  "metadata":{...}},"error":null|{"code","message","details"},
 *  "context":{"workflow_id","step"}}.
 */
#ifndef PROVISIONING_WORKFLOW_H
#define PROVISIONING_WORKFLOW_H

#include <provisioning/common.h>
#include <provisioning/error.h>
#include <provisioning/format.h>
#include <provisioning/bus.h>
#include <provisioning/checkpoint.h>
#include <provisioning/config.h>
#include <provisioning/dag.h>
#include <provisioning/plugin.h>

PROV_BEGIN_DECLS

/** The format_version of definitions this library writes and the newest it reads. */
#define PROV_WORKFLOW_FORMAT_VERSION 1

/** A loaded workflow definition: immutable; any number of threads may read it. */
typedef struct prov_workflow prov_workflow;

/** Runs workflows in one environment (plugins, config, store, bus). */
typedef struct prov_workflow_runner prov_workflow_runner;

/**
 * Load a definition from a file whose extension names its format (.toml,
 * .yaml, .yml, .json). A document that reads is loaded even when its
 * content has problems (an unknown key, a missing id, a cycle):
 * prov_workflow_validate() reports them all, and runs refuse it. A
 * definition without workflow_id gets a new one (wf-YYYYMMDD-HHMMSS-XXXXXX).
 *
 * Free with prov_workflow_free(). Errors: PROV_ENOTFOUND, PROV_EINVAL (an
 * unknown extension), PROV_EPARSE (naming file:line), PROV_EVERSION (a newer
 * format_version, named), PROV_ECONFIG (the document is not a table),
 * PROV_ENOMEM. Thread safety: any thread.
 */
PROV_API int prov_workflow_load_file(prov_workflow **out, const char *path);

/**
 * Load a definition from text in `format` (not PROV_FORMAT_AUTO); `name`
 * names it in messages as a file would. Errors as prov_workflow_load_file().
 */
PROV_API int prov_workflow_load_string(prov_workflow **out, const char *name, const char *text,
				       size_t len, prov_format format);

/** Free a definition. NULL is a no-op. */
PROV_API void prov_workflow_free(prov_workflow *workflow);

/** The workflow id (declared or generated). Borrowed from the definition. */
PROV_API const char *prov_workflow_id(const prov_workflow *workflow);

/** The workflow's name (its id when the definition has none). Borrowed. */
PROV_API const char *prov_workflow_name(const prov_workflow *workflow);

/**
 * The SHA-256 of the normalised definition, 64 lower-case hex digits: what
 * a checkpoint stores to tell whether a file still holds the definition its
 * run started from. Borrowed.
 */
PROV_API const char *prov_workflow_sha256(const prov_workflow *workflow);

/** The number of operations. */
PROV_API size_t prov_workflow_operation_count(const prov_workflow *workflow);

/** The id of operation `index` (definition order), borrowed; NULL past the end. */
PROV_API const char *prov_workflow_operation_id(const prov_workflow *workflow, size_t index);

/**
 * The normalised definition as JSON text (owned: free with prov_free()):
 * defaults filled in, `dependencies:` merged into each operation's
 * depends_on, references left as written (no secret is resolved into it).
 * This is what checkpoints store. Errors: PROV_ENOMEM.
 */
PROV_API int prov_workflow_to_json(char **out, const prov_workflow *workflow);

/**
 * Draw the operations and their dependencies, explicit and implied by
 * {{ops...}} references, as "dot" (Graphviz) or "mermaid" text (owned).
 * Errors: PROV_EINVAL for another format, PROV_ENOMEM.
 */
PROV_API int prov_workflow_graph(char **out, const prov_workflow *workflow, const char *format);

/** Options of prov_workflow_runner_new(). Start from PROV_WORKFLOW_OPTIONS_INIT. */
typedef struct prov_workflow_options {
	unsigned int size;                /**< sizeof(prov_workflow_options) */
	/**
	 * The plugins operations call. Provider instances the registry lacks
	 * are made from the resolved config's providers.<name>; extensions must
	 * be loaded already. Required by runs; without it validation skips the
	 * provider checks.
	 */
	prov_registry *registry;
	/**
	 * The config layers below a definition's `configuration:`; resolved
	 * again for each call with that layer on top, and left as it was. NULL:
	 * the built-in defaults only. Not used by other threads during a call.
	 */
	prov_config_resolver *resolver;
	/** Where checkpoints live (required by runs, resume and rollback). */
	prov_checkpoint_store *store;
	/** Where events go; NULL for nowhere. */
	prov_bus *bus;
	/** Most operations at once; 0: the definition's parallel_limit. */
	unsigned int parallel_limit;
	/**
	 * How long a run, resume or rollback waits while another owner holds
	 * the workflow, in milliseconds: 0 does not wait (PROV_EBUSY at once),
	 * a negative value waits as long as it takes. A cancel ends the wait.
	 */
	long long wait_ms;
} prov_workflow_options;

#define PROV_WORKFLOW_OPTIONS_INIT { sizeof(prov_workflow_options), NULL, NULL, NULL, NULL, 0, 0 }

/**
 * A runner over the environment in `options` (copied; the handles it names
 * are borrowed and must outlive the runner). Free with
 * prov_workflow_runner_free(). Errors: PROV_EINVAL, PROV_ENOMEM.
 * Thread safety: one call at a time per runner (a second gets PROV_EBUSY),
 * except prov_workflow_cancel(), from any thread at any time.
 */
PROV_API int prov_workflow_runner_new(prov_workflow_runner **out,
				      const prov_workflow_options *options);

/** Free a runner. NULL is a no-op. Not while one of its calls runs. */
PROV_API void prov_workflow_runner_free(prov_workflow_runner *runner);

/**
 * Report every problem of a definition at once, each on a line of its own
 * as "FILE:LINE: message": unknown keys and wrong types, missing or
 * duplicate operation ids, unknown dependency ids, dependency cycles (with
 * the path), {{ops.ID...}} references to operations that do not exist, and
 * with a runner: unknown providers, actions, extensions and tasks, and
 * config references that do not resolve. `runner` may be NULL (the
 * definition alone). `report` (may be NULL) receives the lines (owned; ""
 * when valid).
 *
 * Returns PROV_OK, or PROV_ECONFIG with a message that counts the problems
 * and quotes the first. Thread safety: see prov_workflow_runner_new().
 */
PROV_API int prov_workflow_validate(char **report, prov_workflow_runner *runner,
				    const prov_workflow *workflow);

/**
 * The plan of a valid definition, as JSON text (owned), calling no provider:
 * {"format_version":1,"workflow_id","name","definition_sha256",
 *  "parallel_limit","operation_count","levels":[[{"op","provider"|"extension",
 *  "action","params","depends_on","timeout_ms","on_failure","retry"}]]},
 * where a level's operations depend only on earlier levels, and params have
 * config references resolved ({{ops...}} kept as written, values of secret
 * keys shown as "***"). `runner` may be NULL. Errors: as
 * prov_workflow_validate() for an invalid definition, PROV_ENOMEM.
 */
PROV_API int prov_workflow_plan(char **plan, prov_workflow_runner *runner,
				const prov_workflow *workflow);

/**
 * Run a definition under its workflow id. With no checkpoint for the id it
 * starts afresh; with one of the same definition it continues an unfinished
 * run, or returns the stored result of a finished one without calling
 * anything; with another definition it is refused (PROV_ECONFLICT).
 *
 * `*result` (may be NULL) receives the data exchange result (owned) whenever
 * the run began. Returns PROV_OK (success), PROV_EPARTIAL (operations failed
 * under on_failure: continue), PROV_EWORKFLOW (the workflow ended in error,
 * rolled back or not), PROV_ECANCELLED (prov_workflow_cancel(); resume it
 * later), or before anything ran: PROV_ECONFIG (an invalid definition),
 * PROV_EBUSY (another owner runs it; the message names the holder),
 * PROV_ECONFLICT, PROV_EINVAL (no registry or store), PROV_ESTORE, PROV_ENOMEM.
 * A store that fails during the run ends it in error without rollback.
 */
PROV_API int prov_workflow_run(char **result, prov_workflow_runner *runner,
			       const prov_workflow *workflow);

/**
 * Continue a workflow from its checkpoint, by id alone: the definition comes
 * from the checkpoint, config is resolved again, completed operations keep
 * their outputs, and failed, skipped, cancelled and never-started operations
 * run (an operation that was running when its process died runs again with
 * the same idempotency key). A finished run that needs nothing (success, or
 * rolled back) returns its stored result. Returns as prov_workflow_run(),
 * and PROV_ENOTFOUND for an id without a checkpoint.
 */
PROV_API int prov_workflow_resume(char **result, prov_workflow_runner *runner,
				  const char *workflow_id);

/**
 * Run what is left on a workflow's rollback stack, newest first: after an
 * automatic rollback with preserve_successful, only the actions of the
 * operations that failed; otherwise every action. Actions that fail stay on
 * the stack for another call. `*result` receives the updated result, whose
 * status is "error" with rolled_back true. Returns PROV_OK when every
 * action it ran was undone, PROV_EPARTIAL when actions remain,
 * PROV_ECANCELLED when a cancel left actions unstarted, or before anything
 * ran PROV_ENOTFOUND, PROV_EBUSY and the errors of prov_workflow_run().
 */
PROV_API int prov_workflow_rollback(char **result, prov_workflow_runner *runner,
				    const char *workflow_id);

/**
 * Cancel the runner's call in progress; when none is, the next one starts
 * cancelled. Nothing new starts, running operations see it through their
 * call's cancellation, the checkpoint is saved, the result is "cancelled",
 * and no rollback starts. Thread safety: any thread, any time (not from a
 * signal handler: set a flag that a thread acts on).
 */
PROV_API void prov_workflow_cancel(prov_workflow_runner *runner);

PROV_END_DECLS

#endif
