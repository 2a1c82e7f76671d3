/*
 * Process-crash proof: a child writes checkpoints and operation records of
 * changing size in a loop, telling the parent through a pipe each time a
 * write returned, and is killed with SIGKILL at a random moment. After every
 * kill, loading must give the last state whose write returned or the one
 * being written: never a partial state, an older one, or none once one
 * existed.
 *
 * The child's k-th write is deterministic: a save of {"n": k} without
 * operations when k is a multiple of 10, else the record of operation
 * "op-k". So the state after write k is known, and the state loaded says
 * which k it is.
 *
 * The child never calls check: check's message file is shared with it, and
 * a message torn by the kill would fail the whole run (see helpers.h).
 *
 * PROV_CRASH_KILLS sets the number of kills (default 200), PROV_CRASH_SEED
 * the seed of the moments.
 */
#include "test-util.h"
#include "helpers.h"

#include "checkpoint/dirstore.h"
#include "core/fileio.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKFLOW "wf-crash"
#define JOURNAL_SIZE (8 * 4096)
#define MAX_DELAY_US 20000
/* What the child sends once it owns the workflow, before its first write. */
#define READY (-2L)

static char *dir;

static void setup(void)
{
	dir = test_tmpdir();
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

static size_t pad_of(long k)
{
	return (size_t)(k * 7919) % 4000;
}

static int write_number(prov_checkpoint_store *store, prov_checkpoint_token *token, long k)
{
	int rc = PROV_ENOMEM;

	if (k % 10 == 0) {
		prov_checkpoint *cp = helper_checkpoint_or_null(WORKFLOW, k, pad_of(k));

		if (cp)
			rc = prov_checkpoint_store_save(store, token, cp);
		prov_checkpoint_free(cp);
	} else {
		char op[32];
		prov_operation_record *record;

		snprintf(op, sizeof(op), "op-%ld", k);
		record = helper_record_or_null(op, "completed", k, pad_of(k), 1);
		if (record)
			rc = prov_checkpoint_store_record(store, token, record);
		prov_operation_record_free(record);
	}
	return rc;
}

/*
 * Point every descriptor the child inherited, but stdio and keep, at
 * /dev/null opened read-only: check's message file above all, so that even
 * a call into check added to the child later cannot tear a message in it
 * (the write fails; check ignores that or ends the child, which the parent
 * reports). Closing would not do: the store's next open would reuse the
 * number, and check would write into a journal or a lock file.
 */
static void mute_inherited(int keep)
{
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	DIR *fds = opendir("/proc/self/fd");
	struct dirent *e;

	if (null_fd < 0 || !fds)
		_exit(7);
	/* Valgrind refuses to give up its own descriptors; they are no concern. */
	while ((e = readdir(fds))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != keep && fd != null_fd && fd != dirfd(fds))
			(void)dup2(null_fd, fd);
	}
	closedir(fds);
	close(null_fd);
}

/* The child: write from k on until killed, acknowledging every write that returned. */
_Noreturn static void writer(long k, int acks)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;

	mute_inherited(acks);
	if (prov_dirstore_open(&store, prov_fileio_system(), dir, JOURNAL_SIZE) != PROV_OK ||
	    prov_checkpoint_store_acquire(&token, store, WORKFLOW) != PROV_OK)
		_exit(2);
	if (write(acks, &(long){ READY }, sizeof(long)) != (ssize_t)sizeof(long))
		_exit(4);
	for (;; k++) {
		if (write_number(store, token, k) != PROV_OK)
			_exit(3);
		if (write(acks, &k, sizeof(k)) != (ssize_t)sizeof(k))
			_exit(4);
		if (k % 37 == 0) {
			if (prov_checkpoint_store_release(store, token) != PROV_OK)
				_exit(5);
			prov_checkpoint_token_free(token);
			if (prov_checkpoint_store_acquire(&token, store, WORKFLOW) != PROV_OK)
				_exit(6);
		}
	}
}

