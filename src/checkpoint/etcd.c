/*
 * The etcd store's ownership: acquire, release, check and watch, and
 * opening and closing the store.
 *
 * Acquiring creates P/owners/ID in a transaction that holds only while the
 * key is absent, attached to the store's lease, and reads in the same
 * transaction how many writes the workflow had. Every write then compares
 * the key's mod revision with the one the acquire left (etcd_write.c):
 * once the lease expired (and the key went with it, or another owner
 * created it again) nothing the old owner sends is applied, and it gets
 * PROV_ESTALE.
 */
#include "checkpoint/etcd.h"
#include "checkpoint/etcd_kv.h"
#include "checkpoint/etcd_store.h"
#include "checkpoint/internal.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* The table of ownerships                                             */
/* ------------------------------------------------------------------ */

static struct etcd_owned *owned_by_id(prov_etcdstore *s, const char *workflow_id)
{
	for (size_t i = 0; i < s->owned_len; i++)
		if (strcmp(s->owned[i]->id, workflow_id) == 0)
			return s->owned[i];
	return NULL;
}

struct etcd_owned *prov_etcdstore_owned(prov_etcdstore *s, const prov_checkpoint_token *token)
{
	struct etcd_owned *o = owned_by_id(s, prov_checkpoint_token_workflow_id(token));

	return o && o->token[0] && strcmp(o->token, prov_checkpoint_token_text(token)) == 0 ? o
											       : NULL;
}

static struct etcd_owned *owned_add(prov_etcdstore *s, const char *workflow_id)
{
	struct etcd_owned *o;

	if (s->owned_len == s->owned_cap) {
		size_t cap = s->owned_cap ? s->owned_cap * 2 : 8;

		if (prov_grow(&s->owned, cap, sizeof(*s->owned)) != PROV_OK)
			return NULL;
		s->owned_cap = cap;
	}
	if (!(o = prov_calloc(1, sizeof(*o))) || !(o->id = prov_strdup(workflow_id))) {
		free(o);
		return NULL;
	}
	s->owned[s->owned_len++] = o;
	return o;
}

/* Forget an ownership once its on_lost (if running) returned. The caller holds the mutex. */
static void owned_remove(prov_etcdstore *s, struct etcd_owned *o)
{
	while (o->calling)
		pthread_cond_wait(&s->changed, &s->mutex);
	for (size_t i = 0; i < s->owned_len; i++) {
		if (s->owned[i] == o) {
			s->owned[i] = s->owned[--s->owned_len];
			break;
		}
	}
	free(o->id);
	free(o);
}

int prov_etcdstore_stale(const prov_checkpoint_token *token)
{
	return prov_err_set(PROV_ESTALE, PROV_ERRCAT_CHECKPOINT,
			    "workflow %s: the ownership token is stale (released or superseded)",
			    prov_checkpoint_token_workflow_id(token));
}

