/*
 * The directory store's writing side: ownership, group commit, compaction.
 *
 * Writers frame their record into the pending batch under the store's
 * mutex, which fixes the order of revisions, then wait. Whoever finds no
 * batch in flight becomes the leader: it takes the pending batch, writes it
 * with one pwrite and one fdatasync without holding the mutex, and wakes the
 * writers of that batch. Records queued meanwhile form the next batch, so a
 * sync is shared by every thread that wrote while the previous one ran.
 */
#include "checkpoint/dirstore.h"
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/random.h"
#include "core/file.h"
#include "core/logging.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Far beyond any real checkpoint; journal records give lengths in 8 hex digits. */
#define MAX_PAYLOAD ((size_t)1 << 30)
#define TOKEN_MAX 64

static struct owned *owned_by_id(prov_dirstore *s, const char *workflow_id)
{
	for (size_t i = 0; i < s->owned_len; i++)
		if (strcmp(s->owned[i]->id, workflow_id) == 0)
			return s->owned[i];
	return NULL;
}

static void token_text(const prov_dirstore *s, uint64_t generation, char text[TOKEN_MAX])
{
	snprintf(text, TOKEN_MAX, "%llu@%016llx", (unsigned long long)generation,
		 (unsigned long long)s->nonce);
}

/* The ownership a token proves, or NULL when it is released or superseded. */
static struct owned *owned_by_token(prov_dirstore *s, const prov_checkpoint_token *token)
{
	struct owned *o = owned_by_id(s, prov_checkpoint_token_workflow_id(token));
	char expected[TOKEN_MAX];

	if (!o)
		return NULL;
	token_text(s, o->generation, expected);
	return strcmp(expected, prov_checkpoint_token_text(token)) == 0 ? o : NULL;
}

static int stale(const prov_checkpoint_token *token)
{
	return prov_err_set(PROV_ESTALE, PROV_ERRCAT_CHECKPOINT,
			    "workflow %s: the ownership token is stale (released or superseded)",
			    prov_checkpoint_token_workflow_id(token));
}

static void owned_free(prov_dirstore *s, struct owned *o)
{
	if (!o)
		return;
	if (o->lock_fd >= 0)
		s->io->close(s->io->ctx, o->lock_fd);
	free(o->id);
	free(o);
}

static void owned_remove(prov_dirstore *s, struct owned *o)
{
	for (size_t i = 0; i < s->owned_len; i++) {
		if (s->owned[i] == o) {
			s->owned[i] = s->owned[--s->owned_len];
			break;
		}
	}
	owned_free(s, o);
}

/* ------------------------------------------------------------------ */
/* Group commit                                                        */
/* ------------------------------------------------------------------ */

/*
 * Records of a failed batch may stay in the file; clearing the first byte
 * ends the chain before them for readers and after a crash. Best effort: the
 * file may be failing.
 */
static void invalidate_batch(prov_journal *journal, off_t offset)
{
	journal->io->pwrite(journal->io->ctx, journal->fd, "", 1, offset);
}

static void finish_batch(prov_dirstore *s, struct waiter *waiters, int rc)
{
	for (struct waiter *w = waiters; w; w = w->next) {
		w->rc = rc;
		w->error = rc != PROV_OK ? prov_err_save() : NULL;
		w->done = true;
	}
	s->syncing = false;
	s->inflight = 0;
	pthread_cond_broadcast(&s->batch_done);
}

/* Write the pending batch. The caller holds the mutex; no batch is in flight. */
static void lead(prov_dirstore *s)
{
	prov_strbuf batch = s->pending;
	struct waiter *waiters = s->waiters;
	off_t offset = s->journal->written, padded = prov_journal_padded(batch.len);
	uint32_t chain = s->journal->chain;
	int rc;

	s->pending = (prov_strbuf)PROV_STRBUF_INIT;
	s->waiters = NULL;
	s->syncing = true;
	s->inflight = padded;
	pthread_mutex_unlock(&s->mutex);
	rc = prov_journal_write(s->journal, &batch, offset, &chain);
	if (rc != PROV_OK)
		invalidate_batch(s->journal, offset);
	pthread_mutex_lock(&s->mutex);
	if (rc == PROV_OK) {
		s->journal->written = offset + padded;
		s->journal->chain = chain;
	}
	finish_batch(s, waiters, rc);
	prov_strbuf_release(&batch);
}

static int wait_for(prov_dirstore *s, struct waiter *w)
{
	while (!w->done) {
		if (!s->syncing)
			lead(s);
		else
			pthread_cond_wait(&s->batch_done, &s->mutex);
	}
	if (w->rc == PROV_OK)
		return PROV_OK;
	if (w->error)
		prov_err_restore(w->error);
	else
		prov_err_set(w->rc, PROV_ERRCAT_IO, "%s: write failed: %s", s->journal->path,
			     prov_strerror(w->rc));
	prov_err_saved_free(w->error);
	return w->rc;
}

