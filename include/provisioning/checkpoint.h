/*
 * libprovisioning: checkpoints, their stores, and the rollback stack.
 *
 * A checkpoint records how far a workflow got, so a run that dies halfway
 * can be resumed or rolled back. Its JSON form is
 *
 *   { "format_version": 1, "workflow_id": "wf-123", "step": 2,
 *     "completed_operations": ["db"],
 *     "current_state": { "definition": {}, "definition_sha256": "...",
 *                        "operations": { "db": {"status": "completed", ...} },
 *                        "rollback_stack": [ {"type": "DeleteResource", ...} ] },
 *     "metadata": {}, "timestamp": "2026-11-25T12:00:00Z" }
 *
 * Every finished operation is written to a store as one operation record
 * ({op, status, output, attempts, error, rollback_actions}); loading folds
 * the records into `operations`, `completed_operations` and
 * `rollback_stack`. A store hands out ownership of a workflow as a token that
 * every write presents; a write with a released or superseded token is
 * refused with PROV_ESTALE. docs/CHECKPOINTS.md describes the directory
 * store's files and how to write a store of one's own; docs/DISTRIBUTED.md
 * the etcd store, through which several hosts share workflows.
 *
 * Thread safety: a checkpoint, operation record, rollback action, stack or
 * list handle belongs to one thread at a time; different handles may be used
 * from different threads. A store handle may be used from any number of
 * threads at once.
 */
#ifndef PROVISIONING_CHECKPOINT_H
#define PROVISIONING_CHECKPOINT_H

#include <provisioning/common.h>
#include <provisioning/error.h>

PROV_BEGIN_DECLS

/** The format_version this library writes and the newest it reads. */
#define PROV_CHECKPOINT_FORMAT_VERSION 1

/** The longest workflow id, in bytes. */
#define PROV_WORKFLOW_ID_MAX 128

/**
 * Check a workflow id: 1 to PROV_WORKFLOW_ID_MAX characters from
 * [A-Za-z0-9._-], not starting with '.'. Returns PROV_OK or PROV_EINVAL with
 * an error that says what is wrong. Thread safety: any thread.
 */
PROV_API int prov_workflow_id_validate(const char *workflow_id);

/* ------------------------------------------------------------------ */
/* Rollback actions                                                    */
/* ------------------------------------------------------------------ */

/** The kinds of rollback action; the JSON "type" is the name in the comment. */
typedef enum prov_rollback_type {
	PROV_ROLLBACK_DELETE_RESOURCE = 1,      /**< DeleteResource{provider, resource_id} */
	PROV_ROLLBACK_RESTORE_FILE = 2,         /**< RestoreFile{path, content} */
	PROV_ROLLBACK_REVERT_CONFIGURATION = 3, /**< RevertConfiguration{key, value} */
	PROV_ROLLBACK_CUSTOM_ACTION = 4         /**< CustomAction{command, args} */
} prov_rollback_type;

/** One undo step, recorded by the operation that made the change. */
typedef struct prov_rollback_action prov_rollback_action;

/**
 * Build actions. Strings are copied; `content` is the file's whole text
 * (UTF-8, since it is stored in JSON); `value_json` is the configuration
 * value to restore as JSON text; `args` is a NULL-terminated array (or NULL
 * for none). Returns PROV_OK, PROV_EINVAL naming the missing or invalid
 * field, or PROV_ENOMEM. Free the action with prov_rollback_action_free().
 */
PROV_API int prov_rollback_action_delete_resource(prov_rollback_action **out,
						  const char *provider,
						  const char *resource_id);
PROV_API int prov_rollback_action_restore_file(prov_rollback_action **out, const char *path,
					       const char *content, size_t content_len);
PROV_API int prov_rollback_action_revert_configuration(prov_rollback_action **out,
						       const char *key,
						       const char *value_json);
PROV_API int prov_rollback_action_custom(prov_rollback_action **out, const char *command,
					 const char *const *args);

/**
 * Read an action from its JSON object ({"type": "DeleteResource", ...}).
 * Unknown types and missing fields are PROV_EPARSE errors naming them.
 */
PROV_API int prov_rollback_action_from_json(prov_rollback_action **out, const char *json,
					    size_t len);

/** The action as JSON text (owned: free with prov_free()). */
PROV_API int prov_rollback_action_to_json(char **out, const prov_rollback_action *action);

