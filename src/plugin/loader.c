/*
 * The plugin loader. The order of checks matters: the permission rule comes
 * before dlopen (which already runs the file's constructors), and the
 * descriptor is validated field by field, never reading past the size the
 * plugin declared, before any interface function can be called.
 */
#include "plugin/loader.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/version.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The descriptor of ABI 1.0 ends with its interface pointer. */
#define DESC_MIN_SIZE (offsetof(prov_plugin_desc, interface) + sizeof(const void *))

/* Whether a struct declaring `size` bytes has room for `field`. */
#define HAS_FIELD(type, size, field) \
	((size) >= offsetof(type, field) + sizeof(((type *)0)->field))

#define ABI_FMT "%u.%u"
#define ABI_ARGS(v) (unsigned)PROV_PLUGIN_ABI_MAJOR(v), (unsigned)PROV_PLUGIN_ABI_MINOR(v)

/* "PATH: WHAT: DETAIL" */
static int loader_error(int code, const char *path, const char *what, const char *detail)
{
	return prov_err_at(code, PROV_ERRCAT_ABI, path, 0, "%s: %s", what, detail);
}

static int check_mode(const char *path, const char *what, bool allow_writable)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return prov_err_errno(errno, "%s: cannot inspect plugin %s", path, what);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !allow_writable)
		return prov_err_at(PROV_EPERM, PROV_ERRCAT_ABI, path, 0,
				   "refusing plugin: %s is writable by others than its owner "
				   "(allow it with the plugins permission switch)", what);
	return PROV_OK;
}

int prov_plugin_check_permissions(const char *path, bool allow_writable)
{
	char *copy = prov_strdup(path);
	int rc;

	if (!copy)
		return PROV_ENOMEM;
	rc = check_mode(dirname(copy), "its directory", allow_writable);
	free(copy);
	if (rc == PROV_OK)
		rc = check_mode(path, "the file", allow_writable);
	if (rc == PROV_EPERM)
		prov_err_context(PROV_ERR_FILE, path);
	return rc;
}

/* Agree on a version with the plugin; *agreed receives it. */
static int negotiate(void *handle, const char *path, uint32_t *agreed)
{
	prov_plugin_negotiate_fn fn;
	uint32_t version = PROV_HOST_PLUGIN_ABI;
	int rc;

	*(void **)&fn = dlsym(handle, "prov_plugin_negotiate");
	if (!fn)
		return loader_error(PROV_EPLUGIN, path, "not a provisioning plugin",
				    "no prov_plugin_negotiate symbol");
	rc = fn(&version);
	if (PROV_PLUGIN_ABI_MAJOR(version) != PROV_PLUGIN_ABI_MAJOR(PROV_HOST_PLUGIN_ABI))
		return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
				   "speaks plugin ABI %u.x, this host %u.x",
				   (unsigned)PROV_PLUGIN_ABI_MAJOR(version),
				   (unsigned)PROV_PLUGIN_ABI_MAJOR(PROV_HOST_PLUGIN_ABI));
	if (rc != 0)
		return prov_err_at(PROV_EPLUGIN, PROV_ERRCAT_ABI, path, 0,
				   "plugin refused ABI negotiation (it speaks " ABI_FMT
				   ", this host " ABI_FMT " down to " ABI_FMT ")",
				   ABI_ARGS(version), ABI_ARGS(PROV_HOST_PLUGIN_ABI),
				   ABI_ARGS(PROV_HOST_PLUGIN_ABI_OLDEST));
	if (version > PROV_HOST_PLUGIN_ABI || version < PROV_HOST_PLUGIN_ABI_OLDEST)
		return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
				   "plugin agreed to ABI " ABI_FMT ", which this host ("
				   ABI_FMT " down to " ABI_FMT ") does not speak",
				   ABI_ARGS(version), ABI_ARGS(PROV_HOST_PLUGIN_ABI),
				   ABI_ARGS(PROV_HOST_PLUGIN_ABI_OLDEST));
	*agreed = version;
	return PROV_OK;
}

static int check_desc_header(const prov_plugin_desc *d, const char *path, uint32_t agreed)
{
	if (!d)
		return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
				   "plugin returned no descriptor for ABI " ABI_FMT,
				   ABI_ARGS(agreed));
	if (d->size < DESC_MIN_SIZE)
		return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
				   "descriptor is %u bytes, smaller than the oldest supported (%zu)",
				   (unsigned)d->size, (size_t)DESC_MIN_SIZE);
	if (d->abi_version != agreed)
		return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
				   "descriptor is for ABI " ABI_FMT ", but " ABI_FMT " was agreed",
				   ABI_ARGS(d->abi_version), ABI_ARGS(agreed));
	if (d->kind != PROV_PLUGIN_KIND_PROVIDER && d->kind != PROV_PLUGIN_KIND_EXTENSION)
		return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
				   "descriptor has unknown kind %u", (unsigned)d->kind);
	if (!d->name || !d->name[0])
		return loader_error(PROV_EABI, path, "malformed descriptor", "no name");
	if (!d->interface)
		return loader_error(PROV_EABI, path, "malformed descriptor", "no interface");
	return PROV_OK;
}

struct required_fn {
	const char *name;
	size_t offset;
};

