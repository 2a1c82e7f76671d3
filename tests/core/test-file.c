#include "test-util.h"

#include "core/file.h"
#include "core/err.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

static char *dir;

static void setup(void)
{
	dir = test_tmpdir();
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(test_atomic_write_creates_private_file)
{
	char *path = test_path(dir, "state.json");
	struct stat st;
	char *data;
	size_t len;

	ck_assert_int_eq(prov_file_write_atomic(path, "{\"a\":1}", 7), PROV_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(prov_file_read(path, 1 << 20, &data, &len), PROV_OK);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(data, "{\"a\":1}");
	free(data);
	free(path);
}
END_TEST

START_TEST(test_atomic_write_replaces_and_leaves_no_temporary)
{
	char *path = test_path(dir, "state.json");
	char *data;
	size_t len;

	ck_assert_int_eq(prov_file_write_atomic(path, "old", 3), PROV_OK);
	ck_assert_int_eq(prov_file_write_atomic(path, "new contents", 12), PROV_OK);
	ck_assert_int_eq(prov_file_read(path, 100, &data, &len), PROV_OK);
	ck_assert_str_eq(data, "new contents");
	ck_assert_int_eq(count_entries(dir), 1);
	free(data);
	free(path);
}
END_TEST

START_TEST(test_failed_write_keeps_old_file_and_names_path)
{
	char *target = test_path(dir, "target");
	char *inner = test_path(target, "x");
	char *data;
	size_t len;

	/* Renaming a file over a non-empty directory fails after the temporary
	 * file was fully written: the old state must survive, the temp must go. */
	ck_assert_int_eq(mkdir(target, 0700), 0);
	test_write_file(inner, "keep");
	ck_assert_int_ne(prov_file_write_atomic(target, "replacement", 11), PROV_OK);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, target));
	ck_assert_int_eq(count_entries(dir), 1);
	ck_assert_int_eq(prov_file_read(inner, 100, &data, &len), PROV_OK);
	ck_assert_str_eq(data, "keep");
	free(data);
	free(inner);
	free(target);
}
END_TEST

START_TEST(test_write_into_missing_directory_is_an_error)
{
	char *path = test_path(dir, "no/such/dir/file");

	ck_assert_int_eq(prov_file_write_atomic(path, "x", 1), PROV_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, path));
	free(path);
}
END_TEST

START_TEST(test_read_refuses_directories_and_large_files)
{
	char *path = test_path(dir, "big");
	char *data = (char *)1;
	size_t len = 99;

	ck_assert_int_eq(prov_file_read(dir, 100, &data, &len), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "is a directory"));
	ck_assert_ptr_null(data);
	test_write_file(path, "0123456789");
	ck_assert_int_eq(prov_file_read(path, 5, &data, &len), PROV_ERANGE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, path));
	ck_assert_int_eq(prov_file_read("/nonexistent/file.toml", 5, &data, &len), PROV_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "/nonexistent/file.toml"));
	free(path);
}
END_TEST

START_TEST(test_read_empty_file_gives_empty_string)
{
	char *path = test_path(dir, "empty");
	char *data;
	size_t len = 7;

	test_write_file(path, "");
	ck_assert_int_eq(prov_file_read(path, 100, &data, &len), PROV_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);
	free(path);
}
END_TEST

START_TEST(test_dir_create_makes_private_parents)
{
	char *path = test_path(dir, "a/b/c");
	char *parent = test_path(dir, "a");
	char *file = test_path(dir, "file");
	struct stat st;

	ck_assert_int_eq(prov_dir_create(path), PROV_OK);
	ck_assert_int_eq(prov_dir_create(path), PROV_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(parent, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	test_write_file(file, "x");
	ck_assert_int_eq(prov_dir_create(file), PROV_EEXISTS);
	free(path);
	free(parent);
	free(file);
}
END_TEST

/* The real file system, except that every fsync of a file fails with EIO. */
static int failing_fsync(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	errno = EIO;
	return -1;
}

START_TEST(test_atomic_write_through_a_failing_layer_keeps_old_file)
{
	prov_fileio io = *prov_fileio_system();
	char *path = test_path(dir, "state.json");
	char *data;
	size_t len;

	io.fsync = failing_fsync;
	ck_assert_int_eq(prov_file_write_atomic(path, "old", 3), PROV_OK);
	ck_assert_int_eq(prov_file_write_atomic_io(&io, path, "new", 3), PROV_EIO);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "fsync failed"));
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, path));
	ck_assert_int_eq(prov_file_read(path, 100, &data, &len), PROV_OK);
	ck_assert_str_eq(data, "old");
	ck_assert_int_eq(count_entries(dir), 1);
	free(data);
	free(path);
}
END_TEST

static Suite *file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_atomic_write_creates_private_file);
	tcase_add_test(tc, test_atomic_write_replaces_and_leaves_no_temporary);
	tcase_add_test(tc, test_failed_write_keeps_old_file_and_names_path);
	tcase_add_test(tc, test_write_into_missing_directory_is_an_error);
	tcase_add_test(tc, test_read_refuses_directories_and_large_files);
	tcase_add_test(tc, test_read_empty_file_gives_empty_string);
	tcase_add_test(tc, test_dir_create_makes_private_parents);
	tcase_add_test(tc, test_atomic_write_through_a_failing_layer_keeps_old_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(file_suite());
}
