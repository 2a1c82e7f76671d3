#include "config-test.h"

#include <provisioning/log.h>

static prov_config_resolver *r;
static prov_config_schema *schema;
static char warnings[1024];

static void collect_warning(int level, const char *component, const char *message, void *userdata)
{
	(void)userdata;
	if (level == PROV_LOG_WARNING && strcmp(component, "config") == 0)
		snprintf(warnings + strlen(warnings), sizeof(warnings) - strlen(warnings), "%s\n", message);
}

static void setup(void)
{
	warnings[0] = '\0';
	schema = NULL;
	ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_set_base_dir(r, "/srv/app"), PROV_OK);
}

static void teardown(void)
{
	prov_log_set_handler(NULL, PROV_LOG_ERROR, NULL);
	prov_config_schema_free(schema);
	prov_config_resolver_free(r);
}

static void load_schema(const char *yaml)
{
	int rc = prov_config_schema_parse(&schema, "schema.yaml", yaml, strlen(yaml), PROV_FORMAT_YAML);

	ck_assert_msg(rc == PROV_OK, "schema: %s", prov_error_last()->message);
}

static const char *schema_fails(const char *yaml)
{
	ck_assert_int_eq(prov_config_schema_parse(&schema, "schema.yaml", yaml, strlen(yaml),
						  PROV_FORMAT_YAML), PROV_ECONFIG);
	ck_assert_ptr_null(schema);
	return prov_error_last()->message;
}

/* Validate config text against the loaded schema; returns the violations JSON (owned). */
static char *validate(const char *config_yaml, int expected)
{
	prov_config *c;
	char *violations = NULL;

	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.yaml", config_yaml, PROV_FORMAT_YAML);
	c = resolve_ok(r);
	ck_assert_int_eq(prov_config_validate(c, schema, 0, &violations), expected);
	prov_config_free(c);
	ck_assert_ptr_nonnull(violations);
	return violations;
}

START_TEST(test_a_valid_config_has_no_violations)
{
	char *v;

	load_schema("keys:\n  servers.count: {type: integer, min: 1, max: 10, required: true}\n"
		    "  checkpoint.store: {enum: [dir, etcd]}\n");
	v = validate("servers:\n  count: 3\n", PROV_OK);
	ck_assert_str_eq(v, "[]");
	prov_free(v);
}
END_TEST

START_TEST(test_type_rule)
{
	char *v;

	load_schema("keys:\n  port: {type: integer}\n  name: {type: string}\n  ratio: {type: number}\n");
	v = validate("port: \"80\"\nname: web\nratio: 2\n", PROV_ECONFIG);
	ck_assert_str_eq(v, "[{\"key\":\"port\",\"message\":\"key 'port' must be an integer, not string\","
			 "\"layer\":\"project\",\"file\":\"p.yaml\",\"line\":1}]");
	ck_assert_str_eq(prov_error_last()->message,
			 "p.yaml:1 (project): key 'port' must be an integer, not string");
	prov_free(v);
}
END_TEST

START_TEST(test_required_rule_reports_the_schema_line)
{
	char *v;

	load_schema("keys:\n  a.b: {type: string}\n  db.host:\n    required: true\n");
	v = validate("x: 1\n", PROV_ECONFIG);
	ck_assert_contains(v, "\"message\":\"required key 'db.host' is missing\"");
	ck_assert_contains(v, "\"file\":\"schema.yaml\",\"line\":4");
	prov_free(v);
}
END_TEST

START_TEST(test_enum_rule)
{
	char *v;

	load_schema("keys:\n  checkpoint.store: {enum: [dir, etcd]}\n");
	v = validate("checkpoint:\n  store: s3\n", PROV_ECONFIG);
	ck_assert_contains(v, "key 'checkpoint.store' must be one of [\\\"dir\\\",\\\"etcd\\\"], not \\\"s3\\\"");
	prov_free(v);
}
END_TEST

START_TEST(test_min_and_max_rules)
{
	char *v;

	load_schema("keys:\n  low: {min: 1}\n  high: {max: 2.5}\n");
	v = validate("low: 0\nhigh: 3\n", PROV_ECONFIG);
	ck_assert_contains(v, "key 'low' must be at least 1, not 0");
	ck_assert_contains(v, "key 'high' must be at most 2.5, not 3");
	prov_free(v);
}
END_TEST

START_TEST(test_pattern_rule_uses_posix_ere)
{
	char *v;

	load_schema("keys:\n  zone: {pattern: '^[a-z]{2}-[a-z]+[0-9]$'}\n");
	v = validate("zone: DE-fra1\n", PROV_ECONFIG);
	ck_assert_contains(v, "key 'zone' does not match the pattern '^[a-z]{2}-[a-z]+[0-9]$'");
	prov_free(v);
}
END_TEST

START_TEST(test_deprecated_rule_warns_through_the_log)
{
	char *v;

	prov_log_set_handler(collect_warning, PROV_LOG_WARNING, NULL);
	load_schema("keys:\n  old.name: {deprecated: new.name}\n  older: {deprecated: true}\n");
	v = validate("old:\n  name: x\nolder: 1\n", PROV_OK);
	ck_assert_str_eq(warnings, "p.yaml:2 (project): key 'old.name' is deprecated; use 'new.name'\n"
			 "p.yaml:3 (project): key 'older' is deprecated\n");
	prov_free(v);
}
END_TEST

