#include "etcd-fixture.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ETCD_PROGRAM "etcd"
/* etcd normally answers within a second or two; a loaded machine may need more. */
#define READY_TIMEOUT_MS 30000

bool etcd_fixture_available(void)
{
	return system(ETCD_PROGRAM " --version > /dev/null 2>&1") == 0;
}

int etcd_fixture_unused_port(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
		port = ntohs(addr.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ------------------------------------------------------------------ */

struct answer {
	char *data;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
	struct answer *a = userdata;
	char *grown = realloc(a->data, a->len + size * count + 1);

	if (!grown)
		return 0;
	memcpy(grown + a->len, data, size * count);
	a->len += size * count;
	grown[a->len] = '\0';
	a->data = grown;
	return size * count;
}

char *etcd_fixture_post(const struct etcd_fixture *f, const char *path, const char *body,
			const char *token)
{
	struct answer a = { NULL, 0 };
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	char url[256], auth[512];
	CURL *curl = curl_easy_init();
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", f->endpoint, path);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: %s", token);
		headers = curl_slist_append(headers, auth);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	if (f->tls) {
		curl_easy_setopt(curl, CURLOPT_CAINFO, f->ca);
		curl_easy_setopt(curl, CURLOPT_SSLCERT, f->cert);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, f->key);
	}
	rc = curl_easy_perform(curl);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		free(a.data);
		return NULL;
	}
	return a.data ? a.data : strdup("");
}

/* ------------------------------------------------------------------ */

static bool make_certificates(struct etcd_fixture *f)
{
	const char *srcdir = getenv("PROV_TEST_SRCDIR");
	char command[2 * ETCD_FIXTURE_PATH_MAX + 64];

	snprintf(command, sizeof(command), "sh '%s/tests/checkpoint/etcd-certs.sh' '%s' > /dev/null",
		 srcdir ? srcdir : ".", f->dir);
	if (system(command) != 0) {
		fprintf(stderr, "etcd fixture: making certificates failed: %s\n", command);
		return false;
	}
	snprintf(f->ca, sizeof(f->ca), "%s/ca.pem", f->dir);
	snprintf(f->cert, sizeof(f->cert), "%s/client.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/client.key", f->dir);
	return true;
}

static void exec_etcd(const struct etcd_fixture *f)
{
	char data[ETCD_FIXTURE_PATH_MAX + 8], log[ETCD_FIXTURE_PATH_MAX + 16], cluster[96];
	char cert[ETCD_FIXTURE_PATH_MAX + 16], key[ETCD_FIXTURE_PATH_MAX + 16];
	const char *argv[32];
	int argc = 0, fd;

	snprintf(data, sizeof(data), "%s/data", f->dir);
	snprintf(log, sizeof(log), "%s/etcd.log", f->dir);
	snprintf(cluster, sizeof(cluster), "fixture=%s", f->peer);
	snprintf(cert, sizeof(cert), "%s/server.pem", f->dir);
	snprintf(key, sizeof(key), "%s/server.key", f->dir);
	/* Should the test die without stopping it, the kernel does. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	argv[argc++] = ETCD_PROGRAM;
	argv[argc++] = "--name=fixture";
	argv[argc++] = "--data-dir";
	argv[argc++] = data;
	argv[argc++] = "--listen-client-urls";
	argv[argc++] = f->endpoint;
	argv[argc++] = "--advertise-client-urls";
	argv[argc++] = f->endpoint;
	argv[argc++] = "--listen-peer-urls";
	argv[argc++] = f->peer;
	argv[argc++] = "--initial-advertise-peer-urls";
	argv[argc++] = f->peer;
	argv[argc++] = "--initial-cluster";
	argv[argc++] = cluster;
	/* Short, so that a test sees an idle client's token expire. */
	argv[argc++] = "--auth-token-ttl=2";
	argv[argc++] = "--logger=zap";
	argv[argc++] = "--log-level=warn";
	if (f->tls) {
		argv[argc++] = "--cert-file";
		argv[argc++] = cert;
		argv[argc++] = "--key-file";
		argv[argc++] = key;
		argv[argc++] = "--trusted-ca-file";
		argv[argc++] = f->ca;
		argv[argc++] = "--client-cert-auth";
	}
	argv[argc] = NULL;
	execvp(ETCD_PROGRAM, (char *const *)argv);
	_exit(127);
}

