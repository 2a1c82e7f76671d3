/*
 * The resolver: layers in, one resolved config out.
 *
 * Layers are kept in the order they were added and merged in order of their
 * kind (a stable order, so within a kind later additions win). Environment
 * variables and overrides are kept as text until resolve time, because their
 * types depend on what the layers below them hold.
 */
#include "config/private.h"
#include "format/format.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const layer_names[PROV_CONFIG_LAYER_COUNT] = {
	"builtin", "defaults", "system", "user", "project", "workspace",
	"env-file", "explicit", "env-vars", "workflow", "runtime",
};

const char *prov_config_layer_name(int layer)
{
	return layer >= 0 && layer < PROV_CONFIG_LAYER_COUNT ? layer_names[layer] : "unknown";
}

int prov_config_resolver_new(prov_config_resolver **out)
{
	*out = prov_calloc(1, sizeof(**out));
	return *out ? PROV_OK : PROV_ENOMEM;
}

static void release_layer(struct prov_layer *layer)
{
	prov_value_unref(layer->tree);
	for (size_t i = 0; i < layer->assignment_count; i++) {
		free(layer->assignments[i].path);
		free(layer->assignments[i].text);
		prov_source_unref(layer->assignments[i].src);
	}
	free(layer->assignments);
}

void prov_config_resolver_free(prov_config_resolver *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->layer_count; i++)
		release_layer(&r->layers[i]);
	free(r->layers);
	prov_environment_release(&r->env);
	prov_config_schema_free(r->schema);
	free(r->base_dir);
	free(r);
}

static int check_kind(int layer)
{
	if (layer < 0 || layer >= PROV_CONFIG_LAYER_COUNT)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "invalid config layer %d", layer);
	return PROV_OK;
}

/* A new, empty layer at the end; NULL on ENOMEM. */
static struct prov_layer *append_layer(prov_config_resolver *r, int kind)
{
	struct prov_layer *layer;

	if (prov_grow(&r->layers, r->layer_count + 1, sizeof(*r->layers)))
		return NULL;
	layer = &r->layers[r->layer_count++];
	memset(layer, 0, sizeof(*layer));
	layer->kind = kind;
	return layer;
}

/* A layer's top level must be a table; an empty YAML document counts as one. */
static int add_table_layer(prov_config_resolver *r, int kind, prov_value *tree)
{
	struct prov_layer *layer;

	if (prov_value_is(tree, PROV_VALUE_NULL)) {
		prov_value *empty = prov_value_table((prov_source *)prov_value_source(tree), 1);
		prov_value_unref(tree);
		if (!(tree = empty))
			return PROV_ENOMEM;
	}
	if (!prov_value_is(tree, PROV_VALUE_TABLE)) {
		int rc = prov_err_at(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, prov_value_file(tree),
				     (int)prov_value_line(tree),
				     "a config layer must be a table of keys, not a %s",
				     prov_value_type_name(prov_value_type_of(tree)));
		prov_value_unref(tree);
		return rc;
	}
	if (!(layer = append_layer(r, kind))) {
		prov_value_unref(tree);
		return PROV_ENOMEM;
	}
	layer->tree = tree;
	return PROV_OK;
}

int prov_config_resolver_add_layer_file(prov_config_resolver *r, int layer, const char *path)
{
	prov_value *tree;
	int rc = check_kind(layer);

	if (rc == PROV_OK)
		rc = prov_format_load_file(path, PROV_FORMAT_AUTO, prov_config_layer_name(layer),
					   &tree);
	return rc ? rc : add_table_layer(r, layer, tree);
}

int prov_config_resolver_add_file(prov_config_resolver *r, const char *path)
{
	return prov_config_resolver_add_layer_file(r, PROV_CONFIG_LAYER_EXPLICIT, path);
}

int prov_config_resolver_add_string(prov_config_resolver *r, int layer, const char *name,
				    const char *text, size_t len, prov_format format)
{
	prov_source *src;
	prov_value *tree;
	int rc = check_kind(layer);

	if (rc)
		return rc;
	if (format == PROV_FORMAT_AUTO)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "%s: a string layer needs its format", name ? name : "<string>");
	if (!(src = prov_source_new(name ? name : "<string>", prov_config_layer_name(layer))))
		return PROV_ENOMEM;
	rc = prov_format_parse(format, text, len, src, &tree);
	prov_source_unref(src);
	return rc ? rc : add_table_layer(r, layer, tree);
}

int prov_config_resolver_add_environment(prov_config_resolver *r, const char *const *environment)
{
	struct prov_layer *layer;
	int rc = prov_environment_copy(&r->env, environment);

	if (rc)
		return rc;
	if (!(layer = append_layer(r, PROV_CONFIG_LAYER_ENV_VARS)))
		return PROV_ENOMEM;
	rc = prov_environment_assignments(&r->env, layer);
	if (rc) {
		release_layer(layer);
		r->layer_count--;
	}
	return rc;
}