/** An independent copy. */
PROV_API int prov_rollback_action_copy(prov_rollback_action **out,
				       const prov_rollback_action *action);

/** Release an action. NULL is a no-op. */
PROV_API void prov_rollback_action_free(prov_rollback_action *action);

/** The action's prov_rollback_type. */
PROV_API int prov_rollback_action_type(const prov_rollback_action *action);

/** The JSON name of a prov_rollback_type ("DeleteResource"), or NULL. */
PROV_API const char *prov_rollback_type_name(int type);

/**
 * A string field of the action ("provider", "resource_id", "path",
 * "content", "key", "command", or "op": the operation that recorded it), or
 * NULL when the action has no such string field. Borrowed from the action.
 */
PROV_API const char *prov_rollback_action_field(const prov_rollback_action *action,
						const char *name);

/** The value of a RevertConfiguration as JSON text (owned); PROV_ETYPE for other types. */
PROV_API int prov_rollback_action_get_value(char **out, const prov_rollback_action *action);

/** The arguments of a CustomAction (0 for other types) and one of them (borrowed). */
PROV_API size_t prov_rollback_action_arg_count(const prov_rollback_action *action);
PROV_API const char *prov_rollback_action_arg_at(const prov_rollback_action *action,
						 size_t index);

/* ------------------------------------------------------------------ */
/* Rollback stack                                                      */
/* ------------------------------------------------------------------ */

/** Actions in the order they were pushed; undone newest first. */
typedef struct prov_rollback_stack prov_rollback_stack;

PROV_API int prov_rollback_stack_new(prov_rollback_stack **out);
PROV_API void prov_rollback_stack_free(prov_rollback_stack *stack);

/** Push a copy of an action on top. */
PROV_API int prov_rollback_stack_push(prov_rollback_stack *stack,
				      const prov_rollback_action *action);

PROV_API size_t prov_rollback_stack_count(const prov_rollback_stack *stack);

/**
 * The action at `index` counted from the top: 0 is the newest. Borrowed,
 * valid until the stack changes; NULL past the end.
 */
PROV_API const prov_rollback_action *prov_rollback_stack_at(const prov_rollback_stack *stack,
							    size_t index);

/** The stack as a JSON array, oldest first (the form stored in current_state). Owned. */
PROV_API int prov_rollback_stack_to_json(char **out, const prov_rollback_stack *stack);
PROV_API int prov_rollback_stack_from_json(prov_rollback_stack **out, const char *json,
					   size_t len);

/**
 * Undo one action that has no built-in runner (DeleteResource,
 * RevertConfiguration). Returns PROV_OK when the change is undone, or a
 * PROV_E* code after recording the reason with the library's error (a
 * runner written outside the library may leave the message empty).
 */
typedef int (*prov_rollback_run_fn)(const prov_rollback_action *action, void *userdata);

/** Told the outcome of each action run: status and a one-line message ("" on success). */
typedef void (*prov_rollback_result_fn)(const prov_rollback_action *action, int status,
					const char *message, void *userdata);

/** Return non-zero to run an action, 0 to leave it on the stack untouched. */
typedef int (*prov_rollback_select_fn)(const prov_rollback_action *action, void *userdata);

/** Options of prov_rollback_stack_run(). Start from PROV_ROLLBACK_OPTIONS_INIT. */
typedef struct prov_rollback_options {
	unsigned int size;                 /**< sizeof(prov_rollback_options) */
	prov_rollback_run_fn run_action;   /**< DeleteResource, RevertConfiguration; NULL fails them */
	prov_rollback_result_fn on_result; /**< may be NULL */
	prov_rollback_select_fn select;    /**< may be NULL: run every action */
	long long command_timeout_ms;      /**< per CustomAction; <= 0 means 300000 */
	void *userdata;                    /**< passed to the callbacks */
} prov_rollback_options;

#define PROV_ROLLBACK_OPTIONS_INIT { sizeof(prov_rollback_options), NULL, NULL, NULL, 0, NULL }

/**
 * Run the stack newest first. RestoreFile writes the content back atomically
 * (a file created 0600); CustomAction runs `command args...` without a shell
 * in its own process group, killed at the timeout, and succeeds on exit
 * status 0; the other types go to `run_action`. An action that succeeds is
 * removed from the stack; one that fails stays, and the others still run.
 *
 * Returns PROV_OK when every selected action succeeded, PROV_EPARTIAL when
 * some failed (the error counts them and quotes the first reason), or
 * PROV_EINVAL/PROV_ENOMEM. Thread safety: the stack belongs to the caller;
 * callbacks run on the calling thread.
 */
