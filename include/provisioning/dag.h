/*
 * libprovisioning: dependency graphs and their parallel executor.
 *
 * A graph holds nodes with unique string ids, each with a task callback and
 * userdata, and dependencies "node depends on other" of three types: hard
 * (a failure of the other node skips this one), soft (ordering only) and
 * optional (ordering only, and only when a node of that id exists). The graph
 * gives a deterministic topological order, execution levels, a cycle check
 * whose error names the cycle ("a -> b -> a"), and a DOT drawing coloured by
 * the state each node reached in the last run.
 *
 * prov_dag_run() executes the graph on up to `parallelism` threads: a node
 * starts as soon as its dependencies allow, with per-node retries, timeouts
 * and failure policy, and cancellation from any thread. Afterwards every
 * node has a report (state, attempts, duration, error).
 *
 * Nodes are numbered from 0 in the order they were added; the getters take
 * that index (prov_dag_find_node() turns an id into it).
 *
 * Thread safety: a graph is used by one thread at a time, with two
 * exceptions: prov_dag_cancel() may be called from any thread at any time,
 * and while prov_dag_run() executes, tasks and callbacks use only the
 * prov_dag_context_*() functions (and prov_dag_cancel()) on it.
 */
#ifndef PROVISIONING_DAG_H
#define PROVISIONING_DAG_H

#include <provisioning/common.h>
#include <provisioning/error.h>

PROV_BEGIN_DECLS

/** A dependency graph and the report of its last run. */
typedef struct prov_dag prov_dag;

/**
 * What a task and the run callbacks see of the node they are about: its id,
 * the attempt, the deadline, cancellation, and after an attempt its outcome.
 * Borrowed: valid only during the call that received it.
 */
typedef struct prov_dag_context prov_dag_context;

/** Types of dependency. */
typedef enum prov_dag_dependency {
	PROV_DAG_HARD = 0,     /**< ordering; a failed or skipped dependency skips the node */
	PROV_DAG_SOFT = 1,     /**< ordering only: the node runs whatever the other's outcome */
	PROV_DAG_OPTIONAL = 2  /**< as soft, and ignored when no node has that id */
} prov_dag_dependency;

/** The state of a node; after a run every node is in one of the last four
 *  or, having been marked completed beforehand, completed. */
typedef enum prov_dag_state {
	PROV_DAG_PENDING = 0,
	PROV_DAG_RUNNING = 1,
	PROV_DAG_COMPLETED = 2,
	PROV_DAG_FAILED = 3,
	PROV_DAG_SKIPPED = 4,
	PROV_DAG_CANCELLED = 5
} prov_dag_state;

/** How the delay between attempts grows. */
typedef enum prov_dag_backoff {
	PROV_DAG_BACKOFF_NONE = 0,        /**< every retry waits initial_delay_ms */
	PROV_DAG_BACKOFF_LINEAR = 1,      /**< retry k waits k * initial_delay_ms */
	PROV_DAG_BACKOFF_EXPONENTIAL = 2  /**< retry k waits 2^(k-1) * initial_delay_ms */
} prov_dag_backoff;

/** What a node's final failure does to the rest of the run. */
typedef enum prov_dag_failure_policy {
	PROV_DAG_ON_FAILURE_DEFAULT = 0,  /**< the run's policy (for the run: fail) */
	PROV_DAG_ON_FAILURE_FAIL = 1,     /**< nothing new starts; running nodes finish */
	PROV_DAG_ON_FAILURE_CONTINUE = 2  /**< only the node's hard dependents are skipped */
} prov_dag_failure_policy;

/**
 * A node's work, called on a worker thread, once per attempt. Return PROV_OK
 * on success, or a PROV_E* code on failure: the calling thread's last error
 * (prov_error_last(), or what prov_dag_context_fail() recorded) becomes the
 * node's error. A NULL task completes at once.
 */
typedef int (*prov_dag_task_fn)(prov_dag_context *context, void *userdata);

/** A run callback: node start, finish or retry (see prov_dag_run_options). */
typedef void (*prov_dag_event_fn)(const prov_dag_context *context, void *userdata);