int prov_config_resolver_add_override(prov_config_resolver *r, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	struct prov_layer *layer;
	struct prov_assignment *a;
	struct prov_path check;
	char *path;
	int rc;

	if (!eq || eq == assignment)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "override '%s' must have the form key.path=value", assignment);
	if (!(path = prov_strndup(assignment, (size_t)(eq - assignment))))
		return PROV_ENOMEM;
	if ((rc = prov_path_split(path, &check))) {
		free(path);
		return rc;
	}
	prov_path_release(&check);
	if (!(layer = append_layer(r, PROV_CONFIG_LAYER_RUNTIME)) ||
	    !(layer->assignments = prov_calloc(1, sizeof(*a)))) {
		free(path);
		return PROV_ENOMEM;
	}
	a = layer->assignments;
	layer->assignment_count = 1;
	a->path = path;
	a->text = prov_strdup(eq + 1);
	a->src = prov_source_new("override", prov_config_layer_name(PROV_CONFIG_LAYER_RUNTIME));
	return a->text && a->src ? PROV_OK : prov_err_nomem();
}

int prov_config_resolver_set_base_dir(prov_config_resolver *r, const char *dir)
{
	char *absolute;

	if (dir[0] == '/') {
		absolute = prov_strdup(dir);
	} else {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return prov_err_errno(errno, "cannot read the current directory");
		absolute = prov_malloc(strlen(cwd) + strlen(dir) + 2);
		if (absolute)
			sprintf(absolute, "%s/%s", cwd, dir);
		free(cwd);
	}
	if (!absolute)
		return PROV_ENOMEM;
	free(r->base_dir);
	r->base_dir = absolute;
	return PROV_OK;
}

int prov_config_resolver_set_schema(prov_config_resolver *r, const prov_config_schema *schema)
{
	prov_config_schema_free(r->schema);
	r->schema = prov_config_schema_ref(schema);
	return PROV_OK;
}

/* Retag every source of a tree with the layer's name (the tree is copied where needed). */
static prov_value *retag(const prov_value *v, const char *layer_name, prov_source **cache_from,
			 prov_source **cache_to);

int prov_config_resolver_add_tree(prov_config_resolver *r, int layer, const prov_value *tree)
{
	prov_source *from = NULL, *to = NULL;
	prov_value *copy;
	int rc = check_kind(layer);

	if (rc)
		return rc;
	copy = retag(tree, prov_config_layer_name(layer), &from, &to);
	prov_source_unref(to);
	return copy ? add_table_layer(r, layer, copy) : PROV_ENOMEM;
}

int prov_config_resolve_with_tree(prov_config **out, prov_config_resolver *r, int layer,
				  const prov_value *tree)
{
	size_t count = r->layer_count;
	int rc = tree ? prov_config_resolver_add_tree(r, layer, tree) : PROV_OK;

	if (rc == PROV_OK)
		rc = prov_config_resolve(r, out);
	while (r->layer_count > count)
		release_layer(&r->layers[--r->layer_count]);
	return rc;
}

static prov_source *retagged_source(const prov_source *src, const char *layer_name,
				    prov_source **cache_from, prov_source **cache_to)
{
	/* A definition's nodes nearly always share one source: remember the last. */
	if (src == *cache_from && *cache_to)
		return *cache_to;
	prov_source_unref(*cache_to);
	*cache_from = (prov_source *)src;
	*cache_to = prov_source_new(prov_source_name(src), layer_name);
	return *cache_to;
}

static prov_value *retag(const prov_value *v, const char *layer_name, prov_source **cache_from,
			 prov_source **cache_to)
{
	prov_source *src = retagged_source(prov_value_source(v), layer_name, cache_from, cache_to);
	bool table = prov_value_is(v, PROV_VALUE_TABLE);
	size_t count = table ? prov_table_len(v) : prov_array_len(v);
	prov_value *copy;

	if (!src)
		return NULL;
	if (!table && !prov_value_is(v, PROV_VALUE_ARRAY))
		return prov_value_with_origin(v, src, prov_value_line(v));
	copy = table ? prov_value_table(src, prov_value_line(v)) : prov_value_array(src, prov_value_line(v));
	for (size_t i = 0; copy && i < count; i++) {
		prov_value *child = retag(table ? prov_table_value_at(v, i) : prov_array_at(v, i),
					  layer_name, cache_from, cache_to);
		size_t key_len = 0;
		const char *key = table ? prov_table_key_at(v, i, &key_len) : NULL;
		int rc;

		if (!child)
			rc = PROV_ENOMEM;
		else if (table)
			rc = prov_table_set(copy, key, key_len, prov_table_key_line_at(v, i), child);
		else
			rc = prov_array_push(copy, child);
		if (rc) {
			prov_value_unref(copy);
			copy = NULL;
		}
	}
	return copy;
}
