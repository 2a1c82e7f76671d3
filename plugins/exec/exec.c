/*
 * The exec provider: every call runs the instance's program (its `command`,
 * an argv array) with the action as the last argument and a JSON request on
 * stdin, through the host's child-process service (no shell, its own
 * process group killed at the deadline). The program answers with a data
 * exchange document on stdout; its stderr is kept for the error and the log.
 */
#include "exec-output.h"

#include <provisioning/provider.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXEC_DEFAULT_OUTPUT_LIMIT (1024 * 1024)
#define EXEC_STDERR_KEPT 4096

typedef struct exec_provider {
	const prov_host_api *host;
	json_object *config;            /* the instance's section, sent with each request */
	const char **argv;              /* command, borrowed from config */
	size_t argc;
	size_t output_limit;
} exec_provider;

/* What the program printed, copied out of the host's callback. */
typedef struct captured {
	char *out;
	size_t out_len;
	int out_truncated;
	char *err;
	size_t err_len;
} captured;

__attribute__((format(printf, 3, 4)))
static void exec_log(const exec_provider *ep, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ep->host->log(ep->host, level, line);
}

static int read_command(exec_provider *ep)
{
	json_object *command, *limit;
	size_t n;

	if (!json_object_object_get_ex(ep->config, "command", &command) ||
	    !json_object_is_type(command, json_type_array) ||
	    !(n = json_object_array_length(command))) {
		exec_log(ep, PROV_PLUGIN_LOG_ERROR, "providers.%s.command: %s", ep->host->instance,
			 "must be a non-empty list of strings (the program and its arguments)");
		return -1;
	}
	if (!(ep->argv = calloc(n, sizeof(char *))))
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *arg = json_object_array_get_idx(command, i);

		if (!json_object_is_type(arg, json_type_string)) {
			exec_log(ep, PROV_PLUGIN_LOG_ERROR, "providers.%s.command: %s", ep->host->instance,
			 "every entry must be a string");
			return -1;
		}
		ep->argv[i] = json_object_get_string(arg);
	}
	ep->argc = n;
	ep->output_limit = EXEC_DEFAULT_OUTPUT_LIMIT;
	if (json_object_object_get_ex(ep->config, "output_limit", &limit)) {
		if (!json_object_is_type(limit, json_type_int) || json_object_get_int64(limit) <= 0) {
			exec_log(ep, PROV_PLUGIN_LOG_ERROR, "providers.%s.output_limit: %s", ep->host->instance,
			 "must be a positive number of bytes");
			return -1;
		}
		ep->output_limit = (size_t)json_object_get_int64(limit);
	}
	return 0;
}

static void exec_fini(void *state)
{
	exec_provider *ep = state;

	if (!ep)
		return;
	free(ep->argv);
	json_object_put(ep->config);
	free(ep);
}

static int exec_init(const prov_host_api *host, const char *config_json, void **state)
{
	exec_provider *ep = calloc(1, sizeof(*ep));

	*state = NULL;
	if (!ep)
		return -1;
	ep->host = host;
	ep->config = json_tokener_parse(config_json);
	if (!PROV_HOST_HAS(host, run_process)) {
		exec_log(ep, PROV_PLUGIN_LOG_ERROR, "provider %s: %s", ep->host->instance,
			 "the host offers no child-process service");
		exec_fini(ep);
		return -1;
	}
	if (!json_object_is_type(ep->config, json_type_object) || read_command(ep) != 0) {
		exec_fini(ep);
		return -1;
	}
	*state = ep;
	return 0;
}

static char *request_json(const exec_provider *ep, const prov_call *call)
{
	json_object *req = json_object_new_object(), *context = json_object_new_object();
	json_object *params = json_tokener_parse(call->params_json);
	char *text;

	json_object_object_add(context, "workflow_id", json_object_new_string(call->workflow_id));
	json_object_object_add(context, "operation", json_object_new_string(call->operation_id));
	json_object_object_add(context, "idempotency_key",
			       json_object_new_string(call->idempotency_key));
	json_object_object_add(req, "format_version", json_object_new_int(1));
	json_object_object_add(req, "action", json_object_new_string(call->action));
	json_object_object_add(req, "params", params ? params : json_object_new_object());
	json_object_object_add(req, "config", json_object_get(ep->config));
	json_object_object_add(req, "context", context);
	text = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	return text;
}

static void capture(int stream, const char *data, size_t len, int truncated, void *userdata)
{
	captured *c = userdata;

	if (stream == PROV_PLUGIN_STDOUT) {
		c->out = malloc(len + 1);
		if (c->out) {
			memcpy(c->out, data, len);
			c->out[len] = '\0';
			c->out_len = len;
		}
		c->out_truncated = truncated;
	} else if (stream == PROV_PLUGIN_STDERR) {
		c->err_len = len < EXEC_STDERR_KEPT ? len : EXEC_STDERR_KEPT;
		c->err = malloc(c->err_len + 1);
		if (c->err) {
			memcpy(c->err, data, c->err_len);
			c->err[c->err_len] = '\0';
		}
	}
}

