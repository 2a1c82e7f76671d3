/* Documents and comparisons shared by the checkpoint tests. */
#ifndef PROV_TEST_CHECKPOINT_HELPERS_H
#define PROV_TEST_CHECKPOINT_HELPERS_H

#include <provisioning/checkpoint.h>

#include <stddef.h>

/*
 * The helpers assert through check, so only the test's own process may call
 * them. A process forked by a test shares check's message file: whatever it
 * reports lands among the test's messages, and a child killed in the middle
 * of one leaves it torn, so that check's runner fails on the whole file
 * ("Bad message type"). Forked children use the _or_null forms, which say
 * nothing to check.
 */

/* A checkpoint with metadata {"n": n, "pad": "xxx..."} of pad_len characters. */
prov_checkpoint *helper_checkpoint(const char *workflow_id, long n, size_t pad_len);

/* The same, or NULL when it cannot be built; never calls check. */
prov_checkpoint *helper_checkpoint_or_null(const char *workflow_id, long n, size_t pad_len);

/*
 * A record for op with status, output {"n": n, "pad": ...}, and
 * `actions` DeleteResource actions.
 */
prov_operation_record *helper_record(const char *op, const char *status, long n, size_t pad_len,
				     int actions);

/* The same, or NULL when it cannot be built; never calls check. */
prov_operation_record *helper_record_or_null(const char *op, const char *status, long n,
					     size_t pad_len, int actions);

/* An independent copy (NULL stays NULL). */
prov_checkpoint *helper_copy(const prov_checkpoint *checkpoint);

/*
 * The checkpoint as JSON with the store's revision left out, for comparing
 * what a store returns with what was written; "none" for NULL. Free with free().
 */
char *helper_canonical(const prov_checkpoint *checkpoint);

/* Assert that `got` holds what `want` does, the store's revision aside. */
void helper_assert_same_checkpoint(const prov_checkpoint *got, const prov_checkpoint *want);

/* metadata.n of a checkpoint, or -1. */
long helper_metadata_n(const prov_checkpoint *checkpoint);

/*
 * How many entries dir/sub holds, dot files aside (a store's journals,
 * snapshots or locks); a missing directory fails the test.
 */
int helper_count_entries(const char *dir, const char *sub);

/* Whether a directory tree has only 0700 directories and 0600 files. */
int helper_private_tree(const char *dir);

/* An environment variable as a number, or the default. */
long helper_env_long(const char *name, long fallback);

#endif
