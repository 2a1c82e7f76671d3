/* Choosing a format, and dispatching to its reader or printer. */
#include "format/format.h"
#include "format/toml.h"
#include "core/err.h"
#include "core/file.h"

#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *extension;
	prov_format format;
} extensions[] = {
	{ ".toml", PROV_FORMAT_TOML },
	{ ".yaml", PROV_FORMAT_YAML },
	{ ".yml", PROV_FORMAT_YAML },
	{ ".json", PROV_FORMAT_JSON },
};

int prov_format_from_path(const char *path, prov_format *out)
{
	const char *dot = strrchr(path, '.');

	if (dot && !strchr(dot, '/')) {
		for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
			if (strcasecmp(dot, extensions[i].extension) == 0) {
				*out = extensions[i].format;
				return PROV_OK;
			}
		}
	}
	return prov_err_at(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, path, 0,
			   "unknown document format: the name must end in .toml, .yaml, .yml or .json");
}

const char *prov_format_name(prov_format format)
{
	switch (format) {
	case PROV_FORMAT_TOML: return "toml";
	case PROV_FORMAT_YAML: return "yaml";
	case PROV_FORMAT_JSON: return "json";
	default: return "auto";
	}
}

static int bad_format(prov_format format)
{
	return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
			    "invalid document format %d", (int)format);
}

int prov_format_parse(prov_format format, const char *text, size_t len, prov_source *src,
		      prov_value **out)
{
	*out = NULL;
	switch (format) {
	case PROV_FORMAT_TOML:
		return prov_toml_parse(text, len, src, out);
	case PROV_FORMAT_YAML:
		return prov_yaml_read(text, len, src, out);
	case PROV_FORMAT_JSON:
		return prov_json_read(text, len, src, out);
	default:
		return bad_format(format);
	}
}

int prov_format_load_file(const char *path, prov_format format, const char *layer,
			  prov_value **out)
{
	prov_source *src;
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if (format == PROV_FORMAT_AUTO && (rc = prov_format_from_path(path, &format)))
		return rc;
	rc = prov_file_read(path, PROV_FORMAT_MAX_FILE_SIZE, &text, &len);
	if (rc)
		return rc;
	src = prov_source_new(path, layer);
	rc = src ? prov_format_parse(format, text, len, src, out) : prov_err_nomem();
	prov_source_unref(src);
	free(text);
	return rc;
}

int prov_format_print(prov_strbuf *out, prov_format format, const prov_value *v)
{
	switch (format) {
	case PROV_FORMAT_TOML:
		return prov_toml_print(out, v);
	case PROV_FORMAT_YAML:
		return prov_yaml_print(out, v);
	case PROV_FORMAT_JSON:
		if (prov_value_print_json(out, v, PROV_JSON_PRETTY))
			return prov_err_nomem();
		return prov_strbuf_putc(out, '\n') ? prov_err_nomem() : PROV_OK;
	default:
		return bad_format(format);
	}
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

double prov_format_strtod(const char *text, char **end)
{
	pthread_once(&c_locale_once, make_c_locale);
	return c_locale ? strtod_l(text, end, c_locale) : strtod(text, end);
}
