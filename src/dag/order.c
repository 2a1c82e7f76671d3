/*
 * Topological order, levels and cycle paths.
 *
 * Kahn's algorithm with a ready set that yields the lowest index first, so
 * among the nodes that could come next the one added first always does.
 * When some nodes never become ready they sit on or behind a cycle; walking
 * from one of them along its still-waiting dependencies must come back to a
 * node already seen, and that loop is the cycle the error names.
 */
#include "dag/graph.h"
#include "dag/readyset.h"

#include "core/mem.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

/*
 * Place every node it can into order[] (may be NULL) and return how many.
 * waiting[] (node_count entries) ends with the unplaced nodes non-zero.
 */
static int walk(prov_dag *dag, uint32_t *order, uint32_t *waiting, uint32_t *placed)
{
	struct dag_readyset ready;
	uint32_t n = dag->node_count, count = 0, node;

	if (dag_readyset_init(&ready, n))
		return PROV_ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		waiting[i] = dag->nodes[i].dependency_count;
		if (!waiting[i])
			dag_readyset_insert(&ready, i);
	}
	while ((node = dag_readyset_pop_min(&ready)) != READYSET_NONE) {
		if (order)
			order[count] = node;
		count++;
		for (uint32_t k = dag->dependents_at[node]; k < dag->dependents_at[node + 1]; k++) {
			uint32_t d = dag_edge_dependent(dag->dependents[k]);

			if (--waiting[d] == 0)
				dag_readyset_insert(&ready, d);
		}
	}
	dag_readyset_release(&ready);
	*placed = count;
	return PROV_OK;
}

/*
 * For each unplaced node, its unplaced dependencies in the order added, as
 * offsets into one array (start has node_count + 1 entries).
 */
static int waiting_dependencies(const prov_dag *dag, const uint32_t *waiting,
				uint32_t **start_out, uint32_t **deps_out)
{
	uint32_t n = dag->node_count, begin = 0;
	uint32_t *start = prov_calloc((size_t)n + 1, sizeof(*start));
	uint32_t *deps = prov_malloc(((size_t)dag->edge_count + 1) * sizeof(*deps));

	if (!start || !deps) {
		free(start);
		free(deps);
		return PROV_ENOMEM;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t e = 0; e < dag->edge_count; e++) {
			uint32_t d = dag_edge_dependent(dag->edges[e].dependent);

			if (!waiting[d] || !waiting[dag->edges[e].depends_on])
				continue;
			if (pass == 0)
				start[d + 1]++;
			else
				deps[start[d + 1]++] = dag->edges[e].depends_on;
		}
		/* Counted: start[i + 1] becomes where node i's list begins, and
		 * is moved along while filling, ending where node i + 1's begins. */
		for (uint32_t i = 0; pass == 0 && i < n; i++) {
			uint32_t count = start[i + 1];

			start[i + 1] = begin;
			begin += count;
		}
	}
	*start_out = start;
	*deps_out = deps;
	return PROV_OK;
}

static int cycle_error(const prov_dag *dag, const uint32_t *path, uint32_t len)
{
	prov_strbuf msg = PROV_STRBUF_INIT;
	uint32_t first = 0;

	/* Start the loop at its earliest node, so the message is stable. */
	for (uint32_t i = 1; i < len; i++)
		if (path[i] < path[first])
			first = i;
	prov_strbuf_puts(&msg, "dependency cycle: ");
	for (uint32_t i = 0; i <= len; i++) {
		if (i)
			prov_strbuf_puts(&msg, " -> ");
		prov_strbuf_puts(&msg, dag->nodes[path[(first + i) % len]].id);
	}
	if (prov_strbuf_status(&msg)) {
		prov_strbuf_release(&msg);
		return prov_err_nomem();
	}
	prov_err_set(PROV_ECYCLE, PROV_ERRCAT_INVALID_ARGUMENT, "%s", msg.data);
	prov_err_context(PROV_ERR_OPERATION, dag->nodes[path[first]].id);
	prov_strbuf_release(&msg);
	return PROV_ECYCLE;
}

/* Follow first waiting dependencies from the earliest unplaced node: every
 * unplaced node has one, so the walk must come back to a node it saw. */