/* Verify the interface declares room for the required functions and has them. */
static int check_required(const void *iface, uint32_t size, size_t min_size,
			  const struct required_fn *fns, const char *what, const char *path)
{
	if (size < min_size)
		return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
				   "%s interface is %u bytes, smaller than version 1 (%zu)",
				   what, (unsigned)size, min_size);
	for (; fns->name; fns++) {
		void *fn;

		memcpy(&fn, (const char *)iface + fns->offset, sizeof(fn));
		if (!fn)
			return prov_err_at(PROV_EABI, PROV_ERRCAT_ABI, path, 0,
					   "%s interface lacks the required function %s",
					   what, fns->name);
	}
	return PROV_OK;
}

#define REQ(type, fn) { #fn, offsetof(type, fn) }

static int copy_provider(prov_plugin *p, const prov_provider_interface *iface, const char *path)
{
	static const struct required_fn required[] = {
		REQ(prov_provider_interface, init), REQ(prov_provider_interface, fini),
		REQ(prov_provider_interface, list_servers),
		REQ(prov_provider_interface, get_server),
		REQ(prov_provider_interface, create_server),
		REQ(prov_provider_interface, delete_server), { NULL, 0 },
	};
	size_t min = offsetof(prov_provider_interface, delete_server) +
		     sizeof(iface->delete_server);
	int rc = check_required(iface, iface->size, min, required, "provider", path);

	if (rc != PROV_OK)
		return rc;
	memcpy(&p->iface.provider, iface,
	       iface->size < sizeof(*iface) ? iface->size : sizeof(*iface));
	p->iface.provider.size = (uint32_t)sizeof(*iface);
	return PROV_OK;
}

static int copy_extension(prov_plugin *p, const prov_extension_interface *iface, const char *path)
{
	static const struct required_fn required[] = {
		REQ(prov_extension_interface, init), REQ(prov_extension_interface, fini),
		REQ(prov_extension_interface, task_names),
		REQ(prov_extension_interface, run_task), { NULL, 0 },
	};
	size_t min = offsetof(prov_extension_interface, run_task) + sizeof(iface->run_task);
	int rc = check_required(iface, iface->size, min, required, "extension", path);

	if (rc != PROV_OK)
		return rc;
	memcpy(&p->iface.extension, iface,
	       iface->size < sizeof(*iface) ? iface->size : sizeof(*iface));
	p->iface.extension.size = (uint32_t)sizeof(*iface);
	return PROV_OK;
}

static int adopt_descriptor(prov_plugin *p, const prov_plugin_desc *d, const char *path)
{
	int rc = d->kind == PROV_PLUGIN_KIND_PROVIDER
		 ? copy_provider(p, d->interface, path)
		 : copy_extension(p, d->interface, path);

	if (rc != PROV_OK)
		return rc;
	p->abi_version = d->abi_version;
	p->kind = d->kind;
	p->flags = d->flags;
	p->name = prov_strdup(d->name);
	p->version = prov_strdup(d->version ? d->version : "");
	p->description = prov_strdup(d->description ? d->description : "");
	if (!p->name || !p->version || !p->description)
		return PROV_ENOMEM;
	return PROV_OK;
}

static int open_and_validate(prov_plugin *p, const char *path)
{
	prov_plugin_descriptor_fn describe;
	uint32_t agreed = 0;
	int rc;

	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle)
		return loader_error(PROV_EPLUGIN, path, "cannot load plugin", dlerror());
	*(void **)&describe = dlsym(p->handle, "prov_plugin_descriptor");
	rc = negotiate(p->handle, path, &agreed);
	if (rc != PROV_OK)
		return rc;
	if (!describe)
		return loader_error(PROV_EPLUGIN, path, "not a provisioning plugin",
				    "no prov_plugin_descriptor symbol");
	const prov_plugin_desc *d = describe(agreed);
	rc = check_desc_header(d, path, agreed);
	return rc == PROV_OK ? adopt_descriptor(p, d, path) : rc;
}

int prov_plugin_load(prov_plugin **out, const char *path, bool allow_writable)
{
	prov_plugin *p;
	int rc;

	*out = NULL;
	rc = prov_plugin_check_permissions(path, allow_writable);
	if (rc != PROV_OK)
		return rc;
	p = prov_calloc(1, sizeof(*p));
	if (!p)
		return PROV_ENOMEM;
	atomic_init(&p->refs, 1);
	p->path = prov_strdup(path);
	rc = p->path ? open_and_validate(p, path) : PROV_ENOMEM;
	if (rc != PROV_OK) {
		prov_err_context(PROV_ERR_FILE, path);
		prov_plugin_unref(p);
		return rc;
	}
	*out = p;
	return PROV_OK;
}

prov_plugin *prov_plugin_ref(prov_plugin *plugin)
{
	atomic_fetch_add(&plugin->refs, 1);
	return plugin;
}

void prov_plugin_unref(prov_plugin *plugin)
{
	if (!plugin || atomic_fetch_sub(&plugin->refs, 1) != 1)
		return;
	if (plugin->handle)
		dlclose(plugin->handle);
	free(plugin->path);
	free(plugin->name);
	free(plugin->version);
	free(plugin->description);
	free(plugin);
}

const char *prov_plugin_kind_name(uint32_t kind)
{
	return kind == PROV_PLUGIN_KIND_PROVIDER ? "provider" : "extension";
}
