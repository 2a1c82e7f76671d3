/*
 * The registry: plugins found on the search path, files that failed with
 * their reasons, and the named instances calls go to.
 *
 * Search path, highest priority first: PROVISIONING_PLUGIN_PATH, the
 * caller's paths (config plugins.paths), the installed pluginsdir. Never the
 * current directory: dlopen runs a file's constructors, so only directories
 * someone chose are searched.
 */
#include "plugin/registry.h"

#include "core/err.h"
#include "core/json.h"
#include "core/logging.h"
#include "core/mem.h"

#include "build-config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_options(prov_plugin_options *dst, const prov_plugin_options *src)
{
	prov_plugin_options defaults = PROV_PLUGIN_OPTIONS_INIT;

	*dst = defaults;
	if (src)
		memcpy(dst, src, src->size < sizeof(*dst) ? src->size : sizeof(*dst));
	dst->size = (unsigned int)sizeof(*dst);
}

static int copy_paths(prov_registry *r, const char *const *paths)
{
	size_t n = 0;

	while (paths && paths[n])
		n++;
	r->paths = prov_calloc(n + 1, sizeof(char *));
	if (!r->paths)
		return PROV_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(r->paths[i] = prov_strdup(paths[i])))
			return PROV_ENOMEM;
	r->services.paths = (const char *const *)r->paths;
	return PROV_OK;
}

static int add_failure(prov_registry *r, const char *file, const char *reason)
{
	prov_load_failure f = { prov_strdup(file), prov_strdup(reason) };

	if (!f.file || !f.reason || prov_grow(&r->failures, r->failure_count + 1, sizeof(f)) != PROV_OK) {
		free(f.file);
		free(f.reason);
		return PROV_ENOMEM;
	}
	r->failures[r->failure_count++] = f;
	prov_log(PROV_LOG_WARNING, "plugin", "%s", reason);
	return PROV_OK;
}

static prov_plugin *find_plugin(prov_registry *r, const char *name, uint32_t kind)
{
	for (size_t i = 0; i < r->plugin_count; i++)
		if (strcmp(r->plugins[i]->name, name) == 0 && (!kind || r->plugins[i]->kind == kind))
			return r->plugins[i];
	return NULL;
}

/* Keep a loaded plugin, unless an earlier directory already gave its name. */
static int adopt_plugin(prov_registry *r, prov_plugin *p)
{
	prov_plugin *earlier = find_plugin(r, p->name, 0);
	int rc;

	if (earlier) {
		rc = prov_err_at(PROV_EEXISTS, PROV_ERRCAT_ABI, p->path, 0,
				 "plugin %s is already loaded from %s (earlier in the search path)",
				 p->name, earlier->path);
		prov_plugin_unref(p);
		return rc;
	}
	if (prov_grow(&r->plugins, r->plugin_count + 1, sizeof(*r->plugins)) != PROV_OK) {
		prov_plugin_unref(p);
		return PROV_ENOMEM;
	}
	r->plugins[r->plugin_count++] = p;
	return PROV_OK;
}

/* Load path, refusing a plugin of another kind than `kind` (0: any) before keeping it. */
static int load_locked(prov_registry *r, const char *path, uint32_t kind, prov_plugin **loaded)
{
	prov_plugin *p;
	int rc = prov_plugin_load(&p, path, r->services.allow_writable != 0);

	if (rc != PROV_OK)
		return rc;
	if (kind && p->kind != kind) {
		rc = prov_err_at(PROV_EPLUGIN, PROV_ERRCAT_ABI, path, 0,
				 "holds a%s %s plugin where a%s %s plugin was expected",
				 p->kind == PROV_PLUGIN_KIND_EXTENSION ? "n" : "",
				 prov_plugin_kind_name(p->kind),
				 kind == PROV_PLUGIN_KIND_EXTENSION ? "n" : "",
				 prov_plugin_kind_name(kind));
		prov_plugin_unref(p);
		return rc;
	}
	rc = adopt_plugin(r, p);
	if (rc == PROV_OK && loaded)
		*loaded = p;
	return rc;
}

int prov_registry_load_plugin(prov_registry *registry, const char *path, uint32_t kind,
			      prov_plugin **loaded)
{
	int rc;

	if (!registry || !path)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "loading a plugin needs a registry and a path");
	pthread_mutex_lock(&registry->lock);
	rc = load_locked(registry, path, kind, loaded);
	pthread_mutex_unlock(&registry->lock);
	return rc;
}

int prov_registry_load_file(prov_registry *registry, const char *path)
{
	return prov_registry_load_plugin(registry, path, 0, NULL);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_plugin_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 3 && strcmp(name + len - 3, ".so") == 0;
}

