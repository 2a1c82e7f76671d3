/*
 * libprovisioning: the event bus, an in-process broadcast channel.
 *
 * Publishers put events into a bounded ring; every subscriber reads the ring
 * with a cursor of its own. Publishing never waits for a subscriber: when the
 * ring is full the oldest event is overwritten, and a subscriber that fell
 * more than the capacity behind is told exactly how many events it missed
 * (PROV_ELAGGED) and goes on from the oldest event still retained. Closing
 * the bus lets subscribers drain what remains, then tells them PROV_ECLOSED.
 *
 * An event is a JSON object: {"format_version":1,"type":T,"seq":N,
 * "timestamp":RFC3339, ...fields}. Its text is built once when it is
 * published and shared by every subscriber through an atomic reference
 * count; nothing is copied per subscriber. docs/EVENTS.md lists the standard
 * event types and describes the threading in detail.
 */
#ifndef PROVISIONING_BUS_H
#define PROVISIONING_BUS_H

#include <provisioning/common.h>
#include <provisioning/error.h>

#include <stdint.h>

PROV_BEGIN_DECLS

/** A bus: an opaque handle, shared by every publisher. */
typedef struct prov_bus prov_bus;
/** One subscriber's view of a bus: its cursor, filter and current event. */
typedef struct prov_bus_subscriber prov_bus_subscriber;
/** A published event, immutable; read it with the prov_event_* getters. */
typedef struct prov_event prov_event;

/** Capacity of a bus created without options or with capacity 0. */
#define PROV_BUS_DEFAULT_CAPACITY 1024
/** The largest capacity a bus accepts. */
#define PROV_BUS_MAX_CAPACITY (1u << 22)
/** The longest event type name, in bytes. */
#define PROV_BUS_TYPE_MAX 63

/**
 * Bus flag: prov_bus_publish() trusts that every payload is a JSON object
 * without the reserved members and checks only that it is braced. Without
 * it, every payload is parsed and rewritten compactly (about a microsecond).
 * Set it only when every publisher builds its payloads itself.
 */
#define PROV_BUS_TRUSTED_PAYLOADS 0x1u

/** Options of prov_bus_new(). Start from PROV_BUS_OPTIONS_INIT. */
typedef struct prov_bus_options {
	unsigned int size;     /**< sizeof(prov_bus_options) */
	size_t capacity;       /**< events retained; rounded up to a power of two; 0: default */
	unsigned int flags;    /**< PROV_BUS_* flags */
} prov_bus_options;

#define PROV_BUS_OPTIONS_INIT { sizeof(prov_bus_options), 0, 0 }

/**
 * Create a bus. `options` may be NULL for the defaults.
 *
 * Returns PROV_OK and the bus in `*out`, PROV_ERANGE when the capacity
 * exceeds PROV_BUS_MAX_CAPACITY, PROV_EINVAL or PROV_ENOMEM. Free it with
 * prov_bus_free().
 */
PROV_API int prov_bus_new(prov_bus **out, const prov_bus_options *options);

/** The capacity of the ring (a power of two). */
PROV_API size_t prov_bus_capacity(const prov_bus *bus);

/**
 * Close the bus: later publishes fail with PROV_ECLOSED, and subscribers
 * receive what the ring still holds, then PROV_ECLOSED. Wakes every blocked
 * receiver. Closing twice does nothing.
 *
 * Thread safety: any thread, concurrently with publishers and subscribers.
 */
PROV_API void prov_bus_close(prov_bus *bus);

/**
 * Close the bus and release the caller's handle. Subscribers keep working
 * (they drain, then see PROV_ECLOSED); the memory goes when the last of them
 * unsubscribes. No publisher may use the handle once this is called.
 * NULL is a no-op.
 */
PROV_API void prov_bus_free(prov_bus *bus);

/**
 * Publish an event of type `type` whose members are those of the JSON object
 * `payload_json` (NULL or "{}" for none). The type is 1 to PROV_BUS_TYPE_MAX
 * bytes of letters, digits, '_', '.', ':' and '-'. The payload may not hold
 * the members the bus writes itself: format_version, type, seq, timestamp.
 *
 * The bus assigns the sequence number (consecutive from 1, in publishing
 * order) and the timestamp (UTC, milliseconds), and writes them to `*seq`
 * and nowhere else when `seq` is not NULL.
 *
 * Never waits for a subscriber: publishers only serialise among themselves,
 * while one fills and places its event. When the ring is full the oldest
 * event is dropped for every subscriber that has not read it.
 *
 * Returns PROV_OK, PROV_ECLOSED after prov_bus_close(), PROV_EINVAL for a
 * bad type, PROV_EPARSE for a payload that is not a JSON object (valid UTF-8),
 * or PROV_ENOMEM.
 *
 * Thread safety: any number of threads may publish at once; each publisher's
 * events are received in the order it published them.
 */
