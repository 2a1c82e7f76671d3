/*
 * Discovery of the standard layers (docs/CONFIG.md has the table): where
 * each layer's file is looked for, and the project directory that becomes
 * paths.base. One place holding the same file in two formats is an error,
 * never a silent choice.
 */
#include "config/private.h"
#include "core/err.h"
#include "core/mem.h"

#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_DIR "/etc/provisioning"

static const char *const extensions[] = { "toml", "yaml", "yml", "json" };

struct discovery {
	prov_config_resolver *r;
	const prov_config_discovery_options *opts;
	struct prov_environment env;  /* the options' environment, borrowed */
	char *cwd;
	char *user_dir;
	char *project_dir;            /* where the project file is, or NULL */
};

/* The option if the caller's struct has it, else NULL. */
#define OPTION(opts, field) \
	((opts)->size >= offsetof(prov_config_discovery_options, field) + sizeof((opts)->field) \
	 ? (opts)->field : NULL)

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * The file STEM.{toml,yaml,yml,json} in dir: *out is NULL when there is none,
 * PROV_ECONFIG naming both when there are two.
 */
static int find_one(const char *dir, const char *stem, char **out)
{
	*out = NULL;
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		char *path;
		int rc = PROV_OK;

		if (asprintf(&path, "%s/%s.%s", dir, stem, extensions[i]) < 0)
			return prov_err_nomem();
		if (!exists(path)) {
			free(path);
			continue;
		}
		if (*out)
			rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION,
					  "two config files for one layer in one place: %s and %s; "
					  "keep one", *out, path);
		if (rc) {
			free(path);
			free(*out);
			*out = NULL;
			return rc;
		}
		*out = path;
	}
	return PROV_OK;
}

static int add_found(struct discovery *d, int layer, const char *dir, const char *stem)
{
	char *path;
	int rc;

	if (!dir || !*dir)
		return PROV_OK;
	rc = find_one(dir, stem, &path);
	if (rc == PROV_OK && path)
		rc = prov_config_resolver_add_layer_file(d->r, layer, path);
	free(path);
	return rc;
}

static char *absolute(const char *cwd, const char *path)
{
	char *out;

	if (path[0] == '/')
		return prov_strdup(path);
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

static int find_cwd(struct discovery *d)
{
	const char *given = OPTION(d->opts, cwd);
	char *here = getcwd(NULL, 0);

	if (!here)
		return prov_err_errno(errno, "cannot read the current directory");
	d->cwd = given ? absolute(here, given) : prov_strdup(here);
	free(here);
	return d->cwd ? PROV_OK : prov_err_nomem();
}

static int find_user_dir(struct discovery *d)
{
	const char *given = OPTION(d->opts, user_dir);
	const char *xdg = prov_environment_get(&d->env, "XDG_CONFIG_HOME");
	const char *home = prov_environment_get(&d->env, "HOME");
	int n = 0;

	if (given)
		d->user_dir = prov_strdup(given);
	else if (xdg && xdg[0] == '/')
		n = asprintf(&d->user_dir, "%s/provisioning", xdg);
	else if (home && *home)
		n = asprintf(&d->user_dir, "%s/.config/provisioning", home);
	else
		return PROV_OK;
	if (n < 0)
		d->user_dir = NULL;
	return d->user_dir ? PROV_OK : prov_err_nomem();
}

/* The nearest directory at or above the cwd holding provisioning.*; it becomes paths.base. */
static int add_project(struct discovery *d)
{
	char *dir = prov_strdup(d->cwd), *path = NULL;
	int rc = dir ? PROV_OK : PROV_ENOMEM;

	while (rc == PROV_OK) {
		const char *here = *dir ? dir : "/";

		rc = find_one(here, "provisioning", &path);
		if (rc == PROV_OK && path && !(d->project_dir = prov_strdup(here)))
			rc = PROV_ENOMEM;
		if (rc || path || !*dir || strcmp(dir, "/") == 0)
			break;
		/* dir is absolute: "/a/b" -> "/a" -> "" (the root). */
		*strrchr(dir, '/') = '\0';
	}
	if (rc == PROV_OK && path)
		rc = prov_config_resolver_add_layer_file(d->r, PROV_CONFIG_LAYER_PROJECT, path);
	if (rc == PROV_OK)
		rc = prov_config_resolver_set_base_dir(d->r, d->project_dir ? d->project_dir : d->cwd);
	free(path);
	free(dir);
	return rc;
}

static int add_workspace(struct discovery *d)
{
	const char *dir = OPTION(d->opts, workspace_dir);
	struct stat st;

	if (!dir)
		dir = prov_environment_get(&d->env, "PROVISIONING_WORKSPACE");
	if (!dir || !*dir)
		return PROV_OK;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return prov_err_at(PROV_ENOTFOUND, PROV_ERRCAT_CONFIGURATION, dir, 0,
				   "the workspace directory does not exist");
	return add_found(d, PROV_CONFIG_LAYER_WORKSPACE, dir, "config");
}

/* config.NAME.* in the user dir, then beside the project file, which wins. */
static int add_environment_files(struct discovery *d)
{
	const char *name = OPTION(d->opts, env_name);
	char *stem;
	int rc;

	if (!name)
		name = prov_environment_get(&d->env, "PROVISIONING_ENV");
	if (!name || !*name)
		return PROV_OK;
	if (strchr(name, '/') || name[0] == '.')
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "environment name '%s' must not contain '/' or start with '.'",
				    name);
	if (asprintf(&stem, "config.%s", name) < 0)
		return prov_err_nomem();
	rc = add_found(d, PROV_CONFIG_LAYER_ENV_FILE, d->user_dir, stem);
	if (rc == PROV_OK)
		rc = add_found(d, PROV_CONFIG_LAYER_ENV_FILE, d->project_dir, stem);
	free(stem);
	return rc;
}

static const char *dir_option(const char *given, const char *standard)
{
	return given ? given : standard;
}

static int discover(struct discovery *d)
{
	const prov_config_discovery_options *o = d->opts;
	int rc;

	if ((rc = find_cwd(d)) || (rc = find_user_dir(d)))
		return rc;
	if ((rc = add_found(d, PROV_CONFIG_LAYER_DEFAULTS,
			    dir_option(OPTION(o, defaults_dir), PROV_DATADIR), "config.defaults")))
		return rc;
	if ((rc = add_found(d, PROV_CONFIG_LAYER_SYSTEM,
			    dir_option(OPTION(o, system_dir), SYSTEM_DIR), "config")))
		return rc;
	if ((rc = add_found(d, PROV_CONFIG_LAYER_USER, d->user_dir, "config")))
		return rc;
	if ((rc = add_project(d)) || (rc = add_workspace(d)) || (rc = add_environment_files(d)))
		return rc;
	return prov_config_resolver_add_environment(d->r, OPTION(o, environment));
}

int prov_config_resolver_discover(prov_config_resolver *r, const prov_config_discovery_options *opts)
{
	static const prov_config_discovery_options defaults = PROV_CONFIG_DISCOVERY_OPTIONS_INIT;
	struct discovery d = { r, opts ? opts : &defaults, { NULL }, NULL, NULL, NULL };
	int rc;

	if (d.opts->size < sizeof(unsigned int))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "discovery options: size is not set (use "
				    "PROV_CONFIG_DISCOVERY_OPTIONS_INIT)");
	d.env.vars = (char **)OPTION(d.opts, environment);
	rc = discover(&d);
	free(d.cwd);
	free(d.user_dir);
	free(d.project_dir);
	return rc;
}
