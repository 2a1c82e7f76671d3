/*
 * The etcd store's writes: saves, records and deletes, each fenced by a
 * compare of the ownership key's lease and create revision.
 *
 * Writes that threads make at the same time share one transaction, as the
 * directory store's writes share one fdatasync: a writer queues its write
 * under the store's mutex and waits; whoever finds no transaction in flight
 * becomes the leader, sends the queued writes as one transaction (at most
 * one per workflow, so each workflow's writes stay in order and never touch
 * a key twice in a transaction), and wakes their writers. When a fence in
 * the transaction fails, the transaction applies nothing; the leader tells
 * the stale writers from the others by the ownership keys the failure
 * branch read, and sends the others again.
 */
#include "checkpoint/etcd_kv.h"
#include "checkpoint/etcd_store.h"
#include "checkpoint/internal.h"
#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

/* etcd takes at most 128 operations per branch (--max-txn-ops); a write has at most 2. */
#define BATCH_WRITES 32
/* Payload bytes that share a transaction; etcd takes 1.5 MiB per request by default. */
#define BATCH_BYTES (512 * 1024)

enum write_kind { WRITE_SAVE, WRITE_RECORD, WRITE_DELETE };

/* One write, from the writer's stack; the leader fills in the outcome. */
struct etcd_write {
	struct etcd_write *next;      /* in the queue or a batch */
	enum write_kind kind;
	const char *id;
	const prov_checkpoint_token *token;
	int64_t lease;
	int64_t create_revision;
	uint64_t revision;            /* this write's number */
	bool exists;                  /* hints at queue time */
	bool records;
	const char *value;
	size_t len;
	size_t first_response;        /* where its answers start in the transaction's */
	/* The outcome. */
	bool done;
	int rc;
	prov_err_saved *error;
	char *holder;                 /* who owns the workflow when the fence failed */
};

/* ------------------------------------------------------------------ */
/* Building a transaction                                              */
/* ------------------------------------------------------------------ */

/* "compare" entries: the ownership key still has our lease and was created by our acquire. */
static void put_fence(prov_strbuf *b, const prov_etcdstore *s, const struct etcd_write *w)
{
	prov_etcdstore_put_compare(b, s, w->id, "LEASE", "lease", w->lease);
	prov_strbuf_putc(b, ',');
	prov_etcdstore_put_compare(b, s, w->id, "CREATE", "create_revision", w->create_revision);
}

/* A record's first write creates an empty checkpoint key, so lists find the workflow. */
static void put_head_if_absent(prov_strbuf *b, const prov_etcdstore *s, const char *id)
{
	prov_checkpoint *cp = NULL;
	char *json = NULL;

	if (prov_checkpoint_new(&cp, id) != PROV_OK || prov_checkpoint_to_json(&json, cp) != PROV_OK) {
		b->failed = true;
		prov_checkpoint_free(cp);
		return;
	}
	prov_strbuf_puts(b, ",{\"request_txn\":{\"compare\":[{");
	prov_etcd_put_key(b, "key", s->heads_prefix, id);
	prov_strbuf_puts(b, ",\"target\":\"CREATE\",\"result\":\"EQUAL\",\"create_revision\":\"0\"}],"
			    "\"success\":[{\"request_put\":{");
	prov_etcd_put_key(b, "key", s->heads_prefix, id);
	prov_strbuf_putc(b, ',');
	prov_etcd_put_bytes(b, "value", json, strlen(json));
	prov_strbuf_puts(b, "}}]}}");
	free(json);
	prov_checkpoint_free(cp);
}

/* Records older than a save are folded into it: delete [records/ID/, records/ID/REV). */
static void put_drop_records(prov_strbuf *b, const prov_etcdstore *s, const struct etcd_write *w)
{
	prov_strbuf start = PROV_STRBUF_INIT, end = PROV_STRBUF_INIT;

	prov_strbuf_printf(&start, "%s%s/", s->records_prefix, w->id);
	prov_etcd_record_key(&end, s->records_prefix, w->id, w->revision);
	prov_strbuf_puts(b, ",{\"request_delete_range\":{");
	prov_etcd_put_bytes(b, "key", start.data, start.len);
	prov_strbuf_putc(b, ',');
	prov_etcd_put_bytes(b, "range_end", end.data, end.len);
	prov_strbuf_puts(b, "}}");
	if (prov_strbuf_status(&start) != PROV_OK || prov_strbuf_status(&end) != PROV_OK)
		b->failed = true;
	prov_strbuf_release(&start);
	prov_strbuf_release(&end);
}

