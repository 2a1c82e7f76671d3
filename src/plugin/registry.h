/* The registry's insides, shared by registry.c and call.c. */
#ifndef PROV_PLUGIN_REGISTRY_H
#define PROV_PLUGIN_REGISTRY_H

#include <provisioning/plugin.h>

#include "plugin/extensions.h"
#include "plugin/instance.h"
#include "plugin/loader.h"

#include <pthread.h>

typedef struct prov_load_failure {
	char *file;
	char *reason;
} prov_load_failure;

struct prov_registry {
	pthread_mutex_t lock;           /* guards the arrays below */
	prov_plugin_options services;   /* the caller's options; paths copied below */
	char **paths;                   /* options->paths, owned */
	prov_plugin **plugins;
	size_t plugin_count;
	prov_load_failure *failures;
	size_t failure_count;
	prov_instance **instances;      /* providers and extensions; never removed */
	size_t instance_count;
	prov_extension_entry *extensions;  /* every extension found, for listing */
	size_t extension_count;
};

/*
 * A new reference to the instance `name` whose plugin is of `kind`, or NULL
 * with PROV_ENOTFOUND recorded. Release with prov_instance_unref().
 */
prov_instance *prov_registry_acquire(prov_registry *registry, const char *name,
				     uint32_t kind);

/*
 * Load the plugin at path (refusing another kind than `kind`; 0: any) and
 * keep it; *loaded (may be NULL) borrows it until the registry is freed.
 */
int prov_registry_load_plugin(prov_registry *registry, const char *path, uint32_t kind,
			      prov_plugin **loaded);

/* The instance `name` of `kind`, borrowed; the caller holds registry->lock. */
prov_instance *prov_registry_find_locked(prov_registry *registry, const char *name,
					 uint32_t kind);

#endif
