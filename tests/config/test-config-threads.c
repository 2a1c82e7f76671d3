#include "config-test.h"

#include <pthread.h>

#define THREADS 8

static prov_config *shared;

/* Every getter, many times, on one config: nothing may race. */
static void *read_everything(void *arg)
{
	long failures = 0;
	int rounds = test_under_valgrind() ? 50 : 2000;

	(void)arg;
	for (int i = 0; i < rounds; i++) {
		const char *s = NULL, *layer = NULL, *key = NULL;
		char *json = NULL, *dump = NULL;
		int64_t n = 0;
		size_t len = 0;
		int line = 0;

		failures += prov_config_get_string(shared, "name", &s) != PROV_OK || strcmp(s, "web") != 0;
		failures += prov_config_get_int64(shared, "servers.count", &n) != PROV_OK || n != 3;
		failures += prov_config_get_int64(shared, "name", &n) != PROV_ETYPE;
		failures += prov_config_get_string(shared, "missing.key", &s) != PROV_ENOTFOUND;
		failures += prov_config_get_origin(shared, "name", &layer, NULL, &line) != PROV_OK || line != 1;
		failures += prov_config_get_array_length(shared, "list", &len) != PROV_OK || len != 3;
		failures += prov_config_get_key_at(shared, "servers", 0, &key) != PROV_OK;
		failures += prov_config_get_json(shared, "servers", &json) != PROV_OK;
		failures += prov_config_dump(shared, "", PROV_FORMAT_YAML, 0, &dump) != PROV_OK ||
			    strstr(dump, "s3cr3t") != NULL;
		prov_free(json);
		prov_free(dump);
	}
	return (void *)failures;
}

START_TEST(test_many_threads_read_one_config)
{
	prov_config_resolver *r;
	pthread_t threads[THREADS];

	ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.yaml",
		 "name: web\nservers:\n  count: 3\n  password: s3cr3t\nlist: [1, 2, \"{{name}}\"]\n",
		 PROV_FORMAT_YAML);
	shared = resolve_ok(r);
	prov_config_resolver_free(r);
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, read_everything, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		void *failures;
		ck_assert_int_eq(pthread_join(threads[i], &failures), 0);
		ck_assert_int_eq((long)failures, 0);
	}
	prov_config_free(shared);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config-threads");
	TCase *tc = tcase_create("readers");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_many_threads_read_one_config);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
