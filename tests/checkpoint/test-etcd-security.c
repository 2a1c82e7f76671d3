/*
 * The etcd store over TLS with client certificates, and with etcd's
 * authentication: what works, and what is refused with a clear error.
 * Each test runs an etcd of its own.
 */
#include "test-util.h"
#include "etcd-helpers.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <time.h>
#include <unistd.h>

static struct etcd_fixture server;
static struct etcd_test_settings settings;

static void teardown(void)
{
	etcd_fixture_destroy(&server);
}

static void start(bool tls)
{
	ck_assert(etcd_fixture_start(&server, tls));
	etcd_test_settings_init(&settings, &server, 10);
}

/* A save, a record and a load: the store works. */
static void round_trip(void)
{
	prov_checkpoint_store *store = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(store, "wf-1");
	prov_checkpoint *cp;

	etcd_test_save(store, token, 4);
	etcd_test_record(store, token, "db", "completed");
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 4);
	ck_assert_int_eq(prov_checkpoint_step(cp), 1);
	prov_checkpoint_free(cp);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}

/* The first call's error, which must come well before the retry time. */
static int first_call_fails(void)
{
	prov_checkpoint_store *store = etcd_test_open(&settings);
	prov_checkpoint_token *token = NULL;
	int rc = prov_checkpoint_store_acquire(&token, store, "wf-1");

	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	return rc;
}

START_TEST(test_tls_with_a_client_certificate_round_trips)
{
	start(true);
	ck_assert_contains(server.endpoint, "https://");
	round_trip();
}
END_TEST

START_TEST(test_tls_without_trusting_the_servers_ca_is_refused_naming_the_endpoint)
{
	start(true);
	settings.etcd.ca_file = NULL;
	ck_assert_int_eq(first_call_fails(), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, server.endpoint);
	ck_assert_contains(prov_error_last()->message, "certificate");
}
END_TEST

START_TEST(test_tls_without_a_client_certificate_is_refused_naming_the_endpoint)
{
	start(true);
	settings.etcd.cert_file = NULL;
	settings.etcd.key_file = NULL;
	settings.etcd.retry_timeout_ms = 300;
	ck_assert_int_eq(first_call_fails(), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, server.endpoint);
}
END_TEST

/* Turn on etcd's authentication with a root user. */
static void enable_auth(const char *password)
{
	static const char *const steps[][2] = {
		{ "/v3/auth/role/add", "{\"name\":\"root\"}" },
		{ "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}" },
		{ "/v3/auth/enable", "{}" },
	};
	char body[128], *answer;

	snprintf(body, sizeof(body), "{\"name\":\"root\",\"password\":\"%s\"}", password);
	answer = etcd_fixture_post(&server, "/v3/auth/user/add", body, NULL);
	ck_assert_msg(answer && !strstr(answer, "\"error\""), "%s", answer ? answer : "no answer");
	free(answer);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		answer = etcd_fixture_post(&server, steps[i][0], steps[i][1], NULL);
		ck_assert_msg(answer && !strstr(answer, "\"error\""), "%s: %s", steps[i][0],
			      answer ? answer : "no answer");
		free(answer);
	}
}

START_TEST(test_authentication_signs_in_with_user_and_password)
{
	start(false);
	enable_auth("s3cret");
	settings.etcd.user = "root";
	settings.etcd.password = "s3cret";
	round_trip();
}
END_TEST

START_TEST(test_a_wrong_password_is_refused_naming_the_user)
{
	start(false);
	enable_auth("s3cret");
	settings.etcd.user = "root";
	settings.etcd.password = "guess";
	ck_assert_int_eq(first_call_fails(), PROV_EPERM);
	ck_assert_contains(prov_error_last()->message, "authenticating as root");
	ck_assert_contains(prov_error_last()->message, server.endpoint);
	ck_assert_ptr_null(strstr(prov_error_last()->message, "guess"));
}
END_TEST

START_TEST(test_no_credentials_where_etcd_wants_them_is_an_error)
{
	start(false);
	enable_auth("s3cret");
	ck_assert_int_eq(first_call_fails(), PROV_ESTORE);
	ck_assert_contains(prov_error_last()->message, "user name is empty");
}
END_TEST

START_TEST(test_an_expired_token_is_replaced_by_signing_in_again)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;

	start(false);
	enable_auth("s3cret");
	settings.etcd.user = "root";
	settings.etcd.password = "s3cret";
	store = etcd_test_open(&settings);
	token = etcd_test_acquire(store, "wf-1");
	/* The fixture's tokens expire after 2 s unused; the lease is renewed after 3.3 s. */
	sleep(3);
	etcd_test_save(store, token, 1);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-security");
	TCase *tc = tcase_create("security");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_tls_with_a_client_certificate_round_trips);
	tcase_add_test(tc, test_tls_without_trusting_the_servers_ca_is_refused_naming_the_endpoint);
	tcase_add_test(tc, test_tls_without_a_client_certificate_is_refused_naming_the_endpoint);
	tcase_add_test(tc, test_authentication_signs_in_with_user_and_password);
	tcase_add_test(tc, test_a_wrong_password_is_refused_naming_the_user);
	tcase_add_test(tc, test_no_credentials_where_etcd_wants_them_is_an_error);
	tcase_add_test(tc, test_an_expired_token_is_replaced_by_signing_in_again);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, false);
}
