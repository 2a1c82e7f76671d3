/*
 * Checkpoint saves per second on the etcd store, next to a raw libcurl
 * loop putting values of the same size into the same etcd, in the same run:
 *
 *   saves, 1 thread       2000 saves of a ~1 KiB checkpoint over 8 workflows
 *   saves, 8 threads      2000 saves, each thread its own 8 workflows
 *   records, 1 workflow   2000 operation records into one workflow
 *
 * A save is a transaction that checks the ownership (lease and revision)
 * and puts the checkpoint; the raw loop is a plain /v3/kv/put of the same
 * bytes over a kept-alive connection per thread. Each scenario runs ROUNDS
 * times, raw and store alternating; the median is reported.
 *
 * usage: bench-etcd [ENDPOINT]   (default: an etcd started here, on 127.0.0.1)
 */
#include "etcd-fixture.h"

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
#define ROUNDS 3
#define PAD 900
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

/* A checkpoint of about 1 KiB once serialised. */
static prov_checkpoint *sample_checkpoint(const char *id)
{
	char meta[PAD + 64];
	prov_checkpoint *cp;

	snprintf(meta, sizeof(meta), "{\"owner\":\"bench\",\"pad\":\"%0*d\"}", PAD, 0);
	check(prov_checkpoint_new(&cp, id), "checkpoint");
	check(prov_checkpoint_set_metadata(cp, meta), "metadata");
	check(prov_checkpoint_set_state(cp, "definition_sha256",
					"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\""),
	      "state");
	return cp;
}

static prov_operation_record *sample_record(int n)
{
	prov_operation_record *record;
	prov_rollback_action *action;
	char op[32], output[160];

	snprintf(op, sizeof(op), "op-%d", n);
	snprintf(output, sizeof(output), "{\"id\":\"srv-%d\",\"hostname\":\"web-%d\",\"status\":"
		 "\"running\",\"ip_address\":\"10.0.%d.%d\"}", n, n, n / 250, n % 250);
	check(prov_operation_record_new(&record, op, "completed"), "record");
	check(prov_operation_record_set_output(record, output), "output");
	check(prov_rollback_action_delete_resource(&action, "local", op), "action");
	check(prov_operation_record_add_rollback(record, action), "rollback");
	prov_rollback_action_free(action);
	return record;
}

/* ------------------------------------------------------------------ */
/* Raw libcurl                                                         */
/* ------------------------------------------------------------------ */

static void base64(const char *text, size_t len, char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)text[i] << 16;

		v |= i + 1 < len ? (unsigned char)text[i + 1] << 8 : 0;
		v |= i + 2 < len ? (unsigned char)text[i + 2] : 0;
		out[o++] = digits[v >> 18];
		out[o++] = digits[(v >> 12) & 63];
		out[o++] = i + 1 < len ? digits[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? digits[v & 63] : '=';
	}
	out[o] = '\0';
}

/* {"key": KEY, "value": the sample checkpoint}, as a raw put sends it. */
static char *put_body(const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	char *k64 = malloc(klen * 2 + 8), *v64 = malloc(vlen * 2 + 8), *body;

	if (!k64 || !v64)
		exit(1);
	base64(key, klen, k64);
	base64(value, vlen, v64);
	if (asprintf(&body, "{\"key\":\"%s\",\"value\":\"%s\"}", k64, v64) < 0)
		exit(1);
	free(k64);
	free(v64);
	return body;
}

static size_t discard(char *data, size_t size, size_t count, void *userdata)
{
	(void)data;
	(void)userdata;
	return size * count;
}

struct worker {
	int thread;
	int writes;
	int kind;                     /* 0 saves, 1 records */
	prov_checkpoint_store *store;
	pthread_barrier_t *start;
};

/* What the raw loop puts: a checkpoint per workflow, or a record per write under a key of its own. */
static char **raw_bodies(const struct worker *w, int *count)
{
	char key[96], id[64], *json;
	char **bodies;

	*count = w->kind == 0 ? WORKFLOWS_PER_THREAD : w->writes;
	if (!(bodies = calloc((size_t)*count, sizeof(char *))))
		exit(1);
	for (int i = 0; i < *count; i++) {
		if (w->kind == 0) {
			prov_checkpoint *cp;

			snprintf(id, sizeof(id), "raw-t%d-w%d", w->thread, i);
			cp = sample_checkpoint(id);
			check(prov_checkpoint_to_json(&json, cp), "json");
			prov_checkpoint_free(cp);
		} else {
			prov_operation_record *record = sample_record(i);

			snprintf(id, sizeof(id), "raw-t%d-r%d", w->thread, i);
			check(prov_operation_record_to_json(&json, record), "json");
			prov_operation_record_free(record);
		}
		snprintf(key, sizeof(key), "/bench-raw/%d/%s", run_number, id);
		bodies[i] = put_body(key, json);
		prov_free(json);
	}
	return bodies;
}

