/*
 * What the etcd store's files share.
 *
 * Keys, under the configured prefix P:
 *   P/owners/ID                 the ownership: "host H pid N", attached to the owner's lease
 *   P/checkpoints/ID            the last saved checkpoint, with its "revision"
 *   P/records/ID/NNNN...(20)    one operation record per key, numbered by revision
 *
 * Every write is a transaction that holds only while P/owners/ID is still
 * the key the writer's acquire created with its lease: its mod revision is
 * unchanged (fencing).
 */
#ifndef PROV_CHECKPOINT_ETCD_STORE_H
#define PROV_CHECKPOINT_ETCD_STORE_H

#include "checkpoint/etcd_http.h"
#include "core/strbuf.h"

#include <provisioning/checkpoint.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PROV_ETCD_TOKEN_MAX 48
/* Transactions of writes one store has out at once. */
#define PROV_ETCD_MAX_IN_FLIGHT 2

/* A workflow this store owns (or is acquiring). */
struct etcd_owned {
	char *id;
	char token[PROV_ETCD_TOKEN_MAX]; /* "LEASE(hex)-OWNER_REVISION"; "" while acquiring */
	int64_t lease;           /* the lease the ownership key is attached to */
	int64_t owner_revision;  /* the ownership key's mod revision as acquired: writes compare it */
	uint64_t revision;       /* writes to the workflow so far */
	/* Hints that keep writes small; a failed write makes them pessimistic. */
	bool exists;             /* the checkpoint key surely exists */
	bool records;            /* record keys may exist */
	bool lost;               /* the lease ended without a release */
	bool calling;            /* on_lost is running; the entry must stay */
	bool notified;
	prov_checkpoint_lost_fn on_lost;
	void *userdata;
};

typedef struct prov_etcdstore {
	prov_etcd_client *client;
	char *owners_prefix;     /* "P/owners/" */
	char *heads_prefix;      /* "P/checkpoints/" */
	char *records_prefix;    /* "P/records/" */
	char *holder;            /* "host H pid N", the ownership keys' value */

	pthread_mutex_t granting; /* one lease grant at a time */
	pthread_mutex_t mutex;   /* everything below */
	pthread_cond_t changed;  /* the keeper's wake-up; a callback finished */
	int64_t lease;           /* 0: none */
	int64_t lease_deadline;  /* CLOCK_MONOTONIC ns until which the lease surely lives */
	int64_t next_keepalive;
	bool keeper_started;
	bool stopping;
	pthread_t keeper;
	struct etcd_owned **owned;
	size_t owned_len;
	size_t owned_cap;
	struct etcd_write *queue; /* writes waiting for a transaction (etcd_write.c) */
	struct etcd_write *flying[PROV_ETCD_MAX_IN_FLIGHT]; /* transactions out */
	size_t in_flight;
	pthread_cond_t written;  /* one came back */
} prov_etcdstore;

/* The ownership `token` proves (lost or not), or NULL. The caller holds the mutex. */
struct etcd_owned *prov_etcdstore_owned(prov_etcdstore *s, const prov_checkpoint_token *token);

/* PROV_ESTALE for a released or superseded token, or for an ownership whose lease ended. */
int prov_etcdstore_stale(const prov_checkpoint_token *token);
int prov_etcdstore_lost(const char *workflow_id);

/* POST a request body, retrying for the client's retry time. */
int prov_etcdstore_call(prov_etcdstore *s, const char *path, prov_strbuf *body,
			json_object **answer);

/* Append a compare {"key": P/owners/ID, "target": T, "result": "EQUAL", FIELD: VALUE}. */
void prov_etcdstore_put_compare(prov_strbuf *b, const prov_etcdstore *s, const char *id,
				const char *target, const char *field, int64_t value);

/*
 * "host H pid N" of the ownership key in a range answer (owned), or NULL when
 * there is none; its lease and mod revision (0 when none).
 */
char *prov_etcdstore_holder_of(json_object *range, int64_t *lease, int64_t *mod_revision);

/*
 * Append the fence: a compare that holds while the ownership key is the one
 * our acquire created. Its mod revision moves with any change to the key:
 * deleted when its lease ends, created again by another owner, or put with
 * another lease. So one compare covers both the lease and the revision.
 */
void prov_etcdstore_put_fence(prov_strbuf *b, const prov_etcdstore *s, const char *id,
			      int64_t owner_revision);

/* ---- etcd_write.c ---- */

int prov_etcdstore_save(void *backend, const prov_checkpoint_token *token, const char *json,
			size_t len);
int prov_etcdstore_record(void *backend, const prov_checkpoint_token *token, const char *op_id,
			  const char *json, size_t len);
int prov_etcdstore_remove(void *backend, const prov_checkpoint_token *token);

/* ---- etcd_lease.c ---- */

/* A live lease for a new ownership, granted (and kept alive) when there is none. */
int prov_etcdstore_lease(prov_etcdstore *s, int64_t *lease);

/*
 * The lease ended (etcd said so, or it could not be renewed in time):
 * every ownership on it is lost and its owners are told. Called without
 * the mutex.
 */
void prov_etcdstore_lease_lost(prov_etcdstore *s, int64_t lease);

/* One ownership was found lost by a write; its owner is told. Without the mutex. */
void prov_etcdstore_owned_lost(prov_etcdstore *s, const prov_checkpoint_token *token);

/* Stop renewing and revoke the lease, which ends every ownership on it. */
void prov_etcdstore_lease_end(prov_etcdstore *s);

/* ---- etcd_read.c ---- */

int prov_etcdstore_load(prov_checkpoint **out, void *backend, const char *workflow_id);
int prov_etcdstore_list(prov_checkpoint_list *list, void *backend,
			const prov_checkpoint_list_options *options);

#endif
