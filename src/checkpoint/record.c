/* Operation records: what one finished operation leaves in a checkpoint. */
#include "checkpoint/internal.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/rfc3339.h"

#include <limits.h>
#include <string.h>

static const char *const statuses[] = {
	"pending", "running", "completed", "failed", "skipped", "cancelled",
};

static bool status_is_known(const char *status)
{
	for (size_t i = 0; status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(statuses[i], status) == 0)
			return true;
	return false;
}

/* PROV_EINVAL for a caller's argument, PROV_EPARSE inside a document. */
static int bad_status(int code, const char *what, const char *status)
{
	return prov_err_set(code, code == PROV_EPARSE ? PROV_ERRCAT_DOCUMENT : PROV_ERRCAT_INVALID_ARGUMENT,
			    "%s: unknown operation status \"%s\" (expected pending, running, "
			    "completed, failed, skipped or cancelled)", what, status ? status : "(none)");
}

/* A record of a checked id and status, without a timestamp yet. */
static prov_operation_record *record_alloc(const char *op_id, const char *status)
{
	prov_operation_record *record = prov_calloc(1, sizeof(*record));

	if (!record)
		return NULL;
	record->op = prov_strdup(op_id);
	record->status = prov_strdup(status);
	record->attempts = 1;
	if (!record->op || !record->status) {
		prov_operation_record_free(record);
		return NULL;
	}
	return record;
}

int prov_operation_record_new(prov_operation_record **out, const char *op_id, const char *status)
{
	*out = NULL;
	if (!op_id || !*op_id)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "an operation record needs a non-empty operation id");
	if (!status_is_known(status))
		return bad_status(PROV_EINVAL, op_id, status);
	if (!(*out = record_alloc(op_id, status)))
		return PROV_ENOMEM;
	prov_rfc3339_format(prov_clock_realtime_ms(), true, (*out)->timestamp);
	return PROV_OK;
}

void prov_operation_record_free(prov_operation_record *record)
{
	if (!record)
		return;
	for (size_t i = 0; i < record->actions.len; i++)
		prov_rollback_action_free(record->actions.items[i]);
	free(record->actions.items);
	json_object_put(record->output);
	json_object_put(record->error);
	free(record->op);
	free(record->status);
	free(record);
}

const char *prov_operation_record_op(const prov_operation_record *record)
{
	return record->op;
}

const char *prov_operation_record_status(const prov_operation_record *record)
{
	return record->status;
}

const char *prov_operation_record_timestamp(const prov_operation_record *record)
{
	return record->timestamp;
}

int prov_operation_record_set_timestamp(prov_operation_record *record, long long unix_ms)
{
	if (prov_rfc3339_format(unix_ms, true, record->timestamp) == 0)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "operation %s: timestamp %lld is outside years 0-9999",
				    record->op, unix_ms);
	return PROV_OK;
}

int prov_operation_record_set_output(prov_operation_record *record, const char *json)
{
	json_object *value;
	int rc = prov_json_text_parse(&value, json, "operation output");

	if (rc != PROV_OK)
		return rc;
	json_object_put(record->output);
	record->output = value;
	return PROV_OK;
}

int prov_operation_record_get_output(char **out, const prov_operation_record *record)
{
	return prov_json_text_of(out, record->output);
}

static int check_error_value(json_object *value, const char *what)
{
	if (value && !json_object_is_type(value, json_type_object))
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "%s: \"error\" must be an object or null", what);
	return PROV_OK;
}

int prov_operation_record_set_error(prov_operation_record *record, const char *json)
{
	json_object *value;
	int rc = prov_json_text_parse(&value, json, "operation error");

	if (rc == PROV_OK && (rc = check_error_value(value, "operation error")) != PROV_OK) {
		json_object_put(value);
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "operation %s: an error must be a JSON object or null",
				    record->op);
	}
	if (rc != PROV_OK)
		return rc;
	json_object_put(record->error);
	record->error = value;
	return PROV_OK;
}

int prov_operation_record_get_error(char **out, const prov_operation_record *record)
{
	return prov_json_text_of(out, record->error);
}

int prov_operation_record_set_attempts(prov_operation_record *record, int attempts)
{
	if (attempts < 0)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "operation %s: attempts must not be negative", record->op);
	record->attempts = attempts;
	return PROV_OK;
}

int prov_operation_record_attempts(const prov_operation_record *record)
{
	return record->attempts;
}

int prov_operation_record_add_rollback(prov_operation_record *record,
				       const prov_rollback_action *action)
{
	return prov_rollback_stack_push(&record->actions, action);
}

size_t prov_operation_record_rollback_count(const prov_operation_record *record)
{
	return record->actions.len;
}

const prov_rollback_action *prov_operation_record_rollback_at(const prov_operation_record *record,
							      size_t index)
{
	return index < record->actions.len ? record->actions.items[index] : NULL;
}

