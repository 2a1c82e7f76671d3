/* Stores competing for workflows, from several threads at once. */
#include "test-util.h"
#include "etcd-helpers.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <pthread.h>
#include <stdatomic.h>

#define STORES 2
#define THREADS_PER_STORE 4
#define ROUNDS 15

static struct etcd_test_settings settings;

static void setup(void)
{
	etcd_test_settings_init(&settings, NULL, 10);
}

struct race {
	prov_checkpoint_store *stores[STORES];
	atomic_int owners;       /* holding wf-1 right now: never more than one */
	atomic_int most_owners;
	atomic_int wins[STORES];
	atomic_int next_op;
};

struct racer {
	struct race *race;
	int store;
};

static void hold_and_write(struct race *r, int store, prov_checkpoint_token *token)
{
	int now = atomic_fetch_add(&r->owners, 1) + 1, op = atomic_fetch_add(&r->next_op, 1);
	int most = atomic_load(&r->most_owners);
	prov_operation_record *record;
	char name[16];

	while (now > most && !atomic_compare_exchange_weak(&r->most_owners, &most, now))
		;
	snprintf(name, sizeof(name), "op-%d", op);
	record = helper_record(name, "completed", op, 10, 0);
	ck_assert_msg(prov_checkpoint_store_record(r->stores[store], token, record) == PROV_OK,
		      "%s", prov_error_last()->message);
	prov_operation_record_free(record);
	atomic_fetch_sub(&r->owners, 1);
}

static void *race_for_it(void *arg)
{
	struct racer *me = arg;
	prov_checkpoint_store *store = me->race->stores[me->store];

	for (int i = 0; i < ROUNDS; i++) {
		prov_checkpoint_token *token;
		int rc = prov_checkpoint_store_acquire(&token, store, "wf-1");

		ck_assert_msg(rc == PROV_OK || rc == PROV_EBUSY, "%s", prov_error_last()->message);
		if (rc != PROV_OK)
			continue;
		atomic_fetch_add(&me->race->wins[me->store], 1);
		hold_and_write(me->race, me->store, token);
		ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
		prov_checkpoint_token_free(token);
	}
	return NULL;
}

START_TEST(test_two_stores_racing_for_one_workflow_never_own_it_together)
{
	static struct race r;
	struct racer racers[STORES * THREADS_PER_STORE];
	pthread_t threads[STORES * THREADS_PER_STORE];
	prov_checkpoint *cp;
	int total;

	for (int s = 0; s < STORES; s++)
		r.stores[s] = etcd_test_open(&settings);
	for (int i = 0; i < STORES * THREADS_PER_STORE; i++) {
		racers[i] = (struct racer){ &r, i % STORES };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race_for_it, &racers[i]), 0);
	}
	for (int i = 0; i < STORES * THREADS_PER_STORE; i++)
		pthread_join(threads[i], NULL);
	ck_assert_int_eq(atomic_load(&r.most_owners), 1);
	total = atomic_load(&r.wins[0]) + atomic_load(&r.wins[1]);
	ck_assert_int_gt(total, 0);
	/* Every owner's write landed, each once. */
	cp = etcd_test_load(r.stores[0], "wf-1");
	ck_assert_int_eq(prov_checkpoint_step(cp), total);
	ck_assert_int_eq(prov_checkpoint_revision(cp), total);
	prov_checkpoint_free(cp);
	for (int s = 0; s < STORES; s++)
		prov_checkpoint_store_close(r.stores[s]);
}
END_TEST

struct waiter {
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	int rc;
};

static void *wait_for_it(void *arg)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	struct waiter *w = arg;

	o.wait_ms = -1;
	w->rc = prov_checkpoint_store_acquire_with(&w->token, w->store, "wf-1", &o);
	return NULL;
}

START_TEST(test_a_waiting_acquirer_takes_over_once_the_owner_releases)
{
	prov_checkpoint_store *owner = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(owner, "wf-1");
	struct waiter w = { etcd_test_open(&settings), NULL, PROV_ERROR };
	prov_checkpoint *cp;
	pthread_t thread;

	ck_assert_int_eq(pthread_create(&thread, NULL, wait_for_it, &w), 0);
	etcd_test_save(owner, token, 1);
	etcd_test_record(owner, token, "db", "completed");
	ck_assert_int_eq(prov_checkpoint_store_release(owner, token), PROV_OK);
	pthread_join(thread, NULL);
	ck_assert_msg(w.rc == PROV_OK, "%s", prov_error_last()->message);
	cp = etcd_test_load(w.store, "wf-1");
	ck_assert_int_eq(prov_checkpoint_step(cp), 1);
	etcd_test_record(w.store, w.token, "web", "completed");
	prov_checkpoint_free(cp);
	cp = etcd_test_load(owner, "wf-1");
	ck_assert_int_eq(prov_checkpoint_step(cp), 2);
	ck_assert_int_eq(prov_checkpoint_revision(cp), 3);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_token_free(w.token);
	prov_checkpoint_store_close(owner);
	prov_checkpoint_store_close(w.store);
}
END_TEST

