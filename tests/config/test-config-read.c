#include "config-test.h"

#include <math.h>

static prov_config_resolver *r;
static prov_config *c;

static void setup(void)
{
	ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_set_base_dir(r, "/srv/app"), PROV_OK);
	add_text(r, PROV_CONFIG_LAYER_USER, "user.yaml",
		 "name: web\ncount: 3\nratio: 0.25\non: true\nlist: [a, {b: 1}]\n"
		 "db:\n  password: hunter2\n  host: db.local\n", PROV_FORMAT_YAML);
	add_text(r, PROV_CONFIG_LAYER_PROJECT, "project.json",
		 "{\n  \"db\": {\n    \"port\": 5432\n  },\n  \"api_key\": \"k-123\",\n"
		 "  \"tokens\": {\"github\": \"t\"}\n}", PROV_FORMAT_JSON);
	add_text(r, PROV_CONFIG_LAYER_WORKSPACE, "ws.toml",
		 "# workspace\n[db]\nreplicas = 2\n\n[db.backup]\nat = 1979-05-27T07:32:00Z\n",
		 PROV_FORMAT_TOML);
	c = resolve_ok(r);
}

static void teardown(void)
{
	prov_config_free(c);
	prov_config_resolver_free(r);
}

START_TEST(test_typed_getters_read_each_type)
{
	double d = 0;
	int b = 0;

	ck_assert_str_eq(get_str(c, "name"), "web");
	ck_assert_int_eq(get_int(c, "count"), 3);
	ck_assert_int_eq(prov_config_get_double(c, "ratio", &d), PROV_OK);
	ck_assert_double_eq(d, 0.25);
	ck_assert_int_eq(prov_config_get_double(c, "count", &d), PROV_OK);
	ck_assert_double_eq(d, 3.0);
	ck_assert_int_eq(prov_config_get_bool(c, "on", &b), PROV_OK);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(get_int(c, "list.1.b"), 1);
	ck_assert_str_eq(get_str(c, "list.0"), "a");
}
END_TEST

START_TEST(test_a_missing_key_is_not_found_naming_the_path)
{
	const char *s;

	ck_assert_int_eq(prov_config_get_string(c, "db.user", &s), PROV_ENOTFOUND);
	ck_assert_str_eq(prov_error_last()->message, "config key 'db.user' is not set");
	ck_assert_str_eq(prov_error_last()->key, "db.user");
	ck_assert_int_eq(prov_config_get_string(c, "list.7", &s), PROV_ENOTFOUND);
}
END_TEST

START_TEST(test_a_path_through_a_scalar_names_the_scalar_and_its_origin)
{
	const char *s;

	ck_assert_int_eq(prov_config_get_string(c, "name.first", &s), PROV_ENOTFOUND);
	ck_assert_str_eq(prov_error_last()->message,
			 "config key 'name.first' is not set ('name' is a string, set at user.yaml:1 (user))");
}
END_TEST

START_TEST(test_a_wrong_type_names_the_path_and_origin)
{
	int64_t i;
	int b;
	size_t n;

	ck_assert_int_eq(prov_config_get_int64(c, "db.host", &i), PROV_ETYPE);
	ck_assert_str_eq(prov_error_last()->message,
			 "config key 'db.host' is a string, not an integer (set at user.yaml:8 (user))");
	ck_assert_str_eq(prov_error_last()->file, "user.yaml");
	ck_assert_int_eq(prov_error_last()->line, 8);
	ck_assert_int_eq(prov_config_get_int64(c, "ratio", &i), PROV_ETYPE);
	ck_assert_int_eq(prov_config_get_bool(c, "count", &b), PROV_ETYPE);
	ck_assert_int_eq(prov_config_get_array_length(c, "db", &n), PROV_ETYPE);
	ck_assert_str_eq(prov_error_last()->message,
			 "config key 'db' is a table, not an array (set at ws.toml:2 (workspace))");
}
END_TEST