static void put_delete_all(prov_strbuf *b, const prov_etcdstore *s, const char *id)
{
	prov_strbuf records = PROV_STRBUF_INIT;

	prov_strbuf_printf(&records, "%s%s/", s->records_prefix, id);
	prov_strbuf_puts(b, "{\"request_delete_range\":{");
	prov_etcd_put_key(b, "key", s->heads_prefix, id);
	prov_strbuf_puts(b, "}},{\"request_delete_range\":{");
	prov_etcd_put_prefix_range(b, prov_strbuf_cstr(&records));
	prov_strbuf_puts(b, "}}");
	if (prov_strbuf_status(&records) != PROV_OK)
		b->failed = true;
	prov_strbuf_release(&records);
}

/* A write's success operations; returns how many answers they give. */
static size_t put_operations(prov_strbuf *b, const prov_etcdstore *s, const struct etcd_write *w)
{
	prov_strbuf key = PROV_STRBUF_INIT;
	size_t answers = 1;

	if (w->kind == WRITE_DELETE) {
		put_delete_all(b, s, w->id);
		return 2;
	}
	if (w->kind == WRITE_SAVE)
		prov_strbuf_printf(&key, "%s%s", s->heads_prefix, w->id);
	else
		prov_etcd_record_key(&key, s->records_prefix, w->id, w->revision);
	prov_strbuf_puts(b, "{\"request_put\":{");
	prov_etcd_put_bytes(b, "key", prov_strbuf_cstr(&key), key.len);
	prov_strbuf_putc(b, ',');
	prov_etcd_put_bytes(b, "value", w->value, w->len);
	prov_strbuf_puts(b, "}}");
	if (w->kind == WRITE_SAVE && w->records) {
		put_drop_records(b, s, w);
		answers++;
	}
	if (w->kind == WRITE_RECORD && !w->exists) {
		put_head_if_absent(b, s, w->id);
		answers++;
	}
	if (prov_strbuf_status(&key) != PROV_OK)
		b->failed = true;
	prov_strbuf_release(&key);
	return answers;
}

/* One transaction for the writes of a batch; the failure branch reads their ownership keys. */
static void build(prov_strbuf *b, const prov_etcdstore *s, struct etcd_write *batch)
{
	size_t answers = 0;

	prov_strbuf_puts(b, "{\"compare\":[");
	for (struct etcd_write *w = batch; w; w = w->next) {
		put_fence(b, s, w);
		prov_strbuf_putc(b, w->next ? ',' : ']');
	}
	prov_strbuf_puts(b, ",\"success\":[");
	for (struct etcd_write *w = batch; w; w = w->next) {
		w->first_response = answers;
		answers += put_operations(b, s, w);
		prov_strbuf_putc(b, w->next ? ',' : ']');
	}
	prov_strbuf_puts(b, ",\"failure\":[");
	for (struct etcd_write *w = batch; w; w = w->next) {
		prov_strbuf_puts(b, "{\"request_range\":{");
		prov_etcd_put_key(b, "key", s->owners_prefix, w->id);
		prov_strbuf_puts(b, w->next ? "}}," : "}}]}");
	}
}

/* ------------------------------------------------------------------ */
/* Sending a batch                                                     */
/* ------------------------------------------------------------------ */

static void finish(struct etcd_write *w, int rc)
{
	w->rc = rc;
	w->error = rc == PROV_OK ? NULL : prov_err_save();
	w->done = true;
}

/* A delete that removed neither the checkpoint nor a record found nothing. */
static int delete_outcome(const prov_etcdstore *s, const struct etcd_write *w, json_object *answer)
{
	json_object *head = prov_etcd_response(answer, w->first_response, "response_delete_range");
	json_object *records =
		prov_etcd_response(answer, w->first_response + 1, "response_delete_range");

	if (prov_etcd_int64(head, "deleted") || prov_etcd_int64(records, "deleted"))
		return PROV_OK;
	return prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_CHECKPOINT,
			    "no checkpoint for workflow %s in etcd under %s", w->id,
			    prov_etcd_client_prefix(s->client));
}

/*
 * The transaction failed its compares: the writes whose ownership key
 * changed are stale and done; the rest stay in *batch to be sent again.
 */
