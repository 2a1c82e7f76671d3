/*
 * Callback subscriptions: a thread per subscription receives in a loop and
 * calls the callback, so one slow callback only makes its own subscription
 * lag, and callbacks of one subscription never overlap.
 */
#include "bus/subscriber.h"

#include "core/err.h"

#include <signal.h>
#include <string.h>

/* The subscription whose callback the calling thread is running, so an
 * unsubscribe from inside the callback knows not to join itself. */
static _Thread_local prov_bus_subscriber *dispatching;

static void *dispatch_main(void *arg)
{
	prov_bus_subscriber *sub = arg;
	int r;

	dispatching = sub;
	do {
		const prov_event *event;
		uint64_t missed;

		r = bus_receive(&event, &missed, sub, -1);
		if (r == PROV_ECANCELLED || atomic_load_explicit(&sub->stop, memory_order_acquire))
			break;
		sub->callback(r, event, missed, sub->userdata);
	} while (r != PROV_ECLOSED && !atomic_load_explicit(&sub->stop, memory_order_acquire));
	dispatching = NULL;
	if (sub->self_stopped)
		bus_subscriber_free(sub);
	return NULL;
}

int bus_dispatch_start(prov_bus_subscriber *sub)
{
	sigset_t all, old;
	int err;

	/* The thread inherits this mask: the host's signals stay with the
	 * host's own threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&sub->thread, NULL, dispatch_main, sub);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return prov_err_set(PROV_ERROR, PROV_ERRCAT_SYSTEM,
				    "cannot start the dispatch thread of a subscription: %s",
				    strerror(err));
	return PROV_OK;
}

void bus_dispatch_stop(prov_bus_subscriber *sub)
{
	atomic_store_explicit(&sub->stop, true, memory_order_seq_cst);
	if (dispatching == sub) {
		/* Inside the callback: the loop ends when it returns, and the
		 * thread frees what it owns. */
		sub->self_stopped = true;
		pthread_detach(pthread_self());
		return;
	}
	bus_wake_all(sub->bus);
	pthread_join(sub->thread, NULL);
	bus_subscriber_free(sub);
}

int prov_bus_subscribe_callback(prov_bus_subscriber **out, prov_bus *bus,
				const prov_bus_subscribe_options *options,
				prov_bus_callback callback, void *userdata)
{
	prov_bus_subscriber *sub;
	int r;

	if (out)
		*out = NULL;
	if (!out || !callback)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_bus_subscribe_callback: %s is NULL",
				    out ? "callback" : "out");
	if ((r = bus_subscriber_new(&sub, bus, options)) != PROV_OK)
		return r;
	sub->callback = callback;
	sub->userdata = userdata;
	if ((r = bus_dispatch_start(sub)) != PROV_OK) {
		bus_subscriber_free(sub);
		return r;
	}
	*out = sub;
	return PROV_OK;
}
