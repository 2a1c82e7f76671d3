/*
 * Loading one plugin file: the permission rule, dlopen, ABI negotiation and
 * descriptor validation, in that order. Nothing in the plugin beyond
 * prov_plugin_negotiate and prov_plugin_descriptor runs until the descriptor
 * passed every check.
 */
#ifndef PROV_PLUGIN_LOADER_H
#define PROV_PLUGIN_LOADER_H

#include <provisioning/extension.h>
#include <provisioning/provider.h>

#include <stdatomic.h>
#include <stdbool.h>

/*
 * A loaded, validated plugin. The interfaces are the host's own copies,
 * zero-filled past the plugin's declared size, so a function an older plugin
 * does not have reads as NULL. Reference counted: the registry and every
 * instance hold a reference, and the file is unloaded with the last one.
 */
typedef struct prov_plugin {
	atomic_int refs;
	void *handle;
	char *path;
	char *name;
	char *version;
	char *description;
	uint32_t abi_version;
	uint32_t kind;
	uint32_t flags;
	union {
		prov_provider_interface provider;
		prov_extension_interface extension;
	} iface;
} prov_plugin;

/*
 * Refuse a plugin file, or the directory holding it, when others than its
 * owner and root may write it (mode bits 022), unless allow_writable.
 */
int prov_plugin_check_permissions(const char *path, bool allow_writable);

/* Load and validate path; errors name the file and the reason. */
int prov_plugin_load(prov_plugin **out, const char *path, bool allow_writable);

prov_plugin *prov_plugin_ref(prov_plugin *plugin);
void prov_plugin_unref(prov_plugin *plugin);

/* "provider" or "extension". */
const char *prov_plugin_kind_name(uint32_t kind);

#endif
