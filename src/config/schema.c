/*
 * Schemas: per-key rules, and validation that reports every violation.
 *
 * A schema is a document (any format) with one table, `keys`, mapping key
 * path patterns to rules; "*" in a pattern matches any one key or index:
 *
 *   [keys."providers.*.zone"]
 *   type = "string"
 *   pattern = "^[a-z]{2}-[a-z]+-[0-9]$"
 */
#include "config/private.h"
#include "format/format.h"
#include "core/err.h"
#include "core/logging.h"
#include "core/mem.h"

#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum schema_type {
	TYPE_ANY = -1,
	TYPE_STRING, TYPE_INTEGER, TYPE_FLOAT, TYPE_NUMBER, TYPE_BOOLEAN,
	TYPE_ARRAY, TYPE_TABLE, TYPE_DATETIME, TYPE_NULL,
};

static const char *const type_names[] = {
	"string", "integer", "float", "number", "boolean", "array", "table", "datetime", "null",
};

struct rule {
	const char *pattern;          /* the key path pattern, borrowed from the tree */
	struct prov_path path;
	const prov_value *where;      /* the rule's table, for the schema's own errors */
	int type;
	bool required;
	const prov_value *allowed;    /* enum: an array */
	const prov_value *min, *max;
	bool has_regex;
	regex_t regex;
	const char *regex_text;
	bool deprecated;
	const char *replacement;
};

struct prov_config_schema {
	atomic_uint refs;
	prov_value *tree;
	struct rule *rules;
	size_t count;
};

prov_config_schema *prov_config_schema_ref(const prov_config_schema *schema)
{
	prov_config_schema *s = (prov_config_schema *)schema;

	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void prov_config_schema_free(prov_config_schema *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < s->count; i++) {
		prov_path_release(&s->rules[i].path);
		if (s->rules[i].has_regex)
			regfree(&s->rules[i].regex);
	}
	free(s->rules);
	prov_value_unref(s->tree);
	free(s);
}

static int schema_error(const prov_value *where, const char *pattern, const char *message)
{
	return prov_err_at(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, prov_value_file(where),
			   (int)prov_value_line(where), "schema rule '%s': %s", pattern, message);
}

static int parse_type(struct rule *rule, const prov_value *v)
{
	const char *name = prov_value_get_str(v, NULL);

	for (size_t i = 0; name && i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(name, type_names[i]) == 0) {
			rule->type = (int)i;
			return PROV_OK;
		}
	}
	return schema_error(v, rule->pattern, "type must be one of string, integer, float, number, "
			    "boolean, array, table, datetime, null");
}

static int parse_regex(struct rule *rule, const prov_value *v)
{
	if (!prov_value_is(v, PROV_VALUE_STRING))
		return schema_error(v, rule->pattern, "pattern must be a string");
	rule->regex_text = prov_value_get_str(v, NULL);
	if (regcomp(&rule->regex, rule->regex_text, REG_EXTENDED | REG_NOSUB) != 0)
		return schema_error(v, rule->pattern, "pattern is not a valid POSIX extended regex");
	rule->has_regex = true;
	return PROV_OK;
}

static int parse_field(struct rule *rule, const char *field, const prov_value *v)
{
	bool number = prov_value_is(v, PROV_VALUE_INT) || prov_value_is(v, PROV_VALUE_DOUBLE);

	if (strcmp(field, "type") == 0)
		return parse_type(rule, v);
	if (strcmp(field, "pattern") == 0)
		return parse_regex(rule, v);
	if (strcmp(field, "required") == 0 && prov_value_is(v, PROV_VALUE_BOOL))
		rule->required = prov_value_get_bool(v);
	else if (strcmp(field, "enum") == 0 && prov_value_is(v, PROV_VALUE_ARRAY))
		rule->allowed = v;
	else if (strcmp(field, "min") == 0 && number)
		rule->min = v;
	else if (strcmp(field, "max") == 0 && number)
		rule->max = v;
	else if (strcmp(field, "deprecated") == 0 && prov_value_is(v, PROV_VALUE_BOOL))
		rule->deprecated = prov_value_get_bool(v);
	else if (strcmp(field, "deprecated") == 0 && prov_value_is(v, PROV_VALUE_STRING))
		rule->deprecated = true, rule->replacement = prov_value_get_str(v, NULL);
	else if (strcmp(field, "required") == 0 || strcmp(field, "enum") == 0 ||
		 strcmp(field, "min") == 0 || strcmp(field, "max") == 0 ||
		 strcmp(field, "deprecated") == 0)
		return schema_error(v, rule->pattern, "a field has the wrong type (required: "
				    "boolean, enum: array, min/max: number, deprecated: boolean "
				    "or the replacement key)");
	else
		return schema_error(v, rule->pattern, "unknown field (type, required, enum, min, "
				    "max, pattern, deprecated)");
	return PROV_OK;
}

