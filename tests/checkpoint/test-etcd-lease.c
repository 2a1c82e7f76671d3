/*
 * Ownership over time: a lease renewed for as long as its holder lives, an
 * ownership lost when the lease ends, and acquirers that wait for it.
 */
#include "test-util.h"
#include "etcd-helpers.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct etcd_test_settings settings;

static void setup(void)
{
	etcd_test_settings_init(&settings, NULL, 2);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *owner_key(const char *id)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/owners/%s", settings.prefix, id);
	return buf;
}

/* A flag on_lost raises, and a way to wait for it. */
struct lost_event {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	int calls;
	char id[64];
};

#define LOST_EVENT_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, "" }

static void on_lost(const char *workflow_id, void *userdata)
{
	struct lost_event *e = userdata;

	pthread_mutex_lock(&e->mutex);
	e->calls++;
	snprintf(e->id, sizeof(e->id), "%s", workflow_id);
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->mutex);
}

/* Whether on_lost came within timeout_ms. */
static bool wait_lost(struct lost_event *e, long timeout_ms)
{
	struct timespec until;
	bool called;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	pthread_mutex_lock(&e->mutex);
	while (!e->calls && pthread_cond_timedwait(&e->cond, &e->mutex, &until) == 0)
		;
	called = e->calls > 0;
	pthread_mutex_unlock(&e->mutex);
	return called;
}

static prov_checkpoint_token *acquire_watched(prov_checkpoint_store *store, const char *id,
					      struct lost_event *e)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	prov_checkpoint_token *token;

	o.on_lost = on_lost;
	o.userdata = e;
	ck_assert_msg(prov_checkpoint_store_acquire_with(&token, store, id, &o) == PROV_OK, "%s",
		      prov_error_last()->message);
	return token;
}

START_TEST(test_ownership_outlives_its_ttl_while_renewed)
{
	prov_checkpoint_store *store = etcd_test_open(&settings);
	struct lost_event e = LOST_EVENT_INIT;
	prov_checkpoint_token *token = acquire_watched(store, "wf-1", &e);
	char before[32], after[32];

	etcd_test_key_lease(NULL, owner_key("wf-1"), before, sizeof(before));
	/* Two and a half TTLs: renewed every third of one. */
	ck_assert(!wait_lost(&e, 5000));
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_OK);
	etcd_test_save(store, token, 1);
	etcd_test_key_lease(NULL, owner_key("wf-1"), after, sizeof(after));
	ck_assert_str_eq(after, before);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_revoked_lease_is_reported_and_fences_every_write)
{
	prov_checkpoint_store *store = etcd_test_open(&settings);
	struct lost_event e = LOST_EVENT_INIT;
	prov_checkpoint_token *token = acquire_watched(store, "wf-1", &e), *again;
	prov_checkpoint *cp = helper_checkpoint("wf-1", 2, 10);
	char lease[32], body[96];

	etcd_test_save(store, token, 1);
	etcd_test_key_lease(NULL, owner_key("wf-1"), lease, sizeof(lease));
	snprintf(body, sizeof(body), "{\"ID\":\"%s\"}", lease);
	free(etcd_fixture_post(&etcd_test_server, "/v3/lease/revoke", body, NULL));
	ck_assert(wait_lost(&e, 10000));
	ck_assert_str_eq(e.id, "wf-1");
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_ESTALE);
	ck_assert_contains(prov_error_last()->message, "lease");
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_ESTALE);
	/* The store gets a new lease for its next ownership. */
	again = etcd_test_acquire(store, "wf-1");
	etcd_test_save(store, again, 3);
	ck_assert_int_eq(e.calls, 1);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_token_free(again);
	prov_checkpoint_store_close(store);
}
END_TEST

/*
 * The paused holder, a forked child: it never calls check (whose message
 * file it shares with the test) and reports through its pipe instead:
 * 'A' once it owns wf-1 and saved, then, when told to go on, 'E' if its
 * next write is refused as stale and 'L' if it heard that it lost wf-1.
 */
