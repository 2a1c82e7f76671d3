/*
 * The etcd gateway client: endpoints with fail-over, a pool of curl
 * handles (each keeps its connection open), authentication, and the
 * translation of curl failures and etcd's error answers into the library's
 * errors, always naming the endpoint.
 */
#include "checkpoint/etcd_http.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/strbuf.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ENDPOINT "http://127.0.0.1:2379"
#define DEFAULT_PREFIX "/provisioning"
#define DEFAULT_TTL_S 10
#define DEFAULT_CONNECT_MS 2000
#define DEFAULT_REQUEST_MS 5000
#define DEFAULT_RETRY_MS 10000
#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 1000
/* A try never gets less than this, so a call made at its deadline still asks once. */
#define MIN_TRY_MS 100

/* A curl handle and what it needs per request; one call uses it at a time. */
struct handle {
	struct handle *next;
	CURL *curl;
	struct curl_slist *headers;
	unsigned int token_generation; /* of the token in headers */
	prov_strbuf answer;
	char error[CURL_ERROR_SIZE];
};

struct prov_etcd_client {
	char **endpoints;
	size_t endpoint_count;
	atomic_size_t preferred; /* the endpoint that answered last */
	char *prefix;
	int lease_ttl_s;
	int connect_timeout_ms;
	int request_timeout_ms;
	int retry_timeout_ms;
	char *ca_file, *cert_file, *key_file;
	char *user, *password;

	pthread_mutex_t mutex;   /* the pool and the token */
	struct handle *idle;
	char *token;             /* NULL until authenticated */
	unsigned int token_generation;
};

/* How one try at one endpoint went. */
enum outcome { ANSWERED, UNREACHABLE, FAILED };

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

/* curl_global_init is not thread-safe everywhere; once per process, never undone. */
static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */
/* ------------------------------------------------------------------ */

static bool dup_optional(char **out, const char *value)
{
	*out = NULL;
	return !value || !*value || (*out = prov_strdup(value));
}

/* "host:port" gets a scheme; a trailing "/" goes. */
static int normalise_endpoint(char **out, const char *text, bool tls)
{
	prov_strbuf b = PROV_STRBUF_INIT;
	size_t len = strlen(text);

	while (len && text[len - 1] == '/')
		len--;
	if (!len)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "checkpoint.etcd.endpoints: an endpoint is empty");
	if (!strstr(text, "://"))
		prov_strbuf_puts(&b, tls ? "https://" : "http://");
	else if (strncmp(text, "http://", 7) != 0 && strncmp(text, "https://", 8) != 0)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "checkpoint.etcd.endpoints: \"%s\" is not an http:// or "
				    "https:// URL", text);
	prov_strbuf_append(&b, text, len);
	*out = prov_strbuf_detach(&b, NULL);
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int set_endpoints(prov_etcd_client *c, const char *const *list, bool tls)
{
	static const char *const fallback[] = { DEFAULT_ENDPOINT, NULL };
	size_t n = 0;
	int rc = PROV_OK;

	if (!list || !list[0])
		list = fallback;
	while (list[n])
		n++;
	if (!(c->endpoints = prov_calloc(n, sizeof(char *))))
		return PROV_ENOMEM;
	for (size_t i = 0; rc == PROV_OK && i < n; i++, c->endpoint_count++)
		rc = normalise_endpoint(&c->endpoints[i], list[i], tls);
	return rc;
}

static int positive_or(int value, int fallback, const char *key)
{
	if (value < 0) {
		prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
			     "checkpoint.etcd.%s must not be negative (%d)", key, value);
		prov_err_context(PROV_ERR_KEY, key);
		return -1;
	}
	return value ? value : fallback;
}

static int set_numbers(prov_etcd_client *c, const prov_checkpoint_etcd_options *o)
{
	c->lease_ttl_s = positive_or(o->lease_ttl_s, DEFAULT_TTL_S, "lease_ttl_s");
	c->connect_timeout_ms = positive_or(o->connect_timeout_ms, DEFAULT_CONNECT_MS,
					    "connect_timeout_ms");
	c->request_timeout_ms = positive_or(o->request_timeout_ms, DEFAULT_REQUEST_MS,
					    "request_timeout_ms");
	c->retry_timeout_ms = positive_or(o->retry_timeout_ms, DEFAULT_RETRY_MS,
					  "retry_timeout_ms");
	if (c->lease_ttl_s < 0 || c->connect_timeout_ms < 0 || c->request_timeout_ms < 0 ||
	    c->retry_timeout_ms < 0)
		return PROV_EINVAL;
	if (c->lease_ttl_s < 2)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "checkpoint.etcd.lease_ttl_s must be at least 2 (etcd's "
				    "minimum lease), not %d", c->lease_ttl_s);
	return PROV_OK;
}

