/*
 * The YAML reader: libyaml's event parser into the value tree.
 *
 * Scalars follow the YAML 1.2 core schema. Anchors are kept as shared
 * subtrees, so an alias costs one reference, not a copy; but every consumer
 * of the tree walks aliases as if expanded, so the expanded size is counted
 * and a document whose aliases expand past PROV_YAML_MAX_ALIAS_NODES (the
 * "billion laughs") is refused. Merge keys (`<<`) are applied when their
 * mapping ends, so explicit keys win wherever they appear.
 */
#include "format/format.h"
#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Nodes that aliases may add to a document when expanded. */
#define PROV_YAML_MAX_ALIAS_NODES 1000000u

#define TAG_PREFIX "tag:yaml.org,2002:"

struct frame {
	prov_value *node;      /* the table or array being built */
	size_t size;           /* nodes beneath, aliases expanded */
	char *anchor;
	char *key;             /* a mapping's key waiting for its value */
	size_t key_len;
	uint32_t key_line;
	bool has_key;
	bool key_is_merge;
	prov_value *merges;    /* tables named by "<<", in order */
};

struct anchor {
	char *name;
	prov_value *value;
	size_t size;
};

struct reader {
	yaml_parser_t parser;
	prov_source *src;
	struct frame frames[PROV_DOCUMENT_MAX_DEPTH];
	int depth;
	struct anchor *anchors;
	size_t anchor_count, anchor_cap;
	size_t alias_nodes;    /* nodes added by expanding aliases */
	int documents;
	prov_value *root;
	bool done;
};

static int fail(struct reader *r, uint32_t line, const char *fmt, ...) PROV_PRINTF(3, 4);

static int fail(struct reader *r, uint32_t line, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return prov_err_at(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, prov_source_name(r->src),
			   (int)line, "%s", message);
}

static uint32_t line_of(const yaml_event_t *event)
{
	return (uint32_t)event->start_mark.line + 1;
}

/* --- scalars (YAML 1.2 core schema) --- */

static bool is_one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

static bool all_chars_in(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool looks_like_float(const char *s)
{
	size_t digits = 0, fraction = 0;

	if (*s == '-' || *s == '+')
		s++;
	while (*s >= '0' && *s <= '9')
		s++, digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			fraction++;
	if (digits == 0 && fraction == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!all_chars_in(s, "0123456789"))
			return false;
		return true;
	}
	return *s == '\0';
}

static int make_int(struct reader *r, const char *text, uint32_t line, prov_value **out)
{
	const char *digits = text;
	int base = 10;
	char *end;
	long long i;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'o')) {
		base = text[1] == 'x' ? 16 : 8;
		digits = text + 2;
		if (*digits == '-' || *digits == '+')
			return fail(r, line, "invalid integer '%s'", text);
	}
	errno = 0;
	i = strtoll(digits, &end, base);
	if (errno == ERANGE)
		return prov_err_at(PROV_ERANGE, PROV_ERRCAT_DOCUMENT, prov_source_name(r->src),
				   (int)line, "integer %s does not fit in 64 bits", text);
	if (end == digits || *end)
		return fail(r, line, "invalid integer '%s'", text);
	*out = prov_value_int(i, r->src, line);
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int make_float(struct reader *r, const char *text, uint32_t line, prov_value **out)
{
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
	static const char *const minus_inf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };
	double d;

	if (is_one_of(text, inf)) {
		d = (double)INFINITY;
	} else if (is_one_of(text, minus_inf)) {
		d = -(double)INFINITY;
	} else if (is_one_of(text, nan)) {
		d = (double)NAN;
	} else if (looks_like_float(text)) {
		errno = 0;
		d = prov_format_strtod(text, NULL);
		if (errno == ERANGE && (d > 1.0 || d < -1.0))
			return fail(r, line, "number %s is out of range", text);
	} else {
		return fail(r, line, "invalid float '%s'", text);
	}
	*out = prov_value_double(d, r->src, line);
	return *out ? PROV_OK : PROV_ENOMEM;
}

static bool is_null_word(const char *s)
{
	static const char *const words[] = { "", "~", "null", "Null", "NULL", NULL };

	return is_one_of(s, words);
}

static int bool_word(const char *s)
{
	static const char *const yes[] = { "true", "True", "TRUE", NULL };
	static const char *const no[] = { "false", "False", "FALSE", NULL };

	return is_one_of(s, yes) ? 1 : is_one_of(s, no) ? 0 : -1;
}

