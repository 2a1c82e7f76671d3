/*
 * Deadlines on the wall clock: an in-process call that returns after its
 * deadline is failed as a timeout; an exec program that never exits has its
 * process group killed at the deadline; local's latency knob.
 */
#include "test-util.h"
#include "plugin-test.h"

#include "core/clock.h"

#include <signal.h>
#include <errno.h>
#include <unistd.h>

START_TEST(test_a_call_returning_after_its_deadline_is_a_timeout)
{
	const char *plugins[] = { "fake", NULL };
	prov_registry *reg = test_registry(plugins);
	prov_call_options opt = PROV_CALL_OPTIONS_INIT;
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_registry_add_provider(reg, "fake", NULL), PROV_OK);
	opt.timeout_ms = 50;
	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "fake", "{\"hostname\":\"slow\"}", &opt),
			 PROV_ETIMEOUT);
	ck_assert(test_error_mentions("after its deadline"));
	ck_assert_str_eq(prov_error_last()->provider, "fake");
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "timeout");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

static bool process_gone(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	/* A killed child of init may linger as a zombie until reaped. */
	if (fscanf(f, "%*d %*s %c", &state) != 1)
		state = '?';
	fclose(f);
	return state == 'Z';
}

START_TEST(test_an_exec_program_that_never_exits_has_its_group_killed)
{
	char *dir = test_tmpdir();
	char *script = test_path(dir, "hang.sh");
	char *pidfile = test_path(dir, "child.pid");
	char config[1024], body[1024];
	const char *plugins[] = { "shipped:exec", NULL };
	prov_registry *reg = test_registry(plugins);
	prov_call_options opt = PROV_CALL_OPTIONS_INIT;
	int64_t started;
	char *doc = NULL;
	FILE *f;
	int child = 0;

	snprintf(body, sizeof(body), "#!/bin/sh\nsleep 60 &\necho $! > '%s'\nsleep 60\n", pidfile);
	test_write_file(script, body);
	snprintf(config, sizeof(config), "{\"plugin\":\"exec\",\"command\":[\"sh\",\"%s\"]}", script);
	ck_assert_int_eq(prov_registry_add_provider(reg, "hang", config), PROV_OK);
	opt.timeout_ms = 300;
	started = prov_clock_monotonic_ns();
	ck_assert_int_eq(prov_provider_list_servers(&doc, reg, "hang", &opt), PROV_ETIMEOUT);
	ck_assert_int_lt((prov_clock_monotonic_ns() - started) / 1000000, 10000);
	json_object_put(test_document(doc, "error"));
	f = fopen(pidfile, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &child), 1);
	fclose(f);
	for (int i = 0; i < 200 && !process_gone(child); i++)
		prov_clock_sleep_ms(10);
	ck_assert_msg(process_gone(child), "the program's background child %d survived", child);
	prov_registry_free(reg);
	test_rmtree(dir);
	free(dir);
	free(script);
	free(pidfile);
}
END_TEST

START_TEST(test_local_latency_delays_every_call)
{
	char *dir = test_tmpdir();
	char config[1024];
	const char *plugins[] = { "shipped:local", NULL };
	prov_registry *reg = test_registry(plugins);
	int64_t started;
	char *doc = NULL;

	snprintf(config, sizeof(config), "{\"state_dir\":\"%s\",\"latency_ms\":120}", dir);
	ck_assert_int_eq(prov_registry_add_provider(reg, "local", config), PROV_OK);
	started = prov_clock_monotonic_ns();
	ck_assert_int_eq(prov_provider_list_servers(&doc, reg, "local", NULL), PROV_OK);
	ck_assert_int_ge((prov_clock_monotonic_ns() - started) / 1000000, 120);
	prov_free(doc);
	prov_registry_free(reg);
	test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin-timing");
	TCase *tc = tcase_create("deadlines");

	tcase_add_test(tc, test_a_call_returning_after_its_deadline_is_a_timeout);
	tcase_add_test(tc, test_an_exec_program_that_never_exits_has_its_group_killed);
	tcase_add_test(tc, test_local_latency_delays_every_call);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
