/*
 * Typing environment variables and overrides. Their values arrive as text;
 * each takes the type the schema gives its key, else the type the key has in
 * the layers below, else it stays a string -- so a password 12345 stays the
 * string "12345" unless something says the key is a number.
 */
#include "config/private.h"
#include "format/format.h"
#include "core/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int convert_bool(const char *text, prov_source *src, prov_value **out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
			*out = prov_value_bool(strcasecmp(text, yes[i]) == 0, src, 0);
			return *out ? PROV_OK : PROV_ENOMEM;
		}
	}
	return PROV_ETYPE;
}

static int convert_int(const char *text, prov_source *src, prov_value **out)
{
	char *end;
	long long i;

	errno = 0;
	i = strtoll(text, &end, 10);
	if (errno || end == text || *end)
		return PROV_ETYPE;
	*out = prov_value_int(i, src, 0);
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int convert_double(const char *text, prov_source *src, prov_value **out)
{
	char *end;
	double d;

	errno = 0;
	d = prov_format_strtod(text, &end);
	if (errno || end == text || *end)
		return PROV_ETYPE;
	*out = prov_value_double(d, src, 0);
	return *out ? PROV_OK : PROV_ENOMEM;
}

/* Arrays and tables are written as JSON: PROVISIONING_PLUGINS__PATHS='["/opt/p"]'. */
static int convert_json(const char *text, prov_value_type type, prov_source *src,
			prov_value **out)
{
	prov_value *v;

	if (prov_json_read(text, strlen(text), src, &v) != PROV_OK)
		return PROV_ETYPE;
	if (!prov_value_is(v, type)) {
		prov_value_unref(v);
		return PROV_ETYPE;
	}
	*out = v;
	return PROV_OK;
}

int prov_config_convert(const char *text, prov_value_type type, prov_source *src,
			prov_value **out)
{
	*out = NULL;
	switch (type) {
	case PROV_VALUE_BOOL:
		return convert_bool(text, src, out);
	case PROV_VALUE_INT:
		return convert_int(text, src, out);
	case PROV_VALUE_DOUBLE:
		return convert_double(text, src, out);
	case PROV_VALUE_ARRAY:
	case PROV_VALUE_TABLE:
		return convert_json(text, type, src, out);
	default:
		/* Strings, and keys whose lower value is null or a datetime. */
		*out = prov_value_string(text, strlen(text), src, 0);
		return *out ? PROV_OK : PROV_ENOMEM;
	}
}

static int conversion_error(const struct prov_assignment *a, const char *wanted,
			    const char *because, const prov_value *below)
{
	prov_strbuf origin = PROV_STRBUF_INIT;
	int rc;

	if (below)
		prov_config_describe_origin(&origin, below);
	rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION,
			  "%s: '%s' is not %s (%s key %s%s%s)", prov_source_name(a->src), a->text,
			  wanted, because, a->path, below ? ", set at " : "",
			  below ? prov_strbuf_cstr(&origin) : "");
	prov_err_context(PROV_ERR_KEY, a->path);
	prov_strbuf_release(&origin);
	return rc;
}

static const char *article_name(prov_value_type type, bool number)
{
	static const char *const names[] = {
		"null", "a boolean", "an integer", "a float", "a string", "a datetime",
		"a JSON array", "a JSON object",
	};

	return number ? "a number" : names[type];
}

int prov_config_type_assignment(const struct prov_assignment *a, const prov_config_schema *schema,
				const prov_value *below, prov_value **out)
{
	const prov_value *lower = prov_path_lookup(below, a->path);
	prov_value_type type = PROV_VALUE_STRING;
	bool number = false;
	int rc;

	if (schema && prov_config_schema_type_of(schema, a->path, &type, &number)) {
		rc = prov_config_convert(a->text, number ? PROV_VALUE_INT : type, a->src, out);
		if (rc == PROV_ETYPE && number)
			rc = prov_config_convert(a->text, PROV_VALUE_DOUBLE, a->src, out);
		if (rc == PROV_ETYPE)
			return conversion_error(a, article_name(type, number), "the schema's type of",
						NULL);
		return rc;
	}
	if (lower)
		type = prov_value_type_of(lower);
	rc = prov_config_convert(a->text, type, a->src, out);
	if (rc == PROV_ETYPE)
		return conversion_error(a, article_name(type, false), "the type of", lower);
	return rc;
}
