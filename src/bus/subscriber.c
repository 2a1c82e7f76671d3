/*
 * Subscribers: a cursor into the ring, read without locks (ring.h), and a
 * futex sleep for receivers that wait.
 */
#include "bus/subscriber.h"
#include "bus/futex.h"
#include "bus/payload.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* Before a receiver sleeps it polls its slot, yielding the processor
 * between polls. Under a steady stream the next event is a few hundred
 * nanoseconds away: far cheaper to wait for than a futex sleep and the
 * publisher's wake-up call. Yielding rather than spinning leaves the core to
 * the publisher and to subscribers that are behind, which matters when
 * threads outnumber cores. An idle receiver sleeps after some tens of
 * microseconds. */
#define YIELD_POLLS 64

static int copy_filters(prov_bus_subscriber *sub, const char *const *types)
{
	size_t count = 0, len;
	int r;

	if (!types)
		return PROV_OK;
	while (types[count])
		count++;
	if (count == 0)
		return PROV_OK;
	sub->filters = prov_calloc(count, sizeof(*sub->filters));
	if (!sub->filters)
		return PROV_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if ((r = bus_check_type(types[i], &len)) != PROV_OK) {
			prov_err_prefix("subscription filter: ");
			return r;
		}
		memcpy(sub->filters[i].name, types[i], len);
		sub->filters[i].len = len;
	}
	sub->filter_count = count;
	return PROV_OK;
}

int bus_subscriber_new(prov_bus_subscriber **out, prov_bus *bus,
		       const prov_bus_subscribe_options *options)
{
	prov_bus_subscriber *sub;
	int r;

	if (!out || !bus)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_bus_subscribe: %s is NULL", out ? "bus" : "out");
	*out = NULL;
	if (options && options->size < offsetof(prov_bus_subscribe_options, types) +
					sizeof(options->types))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "subscribe options too small (use PROV_BUS_SUBSCRIBE_OPTIONS_INIT)");
	if (atomic_load_explicit(&bus->closed, memory_order_acquire))
		return prov_err_set(PROV_ECLOSED, PROV_ERRCAT_INVALID_ARGUMENT,
				    "cannot subscribe: the bus is closed");
	/* A line of its own: receivers on different cores write their
	 * cursors on every event. */
	sub = aligned_alloc(BUS_CACHE_LINE, sizeof(*sub));
	if (!sub)
		return prov_err_nomem();
	memset(sub, 0, sizeof(*sub));
	if ((r = copy_filters(sub, options ? options->types : NULL)) != PROV_OK) {
		free(sub->filters);
		free(sub);
		return r;
	}
	bus_ref(bus);
	sub->bus = bus;
	sub->cursor = atomic_load_explicit(&bus->tail, memory_order_acquire);
	*out = sub;
	return PROV_OK;
}

int prov_bus_subscribe(prov_bus_subscriber **out, prov_bus *bus,
		       const prov_bus_subscribe_options *options)
{
	return bus_subscriber_new(out, bus, options);
}

void bus_subscriber_free(prov_bus_subscriber *sub)
{
	if (sub->current)
		bus_event_unref(sub->bus, sub->current);
	bus_unref(sub->bus);
	free(sub->filters);
	free(sub);
}

void prov_bus_unsubscribe(prov_bus_subscriber *subscriber)
{
	if (!subscriber)
		return;
	if (subscriber->callback)
		bus_dispatch_stop(subscriber);
	else
		bus_subscriber_free(subscriber);
}

static bool filter_accepts(const prov_bus_subscriber *sub, const struct prov_event *ev)
{
	if (sub->filter_count == 0)
		return true;
	for (size_t i = 0; i < sub->filter_count; i++)
		if (sub->filters[i].len == ev->type_len &&
		    memcmp(sub->filters[i].name, bus_event_type(ev), ev->type_len) == 0)
			return true;
	return false;
}

/* The node at seq is gone: resume from the oldest event the ring retains.
 * The tail may lag the node just read, so the larger of the two counts. */
static int skip_lagged(prov_bus_subscriber *sub, uint64_t seen_seq, uint64_t *missed)
{
	uint64_t tail = atomic_load_explicit(&sub->bus->tail, memory_order_acquire);
	uint64_t oldest;

	if (tail < seen_seq + 1)
		tail = seen_seq + 1;
	oldest = tail - (sub->bus->mask + 1);
	if (missed)
		*missed = oldest - sub->cursor;
	sub->cursor = oldest;
	return PROV_ELAGGED;
}

/* Take a reference on the node in the slot, if the slot keeps it meanwhile. */
static struct prov_event *ref_slot(prov_bus *bus, _Atomic(struct prov_event *) *slot)
{
	for (;;) {
		struct prov_event *ev = atomic_load_explicit(slot, memory_order_acquire);

		if (!ev)
			return NULL;
		if (!bus_event_ref_if_live(ev))
			continue; /* recycled: the slot already points elsewhere */
		if (atomic_load_explicit(slot, memory_order_acquire) == ev)
			return ev;
		bus_event_unref(bus, ev);
	}
}

