/* The directory store on a real file system: contents, files, ownership, damage. */
#include "test-util.h"
#include "helpers.h"

#include "checkpoint/dirstore.h"
#include "core/fileio.h"

#include <provisioning/version.h>

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

static prov_checkpoint_store *open_store(size_t journal_size)
{
	prov_checkpoint_store *store;

	ck_assert_msg(prov_dirstore_open(&store, prov_fileio_system(), dir, journal_size) == PROV_OK,
		      "%s", prov_error_last()->message);
	return store;
}

static prov_checkpoint_token *acquire(prov_checkpoint_store *store, const char *id)
{
	prov_checkpoint_token *token;

	ck_assert_msg(prov_checkpoint_store_acquire(&token, store, id) == PROV_OK, "%s",
		      prov_error_last()->message);
	return token;
}

static void save(prov_checkpoint_store *store, prov_checkpoint_token *token, long n)
{
	prov_checkpoint *cp = helper_checkpoint(prov_checkpoint_token_workflow_id(token), n, 100);

	ck_assert_msg(prov_checkpoint_store_save(store, token, cp) == PROV_OK, "%s",
		      prov_error_last()->message);
	prov_checkpoint_free(cp);
}

static void record(prov_checkpoint_store *store, prov_checkpoint_token *token, const char *op,
		   const char *status)
{
	prov_operation_record *r = helper_record(op, status, 1, 10, 1);

	ck_assert_msg(prov_checkpoint_store_record(store, token, r) == PROV_OK, "%s",
		      prov_error_last()->message);
	prov_operation_record_free(r);
}

static prov_checkpoint *load(prov_checkpoint_store *store, const char *id)
{
	prov_checkpoint *cp;

	ck_assert_msg(prov_checkpoint_store_load(&cp, store, id) == PROV_OK, "%s",
		      prov_error_last()->message);
	return cp;
}

static long load_n(prov_checkpoint_store *store, const char *id)
{
	prov_checkpoint *cp = load(store, id);
	long n = helper_metadata_n(cp);

	prov_checkpoint_free(cp);
	return n;
}

START_TEST(test_saved_checkpoint_loads_back)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");
	prov_checkpoint *cp = helper_checkpoint("wf-1", 42, 500), *back;

	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_OK);
	back = load(store, "wf-1");
	helper_assert_same_checkpoint(back, cp);
	ck_assert_int_eq(prov_checkpoint_revision(back), 1);
	prov_checkpoint_free(cp);
	prov_checkpoint_free(back);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_operation_records_are_folded_on_load)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");
	prov_checkpoint *cp;
	prov_rollback_stack *stack;

	save(store, token, 1);
	record(store, token, "db", "completed");
	record(store, token, "web", "failed");
	cp = load(store, "wf-1");
	ck_assert_int_eq(prov_checkpoint_step(cp), 1);
	ck_assert_str_eq(prov_checkpoint_completed_at(cp, 0), "db");
	ck_assert_str_eq(prov_checkpoint_operation_status(cp, "web"), "failed");
	ck_assert_int_eq(prov_checkpoint_get_rollback_stack(&stack, cp), PROV_OK);
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 2);
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 0), "op"), "web");
	ck_assert_int_eq(prov_checkpoint_revision(cp), 3);
	prov_rollback_stack_free(stack);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_closed_store_leaves_private_plain_json_snapshots)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");
	char *path = test_path(dir, "checkpoints/wf-1.json"), *text;
	prov_checkpoint *from_file;
	size_t len;
	FILE *f;

	save(store, token, 5);
	record(store, token, "db", "completed");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(helper_count_entries(dir, "journal"), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 1 << 16);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	ck_assert_int_eq(prov_checkpoint_from_json(&from_file, text, len), PROV_OK);
	ck_assert_str_eq(prov_checkpoint_completed_at(from_file, 0), "db");
	ck_assert_int_eq(helper_metadata_n(from_file), 5);
	ck_assert(helper_private_tree(dir));
	prov_checkpoint_free(from_file);
	free(text);
	free(path);
}
END_TEST