PROV_API int prov_bus_publish(uint64_t *seq, prov_bus *bus, const char *type,
			      const char *payload_json);

/** Options of prov_bus_subscribe(). Start from PROV_BUS_SUBSCRIBE_OPTIONS_INIT. */
typedef struct prov_bus_subscribe_options {
	unsigned int size;          /**< sizeof(prov_bus_subscribe_options) */
	/** NULL-terminated list of event types to receive; NULL or an empty list
	 *  receives every type. */
	const char *const *types;
} prov_bus_subscribe_options;

#define PROV_BUS_SUBSCRIBE_OPTIONS_INIT { sizeof(prov_bus_subscribe_options), NULL }

/**
 * Subscribe to a bus. The subscriber receives the events published after
 * this call returns, never earlier ones. `options` may be NULL.
 *
 * Returns PROV_OK and the subscriber in `*out` (release it with
 * prov_bus_unsubscribe()), PROV_ECLOSED when the bus is closed, PROV_EINVAL
 * for a bad type name in the filter, or PROV_ENOMEM.
 *
 * Thread safety: any thread, concurrently with publishers.
 */
PROV_API int prov_bus_subscribe(prov_bus_subscriber **out, prov_bus *bus,
				const prov_bus_subscribe_options *options);

/**
 * Receive the subscriber's next event, waiting up to `timeout_ms`
 * milliseconds: 0 only polls, a negative value waits as long as it takes.
 *
 * On PROV_OK, `*event` is borrowed: valid until this subscriber's next
 * receive or its unsubscribe. Call prov_event_json() to read it; copy what
 * must live longer.
 *
 * Returns PROV_OK; PROV_ELAGGED when the subscriber fell behind and events
 * were overwritten before it read them: `*missed` (when not NULL) gets their
 * exact number (counting events of every type) and the next receive returns
 * the oldest event still retained; PROV_EAGAIN when polling found nothing;
 * PROV_ETIMEOUT when the timeout passed; PROV_ECLOSED when the bus is closed
 * and this subscriber has received everything that remains. `*event` is NULL
 * and `*missed` 0 unless stated.
 *
 * PROV_EINVAL for a callback subscription, which only its own thread reads.
 *
 * Thread safety: a subscriber is used by one thread at a time; different
 * subscribers are independent. A receive never blocks a publisher.
 */
PROV_API int prov_bus_receive(const prov_event **event, uint64_t *missed,
			      prov_bus_subscriber *subscriber, long long timeout_ms);

/**
 * Called by a callback subscription: with PROV_OK and an event (borrowed for
 * the duration of the call), with PROV_ELAGGED and the number of events
 * missed, and once, last, with PROV_ECLOSED when the closed bus is drained.
 * `event` is NULL and `missed` 0 unless stated.
 */
typedef void (*prov_bus_callback)(int status, const prov_event *event, uint64_t missed,
				  void *userdata);

/**
 * Subscribe with a callback. The subscription has a dispatch thread of its
 * own, started here, that receives events in order and calls `callback` for
 * each: calls of one subscription never overlap, and a slow callback only
 * makes its own subscription lag. The thread blocks every signal.
 *
 * Returns as prov_bus_subscribe(), or PROV_ERROR when the thread cannot be
 * created. Release with prov_bus_unsubscribe(), which may be called from any
 * thread, including from inside the callback.
 */
PROV_API int prov_bus_subscribe_callback(prov_bus_subscriber **out, prov_bus *bus,
					 const prov_bus_subscribe_options *options,
					 prov_bus_callback callback, void *userdata);

/**
 * Stop a subscription and free it, at any time, also while publishers run;
 * call it exactly once per subscription.
 * For a callback subscription, waits until a callback in progress returns
 * (unless called from that callback) and no callback runs afterwards. The
 * subscriber's borrowed event becomes invalid. NULL is a no-op.
 *
 * Thread safety: a pull subscriber is unsubscribed by the thread that
 * receives with it (or once that thread stopped using it).
 */
PROV_API void prov_bus_unsubscribe(prov_bus_subscriber *subscriber);

/** The event's type ("WorkflowStarted"). Borrowed from the event. */
PROV_API const char *prov_event_type(const prov_event *event);

/** The event's sequence number: 1 for the bus's first event, then consecutive. */
PROV_API uint64_t prov_event_seq(const prov_event *event);

/** When the event was published, RFC 3339 UTC with milliseconds. Borrowed. */
PROV_API const char *prov_event_timestamp(const prov_event *event);

