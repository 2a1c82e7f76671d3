/* The bus's semantics, seen from one thread. */
#include "test-util.h"

#include <provisioning/bus.h>
#include <provisioning/error.h>

#include "core/rfc3339.h"

#include <json-c/json.h>

static prov_bus *new_bus(size_t capacity, unsigned int flags)
{
	prov_bus_options options = PROV_BUS_OPTIONS_INIT;
	prov_bus *bus;

	options.capacity = capacity;
	options.flags = flags;
	ck_assert_int_eq(prov_bus_new(&bus, &options), PROV_OK);
	return bus;
}

static prov_bus_subscriber *subscribe(prov_bus *bus, const char *const *types)
{
	prov_bus_subscribe_options options = PROV_BUS_SUBSCRIBE_OPTIONS_INIT;
	prov_bus_subscriber *sub;

	options.types = types;
	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, &options), PROV_OK);
	return sub;
}

/* Publish Tick{n} and return its sequence number. */
static uint64_t publish_tick(prov_bus *bus, int n)
{
	char payload[32];
	uint64_t seq = 0;

	snprintf(payload, sizeof(payload), "{\"n\":%d}", n);
	ck_assert_int_eq(prov_bus_publish(&seq, bus, "Tick", payload), PROV_OK);
	return seq;
}

/* The n of the next Tick the subscriber receives (polling). */
static int receive_tick(prov_bus_subscriber *sub)
{
	const prov_event *ev;
	json_object *doc, *n;
	int value;

	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
	doc = json_tokener_parse(prov_event_json(ev, NULL));
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "n", &n));
	value = json_object_get_int(n);
	json_object_put(doc);
	return value;
}

