/*
 * Injected failures: the real file system, except that writes, syncs or
 * renames of chosen files fail. A failed write must leave the last good
 * state readable and name the file.
 */
#include "test-util.h"
#include "helpers.h"

#include "checkpoint/dirstore.h"
#include "core/fileio.h"

#include <errno.h>
#include <pthread.h>

enum fault { FAULT_NONE, FAULT_WRITE, FAULT_SYNC, FAULT_RENAME };

#define MAX_FDS 1024

static struct {
	prov_fileio io;
	const prov_fileio *real;
	enum fault fault;
	const char *path_part;
	char *paths[MAX_FDS];
	pthread_mutex_t mutex;
} faulty = { .mutex = PTHREAD_MUTEX_INITIALIZER };

static char *dir;

static bool strikes(enum fault fault, const char *path)
{
	return faulty.fault == fault && path && strstr(path, faulty.path_part);
}

static const char *path_of(int fd)
{
	const char *path;

	pthread_mutex_lock(&faulty.mutex);
	path = fd >= 0 && fd < MAX_FDS ? faulty.paths[fd] : NULL;
	pthread_mutex_unlock(&faulty.mutex);
	return path;
}

static int f_open(void *ctx, const char *path, int flags, mode_t mode)
{
	int fd = faulty.real->open(ctx, path, flags, mode);

	if (fd >= 0 && fd < MAX_FDS) {
		pthread_mutex_lock(&faulty.mutex);
		free(faulty.paths[fd]);
		faulty.paths[fd] = strdup(path);
		pthread_mutex_unlock(&faulty.mutex);
	}
	return fd;
}

static int f_close(void *ctx, int fd)
{
	if (fd >= 0 && fd < MAX_FDS) {
		pthread_mutex_lock(&faulty.mutex);
		free(faulty.paths[fd]);
		faulty.paths[fd] = NULL;
		pthread_mutex_unlock(&faulty.mutex);
	}
	return faulty.real->close(ctx, fd);
}

static ssize_t f_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t offset)
{
	if (strikes(FAULT_WRITE, path_of(fd))) {
		errno = EIO;
		return -1;
	}
	return faulty.real->pwrite(ctx, fd, buf, len, offset);
}

static int f_fsync(void *ctx, int fd)
{
	if (strikes(FAULT_SYNC, path_of(fd))) {
		errno = EIO;
		return -1;
	}
	return faulty.real->fsync(ctx, fd);
}

static int f_fdatasync(void *ctx, int fd)
{
	if (strikes(FAULT_SYNC, path_of(fd))) {
		errno = EIO;
		return -1;
	}
	return faulty.real->fdatasync(ctx, fd);
}

static int f_rename(void *ctx, const char *from, const char *to)
{
	if (strikes(FAULT_RENAME, to)) {
		errno = EIO;
		return -1;
	}
	return faulty.real->rename(ctx, from, to);
}

static void setup(void)
{
	dir = test_tmpdir();
	faulty.real = prov_fileio_system();
	faulty.io = *faulty.real;
	faulty.io.open = f_open;
	faulty.io.close = f_close;
	faulty.io.pwrite = f_pwrite;
	faulty.io.fsync = f_fsync;
	faulty.io.fdatasync = f_fdatasync;
	faulty.io.rename = f_rename;
	faulty.fault = FAULT_NONE;
}

static void teardown(void)
{
	for (int i = 0; i < MAX_FDS; i++) {
		free(faulty.paths[i]);
		faulty.paths[i] = NULL;
	}
	test_rmtree(dir);
	free(dir);
}

static void arm(enum fault fault, const char *path_part)
{
	faulty.fault = fault;
	faulty.path_part = path_part;
}

static prov_checkpoint_store *open_faulty(size_t journal_size)
{
	prov_checkpoint_store *store;

	ck_assert_int_eq(prov_dirstore_open(&store, &faulty.io, dir, journal_size), PROV_OK);
	return store;
}

static int save_n(prov_checkpoint_store *store, prov_checkpoint_token *token, long n)
{
	prov_checkpoint *cp = helper_checkpoint(prov_checkpoint_token_workflow_id(token), n, 300);
	int rc = prov_checkpoint_store_save(store, token, cp);

	prov_checkpoint_free(cp);
	return rc;
}

