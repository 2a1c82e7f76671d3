/*
 * Lock files: one per workflow (locks/ID.lock), held with an
 * open-file-description lock by the workflow's owner, and holding the
 * ownership's generation and the holder's process id.
 *
 * The generation survives the workflow: journal records older than it were
 * folded into the snapshot by the acquire that raised it, so they can never
 * come back, even after the snapshot is deleted. It is written in one of two
 * checksummed slots (4096 bytes apart, by parity), so a write torn by a power
 * cut leaves the previous generation readable.
 */
#ifndef PROV_CHECKPOINT_LOCKFILE_H
#define PROV_CHECKPOINT_LOCKFILE_H

#include "core/fileio.h"

#include <stdbool.h>
#include <stdint.h>

/* What a lock file says. */
struct prov_lockfile_state {
	uint64_t generation; /* 0 for a new or empty file */
	long pid;            /* the process that wrote it, 0 when unknown */
	bool damaged;        /* it has content but no valid slot */
};

/*
 * Open (creating when missing, *created then true) and lock a workflow's lock
 * file without waiting, and read it. PROV_EBUSY naming the holding process
 * and the file when another open file description holds the lock.
 */
int prov_lockfile_acquire(const prov_fileio *io, const char *path, const char *workflow_id,
			  int *fd, bool *created, struct prov_lockfile_state *state);

/*
 * Take the lock only if it is free: PROV_OK with *fd set, PROV_EBUSY
 * (without recording an error) when held, PROV_ENOTFOUND when there is no
 * lock file.
 */
int prov_lockfile_try(const prov_fileio *io, const char *path, int *fd,
		      struct prov_lockfile_state *state);

/* Read a lock file without locking it; a missing file reads as generation 0. */
int prov_lockfile_read(const prov_fileio *io, const char *path,
		       struct prov_lockfile_state *state);

/* Durably record a new generation with this process's id. */
int prov_lockfile_write(const prov_fileio *io, int fd, const char *path, uint64_t generation);

#endif