static int set_prefix(prov_etcd_client *c, const char *prefix)
{
	size_t len;

	if (!prefix)
		prefix = DEFAULT_PREFIX;
	len = strlen(prefix);
	while (len && prefix[len - 1] == '/')
		len--;
	c->prefix = prov_strndup(prefix, len);
	return c->prefix ? PROV_OK : PROV_ENOMEM;
}

static int set_security(prov_etcd_client *c, const prov_checkpoint_etcd_options *o)
{
	if (!dup_optional(&c->ca_file, o->ca_file) || !dup_optional(&c->cert_file, o->cert_file) ||
	    !dup_optional(&c->key_file, o->key_file) || !dup_optional(&c->user, o->user) ||
	    !dup_optional(&c->password, o->password))
		return PROV_ENOMEM;
	if (!c->cert_file != !c->key_file)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "checkpoint.etcd: a client certificate needs its key and a "
				    "key its certificate (cert_file, key_file)");
	if (!c->user && c->password)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "checkpoint.etcd.password is set without a user");
	return PROV_OK;
}

int prov_etcd_client_new(prov_etcd_client **out, const prov_checkpoint_etcd_options *options)
{
	prov_checkpoint_etcd_options o = PROV_CHECKPOINT_ETCD_OPTIONS_INIT;
	prov_etcd_client *c;
	int rc;

	*out = NULL;
	if (options)
		memcpy(&o, options, options->size < sizeof(o) ? options->size : sizeof(o));
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				    "etcd: libcurl failed to start: %s",
				    curl_easy_strerror(curl_init_result));
	if (!(c = prov_calloc(1, sizeof(*c))))
		return PROV_ENOMEM;
	pthread_mutex_init(&c->mutex, NULL);
	rc = set_numbers(c, &o);
	if (rc == PROV_OK)
		rc = set_security(c, &o);
	if (rc == PROV_OK)
		rc = set_endpoints(c, o.endpoints, c->ca_file || c->cert_file);
	if (rc == PROV_OK)
		rc = set_prefix(c, o.prefix);
	if (rc != PROV_OK) {
		prov_etcd_client_free(c);
		return rc;
	}
	*out = c;
	return PROV_OK;
}

static void handle_free(struct handle *h)
{
	curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	prov_strbuf_release(&h->answer);
	free(h);
}

void prov_etcd_client_free(prov_etcd_client *c)
{
	if (!c)
		return;
	while (c->idle) {
		struct handle *h = c->idle;

		c->idle = h->next;
		handle_free(h);
	}
	for (size_t i = 0; i < c->endpoint_count; i++)
		free(c->endpoints[i]);
	free(c->endpoints);
	free(c->prefix);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->user);
	free(c->password);
	free(c->token);
	pthread_mutex_destroy(&c->mutex);
	free(c);
}

int prov_etcd_client_lease_ttl_s(const prov_etcd_client *c)
{
	return c->lease_ttl_s;
}

int prov_etcd_client_connect_timeout_ms(const prov_etcd_client *c)
{
	return c->connect_timeout_ms;
}

const char *prov_etcd_client_prefix(const prov_etcd_client *c)
{
	return c->prefix;
}

int64_t prov_etcd_client_deadline(const prov_etcd_client *c)
{
	return prov_clock_monotonic_ns() + (int64_t)c->retry_timeout_ms * 1000000;
}

/* ------------------------------------------------------------------ */
/* Handles                                                             */
/* ------------------------------------------------------------------ */

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
	struct handle *h = userdata;

	return prov_strbuf_append(&h->answer, data, size * count) == PROV_OK ? size * count : 0;
}

