/*
 * The value tree.
 *
 * Tables keep members in insertion order in an array; once a table has more
 * than a few members it also keeps an open-addressing index of member
 * positions, so lookups and merges of large configs stay linear overall.
 */
#include "core/value.h"
#include "core/err.h"
#include "core/mem.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Tables this small are searched linearly; an index would cost more. */
#define INDEX_THRESHOLD 8

struct prov_source {
	atomic_uint refs;
	char *layer;
	char name[];
};

struct member {
	char *key;
	uint32_t key_len;
	uint32_t hash;
	uint32_t line;
	prov_value *value;
};

struct prov_value {
	atomic_uint refs;
	uint8_t type;
	uint8_t datetime_kind;
	uint32_t line;
	prov_source *source;
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			size_t len;
			char *ptr;
		} str;
		struct {
			prov_value **items;
			size_t len, cap;
		} arr;
		struct {
			struct member *members;
			uint32_t *index; /* member position + 1; 0 is an empty slot */
			size_t len, cap, index_cap;
		} tbl;
	} u;
};

prov_source *prov_source_new(const char *name, const char *layer)
{
	size_t len = strlen(name ? name : "");
	prov_source *src = prov_malloc(sizeof(*src) + len + 1);

	if (!src)
		return NULL;
	atomic_init(&src->refs, 1);
	memcpy(src->name, name ? name : "", len + 1);
	src->layer = NULL;
	if (layer && *layer && !(src->layer = prov_strdup(layer))) {
		free(src);
		return NULL;
	}
	return src;
}

prov_source *prov_source_ref(prov_source *src)
{
	if (src)
		atomic_fetch_add_explicit(&src->refs, 1, memory_order_relaxed);
	return src;
}