START_TEST(test_events_arrive_in_publishing_order_with_consecutive_seq)
{
	prov_bus *bus = new_bus(16, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;

	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(publish_tick(bus, i), (uint64_t)i + 1);
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
		ck_assert_uint_eq(prov_event_seq(ev), (uint64_t)i + 1);
		ck_assert_str_eq(prov_event_type(ev), "Tick");
	}
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_no_event_is_lost_within_capacity)
{
	prov_bus *bus = new_bus(64, 0);
	prov_bus_subscriber *a = subscribe(bus, NULL), *b = subscribe(bus, NULL);
	const prov_event *ev;

	for (int i = 0; i < 64; i++)
		publish_tick(bus, i);
	for (int i = 0; i < 64; i++) {
		ck_assert_int_eq(receive_tick(a), i);
		ck_assert_int_eq(receive_tick(b), i);
	}
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, a, 0), PROV_EAGAIN);
	ck_assert_ptr_null(ev);
	prov_bus_unsubscribe(a);
	prov_bus_unsubscribe(b);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_lagged_subscriber_learns_the_exact_number_missed_and_resumes_at_the_oldest)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;
	uint64_t missed = 0;

	ck_assert_uint_eq(prov_bus_capacity(bus), 8);
	for (int i = 0; i < 8 + 5; i++)
		publish_tick(bus, i);
	ck_assert_int_eq(prov_bus_receive(&ev, &missed, sub, 0), PROV_ELAGGED);
	ck_assert_uint_eq(missed, 5);
	ck_assert_ptr_null(ev);
	ck_assert_int_eq(prov_error_last()->code, PROV_ELAGGED);
	for (int i = 5; i < 13; i++)
		ck_assert_int_eq(receive_tick(sub), i);
	ck_assert_int_eq(prov_bus_receive(&ev, &missed, sub, 0), PROV_EAGAIN);
	ck_assert_uint_eq(missed, 0);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_lag_count_is_exact_after_many_laps_and_after_a_partial_read)
{
	prov_bus *bus = new_bus(4, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;
	uint64_t missed;

	for (int i = 0; i < 3; i++)
		publish_tick(bus, i);
	ck_assert_int_eq(receive_tick(sub), 0);
	for (int i = 3; i < 1003; i++)
		publish_tick(bus, i);
	/* Read 1 of 1003; the ring keeps 999..1002, so 1..998 are gone. */
	ck_assert_int_eq(prov_bus_receive(&ev, &missed, sub, 0), PROV_ELAGGED);
	ck_assert_uint_eq(missed, 998);
	ck_assert_int_eq(receive_tick(sub), 999);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_filter_delivers_only_the_listed_types)
{
	static const char *const types[] = { "Keep", "Also", NULL };
	prov_bus *bus = new_bus(16, 0);
	prov_bus_subscriber *sub = subscribe(bus, types);
	const char *published[] = { "Drop", "Keep", "Keeper", "Also", "Kee", "Keep" };
	const char *expected[] = { "Keep", "Also", "Keep" };
	const prov_event *ev;

	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(prov_bus_publish(NULL, bus, published[i], NULL), PROV_OK);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
		ck_assert_str_eq(prov_event_type(ev), expected[i]);
	}
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_EAGAIN);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_filtered_subscriber_counts_every_lost_event_in_its_lag)
{
	static const char *const types[] = { "Keep", NULL };
	prov_bus *bus = new_bus(4, 0);
	prov_bus_subscriber *sub = subscribe(bus, types);
	const prov_event *ev;
	uint64_t missed;

	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(prov_bus_publish(NULL, bus, i % 2 ? "Keep" : "Drop", NULL), PROV_OK);
	/* Seqs 1..6 are gone, whatever their type; 7..10 remain. */
	ck_assert_int_eq(prov_bus_receive(&ev, &missed, sub, 0), PROV_ELAGGED);
	ck_assert_uint_eq(missed, 6);
	ck_assert_int_eq(prov_bus_receive(&ev, &missed, sub, 0), PROV_OK);
	ck_assert_uint_eq(prov_event_seq(ev), 8);
	ck_assert_int_eq(prov_bus_receive(&ev, &missed, sub, 0), PROV_OK);
	ck_assert_uint_eq(prov_event_seq(ev), 10);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_timestamps_never_go_back_in_sequence_order)
{
	prov_bus *bus = new_bus(256, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;
	char previous[64] = "";

	for (int i = 0; i < 200; i++)
		publish_tick(bus, i);
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
		ck_assert_uint_eq(strlen(prov_event_timestamp(ev)), 24);
		ck_assert_int_le(strcmp(previous, prov_event_timestamp(ev)), 0);
		snprintf(previous, sizeof(previous), "%s", prov_event_timestamp(ev));
	}
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_filter_with_a_bad_type_name_is_refused)
{
	static const char *const types[] = { "Ok", "not ok", NULL };
	prov_bus_subscribe_options options = PROV_BUS_SUBSCRIBE_OPTIONS_INIT;
	prov_bus *bus = new_bus(4, 0);
	prov_bus_subscriber *sub = (prov_bus_subscriber *)1;

	options.types = types;
	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, &options), PROV_EINVAL);
	ck_assert_ptr_null(sub);
	ck_assert_msg(strstr(prov_error_last()->message, "subscription filter: event type \"not")
		      != NULL, "%s", prov_error_last()->message);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_close_lets_subscribers_drain_then_reports_closed)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;

	for (int i = 0; i < 3; i++)
		publish_tick(bus, i);
	prov_bus_close(bus);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(receive_tick(sub), i);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_ECLOSED);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, -1), PROV_ECLOSED);
	ck_assert_ptr_null(ev);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_closed_bus_refuses_publishers_and_new_subscribers)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *sub;

	prov_bus_close(bus);
	prov_bus_close(bus);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "Tick", NULL), PROV_ECLOSED);
	ck_assert_msg(strstr(prov_error_last()->message, "Tick") != NULL, "%s",
		      prov_error_last()->message);
	ck_assert_int_eq(prov_bus_subscribe(&sub, bus, NULL), PROV_ECLOSED);
	ck_assert_int_eq(prov_bus_publish_checkpoint_saved(NULL, bus, "wf", 1), PROV_ECLOSED);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_subscribers_outlive_the_freed_bus_and_drain_it)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;

	publish_tick(bus, 7);
	prov_bus_free(bus);
	ck_assert_int_eq(receive_tick(sub), 7);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_ECLOSED);
	prov_bus_unsubscribe(sub);
}
END_TEST

