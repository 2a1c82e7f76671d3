#include "plugin-test.h"

#include "test-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 5;
	char *path = malloc(len);

	ck_assert_ptr_nonnull(path);
	snprintf(path, len, "%s/%s.so", dir, name);
	return path;
}

char *test_plugin_path(const char *name)
{
	return join(TEST_PLUGIN_DIR, name);
}

char *shipped_plugin_path(const char *name)
{
	return join(SHIPPED_PLUGIN_DIR, name);
}

prov_registry *test_registry_with(const prov_plugin_options *options,
				  const char *const *plugins)
{
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *reg = NULL;

	if (options)
		opt = *options;
	opt.ignore_environment = 1;
	opt.ignore_default_dir = 1;
	ck_assert_int_eq(prov_registry_new(&reg, &opt), PROV_OK);
	for (; plugins && *plugins; plugins++) {
		char *path = strncmp(*plugins, "shipped:", 8) == 0
			     ? shipped_plugin_path(*plugins + 8) : test_plugin_path(*plugins);
		int rc = prov_registry_load_file(reg, path);

		ck_assert_msg(rc == PROV_OK, "loading %s: %s", path, prov_error_last()->message);
		free(path);
	}
	return reg;
}

prov_registry *test_registry(const char *const *plugins)
{
	return test_registry_with(NULL, plugins);
}

json_object *test_document(char *document, const char *status)
{
	json_object *doc;

	ck_assert_ptr_nonnull(document);
	doc = json_tokener_parse(document);
	ck_assert_msg(doc != NULL, "not JSON: %s", document);
	ck_assert_msg(strcmp(test_doc_string(doc, "status"), status) == 0,
		      "status is not %s in %s", status, document);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(doc, "format_version")), 1);
	prov_free(document);
	return doc;
}

const char *test_doc_string(json_object *doc, const char *path)
{
	char key[128];
	const char *dot;
	json_object *v = doc;

	while (v && *path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
		if (json_object_is_type(v, json_type_array))
			v = json_object_array_get_idx(v, (size_t)atoi(key));
		else if (!json_object_object_get_ex(v, key, &v))
			return NULL;
		path = dot ? dot + 1 : "";
	}
	return v ? json_object_get_string(v) : NULL;
}

int test_error_mentions(const char *text)
{
	return strstr(prov_error_last()->message, text) != NULL;
}