/* Which write a loaded state is the result of; fails the test if it is no such state. */
static long state_number(const prov_checkpoint *cp, long round)
{
	long saved = helper_metadata_n(cp);
	size_t ops = prov_checkpoint_operation_count(cp);

	ck_assert_msg(saved >= 0 && saved % 10 == 0, "kill %ld: no save in the state", round);
	ck_assert_msg(ops < 10, "kill %ld: %zu operations after save %ld", round, ops, saved);
	ck_assert_int_eq(prov_checkpoint_step(cp), (long long)ops);
	for (size_t i = 1; i <= ops; i++) {
		char op[32];

		snprintf(op, sizeof(op), "op-%ld", saved + (long)i);
		ck_assert_msg(prov_checkpoint_operation_status(cp, op),
			      "kill %ld: state after save %ld lacks %s", round, saved, op);
	}
	return saved + (long)ops;
}

static long last_acknowledged(int acks, long before)
{
	long k, last = before;

	while (read(acks, &k, sizeof(k)) == (ssize_t)sizeof(k))
		if (k != READY)
			last = k;
	return last;
}

static void wait_until_ready(int acks)
{
	long k = 0;

	ck_assert_int_eq(read(acks, &k, sizeof(k)), (ssize_t)sizeof(k));
	ck_assert_int_eq(k, READY);
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

struct tally {
	long acknowledged; /* writes that returned, over all kills */
	long in_flight;    /* kills after which the store showed the write in flight */
};

/* One child, one kill; returns the write the store now shows (-1: none yet). */
static long one_kill(long verified, long round, unsigned int *seed, struct tally *tally)
{
	prov_checkpoint_store *store;
	prov_checkpoint *cp = NULL;
	int acks[2], status, rc;
	long acked, k = -1;
	pid_t child;

	ck_assert_int_eq(pipe(acks), 0);
	child = fork();
	if (child == 0)
		writer(verified + 1, acks[1]);
	ck_assert_int_ge(child, 0);
	close(acks[1]);
	/* One kill in four counts from the fork, so it may land in recovery and
	 * startup; the others from the first write. */
	if (round % 4 != 0)
		wait_until_ready(acks[0]);
	/* Under valgrind the child runs some fifty times slower. */
	sleep_us((long)(rand_r(seed) % MAX_DELAY_US) * (test_under_valgrind() ? 50 : 1));
	ck_assert_int_eq(kill(child, SIGKILL), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFSIGNALED(status), "kill %ld: the writer stopped by itself (%d)", round,
		      WEXITSTATUS(status));
	acked = last_acknowledged(acks[0], verified);
	close(acks[0]);
	tally->acknowledged += acked - verified;
	ck_assert_int_eq(prov_dirstore_open(&store, prov_fileio_system(), dir, 0), PROV_OK);
	rc = prov_checkpoint_store_load(&cp, store, WORKFLOW);
	ck_assert_msg(rc == PROV_OK || (rc == PROV_ENOTFOUND && acked < 0),
		      "kill %ld: loading failed after write %ld returned: %s", round, acked,
		      prov_error_last()->message);
	if (cp)
		k = state_number(cp, round);
	ck_assert_msg(k == acked || k == acked + 1,
		      "kill %ld: the store shows write %ld, but write %ld was the last to return",
		      round, k, acked);
	tally->in_flight += k == acked + 1;
	prov_checkpoint_free(cp);
	prov_checkpoint_store_close(store);
	return k;
}

START_TEST(test_sigkill_at_random_moments_never_loses_or_tears_a_returned_write)
{
	long kills = helper_env_long("PROV_CRASH_KILLS", test_under_valgrind() ? 10 : 200);
	unsigned int seed = (unsigned int)helper_env_long("PROV_CRASH_SEED", (long)time(NULL));
	struct tally tally = { 0, 0 };
	long verified = -1;

	printf("crash test: %ld kills, PROV_CRASH_SEED=%u\n", kills, seed);
	for (long round = 0; round < kills; round++)
		verified = one_kill(verified, round, &seed, &tally);
	printf("crash test: %ld writes returned; %ld kills left the write in flight applied\n",
	       tally.acknowledged, tally.in_flight);
	ck_assert_int_gt(verified, 0);
	/* Each child recovered what the one before left: journals do not pile up. */
	ck_assert_int_le(helper_count_entries(dir, "journal"), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-crash");
	TCase *tc = tcase_create("crash");

	tcase_set_timeout(tc, 900);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sigkill_at_random_moments_never_loses_or_tears_a_returned_write);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
