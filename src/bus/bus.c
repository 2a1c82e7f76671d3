/*
 * The bus's lifetime, its node pool and the publishing path (see ring.h for
 * the layout and why subscribers never need a lock).
 */
#include "bus/ring.h"
#include "bus/futex.h"
#include "bus/payload.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/rfc3339.h"

#include <stdlib.h>
#include <string.h>

/* Heap buffers up to this size stay with a node when it is reused, so even
 * a steady stream of large events allocates nothing. */
#define NODE_HEAP_KEEP 4096

_Static_assert(sizeof(struct prov_event) == BUS_NODE_SIZE, "a node is BUS_NODE_SIZE bytes");
/* Nodes are allocated in chunks that double up to this many nodes. */
#define CHUNK_MAX_NODES 4096
#define CHUNK_MIN_NODES 16
/* How many events ahead a publisher prefetches the node it will replace. */
#define PREFETCH_DISTANCE 4

static size_t round_up_pow2(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* An older caller passes a smaller struct: its missing fields stay zero. */
static int copy_options(prov_bus_options *dst, const prov_bus_options *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src)
		return PROV_OK;
	if (src->size < offsetof(prov_bus_options, flags))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "bus options too small (use PROV_BUS_OPTIONS_INIT)");
	memcpy(dst, src, src->size < sizeof(*dst) ? src->size : sizeof(*dst));
	return PROV_OK;
}

int prov_bus_new(prov_bus **out, const prov_bus_options *options)
{
	prov_bus_options opts;
	size_t capacity;
	prov_bus *bus;
	int r;

	if (!out)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_bus_new: out is NULL");
	*out = NULL;
	if ((r = copy_options(&opts, options)) != PROV_OK)
		return r;
	capacity = opts.capacity ? opts.capacity : PROV_BUS_DEFAULT_CAPACITY;
	if (capacity > PROV_BUS_MAX_CAPACITY)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "bus capacity %zu exceeds the maximum of %u", capacity,
				    PROV_BUS_MAX_CAPACITY);
	capacity = round_up_pow2(capacity);
	bus = aligned_alloc(BUS_CACHE_LINE, sizeof(*bus));
	if (!bus)
		return prov_err_nomem();
	memset(bus, 0, sizeof(*bus));
	bus->slots = prov_calloc(capacity, sizeof(*bus->slots));
	if (!bus->slots) {
		free(bus);
		return PROV_ENOMEM;
	}
	bus->mask = capacity - 1;
	bus->flags = opts.flags;
	atomic_init(&bus->refs, 1);
	atomic_init(&bus->tail, 1);
	pthread_mutex_init(&bus->publish_lock, NULL);
	*out = bus;
	return PROV_OK;
}

size_t prov_bus_capacity(const prov_bus *bus)
{
	return (size_t)bus->mask + 1;
}

static void bus_destroy(prov_bus *bus)
{
	bus_chunk *chunk = bus->chunks;

	while (chunk) {
		bus_chunk *next = chunk->next;

		for (size_t i = 0; i < chunk->count; i++)
			free(chunk->nodes[i].heap);
		free(chunk);
		chunk = next;
	}
	pthread_mutex_destroy(&bus->publish_lock);
	free(bus->slots);
	free(bus);
}

void bus_ref(prov_bus *bus)
{
	atomic_fetch_add_explicit(&bus->refs, 1, memory_order_relaxed);
}

void bus_unref(prov_bus *bus)
{
	if (atomic_fetch_sub_explicit(&bus->refs, 1, memory_order_acq_rel) == 1)
		bus_destroy(bus);
}

void bus_wake_all(prov_bus *bus)
{
	atomic_fetch_add_explicit(&bus->wake_word, 1, memory_order_seq_cst);
	bus_futex_wake_all(&bus->wake_word);
}

void prov_bus_close(prov_bus *bus)
{
	if (!bus)
		return;
	/* Under the lock, so every publish either finished before the flag
	 * was set or sees it: a receiver that sees the flag and then an empty
	 * slot knows nothing more will come. */
	pthread_mutex_lock(&bus->publish_lock);
	atomic_store_explicit(&bus->closed, true, memory_order_release);
	pthread_mutex_unlock(&bus->publish_lock);
	bus_wake_all(bus);
}

void prov_bus_free(prov_bus *bus)
{
	if (!bus)
		return;
	prov_bus_close(bus);
	bus_unref(bus);
}

bool bus_event_ref_if_live(struct prov_event *ev)
{
	uint32_t refs = atomic_load_explicit(&ev->refs, memory_order_relaxed);

	do {
		if (refs == 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&ev->refs, &refs, refs + 1,
							memory_order_acquire,
							memory_order_relaxed));
	return true;
}

