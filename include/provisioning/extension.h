/*
 * libprovisioning: the extension interface.
 *
 * An extension plugin exports the same two entry points as a provider (see
 * <provisioning/provider.h>, whose ABI rules apply unchanged) with a
 * descriptor of kind PROV_PLUGIN_KIND_EXTENSION pointing to a
 * prov_extension_interface. Extensions are found through `extension.toml`
 * manifests (docs/PLUGINS.md).
 *
 * Lifecycle: init, then validate (check config and environment; nothing
 * changes yet), activate (start serving tasks), tasks by name, deactivate,
 * fini. Workflow operations call a task by name: an operation with
 * `extension: NAME` and `action: TASK` runs run_task with call->action set to
 * TASK and call->params_json to the operation's params.
 */
#ifndef PROVISIONING_EXTENSION_H
#define PROVISIONING_EXTENSION_H

#include <provisioning/provider.h>

PROV_BEGIN_DECLS

/**
 * The extension interface, version 1. Required: init, fini, task_names and
 * run_task. validate, activate and deactivate may be NULL (nothing to do).
 */
typedef struct prov_extension_interface {
	uint32_t size;                 /**< sizeof(prov_extension_interface) of the plugin */
	uint32_t reserved;
	/** Make the extension's state from its config section (JSON). */
	int (*init)(const prov_host_api *host, const char *config_json, void **state);
	void (*fini)(void *state);
	int (*validate)(void *state, const prov_call *call);
	int (*activate)(void *state, const prov_call *call);
	int (*deactivate)(void *state, const prov_call *call);
	/** The tasks run_task serves: a NULL-terminated array of static names. */
	const char *const *task_names;
	/** Run the task call->action with call->params_json; output and failure as providers. */
	int (*run_task)(void *state, const prov_call *call);
} prov_extension_interface;

PROV_END_DECLS

#endif