START_TEST(test_origins_name_layer_file_and_line_for_each_format)
{
	const char *layer, *file;
	int line;

	ck_assert_int_eq(prov_config_get_origin(c, "db.port", &layer, &file, &line), PROV_OK);
	ck_assert_str_eq(layer, "project");
	ck_assert_str_eq(file, "project.json");
	ck_assert_int_eq(line, 3);
	ck_assert_int_eq(prov_config_get_origin(c, "db.password", &layer, &file, &line), PROV_OK);
	ck_assert_str_eq(layer, "user");
	ck_assert_str_eq(file, "user.yaml");
	ck_assert_int_eq(line, 7);
	ck_assert_int_eq(prov_config_get_origin(c, "db.replicas", &layer, &file, &line), PROV_OK);
	ck_assert_str_eq(layer, "workspace");
	ck_assert_str_eq(file, "ws.toml");
	ck_assert_int_eq(line, 3);
	ck_assert_int_eq(prov_config_get_origin(c, "db.backup.at", &layer, &file, &line), PROV_OK);
	ck_assert_int_eq(line, 6);
	ck_assert_int_eq(prov_config_get_origin(c, "checkpoint.store", &layer, &file, &line), PROV_OK);
	ck_assert_str_eq(layer, "builtin");
	ck_assert_str_eq(file, "<builtin>");
	ck_assert_int_eq(line, 0);
	ck_assert_int_eq(prov_config_get_origin(c, "nope", NULL, NULL, NULL), PROV_ENOTFOUND);
}
END_TEST

START_TEST(test_get_json_returns_the_subtree)
{
	char *json = NULL;

	ck_assert_int_eq(prov_config_get_json(c, "list", &json), PROV_OK);
	ck_assert_str_eq(json, "[\"a\",{\"b\":1}]");
	prov_free(json);
	ck_assert_int_eq(prov_config_get_json(c, "db.password", &json), PROV_OK);
	ck_assert_str_eq(json, "\"hunter2\"");
	prov_free(json);
	ck_assert_int_eq(prov_config_get_json(c, "missing", &json), PROV_ENOTFOUND);
	ck_assert_ptr_null(json);
}
END_TEST

