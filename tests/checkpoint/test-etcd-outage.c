/*
 * The etcd store when etcd is not there: down at start, restarted while a
 * write waits, one endpoint of several dead, and gone for longer than the
 * lease lasts. Each test runs an etcd of its own.
 */
#include "test-util.h"
#include "etcd-helpers.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

static struct etcd_fixture server;
static struct etcd_test_settings settings;

static void setup(void)
{
	ck_assert(etcd_fixture_start(&server, false));
	etcd_test_settings_init(&settings, &server, 10);
}

static void teardown(void)
{
	etcd_fixture_destroy(&server);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

START_TEST(test_etcd_down_at_start_is_an_error_naming_the_endpoint)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	prov_checkpoint_list *list;
	char dead[64];
	long started;

	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", etcd_fixture_unused_port());
	settings.endpoints[0] = dead;
	settings.etcd.retry_timeout_ms = 500;
	store = etcd_test_open(&settings);
	started = now_ms();
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, dead);
	ck_assert_contains(prov_error_last()->message, "no endpoint answered");
	ck_assert_str_eq(prov_error_last()->workflow_id, "wf-1");
	/* It retried for its retry time, and not much longer. */
	ck_assert_int_ge(now_ms() - started, 450);
	ck_assert_int_lt(now_ms() - started, 5000);
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, NULL), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, dead);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_every_endpoint_is_named_when_none_answers)
{
	prov_checkpoint_store *store;
	prov_checkpoint *cp;
	char first[64], second[64];

	snprintf(first, sizeof(first), "127.0.0.1:%d", etcd_fixture_unused_port());
	snprintf(second, sizeof(second), "127.0.0.1:%d", etcd_fixture_unused_port());
	settings.endpoints[0] = first;
	settings.endpoints[1] = second;
	settings.etcd.retry_timeout_ms = 200;
	store = etcd_test_open(&settings);
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-1"), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, first);
	ck_assert_contains(prov_error_last()->message, second);
	ck_assert_contains(prov_error_last()->message, "http://");
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_dead_endpoint_fails_over_to_one_that_answers)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	prov_checkpoint *cp;
	char dead[64];

	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", etcd_fixture_unused_port());
	settings.endpoints[0] = dead;
	settings.endpoints[1] = server.endpoint;
	store = etcd_test_open(&settings);
	token = etcd_test_acquire(store, "wf-1");
	etcd_test_save(store, token, 5);
	etcd_test_record(store, token, "db", "completed");
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 5);
	ck_assert_int_eq(prov_checkpoint_step(cp), 1);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

struct pending_save {
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	int rc;
	char message[512];
};

static void *save_in_background(void *arg)
{
	struct pending_save *p = arg;
	prov_checkpoint *cp = helper_checkpoint("wf-1", 2, 10);

	p->rc = prov_checkpoint_store_save(p->store, p->token, cp);
	snprintf(p->message, sizeof(p->message), "%s", prov_error_last()->message);
	prov_checkpoint_free(cp);
	return NULL;
}

START_TEST(test_a_write_during_an_etcd_restart_waits_and_goes_on)
{
	struct pending_save p = { NULL, NULL, PROV_ERROR, "" };
	pthread_t thread;
	prov_checkpoint *cp;

	settings.etcd.retry_timeout_ms = 20000;
	p.store = etcd_test_open(&settings);
	p.token = etcd_test_acquire(p.store, "wf-1");
	etcd_test_save(p.store, p.token, 1);
	etcd_fixture_stop(&server);
	ck_assert_int_eq(pthread_create(&thread, NULL, save_in_background, &p), 0);
	/* The save is retrying against a dead port by now (its first round fails at once). */
	usleep(300 * 1000);
	ck_assert(etcd_fixture_restart(&server));
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_msg(p.rc == PROV_OK, "%s", p.message);
	/* etcd kept the lease across its restart, and the store kept renewing it. */
	ck_assert_int_eq(prov_checkpoint_store_check(p.store, p.token), PROV_OK);
	etcd_test_record(p.store, p.token, "db", "completed");
	cp = etcd_test_load(p.store, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 2);
	ck_assert_int_eq(prov_checkpoint_step(cp), 1);
	ck_assert_int_eq(prov_checkpoint_revision(cp), 3);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(p.token);
	prov_checkpoint_store_close(p.store);
}
END_TEST

