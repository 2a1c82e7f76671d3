/* A store of one's own through prov_checkpoint_store_interface. */
#include "test-util.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <stddef.h>

/* A backend holding one workflow in memory, as a user might write one. */
struct memory {
	char *checkpoint;
	char *records[64];
	int record_count;
	int generation;
	int owned;
	int closed;
};

static int owns(struct memory *m, const prov_checkpoint_token *token)
{
	char text[16];

	snprintf(text, sizeof(text), "g%d", m->generation);
	return m->owned && strcmp(prov_checkpoint_token_text(token), text) == 0;
}

static int m_acquire(prov_checkpoint_token **token, void *backend, const char *id)
{
	struct memory *m = backend;
	char text[16];

	if (m->owned)
		return PROV_EBUSY;
	m->owned = 1;
	snprintf(text, sizeof(text), "g%d", ++m->generation);
	return prov_checkpoint_token_new(token, id, text);
}

static int m_release(void *backend, const prov_checkpoint_token *token)
{
	struct memory *m = backend;

	if (!owns(m, token))
		return PROV_ESTALE;
	m->owned = 0;
	return PROV_OK;
}

static void m_clear(struct memory *m)
{
	free(m->checkpoint);
	m->checkpoint = NULL;
	for (int i = 0; i < m->record_count; i++)
		free(m->records[i]);
	m->record_count = 0;
}

static int m_save(void *backend, const prov_checkpoint_token *token, const char *json, size_t len)
{
	struct memory *m = backend;

	if (!owns(m, token))
		return PROV_ESTALE;
	m_clear(m);
	m->checkpoint = strndup(json, len);
	return PROV_OK;
}

static int m_record(void *backend, const prov_checkpoint_token *token, const char *op,
		    const char *json, size_t len)
{
	struct memory *m = backend;

	(void)op;
	if (!owns(m, token))
		return PROV_ESTALE;
	m->records[m->record_count++] = strndup(json, len);
	return PROV_OK;
}

static int m_load(prov_checkpoint **out, void *backend, const char *id)
{
	struct memory *m = backend;
	int rc;

	(void)id;
	if (!m->checkpoint)
		return PROV_ENOTFOUND;
	rc = prov_checkpoint_from_json(out, m->checkpoint, strlen(m->checkpoint));
	for (int i = 0; rc == PROV_OK && i < m->record_count; i++) {
		prov_operation_record *record;

		rc = prov_operation_record_from_json(&record, m->records[i], strlen(m->records[i]));
		if (rc == PROV_OK)
			rc = prov_checkpoint_apply_record(*out, record);
		prov_operation_record_free(record);
	}
	return rc;
}

/* Ignores the options and adds out of order: the library sorts and pages. */
static int m_list(prov_checkpoint_list *list, void *backend,
		  const prov_checkpoint_list_options *options)
{
	struct memory *m = backend;

	(void)options;
	prov_checkpoint_list_add(list, "zz-other", 0, NULL, NULL);
	if (m->checkpoint)
		prov_checkpoint_list_add(list, "wf-1", m->record_count, "", NULL);
	prov_checkpoint_list_add(list, "aa-other", 0, NULL, "aa-other: unreadable");
	return PROV_OK;
}

static int m_remove(void *backend, const prov_checkpoint_token *token)
{
	struct memory *m = backend;

	if (!owns(m, token))
		return PROV_ESTALE;
	if (!m->checkpoint)
		return PROV_ENOTFOUND;
	m_clear(m);
	return PROV_OK;
}

static void m_close(void *backend)
{
	struct memory *m = backend;

	m_clear(m);
	m->closed = 1;
}

static const prov_checkpoint_store_interface memory_interface = {
	.size = sizeof(prov_checkpoint_store_interface),
	.acquire = m_acquire, .release = m_release, .save = m_save, .record = m_record,
	.load = m_load, .list = m_list, .remove = m_remove, .close = m_close,
};

START_TEST(test_a_backend_of_ones_own_serves_the_whole_api)
{
	struct memory m = { 0 };
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	prov_checkpoint *cp = helper_checkpoint("wf-1", 4, 0), *back;
	prov_operation_record *record = helper_record("db", "completed", 0, 0, 1);
	prov_checkpoint_list *list;
	prov_checkpoint_list_options options = PROV_CHECKPOINT_LIST_OPTIONS_INIT;

	ck_assert_int_eq(prov_checkpoint_store_new(&store, &memory_interface, &m), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_record(store, token, record), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_load(&back, store, "wf-1"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_step(back), 1);
	ck_assert_int_eq(helper_metadata_n(back), 4);
	options.limit = 2;
	ck_assert_int_eq(prov_checkpoint_store_list(&list, store, &options), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(list), 2);
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 0), "aa-other");
	ck_assert_str_eq(prov_checkpoint_list_error_at(list, 0), "aa-other: unreadable");
	ck_assert_str_eq(prov_checkpoint_list_id_at(list, 1), "wf-1");
	ck_assert_str_eq(prov_checkpoint_list_next(list), "wf-1");
	ck_assert_int_eq(prov_checkpoint_store_delete(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_ESTALE);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(m.closed, 1);
	prov_checkpoint_list_free(list);
	prov_checkpoint_free(back);
	prov_checkpoint_free(cp);
	prov_operation_record_free(record);
	prov_checkpoint_token_free(token);
}
END_TEST

