/*
 * The etcd store's writes: saves, records and deletes, each fenced by a
 * compare that the ownership key is still the one the writer's acquire
 * created with its lease (prov_etcdstore_put_fence()).
 *
 * Writes that threads make at the same time share transactions, as the
 * directory store's writes share an fdatasync: a writer queues its write
 * under the store's mutex and waits; while fewer than MAX_IN_FLIGHT
 * transactions are out, a waiter becomes a leader, takes the queued writes
 * of workflows that have no write out (so each workflow's writes stay in
 * order and a transaction never touches a key twice), sends them as one
 * transaction, and wakes their writers. When a fence fails, the transaction
 * applies nothing; the leader tells the stale writers from the others by
 * the ownership keys the failure branch read, and sends the others again.
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
/* Writes enough to send another transaction while one is out. */
#define FULL_BATCH 4
/* Payload bytes that share a transaction; etcd takes 1.5 MiB per request by default. */
#define BATCH_BYTES (512 * 1024)

enum write_kind { WRITE_SAVE, WRITE_RECORD, WRITE_DELETE };

/*
 * One write, on its writer's stack. The leader fills in the outcome without
 * the mutex and sets `done` under it, after which it touches it no more.
 */
struct etcd_write {
	struct etcd_write *next;      /* in the queue or a batch: fixed while the batch is out */
	enum write_kind kind;
	const char *id;
	const prov_checkpoint_token *token;
	int64_t owner_revision;       /* what its fence compares */
	uint64_t revision;            /* this write's number */
	bool exists;                  /* hints at queue time */
	bool records;
	const char *value;
	size_t len;
	size_t first_response;        /* where its answers start in the transaction's */
	/* The outcome. */
	bool settled;                 /* has its outcome; not sent again */
	bool done;                    /* its writer may go */
	int rc;
	prov_err_saved *error;
	char *holder;                 /* who owns the workflow when the fence failed */
};

/* ------------------------------------------------------------------ */
/* Building a transaction                                              */
/* ------------------------------------------------------------------ */

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
	prov_etcd_put_key(b, s->heads_prefix, id);
	prov_strbuf_puts(b, ",\"target\":\"CREATE\",\"result\":\"EQUAL\",\"create_revision\":\"0\"}],"
			    "\"success\":[{\"request_put\":{");
	prov_etcd_put_key(b, s->heads_prefix, id);
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
	prov_strbuf_puts(b, "{\"request_delete_range\":{");
	prov_etcd_put_key(b, s->heads_prefix, id);
	prov_strbuf_puts(b, "}},{\"request_delete_range\":{");
	prov_etcd_put_records_range(b, s->records_prefix, id);
	prov_strbuf_puts(b, "}}");
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

/* Whether a write goes into the next transaction: not settled, and the one chosen if any. */
static bool chosen(const struct etcd_write *w, const struct etcd_write *only)
{
	return !w->settled && (!only || w == only);
}

/*
 * One transaction for the chosen writes of a batch (`only`: that one; NULL:
 * all unsettled); the failure branch reads their ownership keys.
 */
static void build(prov_strbuf *b, const prov_etcdstore *s, struct etcd_write *batch,
		  const struct etcd_write *only)
{
	size_t answers = 0;
	const char *sep = "";

	prov_strbuf_puts(b, "{\"compare\":[");
	for (struct etcd_write *w = batch; w; w = w->next) {
		if (chosen(w, only)) {
			prov_strbuf_puts(b, sep);
			prov_etcdstore_put_fence(b, s, w->id, w->owner_revision);
			sep = ",";
		}
	}
	prov_strbuf_puts(b, "],\"success\":[");
	sep = "";
	for (struct etcd_write *w = batch; w; w = w->next) {
		if (chosen(w, only)) {
			prov_strbuf_puts(b, sep);
			w->first_response = answers;
			answers += put_operations(b, s, w);
			sep = ",";
		}
	}
	prov_strbuf_puts(b, "],\"failure\":[");
	sep = "";
	for (struct etcd_write *w = batch; w; w = w->next) {
		if (chosen(w, only)) {
			prov_strbuf_printf(b, "%s{\"request_range\":{", sep);
			prov_etcd_put_key(b, s->owners_prefix, w->id);
			prov_strbuf_puts(b, "}}");
			sep = ",";
		}
	}
	prov_strbuf_puts(b, "]}");
}