static void note_lost(const char *workflow_id, void *userdata)
{
	(void)workflow_id;
	atomic_store((atomic_int *)userdata, 1);
}

START_TEST(test_an_owner_cut_off_longer_than_its_lease_loses_the_workflow)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	prov_checkpoint_store *store, *other;
	prov_checkpoint_token *token, *next;
	prov_checkpoint *cp = helper_checkpoint("wf-1", 9, 10);
	atomic_int lost = 0;
	long started;

	settings.etcd.lease_ttl_s = 2;
	store = etcd_test_open(&settings);
	o.on_lost = note_lost;
	o.userdata = &lost;
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&token, store, "wf-1", &o), PROV_OK);
	etcd_test_save(store, token, 1);
	etcd_fixture_stop(&server);
	started = now_ms();
	while (!atomic_load(&lost) && now_ms() - started < 10000)
		usleep(20 * 1000);
	ck_assert(atomic_load(&lost));
	/* Not before the TTL: until then the lease may be alive. */
	ck_assert_int_ge(now_ms() - started, 1000);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_ESTALE);
	ck_assert(etcd_fixture_restart(&server));
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_ESTALE);
	/* Once etcd expires the lease it never heard renewed, another store gets the workflow. */
	other = etcd_test_open(&settings);
	o.on_lost = NULL;
	o.wait_ms = 15000;
	ck_assert_msg(prov_checkpoint_store_acquire_with(&next, other, "wf-1", &o) == PROV_OK, "%s",
		      prov_error_last()->message);
	prov_checkpoint_free(cp);
	cp = etcd_test_load(other, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 1);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(next);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(other);
	prov_checkpoint_store_close(store);
}
END_TEST

/*
 * A release that cannot reach etcd still ends the ownership here: its
 * on_lost (whose userdata the caller may free after the release) is never
 * called, and the store can own the workflow again once etcd is back.
 */
START_TEST(test_a_release_while_etcd_is_down_forgets_the_ownership)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	prov_checkpoint_store *store;
	prov_checkpoint_token *released, *kept, *again;
	atomic_int released_lost = 0, kept_lost = 0;
	long started;

	settings.etcd.lease_ttl_s = 2;
	settings.etcd.retry_timeout_ms = 300;
	store = etcd_test_open(&settings);
	o.on_lost = note_lost;
	o.userdata = &released_lost;
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&released, store, "wf-1", &o), PROV_OK);
	o.userdata = &kept_lost;
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&kept, store, "wf-2", &o), PROV_OK);
	etcd_fixture_stop(&server);
	ck_assert_int_eq(prov_checkpoint_store_release(store, released), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, server.endpoint);
	ck_assert_int_eq(prov_checkpoint_store_check(store, released), PROV_ESTALE);
	prov_checkpoint_token_free(released);
	/* The lease ends: the ownership still held is told, the released one is not. */
	started = now_ms();
	while (!atomic_load(&kept_lost) && now_ms() - started < 10000)
		usleep(20 * 1000);
	ck_assert(atomic_load(&kept_lost));
	ck_assert_int_eq(atomic_load(&released_lost), 0);
	ck_assert(etcd_fixture_restart(&server));
	o.on_lost = NULL;
	o.wait_ms = 15000;
	ck_assert_msg(prov_checkpoint_store_acquire_with(&again, store, "wf-1", &o) == PROV_OK, "%s",
		      prov_error_last()->message);
	prov_checkpoint_token_free(again);
	prov_checkpoint_token_free(kept);
	prov_checkpoint_store_close(store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-outage");
	TCase *tc = tcase_create("outage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_etcd_down_at_start_is_an_error_naming_the_endpoint);
	tcase_add_test(tc, test_every_endpoint_is_named_when_none_answers);
	tcase_add_test(tc, test_a_dead_endpoint_fails_over_to_one_that_answers);
	tcase_add_test(tc, test_a_write_during_an_etcd_restart_waits_and_goes_on);
	tcase_add_test(tc, test_an_owner_cut_off_longer_than_its_lease_loses_the_workflow);
	tcase_add_test(tc, test_a_release_while_etcd_is_down_forgets_the_ownership);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, false);
}
