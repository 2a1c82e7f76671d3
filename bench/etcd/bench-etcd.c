/*
 * Checkpoint saves per second on the etcd store, next to a raw libcurl
 * loop putting values of the same size into the same etcd, in the same run:
 *
 *   saves, 1 thread       2000 saves of a ~1 KiB checkpoint over 8 workflows
 *   saves, 8 threads      2000 saves, each thread its own 8 workflows
 *   records, 1 workflow   2000 operation records into one workflow
 *
 * A save is a transaction that checks the ownership (one compare) and
 * puts the checkpoint; the raw loop is a plain /v3/kv/put of the same
 * bytes over a kept-alive connection per thread. A third loop sends, by
 * hand, the transaction a save sends (one compare, the put, a read on
 * failure), to show what etcd itself charges for the fence and what the
 * store adds to it. The three alternate in ROUNDS chunks of WRITES / ROUNDS
 * writes, so that all meet the same etcd, disk and machine load; the rates
 * are over all chunks, and the spread of the chunks' store/put ratios is
 * shown.
 *
 * usage: bench-etcd [ENDPOINT]   (default: an etcd started here, on 127.0.0.1)
 */
#include "etcd-fixture.h"
#include "samples.h"

#include <provisioning/checkpoint.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WRITES 2000
#define WORKFLOWS_PER_THREAD 8
#define ROUNDS 10
#define TARGET 0.8

static const char *endpoint;
static int run_number;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(int rc, const char *what)
{
	if (rc != PROV_OK) {
		fprintf(stderr, "bench-etcd: %s: %s\n", what, prov_error_last()->message);
		exit(1);
	}
}

/* ------------------------------------------------------------------ */
/* Raw libcurl                                                         */
/* ------------------------------------------------------------------ */

static char *base64_of(const char *text)
{
	size_t len = strlen(text);
	char *out = malloc(len * 2 + 8);

	if (!out)
		exit(1);
	etcd_fixture_base64(text, len, out);
	return out;
}

/*
 * {"key": KEY, "value": the sample}, as a raw put sends it, or (txn) in a
 * transaction shaped as a save's: a compare on FENCE_KEY, which holds for
 * a key never written as the store's holds for its owner, and a read of it
 * in the failure branch.
 */
static char *put_body(const char *key, const char *value, const char *fence_key, bool txn)
{
	char *k64 = base64_of(key), *v64 = base64_of(value), *f64 = base64_of(fence_key), *body;
	int n;

	if (txn)
		n = asprintf(&body, "{\"compare\":[{\"key\":\"%s\",\"target\":\"MOD\","
			     "\"result\":\"EQUAL\",\"mod_revision\":\"0\"}],\"success\":[{"
			     "\"request_put\":{\"key\":\"%s\",\"value\":\"%s\"}}],\"failure\":[{"
			     "\"request_range\":{\"key\":\"%s\"}}]}", f64, k64, v64, f64);
	else
		n = asprintf(&body, "{\"key\":\"%s\",\"value\":\"%s\"}", k64, v64);
	if (n < 0)
		exit(1);
	free(k64);
	free(v64);
	free(f64);
	return body;
}

static size_t discard(char *data, size_t size, size_t count, void *userdata)
{
	(void)data;
	(void)userdata;
	return size * count;
}

struct scenario {
	int threads;
	int kind;                     /* 0 saves, 1 records */
	prov_checkpoint_store *store;
	pthread_barrier_t gate;       /* threads + the timer */
};

struct worker {
	struct scenario *sc;
	int thread;
	int per_chunk;                /* writes per chunk and thread */
	/* raw: a put loop and a fenced transaction loop */
	CURL *curl;
	struct curl_slist *headers;
	char **bodies[2];             /* [0] puts, [1] transactions */
	int body_count;
	/* store */
	prov_checkpoint_token *tokens[WORKFLOWS_PER_THREAD];
	prov_checkpoint *cps[WORKFLOWS_PER_THREAD];
	int written;                  /* store writes so far */
};

