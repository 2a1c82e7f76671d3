#include "core/file.h"
#include "core/err.h"
#include "core/fileio.h"
#include "core/mem.h"
#include "core/random.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory part of path ("." when there is none); free with free(). */
static char *directory_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return prov_strdup(".");
	if (slash == path)
		return prov_strdup("/");
	return prov_strndup(path, (size_t)(slash - path));
}

int prov_dir_sync_io(const prov_fileio *io, const char *path)
{
	int fd = io->open(io->ctx, path, O_RDONLY | O_DIRECTORY, 0);
	int rc = PROV_OK;

	if (fd < 0)
		return prov_err_errno(errno, "%s: cannot open directory", path);
	if (io->fsync(io->ctx, fd) != 0 && errno != EINVAL)
		rc = prov_err_errno(errno, "%s: fsync of directory failed", path);
	io->close(io->ctx, fd);
	return rc;
}

int prov_dir_sync(const char *path)
{
	return prov_dir_sync_io(prov_fileio_system(), path);
}

/* Create "PATH.tmp.XXXXXXXX" exclusively, mode 0600; *tmp gets its name. */
static int create_temporary(const prov_fileio *io, const char *path, char **tmp, int *fd)
{
	size_t size = strlen(path) + sizeof(".tmp.") + 16;

	*tmp = prov_malloc(size);
	if (!*tmp)
		return PROV_ENOMEM;
	for (int attempt = 0; attempt < 100; attempt++) {
		snprintf(*tmp, size, "%s.tmp.%08llx", path,
			 (unsigned long long)(prov_random64() & 0xffffffffu));
		*fd = io->open(io->ctx, *tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (*fd >= 0)
			return PROV_OK;
		if (errno != EEXIST)
			break;
	}
	return prov_err_errno(errno, "%s: cannot create temporary file", path);
}

static int write_temporary(const prov_fileio *io, const char *tmp, int fd,
			   const void *data, size_t len)
{
	if (prov_fileio_pwrite_all(io, fd, data, len, 0) != 0)
		return prov_err_errno(errno, "%s: write failed", tmp);
	if (io->fsync(io->ctx, fd) != 0)
		return prov_err_errno(errno, "%s: fsync failed", tmp);
	return PROV_OK;
}

int prov_file_write_atomic_io(const prov_fileio *io, const char *path, const void *data,
			      size_t len)
{
	char *dir = directory_of(path), *tmp = NULL;
	int fd = -1, rc;

	if (!dir)
		return PROV_ENOMEM;
	rc = create_temporary(io, path, &tmp, &fd);
	if (rc != PROV_OK)
		goto out;
	rc = write_temporary(io, tmp, fd, data, len);
	if (io->close(io->ctx, fd) != 0 && rc == PROV_OK)
		rc = prov_err_errno(errno, "%s: close failed", tmp);
	if (rc == PROV_OK && io->rename(io->ctx, tmp, path) != 0)
		rc = prov_err_errno(errno, "%s: rename failed", path);
	if (rc != PROV_OK)
		io->unlink(io->ctx, tmp);
	else
		rc = prov_dir_sync_io(io, dir);
out:
	free(dir);
	free(tmp);
	return rc;
}

int prov_file_write_atomic(const char *path, const void *data, size_t len)
{
	return prov_file_write_atomic_io(prov_fileio_system(), path, data, len);
}

static int read_stream(const prov_fileio *io, int fd, const char *path, size_t max_size,
		       char **data, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf = prov_malloc(cap);

	if (!buf)
		return PROV_ENOMEM;
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap && prov_grow(&buf, cap *= 2, 1) != PROV_OK) {
			free(buf);
			return PROV_ENOMEM;
		}
		n = prov_fileio_pread_all(io, fd, buf + used, cap - used - 1, (off_t)used);
		if (n < 0) {
			free(buf);
			return prov_err_errno(errno, "%s: read failed", path);
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max_size) {
			free(buf);
			return prov_err_at(PROV_ERANGE, PROV_ERRCAT_IO, path, 0,
					   "file is larger than the limit of %zu bytes", max_size);
		}
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return PROV_OK;
}

int prov_file_read_io(const prov_fileio *io, const char *path, size_t max_size, char **data,
		      size_t *len)
{
	struct stat st;
	int fd, rc;

	*data = NULL;
	*len = 0;
	fd = io->open(io->ctx, path, O_RDONLY | O_NOCTTY, 0);
	if (fd < 0)
		return prov_err_errno(errno, "%s: cannot open", path);
	if (io->fstat(io->ctx, fd, &st) != 0) {
		rc = prov_err_errno(errno, "%s: cannot stat", path);
	} else if (S_ISDIR(st.st_mode)) {
		rc = prov_err_at(PROV_EINVAL, PROV_ERRCAT_IO, path, 0, "is a directory, not a file");
	} else if (!S_ISREG(st.st_mode)) {
		rc = prov_err_at(PROV_EINVAL, PROV_ERRCAT_IO, path, 0, "is not a regular file");
	} else if ((unsigned long long)st.st_size > max_size) {
		rc = prov_err_at(PROV_ERANGE, PROV_ERRCAT_IO, path, 0,
				 "file is larger than the limit of %zu bytes", max_size);
	} else {
		rc = read_stream(io, fd, path, max_size, data, len);
	}
	io->close(io->ctx, fd);
	return rc;
}

int prov_file_read(const char *path, size_t max_size, char **data, size_t *len)
{
	return prov_file_read_io(prov_fileio_system(), path, max_size, data, len);
}

static int make_one_directory(const prov_fileio *io, const char *path)
{
	struct stat st;

	if (io->mkdir(io->ctx, path, 0700) == 0)
		return PROV_OK;
	if (errno != EEXIST)
		return prov_err_errno(errno, "%s: cannot create directory", path);
	if (io->stat(io->ctx, path, &st) != 0)
		return prov_err_errno(errno, "%s: cannot stat", path);
	if (!S_ISDIR(st.st_mode))
		return prov_err_at(PROV_EEXISTS, PROV_ERRCAT_IO, path, 0,
				   "exists and is not a directory");
	return PROV_OK;
}

/* Callers create the directory they write into before every write: mostly it exists. */
static bool is_directory(const prov_fileio *io, const char *path)
{
	struct stat st;

	return io->stat(io->ctx, path, &st) == 0 && S_ISDIR(st.st_mode);
}

int prov_dir_create_io(const prov_fileio *io, const char *path)
{
	char *copy;
	int rc = PROV_OK;

	if (is_directory(io, path))
		return PROV_OK;
	if (!(copy = prov_strdup(path)))
		return PROV_ENOMEM;
	for (char *p = copy + 1; *p && rc == PROV_OK; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		rc = make_one_directory(io, copy);
		*p = '/';
	}
	if (rc == PROV_OK)
		rc = make_one_directory(io, copy);
	free(copy);
	return rc;
}

int prov_dir_create(const char *path)
{
	return prov_dir_create_io(prov_fileio_system(), path);
}
