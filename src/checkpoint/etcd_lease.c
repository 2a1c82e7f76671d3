/*
 * The etcd store's lease: one per store, shared by every workflow it owns,
 * like an etcd client's session. A keeper thread renews it every third of
 * its TTL. The store trusts the lease until the time the last renewal was
 * sent plus the TTL etcd granted then; etcd cannot expire it earlier, so an
 * owner that stops trusting it by then never writes after another host took
 * over (writes are fenced in any case). When renewing fails until that
 * time, or etcd says the lease is gone, every ownership on it is lost and
 * its owner told through on_lost.
 */
#include "checkpoint/etcd_kv.h"
#include "checkpoint/etcd_store.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/logging.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
/* A renewal that failed is tried again this soon... */
#define RENEW_RETRY_NS (200 * NS_PER_MS)
/* ...and one try retries unreachable endpoints no longer than this, so close waits little. */
#define RENEW_TRY_NS (1000 * NS_PER_MS)

/* ------------------------------------------------------------------ */
/* Telling owners                                                      */
/* ------------------------------------------------------------------ */

/* Call on_lost of every ownership lost and not yet told, one at a time, without the mutex. */
static void notify(prov_etcdstore *s)
{
	pthread_mutex_lock(&s->mutex);
	for (;;) {
		struct etcd_owned *o = NULL;

		for (size_t i = 0; i < s->owned_len && !o; i++)
			if (s->owned[i]->lost && !s->owned[i]->notified && s->owned[i]->on_lost)
				o = s->owned[i];
		if (!o)
			break;
		o->notified = true;
		/* The entry stays until the call returns: release waits for it. */
		o->calling = true;
		pthread_mutex_unlock(&s->mutex);
		o->on_lost(o->id, o->userdata);
		pthread_mutex_lock(&s->mutex);
		o->calling = false;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->mutex);
}

void prov_etcdstore_lease_lost(prov_etcdstore *s, int64_t lease)
{
	size_t count = 0;

	pthread_mutex_lock(&s->mutex);
	if (s->lease == lease)
		s->lease = 0;
	for (size_t i = 0; i < s->owned_len; i++) {
		if (s->owned[i]->lease == lease && !s->owned[i]->lost) {
			s->owned[i]->lost = true;
			count++;
		}
	}
	pthread_mutex_unlock(&s->mutex);
	if (count)
		prov_log(PROV_LOG_WARNING, "checkpoint",
			 "etcd lease %" PRIx64 " ended: %zu workflow ownership(s) lost",
			 (uint64_t)lease, count);
	notify(s);
}

void prov_etcdstore_owned_lost(prov_etcdstore *s, const prov_checkpoint_token *token)
{
	struct etcd_owned *o;

	pthread_mutex_lock(&s->mutex);
	if ((o = prov_etcdstore_owned(s, token)))
		o->lost = true;
	pthread_mutex_unlock(&s->mutex);
	notify(s);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static int lease_call(prov_etcdstore *s, const char *path, const char *body, int64_t deadline,
		      json_object **answer)
{
	int code;

	return prov_etcd_call(s->client, path, body, strlen(body), deadline, answer, &code);
}

static int grant(prov_etcdstore *s, int64_t *lease, int64_t *ttl_s)
{
	char body[64];
	json_object *answer = NULL, *error;
	int rc;

	snprintf(body, sizeof(body), "{\"TTL\":\"%d\"}", prov_etcd_client_lease_ttl_s(s->client));
	rc = lease_call(s, "/v3/lease/grant", body, prov_etcd_client_deadline(s->client), &answer);
	*lease = prov_etcd_int64(answer, "ID");
	*ttl_s = prov_etcd_int64(answer, "TTL");
	if (rc == PROV_OK && (*lease == 0 || *ttl_s <= 0))
		rc = prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				  "etcd: no lease granted%s%s",
				  json_object_object_get_ex(answer, "error", &error) ? ": " : "",
				  json_object_object_get_ex(answer, "error", &error)
					  ? json_object_get_string(error) : "");
	json_object_put(answer);
	return rc;
}

