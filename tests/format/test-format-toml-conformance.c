/*
 * The TOML 1.0.0 files of toml-test (../shared/conformance beside the project
 * root): every valid file must parse to its expected tagged JSON and print
 * back to TOML that parses equal; every invalid file must be rejected.
 *
 * Comparison follows the suite's own runner (see the data's README): keys in
 * any order, arrays in order, scalars by type, floats as numbers, datetimes
 * as instants. json-c cuts object keys at a NUL byte, so a TOML key is looked
 * up the same way.
 *
 * PROV_CONFORMANCE_DIR, when set, names the conformance folder instead (for
 * a checkout that is not beside it). Prints the counts and every failing
 * file; exits 77 (skipped) when the data is not there.
 */
#include "core/rfc3339.h"
#include "core/value.h"
#include "format/toml.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SKIP 77

struct counts {
	int valid, valid_ok, invalid, invalid_ok, printed_ok;
};

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)size + 1)) && fread(data, 1, (size_t)size, f) == (size_t)size) {
		data[size] = '\0';
		*len = (size_t)size;
	} else {
		free(data);
		data = NULL;
	}
	fclose(f);
	return data;
}

static bool same_instant(const char *a, const char *b, prov_datetime_kind kind)
{
	static const char *const prefix[] = { "", "", "", "1970-01-01T" };
	static const char *const suffix[] = { "", "Z", "", "Z" };
	char full_a[96], full_b[96];
	int64_t ms_a, ms_b;

	if (kind == PROV_DATE_LOCAL)
		return strcmp(a, b) == 0;
	snprintf(full_a, sizeof(full_a), "%s%s%s", prefix[kind], a, suffix[kind]);
	snprintf(full_b, sizeof(full_b), "%s%s%s", prefix[kind], b, suffix[kind]);
	return prov_rfc3339_parse(full_a, strlen(full_a), &ms_a) == 0 &&
	       prov_rfc3339_parse(full_b, strlen(full_b), &ms_b) == 0 && ms_a == ms_b;
}

static bool same_float(double d, const char *expected)
{
	const char *unsigned_text = expected + (*expected == '+' || *expected == '-');

	if (strcmp(unsigned_text, "nan") == 0)
		return isnan(d);
	if (strcmp(unsigned_text, "inf") == 0)
		return isinf(d) && (d < 0) == (*expected == '-');
	return d == strtod(expected, NULL);
}

static bool equal_scalar(const prov_value *v, json_object *tagged)
{
	static const char *const datetime_tags[] = {
		"datetime", "datetime-local", "date-local", "time-local",
	};
	json_object *type_obj, *value_obj;
	const char *type, *expected, *text;
	size_t len;

	if (!json_object_object_get_ex(tagged, "type", &type_obj) ||
	    !json_object_object_get_ex(tagged, "value", &value_obj))
		return false;
	type = json_object_get_string(type_obj);
	expected = json_object_get_string(value_obj);
	switch (prov_value_type_of(v)) {
	case PROV_VALUE_STRING:
		text = prov_value_get_str(v, &len);
		return strcmp(type, "string") == 0 &&
		       len == (size_t)json_object_get_string_len(value_obj) &&
		       memcmp(text, expected, len) == 0;
	case PROV_VALUE_INT:
		return strcmp(type, "integer") == 0 &&
		       prov_value_get_int(v) == strtoll(expected, NULL, 10);
	case PROV_VALUE_DOUBLE:
		return strcmp(type, "float") == 0 && same_float(prov_value_get_double(v), expected);
	case PROV_VALUE_BOOL:
		return strcmp(type, "bool") == 0 &&
		       strcasecmp(expected, prov_value_get_bool(v) ? "true" : "false") == 0;
	case PROV_VALUE_DATETIME:
		return strcmp(type, datetime_tags[prov_value_get_datetime_kind(v)]) == 0 &&
		       same_instant(prov_value_get_str(v, NULL), expected,
				    prov_value_get_datetime_kind(v));
	default:
		return false;
	}
}

static bool equal_tagged(const prov_value *v, json_object *j);

static bool equal_table(const prov_value *table, json_object *j)
{
	size_t n = prov_table_len(table);

	if (!json_object_is_type(j, json_type_object) ||
	    (size_t)json_object_object_length(j) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *member;
		if (!json_object_object_get_ex(j, prov_table_key_at(table, i, NULL), &member) ||
		    !equal_tagged(prov_table_value_at(table, i), member))
			return false;
	}
	return true;
}