START_TEST(test_every_violation_is_reported_at_once_with_its_origin)
{
	char *v;

	load_schema("keys:\n  a: {type: integer}\n  b: {type: boolean}\n  providers.*.zone: {type: string}\n"
		    "  must: {required: true}\n");
	v = validate("a: x\nb: 1\nproviders:\n  aws: {zone: 1}\n  gcp: {zone: 2}\n  ok: {zone: z}\n",
		     PROV_ECONFIG);
	ck_assert_contains(v, "\"key\":\"a\"");
	ck_assert_contains(v, "\"key\":\"b\"");
	ck_assert_contains(v, "\"key\":\"providers.aws.zone\"");
	ck_assert_contains(v, "\"key\":\"providers.gcp.zone\",\"message\":\"key 'providers.gcp.zone' "
			   "must be a string, not integer\",\"layer\":\"project\",\"file\":\"p.yaml\",\"line\":5");
	ck_assert_contains(v, "\"key\":\"must\"");
	ck_assert_str_eq(prov_error_last()->message,
			 "5 schema violations; the first: p.yaml:1 (project): key 'a' must be an integer, not string");
	prov_free(v);
}
END_TEST

START_TEST(test_a_schema_types_environment_variables)
{
	const char *env[] = { "PROVISIONING_DB__PORT=5432", "PROVISIONING_DB__PASSWORD=12345", NULL };
	prov_config *c;

	load_schema("keys:\n  db.port: {type: integer}\n  db.password: {type: string}\n");
	ck_assert_int_eq(prov_config_resolver_set_schema(r, schema), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	c = resolve_ok(r);
	ck_assert_int_eq(get_int(c, "db.port"), 5432);
	ck_assert_str_eq(get_str(c, "db.password"), "12345");
	prov_config_free(c);
}
END_TEST

START_TEST(test_the_schema_key_names_the_schema_file)
{
	char *dir = test_tmpdir(), *path = test_path(dir, "schema.json");
	const char *env[] = { "PROVISIONING_SERVERS__COUNT=4", NULL };
	char *violations = NULL;
	prov_config *c;

	test_write_file(path, "{\"keys\": {\"servers.count\": {\"type\": \"integer\", \"max\": 3}}}");
	ck_assert_int_eq(prov_config_resolver_set_base_dir(r, dir), PROV_OK);
	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.yaml", "schema: schema.json\n", PROV_FORMAT_YAML);
	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	c = resolve_ok(r);
	ck_assert_int_eq(get_int(c, "servers.count"), 4);
	ck_assert_int_eq(prov_config_validate(c, NULL, 0, &violations), PROV_ECONFIG);
	ck_assert_contains(violations, "must be at most 3, not 4");
	ck_assert_contains(violations, "\"file\":\"PROVISIONING_SERVERS__COUNT\"");
	prov_free(violations);
	prov_config_free(c);
	test_rmtree(dir);
	free(dir);
	free(path);
}
END_TEST

START_TEST(test_validate_without_a_schema_is_an_error)
{
	prov_config *c = resolve_ok(r);

	ck_assert_int_eq(prov_config_validate(c, NULL, 0, NULL), PROV_EINVAL);
	ck_assert_str_eq(prov_error_last()->message, "no schema: give one, or set the 'schema' key");
	prov_config_free(c);
}
END_TEST

START_TEST(test_malformed_schemas_are_errors_naming_the_rule)
{
	ck_assert_str_eq(schema_fails("keys:\n  a: {type: text}\n"),
			 "schema.yaml:2: schema rule 'a': type must be one of string, integer, float, "
			 "number, boolean, array, table, datetime, null");
	ck_assert_str_eq(schema_fails("keys:\n  a: {requird: true}\n"),
			 "schema.yaml:2: schema rule 'a': unknown field (type, required, enum, min, max, "
			 "pattern, deprecated)");
	ck_assert_str_eq(schema_fails("keys:\n  a: {pattern: '('}\n"),
			 "schema.yaml:2: schema rule 'a': pattern is not a valid POSIX extended regex");
	ck_assert_str_eq(schema_fails("keys:\n  a.*: {required: true}\n"),
			 "schema.yaml:2: schema rule 'a.*': required needs a named last key, not '*'");
	ck_assert_contains(schema_fails("rules: {}\n"), "a schema has one top-level table, 'keys'");
	ck_assert_contains(schema_fails("keys:\n  a: {min: x}\n"), "a field has the wrong type");
}
END_TEST

static Suite *schema_suite(void)
{
	Suite *s = suite_create("config-schema");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_valid_config_has_no_violations);
	tcase_add_test(tc, test_type_rule);
	tcase_add_test(tc, test_required_rule_reports_the_schema_line);
	tcase_add_test(tc, test_enum_rule);
	tcase_add_test(tc, test_min_and_max_rules);
	tcase_add_test(tc, test_pattern_rule_uses_posix_ere);
	tcase_add_test(tc, test_deprecated_rule_warns_through_the_log);
	tcase_add_test(tc, test_every_violation_is_reported_at_once_with_its_origin);
	tcase_add_test(tc, test_a_schema_types_environment_variables);
	tcase_add_test(tc, test_the_schema_key_names_the_schema_file);
	tcase_add_test(tc, test_validate_without_a_schema_is_an_error);
	tcase_add_test(tc, test_malformed_schemas_are_errors_naming_the_rule);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(schema_suite());
}
