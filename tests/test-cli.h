/*
 * Running the `provisioning` command as a user would, for the tests of its
 * subcommands. The command runs in a scratch directory with a clean
 * environment, so neither the developer's configuration nor their
 * PROVISIONING_* variables reach it, and without a shell in between, so
 * its arguments arrive exactly as the test wrote them.
 */
#ifndef PROV_TEST_CLI_H
#define PROV_TEST_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define TEST_CLI_OUTPUT_MAX (1 << 16)

struct test_cli {
	/* Working directory and HOME (XDG_CONFIG_HOME is dir/xdg); borrowed. */
	const char *dir;
	/* NAME=value entries added to that environment, NULL-terminated, or NULL; borrowed. */
	const char *const *env;
	/* Output of the last run or finish, NUL-terminated. The run asserts it fit. */
	char out[TEST_CLI_OUTPUT_MAX];
	char err[TEST_CLI_OUTPUT_MAX];
};

/*
 * Run `provisioning ARGS` to completion through the library's process
 * runner. ARGS are words separated by spaces and nothing more: no quoting,
 * as no argument of the tests holds a space. Asserts the command exited
 * rather than died of a signal; returns its exit code.
 */
int test_cli_run(struct test_cli *cli, const char *args);

/*
 * A command running in the background, for tests that signal it or run two
 * at once. Its output goes to unnamed files until test_cli_finish(): a pipe
 * nobody drains would stall a chatty command while the test waits on it.
 */
struct test_cli_child {
	pid_t pid;
	FILE *out, *err;
};

/* Start `provisioning ARGS` (words as for test_cli_run()). */
struct test_cli_child test_cli_start(struct test_cli *cli, const char *args);

/*
 * Wait for a started command. Returns its exit code, or 128 + the signal
 * that killed it (as a shell reports it); its output lands in cli.
 */
int test_cli_finish(struct test_cli *cli, struct test_cli_child *child);

/* Whether the command's progress table shows `name` in `state` ("  op-3   running"). */
bool test_cli_shows(const char *out, const char *name, const char *state);

#endif
