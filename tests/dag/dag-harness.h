/*
 * A harness for executor tests: nodes whose task follows a script (fail so
 * many times, advance the fake clock, wait for cancellation) and record what
 * happened to them, and a fake clock whose sleeps return at once.
 */
#ifndef PROV_TEST_DAG_HARNESS_H
#define PROV_TEST_DAG_HARNESS_H

#include "test-util.h"

#include <provisioning/dag.h>

#include <stdatomic.h>

#define SCRIPT_MAX_ATTEMPTS 16

struct harness;

struct script {
	struct harness *h;
	char id[32];
	/* What the task does. */
	unsigned int fail_attempts;   /* fail this many attempts first; UINT_MAX: always */
	int fail_code;
	long long advance_ms;         /* fake time the task takes */
	int not_retryable;
	int wait_for_cancel;          /* poll until cancelled, then fail cancelled */
	/* What it saw (written by the worker that ran it; read after the run). */
	unsigned int calls;
	unsigned int start_seq, end_seq;          /* 1-based, 0: never */
	long long attempt_at[SCRIPT_MAX_ATTEMPTS];  /* fake clock at each attempt */
	long long deadline[SCRIPT_MAX_ATTEMPTS];
};

struct harness {
	prov_dag *dag;
	atomic_llong now_ns;          /* the fake clock */
	prov_dag_clock clock;
	atomic_uint seq;
	atomic_uint started, retried, finished;
	atomic_int running, most_running;
	unsigned int count;
	struct script *scripts;
	/* on_start waiters: cancel once this node starts (from another thread). */
	int cancel_when_started;
	long long retry_delays[SCRIPT_MAX_ATTEMPTS];
	atomic_uint retry_delay_count;
	unsigned int finish_order[64];
	atomic_uint finish_count;
};

struct harness *harness_new(unsigned int capacity);
void harness_free(struct harness *h);
/* Add a node with a scripted task; returns its script to adjust. */
struct script *harness_add(struct harness *h, const char *id);
void harness_dep(struct harness *h, const char *node, const char *on, int type);
/* Run options using the fake clock and the recording callbacks. */
prov_dag_run_options harness_options(struct harness *h, unsigned int parallelism);
prov_dag_clock *harness_clock(struct harness *h);
int harness_state(struct harness *h, const char *id);
struct script *harness_script(struct harness *h, const char *id);

#endif