/* Report a failure with the program's stderr in the details. */
static int fail_with_stderr(const prov_call *call, const char *code, const char *message,
			    json_object *details, const captured *c)
{
	json_object *d = details ? json_object_get(details) : json_object_new_object();
	int rc;

	if (c->err && c->err_len)
		json_object_object_add(d, "stderr", json_object_new_string_len(c->err, (int)c->err_len));
	rc = call->fail(call, code, message, json_object_to_json_string(d));
	json_object_put(d);
	(void)rc;
	return -1;
}

static int answer(const exec_provider *ep, const prov_call *call,
		  const prov_host_process_result *r, const captured *c)
{
	char message[1024];
	exec_reply reply;
	int rc = -1;

	if (r->timed_out || r->cancelled) {
		snprintf(message, sizeof(message), "%s was %s after %lld ms; its process group was killed",
			 ep->argv[0], r->timed_out ? "stopped at the deadline" : "cancelled",
			 (long long)r->duration_ms);
		return fail_with_stderr(call, r->timed_out ? "TIMEOUT" : "CANCELLED", message, NULL, c);
	}
	if (c->out_truncated) {
		snprintf(message, sizeof(message), "%s wrote more than the output limit of %zu bytes",
			 ep->argv[0], ep->output_limit);
		return fail_with_stderr(call, "OUTPUT_TOO_LARGE", message, NULL, c);
	}
	if (exec_output_parse(&reply, c->out ? c->out : "", c->out_len) != 0) {
		if (r->exit_code != 0)
			snprintf(message, sizeof(message), "%s exited with status %d and %s",
				 ep->argv[0], r->exit_code, reply.message);
		else
			snprintf(message, sizeof(message), "%s: %s", ep->argv[0], reply.message);
		fail_with_stderr(call, r->exit_code != 0 ? "EXIT_STATUS" : "INVALID_OUTPUT", message,
				 NULL, c);
	} else if (!reply.success) {
		fail_with_stderr(call, reply.code, reply.message, reply.details, c);
	} else if (r->exit_code != 0) {
		snprintf(message, sizeof(message), "%s reported success but exited with status %d",
			 ep->argv[0], r->exit_code);
		fail_with_stderr(call, "EXIT_STATUS", message, NULL, c);
	} else {
		const char *text = reply.data ? json_object_to_json_string(reply.data) : "null";

		rc = call->output(call, text, strlen(text)) == 0 ? 0 : -1;
	}
	exec_reply_release(&reply);
	return rc;
}

static int run(exec_provider *ep, const prov_call *call)
{
	prov_host_process proc = { .size = sizeof(proc) };
	prov_host_process_result result = { .size = sizeof(result) };
	captured c = { 0 };
	/* Calls run concurrently: each gets its own argv ending in its action. */
	const char **argv = calloc(ep->argc + 2, sizeof(char *));
	char *request = request_json(ep, call);
	int rc;

	if (!request || !argv) {
		free(request);
		free(argv);
		call->fail(call, "NO_MEMORY", "out of memory", NULL);
		return -1;
	}
	memcpy(argv, ep->argv, ep->argc * sizeof(char *));
	argv[ep->argc] = call->action;
	proc.argv = argv;
	proc.stdin_data = request;
	proc.stdin_len = strlen(request);
	proc.output_limit = ep->output_limit;
	proc.output = capture;
	proc.userdata = &c;
	rc = ep->host->run_process(ep->host, call, &proc, &result);
	free(request);
	free(argv);
	if (c.err && c.err_len)
		exec_log(ep, PROV_PLUGIN_LOG_INFO, "provider %s: program stderr: %s", ep->host->instance,
			 c.err);
	if (rc != 0)
		rc = fail_with_stderr(call, "EXEC_START", result.error, NULL, &c);
	else
		rc = answer(ep, call, &result, &c);
	free(c.out);
	free(c.err);
	return rc;
}

static int exec_call(void *state, const prov_call *call)
{
	return run(state, call);
}

static int exec_call_id(void *state, const prov_call *call, const char *id)
{
	(void)id; /* the program reads it from params */
	return run(state, call);
}

static int exec_call_id_params(void *state, const prov_call *call, const char *id,
			       const char *params)
{
	(void)id;
	(void)params;
	return run(state, call);
}

static const prov_provider_interface exec_interface = {
	.size = sizeof(prov_provider_interface),
	.init = exec_init,
	.fini = exec_fini,
	.list_servers = exec_call,
	.get_server = exec_call_id,
	.create_server = exec_call_id,
	.delete_server = exec_call_id,
	.start_server = exec_call_id,
	.stop_server = exec_call_id,
	.reboot_server = exec_call_id,
	.modify_server = exec_call_id_params,
	.list_plans = exec_call,
	.list_zones = exec_call,
};

static const prov_plugin_desc exec_descriptor = {
	.size = sizeof(prov_plugin_desc),
	.abi_version = PROV_PLUGIN_ABI_CURRENT,
	.kind = PROV_PLUGIN_KIND_PROVIDER,
	.name = "exec",
	.version = "0.1.0",
	.description = "Runs a program in any language per call (JSON on stdin and stdout)",
	.flags = 0,
	.interface = &exec_interface,
};

PROV_PLUGIN_DEFINE(exec_descriptor)
