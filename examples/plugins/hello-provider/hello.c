/*
 * hello: a complete minimal provider plugin. Servers live in memory; the
 * plugin needs nothing but the libprovisioning headers:
 *
 *   cc -shared -fPIC -o hello.so hello.c $(pkg-config --cflags provisioning)
 */
#include <provisioning/provider.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERVERS 64

struct hello {
	const prov_host_api *host;
	int count;
	char hostnames[MAX_SERVERS][64];
};

static int hello_init(const prov_host_api *host, const char *config_json, void **state)
{
	struct hello *h = calloc(1, sizeof(*h));

	(void)config_json;
	if (!h)
		return -1;
	h->host = host;
	host->log(host, PROV_PLUGIN_LOG_INFO, "hello provider ready");
	*state = h;
	return 0;
}

static void hello_fini(void *state)
{
	free(state);
}

/* Write server i as a server record. */
static int write_server(struct hello *h, const prov_call *call, int i)
{
	char record[512];
	int len = snprintf(record, sizeof(record),
			   "{\"id\":\"hello-%d\",\"hostname\":\"%s\",\"provider\":\"%s\","
			   "\"plan\":\"tiny\",\"zone\":\"hello-1\",\"ip_address\":\"192.0.2.%d\","
			   "\"status\":\"running\",\"created_at\":\"2026-01-01T00:00:00Z\","
			   "\"tags\":{}}",
			   i + 1, h->hostnames[i], h->host->instance, i + 10);

	return call->output(call, record, (size_t)len);
}

static int find(struct hello *h, const char *id)
{
	for (int i = 0; i < h->count; i++) {
		char name[32];

		snprintf(name, sizeof(name), "hello-%d", i + 1);
		if (strcmp(name, id) == 0)
			return i;
	}
	return -1;
}

static int hello_list_servers(void *state, const prov_call *call)
{
	struct hello *h = state;

	call->output(call, "[", 1);
	for (int i = 0; i < h->count; i++) {
		if (i > 0)
			call->output(call, ",", 1);
		write_server(h, call, i);
	}
	return call->output(call, "]", 1);
}

static int hello_get_server(void *state, const prov_call *call, const char *id)
{
	struct hello *h = state;
	int i = find(h, id);

	if (i < 0)
		return call->fail(call, "NOT_FOUND", "no such server", NULL), -1;
	return write_server(h, call, i);
}

/* A real provider parses spec_json with a JSON library; this one only
 * needs the hostname, a plain string without escapes. */
static int read_hostname(const char *spec_json, char out[64])
{
	const char *p = strstr(spec_json, "\"hostname\"");
	size_t n;

	if (!p || !(p = strchr(p + 10, '"')))
		return -1;
	n = strcspn(p + 1, "\"\\");
	if (n == 0 || n >= 64 || p[1 + n] != '"')
		return -1;
	memcpy(out, p + 1, n);
	out[n] = '\0';
	return 0;
}

static int hello_create_server(void *state, const prov_call *call, const char *spec_json)
{
	struct hello *h = state;
	char hostname[64];

	if (read_hostname(spec_json, hostname) != 0)
		return call->fail(call, "INVALID_SPEC", "a hostname is required", NULL), -1;
	for (int i = 0; i < h->count; i++)
		if (strcmp(h->hostnames[i], hostname) == 0)
			return write_server(h, call, i);   /* idempotent by hostname */
	if (h->count == MAX_SERVERS)
		return call->fail(call, "QUOTA", "hello holds 64 servers at most", NULL), -1;
	strcpy(h->hostnames[h->count], hostname);
	return write_server(h, call, h->count++);
}

static int hello_delete_server(void *state, const prov_call *call, const char *id)
{
	struct hello *h = state;
	int i = find(h, id);

	if (i < 0)
		return call->fail(call, "NOT_FOUND", "no such server", NULL), -1;
	return write_server(h, call, i);
}

static const prov_provider_interface hello_interface = {
	.size = sizeof(prov_provider_interface),
	.init = hello_init,
	.fini = hello_fini,
	.list_servers = hello_list_servers,
	.get_server = hello_get_server,
	.create_server = hello_create_server,
	.delete_server = hello_delete_server,
};

static const prov_plugin_desc hello_descriptor = {
	.size = sizeof(prov_plugin_desc),
	.abi_version = PROV_PLUGIN_ABI_CURRENT,
	.kind = PROV_PLUGIN_KIND_PROVIDER,
	.name = "hello",
	.version = "1.0.0",
	.description = "A minimal in-memory provider",
	.flags = PROV_PLUGIN_FLAG_NOT_CONCURRENT,   /* state without locks */
	.interface = &hello_interface,
};

PROV_PLUGIN_DEFINE(hello_descriptor)
