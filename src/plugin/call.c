/*
 * One call into a plugin, from lookup to the data exchange document.
 *
 * The plugin writes its output through the prov_call into a host buffer, so
 * no memory crosses the boundary. In-process calls are cooperative: the host
 * cannot stop a plugin that overruns, so a call that returns after its
 * deadline is failed as a timeout whatever it produced.
 */
#include "plugin/call.h"
#include "plugin/dispatch.h"
#include "plugin/document.h"
#include "plugin/registry.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

typedef struct call_state {
	prov_call call;
	const prov_call_context *ctx;
	prov_strbuf output;
	prov_call_failure failure;
} call_state;

static int64_t now_ms(void)
{
	return prov_clock_monotonic_ns() / 1000000;
}

int64_t prov_call_deadline_in(long long timeout_ms)
{
	return timeout_ms > 0 ? now_ms() + timeout_ms : 0;
}

static call_state *state_of(const prov_call *call)
{
	return call->host_data;
}

static int64_t call_remaining_ms(const prov_call *call)
{
	int64_t left;

	if (call->deadline_ms == 0)
		return -1;
	left = call->deadline_ms - now_ms();
	return left > 0 ? left : 0;
}

static int call_cancelled(const prov_call *call)
{
	const prov_call_context *ctx = state_of(call)->ctx;

	return ctx->cancelled && ctx->cancelled(ctx->userdata) ? 1 : 0;
}

static int call_output(const prov_call *call, const char *json, size_t len)
{
	if (!json)
		return PROV_EINVAL;
	return prov_strbuf_append(&state_of(call)->output, json, len);
}

static int replace(char **field, const char *value)
{
	char *copy = value ? prov_strdup(value) : NULL;

	if (value && !copy)
		return PROV_ENOMEM;
	free(*field);
	*field = copy;
	return PROV_OK;
}

static int call_fail(const prov_call *call, const char *code, const char *message,
		     const char *details_json)
{
	prov_call_failure *f = &state_of(call)->failure;

	f->reported = true;
	if (replace(&f->code, code) != PROV_OK || replace(&f->message, message) != PROV_OK ||
	    replace(&f->details, details_json) != PROV_OK)
		return PROV_ENOMEM;
	return PROV_OK;
}

static void call_state_init(call_state *s, const prov_call_context *ctx,
			    const prov_invocation *inv, char *key)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->output = (prov_strbuf)PROV_STRBUF_INIT;
	s->call.size = (uint32_t)sizeof(s->call);
	s->call.action = inv->action;
	s->call.params_json = inv->params_json;
	s->call.workflow_id = ctx->workflow_id ? ctx->workflow_id : "";
	s->call.operation_id = ctx->operation_id ? ctx->operation_id : "";
	s->call.idempotency_key = key;
	s->call.deadline_ms = ctx->deadline_ms;
	s->call.remaining_ms = call_remaining_ms;
	s->call.cancelled = call_cancelled;
	s->call.output = call_output;
	s->call.fail = call_fail;
	s->call.host_data = s;
}

static void call_state_release(call_state *s)
{
	prov_strbuf_release(&s->output);
	free(s->failure.code);
	free(s->failure.message);
	free(s->failure.details);
}

/* "<workflow_id>/<operation_id>", or "" outside a workflow. */
static char *idempotency_key(const prov_call_context *ctx)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	if (ctx->workflow_id && ctx->operation_id)
		prov_strbuf_printf(&b, "%s/%s", ctx->workflow_id, ctx->operation_id);
	else
		prov_strbuf_puts(&b, "");
	return prov_strbuf_detach(&b, NULL);
}

/* Run the plugin function, holding the instance's lock when it is not concurrent. */
static int run_serialised(prov_instance *inst, const prov_invocation *inv, call_state *s)
{
	bool serial = inst->plugin->flags & PROV_PLUGIN_FLAG_NOT_CONCURRENT;
	int rc;

	if (serial)
		pthread_mutex_lock(&inst->serial);
	rc = prov_dispatch_invoke(inst, inv, &s->call);
	if (serial)
		pthread_mutex_unlock(&inst->serial);
	return rc;
}

