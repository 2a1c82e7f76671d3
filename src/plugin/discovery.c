/*
 * Loading extensions: manifests named extension.toml in the subdirectories
 * of each extension directory, highest priority first:
 *   <paths.base>/.provisioning/extensions, ~/.provisioning-extensions,
 *   /opt/provisioning-extensions, then PROVISIONING_EXTENSIONS_PATH
 * (or the caller's list instead). Manifests are read with the TOML reader
 * and validated, the load decision is made (extensions.c), and the chosen
 * libraries are loaded in dependency order: a manifest of type provider
 * holds a provider plugin, every other type an extension plugin, which is
 * then instantiated and activated. Whatever does not load is kept with its
 * reason for prov_registry_extensions_json().
 */
#include "plugin/extensions.h"
#include "plugin/registry.h"

#include "core/err.h"
#include "core/file.h"
#include "core/json.h"
#include "core/mem.h"
#include "format/toml.h"

#include "build-config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MANIFEST_NAME "extension.toml"
#define MANIFEST_MAX_BYTES (1024 * 1024)

typedef struct entry_list {
	prov_extension_entry *items;
	size_t count;
} entry_list;

static char *join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = prov_malloc(len);

	if (path)
		snprintf(path, len, "%s/%s", dir, name);
	return path;
}

static int read_manifest(prov_extension_entry *e)
{
	prov_source *src = prov_source_new(e->manifest_path, NULL);
	prov_value *root = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = src ? prov_file_read(e->manifest_path, MANIFEST_MAX_BYTES, &text, &len)
		 : PROV_ENOMEM;

	if (rc == PROV_OK)
		rc = prov_toml_parse(text, len, src, &root);
	if (rc == PROV_OK)
		rc = prov_manifest_from_value(&e->manifest, root, e->manifest_path);
	e->valid = rc == PROV_OK;
	if (e->valid) {
		free(e->name);
		if (!(e->name = prov_strdup(e->manifest.name)))
			rc = PROV_ENOMEM;
	} else if (rc != PROV_ENOMEM) {
		rc = prov_extension_refuse(e, "%s", prov_error_last()->message);
	}
	prov_value_unref(root);
	prov_source_unref(src);
	free(text);
	return rc;
}

