/*
 * Loading a workflow definition: the document is read by the format
 * readers (so every node has a file and line), then its settings and
 * operations are read into a prov_workflow. Problems of content do not stop
 * the loading: they are collected, so one validation can name them all.
 */
#include "workflow/internal.h"

#include "core/err.h"
#include "core/random.h"
#include "core/mem.h"
#include "format/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const top_level_keys[] = {
	"format_version", "workflow_id", "name", "version", "description", "parallel_limit",
	"rollback", "retry", "configuration", "timeout_ms", "operations", "dependencies", NULL,
};

static const char *const retry_keys[] = {
	"max_attempts", "backoff", "initial_delay_ms", "max_delay_ms", NULL,
};

static const char *const rollback_keys[] = {
	"enabled", "on_partial_failure", "preserve_successful", NULL,
};

static bool listed(const char *const *keys, const char *key)
{
	for (; *keys; keys++)
		if (strcmp(*keys, key) == 0)
			return true;
	return false;
}

void wf_check_keys(struct wf_problems *p, const prov_value *table, const char *const *keys,
		       const char *what)
{
	for (size_t i = 0; i < prov_table_len(table); i++) {
		const char *key = prov_table_key_at(table, i, NULL);

		if (!listed(keys, key))
			wf_problem(p, prov_table_value_at(table, i), "unknown key '%s' in %s", key,
				   what);
	}
}

bool wf_read_string(struct wf_problems *p, const prov_value *table, const char *key,
			char **out)
{
	const prov_value *v = prov_table_gets(table, key);

	if (!v)
		return false;
	if (!prov_value_is(v, PROV_VALUE_STRING) || !prov_value_get_str(v, NULL)[0]) {
		wf_problem(p, v, "%s must be a non-empty string", key);
		return false;
	}
	free(*out);
	*out = prov_strdup(prov_value_get_str(v, NULL));
	return *out != NULL;
}

bool wf_read_int(struct wf_problems *p, const prov_value *table, const char *key,
		     long long min, long long *out)
{
	const prov_value *v = prov_table_gets(table, key);

	if (!v)
		return false;
	if (!prov_value_is(v, PROV_VALUE_INT) || prov_value_get_int(v) < min) {
		wf_problem(p, v, "%s must be an integer of at least %lld", key, min);
		return false;
	}
	*out = prov_value_get_int(v);
	return true;
}

static void read_bool(struct wf_problems *p, const prov_value *table, const char *key, bool *out)
{
	const prov_value *v = prov_table_gets(table, key);

	if (!v)
		return;
	if (!prov_value_is(v, PROV_VALUE_BOOL))
		wf_problem(p, v, "%s must be true or false", key);
	else
		*out = prov_value_get_bool(v);
}

const prov_value *wf_read_table(struct wf_problems *p, const prov_value *table,
				    const char *key)
{
	const prov_value *v = prov_table_gets(table, key);

	if (v && !prov_value_is(v, PROV_VALUE_TABLE)) {
		wf_problem(p, v, "%s must be a table", key);
		return NULL;
	}
	return v;
}

static void read_backoff(struct wf_problems *p, const prov_value *table, int *out)
{
	static const int kinds[] = { PROV_DAG_BACKOFF_NONE, PROV_DAG_BACKOFF_LINEAR,
				     PROV_DAG_BACKOFF_EXPONENTIAL };
	const prov_value *v = prov_table_gets(table, "backoff");

	if (!v)
		return;
	for (size_t i = 0; prov_value_is(v, PROV_VALUE_STRING) && i < 3; i++) {
		if (strcmp(prov_value_get_str(v, NULL), wf_backoff_name(kinds[i])) == 0) {
			*out = kinds[i];
			return;
		}
	}
	wf_problem(p, v, "backoff must be none, linear or exponential");
}

void wf_read_retry(struct wf_problems *p, const prov_value *owner, const struct wf_retry *base,
		   struct wf_retry *out)
{
	const prov_value *t = wf_read_table(p, owner, "retry");
	long long n;