START_TEST(test_keys_enumerate_in_order)
{
	const char *key;
	size_t n;

	ck_assert_int_eq(prov_config_get_key_count(c, "db", &n), PROV_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(prov_config_get_key_at(c, "db", 0, &key), PROV_OK);
	ck_assert_str_eq(key, "password");
	ck_assert_int_eq(prov_config_get_key_at(c, "db", 2, &key), PROV_OK);
	ck_assert_str_eq(key, "port");
	ck_assert_int_eq(prov_config_get_key_at(c, "db", 4, &key), PROV_OK);
	ck_assert_str_eq(key, "backup");
	ck_assert_int_eq(prov_config_get_key_at(c, "db", 5, &key), PROV_ERANGE);
	ck_assert_int_eq(prov_config_get_key_count(c, "", &n), PROV_OK);
	ck_assert_int_eq(prov_config_get_key_at(c, NULL, 0, &key), PROV_OK);
	ck_assert_str_eq(key, "paths");
	ck_assert_int_eq(prov_config_get_key_count(c, "name", &n), PROV_ETYPE);
}
END_TEST

START_TEST(test_secret_keys_are_recognised_by_their_last_part)
{
	ck_assert_int_eq(prov_config_is_secret_key("db.password"), 1);
	ck_assert_int_eq(prov_config_is_secret_key("DB_PASSWORD"), 1);
	ck_assert_int_eq(prov_config_is_secret_key("github.Token"), 1);
	ck_assert_int_eq(prov_config_is_secret_key("client_secret"), 1);
	ck_assert_int_eq(prov_config_is_secret_key("ssh.private_key"), 1);
	ck_assert_int_eq(prov_config_is_secret_key("upcloud.API_KEY"), 1);
	ck_assert_int_eq(prov_config_is_secret_key("password.hint"), 0);
	ck_assert_int_eq(prov_config_is_secret_key("db.host"), 0);
	ck_assert_int_eq(prov_config_is_secret_key(""), 0);
}
END_TEST

START_TEST(test_dumps_redact_secrets_unless_asked)
{
	char *json = NULL, *yaml = NULL, *open = NULL;

	ck_assert_int_eq(prov_config_dump(c, "", PROV_FORMAT_JSON, 0, &json), PROV_OK);
	ck_assert_contains(json, "\"password\": \"***\"");
	ck_assert_contains(json, "\"api_key\": \"***\"");
	ck_assert_contains(json, "\"tokens\": \"***\"");
	ck_assert_ptr_null(strstr(json, "hunter2"));
	ck_assert_int_eq(prov_config_dump(c, "db", PROV_FORMAT_YAML, 0, &yaml), PROV_OK);
	ck_assert_str_eq(yaml, "password: \"***\"\nhost: db.local\nport: 5432\nreplicas: 2\nbackup:\n"
			 "  at: \"1979-05-27T07:32:00Z\"\n");
	ck_assert_ptr_null(strstr(yaml, "hunter2"));
	ck_assert_int_eq(prov_config_dump(c, "", PROV_FORMAT_JSON, PROV_CONFIG_DUMP_SECRETS, &open), PROV_OK);
	ck_assert_contains(open, "hunter2");
	prov_free(json);
	prov_free(yaml);
	prov_free(open);
	ck_assert_int_eq(prov_config_dump(c, "db.password", PROV_FORMAT_JSON, 0, &json), PROV_OK);
	ck_assert_str_eq(json, "\"***\"\n");
	prov_free(json);
	ck_assert_int_eq(prov_config_dump(c, "", PROV_FORMAT_AUTO, 0, &json), PROV_EINVAL);
	ck_assert_int_eq(prov_config_dump(c, "nope", PROV_FORMAT_JSON, 0, &json), PROV_ENOTFOUND);
}
END_TEST

START_TEST(test_a_toml_datetime_reads_as_text_and_dumps_as_toml)
{
	char *toml = NULL;
	int type;

	ck_assert_str_eq(get_str(c, "db.backup.at"), "1979-05-27T07:32:00Z");
	ck_assert_int_eq(prov_config_get_type(c, "db.backup.at", &type), PROV_OK);
	ck_assert_int_eq(type, PROV_CONFIG_DATETIME);
	ck_assert_int_eq(prov_config_dump(c, "db", PROV_FORMAT_TOML, 0, &toml), PROV_OK);
	ck_assert_str_eq(toml, "password = \"***\"\nhost = \"db.local\"\nport = 5432\nreplicas = 2\n\n"
			 "[backup]\nat = 1979-05-27T07:32:00Z\n");
	prov_free(toml);
	ck_assert_int_eq(prov_config_dump(c, "", PROV_FORMAT_TOML, 0, &toml), PROV_OK);
	ck_assert_contains(toml, "[db.backup]\n");
	prov_free(toml);
	ck_assert_int_eq(prov_config_dump(c, "count", PROV_FORMAT_TOML, 0, &toml), PROV_EINVAL);
}
END_TEST

START_TEST(test_invalid_paths_are_invalid_arguments)
{
	const char *s;

	ck_assert_int_eq(prov_config_get_string(c, "a..b", &s), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "invalid key path 'a..b'");
	ck_assert_int_eq(prov_config_get_string(c, "\"open", &s), PROV_EINVAL);
}
END_TEST

START_TEST(test_layer_names_cover_every_kind)
{
	ck_assert_str_eq(prov_config_layer_name(PROV_CONFIG_LAYER_BUILTIN), "builtin");
	ck_assert_str_eq(prov_config_layer_name(PROV_CONFIG_LAYER_ENV_FILE), "env-file");
	ck_assert_str_eq(prov_config_layer_name(PROV_CONFIG_LAYER_RUNTIME), "runtime");
	ck_assert_str_eq(prov_config_layer_name(42), "unknown");
}
END_TEST

static Suite *read_suite(void)
{
	Suite *s = suite_create("config-read");
	TCase *tc = tcase_create("getters");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_typed_getters_read_each_type);
	tcase_add_test(tc, test_a_missing_key_is_not_found_naming_the_path);
	tcase_add_test(tc, test_a_path_through_a_scalar_names_the_scalar_and_its_origin);
	tcase_add_test(tc, test_a_wrong_type_names_the_path_and_origin);
	tcase_add_test(tc, test_origins_name_layer_file_and_line_for_each_format);
	tcase_add_test(tc, test_get_json_returns_the_subtree);
	tcase_add_test(tc, test_keys_enumerate_in_order);
	tcase_add_test(tc, test_secret_keys_are_recognised_by_their_last_part);
	tcase_add_test(tc, test_dumps_redact_secrets_unless_asked);
	tcase_add_test(tc, test_a_toml_datetime_reads_as_text_and_dumps_as_toml);
	tcase_add_test(tc, test_invalid_paths_are_invalid_arguments);
	tcase_add_test(tc, test_layer_names_cover_every_kind);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(read_suite());
}