/* Until nothing is pending or in flight. The caller holds the mutex. */
static void quiesce(prov_dirstore *s)
{
	while (s->syncing || s->waiters) {
		if (!s->syncing)
			lead(s);
		else
			pthread_cond_wait(&s->batch_done, &s->mutex);
	}
}

/* ------------------------------------------------------------------ */
/* Compaction                                                          */
/* ------------------------------------------------------------------ */

/* Fold an owned workflow's records from the journal into its snapshot. */
static int fold_owned(prov_dirstore *s, struct owned *o, const struct record_set *own,
		      size_t *bytes)
{
	struct fold_result f;
	int rc = prov_dirstore_fold(s, o->id, own, o->generation, &f);

	*bytes = 0;
	if (rc == PROV_OK)
		rc = prov_dirstore_write_snapshot(s, o->id, f.checkpoint, bytes);
	if (rc == PROV_OK)
		o->snapshot_revision = o->revision;
	prov_checkpoint_free(f.checkpoint);
	return rc;
}

static int fold_one(prov_dirstore *s, struct owned *o)
{
	struct record_set own = { 0 };
	size_t bytes;
	int rc = prov_dirstore_collect_own(s, &own);

	if (rc == PROV_OK)
		rc = fold_owned(s, o, &own, &bytes);
	prov_record_set_release(&own);
	return rc;
}

static int grow(prov_dirstore *s, off_t capacity)
{
	prov_log(PROV_LOG_DEBUG, "checkpoint", "%s: growing to %lld bytes", s->journal->path,
		 (long long)capacity);
	return prov_journal_grow(s->journal, capacity);
}

/*
 * Fold the new records of every owned workflow into its snapshot; *rewritten
 * gets the bytes written. False when some snapshot could not be written.
 */
static bool fold_all(prov_dirstore *s, size_t *rewritten, int *rc)
{
	struct record_set own = { 0 };
	bool folded_all = true;
	size_t bytes;

	*rewritten = 0;
	*rc = prov_dirstore_collect_own(s, &own);
	for (size_t i = 0; *rc == PROV_OK && i < s->owned_len; i++) {
		struct owned *o = s->owned[i];

		if (o->revision == o->snapshot_revision)
			continue;
		if (fold_owned(s, o, &own, &bytes) != PROV_OK) {
			prov_log(PROV_LOG_WARNING, "checkpoint", "%s", prov_error_last()->message);
			folded_all = false;
		}
		*rewritten += bytes;
	}
	prov_record_set_release(&own);
	return folded_all && *rc == PROV_OK;
}

/*
 * Fold every owned workflow's new records into its snapshot and start a new
 * journal cycle. The caller holds the mutex and nothing is in flight. When a
 * snapshot cannot be written the journal grows instead, keeping the records;
 * when the snapshots rewritten outweigh half the journal it grows too, so the
 * cost of compaction per record stays bounded however large workflows get.
 */
static int compact(prov_dirstore *s)
{
	size_t rewritten;
	int rc;

	if (!fold_all(s, &rewritten, &rc))
		return rc != PROV_OK ? rc : grow(s, s->journal->capacity * 2);
	rc = prov_journal_reset(s->journal);
	if (rc == PROV_OK && (off_t)rewritten > s->journal->capacity / 2)
		grow(s, s->journal->capacity * 2);
	return rc;
}

static bool fits(prov_dirstore *s, size_t frame)
{
	return s->journal->written + s->inflight + prov_journal_padded(s->pending.len + frame) <=
	       s->journal->capacity;
}

static int make_room(prov_dirstore *s, size_t frame)
{
	off_t needed = PROV_JOURNAL_DATA_START + prov_journal_padded(frame);

	quiesce(s);
	if (fits(s, frame))
		return PROV_OK;
	if (needed > s->journal->capacity)
		return grow(s, needed > 2 * s->journal->capacity ? needed : 2 * s->journal->capacity);
	return compact(s);
}

/* ------------------------------------------------------------------ */
/* Writes                                                              */
/* ------------------------------------------------------------------ */

