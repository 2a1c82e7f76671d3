/* The bus under concurrent publishers, subscribers and callback threads. */
#include "test-util.h"

#include <provisioning/bus.h>
#include <provisioning/error.h>

#include "bus/ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define PUBLISHERS 8
#define SUBSCRIBERS 8

static prov_bus *new_bus(size_t capacity)
{
	prov_bus_options options = PROV_BUS_OPTIONS_INIT;
	prov_bus *bus;

	options.capacity = capacity;
	ck_assert_int_eq(prov_bus_new(&bus, &options), PROV_OK);
	return bus;
}

static int events_per_publisher(void)
{
	return test_under_valgrind() ? 300 : 4000;
}

typedef struct publisher_run {
	prov_bus *bus;
	int id;
	int count;
} publisher_run;

static void *publish_numbered(void *arg)
{
	publisher_run *run = arg;
	char payload[64];

	for (int n = 0; n < run->count; n++) {
		snprintf(payload, sizeof(payload), "{\"p\":%d,\"n\":%d}", run->id, n);
		ck_assert_int_eq(prov_bus_publish(NULL, run->bus, "Numbered", payload), PROV_OK);
	}
	return NULL;
}

typedef struct subscriber_run {
	prov_bus_subscriber *sub;
	long received;
	uint64_t missed;
	uint64_t last_seq;
	int next_n[PUBLISHERS];  /* lowest n still acceptable from each publisher */
	bool in_order;
} subscriber_run;

static void check_order(subscriber_run *run, const prov_event *ev)
{
	int p, n;
	const char *members = strstr(prov_event_json(ev, NULL), "\"p\":");

	ck_assert_ptr_nonnull(members);
	ck_assert_int_eq(sscanf(members, "\"p\":%d,\"n\":%d", &p, &n), 2);
	ck_assert(p >= 0 && p < PUBLISHERS);
	if (n < run->next_n[p] || prov_event_seq(ev) <= run->last_seq)
		run->in_order = false;
	run->next_n[p] = n + 1;
	run->last_seq = prov_event_seq(ev);
}

static void *receive_until_closed(void *arg)
{
	subscriber_run *run = arg;
	const prov_event *ev;
	uint64_t missed;
	int r;

	run->in_order = true;
	while ((r = prov_bus_receive(&ev, &missed, run->sub, -1)) != PROV_ECLOSED) {
		if (r == PROV_ELAGGED) {
			run->missed += missed;
			continue;
		}
		ck_assert_int_eq(r, PROV_OK);
		check_order(run, ev);
		run->received++;
	}
	return NULL;
}

/* 8 publishers and 8 subscribers over a ring of `capacity`; returns the
 * total each subscriber must account for. */
static long run_publishers_and_subscribers(size_t capacity, subscriber_run *subs)
{
	prov_bus *bus = new_bus(capacity);
	pthread_t pub_threads[PUBLISHERS], sub_threads[SUBSCRIBERS];
	publisher_run pubs[PUBLISHERS];

	for (int i = 0; i < SUBSCRIBERS; i++) {
		ck_assert_int_eq(prov_bus_subscribe(&subs[i].sub, bus, NULL), PROV_OK);
		pthread_create(&sub_threads[i], NULL, receive_until_closed, &subs[i]);
	}
	for (int i = 0; i < PUBLISHERS; i++) {
		pubs[i] = (publisher_run){ bus, i, events_per_publisher() };
		pthread_create(&pub_threads[i], NULL, publish_numbered, &pubs[i]);
	}
	for (int i = 0; i < PUBLISHERS; i++)
		pthread_join(pub_threads[i], NULL);
	prov_bus_free(bus);
	for (int i = 0; i < SUBSCRIBERS; i++) {
		pthread_join(sub_threads[i], NULL);
		prov_bus_unsubscribe(subs[i].sub);
	}
	return (long)PUBLISHERS * events_per_publisher();
}

