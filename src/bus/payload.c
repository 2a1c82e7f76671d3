#include "bus/payload.h"

#include <provisioning/bus.h>

#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Members the bus writes itself; a payload may not carry them. */
static const char *const reserved_members[] = { "format_version", "type", "seq", "timestamp" };

static bool type_char_allowed(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

int bus_check_type(const char *type, size_t *len)
{
	size_t n;

	if (!type || !*type)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "event type is empty");
	for (n = 0; type[n]; n++) {
		if (n == PROV_BUS_TYPE_MAX)
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
					    "event type \"%.20s...\" is longer than %d bytes",
					    type, PROV_BUS_TYPE_MAX);
		if (!type_char_allowed(type[n]))
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
					    "event type \"%.*s\": character %zu is not a letter, "
					    "digit, '_', '.', ':' or '-'",
					    (int)n, type, n + 1);
	}
	*len = n;
	return PROV_OK;
}

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The text between the outer braces, or false when it is not braced. */
static bool braced_members(const char *payload, const char **members, size_t *len)
{
	const char *start = payload, *end = payload + strlen(payload);

	while (start < end && is_json_space(*start))
		start++;
	while (end > start && is_json_space(end[-1]))
		end--;
	if (end - start < 2 || *start != '{' || end[-1] != '}')
		return false;
	*members = start + 1;
	*len = (size_t)(end - start) - 2;
	return true;
}

static int check_utf8(const char *text, size_t len, const char *what)
{
	size_t bad = prov_utf8_check(text, len);

	if (bad == len)
		return PROV_OK;
	return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
			    "%s: invalid UTF-8 at byte %zu", what, bad + 1);
}

/* Parse a document and print it back compactly. json-c passes the bytes of
 * strings through, so the input's UTF-8 is checked first; it turns escaped
 * lone surrogates into U+FFFD itself. */
static int compact_json(const char *json, const char *what, json_object **obj, char **out,
			size_t *out_len)
{
	size_t len = strlen(json);
	int r;

	*out = NULL;
	if ((r = check_utf8(json, len, what)) != PROV_OK ||
	    (r = prov_json_parse(json, len, what, obj)) != PROV_OK)
		return r;
	if (!*obj) {
		*out = prov_strdup("null");
		*out_len = 4;
		return *out ? PROV_OK : PROV_ENOMEM;
	}
	*out = prov_json_to_string(*obj, out_len);
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int check_members(json_object *obj)
{
	if (!json_object_is_type(obj, json_type_object))
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "event payload: not a JSON object");
	for (size_t i = 0; i < sizeof(reserved_members) / sizeof(reserved_members[0]); i++)
		if (json_object_object_get_ex(obj, reserved_members[i], NULL))
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
					    "event payload: member \"%s\" is reserved for the bus",
					    reserved_members[i]);
	return PROV_OK;
}

int bus_payload_members(const char *payload, bool trusted, const char **members,
			size_t *len, char **owned)
{
	json_object *obj = NULL;
	size_t text_len = 0;
	int r;

	*owned = NULL;
	*members = "";
	*len = 0;
	if (!payload)
		return PROV_OK;
	if (trusted) {
		if (braced_members(payload, members, len))
			return PROV_OK;
		return prov_err_set(PROV_EPARSE, PROV_ERRCAT_DOCUMENT,
				    "event payload: not a JSON object");
	}
	r = compact_json(payload, "event payload", &obj, owned, &text_len);
	if (r == PROV_OK)
		r = check_members(obj);
	json_object_put(obj);
	if (r != PROV_OK) {
		free(*owned);
		*owned = NULL;
		return r;
	}
	*members = *owned + 1;
	*len = text_len - 2;
	return PROV_OK;
}

int bus_append_json(prov_strbuf *b, const char *json, const char *event, const char *field)
{
	json_object *obj = NULL;
	char what[PROV_BUS_TYPE_MAX + 64];
	char *text;
	size_t len = 0;
	int r;

	if (!json)
		return prov_strbuf_puts(b, "null");
	snprintf(what, sizeof(what), "%s: %s", event, field);
	r = compact_json(json, what, &obj, &text, &len);
	json_object_put(obj);
	if (r == PROV_OK)
		r = prov_strbuf_append(b, text, len);
	free(text);
	return r;
}
