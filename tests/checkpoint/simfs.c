#include "simfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512

enum { OP_CREATE, OP_MKDIR, OP_UNLINK, OP_RENAME };

struct inode {
	bool dir;
	mode_t mode;
	char *data;
	size_t len;
	char *durable;
	size_t durable_len;
};

struct entry {
	char *path;
	int ino;
};

struct names {
	struct entry *items;
	size_t len;
};

struct nsop {
	int type;
	char *path;
	char *to;
	int ino;
};

struct fdesc {
	bool used;
	int ino;
	char *path;
};

struct simfs {
	pthread_mutex_t mutex;
	unsigned int seed;
	struct inode *inodes;
	size_t inode_count;
	struct names current;
	struct names durable;
	struct nsop *pending;
	size_t pending_len;
	struct fdesc *fds;
	size_t fd_count;
	long changes;
	long cut_at;
	bool cut;
	prov_fileio io;
};

static void *grow_array(void *items, size_t count, size_t size)
{
	void *grown = realloc(items, (count + 1) * size);

	if (!grown)
		abort();
	return grown;
}

static char *dup_string(const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		abort();
	return copy;
}

/* ------------------------------------------------------------------ */
/* Namespaces                                                          */
/* ------------------------------------------------------------------ */

static int name_find(const struct names *n, const char *path)
{
	for (size_t i = 0; i < n->len; i++)
		if (strcmp(n->items[i].path, path) == 0)
			return (int)i;
	return -1;
}

static void name_remove(struct names *n, const char *path)
{
	int i = name_find(n, path);

	if (i < 0)
		return;
	free(n->items[i].path);
	n->items[i] = n->items[--n->len];
}

static void name_set(struct names *n, const char *path, int ino)
{
	int i = name_find(n, path);

	if (i >= 0) {
		n->items[i].ino = ino;
		return;
	}
	n->items = grow_array(n->items, n->len, sizeof(*n->items));
	n->items[n->len].path = dup_string(path);
	n->items[n->len++].ino = ino;
}

static void names_copy(struct names *dst, const struct names *src)
{
	while (dst->len)
		name_remove(dst, dst->items[0].path);
	for (size_t i = 0; i < src->len; i++)
		name_set(dst, src->items[i].path, src->items[i].ino);
}

static void names_release(struct names *n)
{
	while (n->len)
		name_remove(n, n->items[0].path);
	free(n->items);
}

static void apply_op(struct names *n, const struct nsop *op)
{
	int i;

	switch (op->type) {
	case OP_CREATE:
	case OP_MKDIR:
		name_set(n, op->path, op->ino);
		break;
	case OP_UNLINK:
		name_remove(n, op->path);
		break;
	default:
		i = name_find(n, op->path);
		if (i < 0)
			break;
		name_remove(n, op->to);
		i = name_find(n, op->path);
		free(n->items[i].path);
		n->items[i].path = dup_string(op->to);
	}
}

/* The length of the directory part of a path. */
static size_t parent_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

static bool op_touches(const struct nsop *op, const char *dir)
{
	size_t n = strlen(dir);

	return (parent_len(op->path) == n && strncmp(op->path, dir, n) == 0) ||
	       (op->to && parent_len(op->to) == n && strncmp(op->to, dir, n) == 0);
}

static void record_op(simfs *fs, int type, const char *path, const char *to, int ino)
{
	struct nsop *op;

	fs->pending = grow_array(fs->pending, fs->pending_len, sizeof(*fs->pending));
	op = &fs->pending[fs->pending_len++];
	op->type = type;
	op->path = dup_string(path);
	op->to = to ? dup_string(to) : NULL;
	op->ino = ino;
	apply_op(&fs->current, op);
}

/* Make the first `count` pending namespace changes durable. */
static void commit_ops(simfs *fs, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		apply_op(&fs->durable, &fs->pending[i]);
		free(fs->pending[i].path);
		free(fs->pending[i].to);
	}
	memmove(fs->pending, fs->pending + count, (fs->pending_len - count) * sizeof(*fs->pending));
	fs->pending_len -= count;
}

/* ------------------------------------------------------------------ */
/* Power                                                               */
/* ------------------------------------------------------------------ */

static int fail(int err)
{
	errno = err;
	return -1;
}

/* Every call that changes something passes here; false once the power is off. */
static bool power_for_change(simfs *fs)
{
	if (fs->cut)
		return false;
	fs->changes++;
	if (fs->cut_at >= 0 && fs->changes >= fs->cut_at)
		fs->cut = true;
	return !fs->cut;
}

static int lookup(simfs *fs, const char *path)
{
	int i = name_find(&fs->current, path);

	return i < 0 ? -1 : fs->current.items[i].ino;
}