static void sort_out_stale(struct etcd_write **batch, json_object *answer)
{
	struct etcd_write **link = batch;
	size_t index = 0;

	while (*link) {
		struct etcd_write *w = *link;
		int64_t lease, create_revision;
		char *holder = prov_etcdstore_holder_of(
			prov_etcd_response(answer, index++, "response_range"), &lease,
			&create_revision);

		if (lease == w->lease && create_revision == w->create_revision) {
			free(holder);
			link = &w->next;
			continue;
		}
		*link = w->next;
		w->holder = holder;
		finish(w, PROV_ESTALE);
	}
}

static void fail_all(struct etcd_write *batch, int rc)
{
	for (struct etcd_write *w = batch; w; w = w->next)
		finish(w, rc);
}

static void send_alone(prov_etcdstore *s, struct etcd_write *batch);

/* Send a batch until every write in it is done. Without the mutex. */
static void send(prov_etcdstore *s, struct etcd_write *batch)
{
	while (batch) {
		prov_strbuf body = PROV_STRBUF_INIT;
		json_object *answer = NULL;
		int rc;

		build(&body, s, batch);
		rc = prov_etcdstore_call(s, "/v3/kv/txn", &body, &answer);
		prov_strbuf_release(&body);
		if (rc == PROV_ERANGE && batch->next) {
			/* Too large together; each alone may fit. */
			json_object_put(answer);
			send_alone(s, batch);
			return;
		}
		if (rc != PROV_OK) {
			fail_all(batch, rc);
			batch = NULL;
		} else if (prov_etcd_succeeded(answer)) {
			for (struct etcd_write *w = batch; w; w = w->next)
				finish(w, w->kind == WRITE_DELETE ? delete_outcome(s, w, answer)
								  : PROV_OK);
			batch = NULL;
		} else {
			sort_out_stale(&batch, answer);
		}
		json_object_put(answer);
	}
}

static void send_alone(prov_etcdstore *s, struct etcd_write *batch)
{
	while (batch) {
		struct etcd_write *w = batch;

		batch = w->next;
		w->next = NULL;
		send(s, w);
	}
}

/* ------------------------------------------------------------------ */
/* The queue                                                           */
/* ------------------------------------------------------------------ */

static bool in_batch(const struct etcd_write *batch, const char *id)
{
	for (; batch; batch = batch->next)
		if (strcmp(batch->id, id) == 0)
			return true;
	return false;
}

/* Take the queued writes that can share a transaction, in queue order. Under the mutex. */
static struct etcd_write *take_batch(prov_etcdstore *s)
{
	struct etcd_write *batch = NULL, **tail = &batch, **link = &s->queue;
	size_t count = 0, bytes = 0;

	while (*link && count < BATCH_WRITES) {
		struct etcd_write *w = *link;

		if (in_batch(batch, w->id) || (count && bytes + w->len > BATCH_BYTES)) {
			link = &w->next;
			continue;
		}
		*link = w->next;
		w->next = NULL;
		*tail = w;
		tail = &w->next;
		count++;
		bytes += w->len;
	}
	return batch;
}

/* Send one batch; called and returning with the mutex held. */
static void lead(prov_etcdstore *s)
{
	struct etcd_write *batch = take_batch(s);

	s->writing = true;
	pthread_mutex_unlock(&s->mutex);
	send(s, batch);
	pthread_mutex_lock(&s->mutex);
	s->writing = false;
	pthread_cond_broadcast(&s->written);
}

/* Queue a write and wait until a leader (perhaps this thread) sent it. */
static void queue_and_wait(prov_etcdstore *s, struct etcd_write *w)
{
	struct etcd_write **link;

	pthread_mutex_lock(&s->mutex);
	for (link = &s->queue; *link; link = &(*link)->next)
		;
	*link = w;
	while (!w->done) {
		if (!s->writing)
			lead(s);
		else
			pthread_cond_wait(&s->written, &s->mutex);
	}
	pthread_mutex_unlock(&s->mutex);
}

/* ------------------------------------------------------------------ */
/* Saves, records, deletes                                             */
/* ------------------------------------------------------------------ */

