/*
 * libprovisioning: loading plugins and calling providers (the host side).
 *
 * A registry finds plugins on the search path, loads them safely (dlopen,
 * ABI negotiation and descriptor validation before anything else runs),
 * keeps the provider and extension instances made from them, and calls
 * them. Every call returns the data exchange document (JSON text, see
 * docs/PLUGINS.md), also when it fails; a failure is recorded in
 * prov_error_last() with category PROV_ERRCAT_PROVIDER and the instance's
 * name.
 *
 * This header is for programs that host plugins. Plugin authors include
 * <provisioning/provider.h> or <provisioning/extension.h> instead.
 */
#ifndef PROVISIONING_PLUGIN_H
#define PROVISIONING_PLUGIN_H

#include <provisioning/common.h>

PROV_BEGIN_DECLS

/** A set of loaded plugins and the instances made from them. */
typedef struct prov_registry prov_registry;

/**
 * Options of prov_registry_new(), including the services the host offers to
 * plugins. Start from PROV_PLUGIN_OPTIONS_INIT; every callback may be NULL.
 * Callbacks may be called from any thread that calls a plugin, at the same
 * time from several, and must be thread-safe.
 */
typedef struct prov_plugin_options {
	unsigned int size;              /**< sizeof(prov_plugin_options) */
	/**
	 * Plugin directories after PROVISIONING_PLUGIN_PATH and before the
	 * installed pluginsdir (config `plugins.paths`), NULL-terminated; may be NULL.
	 */
	const char *const *paths;
	int ignore_environment;         /**< non-zero: do not read PROVISIONING_PLUGIN_PATH */
	int ignore_default_dir;         /**< non-zero: do not search the installed pluginsdir */
	/** Non-zero: load plugins from files or directories writable by others (unsafe). */
	int allow_writable;
	/** Where plugins' log lines go; NULL: the library's log handler (prov_log_set_handler). */
	void (*log)(int level, const char *instance, const char *message, void *userdata);
	/** Where plugins' events go (a flat JSON object); NULL: nowhere. */
	int (*publish)(const char *instance, const char *event_json, void *userdata);
	/**
	 * Config lookup for plugins: copy the JSON text of `key` into buf (size
	 * bytes, NUL-terminated) and its length into *needed; return PROV_OK,
	 * PROV_ENOTFOUND or PROV_ERANGE (buf too small). NULL: every key is unset.
	 */
	int (*config_get)(char *buf, size_t size, size_t *needed, const char *key,
			  void *userdata);
	void *userdata;                 /**< passed to the callbacks above */
} prov_plugin_options;

#define PROV_PLUGIN_OPTIONS_INIT \
	{ sizeof(prov_plugin_options), NULL, 0, 0, 0, NULL, NULL, NULL, NULL }

/**
 * Create a registry and load every plugin file (`*.so`) on the search path:
 * PROVISIONING_PLUGIN_PATH (colon separated), options->paths, then the
 * installed pluginsdir; never the current directory. A plugin whose name was
 * already loaded from an earlier directory is skipped with a warning. A file
 * that fails to load does not fail the registry: it is listed with its
 * reason by prov_registry_plugins_json(). `options` may be NULL (defaults).
 *
 * Errors: PROV_EINVAL, PROV_ENOMEM. Free with prov_registry_free().
 * Thread safety: a registry may be used from any number of threads once
 * made; adding instances and loading files are serialised internally.
 */
PROV_API int prov_registry_new(prov_registry **registry,
			       const prov_plugin_options *options);

/**
 * Finish every instance (deactivate, fini) and release the registry. A
 * plugin is unloaded only after its last call returned. NULL is a no-op.
 * No call may start on the registry once this began.
 */
PROV_API void prov_registry_free(prov_registry *registry);

/**
 * Load one plugin file outside the search path (the permission rule still
 * applies). Errors name the file and the reason: PROV_ENOTFOUND, PROV_EPERM
 * (writable by others), PROV_EPLUGIN (not loadable, missing entry point,
 * negotiation refused), PROV_EABI (incompatible ABI, malformed descriptor),
 * PROV_EEXISTS (a plugin of that name is already loaded).
 */
PROV_API int prov_registry_load_file(prov_registry *registry, const char *path);

/**
 * Describe the loaded plugins and the files that failed, as owned JSON text
 * (free with prov_free()):
 * {"plugins":[{"name","kind","version","description","abi","file",
 * "concurrent"}], "failed":[{"file","reason"}]}.
 */
PROV_API int prov_registry_plugins_json(char **json, prov_registry *registry);

/**
 * Make a provider instance called `name` from its config section
 * `config_json` (a JSON object, or NULL for {}). The section's "plugin"
 * member names the plugin serving it and defaults to `name`. The plugin's
 * init runs here; its failure is reported as PROV_EPLUGIN naming the
 * instance and the plugin's reason. PROV_EEXISTS when the name is taken.
 */
PROV_API int prov_registry_add_provider(prov_registry *registry, const char *name,
					const char *config_json);

/**
 * Make an extension instance called `name` served by the extension plugin
 * `plugin` (NULL: `name`) from its config section, and run its lifecycle up
 * to serving: init, validate, activate. Errors as prov_registry_add_provider().
 */
PROV_API int prov_registry_add_extension(prov_registry *registry, const char *name,
					 const char *plugin, const char *config_json);

