/* Receive timeouts, measured against the clock (suite "timing"). */
#include "test-util.h"

#include <provisioning/bus.h>
#include <provisioning/error.h>

#include "core/clock.h"

#include <pthread.h>
#include <stdatomic.h>

static int64_t elapsed_ms(int64_t start_ns)
{
	return (prov_clock_monotonic_ns() - start_ns) / 1000000;
}

START_TEST(test_receive_gives_up_after_its_timeout)
{
	prov_bus *bus;
	prov_bus_subscriber *sub;
	const prov_event *ev;
	int64_t start;

	ck_assert_int_eq(prov_bus_new(&bus, NULL), PROV_OK);
	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, NULL), PROV_OK);
	start = prov_clock_monotonic_ns();
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 80), PROV_ETIMEOUT);
	ck_assert_int_ge(elapsed_ms(start), 80);
	ck_assert_int_lt(elapsed_ms(start), 2000);
	ck_assert_int_eq(prov_error_last()->code, PROV_ETIMEOUT);
	ck_assert_ptr_null(ev);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_zero_timeout_only_polls)
{
	prov_bus *bus;
	prov_bus_subscriber *sub;
	const prov_event *ev;
	int64_t start;

	ck_assert_int_eq(prov_bus_new(&bus, NULL), PROV_OK);
	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, NULL), PROV_OK);
	start = prov_clock_monotonic_ns();
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_EAGAIN);
	ck_assert_int_lt(elapsed_ms(start), 500);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

typedef struct noise {
	prov_bus *bus;
	_Atomic bool stop;
} noise;

static void *publish_noise(void *arg)
{
	noise *n = arg;

	/* Paced, so the subscriber never lags however loaded the machine is:
	 * each event still wakes it and is filtered out. */
	while (!atomic_load(&n->stop)) {
		prov_bus_publish(NULL, n->bus, "Noise", NULL);
		prov_clock_sleep_ms(1);
	}
	return NULL;
}

START_TEST(test_events_the_filter_drops_do_not_extend_the_timeout)
{
	static const char *const types[] = { "Wanted", NULL };
	prov_bus_subscribe_options options = PROV_BUS_SUBSCRIBE_OPTIONS_INIT;
	noise n = { NULL, false };
	prov_bus_subscriber *sub;
	const prov_event *ev;
	pthread_t thread;
	int64_t start;

	options.types = types;
	ck_assert_int_eq(prov_bus_new(&n.bus, NULL), PROV_OK);
	ck_assert_int_eq(prov_bus_subscribe(&sub, n.bus, &options), PROV_OK);
	pthread_create(&thread, NULL, publish_noise, &n);
	start = prov_clock_monotonic_ns();
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 100), PROV_ETIMEOUT);
	ck_assert_int_ge(elapsed_ms(start), 100);
	ck_assert_int_lt(elapsed_ms(start), 2000);
	atomic_store(&n.stop, true);
	pthread_join(thread, NULL);
	prov_bus_unsubscribe(sub);
	prov_bus_free(n.bus);
}
END_TEST

static void *publish_one(void *arg)
{
	prov_bus_publish(NULL, arg, "Late", NULL);
	return NULL;
}

START_TEST(test_a_waiting_receive_returns_as_soon_as_an_event_arrives)
{
	prov_bus *bus;
	prov_bus_subscriber *sub;
	const prov_event *ev;
	pthread_t thread;
	int64_t start;

	ck_assert_int_eq(prov_bus_new(&bus, NULL), PROV_OK);
	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, NULL), PROV_OK);
	start = prov_clock_monotonic_ns();
	pthread_create(&thread, NULL, publish_one, bus);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 30000), PROV_OK);
	ck_assert_int_lt(elapsed_ms(start), 5000);
	ck_assert_str_eq(prov_event_type(ev), "Late");
	pthread_join(thread, NULL);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

static Suite *timeouts_suite(void)
{
	Suite *s = suite_create("timeouts");
	TCase *tc = tcase_create("timeouts");

	tcase_add_test(tc, test_receive_gives_up_after_its_timeout);
	tcase_add_test(tc, test_a_zero_timeout_only_polls);
	tcase_add_test(tc, test_events_the_filter_drops_do_not_extend_the_timeout);
	tcase_add_test(tc, test_a_waiting_receive_returns_as_soon_as_an_event_arrives);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(timeouts_suite());
}