static bool equal_array(const prov_value *array, json_object *j)
{
	size_t n = prov_array_len(array);

	if (!json_object_is_type(j, json_type_array) || json_object_array_length(j) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!equal_tagged(prov_array_at(array, i), json_object_array_get_idx(j, i)))
			return false;
	return true;
}

static bool equal_tagged(const prov_value *v, json_object *j)
{
	if (prov_value_is(v, PROV_VALUE_TABLE))
		return equal_table(v, j);
	if (prov_value_is(v, PROV_VALUE_ARRAY))
		return equal_array(v, j);
	return json_object_is_type(j, json_type_object) && equal_scalar(v, j);
}

/* Print the tree as TOML and read it back: the same tree must come out. */
static bool prints_back(const prov_value *tree)
{
	prov_strbuf out = PROV_STRBUF_INIT;
	prov_value *again = NULL;
	bool same = prov_toml_print(&out, tree) == PROV_OK &&
		    prov_toml_parse(prov_strbuf_cstr(&out), out.len, NULL, &again) == PROV_OK &&
		    prov_value_equal(tree, again);

	prov_value_unref(again);
	prov_strbuf_release(&out);
	return same;
}

/* Returns the failure, or NULL when the valid file passes. */
static const char *check_valid(const char *dir, const char *name, struct counts *c)
{
	char path[8320];
	size_t len, json_len;
	char *toml, *json_text;
	const char *failure = NULL;
	json_object *expected = NULL;
	prov_value *tree = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	toml = read_file(path, &len);
	snprintf(path + strlen(path) - 4, 5, "json");
	json_text = read_file(path, &json_len);
	if (!toml || !json_text || !(expected = json_tokener_parse(json_text)))
		failure = "cannot read the file or its expected JSON";
	else if (prov_toml_parse(toml, len, NULL, &tree) != PROV_OK)
		failure = prov_error_last()->message;
	else if (!equal_tagged(tree, expected))
		failure = "parsed, but differs from the expected JSON";
	else if (c->valid_ok++, !prints_back(tree))
		failure = "printing it and reading it back gives another tree";
	else
		c->printed_ok++;
	prov_value_unref(tree);
	json_object_put(expected);
	free(toml);
	free(json_text);
	return failure;
}

static bool check_invalid(const char *dir, const char *name)
{
	char path[8320];
	size_t len;
	char *toml;
	prov_value *tree = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(toml = read_file(path, &len)))
		return false;
	rc = prov_toml_parse(toml, len, NULL, &tree);
	prov_value_unref(tree);
	free(toml);
	return rc != PROV_OK;
}

static void run_one(const char *dir, const char *name, struct counts *c)
{
	const char *failure;

	if (strncmp(name, "valid/", 6) == 0) {
		c->valid++;
		if ((failure = check_valid(dir, name, c)))
			printf("FAIL %s: %s\n", name, failure);
	} else if (strncmp(name, "invalid/", 8) == 0) {
		c->invalid++;
		if (check_invalid(dir, name))
			c->invalid_ok++;
		else
			printf("FAIL %s: accepted\n", name);
	}
}

int main(void)
{
	const char *srcdir = getenv("PROV_TEST_SRCDIR");
	const char *conformance = getenv("PROV_CONFORMANCE_DIR");
	char dir[4096], list_path[4200], line[4096];
	struct counts c = { 0, 0, 0, 0, 0 };
	FILE *list;

	if (conformance && *conformance)
		snprintf(dir, sizeof(dir), "%s/toml-test/tests", conformance);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/conformance/toml-test/tests",
			 srcdir ? srcdir : ".");
	snprintf(list_path, sizeof(list_path), "%s/files-toml-1.0.0", dir);
	if (!(list = fopen(list_path, "r"))) {
		printf("SKIP: the toml-test data is not there (%s)\n", list_path);
		return SKIP;
	}
	while (fgets(line, sizeof(line), list)) {
		size_t n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n > 5 && strcmp(line + n - 5, ".toml") == 0)
			run_one(dir, line, &c);
	}
	fclose(list);
	printf("valid: %d of %d parsed as expected (%d printed back equal)\n", c.valid_ok, c.valid,
	       c.printed_ok);
	printf("invalid: %d of %d rejected\n", c.invalid_ok, c.invalid);
	return c.valid > 0 && c.printed_ok == c.valid && c.invalid_ok == c.invalid ? 0 : 1;
}
