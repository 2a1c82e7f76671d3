/*
 * Building a graph: nodes, ids, dependencies, per-node options.
 *
 * Building is on the hot path of a workflow with many small steps, so it
 * allocates in bulk: ids go into an arena, nodes and edges into growing
 * arrays, and an id is found with one hash and, almost always, one probe.
 */
#include "dag/graph.h"

#include "core/mem.h"
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_BLOCK (64u << 10)
#define ARENA_MAX_BLOCK (4u << 20)
#define TABLE_MIN_SLOTS 64

struct dag_arena_block {
	struct dag_arena_block *prev;
	size_t used, cap;
	max_align_t data[];
};

/* align: a power of two up to sizeof(max_align_t); ids need none. */
static void *arena_alloc(prov_dag *dag, size_t size, size_t align)
{
	struct dag_arena_block *b = dag->arena;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;

	if (!b || at > b->cap || b->cap - at < size) {
		size_t cap = b ? b->cap * 2 : ARENA_MIN_BLOCK;

		if (cap > ARENA_MAX_BLOCK)
			cap = ARENA_MAX_BLOCK;
		if (cap < size)
			cap = size;
		b = prov_malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->prev = dag->arena;
		b->cap = cap;
		dag->arena = b;
		at = 0;
	}
	b->used = at + size;
	return (char *)b->data + at;
}

static void arena_free(struct dag_arena_block *b)
{
	while (b) {
		struct dag_arena_block *prev = b->prev;

		free(b);
		b = prev;
	}
}

static char *arena_strdup(prov_dag *dag, const char *s, size_t len)
{
	char *copy = arena_alloc(dag, len + 1, 1);

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* A 64-bit multiply-xorshift over 8-byte words: ids are short, so the
 * per-call cost matters more than the quality on long inputs. */
static uint32_t hash_id(const char *s, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	uint64_t h = len * k;
	uint64_t w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (len) {
		w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * k;
	}
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 31;
	return (uint32_t)h;
}

static uint32_t table_find(const prov_dag *dag, const char *id, size_t len, uint32_t hash)
{
	const struct dag_id_table *t = &dag->ids;

	if (!t->slots)
		return DAG_NO_NODE;
	for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		uint64_t slot = t->slots[i];

		if (!slot)
			return DAG_NO_NODE;
		if ((uint32_t)(slot >> 32) == hash) {
			const struct dag_node *n = &dag->nodes[(uint32_t)slot - 1];

			if (n->id_len == len && memcmp(n->id, id, len) == 0)
				return (uint32_t)slot - 1;
		}
	}
}

static void table_put(struct dag_id_table *t, uint32_t hash, uint32_t index)
{
	uint32_t i = hash & t->mask;

	while (t->slots[i])
		i = (i + 1) & t->mask;
	t->slots[i] = (uint64_t)hash << 32 | (index + 1);
}

/* Keep the table at most half full. */
static int table_reserve(prov_dag *dag, uint32_t count)
{
	struct dag_id_table grown;
	size_t slots = dag->ids.slots ? (size_t)dag->ids.mask + 1 : 0;

	if ((size_t)count * 2 <= slots)
		return PROV_OK;
	slots = slots ? slots * 2 : TABLE_MIN_SLOTS;
	grown.slots = prov_calloc(slots, sizeof(*grown.slots));
	if (!grown.slots)
		return PROV_ENOMEM;
	grown.mask = (uint32_t)(slots - 1);
	for (uint32_t i = 0; i < dag->node_count; i++)
		table_put(&grown, dag->nodes[i].hash, i);
	free(dag->ids.slots);
	dag->ids = grown;
	return PROV_OK;
}

uint32_t dag_lookup(const prov_dag *dag, const char *id, size_t len)
{
	return table_find(dag, id, len, hash_id(id, len));
}

static uint32_t lookup_cstr(const prov_dag *dag, const char *id)
{
	return dag_lookup(dag, id, strlen(id));
}

int dag_err_unknown(const char *id)
{
	prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_INVALID_ARGUMENT, "unknown node '%s'", id);
	prov_err_context(PROV_ERR_OPERATION, id);
	return PROV_ENOTFOUND;
}

/* Ids appear in messages, DOT files and event documents: printable UTF-8. */
static bool valid_id(const char *id, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)id[i];

		if (c >= 0x80) {
			size_t n = prov_utf8_sequence(id + i, len - i);

			if (n == 0)
				return false;
			i += n;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return false;
		i++;
	}
	return true;
}

