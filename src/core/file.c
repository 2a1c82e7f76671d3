#include "core/file.h"
#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

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

int prov_dir_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = PROV_OK;

	if (fd < 0)
		return prov_err_errno(errno, "%s: cannot open directory", path);
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = prov_err_errno(errno, "%s: fsync of directory failed", path);
	close(fd);
	return rc;
}

static int write_temporary(const char *tmp_template, int fd, const void *data, size_t len)
{
	if (write_all(fd, data, len) != 0)
		return prov_err_errno(errno, "%s: write failed", tmp_template);
	if (fsync(fd) != 0)
		return prov_err_errno(errno, "%s: fsync failed", tmp_template);
	return PROV_OK;
}

int prov_file_write_atomic(const char *path, const void *data, size_t len)
{
	char *dir = NULL, *tmp = NULL;
	int fd = -1, rc;
	size_t tmp_len = strlen(path) + sizeof(".tmp.XXXXXX");

	dir = directory_of(path);
	tmp = prov_malloc(tmp_len);
	if (!dir || !tmp) {
		rc = PROV_ENOMEM;
		goto out;
	}
	memcpy(tmp, path, strlen(path));
	memcpy(tmp + strlen(path), ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	/* mkostemp creates the file 0600, which is what state files must be. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = prov_err_errno(errno, "%s: cannot create temporary file", path);
		goto out;
	}
	rc = write_temporary(tmp, fd, data, len);
	if (close(fd) != 0 && rc == PROV_OK)
		rc = prov_err_errno(errno, "%s: close failed", tmp);
	fd = -1;
	if (rc == PROV_OK && rename(tmp, path) != 0)
		rc = prov_err_errno(errno, "%s: rename failed", path);
	if (rc != PROV_OK)
		unlink(tmp);
	else
		rc = prov_dir_sync(dir);
out:
	free(dir);
	free(tmp);
	return rc;
}

static int read_stream(int fd, const char *path, size_t max_size, char **data, size_t *len)
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
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
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

int prov_file_read(const char *path, size_t max_size, char **data, size_t *len)
{
	struct stat st;
	int fd, rc;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return prov_err_errno(errno, "%s: cannot open", path);
	if (fstat(fd, &st) != 0) {
		rc = prov_err_errno(errno, "%s: cannot stat", path);
	} else if (S_ISDIR(st.st_mode)) {
		rc = prov_err_at(PROV_EINVAL, PROV_ERRCAT_IO, path, 0, "is a directory, not a file");
	} else if (!S_ISREG(st.st_mode)) {
		rc = prov_err_at(PROV_EINVAL, PROV_ERRCAT_IO, path, 0, "is not a regular file");
	} else if ((unsigned long long)st.st_size > max_size) {
		rc = prov_err_at(PROV_ERANGE, PROV_ERRCAT_IO, path, 0,
				 "file is larger than the limit of %zu bytes", max_size);
	} else {
		rc = read_stream(fd, path, max_size, data, len);
	}
	close(fd);
	return rc;
}

static int make_one_directory(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return PROV_OK;
	if (errno != EEXIST)
		return prov_err_errno(errno, "%s: cannot create directory", path);
	if (stat(path, &st) != 0)
		return prov_err_errno(errno, "%s: cannot stat", path);
	if (!S_ISDIR(st.st_mode))
		return prov_err_at(PROV_EEXISTS, PROV_ERRCAT_IO, path, 0,
				   "exists and is not a directory");
	return PROV_OK;
}

int prov_dir_create(const char *path)
{
	char *copy = prov_strdup(path);
	int rc = PROV_OK;

	if (!copy)
		return PROV_ENOMEM;
	for (char *p = copy + 1; *p && rc == PROV_OK; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		rc = make_one_directory(copy);
		*p = '/';
	}
	if (rc == PROV_OK)
		rc = make_one_directory(copy);
	free(copy);
	return rc;
}
