/*
 * Event bus throughput: one publisher, 1 and 4 subscribers, ~64-byte
 * payloads. Prints deliveries per second and nanoseconds per delivery for
 * the bus and for a plain mutex-and-condvar ring written here as the
 * baseline, their ratio, and the target (<= 50 ns per delivery with 4
 * subscribers).
 *
 *   bench-bus [EVENTS] [CAPACITY]     (defaults: 10000000 131072)
 */
#include <provisioning/bus.h>
#include <provisioning/error.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SUBSCRIBERS 4
#define TARGET_NS 50.0

/* 64 bytes of members, a typical progress event. */
static const char payload[] = "{\"workflow_id\":\"wf-bench-0001\",\"op\":\"create-web-01\",\"attempt\":1}";

typedef struct result {
	double seconds;
	double publish_seconds;
	uint64_t deliveries;
	uint64_t missed;
	uint64_t publisher_waits;   /* baseline: publishes that found the lock held */
} result;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every receiver reads the text's ends, as a consumer would. */
static unsigned touch(const char *text, size_t len)
{
	return (unsigned char)text[0] + (unsigned char)text[len - 1];
}

/* ---- the bus ---- */

typedef struct bus_receiver {
	prov_bus_subscriber *sub;
	pthread_barrier_t *ready;
	uint64_t received, missed;
	unsigned checksum;
} bus_receiver;

static void *bus_receive_all(void *arg)
{
	bus_receiver *r = arg;
	const prov_event *ev;
	const char *text;
	uint64_t missed;
	size_t len;
	int status;

	pthread_barrier_wait(r->ready);
	while ((status = prov_bus_receive(&ev, &missed, r->sub, -1)) != PROV_ECLOSED) {
		if (status == PROV_ELAGGED) {
			r->missed += missed;
			continue;
		}
		text = prov_event_json(ev, &len);
		r->checksum += touch(text, len);
		r->received++;
	}
	return NULL;
}

static result run_bus(long events, size_t capacity, int subscribers)
{
	prov_bus_options options = PROV_BUS_OPTIONS_INIT;
	bus_receiver receivers[MAX_SUBSCRIBERS] = { 0 };
	pthread_t threads[MAX_SUBSCRIBERS];
	pthread_barrier_t ready;
	result res = { 0 };
	prov_bus *bus;
	double start;

	options.capacity = capacity;
	options.flags = PROV_BUS_TRUSTED_PAYLOADS;
	if (prov_bus_new(&bus, &options) != PROV_OK)
		abort();
	pthread_barrier_init(&ready, NULL, (unsigned)subscribers + 1);
	for (int i = 0; i < subscribers; i++) {
		receivers[i].ready = &ready;
		if (prov_bus_subscribe(&receivers[i].sub, bus, NULL) != PROV_OK)
			abort();
		pthread_create(&threads[i], NULL, bus_receive_all, &receivers[i]);
	}
	pthread_barrier_wait(&ready);
	start = now_seconds();
	for (long i = 0; i < events; i++)
		if (prov_bus_publish(NULL, bus, "OperationProgress", payload) != PROV_OK)
			abort();
	res.publish_seconds = now_seconds() - start;
	prov_bus_close(bus);
	for (int i = 0; i < subscribers; i++) {
		pthread_join(threads[i], NULL);
		res.deliveries += receivers[i].received;
		res.missed += receivers[i].missed;
		prov_bus_unsubscribe(receivers[i].sub);
	}
	res.seconds = now_seconds() - start;
	prov_bus_free(bus);
	pthread_barrier_destroy(&ready);
	return res;
}

/* ---- the baseline: one mutex and one condvar around a ring ---- */

typedef struct message {
	int refs;           /* guarded by the ring's lock */
	size_t len;
	char text[];
} message;

typedef struct locked_ring {
	pthread_mutex_t lock;
	pthread_cond_t published;
	message **slots;
	uint64_t mask, tail;
	int sleeping;
	bool closed;
	uint64_t publisher_waits;
} locked_ring;

/* The text the bus builds, with the same work: a clock read, the envelope
 * with the sequence number, the payload's members. */
