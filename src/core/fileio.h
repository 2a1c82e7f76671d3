/*
 * The file-system calls behind the library's state files, as a table of
 * functions. Code that must stay correct when a write or a sync fails, or
 * when the power goes, takes a prov_fileio so tests can put a
 * fault-injecting or power-cut-simulating layer underneath it;
 * prov_fileio_system() is the real file system.
 *
 * Every function follows its system call's convention: -1 (a negative count
 * for pread/pwrite) with errno set on failure. Descriptors are the layer's
 * own numbers, valid only with the layer that returned them.
 */
#ifndef PROV_CORE_FILEIO_H
#define PROV_CORE_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct prov_fileio {
	/* open(2); the layer adds O_CLOEXEC. */
	int (*open)(void *ctx, const char *path, int flags, mode_t mode);
	int (*close)(void *ctx, int fd);
	ssize_t (*pread)(void *ctx, int fd, void *buf, size_t len, off_t offset);
	ssize_t (*pwrite)(void *ctx, int fd, const void *buf, size_t len, off_t offset);
	int (*fsync)(void *ctx, int fd);
	int (*fdatasync)(void *ctx, int fd);
	int (*fstat)(void *ctx, int fd, struct stat *st);
	int (*stat)(void *ctx, const char *path, struct stat *st);
	int (*rename)(void *ctx, const char *from, const char *to);
	int (*unlink)(void *ctx, const char *path);
	int (*mkdir)(void *ctx, const char *path, mode_t mode);
	/*
	 * An exclusive lock on the whole file, owned by the open file
	 * description (F_OFD_SETLK), without waiting: EAGAIN when another
	 * description holds it. Closing the descriptor releases it.
	 */
	int (*lock)(void *ctx, int fd);
	/*
	 * Call each(name) for every entry of a directory except "." and "..",
	 * in no particular order; a non-zero return from each stops the walk
	 * and is returned.
	 */
	int (*list_dir)(void *ctx, const char *path,
			int (*each)(const char *name, void *userdata), void *userdata);
	void *ctx;
} prov_fileio;

/* The real file system. */
const prov_fileio *prov_fileio_system(void);

/* Write all of data at offset, resuming after short writes and EINTR. */
int prov_fileio_pwrite_all(const prov_fileio *io, int fd, const void *data, size_t len,
			   off_t offset);

/*
 * Read up to len bytes at offset, resuming after short reads and EINTR;
 * returns the count read (less than len only at the end of the file), or -1.
 */
ssize_t prov_fileio_pread_all(const prov_fileio *io, int fd, void *buf, size_t len,
			      off_t offset);

#endif