static int parse_rule(struct rule *rule, const char *pattern, const prov_value *table)
{
	int rc;

	prov_err_context(PROV_ERR_KEY, NULL);
	rule->pattern = pattern;
	rule->where = table;
	rule->type = TYPE_ANY;
	if (!prov_value_is(table, PROV_VALUE_TABLE))
		return schema_error(table, pattern, "a rule must be a table");
	if (prov_path_split(pattern, &rule->path) || rule->path.count == 0)
		return schema_error(table, pattern, "not a valid key path");
	for (size_t i = 0; i < prov_table_len(table); i++)
		if ((rc = parse_field(rule, prov_table_key_at(table, i, NULL),
				      prov_table_value_at(table, i))))
			return rc;
	if (rule->required && rule->path.count &&
	    strcmp(rule->path.segments[rule->path.count - 1].text, "*") == 0)
		return schema_error(table, pattern, "required needs a named last key, not '*'");
	return PROV_OK;
}

static int build_schema(prov_value *tree, prov_config_schema **out)
{
	prov_config_schema *s = prov_calloc(1, sizeof(*s));
	const prov_value *keys = prov_table_gets(tree, "keys");
	int rc = s ? PROV_OK : PROV_ENOMEM;

	if (s) {
		atomic_init(&s->refs, 1);
		s->tree = tree;
	} else {
		prov_value_unref(tree);
	}
	if (rc == PROV_OK && (!prov_value_is(keys, PROV_VALUE_TABLE) || prov_table_len(tree) != 1))
		rc = prov_err_at(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, prov_value_file(tree), 0,
				 "a schema has one top-level table, 'keys', of rules by key path");
	if (rc == PROV_OK && !(s->rules = prov_calloc(prov_table_len(keys) + 1, sizeof(*s->rules))))
		rc = PROV_ENOMEM;
	for (size_t i = 0; rc == PROV_OK && i < prov_table_len(keys); i++) {
		s->count = i + 1; /* counted before parsing, so a half-parsed rule is freed */
		rc = parse_rule(&s->rules[i], prov_table_key_at(keys, i, NULL),
				prov_table_value_at(keys, i));
	}
	if (rc) {
		prov_config_schema_free(s);
		return rc;
	}
	*out = s;
	return PROV_OK;
}

int prov_config_schema_load(prov_config_schema **out, const char *path)
{
	prov_value *tree;
	int rc = prov_format_load_file(path, PROV_FORMAT_AUTO, "schema", &tree);

	*out = NULL;
	return rc ? rc : build_schema(tree, out);
}

int prov_config_schema_parse(prov_config_schema **out, const char *name, const char *text,
			     size_t len, prov_format format)
{
	prov_source *src = prov_source_new(name ? name : "<schema>", "schema");
	prov_value *tree;
	int rc = src ? prov_format_parse(format, text, len, src, &tree) : PROV_ENOMEM;

	*out = NULL;
	prov_source_unref(src);
	return rc ? rc : build_schema(tree, out);
}

static bool pattern_matches(const struct prov_path *pattern, const struct prov_path *path)
{
	if (pattern->count != path->count)
		return false;
	for (size_t i = 0; i < path->count; i++) {
		const struct prov_path_segment *want = &pattern->segments[i];
		if (strcmp(want->text, "*") != 0 &&
		    (want->len != path->segments[i].len ||
		     memcmp(want->text, path->segments[i].text, want->len) != 0))
			return false;
	}
	return true;
}

bool prov_config_schema_type_of(const prov_config_schema *schema, const char *path,
				prov_value_type *type, bool *number)
{
	static const prov_value_type value_types[] = {
		PROV_VALUE_STRING, PROV_VALUE_INT, PROV_VALUE_DOUBLE, PROV_VALUE_DOUBLE,
		PROV_VALUE_BOOL, PROV_VALUE_ARRAY, PROV_VALUE_TABLE, PROV_VALUE_STRING,
		PROV_VALUE_STRING,
	};
	struct prov_path p;
	bool found = false;

	if (prov_path_split(path, &p))
		return false;
	for (size_t i = 0; !found && i < schema->count; i++) {
		const struct rule *rule = &schema->rules[i];
		if (rule->type != TYPE_ANY && pattern_matches(&rule->path, &p)) {
			*type = value_types[rule->type];
			*number = rule->type == TYPE_NUMBER;
			found = true;
		}
	}
	prov_path_release(&p);
	return found;
}

/* --- validation --- */

struct violations {
	prov_strbuf text;      /* one line per violation */
	prov_strbuf json;      /* the array being built */
	size_t count;
	prov_strbuf first;     /* the first one's message, with its origin */
};