static int report_cycle(const prov_dag *dag, const uint32_t *waiting)
{
	uint32_t *start, *deps, *seen_at, *path;
	uint32_t node = 0, len = 0;
	int rc = waiting_dependencies(dag, waiting, &start, &deps);

	if (rc)
		return rc;
	seen_at = prov_malloc((size_t)dag->node_count * sizeof(*seen_at));
	path = prov_malloc((size_t)dag->node_count * sizeof(*path));
	if (!seen_at || !path) {
		rc = PROV_ENOMEM;
		goto out;
	}
	memset(seen_at, 0xff, (size_t)dag->node_count * sizeof(*seen_at));
	while (!waiting[node])
		node++;
	while (seen_at[node] == UINT32_MAX) {
		seen_at[node] = len;
		path[len++] = node;
		node = deps[start[node]];
	}
	rc = cycle_error(dag, path + seen_at[node], len - seen_at[node]);
out:
	free(start);
	free(deps);
	free(seen_at);
	free(path);
	return rc;
}

/* Order the graph into order[] (may be NULL), or name a cycle. */
static int order_or_cycle(prov_dag *dag, uint32_t *order)
{
	uint32_t *waiting;
	uint32_t placed;
	int rc = dag_resolve_deferred(dag);

	if (rc)
		return rc;
	if (dag->forward_edges == 0) {
		/* Every edge points back: insertion order is the order. */
		for (uint32_t i = 0; order && i < dag->node_count; i++)
			order[i] = i;
		return PROV_OK;
	}
	if (!order && dag->verified_acyclic)
		return PROV_OK;
	if ((rc = dag_index(dag)))
		return rc;
	waiting = prov_malloc(((size_t)dag->node_count + 1) * sizeof(*waiting));
	if (!waiting)
		return PROV_ENOMEM;
	rc = walk(dag, order, waiting, &placed);
	if (!rc && placed < dag->node_count)
		rc = report_cycle(dag, waiting);
	if (!rc)
		dag->verified_acyclic = true;
	free(waiting);
	return rc;
}

int dag_check_acyclic(prov_dag *dag)
{
	return order_or_cycle(dag, NULL);
}

int prov_dag_validate(prov_dag *dag)
{
	if (!dag)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "graph is NULL");
	return dag_check_acyclic(dag);
}

static int ordered(prov_dag *dag, uint32_t **order)
{
	int rc;

	*order = prov_malloc(((size_t)dag->node_count + 1) * sizeof(**order));
	if (!*order)
		return PROV_ENOMEM;
	rc = order_or_cycle(dag, *order);
	if (rc) {
		free(*order);
		*order = NULL;
	}
	return rc;
}

int prov_dag_topological_order(size_t *order, prov_dag *dag)
{
	uint32_t *o;
	int rc;

	if (!order || !dag)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "topological order: order or graph is NULL");
	if ((rc = ordered(dag, &o)))
		return rc;
	for (uint32_t i = 0; i < dag->node_count; i++)
		order[i] = o[i];
	free(o);
	return PROV_OK;
}

int prov_dag_levels(size_t *level_of_node, size_t *level_count, prov_dag *dag)
{
	uint32_t *o;
	size_t count = 0;
	int rc;

	if (!level_of_node || !dag)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "levels: output or graph is NULL");
	if ((rc = ordered(dag, &o)) || (rc = dag_index(dag))) {
		free(o);
		return rc;
	}
	for (uint32_t i = 0; i < dag->node_count; i++)
		level_of_node[i] = 0;
	/* In topological order a node's level is final when it is reached. */
	for (uint32_t i = 0; i < dag->node_count; i++) {
		uint32_t u = o[i];
		size_t next = level_of_node[u] + 1;

		if (next > count)
			count = next;
		for (uint32_t k = dag->dependents_at[u]; k < dag->dependents_at[u + 1]; k++) {
			uint32_t d = dag_edge_dependent(dag->dependents[k]);

			if (level_of_node[d] < next)
				level_of_node[d] = next;
		}
	}
	free(o);
	if (level_count)
		*level_count = count;
	return PROV_OK;
}
