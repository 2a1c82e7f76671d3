#include "checkpoint/lockfile.h"
#include "checkpoint/crc32c.h"
#include "core/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SLOT_DISTANCE 4096
#define SLOT_MAX 96

/* "generation=G pid=P" is checksummed, " crc=XXXXXXXX\n" follows. */
static bool parse_slot(const char *slot, size_t len, uint64_t *generation, long *pid)
{
	unsigned long long g;
	unsigned int crc;
	long p;
	int signed_len = 0, total = 0;

	if (len == 0 || memchr(slot, '\n', len) == NULL)
		return false;
	if (sscanf(slot, "generation=%llu pid=%ld%n crc=%8x%n", &g, &p, &signed_len, &crc,
		   &total) != 3 || total == 0 || slot[total] != '\n' || signed_len <= 0)
		return false;
	if (prov_crc32c(0, slot, (size_t)signed_len) != crc)
		return false;
	*generation = g;
	*pid = p;
	return true;
}

static int read_state(const prov_fileio *io, int fd, const char *path,
		      struct prov_lockfile_state *state)
{
	memset(state, 0, sizeof(*state));
	for (int i = 0; i < 2; i++) {
		char slot[SLOT_MAX + 1];
		ssize_t n = prov_fileio_pread_all(io, fd, slot, SLOT_MAX, (off_t)i * SLOT_DISTANCE);
		uint64_t generation;
		long pid;

		if (n < 0)
			return prov_err_errno(errno, "%s: read failed", path);
		slot[n] = '\0';
		if (parse_slot(slot, (size_t)n, &generation, &pid)) {
			if (generation >= state->generation) {
				state->generation = generation;
				state->pid = pid;
			}
		} else if (n > 0 && slot[0] != '\0') {
			state->damaged = true;
		}
	}
	if (state->generation > 0)
		state->damaged = false;
	return PROV_OK;
}

int prov_lockfile_read(const prov_fileio *io, const char *path,
		       struct prov_lockfile_state *state)
{
	int fd = io->open(io->ctx, path, O_RDONLY, 0);
	int rc;

	memset(state, 0, sizeof(*state));
	if (fd < 0 && errno == ENOENT)
		return PROV_OK;
	if (fd < 0)
		return prov_err_errno(errno, "%s: cannot open lock file", path);
	rc = read_state(io, fd, path, state);
	io->close(io->ctx, fd);
	return rc;
}

static int busy_error(const char *path, const char *workflow_id,
		      const struct prov_lockfile_state *state)
{
	if (state->pid > 0)
		return prov_err_at(PROV_EBUSY, PROV_ERRCAT_CHECKPOINT, path, 0,
				   "workflow %s is owned by process %ld", workflow_id, state->pid);
	return prov_err_at(PROV_EBUSY, PROV_ERRCAT_CHECKPOINT, path, 0,
			   "workflow %s is owned by another process", workflow_id);
}

static int open_lock_file(const prov_fileio *io, const char *path, int *fd, bool *created)
{
	*created = false;
	*fd = io->open(io->ctx, path, O_RDWR, 0);
	if (*fd < 0 && errno == ENOENT) {
		*fd = io->open(io->ctx, path, O_RDWR | O_CREAT | O_EXCL, 0600);
		*created = *fd >= 0;
		if (*fd < 0 && errno == EEXIST)
			*fd = io->open(io->ctx, path, O_RDWR, 0);
	}
	if (*fd < 0)
		return prov_err_errno(errno, "%s: cannot open lock file", path);
	return PROV_OK;
}

int prov_lockfile_acquire(const prov_fileio *io, const char *path, const char *workflow_id,
			  int *fd, bool *created, struct prov_lockfile_state *state)
{
	int rc = open_lock_file(io, path, fd, created);

	if (rc != PROV_OK)
		return rc;
	if (io->lock(io->ctx, *fd) == 0) {
		rc = read_state(io, *fd, path, state);
	} else if (errno == EAGAIN) {
		rc = read_state(io, *fd, path, state);
		if (rc == PROV_OK)
			rc = busy_error(path, workflow_id, state);
	} else {
		rc = prov_err_errno(errno, "%s: cannot lock", path);
	}
	if (rc != PROV_OK) {
		io->close(io->ctx, *fd);
		*fd = -1;
	}
	return rc;
}

int prov_lockfile_try(const prov_fileio *io, const char *path, int *fd,
		      struct prov_lockfile_state *state)
{
	int rc;

	*fd = io->open(io->ctx, path, O_RDWR, 0);
	if (*fd < 0)
		return errno == ENOENT ? PROV_ENOTFOUND
				       : prov_err_errno(errno, "%s: cannot open lock file", path);
	if (io->lock(io->ctx, *fd) != 0) {
		rc = errno == EAGAIN ? PROV_EBUSY : prov_err_errno(errno, "%s: cannot lock", path);
	} else {
		rc = read_state(io, *fd, path, state);
	}
	if (rc != PROV_OK) {
		io->close(io->ctx, *fd);
		*fd = -1;
	}
	return rc;
}

int prov_lockfile_write(const prov_fileio *io, int fd, const char *path, uint64_t generation)
{
	char slot[SLOT_MAX];
	int n = snprintf(slot, sizeof(slot), "generation=%llu pid=%ld",
			 (unsigned long long)generation, (long)getpid());

	n += snprintf(slot + n, sizeof(slot) - (size_t)n, " crc=%08x\n",
		      prov_crc32c(0, slot, (size_t)n));
	if (prov_fileio_pwrite_all(io, fd, slot, (size_t)n,
				   (off_t)(generation % 2) * SLOT_DISTANCE) != 0)
		return prov_err_errno(errno, "%s: write failed", path);
	if (io->fdatasync(io->ctx, fd) != 0)
		return prov_err_errno(errno, "%s: fdatasync failed", path);
	return PROV_OK;
}