static int refuse_while_running(const prov_dag *dag, const char *what)
{
	if (!atomic_load_explicit(&dag->running, memory_order_relaxed))
		return PROV_OK;
	return prov_err_set(PROV_EBUSY, PROV_ERRCAT_INVALID_ARGUMENT,
			    "cannot %s while the graph runs", what);
}

int dag_index(prov_dag *dag)
{
	uint32_t *at, *dependents, start = 0;

	if (dag->indexed)
		return PROV_OK;
	free(dag->dependents_at);
	free(dag->dependents);
	dag->dependents_at = at = prov_malloc(((size_t)dag->node_count + 1) * sizeof(*at));
	dag->dependents = dependents = prov_malloc(((size_t)dag->edge_count + 1) * sizeof(*dependents));
	if (!at || !dependents)
		return PROV_ENOMEM;
	/* at[i + 1] starts as where node i's dependents begin and is moved
	 * along as they are placed, ending where node i + 1's begin. */
	at[0] = 0;
	for (uint32_t i = 0; i < dag->node_count; i++) {
		at[i + 1] = start;
		start += dag->nodes[i].dependent_count;
	}
	for (uint32_t e = 0; e < dag->edge_count; e++)
		dependents[at[dag->edges[e].depends_on + 1]++] = dag->edges[e].dependent;
	dag->indexed = true;
	return PROV_OK;
}

int prov_dag_new(prov_dag **out)
{
	prov_dag *dag;
	pthread_condattr_t attr;

	if (!out)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "out is NULL");
	*out = NULL;
	dag = prov_calloc(1, sizeof(*dag));
	if (!dag)
		return PROV_ENOMEM;
	/* Retry delays are waited for on the monotonic clock, like deadlines. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_mutex_init(&dag->lock, NULL) != 0) {
		pthread_condattr_destroy(&attr);
		free(dag);
		return prov_err_nomem();
	}
	if (pthread_cond_init(&dag->wake, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		pthread_mutex_destroy(&dag->lock);
		free(dag);
		return prov_err_nomem();
	}
	pthread_condattr_destroy(&attr);
	*out = dag;
	return PROV_OK;
}

void dag_clear_failures(prov_dag *dag)
{
	if (!dag->any_failure)
		return;
	for (uint32_t i = 0; i < dag->result_count; i++)
		prov_err_saved_free(dag->failures[i].error);
	memset(dag->failures, 0, dag->result_count * sizeof(*dag->failures));
	dag->any_failure = false;
}

void dag_free_results(prov_dag *dag)
{
	dag_clear_failures(dag);
	free(dag->results);
	free(dag->failures);
	dag->results = NULL;
	dag->failures = NULL;
	dag->result_count = 0;
}

void prov_dag_free(prov_dag *dag)
{
	if (!dag)
		return;
	dag_free_results(dag);
	free(dag->nodes);
	free(dag->edges);
	free(dag->dependents_at);
	free(dag->dependents);
	free(dag->deferred);
	free(dag->precompleted);
	free(dag->ids.slots);
	arena_free(dag->arena);
	pthread_cond_destroy(&dag->wake);
	pthread_mutex_destroy(&dag->lock);
	free(dag);
}

/* Double *cap until it holds one more element. */
static int grow_array(void *array, uint32_t count, uint32_t *cap, size_t elem)
{
	uint32_t want;

	if (count < *cap)
		return PROV_OK;
	want = *cap ? *cap * 2 : 64;
	if (want < *cap)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT, "graph too large");
	if (prov_grow(array, want, elem))
		return PROV_ENOMEM;
	*cap = want;
	return PROV_OK;
}

int prov_dag_add_node(prov_dag *dag, const char *id, prov_dag_task_fn task, void *userdata)
{
	struct dag_node *n;
	size_t len;
	uint32_t hash;
	int rc;

	if (!dag || !id)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "add node: graph or id is NULL");
	if ((rc = refuse_while_running(dag, "add a node")))
		return rc;
	len = strlen(id);
	if (!valid_id(id, len))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "invalid node id '%s': it must be non-empty UTF-8 without control characters",
				    id);
	hash = hash_id(id, len);
	if (table_find(dag, id, len, hash) != DAG_NO_NODE) {
		prov_err_set(PROV_EEXISTS, PROV_ERRCAT_INVALID_ARGUMENT, "duplicate node id '%s'", id);
		prov_err_context(PROV_ERR_OPERATION, id);
		return PROV_EEXISTS;
	}
	if (dag->node_count == DAG_MAX_NODES || len > UINT32_MAX)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "cannot add node '%s': too many nodes or too long an id", id);
	if ((rc = grow_array(&dag->nodes, dag->node_count, &dag->node_cap, sizeof(*n))) ||
	    (rc = table_reserve(dag, dag->node_count + 1)))
		return rc;
	n = &dag->nodes[dag->node_count];
	n->id = arena_strdup(dag, id, len);
	if (!n->id)
		return PROV_ENOMEM;
	n->id_len = (uint32_t)len;
	n->hash = hash;
	n->task = task;
	n->userdata = userdata;
	n->policy = NULL;
	n->dependent_count = 0;
	n->dependency_count = 0;
	table_put(&dag->ids, hash, dag->node_count);
	dag->last_node = dag->node_count++;
	dag->indexed = false;
	return PROV_OK;
}