/* Read the ring once: PROV_OK with sub->current, PROV_EAGAIN or PROV_ELAGGED. */
static int take_next(prov_bus_subscriber *sub, uint64_t *missed)
{
	prov_bus *bus = sub->bus;

	for (;;) {
		struct prov_event *ev = ref_slot(bus, &bus->slots[sub->cursor & bus->mask]);
		uint64_t seq;
		int r;

		if (!ev)
			return PROV_EAGAIN;
		seq = atomic_load_explicit(&ev->seq, memory_order_relaxed);
		if (seq != sub->cursor) {
			r = seq < sub->cursor ? PROV_EAGAIN : skip_lagged(sub, seq, missed);
			bus_event_unref(bus, ev);
			return r;
		}
		sub->cursor++;
		if (!filter_accepts(sub, ev)) {
			bus_event_unref(bus, ev);
			continue;
		}
		if (sub->current)
			bus_event_unref(bus, sub->current);
		sub->current = ev;
		return PROV_OK;
	}
}

/* Whether the slot at the cursor holds the cursor's event or a later one.
 * The node is read without a reference: nodes are never freed while the bus
 * lives, and a node recycled meanwhile carries a newer sequence number, so
 * the worst case is a spurious wake-up. */
static bool slot_ready(prov_bus_subscriber *sub)
{
	prov_bus *bus = sub->bus;
	struct prov_event *ev = atomic_load_explicit(&bus->slots[sub->cursor & bus->mask],
						     memory_order_seq_cst);

	return ev && atomic_load_explicit(&ev->seq, memory_order_relaxed) >= sub->cursor;
}

static bool has_news(prov_bus_subscriber *sub)
{
	return slot_ready(sub) ||
	       atomic_load_explicit(&sub->bus->closed, memory_order_seq_cst) ||
	       atomic_load_explicit(&sub->stop, memory_order_seq_cst);
}

/* Wait until an event, close or stop may have arrived; false at the deadline. */
static bool wait_for_news(prov_bus_subscriber *sub, int64_t deadline_ns)
{
	prov_bus *bus = sub->bus;
	uint32_t word;

	for (int i = 0; i < YIELD_POLLS; i++) {
		if (has_news(sub))
			return true;
		sched_yield();
	}
	word = atomic_load_explicit(&bus->wake_word, memory_order_seq_cst);
	atomic_store_explicit(&bus->need_wake, 1, memory_order_seq_cst);
	if (has_news(sub))
		return true;
	return bus_futex_wait(&bus->wake_word, word, deadline_ns);
}

static int64_t deadline_after(long long timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return prov_clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
}

static int report(int status, uint64_t missed)
{
	switch (status) {
	case PROV_ELAGGED:
		return prov_err_set(status, PROV_ERRCAT_RESOURCE,
				    "subscriber lagged: %llu events were overwritten before it read them",
				    (unsigned long long)missed);
	case PROV_ECLOSED:
		return prov_err_set(status, PROV_ERRCAT_RESOURCE, "the bus is closed and drained");
	case PROV_ETIMEOUT:
		return prov_err_set(status, PROV_ERRCAT_RESOURCE, "no event before the timeout");
	case PROV_EAGAIN:
		return prov_err_set(status, PROV_ERRCAT_RESOURCE, "no event available");
	default:
		return prov_err_set(status, PROV_ERRCAT_RESOURCE, "the subscription is stopping");
	}
}

/* After the closed flag was seen, what the ring still holds is all there is. */
static int receive_or_closed(prov_bus_subscriber *sub, uint64_t *missed)
{
	int r = take_next(sub, missed);

	return r == PROV_EAGAIN ? PROV_ECLOSED : r;
}

static int receive_once(prov_bus_subscriber *sub, uint64_t *missed, long long timeout_ms,
			int64_t deadline_ns)
{
	int r = take_next(sub, missed);

	if (r != PROV_EAGAIN)
		return r;
	if (atomic_load_explicit(&sub->bus->closed, memory_order_acquire))
		return receive_or_closed(sub, missed);
	if (atomic_load_explicit(&sub->stop, memory_order_acquire))
		return PROV_ECANCELLED;
	if (timeout_ms == 0)
		return PROV_EAGAIN;
	/* Events the filter drops keep waking the receiver: honour the
	 * deadline even when the futex never gets to time out. */
	if (deadline_ns >= 0 && prov_clock_monotonic_ns() >= deadline_ns)
		return PROV_ETIMEOUT;
	if (!wait_for_news(sub, deadline_ns))
		return PROV_ETIMEOUT;
	return PROV_EAGAIN;
}

int bus_receive(const prov_event **event, uint64_t *missed, prov_bus_subscriber *subscriber,
		long long timeout_ms)
{
	int64_t deadline_ns = deadline_after(timeout_ms);
	uint64_t lost = 0;
	int r;

	*event = NULL;
	do
		r = receive_once(subscriber, &lost, timeout_ms, deadline_ns);
	while (r == PROV_EAGAIN && timeout_ms != 0);
	if (missed)
		*missed = lost;
	if (r != PROV_OK)
		return report(r, lost);
	*event = subscriber->current;
	return PROV_OK;
}

int prov_bus_receive(const prov_event **event, uint64_t *missed,
		     prov_bus_subscriber *subscriber, long long timeout_ms)
{
	if (missed)
		*missed = 0;
	if (event)
		*event = NULL;
	if (!event || !subscriber)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_bus_receive: %s is NULL", event ? "subscriber" : "event");
	if (subscriber->callback)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_bus_receive: a callback subscription is received by "
				    "its own thread");
	return bus_receive(event, missed, subscriber, timeout_ms);
}
