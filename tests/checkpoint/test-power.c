/*
 * Power-loss proof: the directory store runs on a simulated disk that loses
 * power at a random moment (simfs.h: unsynced data dropped or torn, the
 * namespace changes since the last directory sync partly lost). After each
 * restart, loading every workflow must give the state of the last write
 * that returned, or of the one in flight: never a mix, an older state, or
 * nothing.
 *
 * PROV_POWER_CUTS sets how many cuts (default 1000), PROV_POWER_SEED the
 * seed (the failure message prints it).
 */
#include "test-util.h"
#include "helpers.h"
#include "simfs.h"

#include "checkpoint/dirstore.h"

#define STORE_DIR "/disk/store"
#define WORKFLOWS 2
#define JOURNAL_SIZE (16 * 1024)
#define WRITES_PER_RUN 30

static const char *const workflow_ids[WORKFLOWS] = { "wf-alpha", "wf-beta" };

struct model {
	prov_checkpoint *state[WORKFLOWS];     /* after the last write that returned */
	prov_checkpoint *in_flight[WORKFLOWS]; /* after the write that failed */
	int has_in_flight[WORKFLOWS];
};

struct run {
	simfs *fs;
	unsigned int seed;
	unsigned int first_seed;
	long iteration;
	struct model model;
	prov_checkpoint_store *store;
	prov_checkpoint_token *tokens[WORKFLOWS];
};

static void replace(prov_checkpoint **slot, prov_checkpoint *value)
{
	prov_checkpoint_free(*slot);
	*slot = value;
}

/* Compare what the store holds with what the model allows. */
static void check_workflow(struct run *r, int w)
{
	prov_checkpoint *loaded = NULL;
	int rc = prov_checkpoint_store_load(&loaded, r->store, workflow_ids[w]);
	char *actual, *expected, *alternative;

	ck_assert_msg(rc == PROV_OK || rc == PROV_ENOTFOUND,
		      "seed %u, cut %ld: loading %s failed: %s", r->first_seed, r->iteration,
		      workflow_ids[w], prov_error_last()->message);
	actual = helper_canonical(loaded);
	expected = helper_canonical(r->model.state[w]);
	alternative = r->model.has_in_flight[w] ? helper_canonical(r->model.in_flight[w]) : NULL;
	if (alternative && strcmp(actual, alternative) == 0) {
		replace(&r->model.state[w], r->model.in_flight[w]);
		r->model.in_flight[w] = NULL;
	} else {
		ck_assert_msg(strcmp(actual, expected) == 0,
			      "seed %u, cut %ld: %s holds\n  %.300s\nbut the last write that "
			      "returned left\n  %.300s\n(in flight: %.300s)", r->first_seed,
			      r->iteration, workflow_ids[w], actual, expected,
			      alternative ? alternative : "nothing");
	}
	r->model.has_in_flight[w] = 0;
	replace(&r->model.in_flight[w], NULL);
	prov_checkpoint_free(loaded);
	free(actual);
	free(expected);
	free(alternative);
}

static void check_listing(struct run *r)
{
	prov_checkpoint_list *list;

	ck_assert_int_eq(prov_checkpoint_store_list(&list, r->store, NULL), PROV_OK);
	for (size_t i = 0; i < prov_checkpoint_list_count(list); i++)
		ck_assert_msg(prov_checkpoint_list_error_at(list, i) == NULL,
			      "seed %u, cut %ld: %s listed as %s", r->first_seed, r->iteration,
			      prov_checkpoint_list_id_at(list, i), prov_checkpoint_list_error_at(list, i));
	prov_checkpoint_list_free(list);
}

/* One write of a random kind; the model learns its outcome. Returns the store's code. */
static int random_write(struct run *r, int w)
{
	unsigned int pick = rand_r(&r->seed) % 10;
	long n = (long)rand_r(&r->seed);
	prov_checkpoint *next;
	int rc;

	if (pick == 0 && r->model.state[w]) {
		next = NULL;
		rc = prov_checkpoint_store_delete(r->store, r->tokens[w]);
	} else if (pick < 4 || !r->model.state[w]) {
		next = helper_checkpoint(workflow_ids[w], n, rand_r(&r->seed) % 3000);
		rc = prov_checkpoint_store_save(r->store, r->tokens[w], next);
	} else {
		char op[32];
		prov_operation_record *record;

		snprintf(op, sizeof(op), "op-%u", rand_r(&r->seed) % 12);
		record = helper_record(op, n % 3 ? "completed" : "failed", n,
				       rand_r(&r->seed) % 1500, (int)(n % 3));
		next = helper_copy(r->model.state[w]);
		ck_assert_int_eq(prov_checkpoint_apply_record(next, record), PROV_OK);
		rc = prov_checkpoint_store_record(r->store, r->tokens[w], record);
		prov_operation_record_free(record);
	}
	if (rc == PROV_OK) {
		replace(&r->model.state[w], next);
	} else {
		ck_assert_msg(simfs_is_cut(r->fs), "seed %u: a write failed with the power on: %s",
			      r->first_seed, prov_error_last()->message);
		r->model.in_flight[w] = next;
		r->model.has_in_flight[w] = 1;
	}
	return rc;
}