/* The plugin files of one directory, sorted so loading order is stable. */
static int list_dir(const char *dir, char ***names, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = PROV_OK;

	*names = NULL;
	*count = 0;
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? PROV_OK
		       : prov_err_errno(errno, "cannot read plugin directory %s", dir);
	while (rc == PROV_OK && (e = readdir(d))) {
		if (!is_plugin_file(e->d_name))
			continue;
		rc = prov_grow(names, *count + 1, sizeof(char *));
		if (rc == PROV_OK && !((*names)[*count] = prov_strdup(e->d_name)))
			rc = PROV_ENOMEM;
		if (rc == PROV_OK)
			(*count)++;
	}
	closedir(d);
	if (*count)
		qsort(*names, *count, sizeof(char *), compare_names);
	return rc;
}

static int scan_dir(prov_registry *r, const char *dir)
{
	char **names;
	size_t count;
	int rc = list_dir(dir, &names, &count);

	if (rc != PROV_OK && rc != PROV_ENOMEM)
		rc = add_failure(r, dir, prov_error_last()->message);
	for (size_t i = 0; i < count; i++) {
		char *path = NULL;

		size_t len = strlen(dir) + strlen(names[i]) + 2;

		if (rc == PROV_OK && (path = prov_malloc(len))) {
			snprintf(path, len, "%s/%s", dir, names[i]);
			if (load_locked(r, path, 0, NULL) != PROV_OK)
				rc = prov_err_code() == PROV_ENOMEM
				     ? PROV_ENOMEM : add_failure(r, path, prov_error_last()->message);
		} else if (rc == PROV_OK) {
			rc = PROV_ENOMEM;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int scan_colon_list(prov_registry *r, const char *list)
{
	char *copy = prov_strdup(list), *save = NULL;
	int rc = copy ? PROV_OK : PROV_ENOMEM;

	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && rc == PROV_OK;
	     dir = strtok_r(NULL, ":", &save))
		rc = scan_dir(r, dir);
	free(copy);
	return rc;
}

static int scan_search_path(prov_registry *r)
{
	const char *env = r->services.ignore_environment ? NULL
			  : getenv("PROVISIONING_PLUGIN_PATH");
	int rc = PROV_OK;

	if (env && env[0])
		rc = scan_colon_list(r, env);
	for (size_t i = 0; rc == PROV_OK && r->paths[i]; i++)
		rc = scan_dir(r, r->paths[i]);
	if (rc == PROV_OK && !r->services.ignore_default_dir)
		rc = scan_dir(r, PROV_PLUGINSDIR);
	return rc;
}

int prov_registry_new(prov_registry **registry, const prov_plugin_options *options)
{
	prov_registry *r;
	int rc;

	if (!registry)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_registry_new needs somewhere to put the registry");
	*registry = NULL;
	if (options && options->size < sizeof(unsigned int))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_plugin_options.size is not set (use PROV_PLUGIN_OPTIONS_INIT)");
	r = prov_calloc(1, sizeof(*r));
	if (!r)
		return PROV_ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	copy_options(&r->services, options);
	rc = copy_paths(r, r->services.paths);
	if (rc == PROV_OK)
		rc = scan_search_path(r);
	if (rc != PROV_OK) {
		prov_registry_free(r);
		return rc;
	}
	*registry = r;
	return PROV_OK;
}

void prov_registry_free(prov_registry *registry)
{
	if (!registry)
		return;
	for (size_t i = registry->instance_count; i > 0; i--)
		prov_instance_unref(registry->instances[i - 1]);
	for (size_t i = 0; i < registry->plugin_count; i++)
		prov_plugin_unref(registry->plugins[i]);
	for (size_t i = 0; i < registry->failure_count; i++) {
		free(registry->failures[i].file);
		free(registry->failures[i].reason);
	}
	for (size_t i = 0; i < registry->extension_count; i++)
		prov_extension_entry_release(&registry->extensions[i]);
	free(registry->extensions);
	for (size_t i = 0; registry->paths && registry->paths[i]; i++)
		free(registry->paths[i]);
	free(registry->paths);
	free(registry->instances);
	free(registry->plugins);
	free(registry->failures);
	pthread_mutex_destroy(&registry->lock);
	free(registry);
}

prov_instance *prov_registry_find_locked(prov_registry *r, const char *name, uint32_t kind)
{
	for (size_t i = 0; i < r->instance_count; i++)
		if (r->instances[i]->plugin->kind == kind && strcmp(r->instances[i]->name, name) == 0)
			return r->instances[i];
	return NULL;
}

prov_instance *prov_registry_acquire(prov_registry *registry, const char *name, uint32_t kind)
{
	prov_instance *inst;

	pthread_mutex_lock(&registry->lock);
	inst = prov_registry_find_locked(registry, name, kind);
	if (inst)
		prov_instance_ref(inst);
	pthread_mutex_unlock(&registry->lock);
	if (!inst) {
		prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_PROVIDER, "no %s instance named '%s'",
			     prov_plugin_kind_name(kind), name);
		prov_err_context(PROV_ERR_PROVIDER, name);
	}
	return inst;
}
