/*
 * The environment of one workflow: the config resolved with the
 * definition's `configuration:` as its workflow layer, an expander for the
 * references in params, and the registry whose plugins the operations call.
 * The checks that need it: providers and actions, extensions and tasks,
 * config references.
 */
#include "workflow/internal.h"

#include "core/err.h"
#include "core/mem.h"
#include "plugin/call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wf_env_open(struct wf_env *env, const prov_workflow_runner *runner, const prov_workflow *wf)
{
	prov_config_resolver *own = NULL, *resolver = runner ? runner->resolver : NULL;
	int rc = PROV_OK;

	memset(env, 0, sizeof(*env));
	env->registry = runner ? runner->registry : NULL;
	if (!resolver && (rc = prov_config_resolver_new(&own)) == PROV_OK)
		resolver = own;
	if (rc == PROV_OK)
		rc = prov_config_resolve_with_tree(&env->config, resolver, PROV_CONFIG_LAYER_WORKFLOW,
						   wf->configuration);
	if (rc == PROV_OK)
		rc = prov_config_expander_new(&env->expander, resolver, env->config);
	prov_config_resolver_free(own);
	if (rc)
		wf_env_close(env);
	return rc;
}

void wf_env_close(struct wf_env *env)
{
	prov_config_expander_free(env->expander);
	prov_config_free(env->config);
	memset(env, 0, sizeof(*env));
}

/* "providers.NAME", quoting a name that holds a dot or a quote. */
static void provider_key(char *key, size_t size, const char *name)
{
	if (strpbrk(name, ".\"\\"))
		snprintf(key, size, "providers.\"%s\"", name);
	else
		snprintf(key, size, "providers.%s", name);
}

int wf_env_ensure_provider(struct wf_env *env, const char *name)
{
	char key[512], *section = NULL;
	int rc;

	if (!env->registry)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "calling provider %s needs a plugin registry", name);
	if (prov_registry_has_action(env->registry, name, "list_servers"))
		return PROV_OK;
	provider_key(key, sizeof(key), name);
	prov_config_get_json(env->config, key, &section);
	rc = prov_registry_add_provider(env->registry, name, section);
	prov_free(section);
	return rc == PROV_EEXISTS ? PROV_OK : rc;
}

static int keep_ops_reference(prov_value **out, const char *name, const prov_value *where,
			      void *userdata)
{
	char text[1024];
	int len;

	(void)userdata;
	if (!wf_is_ops_reference(name))
		return PROV_CONFIG_REFERENCE_NOT_MINE;
	len = snprintf(text, sizeof(text), "{{%s}}", name);
	*out = prov_value_string(text, len < (int)sizeof(text) ? (size_t)len : sizeof(text) - 1,
				 (prov_source *)prov_value_source(where), prov_value_line(where));
	return *out ? PROV_OK : PROV_ENOMEM;
}

int wf_expand_params(prov_value **out, const struct wf_env *env, const struct wf_operation *op,
		     prov_config_reference_fn ops, void *userdata)
{
	return prov_config_expand(out, env->expander, op->params, ops ? ops : keep_ops_reference,
				  userdata);
}

/* Each string with a reference on its own, so every bad one is named. */
static void check_references(struct wf_env *env, const prov_value *v, struct wf_problems *p)
{
	prov_value *out = NULL;
	const char *text;
	size_t len;

	switch (prov_value_type_of(v)) {
	case PROV_VALUE_STRING:
		text = prov_value_get_str(v, &len);
		if (!memmem(text, len, "{{", 2))
			break;
		if (prov_config_expand(&out, env->expander, v, keep_ops_reference, NULL) != PROV_OK)
			wf_problem_from_error(p, v, NULL);
		prov_value_unref(out);
		break;
	case PROV_VALUE_ARRAY:
		for (size_t i = 0; i < prov_array_len(v); i++)
			check_references(env, prov_array_at(v, i), p);
		break;
	case PROV_VALUE_TABLE:
		for (size_t i = 0; i < prov_table_len(v); i++)
			check_references(env, prov_table_value_at(v, i), p);
		break;
	default:
		break;
	}
}

/* Whether an earlier operation already named this provider (checked once). */
static bool provider_seen(const prov_workflow *wf, size_t index)
{
	for (size_t i = 0; i < index; i++)
		if (wf->ops[i].provider && strcmp(wf->ops[i].provider, wf->ops[index].provider) == 0)
			return true;
	return false;
}

static void check_target(struct wf_env *env, const prov_workflow *wf, size_t index,
			 struct wf_problems *p)
{
	const struct wf_operation *op = &wf->ops[index];
	const prov_value *where = prov_table_gets(op->node, op->provider ? "provider" : "extension");
	char prefix[256];

	if (!op->action)
		return;
	if (op->provider && !provider_seen(wf, index) &&
	    wf_env_ensure_provider(env, op->provider) != PROV_OK) {
		snprintf(prefix, sizeof(prefix), "operation '%s': unknown provider '%s': ", op->id,
			 op->provider);
		wf_problem_from_error(p, where, prefix);
	} else if (op->provider && prov_registry_has_action(env->registry, op->provider, "list_servers") &&
		   !prov_registry_has_action(env->registry, op->provider, op->action)) {
		wf_problem(p, prov_table_gets(op->node, "action"),
			   "operation '%s': provider '%s' has no action '%s'", op->id, op->provider,
			   op->action);
	} else if (op->extension &&
		   !prov_registry_has_task(env->registry, op->extension, op->action)) {
		wf_problem(p, where,
			   "operation '%s': no loaded extension '%s' with a task '%s' "
			   "(see provisioning extensions list)", op->id, op->extension, op->action);
	}
}

void wf_env_check(struct wf_env *env, const prov_workflow *wf, struct wf_problems *p)
{
	for (size_t i = 0; i < wf->op_count; i++) {
		if (env->registry)
			check_target(env, wf, i, p);
		check_references(env, wf->ops[i].params, p);
	}
}
