/*
 * A real etcd for the etcd store's tests and benchmark: started on
 * 127.0.0.1 with free ports and a temporary data directory, stopped by its
 * pid, and killed by the kernel should the process that started it die
 * first. Plain C (no check), so the benchmark can use it too.
 */
#ifndef PROV_TEST_ETCD_FIXTURE_H
#define PROV_TEST_ETCD_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ETCD_FIXTURE_PATH_MAX 512

struct etcd_fixture {
	char dir[ETCD_FIXTURE_PATH_MAX / 2];  /* data/, etcd.log, certificates */
	char endpoint[64];                    /* http(s)://127.0.0.1:PORT */
	char peer[64];
	bool tls;                             /* clients must present a certificate */
	char ca[ETCD_FIXTURE_PATH_MAX];       /* with tls: the CA, and a client's cert and key */
	char cert[ETCD_FIXTURE_PATH_MAX];
	char key[ETCD_FIXTURE_PATH_MAX];
	pid_t pid;                            /* 0 while stopped */
};

/* Whether an etcd server is installed (Debian's etcd-server). */
bool etcd_fixture_available(void);

/*
 * Start a fresh etcd; with `tls`, on https with certificates made for it
 * (openssl), requiring client certificates. Returns once it answers. False,
 * with the reason and etcd's log on stderr, when it does not come up.
 */
bool etcd_fixture_start(struct etcd_fixture *f, bool tls);

/* Stop it (SIGTERM, then wait for the pid); the data stays for a restart. */
void etcd_fixture_stop(struct etcd_fixture *f);

/* Start it again on the same ports and data; false when it does not come up. */
bool etcd_fixture_restart(struct etcd_fixture *f);

/* Stop it and remove its directory. */
void etcd_fixture_destroy(struct etcd_fixture *f);

/*
 * POST a JSON body to the gateway, behind the store's back (revoking
 * leases, turning on authentication, reading keys). The answer's text
 * (free with free()), or NULL when etcd could not be reached. `token` is an
 * auth token or NULL.
 */
char *etcd_fixture_post(const struct etcd_fixture *f, const char *path, const char *body,
			const char *token);

/*
 * The base64 form of len bytes, as the gateway's JSON carries keys and
 * values, written independently of the store's own encoder so that what a
 * test reads behind the store's back checks it. `out` needs room for
 * 4 * ((len + 2) / 3) + 1 bytes.
 */
void etcd_fixture_base64(const char *text, size_t len, char *out);

/* A TCP port on 127.0.0.1 nobody listens on right now. */
int etcd_fixture_unused_port(void);

#endif
