/*
 * Helpers shared by the unit tests: temporary directories and a runner that
 * turns a check Suite into a test program.
 */
#ifndef PROV_TEST_UTIL_H
#define PROV_TEST_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fresh directory under $TMPDIR (mode 0700); remove with test_rmtree(). */
char *test_tmpdir(void);
/* rm -rf, for cleaning up test directories. */
void test_rmtree(const char *path);
/* Join two path parts into a new string (free with free()). */
char *test_path(const char *dir, const char *name);
/* Write a file with the given contents; asserts on failure. */
void test_write_file(const char *path, const char *contents);
/* Whether the tests run under valgrind (slower: shrink loops). */
bool test_under_valgrind(void);
/*
 * The shipped local provider's servers in its state directory: asserts
 * there are `expected` and no hostname twice (test-local.c; needs json-c).
 */
void test_assert_servers_created_once(const char *state_dir, int expected);
/* Run a suite and exit with meson's convention: 0 pass, 1 fail. */
int test_run_suite(Suite *suite);

#endif
