/*
 * The local provider: stable ids, addresses from the CIDR, plans and zones,
 * create idempotent by hostname, private atomic state files, and the
 * failure-injection knobs.
 */
#include "test-util.h"
#include "plugin-test.h"

#include "core/clock.h"

#include <sys/stat.h>

typedef struct fixture {
	char *dir;
	prov_registry *reg;
} fixture;

/* A local instance "local" over a fresh state dir, with extra config members. */
static fixture start_local(const char *extra)
{
	const char *plugins[] = { "shipped:local", NULL };
	fixture f = { test_tmpdir(), test_registry(plugins) };
	char config[2048];
	int rc;

	snprintf(config, sizeof(config), "{\"state_dir\":\"%s/state\"%s%s}", f.dir,
		 extra ? "," : "", extra ? extra : "");
	rc = prov_registry_add_provider(f.reg, "local", config);
	ck_assert_msg(rc == PROV_OK, "%s", prov_error_last()->message);
	return f;
}

static void stop_local(fixture *f)
{
	prov_registry_free(f->reg);
	test_rmtree(f->dir);
	free(f->dir);
}

/* create_server with spec; returns the document, asserting status. */
static json_object *create(fixture *f, const char *spec, int expected)
{
	char *doc = NULL;
	int rc = prov_provider_create_server(&doc, f->reg, "local", spec, NULL);

	ck_assert_msg(rc == expected, "create %s: %d %s", spec, rc, prov_error_last()->message);
	return test_document(doc, expected == PROV_OK ? "success" : "error");
}

START_TEST(test_servers_get_sequential_ids_and_addresses_from_the_cidr)
{
	fixture f = start_local("\"cidr\":\"192.168.50.0/24\"");
	json_object *a = create(&f, "{\"hostname\":\"db-1\"}", PROV_OK);
	json_object *b = create(&f, "{\"hostname\":\"web-1\",\"tags\":{\"role\":\"web\"}}", PROV_OK);

	ck_assert_str_eq(test_doc_string(a, "result.data.id"), "srv-1");
	ck_assert_str_eq(test_doc_string(a, "result.data.ip_address"), "192.168.50.2");
	ck_assert_str_eq(test_doc_string(a, "result.data.status"), "running");
	ck_assert_str_eq(test_doc_string(a, "result.data.provider"), "local");
	ck_assert_str_eq(test_doc_string(a, "result.data.plan"), "1xCPU-1GB");
	ck_assert_str_eq(test_doc_string(a, "result.data.zone"), "local-1");
	ck_assert_int_eq(strlen(test_doc_string(a, "result.data.created_at")), 20);
	ck_assert_str_eq(test_doc_string(b, "result.data.id"), "srv-2");
	ck_assert_str_eq(test_doc_string(b, "result.data.ip_address"), "192.168.50.3");
	ck_assert_str_eq(test_doc_string(b, "result.data.tags.role"), "web");
	json_object_put(a);
	json_object_put(b);
	stop_local(&f);
}
END_TEST

START_TEST(test_create_is_idempotent_by_hostname)
{
	fixture f = start_local(NULL);
	json_object *a = create(&f, "{\"hostname\":\"db-1\"}", PROV_OK);
	json_object *again = create(&f, "{\"hostname\":\"db-1\",\"plan\":\"2xCPU-4GB\"}", PROV_OK);
	char *doc = NULL;
	json_object *list;

	ck_assert_str_eq(test_doc_string(again, "result.data.id"), "srv-1");
	ck_assert_str_eq(test_doc_string(again, "result.data.plan"), "1xCPU-1GB");
	ck_assert_int_eq(prov_provider_list_servers(&doc, f.reg, "local", NULL), PROV_OK);
	list = test_document(doc, "success");
	ck_assert_int_eq(json_object_array_length(json_object_object_get(
		json_object_object_get(list, "result"), "data")), 1);
	json_object_put(list);
	json_object_put(a);
	json_object_put(again);
	stop_local(&f);
}
END_TEST