/* ------------------------------------------------------------------ */
/* Sending a batch                                                     */
/* ------------------------------------------------------------------ */

static void settle(struct etcd_write *w, int rc)
{
	w->rc = rc;
	w->error = rc == PROV_OK ? NULL : prov_err_save();
	w->settled = true;
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
 * The transaction failed its compares: the chosen writes whose ownership
 * key changed are stale and settled; the rest are sent again.
 */
static void settle_stale(struct etcd_write *batch, const struct etcd_write *only,
			 json_object *answer)
{
	size_t index = 0;

	for (struct etcd_write *w = batch; w; w = w->next) {
		json_object *owner;
		int64_t lease, mod_revision;
		char *holder;

		if (!chosen(w, only))
			continue;
		owner = prov_etcd_response(answer, index++, "response_range");
		holder = prov_etcdstore_holder_of(owner, &lease, &mod_revision);
		if (mod_revision == w->owner_revision) {
			free(holder);
			continue;
		}
		w->holder = holder;
		settle(w, PROV_ESTALE);
	}
}

/* The transaction applied (rc PROV_OK), or failed for all of them. */
static void settle_all(const prov_etcdstore *s, struct etcd_write *batch,
		       const struct etcd_write *only, int rc, json_object *answer)
{
	for (struct etcd_write *w = batch; w; w = w->next)
		if (chosen(w, only))
			settle(w, rc == PROV_OK && w->kind == WRITE_DELETE
					  ? delete_outcome(s, w, answer) : rc);
}

static size_t count_chosen(const struct etcd_write *batch, const struct etcd_write *only)
{
	size_t n = 0;

	for (; batch; batch = batch->next)
		n += chosen(batch, only);
	return n;
}

/* Send the chosen writes of a batch until each is settled. Without the mutex. */
static void send(prov_etcdstore *s, struct etcd_write *batch, const struct etcd_write *only)
{
	while (count_chosen(batch, only)) {
		prov_strbuf body = PROV_STRBUF_INIT;
		json_object *answer = NULL;
		int rc;

		build(&body, s, batch, only);
		rc = prov_etcdstore_call(s, "/v3/kv/txn", &body, &answer);
		prov_strbuf_release(&body);
		if (rc == PROV_ERANGE && count_chosen(batch, only) > 1) {
			/* Too large together; each alone may fit. */
			for (struct etcd_write *w = batch; w; w = w->next)
				if (chosen(w, NULL))
					send(s, batch, w);
		} else if (rc != PROV_OK || prov_etcd_succeeded(answer)) {
			settle_all(s, batch, only, rc, answer);
		} else {
			settle_stale(batch, only, answer);
		}
		json_object_put(answer);
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

/* Whether a write of the workflow is out. Under the mutex. */
static bool in_flight(const prov_etcdstore *s, const char *id)
{
	for (size_t i = 0; i < PROV_ETCD_MAX_IN_FLIGHT; i++)
		if (s->flying[i] && in_batch(s->flying[i], id))
			return true;
	return false;
}

/* Take the queued writes that can share a transaction now, in queue order. Under the mutex. */
static struct etcd_write *take_batch(prov_etcdstore *s)
{
	struct etcd_write *batch = NULL, **tail = &batch, **link = &s->queue;
	size_t count = 0, bytes = 0;

	while (*link && count < BATCH_WRITES) {
		struct etcd_write *w = *link;

		if (in_batch(batch, w->id) || in_flight(s, w->id) ||
		    (count && bytes + w->len > BATCH_BYTES)) {
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

/*
 * Send one batch, if any write can go; called and returning with the
 * mutex held. The writers see `done` only once the leader lets go of them.
 */
static bool lead(prov_etcdstore *s)
{
	struct etcd_write *batch = take_batch(s), *next;
	size_t slot = 0;

	if (!batch)
		return false;
	while (s->flying[slot])
		slot++;
	s->flying[slot] = batch;
	s->in_flight++;
	pthread_mutex_unlock(&s->mutex);
	send(s, batch, NULL);
	pthread_mutex_lock(&s->mutex);
	s->flying[slot] = NULL;
	s->in_flight--;
	for (struct etcd_write *w = batch; w; w = next) {
		next = w->next;
		w->done = true;
	}
	pthread_cond_broadcast(&s->written);
	return true;
}

/* How many queued writes could go now, counting up to FULL_BATCH. Under the mutex. */
static size_t ready(const prov_etcdstore *s)
{
	size_t n = 0;

	for (const struct etcd_write *w = s->queue; w && n < FULL_BATCH; w = w->next)
		n += !in_flight(s, w->id);
	return n;
}

/*
 * Whether a waiter should send a transaction now: when none is out, or when
 * a full batch is waiting and there is room. Waiting for a full batch while
 * one transaction is out makes the next one carry more writes.
 */
static bool may_lead(const prov_etcdstore *s)
{
	return s->in_flight == 0 ||
	       (s->in_flight < PROV_ETCD_MAX_IN_FLIGHT && ready(s) >= FULL_BATCH);
}

/* Queue a write. Under the mutex. */
static void enqueue(prov_etcdstore *s, struct etcd_write *w)
{
	struct etcd_write **link;

	for (link = &s->queue; *link; link = &(*link)->next)
		;
	*link = w;
}

/* Wait until a leader (perhaps this thread) sent a queued write. */
static void wait_until_sent(prov_etcdstore *s, struct etcd_write *w)
{
	pthread_mutex_lock(&s->mutex);
	while (!w->done)
		if (!may_lead(s) || !lead(s))
			pthread_cond_wait(&s->written, &s->mutex);
	pthread_mutex_unlock(&s->mutex);
}

/* ------------------------------------------------------------------ */
/* Saves, records, deletes                                             */
/* ------------------------------------------------------------------ */

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

/*
 * Take this write's revision, update the hints as if it succeeds, and queue
 * it, all at once: a workflow's writes go out in the order of their
 * revisions, or a record could land after a save numbered past it and be
 * hidden by it. A save's value is stamped with its revision (*value, owned).
 */
static int begin(prov_etcdstore *s, struct etcd_write *w, char **value)
{
	struct etcd_owned *o;
	int rc = PROV_OK;

	pthread_mutex_lock(&s->mutex);
	if (!(o = prov_etcdstore_owned(s, w->token)))
		rc = prov_etcdstore_stale(w->token);
	else if (o->lost)
		rc = prov_etcdstore_lost(w->id);
	if (rc == PROV_OK && w->kind == WRITE_SAVE &&
	    (rc = stamped(value, w->id, w->value, w->len, o->revision + 1)) == PROV_OK) {
		w->value = *value;
		w->len = strlen(*value);
	}
	if (rc == PROV_OK) {
		w->owner_revision = o->owner_revision;
		w->revision = ++o->revision;
		w->exists = o->exists;
		w->records = o->records;
		o->exists = w->kind != WRITE_DELETE;
		o->records = w->kind == WRITE_RECORD;
		enqueue(s, w);
	}
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

static int write_fenced(prov_etcdstore *s, const prov_checkpoint_token *token,
			enum write_kind kind, const char *json, size_t len)
{
	struct etcd_write w = { .kind = kind, .id = prov_checkpoint_token_workflow_id(token),
				.token = token, .value = json, .len = len };
	char *value = NULL;
	int rc = begin(s, &w, &value);

	if (rc != PROV_OK) {
		free(value);
		return rc;
	}
	wait_until_sent(s, &w);
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