/**
 * Options of prov_registry_load_extensions(). Start from
 * PROV_EXTENSION_OPTIONS_INIT; every member may stay NULL.
 */
typedef struct prov_extension_options {
	unsigned int size;              /**< sizeof(prov_extension_options) */
	/** paths.base: its .provisioning/extensions is searched first; NULL: the current directory. */
	const char *base_dir;
	/**
	 * Extension directories, highest priority first, replacing the default
	 * search path (config `extensions.paths`); NULL-terminated, or NULL.
	 */
	const char *const *paths;
	/**
	 * "full" (default), "restricted" (only `allowed`) or "disabled"
	 * (config `extensions.mode`). PROVISIONING_EXTENSION_MODE, when set, wins.
	 */
	const char *mode;
	const char *const *allowed;     /**< names loaded in restricted mode; NULL-terminated */
	const char *const *blocked;     /**< names never loaded; NULL-terminated */
} prov_extension_options;

#define PROV_EXTENSION_OPTIONS_INIT \
	{ sizeof(prov_extension_options), NULL, NULL, NULL, NULL, NULL }

/**
 * Discover extensions and load the ones that may load. Each `extension.toml`
 * found in a subdirectory of an extension directory (default, highest
 * priority first: BASE/.provisioning/extensions, ~/.provisioning-extensions,
 * /opt/provisioning-extensions, then PROVISIONING_EXTENSIONS_PATH) is read
 * and validated; the mode and lists, compatibility with the package version
 * and `requires` decide which load, in an order where each follows what it
 * requires. A manifest of type provider holds a provider plugin (make
 * instances with prov_registry_add_provider()); every other type holds an
 * extension plugin, instantiated under the manifest's name with the config
 * section `extensions.<name>` (through the config service) and activated.
 *
 * Extensions that do not load are not errors: prov_registry_extensions_json()
 * lists each with its reason. Errors: PROV_EINVAL (an unknown mode, named),
 * PROV_ENOMEM.
 */
PROV_API int prov_registry_load_extensions(prov_registry *registry,
					   const prov_extension_options *options);

/**
 * Every extension found, as owned JSON text (free with prov_free()):
 * {"extensions":[{"name","version","type","description","manifest",
 * "library","loaded","reason"}]}, where reason is null for loaded ones.
 */
PROV_API int prov_registry_extensions_json(char **json, prov_registry *registry);

/** Options of a call. Start from PROV_CALL_OPTIONS_INIT. */
typedef struct prov_call_options {
	unsigned int size;              /**< sizeof(prov_call_options) */
	const char *workflow_id;        /**< NULL outside a workflow */
	const char *operation_id;       /**< NULL outside a workflow */
	long long timeout_ms;           /**< <= 0: no deadline */
	/** Polled by the plugin; non-zero cancels the call. May be NULL. */
	int (*cancelled)(void *userdata);
	void *userdata;
} prov_call_options;

#define PROV_CALL_OPTIONS_INIT { sizeof(prov_call_options), NULL, NULL, 0, NULL, NULL }

/**
 * Call a provider action by name: list_servers, get_server, create_server,
 * delete_server, start_server, stop_server, reboot_server, modify_server,
 * list_plans, list_zones. `params_json` is a JSON object (NULL: {}); the
 * actions on one server take its "id" from it; create_server takes it as the
 * server spec. `options` may be NULL.
 *
 * `*document` always receives the data exchange document (owned, free with
 * prov_free()), unless the return is PROV_ENOMEM or PROV_EINVAL for a NULL
 * argument. Returns PROV_OK, or: PROV_ENOTFOUND (no such instance),
 * PROV_EUNSUPPORTED (the plugin lacks the action), PROV_EPROVIDER (the
 * provider failed: its code and message are in the document and the
 * error), PROV_ETIMEOUT (returned after the deadline), PROV_ECANCELLED.
 *
 * Thread safety: any number of threads may call at once; calls to a plugin
 * flagged PROV_PLUGIN_FLAG_NOT_CONCURRENT are serialised per instance.
 */
PROV_API int prov_provider_call(char **document, prov_registry *registry,
				const char *provider, const char *action,
				const char *params_json, const prov_call_options *options);

/** prov_provider_call() of list_servers. */
PROV_API int prov_provider_list_servers(char **document, prov_registry *registry,
					const char *provider,
					const prov_call_options *options);
/** prov_provider_call() of get_server for `id`. */
PROV_API int prov_provider_get_server(char **document, prov_registry *registry,
				      const char *provider, const char *id,
				      const prov_call_options *options);
/** prov_provider_call() of create_server with the server spec `spec_json`. */
PROV_API int prov_provider_create_server(char **document, prov_registry *registry,
					 const char *provider, const char *spec_json,
					 const prov_call_options *options);
/** prov_provider_call() of delete_server for `id`. */
PROV_API int prov_provider_delete_server(char **document, prov_registry *registry,
					 const char *provider, const char *id,
					 const prov_call_options *options);

/**
 * Run the task `task` of the extension instance `extension`, as
 * prov_provider_call() does for provider actions (PROV_EUNSUPPORTED when the
 * extension has no such task).
 */
PROV_API int prov_extension_run_task(char **document, prov_registry *registry,
				     const char *extension, const char *task,
				     const char *params_json,
				     const prov_call_options *options);

PROV_END_DECLS

#endif
