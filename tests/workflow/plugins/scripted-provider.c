/*
 * A provider whose behaviour each create_server spec scripts, for the
 * workflow tests: servers live in memory, idempotent by hostname, and
 *   fail_attempts: N   the first N creates of the hostname fail
 *   fail: true         every create of it fails
 *   wait_while: PATH   the create waits while the file exists (cancellable)
 *   sleep_ms: N        the create takes N ms (cancellable)
 * delete_server of a hostname fails while a file of that name exists in the
 * instance's refuse_deletes directory. list_servers shows every server with how many
 * creates reached it and, once deleted, the order of its deletion.
 */
#include <provisioning/provider.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SERVERS 4096

struct server {
	char hostname[128];
	int creates;        /* creates that returned this server */
	int attempts;       /* creates of the hostname, failed ones included */
	int deleted_seq;    /* 0 while live */
	char spec[1024];    /* the spec of the last create that returned it */
};

struct scripted {
	const prov_host_api *host;
	pthread_mutex_t lock;
	char refuse_deletes[1024];
	int count;
	int deletions;
	struct server servers[MAX_SERVERS];
};

static int scripted_init(const prov_host_api *host, const char *config_json, void **state)
{
	struct scripted *s = calloc(1, sizeof(*s));
	json_object *config = json_tokener_parse(config_json ? config_json : "{}"), *flag;

	if (!s)
		return -1;
	s->host = host;
	pthread_mutex_init(&s->lock, NULL);
	if (json_object_object_get_ex(config, "refuse_deletes", &flag))
		snprintf(s->refuse_deletes, sizeof(s->refuse_deletes), "%s",
			 json_object_get_string(flag));
	json_object_put(config);
	*state = s;
	return 0;
}

static void scripted_fini(void *state)
{
	struct scripted *s = state;

	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int write_server(struct scripted *s, const prov_call *call, int i)
{
	char record[2048];
	int len = snprintf(record, sizeof(record),
			   "{\"id\":\"s-%d\",\"hostname\":\"%s\",\"provider\":\"%s\",\"plan\":\"p\","
			   "\"zone\":\"z\",\"ip_address\":\"10.9.%d.%d\",\"status\":\"%s\","
			   "\"created_at\":\"2026-01-01T00:00:00Z\",\"tags\":{},\"creates\":%d,"
			   "\"attempts\":%d,\"deleted_seq\":%d,\"spec\":%s}",
			   i + 1, s->servers[i].hostname, s->host->instance, (i + 1) / 250,
			   (i + 1) % 250, s->servers[i].deleted_seq ? "deleted" : "running",
			   s->servers[i].creates, s->servers[i].attempts, s->servers[i].deleted_seq,
			   s->servers[i].spec[0] ? s->servers[i].spec : "null");

	return call->output(call, record, (size_t)len);
}

static int find(struct scripted *s, const char *hostname)
{
	for (int i = 0; i < s->count; i++)
		if (strcmp(s->servers[i].hostname, hostname) == 0)
			return i;
	return -1;
}

static int find_id(struct scripted *s, const char *id)
{
	int n = strncmp(id, "s-", 2) == 0 ? atoi(id + 2) : 0;

	return n >= 1 && n <= s->count ? n - 1 : -1;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait as the spec says; non-zero when the call was cancelled meanwhile. */
static int wait_as_scripted(const prov_call *call, json_object *spec)
{
	json_object *v;
	long left = json_object_object_get_ex(spec, "sleep_ms", &v) ? json_object_get_int(v) : 0;
	const char *hold = json_object_object_get_ex(spec, "wait_while", &v)
			   ? json_object_get_string(v) : NULL;

	for (; left > 0 || (hold && access(hold, F_OK) == 0); left -= 2) {
		if (call->cancelled(call))
			return 1;
		pause_ms(2);
	}
	return call->cancelled(call);
}

/* The hostname's index, made on its first create; -1 when full. */
static int server_for(struct scripted *s, const char *hostname)
{
	int i = find(s, hostname);

	if (i < 0 && s->count < MAX_SERVERS) {
		i = s->count++;
		memset(&s->servers[i], 0, sizeof(s->servers[i]));
		snprintf(s->servers[i].hostname, sizeof(s->servers[i].hostname), "%s", hostname);
	}
	return i;
}

static int create_locked(struct scripted *s, const prov_call *call, json_object *spec,
			 const char *hostname)
{
	json_object *v;
	int i = server_for(s, hostname);
	int attempt, fail_attempts;

	if (i < 0)
		return call->fail(call, "FULL", "too many servers", NULL), 1;
	attempt = ++s->servers[i].attempts;
	fail_attempts = json_object_object_get_ex(spec, "fail_attempts", &v) ? json_object_get_int(v) : 0;
	if ((json_object_object_get_ex(spec, "fail", &v) && json_object_get_boolean(v)) ||
	    attempt <= fail_attempts)
		return call->fail(call, "SCRIPTED_FAILURE", "the script says this create fails",
				  NULL), 1;
	s->servers[i].creates++;
	snprintf(s->servers[i].spec, sizeof(s->servers[i].spec), "%s",
		 json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN));
	return write_server(s, call, i);
}

static int scripted_create_server(void *state, const prov_call *call, const char *spec_json)
{
	struct scripted *s = state;
	json_object *spec = json_tokener_parse(spec_json), *host;
	int rc;

	if (!json_object_object_get_ex(spec, "hostname", &host)) {
		json_object_put(spec);
		return call->fail(call, "INVALID_SPEC", "a hostname is required", NULL), 1;
	}
	if (wait_as_scripted(call, spec)) {
		json_object_put(spec);
		return call->fail(call, "CANCELLED", "create was cancelled", NULL), 1;
	}
	pthread_mutex_lock(&s->lock);
	rc = create_locked(s, call, spec, json_object_get_string(host));
	pthread_mutex_unlock(&s->lock);
	json_object_put(spec);
	return rc;
}

static int refused(const struct scripted *s, const char *hostname)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s", s->refuse_deletes, hostname);
	return s->refuse_deletes[0] && access(path, F_OK) == 0;
}

