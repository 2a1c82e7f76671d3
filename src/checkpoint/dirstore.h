/*
 * The directory store, the default checkpoint store.
 *
 *   DIR/checkpoints/ID.json   a workflow's snapshot: its checkpoint as JSON
 *   DIR/locks/ID.lock         its ownership: lock, generation, holder's pid
 *   DIR/journal/XXXX.log      one journal per open store that writes
 *
 * A write appends a record to the writer's journal and returns once a
 * shared fdatasync made it durable (group commit). When the journal fills,
 * the records of the workflows the store owns are folded into their
 * snapshots and the journal starts a new cycle. Readers fold snapshot and
 * journal records themselves, so they see every write that returned.
 * docs/CHECKPOINTS.md gives the durability argument.
 */
#ifndef PROV_CHECKPOINT_DIRSTORE_H
#define PROV_CHECKPOINT_DIRSTORE_H

#include "checkpoint/journal.h"
#include "checkpoint/lockfile.h"
#include "core/err.h"
#include "core/fileio.h"
#include "core/strbuf.h"

#include <provisioning/checkpoint.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Open the directory store at dir through the file layer io, with journals
 * of journal_capacity bytes (0 for the default). Tests pass their own layer
 * and small journals; prov_checkpoint_store_open() passes the real ones.
 */
int prov_dirstore_open(prov_checkpoint_store **out, const prov_fileio *io, const char *dir,
		       size_t journal_capacity);

/* ------------------------------------------------------------------ */
/* Shared by the store's files                                         */
/* ------------------------------------------------------------------ */

/* A workflow this store owns. */
struct owned {
	char *id;
	int lock_fd;                /* holds the lock for as long as we own it */
	uint64_t generation;
	uint64_t revision;          /* of the last write queued */
	uint64_t snapshot_revision; /* what the snapshot on disk includes */
	bool exists;                /* whether the last write left a checkpoint */
};

/* A writer waiting for the batch that holds its record. */
struct waiter {
	struct waiter *next;
	bool done;
	int rc;
	prov_err_saved *error;
};

typedef struct prov_dirstore {
	const prov_fileio *io;
	char *dir;
	char *journal_dir;
	char *snapshot_dir;
	char *lock_dir;
	size_t journal_capacity;
	uint64_t nonce;              /* tells this store's tokens from others' */

	pthread_mutex_t mutex;       /* everything below */
	pthread_cond_t batch_done;
	prov_journal *journal;       /* NULL until the first acquire */
	struct owned **owned;
	size_t owned_len;
	size_t owned_cap;
	prov_strbuf pending;         /* framed records not yet written */
	struct waiter *waiters;      /* of the pending records */
	bool syncing;                /* a batch is being written */
	off_t inflight;              /* its size on disk */
} prov_dirstore;

/* Records gathered from journals, sorted by workflow id, then revision. */
struct record_set {
	struct prov_journal_record *items;
	size_t len;
	size_t cap;
	char **images;               /* the journal bytes the records point into */
	size_t images_len;
	size_t images_cap;
};

void prov_record_set_release(struct record_set *set);

/*
 * Gather the records of one workflow (NULL: of all) from every journal in
 * the store: other stores' from their files, this store's own up to what it
 * wrote, read under the mutex (`locked` tells whether the caller holds it).
 */
int prov_dirstore_collect(prov_dirstore *s, const char *workflow_id, bool locked,
			  struct record_set *set);

/* Gather (and sort) this store's own journal's records; the caller holds the mutex. */
int prov_dirstore_collect_own(prov_dirstore *s, struct record_set *set);

/* What folding a workflow found. */
struct fold_result {
	prov_checkpoint *checkpoint; /* NULL: none stored, or deleted */
	uint64_t revision;           /* the newest revision seen */
	bool live;                   /* records newer than the snapshot were applied */
	size_t snapshot_bytes;       /* size of the snapshot read */
};

/*
 * Fold a workflow's snapshot and its records of generation >= min_generation
 * newer than the snapshot. Errors name the damaged file.
 */
int prov_dirstore_fold(prov_dirstore *s, const char *workflow_id, const struct record_set *set,
		       uint64_t min_generation, struct fold_result *out);

/*
 * Make the snapshot say what a fold found: write it atomically, or remove it
 * when the workflow was deleted. *bytes gets the size written.
 */
int prov_dirstore_write_snapshot(prov_dirstore *s, const char *workflow_id,
				 prov_checkpoint *checkpoint, size_t *bytes);

/*
 * With the workflow's lock held: fold every journal's live records into its
 * snapshot, so that records of older generations are never needed again.
 * Reports the newest revision and whether a checkpoint exists.
 */
int prov_dirstore_absorb(prov_dirstore *s, const char *workflow_id,
			 const struct prov_lockfile_state *lock, uint64_t *revision,
			 bool *exists);

/*
 * Fold what crashed stores left in their journals into snapshots, remove
 * those journals, and adopt one of them as this store's when it can.
 * The caller holds the mutex and has no journal yet.
 */
void prov_dirstore_recover(prov_dirstore *s);

/*
 * The entries of a directory (an array of strings, free with
 * prov_dirstore_names_free()); a missing directory has none.
 */
int prov_dirstore_names(const prov_fileio *io, const char *dir, char ***names, size_t *count);
void prov_dirstore_names_free(char **names, size_t count);

/* "DIR/NAME" + suffix, or NULL (ENOMEM recorded). */
char *prov_dirstore_path(const char *dir, const char *name, const char *suffix);

/* The backend functions that read. */
int prov_dirstore_load(prov_checkpoint **out, void *backend, const char *workflow_id);
int prov_dirstore_list(prov_checkpoint_list *list, void *backend,
		       const prov_checkpoint_list_options *options);

#endif
