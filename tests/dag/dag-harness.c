#include "dag-harness.h"

#include <limits.h>
#include <sched.h>

static long long fake_now(void *userdata)
{
	struct harness *h = userdata;

	return atomic_load(&h->now_ns);
}

/* Time jumps forward to the deadline: retries never wait for real. */
static void fake_sleep_until(long long deadline_ns, void *userdata)
{
	struct harness *h = userdata;
	long long now = atomic_load(&h->now_ns);

	while (now < deadline_ns && !atomic_compare_exchange_weak(&h->now_ns, &now, deadline_ns))
		;
}

struct harness *harness_new(unsigned int capacity)
{
	struct harness *h = calloc(1, sizeof(*h));

	ck_assert_ptr_nonnull(h);
	h->scripts = calloc(capacity, sizeof(*h->scripts));
	ck_assert_ptr_nonnull(h->scripts);
	ck_assert_int_eq(prov_dag_new(&h->dag), PROV_OK);
	atomic_init(&h->now_ns, 1000000000LL);
	h->clock = (prov_dag_clock)PROV_DAG_CLOCK_INIT;
	h->clock.now_ns = fake_now;
	h->clock.sleep_until_ns = fake_sleep_until;
	h->clock.userdata = h;
	h->cancel_when_started = -1;
	return h;
}

void harness_free(struct harness *h)
{
	prov_dag_free(h->dag);
	free(h->scripts);
	free(h);
}

static int scripted_task(prov_dag_context *ctx, void *userdata)
{
	struct script *s = userdata;
	struct harness *h = s->h;
	unsigned int attempt = prov_dag_context_attempt(ctx);
	int now_running = atomic_fetch_add(&h->running, 1) + 1;
	int most = atomic_load(&h->most_running);
	int rc = PROV_OK;

	while (now_running > most && !atomic_compare_exchange_weak(&h->most_running, &most, now_running))
		;
	ck_assert_str_eq(prov_dag_context_node_id(ctx), s->id);
	ck_assert_ptr_eq(prov_dag_context_node_userdata(ctx), s);
	s->calls++;
	if (!s->start_seq)
		s->start_seq = atomic_fetch_add(&h->seq, 1) + 1;
	if (attempt <= SCRIPT_MAX_ATTEMPTS) {
		s->attempt_at[attempt - 1] = prov_dag_context_now_ns(ctx);
		s->deadline[attempt - 1] = prov_dag_context_deadline_ns(ctx);
	}
	atomic_fetch_add(&h->now_ns, s->advance_ms * 1000000);
	if (s->wait_for_cancel) {
		while (!prov_dag_context_cancelled(ctx))
			sched_yield();
		rc = prov_dag_context_fail(ctx, PROV_ECANCELLED, "stopped on request");
	} else if (attempt <= s->fail_attempts) {
		if (s->not_retryable)
			prov_dag_context_set_retryable(ctx, 0);
		rc = prov_dag_context_fail(ctx, s->fail_code ? s->fail_code : PROV_EPROVIDER,
					   "scripted failure");
	}
	s->end_seq = atomic_fetch_add(&h->seq, 1) + 1;
	atomic_fetch_sub(&h->running, 1);
	return rc;
}

struct script *harness_add(struct harness *h, const char *id)
{
	struct script *s = &h->scripts[h->count++];

	s->h = h;
	snprintf(s->id, sizeof(s->id), "%s", id);
	ck_assert_msg(prov_dag_add_node(h->dag, id, scripted_task, s) == PROV_OK, "add %s: %s", id,
		      prov_error_last()->message);
	return s;
}

void harness_dep(struct harness *h, const char *node, const char *on, int type)
{
	ck_assert_msg(prov_dag_add_dependency(h->dag, node, on, type) == PROV_OK, "%s on %s: %s",
		      node, on, prov_error_last()->message);
}

static void on_start(const prov_dag_context *ctx, void *userdata)
{
	struct harness *h = userdata;

	atomic_fetch_add(&h->started, 1);
	ck_assert_int_eq(prov_dag_context_state(ctx), PROV_DAG_RUNNING);
	ck_assert_uint_eq(prov_dag_context_attempt(ctx), 1);
	if ((int)prov_dag_context_node_index(ctx) == h->cancel_when_started)
		prov_dag_cancel(h->dag);
}

static void on_retry(const prov_dag_context *ctx, void *userdata)
{
	struct harness *h = userdata;
	unsigned int i = atomic_fetch_add(&h->retry_delay_count, 1);

	atomic_fetch_add(&h->retried, 1);
	ck_assert_int_ne(prov_dag_context_error_code(ctx), PROV_OK);
	ck_assert_str_ne(prov_dag_context_error_message(ctx), "");
	if (i < SCRIPT_MAX_ATTEMPTS)
		h->retry_delays[i] = prov_dag_context_retry_delay_ms(ctx);
}

static void on_finish(const prov_dag_context *ctx, void *userdata)
{
	struct harness *h = userdata;
	unsigned int i = atomic_fetch_add(&h->finish_count, 1);

	atomic_fetch_add(&h->finished, 1);
	ck_assert_int_ge(prov_dag_context_state(ctx), PROV_DAG_COMPLETED);
	if (i < 64)
		h->finish_order[i] = (unsigned int)prov_dag_context_node_index(ctx);
}

prov_dag_clock *harness_clock(struct harness *h)
{
	return &h->clock;
}

prov_dag_run_options harness_options(struct harness *h, unsigned int parallelism)
{
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;

	opt.parallelism = parallelism;
	opt.clock = &h->clock;
	opt.on_start = on_start;
	opt.on_retry = on_retry;
	opt.on_finish = on_finish;
	opt.userdata = h;
	return opt;
}

struct script *harness_script(struct harness *h, const char *id)
{
	size_t index;

	ck_assert_int_eq(prov_dag_find_node(&index, h->dag, id), PROV_OK);
	return &h->scripts[index];
}

int harness_state(struct harness *h, const char *id)
{
	size_t index;

	ck_assert_int_eq(prov_dag_find_node(&index, h->dag, id), PROV_OK);
	return prov_dag_node_state(h->dag, index);
}
