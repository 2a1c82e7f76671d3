/*
 * The operations as a dependency graph: the one the DAG executor runs, the
 * cycle check of validation, and drawings in DOT and Mermaid.
 */
#include "workflow/internal.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static int add_node(prov_dag *dag, const struct wf_operation *op, prov_dag_task_fn task,
		    void *userdata)
{
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;
	prov_dag_node_options options = PROV_DAG_NODE_OPTIONS_INIT;
	int rc = prov_dag_add_node(dag, op->id, task, userdata);

	retry.max_attempts = op->retry.max_attempts;
	retry.backoff = op->retry.backoff;
	retry.initial_delay_ms = op->retry.initial_delay_ms;
	retry.max_delay_ms = op->retry.max_delay_ms;
	options.retry = &retry;
	options.timeout_ms = op->timeout_ms;
	options.on_failure = op->on_failure == WF_ON_FAILURE_CONTINUE ? PROV_DAG_ON_FAILURE_CONTINUE
								      : PROV_DAG_ON_FAILURE_FAIL;
	return rc ? rc : prov_dag_set_node_options(dag, op->id, &options);
}

static int add_edges(prov_dag *dag, const prov_workflow *wf, const struct wf_operation *op)
{
	int rc = PROV_OK;

	for (size_t j = 0; rc == PROV_OK && j < op->dep_count; j++)
		if (op->deps[j].op >= 0 && strcmp(op->deps[j].op_id, op->id) != 0)
			rc = prov_dag_add_dependency(dag, op->id, op->deps[j].op_id,
						     op->deps[j].type);
	for (size_t j = 0; rc == PROV_OK && j < op->ref_count; j++)
		rc = prov_dag_add_dependency(dag, op->id, wf->ops[op->refs[j]].id, PROV_DAG_HARD);
	return rc;
}

int wf_build_dag(prov_dag **out, const prov_workflow *wf, prov_dag_task_fn task, void *userdata)
{
	prov_dag *dag = NULL;
	int rc = prov_dag_new(&dag);

	for (size_t i = 0; rc == PROV_OK && i < wf->op_count; i++)
		rc = add_node(dag, &wf->ops[i], task, userdata);
	for (size_t i = 0; rc == PROV_OK && i < wf->op_count; i++)
		rc = add_edges(dag, wf, &wf->ops[i]);
	if (rc) {
		prov_dag_free(dag);
		return rc;
	}
	*out = dag;
	return PROV_OK;
}

/* The operation a cycle message starts with ("dependency cycle: a -> b -> a"). */
static const prov_value *cycle_start(const prov_workflow *wf, const char *message)
{
	const char *start = strstr(message, "cycle: ");
	const char *end = start ? strstr(start, " -> ") : NULL;
	char *id = end ? prov_strndup(start + 7, (size_t)(end - start - 7)) : NULL;
	long op = id ? wf_find_operation(wf, id) : -1;

	free(id);
	return op >= 0 ? wf->ops[op].node : wf->document;
}

void wf_check_graph(prov_workflow *wf)
{
	prov_dag *dag = NULL;
	int rc = wf_build_dag(&dag, wf, NULL, NULL);

	if (rc == PROV_OK)
		rc = prov_dag_validate(dag);
	if (rc == PROV_ECYCLE)
		wf_problem(&wf->problems, cycle_start(wf, prov_error_last()->message), "%s",
			   prov_error_last()->message);
	prov_dag_free(dag);
}

/* An edge "from -> to" of the drawing, dependency first. */
typedef void (*edge_fn)(prov_strbuf *b, size_t from, size_t to, int type, void *userdata);

static void each_edge(const prov_workflow *wf, prov_strbuf *b, edge_fn fn, void *userdata)
{
	for (size_t i = 0; i < wf->op_count; i++) {
		const struct wf_operation *op = &wf->ops[i];

		for (size_t j = 0; j < op->dep_count; j++)
			if (op->deps[j].op >= 0)
				fn(b, (size_t)op->deps[j].op, i, op->deps[j].type, userdata);
		for (size_t j = 0; j < op->ref_count; j++)
			fn(b, op->refs[j], i, PROV_DAG_HARD, userdata);
	}
}