	*out = *base;
	if (!t)
		return;
	wf_check_keys(p, t, retry_keys, "retry");
	if (wf_read_int(p, t, "max_attempts", 1, &n))
		out->max_attempts = n > 1000000 ? 1000000 : (unsigned int)n;
	read_backoff(p, t, &out->backoff);
	wf_read_int(p, t, "initial_delay_ms", 0, &out->initial_delay_ms);
	wf_read_int(p, t, "max_delay_ms", 0, &out->max_delay_ms);
}

static void read_rollback(prov_workflow *wf, const prov_value *doc)
{
	const prov_value *t = wf_read_table(&wf->problems, doc, "rollback");

	if (!t)
		return;
	wf_check_keys(&wf->problems, t, rollback_keys, "rollback");
	read_bool(&wf->problems, t, "enabled", &wf->rollback_enabled);
	read_bool(&wf->problems, t, "on_partial_failure", &wf->rollback_on_partial_failure);
	read_bool(&wf->problems, t, "preserve_successful", &wf->preserve_successful);
}

/* wf-YYYYMMDD-HHMMSS-XXXXXX: sortable by start, unique by its random part. */
static char *generate_id(void)
{
	uint64_t random = prov_random64();
	char id[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(id, sizeof(id), "wf-%04d%02d%02d-%02d%02d%02d-%06x", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(random & 0xffffff));
	return prov_strdup(id);
}

static void read_id(prov_workflow *wf, const prov_value *doc)
{
	const prov_value *v = prov_table_gets(doc, "workflow_id");

	if (wf_read_string(&wf->problems, doc, "workflow_id", &wf->id) &&
	    prov_workflow_id_validate(wf->id) != PROV_OK)
		wf_problem_from_error(&wf->problems, v, "workflow_id: ");
	if (!v)
		wf->id = generate_id();
}

/* version: text, though YAML and TOML readers see 1.0 as a number. */
static void read_version(prov_workflow *wf, const prov_value *doc)
{
	const prov_value *v = prov_table_gets(doc, "version");
	char number[32];

	if (!v)
		return;
	if (prov_value_is(v, PROV_VALUE_INT))
		snprintf(number, sizeof(number), "%lld", (long long)prov_value_get_int(v));
	else if (prov_value_is(v, PROV_VALUE_DOUBLE))
		prov_format_double(prov_value_get_double(v), number);
	else if (!wf_read_string(&wf->problems, doc, "version", &wf->version))
		return;
	if (!wf->version)
		wf->version = prov_strdup(number);
}

int wf_read_settings(prov_workflow *wf, const prov_value *doc)
{
	static const struct wf_retry default_retry = {
		WF_DEFAULT_MAX_ATTEMPTS, PROV_DAG_BACKOFF_EXPONENTIAL,
		WF_DEFAULT_INITIAL_DELAY_MS, WF_DEFAULT_MAX_DELAY_MS,
	};
	long long n;

	wf_check_keys(&wf->problems, doc, top_level_keys, "the workflow");
	read_id(wf, doc);
	wf_read_string(&wf->problems, doc, "name", &wf->name);
	if (!wf->name && wf->id)
		wf->name = prov_strdup(wf->id);
	read_version(wf, doc);
	wf->parallel_limit = WF_DEFAULT_PARALLEL_LIMIT;
	if (wf_read_int(&wf->problems, doc, "parallel_limit", 1, &n))
		wf->parallel_limit = n > 4096 ? 4096 : (unsigned int)n;
	wf->timeout_ms = WF_DEFAULT_TIMEOUT_MS;
	wf_read_int(&wf->problems, doc, "timeout_ms", 1, &wf->timeout_ms);
	wf->rollback_enabled = true;
	read_rollback(wf, doc);
	wf_read_retry(&wf->problems, doc, &default_retry, &wf->retry);
	if (wf_read_table(&wf->problems, doc, "configuration"))
		wf->configuration = prov_value_ref(prov_table_gets(doc, "configuration"));
	return wf->id && wf->name ? PROV_OK : prov_err_nomem();
}

/* format_version: absent is 1; a newer one is refused by name. */
static int check_format_version(const prov_value *doc)
{
	const prov_value *v = prov_table_gets(doc, "format_version");

	if (!v)
		return PROV_OK;
	if (!prov_value_is(v, PROV_VALUE_INT) || prov_value_get_int(v) < 1)
		return prov_err_at(PROV_ECONFIG, PROV_ERRCAT_WORKFLOW, prov_value_file(v),
				   (int)prov_value_line(v), "format_version must be a positive integer");
	if (prov_value_get_int(v) > PROV_WORKFLOW_FORMAT_VERSION)
		return prov_err_at(PROV_EVERSION, PROV_ERRCAT_WORKFLOW, prov_value_file(v),
				   (int)prov_value_line(v),
				   "workflow definition format_version %lld is newer than this "
				   "library reads (%d)", (long long)prov_value_get_int(v),
				   PROV_WORKFLOW_FORMAT_VERSION);
	return PROV_OK;
}

static int load_document(prov_workflow **out, const prov_value *doc)
{
	prov_workflow *wf;
	int rc;

	*out = NULL;
	if (!prov_value_is(doc, PROV_VALUE_TABLE))
		return prov_err_at(PROV_ECONFIG, PROV_ERRCAT_WORKFLOW, prov_value_file(doc),
				   (int)prov_value_line(doc),
				   "a workflow definition must be a table of keys, not %s",
				   prov_value_type_name(prov_value_type_of(doc)));
	if ((rc = check_format_version(doc)))
		return rc;
	if (!(wf = prov_calloc(1, sizeof(*wf))))
		return PROV_ENOMEM;
	wf->document = prov_value_ref(doc);
	rc = wf_read_settings(wf, doc);
	if (rc == PROV_OK)
		rc = wf_read_operations(wf, doc);
	if (rc == PROV_OK) {
		wf_check_graph(wf);
		rc = wf_normalise(wf);
	}
	if (rc) {
		prov_workflow_free(wf);
		return rc;
	}
	*out = wf;
	return PROV_OK;
}

int prov_workflow_load_file(prov_workflow **out, const char *path)
{
	prov_value *doc = NULL;
	int rc;

	if (!out || !path)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "loading a workflow needs a path and an out-parameter");
	*out = NULL;
	rc = prov_format_load_file(path, PROV_FORMAT_AUTO, NULL, &doc);
	if (rc == PROV_OK)
		rc = load_document(out, doc);
	prov_value_unref(doc);
	return rc;
}