static void paused_holder(int to_parent, int from_parent)
{
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	struct lost_event e = LOST_EVENT_INIT;
	prov_checkpoint_store *store = NULL;
	prov_checkpoint_token *token = NULL;
	prov_checkpoint *first = helper_checkpoint_or_null("wf-1", 1, 10);
	prov_checkpoint *later = helper_checkpoint_or_null("wf-1", 3, 10);
	char command, reply[2] = "--";

	options.store = "etcd";
	options.etcd = &settings.etcd;
	o.on_lost = on_lost;
	o.userdata = &e;
	if (!first || !later || prov_checkpoint_store_open(&store, &options) != PROV_OK ||
	    prov_checkpoint_store_acquire_with(&token, store, "wf-1", &o) != PROV_OK ||
	    prov_checkpoint_store_save(store, token, first) != PROV_OK)
		_exit(1);
	if (write(to_parent, "A", 1) != 1 || read(from_parent, &command, 1) != 1)
		_exit(1);
	/* Resumed long after its lease ended: the write must not land. */
	if (prov_checkpoint_store_save(store, token, later) == PROV_ESTALE)
		reply[0] = 'E';
	if (wait_lost(&e, 10000))
		reply[1] = 'L';
	if (write(to_parent, reply, 2) != 2)
		_exit(1);
	prov_checkpoint_free(first);
	prov_checkpoint_free(later);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	_exit(0);
}

START_TEST(test_a_paused_holder_loses_to_a_waiting_acquirer_and_cannot_write_after)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	int up[2], down[2], status;
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	prov_checkpoint *cp;
	char reply[3] = "";
	long started;
	pid_t pid;

	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid = fork();
	if (pid == 0)
		paused_holder(up[1], down[0]);
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(read(up[0], reply, 1), 1);
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	store = etcd_test_open(&settings);
	o.wait_ms = 20000;
	started = now_ms();
	ck_assert_msg(prov_checkpoint_store_acquire_with(&token, store, "wf-1", &o) == PROV_OK,
		      "%s", prov_error_last()->message);
	/* Not before the holder's lease (2 s) could have ended. */
	ck_assert_int_ge(now_ms() - started, 1000);
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 1);
	prov_checkpoint_free(cp);
	etcd_test_save(store, token, 2);
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	ck_assert_int_eq(write(down[1], "S", 1), 1);
	ck_assert_int_eq(read(up[0], reply, 2), 2);
	ck_assert_str_eq(reply, "EL");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cp = etcd_test_load(store, "wf-1");
	ck_assert_int_eq(helper_metadata_n(cp), 2);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_wait_that_runs_out_is_busy_naming_the_holder)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	prov_checkpoint_store *holder = etcd_test_open(&settings), *other = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(holder, "wf-1"), *none;
	long started = now_ms();

	o.wait_ms = 300;
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&none, other, "wf-1", &o), PROV_EBUSY);
	ck_assert_int_ge(now_ms() - started, 300);
	ck_assert_contains(prov_error_last()->message, "after waiting 300 ms");
	ck_assert_contains(prov_error_last()->message, owner_key("wf-1"));
	ck_assert_ptr_null(none);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(holder);
	prov_checkpoint_store_close(other);
}
END_TEST

static int cancel_on_third_ask(void *userdata)
{
	return ++*(int *)userdata >= 3;
}

START_TEST(test_a_wait_stops_when_cancelled)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	prov_checkpoint_store *holder = etcd_test_open(&settings), *other = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(holder, "wf-1"), *none;
	int asked = 0;

	o.wait_ms = -1;
	o.cancelled = cancel_on_third_ask;
	o.userdata = &asked;
	ck_assert_int_eq(prov_checkpoint_store_acquire_with(&none, other, "wf-1", &o),
			 PROV_ECANCELLED);
	ck_assert_int_eq(asked, 3);
	ck_assert_contains(prov_error_last()->message, "wf-1");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(holder);
	prov_checkpoint_store_close(other);
}
END_TEST

/*
 * A gateway whose keep-alive stream fails as etcd's does while it has no
 * leader: an error inside a 200 answer. Grants and transactions succeed,
 * with transactions answered without their header when asked to.
 * One connection at a time, each closed after its answer.
 */
struct leaderless_gateway {
	int listener;
	char endpoint[64];
	pthread_t thread;
	bool txn_without_header;
};

static const char *leaderless_answer(const struct leaderless_gateway *g, const char *request)
{
	if (g->txn_without_header && strstr(request, "/v3/kv/txn"))
		return "{\"succeeded\":true}";
	if (strstr(request, "/v3/lease/grant"))
		return "{\"header\":{\"revision\":\"1\"},\"ID\":\"7\",\"TTL\":\"4\"}";
	if (strstr(request, "/v3/lease/keepalive"))
		return "{\"error\":{\"grpc_code\":14,\"http_code\":503,"
		       "\"message\":\"etcdserver: no leader\",\"http_status\":\"Service Unavailable\"}}";
	if (strstr(request, "/v3/kv/txn"))
		return "{\"header\":{\"revision\":\"5\"},\"succeeded\":true}";
	return "{\"header\":{\"revision\":\"5\"}}";
}

