/* The etcd store against a real etcd: what it stores, how it reads, how it fences. */
#include "test-util.h"
#include "etcd-helpers.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <stdatomic.h>
#include <unistd.h>

static struct etcd_test_settings settings;
static prov_checkpoint_store *store;

static void setup(void)
{
	etcd_test_settings_init(&settings, NULL, 10);
	store = etcd_test_open(&settings);
}

static void teardown(void)
{
	prov_checkpoint_store_close(store);
}

/* "PREFIX/KIND/ID" and friends. */
static const char *key(const char *kind, const char *id)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s/%s", settings.prefix, kind, id);
	return buf;
}

START_TEST(test_saved_checkpoint_loads_back_with_its_revision)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	prov_checkpoint *cp = helper_checkpoint("wf-1", 42, 500), *back;

	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_OK);
	back = etcd_test_load(store, "wf-1");
	helper_assert_same_checkpoint(back, cp);
	ck_assert_int_eq(prov_checkpoint_revision(back), 1);
	prov_checkpoint_free(cp);
	prov_checkpoint_free(back);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_records_fold_into_the_saved_checkpoint_in_order)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	prov_rollback_stack *stack;
	prov_checkpoint *cp;

	etcd_test_save(store, token, 1);
	etcd_test_record(store, token, "db", "completed");
	etcd_test_record(store, token, "web", "failed");
	etcd_test_record(store, token, "web", "completed");
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(prov_checkpoint_step(cp), 2);
	ck_assert_str_eq(prov_checkpoint_completed_at(cp, 0), "db");
	ck_assert_str_eq(prov_checkpoint_completed_at(cp, 1), "web");
	ck_assert_int_eq(prov_checkpoint_get_rollback_stack(&stack, cp), PROV_OK);
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 3);
	ck_assert_int_eq(prov_checkpoint_revision(cp), 4);
	ck_assert_int_eq(etcd_test_count_keys(NULL, key("records", "wf-1/")), 3);
	prov_rollback_stack_free(stack);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_a_save_folds_away_the_record_keys_before_it)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	prov_checkpoint *cp;

	for (int i = 0; i < 5; i++)
		etcd_test_record(store, token, i % 2 ? "a" : "b", "completed");
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_OK);
	prov_checkpoint_free(cp);
	ck_assert_int_eq(etcd_test_count_keys(NULL, key("records", "wf-1/")), 0);
	etcd_test_record(store, token, "c", "completed");
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(prov_checkpoint_step(cp), 3);
	ck_assert_int_eq(prov_checkpoint_revision(cp), 7);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_records_without_a_save_make_a_listed_checkpoint)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-r");
	prov_checkpoint_list *list;
	prov_checkpoint *cp;

	etcd_test_record(store, token, "db", "completed");
	etcd_test_record(store, token, "web", "completed");
	cp = etcd_test_load(store, "wf-r");
	ck_assert_int_eq(prov_checkpoint_step(cp), 2);
	ck_assert_int_eq(prov_checkpoint_revision(cp), 2);
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, NULL), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 1);
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 0), "wf-r");
	ck_assert_int_eq(prov_checkpoint_list_step_at(list, 0), 2);
	ck_assert_str_eq(prov_checkpoint_list_timestamp_at(list, 0), prov_checkpoint_timestamp(cp));
	prov_checkpoint_list_free(list);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_records_beyond_a_page_are_all_folded)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-many");
	prov_checkpoint *cp;
	char op[16];

	etcd_test_save(store, token, 1);
	for (int i = 0; i < 600; i++) {
		snprintf(op, sizeof(op), "op-%d", i);
		etcd_test_record(store, token, op, "completed");
	}
	cp = etcd_test_load(store, "wf-many");
	ck_assert_int_eq(prov_checkpoint_step(cp), 600);
	ck_assert_str_eq(prov_checkpoint_completed_at(cp, 599), "op-599");
	ck_assert_int_eq(prov_checkpoint_revision(cp), 601);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_a_new_owner_goes_on_counting_revisions)
{
	prov_checkpoint_store *other = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	prov_checkpoint *cp;

	etcd_test_save(store, token, 1);
	etcd_test_record(store, token, "db", "completed");
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	token = etcd_test_acquire(other, "wf-1");
	etcd_test_record(other, token, "web", "completed");
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(prov_checkpoint_revision(cp), 3);
	ck_assert_int_eq(prov_checkpoint_step(cp), 2);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(other);
}
END_TEST

