/*
 * Rolling a workflow back: its checkpoint's rollback stack runs newest
 * first. DeleteResource deletes through the provider; RestoreFile and
 * CustomAction run in the checkpoint component; RevertConfiguration has
 * nothing to revert here (the runner writes no configuration) and fails,
 * staying on the stack. An action that fails does not stop the others; it
 * stays in the checkpoint for `workflow rollback ID`.
 */
#include "workflow/run.h"

#include "core/mem.h"
#include "core/strbuf.h"
#include "plugin/call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rollback_cancelled(void *userdata)
{
	return wf_runner_cancelled(userdata);
}

static int delete_resource(struct wf_rollback *rb, const prov_rollback_action *action)
{
	const char *provider = prov_rollback_action_field(action, "provider");
	const char *id = prov_rollback_action_field(action, "resource_id");
	const char *op = prov_rollback_action_field(action, "op");
	char operation[PROV_WORKFLOW_ID_MAX + 16], *params = NULL;
	prov_call_context call = { rb->workflow_id, operation, prov_call_deadline_in(rb->timeout_ms),
				   rollback_cancelled, rb->runner };
	prov_call_result res;
	prov_strbuf b = PROV_STRBUF_INIT;
	int rc = wf_env_ensure_provider(rb->env, provider);

	/* Not the create's idempotency key: a provider must not take the delete for it. */
	snprintf(operation, sizeof(operation), "%s.rollback", op ? op : "workflow");
	prov_strbuf_puts(&b, "{\"id\":");
	prov_strbuf_put_json_string(&b, id, strlen(id));
	prov_strbuf_putc(&b, '}');
	if (rc == PROV_OK && !(params = prov_strbuf_detach(&b, NULL)))
		rc = PROV_ENOMEM;
	prov_strbuf_release(&b);
	if (rc == PROV_OK) {
		rc = prov_registry_call_action(&res, rb->env->registry, provider, "delete_server",
					       params, &call);
		prov_call_result_release(&res);
	}
	free(params);
	if (rc == PROV_OK)
		WF_PUBLISH(rb->runner, resource_deleted, provider, "server", id);
	return rc;
}

static int run_action(const prov_rollback_action *action, void *userdata)
{
	struct wf_rollback *rb = userdata;

	if (prov_rollback_action_type(action) == PROV_ROLLBACK_DELETE_RESOURCE)
		return delete_resource(rb, action);
	return prov_err_set(PROV_EUNSUPPORTED, PROV_ERRCAT_WORKFLOW,
			    "RevertConfiguration of %s: the workflow runner keeps no configuration "
			    "to revert", prov_rollback_action_field(action, "key"));
}

static void on_result(const prov_rollback_action *action, int status, const char *message,
		      void *userdata)
{
	struct wf_rollback *rb = userdata;
	char *json = NULL;

	if (prov_rollback_action_to_json(&json, action) != PROV_OK)
		return;
	if (status == PROV_OK) {
		json_object *copy = json_tokener_parse(json);

		if (copy)
			json_object_array_add(rb->undone, copy);
	} else {
		rb->failed++;
		WF_PUBLISH(rb->runner, rollback_failed, rb->workflow_id, json, message);
	}
	prov_free(json);
}

static int select_action(const prov_rollback_action *action, void *userdata)
{
	struct wf_rollback *rb = userdata;
	const char *op = prov_rollback_action_field(action, "op"), *status;

	if (wf_runner_cancelled(rb->runner)) {
		rb->cancelled = true;
		return 0;
	}
	if (!rb->only_failed)
		return 1;
	status = op ? prov_checkpoint_operation_status(rb->checkpoint, op) : NULL;
	return status && strcmp(status, "failed") == 0;
}

/* What makes two actions the same undo step, whichever operation recorded it. */
static void action_key(prov_strbuf *key, const prov_rollback_action *a)
{
	static const char *const fields[] = { "provider", "resource_id", "path", "key", "command" };

	prov_strbuf_reset(key);
	prov_strbuf_puts(key, prov_rollback_type_name(prov_rollback_action_type(a)));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = prov_rollback_action_field(a, fields[i]);

		prov_strbuf_putc(key, '\x1f');
		prov_strbuf_puts(key, v ? v : "");
	}
}

static bool seen_later(const prov_rollback_stack *stack, size_t index, prov_strbuf *key,
		       prov_strbuf *other)
{
	action_key(key, prov_rollback_stack_at(stack, index));
	for (size_t j = 0; j < index; j++) {
		action_key(other, prov_rollback_stack_at(stack, j));
		if (strcmp(prov_strbuf_cstr(key), prov_strbuf_cstr(other)) == 0)
			return true;
	}
	return false;
}

/*
 * The stack without repeats (a resumed operation can record the resource
 * an earlier attempt did): each undo step once, where it was last pushed.
 */
static int unique_actions(prov_rollback_stack **out, const prov_rollback_stack *stack)
{
	prov_strbuf key = PROV_STRBUF_INIT, other = PROV_STRBUF_INIT;
	size_t n = prov_rollback_stack_count(stack);
	int rc = prov_rollback_stack_new(out);

	for (size_t i = n; rc == PROV_OK && i-- > 0;)
		if (!seen_later(stack, i, &key, &other))
			rc = prov_rollback_stack_push(*out, prov_rollback_stack_at(stack, i));
	prov_strbuf_release(&key);
	prov_strbuf_release(&other);
	if (rc) {
		prov_rollback_stack_free(*out);
		*out = NULL;
	}
	return rc;
}

int wf_rollback_stack(struct wf_rollback *rb, prov_checkpoint *cp)
{
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stored = NULL, *stack = NULL;
	char *undone = NULL;
	int rc = prov_checkpoint_get_rollback_stack(&stored, cp);

	if (rc == PROV_OK)
		rc = unique_actions(&stack, stored);
	prov_rollback_stack_free(stored);
	if (rc)
		return rc;
	WF_PUBLISH(rb->runner, rollback_started, rb->workflow_id);
	options.run_action = run_action;
	options.on_result = on_result;
	options.select = select_action;
	options.command_timeout_ms = rb->timeout_ms;
	options.userdata = rb;
	rc = prov_rollback_stack_run(stack, &options);
	if (rc == PROV_OK || rc == PROV_EPARTIAL) {
		int saved = prov_checkpoint_set_rollback_stack(cp, stack);

		rc = saved ? saved : rc;
	}
	if (rc == PROV_OK && rb->cancelled)
		rc = prov_err_set(PROV_ECANCELLED, PROV_ERRCAT_WORKFLOW,
				  "the rollback of %s was cancelled", rb->workflow_id);
	undone = strdup(json_object_to_json_string_ext(rb->undone, JSON_C_TO_STRING_PLAIN));
	WF_PUBLISH(rb->runner, rollback_completed, rb->workflow_id, undone ? undone : "[]");
	free(undone);
	prov_rollback_stack_free(stack);
	return rc;
}