int prov_etcdstore_lost(const char *workflow_id)
{
	return prov_err_set(PROV_ESTALE, PROV_ERRCAT_CHECKPOINT,
			    "workflow %s: the ownership was lost (its etcd lease expired or was "
			    "revoked); another host may own it now", workflow_id);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

int prov_etcdstore_call(prov_etcdstore *s, const char *path, prov_strbuf *body,
			json_object **answer)
{
	int code;

	if (prov_strbuf_status(body) != PROV_OK)
		return PROV_ENOMEM;
	return prov_etcd_call(s->client, path, body->data, body->len,
			      prov_etcd_client_deadline(s->client), answer, &code);
}

void prov_etcdstore_put_compare(prov_strbuf *b, const prov_etcdstore *s, const char *id,
				const char *target, const char *field, int64_t value)
{
	prov_strbuf_putc(b, '{');
	prov_etcd_put_key(b, s->owners_prefix, id);
	prov_strbuf_printf(b, ",\"target\":\"%s\",\"result\":\"EQUAL\",\"%s\":\"%" PRId64 "\"}",
			   target, field, value);
}

void prov_etcdstore_put_fence(prov_strbuf *b, const prov_etcdstore *s, const char *id,
			      int64_t owner_revision)
{
	prov_etcdstore_put_compare(b, s, id, "MOD", "mod_revision", owner_revision);
}

/* "failure": read the ownership key, to name who holds the workflow now. */
static void put_read_owner(prov_strbuf *b, const prov_etcdstore *s, const char *id)
{
	prov_strbuf_puts(b, ",\"failure\":[{\"request_range\":{");
	prov_etcd_put_key(b, s->owners_prefix, id);
	prov_strbuf_puts(b, "}}]}");
}

char *prov_etcdstore_holder_of(json_object *range, int64_t *lease, int64_t *mod_revision)
{
	size_t count;
	json_object *kvs = prov_etcd_kvs(range, &count);
	json_object *kv = count ? json_object_array_get_idx(kvs, 0) : NULL;
	char *value = NULL;
	size_t len;

	*lease = prov_etcd_int64(kv, "lease");
	*mod_revision = prov_etcd_int64(kv, "mod_revision");
	if (kv && prov_etcd_bytes(kv, "value", "ownership key", &value, &len) != PROV_OK)
		value = NULL;
	return value;
}

/* ------------------------------------------------------------------ */
/* Acquiring                                                           */
/* ------------------------------------------------------------------ */

/* The "revision" in the checkpoint key of a range answer; 0 when there is none. */
static int64_t saved_revision(json_object *range, bool *exists)
{
	size_t count, len;
	json_object *kvs = prov_etcd_kvs(range, &count), *doc;
	char *text = NULL;
	int64_t revision = 0;

	*exists = count > 0;
	if (count && prov_etcd_bytes(json_object_array_get_idx(kvs, 0), "value", "checkpoint",
				     &text, &len) == PROV_OK) {
		doc = json_tokener_parse(text);
		revision = prov_etcd_int64(doc, "revision");
		json_object_put(doc);
	}
	free(text);
	return revision;
}

/* The number of the newest record key in a range answer; 0 when there is none. */
static int64_t last_record(json_object *range, bool *exists)
{
	size_t count, len;
	json_object *kvs = prov_etcd_kvs(range, &count);
	char *key = NULL;
	int64_t number = 0;

	*exists = count > 0;
	if (count && prov_etcd_bytes(json_object_array_get_idx(kvs, 0), "key", "record key", &key,
				     &len) == PROV_OK) {
		const char *slash = strrchr(key, '/');

		number = slash ? strtoll(slash + 1, NULL, 10) : 0;
	}
	free(key);
	return number;
}

/* Where the workflow's writes got to: its saved checkpoint or its newest record. */
static void read_state(struct etcd_owned *o, json_object *head_range, json_object *record_range)
{
	int64_t saved = saved_revision(head_range, &o->exists);
	int64_t last = last_record(record_range, &o->records);

	o->revision = (uint64_t)(last > saved ? last : saved > 0 ? saved : 0);
}

/* The two reads an acquire makes: the checkpoint key and the newest record key. */
static void put_state_reads(prov_strbuf *b, const prov_etcdstore *s, const char *id)
{
	prov_strbuf_puts(b, "{\"request_range\":{");
	prov_etcd_put_key(b, s->heads_prefix, id);
	prov_strbuf_puts(b, "}},{\"request_range\":{");
	prov_etcd_put_records_range(b, s->records_prefix, id);
	prov_strbuf_puts(b, ",\"sort_order\":\"DESCEND\",\"sort_target\":\"KEY\","
			    "\"limit\":\"1\",\"keys_only\":true}}");
}

/* Read the workflow's state alone, when our own earlier try already created the key. */
static int reread_state(prov_etcdstore *s, struct etcd_owned *o)
{
	prov_strbuf body = PROV_STRBUF_INIT;
	json_object *answer = NULL;
	int rc;

	prov_strbuf_puts(&body, "{\"success\":[");
	put_state_reads(&body, s, o->id);
	prov_strbuf_puts(&body, "]}");
	rc = prov_etcdstore_call(s, "/v3/kv/txn", &body, &answer);
	if (rc == PROV_OK)
		read_state(o, prov_etcd_response(answer, 0, "response_range"),
			   prov_etcd_response(answer, 1, "response_range"));
	json_object_put(answer);
	prov_strbuf_release(&body);
	return rc;
}

static int busy(prov_etcdstore *s, const char *id, const char *holder)
{
	prov_err_set(PROV_EBUSY, PROV_ERRCAT_CHECKPOINT,
		     "etcd key %s%s: workflow %s is owned by %s", s->owners_prefix, id, id,
		     holder ? holder : "another store");
	prov_err_context(PROV_ERR_WORKFLOW, id);
	return PROV_EBUSY;
}

/* The ownership key exists: someone else's, or ours from a try whose answer was lost. */
static int taken(prov_etcdstore *s, struct etcd_owned *o, json_object *answer, int64_t lease)
{
	int64_t holder_lease, mod_revision;
	json_object *owner = prov_etcd_response(answer, 0, "response_range");
	char *holder = prov_etcdstore_holder_of(owner, &holder_lease, &mod_revision);
	int rc;

	if (holder_lease == lease && mod_revision > 0) {
		o->owner_revision = mod_revision;
		rc = reread_state(s, o);
	} else {
		rc = busy(s, o->id, holder);
	}
	free(holder);
	return rc;
}

static int create_owner_key(prov_etcdstore *s, struct etcd_owned *o, int64_t lease)
{
	prov_strbuf body = PROV_STRBUF_INIT;
	json_object *answer = NULL, *header;
	int rc;

	prov_strbuf_puts(&body, "{\"compare\":[");
	prov_etcdstore_put_compare(&body, s, o->id, "CREATE", "create_revision", 0);
	prov_strbuf_puts(&body, "],\"success\":[{\"request_put\":{");
	prov_etcd_put_key(&body, s->owners_prefix, o->id);
	prov_strbuf_putc(&body, ',');
	prov_etcd_put_bytes(&body, "value", s->holder, strlen(s->holder));
	prov_strbuf_printf(&body, ",\"lease\":\"%" PRId64 "\"}},", lease);
	put_state_reads(&body, s, o->id);
	prov_strbuf_putc(&body, ']');
	put_read_owner(&body, s, o->id);
	rc = prov_etcdstore_call(s, "/v3/kv/txn", &body, &answer);
	prov_strbuf_release(&body);
	if (rc == PROV_OK && prov_etcd_succeeded(answer)) {
		/* The put happened at the transaction's revision: the key's mod revision. */
		json_object_object_get_ex(answer, "header", &header);
		o->owner_revision = prov_etcd_int64(header, "revision");
		/* A fence comparing revision 0 would hold for an absent key: never write with it. */
		if (o->owner_revision <= 0)
			rc = prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
					  "etcd: the answer acquiring workflow %s carries no revision",
					  o->id);
		else
			read_state(o, prov_etcd_response(answer, 1, "response_range"),
				   prov_etcd_response(answer, 2, "response_range"));
	} else if (rc == PROV_OK) {
		rc = taken(s, o, answer, lease);
	}
	json_object_put(answer);
	return rc;
}

