/*
 * The directory store's journal: a preallocated file of checksummed records,
 * one per write, that a store appends to and syncs once per batch.
 *
 * Layout (docs/CHECKPOINTS.md has the full story):
 *
 *   block 0     "PROVCKJ1 salt=<16 hex> crc=<8 hex>\n", then zeros
 *   from 4096   records, each
 *                 "#<crc> <len> <kind> <generation> <revision> <workflow id>\n"
 *                 <len bytes of JSON>"\n"
 *               a batch of records padded with zeros to the next 4096
 *
 * A record's checksum covers everything after its crc field and is seeded
 * with the previous record's (the header's for the first), so the valid
 * records are exactly the chain from the start: a torn write, a record of an
 * earlier cycle (another salt) or one left from a failed batch ends it.
 * The file is filled with zeros when created, so appending overwrites
 * allocated blocks and fdatasync has no metadata to write.
 */
#ifndef PROV_CHECKPOINT_JOURNAL_H
#define PROV_CHECKPOINT_JOURNAL_H

#include "core/fileio.h"
#include "core/strbuf.h"

#include <provisioning/checkpoint.h>

#include <stdbool.h>
#include <stdint.h>

#define PROV_JOURNAL_BLOCK 4096
#define PROV_JOURNAL_DATA_START PROV_JOURNAL_BLOCK
#define PROV_JOURNAL_DEFAULT_CAPACITY ((size_t)4 << 20)
/* The smallest journal worth having: a header block and one of records. */
#define PROV_JOURNAL_MIN_CAPACITY (2 * PROV_JOURNAL_BLOCK)

/* What a record does to its workflow. */
enum {
	PROV_JOURNAL_SAVE = 'S',   /* payload: the whole checkpoint */
	PROV_JOURNAL_RECORD = 'R', /* payload: one operation record */
	PROV_JOURNAL_DELETE = 'D', /* payload: {} */
};

struct prov_journal_record {
	char kind;
	uint64_t generation; /* of the ownership that wrote it */
	uint64_t revision;   /* the workflow's count of writes */
	char workflow_id[PROV_WORKFLOW_ID_MAX + 1];
	const char *payload; /* inside the image walked; not NUL-terminated */
	size_t len;
};

/* Called per valid record; a non-zero return stops the walk and is returned. */
typedef int (*prov_journal_visit_fn)(const struct prov_journal_record *record, void *userdata);

/* Walk the valid records of a journal file's bytes, in order. */
int prov_journal_walk(const char *image, size_t size, prov_journal_visit_fn visit,
		      void *userdata);

/* Whether a file name is a journal's ("<16 hex>.log"). */
bool prov_journal_is_name(const char *name);

/* A journal a store appends to, locked by the store for as long as it is open. */
typedef struct prov_journal {
	const prov_fileio *io;
	char *path;
	int fd;
	off_t capacity;
	off_t written;   /* end of the last batch written, block aligned */
	uint32_t chain;  /* checksum of the last record written, or of the header */
} prov_journal;

/* A new journal of `capacity` bytes in dir: created, locked, zero-filled, synced. */
int prov_journal_create(prov_journal **out, const prov_fileio *io, const char *dir,
			size_t capacity);

/*
 * Take over a journal whose records are all superseded: fd is open and
 * locked (the journal keeps it), size is the file's. Starts a new cycle.
 */
int prov_journal_adopt(prov_journal **out, const prov_fileio *io, const char *path, int fd,
		       off_t size);

/* Close (and with `remove`, delete) a journal. NULL is a no-op. */
void prov_journal_close(prov_journal *journal, bool remove);

/*
 * Start a new cycle: a new salt in the header makes every record written so
 * far invalid. Only once those records are in snapshots that are durable.
 * The header needs no sync of its own: until the next batch is synced, a
 * crash leaves either header, and both are correct then.
 */
int prov_journal_reset(prov_journal *journal);

/* Extend the journal with zeros to `capacity` bytes, durably. */
int prov_journal_grow(prov_journal *journal, off_t capacity);

/* Append one record to a batch, its checksum left for prov_journal_write(). */
int prov_journal_frame(prov_strbuf *batch, char kind, uint64_t generation, uint64_t revision,
		       const char *workflow_id, const char *payload, size_t len);

/* Bytes a record takes in a batch. */
size_t prov_journal_frame_size(const char *workflow_id, size_t len);

/* `len` rounded up to whole blocks. */
off_t prov_journal_padded(size_t len);

/*
 * Checksum the batch's records onto *chain, pad it, write it at `offset`
 * and sync. On success *chain is the last record's checksum. The batch is
 * changed (checksums, padding) either way.
 */
int prov_journal_write(prov_journal *journal, prov_strbuf *batch, off_t offset,
		       uint32_t *chain);

/* The bytes [0, written) of the journal: its records so far. Free with free(). */
int prov_journal_image(prov_journal *journal, char **image, size_t *size);

#endif
