/* Building and reading the JSON of etcd's gateway. */
#include "checkpoint/etcd_kv.h"
#include "checkpoint/etcd_base64.h"
#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void prov_etcd_put_bytes(prov_strbuf *b, const char *name, const void *data, size_t len)
{
	prov_strbuf_printf(b, "\"%s\":\"", name);
	prov_base64_append(b, data, len);
	prov_strbuf_putc(b, '"');
}

void prov_etcd_put_key(prov_strbuf *b, const char *a, const char *c)
{
	prov_strbuf key = PROV_STRBUF_INIT;

	prov_strbuf_puts(&key, a);
	if (c)
		prov_strbuf_puts(&key, c);
	if (prov_strbuf_status(&key) != PROV_OK)
		b->failed = true;
	else
		prov_etcd_put_bytes(b, "key", key.data, key.len);
	prov_strbuf_release(&key);
}

/* etcd reads a range [key, range_end): the end is the prefix with its last byte raised. */
void prov_etcd_put_prefix_range_from(prov_strbuf *b, const char *prefix, const void *start,
				     size_t start_len)
{
	prov_strbuf end = PROV_STRBUF_INIT;

	if (start)
		prov_etcd_put_bytes(b, "key", start, start_len);
	else
		prov_etcd_put_key(b, prefix, NULL);
	prov_strbuf_puts(&end, prefix);
	while (end.len && (unsigned char)end.data[end.len - 1] == 0xff)
		end.len--;
	if (prov_strbuf_status(&end) != PROV_OK) {
		b->failed = true;
	} else if (end.len == 0) {
		/* No byte can be raised: "\0" means every key from the start on. */
		prov_strbuf_puts(b, ",\"range_end\":\"AA==\"");
	} else {
		end.data[end.len - 1]++;
		prov_strbuf_putc(b, ',');
		prov_etcd_put_bytes(b, "range_end", end.data, end.len);
	}
	prov_strbuf_release(&end);
}

void prov_etcd_put_records_range(prov_strbuf *b, const char *records_prefix, const char *id)
{
	prov_strbuf prefix = PROV_STRBUF_INIT;

	prov_strbuf_printf(&prefix, "%s%s/", records_prefix, id);
	if (prov_strbuf_status(&prefix) != PROV_OK)
		b->failed = true;
	else
		prov_etcd_put_prefix_range_from(b, prefix.data, NULL, 0);
	prov_strbuf_release(&prefix);
}

void prov_etcd_record_key(prov_strbuf *b, const char *records_prefix, const char *id,
			  uint64_t revision)
{
	prov_strbuf_printf(b, "%s%s/%020" PRIu64, records_prefix, id, revision);
}

int64_t prov_etcd_int64(json_object *obj, const char *name)
{
	json_object *member;
	const char *text;
	char *end;
	long long value;

	if (!json_object_object_get_ex(obj, name, &member))
		return 0;
	if (json_object_is_type(member, json_type_int))
		return json_object_get_int64(member);
	if (!json_object_is_type(member, json_type_string))
		return 0;
	text = json_object_get_string(member);
	errno = 0;
	value = strtoll(text, &end, 10);
	return errno || *end ? 0 : value;
}

bool prov_etcd_succeeded(json_object *txn)
{
	json_object *member;

	return json_object_object_get_ex(txn, "succeeded", &member) &&
	       json_object_get_boolean(member);
}

json_object *prov_etcd_response(json_object *txn, size_t index, const char *kind)
{
	json_object *responses, *item, *inner;

	if (!json_object_object_get_ex(txn, "responses", &responses) ||
	    !json_object_is_type(responses, json_type_array) ||
	    index >= json_object_array_length(responses))
		return NULL;
	item = json_object_array_get_idx(responses, index);
	return json_object_object_get_ex(item, kind, &inner) ? inner : NULL;
}

json_object *prov_etcd_kvs(json_object *range, size_t *count)
{
	json_object *kvs;

	*count = 0;
	if (!json_object_object_get_ex(range, "kvs", &kvs) ||
	    !json_object_is_type(kvs, json_type_array))
		return NULL;
	*count = json_object_array_length(kvs);
	return kvs;
}

bool prov_etcd_more(json_object *range)
{
	json_object *member;

	return json_object_object_get_ex(range, "more", &member) &&
	       json_object_get_boolean(member);
}

int prov_etcd_bytes(json_object *kv, const char *member, const char *what, char **out,
		    size_t *len)
{
	json_object *field;
	const char *text = "";
	int rc;

	if (json_object_object_get_ex(kv, member, &field) &&
	    json_object_is_type(field, json_type_string))
		text = json_object_get_string(field);
	rc = prov_base64_decode(text, strlen(text), out, len);

	if (rc != PROV_EPARSE)
		return rc;
	return prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
			    "etcd: %s: the %s is not base64", what, member);
}