PROV_API int prov_rollback_stack_run(prov_rollback_stack *stack,
				     const prov_rollback_options *options);

/* ------------------------------------------------------------------ */
/* Operation records                                                   */
/* ------------------------------------------------------------------ */

/**
 * What one finished operation left behind:
 * {"op", "status", "output", "attempts", "error", "rollback_actions",
 *  "timestamp"}.
 */
typedef struct prov_operation_record prov_operation_record;

/**
 * A record for operation `op_id` with `status` (pending, running, completed,
 * failed, skipped or cancelled), output and error null, 1 attempt, no
 * rollback actions, and the current time. PROV_EINVAL for a bad status or an
 * empty op id.
 */
PROV_API int prov_operation_record_new(prov_operation_record **out, const char *op_id,
				       const char *status);
PROV_API void prov_operation_record_free(prov_operation_record *record);
PROV_API int prov_operation_record_from_json(prov_operation_record **out, const char *json,
					     size_t len);
/** The record as JSON text (owned). */
PROV_API int prov_operation_record_to_json(char **out, const prov_operation_record *record);

/** Borrowed strings: the operation id, its status, its RFC 3339 time. */
PROV_API const char *prov_operation_record_op(const prov_operation_record *record);
PROV_API const char *prov_operation_record_status(const prov_operation_record *record);
PROV_API const char *prov_operation_record_timestamp(const prov_operation_record *record);

/** The operation's output document (any JSON value; "null" by default). */
PROV_API int prov_operation_record_set_output(prov_operation_record *record,
					      const char *json);
PROV_API int prov_operation_record_get_output(char **out,
					      const prov_operation_record *record);

/** Its error: a JSON object ({"code", "message", ...}) or null. */
PROV_API int prov_operation_record_set_error(prov_operation_record *record, const char *json);
PROV_API int prov_operation_record_get_error(char **out, const prov_operation_record *record);

/** How many attempts it took (>= 0). */
PROV_API int prov_operation_record_set_attempts(prov_operation_record *record, int attempts);
PROV_API int prov_operation_record_attempts(const prov_operation_record *record);

/** Set the record's time (milliseconds since the epoch). */
PROV_API int prov_operation_record_set_timestamp(prov_operation_record *record,
						 long long unix_ms);

/** Append a copy of a rollback action the operation needs undone on rollback. */
PROV_API int prov_operation_record_add_rollback(prov_operation_record *record,
						const prov_rollback_action *action);
PROV_API size_t prov_operation_record_rollback_count(const prov_operation_record *record);
/** Borrowed, valid until the record changes; NULL past the end. */
PROV_API const prov_rollback_action *
prov_operation_record_rollback_at(const prov_operation_record *record, size_t index);

/* ------------------------------------------------------------------ */
/* Checkpoints                                                         */
/* ------------------------------------------------------------------ */

typedef struct prov_checkpoint prov_checkpoint;

/**
 * A checkpoint for `workflow_id` at step 0: no completed operations, an
 * empty current_state ({"operations": {}, "rollback_stack": []}), empty
 * metadata, and the current time. PROV_EINVAL for an invalid id.
 */
PROV_API int prov_checkpoint_new(prov_checkpoint **out, const char *workflow_id);
PROV_API void prov_checkpoint_free(prov_checkpoint *checkpoint);

/**
 * Read a checkpoint document. Missing members take their empty values; a
 * document without format_version is version 1; a newer version is refused
 * with PROV_EVERSION; a malformed one is PROV_EPARSE naming the member.
 */
PROV_API int prov_checkpoint_from_json(prov_checkpoint **out, const char *json, size_t len);

/** The checkpoint as JSON text on one line (owned). */
PROV_API int prov_checkpoint_to_json(char **out, const prov_checkpoint *checkpoint);

/** The checkpoint as JSON text indented for people, two spaces a level (owned). */
PROV_API int prov_checkpoint_to_json_pretty(char **out, const prov_checkpoint *checkpoint);

/** Borrowed: valid until the checkpoint changes. */
PROV_API const char *prov_checkpoint_workflow_id(const prov_checkpoint *checkpoint);
/** RFC 3339 time of the last change written, "" when the document had none. */
PROV_API const char *prov_checkpoint_timestamp(const prov_checkpoint *checkpoint);
PROV_API int prov_checkpoint_set_timestamp(prov_checkpoint *checkpoint, long long unix_ms);

