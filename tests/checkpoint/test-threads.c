/* Sixteen threads of one owner writing through one store at once. */
#include "test-util.h"
#include "helpers.h"

#include "checkpoint/dirstore.h"
#include "core/fileio.h"

#include <pthread.h>

#define THREADS 16

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

struct worker {
	prov_checkpoint_store *store;
	prov_checkpoint_token *own;    /* this thread's workflow */
	prov_checkpoint_token *shared; /* everybody's */
	int index;
	int rounds;
	int failures;
};

static int writes(void)
{
	return test_under_valgrind() ? 10 : 60;
}

static void *work(void *arg)
{
	struct worker *w = arg;

	for (int n = 0; n < w->rounds; n++) {
		prov_checkpoint *cp = helper_checkpoint(prov_checkpoint_token_workflow_id(w->own), n,
							(size_t)(n * 53 + w->index * 7) % 900);
		char op[32];
		prov_operation_record *record;

		snprintf(op, sizeof(op), "t%d-%d", w->index, n);
		record = helper_record(op, "completed", n, 40, 1);
		w->failures += prov_checkpoint_store_save(w->store, w->own, cp) != PROV_OK;
		w->failures += prov_checkpoint_store_record(w->store, w->shared, record) != PROV_OK;
		prov_operation_record_free(record);
		prov_checkpoint_free(cp);
	}
	return NULL;
}

static void check_results(prov_checkpoint_store *store, int rounds)
{
	prov_checkpoint *shared;

	for (int i = 0; i < THREADS; i++) {
		char id[16];
		prov_checkpoint *cp;

		snprintf(id, sizeof(id), "wf-%d", i);
		ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, id), PROV_OK);
		ck_assert_int_eq(helper_metadata_n(cp), rounds - 1);
		prov_checkpoint_free(cp);
	}
	ck_assert_int_eq(prov_checkpoint_store_load(&shared, store, "shared"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_step(shared), THREADS * rounds);
	for (int i = 0; i < THREADS; i++) {
		char op[32];

		snprintf(op, sizeof(op), "t%d-%d", i, rounds - 1);
		ck_assert_str_eq(prov_checkpoint_operation_status(shared, op), "completed");
	}
	prov_checkpoint_free(shared);
}

START_TEST(test_sixteen_threads_on_their_own_and_a_shared_workflow_lose_nothing)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *shared;
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	prov_checkpoint *base = helper_checkpoint("shared", 0, 0);

	/* A small journal, so compaction runs while threads write. */
	ck_assert_int_eq(prov_dirstore_open(&store, prov_fileio_system(), dir, 8 * 4096), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&shared, store, "shared"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_save(store, shared, base), PROV_OK);
	for (int i = 0; i < THREADS; i++) {
		char id[16];

		snprintf(id, sizeof(id), "wf-%d", i);
		workers[i] = (struct worker){ store, NULL, shared, i, writes(), 0 };
		ck_assert_int_eq(prov_checkpoint_store_acquire(&workers[i].own, store, id), PROV_OK);
	}
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
		ck_assert_int_eq(workers[i].failures, 0);
	}
	check_results(store, writes());
	for (int i = 0; i < THREADS; i++)
		prov_checkpoint_token_free(workers[i].own);
	prov_checkpoint_token_free(shared);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(prov_dirstore_open(&store, prov_fileio_system(), dir, 0), PROV_OK);
	check_results(store, writes());
	prov_checkpoint_store_close(store);
	prov_checkpoint_free(base);
}
END_TEST

struct saver {
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	int index;
	int failures;
};

/* Saves with metadata n = index * 1000 + round, so the winner tells who wrote last. */
static void *save_one(void *arg)
{
	struct saver *s = arg;

	for (int n = 0; n < writes(); n++) {
		prov_checkpoint *cp = helper_checkpoint("same", s->index * 1000 + n, 64);

		s->failures += prov_checkpoint_store_save(s->store, s->token, cp) != PROV_OK;
		prov_checkpoint_free(cp);
	}
	return NULL;
}

START_TEST(test_sixteen_threads_saving_one_workflow_leave_a_last_save_whole)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	struct saver savers[THREADS];
	pthread_t threads[THREADS];
	prov_checkpoint *cp;
	long n;

	ck_assert_int_eq(prov_dirstore_open(&store, prov_fileio_system(), dir, 8 * 4096), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "same"), PROV_OK);
	for (int i = 0; i < THREADS; i++) {
		savers[i] = (struct saver){ store, token, i, 0 };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, save_one, &savers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
		ck_assert_int_eq(savers[i].failures, 0);
	}
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "same"), PROV_OK);
	n = helper_metadata_n(cp);
	ck_assert_int_eq(n % 1000, writes() - 1);
	ck_assert_int_lt(n / 1000, THREADS);
	ck_assert_int_eq(prov_checkpoint_revision(cp), THREADS * writes());
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-threads");
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sixteen_threads_on_their_own_and_a_shared_workflow_lose_nothing);
	tcase_add_test(tc, test_sixteen_threads_saving_one_workflow_leave_a_last_save_whole);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
