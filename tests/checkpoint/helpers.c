#include "helpers.h"
#include "checkpoint/internal.h"

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *padded_json(long n, size_t pad_len)
{
	char *json = malloc(pad_len + 64);
	int len;

	if (!json)
		return NULL;
	len = sprintf(json, "{\"n\":%ld,\"pad\":\"", n);
	memset(json + len, 'x', pad_len);
	strcpy(json + len + pad_len, "\"}");
	return json;
}

prov_checkpoint *helper_checkpoint_or_null(const char *workflow_id, long n, size_t pad_len)
{
	prov_checkpoint *cp = NULL;
	char *meta = padded_json(n, pad_len);

	if (!meta || prov_checkpoint_new(&cp, workflow_id) != PROV_OK ||
	    prov_checkpoint_set_metadata(cp, meta) != PROV_OK ||
	    prov_checkpoint_set_state(cp, "definition", "{\"name\":\"test\"}") != PROV_OK) {
		prov_checkpoint_free(cp);
		cp = NULL;
	}
	free(meta);
	return cp;
}

prov_checkpoint *helper_checkpoint(const char *workflow_id, long n, size_t pad_len)
{
	prov_checkpoint *cp = helper_checkpoint_or_null(workflow_id, n, pad_len);

	ck_assert_msg(cp, "cannot build checkpoint %ld of %s: %s", n, workflow_id,
		      prov_error_last()->message);
	return cp;
}

static int add_delete_actions(prov_operation_record *record, long n, int actions)
{
	int rc = PROV_OK;

	for (int i = 0; rc == PROV_OK && i < actions; i++) {
		prov_rollback_action *action;
		char resource[64];

		snprintf(resource, sizeof(resource), "srv-%ld-%d", n, i);
		rc = prov_rollback_action_delete_resource(&action, "local", resource);
		if (rc == PROV_OK)
			rc = prov_operation_record_add_rollback(record, action);
		prov_rollback_action_free(action);
	}
	return rc;
}

prov_operation_record *helper_record_or_null(const char *op, const char *status, long n,
					     size_t pad_len, int actions)
{
	prov_operation_record *record = NULL;
	char *output = padded_json(n, pad_len);

	if (!output || prov_operation_record_new(&record, op, status) != PROV_OK ||
	    prov_operation_record_set_output(record, output) != PROV_OK ||
	    add_delete_actions(record, n, actions) != PROV_OK) {
		prov_operation_record_free(record);
		record = NULL;
	}
	free(output);
	return record;
}

prov_operation_record *helper_record(const char *op, const char *status, long n, size_t pad_len,
				     int actions)
{
	prov_operation_record *record = helper_record_or_null(op, status, n, pad_len, actions);

	ck_assert_msg(record, "cannot build record of %s: %s", op, prov_error_last()->message);
	return record;
}

prov_checkpoint *helper_copy(const prov_checkpoint *checkpoint)
{
	prov_checkpoint *copy;
	char *json;

	if (!checkpoint)
		return NULL;
	ck_assert_int_eq(prov_checkpoint_to_json(&json, checkpoint), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_from_json(&copy, json, strlen(json)), PROV_OK);
	free(json);
	return copy;
}

char *helper_canonical(const prov_checkpoint *checkpoint)
{
	prov_checkpoint *copy;
	char *json;

	if (!checkpoint)
		return strdup("none");
	copy = helper_copy(checkpoint);
	prov_checkpoint_set_revision(copy, 0);
	ck_assert_int_eq(prov_checkpoint_to_json(&json, copy), PROV_OK);
	prov_checkpoint_free(copy);
	return json;
}

void helper_assert_same_checkpoint(const prov_checkpoint *got, const prov_checkpoint *want)
{
	char *got_json = helper_canonical(got), *want_json = helper_canonical(want);

	ck_assert_str_eq(got_json, want_json);
	free(got_json);
	free(want_json);
}

long helper_metadata_n(const prov_checkpoint *checkpoint)
{
	char *meta;
	const char *at;
	long n = -1;

	if (prov_checkpoint_get_metadata(&meta, checkpoint) != PROV_OK)
		return -1;
	at = strstr(meta, "\"n\":");
	if (at)
		n = strtol(at + 4, NULL, 10);
	free(meta);
	return n;
}

static int not_private;

static int check_mode(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	(void)path;
	if (flag == FTW_D && (st->st_mode & 0777) != 0700)
		not_private++;
	if (flag == FTW_F && (st->st_mode & 0777) != 0600)
		not_private++;
	return 0;
}

int helper_count_entries(const char *dir, const char *sub)
{
	char path[4096];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	ck_assert_msg(d != NULL, "cannot open %s", path);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int helper_private_tree(const char *dir)
{
	not_private = 0;
	ck_assert_int_eq(nftw(dir, check_mode, 16, FTW_PHYS), 0);
	return not_private == 0;
}

long helper_env_long(const char *name, long fallback)
{
	const char *value = getenv(name);

	return value && *value ? strtol(value, NULL, 10) : fallback;
}