static void put_value(prov_strbuf *out, const prov_value *v)
{
	prov_value_print_json(out, v, 0);
}

static void add_violation(struct violations *vs, const char *key, const prov_value *where,
			  const char *message)
{
	const char *file = prov_value_file(where);
	unsigned line = (unsigned)prov_value_line(where);

	prov_strbuf_puts(&vs->json, vs->count ? ",{\"key\":" : "{\"key\":");
	prov_strbuf_put_json_string(&vs->json, key, strlen(key));
	prov_strbuf_puts(&vs->json, ",\"message\":");
	prov_strbuf_put_json_string(&vs->json, message, strlen(message));
	prov_strbuf_puts(&vs->json, ",\"layer\":");
	prov_strbuf_put_json_string(&vs->json, prov_source_layer(prov_value_source(where)),
				    strlen(prov_source_layer(prov_value_source(where))));
	prov_strbuf_puts(&vs->json, ",\"file\":");
	prov_strbuf_put_json_string(&vs->json, file, strlen(file));
	prov_strbuf_printf(&vs->json, ",\"line\":%u}", line);
	prov_config_describe_origin(&vs->text, where);
	prov_strbuf_printf(&vs->text, ": %s\n", message);
	if (vs->count++ == 0) {
		prov_config_describe_origin(&vs->first, where);
		prov_strbuf_printf(&vs->first, ": %s", message);
	}
}

static bool type_ok(int type, const prov_value *v)
{
	switch (type) {
	case TYPE_STRING: return prov_value_is(v, PROV_VALUE_STRING);
	case TYPE_INTEGER: return prov_value_is(v, PROV_VALUE_INT);
	case TYPE_FLOAT: return prov_value_is(v, PROV_VALUE_DOUBLE);
	case TYPE_NUMBER: return prov_value_is(v, PROV_VALUE_INT) || prov_value_is(v, PROV_VALUE_DOUBLE);
	case TYPE_BOOLEAN: return prov_value_is(v, PROV_VALUE_BOOL);
	case TYPE_ARRAY: return prov_value_is(v, PROV_VALUE_ARRAY);
	case TYPE_TABLE: return prov_value_is(v, PROV_VALUE_TABLE);
	case TYPE_DATETIME: return prov_value_is(v, PROV_VALUE_DATETIME);
	case TYPE_NULL: return prov_value_is(v, PROV_VALUE_NULL);
	default: return true;
	}
}

static bool in_enum(const prov_value *allowed, const prov_value *v)
{
	for (size_t i = 0; i < prov_array_len(allowed); i++)
		if (prov_value_equal(prov_array_at(allowed, i), v))
			return true;
	return false;
}

static bool is_number(const prov_value *v)
{
	return prov_value_is(v, PROV_VALUE_INT) || prov_value_is(v, PROV_VALUE_DOUBLE);
}

/* The first failed check of one value against one rule, written into message. */
static bool check_value(const struct rule *rule, const prov_value *v, prov_strbuf *message)
{
	const char *text = prov_value_get_str(v, NULL);

	if (!type_ok(rule->type, v)) {
		prov_strbuf_printf(message, "must be %s %s, not %s", rule->type == TYPE_INTEGER ||
				   rule->type == TYPE_ARRAY ? "an" : "a", type_names[rule->type],
				   prov_value_type_name(prov_value_type_of(v)));
	} else if (rule->allowed && !in_enum(rule->allowed, v)) {
		prov_strbuf_puts(message, "must be one of ");
		put_value(message, rule->allowed);
		prov_strbuf_puts(message, ", not ");
		put_value(message, v);
	} else if (rule->min && is_number(v) &&
		   prov_value_get_double(v) < prov_value_get_double(rule->min)) {
		prov_strbuf_puts(message, "must be at least ");
		put_value(message, rule->min);
		prov_strbuf_puts(message, ", not ");
		put_value(message, v);
	} else if (rule->max && is_number(v) &&
		   prov_value_get_double(v) > prov_value_get_double(rule->max)) {
		prov_strbuf_puts(message, "must be at most ");
		put_value(message, rule->max);
		prov_strbuf_puts(message, ", not ");
		put_value(message, v);
	} else if (rule->has_regex && text && regexec(&rule->regex, text, 0, NULL, 0) != 0) {
		prov_strbuf_printf(message, "does not match the pattern '%s'", rule->regex_text);
	} else {
		return false;
	}
	return true;
}

static void check_match(const struct rule *rule, const prov_value *v, const char *key,
			struct violations *vs)
{
	prov_strbuf message = PROV_STRBUF_INIT;
	prov_strbuf origin = PROV_STRBUF_INIT;