START_TEST(test_late_subscriber_sees_only_new_events)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *early = subscribe(bus, NULL), *late;

	publish_tick(bus, 1);
	publish_tick(bus, 2);
	late = subscribe(bus, NULL);
	publish_tick(bus, 3);
	ck_assert_int_eq(receive_tick(late), 3);
	ck_assert_int_eq(receive_tick(early), 1);
	prov_bus_unsubscribe(early);
	prov_bus_unsubscribe(late);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_subscribers_share_one_copy_of_the_event_text)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *a = subscribe(bus, NULL), *b = subscribe(bus, NULL);
	const prov_event *ea, *eb;

	publish_tick(bus, 1);
	ck_assert_int_eq(prov_bus_receive(&ea, NULL, a, 0), PROV_OK);
	ck_assert_int_eq(prov_bus_receive(&eb, NULL, b, 0), PROV_OK);
	ck_assert_ptr_eq(ea, eb);
	ck_assert_ptr_eq(prov_event_json(ea, NULL), prov_event_json(eb, NULL));
	prov_bus_unsubscribe(a);
	prov_bus_unsubscribe(b);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_borrowed_event_survives_being_overwritten_until_the_next_receive)
{
	prov_bus *bus = new_bus(2, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;
	char expected[128];

	publish_tick(bus, 1);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
	snprintf(expected, sizeof(expected), "%s", prov_event_json(ev, NULL));
	for (int i = 0; i < 10; i++)
		publish_tick(bus, 100 + i);
	ck_assert_str_eq(prov_event_json(ev, NULL), expected);
	ck_assert_uint_eq(prov_event_seq(ev), 1);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_event_text_carries_format_version_type_seq_timestamp_and_members)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;
	json_object *doc, *member;
	int64_t ms;
	size_t len;

	ck_assert_int_eq(prov_bus_publish(NULL, bus, "Op.Done:v1",
					  " {\n \"a\" : [1, 2.50],\t\"b\": {\"c\": null} }\n"),
			 PROV_OK);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
	ck_assert_str_eq(prov_event_json(ev, &len),
			 strstr(prov_event_json(ev, NULL), "{\"format_version\":1,"));
	ck_assert_uint_eq(len, strlen(prov_event_json(ev, NULL)));
	ck_assert_ptr_null(strchr(prov_event_json(ev, NULL), '\n'));
	ck_assert_ptr_nonnull(strstr(prov_event_json(ev, NULL), ",\"a\":[1,2.50],\"b\":{\"c\":null}}"));
	doc = json_tokener_parse(prov_event_json(ev, NULL));
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "format_version", &member));
	ck_assert_int_eq(json_object_get_int(member), 1);
	ck_assert(json_object_object_get_ex(doc, "type", &member));
	ck_assert_str_eq(json_object_get_string(member), "Op.Done:v1");
	ck_assert(json_object_object_get_ex(doc, "seq", &member));
	ck_assert_int_eq(json_object_get_int64(member), 1);
	ck_assert(json_object_object_get_ex(doc, "timestamp", &member));
	ck_assert_str_eq(json_object_get_string(member), prov_event_timestamp(ev));
	ck_assert_int_eq(prov_rfc3339_parse(prov_event_timestamp(ev),
					    strlen(prov_event_timestamp(ev)), &ms), 0);
	ck_assert_int_eq(prov_event_timestamp(ev)[strlen(prov_event_timestamp(ev)) - 1], 'Z');
	json_object_put(doc);
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_an_event_without_payload_has_only_the_envelope)
{
	prov_bus *bus = new_bus(8, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;
	json_object *doc;

	ck_assert_int_eq(prov_bus_publish(NULL, bus, "Empty", NULL), PROV_OK);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "Empty", "{ }"), PROV_OK);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
		doc = json_tokener_parse(prov_event_json(ev, NULL));
		ck_assert_ptr_nonnull(doc);
		ck_assert_int_eq(json_object_object_length(doc), 4);
		json_object_put(doc);
	}
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_bad_types_and_payloads_are_refused_with_a_clear_error)
{
	prov_bus *bus = new_bus(8, 0);
	char long_type[PROV_BUS_TYPE_MAX + 2];

	memset(long_type, 'T', sizeof(long_type) - 1);
	long_type[sizeof(long_type) - 1] = '\0';
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "", NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, NULL, NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, long_type, NULL), PROV_EINVAL);
	long_type[PROV_BUS_TYPE_MAX] = '\0';
	ck_assert_int_eq(prov_bus_publish(NULL, bus, long_type, NULL), PROV_OK);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "A\"b", NULL), PROV_EINVAL);
	ck_assert_msg(strstr(prov_error_last()->message, "character 2") != NULL, "%s",
		      prov_error_last()->message);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "T", "[1]"), PROV_EPARSE);
	ck_assert_str_eq(prov_error_last()->message, "event payload: not a JSON object");
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "T", "{\"a\":1} {}"), PROV_EPARSE);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "T", "{\"a\":'x'}"), PROV_EPARSE);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "T", "{\"a\":\"\xff\"}"), PROV_EPARSE);
	ck_assert_msg(strstr(prov_error_last()->message, "invalid UTF-8 at byte 7") != NULL, "%s",
		      prov_error_last()->message);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "T", "{\"seq\":5}"), PROV_EINVAL);
	ck_assert_str_eq(prov_error_last()->message,
			 "event payload: member \"seq\" is reserved for the bus");
	ck_assert_int_eq(prov_bus_publish(NULL, NULL, "T", NULL), PROV_EINVAL);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_a_trusted_bus_checks_only_the_braces)
{
	prov_bus *bus = new_bus(8, PROV_BUS_TRUSTED_PAYLOADS);
	prov_bus_subscriber *sub = subscribe(bus, NULL);
	const prov_event *ev;

	ck_assert_int_eq(prov_bus_publish(NULL, bus, "T", "[1]"), PROV_EPARSE);
	ck_assert_int_eq(prov_bus_publish(NULL, bus, "T", " {\"k\": 1} "), PROV_OK);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, sub, 0), PROV_OK);
	ck_assert_ptr_nonnull(strstr(prov_event_json(ev, NULL), "\",\"k\": 1}"));
	prov_bus_unsubscribe(sub);
	prov_bus_free(bus);
}
END_TEST