void prov_source_unref(prov_source *src)
{
	if (!src || atomic_fetch_sub_explicit(&src->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(src->layer);
	free(src);
}

const char *prov_source_name(const prov_source *src)
{
	return src ? src->name : "";
}

const char *prov_source_layer(const prov_source *src)
{
	return src && src->layer ? src->layer : "";
}

static prov_value *new_node(prov_value_type type, size_t extra, prov_source *src, uint32_t line)
{
	prov_value *v = prov_malloc(sizeof(*v) + extra);

	if (!v)
		return NULL;
	memset(v, 0, sizeof(*v));
	atomic_init(&v->refs, 1);
	v->type = (uint8_t)type;
	v->line = line;
	v->source = prov_source_ref(src);
	return v;
}

prov_value *prov_value_null(prov_source *src, uint32_t line)
{
	return new_node(PROV_VALUE_NULL, 0, src, line);
}

prov_value *prov_value_bool(bool b, prov_source *src, uint32_t line)
{
	prov_value *v = new_node(PROV_VALUE_BOOL, 0, src, line);

	if (v)
		v->u.b = b;
	return v;
}

prov_value *prov_value_int(int64_t i, prov_source *src, uint32_t line)
{
	prov_value *v = new_node(PROV_VALUE_INT, 0, src, line);

	if (v)
		v->u.i = i;
	return v;
}

prov_value *prov_value_double(double d, prov_source *src, uint32_t line)
{
	prov_value *v = new_node(PROV_VALUE_DOUBLE, 0, src, line);

	if (v)
		v->u.d = d;
	return v;
}

/* String bytes live right after the node: one allocation per string. */
static prov_value *new_text(prov_value_type type, const char *s, size_t len,
			    prov_source *src, uint32_t line)
{
	prov_value *v;

	if (len > SIZE_MAX - sizeof(*v) - 1) {
		prov_err_nomem();
		return NULL;
	}
	v = new_node(type, len + 1, src, line);
	if (!v)
		return NULL;
	v->u.str.ptr = (char *)(v + 1);
	v->u.str.len = len;
	if (len)
		memcpy(v->u.str.ptr, s, len);
	v->u.str.ptr[len] = '\0';
	return v;
}

prov_value *prov_value_string(const char *s, size_t len, prov_source *src, uint32_t line)
{
	return new_text(PROV_VALUE_STRING, s, len, src, line);
}

prov_value *prov_value_datetime(prov_datetime_kind kind, const char *text, size_t len,
				prov_source *src, uint32_t line)
{
	prov_value *v = new_text(PROV_VALUE_DATETIME, text, len, src, line);

	if (v)
		v->datetime_kind = (uint8_t)kind;
	return v;
}

prov_value *prov_value_array(prov_source *src, uint32_t line)
{
	return new_node(PROV_VALUE_ARRAY, 0, src, line);
}

prov_value *prov_value_table(prov_source *src, uint32_t line)
{
	return new_node(PROV_VALUE_TABLE, 0, src, line);
}

prov_value *prov_value_ref(const prov_value *v)
{
	prov_value *mut = (prov_value *)v;

	if (mut)
		atomic_fetch_add_explicit(&mut->refs, 1, memory_order_relaxed);
	return mut;
}

static void free_children(prov_value *v)
{
	if (v->type == PROV_VALUE_ARRAY) {
		for (size_t i = 0; i < v->u.arr.len; i++)
			prov_value_unref(v->u.arr.items[i]);
		free(v->u.arr.items);
	} else if (v->type == PROV_VALUE_TABLE) {
		for (size_t i = 0; i < v->u.tbl.len; i++) {
			free(v->u.tbl.members[i].key);
			prov_value_unref(v->u.tbl.members[i].value);
		}
		free(v->u.tbl.members);
		free(v->u.tbl.index);
	}
}

void prov_value_unref(prov_value *v)
{
	if (!v || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
		return;
	free_children(v);
	prov_source_unref(v->source);
	free(v);
}

/* FNV-1a: keys are short, and this is cheap and well spread for them. */
static uint32_t hash_key(const char *key, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

static void index_insert(prov_value *t, size_t position)
{
	size_t mask = t->u.tbl.index_cap - 1;
	size_t slot = t->u.tbl.members[position].hash & mask;

	while (t->u.tbl.index[slot])
		slot = (slot + 1) & mask;
	t->u.tbl.index[slot] = (uint32_t)position + 1;
}

static int rebuild_index(prov_value *t, size_t cap)
{
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return prov_err_nomem();
	free(t->u.tbl.index);
	t->u.tbl.index = index;
	t->u.tbl.index_cap = cap;
	for (size_t i = 0; i < t->u.tbl.len; i++)
		index_insert(t, i);
	return PROV_OK;
}

long prov_table_find(const prov_value *t, const char *key, size_t key_len)
{
	uint32_t h;

	if (!t || t->type != PROV_VALUE_TABLE)
		return -1;
	h = hash_key(key, key_len);
	if (!t->u.tbl.index) {
		for (size_t i = 0; i < t->u.tbl.len; i++) {
			const struct member *m = &t->u.tbl.members[i];
			if (m->hash == h && m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
				return (long)i;
		}
		return -1;
	}
	for (size_t mask = t->u.tbl.index_cap - 1, slot = h & mask;; slot = (slot + 1) & mask) {
		uint32_t pos = t->u.tbl.index[slot];
		const struct member *m;

		if (!pos)
			return -1;
		m = &t->u.tbl.members[pos - 1];
		if (m->hash == h && m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
			return (long)pos - 1;
	}
}

static int make_room_for_member(prov_value *t)
{
	size_t len = t->u.tbl.len;

	if (len >= UINT32_MAX - 1)
		return prov_err_set(PROV_ERANGE, PROV_ERRCAT_INTERNAL, "table too large");
	if (len == t->u.tbl.cap) {
		size_t cap = t->u.tbl.cap ? t->u.tbl.cap * 2 : 4;
		if (prov_grow(&t->u.tbl.members, cap, sizeof(struct member)))
			return PROV_ENOMEM;
		t->u.tbl.cap = cap;
	}
	/* Keep the index at most half full. */
	if (len + 1 >= INDEX_THRESHOLD && (len + 1) * 2 > t->u.tbl.index_cap)
		return rebuild_index(t, t->u.tbl.index_cap ? t->u.tbl.index_cap * 2 : 32);
	return PROV_OK;
}

static int append_member(prov_value *t, const char *key, size_t key_len,
			 uint32_t key_line, prov_value *value)
{
	struct member *m;
	char *copy = NULL;
	int rc = key_len > UINT32_MAX
		 ? prov_err_set(PROV_ERANGE, PROV_ERRCAT_INTERNAL, "key too long")
		 : make_room_for_member(t);

	if (rc == PROV_OK && !(copy = prov_strndup(key, key_len)))
		rc = PROV_ENOMEM;
	if (rc != PROV_OK) {
		prov_value_unref(value);
		return rc;
	}
	m = &t->u.tbl.members[t->u.tbl.len];
	m->key = copy;
	m->key_len = (uint32_t)key_len;
	m->hash = hash_key(key, key_len);
	m->line = key_line;
	m->value = value;
	t->u.tbl.len++;
	if (t->u.tbl.index)
		index_insert(t, t->u.tbl.len - 1);
	return PROV_OK;
}

int prov_table_set(prov_value *t, const char *key, size_t key_len,
		   uint32_t key_line, prov_value *value)
{
	long pos;

	assert(t && t->type == PROV_VALUE_TABLE);
	pos = prov_table_find(t, key, key_len);
	if (pos >= 0) {
		struct member *m = &t->u.tbl.members[pos];
		prov_value_unref(m->value);
		m->value = value;
		m->line = key_line;
		return PROV_OK;
	}
	return append_member(t, key, key_len, key_line, value);
}

int prov_table_add(prov_value *t, const char *key, size_t key_len,
		   uint32_t key_line, prov_value *value)
{
	assert(t && t->type == PROV_VALUE_TABLE);
	if (prov_table_find(t, key, key_len) >= 0) {
		prov_value_unref(value);
		return PROV_EEXISTS;
	}
	return append_member(t, key, key_len, key_line, value);
}

bool prov_table_remove(prov_value *t, const char *key, size_t key_len)
{
	long pos = prov_table_find(t, key, key_len);
	struct member *m;

	if (pos < 0)
		return false;
	m = &t->u.tbl.members[pos];
	free(m->key);
	prov_value_unref(m->value);
	memmove(m, m + 1, (t->u.tbl.len - (size_t)pos - 1) * sizeof(*m));
	t->u.tbl.len--;
	/* Positions after the removed member moved: the index must follow. */
	if (t->u.tbl.index && rebuild_index(t, t->u.tbl.index_cap) != PROV_OK) {
		free(t->u.tbl.index);
		t->u.tbl.index = NULL;
		t->u.tbl.index_cap = 0;
	}
	return true;
}

int prov_array_push(prov_value *a, prov_value *item)
{
	assert(a && a->type == PROV_VALUE_ARRAY);
	if (a->u.arr.len == a->u.arr.cap) {
		size_t cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
		if (prov_grow(&a->u.arr.items, cap, sizeof(prov_value *))) {
			prov_value_unref(item);
			return PROV_ENOMEM;
		}
		a->u.arr.cap = cap;
	}
	a->u.arr.items[a->u.arr.len++] = item;
	return PROV_OK;
}

static prov_value *copy_table(const prov_value *v, prov_source *src, uint32_t line)
{
	prov_value *copy = prov_value_table(src, line);

	for (size_t i = 0; copy && i < v->u.tbl.len; i++) {
		const struct member *m = &v->u.tbl.members[i];
		if (append_member(copy, m->key, m->key_len, m->line, prov_value_ref(m->value))) {
			prov_value_unref(copy);
			return NULL;
		}
	}
	return copy;
}

static prov_value *copy_array(const prov_value *v, prov_source *src, uint32_t line)
{
	prov_value *copy = prov_value_array(src, line);

	for (size_t i = 0; copy && i < v->u.arr.len; i++) {
		if (prov_array_push(copy, prov_value_ref(v->u.arr.items[i]))) {
			prov_value_unref(copy);
			return NULL;
		}
	}
	return copy;
}

prov_value *prov_value_with_origin(const prov_value *v, prov_source *src, uint32_t line)
{
	prov_value *copy;

	switch (v->type) {
	case PROV_VALUE_TABLE:
		return copy_table(v, src, line);
	case PROV_VALUE_ARRAY:
		return copy_array(v, src, line);
	case PROV_VALUE_STRING:
	case PROV_VALUE_DATETIME:
		copy = new_text(v->type, v->u.str.ptr, v->u.str.len, src, line);
		if (copy)
			copy->datetime_kind = v->datetime_kind;
		return copy;
	default:
		copy = new_node(v->type, 0, src, line);
		if (copy)
			copy->u = v->u;
		return copy;
	}
}

prov_value *prov_value_shallow_copy(const prov_value *v)
{
	return prov_value_with_origin(v, v->source, v->line);
}

prov_value_type prov_value_type_of(const prov_value *v)
{
	return (prov_value_type)v->type;
}

const char *prov_value_type_name(prov_value_type type)
{
	static const char *const names[] = {
		"null", "boolean", "integer", "float", "string", "datetime", "array", "table",
	};

	return (size_t)type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

bool prov_value_is(const prov_value *v, prov_value_type type)
{
	return v && v->type == type;
}

bool prov_value_get_bool(const prov_value *v)
{
	return v->type == PROV_VALUE_BOOL && v->u.b;
}

int64_t prov_value_get_int(const prov_value *v)
{
	return v->type == PROV_VALUE_INT ? v->u.i : 0;
}

double prov_value_get_double(const prov_value *v)
{
	if (v->type == PROV_VALUE_DOUBLE)
		return v->u.d;
	return v->type == PROV_VALUE_INT ? (double)v->u.i : 0.0;
}

const char *prov_value_get_str(const prov_value *v, size_t *len)
{
	bool text = v->type == PROV_VALUE_STRING || v->type == PROV_VALUE_DATETIME;

	if (len)
		*len = text ? v->u.str.len : 0;
	return text ? v->u.str.ptr : NULL;
}

prov_datetime_kind prov_value_get_datetime_kind(const prov_value *v)
{
	return (prov_datetime_kind)v->datetime_kind;
}

const prov_source *prov_value_source(const prov_value *v)
{
	return v->source;
}

const char *prov_value_file(const prov_value *v)
{
	return prov_source_name(v->source);
}

uint32_t prov_value_line(const prov_value *v)
{
	return v->line;
}

size_t prov_array_len(const prov_value *a)
{
	return a && a->type == PROV_VALUE_ARRAY ? a->u.arr.len : 0;
}

prov_value *prov_array_at(const prov_value *a, size_t index)
{
	return index < prov_array_len(a) ? a->u.arr.items[index] : NULL;
}

size_t prov_table_len(const prov_value *t)
{
	return t && t->type == PROV_VALUE_TABLE ? t->u.tbl.len : 0;
}

const char *prov_table_key_at(const prov_value *t, size_t index, size_t *key_len)
{
	if (index >= prov_table_len(t))
		return NULL;
	if (key_len)
		*key_len = t->u.tbl.members[index].key_len;
	return t->u.tbl.members[index].key;
}

uint32_t prov_table_key_line_at(const prov_value *t, size_t index)
{
	return index < prov_table_len(t) ? t->u.tbl.members[index].line : 0;
}

prov_value *prov_table_value_at(const prov_value *t, size_t index)
{
	return index < prov_table_len(t) ? t->u.tbl.members[index].value : NULL;
}

prov_value *prov_table_get(const prov_value *t, const char *key, size_t key_len)
{
	long pos = prov_table_find(t, key, key_len);

	return pos < 0 ? NULL : t->u.tbl.members[pos].value;
}

prov_value *prov_table_gets(const prov_value *t, const char *key)
{
	return prov_table_get(t, key, strlen(key));
}

prov_value *prov_value_step(const prov_value *v, const char *segment, size_t len)
{
	size_t index = 0;

	if (prov_value_is(v, PROV_VALUE_TABLE))
		return prov_table_get(v, segment, len);
	if (!prov_value_is(v, PROV_VALUE_ARRAY) || len == 0 || len > 9)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (segment[i] < '0' || segment[i] > '9')
			return NULL;
		index = index * 10 + (size_t)(segment[i] - '0');
	}
	return prov_array_at(v, index);
}

prov_value *prov_value_lookup(const prov_value *root, const char *path)
{
	const prov_value *v = root;

	while (v && *path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		v = prov_value_step(v, path, len);
		path += len + (dot != NULL);
	}
	return (prov_value *)v;
}

static bool tables_equal(const prov_value *a, const prov_value *b)
{
	if (a->u.tbl.len != b->u.tbl.len)
		return false;
	for (size_t i = 0; i < a->u.tbl.len; i++) {
		const struct member *m = &a->u.tbl.members[i];
		const prov_value *other = prov_table_get(b, m->key, m->key_len);
		if (!other || !prov_value_equal(m->value, other))
			return false;
	}
	return true;
}

bool prov_value_equal(const prov_value *a, const prov_value *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->type != b->type)
		return false;
	switch (a->type) {
	case PROV_VALUE_NULL:
		return true;
	case PROV_VALUE_BOOL:
		return a->u.b == b->u.b;
	case PROV_VALUE_INT:
		return a->u.i == b->u.i;
	case PROV_VALUE_DOUBLE:
		return a->u.d == b->u.d || (a->u.d != a->u.d && b->u.d != b->u.d);
	case PROV_VALUE_DATETIME:
		if (a->datetime_kind != b->datetime_kind)
			return false;
		/* fall through */
	case PROV_VALUE_STRING:
		return a->u.str.len == b->u.str.len &&
		       memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
	case PROV_VALUE_ARRAY:
		if (a->u.arr.len != b->u.arr.len)
			return false;
		for (size_t i = 0; i < a->u.arr.len; i++)
			if (!prov_value_equal(a->u.arr.items[i], b->u.arr.items[i]))
				return false;
		return true;
	case PROV_VALUE_TABLE:
		return tables_equal(a, b);
	}
	return false;
}