static long load_n(prov_checkpoint_store *store, const char *id)
{
	prov_checkpoint *cp;
	long n;

	ck_assert_msg(prov_checkpoint_store_load(&cp, store, id) == PROV_OK, "%s",
		      prov_error_last()->message);
	n = helper_metadata_n(cp);
	prov_checkpoint_free(cp);
	return n;
}

/* What another process would read now. */
static long load_n_elsewhere(const char *id)
{
	prov_checkpoint_store *other;
	long n;

	ck_assert_int_eq(prov_dirstore_open(&other, prov_fileio_system(), dir, 0), PROV_OK);
	n = load_n(other, id);
	prov_checkpoint_store_close(other);
	return n;
}

static void failed_journal_write_keeps_last_good_state(enum fault fault)
{
	prov_checkpoint_store *store = open_faulty(0);
	prov_checkpoint_token *token;

	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	ck_assert_int_eq(save_n(store, token, 1), PROV_OK);
	arm(fault, "/journal/");
	ck_assert_int_eq(save_n(store, token, 2), PROV_EIO);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, dir));
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "/journal/"));
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, ".log"));
	ck_assert_int_eq(load_n(store, "wf-1"), 1);
	ck_assert_int_eq(load_n_elsewhere("wf-1"), 1);
	arm(FAULT_NONE, "");
	ck_assert_int_eq(save_n(store, token, 3), PROV_OK);
	ck_assert_int_eq(load_n(store, "wf-1"), 3);
	ck_assert_int_eq(load_n_elsewhere("wf-1"), 3);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(load_n_elsewhere("wf-1"), 3);
}

START_TEST(test_a_failed_journal_write_keeps_the_last_good_state_and_names_the_file)
{
	failed_journal_write_keeps_last_good_state(FAULT_WRITE);
}
END_TEST

START_TEST(test_a_failed_journal_sync_keeps_the_last_good_state_and_names_the_file)
{
	failed_journal_write_keeps_last_good_state(FAULT_SYNC);
}
END_TEST

START_TEST(test_a_failed_snapshot_write_keeps_the_workflow_owned)
{
	prov_checkpoint_store *store = open_faulty(0);
	prov_checkpoint_token *token;

	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	ck_assert_int_eq(save_n(store, token, 1), PROV_OK);
	arm(FAULT_RENAME, "/checkpoints/");
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_EIO);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "checkpoints/wf-1.json"));
	ck_assert_int_eq(helper_count_entries(dir, "checkpoints"), 0);
	ck_assert_int_eq(save_n(store, token, 2), PROV_OK);
	ck_assert_int_eq(load_n_elsewhere("wf-1"), 2);
	arm(FAULT_NONE, "");
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	ck_assert_int_eq(helper_count_entries(dir, "checkpoints"), 1);
	ck_assert_int_eq(load_n(store, "wf-1"), 2);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_journal_that_cannot_be_compacted_grows_and_loses_nothing)
{
	prov_checkpoint_store *store = open_faulty(2 * 4096);
	prov_checkpoint_token *token;

	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	arm(FAULT_RENAME, "/checkpoints/");
	for (long n = 0; n < 60; n++)
		ck_assert_msg(save_n(store, token, n) == PROV_OK, "%s", prov_error_last()->message);
	ck_assert_int_eq(helper_count_entries(dir, "checkpoints"), 0);
	ck_assert_int_eq(load_n_elsewhere("wf-1"), 59);
	arm(FAULT_NONE, "");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(helper_count_entries(dir, "checkpoints"), 1);
	ck_assert_int_eq(load_n_elsewhere("wf-1"), 59);
}
END_TEST

START_TEST(test_a_failed_lock_file_write_refuses_the_acquire)
{
	prov_checkpoint_store *store = open_faulty(0);
	prov_checkpoint_token *token;

	arm(FAULT_SYNC, "/locks/");
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_EIO);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "locks/wf-1.lock"));
	ck_assert_ptr_null(token);
	arm(FAULT_NONE, "");
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-faults");
	TCase *tc = tcase_create("faults");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_failed_journal_write_keeps_the_last_good_state_and_names_the_file);
	tcase_add_test(tc, test_a_failed_journal_sync_keeps_the_last_good_state_and_names_the_file);
	tcase_add_test(tc, test_a_failed_snapshot_write_keeps_the_workflow_owned);
	tcase_add_test(tc, test_a_journal_that_cannot_be_compacted_grows_and_loses_nothing);
	tcase_add_test(tc, test_a_failed_lock_file_write_refuses_the_acquire);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
