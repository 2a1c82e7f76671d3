/*
 * Pieces of etcd gateway requests and answers: keys and values travel as
 * base64, 64-bit integers as decimal strings, and members at their default
 * value (false, 0, empty) are left out of answers.
 */
#ifndef PROV_CHECKPOINT_ETCD_KV_H
#define PROV_CHECKPOINT_ETCD_KV_H

#include "core/strbuf.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

/* Append "name":"<base64 of the bytes>". */
void prov_etcd_put_bytes(prov_strbuf *b, const char *name, const void *data, size_t len);

/* Append "key":"<base64 of a followed by c>" (c may be NULL). */
void prov_etcd_put_key(prov_strbuf *b, const char *a, const char *c);

/*
 * Append "key":...,"range_end":... covering every key that starts with
 * `prefix`, from the key `start` (start_len bytes; NULL: from `prefix`) on;
 * `start` must not sort before `prefix`.
 */
void prov_etcd_put_prefix_range_from(prov_strbuf *b, const char *prefix, const void *start,
				     size_t start_len);

/* Append the range of every record key of workflow `id`: PREFIX/records/ID/... */
void prov_etcd_put_records_range(prov_strbuf *b, const char *records_prefix, const char *id);

/* The key of a workflow's record number `revision`: PREFIX/records/ID/%020llu. */
void prov_etcd_record_key(prov_strbuf *b, const char *records_prefix, const char *id,
			  uint64_t revision);

/* A member that etcd writes as a decimal string (or a number); absent is 0. */
int64_t prov_etcd_int64(json_object *obj, const char *name);

/* Whether a transaction's compares held ("succeeded", absent when false). */
bool prov_etcd_succeeded(json_object *txn);

/* The `index`th answer of a transaction, of the kind given ("response_range"), or NULL. */
json_object *prov_etcd_response(json_object *txn, size_t index, const char *kind);

/* The key-values of a range answer (NULL when none), and how many. */
json_object *prov_etcd_kvs(json_object *range, size_t *count);

/* Whether a range answer says there are more keys than it holds. */
bool prov_etcd_more(json_object *range);

/*
 * A base64 member of a key-value ("key" or "value") decoded into a new
 * NUL-terminated buffer (free with free()); absent is empty. PROV_ESTORE
 * naming `what` for a value that is not base64.
 */
int prov_etcd_bytes(json_object *kv, const char *member, const char *what, char **out,
		    size_t *len);

#endif