START_TEST(test_8_publishers_and_8_subscribers_lose_nothing_within_capacity)
{
	subscriber_run subs[SUBSCRIBERS] = { 0 };
	long total = run_publishers_and_subscribers(
		(size_t)PUBLISHERS * (size_t)events_per_publisher(), subs);

	for (int i = 0; i < SUBSCRIBERS; i++) {
		ck_assert(subs[i].in_order);
		ck_assert_uint_eq(subs[i].missed, 0);
		ck_assert_int_eq(subs[i].received, total);
	}
}
END_TEST

START_TEST(test_8_publishers_and_8_subscribers_keep_order_and_count_every_lost_event)
{
	subscriber_run subs[SUBSCRIBERS] = { 0 };
	long total = run_publishers_and_subscribers(16, subs);

	for (int i = 0; i < SUBSCRIBERS; i++) {
		ck_assert(subs[i].in_order);
		ck_assert_int_eq(subs[i].received + (long)subs[i].missed, total);
	}
}
END_TEST

static void *receive_one_blocking(void *arg)
{
	prov_bus_subscriber *sub = arg;
	const prov_event *ev;
	intptr_t status = prov_bus_receive(&ev, NULL, sub, -1);

	if (status == PROV_OK && strcmp(prov_event_type(ev), "Wake") != 0)
		status = PROV_ERROR;
	return (void *)status;
}

START_TEST(test_a_blocked_receiver_wakes_when_an_event_is_published)
{
	prov_bus *bus = new_bus(8);
	prov_bus_subscriber *sub;
	pthread_t thread;
	void *status;

	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, NULL), PROV_OK);
	pthread_create(&thread, NULL, receive_one_blocking, sub);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "Wake", NULL), PROV_OK);
	pthread_join(thread, &status);
	ck_assert_int_eq((intptr_t)status, PROV_OK);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_closing_wakes_a_blocked_receiver)
{
	prov_bus *bus = new_bus(8);
	prov_bus_subscriber *sub;
	pthread_t thread;
	void *status;

	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, NULL), PROV_OK);
	pthread_create(&thread, NULL, receive_one_blocking, sub);
	prov_bus_close(bus);
	pthread_join(thread, &status);
	ck_assert_int_eq((intptr_t)status, PROV_ECLOSED);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

typedef struct churn_run {
	prov_bus *bus;
	_Atomic bool *stop;
	int rounds;
} churn_run;

static void *publish_until_stopped(void *arg)
{
	churn_run *run = arg;

	while (!atomic_load(run->stop))
		ck_assert_int_eq(prov_bus_publish(NULL, run->bus, "Churn", "{\"x\":1}"), PROV_OK);
	return NULL;
}

/* Subscribe, read a few events, unsubscribe, again and again. */
static void *subscribe_and_leave(void *arg)
{
	churn_run *run = arg;

	for (int i = 0; i < run->rounds; i++) {
		prov_bus_subscriber *sub;
		const prov_event *ev;
		uint64_t last = 0;

		ck_assert_int_eq(prov_bus_subscribe(&sub, run->bus, NULL), PROV_OK);
		for (int k = 0; k < i % 5; k++) {
			int r = prov_bus_receive(&ev, NULL, sub, -1);

			ck_assert(r == PROV_OK || r == PROV_ELAGGED);
			if (r == PROV_OK) {
				ck_assert_uint_gt(prov_event_seq(ev), last);
				last = prov_event_seq(ev);
			}
		}
		prov_bus_unsubscribe(sub);
	}
	return NULL;
}

