/* The checkpoint document: building it, reading it back, and its members. */
#include "checkpoint/internal.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/rfc3339.h"

#include <string.h>

bool prov_workflow_id_is_valid(const char *id, size_t len)
{
	if (len == 0 || len > PROV_WORKFLOW_ID_MAX || id[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int prov_workflow_id_validate(const char *workflow_id)
{
	size_t len = workflow_id ? strlen(workflow_id) : 0;

	if (prov_workflow_id_is_valid(workflow_id, len))
		return PROV_OK;
	if (len == 0)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "a workflow id must not be empty");
	prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
		     len > PROV_WORKFLOW_ID_MAX
		     ? "invalid workflow id \"%.40s...\": longer than 128 characters"
		     : workflow_id[0] == '.'
		     ? "invalid workflow id \"%s\": must not start with '.'"
		     : "invalid workflow id \"%s\": only letters, digits, '.', '_' and '-' are allowed",
		     workflow_id);
	prov_err_context(PROV_ERR_WORKFLOW, workflow_id);
	return PROV_EINVAL;
}

/* Add key = value to obj, taking value; false (value released) on failure. */
static bool put(json_object *obj, const char *key, json_object *value)
{
	if (value && json_object_object_add(obj, key, value) == 0)
		return true;
	json_object_put(value);
	return false;
}

/* The member `key` of obj, created as a new object or array when missing. */
static json_object *member_or_new(json_object *obj, const char *key, json_type type)
{
	json_object *member;

	if (json_object_object_get_ex(obj, key, &member) && member)
		return member;
	member = type == json_type_array ? json_object_new_array() : json_object_new_object();
	return put(obj, key, member) ? member : NULL;
}

/* Point the cached members at root's, adding the ones it lacks. */
static int complete_members(prov_checkpoint *cp)
{
	json_object *root = cp->root;

	if (!json_object_object_get_ex(root, "step", NULL) &&
	    !put(root, "step", json_object_new_int64(0)))
		return prov_err_nomem();
	cp->completed = member_or_new(root, "completed_operations", json_type_array);
	cp->state = member_or_new(root, "current_state", json_type_object);
	cp->operations = cp->state ? member_or_new(cp->state, "operations", json_type_object) : NULL;
	cp->stack = cp->state ? member_or_new(cp->state, "rollback_stack", json_type_array) : NULL;
	if (!member_or_new(root, "metadata", json_type_object) || !cp->stack || !cp->operations)
		return prov_err_nomem();
	if (!json_object_object_get_ex(root, "timestamp", NULL) &&
	    !put(root, "timestamp", json_object_new_string("")))
		return prov_err_nomem();
	return PROV_OK;
}

static json_object *skeleton(const char *workflow_id)
{
	json_object *root = json_object_new_object();
	char now[PROV_RFC3339_MAX];

	prov_rfc3339_format(prov_clock_realtime_ms(), true, now);
	if (root && put(root, "format_version", json_object_new_int(PROV_CHECKPOINT_FORMAT_VERSION)) &&
	    put(root, "workflow_id", json_object_new_string(workflow_id)) &&
	    put(root, "step", json_object_new_int64(0)) &&
	    put(root, "completed_operations", json_object_new_array()) &&
	    put(root, "current_state", json_object_new_object()) &&
	    put(root, "metadata", json_object_new_object()) &&
	    put(root, "timestamp", json_object_new_string(now)))
		return root;
	json_object_put(root);
	return NULL;
}

static int wrap_root(prov_checkpoint **out, json_object *root)
{
	prov_checkpoint *cp = prov_calloc(1, sizeof(*cp));
	int rc;

	*out = NULL;
	if (!cp) {
		json_object_put(root);
		return PROV_ENOMEM;
	}
	cp->root = root;
	rc = complete_members(cp);
	if (rc != PROV_OK) {
		prov_checkpoint_free(cp);
		return rc;
	}
	*out = cp;
	return PROV_OK;
}

int prov_checkpoint_new(prov_checkpoint **out, const char *workflow_id)
{
	json_object *root;
	int rc;

	*out = NULL;
	rc = prov_workflow_id_validate(workflow_id);
	if (rc != PROV_OK)
		return rc;
	root = skeleton(workflow_id);
	return root ? wrap_root(out, root) : prov_err_nomem();
}

void prov_checkpoint_free(prov_checkpoint *checkpoint)
{
	if (!checkpoint)
		return;
	json_object_put(checkpoint->root);
	free(checkpoint);
}

/* ------------------------------------------------------------------ */
/* Reading a document                                                  */
/* ------------------------------------------------------------------ */

static int bad(const char *what, const char *member, const char *must)
{
	return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, "%s: \"%s\" must be %s", what,
			    member, must);
}

/* The member, or NULL when absent; *present tells absent from null. */
static json_object *optional(json_object *obj, const char *key, bool *present)
{
	json_object *member = NULL;

	*present = json_object_object_get_ex(obj, key, &member);
	return member;
}

