/*
 * The etcd store's reads: a checkpoint is its checkpoint key with the
 * record keys numbered after the checkpoint's revision folded in, all read
 * at one etcd revision so that a write landing meanwhile is seen whole or
 * not at all. Reads need no ownership.
 */
#include "checkpoint/etcd_kv.h"
#include "checkpoint/etcd_store.h"
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

/* Record keys per range request, and checkpoint keys per list request. */
#define RECORD_PAGE 256
#define LIST_PAGE 64

/* A workflow being folded. */
struct fold {
	prov_etcdstore *store;
	const char *id;
	int64_t at;              /* the etcd revision everything is read at */
	prov_checkpoint *checkpoint;
	int64_t head_revision;   /* the saved checkpoint's: older records are in it */
	int64_t revision;        /* of the last write folded in */
	bool damaged;            /* what is stored cannot be read (not etcd failing) */
};

static int64_t answer_revision(json_object *answer)
{
	json_object *header;

	return json_object_object_get_ex(answer, "header", &header)
		       ? prov_etcd_int64(header, "revision") : 0;
}

/* ------------------------------------------------------------------ */
/* Folding one workflow                                                */
/* ------------------------------------------------------------------ */

/* Stored data that cannot be read is the store's damage, whatever the parser called it. */
static int damage(const char *message)
{
	char reason[512];

	prov_copy_bounded(reason, sizeof(reason), message);
	return prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT, "%s", reason);
}

static int apply_head(struct fold *f, json_object *kv)
{
	prov_strbuf what = PROV_STRBUF_INIT;
	char *value = NULL;
	size_t len;
	int rc;

	prov_strbuf_printf(&what, "etcd key %s%s", f->store->heads_prefix, f->id);
	rc = prov_strbuf_status(&what);
	if (rc == PROV_OK)
		rc = prov_etcd_bytes(kv, "value", what.data, &value, &len);
	if (rc == PROV_OK)
		rc = prov_checkpoint_parse(&f->checkpoint, value, len, what.data);
	if (rc == PROV_OK && strcmp(prov_checkpoint_workflow_id(f->checkpoint), f->id) != 0)
		rc = prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				  "%s: holds workflow %s", what.data,
				  prov_checkpoint_workflow_id(f->checkpoint));
	else if (rc == PROV_EPARSE || rc == PROV_EVERSION)
		rc = damage(prov_error_last()->message);
	if (rc == PROV_OK)
		f->head_revision = f->revision = prov_checkpoint_revision(f->checkpoint);
	f->damaged = rc != PROV_OK && rc != PROV_ENOMEM;
	free(value);
	prov_strbuf_release(&what);
	return rc;
}

static int apply_record(struct fold *f, const char *key, json_object *kv)
{
	const char *slash = strrchr(key, '/');
	int64_t number = slash ? strtoll(slash + 1, NULL, 10) : 0;
	prov_operation_record *record = NULL;
	char *value = NULL;
	size_t len;
	int rc;

	/* Left by a write that raced a save of the same owner: the save holds it. */
	if (number <= f->head_revision)
		return PROV_OK;
	rc = prov_etcd_bytes(kv, "value", key, &value, &len);
	if (rc == PROV_OK)
		rc = prov_operation_record_parse(&record, value, len, key);
	if (rc == PROV_OK && !f->checkpoint)
		rc = prov_checkpoint_new(&f->checkpoint, f->id);
	if (rc == PROV_OK)
		rc = prov_checkpoint_apply_record(f->checkpoint, record);
	if (rc != PROV_OK && rc != PROV_ENOMEM) {
		char reason[512];

		prov_copy_bounded(reason, sizeof(reason), prov_error_last()->message);
		rc = prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				  "etcd key %s: the record cannot be applied: %s", key, reason);
		f->damaged = true;
	}
	if (rc == PROV_OK)
		f->revision = number;
	prov_operation_record_free(record);
	free(value);
	return rc;
}

/* Apply a range answer's records; *next gets the key after the last one (owned). */
static int apply_records(struct fold *f, json_object *range, prov_strbuf *next)
{
	size_t count;
	json_object *kvs = prov_etcd_kvs(range, &count);
	int rc = PROV_OK;

	for (size_t i = 0; rc == PROV_OK && i < count; i++) {
		json_object *kv = json_object_array_get_idx(kvs, i);
		char *key = NULL;
		size_t len;

		rc = prov_etcd_bytes(kv, "key", "record key", &key, &len);
		if (rc == PROV_OK)
			rc = apply_record(f, key, kv);
		if (rc == PROV_OK && i + 1 == count) {
			prov_strbuf_reset(next);
			prov_strbuf_append(next, key, len + 1); /* the NUL: the next key up */
			rc = prov_strbuf_status(next);
		}
		free(key);
	}
	return rc;
}

