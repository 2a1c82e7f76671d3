/*
 * Extension manifests as value trees, and the load decision: mode, lists,
 * compatibility, duplicates, requirements and their order.
 */
#include "test-util.h"

#include "plugin/extensions.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"

static prov_value *tree(const char *json)
{
	json_object *obj = NULL;
	prov_value *v;

	ck_assert_int_eq(prov_json_parse(json, strlen(json), "test", &obj), PROV_OK);
	v = prov_value_from_json_c(obj, NULL);
	json_object_put(obj);
	return v;
}

/* A manifest of name/version with extra [dependencies] or [compatibility] JSON. */
static char *manifest_json(const char *name, const char *version, const char *type,
			   const char *extra)
{
	char *json = malloc(1024);

	snprintf(json, 1024, "{\"extension\":{\"name\":\"%s\",\"version\":\"%s\",\"type\":\"%s\","
		 "\"library\":\"lib%s.so\"}%s%s}", name, version, type, name,
		 extra ? "," : "", extra ? extra : "");
	return json;
}

static int read_manifest(prov_manifest *m, const char *json)
{
	prov_value *v = tree(json);
	int rc = prov_manifest_from_value(m, v, "/ext/x/extension.toml");

	prov_value_unref(v);
	return rc;
}

START_TEST(test_a_valid_manifest_is_read_whole)
{
	char *json = manifest_json("dns", "1.2.0", "taskserv",
				   "\"compatibility\":{\"provisioning\":\">=0.1.0, <1.0.0\"},"
				   "\"dependencies\":{\"requires\":[\"net >=0.3\",\"base\"]}");
	prov_manifest m;

	ck_assert_int_eq(read_manifest(&m, json), PROV_OK);
	ck_assert_str_eq(m.name, "dns");
	ck_assert_str_eq(m.library, "/ext/x/libdns.so");
	ck_assert_str_eq(m.compatibility, ">=0.1.0, <1.0.0");
	ck_assert_uint_eq(m.require_count, 2);
	ck_assert_str_eq(m.requires[0].name, "net");
	ck_assert_str_eq(m.requires[0].range, ">=0.3");
	ck_assert_str_eq(m.requires[1].range, "*");
	ck_assert(!prov_manifest_is_provider(&m));
	prov_manifest_release(&m);
	free(json);
}
END_TEST

static void assert_invalid(const char *json, const char *mention)
{
	prov_manifest m;

	ck_assert_int_eq(read_manifest(&m, json), PROV_ECONFIG);
	ck_assert_msg(strstr(prov_error_last()->message, mention), "'%s' lacks '%s'",
		      prov_error_last()->message, mention);
	ck_assert_str_eq(prov_error_last()->file, "/ext/x/extension.toml");
	prov_manifest_release(&m);
}

START_TEST(test_invalid_manifests_name_the_key)
{
	char *j;

	assert_invalid("{}", "no [extension] table");
	assert_invalid("{\"extension\":{\"name\":\"a\"}}", "extension.version is missing");
	assert_invalid((j = manifest_json("Bad Name", "1.0.0", "taskserv", NULL)), "extension.name");
	free(j);
	assert_invalid((j = manifest_json("a", "1.0", "taskserv", NULL)), "not a semantic version");
	free(j);
	assert_invalid((j = manifest_json("a", "1.0.0", "gadget", NULL)), "extension.type 'gadget'");
	free(j);
	assert_invalid((j = manifest_json("a", "1.0.0", "workflow",
					  "\"compatibility\":{\"provisioning\":\"soon\"}")),
		       "compatibility.provisioning");
	free(j);
	assert_invalid((j = manifest_json("a", "1.0.0", "workflow",
					  "\"dependencies\":{\"requires\":[\"b >=banana\"]}")),
		       "requires entry 'b >=banana'");
	free(j);
	assert_invalid("{\"extension\":{\"name\":\"a\",\"version\":\"1.0.0\",\"type\":\"cluster\","
		       "\"library\":\"../../evil.so\"}}", "inside the manifest's directory");
}
END_TEST

typedef struct set {
	prov_extension_entry entries[8];
	size_t count;
} set;

static void add(set *s, const char *name, const char *version, const char *extra)
{
	prov_extension_entry *e = &s->entries[s->count++];
	char *json = manifest_json(name, version, "taskserv", extra);

	memset(e, 0, sizeof(*e));
	e->manifest_path = prov_strdup("/ext/extension.toml");
	e->name = prov_strdup(name);
	e->valid = read_manifest(&e->manifest, json) == PROV_OK;
	ck_assert(e->valid);
	free(json);
}

static long resolve(set *s, prov_extension_mode mode, const char *const *allowed,
		    const char *const *blocked)
{
	prov_extension_policy policy = { mode, allowed, blocked, "0.1.0" };

	return prov_extensions_resolve(s->entries, s->count, &policy);
}

static void release(set *s)
{
	for (size_t i = 0; i < s->count; i++)
		prov_extension_entry_release(&s->entries[i]);
}