static bool parent_exists(simfs *fs, const char *path)
{
	size_t n = parent_len(path);
	char *parent;
	int ino;

	if (n == 0)
		return true;
	parent = strndup(path, n);
	if (!parent)
		abort();
	ino = lookup(fs, parent);
	free(parent);
	return n == 0 || (ino >= 0 && fs->inodes[ino].dir);
}

static int new_inode(simfs *fs, bool dir, mode_t mode)
{
	fs->inodes = grow_array(fs->inodes, fs->inode_count, sizeof(*fs->inodes));
	memset(&fs->inodes[fs->inode_count], 0, sizeof(*fs->inodes));
	fs->inodes[fs->inode_count].dir = dir;
	fs->inodes[fs->inode_count].mode = mode;
	return (int)fs->inode_count++;
}

static int new_fd(simfs *fs, int ino, const char *path)
{
	size_t i;

	for (i = 0; i < fs->fd_count && fs->fds[i].used; i++)
		;
	if (i == fs->fd_count) {
		fs->fds = grow_array(fs->fds, fs->fd_count, sizeof(*fs->fds));
		fs->fd_count++;
	}
	fs->fds[i].used = true;
	fs->fds[i].ino = ino;
	fs->fds[i].path = dup_string(path);
	return (int)i + 3;
}

static struct fdesc *get_fd(simfs *fs, int fd)
{
	if (fd < 3 || (size_t)(fd - 3) >= fs->fd_count || !fs->fds[fd - 3].used)
		return NULL;
	return &fs->fds[fd - 3];
}

/* ------------------------------------------------------------------ */
/* The layer's calls                                                   */
/* ------------------------------------------------------------------ */

#define LOCKED(fs, expr) \
	do { \
		int locked_rc_; \
		pthread_mutex_lock(&(fs)->mutex); \
		locked_rc_ = (expr); \
		pthread_mutex_unlock(&(fs)->mutex); \
		return locked_rc_; \
	} while (0)

static int do_open(simfs *fs, const char *path, int flags, mode_t mode)
{
	int ino;

	if (fs->cut)
		return fail(EIO);
	ino = lookup(fs, path);
	if (ino >= 0 && (flags & O_CREAT) && (flags & O_EXCL))
		return fail(EEXIST);
	if (ino < 0 && !(flags & O_CREAT))
		return fail(ENOENT);
	if (ino < 0) {
		if (!parent_exists(fs, path))
			return fail(ENOENT);
		if (!power_for_change(fs))
			return fail(EIO);
		ino = new_inode(fs, false, mode);
		record_op(fs, OP_CREATE, path, NULL, ino);
	}
	if ((flags & O_DIRECTORY) && !fs->inodes[ino].dir)
		return fail(ENOTDIR);
	if (fs->inodes[ino].dir && (flags & O_ACCMODE) != O_RDONLY)
		return fail(EISDIR);
	return new_fd(fs, ino, path);
}

static int sim_open(void *ctx, const char *path, int flags, mode_t mode)
{
	LOCKED((simfs *)ctx, do_open(ctx, path, flags, mode));
}

static int do_close(simfs *fs, int fd)
{
	struct fdesc *d = get_fd(fs, fd);

	if (!d)
		return fail(EBADF);
	d->used = false;
	free(d->path);
	return 0;
}

static int sim_close(void *ctx, int fd)
{
	LOCKED((simfs *)ctx, do_close(ctx, fd));
}

static ssize_t do_pread(simfs *fs, int fd, void *buf, size_t len, off_t offset)
{
	struct fdesc *d = get_fd(fs, fd);
	struct inode *in;

	if (fs->cut)
		return fail(EIO);
	if (!d)
		return fail(EBADF);
	in = &fs->inodes[d->ino];
	if ((size_t)offset >= in->len)
		return 0;
	if (len > in->len - (size_t)offset)
		len = in->len - (size_t)offset;
	memcpy(buf, in->data + offset, len);
	return (ssize_t)len;
}

static ssize_t sim_pread(void *ctx, int fd, void *buf, size_t len, off_t offset)
{
	LOCKED((simfs *)ctx, (int)do_pread(ctx, fd, buf, len, offset));
}

static ssize_t do_pwrite(simfs *fs, int fd, const void *buf, size_t len, off_t offset)
{
	struct fdesc *d = get_fd(fs, fd);
	struct inode *in;
	size_t end = (size_t)offset + len;

	if (!d)
		return fail(EBADF);
	if (!power_for_change(fs))
		return fail(EIO);
	in = &fs->inodes[d->ino];
	if (end > in->len) {
		in->data = realloc(in->data, end);
		if (!in->data)
			abort();
		memset(in->data + in->len, 0, end - in->len);
		in->len = end;
	}
	memcpy(in->data + offset, buf, len);
	return (ssize_t)len;
}