START_TEST(test_capacity_is_rounded_up_and_bounded)
{
	prov_bus_options options = PROV_BUS_OPTIONS_INIT;
	prov_bus *bus = (prov_bus *)1;

	ck_assert_int_eq(prov_bus_new(&bus, NULL), PROV_OK);
	ck_assert_uint_eq(prov_bus_capacity(bus), PROV_BUS_DEFAULT_CAPACITY);
	prov_bus_free(bus);
	options.capacity = 100;
	ck_assert_int_eq(prov_bus_new(&bus, &options), PROV_OK);
	ck_assert_uint_eq(prov_bus_capacity(bus), 128);
	prov_bus_free(bus);
	options.capacity = (size_t)PROV_BUS_MAX_CAPACITY + 1;
	ck_assert_int_eq(prov_bus_new(&bus, &options), PROV_ERANGE);
	ck_assert_ptr_null(bus);
	options.size = 2;
	ck_assert_int_eq(prov_bus_new(&bus, &options), PROV_EINVAL);
	prov_bus_free(NULL);
	prov_bus_unsubscribe(NULL);
}
END_TEST

START_TEST(test_unsubscribing_releases_the_borrowed_event)
{
	prov_bus *bus = new_bus(2, 0);
	prov_bus_subscriber *sub = subscribe(bus, NULL), *other = subscribe(bus, NULL);

	publish_tick(bus, 1);
	ck_assert_int_eq(receive_tick(sub), 1);
	prov_bus_unsubscribe(sub);
	for (int i = 0; i < 5; i++)
		publish_tick(bus, i);
	prov_bus_unsubscribe(other);
	prov_bus_free(bus);
}
END_TEST

static Suite *semantics_suite(void)
{
	Suite *s = suite_create("semantics");
	TCase *tc = tcase_create("semantics");

	tcase_add_test(tc, test_events_arrive_in_publishing_order_with_consecutive_seq);
	tcase_add_test(tc, test_no_event_is_lost_within_capacity);
	tcase_add_test(tc, test_lagged_subscriber_learns_the_exact_number_missed_and_resumes_at_the_oldest);
	tcase_add_test(tc, test_lag_count_is_exact_after_many_laps_and_after_a_partial_read);
	tcase_add_test(tc, test_filter_delivers_only_the_listed_types);
	tcase_add_test(tc, test_a_filtered_subscriber_counts_every_lost_event_in_its_lag);
	tcase_add_test(tc, test_timestamps_never_go_back_in_sequence_order);
	tcase_add_test(tc, test_filter_with_a_bad_type_name_is_refused);
	tcase_add_test(tc, test_close_lets_subscribers_drain_then_reports_closed);
	tcase_add_test(tc, test_a_closed_bus_refuses_publishers_and_new_subscribers);
	tcase_add_test(tc, test_subscribers_outlive_the_freed_bus_and_drain_it);
	tcase_add_test(tc, test_late_subscriber_sees_only_new_events);
	tcase_add_test(tc, test_subscribers_share_one_copy_of_the_event_text);
	tcase_add_test(tc, test_a_borrowed_event_survives_being_overwritten_until_the_next_receive);
	tcase_add_test(tc, test_event_text_carries_format_version_type_seq_timestamp_and_members);
	tcase_add_test(tc, test_an_event_without_payload_has_only_the_envelope);
	tcase_add_test(tc, test_bad_types_and_payloads_are_refused_with_a_clear_error);
	tcase_add_test(tc, test_a_trusted_bus_checks_only_the_braces);
	tcase_add_test(tc, test_capacity_is_rounded_up_and_bounded);
	tcase_add_test(tc, test_unsubscribing_releases_the_borrowed_event);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(semantics_suite());
}
