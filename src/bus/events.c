/*
 * The standard events of docs/EVENTS.md. Each helper writes the members
 * with the JSON escaper of core/strbuf.h and JSON values checked by
 * bus/payload.c, then publishes them without a second check.
 */
#include "bus/ring.h"
#include "bus/payload.h"

#include "core/err.h"
#include "core/secret.h"
#include "core/strbuf.h"

#include <string.h>

/* The members of one event being built; the first failure sticks. */
typedef struct event_fields {
	const char *type;
	prov_strbuf buf;
	int status;
} event_fields;

#define EVENT_FIELDS(type) { type, PROV_STRBUF_INIT, PROV_OK }

static bool add_name(event_fields *f, const char *name)
{
	if (f->status != PROV_OK)
		return false;
	if (f->buf.len)
		prov_strbuf_putc(&f->buf, ',');
	prov_strbuf_putc(&f->buf, '"');
	prov_strbuf_puts(&f->buf, name);
	prov_strbuf_puts(&f->buf, "\":");
	return true;
}

/* A string member; NULL is refused when required, else written as null. */
static void add_string(event_fields *f, const char *name, const char *value, bool required)
{
	if (f->status == PROV_OK && !value && required) {
		f->status = prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
					 "%s event: %s is NULL", f->type, name);
		return;
	}
	if (!add_name(f, name))
		return;
	if (value)
		prov_strbuf_put_json_string(&f->buf, value, strlen(value));
	else
		prov_strbuf_puts(&f->buf, "null");
}

static void add_id(event_fields *f, const char *name, const char *value)
{
	add_string(f, name, value, true);
}

static void add_message(event_fields *f, const char *name, const char *value)
{
	add_string(f, name, value, false);
}

static void add_int(event_fields *f, const char *name, long long value)
{
	if (add_name(f, name))
		prov_strbuf_printf(&f->buf, "%lld", value);
}

static void add_json(event_fields *f, const char *name, const char *json)
{
	if (add_name(f, name))
		f->status = bus_append_json(&f->buf, json, f->type, name);
}

static int publish_fields(uint64_t *seq, prov_bus *bus, event_fields *f)
{
	int r = f->status;

	if (r == PROV_OK && !bus)
		r = prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				 "%s event: bus is NULL", f->type);
	if (r == PROV_OK)
		r = prov_strbuf_status(&f->buf);
	if (r == PROV_OK)
		r = bus_publish_members(seq, bus, f->type, strlen(f->type),
					prov_strbuf_cstr(&f->buf), f->buf.len);
	prov_strbuf_release(&f->buf);
	return r;
}

int prov_bus_publish_workflow_started(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				      const char *name)
{
	event_fields f = EVENT_FIELDS("WorkflowStarted");

	add_id(&f, "workflow_id", workflow_id);
	add_id(&f, "name", name);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_workflow_completed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					const char *result_json)
{
	event_fields f = EVENT_FIELDS("WorkflowCompleted");

	add_id(&f, "workflow_id", workflow_id);
	add_json(&f, "result", result_json);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_workflow_failed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				     const char *error)
{
	event_fields f = EVENT_FIELDS("WorkflowFailed");

	add_id(&f, "workflow_id", workflow_id);
	add_message(&f, "error", error);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_workflow_cancelled(uint64_t *seq, prov_bus *bus, const char *workflow_id)
{
	event_fields f = EVENT_FIELDS("WorkflowCancelled");

	add_id(&f, "workflow_id", workflow_id);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_operation_started(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				       const char *op, int attempt)
{
	event_fields f = EVENT_FIELDS("OperationStarted");

	add_id(&f, "workflow_id", workflow_id);
	add_id(&f, "op", op);
	add_int(&f, "attempt", attempt);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_operation_completed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					 const char *op, const char *output_json)
{
	event_fields f = EVENT_FIELDS("OperationCompleted");

	add_id(&f, "workflow_id", workflow_id);
	add_id(&f, "op", op);
	add_json(&f, "output", output_json);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_operation_failed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				      const char *op, const char *error, int attempts)
{
	event_fields f = EVENT_FIELDS("OperationFailed");

	add_id(&f, "workflow_id", workflow_id);
	add_id(&f, "op", op);
	add_message(&f, "error", error);
	add_int(&f, "attempts", attempts);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_operation_retrying(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					const char *op, int attempt, long long delay_ms,
					const char *error)
{
	event_fields f = EVENT_FIELDS("OperationRetrying");

	add_id(&f, "workflow_id", workflow_id);
	add_id(&f, "op", op);
	add_int(&f, "attempt", attempt);
	add_int(&f, "delay_ms", delay_ms);
	add_message(&f, "error", error);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_operation_skipped(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				       const char *op, const char *reason)
{
	event_fields f = EVENT_FIELDS("OperationSkipped");

	add_id(&f, "workflow_id", workflow_id);
	add_id(&f, "op", op);
	add_message(&f, "reason", reason);
	return publish_fields(seq, bus, &f);
}

static int publish_resource(uint64_t *seq, prov_bus *bus, const char *type,
			    const char *provider, const char *resource_type,
			    const char *resource_id)
{
	event_fields f = EVENT_FIELDS(type);

	add_id(&f, "provider", provider);
	add_id(&f, "resource_type", resource_type);
	add_id(&f, "resource_id", resource_id);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_resource_created(uint64_t *seq, prov_bus *bus, const char *provider,
				      const char *resource_type, const char *resource_id)
{
	return publish_resource(seq, bus, "ResourceCreated", provider, resource_type,
				resource_id);
}

int prov_bus_publish_resource_deleted(uint64_t *seq, prov_bus *bus, const char *provider,
				      const char *resource_type, const char *resource_id)
{
	return publish_resource(seq, bus, "ResourceDeleted", provider, resource_type,
				resource_id);
}

int prov_bus_publish_configuration_changed(uint64_t *seq, prov_bus *bus, const char *key,
					   const char *old_value_json,
					   const char *new_value_json)
{
	event_fields f = EVENT_FIELDS("ConfigurationChanged");

	add_id(&f, "key", key);
	if (f.status == PROV_OK && prov_key_is_secret(key)) {
		add_message(&f, "old_value", PROV_REDACTED);
		add_message(&f, "new_value", PROV_REDACTED);
	} else {
		add_json(&f, "old_value", old_value_json);
		add_json(&f, "new_value", new_value_json);
	}
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_rollback_started(uint64_t *seq, prov_bus *bus, const char *workflow_id)
{
	event_fields f = EVENT_FIELDS("RollbackStarted");

	add_id(&f, "workflow_id", workflow_id);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_rollback_completed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					const char *undone_json)
{
	event_fields f = EVENT_FIELDS("RollbackCompleted");

	add_id(&f, "workflow_id", workflow_id);
	add_json(&f, "undone", undone_json);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_rollback_failed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				     const char *action_json, const char *error)
{
	event_fields f = EVENT_FIELDS("RollbackFailed");

	add_id(&f, "workflow_id", workflow_id);
	add_json(&f, "action", action_json);
	add_message(&f, "error", error);
	return publish_fields(seq, bus, &f);
}

int prov_bus_publish_checkpoint_saved(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				      long long step)
{
	event_fields f = EVENT_FIELDS("CheckpointSaved");

	add_id(&f, "workflow_id", workflow_id);
	add_int(&f, "step", step);
	return publish_fields(seq, bus, &f);
}