static int invoke_and_report(prov_call_result *out, prov_instance *inst,
			     const prov_invocation *inv, const prov_call_context *ctx)
{
	prov_call_outcome outcome = { 0 };
	call_state s;
	char *key = idempotency_key(ctx);
	int rc;

	if (!key)
		return PROV_ENOMEM;
	call_state_init(&s, ctx, inv, key);
	outcome.started_ms = now_ms();
	outcome.returned = run_serialised(inst, inv, &s);
	outcome.finished_ms = now_ms();
	outcome.deadline_ms = ctx->deadline_ms;
	outcome.cancelled = call_cancelled(&s.call);
	outcome.failure = &s.failure;
	outcome.output = prov_strbuf_cstr(&s.output);
	outcome.output_len = s.output.len;
	outcome.output_failed = prov_strbuf_status(&s.output) != PROV_OK;
	rc = prov_document_finish(out, inst->name, inv, ctx, key, &outcome);
	call_state_release(&s);
	free(key);
	return rc;
}

static const prov_call_context no_context = { NULL, NULL, 0, NULL, NULL };

static int call_instance(prov_call_result *out, prov_registry *registry, uint32_t kind,
			 const char *name, const char *action, const char *params_json,
			 const prov_call_context *ctx)
{
	prov_invocation inv;
	prov_instance *inst;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		ctx = &no_context;
	if (!registry || !name || !action)
		return prov_document_refuse(out, name, action, ctx,
					    prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
							 "a call needs a registry, an instance name and an action"));
	inst = prov_registry_acquire(registry, name, kind);
	if (!inst)
		return prov_document_refuse(out, name, action, ctx, prov_err_code());
	rc = prov_dispatch_prepare(&inv, inst, action, params_json);
	if (rc == PROV_OK)
		rc = invoke_and_report(out, inst, &inv, ctx);
	else
		rc = prov_document_refuse(out, name, action, ctx, rc);
	prov_dispatch_release(&inv);
	prov_instance_unref(inst);
	return rc;
}

int prov_registry_call_action(prov_call_result *out, prov_registry *registry,
			      const char *provider, const char *action,
			      const char *params_json, const prov_call_context *ctx)
{
	return call_instance(out, registry, PROV_PLUGIN_KIND_PROVIDER, provider, action,
			     params_json, ctx);
}

int prov_registry_call_task(prov_call_result *out, prov_registry *registry,
			    const char *extension, const char *task,
			    const char *params_json, const prov_call_context *ctx)
{
	return call_instance(out, registry, PROV_PLUGIN_KIND_EXTENSION, extension, task,
			     params_json, ctx);
}

int prov_lifecycle_call(prov_call_result *out, prov_instance *inst, const char *step,
			int (*fn)(void *state, const prov_call *call))
{
	prov_invocation inv = { .action = step, .index = -1, .step = fn };

	memset(out, 0, sizeof(*out));
	inv.params_json = prov_strdup("{}");
	if (!inv.params_json)
		return PROV_ENOMEM;
	int rc = invoke_and_report(out, inst, &inv, &no_context);
	prov_dispatch_release(&inv);
	return rc;
}

static bool instance_serves(prov_registry *registry, uint32_t kind, const char *name,
			    const char *action)
{
	prov_instance *inst = registry && name && action
			      ? prov_registry_acquire(registry, name, kind) : NULL;
	bool serves = inst && prov_dispatch_supports(inst, action);

	prov_instance_unref(inst);
	return serves;
}

bool prov_registry_has_action(prov_registry *registry, const char *provider,
			      const char *action)
{
	return instance_serves(registry, PROV_PLUGIN_KIND_PROVIDER, provider, action);
}

bool prov_registry_has_task(prov_registry *registry, const char *extension,
			    const char *task)
{
	return instance_serves(registry, PROV_PLUGIN_KIND_EXTENSION, extension, task);
}

void prov_call_result_release(prov_call_result *result)
{
	if (!result)
		return;
	free(result->document);
	prov_value_unref(result->data);
	memset(result, 0, sizeof(*result));
}