static int check_version(json_object *root, const char *what)
{
	bool present;
	json_object *v = optional(root, "format_version", &present);
	int64_t version;

	if (!present)
		return PROV_OK;
	if (!json_object_is_type(v, json_type_int) || (version = json_object_get_int64(v)) < 1)
		return bad(what, "format_version", "a positive integer");
	if (version > PROV_CHECKPOINT_FORMAT_VERSION)
		return prov_err_set(PROV_EVERSION, PROV_ERRCAT_CHECKPOINT,
				    "%s: format_version %lld is newer than this library reads (%d)",
				    what, (long long)version, PROV_CHECKPOINT_FORMAT_VERSION);
	return PROV_OK;
}

static int check_count(json_object *root, const char *key, const char *what)
{
	bool present;
	json_object *v = optional(root, key, &present);

	if (present && (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0))
		return bad(what, key, "a non-negative integer");
	return PROV_OK;
}

static int check_string_array(json_object *root, const char *key, const char *what)
{
	bool present;
	json_object *v = optional(root, key, &present);

	if (!present)
		return PROV_OK;
	if (!json_object_is_type(v, json_type_array))
		return bad(what, key, "an array of strings");
	for (size_t i = 0; i < json_object_array_length(v); i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return bad(what, key, "an array of strings");
	return PROV_OK;
}

static int check_object(json_object *obj, const char *key, const char *what)
{
	bool present;
	json_object *v = optional(obj, key, &present);

	if (present && !json_object_is_type(v, json_type_object))
		return bad(what, key, "an object");
	return PROV_OK;
}

static int check_timestamp(json_object *root, const char *what)
{
	bool present;
	json_object *v = optional(root, "timestamp", &present);
	const char *text;
	int64_t ms;

	if (!present)
		return PROV_OK;
	text = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!text || (*text && prov_rfc3339_parse(text, strlen(text), &ms) != 0))
		return bad(what, "timestamp", "an RFC 3339 date-time");
	return PROV_OK;
}

static int check_operations(json_object *operations, const char *what)
{
	if (!operations)
		return PROV_OK;
	if (!json_object_is_type(operations, json_type_object))
		return bad(what, "operations", "an object of operation states");
	json_object_object_foreach(operations, op, entry) {
		if (!json_object_is_type(entry, json_type_object) ||
		    !prov_json_get_string(entry, "status"))
			return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
					    "%s: operation \"%s\" needs a \"status\" string", what, op);
	}
	return PROV_OK;
}

static int check_stack(json_object *stack, const char *what)
{
	if (!stack)
		return PROV_OK;
	if (!json_object_is_type(stack, json_type_array))
		return bad(what, "rollback_stack", "an array of rollback actions");
	for (size_t i = 0; i < json_object_array_length(stack); i++) {
		int rc = prov_rollback_action_check(json_object_array_get_idx(stack, i), what);

		if (rc != PROV_OK)
			return rc;
	}
	return PROV_OK;
}

static int check_state(json_object *root, const char *what)
{
	bool present;
	json_object *state = optional(root, "current_state", &present);
	json_object *member;
	int rc = check_object(root, "current_state", what);

	if (rc != PROV_OK || !state)
		return rc;
	member = optional(state, "operations", &present);
	if ((rc = check_operations(member, what)) != PROV_OK)
		return rc;
	return check_stack(optional(state, "rollback_stack", &present), what);
}

static int check_document(json_object *root, const char *what)
{
	const char *id = prov_json_get_string(root, "workflow_id");
	int rc;

	if (!json_object_is_type(root, json_type_object))
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "%s: a checkpoint must be a JSON object", what);
	if ((rc = check_version(root, what)) != PROV_OK)
		return rc;
	if (!id || !prov_workflow_id_is_valid(id, strlen(id)))
		return bad(what, "workflow_id", "a valid workflow id");
	if ((rc = check_count(root, "step", what)) != PROV_OK ||
	    (rc = check_count(root, "revision", what)) != PROV_OK ||
	    (rc = check_string_array(root, "completed_operations", what)) != PROV_OK ||
	    (rc = check_object(root, "metadata", what)) != PROV_OK ||
	    (rc = check_timestamp(root, what)) != PROV_OK)
		return rc;
	return check_state(root, what);
}

int prov_checkpoint_parse(prov_checkpoint **out, const char *json, size_t len, const char *what)
{
	json_object *root;
	int64_t revision = 0;
	int rc;

	*out = NULL;
	if (!json)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s: no JSON text given", what);
	rc = prov_json_parse(json, len, what, &root);
	if (rc == PROV_OK && (rc = check_document(root, what)) != PROV_OK)
		json_object_put(root);
	if (rc != PROV_OK)
		return rc;
	prov_json_get_int64(root, "revision", &revision);
	rc = wrap_root(out, root);
	if (rc == PROV_OK)
		(*out)->revision = revision;
	return rc;
}

int prov_checkpoint_from_json(prov_checkpoint **out, const char *json, size_t len)
{
	return prov_checkpoint_parse(out, json, len, "checkpoint");
}

