/*
 * Resolving: merge the layers in precedence order, type the variables and
 * overrides against what lies below them, then interpolate.
 */
#include "config/private.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Layer positions sorted by kind, keeping the order of addition within a kind. */
static size_t *precedence_order(const prov_config_resolver *r)
{
	size_t *order = prov_calloc(r->layer_count + 1, sizeof(*order));

	for (size_t i = 0; order && i < r->layer_count; i++) {
		size_t j = i;
		while (j > 0 && r->layers[order[j - 1]].kind > r->layers[i].kind) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	return order;
}

/* A tree of one layer's assignments, each typed against `below`. */
static int assignment_tree(const struct prov_layer *layer, const prov_config_schema *schema,
			   const prov_value *below, prov_value **out)
{
	prov_value *tree = prov_value_table(layer->assignment_count
					    ? layer->assignments[0].src : NULL, 0);
	int rc = tree ? PROV_OK : PROV_ENOMEM;

	for (size_t i = 0; rc == PROV_OK && i < layer->assignment_count; i++) {
		const struct prov_assignment *a = &layer->assignments[i];
		prov_value *value;

		rc = prov_config_type_assignment(a, schema, below, &value);
		if (rc == PROV_OK && (rc = prov_config_tree_set(tree, a->path, value)))
			prov_err_prefix("%s: ", prov_source_name(a->src));
	}
	if (rc) {
		prov_value_unref(tree);
		return rc;
	}
	*out = tree;
	return PROV_OK;
}

static int merge_into(prov_value **merged, const prov_value *layer_tree)
{
	prov_value *next;
	int rc = prov_config_merge(*merged, layer_tree, &next);

	if (rc)
		return rc;
	prov_value_unref(*merged);
	*merged = next;
	return PROV_OK;
}

/* The schema file the `schema` key of tree names (relative to paths.base), or NULL. */
static int schema_file(const prov_value *tree, const struct prov_interp_options *opts,
		       char **out)
{
	prov_value *path = NULL, *base = NULL;
	const char *file;
	char *joined = NULL;
	int rc = prov_config_interpolate_path(tree, opts, "schema", &path);

	*out = NULL;
	if (rc || !path)
		return rc;
	if (!prov_value_is(path, PROV_VALUE_STRING)) {
		rc = prov_err_at(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, prov_value_file(path),
				 (int)prov_value_line(path), "the schema key must be a file name");
		goto out;
	}
	file = prov_value_get_str(path, NULL);
	if (file[0] != '/') {
		rc = prov_config_interpolate_path(tree, opts, "paths.base", &base);
		if (rc == PROV_OK && prov_value_is(base, PROV_VALUE_STRING) &&
		    asprintf(&joined, "%s/%s", prov_value_get_str(base, NULL), file) < 0) {
			joined = NULL;
			rc = prov_err_nomem();
		}
	}
	if (rc == PROV_OK && !joined && !(joined = prov_strdup(file)))
		rc = PROV_ENOMEM;
	if (rc == PROV_OK)
		*out = joined;
	else
		free(joined);
out:
	prov_value_unref(path);
	prov_value_unref(base);
	return rc;
}

static char *default_base_dir(const prov_config_resolver *r)
{
	char *cwd;

	if (r->base_dir)
		return prov_strdup(r->base_dir);
	if (!(cwd = getcwd(NULL, 0)))
		prov_err_errno(errno, "cannot read the current directory");
	return cwd;
}

struct resolution {
	prov_value *merged;
	prov_config_schema *typing_schema;
	char *typing_schema_file;    /* the file typing_schema was read from, or NULL */
	bool typing_schema_known;
	struct prov_interp_options interp;
};

static int apply_layer(const prov_config_resolver *r, struct resolution *res,
		       const struct prov_layer *layer)
{
	prov_value *tree = NULL;
	int rc;

	if (layer->kind >= PROV_CONFIG_LAYER_ENV_VARS && !res->typing_schema_known) {
		res->typing_schema_known = true;
		if (r->schema)
			res->typing_schema = prov_config_schema_ref(r->schema);
		else if ((rc = schema_file(res->merged, &res->interp, &res->typing_schema_file)) ||
			 (res->typing_schema_file &&
			  (rc = prov_config_schema_load(&res->typing_schema, res->typing_schema_file))))
			return rc;
	}
	if (layer->tree)
		return merge_into(&res->merged, layer->tree);
	rc = assignment_tree(layer, res->typing_schema, res->merged, &tree);
	if (rc == PROV_OK)
		rc = merge_into(&res->merged, tree);
	prov_value_unref(tree);
	return rc;
}

static int finish(const prov_config_resolver *r, struct resolution *res, prov_config **out)
{
	prov_config *c = prov_calloc(1, sizeof(*c));
	int rc = c ? prov_config_interpolate(res->merged, &res->interp, &c->root) : PROV_ENOMEM;
	char *file = NULL;

	if (rc == PROV_OK && r->schema)
		c->schema = prov_config_schema_ref(r->schema);
	else if (rc == PROV_OK)
		rc = schema_file(c->root, &res->interp, &file);
	/* The layers above the typing point seldom move the schema key: read it once. */
	if (rc == PROV_OK && file && res->typing_schema_file &&
	    strcmp(file, res->typing_schema_file) == 0)
		c->schema = prov_config_schema_ref(res->typing_schema);
	else if (rc == PROV_OK && file)
		rc = prov_config_schema_load(&c->schema, file);
	free(file);
	if (rc) {
		prov_config_free(c);
		return rc;
	}
	*out = c;
	return PROV_OK;
}

int prov_config_resolve(prov_config_resolver *r, prov_config **out)
{
	struct resolution res = { NULL, NULL, NULL, false,
				  { &r->env, prov_clock_realtime_ms(), false, NULL, NULL } };
	size_t *order = precedence_order(r);
	char *base_dir = order ? default_base_dir(r) : NULL;
	int rc = base_dir ? prov_config_builtin_tree(base_dir, &res.merged) : prov_err_code();

	*out = NULL;
	for (size_t i = 0; rc == PROV_OK && i < r->layer_count; i++)
		rc = apply_layer(r, &res, &r->layers[order[i]]);
	if (rc == PROV_OK)
		rc = finish(r, &res, out);
	prov_value_unref(res.merged);
	prov_config_schema_free(res.typing_schema);
	free(res.typing_schema_file);
	free(base_dir);
	free(order);
	return rc;
}

void prov_config_free(prov_config *c)
{
	if (!c)
		return;
	prov_value_unref(c->root);
	prov_config_schema_free(c->schema);
	free(c);
}
