/*
 * Reading operations: ids, what each calls, its params, policies and
 * dependencies (depends_on, the dependencies: map, and the implicit ones of
 * {{ops.ID...}} references), and the checks that need them all: duplicate
 * and unknown ids, references, cycles.
 */
#include "workflow/internal.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const operation_keys[] = {
	"id", "provider", "extension", "action", "params", "timeout_ms", "on_failure",
	"depends_on", "retry", "description", NULL,
};

static const char *const dependency_keys[] = { "op", "type", NULL };

/* Operation ids are used in references, events and checkpoint records. */
static bool valid_op_id(const char *id)
{
	size_t len = strlen(id);

	return len > 0 && len <= PROV_WORKFLOW_ID_MAX &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

static void read_on_failure(struct wf_problems *p, const prov_value *op_node, int *out)
{
	static const int kinds[] = { WF_ON_FAILURE_FAIL, WF_ON_FAILURE_CONTINUE,
				     WF_ON_FAILURE_ROLLBACK };
	const prov_value *v = prov_table_gets(op_node, "on_failure");

	*out = WF_ON_FAILURE_FAIL;
	if (!v)
		return;
	for (size_t i = 0; prov_value_is(v, PROV_VALUE_STRING) && i < 3; i++) {
		if (strcmp(prov_value_get_str(v, NULL), wf_on_failure_name(kinds[i])) == 0) {
			*out = kinds[i];
			return;
		}
	}
	wf_problem(p, v, "on_failure must be fail, continue or rollback");
}

static int dependency_type(const char *name)
{
	if (strcmp(name, "hard") == 0)
		return PROV_DAG_HARD;
	if (strcmp(name, "soft") == 0)
		return PROV_DAG_SOFT;
	if (strcmp(name, "optional") == 0)
		return PROV_DAG_OPTIONAL;
	return -1;
}

static int add_dependency(struct wf_operation *op, const char *id, int type)
{
	struct wf_dependency *d;

	if (prov_grow(&op->deps, op->dep_count + 1, sizeof(*op->deps)))
		return PROV_ENOMEM;
	d = &op->deps[op->dep_count];
	if (!(d->op_id = prov_strdup(id)))
		return PROV_ENOMEM;
	d->op = -1;
	d->type = type;
	op->dep_count++;
	return PROV_OK;
}

/* One item of depends_on: "id" or {op: id, type: hard|soft|optional}. */
static int read_dependency(struct wf_problems *p, struct wf_operation *op, const prov_value *item)
{
	const prov_value *id = item, *type = NULL;
	int kind = PROV_DAG_HARD;

	if (prov_value_is(item, PROV_VALUE_TABLE)) {
		wf_check_keys(p, item, dependency_keys, "a dependency");
		id = prov_table_gets(item, "op");
		type = prov_table_gets(item, "type");
	}
	if (!id || !prov_value_is(id, PROV_VALUE_STRING) || !prov_value_get_str(id, NULL)[0]) {
		wf_problem(p, id ? id : item,
			   "a dependency is an operation id or a table {op: ID, type: hard|soft|optional}");
		return PROV_OK;
	}
	if (type && (!prov_value_is(type, PROV_VALUE_STRING) ||
		     (kind = dependency_type(prov_value_get_str(type, NULL))) < 0)) {
		wf_problem(p, type, "a dependency's type must be hard, soft or optional");
		return PROV_OK;
	}
	return add_dependency(op, prov_value_get_str(id, NULL), kind);
}

static int read_dependency_list(struct wf_problems *p, struct wf_operation *op,
				const prov_value *list)
{
	int rc = PROV_OK;

	if (!prov_value_is(list, PROV_VALUE_ARRAY)) {
		wf_problem(p, list, "dependencies of operation '%s' must be a list", op->id);
		return PROV_OK;
	}
	for (size_t i = 0; rc == PROV_OK && i < prov_array_len(list); i++)
		rc = read_dependency(p, op, prov_array_at(list, i));
	return rc;
}

static void read_target(struct wf_problems *p, struct wf_operation *op, const prov_value *node)
{
	wf_read_string(p, node, "provider", &op->provider);
	wf_read_string(p, node, "extension", &op->extension);
	if (!wf_read_string(p, node, "action", &op->action) && !prov_table_gets(node, "action"))
		wf_problem(p, node, "operation '%s' needs an action", op->id);
	if (op->provider && op->extension)
		wf_problem(p, prov_table_gets(node, "extension"),
			   "operation '%s' names both a provider and an extension", op->id);
	else if (!op->provider && !op->extension && !prov_table_gets(node, "provider") &&
		 !prov_table_gets(node, "extension"))
		wf_problem(p, node, "operation '%s' needs a provider or an extension", op->id);
}

static int read_params(struct wf_problems *p, struct wf_operation *op, const prov_value *node)
{
	const prov_value *v = prov_table_gets(node, "params");

	if (v && prov_value_is(v, PROV_VALUE_TABLE)) {
		op->params = prov_value_ref(v);
		return PROV_OK;
	}
	if (v)
		wf_problem(p, v, "params of operation '%s' must be a table", op->id);
	op->params = prov_value_table((prov_source *)prov_value_source(node), prov_value_line(node));
	return op->params ? PROV_OK : PROV_ENOMEM;
}

static int read_operation(prov_workflow *wf, const prov_value *node, struct wf_operation *op)
{
	struct wf_problems *p = &wf->problems;
	const prov_value *deps;

	op->node = node;
	wf_check_keys(p, node, operation_keys, "an operation");
	if (!wf_read_string(p, node, "id", &op->id) && !prov_table_gets(node, "id"))
		wf_problem(p, node, "an operation needs an id");
	if (op->id && !valid_op_id(op->id))
		wf_problem(p, prov_table_gets(node, "id"),
			   "operation id '%s' must be 1 to %d letters, digits, '_' or '-'", op->id,
			   PROV_WORKFLOW_ID_MAX);
	if (!op->id && !(op->id = prov_strdup("")))
		return PROV_ENOMEM;
	read_target(p, op, node);
	op->timeout_ms = wf->timeout_ms;
	wf_read_int(p, node, "timeout_ms", 1, &op->timeout_ms);
	read_on_failure(p, node, &op->on_failure);
	wf_read_retry(p, node, &wf->retry, &op->retry);
	deps = prov_table_gets(node, "depends_on");
	if (read_params(p, op, node) != PROV_OK)
		return PROV_ENOMEM;
	return deps ? read_dependency_list(p, op, deps) : PROV_OK;
}

static int compare_ids(const void *a, const void *b, void *ops)
{
	const struct wf_operation *o = ops;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(o[x].id, o[y].id);

	return c ? c : (x > y) - (x < y);
}

static int sort_index(prov_workflow *wf)
{
	free(wf->by_id);
	if (!(wf->by_id = prov_calloc(wf->op_count + 1, sizeof(*wf->by_id))))
		return PROV_ENOMEM;
	for (size_t i = 0; i < wf->op_count; i++)
		wf->by_id[i] = i;
	qsort_r(wf->by_id, wf->op_count, sizeof(*wf->by_id), compare_ids, wf->ops);
	return PROV_OK;
}

long wf_find_operation(const prov_workflow *wf, const char *id)
{
	size_t lo = 0, hi = wf->op_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(wf->ops[wf->by_id[mid]].id, id);

		if (c == 0 && (mid == 0 || strcmp(wf->ops[wf->by_id[mid - 1]].id, id) != 0))
			return (long)wf->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void free_operation(struct wf_operation *op)
{
	free(op->id);
	free(op->provider);
	free(op->extension);
	free(op->action);
	prov_value_unref(op->params);
	for (size_t i = 0; i < op->dep_count; i++)
		free(op->deps[i].op_id);
	free(op->deps);
	free(op->refs);
}

void wf_operations_free(prov_workflow *wf)
{
	for (size_t i = 0; i < wf->op_count; i++)
		free_operation(&wf->ops[i]);
	free(wf->ops);
	free(wf->by_id);
}

/*
 * An operation without an id, or with the id of an earlier one, is a
 * problem and is dropped, so the others still form a graph to check.
 */
static int drop_unusable(prov_workflow *wf)
{
	bool *drop = prov_calloc(wf->op_count + 1, sizeof(*drop));
	size_t kept = 0, first = 0;
	int rc = drop ? sort_index(wf) : PROV_ENOMEM;

	for (size_t i = 0; rc == PROV_OK && i < wf->op_count; i++) {
		const struct wf_operation *op = &wf->ops[wf->by_id[i]];
		const struct wf_operation *head = &wf->ops[wf->by_id[first]];

		drop[wf->by_id[i]] = !op->id[0];
		if (i == first || strcmp(head->id, op->id) != 0) {
			first = i;
			continue;
		}
		drop[wf->by_id[i]] = true;
		if (op->id[0])
			wf_problem(&wf->problems, prov_table_gets(op->node, "id"),
				   "duplicate operation id '%s' (first at line %u)", op->id,
				   prov_value_line(prov_table_gets(head->node, "id")));
	}
	for (size_t i = 0; rc == PROV_OK && i < wf->op_count; i++) {
		if (drop[i])
			free_operation(&wf->ops[i]);
		else
			wf->ops[kept++] = wf->ops[i];
	}
	if (rc == PROV_OK && kept != wf->op_count) {
		wf->op_count = kept;
		rc = sort_index(wf);
	}
	free(drop);
	return rc;
}

/* Turn dependency ids into indices; unknown ones are problems unless optional. */
static void link_dependencies(prov_workflow *wf)
{
	for (size_t i = 0; i < wf->op_count; i++) {
		struct wf_operation *op = &wf->ops[i];

		for (size_t j = 0; j < op->dep_count; j++) {
			struct wf_dependency *d = &op->deps[j];

			d->op = wf_find_operation(wf, d->op_id);
			if (d->op < 0 && d->type != PROV_DAG_OPTIONAL)
				wf_problem(&wf->problems, op->node,
					   "operation '%s' depends on '%s', which does not exist",
					   op->id, d->op_id);
			else if ((size_t)d->op == i)
				wf_problem(&wf->problems, op->node,
					   "operation '%s' depends on itself", op->id);
		}
	}
}

/* The dependencies: map, {op: [ids...]}, merged into each operation's. */
static int read_dependency_map(prov_workflow *wf, const prov_value *doc)
{
	const prov_value *map = wf_read_table(&wf->problems, doc, "dependencies");
	int rc = PROV_OK;

	for (size_t i = 0; map && rc == PROV_OK && i < prov_table_len(map); i++) {
		const char *id = prov_table_key_at(map, i, NULL);
		long op = wf_find_operation(wf, id);

		if (op < 0)
			wf_problem(&wf->problems, prov_table_value_at(map, i),
				   "dependencies: '%s' is not an operation", id);
		else
			rc = read_dependency_list(&wf->problems, &wf->ops[op],
						  prov_table_value_at(map, i));
	}
	return rc;
}

struct reference_scan {
	prov_workflow *wf;
	size_t op;
	int rc;
};

static bool refers_to(const struct wf_operation *op, size_t target)
{
	for (size_t i = 0; i < op->ref_count; i++)
		if (op->refs[i] == target)
			return true;
	return false;
}

static void note_reference(const char *name, const prov_value *where, void *userdata)
{
	struct reference_scan *scan = userdata;
	struct wf_operation *op = &scan->wf->ops[scan->op];
	const char *path;
	char *id = NULL;
	long target;

	if (!wf_is_ops_reference(name))
		return;
	if (!wf_parse_ops_reference(name, &id, &path)) {
		wf_problem(&scan->wf->problems, where,
			   "{{%s}}: an operation's output is written {{ops.ID.output.FIELD}}", name);
	} else if ((target = wf_find_operation(scan->wf, id)) < 0) {
		wf_problem(&scan->wf->problems, where,
			   "{{%s}} refers to operation '%s', which does not exist", name, id);
	} else if ((size_t)target == scan->op) {
		wf_problem(&scan->wf->problems, where,
			   "{{%s}}: operation '%s' refers to its own output", name, id);
	} else if (!refers_to(op, (size_t)target)) {
		if (prov_grow(&op->refs, op->ref_count + 1, sizeof(*op->refs)) == PROV_OK)
			op->refs[op->ref_count++] = (size_t)target;
		else
			scan->rc = PROV_ENOMEM;
	}
	free(id);
}

int wf_read_operations(prov_workflow *wf, const prov_value *doc)
{
	const prov_value *list = prov_table_gets(doc, "operations");
	int rc = PROV_OK;

	if (!list || !prov_value_is(list, PROV_VALUE_ARRAY) || prov_array_len(list) == 0) {
		wf_problem(&wf->problems, list ? list : doc,
			   "a workflow needs a non-empty list of operations");
		return sort_index(wf);
	}
	if (!(wf->ops = prov_calloc(prov_array_len(list), sizeof(*wf->ops))))
		return PROV_ENOMEM;
	for (size_t i = 0; rc == PROV_OK && i < prov_array_len(list); i++) {
		const prov_value *item = prov_array_at(list, i);

		if (!prov_value_is(item, PROV_VALUE_TABLE)) {
			wf_problem(&wf->problems, item, "an operation must be a table");
			continue;
		}
		rc = read_operation(wf, item, &wf->ops[wf->op_count++]);
	}
	if (rc == PROV_OK)
		rc = drop_unusable(wf);
	if (rc == PROV_OK)
		rc = read_dependency_map(wf, doc);
	if (rc == PROV_OK)
		link_dependencies(wf);
	for (size_t i = 0; rc == PROV_OK && i < wf->op_count; i++) {
		struct reference_scan scan = { wf, i, PROV_OK };

		wf_scan_references(wf->ops[i].params, note_reference, &scan);
		rc = scan.rc;
	}
	return rc;
}
