/*
 * Reading a resolved config: typed getters, origins, key enumeration and
 * dumps. A config never changes after resolve, so all of this reads shared
 * immutable nodes and any number of threads may call it at once.
 */
#include "config/private.h"
#include "format/format.h"
#include "core/err.h"
#include "core/secret.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_articles[] = {
	"null", "a boolean", "an integer", "a float", "a string", "a datetime", "an array", "a table",
};

const prov_value *prov_config_root(const prov_config *c)
{
	return c->root;
}

const prov_value *prov_config_lookup(const prov_config *c, const char *path)
{
	return prov_path_lookup(c->root, path);
}

void prov_config_describe_origin(prov_strbuf *out, const prov_value *v)
{
	const char *file = prov_value_file(v);
	const char *layer = prov_source_layer(prov_value_source(v));

	prov_strbuf_puts(out, *file ? file : "<unknown>");
	if (prov_value_line(v))
		prov_strbuf_printf(out, ":%u", (unsigned)prov_value_line(v));
	if (*layer)
		prov_strbuf_printf(out, " (%s)", layer);
}

static const char *display_path(const char *path)
{
	return path && *path ? path : "(root)";
}

/* The value at path, or PROV_ENOTFOUND naming the path and what stands in its way. */
static int find(const prov_config *c, const char *path, const prov_value **out)
{
	prov_strbuf origin = PROV_STRBUF_INIT;
	const prov_value *blocker;
	struct prov_path p, prefix;
	size_t reached;
	int rc;

	if ((*out = prov_path_lookup(c->root, path)))
		return PROV_OK;
	if ((rc = prov_path_split(path, &p)))
		return rc;
	prov_path_follow(c->root, &p, &reached);
	/* The deepest prefix that exists, when it is not a container, explains the miss. */
	prefix.segments = p.segments;
	prefix.count = reached;
	blocker = reached ? prov_path_follow(c->root, &prefix, NULL) : NULL;
	if (blocker && !prov_value_is(blocker, PROV_VALUE_TABLE) &&
	    !prov_value_is(blocker, PROV_VALUE_ARRAY)) {
		prov_config_describe_origin(&origin, blocker);
		rc = prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CONFIGURATION,
				  "config key '%s' is not set ('%s' is %s, set at %s)", path,
				  p.segments[reached - 1].text,
				  type_articles[prov_value_type_of(blocker)], prov_strbuf_cstr(&origin));
	} else {
		rc = prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CONFIGURATION,
				  "config key '%s' is not set", display_path(path));
	}
	prov_err_context(PROV_ERR_KEY, path);
	prov_strbuf_release(&origin);
	prov_path_release(&p);
	return rc;
}

static int wrong_type(const char *path, const prov_value *v, const char *wanted)
{
	prov_strbuf origin = PROV_STRBUF_INIT;
	int rc;

	prov_config_describe_origin(&origin, v);
	rc = prov_err_set(PROV_ETYPE, PROV_ERRCAT_CONFIGURATION, "config key '%s' is %s, not %s (set at %s)",
			  display_path(path), type_articles[prov_value_type_of(v)], wanted,
			  prov_strbuf_cstr(&origin));
	prov_err_context(PROV_ERR_KEY, path);
	prov_err_context(PROV_ERR_FILE, prov_value_file(v));
	prov_err_line((int)prov_value_line(v));
	prov_strbuf_release(&origin);
	return rc;
}

/* Bit of a value type, for the set of types a getter accepts. */
#define TYPE_BIT(t) (1u << (t))

/* The value at path when its type is in accepted, else the error naming what was wanted. */
static int find_typed(const prov_config *c, const char *path, unsigned accepted,
		      const char *wanted, const prov_value **out)
{
	int rc = find(c, path, out);

	if (rc == PROV_OK && !(accepted & TYPE_BIT(prov_value_type_of(*out))))
		return wrong_type(path, *out, wanted);
	return rc;
}