START_TEST(test_unknown_workflow_is_not_found)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint *cp;

	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-none"), PROV_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "no checkpoint for workflow wf-none"));
	ck_assert_str_eq(prov_error_last()->workflow_id, "wf-none");
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_invalid_ids_are_refused_before_touching_files)
{
	prov_checkpoint_store *store = open_store(0);
	char *locks = test_path(dir, "locks");
	prov_checkpoint_token *token;
	prov_checkpoint *cp;

	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "../escape"), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "invalid workflow id"));
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, ".lock"), PROV_EINVAL);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, ""), PROV_EINVAL);
	/* No lock file; the store makes locks/ itself only on a first acquire. */
	ck_assert(access(locks, F_OK) != 0 || helper_count_entries(dir, "locks") == 0);
	free(locks);
	prov_checkpoint_store_close(store);
}
END_TEST

static prov_checkpoint_list *list(prov_checkpoint_store *store, const char *prefix,
				  const char *after, size_t limit)
{
	prov_checkpoint_list_options options = PROV_CHECKPOINT_LIST_OPTIONS_INIT;
	prov_checkpoint_list *l;

	options.prefix = prefix;
	options.after = after;
	options.limit = limit;
	ck_assert_int_eq(prov_checkpoint_store_list(&l, store, &options), PROV_OK);
	return l;
}

START_TEST(test_list_sorts_filters_and_pages)
{
	prov_checkpoint_store *store = open_store(0);
	const char *ids[] = { "wf-c", "wf-a", "other", "wf-b", "wf-d" };
	prov_checkpoint_list *l;

	for (int i = 0; i < 5; i++) {
		prov_checkpoint_token *token = acquire(store, ids[i]);

		save(store, token, i);
		if (i % 2)
			ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
		prov_checkpoint_token_free(token);
	}
	l = list(store, "wf-", NULL, 2);
	ck_assert_uint_eq(prov_checkpoint_list_count(l), 2);
	ck_assert_str_eq(prov_checkpoint_list_id_at(l, 0), "wf-a");
	ck_assert_str_eq(prov_checkpoint_list_id_at(l, 1), "wf-b");
	ck_assert_ptr_null(prov_checkpoint_list_error_at(l, 0));
	ck_assert_int_eq(strlen(prov_checkpoint_list_timestamp_at(l, 0)), 24);
	ck_assert_str_eq(prov_checkpoint_list_next(l), "wf-b");
	prov_checkpoint_list_free(l);
	l = list(store, "wf-", "wf-b", 2);
	ck_assert_uint_eq(prov_checkpoint_list_count(l), 2);
	ck_assert_str_eq(prov_checkpoint_list_id_at(l, 0), "wf-c");
	ck_assert_str_eq(prov_checkpoint_list_id_at(l, 1), "wf-d");
	ck_assert_ptr_null(prov_checkpoint_list_next(l));
	prov_checkpoint_list_free(l);
	l = list(store, NULL, NULL, 0);
	ck_assert_uint_eq(prov_checkpoint_list_count(l), 5);
	ck_assert_str_eq(prov_checkpoint_list_id_at(l, 0), "other");
	prov_checkpoint_list_free(l);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_deleted_workflow_stays_deleted)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");
	prov_checkpoint *cp;
	prov_checkpoint_list *l;

	save(store, token, 1);
	ck_assert_int_eq(prov_checkpoint_store_delete(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-1"), PROV_ENOTFOUND);
	ck_assert_int_eq(prov_checkpoint_store_delete(store, token), PROV_ENOTFOUND);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	store = open_store(0);
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-1"), PROV_ENOTFOUND);
	l = list(store, NULL, NULL, 0);
	ck_assert_uint_eq(prov_checkpoint_list_count(l), 0);
	prov_checkpoint_list_free(l);
	ck_assert_int_eq(helper_count_entries(dir, "checkpoints"), 0);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_released_token_is_stale)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");
	prov_checkpoint *cp = helper_checkpoint("wf-1", 2, 0);
	prov_operation_record *r = helper_record("db", "completed", 0, 0, 0);

	save(store, token, 1);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_ESTALE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "stale"));
	ck_assert_int_eq(prov_checkpoint_store_record(store, token, r), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_delete(store, token), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_ESTALE);
	ck_assert_int_eq(load_n(store, "wf-1"), 1);
	prov_operation_record_free(r);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_superseded_token_is_stale)
{
	prov_checkpoint_store *store = open_store(0), *other = open_store(0);
	prov_checkpoint_token *old = acquire(store, "wf-1"), *current;
	prov_checkpoint *cp = helper_checkpoint("wf-1", 9, 0);

	save(store, old, 1);
	ck_assert_int_eq(prov_checkpoint_store_release(store, old), PROV_OK);
	current = acquire(other, "wf-1");
	ck_assert_int_eq(prov_checkpoint_store_save(store, old, cp), PROV_ESTALE);
	ck_assert_int_eq(prov_checkpoint_store_save(other, old, cp), PROV_ESTALE);
	save(other, current, 2);
	ck_assert_int_eq(prov_checkpoint_store_release(other, current), PROV_OK);
	prov_checkpoint_token_free(current);
	current = acquire(store, "wf-1");
	ck_assert_int_eq(prov_checkpoint_store_save(store, old, cp), PROV_ESTALE);
	save(store, current, 3);
	ck_assert_int_eq(load_n(other, "wf-1"), 3);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(old);
	prov_checkpoint_token_free(current);
	prov_checkpoint_store_close(store);
	prov_checkpoint_store_close(other);
}
END_TEST