static int acquire_all(struct run *r)
{
	for (int w = 0; w < WORKFLOWS; w++)
		if (prov_checkpoint_store_acquire(&r->tokens[w], r->store, workflow_ids[w]) != PROV_OK)
			return -1;
	return 0;
}

/* Give a workflow back and take it again: a snapshot, then a new generation. */
static int reacquire(struct run *r, int w)
{
	if (prov_checkpoint_store_release(r->store, r->tokens[w]) != PROV_OK)
		return -1;
	prov_checkpoint_token_free(r->tokens[w]);
	r->tokens[w] = NULL;
	return prov_checkpoint_store_acquire(&r->tokens[w], r->store, workflow_ids[w]);
}

static void write_until_the_power_goes(struct run *r)
{
	if (acquire_all(r) != 0)
		return;
	for (int i = 0; i < WRITES_PER_RUN; i++) {
		int w = (int)(rand_r(&r->seed) % WORKFLOWS);

		if (rand_r(&r->seed) % 15 == 0 && reacquire(r, w) != 0)
			return;
		if (random_write(r, w) != PROV_OK)
			return;
	}
	for (int w = 0; w < WORKFLOWS; w++)
		if (prov_checkpoint_store_release(r->store, r->tokens[w]) != PROV_OK)
			return;
}

/* One run from a restart to the next power cut; false when the run ended before it. */
static bool one_power_cut(struct run *r)
{
	bool cut;

	ck_assert_msg(prov_dirstore_open(&r->store, simfs_io(r->fs), STORE_DIR, JOURNAL_SIZE) ==
		      PROV_OK, "seed %u: %s", r->first_seed, prov_error_last()->message);
	for (int w = 0; w < WORKFLOWS; w++)
		check_workflow(r, w);
	check_listing(r);
	simfs_cut_after(r->fs, 1 + (long)(rand_r(&r->seed) % 160));
	write_until_the_power_goes(r);
	prov_checkpoint_store_close(r->store);
	r->store = NULL;
	for (int w = 0; w < WORKFLOWS; w++) {
		prov_checkpoint_token_free(r->tokens[w]);
		r->tokens[w] = NULL;
	}
	cut = simfs_is_cut(r->fs);
	simfs_crash(r->fs);
	return cut;
}

START_TEST(test_power_cuts_never_lose_a_returned_write_or_show_a_partial_one)
{
	struct run r;
	long cuts = 0, wanted = helper_env_long("PROV_POWER_CUTS", test_under_valgrind() ? 60 : 1000);

	memset(&r, 0, sizeof(r));
	r.first_seed = r.seed = (unsigned int)helper_env_long("PROV_POWER_SEED", 20261125);
	r.fs = simfs_new(r.seed);
	while (cuts < wanted) {
		cuts += one_power_cut(&r);
		r.iteration++;
	}
	/* A last restart checks the state the last cut left. */
	ck_assert_int_eq(prov_dirstore_open(&r.store, simfs_io(r.fs), STORE_DIR, JOURNAL_SIZE),
			 PROV_OK);
	for (int w = 0; w < WORKFLOWS; w++)
		check_workflow(&r, w);
	prov_checkpoint_store_close(r.store);
	printf("power cuts: %ld in %ld runs, seed %u\n", cuts, r.iteration, r.first_seed);
	for (int w = 0; w < WORKFLOWS; w++) {
		prov_checkpoint_free(r.model.state[w]);
		prov_checkpoint_free(r.model.in_flight[w]);
	}
	simfs_free(r.fs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-power");
	TCase *tc = tcase_create("power");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_power_cuts_never_lose_a_returned_write_or_show_a_partial_one);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
