/*
 * Workflow definitions: the first byte picks the format (YAML, TOML, JSON),
 * the rest is the document. Whatever loads must validate, plan and draw
 * without a provider, and its normalised form must load back to the same
 * hash (the checkpoint stores it, and resume checks the hash).
 */
#include <provisioning/workflow.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const prov_workflow *wf)
{
	char *report = NULL, *plan = NULL, *dot = NULL, *mermaid = NULL;

	if (prov_workflow_validate(&report, NULL, wf) == PROV_OK &&
	    prov_workflow_plan(&plan, NULL, wf) != PROV_OK && prov_error_last()->code != PROV_ECONFIG)
		abort();
	if (prov_workflow_graph(&dot, wf, "dot") != PROV_OK ||
	    prov_workflow_graph(&mermaid, wf, "mermaid") != PROV_OK)
		abort();
	prov_free(report);
	prov_free(plan);
	prov_free(dot);
	prov_free(mermaid);
}

static void reload_normalised(const prov_workflow *wf)
{
	prov_workflow *back = NULL;
	char *json = NULL;

	if (prov_workflow_to_json(&json, wf) != PROV_OK)
		abort();
	if (prov_workflow_load_string(&back, "normalised", json, strlen(json), PROV_FORMAT_JSON) !=
	    PROV_OK || strcmp(prov_workflow_sha256(back), prov_workflow_sha256(wf)) != 0)
		abort();
	prov_workflow_free(back);
	prov_free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const prov_format formats[] = { PROV_FORMAT_YAML, PROV_FORMAT_TOML, PROV_FORMAT_JSON };
	prov_workflow *wf = NULL;

	if (size < 1)
		return 0;
	if (prov_workflow_load_string(&wf, "fuzz", (const char *)data + 1, size - 1,
				      formats[data[0] % 3]) != PROV_OK)
		return 0;
	exercise(wf);
	reload_normalised(wf);
	prov_workflow_free(wf);
	return 0;
}