/* What the raw loop puts: a checkpoint per workflow, or a record per write under a key of its own. */
static void raw_setup(struct worker *w)
{
	int writes = w->per_chunk * ROUNDS;
	char key[96], fence[96], id[64], *json;

	w->body_count = w->sc->kind == 0 ? WORKFLOWS_PER_THREAD : writes;
	w->bodies[0] = calloc((size_t)w->body_count, sizeof(char *));
	w->bodies[1] = calloc((size_t)w->body_count, sizeof(char *));
	if (!w->bodies[0] || !w->bodies[1])
		exit(1);
	for (int i = 0; i < w->body_count; i++) {
		if (w->sc->kind == 0) {
			prov_checkpoint *cp;

			snprintf(id, sizeof(id), "raw-t%d-w%d", w->thread, i);
			cp = bench_sample_checkpoint(id);
			check(prov_checkpoint_to_json(&json, cp), "json");
			prov_checkpoint_free(cp);
		} else {
			prov_operation_record *record = bench_sample_record(i);

			snprintf(id, sizeof(id), "raw-t%d-r%d", w->thread, i);
			check(prov_operation_record_to_json(&json, record), "json");
			prov_operation_record_free(record);
		}
		snprintf(key, sizeof(key), "/bench-raw/%d/%s", run_number, id);
		snprintf(fence, sizeof(fence), "/bench-raw/%d/owner-t%d", run_number, w->thread);
		w->bodies[0][i] = put_body(key, json, fence, false);
		w->bodies[1][i] = put_body(key, json, fence, true);
		prov_free(json);
	}
	w->curl = curl_easy_init();
	w->headers = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->headers);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, discard);
}

/* One chunk of raw puts (txn false) or raw fenced transactions. */
static void raw_chunk(struct worker *w, int round, bool txn)
{
	char url[128];

	snprintf(url, sizeof(url), "%s/v3/kv/%s", endpoint, txn ? "txn" : "put");
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	for (int i = 0; i < w->per_chunk; i++) {
		int n = round * w->per_chunk + i;
		long status = 0;

		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, w->bodies[txn][n % w->body_count]);
		if (curl_easy_perform(w->curl) != CURLE_OK ||
		    curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
		    status != 200) {
			fprintf(stderr, "bench-etcd: raw %s failed (HTTP %ld)\n", txn ? "txn" : "put",
				status);
			exit(1);
		}
	}
}

static void store_setup(struct worker *w)
{
	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++) {
		char id[64];

		snprintf(id, sizeof(id), "bench-t%d-w%d", w->thread, i);
		check(prov_checkpoint_store_acquire(&w->tokens[i], w->sc->store, id), "acquire");
		w->cps[i] = bench_sample_checkpoint(id);
	}
}

static void store_chunk(struct worker *w)
{
	for (int i = 0; i < w->per_chunk; i++, w->written++) {
		int k = w->written % WORKFLOWS_PER_THREAD;

		if (w->sc->kind == 0) {
			check(prov_checkpoint_set_step(w->cps[k], w->written), "step");
			check(prov_checkpoint_store_save(w->sc->store, w->tokens[k], w->cps[k]),
			      "save");
		} else {
			prov_operation_record *record = bench_sample_record(w->written);

			check(prov_checkpoint_store_record(w->sc->store, w->tokens[0], record),
			      "record");
			prov_operation_record_free(record);
		}
	}
}

static void teardown(struct worker *w)
{
	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++) {
		check(prov_checkpoint_store_release(w->sc->store, w->tokens[i]), "release");
		prov_checkpoint_token_free(w->tokens[i]);
		prov_checkpoint_free(w->cps[i]);
	}
	for (int b = 0; b < 2; b++) {
		for (int i = 0; i < w->body_count; i++)
			free(w->bodies[b][i]);
		free(w->bodies[b]);
	}
	curl_easy_cleanup(w->curl);
	curl_slist_free_all(w->headers);
}

/* Each chunk starts and ends at the gate, where the timer reads the clock. */
static void *work(void *arg)
{
	struct worker *w = arg;

	raw_setup(w);
	store_setup(w);
	for (int round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&w->sc->gate);
		raw_chunk(w, round, false);
		pthread_barrier_wait(&w->sc->gate);
		pthread_barrier_wait(&w->sc->gate);
		raw_chunk(w, round, true);
		pthread_barrier_wait(&w->sc->gate);
		pthread_barrier_wait(&w->sc->gate);
		store_chunk(w);
		pthread_barrier_wait(&w->sc->gate);
	}
	teardown(w);
	return NULL;
}

