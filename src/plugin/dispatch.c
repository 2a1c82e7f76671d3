/* The table of provider actions and the lookup of extension tasks. */
#include "plugin/dispatch.h"

#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

enum action_args {
	ARGS_NONE,      /* (state, call) */
	ARGS_ID,        /* (state, call, id) */
	ARGS_SPEC,      /* (state, call, params) */
	ARGS_ID_PARAMS, /* (state, call, id, params) */
};

enum action_index {
	LIST_SERVERS, GET_SERVER, CREATE_SERVER, DELETE_SERVER, START_SERVER,
	STOP_SERVER, REBOOT_SERVER, MODIFY_SERVER, LIST_PLANS, LIST_ZONES,
};

static const struct action {
	const char *name;
	enum action_args args;
} actions[] = {
	[LIST_SERVERS] = { "list_servers", ARGS_NONE },
	[GET_SERVER] = { "get_server", ARGS_ID },
	[CREATE_SERVER] = { "create_server", ARGS_SPEC },
	[DELETE_SERVER] = { "delete_server", ARGS_ID },
	[START_SERVER] = { "start_server", ARGS_ID },
	[STOP_SERVER] = { "stop_server", ARGS_ID },
	[REBOOT_SERVER] = { "reboot_server", ARGS_ID },
	[MODIFY_SERVER] = { "modify_server", ARGS_ID_PARAMS },
	[LIST_PLANS] = { "list_plans", ARGS_NONE },
	[LIST_ZONES] = { "list_zones", ARGS_NONE },
};

#define ACTION_COUNT ((int)(sizeof(actions) / sizeof(actions[0])))

static int action_index(const char *name)
{
	for (int i = 0; i < ACTION_COUNT; i++)
		if (strcmp(actions[i].name, name) == 0)
			return i;
	return -1;
}

/* The function of action i, as a generic pointer: NULL when absent. */
static void *provider_function(const prov_provider_interface *p, int i)
{
	void *fns[] = {
		[LIST_SERVERS] = *(void **)&p->list_servers,
		[GET_SERVER] = *(void **)&p->get_server,
		[CREATE_SERVER] = *(void **)&p->create_server,
		[DELETE_SERVER] = *(void **)&p->delete_server,
		[START_SERVER] = *(void **)&p->start_server,
		[STOP_SERVER] = *(void **)&p->stop_server,
		[REBOOT_SERVER] = *(void **)&p->reboot_server,
		[MODIFY_SERVER] = *(void **)&p->modify_server,
		[LIST_PLANS] = *(void **)&p->list_plans,
		[LIST_ZONES] = *(void **)&p->list_zones,
	};

	return fns[i];
}

static bool task_listed(const prov_extension_interface *e, const char *task)
{
	for (const char *const *name = e->task_names; *name; name++)
		if (strcmp(*name, task) == 0)
			return true;
	return false;
}

bool prov_dispatch_supports(prov_instance *inst, const char *action)
{
	int i;

	if (inst->plugin->kind == PROV_PLUGIN_KIND_EXTENSION)
		return task_listed(&inst->plugin->iface.extension, action);
	i = action_index(action);
	return i >= 0 && provider_function(&inst->plugin->iface.provider, i) != NULL;
}

static int unsupported(prov_instance *inst, const char *action)
{
	bool extension = inst->plugin->kind == PROV_PLUGIN_KIND_EXTENSION;

	return prov_err_set(PROV_EUNSUPPORTED, PROV_ERRCAT_PROVIDER,
			    "%s %s (plugin %s) has no %s '%s'",
			    extension ? "extension" : "provider", inst->name,
			    inst->plugin->name, extension ? "task" : "action", action);
}

/* Parse the params as a JSON object and take its "id" when the action needs one. */
static int read_params(prov_invocation *inv, prov_instance *inst, const char *params_json,
		       bool needs_id)
{
	json_object *obj = NULL;
	const char *id;
	int rc;

	rc = prov_json_parse(params_json, strlen(params_json), "params", &obj);
	if (rc != PROV_OK || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "params of %s on %s must be a JSON object", inv->action,
				    inst->name);
	}
	id = prov_json_get_string(obj, "id");
	if (needs_id && (!id || !id[0])) {
		json_object_put(obj);
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s on %s needs a server id (params.id)", inv->action,
				    inst->name);
	}
	rc = PROV_OK;
	if (needs_id && !(inv->id = prov_strdup(id)))
		rc = PROV_ENOMEM;
	json_object_put(obj);
	return rc;
}

int prov_dispatch_prepare(prov_invocation *inv, prov_instance *inst, const char *action,
			  const char *params_json)
{
	bool needs_id = false;

	memset(inv, 0, sizeof(*inv));
	inv->action = action;
	inv->index = -1;
	if (!prov_dispatch_supports(inst, action))
		return unsupported(inst, action);
	if (inst->plugin->kind == PROV_PLUGIN_KIND_PROVIDER) {
		inv->index = action_index(action);
		needs_id = actions[inv->index].args == ARGS_ID ||
			   actions[inv->index].args == ARGS_ID_PARAMS;
	}
	inv->params_json = prov_strdup(params_json && params_json[0] ? params_json : "{}");
	if (!inv->params_json)
		return PROV_ENOMEM;
	return read_params(inv, inst, inv->params_json, needs_id);
}

typedef int (*fn_none)(void *, const prov_call *);
typedef int (*fn_arg)(void *, const prov_call *, const char *);
typedef int (*fn_id_params)(void *, const prov_call *, const char *, const char *);

int prov_dispatch_invoke(prov_instance *inst, const prov_invocation *inv,
			 const prov_call *call)
{
	void *fn;

	if (inv->step)
		return inv->step(inst->state, call);
	if (inv->index < 0)
		return inst->plugin->iface.extension.run_task(inst->state, call);
	fn = provider_function(&inst->plugin->iface.provider, inv->index);
	switch (actions[inv->index].args) {
	case ARGS_NONE:
		return (*(fn_none *)&fn)(inst->state, call);
	case ARGS_ID:
		return (*(fn_arg *)&fn)(inst->state, call, inv->id);
	case ARGS_SPEC:
		return (*(fn_arg *)&fn)(inst->state, call, inv->params_json);
	case ARGS_ID_PARAMS:
		return (*(fn_id_params *)&fn)(inst->state, call, inv->id, inv->params_json);
	}
	return PROV_ERROR;
}

void prov_dispatch_release(prov_invocation *inv)
{
	free(inv->params_json);
	free(inv->id);
	inv->params_json = NULL;
	inv->id = NULL;
}
