/*
 * Server records on disk. Each lives in its own file so a write touches one
 * server; deleted servers keep their record (status "deleted") so ids are
 * never reused.
 *
 * A create needs every record (hostnames, addresses, the next id), so the
 * instance keeps the records it read and wrote, valid while the servers
 * directory's mtime is the one it saw: every write, by any process,
 * renames a file into that directory. Without it a create read every file,
 * and a workflow of n creates read n^2/2 of them. The mtime has the file
 * system's granularity, so a write by another process within the same tick
 * as this instance's own may go unseen until the directory changes again;
 * the local provider is meant for one process at a time.
 */
#include "local.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

unsigned long local_id_number(const char *id)
{
	char *end;
	unsigned long n;

	if (strncmp(id, "srv-", 4) != 0 || id[4] < '1' || id[4] > '9')
		return 0;
	n = strtoul(id + 4, &end, 10);
	return *end ? 0 : n;
}

static char *record_path(const local_provider *lp, const char *id)
{
	size_t len = strlen(lp->servers_dir) + strlen(id) + sizeof("/.json");
	char *path = malloc(len);

	if (path)
		snprintf(path, len, "%s/%s.json", lp->servers_dir, id);
	return path;
}

static int fail_io(const prov_call *call, const char *what, const char *path, int err)
{
	return local_fail(call, "STATE_IO", "%s %s: %s", what, path, strerror(err));
}

/* Read one record; NULL and *err set (0 for malformed content) on failure. */
static json_object *read_record(const char *path, int *err)
{
	FILE *f = fopen(path, "re");
	char buf[16384];
	size_t len;
	json_object *record;

	*err = 0;
	if (!f) {
		*err = errno;
		return NULL;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	record = json_tokener_parse(buf);
	if (!json_object_is_type(record, json_type_object)) {
		json_object_put(record);
		return NULL;
	}
	return record;
}

json_object *local_store_get(local_provider *lp, const prov_call *call, const char *id)
{
	char *path;
	json_object *record;
	int err;

	if (!local_id_number(id)) {
		local_fail(call, "NOT_FOUND", "no server %.200s (ids look like srv-1)", id);
		return NULL;
	}
	if (!(path = record_path(lp, id))) {
		call->fail(call, "NO_MEMORY", "out of memory", NULL);
		return NULL;
	}
	record = read_record(path, &err);
	if (!record && err == ENOENT) {
		local_fail(call, "NOT_FOUND", "no server %.200s", id);
	} else if (!record) {
		if (err)
			fail_io(call, "cannot read", path, err);
		else
			call->fail(call, "STATE_CORRUPT", "a server record is not a JSON object", NULL);
	}
	free(path);
	return record;
}

static int by_id_number(const void *a, const void *b)
{
	unsigned long x = local_id_number(json_object_get_string(
		json_object_object_get(*(json_object *const *)a, "id")));
	unsigned long y = local_id_number(json_object_get_string(
		json_object_object_get(*(json_object *const *)b, "id")));

	return (x > y) - (x < y);
}

static json_object *read_all(local_provider *lp, const prov_call *call)
{
	json_object *list = json_object_new_array();
	DIR *d = opendir(lp->servers_dir);
	struct dirent *e;

	if (!d) {
		if (errno == ENOENT)
			return list;
		json_object_put(list);
		fail_io(call, "cannot read", lp->servers_dir, errno);
		return NULL;
	}
	while ((e = readdir(d))) {
		char id[256], *dot, *path;
		json_object *record;
		int err;

		snprintf(id, sizeof(id), "%s", e->d_name);
		if (!(dot = strrchr(id, '.')) || strcmp(dot, ".json") != 0)
			continue;
		*dot = '\0';
		if (!local_id_number(id) || !(path = record_path(lp, id)))
			continue;
		if ((record = read_record(path, &err)))
			json_object_array_add(list, record);
		free(path);
	}
	closedir(d);
	json_object_array_sort(list, by_id_number);
	return list;
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* The servers directory's mtime; false when it cannot be read. */
static bool directory_mtime(const local_provider *lp, struct timespec *out)
{
	struct stat st;

	if (stat(lp->servers_dir, &st) != 0)
		return false;
	*out = st.st_mtim;
	return true;
}

void local_store_forget(local_provider *lp)
{
	json_object_put(lp->records);
	lp->records = NULL;
	local_index_clear(&lp->index);
}

json_object *local_store_all(local_provider *lp, const prov_call *call)
{
	struct timespec mtime;
	bool known = directory_mtime(lp, &mtime);
	json_object *list;

	if (lp->records && known && same_time(mtime, lp->records_mtime))
		return json_object_get(lp->records);
	/* Taken before reading: a write during the read changes it for next time. */
	list = read_all(lp, call);
	local_store_forget(lp);
	if (list && known && local_index_build(&lp->index, lp, list) == 0) {
		lp->records = json_object_get(list);
		lp->records_mtime = mtime;
	}
	return list;
}

static unsigned long number_at(json_object *records, size_t i)
{
	json_object *r = json_object_array_get_idx(records, i);

	return local_id_number(json_object_get_string(json_object_object_get(r, "id")));
}

/* Replace the kept record at i; the old one stays alive until the index let go of it. */
static bool replace_at(local_provider *lp, size_t i, json_object *record)
{
	json_object *old = json_object_get(json_object_array_get_idx(lp->records, i));
	bool indexed;

	json_object_array_put_idx(lp->records, i, json_object_get(record));
	indexed = local_index_replace(&lp->index, lp, lp->records, old, record) == 0;
	json_object_put(old);
	return indexed;
}

/*
 * Put a record just written into the kept ones, in id order, and into their
 * index: a new server has the highest id and goes last; a changed one
 * replaces its old record, found by binary search. False on ENOMEM.
 */
static bool remember(local_provider *lp, json_object *record)
{
	unsigned long id = local_id_number(json_object_get_string(json_object_object_get(record, "id")));
	size_t lo = 0, hi = json_object_array_length(lp->records);

	if (hi == 0 || number_at(lp->records, hi - 1) < id) {
		json_object_array_add(lp->records, json_object_get(record));
		return local_index_replace(&lp->index, lp, lp->records, NULL, record) == 0;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (number_at(lp->records, mid) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < json_object_array_length(lp->records) && number_at(lp->records, lo) == id)
		return replace_at(lp, lo, record);
	json_object_array_add(lp->records, json_object_get(record));
	json_object_array_sort(lp->records, by_id_number);
	return local_index_build(&lp->index, lp, lp->records) == 0;
}

int local_store_put(local_provider *lp, const prov_call *call, json_object *record)
{
	const char *id = json_object_get_string(json_object_object_get(record, "id"));
	const char *text = json_object_to_json_string_ext(record, JSON_C_TO_STRING_PRETTY);
	char *path = record_path(lp, id);
	struct timespec before, after;
	bool current = lp->records && directory_mtime(lp, &before) &&
		       same_time(before, lp->records_mtime);
	int rc;

	if (!path) {
		call->fail(call, "NO_MEMORY", "out of memory", NULL);
		return -1;
	}
	rc = lp->host->write_file_atomic(lp->host, path, text, strlen(text));
	if (rc != 0)
		local_fail(call, "STATE_IO", "cannot write %s (status %d)", path, rc);
	if (rc == 0 && current && directory_mtime(lp, &after) && remember(lp, record)) {
		lp->records_mtime = after;
	} else {
		local_store_forget(lp);
	}
	free(path);
	return rc == 0 ? 0 : -1;
}