int prov_workflow_load_string(prov_workflow **out, const char *name, const char *text,
			      size_t len, prov_format format)
{
	prov_source *src;
	prov_value *doc = NULL;
	int rc;

	if (!out || !name || !text || format == PROV_FORMAT_AUTO)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "loading a workflow from text needs a name, the text and its format");
	*out = NULL;
	if (!(src = prov_source_new(name, NULL)))
		return PROV_ENOMEM;
	rc = prov_format_parse(format, text, len, src, &doc);
	prov_source_unref(src);
	if (rc == PROV_OK)
		rc = load_document(out, doc);
	prov_value_unref(doc);
	return rc;
}

void prov_workflow_free(prov_workflow *wf)
{
	if (!wf)
		return;
	wf_operations_free(wf);
	free(wf->id);
	free(wf->name);
	free(wf->version);
	prov_value_unref(wf->configuration);
	prov_value_unref(wf->normalised);
	prov_value_unref(wf->document);
	wf_problems_release(&wf->problems);
	free(wf);
}

const char *prov_workflow_id(const prov_workflow *wf)
{
	return wf ? wf->id : NULL;
}

const char *prov_workflow_name(const prov_workflow *wf)
{
	return wf ? wf->name : NULL;
}

const char *prov_workflow_sha256(const prov_workflow *wf)
{
	return wf ? wf->sha256 : NULL;
}

size_t prov_workflow_operation_count(const prov_workflow *wf)
{
	return wf ? wf->op_count : 0;
}

const char *prov_workflow_operation_id(const prov_workflow *wf, size_t index)
{
	return wf && index < wf->op_count ? wf->ops[index].id : NULL;
}