/* ------------------------------------------------------------------ */

static bool add_member(json_object *obj, const char *key, json_object *value)
{
	if (json_object_object_add(obj, key, value) == 0)
		return true;
	json_object_put(value);
	return false;
}

/*
 * The record's own output and error go into the document by reference, not
 * copied: the document only lives to be printed, in this thread.
 */
int prov_operation_record_to_json(char **out, const prov_operation_record *record)
{
	json_object *obj = json_object_new_object(), *actions = NULL;
	bool ok = obj != NULL;
	int rc;

	*out = NULL;
	ok = ok && add_member(obj, "op", json_object_new_string(record->op));
	ok = ok && add_member(obj, "status", json_object_new_string(record->status));
	ok = ok && add_member(obj, "output", json_object_get(record->output));
	ok = ok && add_member(obj, "attempts", json_object_new_int(record->attempts));
	ok = ok && add_member(obj, "error", json_object_get(record->error));
	ok = ok && prov_rollback_stack_json_c(&actions, &record->actions) == PROV_OK;
	ok = ok && add_member(obj, "rollback_actions", actions);
	ok = ok && add_member(obj, "timestamp", json_object_new_string(record->timestamp));
	rc = ok ? prov_json_text_of(out, obj) : prov_err_nomem();
	json_object_put(obj);
	return rc;
}

static int bad_member(const char *what, const char *member, const char *must)
{
	return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, "%s: \"%s\" must be %s", what,
			    member, must);
}

static int read_attempts(prov_operation_record *record, json_object *obj, const char *what)
{
	json_object *member;
	int64_t n;

	if (!json_object_object_get_ex(obj, "attempts", &member))
		return PROV_OK;
	if (!prov_json_get_int64(obj, "attempts", &n) || n < 0 || n > INT_MAX)
		return bad_member(what, "attempts", "a non-negative integer");
	record->attempts = (int)n;
	return PROV_OK;
}

static int read_timestamp(prov_operation_record *record, json_object *obj, const char *what)
{
	json_object *member;
	const char *text = prov_json_get_string(obj, "timestamp");
	int64_t ms;

	if (!json_object_object_get_ex(obj, "timestamp", &member)) {
		record->timestamp[0] = '\0';
		return PROV_OK;
	}
	if (!text || prov_rfc3339_parse(text, strlen(text), &ms) != 0 ||
	    strlen(text) >= sizeof(record->timestamp))
		return bad_member(what, "timestamp", "an RFC 3339 date-time");
	memcpy(record->timestamp, text, strlen(text) + 1);
	return PROV_OK;
}

/* The parsed document is dropped after this: its values are taken, not copied. */
static int read_values(prov_operation_record *record, json_object *obj, const char *what)
{
	json_object *member;
	int rc;

	if (json_object_object_get_ex(obj, "output", &member))
		record->output = json_object_get(member);
	if (json_object_object_get_ex(obj, "error", &member)) {
		if ((rc = check_error_value(member, what)) != PROV_OK)
			return rc;
		record->error = json_object_get(member);
	}
	if (json_object_object_get_ex(obj, "rollback_actions", &member) && member)
		return prov_rollback_stack_fill(&record->actions, member, what);
	return PROV_OK;
}

static int record_from_object(prov_operation_record **out, json_object *obj, const char *what)
{
	const char *op = prov_json_get_string(obj, "op");
	const char *status = prov_json_get_string(obj, "status");
	int rc;

	if (!json_object_is_type(obj, json_type_object))
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "%s: an operation record must be an object", what);
	if (!op || !*op)
		return bad_member(what, "op", "a non-empty string");
	if (!status_is_known(status))
		return bad_status(PROV_EPARSE, what, status);
	/* Checked above, and the timestamp comes from the document. */
	if (!(*out = record_alloc(op, status)))
		return PROV_ENOMEM;
	rc = read_attempts(*out, obj, what);
	if (rc == PROV_OK)
		rc = read_timestamp(*out, obj, what);
	if (rc == PROV_OK)
		rc = read_values(*out, obj, what);
	if (rc != PROV_OK) {
		prov_operation_record_free(*out);
		*out = NULL;
	}
	return rc;
}

int prov_operation_record_parse(prov_operation_record **out, const char *json, size_t len,
				const char *what)
{
	json_object *obj;
	int rc;

	*out = NULL;
	if (!json)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s: no JSON text given", what);
	rc = prov_json_parse(json, len, what, &obj);
	if (rc == PROV_OK)
		rc = record_from_object(out, obj, what);
	json_object_put(obj);
	return rc;
}

int prov_operation_record_from_json(prov_operation_record **out, const char *json, size_t len)
{
	return prov_operation_record_parse(out, json, len, "operation record");
}
