#include "test-cli.h"
#include "test-util.h"

#include <provisioning/error.h>
#include <provisioning/process.h>

#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORDS 32
#define MAX_ENV 16

/* Everything execve() needs, built before anything runs. */
struct command {
	char *words;                   /* a copy of ARGS, cut into argv */
	char *program, *home, *config_home;
	const char *argv[MAX_WORDS + 2];
	const char *envp[MAX_ENV + 4];
};

static void split_words(struct command *c, const char *args)
{
	char *save = NULL;
	int n = 1;

	c->words = strdup(args);
	ck_assert_ptr_nonnull(c->words);
	for (char *w = strtok_r(c->words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		ck_assert_msg(n <= MAX_WORDS, "more than %d words in: %s", MAX_WORDS, args);
		c->argv[n++] = w;
	}
	c->argv[n] = NULL;
}

/* HOME and XDG_CONFIG_HOME in the scratch directory, a fixed PATH, and the test's own additions. */
static void build_environment(struct command *c, const struct test_cli *cli)
{
	int n = 0;

	ck_assert_int_gt(asprintf(&c->home, "HOME=%s", cli->dir), 0);
	ck_assert_int_gt(asprintf(&c->config_home, "XDG_CONFIG_HOME=%s/xdg", cli->dir), 0);
	c->envp[n++] = c->home;
	c->envp[n++] = c->config_home;
	c->envp[n++] = "PATH=/usr/bin:/bin";
	for (const char *const *e = cli->env; e && *e; e++) {
		ck_assert_int_lt(n, MAX_ENV + 3);
		c->envp[n++] = *e;
	}
	c->envp[n] = NULL;
}

static void command_prepare(struct command *c, const struct test_cli *cli, const char *args)
{
	const char *build_dir = getenv("PROV_TEST_BUILDDIR");

	ck_assert_msg(build_dir != NULL, "PROV_TEST_BUILDDIR is not set (run through meson test)");
	ck_assert_ptr_nonnull(cli->dir);
	ck_assert_int_gt(asprintf(&c->program, "%s/src/cli/provisioning", build_dir), 0);
	c->argv[0] = c->program;
	split_words(c, args);
	build_environment(c, cli);
}

static void command_release(struct command *c)
{
	free(c->words);
	free(c->program);
	free(c->home);
	free(c->config_home);
}

/* Fail rather than silently cut what a test reads. */
static void assert_output_fits(size_t len, int truncated, const char *name)
{
	ck_assert_msg(!truncated && len < TEST_CLI_OUTPUT_MAX, "the command's %s is over %d bytes",
		      name, TEST_CLI_OUTPUT_MAX - 1);
}

static void keep_output(char *buf, const prov_process_result *result, bool is_stdout)
{
	int truncated;
	size_t len;
	const char *data = is_stdout ? prov_process_result_stdout(result, &len, &truncated)
				     : prov_process_result_stderr(result, &len, &truncated);

	assert_output_fits(len, truncated, is_stdout ? "stdout" : "stderr");
	memcpy(buf, data, len);
	buf[len] = '\0';
}

int test_cli_run(struct test_cli *cli, const char *args)
{
	prov_process_options options = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *result = NULL;
	struct command c = { 0 };
	int code;

	command_prepare(&c, cli, args);
	options.argv = c.argv;
	options.envp = c.envp;
	options.cwd = cli->dir;
	options.output_limit = TEST_CLI_OUTPUT_MAX - 1;
	ck_assert_msg(prov_process_run(&result, &options) == PROV_OK, "provisioning %s: %s", args,
		      prov_error_last()->message);
	command_release(&c);
	keep_output(cli->out, result, true);
	keep_output(cli->err, result, false);
	ck_assert_msg(prov_process_result_signal(result) == 0, "provisioning %s: killed by signal %d",
		      args, prov_process_result_signal(result));
	code = prov_process_result_exit_code(result);
	prov_process_result_free(result);
	return code;
}

/* In the child: only calls that are safe between fork() and exec. */
static void exec_command(const struct command *c, const char *dir, int out_fd, int err_fd)
{
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0 || chdir(dir) != 0)
		_exit(127);
	execve(c->program, (char *const *)c->argv, (char *const *)c->envp);
	_exit(127);
}

struct test_cli_child test_cli_start(struct test_cli *cli, const char *args)
{
	struct test_cli_child child = { 0, tmpfile(), tmpfile() };
	struct command c = { 0 };

	ck_assert_ptr_nonnull(child.out);
	ck_assert_ptr_nonnull(child.err);
	command_prepare(&c, cli, args);
	child.pid = fork();
	ck_assert_int_ge(child.pid, 0);
	if (child.pid == 0)
		exec_command(&c, cli->dir, fileno(child.out), fileno(child.err));
	command_release(&c);
	return child;
}

static void read_output(FILE *f, char *buf, const char *name)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, TEST_CLI_OUTPUT_MAX, f);
	ck_assert_msg(!ferror(f), "cannot read the command's %s back", name);
	assert_output_fits(n, 0, name);
	buf[n] = '\0';
	fclose(f);
}

int test_cli_finish(struct test_cli *cli, struct test_cli_child *child)
{
	int status;

	ck_assert_int_eq(waitpid(child->pid, &status, 0), child->pid);
	read_output(child->out, cli->out, "stdout");
	read_output(child->err, cli->err, "stderr");
	child->out = child->err = NULL;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool test_cli_shows(const char *out, const char *name, const char *state)
{
	char line[128];

	snprintf(line, sizeof(line), "  %s ", name);
	for (const char *p = strstr(out, line); p; p = strstr(p + 1, line)) {
		const char *column = p + strlen(line);

		while (*column == ' ')
			column++;
		if (strncmp(column, state, strlen(state)) == 0)
			return true;
	}
	return false;
}