START_TEST(test_delete_removes_every_key_and_then_finds_nothing)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	prov_checkpoint *cp;

	etcd_test_save(store, token, 1);
	etcd_test_record(store, token, "db", "completed");
	ck_assert_int_eq(prov_checkpoint_store_delete(store, token), PROV_OK);
	ck_assert_int_eq(etcd_test_count_keys(NULL, key("checkpoints", "")), 0);
	ck_assert_int_eq(etcd_test_count_keys(NULL, key("records", "")), 0);
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-1"), PROV_ENOTFOUND);
	ck_assert_int_eq(prov_checkpoint_store_delete(store, token), PROV_ENOTFOUND);
	ck_assert_contains(prov_error_last()->message, settings.prefix);
	/* The ownership outlives the delete. */
	etcd_test_save(store, token, 2);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_load_of_an_unknown_workflow_is_not_found)
{
	prov_checkpoint *cp;

	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "nothing"), PROV_ENOTFOUND);
	ck_assert_contains(prov_error_last()->message, "nothing");
	ck_assert_ptr_null(cp);
}
END_TEST

static void store_workflows(const char *const *ids)
{
	for (; *ids; ids++) {
		prov_checkpoint_token *token = etcd_test_acquire(store, *ids);

		etcd_test_save(store, token, 1);
		etcd_test_record(store, token, "db", "completed");
		ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
		prov_checkpoint_token_free(token);
	}
}

START_TEST(test_list_pages_by_prefix_and_cursor)
{
	static const char *const ids[] = { "b-2", "a-1", "b-1", "c-1", "b-3", NULL };
	prov_checkpoint_list_options o = PROV_CHECKPOINT_LIST_OPTIONS_INIT;
	prov_checkpoint_list *list;

	store_workflows(ids);
	o.prefix = "b-";
	o.limit = 2;
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, &o), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 2);
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 0), "b-1");
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 1), "b-2");
	ck_assert_int_eq(prov_checkpoint_list_step_at(list, 1), 1);
	ck_assert_str_eq(prov_checkpoint_list_next(list), "b-2");
	o.after = "b-2";
	prov_checkpoint_list_free(list);
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, &o), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 1);
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 0), "b-3");
	ck_assert_ptr_null(prov_checkpoint_list_next(list));
	prov_checkpoint_list_free(list);
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, NULL), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 5);
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 0), "a-1");
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 4), "c-1");
	prov_checkpoint_list_free(list);
}
END_TEST

START_TEST(test_list_spans_more_than_one_request)
{
	prov_checkpoint_list *list;
	char id[16];

	for (int i = 0; i < 150; i++) {
		prov_checkpoint_token *token;

		snprintf(id, sizeof(id), "wf-%03d", i);
		token = etcd_test_acquire(store, id);
		etcd_test_save(store, token, i);
		prov_checkpoint_store_release(store, token);
		prov_checkpoint_token_free(token);
	}
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, NULL), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 150);
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 149), "wf-149");
	prov_checkpoint_list_free(list);
}
END_TEST

START_TEST(test_damaged_checkpoint_is_named_and_does_not_stop_the_list)
{
	static const char *const ids[] = { "good", NULL };
	prov_checkpoint_list *list;
	prov_checkpoint *cp;
	char bad_key[256];

	store_workflows(ids);
	snprintf(bad_key, sizeof(bad_key), "%s", key("checkpoints", "bad"));
	etcd_test_put(NULL, bad_key, "{not json");
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "bad"), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, bad_key);
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, NULL), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 2);
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 0), "bad");
	ck_assert_contains(prov_checkpoint_list_error_at(list, 0), bad_key);
	ck_assert_ptr_null(prov_checkpoint_list_error_at(list, 1));
	prov_checkpoint_list_free(list);
}
END_TEST

