/*
 * Calling plugins: the internal API the workflow runner builds on, and the
 * machinery behind the public prov_provider_* and prov_extension_run_task.
 *
 * A call looks an instance up by name, hands the plugin a prov_call (output
 * writer, deadline, cancellation check, idempotency key), serialises it when
 * the plugin is not concurrent, and turns whatever happened into the data
 * exchange document. Failures are also recorded in the calling thread's
 * prov_error_last(): category provider, the instance's name as provider,
 * and the workflow and operation ids of the context.
 */
#ifndef PROV_PLUGIN_CALL_H
#define PROV_PLUGIN_CALL_H

#include <provisioning/plugin.h>

#include "core/value.h"

#include <stdbool.h>
#include <stdint.h>

/* Who calls, until when, and how to tell the call it was cancelled. */
typedef struct prov_call_context {
	const char *workflow_id;        /* NULL outside a workflow */
	const char *operation_id;       /* NULL outside a workflow */
	int64_t deadline_ms;            /* CLOCK_MONOTONIC ms (prov_call_deadline_in); 0: none */
	int (*cancelled)(void *userdata);  /* may be NULL */
	void *userdata;
} prov_call_context;

/* What a call produced. Release with prov_call_result_release(). */
typedef struct prov_call_result {
	char *document;                 /* the data exchange document (JSON text) */
	size_t len;
	prov_value *data;               /* its result.data as a tree; NULL unless success */
} prov_call_result;

/* The deadline timeout_ms from now (0 when timeout_ms <= 0: no deadline). */
int64_t prov_call_deadline_in(long long timeout_ms);

/*
 * Call `action` of provider instance `provider` with params_json (a JSON
 * object, NULL for {}). Returns PROV_OK or the failure's code (see
 * prov_provider_call()); `out` is filled in both cases, except on
 * PROV_ENOMEM. ctx may be NULL. Any thread; see the serialisation rule.
 */
int prov_registry_call_action(prov_call_result *out, prov_registry *registry,
			      const char *provider, const char *action,
			      const char *params_json, const prov_call_context *ctx);

/* The same for a task of an extension instance. */
int prov_registry_call_task(prov_call_result *out, prov_registry *registry,
			    const char *extension, const char *task,
			    const char *params_json, const prov_call_context *ctx);

/* Whether an instance of that name exists and serves the action or task. */
bool prov_registry_has_action(prov_registry *registry, const char *provider,
			      const char *action);
bool prov_registry_has_task(prov_registry *registry, const char *extension,
			    const char *task);

void prov_call_result_release(prov_call_result *result);

#endif