int prov_checkpoint_to_json(char **out, const prov_checkpoint *checkpoint)
{
	return prov_json_text_of(out, checkpoint->root);
}

int prov_checkpoint_to_json_pretty(char **out, const prov_checkpoint *checkpoint)
{
	const char *text = json_object_to_json_string_ext(
		checkpoint->root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE);

	*out = text ? prov_strdup(text) : NULL;
	return *out ? PROV_OK : prov_err_nomem();
}

/* ------------------------------------------------------------------ */
/* Members                                                             */
/* ------------------------------------------------------------------ */

const char *prov_checkpoint_workflow_id(const prov_checkpoint *checkpoint)
{
	return prov_json_get_string(checkpoint->root, "workflow_id");
}

const char *prov_checkpoint_timestamp(const prov_checkpoint *checkpoint)
{
	const char *text = prov_json_get_string(checkpoint->root, "timestamp");

	return text ? text : "";
}

int prov_checkpoint_set_timestamp(prov_checkpoint *checkpoint, long long unix_ms)
{
	char text[PROV_RFC3339_MAX];

	if (prov_rfc3339_format(unix_ms, true, text) == 0)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "checkpoint timestamp %lld is outside years 0-9999", unix_ms);
	return put(checkpoint->root, "timestamp", json_object_new_string(text))
	       ? PROV_OK : prov_err_nomem();
}

long long prov_checkpoint_step(const prov_checkpoint *checkpoint)
{
	int64_t step = 0;

	prov_json_get_int64(checkpoint->root, "step", &step);
	return step;
}

int prov_checkpoint_set_step(prov_checkpoint *checkpoint, long long step)
{
	if (step < 0)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "checkpoint %s: step must not be negative",
				    prov_checkpoint_workflow_id(checkpoint));
	return put(checkpoint->root, "step", json_object_new_int64(step)) ? PROV_OK
									  : prov_err_nomem();
}

long long prov_checkpoint_revision(const prov_checkpoint *checkpoint)
{
	return checkpoint->revision;
}

void prov_checkpoint_set_revision(prov_checkpoint *checkpoint, long long revision)
{
	checkpoint->revision = revision;
	if (revision <= 0 || !put(checkpoint->root, "revision", json_object_new_int64(revision)))
		json_object_object_del(checkpoint->root, "revision");
}

size_t prov_checkpoint_completed_count(const prov_checkpoint *checkpoint)
{
	return json_object_array_length(checkpoint->completed);
}

const char *prov_checkpoint_completed_at(const prov_checkpoint *checkpoint, size_t index)
{
	if (index >= json_object_array_length(checkpoint->completed))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(checkpoint->completed, index));
}

static int check_state_member(const char *key, json_object *value)
{
	if (strcmp(key, "operations") == 0) {
		if (!value)
			return bad("current_state", "operations", "an object of operation states");
		return check_operations(value, "current_state");
	}
	if (strcmp(key, "rollback_stack") == 0) {
		if (!value)
			return bad("current_state", "rollback_stack", "an array of rollback actions");
		return check_stack(value, "current_state");
	}
	return PROV_OK;
}

int prov_checkpoint_set_state(prov_checkpoint *checkpoint, const char *key, const char *json)
{
	json_object *value;
	int rc;

	if (!key || !*key)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "current_state needs a member name");
	rc = prov_json_text_parse(&value, json, key);
	if (rc == PROV_OK && (rc = check_state_member(key, value)) != PROV_OK)
		json_object_put(value);
	if (rc != PROV_OK)
		return rc;
	if (!put(checkpoint->state, key, value))
		return prov_err_nomem();
	checkpoint->operations = member_or_new(checkpoint->state, "operations", json_type_object);
	checkpoint->stack = member_or_new(checkpoint->state, "rollback_stack", json_type_array);
	return PROV_OK;
}

int prov_checkpoint_get_state(char **out, const prov_checkpoint *checkpoint, const char *key)
{
	json_object *value;

	*out = NULL;
	if (!key || !json_object_object_get_ex(checkpoint->state, key, &value))
		return prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CHECKPOINT,
				    "checkpoint %s has no current_state member \"%s\"",
				    prov_checkpoint_workflow_id(checkpoint), key ? key : "(null)");
	return prov_json_text_of(out, value);
}

int prov_checkpoint_set_metadata(prov_checkpoint *checkpoint, const char *json)
{
	json_object *value;
	int rc = prov_json_text_parse(&value, json, "checkpoint metadata");

	if (rc != PROV_OK)
		return rc;
	if (!json_object_is_type(value, json_type_object)) {
		json_object_put(value);
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "checkpoint metadata must be a JSON object");
	}
	return put(checkpoint->root, "metadata", value) ? PROV_OK : prov_err_nomem();
}

int prov_checkpoint_get_metadata(char **out, const prov_checkpoint *checkpoint)
{
	json_object *value = NULL;

	json_object_object_get_ex(checkpoint->root, "metadata", &value);
	return prov_json_text_of(out, value);
}
