/*
 * What the checkpoint component's files share: the layout of the handles
 * declared opaque in <provisioning/checkpoint.h>, and the parsers that name
 * the file a document came from in their errors.
 *
 * Checkpoints, records and actions keep their documents as json-c objects:
 * they are JSON at every edge (stores, the command, bindings) and a json-c
 * object is never shared between threads, as a handle never is.
 */
#ifndef PROV_CHECKPOINT_INTERNAL_H
#define PROV_CHECKPOINT_INTERNAL_H

#include <provisioning/checkpoint.h>

#include <json-c/json.h>
#include <stdbool.h>

struct prov_rollback_action {
	json_object *obj; /* {"type": ..., fields..., "op"?} */
};

struct prov_rollback_stack {
	prov_rollback_action **items; /* oldest first */
	size_t len;
	size_t cap;
};

struct prov_operation_record {
	char *op;
	char *status;
	json_object *output;     /* NULL is JSON null */
	json_object *error;      /* NULL or an object */
	int attempts;
	char timestamp[32];
	prov_rollback_stack actions;
};

struct prov_checkpoint {
	json_object *root;
	/* Members of root, kept at hand; root owns them. */
	json_object *completed;  /* completed_operations */
	json_object *state;      /* current_state */
	json_object *operations; /* current_state.operations */
	json_object *stack;      /* current_state.rollback_stack */
	long long revision;
};

/* prov_checkpoint_from_json() with `what` (a file name) leading its errors. */
int prov_checkpoint_parse(prov_checkpoint **out, const char *json, size_t len,
			  const char *what);

/* The store's count of writes, kept in a stored snapshot as "revision". */
void prov_checkpoint_set_revision(prov_checkpoint *checkpoint, long long revision);

/* prov_operation_record_from_json() with `what` leading its errors. */
int prov_operation_record_parse(prov_operation_record **out, const char *json, size_t len,
				const char *what);

/*
 * Check a rollback action object: a known type with its fields of the right
 * types. Errors read "WHAT: ...".
 */
int prov_rollback_action_check(json_object *obj, const char *what);

/* An action around a copy of obj (which must pass the check). */
int prov_rollback_action_wrap(prov_rollback_action **out, json_object *obj);

/* Append the actions of a JSON array to a stack, checking each ("WHAT: ..."). */
int prov_rollback_stack_fill(prov_rollback_stack *stack, json_object *array, const char *what);

/* The stack as a new json-c array, oldest first. */
int prov_rollback_stack_json_c(json_object **out, const prov_rollback_stack *stack);

/* Drop the action at `position` counted from the bottom (oldest is 0). */
void prov_rollback_stack_remove(prov_rollback_stack *stack, size_t position);

/* A deep copy of a json-c value (NULL for null); false when out of memory. */
bool prov_json_clone(json_object *src, json_object **out);

/* Parse JSON text naming `what` in errors, and hand back an owned string. */
int prov_json_text_parse(json_object **out, const char *json, const char *what);
int prov_json_text_of(char **out, json_object *obj);

/* An empty list, and putting a backend's entries in order for one page. */
int prov_checkpoint_list_new(prov_checkpoint_list **out);
int prov_checkpoint_list_finish(prov_checkpoint_list *list,
				const prov_checkpoint_list_options *options);

/* Whether a page asked for with these options can hold this workflow id. */
bool prov_checkpoint_list_wants(const char *workflow_id,
				const prov_checkpoint_list_options *options);

/* Workflow id check without touching the error, for scanning file names. */
bool prov_workflow_id_is_valid(const char *id, size_t len);

#endif