START_TEST(test_deleted_servers_keep_their_id_and_free_their_address)
{
	fixture f = start_local("\"cidr\":\"10.1.0.0/24\"");
	char *doc = NULL;
	json_object *d;

	json_object_put(create(&f, "{\"hostname\":\"a\"}", PROV_OK));
	ck_assert_int_eq(prov_provider_delete_server(&doc, f.reg, "local", "srv-1", NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.status"), "deleted");
	json_object_put(d);
	ck_assert_int_eq(prov_provider_delete_server(&doc, f.reg, "local", "srv-1", NULL), PROV_OK);
	json_object_put(test_document(doc, "success"));
	d = create(&f, "{\"hostname\":\"a\"}", PROV_OK);
	ck_assert_str_eq(test_doc_string(d, "result.data.id"), "srv-2");
	ck_assert_str_eq(test_doc_string(d, "result.data.ip_address"), "10.1.0.2");
	json_object_put(d);
	ck_assert_int_eq(prov_provider_get_server(&doc, f.reg, "local", "srv-7", NULL), PROV_EPROVIDER);
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "NOT_FOUND");
	json_object_put(d);
	stop_local(&f);
}
END_TEST

/* call `action` with params; returns the success document. */
static json_object *act(fixture *f, const char *action, const char *params)
{
	char *doc = NULL;
	int rc = prov_provider_call(&doc, f->reg, "local", action, params, NULL);

	ck_assert_msg(rc == PROV_OK, "%s %s: %d %s", action, params, rc, prov_error_last()->message);
	return test_document(doc, "success");
}

START_TEST(test_changes_between_creates_are_seen_by_the_next_create)
{
	fixture f = start_local("\"cidr\":\"10.1.0.0/24\"");
	json_object *d;

	json_object_put(create(&f, "{\"hostname\":\"a\"}", PROV_OK));
	json_object_put(create(&f, "{\"hostname\":\"b\"}", PROV_OK));
	json_object_put(create(&f, "{\"hostname\":\"c\"}", PROV_OK));
	json_object_put(act(&f, "delete_server", "{\"id\":\"srv-2\"}"));
	json_object_put(act(&f, "modify_server", "{\"id\":\"srv-1\",\"tags\":{\"k\":\"v\"}}"));
	d = create(&f, "{\"hostname\":\"b\"}", PROV_OK);
	ck_assert_str_eq(test_doc_string(d, "result.data.id"), "srv-4");
	ck_assert_str_eq(test_doc_string(d, "result.data.ip_address"), "10.1.0.3");
	json_object_put(d);
	d = create(&f, "{\"hostname\":\"a\"}", PROV_OK);
	ck_assert_str_eq(test_doc_string(d, "result.data.id"), "srv-1");
	ck_assert_str_eq(test_doc_string(d, "result.data.tags.k"), "v");
	json_object_put(d);
	d = create(&f, "{\"hostname\":\"d\"}", PROV_OK);
	ck_assert_str_eq(test_doc_string(d, "result.data.ip_address"), "10.1.0.5");
	json_object_put(d);
	stop_local(&f);
}
END_TEST

START_TEST(test_a_hostname_live_twice_on_disk_resolves_to_the_lowest_live_id)
{
	fixture f = start_local("\"cidr\":\"10.1.0.0/24\"");
	char path[1024];
	json_object *d;

	json_object_put(create(&f, "{\"hostname\":\"a\"}", PROV_OK));
	snprintf(path, sizeof(path), "%s/state/servers/srv-5.json", f.dir);
	test_write_file(path, "{\"id\":\"srv-5\",\"hostname\":\"a\",\"status\":\"running\","
			      "\"ip_address\":\"10.1.0.9\",\"tags\":{}}");
	json_object_put(create(&f, "{\"hostname\":\"b\"}", PROV_OK));
	d = create(&f, "{\"hostname\":\"a\"}", PROV_OK);
	ck_assert_str_eq(test_doc_string(d, "result.data.id"), "srv-1");
	json_object_put(d);
	json_object_put(act(&f, "delete_server", "{\"id\":\"srv-1\"}"));
	d = create(&f, "{\"hostname\":\"a\"}", PROV_OK);
	ck_assert_str_eq(test_doc_string(d, "result.data.id"), "srv-5");
	json_object_put(d);
	d = create(&f, "{\"hostname\":\"c\"}", PROV_OK);
	ck_assert_str_eq(test_doc_string(d, "result.data.id"), "srv-7");
	ck_assert_str_eq(test_doc_string(d, "result.data.ip_address"), "10.1.0.2");
	json_object_put(d);
	stop_local(&f);
}
END_TEST

START_TEST(test_state_files_are_private)
{
	fixture f = start_local(NULL);
	char path[1024];
	struct stat st;

	json_object_put(create(&f, "{\"hostname\":\"a\"}", PROV_OK));
	snprintf(path, sizeof(path), "%s/state/servers/srv-1.json", f.dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/state/servers", f.dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	stop_local(&f);
}
END_TEST

START_TEST(test_state_survives_a_new_registry)
{
	fixture f = start_local(NULL);
	const char *plugins[] = { "shipped:local", NULL };
	prov_registry *again = test_registry(plugins);
	char config[1024], *doc = NULL;
	json_object *d;

	json_object_put(create(&f, "{\"hostname\":\"a\"}", PROV_OK));
	snprintf(config, sizeof(config), "{\"state_dir\":\"%s/state\"}", f.dir);
	ck_assert_int_eq(prov_registry_add_provider(again, "local", config), PROV_OK);
	ck_assert_int_eq(prov_provider_get_server(&doc, again, "local", "srv-1", NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.hostname"), "a");
	json_object_put(d);
	prov_registry_free(again);
	stop_local(&f);
}
END_TEST

START_TEST(test_plans_and_zones_come_from_config)
{
	fixture f = start_local("\"plans\":[\"small\",{\"name\":\"big\",\"cpus\":8}],"
				"\"zones\":[\"z1\",\"z2\"],\"zone\":\"z2\"");
	json_object *d = create(&f, "{\"hostname\":\"a\",\"plan\":\"big\"}", PROV_OK);
	char *doc = NULL;

	ck_assert_str_eq(test_doc_string(d, "result.data.plan"), "big");
	ck_assert_str_eq(test_doc_string(d, "result.data.zone"), "z2");
	json_object_put(d);
	d = create(&f, "{\"hostname\":\"b\",\"plan\":\"huge\"}", PROV_EPROVIDER);
	ck_assert_str_eq(test_doc_string(d, "error.code"), "INVALID_PLAN");
	json_object_put(d);
	ck_assert_int_eq(prov_provider_call(&doc, f.reg, "local", "list_plans", NULL, NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.1.cpus"), "8");
	json_object_put(d);
	stop_local(&f);
}
END_TEST

START_TEST(test_server_status_follows_start_and_stop)
{
	fixture f = start_local(NULL);
	char *doc = NULL;
	json_object *d;

	json_object_put(create(&f, "{\"hostname\":\"a\"}", PROV_OK));
	ck_assert_int_eq(prov_provider_call(&doc, f.reg, "local", "stop_server", "{\"id\":\"srv-1\"}", NULL),
			 PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.status"), "stopped");
	json_object_put(d);
	ck_assert_int_eq(prov_provider_call(&doc, f.reg, "local", "modify_server",
					    "{\"id\":\"srv-1\",\"plan\":\"4xCPU-8GB\"}", NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.plan"), "4xCPU-8GB");
	json_object_put(d);
	stop_local(&f);
}
END_TEST

START_TEST(test_fail_on_makes_the_named_creates_fail)
{
	fixture f = start_local("\"fail_on\":[\"doomed\"]");
	json_object *d = create(&f, "{\"hostname\":\"doomed\"}", PROV_EPROVIDER);

	ck_assert_str_eq(test_doc_string(d, "error.code"), "INJECTED_FAILURE");
	json_object_put(d);
	json_object_put(create(&f, "{\"hostname\":\"fine\"}", PROV_OK));
	stop_local(&f);
}
END_TEST

/* The pass/fail pattern of 32 list calls under fail_rate 0.5 and a seed. */
static void failure_pattern(const char *seed, char out[33])
{
	char extra[128];
	fixture f;

	snprintf(extra, sizeof(extra), "\"fail_rate\":0.5,\"seed\":%s", seed);
	f = start_local(extra);
	for (int i = 0; i < 32; i++) {
		char *doc = NULL;

		out[i] = prov_provider_list_servers(&doc, f.reg, "local", NULL) == PROV_OK ? '.' : 'x';
		prov_free(doc);
	}
	out[32] = '\0';
	stop_local(&f);
}

START_TEST(test_fail_rate_is_reproducible_from_its_seed)
{
	char first[33], second[33], other[33];

	failure_pattern("42", first);
	failure_pattern("42", second);
	failure_pattern("7", other);
	ck_assert_str_eq(first, second);
	ck_assert_str_ne(first, other);
	ck_assert_ptr_nonnull(strchr(first, 'x'));
	ck_assert_ptr_nonnull(strchr(first, '.'));
}
END_TEST

START_TEST(test_latency_stops_at_the_deadline_and_fails_the_call_as_a_timeout)
{
	fixture f = start_local("\"latency_ms\":20000");
	prov_call_options opt = PROV_CALL_OPTIONS_INIT;
	int64_t started = prov_clock_monotonic_ns();
	char *doc = NULL;
	json_object *d;
	int rc;

	opt.timeout_ms = 50;
	rc = prov_provider_list_servers(&doc, f.reg, "local", &opt);
	ck_assert_msg(rc == PROV_ETIMEOUT, "%d %s", rc, prov_error_last()->message);
	/* Far below the latency: the wait ended at the deadline, not 20 s later. */
	ck_assert_int_lt((prov_clock_monotonic_ns() - started) / 1000000, 10000);
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "timeout");
	json_object_put(d);
	stop_local(&f);
}
END_TEST

START_TEST(test_bad_config_is_refused_naming_the_key)
{
	const char *plugins[] = { "shipped:local", NULL };
	prov_registry *reg = test_registry(plugins);

	ck_assert_int_eq(prov_registry_add_provider(reg, "local", "{\"cidr\":\"10.0.0.0/33\"}"),
			 PROV_EPLUGIN);
	ck_assert(test_error_mentions("providers.local.cidr"));
	ck_assert_int_eq(prov_registry_add_provider(reg, "local", "{\"fail_rate\":2}"), PROV_EPLUGIN);
	ck_assert(test_error_mentions("providers.local.fail_rate"));
	prov_registry_free(reg);
}
END_TEST

static int base_dir(char *buf, size_t size, size_t *needed, const char *key, void *userdata)
{
	int n;

	if (strcmp(key, "paths.base") != 0)
		return PROV_ENOTFOUND;
	n = snprintf(buf, size, "\"%s\"", (const char *)userdata);
	*needed = (size_t)n;
	return (size_t)n < size ? PROV_OK : PROV_ERANGE;
}

START_TEST(test_the_default_state_dir_lies_under_paths_base)
{
	char *dir = test_tmpdir();
	const char *plugins[] = { "shipped:local", NULL };
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *reg;
	char path[1024], *doc = NULL;
	struct stat st;

	opt.config_get = base_dir;
	opt.userdata = dir;
	reg = test_registry_with(&opt, plugins);
	ck_assert_int_eq(prov_registry_add_provider(reg, "local", NULL), PROV_OK);
	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "local", "{\"hostname\":\"a\"}", NULL),
			 PROV_OK);
	prov_free(doc);
	snprintf(path, sizeof(path), "%s/.provisioning/local/servers/srv-1.json", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	prov_registry_free(reg);
	test_rmtree(dir);
	free(dir);
}
END_TEST

static Suite *local_suite(void)
{
	Suite *s = suite_create("plugin-local");
	TCase *tc = tcase_create("local provider");

	tcase_add_test(tc, test_servers_get_sequential_ids_and_addresses_from_the_cidr);
	tcase_add_test(tc, test_create_is_idempotent_by_hostname);
	tcase_add_test(tc, test_deleted_servers_keep_their_id_and_free_their_address);
	tcase_add_test(tc, test_changes_between_creates_are_seen_by_the_next_create);
	tcase_add_test(tc, test_a_hostname_live_twice_on_disk_resolves_to_the_lowest_live_id);
	tcase_add_test(tc, test_state_files_are_private);
	tcase_add_test(tc, test_state_survives_a_new_registry);
	tcase_add_test(tc, test_plans_and_zones_come_from_config);
	tcase_add_test(tc, test_server_status_follows_start_and_stop);
	tcase_add_test(tc, test_fail_on_makes_the_named_creates_fail);
	tcase_add_test(tc, test_fail_rate_is_reproducible_from_its_seed);
	tcase_add_test(tc, test_latency_stops_at_the_deadline_and_fails_the_call_as_a_timeout);
	tcase_add_test(tc, test_bad_config_is_refused_naming_the_key);
	tcase_add_test(tc, test_the_default_state_dir_lies_under_paths_base);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(local_suite());
}