static ssize_t sim_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t offset)
{
	LOCKED((simfs *)ctx, (int)do_pwrite(ctx, fd, buf, len, offset));
}

static int do_sync(simfs *fs, int fd)
{
	struct fdesc *d = get_fd(fs, fd);
	struct inode *in;
	size_t last = 0;

	if (!d)
		return fail(EBADF);
	if (!power_for_change(fs))
		return fail(EIO);
	in = &fs->inodes[d->ino];
	if (in->dir) {
		for (size_t i = 0; i < fs->pending_len; i++)
			if (op_touches(&fs->pending[i], d->path))
				last = i + 1;
		commit_ops(fs, last);
		return 0;
	}
	free(in->durable);
	in->durable = malloc(in->len ? in->len : 1);
	if (!in->durable)
		abort();
	memcpy(in->durable, in->data, in->len);
	in->durable_len = in->len;
	return 0;
}

static int sim_sync(void *ctx, int fd)
{
	LOCKED((simfs *)ctx, do_sync(ctx, fd));
}

static void fill_stat(simfs *fs, int ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = (ino_t)ino + 1;
	st->st_mode = (fs->inodes[ino].dir ? S_IFDIR : S_IFREG) | fs->inodes[ino].mode;
	st->st_size = (off_t)fs->inodes[ino].len;
	st->st_nlink = 1;
}

static int do_fstat(simfs *fs, int fd, struct stat *st)
{
	struct fdesc *d = get_fd(fs, fd);

	if (fs->cut)
		return fail(EIO);
	if (!d)
		return fail(EBADF);
	fill_stat(fs, d->ino, st);
	return 0;
}

static int sim_fstat(void *ctx, int fd, struct stat *st)
{
	LOCKED((simfs *)ctx, do_fstat(ctx, fd, st));
}

static int do_stat(simfs *fs, const char *path, struct stat *st)
{
	int ino = lookup(fs, path);

	if (fs->cut)
		return fail(EIO);
	if (ino < 0)
		return fail(ENOENT);
	fill_stat(fs, ino, st);
	return 0;
}

static int sim_stat(void *ctx, const char *path, struct stat *st)
{
	LOCKED((simfs *)ctx, do_stat(ctx, path, st));
}

static int do_rename(simfs *fs, const char *from, const char *to)
{
	int ino = lookup(fs, from), target = lookup(fs, to);

	if (ino < 0)
		return fail(ENOENT);
	if (target >= 0 && fs->inodes[target].dir)
		return fail(EISDIR);
	if (!power_for_change(fs))
		return fail(EIO);
	record_op(fs, OP_RENAME, from, to, ino);
	return 0;
}

static int sim_rename(void *ctx, const char *from, const char *to)
{
	LOCKED((simfs *)ctx, do_rename(ctx, from, to));
}

static int do_unlink(simfs *fs, const char *path)
{
	int ino = lookup(fs, path);

	if (ino < 0)
		return fail(fs->cut ? EIO : ENOENT);
	if (fs->inodes[ino].dir)
		return fail(EISDIR);
	if (!power_for_change(fs))
		return fail(EIO);
	record_op(fs, OP_UNLINK, path, NULL, ino);
	return 0;
}

static int sim_unlink(void *ctx, const char *path)
{
	LOCKED((simfs *)ctx, do_unlink(ctx, path));
}

static int do_mkdir(simfs *fs, const char *path, mode_t mode)
{
	if (fs->cut)
		return fail(EIO);
	if (lookup(fs, path) >= 0)
		return fail(EEXIST);
	if (!parent_exists(fs, path))
		return fail(ENOENT);
	if (!power_for_change(fs))
		return fail(EIO);
	record_op(fs, OP_MKDIR, path, NULL, new_inode(fs, true, mode));
	return 0;
}

static int sim_mkdir(void *ctx, const char *path, mode_t mode)
{
	LOCKED((simfs *)ctx, do_mkdir(ctx, path, mode));
}

static int sim_lock(void *ctx, int fd)
{
	simfs *fs = ctx;
	int rc;

	pthread_mutex_lock(&fs->mutex);
	rc = fs->cut ? fail(EIO) : get_fd(fs, fd) ? 0 : fail(EBADF);
	pthread_mutex_unlock(&fs->mutex);
	return rc;
}

/* The names in dir, copied so `each` runs without the mutex. */
static int do_list(simfs *fs, const char *dir, char ***names, size_t *count)
{
	size_t n = strlen(dir);
	int ino = lookup(fs, dir);

	*names = NULL;
	*count = 0;
	if (fs->cut)
		return fail(EIO);
	if (ino < 0 || !fs->inodes[ino].dir)
		return fail(ENOENT);
	for (size_t i = 0; i < fs->current.len; i++) {
		const char *path = fs->current.items[i].path;

		if (parent_len(path) == n && strncmp(path, dir, n) == 0) {
			*names = grow_array(*names, *count, sizeof(**names));
			(*names)[(*count)++] = dup_string(path + n + 1);
		}
	}
	return 0;
}

