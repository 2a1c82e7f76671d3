/*
 * Extensions end to end: extension.toml manifests found on the search path,
 * the libraries they name loaded in dependency order (provider manifests as
 * provider plugins, the rest as activated extensions), and everything that
 * does not load listed with its reason.
 */
#include "test-util.h"
#include "plugin-test.h"

#include <sys/stat.h>

static void make_extension(const char *root, const char *name, const char *manifest,
			   const char *plugin)
{
	char *dir = test_path(root, name), *file, command[2048];

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	file = test_path(dir, "extension.toml");
	test_write_file(file, manifest);
	if (plugin) {
		char *source = test_plugin_path(plugin);

		snprintf(command, sizeof(command), "cp '%s' '%s/lib%s.so'", source, dir, name);
		ck_assert_int_eq(system(command), 0);
		free(source);
	}
	free(file);
	free(dir);
}

static char *manifest(char *buf, size_t size, const char *name, const char *version,
		      const char *type, const char *extra)
{
	snprintf(buf, size,
		 "[extension]\nname = \"%s\"\nversion = \"%s\"\ntype = \"%s\"\n"
		 "description = \"test\"\nlibrary = \"lib%s.so\"\n%s",
		 name, version, type, name, extra ? extra : "");
	return buf;
}

typedef struct fixture {
	char *root;
	prov_registry *reg;
	json_object *list;
} fixture;

static void load(fixture *f, const char *mode)
{
	const char *paths[] = { f->root, NULL };
	prov_extension_options opt = PROV_EXTENSION_OPTIONS_INIT;
	char *json = NULL;

	f->reg = test_registry(NULL);
	opt.paths = paths;
	opt.mode = mode;
	ck_assert_int_eq(prov_registry_load_extensions(f->reg, &opt), PROV_OK);
	ck_assert_int_eq(prov_registry_extensions_json(&json, f->reg), PROV_OK);
	f->list = json_tokener_parse(json);
	prov_free(json);
}

static json_object *entry(fixture *f, const char *name)
{
	json_object *list = json_object_object_get(f->list, "extensions");

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);

		if (strcmp(test_doc_string(e, "name"), name) == 0)
			return e;
	}
	ck_abort_msg("extension %s is not listed", name);
	return NULL;
}

static bool loaded(fixture *f, const char *name)
{
	return json_object_get_boolean(json_object_object_get(entry(f, name), "loaded"));
}

static void finish(fixture *f)
{
	json_object_put(f->list);
	prov_registry_free(f->reg);
	test_rmtree(f->root);
	free(f->root);
}