/** `step` counts completed operations; applying records keeps it so. */
PROV_API long long prov_checkpoint_step(const prov_checkpoint *checkpoint);
PROV_API int prov_checkpoint_set_step(prov_checkpoint *checkpoint, long long step);

/**
 * How many writes the store has applied to this workflow: 0 for a checkpoint
 * that did not come from a store.
 */
PROV_API long long prov_checkpoint_revision(const prov_checkpoint *checkpoint);

/** Completed operation ids in completion order (borrowed; NULL past the end). */
PROV_API size_t prov_checkpoint_completed_count(const prov_checkpoint *checkpoint);
PROV_API const char *prov_checkpoint_completed_at(const prov_checkpoint *checkpoint,
						  size_t index);

/**
 * Set or read one member of current_state as JSON text ("definition",
 * "definition_sha256", or any member of the caller's own). "operations" must
 * be an object of {"status": ...} objects and "rollback_stack" an array of
 * rollback actions; other values are taken as they are. get returns
 * PROV_ENOTFOUND for a missing member.
 */
PROV_API int prov_checkpoint_set_state(prov_checkpoint *checkpoint, const char *key,
				       const char *json);
PROV_API int prov_checkpoint_get_state(char **out, const prov_checkpoint *checkpoint,
				       const char *key);

/** The metadata object as JSON text. */
PROV_API int prov_checkpoint_set_metadata(prov_checkpoint *checkpoint, const char *json);
PROV_API int prov_checkpoint_get_metadata(char **out, const prov_checkpoint *checkpoint);

/**
 * Fold one operation record in, as loading does: current_state.operations
 * gets {status, output, attempts, error} under the op id; a completed
 * operation joins completed_operations (one that is no longer completed
 * leaves it); step becomes their count; the record's rollback actions are
 * pushed on the stack tagged with "op"; the timestamp becomes the record's.
 */
PROV_API int prov_checkpoint_apply_record(prov_checkpoint *checkpoint,
					  const prov_operation_record *record);

/** Operation ids in current_state.operations (borrowed; NULL past the end). */
PROV_API size_t prov_checkpoint_operation_count(const prov_checkpoint *checkpoint);
PROV_API const char *prov_checkpoint_operation_id_at(const prov_checkpoint *checkpoint,
						     size_t index);

/** An operation's status (borrowed), or NULL when the checkpoint has no such operation. */
PROV_API const char *prov_checkpoint_operation_status(const prov_checkpoint *checkpoint,
						      const char *op_id);

/**
 * An operation's state as a record (owned; its rollback actions are on the
 * checkpoint's stack, not in it). PROV_ENOTFOUND when unknown.
 */
PROV_API int prov_checkpoint_get_operation(prov_operation_record **out,
					   const prov_checkpoint *checkpoint, const char *op_id);

/** A copy of current_state.rollback_stack, and replacing it with a copy of `stack`. */
PROV_API int prov_checkpoint_get_rollback_stack(prov_rollback_stack **out,
						const prov_checkpoint *checkpoint);
PROV_API int prov_checkpoint_set_rollback_stack(prov_checkpoint *checkpoint,
						const prov_rollback_stack *stack);

/* ------------------------------------------------------------------ */
/* Stores                                                              */
/* ------------------------------------------------------------------ */

/**
 * Proof of owning a workflow in a store. The text is the store's own and
 * opaque to callers (a generation for the directory store; a lease and a
 * revision for etcd).
 */
typedef struct prov_checkpoint_token prov_checkpoint_token;

/** For store implementations: a token for `workflow_id` carrying `text`. */
PROV_API int prov_checkpoint_token_new(prov_checkpoint_token **out, const char *workflow_id,
				       const char *text);
PROV_API void prov_checkpoint_token_free(prov_checkpoint_token *token);
PROV_API const char *prov_checkpoint_token_workflow_id(const prov_checkpoint_token *token);
PROV_API const char *prov_checkpoint_token_text(const prov_checkpoint_token *token);

/** Which checkpoints prov_checkpoint_store_list() returns. Start from the INIT. */
typedef struct prov_checkpoint_list_options {
	unsigned int size;   /**< sizeof(prov_checkpoint_list_options) */
	const char *prefix;  /**< only ids starting with this; NULL for all */
	const char *after;   /**< only ids sorting after this (a page's cursor); NULL from the start */
	size_t limit;        /**< at most this many; 0 for no limit */
} prov_checkpoint_list_options;