static int sim_list_dir(void *ctx, const char *dir, int (*each)(const char *name, void *userdata),
			void *userdata)
{
	simfs *fs = ctx;
	char **names;
	size_t count;
	int rc;

	pthread_mutex_lock(&fs->mutex);
	rc = do_list(fs, dir, &names, &count);
	pthread_mutex_unlock(&fs->mutex);
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = each(names[i], userdata);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* ------------------------------------------------------------------ */

simfs *simfs_new(unsigned int seed)
{
	simfs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		abort();
	pthread_mutex_init(&fs->mutex, NULL);
	fs->seed = seed;
	fs->cut_at = -1;
	fs->io = (prov_fileio){
		.open = sim_open, .close = sim_close, .pread = sim_pread, .pwrite = sim_pwrite,
		.fsync = sim_sync, .fdatasync = sim_sync, .fstat = sim_fstat, .stat = sim_stat,
		.rename = sim_rename, .unlink = sim_unlink, .mkdir = sim_mkdir, .lock = sim_lock,
		.list_dir = sim_list_dir, .ctx = fs,
	};
	return fs;
}

const prov_fileio *simfs_io(simfs *fs)
{
	return &fs->io;
}

long simfs_changes(simfs *fs)
{
	return fs->changes;
}

void simfs_cut_after(simfs *fs, long n)
{
	fs->cut_at = fs->changes + n;
}

int simfs_is_cut(simfs *fs)
{
	return fs->cut;
}

/* What a sector of unsynced data holds after the power came back. */
static void tear_sector(simfs *fs, struct inode *in, char *out, size_t at, size_t len)
{
	char before[SECTOR] = { 0 }, after[SECTOR] = { 0 };
	int choice;

	if (at < in->durable_len)
		memcpy(before, in->durable + at,
		       in->durable_len - at < len ? in->durable_len - at : len);
	if (at < in->len)
		memcpy(after, in->data + at, in->len - at < len ? in->len - at : len);
	choice = memcmp(before, after, len) == 0 ? 0 : (int)(rand_r(&fs->seed) % 3);
	if (choice == 2) {
		for (size_t i = 0; i < len; i++)
			out[at + i] = (char)rand_r(&fs->seed);
		return;
	}
	memcpy(out + at, choice == 0 ? before : after, len);
}

static void tear_inode(simfs *fs, struct inode *in)
{
	size_t len = rand_r(&fs->seed) % 2 ? in->len : in->durable_len;
	char *out = malloc(len ? len : 1);

	if (!out)
		abort();
	for (size_t at = 0; at < len; at += SECTOR)
		tear_sector(fs, in, out, at, len - at < SECTOR ? len - at : SECTOR);
	free(in->data);
	free(in->durable);
	in->data = out;
	in->len = len;
	in->durable = malloc(len ? len : 1);
	if (!in->durable)
		abort();
	memcpy(in->durable, out, len);
	in->durable_len = len;
}

void simfs_crash(simfs *fs)
{
	pthread_mutex_lock(&fs->mutex);
	commit_ops(fs, fs->pending_len ? rand_r(&fs->seed) % (fs->pending_len + 1) : 0);
	for (size_t i = 0; i < fs->pending_len; i++) {
		free(fs->pending[i].path);
		free(fs->pending[i].to);
	}
	fs->pending_len = 0;
	names_copy(&fs->current, &fs->durable);
	for (size_t i = 0; i < fs->inode_count; i++)
		if (!fs->inodes[i].dir)
			tear_inode(fs, &fs->inodes[i]);
	for (size_t i = 0; i < fs->fd_count; i++)
		if (fs->fds[i].used)
			do_close(fs, (int)i + 3);
	fs->cut = false;
	fs->cut_at = -1;
	pthread_mutex_unlock(&fs->mutex);
}

void simfs_free(simfs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->inode_count; i++) {
		free(fs->inodes[i].data);
		free(fs->inodes[i].durable);
	}
	free(fs->inodes);
	names_release(&fs->current);
	names_release(&fs->durable);
	commit_ops(fs, 0);
	for (size_t i = 0; i < fs->pending_len; i++) {
		free(fs->pending[i].path);
		free(fs->pending[i].to);
	}
	free(fs->pending);
	for (size_t i = 0; i < fs->fd_count; i++)
		if (fs->fds[i].used)
			free(fs->fds[i].path);
	free(fs->fds);
	pthread_mutex_destroy(&fs->mutex);
	free(fs);
}