int prov_config_get_string(const prov_config *c, const char *path, const char **out)
{
	const prov_value *v;
	int rc = find_typed(c, path, TYPE_BIT(PROV_VALUE_STRING) | TYPE_BIT(PROV_VALUE_DATETIME),
			    "a string", &v);

	if (rc == PROV_OK)
		*out = prov_value_get_str(v, NULL);
	return rc;
}

int prov_config_get_int64(const prov_config *c, const char *path, int64_t *out)
{
	const prov_value *v;
	int rc = find_typed(c, path, TYPE_BIT(PROV_VALUE_INT), "an integer", &v);

	if (rc == PROV_OK)
		*out = prov_value_get_int(v);
	return rc;
}

int prov_config_get_double(const prov_config *c, const char *path, double *out)
{
	const prov_value *v;
	int rc = find_typed(c, path, TYPE_BIT(PROV_VALUE_DOUBLE) | TYPE_BIT(PROV_VALUE_INT),
			    "a number", &v);

	if (rc == PROV_OK)
		*out = prov_value_get_double(v);
	return rc;
}

int prov_config_get_bool(const prov_config *c, const char *path, int *out)
{
	const prov_value *v;
	int rc = find_typed(c, path, TYPE_BIT(PROV_VALUE_BOOL), "a boolean", &v);

	if (rc == PROV_OK)
		*out = prov_value_get_bool(v) ? 1 : 0;
	return rc;
}

int prov_config_get_type(const prov_config *c, const char *path, int *out)
{
	const prov_value *v;
	int rc = find(c, path, &v);

	if (rc == PROV_OK)
		*out = (int)prov_value_type_of(v);
	return rc;
}

int prov_config_get_json(const prov_config *c, const char *path, char **out)
{
	prov_strbuf json = PROV_STRBUF_INIT;
	const prov_value *v;
	int rc = find(c, path, &v);

	*out = NULL;
	if (rc)
		return rc;
	if (prov_value_print_json(&json, v, 0)) {
		prov_strbuf_release(&json);
		return prov_err_nomem();
	}
	*out = prov_strbuf_detach(&json, NULL);
	return *out ? PROV_OK : PROV_ENOMEM;
}

int prov_config_get_array_length(const prov_config *c, const char *path, size_t *out)
{
	const prov_value *v;
	int rc = find_typed(c, path, TYPE_BIT(PROV_VALUE_ARRAY), "an array", &v);

	if (rc == PROV_OK)
		*out = prov_array_len(v);
	return rc;
}

int prov_config_get_key_count(const prov_config *c, const char *path, size_t *out)
{
	const prov_value *v;
	int rc = find_typed(c, path, TYPE_BIT(PROV_VALUE_TABLE), "a table", &v);

	if (rc == PROV_OK)
		*out = prov_table_len(v);
	return rc;
}

int prov_config_get_key_at(const prov_config *c, const char *path, size_t index, const char **key)
{
	const prov_value *v;
	int rc = find_typed(c, path, TYPE_BIT(PROV_VALUE_TABLE), "a table", &v);

	if (rc)
		return rc;
	if (index >= prov_table_len(v))
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INVALID_ARGUMENT,
				    "config key '%s' has %zu keys, no key %zu", display_path(path),
				    prov_table_len(v), index);
	*key = prov_table_key_at(v, index, NULL);
	return PROV_OK;
}

int prov_config_get_origin(const prov_config *c, const char *path, const char **layer,
			   const char **file, int *line)
{
	const prov_value *v;
	int rc = find(c, path, &v);

	if (rc)
		return rc;
	if (layer)
		*layer = prov_source_layer(prov_value_source(v));
	if (file)
		*file = prov_value_file(v);
	if (line)
		*line = (int)prov_value_line(v);
	return PROV_OK;
}

int prov_config_is_secret_key(const char *path)
{
	return prov_key_is_secret(path);
}