static void *raw_puts(void *arg)
{
	struct worker *w = arg;
	char **bodies, url[128];
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *curl = curl_easy_init();
	int count;

	snprintf(url, sizeof(url), "%s/v3/kv/put", endpoint);
	bodies = raw_bodies(w, &count);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	pthread_barrier_wait(w->start);
	for (int n = 0; n < w->writes; n++) {
		long status = 0;

		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, bodies[n % count]);
		if (curl_easy_perform(curl) != CURLE_OK ||
		    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
		    status != 200) {
			fprintf(stderr, "bench-etcd: raw put failed (HTTP %ld)\n", status);
			exit(1);
		}
	}
	pthread_barrier_wait(w->start);
	for (int i = 0; i < count; i++)
		free(bodies[i]);
	free(bodies);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The etcd store                                                      */
/* ------------------------------------------------------------------ */

static void save_loop(struct worker *w, prov_checkpoint_token **tokens, prov_checkpoint **cps)
{
	for (int n = 0; n < w->writes; n++) {
		int i = n % WORKFLOWS_PER_THREAD;

		check(prov_checkpoint_set_step(cps[i], n), "step");
		check(prov_checkpoint_store_save(w->store, tokens[i], cps[i]), "save");
	}
}

static void record_loop(struct worker *w, prov_checkpoint_token *token)
{
	for (int n = 0; n < w->writes; n++) {
		prov_operation_record *record = sample_record(n);

		check(prov_checkpoint_store_record(w->store, token, record), "record");
		prov_operation_record_free(record);
	}
}

static void *store_writes(void *arg)
{
	struct worker *w = arg;
	prov_checkpoint_token *tokens[WORKFLOWS_PER_THREAD];
	prov_checkpoint *cps[WORKFLOWS_PER_THREAD];

	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++) {
		char id[64];

		snprintf(id, sizeof(id), "bench-t%d-w%d", w->thread, i);
		check(prov_checkpoint_store_acquire(&tokens[i], w->store, id), "acquire");
		cps[i] = sample_checkpoint(id);
	}
	pthread_barrier_wait(w->start);
	if (w->kind == 0)
		save_loop(w, tokens, cps);
	else
		record_loop(w, tokens[0]);
	pthread_barrier_wait(w->start);
	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++) {
		check(prov_checkpoint_store_release(w->store, tokens[i]), "release");
		prov_checkpoint_token_free(tokens[i]);
		prov_checkpoint_free(cps[i]);
	}
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

/* Writes per second of `threads` threads sharing WRITES writes. */
static double rate(void *(*body)(void *), int threads, int kind)
{
	pthread_t ids[8];
	struct worker workers[8];
	pthread_barrier_t start;
	prov_checkpoint_store *store = body == store_writes ? open_store() : NULL;
	double began, took;

	run_number++;
	pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
	for (int t = 0; t < threads; t++) {
		workers[t] = (struct worker){ t, WRITES / threads, kind, store, &start };
		pthread_create(&ids[t], NULL, body, &workers[t]);
	}
	pthread_barrier_wait(&start);
	began = now();
	pthread_barrier_wait(&start);
	took = now() - began;
	for (int t = 0; t < threads; t++)
		pthread_join(ids[t], NULL);
	pthread_barrier_destroy(&start);
	prov_checkpoint_store_close(store);
	return WRITES / took;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Medians of ROUNDS runs, raw and store alternating so both see the same etcd. */
static void measure(int threads, int kind, double *store, double *raw)
{
	double s[ROUNDS], r[ROUNDS];

	for (int i = 0; i < ROUNDS; i++) {
		r[i] = rate(raw_puts, threads, kind);
		s[i] = rate(store_writes, threads, kind);
	}
	qsort(s, ROUNDS, sizeof(double), by_value);
	qsort(r, ROUNDS, sizeof(double), by_value);
	*store = s[ROUNDS / 2];
	*raw = r[ROUNDS / 2];
}

static void report(const char *scenario, double store, double raw, double target)
{
	double ratio = store / raw;

	printf("%-22s %9.0f %9.0f %7.2fx", scenario, store, raw, ratio);
	if (target > 0)
		printf("   >= %.1fx %s\n", target, ratio >= target ? "met" : "NOT MET");
	else
		printf("   (no target)\n");
}

static void print_load(const char *when)
{
	char line[128] = "?\n";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			strcpy(line, "?\n");
		fclose(f);
	}
	printf("load average %s: %s", when, line);
}

int main(int argc, char **argv)
{
	struct etcd_fixture server;
	double saves1, raw1, saves8, raw8, records, raw_records;

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
	printf("writes per second, median of %d runs of %d writes, etcd at %s\n", ROUNDS, WRITES,
	       endpoint);
	print_load("before");
	measure(1, 0, &saves1, &raw1);
	measure(8, 0, &saves8, &raw8);
	measure(1, 1, &records, &raw_records);
	print_load("after");
	printf("%-22s %9s %9s %8s   %s\n", "scenario", "store", "raw put", "ratio", "target");
	report("saves, 1 thread", saves1, raw1, TARGET);
	report("saves, 8 threads", saves8, raw8, TARGET);
	report("records, 1 workflow", records, raw_records, 0);
	if (argc <= 1)
		etcd_fixture_destroy(&server);
	return 0;
}
