/*
 * {{...}} references in an operation's params. {{ops.ID.output.FIELD}}
 * names an earlier operation's result.data and makes the operation depend on
 * ID; every other reference is resolved against the config. The grammar is
 * the config's: "{{" and "}}" around a name, spaces trimmed, "\{{" a literal.
 */
#include "workflow/internal.h"

#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static void scan_string(const prov_value *v, wf_reference_fn fn, void *userdata)
{
	size_t len;
	const char *s = prov_value_get_str(v, &len), *end = s + len, *p = s;

	while (p + 1 < end) {
		const char *open, *close, *name_end;
		char *name;

		if (p[0] == '\\' && end - p >= 3 && p[1] == '{' && p[2] == '{') {
			p += 3;
			continue;
		}
		if (p[0] != '{' || p[1] != '{') {
			p++;
			continue;
		}
		if (!(close = memmem(p + 2, (size_t)(end - p - 2), "}}", 2)))
			return;
		for (open = p + 2; open < close && *open == ' '; open++)
			;
		for (name_end = close; name_end > open && name_end[-1] == ' '; name_end--)
			;
		if ((name = prov_strndup(open, (size_t)(name_end - open))))
			fn(name, v, userdata);
		free(name);
		p = close + 2;
	}
}

void wf_scan_references(const prov_value *v, wf_reference_fn fn, void *userdata)
{
	switch (prov_value_type_of(v)) {
	case PROV_VALUE_STRING:
		scan_string(v, fn, userdata);
		break;
	case PROV_VALUE_ARRAY:
		for (size_t i = 0; i < prov_array_len(v); i++)
			wf_scan_references(prov_array_at(v, i), fn, userdata);
		break;
	case PROV_VALUE_TABLE:
		for (size_t i = 0; i < prov_table_len(v); i++)
			wf_scan_references(prov_table_value_at(v, i), fn, userdata);
		break;
	default:
		break;
	}
}

bool wf_is_ops_reference(const char *name)
{
	return strncmp(name, "ops.", 4) == 0 || strcmp(name, "ops") == 0;
}

bool wf_parse_ops_reference(const char *name, char **op_id, const char **path)
{
	const char *id = name + 4, *dot;

	*op_id = NULL;
	if (strncmp(name, "ops.", 4) != 0 || !(dot = strchr(id, '.')) || dot == id)
		return false;
	if (strncmp(dot + 1, "output", 6) != 0 || (dot[7] != '\0' && dot[7] != '.'))
		return false;
	if (dot[7] == '.' && dot[8] == '\0')
		return false;
	*path = dot[7] ? dot + 8 : "";
	*op_id = prov_strndup(id, (size_t)(dot - id));
	return *op_id != NULL;
}
