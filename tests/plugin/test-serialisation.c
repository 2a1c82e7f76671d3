/* A provider flagged not concurrent is never entered by two threads at once. */
#include "test-util.h"
#include "plugin-test.h"

#include <pthread.h>

#define THREADS 4

static int calls_per_thread(void)
{
	return test_under_valgrind() ? 10 : 50;
}

static void *hammer(void *arg)
{
	prov_registry *reg = arg;

	for (int i = 0; i < calls_per_thread(); i++) {
		char *doc = NULL;
		int rc = prov_provider_create_server(&doc, reg, "serial", "{\"hostname\":\"count\"}", NULL);

		ck_assert_int_eq(rc, PROV_OK);
		prov_free(doc);
	}
	return NULL;
}

START_TEST(test_a_not_concurrent_provider_is_entered_by_one_thread_at_a_time)
{
	const char *plugins[] = { "fake-serial", NULL };
	prov_registry *reg = test_registry(plugins);
	pthread_t threads[THREADS];
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_registry_add_provider(reg, "serial", "{\"plugin\":\"fake-serial\"}"),
			 PROV_OK);
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, hammer, reg), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "serial", "{\"hostname\":\"count\"}", NULL),
			 PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.most_inside"), "1");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin-serialisation");
	TCase *tc = tcase_create("serialisation");

	tcase_add_test(tc, test_a_not_concurrent_provider_is_entered_by_one_thread_at_a_time);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