/* Read the records after `start` at the fold's revision, page by page. */
static int fold_more_records(struct fold *f, prov_strbuf *start)
{
	prov_strbuf prefix = PROV_STRBUF_INIT;
	int rc;
	bool more = true;

	prov_strbuf_printf(&prefix, "%s%s/", f->store->records_prefix, f->id);
	rc = prov_strbuf_status(&prefix);
	while (rc == PROV_OK && more) {
		prov_strbuf body = PROV_STRBUF_INIT;
		json_object *answer = NULL;

		prov_strbuf_putc(&body, '{');
		prov_etcd_put_prefix_range_from(&body, prefix.data, start->len ? start->data : NULL,
						start->len);
		prov_strbuf_printf(&body, ",\"limit\":\"%d\",\"revision\":\"%lld\"}", RECORD_PAGE,
				   (long long)f->at);
		rc = prov_etcdstore_call(f->store, "/v3/kv/range", &body, &answer);
		if (rc == PROV_OK)
			rc = apply_records(f, answer, start);
		more = rc == PROV_OK && prov_etcd_more(answer);
		json_object_put(answer);
		prov_strbuf_release(&body);
	}
	prov_strbuf_release(&prefix);
	return rc;
}

/* Fold a checkpoint key (NULL: none) and the records after it. */
static int fold_workflow(struct fold *f, json_object *head, json_object *first_page)
{
	prov_strbuf next = PROV_STRBUF_INIT;
	int rc = head ? apply_head(f, head) : PROV_OK;

	if (rc == PROV_OK && first_page)
		rc = apply_records(f, first_page, &next);
	if (rc == PROV_OK && (!first_page || prov_etcd_more(first_page)))
		rc = fold_more_records(f, &next);
	if (rc == PROV_OK && f->checkpoint)
		prov_checkpoint_set_revision(f->checkpoint, (long long)f->revision);
	if (rc != PROV_OK) {
		prov_checkpoint_free(f->checkpoint);
		f->checkpoint = NULL;
	}
	prov_strbuf_release(&next);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Load                                                                */
/* ------------------------------------------------------------------ */

int prov_etcdstore_load(prov_checkpoint **out, void *backend, const char *workflow_id)
{
	prov_etcdstore *s = backend;
	struct fold f = { s, workflow_id, 0, NULL, 0, 0, false };
	prov_strbuf body = PROV_STRBUF_INIT;
	json_object *answer = NULL, *head, *kvs;
	size_t count;
	int rc;

	*out = NULL;
	/* One transaction reads both at one revision; later pages are read at it too. */
	prov_strbuf_puts(&body, "{\"success\":[{\"request_range\":{");
	prov_etcd_put_key(&body, s->heads_prefix, workflow_id);
	prov_strbuf_puts(&body, "}},{\"request_range\":{");
	prov_etcd_put_records_range(&body, s->records_prefix, workflow_id);
	prov_strbuf_printf(&body, ",\"limit\":\"%d\"}}]}", RECORD_PAGE);
	rc = prov_etcdstore_call(s, "/v3/kv/txn", &body, &answer);
	if (rc == PROV_OK) {
		f.at = answer_revision(answer);
		kvs = prov_etcd_kvs(prov_etcd_response(answer, 0, "response_range"), &count);
		head = count ? json_object_array_get_idx(kvs, 0) : NULL;
		rc = fold_workflow(&f, head, prov_etcd_response(answer, 1, "response_range"));
	}
	if (rc == PROV_OK && !f.checkpoint)
		rc = prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CHECKPOINT,
				  "no checkpoint for workflow %s in etcd under %s", workflow_id,
				  prov_etcd_client_prefix(s->client));
	*out = f.checkpoint;
	json_object_put(answer);
	prov_strbuf_release(&body);
	return rc;
}

/* ------------------------------------------------------------------ */
/* List                                                                */
/* ------------------------------------------------------------------ */

/*
 * One entry: the folded checkpoint's step and time, or why it cannot be
 * read. Only an unreachable etcd (or no memory) stops the list.
 */