	if (rule->deprecated) {
		prov_config_describe_origin(&origin, v);
		prov_log(PROV_LOG_WARNING, "config", "%s: key '%s' is deprecated%s%s%s",
			 prov_strbuf_cstr(&origin), key, rule->replacement ? "; use '" : "",
			 rule->replacement ? rule->replacement : "", rule->replacement ? "'" : "");
	}
	prov_strbuf_printf(&message, "key '%s' ", key);
	if (check_value(rule, v, &message))
		add_violation(vs, key, v, prov_strbuf_cstr(&message));
	prov_strbuf_release(&message);
	prov_strbuf_release(&origin);
}

/* A required key is missing: name it by the path walked so far and the rest of the pattern. */
static void report_missing(const struct rule *rule, size_t from, prov_strbuf *path,
			   struct violations *vs)
{
	prov_strbuf key = PROV_STRBUF_INIT;
	prov_strbuf message = PROV_STRBUF_INIT;

	prov_strbuf_append(&key, path->data ? path->data : "", path->len);
	for (size_t i = from; i < rule->path.count; i++)
		prov_path_append_key(&key, rule->path.segments[i].text, rule->path.segments[i].len);
	prov_strbuf_printf(&message, "required key '%s' is missing", prov_strbuf_cstr(&key));
	add_violation(vs, prov_strbuf_cstr(&key), rule->where, prov_strbuf_cstr(&message));
	prov_strbuf_release(&key);
	prov_strbuf_release(&message);
}

/* Visit every value matching the rule's pattern from segment i on. */
static void visit(const struct rule *rule, const prov_value *v, size_t i, prov_strbuf *path,
		  struct violations *vs)
{
	const struct prov_path_segment *seg;
	size_t mark = path->len;
	bool table = prov_value_is(v, PROV_VALUE_TABLE);

	if (i == rule->path.count) {
		check_match(rule, v, path->len ? prov_strbuf_cstr(path) : "(root)", vs);
		return;
	}
	seg = &rule->path.segments[i];
	if (strcmp(seg->text, "*") != 0) {
		const prov_value *next = prov_value_step(v, seg->text, seg->len);
		if (!next && rule->required)
			report_missing(rule, i, path, vs);
		if (!next)
			return;
		if (table)
			prov_path_append_key(path, seg->text, seg->len);
		else
			prov_path_append_index(path, (size_t)strtoul(seg->text, NULL, 10));
		visit(rule, next, i + 1, path, vs);
	} else {
		size_t count = table ? prov_table_len(v) : prov_array_len(v);
		for (size_t k = 0; k < count; k++) {
			size_t key_len;
			const char *key = table ? prov_table_key_at(v, k, &key_len) : NULL;
			if (table)
				prov_path_append_key(path, key, key_len);
			else
				prov_path_append_index(path, k);
			visit(rule, table ? prov_table_value_at(v, k) : prov_array_at(v, k), i + 1,
			      path, vs);
			prov_strbuf_truncate(path, mark);
		}
	}
	prov_strbuf_truncate(path, mark);
}

static int report(struct violations *vs, unsigned int flags, char **out)
{
	prov_strbuf *chosen = (flags & PROV_CONFIG_VALIDATE_TEXT) ? &vs->text : &vs->json;
	int rc = PROV_OK;

	prov_strbuf_putc(&vs->json, ']');
	prov_strbuf_reserve(&vs->text, 1);
	if (prov_strbuf_status(chosen) || prov_strbuf_status(&vs->first))
		return prov_err_nomem();
	if (vs->count == 1)
		rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION, "%s",
				  prov_strbuf_cstr(&vs->first));
	else if (vs->count > 1)
		rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION,
				  "%zu schema violations; the first: %s", vs->count,
				  prov_strbuf_cstr(&vs->first));
	if (out && !(*out = prov_strbuf_detach(chosen, NULL)))
		return prov_err_nomem();
	return rc;
}

int prov_config_validate(const prov_config *c, const prov_config_schema *schema,
			 unsigned int flags, char **violations)
{
	struct violations vs = { PROV_STRBUF_INIT, PROV_STRBUF_INIT, 0, PROV_STRBUF_INIT };
	prov_strbuf path = PROV_STRBUF_INIT;
	int rc;

	if (violations)
		*violations = NULL;
	if (!schema)
		schema = c->schema;
	if (!schema)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "no schema: give one, or set the 'schema' key");
	prov_strbuf_putc(&vs.json, '[');
	for (size_t i = 0; i < schema->count; i++)
		visit(&schema->rules[i], c->root, 0, &path, &vs);
	rc = report(&vs, flags, violations);
	prov_strbuf_release(&path);
	prov_strbuf_release(&vs.text);
	prov_strbuf_release(&vs.json);
	prov_strbuf_release(&vs.first);
	return rc;
}
