/*
 * Durable checkpoint writes per second: the directory store against SQLite
 * doing the same upserts (journal_mode=WAL, synchronous=FULL, one
 * transaction per write) in the same run, on the same file system.
 *
 *   saves, 1 thread       2000 saves of a ~1 KiB checkpoint over 8 workflows
 *   saves, 8 threads      2000 saves, each thread its own 8 workflows
 *   records, 1 workflow   2000 operation records into one workflow
 *
 * Each scenario runs ROUNDS times on fresh files; the median is reported.
 * usage: bench-checkpoint [DIRECTORY]   (default: a new directory here)
 */
#include "samples.h"

#include <provisioning/checkpoint.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WRITES 2000
#define WORKFLOWS_PER_THREAD 8
#define ROUNDS 3

static const char *base_dir;
static int run_number;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	const prov_error *e = prov_error_last();

	fprintf(stderr, "bench-checkpoint: %s: %s\n", what, e->message);
	exit(1);
}

static void check(int rc, const char *what)
{
	if (rc != PROV_OK)
		die(what);
}

/* A fresh directory for one run. */
static char *run_dir(const char *kind)
{
	char *path;

	if (asprintf(&path, "%s/%s-%d", base_dir, kind, run_number++) < 0)
		exit(1);
	return path;
}

/* ------------------------------------------------------------------ */
/* The directory store                                                 */
/* ------------------------------------------------------------------ */

struct store_worker {
	prov_checkpoint_store *store;
	int thread;
	int writes;
	pthread_barrier_t *start;
};

static void *store_saves(void *arg)
{
	struct store_worker *w = arg;
	prov_checkpoint_token *tokens[WORKFLOWS_PER_THREAD];
	prov_checkpoint *cps[WORKFLOWS_PER_THREAD];

	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++) {
		char id[64];

		snprintf(id, sizeof(id), "bench-t%d-w%d", w->thread, i);
		check(prov_checkpoint_store_acquire(&tokens[i], w->store, id), "acquire");
		cps[i] = bench_sample_checkpoint(id);
	}
	pthread_barrier_wait(w->start);
	for (int n = 0; n < w->writes; n++) {
		int i = n % WORKFLOWS_PER_THREAD;

		check(prov_checkpoint_set_step(cps[i], n), "step");
		check(prov_checkpoint_store_save(w->store, tokens[i], cps[i]), "save");
	}
	pthread_barrier_wait(w->start);
	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++) {
		prov_checkpoint_token_free(tokens[i]);
		prov_checkpoint_free(cps[i]);
	}
	return NULL;
}

/* Run `threads` workers between two barriers; returns the seconds between them. */
static double timed_threads(int threads, void *(*fn)(void *), void *workers, size_t size,
			    pthread_barrier_t *start)
{
	pthread_t ids[16];
	double started, elapsed;

	for (int t = 0; t < threads; t++)
		pthread_create(&ids[t], NULL, fn, (char *)workers + (size_t)t * size);
	pthread_barrier_wait(start);
	started = now();
	pthread_barrier_wait(start);
	elapsed = now() - started;
	for (int t = 0; t < threads; t++)
		pthread_join(ids[t], NULL);
	return elapsed;
}

static double store_save_rate(int threads)
{
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	struct store_worker workers[16];
	pthread_barrier_t start;
	double elapsed;

	options.dir = run_dir("store");
	check(prov_checkpoint_store_open(&workers[0].store, &options), "open");
	pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
	for (int t = 0; t < threads; t++)
		workers[t] = (struct store_worker){ workers[0].store, t, WRITES / threads, &start };
	elapsed = timed_threads(threads, store_saves, workers, sizeof(workers[0]), &start);
	prov_checkpoint_store_close(workers[0].store);
	pthread_barrier_destroy(&start);
	free((char *)options.dir);
	return WRITES / elapsed;
}

static double store_record_rate(void)
{
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	prov_checkpoint *cp = bench_sample_checkpoint("bench-records");
	double started, elapsed;

	options.dir = run_dir("store");
	check(prov_checkpoint_store_open(&store, &options), "open");
	check(prov_checkpoint_store_acquire(&token, store, "bench-records"), "acquire");
	check(prov_checkpoint_store_save(store, token, cp), "save");
	started = now();
	for (int n = 0; n < WRITES; n++) {
		prov_operation_record *record = bench_sample_record(n);

		check(prov_checkpoint_store_record(store, token, record), "record");
		prov_operation_record_free(record);
	}
	elapsed = now() - started;
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	prov_checkpoint_free(cp);
	free((char *)options.dir);
	return WRITES / elapsed;
}

/* ------------------------------------------------------------------ */
/* SQLite                                                              */
/* ------------------------------------------------------------------ */

static void sql_check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench-checkpoint: sqlite %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static sqlite3 *sql_open(const char *path)
{
	sqlite3 *db;

	sql_check(NULL, sqlite3_open(path, &db), "open");
	sqlite3_busy_timeout(db, 60000);
	sql_check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				   "CREATE TABLE IF NOT EXISTS checkpoints(workflow_id TEXT PRIMARY "
				   "KEY, body TEXT NOT NULL);"
				   "CREATE TABLE IF NOT EXISTS operations(workflow_id TEXT, op TEXT, "
				   "body TEXT NOT NULL, PRIMARY KEY(workflow_id, op));",
				   NULL, NULL, NULL), "setup");
	return db;
}

/* One autocommitted upsert: one transaction, one durable commit. */
static void sql_upsert(sqlite3_stmt *stmt, const char *const *values, int count)
{
	for (int i = 0; i < count; i++)
		sqlite3_bind_text(stmt, i + 1, values[i], -1, SQLITE_TRANSIENT);
	sql_check(sqlite3_db_handle(stmt), sqlite3_step(stmt), "upsert");
	sqlite3_reset(stmt);
}

