/*
 * The directory store's reading side: gathering journal records, folding
 * them onto snapshots, loading and listing.
 *
 * A reader that holds no lock reads the journals first, then the lock file,
 * then the snapshot. Writers make snapshots durable before the records they
 * include can disappear from a journal, and before raising a lock file's
 * generation, so a reader in this order never misses a write that returned.
 */
#include "checkpoint/dirstore.h"
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/file.h"
#include "core/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Far beyond any real checkpoint; a bound so a stray huge file cannot exhaust memory. */
#define MAX_FILE_SIZE ((size_t)1 << 30)

char *prov_dirstore_path(const char *dir, const char *name, const char *suffix)
{
	size_t len = strlen(dir) + 1 + strlen(name) + strlen(suffix) + 1;
	char *path = prov_malloc(len);

	if (path) {
		strcpy(path, dir);
		strcat(path, "/");
		strcat(path, name);
		strcat(path, suffix);
	}
	return path;
}

struct name_list {
	char **names;
	size_t len;
	size_t cap;
};

static int add_name(const char *name, void *userdata)
{
	struct name_list *list = userdata;
	char *copy;

	if (list->len == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 32;

		if (prov_grow(&list->names, cap, sizeof(*list->names)) != PROV_OK)
			return PROV_ENOMEM;
		list->cap = cap;
	}
	if (!(copy = prov_strdup(name)))
		return PROV_ENOMEM;
	list->names[list->len++] = copy;
	return 0;
}

int prov_dirstore_names(const prov_fileio *io, const char *dir, char ***names, size_t *count)
{
	struct name_list list = { NULL, 0, 0 };
	int rc = io->list_dir(io->ctx, dir, add_name, &list);

	if (rc == -1 && errno == ENOENT)
		rc = 0;
	else if (rc == -1)
		rc = prov_err_errno(errno, "%s: cannot list directory", dir);
	if (rc != 0) {
		prov_dirstore_names_free(list.names, list.len);
		return rc;
	}
	*names = list.names;
	*count = list.len;
	return PROV_OK;
}

void prov_dirstore_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* ------------------------------------------------------------------ */
/* Gathering records                                                   */
/* ------------------------------------------------------------------ */