/**
 * The event as one line of JSON text, NUL-terminated, with format_version,
 * type, seq, timestamp and the payload's members. Borrowed from the event;
 * `len` (may be NULL) receives its length.
 */
PROV_API const char *prov_event_json(const prov_event *event, size_t *len);

/*
 * Standard events (docs/EVENTS.md). Each helper publishes one event like
 * prov_bus_publish() and returns what it returns. String arguments are
 * escaped as JSON strings (invalid UTF-8 becomes U+FFFD); arguments named
 * *_json are JSON documents (NULL for null), checked and written compactly
 * (PROV_EPARSE names the field when they are not valid JSON). Identifiers
 * and names are required: NULL gives PROV_EINVAL naming the event and the
 * field. Messages (error, reason) may be NULL and are then written as null.
 */

/** WorkflowStarted{workflow_id, name} */
PROV_API int prov_bus_publish_workflow_started(uint64_t *seq, prov_bus *bus,
					       const char *workflow_id, const char *name);

/** WorkflowCompleted{workflow_id, result}: result is the data exchange result document. */
PROV_API int prov_bus_publish_workflow_completed(uint64_t *seq, prov_bus *bus,
						 const char *workflow_id, const char *result_json);

/** WorkflowFailed{workflow_id, error}: error is a one-line message. */
PROV_API int prov_bus_publish_workflow_failed(uint64_t *seq, prov_bus *bus,
					      const char *workflow_id, const char *error);

/** WorkflowCancelled{workflow_id} */
PROV_API int prov_bus_publish_workflow_cancelled(uint64_t *seq, prov_bus *bus,
						 const char *workflow_id);

/** OperationStarted{workflow_id, op, attempt}: attempt counts from 1. */
PROV_API int prov_bus_publish_operation_started(uint64_t *seq, prov_bus *bus,
						const char *workflow_id, const char *op,
						int attempt);

/** OperationCompleted{workflow_id, op, output}: output is the action's result data. */
PROV_API int prov_bus_publish_operation_completed(uint64_t *seq, prov_bus *bus,
						  const char *workflow_id, const char *op,
						  const char *output_json);

/** OperationFailed{workflow_id, op, error, attempts} */
PROV_API int prov_bus_publish_operation_failed(uint64_t *seq, prov_bus *bus,
					       const char *workflow_id, const char *op,
					       const char *error, int attempts);

/** OperationRetrying{workflow_id, op, attempt, delay_ms, error}: attempt is the next one. */
PROV_API int prov_bus_publish_operation_retrying(uint64_t *seq, prov_bus *bus,
						 const char *workflow_id, const char *op,
						 int attempt, long long delay_ms,
						 const char *error);

/** OperationSkipped{workflow_id, op, reason} */
PROV_API int prov_bus_publish_operation_skipped(uint64_t *seq, prov_bus *bus,
						const char *workflow_id, const char *op,
						const char *reason);

/** ResourceCreated{provider, resource_type, resource_id} */
PROV_API int prov_bus_publish_resource_created(uint64_t *seq, prov_bus *bus,
					       const char *provider, const char *resource_type,
					       const char *resource_id);

/** ResourceDeleted{provider, resource_type, resource_id} */
PROV_API int prov_bus_publish_resource_deleted(uint64_t *seq, prov_bus *bus,
					       const char *provider, const char *resource_type,
					       const char *resource_id);

/**
 * ConfigurationChanged{key, old_value, new_value}. When the key's last part
 * names a secret (contains password, token, secret, private_key or api_key,
 * in any case) both values are written as "[redacted]".
 */
PROV_API int prov_bus_publish_configuration_changed(uint64_t *seq, prov_bus *bus,
						    const char *key,
						    const char *old_value_json,
						    const char *new_value_json);

/** RollbackStarted{workflow_id} */
PROV_API int prov_bus_publish_rollback_started(uint64_t *seq, prov_bus *bus,
					       const char *workflow_id);

/** RollbackCompleted{workflow_id, undone}: undone is the array of actions undone. */
PROV_API int prov_bus_publish_rollback_completed(uint64_t *seq, prov_bus *bus,
						 const char *workflow_id,
						 const char *undone_json);

/** RollbackFailed{workflow_id, action, error}: action is the rollback action object. */
PROV_API int prov_bus_publish_rollback_failed(uint64_t *seq, prov_bus *bus,
					      const char *workflow_id,
					      const char *action_json, const char *error);

/** CheckpointSaved{workflow_id, step}: step counts completed operations. */
PROV_API int prov_bus_publish_checkpoint_saved(uint64_t *seq, prov_bus *bus,
					       const char *workflow_id, long long step);

PROV_END_DECLS

#endif