static int list_one(prov_etcdstore *s, prov_checkpoint_list *list, const char *id,
		    json_object *head, int64_t at)
{
	struct fold f = { s, id, at, NULL, 0, 0, false };
	int rc = fold_workflow(&f, head, NULL);

	if (rc != PROV_OK && f.damaged)
		return prov_checkpoint_list_add(list, id, 0, NULL, prov_error_last()->message);
	if (rc == PROV_OK)
		rc = prov_checkpoint_list_add(list, id, prov_checkpoint_step(f.checkpoint),
					      prov_checkpoint_timestamp(f.checkpoint), NULL);
	prov_checkpoint_free(f.checkpoint);
	return rc;
}

/* Where a list starts: the id prefix's first key, or just past `after`. */
static int list_start(prov_etcdstore *s, const prov_checkpoint_list_options *o, prov_strbuf *from,
		      prov_strbuf *prefix, bool *empty)
{
	const char *id_prefix = o->prefix ? o->prefix : "";

	/* An `after` beyond every id with the prefix leaves nothing to list. */
	*empty = o->after && strncmp(o->after, id_prefix, strlen(id_prefix)) > 0;
	prov_strbuf_printf(prefix, "%s%s", s->heads_prefix, id_prefix);
	prov_strbuf_puts(from, prov_strbuf_cstr(prefix));
	if (o->after && strcmp(o->after, id_prefix) >= 0) {
		prov_strbuf_reset(from);
		prov_strbuf_printf(from, "%s%s", s->heads_prefix, o->after);
		prov_strbuf_append(from, "", 1);
	}
	return prov_strbuf_status(from) == PROV_OK ? prov_strbuf_status(prefix) : PROV_ENOMEM;
}

/* One page of checkpoint keys from `from`; moves `from` past the last. */
static int list_page(prov_etcdstore *s, prov_checkpoint_list *list, const char *prefix,
		     prov_strbuf *from, int64_t *at, size_t *added, bool *more)
{
	prov_strbuf body = PROV_STRBUF_INIT;
	json_object *answer = NULL, *range, *kvs;
	size_t count, skip = strlen(s->heads_prefix);
	int rc;

	prov_strbuf_putc(&body, '{');
	prov_etcd_put_prefix_range_from(&body, prefix, from->data, from->len);
	prov_strbuf_printf(&body, ",\"limit\":\"%d\"", LIST_PAGE);
	if (*at)
		prov_strbuf_printf(&body, ",\"revision\":\"%lld\"", (long long)*at);
	prov_strbuf_putc(&body, '}');
	rc = prov_etcdstore_call(s, "/v3/kv/range", &body, &answer);
	prov_strbuf_release(&body);
	if (rc != PROV_OK)
		return rc;
	if (!*at)
		*at = answer_revision(answer);
	range = answer;
	kvs = prov_etcd_kvs(range, &count);
	*more = prov_etcd_more(range) && count > 0;
	for (size_t i = 0; rc == PROV_OK && i < count; i++) {
		json_object *kv = json_object_array_get_idx(kvs, i);
		char *key = NULL;
		size_t len;

		rc = prov_etcd_bytes(kv, "key", "checkpoint key", &key, &len);
		if (rc == PROV_OK && len > skip && prov_workflow_id_is_valid(key + skip, len - skip)) {
			rc = list_one(s, list, key + skip, kv, *at);
			++*added;
		}
		if (rc == PROV_OK && i + 1 == count) {
			prov_strbuf_reset(from);
			prov_strbuf_append(from, key, len + 1);
			rc = prov_strbuf_status(from);
		}
		free(key);
	}
	json_object_put(answer);
	return rc;
}

int prov_etcdstore_list(prov_checkpoint_list *list, void *backend,
			const prov_checkpoint_list_options *options)
{
	prov_etcdstore *s = backend;
	prov_strbuf from = PROV_STRBUF_INIT, prefix = PROV_STRBUF_INIT;
	int64_t at = 0;
	size_t added = 0;
	bool more, empty;
	int rc = list_start(s, options, &from, &prefix, &empty);

	more = !empty;
	/* One entry past the limit tells the library there is a next page. */
	while (rc == PROV_OK && more && !(options->limit && added > options->limit))
		rc = list_page(s, list, prefix.data, &from, &at, &added, &more);
	prov_strbuf_release(&from);
	prov_strbuf_release(&prefix);
	return rc;
}
