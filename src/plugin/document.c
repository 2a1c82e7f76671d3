/*
 * Building the data exchange document:
 *   {"format_version":1, "status":..., "result":{"operation","resources",
 *    "data","metadata"}, "error":null|{"code","message","details"},
 *   "context":{"workflow_id","operation_id","idempotency_key"}}
 * Host-side failures use lower-case codes (timeout, invalid_output, ...);
 * a provider's own error code is passed through unchanged.
 */
#include "plugin/document.h"

#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The document's error.code for a failure the host detected. */
static const char *host_error_code(int code)
{
	switch (code) {
	case PROV_ENOTFOUND: return "not_found";
	case PROV_EUNSUPPORTED: return "unsupported";
	case PROV_EINVAL: return "invalid_params";
	case PROV_ETIMEOUT: return "timeout";
	case PROV_ECANCELLED: return "cancelled";
	default: return "provider_error";
	}
}

typedef struct verdict {
	int code;                       /* PROV_OK or the failure */
	const char *status;             /* success, error, cancelled */
	json_object *data;              /* result.data (owned) */
	const char *error_code;
	char message[512];              /* for prov_error_last() */
	const char *own_message;        /* the provider's own words for error.message */
	const char *details;            /* JSON text, or NULL */
} verdict;

static json_object *string_or_empty(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *error_object(const verdict *v)
{
	json_object *err = json_object_new_object(), *details = NULL;

	if (v->details)
		details = json_tokener_parse(v->details);
	if (!details || !json_object_is_type(details, json_type_object)) {
		json_object_put(details);
		details = json_object_new_object();
	}
	json_object_object_add(err, "code", string_or_empty(v->error_code));
	json_object_object_add(err, "message",
			       string_or_empty(v->own_message ? v->own_message : v->message));
	json_object_object_add(err, "details", details);
	return err;
}

static json_object *resources_of(json_object *data)
{
	json_object *list = json_object_new_array();
	const char *id = json_object_is_type(data, json_type_object)
			 ? prov_json_get_string(data, "id") : NULL;

	if (id)
		json_object_array_add(list, json_object_new_string(id));
	return list;
}

static json_object *build(const char *instance, const char *action,
			  const prov_call_context *ctx, const char *key, verdict *v,
			  int64_t duration_ms)
{
	json_object *doc = json_object_new_object();
	json_object *result = json_object_new_object();
	json_object *meta = json_object_new_object();
	json_object *context = json_object_new_object();

	json_object_object_add(meta, "provider", string_or_empty(instance));
	json_object_object_add(meta, "duration_ms", json_object_new_int64(duration_ms));
	json_object_object_add(result, "operation", string_or_empty(action));
	json_object_object_add(result, "resources", resources_of(v->data));
	json_object_object_add(result, "data", json_object_get(v->data));
	json_object_object_add(result, "metadata", meta);
	json_object_object_add(context, "workflow_id", string_or_empty(ctx->workflow_id));
	json_object_object_add(context, "operation_id", string_or_empty(ctx->operation_id));
	json_object_object_add(context, "idempotency_key", string_or_empty(key));
	json_object_object_add(doc, "format_version", json_object_new_int(1));
	json_object_object_add(doc, "status", json_object_new_string(v->status));
	json_object_object_add(doc, "result", result);
	json_object_object_add(doc, "error", v->code == PROV_OK ? NULL : error_object(v));
	json_object_object_add(doc, "context", context);
	return doc;
}

/* Serialise the document into out and record the verdict as the thread's error. */
static int emit(prov_call_result *out, const char *instance, const char *action,
		const prov_call_context *ctx, const char *key, verdict *v,
		int64_t duration_ms)
{
	json_object *doc = build(instance, action, ctx, key, v, duration_ms);
	int rc = v->code;
	bool want_tree = rc == PROV_OK && v->data;

	out->document = prov_json_to_string(doc, &out->len);
	if (want_tree)
		out->data = prov_value_from_json_c(v->data, NULL);
	json_object_put(doc);
	json_object_put(v->data);
	v->data = NULL;
	if (!out->document || (want_tree && !out->data)) {
		prov_call_result_release(out);
		return prov_err_nomem();
	}
	if (rc != PROV_OK) {
		prov_err_set(rc, PROV_ERRCAT_PROVIDER, "%s", v->message);
		prov_err_context(PROV_ERR_PROVIDER, instance);
		prov_err_context(PROV_ERR_WORKFLOW, ctx->workflow_id);
		prov_err_context(PROV_ERR_OPERATION, ctx->operation_id);
	}
	return rc;
}

static void fail_with(verdict *v, int code, const char *error_code, const char *status)
{
	v->code = code;
	v->error_code = error_code;
	v->status = status;
	json_object_put(v->data);
	v->data = NULL;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* Parse the plugin's output into v->data, or fail the verdict quoting it. */
static void read_output(verdict *v, const char *instance, const char *action,
			const prov_call_outcome *o)
{
	char quote[PROV_DOCUMENT_QUOTE_BYTES + 1];
	char reason[256];

	if (blank(o->output, o->output_len))
		return;
	if (prov_json_parse(o->output, o->output_len, "output", &v->data) == PROV_OK)
		return;
	prov_copy_bounded(reason, sizeof(reason), prov_error_last()->message);
	prov_copy_bounded(quote, sizeof(quote), o->output);
	fail_with(v, PROV_EPROVIDER, "invalid_output", "error");
	snprintf(v->message, sizeof(v->message),
		 "provider %s: %s wrote malformed JSON (%s); it begins: %s",
		 instance, action, reason, quote);
}

static void judge(verdict *v, const char *instance, const char *action,
		  const prov_call_outcome *o)
{
	const prov_call_failure *f = o->failure;

	/* At the deadline's millisecond remaining_ms() already says 0: that is the overrun. */
	if (o->deadline_ms && o->finished_ms >= o->deadline_ms) {
		fail_with(v, PROV_ETIMEOUT, "timeout", "error");
		snprintf(v->message, sizeof(v->message),
			 "provider %s: %s returned %lld ms after its deadline", instance,
			 action, (long long)(o->finished_ms - o->deadline_ms));
	} else if ((o->returned != 0 || f->reported) && o->cancelled) {
		fail_with(v, PROV_ECANCELLED, "cancelled", "cancelled");
		snprintf(v->message, sizeof(v->message), "provider %s: %s was cancelled",
			 instance, action);
	} else if (o->returned != 0 || f->reported) {
		fail_with(v, PROV_EPROVIDER, f->code && f->code[0] ? f->code : "provider_error",
			  "error");
		v->details = f->details;
		v->own_message = f->message && f->message[0] ? f->message : NULL;
		if (f->message && f->message[0])
			snprintf(v->message, sizeof(v->message), "provider %s: %s failed: %s: %s",
				 instance, action, v->error_code, f->message);
		else
			snprintf(v->message, sizeof(v->message),
				 "provider %s: %s failed (returned %d) without a reason",
				 instance, action, o->returned);
	} else if (o->output_failed) {
		fail_with(v, PROV_ENOMEM, "provider_error", "error");
		snprintf(v->message, sizeof(v->message), "out of memory");
	} else {
		read_output(v, instance, action, o);
	}
}

int prov_document_finish(prov_call_result *out, const char *instance,
			 const prov_invocation *inv, const prov_call_context *ctx,
			 const char *key, const prov_call_outcome *outcome)
{
	verdict v;

	memset(&v, 0, sizeof(v));
	v.status = "success";
	judge(&v, instance, inv->action, outcome);
	return emit(out, instance, inv->action, ctx, key, &v,
		    outcome->finished_ms - outcome->started_ms);
}

int prov_document_refuse(prov_call_result *out, const char *instance, const char *action,
			 const prov_call_context *ctx, int code)
{
	verdict v;

	if (code == PROV_ENOMEM)
		return code;
	memset(&v, 0, sizeof(v));
	v.code = code;
	v.status = code == PROV_ECANCELLED ? "cancelled" : "error";
	v.error_code = host_error_code(code);
	prov_copy_bounded(v.message, sizeof(v.message), prov_error_last()->message);
	return emit(out, instance, action, ctx, "", &v, 0);
}