#define PROV_CHECKPOINT_LIST_OPTIONS_INIT { sizeof(prov_checkpoint_list_options), NULL, NULL, 0 }

/** Summaries of stored checkpoints, sorted by workflow id (byte order). */
typedef struct prov_checkpoint_list prov_checkpoint_list;

PROV_API size_t prov_checkpoint_list_count(const prov_checkpoint_list *list);
/** Borrowed strings; NULL past the end. */
PROV_API const char *prov_checkpoint_list_id_at(const prov_checkpoint_list *list, size_t index);
PROV_API long long prov_checkpoint_list_step_at(const prov_checkpoint_list *list, size_t index);
PROV_API const char *prov_checkpoint_list_timestamp_at(const prov_checkpoint_list *list,
						       size_t index);
/** NULL for a readable checkpoint; else why it cannot be read, naming the file. */
PROV_API const char *prov_checkpoint_list_error_at(const prov_checkpoint_list *list,
						   size_t index);
/** The `after` of the next page, or NULL when this page reached the end. Borrowed. */
PROV_API const char *prov_checkpoint_list_next(const prov_checkpoint_list *list);
/**
 * For store implementations: add an entry (strings copied; timestamp and
 * error may be NULL). The library sorts, filters and pages afterwards.
 */
PROV_API int prov_checkpoint_list_add(prov_checkpoint_list *list, const char *workflow_id,
				      long long step, const char *timestamp, const char *error);
PROV_API void prov_checkpoint_list_free(prov_checkpoint_list *list);

/**
 * Called when an ownership ends without a release: the etcd store's lease
 * expired (its holder could not renew it in time) or was revoked. From then
 * on every write with the token is refused with PROV_ESTALE, and another
 * host may own the workflow. It runs on a thread of the store's (or the one
 * whose write found out), once per acquire; it should only tell the owner
 * to stop (e.g. cancel its run) and may call prov_checkpoint_store_check(),
 * but no other function of the store.
 */
typedef void (*prov_checkpoint_lost_fn)(const char *workflow_id, void *userdata);

/**
 * A store, for users who bring their own backend. Every function may be
 * called from several threads at once. Errors are recorded with the
 * library's error (a backend outside the library returns the code and may
 * leave the message to the library). The library checks ids, tokens and
 * documents before calling, so a backend sees only valid input:
 *
 * - acquire: make the caller the only owner of `workflow_id` and return a
 *   new token (prov_checkpoint_token_new()); PROV_EBUSY naming the holder
 *   when someone else owns it.
 * - release: end the ownership `token` proves; later writes with it are
 *   refused with PROV_ESTALE.
 * - save: replace the workflow's checkpoint with `checkpoint_json`.
 * - record: add an operation record; it must cost the same however many
 *   records the workflow has.
 * - load: the saved checkpoint with the records saved after it folded in
 *   (prov_checkpoint_from_json(), prov_checkpoint_apply_record());
 *   PROV_ENOTFOUND when there is none.
 * - list: add an entry per workflow with prov_checkpoint_list_add(); it may
 *   ignore the options, which the library applies again.
 * - remove: delete the workflow's checkpoint and records.
 * - close: release what the backend holds (may be NULL).
 *
 * save, record and remove return PROV_ESTALE for a token that no longer
 * owns the workflow, and must be durable and atomic when they return.
 *
 * Optional, for stores whose ownership can end without a release (a lease
 * that expires), both may be NULL:
 *
 * - check: PROV_OK while `token` still owns its workflow as far as the
 *   backend knows, PROV_ESTALE once it was released or lost. It must answer
 *   without waiting on the network.
 * - watch: remember `on_lost` for the ownership `token` proves and call it
 *   once, from any thread, if the ownership ends without a release;
 *   PROV_ESTALE when it already ended. Forget it at release.
 *
 * Fields are only appended; `size` tells which exist.
 */