/** Retries of a node. Start from PROV_DAG_RETRY_POLICY_INIT. */
typedef struct prov_dag_retry_policy {
	unsigned int size;            /**< sizeof(prov_dag_retry_policy) */
	unsigned int max_attempts;    /**< attempts in all, first included; 0 counts as 1 */
	int backoff;                  /**< a prov_dag_backoff */
	long long initial_delay_ms;   /**< delay before the first retry */
	long long max_delay_ms;       /**< cap on any delay; <= 0: no cap */
	int jitter;                   /**< non-zero: each delay is drawn from [delay/2, delay] */
} prov_dag_retry_policy;

#define PROV_DAG_RETRY_POLICY_INIT { sizeof(prov_dag_retry_policy), 1, PROV_DAG_BACKOFF_NONE, 0, 0, 0 }

/** Per-node settings. Start from PROV_DAG_NODE_OPTIONS_INIT. */
typedef struct prov_dag_node_options {
	unsigned int size;                   /**< sizeof(prov_dag_node_options) */
	const prov_dag_retry_policy *retry;  /**< copied; NULL: the run's policy */
	long long timeout_ms;                /**< per attempt; 0: the run's; < 0: none */
	int on_failure;                      /**< a prov_dag_failure_policy */
} prov_dag_node_options;

#define PROV_DAG_NODE_OPTIONS_INIT { sizeof(prov_dag_node_options), NULL, 0, PROV_DAG_ON_FAILURE_DEFAULT }

/**
 * A clock for the executor: where time comes from for durations, deadlines
 * and retry delays, and how it waits for a delayed retry. Tests inject one so
 * retries never sleep for real. Both functions are called from worker threads
 * (several at once when parallelism > 1). Start from PROV_DAG_CLOCK_INIT.
 */
typedef struct prov_dag_clock {
	unsigned int size;                               /**< sizeof(prov_dag_clock) */
	long long (*now_ns)(void *userdata);             /**< monotonic nanoseconds */
	/** Wait until now_ns() reaches deadline_ns; may return early (the
	 *  executor checks again). Called only when nothing else can run. */
	void (*sleep_until_ns)(long long deadline_ns, void *userdata);
	void *userdata;
} prov_dag_clock;

#define PROV_DAG_CLOCK_INIT { sizeof(prov_dag_clock), NULL, NULL, NULL }

/** Options of prov_dag_run(). Start from PROV_DAG_RUN_OPTIONS_INIT. */
typedef struct prov_dag_run_options {
	unsigned int size;                   /**< sizeof(prov_dag_run_options) */
	unsigned int parallelism;            /**< most tasks at once; 0: one per online CPU */
	int on_failure;                      /**< default prov_dag_failure_policy of nodes */
	const prov_dag_retry_policy *retry;  /**< default retries; NULL: one attempt */
	long long timeout_ms;                /**< default per-attempt timeout; <= 0: none */
	const prov_dag_clock *clock;         /**< NULL: the system's monotonic clock */
	prov_dag_event_fn on_start;          /**< before a node's first attempt */
	prov_dag_event_fn on_retry;          /**< after a failed attempt that will be retried */
	prov_dag_event_fn on_finish;         /**< once a node is completed, failed, skipped or cancelled */
	void *userdata;                      /**< passed to the three callbacks */
	unsigned long long jitter_seed;      /**< seeds retry jitter (the same seed, the same delays) */
} prov_dag_run_options;

#define PROV_DAG_RUN_OPTIONS_INIT { sizeof(prov_dag_run_options), 1, PROV_DAG_ON_FAILURE_FAIL, \
				    NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 }

/**
 * Create an empty graph in *out (free with prov_dag_free()).
 * Errors: PROV_EINVAL (out is NULL), PROV_ENOMEM.
 */
PROV_API int prov_dag_new(prov_dag **out);

/** Free a graph and its report. NULL is a no-op. Not during a run. */
PROV_API void prov_dag_free(prov_dag *dag);

/**
 * Add a node. The id (non-empty UTF-8 without control characters) is
 * copied; task may be NULL (the node completes at once); userdata is passed
 * to the task. Errors: PROV_EEXISTS naming a duplicate id, PROV_EINVAL (bad
 * id), PROV_ERANGE (more than 2^30 nodes), PROV_ENOMEM.
 */
PROV_API int prov_dag_add_node(prov_dag *dag, const char *id, prov_dag_task_fn task,
			       void *userdata);

/**
 * Set a node's retry policy, timeout and failure policy (options are copied;
 * fields a smaller, older struct lacks keep their defaults).
 * Errors: PROV_ENOTFOUND naming the id, PROV_EINVAL, PROV_ENOMEM.
 */