START_TEST(test_subscribers_come_and_go_while_publishers_run)
{
	prov_bus *bus = new_bus(32);
	_Atomic bool stop = false;
	churn_run run = { bus, &stop, test_under_valgrind() ? 50 : 500 };
	pthread_t publishers[2], churners[4];

	for (int i = 0; i < 2; i++)
		pthread_create(&publishers[i], NULL, publish_until_stopped, &run);
	for (int i = 0; i < 4; i++)
		pthread_create(&churners[i], NULL, subscribe_and_leave, &run);
	for (int i = 0; i < 4; i++)
		pthread_join(churners[i], NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(publishers[i], NULL);
	prov_bus_free(bus);
}
END_TEST

/* What a callback subscription saw, guarded by `lock`. */
typedef struct callback_log {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	prov_bus_subscriber *sub;
	uint64_t seqs[64];
	int count;
	int lagged_calls;
	uint64_t missed;
	int closed_calls;
	bool closed_last;
	int unsubscribe_after;   /* unsubscribe from inside the callback at this count */
	bool hold_first;         /* block in the first call until released */
	bool in_first, released;
} callback_log;

static void callback_log_init(callback_log *log)
{
	memset(log, 0, sizeof(*log));
	pthread_mutex_init(&log->lock, NULL);
	pthread_cond_init(&log->changed, NULL);
	log->closed_last = true;
}

static void callback_log_destroy(callback_log *log)
{
	pthread_mutex_destroy(&log->lock);
	pthread_cond_destroy(&log->changed);
}

static void hold_while_first(callback_log *log)
{
	log->in_first = true;
	pthread_cond_broadcast(&log->changed);
	while (!log->released)
		pthread_cond_wait(&log->changed, &log->lock);
}

static void record_event(int status, const prov_event *event, uint64_t missed, void *userdata)
{
	callback_log *log = userdata;
	bool leave;

	pthread_mutex_lock(&log->lock);
	if (log->closed_calls)
		log->closed_last = false;
	if (status == PROV_OK && log->count < 64)
		log->seqs[log->count++] = prov_event_seq(event);
	else if (status == PROV_ELAGGED)
		log->lagged_calls++, log->missed += missed;
	else if (status == PROV_ECLOSED)
		log->closed_calls++;
	if (log->hold_first && log->count == 1 && !log->in_first)
		hold_while_first(log);
	leave = log->unsubscribe_after && log->count == log->unsubscribe_after;
	pthread_cond_broadcast(&log->changed);
	pthread_mutex_unlock(&log->lock);
	if (leave)
		prov_bus_unsubscribe(log->sub);
}

static void wait_for_closed_call(callback_log *log)
{
	pthread_mutex_lock(&log->lock);
	while (!log->closed_calls)
		pthread_cond_wait(&log->changed, &log->lock);
	pthread_mutex_unlock(&log->lock);
}

START_TEST(test_a_callback_subscription_gets_every_event_in_order_then_closed_once)
{
	prov_bus *bus = new_bus(64);
	callback_log log;

	callback_log_init(&log);
	ck_assert_int_eq(prov_bus_subscribe_callback(&log.sub, bus, NULL, record_event, &log),
			 PROV_OK);
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(prov_bus_publish(NULL, bus, "Tick", NULL), PROV_OK);
	prov_bus_close(bus);
	wait_for_closed_call(&log);
	prov_bus_unsubscribe(log.sub);
	ck_assert_int_eq(log.count, 50);
	for (int i = 0; i < 50; i++)
		ck_assert_uint_eq(log.seqs[i], (uint64_t)i + 1);
	ck_assert_int_eq(log.closed_calls, 1);
	ck_assert(log.closed_last);
	ck_assert_int_eq(log.lagged_calls, 0);
	callback_log_destroy(&log);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_slow_callback_is_told_how_many_events_it_missed)
{
	prov_bus *bus = new_bus(4);
	callback_log log;

	callback_log_init(&log);
	log.hold_first = true;
	ck_assert_int_eq(prov_bus_subscribe_callback(&log.sub, bus, NULL, record_event, &log),
			 PROV_OK);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "Tick", NULL), PROV_OK);
	pthread_mutex_lock(&log.lock);
	while (!log.in_first)
		pthread_cond_wait(&log.changed, &log.lock);
	pthread_mutex_unlock(&log.lock);
	/* Seqs 2..21 while the callback holds seq 1: the ring keeps 18..21. */
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(prov_bus_publish(NULL, bus, "Tick", NULL), PROV_OK);
	prov_bus_close(bus);
	pthread_mutex_lock(&log.lock);
	log.released = true;
	pthread_cond_broadcast(&log.changed);
	pthread_mutex_unlock(&log.lock);
	wait_for_closed_call(&log);
	prov_bus_unsubscribe(log.sub);
	ck_assert_int_eq(log.lagged_calls, 1);
	ck_assert_uint_eq(log.missed, 16);
	ck_assert_int_eq(log.count, 5);
	ck_assert_uint_eq(log.seqs[1], 18);
	ck_assert_uint_eq(log.seqs[4], 21);
	callback_log_destroy(&log);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_callback_can_unsubscribe_itself)
{
	prov_bus *bus = new_bus(64);
	callback_log log;

	callback_log_init(&log);
	log.unsubscribe_after = 3;
	ck_assert_int_eq(prov_bus_subscribe_callback(&log.sub, bus, NULL, record_event, &log),
			 PROV_OK);
	ck_assert_uint_eq(atomic_load(&bus->refs), 2);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(prov_bus_publish(NULL, bus, "Tick", NULL), PROV_OK);
	/* The dispatch thread frees the subscription, dropping its hold on the bus. */
	while (atomic_load(&bus->refs) != 1)
		sched_yield();
	pthread_mutex_lock(&log.lock);
	ck_assert_int_eq(log.count, 3);
	ck_assert_int_eq(log.closed_calls, 0);
	pthread_mutex_unlock(&log.lock);
	callback_log_destroy(&log);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_no_callback_runs_after_unsubscribe_returns)
{
	prov_bus *bus = new_bus(64);
	callback_log log;
	int seen;

	callback_log_init(&log);
	ck_assert_int_eq(prov_bus_subscribe_callback(&log.sub, bus, NULL, record_event, &log),
			 PROV_OK);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(prov_bus_publish(NULL, bus, "Tick", NULL), PROV_OK);
	prov_bus_unsubscribe(log.sub);
	seen = log.count;
	ck_assert_int_le(seen, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(prov_bus_publish(NULL, bus, "Tick", NULL), PROV_OK);
	prov_bus_close(bus);
	ck_assert_int_eq(log.count, seen);
	ck_assert_int_eq(log.closed_calls, 0);
	callback_log_destroy(&log);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_callback_subscription_needs_a_callback)
{
	prov_bus *bus = new_bus(4);
	prov_bus_subscriber *sub = (prov_bus_subscriber *)1;

	ck_assert_int_eq(prov_bus_subscribe_callback(&sub, bus, NULL, NULL, NULL), PROV_EINVAL);
	ck_assert_ptr_null(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_callback_subscription_cannot_be_received_from)
{
	prov_bus *bus = new_bus(4);
	const prov_event *ev;
	callback_log log;

	callback_log_init(&log);
	ck_assert_int_eq(prov_bus_subscribe_callback(&log.sub, bus, NULL, record_event, &log),
			 PROV_OK);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, log.sub, 0), PROV_EINVAL);
	ck_assert_ptr_null(ev);
	prov_bus_unsubscribe(log.sub);
	callback_log_destroy(&log);
	prov_bus_free(bus);
}
END_TEST

static Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_8_publishers_and_8_subscribers_lose_nothing_within_capacity);
	tcase_add_test(tc, test_8_publishers_and_8_subscribers_keep_order_and_count_every_lost_event);
	tcase_add_test(tc, test_a_blocked_receiver_wakes_when_an_event_is_published);
	tcase_add_test(tc, test_closing_wakes_a_blocked_receiver);
	tcase_add_test(tc, test_subscribers_come_and_go_while_publishers_run);
	tcase_add_test(tc, test_a_callback_subscription_gets_every_event_in_order_then_closed_once);
	tcase_add_test(tc, test_a_slow_callback_is_told_how_many_events_it_missed);
	tcase_add_test(tc, test_a_callback_can_unsubscribe_itself);
	tcase_add_test(tc, test_no_callback_runs_after_unsubscribe_returns);
	tcase_add_test(tc, test_a_callback_subscription_needs_a_callback);
	tcase_add_test(tc, test_a_callback_subscription_cannot_be_received_from);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(threads_suite());
}