static void leaderless_serve(const struct leaderless_gateway *g, int fd)
{
	char request[8192], reply[512];
	size_t have = 0;
	ssize_t n;
	char *end = NULL;
	const char *length, *answer;

	while (have < sizeof(request) - 1 && (n = read(fd, request + have, sizeof(request) - 1 - have)) > 0) {
		have += (size_t)n;
		request[have] = '\0';
		if ((end = strstr(request, "\r\n\r\n")) &&
		    (!(length = strstr(request, "Content-Length:")) ||
		     have >= (size_t)(end + 4 - request) + strtoul(length + 15, NULL, 10)))
			break;
	}
	request[have] = '\0';
	answer = leaderless_answer(g, request);
	snprintf(reply, sizeof(reply),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s", strlen(answer), answer);
	/* A short write fails the store's request, which the test then sees. */
	if (write(fd, reply, strlen(reply)) < 0)
		perror("leaderless gateway");
	close(fd);
}

static void *leaderless_main(void *arg)
{
	struct leaderless_gateway *g = arg;
	int fd;

	while ((fd = accept(g->listener, NULL, NULL)) >= 0)
		leaderless_serve(g, fd);
	return NULL;
}

static void leaderless_start(struct leaderless_gateway *g)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);

	g->txn_without_header = false;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g->listener = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(g->listener, 0);
	ck_assert_int_eq(bind(g->listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(g->listener, 8), 0);
	ck_assert_int_eq(getsockname(g->listener, (struct sockaddr *)&addr, &len), 0);
	snprintf(g->endpoint, sizeof(g->endpoint), "http://127.0.0.1:%d", ntohs(addr.sin_port));
	ck_assert_int_eq(pthread_create(&g->thread, NULL, leaderless_main, g), 0);
}

static void leaderless_stop(struct leaderless_gateway *g)
{
	shutdown(g->listener, SHUT_RDWR);
	pthread_join(g->thread, NULL);
	close(g->listener);
}

/*
 * A renewal that fails inside a 200 answer is a failed renewal, retried,
 * not etcd saying the lease is gone: the ownership lasts until the lease's
 * deadline (4 s from the grant), and only then is it lost.
 */
START_TEST(test_a_keepalive_error_in_a_200_answer_is_retried_until_the_deadline)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	struct lost_event e = LOST_EVENT_INIT;
	struct leaderless_gateway gateway;
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	long granted;

	leaderless_start(&gateway);
	settings.endpoints[0] = gateway.endpoint;
	settings.etcd.lease_ttl_s = 4;
	store = etcd_test_open(&settings);
	o.on_lost = on_lost;
	o.userdata = &e;
	granted = now_ms();
	ck_assert_msg(prov_checkpoint_store_acquire_with(&token, store, "wf-1", &o) == PROV_OK, "%s",
		      prov_error_last()->message);
	/* The first renewal failed at 1.3 s; the lease lives until 4 s. */
	ck_assert(!wait_lost(&e, 2500 - (now_ms() - granted)));
	ck_assert_msg(prov_checkpoint_store_check(store, token) == PROV_OK, "%s",
		      prov_error_last()->message);
	ck_assert(wait_lost(&e, 10000));
	ck_assert_int_ge(now_ms() - granted, 3900);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_ESTALE);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	leaderless_stop(&gateway);
}
END_TEST

/*
 * An acquire whose answer carries no revision fails: a fence comparing
 * revision 0 would hold for an absent key, so no write may rest on it.
 */
START_TEST(test_an_acquire_answered_without_a_revision_fails)
{
	struct leaderless_gateway gateway;
	prov_checkpoint_store *store;
	prov_checkpoint_token *token = NULL;

	leaderless_start(&gateway);
	gateway.txn_without_header = true;
	settings.endpoints[0] = gateway.endpoint;
	store = etcd_test_open(&settings);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_ESTORE);
	ck_assert_ptr_null(token);
	ck_assert_contains(prov_error_last()->message, "carries no revision");
	prov_checkpoint_store_close(store);
	leaderless_stop(&gateway);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-lease");
	TCase *tc = tcase_create("lease");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ownership_outlives_its_ttl_while_renewed);
	tcase_add_test(tc, test_a_revoked_lease_is_reported_and_fences_every_write);
	tcase_add_test(tc, test_a_paused_holder_loses_to_a_waiting_acquirer_and_cannot_write_after);
	tcase_add_test(tc, test_a_wait_that_runs_out_is_busy_naming_the_holder);
	tcase_add_test(tc, test_an_acquire_answered_without_a_revision_fails);
	tcase_add_test(tc, test_a_wait_stops_when_cancelled);
	tcase_add_test(tc, test_a_keepalive_error_in_a_200_answer_is_retried_until_the_deadline);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, true);
}