PROV_API int prov_dag_set_node_options(prov_dag *dag, const char *id,
				       const prov_dag_node_options *options);

/**
 * Record that `node` depends on `depends_on` (a prov_dag_dependency type):
 * `node` starts only after `depends_on` has finished. A hard or soft
 * dependency needs both nodes to exist; an optional one may name an id that
 * is added later or never (then it is ignored). Adding the same dependency
 * twice is harmless. Errors: PROV_ENOTFOUND naming the unknown id,
 * PROV_ECYCLE for a node depending on itself ("a -> a"), PROV_EINVAL,
 * PROV_ENOMEM.
 */
PROV_API int prov_dag_add_dependency(prov_dag *dag, const char *node, const char *depends_on,
				     int type);

/**
 * Mark a node completed before a run (resuming earlier work): runs leave it
 * completed without calling its task, and it satisfies its dependents.
 * Errors: PROV_ENOTFOUND naming the id, PROV_EINVAL.
 */
PROV_API int prov_dag_mark_completed(prov_dag *dag, const char *id);

/** The number of nodes (0 for NULL). */
PROV_API size_t prov_dag_node_count(const prov_dag *dag);

/** The id of node `index`, borrowed from the graph; NULL when out of range. */
PROV_API const char *prov_dag_node_id(const prov_dag *dag, size_t index);

/**
 * The index of the node called `id` in *index.
 * Errors: PROV_ENOTFOUND naming the id, PROV_EINVAL.
 */
PROV_API int prov_dag_find_node(size_t *index, const prov_dag *dag, const char *id);

/**
 * Check that the graph has no cycle. Errors: PROV_ECYCLE with a message
 * naming one cycle, each node depending on the next ("dependency cycle:
 * a -> b -> c -> a"), PROV_EINVAL, PROV_ENOMEM.
 */
PROV_API int prov_dag_validate(prov_dag *dag);

/**
 * Write the node indices in topological order (every node after all its
 * dependencies of any type) into `order`, an array of prov_dag_node_count()
 * entries. Deterministic: whenever several nodes could come next, the one
 * added first does, so an insertion order that already respects the
 * dependencies is returned unchanged. Errors: as prov_dag_validate().
 */
PROV_API int prov_dag_topological_order(size_t *order, prov_dag *dag);

/**
 * Execution levels: level_of_node[i] (an array of prov_dag_node_count()
 * entries) receives 0 for a node without dependencies, else one more than
 * the highest level among its dependencies; *level_count (may be NULL) the
 * number of levels. Nodes of one level never depend on each other.
 * Errors: as prov_dag_validate().
 */
PROV_API int prov_dag_levels(size_t *level_of_node, size_t *level_count, prov_dag *dag);

/**
 * Draw the graph in Graphviz DOT into *out (owned, free with prov_free()):
 * arrows go from a dependency to its dependent (soft dashed, optional
 * dotted), and nodes are filled by the state of the last run. Errors:
 * PROV_EINVAL, PROV_ENOMEM.
 */
PROV_API int prov_dag_to_dot(char **out, prov_dag *dag);

/**
 * Run the graph: check it (as prov_dag_validate()), then execute every node
 * not marked completed, on the calling thread plus parallelism - 1 worker
 * threads, never more than `parallelism` tasks at once. A node starts when
 * all its dependencies have finished; if a hard dependency did not complete,
 * the node is skipped instead.
 *
 * An attempt fails when its task returns an error, or when it returns after
 * its deadline (the timeout is cooperative: the task reads the deadline from
 * its context; a late attempt fails with PROV_ETIMEOUT when it returns, and
 * no dependent starts before). A failed attempt is retried after the policy's
 * delay unless it was the last, the task called
 * prov_dag_context_set_retryable(ctx, 0), or the run was cancelled. A node
 * whose last attempt failed is failed, or cancelled when its error is
 * PROV_ECANCELLED or the cancel took a retry away; then its failure policy
 * applies: fail (no node starts any more, running nodes finish, never-started
 * ones end skipped) or continue.
 *
 * prov_dag_cancel() stops the run: no node starts any more, running tasks
 * see it through prov_dag_context_cancelled(), delayed retries are dropped,
 * and nodes that did not finish end cancelled.
 *
 * Callbacks run on worker threads: on_start before a node's first attempt,
 * on_retry after an attempt that will be retried (before the delay),
 * on_finish once per node that reached a final state in this run (skipped
 * and cancelled ones included), before any dependent starts.
 *
 * Returns PROV_OK when every node completed; PROV_ECANCELLED when the run was
 * cancelled; PROV_EWORKFLOW when a node failed under the fail policy;
 * PROV_EPARTIAL when nodes failed only under the continue policy (the message
 * names the first failed node); PROV_ECYCLE, PROV_EINVAL, PROV_EBUSY (a run
 * is already going on) or PROV_ENOMEM before anything ran. Worker threads
 * that cannot be created leave fewer workers (a warning is logged). The
 * report of the previous run is replaced.
 */