static bool is_int_text(const char *s)
{
	if (s[0] == '0' && s[1] == 'x')
		return all_chars_in(s + 2, "0123456789abcdefABCDEF");
	if (s[0] == '0' && s[1] == 'o')
		return all_chars_in(s + 2, "01234567");
	return all_chars_in(s + (*s == '-' || *s == '+'), "0123456789");
}

static bool is_float_text(const char *s)
{
	static const char *const words[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
					     "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL };

	return is_one_of(s, words) || looks_like_float(s);
}

/* A plain scalar's type comes from its text. */
static int resolve_plain(struct reader *r, const char *text, size_t len, uint32_t line,
			 prov_value **out)
{
	int b;

	if (is_null_word(text))
		*out = prov_value_null(r->src, line);
	else if ((b = bool_word(text)) >= 0)
		*out = prov_value_bool(b, r->src, line);
	else if (is_int_text(text))
		return make_int(r, text, line, out);
	else if (is_float_text(text))
		return make_float(r, text, line, out);
	else
		*out = prov_value_string(text, len, r->src, line);
	return *out ? PROV_OK : PROV_ENOMEM;
}

/* A scalar with an explicit tag must read as that type. */
static int resolve_tagged(struct reader *r, const char *tag, const char *text, size_t len,
			  uint32_t line, prov_value **out)
{
	const char *name = tag + strlen(TAG_PREFIX);
	int b;

	if (strcmp(tag, "!") == 0 || strcmp(tag, TAG_PREFIX "str") == 0) {
		*out = prov_value_string(text, len, r->src, line);
	} else if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0) {
		return fail(r, line, "unsupported tag '%s'", tag);
	} else if (strcmp(name, "int") == 0) {
		return make_int(r, text, line, out);
	} else if (strcmp(name, "float") == 0) {
		return make_float(r, text, line, out);
	} else if (strcmp(name, "bool") == 0 && (b = bool_word(text)) >= 0) {
		*out = prov_value_bool(b, r->src, line);
	} else if (strcmp(name, "null") == 0 && is_null_word(text)) {
		*out = prov_value_null(r->src, line);
	} else {
		return fail(r, line, "'%s' cannot be read as !!%s", text, name);
	}
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int make_scalar(struct reader *r, const yaml_event_t *event, prov_value **out)
{
	const char *text = (const char *)event->data.scalar.value;
	size_t len = event->data.scalar.length;
	const char *tag = (const char *)event->data.scalar.tag;
	uint32_t line = line_of(event);

	if (tag)
		return resolve_tagged(r, tag, text, len, line, out);
	if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		*out = prov_value_string(text, len, r->src, line);
		return *out ? PROV_OK : PROV_ENOMEM;
	}
	if (strlen(text) != len)
		return fail(r, line, "%s", "NUL character in a plain scalar");
	return resolve_plain(r, text, len, line, out);
}

/* --- anchors --- */

static const struct anchor *find_anchor(const struct reader *r, const char *name)
{
	/* Newest first: a redefined anchor names its latest node. */
	for (size_t i = r->anchor_count; i > 0; i--)
		if (strcmp(r->anchors[i - 1].name, name) == 0)
			return &r->anchors[i - 1];
	return NULL;
}

static int add_anchor(struct reader *r, const char *name, const prov_value *value, size_t size)
{
	struct anchor *a;

	if (r->anchor_count == r->anchor_cap) {
		size_t cap = r->anchor_cap ? r->anchor_cap * 2 : 8;
		if (prov_grow(&r->anchors, cap, sizeof(*r->anchors)))
			return PROV_ENOMEM;
		r->anchor_cap = cap;
	}
	a = &r->anchors[r->anchor_count];
	if (!(a->name = prov_strdup(name)))
		return PROV_ENOMEM;
	a->value = prov_value_ref(value);
	a->size = size;
	r->anchor_count++;
	return PROV_OK;
}

/* --- building --- */

static struct frame *top(struct reader *r)
{
	return r->depth ? &r->frames[r->depth - 1] : NULL;
}

static int add_merge_source(struct reader *r, struct frame *f, prov_value *value, uint32_t line)
{
	prov_value_type type = prov_value_type_of(value);

	if (type == PROV_VALUE_ARRAY) {
		for (size_t i = 0; i < prov_array_len(value); i++) {
			if (!prov_value_is(prov_array_at(value, i), PROV_VALUE_TABLE)) {
				prov_value_unref(value);
				return fail(r, line, "%s", "a merge key '<<' takes mappings only");
			}
		}
	} else if (type != PROV_VALUE_TABLE) {
		prov_value_unref(value);
		return fail(r, line, "%s", "a merge key '<<' takes a mapping or a list of mappings");
	}
	if (!f->merges && !(f->merges = prov_value_array(NULL, 0))) {
		prov_value_unref(value);
		return PROV_ENOMEM;
	}
	return prov_array_push(f->merges, value);
}

