/* Rollback actions and the stack that holds them. */
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <string.h>

static const char *const type_names[] = {
	[PROV_ROLLBACK_DELETE_RESOURCE] = "DeleteResource",
	[PROV_ROLLBACK_RESTORE_FILE] = "RestoreFile",
	[PROV_ROLLBACK_REVERT_CONFIGURATION] = "RevertConfiguration",
	[PROV_ROLLBACK_CUSTOM_ACTION] = "CustomAction",
};

#define TYPE_COUNT ((int)(sizeof(type_names) / sizeof(type_names[0])))

const char *prov_rollback_type_name(int type)
{
	return type > 0 && type < TYPE_COUNT ? type_names[type] : NULL;
}

static int type_from_name(const char *name)
{
	for (int t = 1; name && t < TYPE_COUNT; t++)
		if (strcmp(type_names[t], name) == 0)
			return t;
	return 0;
}

bool prov_json_clone(json_object *src, json_object **out)
{
	*out = NULL;
	if (!src)
		return true;
	return json_object_deep_copy(src, out, NULL) == 0;
}

int prov_json_text_parse(json_object **out, const char *json, const char *what)
{
	if (!json)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s: no JSON text given", what);
	return prov_json_parse(json, strlen(json), what, out);
}

int prov_json_text_of(char **out, json_object *obj)
{
	*out = prov_json_to_string(obj, NULL);
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int bad_field(const char *what, const char *type, const char *field, const char *must)
{
	return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, "%s: %s needs \"%s\" %s", what,
			    type, field, must);
}

static int check_string(json_object *obj, const char *what, const char *type,
			const char *field, bool may_be_empty)
{
	const char *s = prov_json_get_string(obj, field);

	if (!s || (!may_be_empty && !*s))
		return bad_field(what, type, field,
				 may_be_empty ? "as a string" : "as a non-empty string");
	return PROV_OK;
}

static int check_args(json_object *obj, const char *what)
{
	json_object *args;

	if (!json_object_object_get_ex(obj, "args", &args) || !args)
		return PROV_OK;
	if (!json_object_is_type(args, json_type_array))
		return bad_field(what, "CustomAction", "args", "as an array of strings");
	for (size_t i = 0; i < json_object_array_length(args); i++)
		if (!json_object_is_type(json_object_array_get_idx(args, i), json_type_string))
			return bad_field(what, "CustomAction", "args", "as an array of strings");
	return PROV_OK;
}

int prov_rollback_action_check(json_object *obj, const char *what)
{
	const char *name = prov_json_get_string(obj, "type");
	json_object *op;
	int type, rc;

	if (!json_object_is_type(obj, json_type_object))
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "%s: a rollback action must be an object", what);
	type = type_from_name(name);
	if (!type)
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "%s: unknown rollback action type \"%s\" (expected DeleteResource, "
				    "RestoreFile, RevertConfiguration or CustomAction)",
				    what, name ? name : "(none)");
	if (json_object_object_get_ex(obj, "op", &op) && !json_object_is_type(op, json_type_string))
		return bad_field(what, name, "op", "as a string");
	switch (type) {
	case PROV_ROLLBACK_DELETE_RESOURCE:
		rc = check_string(obj, what, name, "provider", false);
		return rc ? rc : check_string(obj, what, name, "resource_id", false);
	case PROV_ROLLBACK_RESTORE_FILE:
		rc = check_string(obj, what, name, "path", false);
		return rc ? rc : check_string(obj, what, name, "content", true);
	case PROV_ROLLBACK_REVERT_CONFIGURATION:
		return check_string(obj, what, name, "key", false);
	default:
		rc = check_string(obj, what, name, "command", false);
		return rc ? rc : check_args(obj, what);
	}
}

int prov_rollback_action_wrap(prov_rollback_action **out, json_object *obj)
{
	prov_rollback_action *action = prov_calloc(1, sizeof(*action));

	*out = NULL;
	if (!action)
		return PROV_ENOMEM;
	if (!prov_json_clone(obj, &action->obj)) {
		free(action);
		return prov_err_nomem();
	}
	*out = action;
	return PROV_OK;
}

/* Take ownership of obj (already checked) as a new action. */
static int adopt(prov_rollback_action **out, json_object *obj)
{
	*out = NULL;
	if (!obj)
		return prov_err_nomem();
	*out = prov_calloc(1, sizeof(**out));
	if (!*out) {
		json_object_put(obj);
		return PROV_ENOMEM;
	}
	(*out)->obj = obj;
	return PROV_OK;
}

/* Add a string member; false when out of memory. */
static bool put_string(json_object *obj, const char *key, const char *value, size_t len)
{
	json_object *s = json_object_new_string_len(value, (int)len);

	return s && json_object_object_add(obj, key, s) == 0;
}

static json_object *new_action(int type)
{
	json_object *obj = json_object_new_object();

	if (obj && !put_string(obj, "type", type_names[type], strlen(type_names[type]))) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static int require(const char *value, const char *type, const char *field)
{
	if (value && *value)
		return PROV_OK;
	return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
			    "%s rollback action needs a non-empty %s", type, field);
}