static bool configure(prov_etcd_client *c, struct handle *h)
{
	CURL *e = h->curl;

	return curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_WRITEDATA, h) == CURLE_OK &&
	       curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->error) == CURLE_OK &&
	       (!c->ca_file || curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file) == CURLE_OK) &&
	       (!c->cert_file || curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert_file) == CURLE_OK) &&
	       (!c->key_file || curl_easy_setopt(e, CURLOPT_SSLKEY, c->key_file) == CURLE_OK);
}

static struct handle *take_handle(prov_etcd_client *c)
{
	struct handle *h;

	pthread_mutex_lock(&c->mutex);
	h = c->idle;
	if (h)
		c->idle = h->next;
	pthread_mutex_unlock(&c->mutex);
	if (h)
		return h;
	if (!(h = prov_calloc(1, sizeof(*h))))
		return NULL;
	h->token_generation = (unsigned int)-1;
	if (!(h->curl = curl_easy_init()) || !configure(c, h)) {
		handle_free(h);
		prov_err_set(PROV_ENOMEM, PROV_ERRCAT_MEMORY, "etcd: a curl handle cannot be set up");
		return NULL;
	}
	return h;
}

static void give_back(prov_etcd_client *c, struct handle *h)
{
	pthread_mutex_lock(&c->mutex);
	h->next = c->idle;
	c->idle = h;
	pthread_mutex_unlock(&c->mutex);
}

/* Headers with the current token; rebuilt only when the token changed. */
static bool refresh_headers(prov_etcd_client *c, struct handle *h, bool with_token)
{
	struct curl_slist *list = NULL, *next;
	bool ok = true;

	pthread_mutex_lock(&c->mutex);
	if (h->headers && h->token_generation == c->token_generation && with_token) {
		pthread_mutex_unlock(&c->mutex);
		return true;
	}
	list = curl_slist_append(NULL, "Content-Type: application/json");
	/* A large body would wait a second for "100 Continue" that etcd never sends. */
	ok = list && (next = curl_slist_append(list, "Expect:")) && (list = next);
	if (ok && with_token && c->token) {
		prov_strbuf line = PROV_STRBUF_INIT;

		prov_strbuf_printf(&line, "Authorization: %s", c->token);
		ok = prov_strbuf_status(&line) == PROV_OK &&
		     (next = curl_slist_append(list, line.data)) && (list = next);
		prov_strbuf_release(&line);
	}
	h->token_generation = with_token ? c->token_generation : (unsigned int)-1;
	pthread_mutex_unlock(&c->mutex);
	curl_slist_free_all(h->headers);
	h->headers = list;
	return ok && curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, list) == CURLE_OK;
}

/* ------------------------------------------------------------------ */
/* One try                                                             */
/* ------------------------------------------------------------------ */

static bool retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* etcd's error answer: {"error": ..., "message": ..., "code": N}. */
static enum outcome error_answer(struct handle *h, const char *url, long status, int *code)
{
	json_object *doc = json_tokener_parse(prov_strbuf_cstr(&h->answer));
	const char *message = prov_json_get_string(doc, "message");
	int64_t grpc = 0;

	prov_json_get_int64(doc, "code", &grpc);
	*code = (int)grpc;
	if (message && (strstr(message, "request is too large") ||
			strstr(message, "message larger than max")))
		prov_err_set(PROV_ERANGE, PROV_ERRCAT_CHECKPOINT,
			     "etcd %s: %s (etcd takes requests up to its --max-request-bytes, "
			     "1.5 MiB unless raised)", url, message);
	else if (message)
		prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT, "etcd %s: %s", url, message);
	else
		prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
			     "etcd %s: HTTP status %ld and no etcd error (is it etcd's v3 "
			     "gateway?)", url, status);
	json_object_put(doc);
	return *code == PROV_ETCD_CODE_UNAVAILABLE ? UNREACHABLE : FAILED;
}

static enum outcome parse_answer(struct handle *h, const char *url, json_object **out)
{
	const char *text = prov_strbuf_cstr(&h->answer);

	if (prov_json_parse(text, strlen(text), url, out) == PROV_OK &&
	    json_object_is_type(*out, json_type_object))
		return ANSWERED;
	json_object_put(*out);
	*out = NULL;
	prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
		     "etcd %s: the answer is not a JSON object", url);
	return FAILED;
}

/*
 * The gateway's streams (/v3/lease/keepalive) answer 200 before they fail,
 * and then carry {"error": {"grpc_code": N, "message": ...}} as the body.
 */
