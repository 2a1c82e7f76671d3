/*
 * Recovering what crashed stores left behind: journals nobody holds any more
 * and temporary snapshot files. Readers never need this (they fold every
 * journal they find); it keeps the directory from growing with each crash.
 *
 * An orphan journal may go once every record in it is superseded: folded
 * into its workflow's snapshot, or older than the workflow's generation.
 * Folding needs the workflow's lock; a workflow owned by a live store was
 * folded by that store's acquire, which raised the generation.
 */
#include "checkpoint/dirstore.h"
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/file.h"
#include "core/logging.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

struct mention {
	char workflow_id[PROV_WORKFLOW_ID_MAX + 1];
	uint64_t max_generation;
};

struct mentions {
	struct mention *items;
	size_t len;
	size_t cap;
};

static int note_mention(const struct prov_journal_record *record, void *userdata)
{
	struct mentions *m = userdata;

	for (size_t i = 0; i < m->len; i++) {
		if (strcmp(m->items[i].workflow_id, record->workflow_id) == 0) {
			if (record->generation > m->items[i].max_generation)
				m->items[i].max_generation = record->generation;
			return 0;
		}
	}
	if (m->len == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;

		if (prov_grow(&m->items, cap, sizeof(*m->items)) != PROV_OK)
			return PROV_ENOMEM;
		m->cap = cap;
	}
	memcpy(m->items[m->len].workflow_id, record->workflow_id,
	       sizeof(m->items[m->len].workflow_id));
	m->items[m->len++].max_generation = record->generation;
	return 0;
}

/* Whether a workflow's records in an orphan journal are no longer needed. */
static bool settle_workflow(prov_dirstore *s, const struct mention *m)
{
	char *path = prov_dirstore_path(s->lock_dir, m->workflow_id, ".lock");
	struct prov_lockfile_state lock;
	uint64_t revision;
	bool created, exists, settled = false;
	int fd, rc;

	if (!path)
		return false;
	rc = prov_lockfile_acquire(s->io, path, m->workflow_id, &fd, &created, &lock);
	if (rc == PROV_EBUSY) {
		/* Its owner raised the generation past these records, unless it is still
		 * acquiring; then try again another time. */
		settled = prov_lockfile_read(s->io, path, &lock) == PROV_OK && !lock.damaged &&
			  m->max_generation < lock.generation;
	} else if (rc == PROV_OK) {
		settled = prov_dirstore_absorb(s, m->workflow_id, &lock, &revision, &exists) ==
			  PROV_OK;
		s->io->close(s->io->ctx, fd);
	}
	if (!settled)
		prov_log(PROV_LOG_INFO, "checkpoint", "%s: records of workflow %s kept for now: %s",
			 s->journal_dir, m->workflow_id, prov_error_last()->message);
	free(path);
	return settled;
}

static bool settle_journal(prov_dirstore *s, const char *image, size_t size)
{
	struct mentions m = { NULL, 0, 0 };
	bool settled = prov_journal_walk(image, size, note_mention, &m) == 0;

	for (size_t i = 0; settled && i < m.len; i++)
		settled = settle_workflow(s, &m.items[i]);
	free(m.items);
	return settled;
}

static int read_locked(prov_dirstore *s, int fd, const char *path, char **image, off_t *size)
{
	struct stat st;
	ssize_t n;

	*image = NULL;
	if (s->io->fstat(s->io->ctx, fd, &st) != 0)
		return prov_err_errno(errno, "%s: cannot stat", path);
	*size = st.st_size;
	*image = prov_malloc((size_t)st.st_size + 1);
	if (!*image)
		return PROV_ENOMEM;
	n = prov_fileio_pread_all(s->io, fd, *image, (size_t)st.st_size, 0);
	if (n < 0)
		return prov_err_errno(errno, "%s: read failed", path);
	*size = n;
	return PROV_OK;
}

/* Settle an orphan journal, then adopt it as this store's or remove it. */
static void recover_journal(prov_dirstore *s, const char *path, int fd)
{
	char *image = NULL;
	off_t size = 0;
	bool settled = read_locked(s, fd, path, &image, &size) == PROV_OK &&
		       settle_journal(s, image, (size_t)size);

	free(image);
	if (settled && !s->journal && size >= (off_t)PROV_JOURNAL_MIN_CAPACITY &&
	    prov_journal_adopt(&s->journal, s->io, path, fd, size) == PROV_OK)
		return;
	if (settled && s->io->unlink(s->io->ctx, path) == 0)
		prov_dir_sync_io(s->io, s->journal_dir);
	s->io->close(s->io->ctx, fd);
}

static void recover_journals(prov_dirstore *s)
{
	char **names = NULL;
	size_t count = 0;

	if (prov_dirstore_names(s->io, s->journal_dir, &names, &count) != PROV_OK)
		return;
	for (size_t i = 0; i < count; i++) {
		char *path = prov_journal_is_name(names[i])
			     ? prov_dirstore_path(s->journal_dir, names[i], "") : NULL;
		int fd = path ? s->io->open(s->io->ctx, path, O_RDWR, 0) : -1;

		if (fd >= 0 && s->io->lock(s->io->ctx, fd) == 0)
			recover_journal(s, path, fd);
		else if (fd >= 0)
			s->io->close(s->io->ctx, fd); /* a live store's */
		free(path);
	}
	prov_dirstore_names_free(names, count);
}

/* "ID.json.tmp.XXXXXXXX" left by a snapshot write that never finished. */
static void remove_temporary(prov_dirstore *s, char *name)
{
	char *tmp = strstr(name, ".json.tmp.");
	char *path, *lock_path;
	struct prov_lockfile_state lock;
	int fd = -1, rc;

	if (!tmp || !prov_workflow_id_is_valid(name, (size_t)(tmp - name)))
		return;
	path = prov_dirstore_path(s->snapshot_dir, name, "");
	*tmp = '\0';
	lock_path = prov_dirstore_path(s->lock_dir, name, ".lock");
	rc = path && lock_path ? prov_lockfile_try(s->io, lock_path, &fd, &lock) : PROV_ENOMEM;
	/* Without the lock, its owner may be writing that very file. */
	if (rc == PROV_OK || rc == PROV_ENOTFOUND)
		s->io->unlink(s->io->ctx, path);
	if (fd >= 0)
		s->io->close(s->io->ctx, fd);
	free(path);
	free(lock_path);
}

static void remove_temporaries(prov_dirstore *s)
{
	char **names = NULL;
	size_t count = 0;

	if (prov_dirstore_names(s->io, s->snapshot_dir, &names, &count) != PROV_OK)
		return;
	for (size_t i = 0; i < count; i++)
		remove_temporary(s, names[i]);
	prov_dirstore_names_free(names, count);
}

void prov_dirstore_recover(prov_dirstore *s)
{
	recover_journals(s);
	remove_temporaries(s);
}
