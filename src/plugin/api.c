/*
 * The public host-side API of <provisioning/plugin.h> that is not loading:
 * making instances, listing plugins, and the call wrappers.
 */
#include "plugin/call.h"
#include "plugin/registry.h"

#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The "plugin" member of an instance's section, or the instance's own name. */
static int plugin_name_of(char **plugin, const char *name, const char *config_json)
{
	json_object *config = NULL;
	const char *named;
	int rc;

	*plugin = NULL;
	if (!config_json || !config_json[0]) {
		*plugin = prov_strdup(name);
		return *plugin ? PROV_OK : PROV_ENOMEM;
	}
	rc = prov_json_parse(config_json, strlen(config_json), name, &config);
	if (rc == PROV_OK && !json_object_is_type(config, json_type_object))
		rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION,
				  "the config of instance %s must be a table", name);
	if (rc == PROV_OK) {
		named = prov_json_get_string(config, "plugin");
		*plugin = prov_strdup(named && named[0] ? named : name);
		rc = *plugin ? PROV_OK : PROV_ENOMEM;
	}
	if (rc != PROV_OK)
		prov_err_context(PROV_ERR_KEY, name);
	json_object_put(config);
	return rc;
}

static prov_plugin *reserve_plugin(prov_registry *r, const char *name, const char *plugin,
				   uint32_t kind)
{
	const char *what = prov_plugin_kind_name(kind);

	if (prov_registry_find_locked(r, name, kind)) {
		prov_err_set(PROV_EEXISTS, PROV_ERRCAT_CONFIGURATION,
			     "a %s instance named '%s' already exists", what, name);
		return NULL;
	}
	for (size_t i = 0; i < r->plugin_count; i++)
		if (r->plugins[i]->kind == kind && strcmp(r->plugins[i]->name, plugin) == 0)
			return prov_plugin_ref(r->plugins[i]);
	prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CONFIGURATION,
		     "%s instance '%s': no %s plugin named '%s' is loaded", what, name, what, plugin);
	return NULL;
}

static int append_instance(prov_registry *r, prov_instance *inst)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	if (prov_registry_find_locked(r, inst->name, inst->plugin->kind))
		rc = prov_err_set(PROV_EEXISTS, PROV_ERRCAT_CONFIGURATION,
				  "a %s instance named '%s' already exists",
				  prov_plugin_kind_name(inst->plugin->kind), inst->name);
	else
		rc = prov_grow(&r->instances, r->instance_count + 1, sizeof(*r->instances));
	if (rc == PROV_OK)
		r->instances[r->instance_count++] = inst;
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static int add_instance(prov_registry *r, const char *name, const char *plugin_name,
			uint32_t kind, const char *config_json)
{
	prov_instance *inst;
	prov_plugin *plugin;
	int rc;

	pthread_mutex_lock(&r->lock);
	plugin = reserve_plugin(r, name, plugin_name, kind);
	pthread_mutex_unlock(&r->lock);
	if (!plugin) {
		prov_err_context(PROV_ERR_PROVIDER, name);
		return prov_err_code();
	}
	/* init may be slow: it runs without the registry's lock. */
	rc = prov_instance_create(&inst, plugin, name, config_json, &r->services);
	prov_plugin_unref(plugin);
	if (rc == PROV_OK && (rc = append_instance(r, inst)) != PROV_OK)
		prov_instance_unref(inst);
	return rc;
}

static bool valid_name(const char *name)
{
	return name && name[0];
}

int prov_registry_add_provider(prov_registry *registry, const char *name,
			       const char *config_json)
{
	char *plugin;
	int rc;

	if (!registry || !valid_name(name))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "a provider instance needs a registry and a non-empty name");
	rc = plugin_name_of(&plugin, name, config_json);
	if (rc == PROV_OK)
		rc = add_instance(registry, name, plugin, PROV_PLUGIN_KIND_PROVIDER, config_json);
	free(plugin);
	return rc;
}

int prov_registry_add_extension(prov_registry *registry, const char *name,
				const char *plugin, const char *config_json)
{
	if (!registry || !valid_name(name))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "an extension instance needs a registry and a non-empty name");
	return add_instance(registry, name, plugin && plugin[0] ? plugin : name,
			    PROV_PLUGIN_KIND_EXTENSION, config_json);
}

static json_object *plugin_json(const prov_plugin *p)
{
	json_object *o = json_object_new_object();
	char abi[32];

	snprintf(abi, sizeof(abi), "%u.%u", (unsigned)PROV_PLUGIN_ABI_MAJOR(p->abi_version),
		 (unsigned)PROV_PLUGIN_ABI_MINOR(p->abi_version));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "kind", json_object_new_string(prov_plugin_kind_name(p->kind)));
	json_object_object_add(o, "version", json_object_new_string(p->version));
	json_object_object_add(o, "description", json_object_new_string(p->description));
	json_object_object_add(o, "abi", json_object_new_string(abi));
	json_object_object_add(o, "file", json_object_new_string(p->path));
	json_object_object_add(o, "concurrent",
			       json_object_new_boolean(!(p->flags & PROV_PLUGIN_FLAG_NOT_CONCURRENT)));
	return o;
}

