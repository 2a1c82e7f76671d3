/* A subscriber's state, shared by pull and callback subscriptions. */
#ifndef PROV_BUS_SUBSCRIBER_H
#define PROV_BUS_SUBSCRIBER_H

#include "bus/ring.h"

typedef struct type_filter {
	size_t len;
	char name[PROV_BUS_TYPE_MAX + 1];
} type_filter;

struct prov_bus_subscriber {
	_Alignas(BUS_CACHE_LINE) prov_bus *bus;
	uint64_t cursor;                /* the next sequence number to read */
	struct prov_event *current;     /* lent to the caller until the next receive */
	size_t filter_count;            /* 0: every type */
	type_filter *filters;

	/* Callback subscriptions only. */
	prov_bus_callback callback;
	void *userdata;
	pthread_t thread;
	_Atomic bool stop;              /* wakes the dispatch thread out of its receive */
	bool self_stopped;              /* unsubscribed by its own callback: the thread frees it */
};

/* A new subscriber at the bus's tail. */
int bus_subscriber_new(prov_bus_subscriber **out, prov_bus *bus,
		       const prov_bus_subscribe_options *options);
/* prov_bus_receive() without the checks; PROV_ECANCELLED once `stop` is set. */
int bus_receive(const prov_event **event, uint64_t *missed, prov_bus_subscriber *subscriber,
		long long timeout_ms);
/* Release the current event, the bus and the subscriber. */
void bus_subscriber_free(prov_bus_subscriber *sub);

/* Start a callback subscription's thread; stop it and free the subscriber. */
int bus_dispatch_start(prov_bus_subscriber *sub);
void bus_dispatch_stop(prov_bus_subscriber *sub);

#endif