/* Hand a finished node (new reference) to the container being built. */
static int deliver(struct reader *r, prov_value *value, size_t size, uint32_t line)
{
	struct frame *f = top(r);
	int rc;

	if (!f) {
		r->root = value;
		return PROV_OK;
	}
	f->size += size;
	if (prov_value_is(f->node, PROV_VALUE_ARRAY))
		return prov_array_push(f->node, value);
	if (!f->has_key) {
		prov_value_unref(value);
		return fail(r, line, "%s", "mapping keys must be scalars");
	}
	f->has_key = false;
	if (f->key_is_merge)
		return add_merge_source(r, f, value, f->key_line);
	rc = prov_table_add(f->node, f->key, f->key_len, f->key_line, value);
	if (rc == PROV_EEXISTS)
		return fail(r, f->key_line, "duplicate key '%s'", f->key);
	return rc;
}

static int take_key(struct reader *r, struct frame *f, const yaml_event_t *event)
{
	const char *text = (const char *)event->data.scalar.value;

	free(f->key);
	f->key_len = event->data.scalar.length;
	if (!(f->key = prov_strndup(text, f->key_len)))
		return PROV_ENOMEM;
	f->key_line = line_of(event);
	f->has_key = true;
	f->key_is_merge = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			  !event->data.scalar.tag && strcmp(text, "<<") == 0;
	if (event->data.scalar.anchor)
		return fail(r, f->key_line, "%s", "anchors on mapping keys are not supported");
	return PROV_OK;
}

static int on_scalar(struct reader *r, const yaml_event_t *event)
{
	struct frame *f = top(r);
	prov_value *value;
	const char *anchor = (const char *)event->data.scalar.anchor;
	int rc;

	if (f && prov_value_is(f->node, PROV_VALUE_TABLE) && !f->has_key)
		return take_key(r, f, event);
	rc = make_scalar(r, event, &value);
	if (rc)
		return rc;
	if (anchor && (rc = add_anchor(r, anchor, value, 1))) {
		prov_value_unref(value);
		return rc;
	}
	return deliver(r, value, 1, line_of(event));
}

static int on_alias(struct reader *r, const yaml_event_t *event)
{
	const char *name = (const char *)event->data.alias.anchor;
	const struct anchor *a = find_anchor(r, name);
	uint32_t line = line_of(event);

	if (!a)
		return fail(r, line, "unknown anchor '%s' (an alias must follow its anchor)", name);
	r->alias_nodes += a->size;
	if (r->alias_nodes > PROV_YAML_MAX_ALIAS_NODES)
		return fail(r, line, "aliases expand to more than %u nodes (an alias bomb?)",
			    PROV_YAML_MAX_ALIAS_NODES);
	return deliver(r, prov_value_ref(a->value), a->size, line);
}

static int check_collection_tag(struct reader *r, const char *tag, const char *expected,
				uint32_t line)
{
	char wanted[32];

	snprintf(wanted, sizeof(wanted), TAG_PREFIX "%s", expected);
	if (tag && strcmp(tag, wanted) != 0 && strcmp(tag, "!") != 0)
		return fail(r, line, "unsupported tag '%s'", tag);
	return PROV_OK;
}

static int on_start(struct reader *r, const yaml_event_t *event, bool mapping)
{
	uint32_t line = line_of(event);
	const char *anchor = (const char *)(mapping ? event->data.mapping_start.anchor
						    : event->data.sequence_start.anchor);
	const char *tag = (const char *)(mapping ? event->data.mapping_start.tag
						 : event->data.sequence_start.tag);
	struct frame *parent = top(r), *f;

	if (parent && prov_value_is(parent->node, PROV_VALUE_TABLE) && !parent->has_key)
		return fail(r, line, "%s", "mapping keys must be scalars");
	if (check_collection_tag(r, tag, mapping ? "map" : "seq", line))
		return PROV_EPARSE;
	if (r->depth >= PROV_DOCUMENT_MAX_DEPTH)
		return fail(r, line, "nesting deeper than %d levels", PROV_DOCUMENT_MAX_DEPTH);
	f = &r->frames[r->depth];
	memset(f, 0, sizeof(*f));
	f->node = mapping ? prov_value_table(r->src, line) : prov_value_array(r->src, line);
	if (!f->node)
		return PROV_ENOMEM;
	r->depth++;
	f->size = 1;
	if (anchor && !(f->anchor = prov_strdup(anchor)))
		return PROV_ENOMEM;
	return PROV_OK;
}

