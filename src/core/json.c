#include "core/json.h"
#include "core/err.h"
#include "core/mem.h"

#include <math.h>
#include <string.h>

static int line_of_offset(const char *text, size_t offset)
{
	int line = 1;

	for (size_t i = 0; i < offset; i++)
		line += text[i] == '\n';
	return line;
}

int prov_json_parse(const char *text, size_t len, const char *what, json_object **out)
{
	json_tokener *tok = json_tokener_new_ex(PROV_JSON_MAX_DEPTH);
	enum json_tokener_error jerr;
	json_object *obj;
	size_t consumed;

	*out = NULL;
	if (!tok)
		return prov_err_nomem();
	if (len > INT32_MAX) {
		json_tokener_free(tok);
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_DOCUMENT, "%s: document too large", what);
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	consumed = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A number or literal that ends the text ends only when the tokener
		 * sees a terminator: "null", "42" and "true" are whole documents. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok) == json_tokener_success
		       ? json_tokener_success : json_tokener_error_parse_eof;
	}
	while (jerr == json_tokener_success && consumed < len &&
	       strchr(" \t\r\n", text[consumed]))
		consumed++;
	if (jerr == json_tokener_success && consumed < len) {
		json_object_put(obj);
		json_tokener_free(tok);
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "%s: line %d: unexpected data after the JSON document", what,
				    line_of_offset(text, consumed));
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, "%s: line %d: invalid JSON: %s",
				    what, line_of_offset(text, consumed > len ? len : consumed),
				    json_tokener_error_desc(jerr));
	}
	*out = obj;
	return PROV_OK;
}

static prov_value *table_from_json_c(json_object *obj, prov_source *src)
{
	prov_value *t = prov_value_table(src, 0);

	if (!t)
		return NULL;
	json_object_object_foreach(obj, key, member) {
		prov_value *child = prov_value_from_json_c(member, src);
		if (!child || prov_table_set(t, key, strlen(key), 0, child) != PROV_OK) {
			prov_value_unref(t);
			return NULL;
		}
	}
	return t;
}

static prov_value *array_from_json_c(json_object *obj, prov_source *src)
{
	prov_value *a = prov_value_array(src, 0);
	size_t n = json_object_array_length(obj);

	for (size_t i = 0; a && i < n; i++) {
		prov_value *child = prov_value_from_json_c(json_object_array_get_idx(obj, i), src);
		if (!child || prov_array_push(a, child) != PROV_OK) {
			prov_value_unref(a);
			return NULL;
		}
	}
	return a;
}

prov_value *prov_value_from_json_c(json_object *obj, prov_source *src)
{
	switch (json_object_get_type(obj)) {
	case json_type_null:
		return prov_value_null(src, 0);
	case json_type_boolean:
		return prov_value_bool(json_object_get_boolean(obj), src, 0);
	case json_type_int:
		return prov_value_int(json_object_get_int64(obj), src, 0);
	case json_type_double:
		return prov_value_double(json_object_get_double(obj), src, 0);
	case json_type_string:
		return prov_value_string(json_object_get_string(obj),
					 (size_t)json_object_get_string_len(obj), src, 0);
	case json_type_array:
		return array_from_json_c(obj, src);
	case json_type_object:
		return table_from_json_c(obj, src);
	}
	return prov_value_null(src, 0);
}

static int table_to_json_c(const prov_value *v, json_object **out)
{
	json_object *obj = json_object_new_object();

	if (!obj)
		return prov_err_nomem();
	for (size_t i = 0; i < prov_table_len(v); i++) {
		size_t key_len;
		const char *key = prov_table_key_at(v, i, &key_len);
		json_object *child;
		char *zkey;

		if (prov_value_to_json_c(prov_table_value_at(v, i), &child) != PROV_OK)
			goto fail;
		zkey = prov_strndup(key, key_len);
		if (!zkey || json_object_object_add(obj, zkey, child) != 0) {
			free(zkey);
			json_object_put(child);
			goto fail;
		}
		free(zkey);
	}
	*out = obj;
	return PROV_OK;
fail:
	json_object_put(obj);
	return prov_err_nomem();
}

static int array_to_json_c(const prov_value *v, json_object **out)
{
	json_object *obj = json_object_new_array_ext((int)prov_array_len(v));

	if (!obj)
		return prov_err_nomem();
	for (size_t i = 0; i < prov_array_len(v); i++) {
		json_object *child;

		if (prov_value_to_json_c(prov_array_at(v, i), &child) != PROV_OK ||
		    json_object_array_add(obj, child) != 0) {
			json_object_put(obj);
			return prov_err_nomem();
		}
	}
	*out = obj;
	return PROV_OK;
}

static json_object *scalar_to_json_c(const prov_value *v)
{
	size_t len;
	const char *s;

	switch (prov_value_type_of(v)) {
	case PROV_VALUE_BOOL:
		return json_object_new_boolean(prov_value_get_bool(v));
	case PROV_VALUE_INT:
		return json_object_new_int64(prov_value_get_int(v));
	case PROV_VALUE_DOUBLE:
		return json_object_new_double(prov_value_get_double(v));
	default:
		s = prov_value_get_str(v, &len);
		return json_object_new_string_len(s, (int)len);
	}
}

int prov_value_to_json_c(const prov_value *v, json_object **out)
{
	*out = NULL;
	switch (prov_value_type_of(v)) {
	case PROV_VALUE_TABLE:
		return table_to_json_c(v, out);
	case PROV_VALUE_ARRAY:
		return array_to_json_c(v, out);
	case PROV_VALUE_NULL:
		return PROV_OK; /* json-c spells null as a NULL object */
	case PROV_VALUE_DOUBLE:
		/* JSON has no NaN or infinity; null stands in, as in the printer. */
		if (!isfinite(prov_value_get_double(v)))
			return PROV_OK;
		/* fall through */
	default:
		*out = scalar_to_json_c(v);
		return *out ? PROV_OK : prov_err_nomem();
	}
}

char *prov_json_to_string(json_object *obj, size_t *len)
{
	size_t n = 0;
	const char *text = json_object_to_json_string_length(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	char *copy;

	if (!text) {
		prov_err_nomem();
		return NULL;
	}
	copy = prov_strndup(text, n);
	if (copy && len)
		*len = n;
	return copy;
}

const char *prov_json_get_string(json_object *obj, const char *key)
{
	json_object *member;

	if (!json_object_object_get_ex(obj, key, &member) ||
	    !json_object_is_type(member, json_type_string))
		return NULL;
	return json_object_get_string(member);
}

bool prov_json_get_int64(json_object *obj, const char *key, int64_t *out)
{
	json_object *member;

	if (!json_object_object_get_ex(obj, key, &member) ||
	    !json_object_is_type(member, json_type_int))
		return false;
	*out = json_object_get_int64(member);
	return true;
}
