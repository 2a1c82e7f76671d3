#include "core/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int sys_open(void *ctx, const char *path, int flags, mode_t mode)
{
	(void)ctx;
	return open(path, flags | O_CLOEXEC, mode);
}

static int sys_close(void *ctx, int fd)
{
	(void)ctx;
	return close(fd);
}

static ssize_t sys_pread(void *ctx, int fd, void *buf, size_t len, off_t offset)
{
	(void)ctx;
	return pread(fd, buf, len, offset);
}

static ssize_t sys_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t offset)
{
	(void)ctx;
	return pwrite(fd, buf, len, offset);
}

static int sys_fsync(void *ctx, int fd)
{
	(void)ctx;
	return fsync(fd);
}

static int sys_fdatasync(void *ctx, int fd)
{
	(void)ctx;
	return fdatasync(fd);
}

static int sys_fstat(void *ctx, int fd, struct stat *st)
{
	(void)ctx;
	return fstat(fd, st);
}

static int sys_stat(void *ctx, const char *path, struct stat *st)
{
	(void)ctx;
	return stat(path, st);
}

static int sys_rename(void *ctx, const char *from, const char *to)
{
	(void)ctx;
	return rename(from, to);
}

static int sys_unlink(void *ctx, const char *path)
{
	(void)ctx;
	return unlink(path);
}

static int sys_mkdir(void *ctx, const char *path, mode_t mode)
{
	(void)ctx;
	return mkdir(path, mode);
}

static int sys_lock(void *ctx, int fd)
{
	struct flock fl;

	(void)ctx;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EACCES)
		errno = EAGAIN;
	return -1;
}

static int sys_list_dir(void *ctx, const char *path,
			int (*each)(const char *name, void *userdata), void *userdata)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	int rc = 0;

	(void)ctx;
	if (!dir)
		return -1;
	errno = 0;
	while (rc == 0 && (entry = readdir(dir))) {
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			rc = each(entry->d_name, userdata);
		errno = 0;
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	closedir(dir);
	return rc;
}

static const prov_fileio system_io = {
	.open = sys_open,
	.close = sys_close,
	.pread = sys_pread,
	.pwrite = sys_pwrite,
	.fsync = sys_fsync,
	.fdatasync = sys_fdatasync,
	.fstat = sys_fstat,
	.stat = sys_stat,
	.rename = sys_rename,
	.unlink = sys_unlink,
	.mkdir = sys_mkdir,
	.lock = sys_lock,
	.list_dir = sys_list_dir,
	.ctx = NULL,
};

const prov_fileio *prov_fileio_system(void)
{
	return &system_io;
}

int prov_fileio_pwrite_all(const prov_fileio *io, int fd, const void *data, size_t len,
			   off_t offset)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = io->pwrite(io->ctx, fd, p, len, offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

ssize_t prov_fileio_pread_all(const prov_fileio *io, int fd, void *buf, size_t len,
			      off_t offset)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = io->pread(io->ctx, fd, p + done, len - done, offset + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}