static void show_log(const struct etcd_fixture *f)
{
	char command[ETCD_FIXTURE_PATH_MAX + 32];

	snprintf(command, sizeof(command), "tail -n 20 '%s/etcd.log' >&2", f->dir);
	if (system(command) != 0)
		fprintf(stderr, "etcd fixture: no log\n");
}

/* Poll until a read answers: etcd gives no other sign that it is ready. */
static bool wait_ready(struct etcd_fixture *f)
{
	long deadline = now_ms() + READY_TIMEOUT_MS;

	while (now_ms() < deadline) {
		char *answer = etcd_fixture_post(f, "/v3/kv/range", "{\"key\":\"AA==\"}", NULL);
		bool ready = answer && strstr(answer, "\"header\"");
		int status;

		free(answer);
		if (ready)
			return true;
		if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
			fprintf(stderr, "etcd fixture: etcd exited before it answered\n");
			f->pid = 0;
			show_log(f);
			return false;
		}
		sleep_ms(50);
	}
	fprintf(stderr, "etcd fixture: etcd did not answer at %s within %d ms\n", f->endpoint,
		READY_TIMEOUT_MS);
	show_log(f);
	return false;
}

bool etcd_fixture_restart(struct etcd_fixture *f)
{
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0)
		exec_etcd(f);
	f->pid = pid;
	return wait_ready(f);
}

bool etcd_fixture_start(struct etcd_fixture *f, bool tls)
{
	const char *base = getenv("TMPDIR");
	const char *scheme = tls ? "https" : "http";

	memset(f, 0, sizeof(*f));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(f->dir, sizeof(f->dir), "%s/prov-etcd-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir)) {
		fprintf(stderr, "etcd fixture: mkdtemp: %s\n", strerror(errno));
		return false;
	}
	f->tls = tls;
	if (tls && !make_certificates(f))
		return false;
	snprintf(f->endpoint, sizeof(f->endpoint), "%s://127.0.0.1:%d", scheme,
		 etcd_fixture_unused_port());
	snprintf(f->peer, sizeof(f->peer), "http://127.0.0.1:%d", etcd_fixture_unused_port());
	return etcd_fixture_restart(f);
}

void etcd_fixture_stop(struct etcd_fixture *f)
{
	int status;

	if (f->pid <= 0)
		return;
	kill(f->pid, SIGTERM);
	while (waitpid(f->pid, &status, 0) < 0 && errno == EINTR)
		;
	f->pid = 0;
}

void etcd_fixture_destroy(struct etcd_fixture *f)
{
	char command[ETCD_FIXTURE_PATH_MAX + 16];

	etcd_fixture_stop(f);
	if (!f->dir[0])
		return;
	snprintf(command, sizeof(command), "rm -rf '%s'", f->dir);
	if (system(command) != 0)
		fprintf(stderr, "etcd fixture: cannot remove %s\n", f->dir);
	f->dir[0] = '\0';
}

void etcd_fixture_base64(const char *text, size_t len, char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)text[i] << 16;

		v |= i + 1 < len ? (unsigned char)text[i + 1] << 8 : 0;
		v |= i + 2 < len ? (unsigned char)text[i + 2] : 0;
		out[o++] = digits[v >> 18];
		out[o++] = digits[(v >> 12) & 63];
		out[o++] = i + 1 < len ? digits[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? digits[v & 63] : '=';
	}
	out[o] = '\0';
}
