/*
 * The normalised definition: every setting spelled out with its default,
 * `dependencies:` merged into each operation's depends_on, keys in one
 * order, references as written. Checkpoints store it, so `resume ID` needs
 * no file, and its SHA-256 tells whether a file still holds it.
 */
#include "workflow/internal.h"

#include "core/err.h"

#include <string.h>

const char *wf_on_failure_name(int on_failure)
{
	switch (on_failure) {
	case WF_ON_FAILURE_CONTINUE:
		return "continue";
	case WF_ON_FAILURE_ROLLBACK:
		return "rollback";
	default:
		return "fail";
	}
}

const char *wf_backoff_name(int backoff)
{
	switch (backoff) {
	case PROV_DAG_BACKOFF_LINEAR:
		return "linear";
	case PROV_DAG_BACKOFF_EXPONENTIAL:
		return "exponential";
	default:
		return "none";
	}
}

static const char *dependency_type_name(int type)
{
	return type == PROV_DAG_SOFT ? "soft" : type == PROV_DAG_OPTIONAL ? "optional" : "hard";
}

/* Set key to v (taken over); PROV_ENOMEM when v could not be made. */
static int put(prov_value *table, const char *key, prov_value *v)
{
	if (!v)
		return prov_err_nomem();
	return prov_table_set(table, key, strlen(key), 0, v);
}

static prov_value *text(const char *s)
{
	return prov_value_string(s, strlen(s), NULL, 0);
}

static prov_value *integer(long long n)
{
	return prov_value_int(n, NULL, 0);
}

static prov_value *boolean(bool b)
{
	return prov_value_bool(b, NULL, 0);
}

static prov_value *retry_table(const struct wf_retry *r)
{
	prov_value *t = prov_value_table(NULL, 0);
	int rc = t ? PROV_OK : PROV_ENOMEM;

	if (rc == PROV_OK)
		rc = put(t, "max_attempts", integer(r->max_attempts));
	if (rc == PROV_OK)
		rc = put(t, "backoff", text(wf_backoff_name(r->backoff)));
	if (rc == PROV_OK)
		rc = put(t, "initial_delay_ms", integer(r->initial_delay_ms));
	if (rc == PROV_OK)
		rc = put(t, "max_delay_ms", integer(r->max_delay_ms));
	if (rc) {
		prov_value_unref(t);
		return NULL;
	}
	return t;
}

static prov_value *dependency_list(const struct wf_operation *op)
{
	prov_value *list = prov_value_array(NULL, 0);
	int rc = list ? PROV_OK : PROV_ENOMEM;

	for (size_t i = 0; rc == PROV_OK && i < op->dep_count; i++) {
		prov_value *d = prov_value_table(NULL, 0);

		rc = d ? put(d, "op", text(op->deps[i].op_id)) : PROV_ENOMEM;
		if (rc == PROV_OK)
			rc = put(d, "type", text(dependency_type_name(op->deps[i].type)));
		if (rc == PROV_OK)
			rc = prov_array_push(list, d);
		else
			prov_value_unref(d);
	}
	if (rc) {
		prov_value_unref(list);
		return NULL;
	}
	return list;
}

static prov_value *operation_table(const struct wf_operation *op)
{
	prov_value *t = prov_value_table(NULL, 0);
	int rc = t ? put(t, "id", text(op->id)) : PROV_ENOMEM;

	if (rc == PROV_OK && op->provider)
		rc = put(t, "provider", text(op->provider));
	if (rc == PROV_OK && op->extension)
		rc = put(t, "extension", text(op->extension));
	if (rc == PROV_OK && op->action)
		rc = put(t, "action", text(op->action));
	if (rc == PROV_OK)
		rc = put(t, "params", prov_value_ref(op->params));
	if (rc == PROV_OK)
		rc = put(t, "depends_on", dependency_list(op));
	if (rc == PROV_OK)
		rc = put(t, "timeout_ms", integer(op->timeout_ms));
	if (rc == PROV_OK)
		rc = put(t, "on_failure", text(wf_on_failure_name(op->on_failure)));
	if (rc == PROV_OK)
		rc = put(t, "retry", retry_table(&op->retry));
	if (rc) {
		prov_value_unref(t);
		return NULL;
	}
	return t;
}

static prov_value *rollback_table(const prov_workflow *wf)
{
	prov_value *t = prov_value_table(NULL, 0);
	int rc = t ? put(t, "enabled", boolean(wf->rollback_enabled)) : PROV_ENOMEM;

	if (rc == PROV_OK)
		rc = put(t, "on_partial_failure", boolean(wf->rollback_on_partial_failure));
	if (rc == PROV_OK)
		rc = put(t, "preserve_successful", boolean(wf->preserve_successful));
	if (rc) {
		prov_value_unref(t);
		return NULL;
	}
	return t;
}

static int put_operations(prov_value *t, const prov_workflow *wf)
{
	prov_value *list = prov_value_array(NULL, 0);
	int rc = list ? PROV_OK : PROV_ENOMEM;

	for (size_t i = 0; rc == PROV_OK && i < wf->op_count; i++) {
		prov_value *op = operation_table(&wf->ops[i]);

		rc = op ? prov_array_push(list, op) : prov_err_nomem();
	}
	if (rc) {
		prov_value_unref(list);
		return rc;
	}
	return put(t, "operations", list);
}

static int put_settings(prov_value *t, const prov_workflow *wf)
{
	int rc = put(t, "format_version", integer(PROV_WORKFLOW_FORMAT_VERSION));

	if (rc == PROV_OK)
		rc = put(t, "workflow_id", text(wf->id));
	if (rc == PROV_OK)
		rc = put(t, "name", text(wf->name));
	if (rc == PROV_OK && wf->version)
		rc = put(t, "version", text(wf->version));
	if (rc == PROV_OK)
		rc = put(t, "parallel_limit", integer(wf->parallel_limit));
	if (rc == PROV_OK)
		rc = put(t, "timeout_ms", integer(wf->timeout_ms));
	if (rc == PROV_OK)
		rc = put(t, "rollback", rollback_table(wf));
	if (rc == PROV_OK)
		rc = put(t, "retry", retry_table(&wf->retry));
	if (rc == PROV_OK && wf->configuration)
		rc = put(t, "configuration", prov_value_ref(wf->configuration));
	return rc;
}

int wf_normalise(prov_workflow *wf)
{
	prov_strbuf json = PROV_STRBUF_INIT;
	prov_value *t = prov_value_table(NULL, 0);
	int rc = t ? put_settings(t, wf) : PROV_ENOMEM;

	if (rc == PROV_OK)
		rc = put_operations(t, wf);
	if (rc == PROV_OK)
		rc = prov_value_print_json(&json, t, 0);
	if (rc == PROV_OK) {
		prov_sha256_hex(json.data, json.len, wf->sha256);
		wf->normalised = t;
		t = NULL;
	}
	prov_value_unref(t);
	prov_strbuf_release(&json);
	return rc;
}

int prov_workflow_to_json(char **out, const prov_workflow *wf)
{
	prov_strbuf json = PROV_STRBUF_INIT;

	if (!out || !wf)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_workflow_to_json needs a workflow and an out-parameter");
	if (prov_value_print_json(&json, wf->normalised, 0) != PROV_OK) {
		prov_strbuf_release(&json);
		return prov_err_nomem();
	}
	*out = prov_strbuf_detach(&json, NULL);
	return *out ? PROV_OK : PROV_ENOMEM;
}