typedef struct prov_checkpoint_store_interface {
	unsigned int size; /**< sizeof(prov_checkpoint_store_interface) */
	int (*acquire)(prov_checkpoint_token **token, void *backend, const char *workflow_id);
	int (*release)(void *backend, const prov_checkpoint_token *token);
	int (*save)(void *backend, const prov_checkpoint_token *token,
		    const char *checkpoint_json, size_t len);
	int (*record)(void *backend, const prov_checkpoint_token *token, const char *op_id,
		      const char *record_json, size_t len);
	int (*load)(prov_checkpoint **checkpoint, void *backend, const char *workflow_id);
	int (*list)(prov_checkpoint_list *list, void *backend,
		    const prov_checkpoint_list_options *options);
	int (*remove)(void *backend, const prov_checkpoint_token *token);
	void (*close)(void *backend);
	int (*check)(void *backend, const prov_checkpoint_token *token);
	int (*watch)(void *backend, const prov_checkpoint_token *token,
		     prov_checkpoint_lost_fn on_lost, void *userdata);
} prov_checkpoint_store_interface;

typedef struct prov_checkpoint_store prov_checkpoint_store;

/**
 * The etcd store's settings (the checkpoint.etcd.* keys). Start from
 * PROV_CHECKPOINT_ETCD_OPTIONS_INIT; a zero or NULL field takes its
 * default. docs/DISTRIBUTED.md describes the keys the store writes.
 */
typedef struct prov_checkpoint_etcd_options {
	unsigned int size;              /**< sizeof(prov_checkpoint_etcd_options) */
	/** NULL-terminated client URLs, tried in order with fail-over
	 *  ("http://10.0.0.1:2379"; https with TLS); NULL: http://127.0.0.1:2379 */
	const char *const *endpoints;
	const char *prefix;             /**< every key starts with it; NULL: "/provisioning" */
	int lease_ttl_s;                /**< ownership lease; an owner silent this long loses it: 10 */
	int connect_timeout_ms;         /**< to open a connection to one endpoint: 2000 */
	int request_timeout_ms;         /**< for one request to one endpoint: 5000 */
	int retry_timeout_ms;           /**< how long a call retries unreachable endpoints: 10000 */
	const char *ca_file;            /**< PEM CA bundle that signed the servers' certificates */
	const char *cert_file;          /**< PEM client certificate, for client-cert auth */
	const char *key_file;           /**< its private key */
	const char *user;               /**< etcd user (authentication enabled) */
	const char *password;           /**< its password */
} prov_checkpoint_etcd_options;

#define PROV_CHECKPOINT_ETCD_OPTIONS_INIT \
	{ sizeof(prov_checkpoint_etcd_options), NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL }

/** How to open a store. Start from PROV_CHECKPOINT_STORE_OPTIONS_INIT. */
typedef struct prov_checkpoint_store_options {
	unsigned int size;  /**< sizeof(prov_checkpoint_store_options) */
	const char *store;  /**< "dir" (also when NULL) or "etcd"; the value of checkpoint.store */
	const char *dir;    /**< the directory store's directory: checkpoint.dir */
	const prov_checkpoint_etcd_options *etcd; /**< the etcd store's settings; NULL: defaults */
} prov_checkpoint_store_options;

#define PROV_CHECKPOINT_STORE_OPTIONS_INIT \
	{ sizeof(prov_checkpoint_store_options), NULL, NULL, NULL }

/**
 * Open a store. The directory store reads a directory that does not exist
 * yet as empty, and creates it (mode 0700, parents too) at the first
 * acquire. The etcd store connects at its first call, so an unreachable
 * cluster is reported there, naming the endpoints. PROV_EINVAL for an
 * unknown store kind, a missing directory option or an invalid etcd
 * setting (named), PROV_EUNSUPPORTED for a kind this build lacks ("etcd
 * store not compiled in" when libprovisioning was built without libcurl).
 */
PROV_API int prov_checkpoint_store_open(prov_checkpoint_store **out,
					const prov_checkpoint_store_options *options);

/**
 * A store over a backend of the caller's. The interface is copied; the
 * backend pointer is handed to every call and to `close`. PROV_EINVAL when
 * a required function is missing.
 */
PROV_API int prov_checkpoint_store_new(prov_checkpoint_store **out,
				       const prov_checkpoint_store_interface *iface,
				       void *backend);

/**
 * Close a store. Ownerships still held are released (the directory store
 * writes their snapshots first). NULL is a no-op. No other call on the
 * store may be running or follow.
 */
PROV_API void prov_checkpoint_store_close(prov_checkpoint_store *store);