START_TEST(test_requirements_come_first_in_the_load_order)
{
	set s = { .count = 0 };

	add(&s, "app", "1.0.0", "\"dependencies\":{\"requires\":[\"db ^2\",\"net\"]}");
	add(&s, "db", "2.1.0", "\"dependencies\":{\"requires\":[\"net >=0.3\"]}");
	add(&s, "net", "0.3.1", NULL);
	ck_assert_int_eq(resolve(&s, PROV_EXTENSION_MODE_FULL, NULL, NULL), 3);
	ck_assert_uint_eq(s.entries[2].order, 0);
	ck_assert_uint_eq(s.entries[1].order, 1);
	ck_assert_uint_eq(s.entries[0].order, 2);
	release(&s);
}
END_TEST

START_TEST(test_unmet_requirements_strand_their_dependents_with_reasons)
{
	set s = { .count = 0 };

	add(&s, "app", "1.0.0", "\"dependencies\":{\"requires\":[\"db\"]}");
	add(&s, "db", "2.1.0", "\"dependencies\":{\"requires\":[\"net >=0.4\"]}");
	add(&s, "net", "0.3.1", NULL);
	add(&s, "lonely", "1.0.0", "\"dependencies\":{\"requires\":[\"ghost\"]}");
	ck_assert_int_eq(resolve(&s, PROV_EXTENSION_MODE_FULL, NULL, NULL), 1);
	ck_assert_str_eq(s.entries[1].reason, "requires net >=0.4, found 0.3.1");
	ck_assert_str_eq(s.entries[0].reason, "requires db, which is not loaded");
	ck_assert_str_eq(s.entries[3].reason, "requires ghost *, which was not found");
	ck_assert_ptr_null(s.entries[2].reason);
	release(&s);
}
END_TEST

START_TEST(test_requires_cycles_are_refused)
{
	set s = { .count = 0 };

	add(&s, "a", "1.0.0", "\"dependencies\":{\"requires\":[\"b\"]}");
	add(&s, "b", "1.0.0", "\"dependencies\":{\"requires\":[\"a\"]}");
	ck_assert_int_eq(resolve(&s, PROV_EXTENSION_MODE_FULL, NULL, NULL), 0);
	ck_assert_str_eq(s.entries[0].reason, "is part of a requires cycle");
	release(&s);
}
END_TEST

START_TEST(test_mode_and_lists_decide_first)
{
	const char *allowed[] = { "a", "c", NULL };
	const char *blocked[] = { "c", NULL };
	set s = { .count = 0 };
	prov_extension_mode mode;

	add(&s, "a", "1.0.0", NULL);
	add(&s, "b", "1.0.0", NULL);
	add(&s, "c", "1.0.0", NULL);
	ck_assert_int_eq(resolve(&s, PROV_EXTENSION_MODE_RESTRICTED, allowed, blocked), 1);
	ck_assert_ptr_null(s.entries[0].reason);
	ck_assert_str_eq(s.entries[1].reason, "not on the allowed list (mode restricted)");
	ck_assert_str_eq(s.entries[2].reason, "blocked by the extensions blocked list");
	release(&s);
	s.count = 0;
	add(&s, "a", "1.0.0", NULL);
	ck_assert_int_eq(resolve(&s, PROV_EXTENSION_MODE_DISABLED, NULL, NULL), 0);
	ck_assert_str_eq(s.entries[0].reason, "extensions are disabled (mode disabled)");
	release(&s);
	ck_assert_int_eq(prov_extension_mode_parse(&mode, "restricted"), PROV_OK);
	ck_assert_int_eq(mode, PROV_EXTENSION_MODE_RESTRICTED);
	ck_assert_int_eq(prov_extension_mode_parse(&mode, "paranoid"), PROV_EINVAL);
}
END_TEST

START_TEST(test_incompatible_and_duplicate_extensions_are_refused)
{
	set s = { .count = 0 };

	add(&s, "old", "1.0.0", "\"compatibility\":{\"provisioning\":\"^0.0.9\"}");
	add(&s, "dup", "1.0.0", NULL);
	add(&s, "dup", "2.0.0", NULL);
	ck_assert_int_eq(resolve(&s, PROV_EXTENSION_MODE_FULL, NULL, NULL), 1);
	ck_assert_str_eq(s.entries[0].reason, "needs provisioning ^0.0.9, this is 0.1.0");
	ck_assert_ptr_null(s.entries[1].reason);
	ck_assert(strstr(s.entries[2].reason, "already provided by"));
	release(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin-manifest");
	TCase *tc = tcase_create("manifests");

	tcase_add_test(tc, test_a_valid_manifest_is_read_whole);
	tcase_add_test(tc, test_invalid_manifests_name_the_key);
	tcase_add_test(tc, test_requirements_come_first_in_the_load_order);
	tcase_add_test(tc, test_unmet_requirements_strand_their_dependents_with_reasons);
	tcase_add_test(tc, test_requires_cycles_are_refused);
	tcase_add_test(tc, test_mode_and_lists_decide_first);
	tcase_add_test(tc, test_incompatible_and_duplicate_extensions_are_refused);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