struct worker {
	prov_checkpoint_store *store;
	char id[16];
};

static void *own_and_write(void *arg)
{
	struct worker *w = arg;
	prov_checkpoint_token *token = etcd_test_acquire(w->store, w->id);

	etcd_test_save(w->store, token, 1);
	for (int i = 0; i < 20; i++) {
		char op[16];

		snprintf(op, sizeof(op), "op-%d", i);
		etcd_test_record(w->store, token, op, "completed");
	}
	ck_assert_int_eq(prov_checkpoint_store_release(w->store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	return NULL;
}

START_TEST(test_threads_of_one_store_own_their_workflows_side_by_side)
{
	prov_checkpoint_store *store = etcd_test_open(&settings);
	struct worker workers[8];
	pthread_t threads[8];
	prov_checkpoint_list *list;

	for (int i = 0; i < 8; i++) {
		workers[i].store = store;
		snprintf(workers[i].id, sizeof(workers[i].id), "wf-%d", i);
		ck_assert_int_eq(pthread_create(&threads[i], NULL, own_and_write, &workers[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(threads[i], NULL);
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, NULL), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 8);
	for (size_t i = 0; i < 8; i++)
		ck_assert_int_eq(prov_checkpoint_list_step_at(list, i), 20);
	prov_checkpoint_list_free(list);
	prov_checkpoint_store_close(store);
}
END_TEST

#define WRITERS 8
#define WRITES_EACH 20

struct writer {
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	int ok, stale, other;
};

/* Saves, records and deletes (the second of two finds nothing), counted by outcome. */
static void *write_mix(void *arg)
{
	struct writer *w = arg;

	for (int i = 0; i < WRITES_EACH; i++) {
		const char *id = prov_checkpoint_token_workflow_id(w->token);
		prov_checkpoint *cp = helper_checkpoint(id, i, 50);
		prov_operation_record *r = helper_record("op", "completed", i, 10, 0);
		int rc;

		switch (i % 5) {
		case 0: case 1: rc = prov_checkpoint_store_save(w->store, w->token, cp); break;
		case 2: rc = prov_checkpoint_store_record(w->store, w->token, r); break;
		case 3: rc = prov_checkpoint_store_delete(w->store, w->token); break;
		default:
			rc = prov_checkpoint_store_delete(w->store, w->token);
			rc = rc == PROV_ENOTFOUND ? PROV_OK : PROV_ERROR;
			break;
		}
		w->ok += rc == PROV_OK;
		w->stale += rc == PROV_ESTALE;
		w->other += rc != PROV_OK && rc != PROV_ESTALE;
		prov_checkpoint_free(cp);
		prov_operation_record_free(r);
	}
	return NULL;
}

START_TEST(test_concurrent_writes_share_transactions_and_a_stale_one_fails_alone)
{
	prov_checkpoint_store *store = etcd_test_open(&settings);
	struct writer writers[WRITERS];
	pthread_t threads[WRITERS];
	char owner[128];
	long before;

	for (int i = 0; i < WRITERS; i++) {
		char id[16];

		snprintf(id, sizeof(id), "wf-%d", i);
		writers[i] = (struct writer){ store, etcd_test_acquire(store, id), 0, 0, 0 };
	}
	/* wf-0 loses its ownership key: its writes are fenced, nobody else's. */
	snprintf(owner, sizeof(owner), "%s/owners/wf-0", settings.prefix);
	etcd_test_delete(NULL, owner);
	before = etcd_test_revision(NULL);
	for (int i = 0; i < WRITERS; i++)
		ck_assert_int_eq(pthread_create(&threads[i], NULL, write_mix, &writers[i]), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(threads[i], NULL);
	ck_assert_int_eq(writers[0].ok, 0);
	ck_assert_int_ge(writers[0].stale, WRITES_EACH * 3 / 5);
	for (int i = 1; i < WRITERS; i++) {
		ck_assert_int_eq(writers[i].ok, WRITES_EACH);
		ck_assert_int_eq(writers[i].other, 0);
	}
	/* Fewer transactions than writes: writers shared them. */
	ck_assert_int_lt(etcd_test_revision(NULL) - before, (WRITERS - 1) * WRITES_EACH);
	for (int i = 0; i < WRITERS; i++)
		prov_checkpoint_token_free(writers[i].token);
	prov_checkpoint_store_close(store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-compete");
	TCase *tc = tcase_create("compete");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_two_stores_racing_for_one_workflow_never_own_it_together);
	tcase_add_test(tc, test_a_waiting_acquirer_takes_over_once_the_owner_releases);
	tcase_add_test(tc, test_threads_of_one_store_own_their_workflows_side_by_side);
	tcase_add_test(tc, test_concurrent_writes_share_transactions_and_a_stale_one_fails_alone);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, true);
}