START_TEST(test_a_token_must_match_the_checkpoint)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1"), *forged;
	prov_checkpoint *cp = helper_checkpoint("wf-2", 1, 0);

	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "must be of workflow wf-1"));
	ck_assert_int_eq(prov_checkpoint_token_new(&forged, "wf-2", "1@0000000000000000"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_save(store, forged, cp), PROV_ESTALE);
	prov_checkpoint_token_free(forged);
	prov_checkpoint_token_free(token);
	prov_checkpoint_free(cp);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_one_workflow_has_one_owner_in_a_process)
{
	prov_checkpoint_store *store = open_store(0), *other = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1"), *second;
	char pid[32];

	snprintf(pid, sizeof(pid), "process %ld", (long)getpid());
	ck_assert_int_eq(prov_checkpoint_store_acquire(&second, store, "wf-1"), PROV_EBUSY);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&second, other, "wf-1"), PROV_EBUSY);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, pid));
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "locks/wf-1.lock"));
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	token = acquire(other, "wf-1");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	prov_checkpoint_store_close(other);
}
END_TEST

START_TEST(test_a_second_process_is_told_who_holds_the_workflow)
{
	int ready[2], done[2];
	pid_t child;
	char byte, pid[32];
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	int status;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(done), 0);
	child = fork();
	if (child == 0) {
		prov_checkpoint_store *mine;
		prov_checkpoint_token *held;

		if (prov_dirstore_open(&mine, prov_fileio_system(), dir, 0) != PROV_OK ||
		    prov_checkpoint_store_acquire(&held, mine, "wf-1") != PROV_OK)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		(void)!read(done[0], &byte, 1);
		_exit(0);
	}
	ck_assert_int_ge(child, 0);
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	store = open_store(0);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_EBUSY);
	snprintf(pid, sizeof(pid), "owned by process %ld", (long)child);
	ck_assert_msg(strstr(prov_error_last()->message, pid), "%s", prov_error_last()->message);
	ck_assert_int_eq(write(done[1], "d", 1), 1);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	token = acquire(store, "wf-1");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(done[i]);
	}
}
END_TEST

