/*
 * Environment variables: the PROVISIONING_A__B layer and {{env.NAME}}.
 *
 * A resolver reads either a list the caller gave (tests, embedders that keep
 * their own environment) or the process environment at resolve time.
 */
#include "config/private.h"
#include "core/err.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define VAR_PREFIX "PROVISIONING_"

static char *const *env_list(const struct prov_environment *env)
{
	return env->vars ? env->vars : environ;
}

const char *prov_environment_get(const struct prov_environment *env, const char *name)
{
	size_t len = strlen(name);

	if (!env->vars)
		return getenv(name);
	for (char *const *v = env->vars; *v; v++)
		if (strncmp(*v, name, len) == 0 && (*v)[len] == '=')
			return *v + len + 1;
	return NULL;
}

int prov_environment_copy(struct prov_environment *env, const char *const *vars)
{
	size_t count = 0;
	char **copy;

	if (!vars) {
		prov_environment_release(env);
		return PROV_OK;
	}
	while (vars[count])
		count++;
	if (!(copy = prov_calloc(count + 1, sizeof(*copy))))
		return PROV_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (!(copy[i] = prov_strdup(vars[i]))) {
			struct prov_environment partial = { copy };
			prov_environment_release(&partial);
			return PROV_ENOMEM;
		}
	}
	prov_environment_release(env);
	env->vars = copy;
	return PROV_OK;
}

void prov_environment_release(struct prov_environment *env)
{
	if (env->vars)
		for (char **v = env->vars; *v; v++)
			free(*v);
	free(env->vars);
	env->vars = NULL;
}

/* "PROVISIONING_PROVIDERS__AWS__REGION" -> "providers.aws.region". */
static int key_path_of(const char *name, size_t name_len, prov_strbuf *path)
{
	const char *p = name + strlen(VAR_PREFIX), *end = name + name_len;

	while (p < end) {
		const char *sep = strstr(p, "__");
		size_t len = sep && sep < end ? (size_t)(sep - p) : (size_t)(end - p);
		char *segment;

		if (len == 0)
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
					    "environment variable %.*s: empty key between '__'",
					    (int)name_len, name);
		if (!(segment = prov_strndup(p, len)))
			return PROV_ENOMEM;
		for (size_t i = 0; i < len; i++)
			segment[i] = (char)tolower((unsigned char)segment[i]);
		prov_path_append_key(path, segment, len);
		free(segment);
		p += len + (sep && sep < end ? 2 : 0);
		if (sep && sep + 2 == end)
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
					    "environment variable %.*s: ends with '__'",
					    (int)name_len, name);
	}
	return prov_strbuf_status(path) ? prov_err_nomem() : PROV_OK;
}

static int add_assignment(struct prov_layer *layer, const char *var)
{
	const char *eq = strchr(var, '=');
	prov_strbuf path = PROV_STRBUF_INIT;
	struct prov_assignment *a;
	char *name;
	int rc;

	if (!(name = prov_strndup(var, (size_t)(eq - var))))
		return PROV_ENOMEM;
	rc = key_path_of(var, (size_t)(eq - var), &path);
	if (rc == PROV_OK)
		rc = prov_grow(&layer->assignments, layer->assignment_count + 1,
			       sizeof(*layer->assignments));
	if (rc == PROV_OK) {
		a = &layer->assignments[layer->assignment_count];
		a->path = prov_strbuf_detach(&path, NULL);
		a->text = prov_strdup(eq + 1);
		a->src = prov_source_new(name, prov_config_layer_name(PROV_CONFIG_LAYER_ENV_VARS));
		layer->assignment_count++;
		if (!a->path || !a->text || !a->src)
			rc = prov_err_nomem();
	}
	prov_strbuf_release(&path);
	free(name);
	return rc;
}

int prov_environment_assignments(const struct prov_environment *env, struct prov_layer *layer)
{
	for (char *const *v = env_list(env); v && *v; v++) {
		const char *eq = strchr(*v, '=');
		const char *sep;
		int rc;

		if (!eq || strncmp(*v, VAR_PREFIX, strlen(VAR_PREFIX)) != 0)
			continue;
		/* Only names with "__" are keys; the others are the library's settings. */
		sep = strstr(*v + strlen(VAR_PREFIX), "__");
		if (!sep || sep > eq)
			continue;
		if ((rc = add_assignment(layer, *v)))
			return rc;
	}
	return PROV_OK;
}