void prov_record_set_release(struct record_set *set)
{
	for (size_t i = 0; i < set->images_len; i++)
		free(set->images[i]);
	free(set->images);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

static int keep_image(struct record_set *set, char *image)
{
	if (set->images_len == set->images_cap) {
		size_t cap = set->images_cap ? set->images_cap * 2 : 4;

		if (prov_grow(&set->images, cap, sizeof(*set->images)) != PROV_OK) {
			free(image);
			return PROV_ENOMEM;
		}
		set->images_cap = cap;
	}
	set->images[set->images_len++] = image;
	return PROV_OK;
}

struct gather {
	struct record_set *set;
	const char *workflow_id;
};

static int gather_record(const struct prov_journal_record *record, void *userdata)
{
	struct gather *g = userdata;
	struct record_set *set = g->set;

	if (g->workflow_id && strcmp(record->workflow_id, g->workflow_id) != 0)
		return 0;
	if (set->len == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;

		if (prov_grow(&set->items, cap, sizeof(*set->items)) != PROV_OK)
			return PROV_ENOMEM;
		set->cap = cap;
	}
	set->items[set->len++] = *record;
	return 0;
}

/* Take over a journal image and gather its records. */
static int gather_image(struct record_set *set, char *image, size_t size, const char *workflow_id)
{
	struct gather g = { set, workflow_id };
	int rc = keep_image(set, image);

	return rc ? rc : prov_journal_walk(image, size, gather_record, &g);
}

static int gather_file(prov_dirstore *s, const char *name, const char *workflow_id,
		       struct record_set *set)
{
	char *path = prov_dirstore_path(s->journal_dir, name, ""), *image;
	size_t size;
	int rc;

	if (!path)
		return PROV_ENOMEM;
	rc = prov_file_read_io(s->io, path, MAX_FILE_SIZE, &image, &size);
	free(path);
	if (rc == PROV_ENOTFOUND)
		return PROV_OK; /* removed since listed: its records are in snapshots */
	return rc ? rc : gather_image(set, image, size, workflow_id);
}

static bool is_own_journal(prov_dirstore *s, const char *name)
{
	const char *own = s->journal ? strrchr(s->journal->path, '/') : NULL;

	return own && strcmp(own + 1, name) == 0;
}

static int by_workflow_then_revision(const void *a, const void *b)
{
	const struct prov_journal_record *x = a, *y = b;
	int c = strcmp(x->workflow_id, y->workflow_id);

	if (c)
		return c;
	return x->revision < y->revision ? -1 : x->revision > y->revision;
}

static void sort_records(struct record_set *set)
{
	if (set->len > 1)
		qsort(set->items, set->len, sizeof(*set->items), by_workflow_then_revision);
}

int prov_dirstore_collect_own(prov_dirstore *s, struct record_set *set)
{
	char *image;
	size_t size;
	int rc;

	if (!s->journal)
		return PROV_OK;
	rc = prov_journal_image(s->journal, &image, &size);
	if (rc == PROV_OK)
		rc = gather_image(set, image, size, NULL);
	sort_records(set);
	return rc;
}

static int gather_own(prov_dirstore *s, const char *workflow_id, bool locked,
		      struct record_set *set)
{
	char *image = NULL;
	size_t size = 0;
	int rc = PROV_OK;

	if (!locked)
		pthread_mutex_lock(&s->mutex);
	if (s->journal)
		rc = prov_journal_image(s->journal, &image, &size);
	if (!locked)
		pthread_mutex_unlock(&s->mutex);
	return rc || !image ? rc : gather_image(set, image, size, workflow_id);
}

int prov_dirstore_collect(prov_dirstore *s, const char *workflow_id, bool locked,
			  struct record_set *set)
{
	char **names = NULL;
	size_t count = 0;
	int rc = prov_dirstore_names(s->io, s->journal_dir, &names, &count);

	for (size_t i = 0; rc == PROV_OK && i < count; i++)
		if (prov_journal_is_name(names[i]) && !is_own_journal(s, names[i]))
			rc = gather_file(s, names[i], workflow_id, set);
	prov_dirstore_names_free(names, count);
	if (rc == PROV_OK)
		rc = gather_own(s, workflow_id, locked, set);
	sort_records(set);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Folding                                                             */
/* ------------------------------------------------------------------ */

static int damaged(const char *path, const char *what)
{
	char reason[512];

	prov_copy_bounded(reason, sizeof(reason), prov_error_last()->message);
	prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT, "%s (damaged %s)", reason, what);
	prov_err_context(PROV_ERR_FILE, path);
	return PROV_ESTORE;
}

static int read_snapshot(prov_dirstore *s, const char *workflow_id, prov_checkpoint **out,
			 size_t *bytes)
{
	char *path = prov_dirstore_path(s->snapshot_dir, workflow_id, ".json"), *text = NULL;
	int rc;

	*out = NULL;
	*bytes = 0;
	if (!path)
		return PROV_ENOMEM;
	rc = prov_file_read_io(s->io, path, MAX_FILE_SIZE, &text, bytes);
	if (rc == PROV_OK)
		rc = prov_checkpoint_parse(out, text, *bytes, path);
	if (rc == PROV_EPARSE)
		rc = damaged(path, "checkpoint file");
	if (rc == PROV_OK && strcmp(prov_checkpoint_workflow_id(*out), workflow_id) != 0) {
		rc = prov_err_at(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT, path, 0,
				 "holds workflow %s, not %s (damaged checkpoint file)",
				 prov_checkpoint_workflow_id(*out), workflow_id);
		prov_checkpoint_free(*out);
		*out = NULL;
	}
	free(text);
	free(path);
	return rc;
}

static int apply(prov_checkpoint **cp, const struct prov_journal_record *r)
{
	prov_operation_record *record;
	prov_checkpoint *next;
	int rc = PROV_OK;

	switch (r->kind) {
	case PROV_JOURNAL_SAVE:
		rc = prov_checkpoint_parse(&next, r->payload, r->len, "journal record");
		if (rc == PROV_OK) {
			prov_checkpoint_free(*cp);
			*cp = next;
		}
		return rc;
	case PROV_JOURNAL_RECORD:
		if (!*cp && (rc = prov_checkpoint_new(cp, r->workflow_id)) != PROV_OK)
			return rc;
		rc = prov_operation_record_parse(&record, r->payload, r->len, "journal record");
		if (rc == PROV_OK)
			rc = prov_checkpoint_apply_record(*cp, record);
		prov_operation_record_free(record);
		return rc;
	default:
		prov_checkpoint_free(*cp);
		*cp = NULL;
		return PROV_OK;
	}
}

/* The first record of a workflow in a sorted set. */
static size_t first_of(const struct record_set *set, const char *workflow_id)
{
	size_t lo = 0, hi = set->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(set->items[mid].workflow_id, workflow_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int apply_records(prov_checkpoint **cp, const char *workflow_id,
			 const struct record_set *set, uint64_t min_generation,
			 struct fold_result *out)
{
	for (size_t i = first_of(set, workflow_id);
	     i < set->len && strcmp(set->items[i].workflow_id, workflow_id) == 0; i++) {
		const struct prov_journal_record *r = &set->items[i];
		int rc;

		if (r->generation < min_generation || r->revision <= out->revision)
			continue;
		if ((rc = apply(cp, r)) != PROV_OK) {
			char reason[512];

			prov_copy_bounded(reason, sizeof(reason), prov_error_last()->message);
			return prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
					    "workflow %s: journal record %llu cannot be applied: %s",
					    workflow_id, (unsigned long long)r->revision, reason);
		}
		out->revision = r->revision;
		out->live = true;
	}
	return PROV_OK;
}

int prov_dirstore_fold(prov_dirstore *s, const char *workflow_id, const struct record_set *set,
		       uint64_t min_generation, struct fold_result *out)
{
	prov_checkpoint *cp = NULL;
	int rc = read_snapshot(s, workflow_id, &cp, &out->snapshot_bytes);

	out->checkpoint = NULL;
	out->revision = 0;
	out->live = false;
	if (rc == PROV_ENOTFOUND)
		rc = PROV_OK;
	if (rc != PROV_OK)
		return rc;
	if (cp)
		out->revision = (uint64_t)prov_checkpoint_revision(cp);
	rc = apply_records(&cp, workflow_id, set, min_generation, out);
	if (rc != PROV_OK) {
		prov_checkpoint_free(cp);
		return rc;
	}
	if (cp)
		prov_checkpoint_set_revision(cp, (long long)out->revision);
	out->checkpoint = cp;
	return PROV_OK;
}

int prov_dirstore_write_snapshot(prov_dirstore *s, const char *workflow_id,
				 prov_checkpoint *checkpoint, size_t *bytes)
{
	char *path = prov_dirstore_path(s->snapshot_dir, workflow_id, ".json"), *json = NULL;
	int rc = path ? PROV_OK : PROV_ENOMEM;

	*bytes = 0;
	if (rc == PROV_OK && checkpoint) {
		rc = prov_checkpoint_to_json(&json, checkpoint);
		if (rc == PROV_OK) {
			*bytes = strlen(json);
			rc = prov_file_write_atomic_io(s->io, path, json, *bytes);
		}
	} else if (rc == PROV_OK) {
		if (s->io->unlink(s->io->ctx, path) != 0 && errno != ENOENT)
			rc = prov_err_errno(errno, "%s: cannot remove", path);
		else
			rc = prov_dir_sync_io(s->io, s->snapshot_dir);
	}
	free(json);
	free(path);
	return rc;
}

/* Whether anything at all is stored for a workflow. */
static bool anything_stored(const struct record_set *set, const char *workflow_id,
			    const struct fold_result *f)
{
	size_t i = first_of(set, workflow_id);

	return f->snapshot_bytes > 0 ||
	       (i < set->len && strcmp(set->items[i].workflow_id, workflow_id) == 0);
}

/*
 * A lock file with content but no valid slot was damaged by hand or torn
 * while first written. Only in the second case is nothing stored; then any
 * generation is right.
 */
static int check_lock(prov_dirstore *s, const char *workflow_id,
		      const struct prov_lockfile_state *lock, const struct record_set *set,
		      const struct fold_result *f)
{
	char *path;

	if (!lock->damaged || !anything_stored(set, workflow_id, f))
		return PROV_OK;
	path = prov_dirstore_path(s->lock_dir, workflow_id, ".lock");
	prov_err_at(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT, path ? path : workflow_id, 0,
		    "damaged lock file: no valid generation (remove it only when no process "
		    "uses the store)");
	free(path);
	return PROV_ESTORE;
}

static int fold_checked(prov_dirstore *s, const char *workflow_id, const struct record_set *set,
			const struct prov_lockfile_state *lock, struct fold_result *f)
{
	int rc = prov_dirstore_fold(s, workflow_id, set, lock->generation, f);

	if (rc == PROV_OK && (rc = check_lock(s, workflow_id, lock, set, f)) != PROV_OK) {
		prov_checkpoint_free(f->checkpoint);
		f->checkpoint = NULL;
	}
	return rc;
}

int prov_dirstore_absorb(prov_dirstore *s, const char *workflow_id,
			 const struct prov_lockfile_state *lock, uint64_t *revision, bool *exists)
{
	struct record_set set = { 0 };
	struct fold_result f;
	size_t bytes;
	int rc = prov_dirstore_collect(s, workflow_id, true, &set);

	if (rc == PROV_OK && (rc = fold_checked(s, workflow_id, &set, lock, &f)) == PROV_OK) {
		if (f.live)
			rc = prov_dirstore_write_snapshot(s, workflow_id, f.checkpoint, &bytes);
		*revision = f.revision;
		*exists = f.checkpoint != NULL;
		prov_checkpoint_free(f.checkpoint);
	}
	prov_record_set_release(&set);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Load and list                                                       */
/* ------------------------------------------------------------------ */

/* Fold one workflow as a reader: journals were read, now its lock file, then its snapshot. */
static int read_folded(prov_dirstore *s, const char *workflow_id, const struct record_set *set,
		       prov_checkpoint **out)
{
	struct prov_lockfile_state lock;
	struct fold_result f;
	char *path = prov_dirstore_path(s->lock_dir, workflow_id, ".lock");
	int rc = path ? prov_lockfile_read(s->io, path, &lock) : PROV_ENOMEM;

	free(path);
	if (rc == PROV_OK)
		rc = fold_checked(s, workflow_id, set, &lock, &f);
	*out = rc == PROV_OK ? f.checkpoint : NULL;
	return rc;
}

int prov_dirstore_load(prov_checkpoint **out, void *backend, const char *workflow_id)
{
	prov_dirstore *s = backend;
	struct record_set set = { 0 };
	int rc = prov_dirstore_collect(s, workflow_id, false, &set);

	*out = NULL;
	if (rc == PROV_OK)
		rc = read_folded(s, workflow_id, &set, out);
	if (rc == PROV_OK && !*out)
		rc = prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CHECKPOINT,
				  "no checkpoint for workflow %s in %s", workflow_id, s->dir);
	prov_record_set_release(&set);
	return rc;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Workflow ids from snapshot names ("ID.json") and journal records, in order, once each. */
static int candidate_ids(prov_dirstore *s, const struct record_set *set,
			 const prov_checkpoint_list_options *options, struct name_list *ids)
{
	char **names = NULL;
	size_t count = 0;
	int rc = prov_dirstore_names(s->io, s->snapshot_dir, &names, &count);

	for (size_t i = 0; rc == PROV_OK && i < count; i++) {
		size_t len = strlen(names[i]);

		if (len > 5 && strcmp(names[i] + len - 5, ".json") == 0 &&
		    prov_workflow_id_is_valid(names[i], len - 5)) {
			names[i][len - 5] = '\0';
			if (prov_checkpoint_list_wants(names[i], options))
				rc = add_name(names[i], ids);
		}
	}
	prov_dirstore_names_free(names, count);
	for (size_t i = 0; rc == PROV_OK && i < set->len; i++)
		if ((i == 0 || strcmp(set->items[i - 1].workflow_id, set->items[i].workflow_id)) &&
		    prov_checkpoint_list_wants(set->items[i].workflow_id, options))
			rc = add_name(set->items[i].workflow_id, ids);
	if (rc == PROV_OK && ids->len > 1)
		qsort(ids->names, ids->len, sizeof(*ids->names), by_string);
	return rc;
}

static int list_one(prov_dirstore *s, prov_checkpoint_list *list, const char *id,
		    const struct record_set *set, bool *added)
{
	prov_checkpoint *cp = NULL;
	int rc = read_folded(s, id, set, &cp);

	*added = rc != PROV_OK || cp;
	if (rc == PROV_ENOMEM)
		return rc;
	if (rc != PROV_OK)
		return prov_checkpoint_list_add(list, id, 0, NULL, prov_error_last()->message);
	if (cp)
		rc = prov_checkpoint_list_add(list, id, prov_checkpoint_step(cp),
					      prov_checkpoint_timestamp(cp), NULL);
	prov_checkpoint_free(cp);
	return rc;
}

int prov_dirstore_list(prov_checkpoint_list *list, void *backend,
		       const prov_checkpoint_list_options *options)
{
	prov_dirstore *s = backend;
	struct record_set set = { 0 };
	struct name_list ids = { NULL, 0, 0 };
	size_t added = 0;
	int rc = prov_dirstore_collect(s, NULL, false, &set);

	if (rc == PROV_OK)
		rc = candidate_ids(s, &set, options, &ids);
	/* One entry past the limit tells the library there is a next page. */
	for (size_t i = 0; rc == PROV_OK && i < ids.len; i++) {
		bool one;

		if (i > 0 && strcmp(ids.names[i - 1], ids.names[i]) == 0)
			continue;
		if (options->limit && added > options->limit)
			break;
		rc = list_one(s, list, ids.names[i], &set, &one);
		added += one;
	}
	prov_dirstore_names_free(ids.names, ids.len);
	prov_record_set_release(&set);
	return rc;
}
