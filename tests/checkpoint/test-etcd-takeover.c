/*
 * Two hosts on one workflow through etcd, as users run them: the first
 * runs it, the second waits with `workflow resume ID --wait`; the first is
 * SIGKILLed once some operations are recorded; the second takes over when
 * the dead runner's lease expires, resumes from the checkpoint, and
 * completes, and the local provider's state shows every server created
 * exactly once. The "hosts" share a directory, so they share the local
 * provider's state as hosts would share a cloud.
 */
#include "test-cli.h"
#include "test-util.h"
#include "etcd-helpers.h"

#include <provisioning/checkpoint.h>

#include <json-c/json.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OPERATIONS 10
#define LATENCY_MS 200

static struct etcd_test_settings settings;
static char *dir;
static struct test_cli cli;
static const char *const plugin_env[] = { "PROVISIONING_PLUGIN_PATH=" SHIPPED_PLUGIN_DIR, NULL };

static void setup(void)
{
	char text[1024], *path;

	etcd_test_settings_init(&settings, NULL, 2);
	dir = test_tmpdir();
	cli.dir = dir;
	cli.env = plugin_env;
	path = test_path(dir, "provisioning.yaml");
	snprintf(text, sizeof(text),
		 "checkpoint:\n  store: etcd\n  etcd:\n    endpoints: [\"%s\"]\n"
		 "    prefix: \"%s\"\n    lease_ttl_s: 2\n",
		 etcd_test_server.endpoint, settings.prefix);
	test_write_file(path, text);
	free(path);
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Ten create_server operations one after the other, each call taking LATENCY_MS. */
static void write_definition(const char *id)
{
	char yaml[4096], *path = test_path(dir, "takeover.yaml");
	int len = snprintf(yaml, sizeof(yaml),
			   "workflow_id: %s\nparallel_limit: 1\n"
			   "configuration: {providers: {local: {latency_ms: %d}}}\noperations:\n",
			   id, LATENCY_MS);

	for (int i = 0; i < OPERATIONS; i++)
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"  - {id: op-%d, provider: local, action: create_server,"
				" params: {hostname: host-%d}}\n", i, i);
	test_write_file(path, yaml);
	free(path);
}

/* Poll etcd (reading needs no ownership) until the workflow's step reaches n. */
static prov_checkpoint *wait_for_step(const char *id, long long n, pid_t runner)
{
	struct timespec poll = { 0, 10 * 1000000L };
	prov_checkpoint_store *store = etcd_test_open(&settings);
	prov_checkpoint *cp = NULL;

	for (int i = 0; i < 3000; i++) {
		if (prov_checkpoint_store_load(&cp, store, id) == PROV_OK &&
		    prov_checkpoint_step(cp) >= n)
			break;
		prov_checkpoint_free(cp);
		cp = NULL;
		ck_assert_msg(waitpid(runner, NULL, WNOHANG) == 0,
			      "the runner ended before step %lld", n);
		nanosleep(&poll, NULL);
	}
	ck_assert_ptr_nonnull(cp);
	prov_checkpoint_store_close(store);
	return cp;
}

START_TEST(test_a_waiting_host_takes_over_from_a_killed_one_and_creates_each_server_once)
{
	prov_checkpoint_store *store;
	prov_checkpoint *cp;
	struct test_cli_child first, second;
	char pid_text[32];
	char *local_state;
	long killed;

	write_definition("wf-takeover");
	first = test_cli_start(&cli, "workflow run takeover.yaml");
	prov_checkpoint_free(wait_for_step("wf-takeover", 2, first.pid));
	/* Without --wait a second host is refused, naming the first. */
	ck_assert_int_eq(test_cli_run(&cli, "workflow resume wf-takeover"), 4);
	snprintf(pid_text, sizeof(pid_text), "pid %ld", (long)first.pid);
	ck_assert_contains(cli.err, pid_text);
	second = test_cli_start(&cli, "workflow resume wf-takeover --wait");
	prov_checkpoint_free(wait_for_step("wf-takeover", 4, first.pid));
	ck_assert_int_eq(kill(first.pid, SIGKILL), 0);
	killed = now_ms();
	ck_assert_int_eq(test_cli_finish(&cli, &first), 128 + SIGKILL);
	/* What etcd holds now is what the second host must not do again. */
	store = etcd_test_open(&settings);
	cp = etcd_test_load(store, "wf-takeover");
	prov_checkpoint_store_close(store);
	ck_assert_int_lt(prov_checkpoint_step(cp), OPERATIONS);
	ck_assert_msg(test_cli_finish(&cli, &second) == 0, "%s%s", cli.out, cli.err);
	/* It got the workflow only once the dead runner's lease (2 s) had expired. */
	ck_assert_int_ge(now_ms() - killed, 1000);
	ck_assert_contains(cli.out, "success");
	for (int i = 0; i < OPERATIONS; i++) {
		char op[16];
		const char *status;

		snprintf(op, sizeof(op), "op-%d", i);
		status = prov_checkpoint_operation_status(cp, op);
		ck_assert_msg(test_cli_shows(cli.out, op, "running") ==
			      !(status && strcmp(status, "completed") == 0),
			      "%s (%s before the takeover) in:\n%s", op,
			      status ? status : "not started", cli.out);
	}
	local_state = test_path(dir, ".provisioning/local");
	test_assert_servers_created_once(local_state, OPERATIONS);
	free(local_state);
	prov_checkpoint_free(cp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-takeover");
	TCase *tc = tcase_create("takeover");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_a_waiting_host_takes_over_from_a_killed_one_and_creates_each_server_once);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, true);
}