static int append(prov_dirstore *s, const prov_checkpoint_token *token, char kind,
		  const char *payload, size_t len)
{
	const char *id = prov_checkpoint_token_workflow_id(token);
	size_t frame = prov_journal_frame_size(id, len);
	struct waiter w = { NULL, false, PROV_OK, NULL };
	struct owned *o;
	int rc = PROV_OK;

	if (len > MAX_PAYLOAD)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_CHECKPOINT,
				    "workflow %s: a checkpoint of %zu bytes is too large", id, len);
	pthread_mutex_lock(&s->mutex);
	for (;;) {
		if (!(o = owned_by_token(s, token))) {
			rc = stale(token);
			goto out;
		}
		if (kind == PROV_JOURNAL_DELETE && !o->exists) {
			rc = prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CHECKPOINT,
					  "no checkpoint for workflow %s in %s", id, s->dir);
			goto out;
		}
		if (fits(s, frame))
			break;
		if ((rc = make_room(s, frame)) != PROV_OK)
			goto out;
	}
	/* Reserved first, the framing cannot fail half-way through the batch. */
	if ((rc = prov_strbuf_reserve(&s->pending, frame)) != PROV_OK)
		goto out;
	prov_journal_frame(&s->pending, kind, o->generation, ++o->revision, id, payload, len);
	o->exists = kind != PROV_JOURNAL_DELETE;
	w.next = s->waiters;
	s->waiters = &w;
	rc = wait_for(s, &w);
out:
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

static int dirstore_save(void *backend, const prov_checkpoint_token *token, const char *json,
			 size_t len)
{
	return append(backend, token, PROV_JOURNAL_SAVE, json, len);
}

static int dirstore_record(void *backend, const prov_checkpoint_token *token, const char *op_id,
			   const char *json, size_t len)
{
	(void)op_id;
	return append(backend, token, PROV_JOURNAL_RECORD, json, len);
}

static int dirstore_remove(void *backend, const prov_checkpoint_token *token)
{
	return append(backend, token, PROV_JOURNAL_DELETE, "{}", 2);
}

/* ------------------------------------------------------------------ */
/* Ownership                                                           */
/* ------------------------------------------------------------------ */

/* Readers need no directories, so a store only creates them once it writes. */
static int make_directories(prov_dirstore *s)
{
	int rc = prov_dir_create_io(s->io, s->dir);

	if (rc == PROV_OK)
		rc = prov_dir_create_io(s->io, s->journal_dir);
	if (rc == PROV_OK)
		rc = prov_dir_create_io(s->io, s->snapshot_dir);
	if (rc == PROV_OK)
		rc = prov_dir_create_io(s->io, s->lock_dir);
	return rc;
}

static int ensure_journal(prov_dirstore *s)
{
	int rc;

	if (s->journal)
		return PROV_OK;
	if ((rc = make_directories(s)) != PROV_OK)
		return rc;
	prov_dirstore_recover(s);
	if (s->journal)
		return PROV_OK;
	return prov_journal_create(&s->journal, s->io, s->journal_dir, s->journal_capacity);
}

static int add_owned(prov_dirstore *s, const char *workflow_id, int fd, uint64_t generation,
		     uint64_t revision, bool exists)
{
	struct owned *o = prov_calloc(1, sizeof(*o));

	if (!o)
		return PROV_ENOMEM;
	if (s->owned_len == s->owned_cap) {
		size_t cap = s->owned_cap ? s->owned_cap * 2 : 8;

		if (prov_grow(&s->owned, cap, sizeof(*s->owned)) != PROV_OK) {
			free(o);
			return PROV_ENOMEM;
		}
		s->owned_cap = cap;
	}
	if (!(o->id = prov_strdup(workflow_id))) {
		free(o);
		return PROV_ENOMEM;
	}
	o->lock_fd = fd;
	o->generation = generation;
	o->revision = o->snapshot_revision = revision;
	o->exists = exists;
	s->owned[s->owned_len++] = o;
	return PROV_OK;
}

/*
 * With the lock taken: fold what earlier owners left in any journal, then
 * raise the generation, durably, so their records are never needed again.
 */
static int take_over(prov_dirstore *s, const char *workflow_id, const char *lock_path, int fd,
		     bool created, const struct prov_lockfile_state *lock, uint64_t *generation)
{
	uint64_t revision = 0;
	bool exists = false;
	int rc = prov_dirstore_absorb(s, workflow_id, lock, &revision, &exists);

	*generation = (lock->damaged ? 0 : lock->generation) + 1;
	if (rc == PROV_OK)
		rc = prov_lockfile_write(s->io, fd, lock_path, *generation);
	if (rc == PROV_OK && created)
		rc = prov_dir_sync_io(s->io, s->lock_dir);
	if (rc == PROV_OK)
		rc = add_owned(s, workflow_id, fd, *generation, revision, exists);
	return rc;
}