START_TEST(test_a_damaged_snapshot_is_named_and_spares_the_others)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "good");
	char *bad = test_path(dir, "checkpoints/bad.json"), *stray = test_path(dir, "checkpoints/x.txt");
	char *hidden = test_path(dir, "checkpoints/.hidden.json");
	char *junk = test_path(dir, "journal/notes"), *fake = test_path(dir, "journal/0123456789abcdef.log");
	prov_checkpoint *cp;
	prov_checkpoint_list *l;

	save(store, token, 7);
	test_write_file(bad, "{\"workflow_id\": \"bad\", \"step\": ");
	test_write_file(stray, "not a checkpoint");
	test_write_file(hidden, "{}");
	test_write_file(junk, "scribbles");
	test_write_file(fake, "PROVCKJ1 but not really");
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "bad"), PROV_ESTORE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, bad));
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "damaged checkpoint file"));
	ck_assert_int_eq(load_n(store, "good"), 7);
	l = list(store, NULL, NULL, 0);
	ck_assert_uint_eq(prov_checkpoint_list_count(l), 2);
	ck_assert_str_eq(prov_checkpoint_list_id_at(l, 0), "bad");
	ck_assert_ptr_nonnull(strstr(prov_checkpoint_list_error_at(l, 0), bad));
	ck_assert_ptr_null(prov_checkpoint_list_error_at(l, 1));
	prov_checkpoint_list_free(l);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	free(bad);
	free(stray);
	free(hidden);
	free(junk);
	free(fake);
}
END_TEST

START_TEST(test_a_snapshot_holding_another_workflow_is_damaged)
{
	prov_checkpoint_store *store = open_store(0);
	char *snapshots = test_path(dir, "checkpoints"), *path = test_path(dir, "checkpoints/wf-a.json");
	prov_checkpoint *cp;

	ck_assert_int_eq(mkdir(snapshots, 0700), 0);
	test_write_file(path, "{\"workflow_id\":\"wf-b\"}");
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-a"), PROV_ESTORE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "holds workflow wf-b, not wf-a"));
	prov_checkpoint_store_close(store);
	free(snapshots);
	free(path);
}
END_TEST

START_TEST(test_a_damaged_lock_file_is_named)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");
	char *path = test_path(dir, "locks/wf-1.lock");
	prov_checkpoint *cp;

	save(store, token, 1);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	test_write_file(path, "generation=banana");
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_ESTORE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, path));
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "damaged lock file"));
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-1"), PROV_ESTORE);
	prov_checkpoint_store_close(store);
	free(path);
}
END_TEST

START_TEST(test_many_writes_through_a_small_journal_lose_nothing)
{
	prov_checkpoint_store *store = open_store(2 * 4096);
	const char *ids[] = { "wf-a", "wf-b", "wf-c" };
	prov_checkpoint_token *tokens[3];
	prov_checkpoint *model[3];

	for (int w = 0; w < 3; w++) {
		tokens[w] = acquire(store, ids[w]);
		model[w] = helper_checkpoint(ids[w], w, 50);
		ck_assert_int_eq(prov_checkpoint_store_save(store, tokens[w], model[w]), PROV_OK);
	}
	for (int i = 0; i < 300; i++) {
		int w = i % 3;
		char op[16];
		prov_operation_record *r;

		snprintf(op, sizeof(op), "op-%d", i);
		r = helper_record(op, "completed", i, (size_t)(i * 37) % 2000, 1);
		ck_assert_int_eq(prov_checkpoint_store_record(store, tokens[w], r), PROV_OK);
		ck_assert_int_eq(prov_checkpoint_apply_record(model[w], r), PROV_OK);
		prov_operation_record_free(r);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int w = 0; w < 3; w++) {
			prov_checkpoint *back = load(store, ids[w]);

			helper_assert_same_checkpoint(back, model[w]);
			ck_assert_int_eq(prov_checkpoint_step(back), 100);
			prov_checkpoint_free(back);
			if (pass == 0)
				prov_checkpoint_token_free(tokens[w]);
		}
		prov_checkpoint_store_close(store);
		store = open_store(0);
	}
	for (int w = 0; w < 3; w++)
		prov_checkpoint_free(model[w]);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_a_checkpoint_larger_than_the_journal_grows_it)
{
	prov_checkpoint_store *store = open_store(2 * 4096);
	prov_checkpoint_token *token = acquire(store, "wf-big");
	prov_checkpoint *cp = helper_checkpoint("wf-big", 3, 200000), *back;

	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_OK);
	back = load(store, "wf-big");
	ck_assert_int_eq(helper_metadata_n(back), 3);
	prov_checkpoint_free(back);
	prov_checkpoint_free(cp);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_recording_an_operation_leaves_the_snapshot_alone)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");
	char *path = test_path(dir, "checkpoints/wf-1.json");
	struct stat before, after;

	save(store, token, 1);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	ck_assert_int_eq(stat(path, &before), 0);
	token = acquire(store, "wf-1");
	for (int i = 0; i < 50; i++)
		record(store, token, "op", "completed");
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_uint_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(before.st_size, after.st_size);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	free(path);
}
END_TEST