static prov_checkpoint_store *open_store(void)
{
	prov_checkpoint_etcd_options etcd = PROV_CHECKPOINT_ETCD_OPTIONS_INIT;
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	const char *endpoints[] = { endpoint, NULL };
	char prefix[64];
	prov_checkpoint_store *store;

	snprintf(prefix, sizeof(prefix), "/bench/%d", run_number);
	etcd.endpoints = endpoints;
	etcd.prefix = prefix;
	options.store = "etcd";
	options.etcd = &etcd;
	check(prov_checkpoint_store_open(&store, &options), "open");
	return store;
}

/* ------------------------------------------------------------------ */
/* Measuring                                                           */
/* ------------------------------------------------------------------ */

/* Seconds between the two gates of a chunk. */
static double timed_chunk(pthread_barrier_t *gate)
{
	double began;

	pthread_barrier_wait(gate);
	began = now();
	pthread_barrier_wait(gate);
	return now() - began;
}

struct outcome {
	double store, raw, txn;       /* writes per second over all chunks */
	double low, high;             /* the chunks' lowest and highest ratio */
};

static struct outcome measure(int threads, int kind)
{
	struct scenario sc = { threads, kind, NULL, { { 0 } } };
	struct worker workers[8];
	pthread_t ids[8];
	struct outcome out = { .low = 1e9 };
	double raw_time = 0, txn_time = 0, store_time = 0;

	run_number++;
	sc.store = open_store();
	pthread_barrier_init(&sc.gate, NULL, (unsigned)threads + 1);
	for (int t = 0; t < threads; t++) {
		workers[t] = (struct worker){ .sc = &sc, .thread = t,
					      .per_chunk = WRITES / ROUNDS / threads };
		pthread_create(&ids[t], NULL, work, &workers[t]);
	}
	for (int round = 0; round < ROUNDS; round++) {
		double raw = timed_chunk(&sc.gate), txn = timed_chunk(&sc.gate);
		double store = timed_chunk(&sc.gate);

		raw_time += raw;
		txn_time += txn;
		store_time += store;
		out.low = raw / store < out.low ? raw / store : out.low;
		out.high = raw / store > out.high ? raw / store : out.high;
	}
	for (int t = 0; t < threads; t++)
		pthread_join(ids[t], NULL);
	pthread_barrier_destroy(&sc.gate);
	prov_checkpoint_store_close(sc.store);
	out.raw = WRITES / raw_time;
	out.txn = WRITES / txn_time;
	out.store = WRITES / store_time;
	return out;
}

static void report(const char *scenario, struct outcome o, double target)
{
	double ratio = o.store / o.raw;

	printf("%-22s %9.0f %9.0f %7.2fx  %5.2f-%.2f %9.0f %7.2fx", scenario, o.store, o.raw, ratio,
	       o.low, o.high, o.txn, o.store / o.txn);
	bench_print_verdict(ratio, target);
}

int main(int argc, char **argv)
{
	struct etcd_fixture server;
	struct outcome saves1, saves8, records;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc > 1) {
		endpoint = argv[1];
	} else if (!etcd_fixture_available()) {
		fprintf(stderr, "bench-etcd: etcd is not installed (Debian: etcd-server)\n");
		return 77;
	} else if (!etcd_fixture_start(&server, false)) {
		return 1;
	} else {
		endpoint = server.endpoint;
	}
	printf("writes per second, %d writes in %d chunks alternating with the raw loops, etcd at %s\n",
	       WRITES, ROUNDS, endpoint);
	bench_print_load("before");
	saves1 = measure(1, 0);
	saves8 = measure(8, 0);
	records = measure(1, 1);
	bench_print_load("after");
	printf("%-22s %9s %9s %8s  %9s %9s %8s   %s\n", "scenario", "store", "raw put", "ratio",
	       "chunks", "raw txn", "of txn", "target (of put)");
	report("saves, 1 thread", saves1, TARGET);
	report("saves, 8 threads", saves8, TARGET);
	report("records, 1 workflow", records, 0);
	if (argc <= 1)
		etcd_fixture_destroy(&server);
	return 0;
}