static message *build_message(uint64_t seq)
{
	static const char head[] = "{\"format_version\":1,\"type\":\"OperationProgress\",\"seq\":";
	static const char stamp[] = ",\"timestamp\":\"2026-11-25T12:00:00.000Z\",";
	size_t members = sizeof(payload) - 2, n = 0, len;
	char digits[20];
	struct timespec now;
	message *m;

	clock_gettime(CLOCK_REALTIME, &now);
	do
		digits[n++] = (char)('0' + seq % 10);
	while ((seq /= 10) != 0);
	len = sizeof(head) - 1 + n + sizeof(stamp) - 1 + members;
	m = malloc(sizeof(*m) + len + 1);
	if (!m)
		abort();
	memcpy(m->text, head, sizeof(head) - 1);
	for (size_t i = 0; i < n; i++)
		m->text[sizeof(head) - 1 + i] = digits[n - 1 - i];
	memcpy(m->text + sizeof(head) - 1 + n, stamp, sizeof(stamp) - 1);
	memcpy(m->text + len - members, payload + 1, members);
	m->text[len] = '\0';
	m->len = len;
	m->refs = 1;
	return m;
}

static void ring_lock(locked_ring *ring, bool publisher)
{
	if (publisher && pthread_mutex_trylock(&ring->lock) == 0)
		return;
	if (publisher)
		ring->publisher_waits++;
	pthread_mutex_lock(&ring->lock);
}

static void ring_publish(locked_ring *ring)
{
	message *m = build_message(ring->tail + 1), *old;
	bool drop;

	ring_lock(ring, true);
	old = ring->slots[ring->tail & ring->mask];
	ring->slots[ring->tail & ring->mask] = m;
	ring->tail++;
	drop = old && --old->refs == 0;
	if (ring->sleeping)
		pthread_cond_broadcast(&ring->published);
	pthread_mutex_unlock(&ring->lock);
	if (drop)
		free(old);
}

typedef struct ring_receiver {
	locked_ring *ring;
	pthread_barrier_t *ready;
	uint64_t received, missed;
	unsigned checksum;
} ring_receiver;

/* One lock per receive: release the previous message, take the next. */
static void *ring_receive_all(void *arg)
{
	ring_receiver *r = arg;
	locked_ring *ring = r->ring;
	message *held = NULL, *drop;
	uint64_t cursor;

	pthread_barrier_wait(r->ready);
	pthread_mutex_lock(&ring->lock);
	cursor = ring->tail;
	for (;;) {
		drop = held && --held->refs == 0 ? held : NULL;
		held = NULL;
		while (cursor == ring->tail && !ring->closed) {
			ring->sleeping++;
			pthread_cond_wait(&ring->published, &ring->lock);
			ring->sleeping--;
		}
		if (cursor == ring->tail)
			break;
		if (ring->tail - cursor > ring->mask + 1) {
			r->missed += ring->tail - (ring->mask + 1) - cursor;
			cursor = ring->tail - (ring->mask + 1);
		}
		held = ring->slots[cursor++ & ring->mask];
		held->refs++;
		pthread_mutex_unlock(&ring->lock);
		free(drop);
		r->checksum += touch(held->text, held->len);
		r->received++;
		pthread_mutex_lock(&ring->lock);
	}
	pthread_mutex_unlock(&ring->lock);
	free(drop);
	return NULL;
}

static void ring_free(locked_ring *ring)
{
	for (uint64_t i = 0; i <= ring->mask; i++)
		free(ring->slots[i]);
	free(ring->slots);
	pthread_mutex_destroy(&ring->lock);
	pthread_cond_destroy(&ring->published);
}

