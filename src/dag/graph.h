/*
 * The graph behind <provisioning/dag.h>, shared by the files of src/dag.
 *
 * Nodes live in one array in insertion order; their ids are copied into an
 * arena and found through an open-addressing table. Adding a dependency
 * appends to one edge array; before a walk over the graph the edges are
 * grouped by the node they depend on (one counting sort, kept until the
 * graph changes), so a walk reads each node's dependents from consecutive
 * memory instead of chasing pointers. While every dependency points to an
 * earlier node, insertion order is a topological order and the graph cannot
 * have a cycle: the common case needs no check at all.
 */
#ifndef PROV_DAG_GRAPH_H
#define PROV_DAG_GRAPH_H

#include <provisioning/dag.h>

#include "core/err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define DAG_NO_NODE UINT32_MAX
/* Edges pack the dependent's index with the dependency type in two bits. */
#define DAG_MAX_NODES (UINT32_C(1) << 30)
#define DAG_EDGE_TYPE_BITS 2
/* A run counts a node's unfinished dependencies in 31 bits. */
#define DAG_MAX_DEPENDENCIES ((UINT32_C(1) << 31) - 2)

struct dag_retry {
	unsigned int max_attempts;
	int backoff;
	int64_t initial_delay_ms;
	int64_t max_delay_ms;
	bool jitter;
};

/* A node's own settings; "inherit" values defer to the run's options. */
struct dag_policy {
	bool has_retry;
	struct dag_retry retry;
	int64_t timeout_ms;   /* 0: the run's; < 0: none */
	int on_failure;       /* PROV_DAG_ON_FAILURE_DEFAULT: the run's */
};

/* 48 bytes: a run of a big graph reads every node once, so size matters. */
struct dag_node {
	const char *id;             /* NUL-terminated, in the arena */
	prov_dag_task_fn task;
	void *userdata;
	struct dag_policy *policy;  /* NULL: the run's settings */
	uint32_t id_len;
	uint32_t hash;
	uint32_t dependent_count;   /* edges out of this node (duplicates counted) */
	uint32_t dependency_count;  /* edges into this node */
};

struct dag_edge {
	uint32_t dependent;         /* index << DAG_EDGE_TYPE_BITS | type */
	uint32_t depends_on;
};

/* An optional dependency on an id no node has yet. */
struct dag_deferred {
	uint32_t node;
	const char *depends_on;     /* in the arena */
};

struct dag_arena_block;

struct dag_id_table {
	uint64_t *slots;            /* hash << 32 | (index + 1); 0 is empty */
	uint32_t mask;
};

/* What the last run left for each node. */
struct dag_result {
	int64_t time_ns;            /* when it started; once finished, how long it took */
	uint32_t attempts;
	uint8_t state;
};

/* A node's last failed attempt. Kept apart from dag_result: failures are
 * rare, so this array's pages are mostly never touched. */
struct dag_failure {
	prov_err_saved *error;      /* what the task recorded */
	int code;                   /* what it returned; PROV_OK: no failure */
};

struct prov_dag {
	struct dag_node *nodes;
	uint32_t node_count, node_cap;
	struct dag_edge *edges;
	uint32_t edge_count, edge_cap;
	struct dag_deferred *deferred;
	uint32_t deferred_count, deferred_cap;
	uint32_t forward_edges;     /* edges to a node added later than the dependent */
	uint32_t last_node;         /* the node last added or given dependencies */
	bool verified_acyclic;      /* a check passed and no edge came since */
	/* The dependents of node i, packed like dag_edge.dependent and in the
	 * order added, are dependents[dependents_at[i] .. dependents_at[i + 1]). */
	uint32_t *dependents_at;
	uint32_t *dependents;
	bool indexed;               /* the two arrays above match the edges */
	struct dag_id_table ids;
	struct dag_arena_block *arena;
	uint8_t *precompleted;      /* per node, NULL until one is marked completed */
	uint32_t precompleted_len;
	struct dag_result *results; /* result_count entries after a run, else NULL */
	struct dag_failure *failures;
	uint32_t result_count;
	bool any_failure;           /* some entry of failures is set */
	/* Cancellation reaches a run through these, from any thread. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	atomic_int cancel_requested;
	atomic_int running;
};

static inline uint32_t dag_edge_dependent(uint32_t packed)
{
	return packed >> DAG_EDGE_TYPE_BITS;
}

static inline int dag_edge_type(uint32_t packed)
{
	return (int)(packed & ((1u << DAG_EDGE_TYPE_BITS) - 1));
}

/* Group the edges by dependency (see dependents_at) unless already done. */
int dag_index(prov_dag *dag);

static inline bool dag_precompleted(const prov_dag *dag, uint32_t node)
{
	return node < dag->precompleted_len && dag->precompleted[node];
}

/* Index of the node called id (len bytes), or DAG_NO_NODE. */
uint32_t dag_lookup(const prov_dag *dag, const char *id, size_t len);

/* Turn optional dependencies on ids that now exist into edges. */
int dag_resolve_deferred(prov_dag *dag);

/* Check for cycles unless known acyclic; PROV_ECYCLE names one. */
int dag_check_acyclic(prov_dag *dag);

/* Copy a caller's retry policy, checking it; id names the node (NULL: the run). */
int dag_copy_retry(struct dag_retry *dst, const prov_dag_retry_policy *src, const char *id);

/* Forget the last run's report, or only its failures. */
void dag_free_results(prov_dag *dag);
void dag_clear_failures(prov_dag *dag);

/* Record the error about an unknown node id. */
int dag_err_unknown(const char *id);

#endif
