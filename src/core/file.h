/*
 * Files the library reads and writes for state.
 *
 * Writes are atomic: a reader (or a restart after a crash or power loss) sees
 * either the old file or the new one, never a mix. Files are created 0600 and
 * directories 0700: state is private to the user. Every descriptor opened
 * here is close-on-exec.
 */
#ifndef PROV_CORE_FILE_H
#define PROV_CORE_FILE_H

#include "core/fileio.h"

#include <stddef.h>

/*
 * Replace path with data: write a temporary file in the same directory,
 * fsync it, rename it over path, fsync the directory. On failure the old
 * file is untouched, the temporary file is removed, and the error names the
 * path and the step that failed.
 */
int prov_file_write_atomic(const char *path, const void *data, size_t len);

/*
 * Read a whole file into a NUL-terminated buffer (free with free()). Files
 * larger than max_size, directories and other non-regular files are refused
 * with an error that names the path.
 */
int prov_file_read(const char *path, size_t max_size, char **data, size_t *len);

/* mkdir -p with mode 0700 for the directories it creates. */
int prov_dir_create(const char *path);

/* fsync a directory, so a rename or create in it survives a power loss. */
int prov_dir_sync(const char *path);

/*
 * The same four through a file-system layer (core/fileio.h), for code whose
 * behaviour under failed writes and power loss is tested by injection.
 */
int prov_file_write_atomic_io(const prov_fileio *io, const char *path, const void *data,
			      size_t len);
int prov_file_read_io(const prov_fileio *io, const char *path, size_t max_size, char **data,
		      size_t *len);
int prov_dir_create_io(const prov_fileio *io, const char *path);
int prov_dir_sync_io(const prov_fileio *io, const char *path);

#endif