static const char *target_of(const struct wf_operation *op)
{
	return op->provider ? op->provider : op->extension ? op->extension : "?";
}

/* "id\nprovider action": one label text for both drawings. */
static void label_text(prov_strbuf *b, const struct wf_operation *op)
{
	prov_strbuf_printf(b, "%s\n%s %s", op->id, target_of(op), op->action ? op->action : "?");
}

static void dot_edge(prov_strbuf *b, size_t from, size_t to, int type, void *userdata)
{
	const prov_workflow *wf = userdata;

	prov_strbuf_puts(b, "  ");
	prov_strbuf_put_json_string(b, wf->ops[from].id, strlen(wf->ops[from].id));
	prov_strbuf_puts(b, " -> ");
	prov_strbuf_put_json_string(b, wf->ops[to].id, strlen(wf->ops[to].id));
	prov_strbuf_puts(b, type == PROV_DAG_SOFT ? " [style=dashed];\n"
			 : type == PROV_DAG_OPTIONAL ? " [style=dotted];\n" : ";\n");
}

static void draw_dot(prov_strbuf *b, const prov_workflow *wf)
{
	prov_strbuf_puts(b, "digraph ");
	prov_strbuf_put_json_string(b, wf->name, strlen(wf->name));
	prov_strbuf_puts(b, " {\n  rankdir=LR;\n  node [shape=box];\n");
	for (size_t i = 0; i < wf->op_count; i++) {
		const struct wf_operation *op = &wf->ops[i];

		prov_strbuf label = PROV_STRBUF_INIT;

		label_text(&label, op);
		prov_strbuf_puts(b, "  ");
		prov_strbuf_put_json_string(b, op->id, strlen(op->id));
		prov_strbuf_puts(b, " [label=");
		prov_strbuf_put_json_string(b, prov_strbuf_cstr(&label), label.len);
		prov_strbuf_puts(b, "];\n");
		prov_strbuf_release(&label);
	}
	each_edge(wf, b, dot_edge, (void *)wf);
	prov_strbuf_puts(b, "}\n");
}

static void mermaid_edge(prov_strbuf *b, size_t from, size_t to, int type, void *userdata)
{
	(void)userdata;
	prov_strbuf_printf(b, "  op%zu %s op%zu\n", from,
			   type == PROV_DAG_SOFT ? "-.->" : type == PROV_DAG_OPTIONAL ? "-.->|optional|"
									    : "-->", to);
}

static void draw_mermaid(prov_strbuf *b, const prov_workflow *wf)
{
	prov_strbuf_puts(b, "flowchart LR\n");
	for (size_t i = 0; i < wf->op_count; i++) {
		const struct wf_operation *op = &wf->ops[i];

		prov_strbuf label = PROV_STRBUF_INIT;

		label_text(&label, op);
		prov_strbuf_printf(b, "  op%zu[\"", i);
		for (const char *c = prov_strbuf_cstr(&label); *c; c++) {
			if (*c == '"')
				prov_strbuf_puts(b, "#quot;");
			else if (*c == '\n')
				prov_strbuf_puts(b, "<br/>");
			else
				prov_strbuf_putc(b, *c);
		}
		prov_strbuf_puts(b, "\"]\n");
		prov_strbuf_release(&label);
	}
	each_edge(wf, b, mermaid_edge, NULL);
}

int prov_workflow_graph(char **out, const prov_workflow *wf, const char *format)
{
	prov_strbuf b = PROV_STRBUF_INIT;
	bool dot = format && strcmp(format, "dot") == 0;

	if (!out || !wf || !format || (!dot && strcmp(format, "mermaid") != 0))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "a workflow graph is drawn as dot or mermaid, not %s",
				    format ? format : "(null)");
	if (dot)
		draw_dot(&b, wf);
	else
		draw_mermaid(&b, wf);
	*out = prov_strbuf_detach(&b, NULL);
	return *out ? PROV_OK : PROV_ENOMEM;
}
