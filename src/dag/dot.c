/*
 * Graphviz DOT export. Arrows follow the flow of work, from a dependency to
 * its dependent; each node is filled with the colour of its last state.
 */
#include "dag/graph.h"

#include "core/mem.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

static const char *fill_colour(int state)
{
	switch (state) {
	case PROV_DAG_RUNNING: return "lightskyblue";
	case PROV_DAG_COMPLETED: return "palegreen";
	case PROV_DAG_FAILED: return "salmon";
	case PROV_DAG_SKIPPED: return "lightgrey";
	case PROV_DAG_CANCELLED: return "orange";
	default: return "white";
	}
}

/* Ids hold no control characters; quotes and backslashes need escaping. */
static void put_quoted(prov_strbuf *b, const char *id)
{
	prov_strbuf_putc(b, '"');
	for (; *id; id++) {
		if (*id == '"' || *id == '\\')
			prov_strbuf_putc(b, '\\');
		prov_strbuf_putc(b, *id);
	}
	prov_strbuf_putc(b, '"');
}

static void put_nodes(prov_strbuf *b, const prov_dag *dag)
{
	for (uint32_t i = 0; i < dag->node_count; i++) {
		int state = prov_dag_node_state(dag, i);

		prov_strbuf_puts(b, "  ");
		put_quoted(b, dag->nodes[i].id);
		prov_strbuf_printf(b, " [fillcolor=%s, tooltip=\"%s\"];\n", fill_colour(state),
				   prov_dag_state_name(state));
	}
}

/*
 * One arrow per pair, in the order the dependencies were added, the
 * strongest type winning when a pair was added twice.
 * type_of[d] is per-dependent scratch, reset after each node.
 */
static void put_edges_of(prov_strbuf *b, const prov_dag *dag, uint32_t u, uint32_t *list,
			 uint8_t *type_of)
{
	static const char *const styles[] = { "", " [style=dashed]", " [style=dotted]" };
	uint32_t count = 0;

	for (uint32_t k = dag->dependents_at[u]; k < dag->dependents_at[u + 1]; k++) {
		uint32_t d = dag_edge_dependent(dag->dependents[k]);
		uint8_t type = (uint8_t)dag_edge_type(dag->dependents[k]);

		if (type_of[d] == 0xff)
			list[count++] = d;
		if (type_of[d] == 0xff || type < type_of[d])
			type_of[d] = type;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t d = list[i];

		prov_strbuf_puts(b, "  ");
		put_quoted(b, dag->nodes[u].id);
		prov_strbuf_puts(b, " -> ");
		put_quoted(b, dag->nodes[d].id);
		prov_strbuf_puts(b, styles[type_of[d]]);
		prov_strbuf_puts(b, ";\n");
		type_of[d] = 0xff;
	}
}

int prov_dag_to_dot(char **out, prov_dag *dag)
{
	prov_strbuf b = PROV_STRBUF_INIT;
	uint32_t *list;
	uint8_t *type_of;
	int rc;

	if (!out || !dag)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "to dot: out or graph is NULL");
	*out = NULL;
	if ((rc = dag_resolve_deferred(dag)) || (rc = dag_index(dag)))
		return rc;
	list = prov_malloc(((size_t)dag->node_count + 1) * sizeof(*list));
	type_of = prov_malloc((size_t)dag->node_count + 1);
	if (!list || !type_of) {
		free(list);
		free(type_of);
		return PROV_ENOMEM;
	}
	memset(type_of, 0xff, (size_t)dag->node_count + 1);
	prov_strbuf_puts(&b, "digraph dag {\n  node [shape=box, style=\"rounded,filled\"];\n");
	put_nodes(&b, dag);
	for (uint32_t u = 0; u < dag->node_count; u++)
		put_edges_of(&b, dag, u, list, type_of);
	prov_strbuf_puts(&b, "}\n");
	free(list);
	free(type_of);
	*out = prov_strbuf_detach(&b, NULL);
	return *out ? PROV_OK : PROV_ENOMEM;
}
