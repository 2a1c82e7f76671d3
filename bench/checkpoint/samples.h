/*
 * What both checkpoint benchmarks share (bench-checkpoint on the directory
 * store, bench-etcd on etcd): the documents they write, built in one place
 * so that their figures stay comparable (a change to the sample changes
 * both), and how they print the machine's load and a target's verdict.
 */
#ifndef PROV_BENCH_CHECKPOINT_SAMPLES_H
#define PROV_BENCH_CHECKPOINT_SAMPLES_H

#include <provisioning/checkpoint.h>

/* A checkpoint of about 1 KiB once serialised. Exits the program when it cannot be built. */
prov_checkpoint *bench_sample_checkpoint(const char *workflow_id);

/*
 * The record of operation "op-N": a completed create_server's output and
 * one DeleteResource rollback action. Exits the program when it cannot be built.
 */
prov_operation_record *bench_sample_record(int n);

/* "load average WHEN: " and /proc/loadavg's line: figures mean little under load. */
void bench_print_load(const char *when);

/* The end of a result line: "   >= TARGETx met|NOT MET", or "   (no target)" when target <= 0. */
void bench_print_verdict(double ratio, double target);

#endif
