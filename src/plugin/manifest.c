/*
 * Manifest validation. The value tree keeps each node's file and line, so
 * every error points at the offending key.
 */
#include "plugin/manifest.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const manifest_types[] = { "provider", "taskserv", "cluster", "workflow", NULL };
/* Names whose config section extensions.<name> would collide with a setting. */
static const char *const reserved_names[] = { "mode", "paths", "allowed", "blocked", NULL };

PROV_PRINTF(3, 4)
static int bad(const prov_value *at, const char *path, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return prov_err_at(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, path,
			   at ? (int)prov_value_line(at) : 0, "%s", message);
}

/* A string member of table, copied; `required` ones must be present and non-empty. */
static int member_string(char **out, const prov_value *table, const char *section,
			 const char *key, bool required, const char *path)
{
	const prov_value *v = prov_table_gets(table, key);
	char where[128];

	snprintf(where, sizeof(where), "%s.%s", section, key);
	*out = NULL;
	if (!v && !required)
		return PROV_OK;
	if (!v)
		return bad(table, path, "%s is missing", where);
	if (!prov_value_is(v, PROV_VALUE_STRING) || (required && !prov_value_get_str(v, NULL)[0]))
		return bad(v, path, "%s must be a non-empty string", where);
	*out = prov_strdup(prov_value_get_str(v, NULL));
	return *out ? PROV_OK : PROV_ENOMEM;
}