PROV_API int prov_dag_run(prov_dag *dag, const prov_dag_run_options *options);

/**
 * Cancel the run in progress (when none is, the next run starts cancelled).
 * Thread safety: any thread, any time, also from tasks and callbacks.
 */
PROV_API void prov_dag_cancel(prov_dag *dag);

/** A node's state after the last run (PROV_DAG_PENDING before any, or for a bad index). */
PROV_API int prov_dag_node_state(const prov_dag *dag, size_t index);

/** Attempts made by a node in the last run (0 if it never started). */
PROV_API unsigned int prov_dag_node_attempts(const prov_dag *dag, size_t index);

/** Nanoseconds from a node's first attempt to its final state (retry delays included). */
PROV_API long long prov_dag_node_duration_ns(const prov_dag *dag, size_t index);

/** The PROV_E* code a node's last failed attempt returned, PROV_OK when none
 *  failed (a node that completed on a retry keeps its earlier failure). */
PROV_API int prov_dag_node_error_code(const prov_dag *dag, size_t index);

/** The message of a node's last failed attempt, borrowed; "" when none. */
PROV_API const char *prov_dag_node_error_message(const prov_dag *dag, size_t index);

/**
 * Make a node's last error (code, category, message and context fields) the
 * calling thread's prov_error_last(); returns its code (PROV_OK when the node
 * has none, leaving the last error alone).
 */
PROV_API int prov_dag_node_restore_error(const prov_dag *dag, size_t index);

/** A static name for a prov_dag_state ("completed"); "unknown" otherwise. */
PROV_API const char *prov_dag_state_name(int state);

/** The id of the context's node, borrowed from the graph. */
PROV_API const char *prov_dag_context_node_id(const prov_dag_context *ctx);

/** The index of the context's node. */
PROV_API size_t prov_dag_context_node_index(const prov_dag_context *ctx);

/** The userdata given to prov_dag_add_node() for the context's node. */
PROV_API void *prov_dag_context_node_userdata(const prov_dag_context *ctx);

/** The attempt, from 1 (0 for a node that never started). */
PROV_API unsigned int prov_dag_context_attempt(const prov_dag_context *ctx);

/** The attempt's deadline on the run's clock (see prov_dag_context_now_ns()), 0 when none. */
PROV_API long long prov_dag_context_deadline_ns(const prov_dag_context *ctx);

/** The run's clock now, in monotonic nanoseconds. */
PROV_API long long prov_dag_context_now_ns(const prov_dag_context *ctx);

/** Non-zero once the run is cancelled: one atomic load, cheap to poll. */
PROV_API int prov_dag_context_cancelled(const prov_dag_context *ctx);

/**
 * Record a failure of the task with its message (NULL: the code's name) as
 * the calling thread's last error and return `code`, so a task may end with
 * `return prov_dag_context_fail(ctx, PROV_EPROVIDER, "quota exceeded");`.
 */
PROV_API int prov_dag_context_fail(prov_dag_context *ctx, int code, const char *message);

/** With 0, a failure of this attempt is final whatever the retry policy. */
PROV_API void prov_dag_context_set_retryable(prov_dag_context *ctx, int retryable);

/** In on_finish: the node's final state; in a task, on_start and on_retry: running. */
PROV_API int prov_dag_context_state(const prov_dag_context *ctx);

/** In on_retry and on_finish: the failed attempt's code, PROV_OK when none. */
PROV_API int prov_dag_context_error_code(const prov_dag_context *ctx);

/** In on_retry and on_finish: the failed attempt's message, borrowed; "" when none. */
PROV_API const char *prov_dag_context_error_message(const prov_dag_context *ctx);

/** In on_retry: milliseconds until the next attempt; 0 elsewhere. */
PROV_API long long prov_dag_context_retry_delay_ms(const prov_dag_context *ctx);

PROV_END_DECLS

#endif
