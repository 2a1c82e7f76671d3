/*
 * A provider for the loader and call tests, built many times with one
 * FAKE_* macro each to make the bad-plugin matrix, an older and a newer
 * plugin. Its behaviour is chosen by the hostname of create_server.
 */
#include <provisioning/provider.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef FAKE_NAME
#define FAKE_NAME "fake"
#endif

static atomic_int inside;
static atomic_int most_inside;

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int fake_init(const prov_host_api *host, const char *config_json, void **state)
{
#ifdef FAKE_INIT_FAILS
	host->log(host, PROV_PLUGIN_LOG_ERROR, "cannot reach the fake cloud");
	return -1;
#else
	*state = (void *)host;
	return config_json ? 0 : -1;
#endif
}

static void fake_fini(void *state)
{
	(void)state;
}

static int write_text(const prov_call *call, const char *text)
{
	return call->output(call, text, strlen(text));
}

static int fake_list_servers(void *state, const prov_call *call)
{
	(void)state;
	return write_text(call, "[]");
}

static int fake_get_server(void *state, const prov_call *call, const char *id)
{
	char out[256];

	(void)state;
	snprintf(out, sizeof(out), "{\"id\":\"%s\",\"key\":\"%s\"}", id, call->idempotency_key);
	return write_text(call, out);
}

/* Count the threads inside at once; the serialisation test reads the maximum. */
static int count_concurrency(const prov_call *call)
{
	int now = atomic_fetch_add(&inside, 1) + 1;
	int seen = atomic_load(&most_inside);
	char out[64];

	while (now > seen && !atomic_compare_exchange_weak(&most_inside, &seen, now))
		;
	pause_ms(2);
	atomic_fetch_sub(&inside, 1);
	snprintf(out, sizeof(out), "{\"most_inside\":%d}", atomic_load(&most_inside));
	return write_text(call, out);
}

__attribute__((unused)) static int fake_create_server(void *state, const prov_call *call, const char *spec)
{
	(void)state;
	if (strstr(spec, "\"malformed\""))
		return write_text(call, "{\"id\": oops this is not JSON");
	if (strstr(spec, "\"fail\""))
		return call->fail(call, "QUOTA", "quota exceeded", "{\"limit\":3}"), 1;
	if (strstr(spec, "\"silent\""))
		return 7;
	if (strstr(spec, "\"slow\"")) {
		pause_ms(300);
		return write_text(call, "{\"id\":\"fake-slow\"}");
	}
	if (strstr(spec, "\"patient\"")) {
		while (!call->cancelled(call))
			pause_ms(1);
		return call->fail(call, "STOPPED", "cancelled", NULL), 1;
	}
	if (strstr(spec, "\"count\""))
		return count_concurrency(call);
	return write_text(call, "{\"id\":\"fake-1\",\"hostname\":\"web\"}");
}

static int fake_delete_server(void *state, const prov_call *call, const char *id)
{
	return fake_get_server(state, call, id);
}

static int fake_list_zones(void *state, const prov_call *call)
{
	(void)state;
	return write_text(call, "[{\"name\":\"fake-zone\"}]");
}

/* A plugin built against newer headers: a longer interface and descriptor. */
typedef struct newer_interface {
	prov_provider_interface v1;
	int (*resize_disk)(void *state, const prov_call *call, const char *id);
} newer_interface;

typedef struct newer_desc {
	prov_plugin_desc v1;
	const char *homepage;
} newer_desc;

static const newer_interface fake_interface = {
	.v1 = {
#if defined(FAKE_OLD_INTERFACE)
		/* Built before list_plans and list_zones existed. */
		.size = offsetof(prov_provider_interface, list_plans),
#elif defined(FAKE_NEWER)
		.size = sizeof(newer_interface),
#else
		.size = sizeof(prov_provider_interface),
#endif
		.init = fake_init,
		.fini = fake_fini,
		.list_servers = fake_list_servers,
		.get_server = fake_get_server,
#ifndef FAKE_NULL_REQUIRED
		.create_server = fake_create_server,
#endif
		.delete_server = fake_delete_server,
		/* Past the declared size in the old variant: must read as absent. */
		.list_zones = fake_list_zones,
	},
	.resize_disk = NULL,
};

__attribute__((unused)) static const newer_desc fake_descriptor = {
	.v1 = {
#if defined(FAKE_SMALL_DESCRIPTOR)
		.size = offsetof(prov_plugin_desc, name),
#elif defined(FAKE_NEWER)
		.size = sizeof(newer_desc),
#else
		.size = sizeof(prov_plugin_desc),
#endif
		.abi_version = PROV_PLUGIN_ABI_CURRENT,
		.kind = PROV_PLUGIN_KIND_PROVIDER,
#ifndef FAKE_NULL_NAME
		.name = FAKE_NAME,
#endif
		.version = "9.9.9",
		.description = "test provider",
#ifdef FAKE_NOT_CONCURRENT
		.flags = PROV_PLUGIN_FLAG_NOT_CONCURRENT,
#endif
		.interface = &fake_interface,
	},
	.homepage = "https://example.invalid/",
};

#ifndef FAKE_NO_NEGOTIATE
PROV_PLUGIN_EXPORT int prov_plugin_negotiate(uint32_t *abi_version)
{
#if defined(FAKE_ABI2)
	*abi_version = PROV_PLUGIN_ABI_VERSION(2, 0);
	return 1;
#elif defined(FAKE_NEGOTIATION_FAILS)
	*abi_version = PROV_PLUGIN_ABI_VERSION(1, 0);
	return 1;
#elif defined(FAKE_NEWER)
	/* Speaks 1.0 to 1.3 and takes the host's 1.0. */
	return prov_plugin_agree(abi_version, PROV_PLUGIN_ABI_VERSION(1, 0),
				 PROV_PLUGIN_ABI_VERSION(1, 3));
#else
	return prov_plugin_agree(abi_version, PROV_PLUGIN_ABI_CURRENT, PROV_PLUGIN_ABI_CURRENT);
#endif
}
#endif

#ifndef FAKE_NO_DESCRIPTOR
PROV_PLUGIN_EXPORT const prov_plugin_desc *prov_plugin_descriptor(uint32_t abi_version)
{
	return abi_version == PROV_PLUGIN_ABI_VERSION(1, 0) ? &fake_descriptor.v1 : NULL;
}
#endif
