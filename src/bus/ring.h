/*
 * The bus's shared state: a ring of slots, each pointing at an event node.
 *
 * Publishers serialise on `publish_lock`, which no subscriber ever takes: a
 * publisher fills a node, swaps it into its slot and drops the ring's
 * reference to the node it replaced. Subscribers read slots without a lock:
 * they take a reference on the node the slot points at (only if the node is
 * still alive), then check that the slot still points at it. Nodes live in
 * chunks that stay allocated until the bus goes, and a node whose last
 * reference is dropped returns to a free list, so a subscriber holding a
 * stale pointer touches a node, never freed memory.
 */
#ifndef PROV_BUS_RING_H
#define PROV_BUS_RING_H

#include <provisioning/bus.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_CACHE_LINE 64
/* A node is its header line and room for a typical event's strings, so
 * publishing one writes a few adjacent lines and allocates nothing. */
#define BUS_NODE_SIZE 320

struct prov_event {
	/* References: the slot's, each subscriber's current event, and brief
	 * ones taken while reading a slot. Zero means the node is free. */
	_Alignas(BUS_CACHE_LINE) _Atomic uint32_t refs;
	uint32_t type_len;
	/* Atomic because a waiting receiver peeks at it without a reference. */
	_Atomic uint64_t seq;
	_Atomic(struct prov_event *) next_free;
	/* The JSON, the type and the timestamp, each NUL-terminated, one after
	 * the other: in `local` when they fit, else in `heap`. */
	char *text;
	size_t text_len;
	char *heap;
	size_t heap_cap;        /* kept across reuse up to NODE_HEAP_KEEP */
	char local[BUS_NODE_SIZE - 56];  /* the rest of the node after 56 bytes of header */
};

typedef struct bus_chunk {
	struct bus_chunk *next;
	size_t count;
	struct prov_event nodes[];
} bus_chunk;

struct prov_bus {
	/* Read by everyone, written once. */
	_Atomic(struct prov_event *) *slots;
	uint64_t mask;
	unsigned int flags;
	_Atomic bool closed;
	_Atomic uint32_t refs;  /* the bus handle and each subscriber */

	/* Publishers' side; subscribers read the tail only when they
	 * subscribe or lag. */
	_Alignas(BUS_CACHE_LINE) pthread_mutex_t publish_lock;
	bus_chunk *chunks;
	size_t node_count;
	_Atomic uint64_t tail;  /* the next sequence number */

	/* Nodes whose last reference went; pushed by any thread, popped only
	 * under publish_lock, which is what keeps the stack free of ABA. */
	_Alignas(BUS_CACHE_LINE) _Atomic(struct prov_event *) free_nodes;

	/* Sleeping receivers: set need_wake, then wait on wake_word; a
	 * publisher that sees need_wake bumps wake_word and wakes them. */
	_Alignas(BUS_CACHE_LINE) _Atomic uint32_t need_wake;
	_Atomic uint32_t wake_word;
};

/* Take a reference on a node unless it is free; false when it was free. */
bool bus_event_ref_if_live(struct prov_event *ev);
/* Drop a reference; the last one returns the node to the free list. */
void bus_event_unref(prov_bus *bus, struct prov_event *ev);

/* The type, stored after the JSON text. */
static inline const char *bus_event_type(const struct prov_event *ev)
{
	return ev->text + ev->text_len + 1;
}

/* Keep the shared state alive for a subscriber; drop it (the last frees). */
void bus_ref(prov_bus *bus);
void bus_unref(prov_bus *bus);

/* Wake every receiver sleeping on the bus (close, unsubscribe). */
void bus_wake_all(prov_bus *bus);

/*
 * Publish an event whose members (without braces) are `members`, already
 * checked. `type` is a valid type name of `type_len` bytes.
 */
int bus_publish_members(uint64_t *seq, prov_bus *bus, const char *type, size_t type_len,
			const char *members, size_t members_len);

#endif
