/*
 * An in-memory file system behind prov_fileio that can lose power.
 *
 * It keeps, for every file, what was written and what is durable (synced),
 * and the namespace changes (create, rename, unlink, mkdir) not yet made
 * durable by syncing their directory, in order. A power cut makes every
 * later call fail with EIO, like a machine that stopped; simfs_crash() then
 * builds what the disk holds after the restart:
 *
 * - data written since the file's last sync is, sector by sector (512
 *   bytes), the new bytes, the old bytes or garbage, and the file's size is
 *   the old or the new one, as in SQLite's crash tests;
 * - of the namespace changes since the last directory sync, a random prefix
 *   survives (a journaling file system commits metadata in order).
 *
 * A directory sync makes every namespace change before it durable, as the
 * journal commit behind it does on ext4 and XFS.
 */
#ifndef PROV_TEST_SIMFS_H
#define PROV_TEST_SIMFS_H

#include "core/fileio.h"

typedef struct simfs simfs;

simfs *simfs_new(unsigned int seed);
void simfs_free(simfs *fs);

/* The layer to hand to the code under test. */
const prov_fileio *simfs_io(simfs *fs);

/* Count of calls that change something (writes, syncs, namespace changes). */
long simfs_changes(simfs *fs);

/* Cut the power at the n-th change from now (n >= 1): it and all later calls fail. */
void simfs_cut_after(simfs *fs, long n);

/* Whether the power is off. */
int simfs_is_cut(simfs *fs);

/* Restart after a power loss: keep what a disk would, close every descriptor. */
void simfs_crash(simfs *fs);

#endif