static enum outcome stream_error(json_object **out, const char *url, int *code)
{
	json_object *error;
	const char *message;
	int64_t grpc = 0;

	if (!json_object_object_get_ex(*out, "error", &error))
		return ANSWERED;
	message = prov_json_get_string(error, "message");
	prov_json_get_int64(error, "grpc_code", &grpc);
	*code = (int)grpc;
	prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT, "etcd %s: %s", url,
		     message ? message : json_object_to_json_string(error));
	json_object_put(*out);
	*out = NULL;
	return *code == PROV_ETCD_CODE_UNAVAILABLE ? UNREACHABLE : FAILED;
}

static enum outcome try_once(struct handle *h, const char *endpoint,
			     const char *path, const char *body, size_t len, long timeout_ms,
			     json_object **out, int *code)
{
	prov_strbuf url = PROV_STRBUF_INIT;
	enum outcome result = FAILED;
	long status = 0;
	CURLcode rc;

	prov_strbuf_printf(&url, "%s%s", endpoint, path);
	if (prov_strbuf_status(&url) != PROV_OK)
		return FAILED;
	prov_strbuf_reset(&h->answer);
	h->error[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_URL, url.data);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	rc = curl_easy_perform(h->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		prov_err_set(rc == CURLE_OUT_OF_MEMORY ? PROV_ENOMEM : PROV_ESTORE,
			     PROV_ERRCAT_CHECKPOINT, "etcd %s: %s", endpoint,
			     h->error[0] ? h->error : curl_easy_strerror(rc));
		result = retryable(rc) ? UNREACHABLE : FAILED;
	} else if (prov_strbuf_status(&h->answer) != PROV_OK) {
		result = FAILED;
	} else if (status != 200) {
		result = error_answer(h, endpoint, status, code);
	} else {
		result = parse_answer(h, endpoint, out);
		if (result == ANSWERED)
			result = stream_error(out, endpoint, code);
	}
	prov_strbuf_release(&url);
	return result;
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */
/* ------------------------------------------------------------------ */

static long try_timeout_ms(const prov_etcd_client *c, int64_t deadline_ns)
{
	int64_t left = (deadline_ns - prov_clock_monotonic_ns()) / 1000000;

	if (left < MIN_TRY_MS)
		left = MIN_TRY_MS;
	return left < c->request_timeout_ms ? (long)left : c->request_timeout_ms;
}

/* What every endpoint said, for the error of a call nobody answered. */
static void unreachable_error(const prov_strbuf *said, int64_t started_ns)
{
	prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
		     "etcd: no endpoint answered in %lld ms: %s",
		     (long long)((prov_clock_monotonic_ns() - started_ns) / 1000000),
		     prov_strbuf_cstr(said));
}

/* Add what the endpoint just tried said ("etcd URL: reason") to the list, as "URL: reason". */
static void remember(prov_strbuf *said, size_t index)
{
	const char *message = prov_error_last()->message;

	if (index > 0)
		prov_strbuf_puts(said, "; ");
	prov_strbuf_puts(said, strncmp(message, "etcd ", 5) == 0 ? message + 5 : message);
}

/* One round over every endpoint, from the preferred one. */
static enum outcome round_robin(prov_etcd_client *c, struct handle *h, const char *path,
				const char *body, size_t len, int64_t deadline_ns,
				json_object **out, int *code, prov_strbuf *said)
{
	size_t first = atomic_load(&c->preferred);

	prov_strbuf_reset(said);
	for (size_t i = 0; i < c->endpoint_count; i++) {
		size_t at = (first + i) % c->endpoint_count;
		enum outcome o = try_once(h, c->endpoints[at], path, body, len,
					  try_timeout_ms(c, deadline_ns), out, code);

		if (o != UNREACHABLE) {
			atomic_store(&c->preferred, at);
			return o;
		}
		remember(said, i);
	}
	return UNREACHABLE;
}