static result run_baseline(long events, size_t capacity, int subscribers)
{
	locked_ring ring = { .mask = capacity - 1 };
	ring_receiver receivers[MAX_SUBSCRIBERS] = { 0 };
	pthread_t threads[MAX_SUBSCRIBERS];
	pthread_barrier_t ready;
	result res = { 0 };
	double start;

	pthread_mutex_init(&ring.lock, NULL);
	pthread_cond_init(&ring.published, NULL);
	ring.slots = calloc(capacity, sizeof(*ring.slots));
	if (!ring.slots)
		abort();
	pthread_barrier_init(&ready, NULL, (unsigned)subscribers + 1);
	for (int i = 0; i < subscribers; i++) {
		receivers[i] = (ring_receiver){ &ring, &ready, 0, 0, 0 };
		pthread_create(&threads[i], NULL, ring_receive_all, &receivers[i]);
	}
	pthread_barrier_wait(&ready);
	start = now_seconds();
	for (long i = 0; i < events; i++)
		ring_publish(&ring);
	res.publish_seconds = now_seconds() - start;
	pthread_mutex_lock(&ring.lock);
	ring.closed = true;
	pthread_cond_broadcast(&ring.published);
	pthread_mutex_unlock(&ring.lock);
	for (int i = 0; i < subscribers; i++) {
		pthread_join(threads[i], NULL);
		res.deliveries += receivers[i].received;
		res.missed += receivers[i].missed;
	}
	res.seconds = now_seconds() - start;
	res.publisher_waits = ring.publisher_waits;
	ring_free(&ring);
	pthread_barrier_destroy(&ready);
	return res;
}

/* ---- report ---- */

static double ns_per_delivery(const result *r)
{
	return r->deliveries ? r->seconds * 1e9 / (double)r->deliveries : 0;
}

/* `waits` is NULL for the bus, whose publisher takes no lock a subscriber
 * takes: there is nothing it could wait for. */
static void print_row(const char *name, int subscribers, long events, const result *r,
		      const char *waits)
{
	char count[32];

	if (!waits) {
		snprintf(count, sizeof(count), "%llu", (unsigned long long)r->publisher_waits);
		waits = count;
	}
	printf("%-9s %4d %12.0f %10.1f %12llu %10.1f %10.2f %14s\n", name, subscribers,
	       (double)r->deliveries / r->seconds, ns_per_delivery(r),
	       (unsigned long long)r->missed, r->publish_seconds * 1e9 / (double)events,
	       r->seconds, waits);
}

static void print_loadavg(const char *when)
{
	char line[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			strcpy(line, "?\n");
		fclose(f);
	}
	printf("loadavg %s: %s", when, line);
}

int main(int argc, char **argv)
{
	long events = argc > 1 ? atol(argv[1]) : 10000000;
	size_t capacity = argc > 2 ? (size_t)atol(argv[2]) : 131072;
	static const int counts[] = { 1, MAX_SUBSCRIBERS };
	double bus4 = 0, base4 = 0;

	if (events <= 0 || capacity == 0 || (capacity & (capacity - 1)))
		return fprintf(stderr, "usage: bench-bus [EVENTS] [CAPACITY (a power of two)]\n"), 2;
	printf("bus benchmark: %ld events, %zu-byte payload, capacity %zu, trusted payloads\n",
	       events, sizeof(payload) - 1, capacity);
	print_loadavg("before");
	printf("missed: events lost to lag; pub lock waits: publishes that found the lock\n"
	       "held by a subscriber\n");
	printf("%-9s %4s %12s %10s %12s %10s %10s %14s\n", "ring", "subs", "deliveries/s",
	       "ns/deliv", "missed", "pub ns/ev", "seconds", "pub lock waits");
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		result bus = run_bus(events, capacity, counts[i]);
		result base = run_baseline(events, capacity, counts[i]);

		print_row("bus", counts[i], events, &bus, "none possible");
		print_row("mutex+cv", counts[i], events, &base, NULL);
		printf("  baseline / bus: %.2fx the time per delivery\n",
		       ns_per_delivery(&base) / ns_per_delivery(&bus));
		if (counts[i] == MAX_SUBSCRIBERS) {
			bus4 = ns_per_delivery(&bus);
			base4 = ns_per_delivery(&base);
		}
	}
	print_loadavg("after");
	printf("target: <= %.0f ns per delivery with %d subscribers, publisher never blocked: "
	       "bus %.1f ns (%s), baseline %.1f ns\n", TARGET_NS, MAX_SUBSCRIBERS, bus4,
	       bus4 <= TARGET_NS ? "met" : "NOT met", base4);
	return 0;
}