static int scripted_delete_server(void *state, const prov_call *call, const char *id)
{
	struct scripted *s = state;
	int i, rc;

	pthread_mutex_lock(&s->lock);
	i = find_id(s, id);
	if (i >= 0 && refused(s, s->servers[i].hostname)) {
		rc = 1;
		call->fail(call, "DELETE_REFUSED", "a file refuses the delete", NULL);
	} else if (i < 0) {
		rc = 1;
		call->fail(call, "NOT_FOUND", "no such server", NULL);
	} else {
		if (!s->servers[i].deleted_seq)
			s->servers[i].deleted_seq = ++s->deletions;
		rc = write_server(s, call, i);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int scripted_get_server(void *state, const prov_call *call, const char *id)
{
	struct scripted *s = state;
	int i, rc;

	pthread_mutex_lock(&s->lock);
	i = find_id(s, id);
	rc = i < 0 ? (call->fail(call, "NOT_FOUND", "no such server", NULL), 1)
		   : write_server(s, call, i);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int scripted_list_servers(void *state, const prov_call *call)
{
	struct scripted *s = state;

	pthread_mutex_lock(&s->lock);
	call->output(call, "[", 1);
	for (int i = 0; i < s->count; i++) {
		if (i > 0)
			call->output(call, ",", 1);
		write_server(s, call, i);
	}
	pthread_mutex_unlock(&s->lock);
	return call->output(call, "]", 1);
}

static const prov_provider_interface scripted_interface = {
	.size = sizeof(prov_provider_interface),
	.init = scripted_init,
	.fini = scripted_fini,
	.list_servers = scripted_list_servers,
	.get_server = scripted_get_server,
	.create_server = scripted_create_server,
	.delete_server = scripted_delete_server,
};

static const prov_plugin_desc scripted_descriptor = {
	.size = sizeof(prov_plugin_desc),
	.abi_version = PROV_PLUGIN_ABI_CURRENT,
	.kind = PROV_PLUGIN_KIND_PROVIDER,
	.name = "scripted",
	.version = "1.0.0",
	.description = "workflow tests: creates behave as their spec says",
	.interface = &scripted_interface,
};

PROV_PLUGIN_DEFINE(scripted_descriptor)