START_TEST(test_checkpoint_of_another_workflow_is_damage)
{
	char *json;
	prov_checkpoint *cp = helper_checkpoint("other", 1, 10), *back;

	ck_assert_int_eq(prov_checkpoint_to_json(&json, cp), PROV_OK);
	prov_checkpoint_free(cp);
	etcd_test_put(NULL, key("checkpoints", "mine"), json);
	ck_assert_int_eq(prov_checkpoint_store_load(&back, store, "mine"), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, "holds workflow other");
	free(json);
}
END_TEST

START_TEST(test_acquire_of_an_owned_workflow_names_the_holder)
{
	prov_checkpoint_store *other = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1"), *second;
	char pid[32];

	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	ck_assert_int_eq(prov_checkpoint_store_acquire(&second, other, "wf-1"), PROV_EBUSY);
	ck_assert_contains(prov_error_last()->message, pid);
	ck_assert_contains(prov_error_last()->message, key("owners", "wf-1"));
	ck_assert_ptr_null(second);
	/* The same store refuses too: one token per ownership. */
	ck_assert_int_eq(prov_checkpoint_store_acquire(&second, store, "wf-1"), PROV_EBUSY);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	second = etcd_test_acquire(other, "wf-1");
	prov_checkpoint_token_free(second);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(other);
}
END_TEST

START_TEST(test_released_token_is_stale_and_writes_nothing)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	prov_checkpoint *cp = helper_checkpoint("wf-1", 7, 10);

	etcd_test_save(store, token, 1);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_ESTALE);
	ck_assert_int_eq(etcd_test_count_keys(NULL, key("owners", "")), 0);
	prov_checkpoint_free(cp);
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 1);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
}
END_TEST

static atomic_int lost_calls;

static void count_lost(const char *workflow_id, void *userdata)
{
	ck_assert_str_eq(workflow_id, (const char *)userdata);
	atomic_fetch_add(&lost_calls, 1);
}

START_TEST(test_a_superseded_owner_is_fenced_out_and_told)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	prov_checkpoint_store *other = etcd_test_open(&settings);
	prov_checkpoint_token *old, *next;
	prov_checkpoint *cp = helper_checkpoint("wf-1", 99, 10);

	o.on_lost = count_lost;
	o.userdata = (void *)"wf-1";
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&old, store, "wf-1", &o), PROV_OK);
	etcd_test_save(store, old, 1);
	/* The ownership key goes (as when the lease expires); another store takes it. */
	etcd_test_delete(NULL, key("owners", "wf-1"));
	next = etcd_test_acquire(other, "wf-1");
	etcd_test_save(other, next, 2);
	ck_assert_int_eq(prov_checkpoint_store_save(store, old, cp), PROV_ESTALE);
	ck_assert_contains(prov_error_last()->message, "lost");
	ck_assert_contains(prov_error_last()->message, key("owners", "wf-1"));
	ck_assert_int_eq(atomic_load(&lost_calls), 1);
	ck_assert_int_eq(prov_checkpoint_store_check(store, old), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_release(store, old), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_check(other, next), PROV_OK);
	prov_checkpoint_free(cp);
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 2);
	ck_assert_int_eq(prov_checkpoint_revision(cp), 2);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(old);
	prov_checkpoint_token_free(next);
	prov_checkpoint_store_close(other);
}
END_TEST

