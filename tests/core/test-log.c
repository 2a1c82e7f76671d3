#include "test-util.h"

#include "core/logging.h"

struct captured {
	int calls;
	int level;
	char component[32];
	char message[256];
};

static void capture(int level, const char *component, const char *message, void *userdata)
{
	struct captured *c = userdata;

	c->calls++;
	c->level = level;
	snprintf(c->component, sizeof(c->component), "%s", component);
	snprintf(c->message, sizeof(c->message), "%s", message);
}

START_TEST(test_handler_receives_messages_up_to_its_level)
{
	struct captured c = { 0 };

	ck_assert_int_eq(prov_log_set_handler(capture, PROV_LOG_INFO, &c), PROV_OK);
	prov_log(PROV_LOG_WARNING, "config", "key %s is deprecated", "a.b");
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.level, PROV_LOG_WARNING);
	ck_assert_str_eq(c.component, "config");
	ck_assert_str_eq(c.message, "key a.b is deprecated");
	prov_log(PROV_LOG_DEBUG, "config", "not delivered");
	ck_assert_int_eq(c.calls, 1);
	ck_assert(prov_log_enabled(PROV_LOG_INFO));
	ck_assert(!prov_log_enabled(PROV_LOG_DEBUG));
	prov_log_set_handler(NULL, 0, NULL);
}
END_TEST

START_TEST(test_no_handler_drops_messages)
{
	struct captured c = { 0 };

	prov_log_set_handler(capture, PROV_LOG_DEBUG, &c);
	ck_assert_int_eq(prov_log_set_handler(NULL, PROV_LOG_DEBUG, NULL), PROV_OK);
	prov_log(PROV_LOG_ERROR, "x", "dropped");
	ck_assert_int_eq(c.calls, 0);
	ck_assert(!prov_log_enabled(PROV_LOG_ERROR));
}
END_TEST

START_TEST(test_messages_are_single_lines)
{
	struct captured c = { 0 };

	prov_log_set_handler(capture, PROV_LOG_DEBUG, &c);
	prov_log(PROV_LOG_INFO, "plugin", "line one\nline two");
	ck_assert_str_eq(c.message, "line one line two");
	prov_log_set_handler(NULL, 0, NULL);
}
END_TEST

START_TEST(test_invalid_level_is_refused)
{
	struct captured c = { 0 };

	ck_assert_int_eq(prov_log_set_handler(capture, 17, &c), PROV_EINVAL);
	ck_assert_str_eq(prov_log_level_name(PROV_LOG_WARNING), "warning");
	ck_assert_str_eq(prov_log_level_name(42), "unknown");
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, test_handler_receives_messages_up_to_its_level);
	tcase_add_test(tc, test_no_handler_drops_messages);
	tcase_add_test(tc, test_messages_are_single_lines);
	tcase_add_test(tc, test_invalid_level_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(log_suite());
}