static int call_with(prov_etcd_client *c, struct handle *h, const char *path, const char *body,
		     size_t len, int64_t deadline_ns, json_object **out, int *code)
{
	prov_strbuf said = PROV_STRBUF_INIT;
	int64_t started = prov_clock_monotonic_ns(), pause_ms = BACKOFF_FIRST_MS, left_ms;
	enum outcome o;

	for (;;) {
		*code = 0;
		o = round_robin(c, h, path, body, len, deadline_ns, out, code, &said);
		left_ms = (deadline_ns - prov_clock_monotonic_ns()) / 1000000;
		if (o != UNREACHABLE || left_ms <= 0)
			break;
		prov_clock_sleep_ms(pause_ms < left_ms ? pause_ms : left_ms);
		pause_ms = pause_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : pause_ms * 2;
	}
	if (o == UNREACHABLE)
		unreachable_error(&said, started);
	prov_strbuf_release(&said);
	return o == ANSWERED ? PROV_OK : prov_err_code();
}

/* ------------------------------------------------------------------ */
/* Authentication                                                      */
/* ------------------------------------------------------------------ */

static int authenticate(prov_etcd_client *c, struct handle *h, int64_t deadline_ns)
{
	prov_strbuf body = PROV_STRBUF_INIT;
	json_object *answer = NULL;
	const char *token;
	int code, rc;

	prov_strbuf_puts(&body, "{\"name\":");
	prov_strbuf_put_json_string(&body, c->user, strlen(c->user));
	prov_strbuf_puts(&body, ",\"password\":");
	prov_strbuf_put_json_string(&body, c->password ? c->password : "",
				    c->password ? strlen(c->password) : 0);
	prov_strbuf_putc(&body, '}');
	rc = prov_strbuf_status(&body);
	if (rc == PROV_OK && refresh_headers(c, h, false))
		rc = call_with(c, h, "/v3/auth/authenticate", body.data, body.len, deadline_ns,
			       &answer, &code);
	prov_strbuf_release(&body);
	if (rc == PROV_ESTORE && code != 0) {
		char reason[512];

		/* etcd answered, and said no. */
		prov_copy_bounded(reason, sizeof(reason), prov_error_last()->message);
		return prov_err_set(PROV_EPERM, PROV_ERRCAT_CHECKPOINT, "authenticating as %s: %s",
				    c->user, reason);
	}
	if (rc != PROV_OK)
		return rc;
	token = prov_json_get_string(answer, "token");
	pthread_mutex_lock(&c->mutex);
	free(c->token);
	c->token = token ? prov_strdup(token) : NULL;
	c->token_generation++;
	rc = c->token ? PROV_OK : PROV_ESTORE;
	pthread_mutex_unlock(&c->mutex);
	json_object_put(answer);
	if (rc != PROV_OK)
		prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
			     "etcd: authenticating as %s gave no token", c->user);
	return rc;
}

static bool have_token(prov_etcd_client *c)
{
	bool have;

	pthread_mutex_lock(&c->mutex);
	have = c->token != NULL;
	pthread_mutex_unlock(&c->mutex);
	return have;
}

/* etcd's answers when a token is missing, expired or revoked. */
static bool token_refused(int code)
{
	const char *message = prov_error_last()->message;

	return code == PROV_ETCD_CODE_UNAUTHENTICATED ||
	       (code == PROV_ETCD_CODE_INVALID_ARGUMENT &&
		(strstr(message, "user name is empty") || strstr(message, "invalid auth token")));
}

int prov_etcd_call(prov_etcd_client *c, const char *path, const char *body, size_t len,
		   int64_t deadline_ns, json_object **out, int *code)
{
	struct handle *h = take_handle(c);
	int rc = h ? PROV_OK : PROV_ENOMEM;

	*out = NULL;
	*code = 0;
	if (rc == PROV_OK && c->user && !have_token(c))
		rc = authenticate(c, h, deadline_ns);
	if (rc == PROV_OK)
		rc = refresh_headers(c, h, true) ? PROV_OK : prov_err_nomem();
	if (rc == PROV_OK)
		rc = call_with(c, h, path, body, len, deadline_ns, out, code);
	/* Tokens expire (etcd's --auth-token-ttl): sign in again, once. */
	if (rc == PROV_ESTORE && c->user && token_refused(*code)) {
		rc = authenticate(c, h, deadline_ns);
		if (rc == PROV_OK)
			rc = refresh_headers(c, h, true) ? PROV_OK : prov_err_nomem();
		if (rc == PROV_OK)
			rc = call_with(c, h, path, body, len, deadline_ns, out, code);
	}
	if (h)
		give_back(c, h);
	return rc;
}