START_TEST(test_what_a_crashed_process_wrote_is_read_and_recovered)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	pid_t child = fork();
	int status;

	if (child == 0) {
		prov_checkpoint_store *dying;
		prov_checkpoint_token *held;
		prov_checkpoint *cp = helper_checkpoint_or_null("wf-1", 11, 10);

		if (!cp || prov_dirstore_open(&dying, prov_fileio_system(), dir, 0) != PROV_OK ||
		    prov_checkpoint_store_acquire(&held, dying, "wf-1") != PROV_OK ||
		    prov_checkpoint_store_save(dying, held, cp) != PROV_OK)
			_exit(1);
		_exit(0); /* no close: the journal is left as a crash leaves it */
	}
	ck_assert_int_ge(child, 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(helper_count_entries(dir, "journal"), 1);
	ck_assert_int_eq(helper_count_entries(dir, "checkpoints"), 0);
	store = open_store(0);
	ck_assert_int_eq(load_n(store, "wf-1"), 11);
	token = acquire(store, "wf-other");
	ck_assert_int_eq(helper_count_entries(dir, "checkpoints"), 1);
	ck_assert_int_eq(helper_count_entries(dir, "journal"), 1);
	ck_assert_int_eq(load_n(store, "wf-1"), 11);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(helper_count_entries(dir, "journal"), 0);
}
END_TEST