START_TEST(test_closing_a_store_ends_its_ownerships_at_once)
{
	prov_checkpoint_store *other = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(other, "wf-1");

	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(other);
	ck_assert_int_eq(etcd_test_count_keys(NULL, key("owners", "")), 0);
	token = etcd_test_acquire(store, "wf-1");
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_ownership_key_is_attached_to_a_lease)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	char lease[32];

	etcd_test_key_lease(NULL, key("owners", "wf-1"), lease, sizeof(lease));
	ck_assert_str_ne(lease, "");
	ck_assert_int_eq(etcd_test_count_keys(NULL, key("owners", "")), 1);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_checkpoint_beyond_etcds_request_limit_is_out_of_range)
{
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-big");
	prov_checkpoint *cp = helper_checkpoint("wf-big", 1, 1700 * 1024);

	/* Past the 1.5 MiB etcd takes by default. */
	ck_assert_msg(prov_checkpoint_store_save(store, token, cp) == PROV_ERANGE, "%s",
		      prov_error_last()->message);
	ck_assert_contains(prov_error_last()->message, "max-request-bytes");
	ck_assert_contains(prov_error_last()->message, etcd_test_server.endpoint);
	prov_checkpoint_free(cp);
	/* The ownership is intact and the next write goes through. */
	etcd_test_save(store, token, 2);
	prov_checkpoint_token_free(token);
}
END_TEST

static prov_checkpoint_store_options etcd_options(prov_checkpoint_etcd_options *etcd)
{
	prov_checkpoint_store_options o = PROV_CHECKPOINT_STORE_OPTIONS_INIT;

	o.store = "etcd";
	o.etcd = etcd;
	return o;
}

START_TEST(test_invalid_settings_are_refused_by_name)
{
	prov_checkpoint_etcd_options etcd = PROV_CHECKPOINT_ETCD_OPTIONS_INIT;
	prov_checkpoint_store_options o = etcd_options(&etcd);
	const char *endpoints[] = { "unix:///run/etcd.sock", NULL };
	prov_checkpoint_store *s;

	etcd.lease_ttl_s = 1;
	ck_assert_int_eq(prov_checkpoint_store_open(&s, &o), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "lease_ttl_s");
	etcd.lease_ttl_s = 0;
	etcd.cert_file = "client.pem";
	ck_assert_int_eq(prov_checkpoint_store_open(&s, &o), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "key_file");
	etcd.cert_file = NULL;
	etcd.endpoints = endpoints;
	ck_assert_int_eq(prov_checkpoint_store_open(&s, &o), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "unix:///run/etcd.sock");
	etcd.endpoints = NULL;
	etcd.request_timeout_ms = -1;
	ck_assert_int_eq(prov_checkpoint_store_open(&s, &o), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "request_timeout_ms");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd");
	TCase *tc = tcase_create("etcd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_saved_checkpoint_loads_back_with_its_revision);
	tcase_add_test(tc, test_records_fold_into_the_saved_checkpoint_in_order);
	tcase_add_test(tc, test_a_save_folds_away_the_record_keys_before_it);
	tcase_add_test(tc, test_records_without_a_save_make_a_listed_checkpoint);
	tcase_add_test(tc, test_records_beyond_a_page_are_all_folded);
	tcase_add_test(tc, test_a_new_owner_goes_on_counting_revisions);
	tcase_add_test(tc, test_delete_removes_every_key_and_then_finds_nothing);
	tcase_add_test(tc, test_load_of_an_unknown_workflow_is_not_found);
	tcase_add_test(tc, test_list_pages_by_prefix_and_cursor);
	tcase_add_test(tc, test_list_spans_more_than_one_request);
	tcase_add_test(tc, test_damaged_checkpoint_is_named_and_does_not_stop_the_list);
	tcase_add_test(tc, test_checkpoint_of_another_workflow_is_damage);
	tcase_add_test(tc, test_acquire_of_an_owned_workflow_names_the_holder);
	tcase_add_test(tc, test_released_token_is_stale_and_writes_nothing);
	tcase_add_test(tc, test_a_superseded_owner_is_fenced_out_and_told);
	tcase_add_test(tc, test_closing_a_store_ends_its_ownerships_at_once);
	tcase_add_test(tc, test_ownership_key_is_attached_to_a_lease);
	tcase_add_test(tc, test_checkpoint_beyond_etcds_request_limit_is_out_of_range);
	tcase_add_test(tc, test_invalid_settings_are_refused_by_name);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, true);
}
