/*
 * A small client for etcd v3's JSON gateway over libcurl: POST a JSON body
 * to a path such as /v3/kv/txn and get the parsed answer.
 *
 * The client holds the endpoints and fails over between them: a call starts
 * with the endpoint that answered last, tries each in turn, and retries
 * unreachable ones with backoff until its deadline. It authenticates when a
 * user is configured and again when etcd says the token expired. Connections
 * are kept open in a pool of curl handles, one taken per call, so threads
 * calling at once each reuse a connection of their own.
 */
#ifndef PROV_CHECKPOINT_ETCD_HTTP_H
#define PROV_CHECKPOINT_ETCD_HTTP_H

#include <provisioning/checkpoint.h>

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* gRPC status codes etcd puts in its error answers, the ones we act on. */
#define PROV_ETCD_CODE_INVALID_ARGUMENT 3
#define PROV_ETCD_CODE_NOT_FOUND 5
#define PROV_ETCD_CODE_UNAVAILABLE 14
#define PROV_ETCD_CODE_UNAUTHENTICATED 16

typedef struct prov_etcd_client prov_etcd_client;

/*
 * A client for the settings in `options` (NULL: defaults), checked here:
 * PROV_EINVAL naming a bad endpoint or setting. Connects nowhere yet.
 */
int prov_etcd_client_new(prov_etcd_client **out, const prov_checkpoint_etcd_options *options);
void prov_etcd_client_free(prov_etcd_client *client);

/* The settings in force, defaults filled in. */
int prov_etcd_client_lease_ttl_s(const prov_etcd_client *client);
int prov_etcd_client_connect_timeout_ms(const prov_etcd_client *client);
const char *prov_etcd_client_prefix(const prov_etcd_client *client);

/* The monotonic time (ns) until which a call made now keeps retrying. */
int64_t prov_etcd_client_deadline(const prov_etcd_client *client);

/*
 * POST `body` to `path` and parse the answer into *out (json_object_put()
 * it). Until deadline_ns (CLOCK_MONOTONIC), endpoints that cannot be reached
 * or say they are unavailable are retried, with pauses from 50 ms doubling
 * to 1 s; at least one round is always made. Errors, all naming the
 * endpoint: PROV_ESTORE when none answered in time (with what each said)
 * or etcd answered with an error (*code gets etcd's gRPC code, else 0);
 * PROV_ERANGE when etcd refused the request as too large; PROV_EPERM for
 * failed authentication.
 */
int prov_etcd_call(prov_etcd_client *client, const char *path, const char *body, size_t len,
		   int64_t deadline_ns, json_object **out, int *code);

#endif
