/*
 * Running a rollback stack: newest first, built-in runners for RestoreFile
 * and CustomAction, the caller's callback for the rest. An action that fails
 * stays on the stack so a later `workflow rollback` can retry it.
 */
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/file.h"
#include "core/json.h"
#include "core/mem.h"

#include <provisioning/process.h>

#include <string.h>

#define DEFAULT_COMMAND_TIMEOUT_MS 300000
#define STDERR_QUOTE_MAX 200

static int restore_file(const prov_rollback_action *action)
{
	json_object *content = NULL;
	const char *path = prov_rollback_action_field(action, "path");

	json_object_object_get_ex(action->obj, "content", &content);
	return prov_file_write_atomic(path, json_object_get_string(content),
				      (size_t)json_object_get_string_len(content));
}

/* argv for a CustomAction: command, then its args, then NULL. */
static const char **command_argv(const prov_rollback_action *action)
{
	size_t n = prov_rollback_action_arg_count(action);
	const char **argv = prov_calloc(n + 2, sizeof(*argv));

	if (!argv)
		return NULL;
	argv[0] = prov_rollback_action_field(action, "command");
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = prov_rollback_action_arg_at(action, i);
	return argv;
}

/* The first line of the command's stderr, for the error message. */
static void quote_stderr(const prov_process_result *result, char *out, size_t size)
{
	size_t len;
	const char *text = prov_process_result_stderr(result, &len, NULL);
	size_t n = strcspn(text, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

static int command_outcome(const prov_process_result *result, const char *command, int rc)
{
	char quoted[STDERR_QUOTE_MAX];
	int status;

	if (rc == PROV_ETIMEOUT)
		return prov_err_set(PROV_ETIMEOUT, PROV_ERRCAT_WORKFLOW,
				    "rollback command %s did not finish in time and was killed",
				    command);
	if (rc != PROV_OK)
		return rc;
	status = prov_process_result_exit_code(result);
	if (status == 0)
		return PROV_OK;
	quote_stderr(result, quoted, sizeof(quoted));
	if (status < 0)
		return prov_err_set(PROV_EPROCESS, PROV_ERRCAT_WORKFLOW,
				    "rollback command %s was killed by signal %d%s%s", command,
				    prov_process_result_signal(result), *quoted ? ": " : "", quoted);
	return prov_err_set(PROV_EPROCESS, PROV_ERRCAT_WORKFLOW,
			    "rollback command %s exited with status %d%s%s", command, status,
			    *quoted ? ": " : "", quoted);
}

static int custom_action(const prov_rollback_action *action, long long timeout_ms)
{
	prov_process_options options = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *result = NULL;
	const char **argv = command_argv(action);
	int rc;

	if (!argv)
		return PROV_ENOMEM;
	options.argv = argv;
	options.timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_COMMAND_TIMEOUT_MS;
	rc = prov_process_run(&result, &options);
	rc = command_outcome(result, argv[0], rc);
	prov_process_result_free(result);
	free(argv);
	return rc;
}

static int by_callback(const prov_rollback_action *action, const prov_rollback_options *options)
{
	const char *type = prov_rollback_type_name(prov_rollback_action_type(action));
	int rc;

	if (!options->run_action)
		return prov_err_set(PROV_EUNSUPPORTED, PROV_ERRCAT_WORKFLOW,
				    "no runner was given for %s rollback actions", type);
	prov_error_clear();
	rc = options->run_action(action, options->userdata);
	if (rc != PROV_OK && prov_err_code() == PROV_OK)
		prov_err_set(rc, PROV_ERRCAT_WORKFLOW, "%s rollback action failed: %s", type,
			     prov_strerror(rc));
	return rc;
}

static int run_one(const prov_rollback_action *action, const prov_rollback_options *options)
{
	switch (prov_rollback_action_type(action)) {
	case PROV_ROLLBACK_RESTORE_FILE:
		return restore_file(action);
	case PROV_ROLLBACK_CUSTOM_ACTION:
		return custom_action(action, options->command_timeout_ms);
	default:
		return by_callback(action, options);
	}
}

/* Options as the caller's size allows, the fields it lacks left empty. */
static void copy_options(prov_rollback_options *dst, const prov_rollback_options *src)
{
	size_t n = src->size < sizeof(*dst) ? src->size : sizeof(*dst);

	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, n);
}

struct outcome {
	size_t ran;
	size_t failed;
	char first_message[256];
};

static void note_failure(struct outcome *o)
{
	if (o->failed++ == 0)
		prov_copy_bounded(o->first_message, sizeof(o->first_message),
				  prov_error_last()->message);
}

int prov_rollback_stack_run(prov_rollback_stack *stack, const prov_rollback_options *options)
{
	prov_rollback_options opt;
	struct outcome o = { 0, 0, "" };

	if (!stack || !options || options->size < sizeof(unsigned int))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_rollback_stack_run needs a stack and options");
	copy_options(&opt, options);
	for (size_t position = stack->len; position-- > 0;) {
		const prov_rollback_action *action = stack->items[position];
		int rc;

		if (opt.select && !opt.select(action, opt.userdata))
			continue;
		o.ran++;
		rc = run_one(action, &opt);
		if (rc != PROV_OK)
			note_failure(&o);
		if (opt.on_result)
			opt.on_result(action, rc, rc == PROV_OK ? "" : prov_error_last()->message,
				      opt.userdata);
		if (rc == PROV_OK)
			prov_rollback_stack_remove(stack, position);
	}
	if (o.failed == 0)
		return PROV_OK;
	return prov_err_set(PROV_EPARTIAL, PROV_ERRCAT_WORKFLOW,
			    "%zu of %zu rollback actions failed; the first: %s", o.failed, o.ran,
			    o.first_message);
}