/**
 * Become the only owner of a workflow, whether or not it has a checkpoint
 * yet. *out receives a token for the writes (free it with
 * prov_checkpoint_token_free() after releasing). PROV_EBUSY when another
 * owner holds it, with the holder named (the directory store names its
 * process id, the etcd store its host and process id); PROV_EINVAL for an
 * invalid id. The etcd store ties the ownership to a lease that a thread of
 * the store renews; should renewing fail for the lease's TTL, the ownership
 * is lost (see prov_checkpoint_store_acquire_with() to hear of it).
 */
PROV_API int prov_checkpoint_store_acquire(prov_checkpoint_token **out,
					   prov_checkpoint_store *store,
					   const char *workflow_id);

/** How prov_checkpoint_store_acquire_with() acquires. Start from the INIT. */
typedef struct prov_checkpoint_acquire_options {
	unsigned int size;  /**< sizeof(prov_checkpoint_acquire_options) */
	/** While another owner holds the workflow: 0 fails at once with
	 *  PROV_EBUSY; > 0 waits up to this many milliseconds; < 0 waits for ever. */
	long long wait_ms;
	/** Called if the ownership ends without a release (see prov_checkpoint_lost_fn). */
	prov_checkpoint_lost_fn on_lost;
	/** Asked while waiting, at least every 100 ms; non-zero ends the wait
	 *  with PROV_ECANCELLED. */
	int (*cancelled)(void *userdata);
	void *userdata;     /**< for on_lost and cancelled */
} prov_checkpoint_acquire_options;

#define PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT \
	{ sizeof(prov_checkpoint_acquire_options), 0, NULL, NULL, NULL }

/**
 * prov_checkpoint_store_acquire(), waiting for the workflow while another
 * owner holds it and watching the ownership once it is ours. Waiting polls
 * (from 50 ms up to every second), so a holder that dies is replaced within
 * a second of its ownership ending (for etcd: of its lease expiring).
 * PROV_EBUSY naming the holder when the wait ends without the workflow;
 * PROV_ECANCELLED when `cancelled` said so; other errors as acquire.
 * `options` may be NULL (no wait, no watch).
 */
PROV_API int prov_checkpoint_store_acquire_with(prov_checkpoint_token **out,
						prov_checkpoint_store *store,
						const char *workflow_id,
						const prov_checkpoint_acquire_options *options);

/**
 * Whether a token still owns its workflow, as far as the store knows
 * without asking anyone: PROV_OK, or PROV_ESTALE once it was released,
 * superseded, or lost (an etcd lease expired). A runner can ask before each
 * step; writes are fenced whatever this says. PROV_EUNSUPPORTED for a store
 * of one's own without `check`. Thread safety: any thread.
 */
PROV_API int prov_checkpoint_store_check(prov_checkpoint_store *store,
					 const prov_checkpoint_token *token);

/** End an ownership. The token stays valid memory but every write with it is stale. */
PROV_API int prov_checkpoint_store_release(prov_checkpoint_store *store,
					   const prov_checkpoint_token *token);

/**
 * Replace the workflow's checkpoint; durable when it returns. The
 * checkpoint's workflow id must be the token's (PROV_EINVAL otherwise);
 * PROV_ESTALE for a released or superseded token.
 */
PROV_API int prov_checkpoint_store_save(prov_checkpoint_store *store,
					const prov_checkpoint_token *token,
					const prov_checkpoint *checkpoint);

/** Add one finished operation's record; durable when it returns; PROV_ESTALE as above. */
PROV_API int prov_checkpoint_store_record(prov_checkpoint_store *store,
					  const prov_checkpoint_token *token,
					  const prov_operation_record *record);

/**
 * The workflow's checkpoint with its records folded in (owned). Needs no
 * ownership. PROV_ENOTFOUND when the workflow has none; PROV_ESTORE naming
 * the file when what is stored is damaged.
 */
PROV_API int prov_checkpoint_store_load(prov_checkpoint **out, prov_checkpoint_store *store,
					const char *workflow_id);

/** Summaries of stored checkpoints (owned); `options` may be NULL for all. */
PROV_API int prov_checkpoint_store_list(prov_checkpoint_list **out,
					prov_checkpoint_store *store,
					const prov_checkpoint_list_options *options);

/**
 * Delete the workflow's checkpoint and records; durable when it returns.
 * PROV_ENOTFOUND when there is nothing stored; PROV_ESTALE as above. The
 * ownership lasts until released.
 */
PROV_API int prov_checkpoint_store_delete(prov_checkpoint_store *store,
					  const prov_checkpoint_token *token);

PROV_END_DECLS

#endif
