/* Helpers of the plugin tests: registries over the test plugins, documents. */
#ifndef PROV_PLUGIN_TEST_H
#define PROV_PLUGIN_TEST_H

#include <provisioning/plugin.h>
#include <provisioning/error.h>

#include <json-c/json.h>

/* The path of a test plugin ("fake" -> TEST_PLUGIN_DIR/fake.so); free(). */
char *test_plugin_path(const char *name);
/* The path of a shipped plugin ("local"); free(). */
char *shipped_plugin_path(const char *name);

/* A registry that searches nothing by itself, with the given plugins loaded. */
prov_registry *test_registry(const char *const *plugins);
prov_registry *test_registry_with(const prov_plugin_options *options,
				  const char *const *plugins);

/* Parse a document, assert its status, and free the text; json_object_put() it. */
json_object *test_document(char *document, const char *status);
/* A member of a document by dotted path ("error.code"), as a string or NULL. */
const char *test_doc_string(json_object *doc, const char *path);

/* Whether the last error's message contains text. */
int test_error_mentions(const char *text);

#endif