/* Take this write's revision and update the hints as if it succeeds. */
static int begin(prov_etcdstore *s, struct etcd_write *w)
{
	struct etcd_owned *o;
	int rc = PROV_OK;

	pthread_mutex_lock(&s->mutex);
	if (!(o = prov_etcdstore_owned(s, w->token)))
		rc = prov_etcdstore_stale(w->token);
	else if (o->lost)
		rc = prov_etcdstore_lost(w->id);
	if (rc == PROV_OK) {
		w->lease = o->lease;
		w->create_revision = o->create_revision;
		w->revision = ++o->revision;
		w->exists = o->exists;
		w->records = o->records;
		o->exists = w->kind != WRITE_DELETE;
		o->records = w->kind == WRITE_RECORD;
	}
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

/* After a failed write nobody knows what etcd holds: assume the worst next time. */
static void doubt(prov_etcdstore *s, const prov_checkpoint_token *token)
{
	struct etcd_owned *o;

	pthread_mutex_lock(&s->mutex);
	if ((o = prov_etcdstore_owned(s, token))) {
		o->exists = false;
		o->records = true;
	}
	pthread_mutex_unlock(&s->mutex);
}

static int fenced_out(prov_etcdstore *s, const struct etcd_write *w)
{
	prov_etcdstore_owned_lost(s, w->token);
	prov_etcdstore_lost(w->id);
	if (w->holder)
		prov_err_prefix("etcd key %s%s is held by %s: ", s->owners_prefix, w->id, w->holder);
	return PROV_ESTALE;
}

/*
 * The checkpoint with its store revision, as the checkpoint key holds it.
 * A checkpoint that has no "revision" anywhere gets the member appended;
 * one that has (e.g. it was loaded) is parsed and printed again.
 */
static bool has_members_before(const char *json, const char *close)
{
	while (close > json && strchr(" \t\r\n", close[-1]))
		close--;
	return close > json && close[-1] != '{';
}

static int stamped(char **out, const char *id, const char *json, size_t len, uint64_t revision)
{
	const char *close = len ? json + len - 1 : json;
	prov_strbuf b = PROV_STRBUF_INIT;
	prov_checkpoint *cp;
	int rc;

	*out = NULL;
	if (*close == '}' && has_members_before(json, close) &&
	    !memmem(json, len, "\"revision\"", 10)) {
		prov_strbuf_append(&b, json, (size_t)(close - json));
		prov_strbuf_printf(&b, ",\"revision\":%llu}", (unsigned long long)revision);
		*out = prov_strbuf_detach(&b, NULL);
		return *out ? PROV_OK : PROV_ENOMEM;
	}
	if ((rc = prov_checkpoint_parse(&cp, json, len, id)) != PROV_OK)
		return rc;
	prov_checkpoint_set_revision(cp, (long long)revision);
	rc = prov_checkpoint_to_json(out, cp);
	prov_checkpoint_free(cp);
	return rc;
}

static int write_fenced(prov_etcdstore *s, const prov_checkpoint_token *token,
			enum write_kind kind, const char *json, size_t len)
{
	struct etcd_write w = { .kind = kind, .id = prov_checkpoint_token_workflow_id(token),
				.token = token, .value = json, .len = len };
	char *value = NULL;
	int rc = begin(s, &w);

	if (rc == PROV_OK && kind == WRITE_SAVE && (rc = stamped(&value, w.id, json, len,
								  w.revision)) == PROV_OK) {
		w.value = value;
		w.len = strlen(value);
	}
	if (rc != PROV_OK)
		return rc;
	queue_and_wait(s, &w);
	rc = w.rc;
	if (w.error)
		prov_err_restore(w.error);
	if (rc == PROV_ESTALE)
		rc = fenced_out(s, &w);
	else if (rc != PROV_OK && rc != PROV_ENOTFOUND)
		doubt(s, token);
	prov_err_saved_free(w.error);
	free(w.holder);
	free(value);
	return rc;
}

int prov_etcdstore_save(void *backend, const prov_checkpoint_token *token, const char *json,
			size_t len)
{
	return write_fenced(backend, token, WRITE_SAVE, json, len);
}

int prov_etcdstore_record(void *backend, const prov_checkpoint_token *token, const char *op_id,
			  const char *json, size_t len)
{
	(void)op_id;
	return write_fenced(backend, token, WRITE_RECORD, json, len);
}

int prov_etcdstore_remove(void *backend, const prov_checkpoint_token *token)
{
	return write_fenced(backend, token, WRITE_DELETE, NULL, 0);
}
