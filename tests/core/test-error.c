#include "test-util.h"

#include "core/err.h"

#include <errno.h>
#include <pthread.h>

START_TEST(test_no_error_reads_as_ok_with_empty_strings)
{
	const prov_error *e;

	prov_error_clear();
	e = prov_error_last();
	ck_assert_int_eq(e->code, PROV_OK);
	ck_assert_str_eq(e->message, "");
	ck_assert_str_eq(e->file, "");
	ck_assert_str_eq(e->provider, "");
	ck_assert_int_eq(e->line, 0);
	ck_assert_uint_eq(e->size, sizeof(prov_error));
}
END_TEST

START_TEST(test_set_returns_code_and_records_category)
{
	int rc = prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CONFIGURATION, "key %s missing", "a.b");

	ck_assert_int_eq(rc, PROV_ENOTFOUND);
	ck_assert_int_eq(prov_error_last()->code, PROV_ENOTFOUND);
	ck_assert_int_eq(prov_error_last()->category, PROV_ERRCAT_CONFIGURATION);
	ck_assert_str_eq(prov_error_last()->message, "key a.b missing");
}
END_TEST

START_TEST(test_error_at_names_file_and_line)
{
	prov_err_at(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, "conf.toml", 12, "expected '='");
	ck_assert_str_eq(prov_error_last()->message, "conf.toml:12: expected '='");
	ck_assert_str_eq(prov_error_last()->file, "conf.toml");
	ck_assert_int_eq(prov_error_last()->line, 12);

	prov_err_at(PROV_EIO, PROV_ERRCAT_IO, "conf.toml", 0, "is a directory");
	ck_assert_str_eq(prov_error_last()->message, "conf.toml: is a directory");
	ck_assert_int_eq(prov_error_last()->line, 0);
}
END_TEST

START_TEST(test_new_error_clears_previous_context)
{
	prov_err_set(PROV_EPROVIDER, PROV_ERRCAT_PROVIDER, "create failed");
	prov_err_context(PROV_ERR_PROVIDER, "local");
	prov_err_context(PROV_ERR_RESOURCE_ID, "srv-1");
	ck_assert_str_eq(prov_error_last()->provider, "local");
	ck_assert_str_eq(prov_error_last()->resource_id, "srv-1");

	prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "other");
	ck_assert_str_eq(prov_error_last()->provider, "");
	ck_assert_str_eq(prov_error_last()->resource_id, "");
}
END_TEST

START_TEST(test_long_message_is_truncated_with_marker)
{
	char big[8192];
	size_t len;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	prov_err_set(PROV_ERROR, PROV_ERRCAT_INTERNAL, "%s", big);
	len = strlen(prov_error_last()->message);
	ck_assert_uint_lt(len, sizeof(big) - 1);
	ck_assert_uint_gt(len, 500);
	ck_assert_str_eq(prov_error_last()->message + len - 3, "...");
}
END_TEST

START_TEST(test_long_context_field_is_truncated_and_terminated)
{
	char big[4096];

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	prov_err_set(PROV_ERROR, PROV_ERRCAT_INTERNAL, "x");
	prov_err_context(PROV_ERR_KEY, big);
	ck_assert_uint_lt(strlen(prov_error_last()->key), sizeof(big) - 1);
	ck_assert_str_eq(prov_error_last()->key + strlen(prov_error_last()->key) - 3, "...");
}
END_TEST

START_TEST(test_truncation_never_splits_utf8)
{
	char dst[8];

	/* "aaaa" then a 3-byte sequence: the cut must fall before it. */
	prov_copy_bounded(dst, sizeof(dst), "aaaa\xe2\x82\xac\xe2\x82\xac");
	ck_assert_str_eq(dst, "aaaa...");
	prov_copy_bounded(dst, sizeof(dst), "\xe2\x82\xac!");
	ck_assert_str_eq(dst, "\xe2\x82\xac!");
	/* Text that fits exactly is not cut. */
	prov_copy_bounded(dst, sizeof(dst), "abcdefg");
	ck_assert_str_eq(dst, "abcdefg");
	prov_copy_bounded(dst, sizeof(dst), "abcdefgh");
	ck_assert_str_eq(dst, "abcd...");
}
END_TEST

START_TEST(test_message_is_one_line)
{
	prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, "first\nsecond\r\tthird");
	ck_assert_ptr_null(strchr(prov_error_last()->message, '\n'));
	ck_assert_str_eq(prov_error_last()->message, "first second  third");
}
END_TEST

START_TEST(test_prefix_prepends_to_message)
{
	prov_err_set(PROV_ETIMEOUT, PROV_ERRCAT_WORKFLOW, "timed out");
	prov_err_prefix("operation '%s': ", "db");
	ck_assert_str_eq(prov_error_last()->message, "operation 'db': timed out");
	ck_assert_int_eq(prov_error_last()->code, PROV_ETIMEOUT);
}
END_TEST