/* A subdirectory of dir holding a manifest becomes an entry; anything else is skipped. */
static int add_entry(entry_list *list, const char *dir, const char *name,
		     bool allow_writable)
{
	prov_extension_entry *e;
	char *sub = join(dir, name);
	char *manifest = sub ? join(sub, MANIFEST_NAME) : NULL;
	int rc;

	free(sub);
	if (!manifest)
		return PROV_ENOMEM;
	/* Fails for a file as for a directory without a manifest (ENOTDIR, ENOENT). */
	if (access(manifest, F_OK) != 0) {
		free(manifest);
		return PROV_OK;
	}
	if (prov_grow(&list->items, list->count + 1, sizeof(*list->items)) != PROV_OK) {
		free(manifest);
		return PROV_ENOMEM;
	}
	e = &list->items[list->count++];
	memset(e, 0, sizeof(*e));
	e->manifest_path = manifest;
	if (!(e->name = prov_strdup(name)))
		return PROV_ENOMEM;
	rc = prov_plugin_check_permissions(e->manifest_path, allow_writable);
	if (rc == PROV_OK)
		return read_manifest(e);
	return rc == PROV_ENOMEM ? rc : prov_extension_refuse(e, "%s", prov_error_last()->message);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every subdirectory of dir holding a manifest, in name order. */
static int scan_dir(entry_list *list, const char *dir, bool allow_writable)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t count = 0;
	int rc = PROV_OK;

	if (!d)
		return PROV_OK;
	while (rc == PROV_OK && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		rc = prov_grow(&names, count + 1, sizeof(char *));
		if (rc == PROV_OK && !(names[count++] = prov_strdup(de->d_name)))
			rc = PROV_ENOMEM;
	}
	closedir(d);
	if (count)
		qsort(names, count, sizeof(char *), compare_names);
	for (size_t i = 0; i < count; i++) {
		if (rc == PROV_OK && names[i])
			rc = add_entry(list, dir, names[i], allow_writable);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int scan_default_path(entry_list *list, const prov_extension_options *o,
			     bool allow_writable)
{
	const char *home = getenv("HOME"), *env = getenv("PROVISIONING_EXTENSIONS_PATH");
	char *dir;
	int rc;

	dir = join(o->base_dir ? o->base_dir : ".", ".provisioning/extensions");
	rc = dir ? scan_dir(list, dir, allow_writable) : PROV_ENOMEM;
	free(dir);
	if (rc == PROV_OK && home && home[0]) {
		dir = join(home, ".provisioning-extensions");
		rc = dir ? scan_dir(list, dir, allow_writable) : PROV_ENOMEM;
		free(dir);
	}
	if (rc == PROV_OK)
		rc = scan_dir(list, "/opt/provisioning-extensions", allow_writable);
	if (rc == PROV_OK && env && env[0]) {
		char *copy = prov_strdup(env), *save = NULL;

		rc = copy ? PROV_OK : PROV_ENOMEM;
		for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && rc == PROV_OK;
		     d = strtok_r(NULL, ":", &save))
			rc = scan_dir(list, d, allow_writable);
		free(copy);
	}
	return rc;
}

/* The JSON text of config key `key` from the host's config, or NULL (not set). */
static char *config_section(const prov_plugin_options *s, const char *key)
{
	size_t size = 4096, needed = 0;
	char *buf = NULL;
	int rc = PROV_ERANGE;

	while (s->config_get && rc == PROV_ERANGE) {
		char *grown = realloc(buf, size);

		if (!grown) {
			free(buf);
			return NULL;
		}
		buf = grown;
		rc = s->config_get(buf, size, &needed, key, s->userdata);
		size = needed + 1;
	}
	if (rc != PROV_OK) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const prov_extension_entry *loaded_named(const entry_list *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].loaded && strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

static int instantiate(prov_registry *r, prov_extension_entry *e, const prov_plugin *plugin)
{
	char key[160], *config;
	int rc;

	snprintf(key, sizeof(key), "extensions.%s", e->name);
	config = config_section(&r->services, key);
	rc = prov_registry_add_extension(r, e->name, plugin->name, config);
	free(config);
	return rc;
}

static int load_entry(prov_registry *r, const entry_list *l, prov_extension_entry *e)
{
	bool provider = prov_manifest_is_provider(&e->manifest);
	prov_plugin *plugin = NULL;
	int rc;

	for (size_t i = 0; i < e->manifest.require_count; i++)
		if (!loaded_named(l, e->manifest.requires[i].name))
			return prov_extension_refuse(e, "requires %s, which did not load",
						     e->manifest.requires[i].name);
	rc = prov_registry_load_plugin(r, e->manifest.library,
				       provider ? PROV_PLUGIN_KIND_PROVIDER : PROV_PLUGIN_KIND_EXTENSION,
				       &plugin);
	if (rc == PROV_OK && !provider)
		rc = instantiate(r, e, plugin);
	if (rc == PROV_ENOMEM)
		return rc;
	if (rc != PROV_OK)
		return prov_extension_refuse(e, "%s", prov_error_last()->message);
	e->loaded = true;
	return PROV_OK;
}

static int load_in_order(prov_registry *r, entry_list *l, long loadable)
{
	for (long order = 0; order < loadable; order++)
		for (size_t i = 0; i < l->count; i++) {
			prov_extension_entry *e = &l->items[i];

			if (e->valid && !e->reason && e->order == (size_t)order &&
			    load_entry(r, l, e) == PROV_ENOMEM)
				return PROV_ENOMEM;
		}
	return PROV_OK;
}

static void options_of(prov_extension_options *dst, const prov_extension_options *src)
{
	prov_extension_options defaults = PROV_EXTENSION_OPTIONS_INIT;

	*dst = defaults;
	if (src)
		memcpy(dst, src, src->size < sizeof(*dst) ? src->size : sizeof(*dst));
}

/* Hand the entries to the registry, which lists them until it is freed. */
static int keep_entries(prov_registry *r, entry_list *l)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = prov_grow(&r->extensions, r->extension_count + l->count, sizeof(*r->extensions));
	/* With nothing found, items is NULL: memcpy may not be handed it. */
	if (rc == PROV_OK && l->count > 0) {
		memcpy(r->extensions + r->extension_count, l->items, l->count * sizeof(*l->items));
		r->extension_count += l->count;
		l->count = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int prov_registry_load_extensions(prov_registry *registry, const prov_extension_options *options)
{
	const char *env_mode = getenv("PROVISIONING_EXTENSION_MODE");
	prov_extension_policy policy = { 0 };
	prov_extension_options o;
	entry_list list = { NULL, 0 };
	long loadable;
	int rc;

	if (!registry)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_registry_load_extensions needs a registry");
	options_of(&o, options);
	rc = prov_extension_mode_parse(&policy.mode, env_mode && env_mode[0] ? env_mode : o.mode);
	if (rc != PROV_OK)
		return rc;
	policy.allowed = o.allowed;
	policy.blocked = o.blocked;
	policy.package_version = PROV_PACKAGE_VERSION;
	if (o.paths)
		for (size_t i = 0; rc == PROV_OK && o.paths[i]; i++)
			rc = scan_dir(&list, o.paths[i], registry->services.allow_writable != 0);
	else
		rc = scan_default_path(&list, &o, registry->services.allow_writable != 0);
	loadable = rc == PROV_OK ? prov_extensions_resolve(list.items, list.count, &policy) : rc;
	rc = loadable < 0 ? (int)loadable : load_in_order(registry, &list, loadable);
	if (rc == PROV_OK)
		rc = keep_entries(registry, &list);
	for (size_t i = 0; i < list.count; i++)
		prov_extension_entry_release(&list.items[i]);
	free(list.items);
	return rc;
}

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *entry_json(const prov_extension_entry *e)
{
	json_object *o = json_object_new_object();
	const prov_manifest *m = &e->manifest;

	json_object_object_add(o, "name", json_object_new_string(e->name));
	json_object_object_add(o, "version", string_or_null(e->valid ? m->version : NULL));
	json_object_object_add(o, "type", string_or_null(e->valid ? m->type : NULL));
	json_object_object_add(o, "description", string_or_null(e->valid ? m->description : NULL));
	json_object_object_add(o, "manifest", json_object_new_string(e->manifest_path));
	json_object_object_add(o, "library", string_or_null(e->valid ? m->library : NULL));
	json_object_object_add(o, "loaded", json_object_new_boolean(e->loaded));
	json_object_object_add(o, "reason", string_or_null(e->reason));
	return o;
}

int prov_registry_extensions_json(char **json, prov_registry *registry)
{
	json_object *doc, *list;

	if (!json || !registry)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_registry_extensions_json needs a registry and an output");
	doc = json_object_new_object();
	list = json_object_new_array();
	pthread_mutex_lock(&registry->lock);
	for (size_t i = 0; i < registry->extension_count; i++)
		json_object_array_add(list, entry_json(&registry->extensions[i]));
	pthread_mutex_unlock(&registry->lock);
	json_object_object_add(doc, "extensions", list);
	*json = prov_json_to_string(doc, NULL);
	json_object_put(doc);
	return *json ? PROV_OK : prov_err_nomem();
}