/* A lease etcd no longer knows (it expired before our keeper noticed): get another, once. */
static int acquire_remote(prov_etcdstore *s, struct etcd_owned *o)
{
	int64_t lease = 0;
	int rc = PROV_OK;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = prov_etcdstore_lease(s, &lease)) != PROV_OK)
			return rc;
		pthread_mutex_lock(&s->mutex);
		o->lease = lease;
		o->lost = false;
		pthread_mutex_unlock(&s->mutex);
		rc = create_owner_key(s, o, lease);
		if (rc != PROV_ESTORE || !strstr(prov_error_last()->message, "lease not found"))
			return rc;
		prov_etcdstore_lease_lost(s, lease);
	}
	return rc;
}

static int etcd_acquire(prov_checkpoint_token **out, void *backend, const char *workflow_id)
{
	prov_etcdstore *s = backend;
	struct etcd_owned *o;
	char text[PROV_ETCD_TOKEN_MAX];
	int rc;

	*out = NULL;
	pthread_mutex_lock(&s->mutex);
	if ((o = owned_by_id(s, workflow_id))) {
		bool was_lost = o->lost;

		pthread_mutex_unlock(&s->mutex);
		return busy(s, workflow_id, was_lost ? "this store (lost; release it first)"
						     : "this store already");
	}
	o = owned_add(s, workflow_id);
	pthread_mutex_unlock(&s->mutex);
	if (!o)
		return PROV_ENOMEM;
	rc = acquire_remote(s, o);
	pthread_mutex_lock(&s->mutex);
	/*
	 * The keeper may have found the lease gone while the key was being
	 * created, or even before o->lease named it: then no one renews it.
	 */
	if (rc == PROV_OK && (o->lost || o->lease != s->lease))
		rc = prov_etcdstore_lost(workflow_id);
	if (rc == PROV_OK) {
		snprintf(text, sizeof(text), "%" PRIx64 "-%" PRId64, (uint64_t)o->lease,
			 o->owner_revision);
		rc = prov_checkpoint_token_new(out, workflow_id, text);
	}
	if (rc == PROV_OK)
		memcpy(o->token, text, sizeof(text));
	else
		owned_remove(s, o);
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Releasing                                                           */
/* ------------------------------------------------------------------ */

static int delete_owner_key(prov_etcdstore *s, const char *id, int64_t owner_revision,
			    bool *held)
{
	prov_strbuf body = PROV_STRBUF_INIT;
	json_object *answer = NULL;
	int rc;

	prov_strbuf_puts(&body, "{\"compare\":[");
	prov_etcdstore_put_fence(&body, s, id, owner_revision);
	prov_strbuf_puts(&body, "],\"success\":[{\"request_delete_range\":{");
	prov_etcd_put_key(&body, s->owners_prefix, id);
	prov_strbuf_puts(&body, "}}]}");
	rc = prov_etcdstore_call(s, "/v3/kv/txn", &body, &answer);
	*held = rc == PROV_OK && prov_etcd_succeeded(answer);
	json_object_put(answer);
	prov_strbuf_release(&body);
	return rc;
}

static int etcd_release(void *backend, const prov_checkpoint_token *token)
{
	prov_etcdstore *s = backend;
	const char *id = prov_checkpoint_token_workflow_id(token);
	struct etcd_owned *o;
	int64_t owner_revision;
	bool was_lost, held = false;
	int rc = PROV_OK;

	pthread_mutex_lock(&s->mutex);
	if (!(o = prov_etcdstore_owned(s, token))) {
		pthread_mutex_unlock(&s->mutex);
		return prov_etcdstore_stale(token);
	}
	was_lost = o->lost;
	owner_revision = o->owner_revision;
	pthread_mutex_unlock(&s->mutex);
	if (!was_lost)
		rc = delete_owner_key(s, id, owner_revision, &held);
	/*
	 * Forgotten even when etcd could not be reached: the caller is done with
	 * the token and with on_lost's userdata. A key left behind is ours (our
	 * lease): it ends with the lease, and this store's next acquire takes it.
	 */
	pthread_mutex_lock(&s->mutex);
	if ((o = prov_etcdstore_owned(s, token)))
		owned_remove(s, o);
	pthread_mutex_unlock(&s->mutex);
	if (rc != PROV_OK)
		return rc;
	return held ? PROV_OK : prov_etcdstore_lost(id);
}

/* ------------------------------------------------------------------ */
/* Watching                                                            */
/* ------------------------------------------------------------------ */

static int etcd_check(void *backend, const prov_checkpoint_token *token)
{
	prov_etcdstore *s = backend;
	struct etcd_owned *o;
	int rc = PROV_OK;

	pthread_mutex_lock(&s->mutex);
	if (!(o = prov_etcdstore_owned(s, token)))
		rc = prov_etcdstore_stale(token);
	else if (o->lost || o->lease != s->lease || prov_clock_monotonic_ns() >= s->lease_deadline)
		rc = prov_etcdstore_lost(o->id);
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

static int etcd_watch(void *backend, const prov_checkpoint_token *token,
		      prov_checkpoint_lost_fn on_lost, void *userdata)
{
	prov_etcdstore *s = backend;
	struct etcd_owned *o;
	int rc = PROV_OK;

	pthread_mutex_lock(&s->mutex);
	if (!(o = prov_etcdstore_owned(s, token)) || o->lost) {
		rc = PROV_ESTALE;
	} else {
		o->on_lost = on_lost;
		o->userdata = userdata;
	}
	pthread_mutex_unlock(&s->mutex);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                 */
/* ------------------------------------------------------------------ */

static void etcdstore_free(prov_etcdstore *s)
{
	for (size_t i = 0; i < s->owned_len; i++) {
		free(s->owned[i]->id);
		free(s->owned[i]);
	}
	free(s->owned);
	prov_etcd_client_free(s->client);
	free(s->owners_prefix);
	free(s->heads_prefix);
	free(s->records_prefix);
	free(s->holder);
	pthread_mutex_destroy(&s->granting);
	pthread_mutex_destroy(&s->mutex);
	pthread_cond_destroy(&s->changed);
	pthread_cond_destroy(&s->written);
	free(s);
}

/* Revoking the lease deletes every ownership key on it at once. */
static void etcd_close(void *backend)
{
	prov_etcdstore *s = backend;

	prov_etcdstore_lease_end(s);
	etcdstore_free(s);
}

static const prov_checkpoint_store_interface etcd_interface = {
	.size = sizeof(prov_checkpoint_store_interface),
	.acquire = etcd_acquire,
	.release = etcd_release,
	.save = prov_etcdstore_save,
	.record = prov_etcdstore_record,
	.load = prov_etcdstore_load,
	.list = prov_etcdstore_list,
	.remove = prov_etcdstore_remove,
	.close = etcd_close,
	.check = etcd_check,
	.watch = etcd_watch,
};

static char *joined(const char *prefix, const char *part)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	prov_strbuf_printf(&b, "%s/%s/", prefix, part);
	return prov_strbuf_detach(&b, NULL);
}

static char *describe_holder(void)
{
	prov_strbuf b = PROV_STRBUF_INIT;
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "unknown");
	host[sizeof(host) - 1] = '\0';
	prov_strbuf_printf(&b, "host %s pid %ld", host, (long)getpid());
	return prov_strbuf_detach(&b, NULL);
}

static void init_sync(prov_etcdstore *s)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&s->granting, NULL);
	pthread_mutex_init(&s->mutex, NULL);
	pthread_condattr_init(&attr);
	/* The keeper's deadlines are on the monotonic clock. */
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->changed, &attr);
	pthread_cond_init(&s->written, NULL);
	pthread_condattr_destroy(&attr);
}

int prov_etcdstore_open(prov_checkpoint_store **out, const prov_checkpoint_etcd_options *options)
{
	prov_etcdstore *s = prov_calloc(1, sizeof(*s));
	const char *prefix;
	int rc;

	*out = NULL;
	if (!s)
		return PROV_ENOMEM;
	init_sync(s);
	rc = prov_etcd_client_new(&s->client, options);
	if (rc == PROV_OK) {
		prefix = prov_etcd_client_prefix(s->client);
		s->owners_prefix = joined(prefix, "owners");
		s->heads_prefix = joined(prefix, "checkpoints");
		s->records_prefix = joined(prefix, "records");
		s->holder = describe_holder();
		if (!s->owners_prefix || !s->heads_prefix || !s->records_prefix || !s->holder)
			rc = PROV_ENOMEM;
	}
	if (rc == PROV_OK)
		rc = prov_checkpoint_store_new(out, &etcd_interface, s);
	if (rc != PROV_OK)
		etcdstore_free(s);
	return rc;
}
