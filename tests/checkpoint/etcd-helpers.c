#include "etcd-helpers.h"
#include "helpers.h"
#include "test-util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct etcd_fixture etcd_test_server;

int etcd_test_main(Suite *suite, bool shared)
{
	int rc;

	if (!etcd_fixture_available()) {
		fprintf(stderr, "etcd is not installed (Debian: etcd-server): skipped\n");
		srunner_free(srunner_create(suite));
		return 77;
	}
	if (shared && !etcd_fixture_start(&etcd_test_server, false))
		return 1;
	rc = test_run_suite(suite);
	etcd_fixture_destroy(&etcd_test_server);
	return rc;
}

void etcd_test_settings_init(struct etcd_test_settings *s, const struct etcd_fixture *f,
			     int ttl_s)
{
	static int count;
	prov_checkpoint_etcd_options init = PROV_CHECKPOINT_ETCD_OPTIONS_INIT;

	memset(s, 0, sizeof(*s));
	s->etcd = init;
	s->endpoints[0] = (f ? f : &etcd_test_server)->endpoint;
	s->etcd.endpoints = s->endpoints;
	/* Tests run in processes of their own: the pid keeps their keys apart. */
	snprintf(s->prefix, sizeof(s->prefix), "/t/%ld-%d", (long)getpid(), count++);
	s->etcd.prefix = s->prefix;
	s->etcd.lease_ttl_s = ttl_s;
	s->etcd.retry_timeout_ms = 3000;
	if (f && f->tls) {
		s->etcd.ca_file = f->ca;
		s->etcd.cert_file = f->cert;
		s->etcd.key_file = f->key;
	}
}

prov_checkpoint_store *etcd_test_open(const struct etcd_test_settings *s)
{
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_store *store;

	options.store = "etcd";
	options.etcd = &s->etcd;
	ck_assert_msg(prov_checkpoint_store_open(&store, &options) == PROV_OK, "%s",
		      prov_error_last()->message);
	return store;
}

prov_checkpoint_token *etcd_test_acquire(prov_checkpoint_store *store, const char *id)
{
	prov_checkpoint_token *token;

	ck_assert_msg(prov_checkpoint_store_acquire(&token, store, id) == PROV_OK, "%s",
		      prov_error_last()->message);
	return token;
}

void etcd_test_save(prov_checkpoint_store *store, const prov_checkpoint_token *token, long n)
{
	prov_checkpoint *cp = helper_checkpoint(prov_checkpoint_token_workflow_id(token), n, 100);

	ck_assert_msg(prov_checkpoint_store_save(store, token, cp) == PROV_OK, "%s",
		      prov_error_last()->message);
	prov_checkpoint_free(cp);
}

void etcd_test_record(prov_checkpoint_store *store, const prov_checkpoint_token *token,
		      const char *op, const char *status)
{
	prov_operation_record *r = helper_record(op, status, 1, 10, 1);

	ck_assert_msg(prov_checkpoint_store_record(store, token, r) == PROV_OK, "%s",
		      prov_error_last()->message);
	prov_operation_record_free(r);
}

prov_checkpoint *etcd_test_load(prov_checkpoint_store *store, const char *id)
{
	prov_checkpoint *cp;

	ck_assert_msg(prov_checkpoint_store_load(&cp, store, id) == PROV_OK, "%s",
		      prov_error_last()->message);
	return cp;
}

static json_object *post(const struct etcd_fixture *f, const char *path, const char *body)
{
	char *answer = etcd_fixture_post(f ? f : &etcd_test_server, path, body, NULL);
	json_object *doc;

	ck_assert_msg(answer != NULL, "etcd did not answer %s", path);
	doc = json_tokener_parse(answer);
	ck_assert_msg(doc != NULL, "not JSON: %s", answer);
	free(answer);
	return doc;
}

long etcd_test_count_keys(const struct etcd_fixture *f, const char *prefix)
{
	char key[256], end[256], body[600], last[256];
	json_object *doc, *count;
	long n = 0;

	snprintf(last, sizeof(last), "%s", prefix);
	last[strlen(last) - 1]++;
	etcd_fixture_base64(prefix, strlen(prefix), key);
	etcd_fixture_base64(last, strlen(last), end);
	snprintf(body, sizeof(body), "{\"key\":\"%s\",\"range_end\":\"%s\",\"count_only\":true}",
		 key, end);
	doc = post(f, "/v3/kv/range", body);
	if (json_object_object_get_ex(doc, "count", &count))
		n = atol(json_object_get_string(count));
	json_object_put(doc);
	return n;
}

void etcd_test_key_lease(const struct etcd_fixture *f, const char *key, char *out, size_t size)
{
	char key64[256], body[400];
	json_object *doc, *kvs, *lease;

	etcd_fixture_base64(key, strlen(key), key64);
	snprintf(body, sizeof(body), "{\"key\":\"%s\"}", key64);
	doc = post(f, "/v3/kv/range", body);
	out[0] = '\0';
	if (json_object_object_get_ex(doc, "kvs", &kvs) &&
	    json_object_object_get_ex(json_object_array_get_idx(kvs, 0), "lease", &lease))
		snprintf(out, size, "%s", json_object_get_string(lease));
	json_object_put(doc);
}

void etcd_test_put(const struct etcd_fixture *f, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	char *body = malloc(2 * (klen + vlen) + 64), *k64 = malloc(2 * klen + 8);
	char *v64 = malloc(2 * vlen + 8);

	ck_assert(body && k64 && v64);
	etcd_fixture_base64(key, klen, k64);
	etcd_fixture_base64(value, vlen, v64);
	sprintf(body, "{\"key\":\"%s\",\"value\":\"%s\"}", k64, v64);
	json_object_put(post(f, "/v3/kv/put", body));
	free(body);
	free(k64);
	free(v64);
}

void etcd_test_delete(const struct etcd_fixture *f, const char *key)
{
	char k64[400], body[512];

	etcd_fixture_base64(key, strlen(key), k64);
	snprintf(body, sizeof(body), "{\"key\":\"%s\"}", k64);
	json_object_put(post(f, "/v3/kv/deleterange", body));
}

long etcd_test_revision(const struct etcd_fixture *f)
{
	json_object *doc = post(f, "/v3/kv/range", "{\"key\":\"AA==\"}"), *header, *revision;
	long n = -1;

	if (json_object_object_get_ex(doc, "header", &header) &&
	    json_object_object_get_ex(header, "revision", &revision))
		n = atol(json_object_get_string(revision));
	json_object_put(doc);
	return n;
}