struct sql_worker {
	const char *path;
	int thread;
	int writes;
	pthread_barrier_t *start;
};

static void *sql_saves(void *arg)
{
	struct sql_worker *w = arg;
	sqlite3 *db = sql_open(w->path);
	sqlite3_stmt *stmt;
	prov_checkpoint *cps[WORKFLOWS_PER_THREAD];

	sql_check(db, sqlite3_prepare_v2(db, "INSERT INTO checkpoints VALUES(?1, ?2) ON CONFLICT"
					 "(workflow_id) DO UPDATE SET body = excluded.body", -1,
					 &stmt, NULL), "prepare");
	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++) {
		char id[64];

		snprintf(id, sizeof(id), "bench-t%d-w%d", w->thread, i);
		cps[i] = bench_sample_checkpoint(id);
	}
	pthread_barrier_wait(w->start);
	for (int n = 0; n < w->writes; n++) {
		int i = n % WORKFLOWS_PER_THREAD;
		char *json;
		const char *values[2];

		check(prov_checkpoint_set_step(cps[i], n), "step");
		check(prov_checkpoint_to_json(&json, cps[i]), "json");
		values[0] = prov_checkpoint_workflow_id(cps[i]);
		values[1] = json;
		sql_upsert(stmt, values, 2);
		prov_free(json);
	}
	pthread_barrier_wait(w->start);
	for (int i = 0; i < WORKFLOWS_PER_THREAD; i++)
		prov_checkpoint_free(cps[i]);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return NULL;
}

static double sql_save_rate(int threads)
{
	struct sql_worker workers[16];
	pthread_barrier_t start;
	char *dir = run_dir("sqlite"), *path;
	double elapsed;

	if (asprintf(&path, "%s.db", dir) < 0)
		exit(1);
	sqlite3_close(sql_open(path));
	pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
	for (int t = 0; t < threads; t++)
		workers[t] = (struct sql_worker){ path, t, WRITES / threads, &start };
	elapsed = timed_threads(threads, sql_saves, workers, sizeof(workers[0]), &start);
	pthread_barrier_destroy(&start);
	free(path);
	free(dir);
	return WRITES / elapsed;
}

static double sql_record_rate(void)
{
	char *dir = run_dir("sqlite"), *path;
	sqlite3 *db;
	sqlite3_stmt *stmt;
	double started, elapsed;

	if (asprintf(&path, "%s.db", dir) < 0)
		exit(1);
	db = sql_open(path);
	sql_check(db, sqlite3_prepare_v2(db, "INSERT INTO operations VALUES(?1, ?2, ?3) ON CONFLICT"
					 "(workflow_id, op) DO UPDATE SET body = excluded.body", -1,
					 &stmt, NULL), "prepare");
	started = now();
	for (int n = 0; n < WRITES; n++) {
		prov_operation_record *record = bench_sample_record(n);
		char *json;
		const char *values[3];

		check(prov_operation_record_to_json(&json, record), "json");
		values[0] = "bench-records";
		values[1] = prov_operation_record_op(record);
		values[2] = json;
		sql_upsert(stmt, values, 3);
		prov_free(json);
		prov_operation_record_free(record);
	}
	elapsed = now() - started;
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	free(path);
	free(dir);
	return WRITES / elapsed;
}

/* ------------------------------------------------------------------ */

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double (*rate)(int), int arg)
{
	double rates[ROUNDS];

	for (int i = 0; i < ROUNDS; i++)
		rates[i] = rate(arg);
	qsort(rates, ROUNDS, sizeof(rates[0]), by_value);
	return rates[ROUNDS / 2];
}

static double records_store(int unused)
{
	(void)unused;
	return store_record_rate();
}

static double records_sql(int unused)
{
	(void)unused;
	return sql_record_rate();
}

static void report(const char *scenario, double ours, double sqlite, double target)
{
	double ratio = ours / sqlite;

	printf("%-22s %9.0f %9.0f %7.2fx", scenario, ours, sqlite, ratio);
	bench_print_verdict(ratio, target);
}

static void remove_tree(const char *dir)
{
	char *command;

	if (asprintf(&command, "rm -rf '%s'", dir) >= 0 && system(command) != 0)
		fprintf(stderr, "bench-checkpoint: could not remove %s\n", dir);
	free(command);
}

int main(int argc, char **argv)
{
	char template[] = "bench-checkpoint-XXXXXX";
	double saves1, sql1, saves8, sql8, records, sql_records;

	base_dir = argc > 1 ? argv[1] : mkdtemp(template);
	if (!base_dir) {
		perror("bench-checkpoint: mkdtemp");
		return 1;
	}
	printf("durable writes per second, median of %d runs of %d writes, in %s\n", ROUNDS, WRITES,
	       base_dir);
	bench_print_load("before");
	saves1 = median(store_save_rate, 1);
	sql1 = median(sql_save_rate, 1);
	saves8 = median(store_save_rate, 8);
	sql8 = median(sql_save_rate, 8);
	records = median(records_store, 0);
	sql_records = median(records_sql, 0);
	bench_print_load("after");
	printf("%-22s %9s %9s %8s   %s\n", "scenario", "dir store", "sqlite", "ratio", "target");
	report("saves, 1 thread", saves1, sql1, 1.0);
	report("saves, 8 threads", saves8, sql8, 2.0);
	report("records, 1 workflow", records, sql_records, 0);
	if (argc <= 1)
		remove_tree(base_dir);
	return 0;
}
