/*
 * The local provider: a hermetic provider for development and tests.
 * Servers are JSON records in a state directory, one file per server
 * (<state_dir>/servers/srv-<n>.json, written atomically with mode 0600
 * through the host). Built against the public plugin headers only.
 */
#ifndef PROV_PLUGIN_LOCAL_H
#define PROV_PLUGIN_LOCAL_H

#include <provisioning/provider.h>

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* What a create looks up, kept beside the records (local-index.c). */
typedef struct local_index {
	json_object *hostnames;     /* hostname -> the live record with it (a reference) */
	uint32_t *offsets;          /* live servers' address offsets in the CIDR, sorted */
	size_t count;
	size_t capacity;
	bool shared_hostnames;      /* two live records share a hostname: rebuild on change */
} local_index;

typedef struct local_provider {
	const prov_host_api *host;
	json_object *config;        /* the instance's section */
	char *state_dir;
	char *servers_dir;
	uint32_t network;           /* the CIDR's first address, host order */
	uint32_t host_count;        /* addresses in the CIDR */
	json_object *plans;         /* array of {"name", ...} */
	json_object *zones;         /* array of {"name", ...} */
	const char *default_plan;   /* borrowed from plans or config */
	const char *default_zone;   /* borrowed from zones or config */
	int64_t latency_ms;
	json_object *fail_on;       /* array of hostnames whose create fails */
	double fail_rate;
	uint64_t rng;               /* xorshift64* state, from the seed */
	json_object *records;       /* every record as last read or written; NULL: read again */
	struct timespec records_mtime;  /* servers_dir's mtime that `records` matches */
	local_index index;          /* of `records`, when they are kept */
} local_provider;

/* local-config.c: read the instance's section; errors are logged through the host. */
int local_config_load(local_provider *lp, const char *config_json);
void local_config_release(local_provider *lp);
bool local_has_name(json_object *list, const char *name);

/* local-store.c: the server records. */
/*
 * Every record, deleted ones included, sorted by id number (a reference:
 * json_object_put() it, never change it); NULL on error. Read from the
 * files only when the servers directory changed since the last read or
 * write of this instance. When the result is lp->records, lp->index
 * indexes it.
 */
json_object *local_store_all(local_provider *lp, const prov_call *call);
/* Drop the records read; the next local_store_all() reads the files. */
void local_store_forget(local_provider *lp);
/* The record with id, or NULL (call->fail already says why). */
json_object *local_store_get(local_provider *lp, const prov_call *call, const char *id);
int local_store_put(local_provider *lp, const prov_call *call, json_object *record);
/* The number in "srv-<n>", or 0 when id has another form. */
unsigned long local_id_number(const char *id);

/* local-index.c: the lookups of a create without a scan of the records. */
/* Whether a record's status is other than "deleted". */
bool local_is_live(json_object *record);
/* Index records (in id order); -1 and an empty index on ENOMEM. */
int local_index_build(local_index *ix, const local_provider *lp, json_object *records);
/* Follow records after `record` replaced `old` (NULL: was added) in them; -1 on ENOMEM. */
int local_index_replace(local_index *ix, const local_provider *lp, json_object *records,
			json_object *old, json_object *record);
void local_index_clear(local_index *ix);
/* The live record of the lowest id with hostname (borrowed), or NULL. */
json_object *local_index_live_hostname(const local_index *ix, const char *hostname);

/* Fail the call with code and a formatted message (at most 511 bytes); returns -1. */
int local_fail(const prov_call *call, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Log a line through the host at `level`. */
void local_log(const local_provider *lp, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