START_TEST(test_open_options_choose_the_store_which_appears_at_the_first_acquire)
{
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	prov_checkpoint_list *l;
	prov_checkpoint *cp;
	char *nested = test_path(dir, "a/b/checkpoints");
	struct stat st;

	ck_assert_int_eq(prov_checkpoint_store_open(&store, &options), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "checkpoint.dir"));
	options.store = "etcd";
	if (prov_version()->features & PROV_FEATURE_ETCD) {
		prov_checkpoint_etcd_options etcd = PROV_CHECKPOINT_ETCD_OPTIONS_INIT;
		const char *endpoints[] = { "ftp://127.0.0.1:2379", NULL };

		etcd.endpoints = endpoints;
		options.etcd = &etcd;
		ck_assert_int_eq(prov_checkpoint_store_open(&store, &options), PROV_EINVAL);
		ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "ftp://127.0.0.1:2379"));
		options.etcd = NULL;
	} else {
		ck_assert_int_eq(prov_checkpoint_store_open(&store, &options), PROV_EUNSUPPORTED);
		ck_assert_ptr_nonnull(strstr(prov_error_last()->message,
					     "etcd store not compiled in"));
	}
	options.store = "s3";
	ck_assert_int_eq(prov_checkpoint_store_open(&store, &options), PROV_EINVAL);
	ck_assert_str_eq(prov_error_last()->key, "checkpoint.store");
	options.store = "dir";
	options.dir = nested;
	ck_assert_int_eq(prov_checkpoint_store_open(&store, &options), PROV_OK);
	ck_assert_int_ne(stat(nested, &st), 0);
	ck_assert_int_eq(prov_checkpoint_store_list(&l, store, NULL), PROV_OK);
	ck_assert_uint_eq(prov_checkpoint_list_count(l), 0);
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, store, "wf-1"), PROV_ENOTFOUND);
	ck_assert_int_ne(stat(nested, &st), 0);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-1"), PROV_OK);
	ck_assert_int_eq(stat(nested, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	prov_checkpoint_token_free(token);
	prov_checkpoint_list_free(l);
	prov_checkpoint_store_close(store);
	prov_checkpoint_store_close(NULL);
	free(nested);
}
END_TEST

START_TEST(test_check_tells_a_held_token_from_a_released_one)
{
	prov_checkpoint_store *store = open_store(0);
	prov_checkpoint_token *token = acquire(store, "wf-1");

	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_check(store, token), PROV_ESTALE);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

struct waiting {
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	int rc;
};

static void *acquire_waiting(void *arg)
{
	prov_checkpoint_acquire_options o = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	struct waiting *w = arg;

	o.wait_ms = -1;
	w->rc = prov_checkpoint_store_acquire_with(&w->token, w->store, "wf-1", &o);
	return NULL;
}

START_TEST(test_a_waiting_acquire_gets_the_workflow_once_its_owner_releases)
{
	prov_checkpoint_store *owner = open_store(0);
	prov_checkpoint_token *token = acquire(owner, "wf-1");
	struct waiting w = { open_store(0), NULL, PROV_ERROR };
	pthread_t thread;

	ck_assert_int_eq(pthread_create(&thread, NULL, acquire_waiting, &w), 0);
	save(owner, token, 7);
	ck_assert_int_eq(prov_checkpoint_store_release(owner, token), PROV_OK);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_int_eq(w.rc, PROV_OK);
	ck_assert_int_eq(load_n(w.store, "wf-1"), 7);
	prov_checkpoint_token_free(token);
	prov_checkpoint_token_free(w.token);
	prov_checkpoint_store_close(owner);
	prov_checkpoint_store_close(w.store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-dirstore");
	TCase *tc = tcase_create("dirstore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_saved_checkpoint_loads_back);
	tcase_add_test(tc, test_operation_records_are_folded_on_load);
	tcase_add_test(tc, test_a_closed_store_leaves_private_plain_json_snapshots);
	tcase_add_test(tc, test_unknown_workflow_is_not_found);
	tcase_add_test(tc, test_invalid_ids_are_refused_before_touching_files);
	tcase_add_test(tc, test_list_sorts_filters_and_pages);
	tcase_add_test(tc, test_deleted_workflow_stays_deleted);
	tcase_add_test(tc, test_a_released_token_is_stale);
	tcase_add_test(tc, test_a_superseded_token_is_stale);
	tcase_add_test(tc, test_a_token_must_match_the_checkpoint);
	tcase_add_test(tc, test_one_workflow_has_one_owner_in_a_process);
	tcase_add_test(tc, test_a_second_process_is_told_who_holds_the_workflow);
	tcase_add_test(tc, test_a_damaged_snapshot_is_named_and_spares_the_others);
	tcase_add_test(tc, test_a_snapshot_holding_another_workflow_is_damaged);
	tcase_add_test(tc, test_a_damaged_lock_file_is_named);
	tcase_add_test(tc, test_many_writes_through_a_small_journal_lose_nothing);
	tcase_add_test(tc, test_a_checkpoint_larger_than_the_journal_grows_it);
	tcase_add_test(tc, test_recording_an_operation_leaves_the_snapshot_alone);
	tcase_add_test(tc, test_what_a_crashed_process_wrote_is_read_and_recovered);
	tcase_add_test(tc, test_open_options_choose_the_store_which_appears_at_the_first_acquire);
	tcase_add_test(tc, test_check_tells_a_held_token_from_a_released_one);
	tcase_add_test(tc, test_a_waiting_acquire_gets_the_workflow_once_its_owner_releases);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
