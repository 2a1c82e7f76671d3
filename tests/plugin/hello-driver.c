/*
 * Drives the out-of-tree hello provider through an installed library: the
 * registry finds it on PROVISIONING_PLUGIN_PATH, and calls return documents.
 * Built with nothing but pkg-config, like any program using the library.
 */
#include <provisioning/provisioning.h>

#include <stdio.h>
#include <string.h>

static int expect(int rc, char *document, const char *needle)
{
	int ok = document && strstr(document, needle) != NULL;

	if (rc != PROV_OK || !ok) {
		fprintf(stderr, "unexpected (%d, %s): %s\n", rc, prov_error_last()->message,
			document ? document : "(no document)");
		ok = 0;
	}
	prov_free(document);
	return ok ? 0 : 1;
}

int main(void)
{
	prov_plugin_options options = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *registry = NULL;
	char *document = NULL;
	int failures = 0;

	options.ignore_default_dir = 1;
	if (prov_registry_new(&registry, &options) != PROV_OK ||
	    prov_registry_add_provider(registry, "hello", NULL) != PROV_OK) {
		fprintf(stderr, "hello provider not loaded: %s\n", prov_error_last()->message);
		prov_registry_free(registry);
		return 1;
	}
	int rc;

	rc = prov_provider_create_server(&document, registry, "hello",
					 "{\"hostname\":\"web-1\"}", NULL);
	failures += expect(rc, document, "\"id\":\"hello-1\"");
	/* Again: the same server, idempotent by hostname. */
	rc = prov_provider_create_server(&document, registry, "hello",
					 "{\"hostname\":\"web-1\"}", NULL);
	failures += expect(rc, document, "\"resources\":[\"hello-1\"]");
	rc = prov_provider_list_servers(&document, registry, "hello", NULL);
	failures += expect(rc, document, "\"hostname\":\"web-1\"");
	prov_registry_free(registry);
	if (failures == 0)
		printf("hello provider: built out of tree, loaded and called\n");
	return failures ? 1 : 0;
}