START_TEST(test_manifests_load_their_libraries_in_dependency_order)
{
	fixture f = { test_tmpdir(), NULL, NULL };
	char m[1024], *doc = NULL;
	json_object *d;

	make_extension(f.root, "greet", manifest(m, sizeof(m), "greet", "1.0.0", "taskserv",
		"[compatibility]\nprovisioning = \">=0.1.0, <1.0.0\"\n"
		"[dependencies]\nrequires = [\"cloud >=1\"]\n"), "greeter");
	make_extension(f.root, "cloud", manifest(m, sizeof(m), "cloud", "1.2.0", "provider", NULL),
		       "fake");
	load(&f, NULL);
	ck_assert(loaded(&f, "greet"));
	ck_assert(loaded(&f, "cloud"));
	ck_assert_str_eq(test_doc_string(entry(&f, "cloud"), "type"), "provider");
	/* The provider manifest brought its plugin; the extension serves tasks. */
	ck_assert_int_eq(prov_registry_add_provider(f.reg, "fake", NULL), PROV_OK);
	ck_assert_int_eq(prov_extension_run_task(&doc, f.reg, "greet", "greet", NULL, NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.greeting"), "hello");
	json_object_put(d);
	finish(&f);
}
END_TEST

START_TEST(test_extensions_that_cannot_load_are_listed_with_the_reason)
{
	fixture f = { test_tmpdir(), NULL, NULL };
	char m[1024];

	make_extension(f.root, "future", manifest(m, sizeof(m), "future", "1.0.0", "workflow",
		"[compatibility]\nprovisioning = \">=2.0.0\"\n"), "greeter");
	make_extension(f.root, "broken", "[extension]\nname = \"broken\"\nversion = \"1.0\"\n"
		       "type = \"cluster\"\nlibrary = \"x.so\"\n", NULL);
	make_extension(f.root, "badtoml", "[extension\n", NULL);
	make_extension(f.root, "wrongkind", manifest(m, sizeof(m), "wrongkind", "1.0.0", "provider", NULL),
		       "greeter");
	make_extension(f.root, "needy", manifest(m, sizeof(m), "needy", "1.0.0", "cluster",
		"[dependencies]\nrequires = [\"wrongkind\"]\n"), "greeter");
	make_extension(f.root, "nolib", manifest(m, sizeof(m), "nolib", "1.0.0", "cluster", NULL), NULL);
	load(&f, NULL);
	ck_assert(!loaded(&f, "future"));
	ck_assert_str_eq(test_doc_string(entry(&f, "future"), "reason"),
			 "needs provisioning >=2.0.0, this is 0.1.0");
	ck_assert_msg(strstr(test_doc_string(entry(&f, "broken"), "reason"), "extension.toml:3:"), "%s", test_doc_string(entry(&f, "broken"), "reason"));
	ck_assert(strstr(test_doc_string(entry(&f, "broken"), "reason"), "not a semantic version"));
	ck_assert(strstr(test_doc_string(entry(&f, "badtoml"), "reason"), "extension.toml:1"));
	ck_assert(strstr(test_doc_string(entry(&f, "wrongkind"), "reason"),
			 "where a provider plugin was expected"));
	ck_assert_str_eq(test_doc_string(entry(&f, "needy"), "reason"),
			 "requires wrongkind, which did not load");
	ck_assert(strstr(test_doc_string(entry(&f, "nolib"), "reason"), "libnolib.so"));
	finish(&f);
}
END_TEST

START_TEST(test_the_extension_mode_and_lists_are_obeyed)
{
	fixture f = { test_tmpdir(), NULL, NULL };
	char m[1024];

	make_extension(f.root, "greet", manifest(m, sizeof(m), "greet", "1.0.0", "taskserv", NULL),
		       "greeter");
	setenv("PROVISIONING_EXTENSION_MODE", "disabled", 1);
	load(&f, "full");
	unsetenv("PROVISIONING_EXTENSION_MODE");
	ck_assert(!loaded(&f, "greet"));
	ck_assert_str_eq(test_doc_string(entry(&f, "greet"), "reason"),
			 "extensions are disabled (mode disabled)");
	json_object_put(f.list);
	prov_registry_free(f.reg);
	load(&f, "restricted");
	ck_assert_str_eq(test_doc_string(entry(&f, "greet"), "reason"),
			 "not on the allowed list (mode restricted)");
	finish(&f);
}
END_TEST

START_TEST(test_an_unknown_mode_is_an_error)
{
	prov_registry *reg = test_registry(NULL);
	prov_extension_options opt = PROV_EXTENSION_OPTIONS_INIT;
	const char *none[] = { NULL };

	opt.paths = none;
	opt.mode = "everything";
	ck_assert_int_eq(prov_registry_load_extensions(reg, &opt), PROV_EINVAL);
	ck_assert(test_error_mentions("'everything'"));
	prov_registry_free(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin-extensions");
	TCase *tc = tcase_create("extensions");

	tcase_add_test(tc, test_manifests_load_their_libraries_in_dependency_order);
	tcase_add_test(tc, test_extensions_that_cannot_load_are_listed_with_the_reason);
	tcase_add_test(tc, test_the_extension_mode_and_lists_are_obeyed);
	tcase_add_test(tc, test_an_unknown_mode_is_an_error);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
