/*
 * Folding operation records into a checkpoint, and reading back what the
 * fold built: operation states, completed operations, the rollback stack.
 *
 * Folding one record costs the same however many the checkpoint holds: the
 * operation's previous status comes from the operations object (a hash
 * table), so completed_operations is only searched when an operation stops
 * being completed, which a run never does.
 */
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"

#include <string.h>

static bool put(json_object *obj, const char *key, json_object *value)
{
	if (value && json_object_object_add(obj, key, value) == 0)
		return true;
	json_object_put(value);
	return false;
}

static bool put_copy(json_object *obj, const char *key, json_object *value)
{
	json_object *copy;

	if (!prov_json_clone(value, &copy))
		return false;
	if (json_object_object_add(obj, key, copy) == 0)
		return true;
	json_object_put(copy);
	return false;
}

/* {status, output, attempts, error}: what current_state.operations keeps. */
static json_object *operation_state(const prov_operation_record *record)
{
	json_object *entry = json_object_new_object();

	if (entry && put(entry, "status", json_object_new_string(record->status)) &&
	    put_copy(entry, "output", record->output) &&
	    put(entry, "attempts", json_object_new_int(record->attempts)) &&
	    put_copy(entry, "error", record->error))
		return entry;
	json_object_put(entry);
	return NULL;
}

static bool is_completed(const char *status)
{
	return status && strcmp(status, "completed") == 0;
}

static void remove_completed(prov_checkpoint *cp, const char *op)
{
	size_t n = json_object_array_length(cp->completed);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(json_object_array_get_idx(cp->completed, i)),
			   op) == 0) {
			json_object_array_del_idx(cp->completed, i, 1);
			return;
		}
	}
}

static int update_completed(prov_checkpoint *cp, const char *op, bool was, bool now)
{
	json_object *name;

	if (was && !now)
		remove_completed(cp, op);
	if (now && !was) {
		name = json_object_new_string(op);
		if (!name || json_object_array_add(cp->completed, name) != 0) {
			json_object_put(name);
			return prov_err_nomem();
		}
	}
	return prov_checkpoint_set_step(cp, (long long)json_object_array_length(cp->completed));
}

static int push_actions(prov_checkpoint *cp, const prov_operation_record *record)
{
	for (size_t i = 0; i < record->actions.len; i++) {
		json_object *copy;

		if (!prov_json_clone(record->actions.items[i]->obj, &copy))
			return prov_err_nomem();
		if (!put(copy, "op", json_object_new_string(record->op)) ||
		    json_object_array_add(cp->stack, copy) != 0) {
			json_object_put(copy);
			return prov_err_nomem();
		}
	}
	return PROV_OK;
}

int prov_checkpoint_apply_record(prov_checkpoint *checkpoint, const prov_operation_record *record)
{
	json_object *previous = NULL, *entry;
	bool was;
	int rc;

	json_object_object_get_ex(checkpoint->operations, record->op, &previous);
	was = is_completed(prov_json_get_string(previous, "status"));
	entry = operation_state(record);
	if (!entry || !put(checkpoint->operations, record->op, entry))
		return prov_err_nomem();
	rc = update_completed(checkpoint, record->op, was, is_completed(record->status));
	if (rc == PROV_OK)
		rc = push_actions(checkpoint, record);
	if (rc == PROV_OK && record->timestamp[0] &&
	    !put(checkpoint->root, "timestamp", json_object_new_string(record->timestamp)))
		rc = prov_err_nomem();
	return rc;
}

size_t prov_checkpoint_operation_count(const prov_checkpoint *checkpoint)
{
	return (size_t)json_object_object_length(checkpoint->operations);
}

const char *prov_checkpoint_operation_id_at(const prov_checkpoint *checkpoint, size_t index)
{
	size_t i = 0;

	json_object_object_foreach(checkpoint->operations, op, entry) {
		(void)entry;
		if (i++ == index)
			return op;
	}
	return NULL;
}

const char *prov_checkpoint_operation_status(const prov_checkpoint *checkpoint, const char *op_id)
{
	json_object *entry;

	if (!op_id || !json_object_object_get_ex(checkpoint->operations, op_id, &entry))
		return NULL;
	return prov_json_get_string(entry, "status");
}

static int fill_from_state(prov_operation_record *record, json_object *entry)
{
	json_object *member;
	int64_t attempts;

	if (prov_json_get_int64(entry, "attempts", &attempts) && attempts >= 0 &&
	    attempts <= 1000000000)
		record->attempts = (int)attempts;
	if (json_object_object_get_ex(entry, "output", &member) &&
	    !prov_json_clone(member, &record->output))
		return prov_err_nomem();
	if (json_object_object_get_ex(entry, "error", &member) &&
	    json_object_is_type(member, json_type_object) &&
	    !prov_json_clone(member, &record->error))
		return prov_err_nomem();
	return PROV_OK;
}

int prov_checkpoint_get_operation(prov_operation_record **out, const prov_checkpoint *checkpoint,
				  const char *op_id)
{
	const char *status = prov_checkpoint_operation_status(checkpoint, op_id);
	json_object *entry = NULL;
	int rc;

	*out = NULL;
	if (!status)
		return prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CHECKPOINT,
				    "checkpoint %s has no operation \"%s\"",
				    prov_checkpoint_workflow_id(checkpoint), op_id ? op_id : "(null)");
	json_object_object_get_ex(checkpoint->operations, op_id, &entry);
	rc = prov_operation_record_new(out, op_id, status);
	if (rc == PROV_OK) {
		(*out)->timestamp[0] = '\0';
		rc = fill_from_state(*out, entry);
	}
	if (rc != PROV_OK) {
		prov_operation_record_free(*out);
		*out = NULL;
	}
	return rc;
}

int prov_checkpoint_get_rollback_stack(prov_rollback_stack **out,
				       const prov_checkpoint *checkpoint)
{
	int rc = prov_rollback_stack_new(out);

	if (rc == PROV_OK &&
	    (rc = prov_rollback_stack_fill(*out, checkpoint->stack, "rollback_stack")) != PROV_OK) {
		prov_rollback_stack_free(*out);
		*out = NULL;
	}
	return rc;
}

int prov_checkpoint_set_rollback_stack(prov_checkpoint *checkpoint,
				       const prov_rollback_stack *stack)
{
	json_object *array;
	int rc = prov_rollback_stack_json_c(&array, stack);

	if (rc != PROV_OK)
		return rc;
	if (!put(checkpoint->state, "rollback_stack", array))
		return prov_err_nomem();
	checkpoint->stack = array;
	return PROV_OK;
}
