/*
 * From an action name to the plugin function that serves it: the provider
 * actions of interface version 1 and extension tasks.
 */
#ifndef PROV_PLUGIN_DISPATCH_H
#define PROV_PLUGIN_DISPATCH_H

#include "plugin/instance.h"

#include <stdbool.h>

typedef struct prov_invocation {
	const char *action;
	int index;                      /* provider action index; -1 for an extension task */
	char *params_json;              /* the params, "{}" when none were given */
	char *id;                       /* params.id for the actions on one server */
	int (*step)(void *state, const prov_call *call);  /* an extension's lifecycle step */
} prov_invocation;

/*
 * Check that inst serves action and that params_json (NULL: {}) is a JSON
 * object holding what the action needs. Errors: PROV_EUNSUPPORTED, PROV_EINVAL.
 * Release inv with prov_dispatch_release() whatever the result.
 */
int prov_dispatch_prepare(prov_invocation *inv, prov_instance *inst, const char *action,
			  const char *params_json);

/* Call the plugin; returns what the plugin function returned. */
int prov_dispatch_invoke(prov_instance *inst, const prov_invocation *inv,
			 const prov_call *call);

bool prov_dispatch_supports(prov_instance *inst, const char *action);

void prov_dispatch_release(prov_invocation *inv);

#endif