START_TEST(test_errno_maps_to_codes)
{
	ck_assert_int_eq(prov_err_errno(ENOENT, "x.toml: cannot open"), PROV_ENOTFOUND);
	ck_assert_str_eq(prov_error_last()->message, "x.toml: cannot open: No such file or directory");
	ck_assert_int_eq(prov_err_errno(EACCES, "y"), PROV_EPERM);
	ck_assert_int_eq(prov_err_errno(EIO, "z"), PROV_EIO);
	ck_assert_int_eq(prov_err_errno(ENOMEM, "w"), PROV_ENOMEM);
	ck_assert_int_eq(prov_error_last()->category, PROV_ERRCAT_MEMORY);
}
END_TEST

struct thread_result {
	int code;
	char message[64];
	pthread_barrier_t *barrier;
};

static void *set_in_thread(void *arg)
{
	struct thread_result *r = arg;

	prov_err_set(r->code, PROV_ERRCAT_WORKFLOW, "thread %d", r->code);
	/* Both threads have set their errors before either reads. */
	pthread_barrier_wait(r->barrier);
	snprintf(r->message, sizeof(r->message), "%s", prov_error_last()->message);
	r->code = prov_error_last()->code;
	return NULL;
}

START_TEST(test_errors_are_thread_local)
{
	pthread_barrier_t barrier;
	pthread_t t1, t2;
	struct thread_result r1 = { .code = PROV_ETIMEOUT, .barrier = &barrier };
	struct thread_result r2 = { .code = PROV_ECYCLE, .barrier = &barrier };

	prov_err_set(PROV_EIO, PROV_ERRCAT_IO, "main thread");
	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&t1, NULL, set_in_thread, &r1);
	pthread_create(&t2, NULL, set_in_thread, &r2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_barrier_destroy(&barrier);

	ck_assert_int_eq(r1.code, PROV_ETIMEOUT);
	ck_assert_str_eq(r1.message, "thread -11");
	ck_assert_int_eq(r2.code, PROV_ECYCLE);
	ck_assert_str_eq(r2.message, "thread -10");
	ck_assert_int_eq(prov_error_last()->code, PROV_EIO);
	ck_assert_str_eq(prov_error_last()->message, "main thread");
}
END_TEST

static void *fail_and_save(void *arg)
{
	prov_err_at(PROV_EPROVIDER, PROV_ERRCAT_PROVIDER, "p.toml", 3, "boom");
	prov_err_context(PROV_ERR_OPERATION, "web");
	*(prov_err_saved **)arg = prov_err_save();
	return NULL;
}

START_TEST(test_saved_error_moves_between_threads)
{
	prov_err_saved *saved = NULL;
	pthread_t t;

	prov_error_clear();
	pthread_create(&t, NULL, fail_and_save, &saved);
	pthread_join(t, NULL);
	ck_assert_ptr_nonnull(saved);
	ck_assert_int_eq(prov_err_restore(saved), PROV_EPROVIDER);
	ck_assert_str_eq(prov_error_last()->message, "p.toml:3: boom");
	ck_assert_str_eq(prov_error_last()->operation_id, "web");
	ck_assert_int_eq(prov_error_last()->line, 3);
	ck_assert_str_eq(prov_err_saved_message(saved), "p.toml:3: boom");
	prov_err_saved_free(saved);
}
END_TEST

START_TEST(test_strerror_names_every_code)
{
	for (int code = PROV_OK; code >= PROV_ESTORE; code--)
		ck_assert_str_ne(prov_strerror(code), "unknown error");
	ck_assert_str_eq(prov_strerror(PROV_ENOTFOUND), "not found");
	ck_assert_str_eq(prov_strerror(-1000), "unknown error");
	ck_assert_str_eq(prov_strerror(5), "unknown error");
}
END_TEST

START_TEST(test_category_names)
{
	ck_assert_str_eq(prov_error_category_name(PROV_ERRCAT_CONFIGURATION), "configuration");
	ck_assert_str_eq(prov_error_category_name(PROV_ERRCAT_ABI), "abi");
	ck_assert_str_eq(prov_error_category_name(99), "unknown");
	ck_assert_str_eq(prov_error_category_name(-1), "unknown");
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("error");

	tcase_add_test(tc, test_no_error_reads_as_ok_with_empty_strings);
	tcase_add_test(tc, test_set_returns_code_and_records_category);
	tcase_add_test(tc, test_error_at_names_file_and_line);
	tcase_add_test(tc, test_new_error_clears_previous_context);
	tcase_add_test(tc, test_long_message_is_truncated_with_marker);
	tcase_add_test(tc, test_long_context_field_is_truncated_and_terminated);
	tcase_add_test(tc, test_truncation_never_splits_utf8);
	tcase_add_test(tc, test_message_is_one_line);
	tcase_add_test(tc, test_prefix_prepends_to_message);
	tcase_add_test(tc, test_errno_maps_to_codes);
	tcase_add_test(tc, test_errors_are_thread_local);
	tcase_add_test(tc, test_saved_error_moves_between_threads);
	tcase_add_test(tc, test_strerror_names_every_code);
	tcase_add_test(tc, test_category_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(error_suite());
}