static bool valid_name(const char *name)
{
	if (!name[0] || strlen(name) > 64)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

static bool one_of(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* The library must stay inside the manifest's directory. */
static int resolve_library(prov_manifest *m, const prov_value *at, const char *library)
{
	const char *slash = strrchr(m->path, '/');
	size_t dir_len = slash ? (size_t)(slash - m->path) : 1;

	if (library[0] == '/' || strstr(library, "..") || !strcmp(library, "."))
		return bad(at, m->path, "extension.library '%s' must be a path inside the "
			   "manifest's directory", library);
	m->library = prov_malloc(dir_len + strlen(library) + 2);
	if (!m->library)
		return PROV_ENOMEM;
	snprintf(m->library, dir_len + strlen(library) + 2, "%.*s/%s", (int)dir_len,
		 slash ? m->path : ".", library);
	return PROV_OK;
}

static int read_extension(prov_manifest *m, const prov_value *root)
{
	const prov_value *ext = prov_table_gets(root, "extension");
	char *library = NULL;
	int rc;

	if (!ext || !prov_value_is(ext, PROV_VALUE_TABLE))
		return bad(root, m->path, "%s: no [extension] table", "manifest");
	if ((rc = member_string(&m->name, ext, "extension", "name", true, m->path)) ||
	    (rc = member_string(&m->version, ext, "extension", "version", true, m->path)) ||
	    (rc = member_string(&m->type, ext, "extension", "type", true, m->path)) ||
	    (rc = member_string(&m->description, ext, "extension", "description", false, m->path)) ||
	    (rc = member_string(&library, ext, "extension", "library", true, m->path)))
		return rc;
	if (one_of(reserved_names, m->name))
		rc = bad(prov_table_gets(ext, "name"), m->path, "extension.name '%s' is reserved "
			 "(extensions.%s is a setting)", m->name, m->name);
	else if (!valid_name(m->name))
		rc = bad(prov_table_gets(ext, "name"), m->path, "extension.name '%s' may hold only "
			 "a-z, 0-9, '-' and '_'", m->name);
	else if (prov_semver_parse(&m->semver, m->version) != PROV_OK)
		rc = bad(prov_table_gets(ext, "version"), m->path,
			 "extension.version '%s' is not a semantic version", m->version);
	else if (!one_of(manifest_types, m->type))
		rc = bad(prov_table_gets(ext, "type"), m->path, "extension.type '%s' is not one of "
			 "provider, taskserv, cluster, workflow", m->type);
	else
		rc = resolve_library(m, prov_table_gets(ext, "library"), library);
	free(library);
	if (rc == PROV_OK && !m->description && !(m->description = prov_strdup("")))
		rc = PROV_ENOMEM;
	return rc;
}

static int read_compatibility(prov_manifest *m, const prov_value *root)
{
	const prov_value *compat = prov_table_gets(root, "compatibility");
	prov_semver any = { 0 };
	bool ignored;
	int rc;

	if (compat && !prov_value_is(compat, PROV_VALUE_TABLE))
		return bad(compat, m->path, "%s must be a table", "compatibility");
	rc = compat ? member_string(&m->compatibility, compat, "compatibility", "provisioning",
				    false, m->path) : PROV_OK;
	if (rc != PROV_OK)
		return rc;
	if (!m->compatibility)
		return (m->compatibility = prov_strdup("*")) ? PROV_OK : PROV_ENOMEM;
	if (prov_semver_satisfies(&ignored, m->compatibility, &any) != PROV_OK)
		return bad(prov_table_gets(compat, "provisioning"), m->path,
			   "compatibility.provisioning '%s' is not a version range", m->compatibility);
	return PROV_OK;
}

/* "name RANGE" or "name": the range starts at the first space. */
static int read_requirement(prov_requirement *r, const prov_value *item, const char *path)
{
	const char *text = prov_value_get_str(item, NULL);
	size_t name_len = strcspn(text, " \t<>=^~");
	const char *range = text + name_len;
	prov_semver any = { 0 };
	bool ignored;

	while (*range == ' ' || *range == '\t')
		range++;
	r->name = prov_strndup(text, name_len);
	r->range = prov_strdup(*range ? range : "*");
	if (!r->name || !r->range)
		return PROV_ENOMEM;
	if (!valid_name(r->name) || prov_semver_satisfies(&ignored, r->range, &any) != PROV_OK)
		return bad(item, path, "dependencies.requires entry '%s' is not 'NAME [RANGE]'", text);
	return PROV_OK;
}

static int read_dependencies(prov_manifest *m, const prov_value *root)
{
	const prov_value *deps = prov_table_gets(root, "dependencies");
	const prov_value *list = deps && prov_value_is(deps, PROV_VALUE_TABLE)
				 ? prov_table_gets(deps, "requires") : NULL;
	size_t n;

	if (deps && !prov_value_is(deps, PROV_VALUE_TABLE))
		return bad(deps, m->path, "%s must be a table", "dependencies");
	if (!list)
		return PROV_OK;
	if (!prov_value_is(list, PROV_VALUE_ARRAY))
		return bad(list, m->path, "%s must be a list of strings", "dependencies.requires");
	n = prov_array_len(list);
	if (n && !(m->requires = prov_calloc(n, sizeof(*m->requires))))
		return PROV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const prov_value *item = prov_array_at(list, i);
		int rc;

		if (!prov_value_is(item, PROV_VALUE_STRING))
			return bad(item, m->path, "%s must be a list of strings", "dependencies.requires");
		m->require_count = i + 1;
		if ((rc = read_requirement(&m->requires[i], item, m->path)) != PROV_OK)
			return rc;
	}
	return PROV_OK;
}

int prov_manifest_from_value(prov_manifest *out, const prov_value *root, const char *path)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(out->path = prov_strdup(path)))
		return PROV_ENOMEM;
	if (!root || !prov_value_is(root, PROV_VALUE_TABLE))
		return bad(root, path, "%s: not a table", "manifest");
	rc = read_extension(out, root);
	if (rc == PROV_OK)
		rc = read_compatibility(out, root);
	if (rc == PROV_OK)
		rc = read_dependencies(out, root);
	return rc;
}

bool prov_manifest_is_provider(const prov_manifest *m)
{
	return m->type && strcmp(m->type, "provider") == 0;
}

void prov_manifest_release(prov_manifest *m)
{
	for (size_t i = 0; i < m->require_count; i++) {
		free(m->requires[i].name);
		free(m->requires[i].range);
	}
	free(m->requires);
	free(m->path);
	free(m->name);
	free(m->version);
	free(m->type);
	free(m->description);
	free(m->library);
	free(m->compatibility);
	memset(m, 0, sizeof(*m));
}
