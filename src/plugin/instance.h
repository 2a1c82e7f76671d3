/*
 * Provider and extension instances: one plugin state made from one config
 * section, with the host services handed to it. An instance is reference
 * counted: the registry holds one reference and every call in flight holds
 * another, so its fini, and the unloading of its plugin, wait for the last
 * call to return.
 */
#ifndef PROV_PLUGIN_INSTANCE_H
#define PROV_PLUGIN_INSTANCE_H

#include <provisioning/plugin.h>

#include "plugin/loader.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct prov_instance {
	atomic_int refs;
	char *name;
	prov_plugin *plugin;
	void *state;
	bool initialised;
	bool active;                    /* extensions: activate succeeded */
	prov_host_api host;
	/* The host's callbacks, copied: an instance finishing after its
	 * registry (its last call still running) must not reach back into it. */
	prov_plugin_options services;
	pthread_mutex_t serial;         /* held around calls when not concurrent */
	/* The last error a plugin logged while its init ran: the reason init failed. */
	bool in_init;
	char init_error[256];
} prov_instance;

/*
 * Make an instance of plugin and run its init (for an extension also
 * validate and activate). The instance takes a reference to plugin.
 */
int prov_instance_create(prov_instance **out, prov_plugin *plugin, const char *name,
			 const char *config_json, const prov_plugin_options *services);

prov_instance *prov_instance_ref(prov_instance *inst);
/* The last reference runs deactivate and fini, then drops the plugin. */
void prov_instance_unref(prov_instance *inst);

/*
 * Run an extension's lifecycle step (validate, activate, deactivate) as a
 * call without deadline; result and error as for any call (call.c).
 */
struct prov_call_result;
int prov_lifecycle_call(struct prov_call_result *out, prov_instance *inst, const char *step,
			int (*fn)(void *state, const prov_call *call));

/* Fill inst->host with the host's services (host.c). */
void prov_host_api_init(prov_instance *inst);

#endif