/* Keys of "<<" mappings that the mapping does not set itself; earlier sources win. */
static int apply_merges(struct frame *f)
{
	for (size_t i = 0; i < prov_array_len(f->merges); i++) {
		prov_value *source = prov_array_at(f->merges, i);
		size_t count = prov_value_is(source, PROV_VALUE_ARRAY) ? prov_array_len(source) : 1;

		for (size_t j = 0; j < count; j++) {
			prov_value *table = prov_value_is(source, PROV_VALUE_ARRAY)
						    ? prov_array_at(source, j) : source;
			for (size_t k = 0; k < prov_table_len(table); k++) {
				size_t key_len;
				const char *key = prov_table_key_at(table, k, &key_len);
				int rc = prov_table_add(f->node, key, key_len,
							prov_table_key_line_at(table, k),
							prov_value_ref(prov_table_value_at(table, k)));
				if (rc != PROV_OK && rc != PROV_EEXISTS)
					return rc;
			}
		}
	}
	return PROV_OK;
}

static void release_frame(struct frame *f)
{
	prov_value_unref(f->node);
	prov_value_unref(f->merges);
	free(f->anchor);
	free(f->key);
	memset(f, 0, sizeof(*f));
}

static int on_end(struct reader *r, const yaml_event_t *event)
{
	/* libyaml pairs every end event with a start, so a frame is open. */
	struct frame *f = &r->frames[r->depth - 1];
	prov_value *node = f->node;
	size_t size = f->size;
	int rc = apply_merges(f);

	if (rc == PROV_OK && f->anchor)
		rc = add_anchor(r, f->anchor, node, size);
	f->node = NULL;
	release_frame(f);
	r->depth--;
	if (rc) {
		prov_value_unref(node);
		return rc;
	}
	return deliver(r, node, size, line_of(event));
}

static int on_event(struct reader *r, const yaml_event_t *event)
{
	switch (event->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++r->documents > 1)
			return fail(r, line_of(event), "%s",
				    "a second document: a file holds one YAML document");
		return PROV_OK;
	case YAML_SCALAR_EVENT:
		return on_scalar(r, event);
	case YAML_ALIAS_EVENT:
		return on_alias(r, event);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(r, event, false);
	case YAML_MAPPING_START_EVENT:
		return on_start(r, event, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(r, event);
	case YAML_STREAM_END_EVENT:
		r->done = true;
		return PROV_OK;
	default:
		return PROV_OK;
	}
}

static int parser_error(struct reader *r)
{
	const yaml_parser_t *p = &r->parser;

	if (p->error == YAML_MEMORY_ERROR)
		return prov_err_nomem();
	if (p->context)
		return fail(r, (uint32_t)p->problem_mark.line + 1, "%s %s",
			    p->problem ? p->problem : "invalid YAML", p->context);
	return fail(r, (uint32_t)p->problem_mark.line + 1, "%s",
		    p->problem ? p->problem : "invalid YAML");
}

static void release_reader(struct reader *r)
{
	while (r->depth > 0)
		release_frame(&r->frames[--r->depth]);
	for (size_t i = 0; i < r->anchor_count; i++) {
		free(r->anchors[i].name);
		prov_value_unref(r->anchors[i].value);
	}
	free(r->anchors);
	yaml_parser_delete(&r->parser);
}

int prov_yaml_read(const char *text, size_t len, prov_source *src, prov_value **out)
{
	struct reader *r = prov_calloc(1, sizeof(*r));
	int rc = PROV_OK;

	*out = NULL;
	if (!r)
		return PROV_ENOMEM;
	r->src = src;
	if (!yaml_parser_initialize(&r->parser)) {
		free(r);
		return prov_err_nomem();
	}
	yaml_parser_set_input_string(&r->parser, (const unsigned char *)text, len);
	while (rc == PROV_OK && !r->done) {
		yaml_event_t event;

		if (!yaml_parser_parse(&r->parser, &event)) {
			rc = parser_error(r);
			break;
		}
		rc = on_event(r, &event);
		yaml_event_delete(&event);
	}
	if (rc == PROV_OK)
		*out = r->root ? r->root : prov_value_null(src, 1);
	else
		prov_value_unref(r->root);
	if (rc == PROV_OK && !*out)
		rc = PROV_ENOMEM;
	release_reader(r);
	free(r);
	return rc;
}