START_TEST(test_an_error_without_a_message_gets_one_naming_the_call)
{
	struct memory m = { 0 };
	prov_checkpoint_store *store;
	prov_checkpoint_token *token, *second;

	ck_assert_int_eq(prov_checkpoint_store_new(&store, &memory_interface, &m), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	prov_error_clear();
	ck_assert_int_eq(prov_checkpoint_store_acquire(&second, store, "wf-1"), PROV_EBUSY);
	ck_assert_str_eq(prov_error_last()->message,
			 "checkpoint store: acquire of workflow wf-1 failed: busy: owned by another holder");
	ck_assert_str_eq(prov_error_last()->workflow_id, "wf-1");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_an_interface_missing_a_function_is_refused)
{
	prov_checkpoint_store_interface partial = memory_interface;
	prov_checkpoint_store *store;

	partial.load = NULL;
	ck_assert_int_eq(prov_checkpoint_store_new(&store, &partial, NULL), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "load"));
	ck_assert_int_eq(prov_checkpoint_store_new(&store, NULL, NULL), PROV_EINVAL);
}
END_TEST

START_TEST(test_fields_past_the_interface_size_are_not_read)
{
	prov_checkpoint_store_interface older = memory_interface;
	struct memory m = { 0 };
	prov_checkpoint_store *store;

	older.size = (unsigned int)offsetof(prov_checkpoint_store_interface, close);
	ck_assert_int_eq(prov_checkpoint_store_new(&store, &older, &m), PROV_OK);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(m.closed, 0);
}
END_TEST

/* A backend whose ownerships can end without a release, like a lease's. */
struct watched {
	struct memory m;
	prov_checkpoint_lost_fn on_lost;
	void *userdata;
	int lost;              /* the ownership ended; watch refuses */
};

static int w_check(void *backend, const prov_checkpoint_token *token)
{
	struct watched *w = backend;

	return owns(&w->m, token) && !w->lost ? PROV_OK : PROV_ESTALE;
}

static int w_watch(void *backend, const prov_checkpoint_token *token,
		   prov_checkpoint_lost_fn on_lost, void *userdata)
{
	struct watched *w = backend;

	if (!owns(&w->m, token) || w->lost)
		return PROV_ESTALE;
	w->on_lost = on_lost;
	w->userdata = userdata;
	return PROV_OK;
}

static void remember_lost(const char *workflow_id, void *userdata)
{
	snprintf(userdata, 16, "%s", workflow_id);
}

START_TEST(test_on_lost_reaches_a_backend_that_can_lose_ownerships)
{
	prov_checkpoint_store_interface iface = memory_interface;
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	struct watched w = { { 0 }, NULL, NULL, 0 };
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	char told[16] = "";

	iface.check = w_check;
	iface.watch = w_watch;
	o.on_lost = remember_lost;
	o.userdata = told;
	ck_assert_int_eq(prov_checkpoint_store_new(&store, &iface, &w), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&token, store, "wf-1", &o), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_OK);
	w.lost = 1;
	w.on_lost("wf-1", w.userdata);
	ck_assert_str_eq(told, "wf-1");
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_ESTALE);
	ck_assert_str_eq(prov_error_last()->workflow_id, "wf-1");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_an_ownership_lost_while_acquired_is_given_back)
{
	prov_checkpoint_store_interface iface = memory_interface;
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	struct watched w = { { 0 }, NULL, NULL, 1 };
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	char told[16] = "";

	iface.watch = w_watch;
	o.on_lost = remember_lost;
	o.userdata = told;
	ck_assert_int_eq(prov_checkpoint_store_new(&store, &iface, &w), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&token, store, "wf-1", &o), PROV_ESTALE);
	ck_assert_ptr_null(token);
	ck_assert_int_eq(w.m.owned, 0);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_EINVAL);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_check_needs_the_backends_help)
{
	struct memory m = { 0 };
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;

	ck_assert_int_eq(prov_checkpoint_store_new(&store, &memory_interface, &m), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_EUNSUPPORTED);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

/* Asked between tries: the holder lets go at the first ask. */
static int holder_lets_go(void *userdata)
{
	((struct memory *)userdata)->owned = 0;
	return 0;
}

START_TEST(test_a_waiting_acquire_tries_again_until_the_holder_lets_go)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	struct memory m = { 0 };
	prov_checkpoint_store *store;
	prov_checkpoint_token *first, *second;

	ck_assert_int_eq(prov_checkpoint_store_new(&store, &memory_interface, &m), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&first, store, "wf-1"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&second, store, "wf-1", &o), PROV_EBUSY);
	o.wait_ms = -1;
	o.cancelled = holder_lets_go;
	o.userdata = &m;
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&second, store, "wf-1", &o), PROV_OK);
	ck_assert_str_eq(prov_checkpoint_token_text(second), "g2");
	prov_checkpoint_token_free(first);
	prov_checkpoint_token_free(second);
	prov_checkpoint_store_close(store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-interface");
	TCase *tc = tcase_create("interface");

	tcase_add_test(tc, test_a_backend_of_ones_own_serves_the_whole_api);
	tcase_add_test(tc, test_an_error_without_a_message_gets_one_naming_the_call);
	tcase_add_test(tc, test_an_interface_missing_a_function_is_refused);
	tcase_add_test(tc, test_fields_past_the_interface_size_are_not_read);
	tcase_add_test(tc, test_on_lost_reaches_a_backend_that_can_lose_ownerships);
	tcase_add_test(tc, test_an_ownership_lost_while_acquired_is_given_back);
	tcase_add_test(tc, test_check_needs_the_backends_help);
	tcase_add_test(tc, test_a_waiting_acquire_tries_again_until_the_holder_lets_go);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
