/* What the etcd store's tests share: a server for the whole program, stores on it. */
#ifndef PROV_TEST_ETCD_HELPERS_H
#define PROV_TEST_ETCD_HELPERS_H

#include "etcd-fixture.h"

#include <check.h>
#include <provisioning/checkpoint.h>

/* The etcd every test of the program shares, started by etcd_test_main(). */
extern struct etcd_fixture etcd_test_server;

/*
 * main() of an etcd test program: skip (exit 77) without etcd, start the
 * shared server (unless `shared` is false), run the suite, stop it.
 */
int etcd_test_main(Suite *suite, bool shared);

/* Settings for a store on `f`: endpoints, a prefix of the test's own, a lease TTL. */
struct etcd_test_settings {
	prov_checkpoint_etcd_options etcd;
	const char *endpoints[4];
	char prefix[64];
};

/* Settings on `f` (NULL: the shared server) with a fresh prefix and a short retry. */
void etcd_test_settings_init(struct etcd_test_settings *s, const struct etcd_fixture *f,
			     int ttl_s);

/* Open a store with the settings; asserts. */
prov_checkpoint_store *etcd_test_open(const struct etcd_test_settings *s);

/* Acquire, save, record, load: assert with the library's message. */
prov_checkpoint_token *etcd_test_acquire(prov_checkpoint_store *store, const char *id);
void etcd_test_save(prov_checkpoint_store *store, const prov_checkpoint_token *token, long n);
void etcd_test_record(prov_checkpoint_store *store, const prov_checkpoint_token *token,
		      const char *op, const char *status);
prov_checkpoint *etcd_test_load(prov_checkpoint_store *store, const char *id);

/* How many keys start with `prefix` on `f` (NULL: the shared server). */
long etcd_test_count_keys(const struct etcd_fixture *f, const char *prefix);

/* The lease of a key on `f`, as the decimal etcd writes, or "" when it has none. */
void etcd_test_key_lease(const struct etcd_fixture *f, const char *key, char *out, size_t size);

/* etcd's current revision on `f` (NULL: the shared server): it moves once per transaction. */
long etcd_test_revision(const struct etcd_fixture *f);

/* Put a key, or delete one, behind the store's back on `f` (NULL: the shared server). */
void etcd_test_put(const struct etcd_fixture *f, const char *key, const char *value);
void etcd_test_delete(const struct etcd_fixture *f, const char *key);

#define ck_assert_contains(haystack, needle) \
	ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" not in \"%s\"", (needle), \
		      (haystack))

#endif
