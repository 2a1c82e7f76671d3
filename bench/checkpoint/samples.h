/*
 * The documents both checkpoint benchmarks write (bench-checkpoint on the
 * directory store, bench-etcd on etcd), built in one place so that their
 * figures stay comparable: a change to the sample changes both.
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

#endif