static int add_edge(prov_dag *dag, uint32_t node, uint32_t depends_on, int type)
{
	struct dag_edge *e;
	int rc;

	if (dag->edge_count == UINT32_MAX ||
	    dag->nodes[node].dependency_count == DAG_MAX_DEPENDENCIES)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT, "too many dependencies");
	if ((rc = grow_array(&dag->edges, dag->edge_count, &dag->edge_cap, sizeof(*e))))
		return rc;
	e = &dag->edges[dag->edge_count];
	e->dependent = node << DAG_EDGE_TYPE_BITS | (uint32_t)type;
	e->depends_on = depends_on;
	dag->edge_count++;
	dag->nodes[depends_on].dependent_count++;
	dag->nodes[node].dependency_count++;
	if (depends_on > node)
		dag->forward_edges++;
	dag->verified_acyclic = false;
	dag->indexed = false;
	return PROV_OK;
}

static int defer_optional(prov_dag *dag, uint32_t node, const char *depends_on)
{
	struct dag_deferred *d;
	int rc = grow_array(&dag->deferred, dag->deferred_count, &dag->deferred_cap, sizeof(*d));

	if (rc)
		return rc;
	d = &dag->deferred[dag->deferred_count];
	d->node = node;
	d->depends_on = arena_strdup(dag, depends_on, strlen(depends_on));
	if (!d->depends_on)
		return PROV_ENOMEM;
	dag->deferred_count++;
	return PROV_OK;
}

/*
 * Dependencies usually come in runs for one node, right after it was added:
 * comparing with that node's id saves most lookups of the dependent.
 */
static uint32_t dependent_index(prov_dag *dag, const char *id)
{
	uint32_t last = dag->last_node;

	if (last < dag->node_count && strcmp(dag->nodes[last].id, id) == 0)
		return last;
	last = lookup_cstr(dag, id);
	if (last != DAG_NO_NODE)
		dag->last_node = last;
	return last;
}

int prov_dag_add_dependency(prov_dag *dag, const char *node, const char *depends_on, int type)
{
	uint32_t from, to;
	int rc;

	if (!dag || !node || !depends_on)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "add dependency: graph or id is NULL");
	if (type < PROV_DAG_HARD || type > PROV_DAG_OPTIONAL)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "dependency of '%s' on '%s': unknown type %d", node, depends_on, type);
	if ((rc = refuse_while_running(dag, "add a dependency")))
		return rc;
	from = dependent_index(dag, node);
	if (from == DAG_NO_NODE)
		return dag_err_unknown(node);
	to = lookup_cstr(dag, depends_on);
	if (to == DAG_NO_NODE) {
		if (type == PROV_DAG_OPTIONAL)
			return defer_optional(dag, from, depends_on);
		prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_INVALID_ARGUMENT,
			     "node '%s' depends on unknown node '%s'", node, depends_on);
		prov_err_context(PROV_ERR_OPERATION, node);
		return PROV_ENOTFOUND;
	}
	if (from == to) {
		prov_err_set(PROV_ECYCLE, PROV_ERRCAT_INVALID_ARGUMENT,
			     "dependency cycle: %s -> %s", node, node);
		prov_err_context(PROV_ERR_OPERATION, node);
		return PROV_ECYCLE;
	}
	return add_edge(dag, from, to, type);
}

int dag_resolve_deferred(prov_dag *dag)
{
	uint32_t kept = 0;
	int rc = PROV_OK;

	for (uint32_t i = 0; i < dag->deferred_count; i++) {
		struct dag_deferred d = dag->deferred[i];
		uint32_t to = rc ? DAG_NO_NODE : lookup_cstr(dag, d.depends_on);

		/* A node added later under the dependent's own id cannot exist:
		 * ids are unique, and the dependent existed first. */
		if (to == DAG_NO_NODE || (rc = add_edge(dag, d.node, to, PROV_DAG_OPTIONAL)))
			dag->deferred[kept++] = d;
	}
	dag->deferred_count = kept;
	return rc;
}