static int acquire_locked(prov_dirstore *s, const char *workflow_id, uint64_t *generation)
{
	struct prov_lockfile_state lock;
	char *path;
	bool created;
	int fd = -1, rc = ensure_journal(s);

	if (rc != PROV_OK)
		return rc;
	if (owned_by_id(s, workflow_id))
		return prov_err_set(PROV_EBUSY, PROV_ERRCAT_CHECKPOINT,
				    "workflow %s is already owned through this store (process %ld)",
				    workflow_id, (long)getpid());
	if (!(path = prov_dirstore_path(s->lock_dir, workflow_id, ".lock")))
		return PROV_ENOMEM;
	rc = prov_lockfile_acquire(s->io, path, workflow_id, &fd, &created, &lock);
	if (rc == PROV_OK && (rc = take_over(s, workflow_id, path, fd, created, &lock,
					     generation)) != PROV_OK)
		s->io->close(s->io->ctx, fd);
	free(path);
	return rc;
}

static int dirstore_acquire(prov_checkpoint_token **out, void *backend, const char *workflow_id)
{
	prov_dirstore *s = backend;
	char text[TOKEN_MAX];
	uint64_t generation = 0;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&s->mutex);
	rc = acquire_locked(s, workflow_id, &generation);
	if (rc == PROV_OK) {
		token_text(s, generation, text);
		rc = prov_checkpoint_token_new(out, workflow_id, text);
		if (rc != PROV_OK)
			owned_remove(s, owned_by_id(s, workflow_id));
	}
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

static int dirstore_release(void *backend, const prov_checkpoint_token *token)
{
	prov_dirstore *s = backend;
	struct owned *o;
	int rc = PROV_OK;

	pthread_mutex_lock(&s->mutex);
	quiesce(s);
	if (!(o = owned_by_token(s, token)))
		rc = stale(token);
	else if (o->revision != o->snapshot_revision)
		rc = fold_one(s, o);
	/* On failure the records stay in the journal and the ownership with us. */
	if (rc == PROV_OK)
		owned_remove(s, o);
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

/* An ownership here ends only by release: the kernel keeps the lock while we live. */
static int dirstore_check(void *backend, const prov_checkpoint_token *token)
{
	prov_dirstore *s = backend;
	int rc;

	pthread_mutex_lock(&s->mutex);
	rc = owned_by_token(s, token) ? PROV_OK : stale(token);
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */
/* ------------------------------------------------------------------ */

static void dirstore_free(prov_dirstore *s)
{
	for (size_t i = 0; i < s->owned_len; i++)
		owned_free(s, s->owned[i]);
	free(s->owned);
	prov_strbuf_release(&s->pending);
	pthread_mutex_destroy(&s->mutex);
	pthread_cond_destroy(&s->batch_done);
	free(s->dir);
	free(s->journal_dir);
	free(s->snapshot_dir);
	free(s->lock_dir);
	free(s);
}

/* Release every ownership; the journal goes only when all its records are in snapshots. */
static void dirstore_close(void *backend)
{
	prov_dirstore *s = backend;
	bool folded_all = true;
	size_t rewritten;
	int rc;

	pthread_mutex_lock(&s->mutex);
	if (s->journal) {
		quiesce(s);
		folded_all = fold_all(s, &rewritten, &rc);
	}
	while (s->owned_len > 0)
		owned_remove(s, s->owned[s->owned_len - 1]);
	prov_journal_close(s->journal, folded_all);
	s->journal = NULL;
	pthread_mutex_unlock(&s->mutex);
	dirstore_free(s);
}

static const prov_checkpoint_store_interface dirstore_interface = {
	.size = sizeof(prov_checkpoint_store_interface),
	.acquire = dirstore_acquire,
	.release = dirstore_release,
	.save = dirstore_save,
	.record = dirstore_record,
	.load = prov_dirstore_load,
	.list = prov_dirstore_list,
	.remove = dirstore_remove,
	.close = dirstore_close,
	.check = dirstore_check,
};

static int name_directories(prov_dirstore *s)
{
	s->journal_dir = prov_dirstore_path(s->dir, "journal", "");
	s->snapshot_dir = prov_dirstore_path(s->dir, "checkpoints", "");
	s->lock_dir = prov_dirstore_path(s->dir, "locks", "");
	return s->journal_dir && s->snapshot_dir && s->lock_dir ? PROV_OK : PROV_ENOMEM;
}

int prov_dirstore_open(prov_checkpoint_store **out, const prov_fileio *io, const char *dir,
		       size_t journal_capacity)
{
	prov_dirstore *s = prov_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return PROV_ENOMEM;
	pthread_mutex_init(&s->mutex, NULL);
	pthread_cond_init(&s->batch_done, NULL);
	s->io = io;
	s->nonce = prov_random64();
	s->journal_capacity = journal_capacity ? journal_capacity : PROV_JOURNAL_DEFAULT_CAPACITY;
	s->dir = prov_strdup(dir);
	rc = s->dir ? name_directories(s) : PROV_ENOMEM;
	if (rc == PROV_OK)
		rc = prov_checkpoint_store_new(out, &dirstore_interface, s);
	if (rc != PROV_OK)
		dirstore_free(s);
	return rc;
}