static void push_free_node(prov_bus *bus, struct prov_event *ev)
{
	struct prov_event *head = atomic_load_explicit(&bus->free_nodes, memory_order_relaxed);

	do
		atomic_store_explicit(&ev->next_free, head, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&bus->free_nodes, &head, ev,
						      memory_order_release,
						      memory_order_relaxed));
}

void bus_event_unref(prov_bus *bus, struct prov_event *ev)
{
	if (atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (ev->heap_cap > NODE_HEAP_KEEP) {
		free(ev->heap);
		ev->heap = NULL;
		ev->heap_cap = 0;
	}
	push_free_node(bus, ev);
}

/* Under publish_lock: the only thread popping, so a node on the stack
 * cannot leave and come back between the two loads (no ABA). */
static struct prov_event *pop_free_node(prov_bus *bus)
{
	struct prov_event *head = atomic_load_explicit(&bus->free_nodes, memory_order_acquire);

	while (head) {
		struct prov_event *next =
			atomic_load_explicit(&head->next_free, memory_order_relaxed);

		if (atomic_compare_exchange_weak_explicit(&bus->free_nodes, &head, next,
							  memory_order_acquire,
							  memory_order_acquire))
			return head;
	}
	return NULL;
}

/* Under publish_lock: the pool is empty, so add a chunk of nodes. */
static int grow_pool(prov_bus *bus)
{
	size_t count = bus->node_count;
	bus_chunk *chunk;

	if (count < CHUNK_MIN_NODES)
		count = CHUNK_MIN_NODES;
	if (count > CHUNK_MAX_NODES)
		count = CHUNK_MAX_NODES;
	chunk = aligned_alloc(BUS_CACHE_LINE,
			      sizeof(*chunk) + count * sizeof(struct prov_event));
	if (!chunk)
		return prov_err_nomem();
	memset(chunk, 0, sizeof(*chunk) + count * sizeof(struct prov_event));
	chunk->count = count;
	chunk->next = bus->chunks;
	bus->chunks = chunk;
	bus->node_count += count;
	for (size_t i = 0; i < count; i++)
		push_free_node(bus, &chunk->nodes[i]);
	return PROV_OK;
}

/* The calling thread's last timestamp: events come faster than the clock's
 * milliseconds, so most publishes reuse the formatted text. */
static _Thread_local int64_t cached_ms = -1;
static _Thread_local char cached_stamp[PROV_RFC3339_MAX];
static _Thread_local size_t cached_stamp_len;

static const char *current_stamp(size_t *len)
{
	int64_t now = prov_clock_realtime_ms();

	if (now != cached_ms) {
		cached_stamp_len = prov_rfc3339_format(now, true, cached_stamp);
		cached_ms = now;
	}
	*len = cached_stamp_len;
	return cached_stamp;
}

static char *put(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

static char *put_u64(char *p, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = digits[--n];
	return p;
}

#define LIT(p, s) put(p, s, sizeof(s) - 1)
#define ENVELOPE "{\"format_version\":1,\"type\":\"\",\"seq\":,\"timestamp\":\"\",}"

/* Where a node's strings go: its own room, or a heap buffer kept for reuse. */
static char *node_buffer(struct prov_event *ev, size_t need)
{
	char *heap;

	if (need <= sizeof(ev->local))
		return ev->local;
	if (need <= ev->heap_cap)
		return ev->heap;
	heap = realloc(ev->heap, need);
	if (!heap) {
		prov_err_nomem();
		return NULL;
	}
	ev->heap = heap;
	ev->heap_cap = need;
	return heap;
}

/* Write the event's JSON, then its type and timestamp, into its node. */
static int write_event(struct prov_event *ev, uint64_t seq, const char *type, size_t type_len,
		       const char *members, size_t members_len)
{
	size_t stamp_len;
	const char *stamp = current_stamp(&stamp_len);
	char *text = node_buffer(ev, sizeof(ENVELOPE) + 20 + members_len +
					     2 * (type_len + stamp_len + 1));
	char *p;

	if (!text)
		return PROV_ENOMEM;
	p = LIT(text, "{\"format_version\":1,\"type\":\"");
	p = put(p, type, type_len);
	p = LIT(p, "\",\"seq\":");
	p = put_u64(p, seq);
	p = LIT(p, ",\"timestamp\":\"");
	p = put(p, stamp, stamp_len);
	p = LIT(p, "\"");
	if (members_len) {
		p = LIT(p, ",");
		p = put(p, members, members_len);
	}
	p = LIT(p, "}");
	ev->text = text;
	ev->text_len = (size_t)(p - text);
	*p++ = '\0';
	p = put(p, type, type_len);
	*p++ = '\0';
	p = put(p, stamp, stamp_len);
	*p = '\0';
	ev->type_len = (uint32_t)type_len;
	atomic_store_explicit(&ev->seq, seq, memory_order_relaxed);
	return PROV_OK;
}

/* Under publish_lock: a free node holding the next event, or NULL. */
static struct prov_event *fill_node(prov_bus *bus, const char *type, size_t type_len,
				    const char *members, size_t members_len)
{
	struct prov_event *ev = pop_free_node(bus);
	uint64_t seq = atomic_load_explicit(&bus->tail, memory_order_relaxed);

	if (!ev && (grow_pool(bus) != PROV_OK || !(ev = pop_free_node(bus))))
		return NULL;
	if (write_event(ev, seq, type, type_len, members, members_len) != PROV_OK) {
		push_free_node(bus, ev);
		return NULL;
	}
	return ev;
}

/* A receiver about to sleep sets need_wake, then reads its slot; the
 * publisher swapped the slot, then reads need_wake. All four accesses are
 * sequentially consistent, so either the receiver sees the new event or the
 * publisher sees the flag: no wake-up is lost, and a publisher that finds
 * nobody asleep pays one load. */
static void wake_sleepers(prov_bus *bus)
{
	if (atomic_load_explicit(&bus->need_wake, memory_order_seq_cst) &&
	    atomic_exchange_explicit(&bus->need_wake, 0, memory_order_seq_cst))
		bus_wake_all(bus);
}

/* The node a publish a few events from now replaces has not been touched for
 * a whole lap of the ring and is likely out of cache; that publish drops its
 * reference, and the free list hands it back for the event after. Fetching
 * it now hides the memory latency behind the publishes in between. */
static void prefetch_next_victim(prov_bus *bus, uint64_t seq)
{
	struct prov_event *victim = atomic_load_explicit(
		&bus->slots[(seq + PREFETCH_DISTANCE) & bus->mask], memory_order_relaxed);

	if (!victim)
		return;
	for (size_t offset = 0; offset < sizeof(*victim); offset += BUS_CACHE_LINE)
		__builtin_prefetch((const char *)victim + offset, 1);
}

int bus_publish_members(uint64_t *seq, prov_bus *bus, const char *type, size_t type_len,
			const char *members, size_t members_len)
{
	struct prov_event *ev, *old;
	uint64_t ev_seq;

	pthread_mutex_lock(&bus->publish_lock);
	if (atomic_load_explicit(&bus->closed, memory_order_relaxed)) {
		pthread_mutex_unlock(&bus->publish_lock);
		return prov_err_set(PROV_ECLOSED, PROV_ERRCAT_INVALID_ARGUMENT,
				    "cannot publish %s: the bus is closed", type);
	}
	ev = fill_node(bus, type, type_len, members, members_len);
	if (!ev) {
		pthread_mutex_unlock(&bus->publish_lock);
		return PROV_ENOMEM;
	}
	ev_seq = atomic_load_explicit(&ev->seq, memory_order_relaxed);
	/* The slot's reference; release publishes the node's contents to a
	 * receiver whose ref_if_live reads this count. */
	atomic_store_explicit(&ev->refs, 1, memory_order_release);
	/* Sequentially consistent: pairs with a sleeping receiver (wake_sleepers). */
	old = atomic_exchange_explicit(&bus->slots[ev_seq & bus->mask], ev, memory_order_seq_cst);
	atomic_store_explicit(&bus->tail, ev_seq + 1, memory_order_release);
	prefetch_next_victim(bus, ev_seq);
	pthread_mutex_unlock(&bus->publish_lock);
	if (old)
		bus_event_unref(bus, old);
	wake_sleepers(bus);
	if (seq)
		*seq = ev_seq;
	return PROV_OK;
}

int prov_bus_publish(uint64_t *seq, prov_bus *bus, const char *type, const char *payload_json)
{
	const char *members;
	size_t type_len, members_len;
	char *owned;
	int r;

	if (!bus)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_bus_publish: bus is NULL");
	if ((r = bus_check_type(type, &type_len)) != PROV_OK)
		return r;
	r = bus_payload_members(payload_json, bus->flags & PROV_BUS_TRUSTED_PAYLOADS,
				&members, &members_len, &owned);
	if (r == PROV_OK)
		r = bus_publish_members(seq, bus, type, type_len, members, members_len);
	free(owned);
	return r;
}

const char *prov_event_type(const prov_event *event)
{
	return bus_event_type(event);
}

uint64_t prov_event_seq(const prov_event *event)
{
	return atomic_load_explicit(&event->seq, memory_order_relaxed);
}

const char *prov_event_timestamp(const prov_event *event)
{
	return bus_event_type(event) + event->type_len + 1;
}

const char *prov_event_json(const prov_event *event, size_t *len)
{
	if (len)
		*len = event->text_len;
	return event->text;
}