int dag_copy_retry(struct dag_retry *dst, const prov_dag_retry_policy *src, const char *id)
{
	prov_dag_retry_policy p = PROV_DAG_RETRY_POLICY_INIT;
	const char *owner = id ? "node '" : "run options";

	if (!id)
		id = "";
	if (src->size < offsetof(prov_dag_retry_policy, initial_delay_ms))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s%s%s: retry policy too small (use PROV_DAG_RETRY_POLICY_INIT)",
				    owner, id, *id ? "'" : "");
	memcpy(&p, src, src->size < sizeof(p) ? src->size : sizeof(p));
	if (p.backoff < PROV_DAG_BACKOFF_NONE || p.backoff > PROV_DAG_BACKOFF_EXPONENTIAL ||
	    p.initial_delay_ms < 0)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s%s%s: invalid retry policy (backoff %d, initial delay %lld ms)",
				    owner, id, *id ? "'" : "", p.backoff, p.initial_delay_ms);
	dst->max_attempts = p.max_attempts ? p.max_attempts : 1;
	dst->backoff = p.backoff;
	dst->initial_delay_ms = p.initial_delay_ms;
	dst->max_delay_ms = p.max_delay_ms;
	dst->jitter = p.jitter != 0;
	return PROV_OK;
}

int prov_dag_set_node_options(prov_dag *dag, const char *id, const prov_dag_node_options *options)
{
	prov_dag_node_options o = PROV_DAG_NODE_OPTIONS_INIT;
	struct dag_policy policy = { 0 };
	struct dag_node *n;
	uint32_t index;
	int rc;

	if (!dag || !id || !options || options->size < offsetof(prov_dag_node_options, timeout_ms))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "node options missing or too small (use PROV_DAG_NODE_OPTIONS_INIT)");
	if ((rc = refuse_while_running(dag, "change node options")))
		return rc;
	index = lookup_cstr(dag, id);
	if (index == DAG_NO_NODE)
		return dag_err_unknown(id);
	memcpy(&o, options, options->size < sizeof(o) ? options->size : sizeof(o));
	if (o.on_failure < PROV_DAG_ON_FAILURE_DEFAULT || o.on_failure > PROV_DAG_ON_FAILURE_CONTINUE)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "node '%s': unknown failure policy %d", id, o.on_failure);
	if (o.retry && (rc = dag_copy_retry(&policy.retry, o.retry, id)))
		return rc;
	policy.has_retry = o.retry != NULL;
	policy.timeout_ms = o.timeout_ms;
	policy.on_failure = o.on_failure;
	n = &dag->nodes[index];
	if (!n->policy && !(n->policy = arena_alloc(dag, sizeof(*n->policy), _Alignof(struct dag_policy))))
		return PROV_ENOMEM;
	*n->policy = policy;
	return PROV_OK;
}

int prov_dag_mark_completed(prov_dag *dag, const char *id)
{
	uint32_t index;
	int rc;

	if (!dag || !id)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "mark completed: graph or id is NULL");
	if ((rc = refuse_while_running(dag, "mark a node completed")))
		return rc;
	index = lookup_cstr(dag, id);
	if (index == DAG_NO_NODE)
		return dag_err_unknown(id);
	if (index >= dag->precompleted_len) {
		if (prov_grow(&dag->precompleted, dag->node_cap, 1))
			return PROV_ENOMEM;
		memset(dag->precompleted + dag->precompleted_len, 0,
		       dag->node_cap - dag->precompleted_len);
		dag->precompleted_len = dag->node_cap;
	}
	dag->precompleted[index] = 1;
	return PROV_OK;
}

size_t prov_dag_node_count(const prov_dag *dag)
{
	return dag ? dag->node_count : 0;
}

const char *prov_dag_node_id(const prov_dag *dag, size_t index)
{
	return dag && index < dag->node_count ? dag->nodes[index].id : NULL;
}

int prov_dag_find_node(size_t *index, const prov_dag *dag, const char *id)
{
	uint32_t found;

	if (!index || !dag || !id)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "find node: index, graph or id is NULL");
	found = lookup_cstr(dag, id);
	if (found == DAG_NO_NODE)
		return dag_err_unknown(id);
	*index = found;
	return PROV_OK;
}