/* A new action of `type` with string fields given as name/value pairs. */
static int build(prov_rollback_action **out, int type, const char *const *fields, size_t count)
{
	json_object *obj;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < count; i += 2)
		if ((rc = require(fields[i + 1], type_names[type], fields[i])) != PROV_OK)
			return rc;
	obj = new_action(type);
	for (size_t i = 0; obj && i < count; i += 2) {
		if (!put_string(obj, fields[i], fields[i + 1], strlen(fields[i + 1]))) {
			json_object_put(obj);
			obj = NULL;
		}
	}
	return adopt(out, obj);
}

int prov_rollback_action_delete_resource(prov_rollback_action **out, const char *provider,
					 const char *resource_id)
{
	const char *fields[] = { "provider", provider, "resource_id", resource_id };

	return build(out, PROV_ROLLBACK_DELETE_RESOURCE, fields, 4);
}

int prov_rollback_action_restore_file(prov_rollback_action **out, const char *path,
				      const char *content, size_t content_len)
{
	const char *fields[] = { "path", path };
	int rc;

	*out = NULL;
	if (!content || prov_utf8_check(content, content_len) != content_len)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "RestoreFile rollback action for %s needs content in UTF-8",
				    path ? path : "(no path)");
	rc = build(out, PROV_ROLLBACK_RESTORE_FILE, fields, 2);
	if (rc == PROV_OK && !put_string((*out)->obj, "content", content, content_len)) {
		prov_rollback_action_free(*out);
		*out = NULL;
		rc = prov_err_nomem();
	}
	return rc;
}

int prov_rollback_action_revert_configuration(prov_rollback_action **out, const char *key,
					      const char *value_json)
{
	const char *fields[] = { "key", key };
	json_object *value;
	int rc;

	*out = NULL;
	rc = prov_json_text_parse(&value, value_json, "RevertConfiguration value");
	if (rc != PROV_OK)
		return rc;
	rc = build(out, PROV_ROLLBACK_REVERT_CONFIGURATION, fields, 2);
	if (rc == PROV_OK && json_object_object_add((*out)->obj, "value", value) != 0) {
		json_object_put(value);
		prov_rollback_action_free(*out);
		*out = NULL;
		return prov_err_nomem();
	}
	if (rc != PROV_OK)
		json_object_put(value);
	return rc;
}

static json_object *string_array(const char *const *items)
{
	json_object *array = json_object_new_array();

	for (size_t i = 0; array && items && items[i]; i++) {
		json_object *s = json_object_new_string(items[i]);

		if (!s || json_object_array_add(array, s) != 0) {
			json_object_put(s);
			json_object_put(array);
			return NULL;
		}
	}
	return array;
}

int prov_rollback_action_custom(prov_rollback_action **out, const char *command,
				const char *const *args)
{
	const char *fields[] = { "command", command };
	json_object *array;
	int rc = build(out, PROV_ROLLBACK_CUSTOM_ACTION, fields, 2);

	if (rc != PROV_OK)
		return rc;
	array = string_array(args);
	if (!array || json_object_object_add((*out)->obj, "args", array) != 0) {
		json_object_put(array);
		prov_rollback_action_free(*out);
		*out = NULL;
		return prov_err_nomem();
	}
	return PROV_OK;
}

int prov_rollback_action_from_json(prov_rollback_action **out, const char *json, size_t len)
{
	json_object *obj;
	int rc;

	*out = NULL;
	if (!json)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "rollback action: no JSON text given");
	rc = prov_json_parse(json, len, "rollback action", &obj);
	if (rc == PROV_OK)
		rc = prov_rollback_action_check(obj, "rollback action");
	if (rc == PROV_OK)
		return adopt(out, obj);
	json_object_put(obj);
	return rc;
}

int prov_rollback_action_to_json(char **out, const prov_rollback_action *action)
{
	return prov_json_text_of(out, action->obj);
}

int prov_rollback_action_copy(prov_rollback_action **out, const prov_rollback_action *action)
{
	return prov_rollback_action_wrap(out, action->obj);
}

void prov_rollback_action_free(prov_rollback_action *action)
{
	if (!action)
		return;
	json_object_put(action->obj);
	free(action);
}

int prov_rollback_action_type(const prov_rollback_action *action)
{
	return type_from_name(prov_json_get_string(action->obj, "type"));
}

const char *prov_rollback_action_field(const prov_rollback_action *action, const char *name)
{
	if (!name || strcmp(name, "type") == 0)
		return NULL;
	return prov_json_get_string(action->obj, name);
}

int prov_rollback_action_get_value(char **out, const prov_rollback_action *action)
{
	json_object *value = NULL;

	*out = NULL;
	if (prov_rollback_action_type(action) != PROV_ROLLBACK_REVERT_CONFIGURATION)
		return prov_err_set(PROV_ETYPE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "only a RevertConfiguration rollback action has a value");
	json_object_object_get_ex(action->obj, "value", &value);
	return prov_json_text_of(out, value);
}