/* *ttl_s is the TTL etcd renewed the lease for; 0 when etcd no longer has it. */
static int renew(prov_etcdstore *s, int64_t lease, int64_t deadline, int64_t *ttl_s)
{
	char body[64];
	json_object *answer = NULL, *result;
	int rc;

	snprintf(body, sizeof(body), "{\"ID\":\"%" PRId64 "\"}", lease);
	rc = lease_call(s, "/v3/lease/keepalive", body, deadline, &answer);
	*ttl_s = 0;
	if (rc == PROV_OK && json_object_object_get_ex(answer, "result", &result))
		*ttl_s = prov_etcd_int64(result, "TTL");
	json_object_put(answer);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The keeper                                                          */
/* ------------------------------------------------------------------ */

static void wait_until(prov_etcdstore *s, int64_t when_ns)
{
	struct timespec ts = { (time_t)(when_ns / NS_PER_S), (long)(when_ns % NS_PER_S) };

	pthread_cond_timedwait(&s->changed, &s->mutex, &ts);
}

/* One renewal, with the mutex held on entry and exit. */
static void renew_once(prov_etcdstore *s)
{
	int64_t lease = s->lease, deadline = s->lease_deadline, ttl_s, sent;
	int64_t try_until;
	int rc;

	pthread_mutex_unlock(&s->mutex);
	sent = prov_clock_monotonic_ns();
	try_until = sent + RENEW_TRY_NS < deadline ? sent + RENEW_TRY_NS : deadline;
	rc = renew(s, lease, try_until, &ttl_s);
	if (rc != PROV_OK)
		prov_log(PROV_LOG_WARNING, "checkpoint", "renewing etcd lease %" PRIx64 ": %s",
			 (uint64_t)lease, prov_error_last()->message);
	pthread_mutex_lock(&s->mutex);
	if (s->lease != lease)
		return;
	if (rc == PROV_OK && ttl_s > 0) {
		s->lease_deadline = sent + ttl_s * NS_PER_S;
		s->next_keepalive = sent + ttl_s * NS_PER_S / 3;
	} else if (rc == PROV_OK || prov_clock_monotonic_ns() >= s->lease_deadline) {
		pthread_mutex_unlock(&s->mutex);
		prov_etcdstore_lease_lost(s, lease);
		pthread_mutex_lock(&s->mutex);
	} else {
		s->next_keepalive = prov_clock_monotonic_ns() + RENEW_RETRY_NS;
	}
}

static void *keeper_main(void *arg)
{
	prov_etcdstore *s = arg;

	pthread_mutex_lock(&s->mutex);
	while (!s->stopping) {
		if (!s->lease)
			pthread_cond_wait(&s->changed, &s->mutex);
		else if (prov_clock_monotonic_ns() < s->next_keepalive)
			wait_until(s, s->next_keepalive);
		else
			renew_once(s);
	}
	pthread_mutex_unlock(&s->mutex);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Getting and ending the lease                                        */
/* ------------------------------------------------------------------ */

/* With the mutex held: take a granted lease and make sure the keeper runs. */
static int install(prov_etcdstore *s, int64_t lease, int64_t ttl_s, int64_t sent)
{
	s->lease = lease;
	s->lease_deadline = sent + ttl_s * NS_PER_S;
	s->next_keepalive = sent + ttl_s * NS_PER_S / 3;
	if (!s->keeper_started) {
		int err = pthread_create(&s->keeper, NULL, keeper_main, s);

		if (err)
			return prov_err_errno(err, "etcd: cannot start the lease keeper thread");
		s->keeper_started = true;
	}
	pthread_cond_broadcast(&s->changed);
	return PROV_OK;
}

int prov_etcdstore_lease(prov_etcdstore *s, int64_t *lease)
{
	int64_t old, ttl_s, sent;
	int rc;

	pthread_mutex_lock(&s->granting);
	pthread_mutex_lock(&s->mutex);
	old = s->lease;
	if (old && prov_clock_monotonic_ns() < s->lease_deadline) {
		*lease = old;
		pthread_mutex_unlock(&s->mutex);
		pthread_mutex_unlock(&s->granting);
		return PROV_OK;
	}
	pthread_mutex_unlock(&s->mutex);
	/* Past its deadline the lease may be gone; the keeper would say so soon. */
	if (old)
		prov_etcdstore_lease_lost(s, old);
	sent = prov_clock_monotonic_ns();
	rc = grant(s, lease, &ttl_s);
	if (rc == PROV_OK) {
		pthread_mutex_lock(&s->mutex);
		rc = install(s, *lease, ttl_s, sent);
		pthread_mutex_unlock(&s->mutex);
	}
	pthread_mutex_unlock(&s->granting);
	return rc;
}

void prov_etcdstore_lease_end(prov_etcdstore *s)
{
	char body[64];
	json_object *answer = NULL;
	int64_t lease;
	bool started;

	pthread_mutex_lock(&s->mutex);
	s->stopping = true;
	lease = s->lease;
	s->lease = 0;
	started = s->keeper_started;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mutex);
	if (started)
		pthread_join(s->keeper, NULL);
	if (!lease)
		return;
	/* One round over the endpoints: closing should not wait out an outage. */
	snprintf(body, sizeof(body), "{\"ID\":\"%" PRId64 "\"}", lease);
	if (lease_call(s, "/v3/lease/revoke", body,
		       prov_clock_monotonic_ns() +
			       prov_etcd_client_connect_timeout_ms(s->client) * NS_PER_MS,
		       &answer) != PROV_OK)
		prov_log(PROV_LOG_WARNING, "checkpoint",
			 "etcd: revoking lease %" PRIx64 " at close: %s (its ownerships end "
			 "when it expires)", (uint64_t)lease, prov_error_last()->message);
	json_object_put(answer);
}
