/*
 * The document model: an immutable tree of values shared by reference count.
 *
 * Every node knows where it came from (a source, usually a file, and a line),
 * which is how errors and `config show --origin` name places. A tree is built
 * by one thread through the constructors and mutators below; once it is
 * handed to another owner (shared with prov_value_ref) it is never changed
 * again, so any number of threads may read it at the same time. Reference
 * counts are atomic.
 *
 * Ownership: constructors return a new reference. prov_array_push() and the
 * table setters take over the reference to the value they store, even when
 * they fail. Getters return borrowed pointers, valid while the container is.
 */
#ifndef PROV_CORE_VALUE_H
#define PROV_CORE_VALUE_H

#include "core/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every reader refuses documents nested deeper than this, so recursive walks
 * over any tree (printing, merging, comparing, freeing) have a bounded depth.
 */
#define PROV_DOCUMENT_MAX_DEPTH 256

typedef enum prov_value_type {
	PROV_VALUE_NULL,
	PROV_VALUE_BOOL,
	PROV_VALUE_INT,
	PROV_VALUE_DOUBLE,
	PROV_VALUE_STRING,
	PROV_VALUE_DATETIME,
	PROV_VALUE_ARRAY,
	PROV_VALUE_TABLE,
} prov_value_type;

/* TOML keeps four kinds of date and time apart; so does the tree. */
typedef enum prov_datetime_kind {
	PROV_DATETIME_OFFSET,  /* 1979-05-27T07:32:00Z */
	PROV_DATETIME_LOCAL,   /* 1979-05-27T07:32:00 */
	PROV_DATE_LOCAL,       /* 1979-05-27 */
	PROV_TIME_LOCAL,       /* 07:32:00 */
} prov_datetime_kind;

typedef struct prov_value prov_value;

/*
 * Where values come from: a name (a file path, "<string>", "environment")
 * and, optionally, the config layer it belongs to. Shared by every node read
 * from it; reference counted and immutable.
 */
typedef struct prov_source prov_source;

prov_source *prov_source_new(const char *name, const char *layer);
prov_source *prov_source_ref(prov_source *src);
void prov_source_unref(prov_source *src);
const char *prov_source_name(const prov_source *src);
/* The layer name, "" when none was given. */
const char *prov_source_layer(const prov_source *src);

/* Constructors. src may be NULL (no origin); line 0 means unknown. NULL return = ENOMEM. */
prov_value *prov_value_null(prov_source *src, uint32_t line);
prov_value *prov_value_bool(bool b, prov_source *src, uint32_t line);
prov_value *prov_value_int(int64_t i, prov_source *src, uint32_t line);
prov_value *prov_value_double(double d, prov_source *src, uint32_t line);
prov_value *prov_value_string(const char *s, size_t len, prov_source *src, uint32_t line);
prov_value *prov_value_datetime(prov_datetime_kind kind, const char *text, size_t len,
				prov_source *src, uint32_t line);
prov_value *prov_value_array(prov_source *src, uint32_t line);
prov_value *prov_value_table(prov_source *src, uint32_t line);

/* A new container holding new references to the same children: the way to
 * derive a changed copy of a shared table or array (copy on write). */
prov_value *prov_value_shallow_copy(const prov_value *v);

/* The same node at another origin (children are shared, not copied). */
prov_value *prov_value_with_origin(const prov_value *v, prov_source *src, uint32_t line);

prov_value *prov_value_ref(const prov_value *v);
void prov_value_unref(prov_value *v);

/* Mutators: only on a value the caller just built and has not shared. */
int prov_array_push(prov_value *array, prov_value *item);
/* Insert or replace key. */
int prov_table_set(prov_value *table, const char *key, size_t key_len,
		   uint32_t key_line, prov_value *value);
/* Insert key; PROV_EEXISTS (no error recorded, value released) when present. */
int prov_table_add(prov_value *table, const char *key, size_t key_len,
		   uint32_t key_line, prov_value *value);
/* Remove key; returns whether it was there. */
bool prov_table_remove(prov_value *table, const char *key, size_t key_len);

/* Reading. */
prov_value_type prov_value_type_of(const prov_value *v);
const char *prov_value_type_name(prov_value_type type);
bool prov_value_is(const prov_value *v, prov_value_type type);
bool prov_value_get_bool(const prov_value *v);
int64_t prov_value_get_int(const prov_value *v);
/* A double, or an integer converted to double. */
double prov_value_get_double(const prov_value *v);
/* String or datetime text; len may be NULL. */
const char *prov_value_get_str(const prov_value *v, size_t *len);
prov_datetime_kind prov_value_get_datetime_kind(const prov_value *v);

const prov_source *prov_value_source(const prov_value *v);
/* The source's name, or "" when the value has no origin. */
const char *prov_value_file(const prov_value *v);
uint32_t prov_value_line(const prov_value *v);

size_t prov_array_len(const prov_value *array);
prov_value *prov_array_at(const prov_value *array, size_t index);

/* Tables keep their keys in insertion order. */
size_t prov_table_len(const prov_value *table);
const char *prov_table_key_at(const prov_value *table, size_t index, size_t *key_len);
uint32_t prov_table_key_line_at(const prov_value *table, size_t index);
prov_value *prov_table_value_at(const prov_value *table, size_t index);
prov_value *prov_table_get(const prov_value *table, const char *key, size_t key_len);
prov_value *prov_table_gets(const prov_value *table, const char *key);
/* Index of key, or -1. */
long prov_table_find(const prov_value *table, const char *key, size_t key_len);

/*
 * One step down: a table's key, or an array's index when the segment is 1 to
 * 9 digits. NULL when v is not a container or has no such member.
 */
prov_value *prov_value_step(const prov_value *v, const char *segment, size_t len);
/*
 * Follow a dotted path ("providers.local.zone"); a segment of digits indexes
 * an array. NULL when any step is missing or is not a container.
 */
prov_value *prov_value_lookup(const prov_value *root, const char *path);

/* Deep equality of content (origins are ignored; 1 and 1.0 differ). */
bool prov_value_equal(const prov_value *a, const prov_value *b);

/* Printing, see value_print.c. */
#define PROV_JSON_PRETTY 1u
int prov_value_print_json(prov_strbuf *out, const prov_value *v, unsigned flags);
/* Shortest text that reads back as the same double, always with a '.' or
 * exponent ("1.0", "0.1", "1e+300"); "nan", "inf", "-inf" for the others. */
size_t prov_format_double(double d, char out[32]);

#endif