static json_object *args_of(const prov_rollback_action *action)
{
	json_object *args;

	if (!json_object_object_get_ex(action->obj, "args", &args) ||
	    !json_object_is_type(args, json_type_array))
		return NULL;
	return args;
}

size_t prov_rollback_action_arg_count(const prov_rollback_action *action)
{
	json_object *args = args_of(action);

	return args ? json_object_array_length(args) : 0;
}

const char *prov_rollback_action_arg_at(const prov_rollback_action *action, size_t index)
{
	json_object *args = args_of(action);

	if (!args || index >= json_object_array_length(args))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(args, index));
}

/* ------------------------------------------------------------------ */

int prov_rollback_stack_new(prov_rollback_stack **out)
{
	*out = prov_calloc(1, sizeof(**out));
	return *out ? PROV_OK : PROV_ENOMEM;
}

void prov_rollback_stack_free(prov_rollback_stack *stack)
{
	if (!stack)
		return;
	for (size_t i = 0; i < stack->len; i++)
		prov_rollback_action_free(stack->items[i]);
	free(stack->items);
	free(stack);
}

/* Push an action the stack takes over. */
static int push_owned(prov_rollback_stack *stack, prov_rollback_action *action)
{
	if (stack->len == stack->cap) {
		size_t cap = stack->cap ? stack->cap * 2 : 8;

		if (prov_grow(&stack->items, cap, sizeof(*stack->items)) != PROV_OK)
			return PROV_ENOMEM;
		stack->cap = cap;
	}
	stack->items[stack->len++] = action;
	return PROV_OK;
}

int prov_rollback_stack_push(prov_rollback_stack *stack, const prov_rollback_action *action)
{
	prov_rollback_action *copy;
	int rc = prov_rollback_action_copy(&copy, action);

	if (rc == PROV_OK && (rc = push_owned(stack, copy)) != PROV_OK)
		prov_rollback_action_free(copy);
	return rc;
}

size_t prov_rollback_stack_count(const prov_rollback_stack *stack)
{
	return stack->len;
}

const prov_rollback_action *prov_rollback_stack_at(const prov_rollback_stack *stack,
						   size_t index)
{
	return index < stack->len ? stack->items[stack->len - 1 - index] : NULL;
}

int prov_rollback_stack_json_c(json_object **out, const prov_rollback_stack *stack)
{
	json_object *array = json_object_new_array();

	*out = NULL;
	if (!array)
		return prov_err_nomem();
	for (size_t i = 0; i < stack->len; i++) {
		json_object *copy;

		if (!prov_json_clone(stack->items[i]->obj, &copy) ||
		    json_object_array_add(array, copy) != 0) {
			json_object_put(copy);
			json_object_put(array);
			return prov_err_nomem();
		}
	}
	*out = array;
	return PROV_OK;
}

int prov_rollback_stack_to_json(char **out, const prov_rollback_stack *stack)
{
	json_object *array;
	int rc = prov_rollback_stack_json_c(&array, stack);

	*out = NULL;
	if (rc == PROV_OK)
		rc = prov_json_text_of(out, array);
	json_object_put(array);
	return rc;
}

void prov_rollback_stack_remove(prov_rollback_stack *stack, size_t position)
{
	prov_rollback_action_free(stack->items[position]);
	memmove(&stack->items[position], &stack->items[position + 1],
		(stack->len - position - 1) * sizeof(*stack->items));
	stack->len--;
}

int prov_rollback_stack_fill(prov_rollback_stack *stack, json_object *array, const char *what)
{
	if (!json_object_is_type(array, json_type_array))
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "%s: a rollback stack must be an array", what);
	for (size_t i = 0; i < json_object_array_length(array); i++) {
		json_object *item = json_object_array_get_idx(array, i);
		prov_rollback_action *action;
		int rc = prov_rollback_action_check(item, what);

		if (rc == PROV_OK)
			rc = prov_rollback_action_wrap(&action, item);
		if (rc == PROV_OK && (rc = push_owned(stack, action)) != PROV_OK)
			prov_rollback_action_free(action);
		if (rc != PROV_OK)
			return rc;
	}
	return PROV_OK;
}

int prov_rollback_stack_from_json(prov_rollback_stack **out, const char *json, size_t len)
{
	json_object *array = NULL;
	int rc;

	*out = NULL;
	if (!json)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "rollback stack: no JSON text given");
	rc = prov_json_parse(json, len, "rollback stack", &array);
	if (rc == PROV_OK)
		rc = prov_rollback_stack_new(out);
	if (rc == PROV_OK && (rc = prov_rollback_stack_fill(*out, array, "rollback stack")) != PROV_OK) {
		prov_rollback_stack_free(*out);
		*out = NULL;
	}
	json_object_put(array);
	return rc;
}
