#include "test-util.h"

#include <provisioning/process.h>
#include "core/err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static prov_process_result *run_ok(prov_process_options *opt)
{
	prov_process_result *r = NULL;
	int rc = prov_process_run(&r, opt);

	ck_assert_msg(rc == PROV_OK, "run failed: %s", prov_error_last()->message);
	ck_assert_ptr_nonnull(r);
	return r;
}

START_TEST(test_captures_stdout_stderr_and_exit_code)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;
	size_t len;

	opt.argv = argv;
	r = run_ok(&opt);
	ck_assert_str_eq(prov_process_result_stdout(r, &len, NULL), "out\n");
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(prov_process_result_stderr(r, NULL, NULL), "err\n");
	ck_assert_int_eq(prov_process_result_exit_code(r), 3);
	ck_assert_int_eq(prov_process_result_signal(r), 0);
	ck_assert(!prov_process_result_timed_out(r));
	prov_process_result_free(r);
}
END_TEST

START_TEST(test_feeds_stdin)
{
	const char *argv[] = { "cat", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;
	size_t big = 1 << 20, len;
	char *input = malloc(big);

	/* Larger than a pipe buffer, so feeding and draining must interleave. */
	for (size_t i = 0; i < big; i++)
		input[i] = (char)('a' + i % 26);
	opt.argv = argv;
	opt.stdin_data = input;
	opt.stdin_len = big;
	r = run_ok(&opt);
	ck_assert_mem_eq(prov_process_result_stdout(r, &len, NULL), input, big);
	ck_assert_uint_eq(len, big);
	prov_process_result_free(r);
	free(input);
}
END_TEST

START_TEST(test_output_is_capped_and_marked_truncated)
{
	const char *argv[] = { "sh", "-c", "head -c 100000 /dev/zero", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;
	size_t len;
	int truncated = 0;

	opt.argv = argv;
	opt.output_limit = 1000;
	r = run_ok(&opt);
	prov_process_result_stdout(r, &len, &truncated);
	ck_assert_uint_eq(len, 1000);
	ck_assert_int_ne(truncated, 0);
	ck_assert_int_eq(prov_process_result_exit_code(r), 0);
	prov_process_result_free(r);
}
END_TEST

START_TEST(test_child_closing_stdin_does_not_kill_host)
{
	const char *argv[] = { "true", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;
	size_t big = 8 << 20;
	char *input = calloc(1, big);

	/* The child exits without reading: the host's writes hit a closed pipe. */
	opt.argv = argv;
	opt.stdin_data = input;
	opt.stdin_len = big;
	r = run_ok(&opt);
	ck_assert_int_eq(prov_process_result_exit_code(r), 0);
	prov_process_result_free(r);
	free(input);
}
END_TEST

/* Alive and not a zombie: an orphan's zombie lingers until init reaps it. */
static bool process_exists(pid_t pid)
{
	char path[64], state = 'X';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 'X';
	fclose(f);
	return state != 'Z' && state != 'X';
}

static pid_t read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

START_TEST(test_timeout_kills_the_whole_group)
{
	char *dir = test_tmpdir();
	char *pidfile = test_path(dir, "grandchild.pid");
	char script[512];
	const char *argv[] = { "sh", "-c", script, NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r = NULL;
	pid_t grandchild;

	snprintf(script, sizeof(script), "sleep 300 & echo $! > %s; wait", pidfile);
	opt.argv = argv;
	opt.timeout_ms = 300;
	ck_assert_int_eq(prov_process_run(&r, &opt), PROV_ETIMEOUT);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "timed out"));
	ck_assert_ptr_nonnull(r);
	ck_assert(prov_process_result_timed_out(r));
	ck_assert_int_eq(prov_process_result_signal(r), SIGTERM);
	grandchild = read_pid(pidfile);
	/* The grandchild was in the group: it must be gone (reaped by init). */
	for (int i = 0; i < 100 && process_exists(grandchild); i++)
		usleep(10000);
	ck_assert_msg(!process_exists(grandchild), "grandchild %d survived", (int)grandchild);
	prov_process_result_free(r);
	test_rmtree(dir);
	free(pidfile);
	free(dir);
}
END_TEST

START_TEST(test_sigterm_ignored_escalates_to_sigkill)
{
	const char *argv[] = { "sh", "-c", "trap '' TERM; while :; do sleep 1; done", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r = NULL;

	opt.argv = argv;
	opt.timeout_ms = 200;
	opt.kill_grace_ms = 200;
	ck_assert_int_eq(prov_process_run(&r, &opt), PROV_ETIMEOUT);
	ck_assert_int_eq(prov_process_result_signal(r), SIGKILL);
	ck_assert_int_lt(prov_process_result_duration_ms(r), 5000);
	prov_process_result_free(r);
}
END_TEST

static int cancel_now(void *userdata)
{
	return ++*(int *)userdata > 2;
}

START_TEST(test_cancel_check_stops_the_run)
{
	const char *argv[] = { "sleep", "30", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r = NULL;
	int polls = 0;

	opt.argv = argv;
	opt.cancelled = cancel_now;
	opt.userdata = &polls;
	ck_assert_int_eq(prov_process_run(&r, &opt), PROV_ECANCELLED);
	ck_assert(!prov_process_result_timed_out(r));
	ck_assert_int_lt(prov_process_result_duration_ms(r), 5000);
	prov_process_result_free(r);
}
END_TEST

START_TEST(test_missing_program_names_it)
{
	const char *argv[] = { "no-such-program-xyz", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r = (prov_process_result *)1;

	opt.argv = argv;
	ck_assert_int_eq(prov_process_run(&r, &opt), PROV_EPROCESS);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "no-such-program-xyz"));
}
END_TEST

START_TEST(test_no_shell_interpretation_of_arguments)
{
	const char *argv[] = { "echo", "$HOME; rm -rf /", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;

	opt.argv = argv;
	r = run_ok(&opt);
	ck_assert_str_eq(prov_process_result_stdout(r, NULL, NULL), "$HOME; rm -rf /\n");
	prov_process_result_free(r);
}
END_TEST

START_TEST(test_child_sees_only_standard_descriptors)
{
	const char *argv[] = { "sh", "-c", "ls /proc/self/fd", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;
	int leaked = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
	char name[16];

	opt.argv = argv;
	r = run_ok(&opt);
	snprintf(name, sizeof(name), "\n%d\n", leaked);
	/* ls lists 0, 1, 2 and the descriptor it opened for the listing. */
	ck_assert_ptr_null(strstr(prov_process_result_stdout(r, NULL, NULL), name));
	prov_process_result_free(r);
	close(leaked);
}
END_TEST

START_TEST(test_environment_and_directory)
{
	const char *argv[] = { "sh", "-c", "echo \"$GREETING\"; pwd", NULL };
	const char *envp[] = { "GREETING=hello", "PATH=/usr/bin:/bin", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;

	opt.argv = argv;
	opt.envp = envp;
	opt.cwd = "/";
	r = run_ok(&opt);
	ck_assert_str_eq(prov_process_result_stdout(r, NULL, NULL), "hello\n/\n");
	prov_process_result_free(r);
}
END_TEST

START_TEST(test_child_group_differs_from_host)
{
	/* Field 5 of /proc/PID/stat is the process group. */
	const char *argv[] = { "sh", "-c", "read -r a b c d pgrp rest < /proc/$$/stat; echo $pgrp", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;
	long child_pgid;

	opt.argv = argv;
	r = run_ok(&opt);
	child_pgid = strtol(prov_process_result_stdout(r, NULL, NULL), NULL, 10);
	ck_assert_int_ne(child_pgid, 0);
	ck_assert_int_ne(child_pgid, (long)getpgrp());
	prov_process_result_free(r);
}
END_TEST

START_TEST(test_invalid_options_are_refused)
{
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r;
	const char *empty[] = { NULL };

	ck_assert_int_eq(prov_process_run(&r, NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_process_run(&r, &opt), PROV_EINVAL);
	opt.argv = empty;
	ck_assert_int_eq(prov_process_run(&r, &opt), PROV_EINVAL);
	opt.size = 4;
	ck_assert_int_eq(prov_process_run(&r, &opt), PROV_EINVAL);
}
END_TEST

static Suite *process_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("process");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_captures_stdout_stderr_and_exit_code);
	tcase_add_test(tc, test_feeds_stdin);
	tcase_add_test(tc, test_output_is_capped_and_marked_truncated);
	tcase_add_test(tc, test_child_closing_stdin_does_not_kill_host);
	tcase_add_test(tc, test_timeout_kills_the_whole_group);
	tcase_add_test(tc, test_sigterm_ignored_escalates_to_sigkill);
	tcase_add_test(tc, test_cancel_check_stops_the_run);
	tcase_add_test(tc, test_missing_program_names_it);
	tcase_add_test(tc, test_no_shell_interpretation_of_arguments);
	tcase_add_test(tc, test_child_sees_only_standard_descriptors);
	tcase_add_test(tc, test_environment_and_directory);
	tcase_add_test(tc, test_child_group_differs_from_host);
	tcase_add_test(tc, test_invalid_options_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(process_suite());
}