int prov_registry_plugins_json(char **json, prov_registry *registry)
{
	json_object *doc, *plugins, *failed;

	if (!json || !registry)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_registry_plugins_json needs a registry and an output");
	doc = json_object_new_object();
	plugins = json_object_new_array();
	failed = json_object_new_array();
	pthread_mutex_lock(&registry->lock);
	for (size_t i = 0; i < registry->plugin_count; i++)
		json_object_array_add(plugins, plugin_json(registry->plugins[i]));
	for (size_t i = 0; i < registry->failure_count; i++) {
		json_object *f = json_object_new_object();

		json_object_object_add(f, "file", json_object_new_string(registry->failures[i].file));
		json_object_object_add(f, "reason", json_object_new_string(registry->failures[i].reason));
		json_object_array_add(failed, f);
	}
	pthread_mutex_unlock(&registry->lock);
	json_object_object_add(doc, "plugins", plugins);
	json_object_object_add(doc, "failed", failed);
	*json = prov_json_to_string(doc, NULL);
	json_object_put(doc);
	return *json ? PROV_OK : prov_err_nomem();
}

/* The internal context of the public call options (deadline counted from now). */
static void context_of(prov_call_context *ctx, const prov_call_options *options)
{
	memset(ctx, 0, sizeof(*ctx));
	if (!options)
		return;
	ctx->workflow_id = options->workflow_id;
	ctx->operation_id = options->operation_id;
	ctx->deadline_ms = prov_call_deadline_in(options->timeout_ms);
	ctx->cancelled = options->cancelled;
	ctx->userdata = options->userdata;
}

/* prov_registry_call_action() or prov_registry_call_task(). */
typedef int registry_call(prov_call_result *out, prov_registry *registry, const char *name,
			  const char *action, const char *params_json,
			  const prov_call_context *ctx);

/* A call through the public API: `what` names it when there is no *document to fill. */
static int public_call(char **document, registry_call *call, const char *what,
		       prov_registry *registry, const char *name, const char *action,
		       const char *params_json, const prov_call_options *options)
{
	prov_call_result result;
	prov_call_context ctx;
	int rc;

	if (!document)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s needs somewhere to put its document", what);
	context_of(&ctx, options);
	rc = call(&result, registry, name, action, params_json, &ctx);
	*document = result.document;
	result.document = NULL;
	prov_call_result_release(&result);
	return rc;
}

int prov_provider_call(char **document, prov_registry *registry, const char *provider,
		       const char *action, const char *params_json,
		       const prov_call_options *options)
{
	return public_call(document, prov_registry_call_action, "a provider call", registry,
			   provider, action, params_json, options);
}

/* params {"id": id} for the actions on one server. */
static char *id_params(const char *id)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	prov_strbuf_puts(&b, "{\"id\":");
	prov_strbuf_put_json_string(&b, id ? id : "", id ? strlen(id) : 0);
	prov_strbuf_putc(&b, '}');
	return prov_strbuf_detach(&b, NULL);
}

static int call_on_id(char **document, prov_registry *registry, const char *provider,
		      const char *action, const char *id, const prov_call_options *options)
{
	char *params = id_params(id);
	int rc;

	if (!params)
		return PROV_ENOMEM;
	rc = prov_provider_call(document, registry, provider, action, params, options);
	free(params);
	return rc;
}

int prov_provider_list_servers(char **document, prov_registry *registry,
			       const char *provider, const prov_call_options *options)
{
	return prov_provider_call(document, registry, provider, "list_servers", NULL, options);
}

int prov_provider_get_server(char **document, prov_registry *registry, const char *provider,
			     const char *id, const prov_call_options *options)
{
	return call_on_id(document, registry, provider, "get_server", id, options);
}

int prov_provider_create_server(char **document, prov_registry *registry,
				const char *provider, const char *spec_json,
				const prov_call_options *options)
{
	return prov_provider_call(document, registry, provider, "create_server", spec_json,
				  options);
}

int prov_provider_delete_server(char **document, prov_registry *registry,
				const char *provider, const char *id,
				const prov_call_options *options)
{
	return call_on_id(document, registry, provider, "delete_server", id, options);
}

int prov_extension_run_task(char **document, prov_registry *registry, const char *extension,
			    const char *task, const char *params_json,
			    const prov_call_options *options)
{
	return public_call(document, prov_registry_call_task, "an extension task", registry,
			   extension, task, params_json, options);
}
