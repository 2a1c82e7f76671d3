/*
 * The standard events of docs/EVENTS.md. Each helper lists its event's
 * members; publish_event() writes them with the JSON escaper of
 * core/strbuf.h and JSON values checked by bus/payload.c, then publishes
 * them without a second check.
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

/* One member of a standard event: its name and its value of one kind. */
typedef struct event_member {
	enum { MEMBER_ID, MEMBER_MESSAGE, MEMBER_INT, MEMBER_JSON } kind;
	const char *name;
	const char *text;       /* ID and MESSAGE: the string; JSON: the document */
	long long number;       /* INT */
} event_member;

/* An id may not be NULL; a message may (written as null). */
#define ID(name, value) { MEMBER_ID, name, value, 0 }
#define MESSAGE(name, value) { MEMBER_MESSAGE, name, value, 0 }
#define INT(name, value) { MEMBER_INT, name, NULL, value }
#define JSON(name, value) { MEMBER_JSON, name, value, 0 }

static void add_member(event_fields *f, const event_member *m)
{
	switch (m->kind) {
	case MEMBER_ID:
	case MEMBER_MESSAGE:
		add_string(f, m->name, m->text, m->kind == MEMBER_ID);
		break;
	case MEMBER_INT:
		add_int(f, m->name, m->number);
		break;
	case MEMBER_JSON:
		add_json(f, m->name, m->text);
		break;
	}
}

static int publish_event(uint64_t *seq, prov_bus *bus, const char *type,
			 const event_member *members, size_t count)
{
	event_fields f = { type, PROV_STRBUF_INIT, PROV_OK };

	for (size_t i = 0; i < count; i++)
		add_member(&f, &members[i]);
	return publish_fields(seq, bus, &f);
}

#define PUBLISH(seq, bus, type, members) \
	publish_event(seq, bus, type, members, sizeof(members) / sizeof(members[0]))

int prov_bus_publish_workflow_started(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				      const char *name)
{
	const event_member members[] = { ID("workflow_id", workflow_id), ID("name", name) };

	return PUBLISH(seq, bus, "WorkflowStarted", members);
}

int prov_bus_publish_workflow_completed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					const char *result_json)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), JSON("result", result_json),
	};

	return PUBLISH(seq, bus, "WorkflowCompleted", members);
}

int prov_bus_publish_workflow_failed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				     const char *error)
{
	const event_member members[] = { ID("workflow_id", workflow_id), MESSAGE("error", error) };

	return PUBLISH(seq, bus, "WorkflowFailed", members);
}

int prov_bus_publish_workflow_cancelled(uint64_t *seq, prov_bus *bus, const char *workflow_id)
{
	const event_member members[] = { ID("workflow_id", workflow_id) };

	return PUBLISH(seq, bus, "WorkflowCancelled", members);
}

int prov_bus_publish_operation_started(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				       const char *op, int attempt)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), ID("op", op), INT("attempt", attempt),
	};

	return PUBLISH(seq, bus, "OperationStarted", members);
}

int prov_bus_publish_operation_completed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					 const char *op, const char *output_json)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), ID("op", op), JSON("output", output_json),
	};

	return PUBLISH(seq, bus, "OperationCompleted", members);
}

int prov_bus_publish_operation_failed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				      const char *op, const char *error, int attempts)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), ID("op", op), MESSAGE("error", error),
		INT("attempts", attempts),
	};

	return PUBLISH(seq, bus, "OperationFailed", members);
}

int prov_bus_publish_operation_retrying(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					const char *op, int attempt, long long delay_ms,
					const char *error)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), ID("op", op), INT("attempt", attempt),
		INT("delay_ms", delay_ms), MESSAGE("error", error),
	};

	return PUBLISH(seq, bus, "OperationRetrying", members);
}

int prov_bus_publish_operation_skipped(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				       const char *op, const char *reason)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), ID("op", op), MESSAGE("reason", reason),
	};

	return PUBLISH(seq, bus, "OperationSkipped", members);
}

static int publish_resource(uint64_t *seq, prov_bus *bus, const char *type,
			    const char *provider, const char *resource_type,
			    const char *resource_id)
{
	const event_member members[] = {
		ID("provider", provider), ID("resource_type", resource_type),
		ID("resource_id", resource_id),
	};

	return PUBLISH(seq, bus, type, members);
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
	const event_member plain[] = {
		ID("key", key), JSON("old_value", old_value_json),
		JSON("new_value", new_value_json),
	};
	const event_member redacted[] = {
		ID("key", key), MESSAGE("old_value", PROV_REDACTED),
		MESSAGE("new_value", PROV_REDACTED),
	};

	if (key && prov_key_is_secret(key))
		return PUBLISH(seq, bus, "ConfigurationChanged", redacted);
	return PUBLISH(seq, bus, "ConfigurationChanged", plain);
}

int prov_bus_publish_rollback_started(uint64_t *seq, prov_bus *bus, const char *workflow_id)
{
	const event_member members[] = { ID("workflow_id", workflow_id) };

	return PUBLISH(seq, bus, "RollbackStarted", members);
}

int prov_bus_publish_rollback_completed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
					const char *undone_json)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), JSON("undone", undone_json),
	};

	return PUBLISH(seq, bus, "RollbackCompleted", members);
}

int prov_bus_publish_rollback_failed(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				     const char *action_json, const char *error)
{
	const event_member members[] = {
		ID("workflow_id", workflow_id), JSON("action", action_json), MESSAGE("error", error),
	};

	return PUBLISH(seq, bus, "RollbackFailed", members);
}

int prov_bus_publish_checkpoint_saved(uint64_t *seq, prov_bus *bus, const char *workflow_id,
				      long long step)
{
	const event_member members[] = { ID("workflow_id", workflow_id), INT("step", step) };

	return PUBLISH(seq, bus, "CheckpointSaved", members);
}
