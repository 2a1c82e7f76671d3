/*
 * The local provider's interface: server actions over the record store,
 * with the latency and failure knobs applied before every call. The plugin
 * is flagged not concurrent: the host serialises calls to one instance, so
 * the read-modify-write of records needs no lock of its own.
 */
#include "local.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int write_json(const prov_call *call, json_object *value)
{
	const char *text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);

	return call->output(call, text, strlen(text)) == 0 ? 0 : -1;
}

int local_fail(const prov_call *call, const char *code, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	call->fail(call, code, message, NULL);
	return -1;
}

/* xorshift64*: reproducible from the configured seed. */
static double draw(local_provider *lp)
{
	lp->rng ^= lp->rng >> 12;
	lp->rng ^= lp->rng << 25;
	lp->rng ^= lp->rng >> 27;
	return (double)((lp->rng * 0x2545f4914f6cdd1dull) >> 11) / (double)(1ull << 53);
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The injected latency, in steps that check for a cancel, then the seeded
 * random failure. When the latency would outlast the call's deadline, the
 * wait ends at the deadline and the call fails as a timeout.
 */
static int before_call(local_provider *lp, const prov_call *call)
{
	for (int64_t left = lp->latency_ms; left > 0; left -= 10) {
		int64_t step = left < 10 ? left : 10;
		int64_t remaining = call->remaining_ms(call);

		if (call->cancelled(call))
			return local_fail(call, "CANCELLED", "%s was cancelled", call->action);
		if (remaining >= 0 && remaining < step) {
			sleep_ms(remaining);
			return local_fail(call, "timeout",
					  "%s reached its deadline within its %lld ms of latency",
					  call->action, (long long)lp->latency_ms);
		}
		sleep_ms(step);
	}
	if (lp->fail_rate > 0 && draw(lp) < lp->fail_rate)
		return local_fail(call, "INJECTED_FAILURE", "%s failed by fail_rate", call->action);
	return 0;
}

/*
 * The lowest free address, skipping the network, gateway (.1) and broadcast
 * ones: one pass over the sorted addresses in use, integers held by the
 * index, so a create reads no record to find it.
 */
static int allocate_address(local_provider *lp, const local_index *ix, char out[INET_ADDRSTRLEN])
{
	size_t i = 0;
	uint32_t offset = 2;

	for (; offset + 1 < lp->host_count; offset++) {
		while (i < ix->count && ix->offsets[i] < offset)
			i++;
		if (i == ix->count || ix->offsets[i] != offset)
			break;
	}
	if (offset + 1 >= lp->host_count)
		return -1;
	inet_ntop(AF_INET, &(struct in_addr){ htonl(lp->network + offset) }, out, INET_ADDRSTRLEN);
	return 0;
}

/* The records are sorted by id number, so the highest is the last one's. */
static unsigned long next_id_number(json_object *all)
{
	size_t n = json_object_array_length(all);
	json_object *last = n ? json_object_array_get_idx(all, n - 1) : NULL;

	return (last ? local_id_number(json_object_get_string(json_object_object_get(last, "id"))) : 0) + 1;
}

static bool valid_hostname(const char *h)
{
	size_t len = strlen(h);

	if (len == 0 || len > 253 || h[0] == '-' || h[0] == '.')
		return false;
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.')
			return false;
	return true;
}

static const char *spec_string(json_object *spec, const char *key, const char *fallback)
{
	json_object *v;

	if (!json_object_object_get_ex(spec, key, &v))
		return fallback;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool string_map(json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return false;
	json_object_object_foreach(v, key, value) {
		(void)key;
		if (!json_object_is_type(value, json_type_string))
			return false;
	}
	return true;
}

static void rfc3339_now(char out[32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int check_spec(local_provider *lp, const prov_call *call, json_object *spec,
		      const char *hostname, const char *plan, const char *zone)
{
	json_object *tags;

	if (!hostname || !valid_hostname(hostname))
		return local_fail(call, "INVALID_SPEC", "%s", "create_server needs a hostname of letters, digits, '-' and '.'");
	if (!plan || !local_has_name(lp->plans, plan))
		return local_fail(call, "INVALID_PLAN", "unknown plan %.200s", plan ? plan : "(not a string)");
	if (!zone || !local_has_name(lp->zones, zone))
		return local_fail(call, "INVALID_ZONE", "unknown zone %.200s", zone ? zone : "(not a string)");
	if (json_object_object_get_ex(spec, "tags", &tags) && !string_map(tags))
		return local_fail(call, "INVALID_SPEC", "%s", "tags must be a map of strings");
	return 0;
}

static json_object *new_record(local_provider *lp, json_object *spec, json_object *all,
			       const char *hostname, const char *plan, const char *zone,
			       const char *address)
{
	json_object *record = json_object_new_object(), *tags;
	char id[32], created[32];

	snprintf(id, sizeof(id), "srv-%lu", next_id_number(all));
	rfc3339_now(created);
	json_object_object_add(record, "id", json_object_new_string(id));
	json_object_object_add(record, "hostname", json_object_new_string(hostname));
	json_object_object_add(record, "provider", json_object_new_string(lp->host->instance));
	json_object_object_add(record, "plan", json_object_new_string(plan));
	json_object_object_add(record, "zone", json_object_new_string(zone));
	json_object_object_add(record, "ip_address", json_object_new_string(address));
	json_object_object_add(record, "status", json_object_new_string("running"));
	json_object_object_add(record, "created_at", json_object_new_string(created));
	if (json_object_object_get_ex(spec, "tags", &tags))
		json_object_object_add(record, "tags", json_object_get(tags));
	else
		json_object_object_add(record, "tags", json_object_new_object());
	return record;
}

/* The index of `all`: the kept one when `all` is the kept records, else one built in scratch. */
static const local_index *index_of(local_provider *lp, json_object *all, local_index *scratch)
{
	if (all == lp->records)
		return &lp->index;
	return local_index_build(scratch, lp, all) == 0 ? scratch : NULL;
}

static int create_from(local_provider *lp, const prov_call *call, json_object *spec,
		       json_object *all, const local_index *ix)
{
	const char *hostname = spec_string(spec, "hostname", NULL);
	const char *plan = spec_string(spec, "plan", lp->default_plan);
	const char *zone = spec_string(spec, "zone", lp->default_zone);
	char address[INET_ADDRSTRLEN];
	json_object *existing, *record;
	int rc;

	if (check_spec(lp, call, spec, hostname, plan, zone) != 0)
		return -1;
	if (lp->fail_on && local_has_name(lp->fail_on, hostname))
		return local_fail(call, "INJECTED_FAILURE", "create of %.200s fails by fail_on", hostname);
	if ((existing = local_index_live_hostname(ix, hostname)))
		return write_json(call, existing);
	if (allocate_address(lp, ix, address) != 0)
		return local_fail(call, "NO_ADDRESS", "every address of the CIDR of %s is in use",
				  lp->host->instance);
	record = new_record(lp, spec, all, hostname, plan, zone, address);
	rc = local_store_put(lp, call, record);
	if (rc == 0)
		rc = write_json(call, record);
	json_object_put(record);
	return rc;
}

static int local_create_server(void *state, const prov_call *call, const char *spec_json)
{
	local_provider *lp = state;
	json_object *spec, *all;
	local_index scratch = { 0 };
	const local_index *ix;
	int rc = -1;

	if (before_call(lp, call) != 0)
		return -1;
	spec = json_tokener_parse(spec_json);
	if (!json_object_is_type(spec, json_type_object)) {
		json_object_put(spec);
		return local_fail(call, "INVALID_SPEC", "%s", "the server spec must be a JSON object");
	}
	all = local_store_all(lp, call);
	if (all && !(ix = index_of(lp, all, &scratch)))
		call->fail(call, "NO_MEMORY", "out of memory", NULL);
	else if (all)
		rc = create_from(lp, call, spec, all, ix);
	local_index_clear(&scratch);
	json_object_put(all);
	json_object_put(spec);
	return rc;
}

static int local_list_servers(void *state, const prov_call *call)
{
	local_provider *lp = state;
	json_object *all, *live;
	int rc;

	if (before_call(lp, call) != 0 || !(all = local_store_all(lp, call)))
		return -1;
	live = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *r = json_object_array_get_idx(all, i);

		if (local_is_live(r))
			json_object_array_add(live, json_object_get(r));
	}
	rc = write_json(call, live);
	json_object_put(live);
	json_object_put(all);
	return rc;
}

static int local_get_server(void *state, const prov_call *call, const char *id)
{
	local_provider *lp = state;
	json_object *record;
	int rc;

	if (before_call(lp, call) != 0 || !(record = local_store_get(lp, call, id)))
		return -1;
	rc = write_json(call, record);
	json_object_put(record);
	return rc;
}

/* Set the status of a server, refusing changes to a deleted one. */
static int set_status(void *state, const prov_call *call, const char *id, const char *status)
{
	local_provider *lp = state;
	json_object *record;
	int rc = -1;

	if (before_call(lp, call) != 0 || !(record = local_store_get(lp, call, id)))
		return -1;
	if (!local_is_live(record) && strcmp(status, "deleted") != 0)
		local_fail(call, "DELETED", "server %.200s is deleted", id);
	else if (strcmp(status, "deleted") == 0 && !local_is_live(record))
		rc = write_json(call, record);
	else {
		json_object_object_add(record, "status", json_object_new_string(status));
		rc = local_store_put(lp, call, record);
		if (rc == 0)
			rc = write_json(call, record);
	}
	json_object_put(record);
	return rc;
}

static int local_delete_server(void *state, const prov_call *call, const char *id)
{
	return set_status(state, call, id, "deleted");
}

static int local_start_server(void *state, const prov_call *call, const char *id)
{
	return set_status(state, call, id, "running");
}

static int local_stop_server(void *state, const prov_call *call, const char *id)
{
	return set_status(state, call, id, "stopped");
}

static int local_reboot_server(void *state, const prov_call *call, const char *id)
{
	return set_status(state, call, id, "running");
}

/* Only the plan and the tags of a server can change. */
static int apply_changes(local_provider *lp, const prov_call *call, json_object *record,
			 json_object *changes)
{
	json_object_object_foreach(changes, key, value) {
		if (strcmp(key, "id") == 0)
			continue;
		if (strcmp(key, "plan") == 0 && json_object_is_type(value, json_type_string) &&
		    local_has_name(lp->plans, json_object_get_string(value)))
			json_object_object_add(record, "plan", json_object_get(value));
		else if (strcmp(key, "tags") == 0 && string_map(value))
			json_object_object_add(record, "tags", json_object_get(value));
		else
			return local_fail(call, "INVALID_CHANGE", "cannot change %.200s to that value", key);
	}
	return 0;
}

static int local_modify_server(void *state, const prov_call *call, const char *id,
			       const char *changes_json)
{
	local_provider *lp = state;
	json_object *record, *changes;
	int rc = -1;

	if (before_call(lp, call) != 0 || !(record = local_store_get(lp, call, id)))
		return -1;
	changes = json_tokener_parse(changes_json);
	if (!local_is_live(record))
		local_fail(call, "DELETED", "server %.200s is deleted", id);
	else if (apply_changes(lp, call, record, changes) == 0 &&
		 local_store_put(lp, call, record) == 0)
		rc = write_json(call, record);
	json_object_put(changes);
	json_object_put(record);
	return rc;
}

static int local_list_plans(void *state, const prov_call *call)
{
	local_provider *lp = state;

	return before_call(lp, call) != 0 ? -1 : write_json(call, lp->plans);
}

static int local_list_zones(void *state, const prov_call *call)
{
	local_provider *lp = state;

	return before_call(lp, call) != 0 ? -1 : write_json(call, lp->zones);
}

static void local_fini(void *state)
{
	local_provider *lp = state;

	if (!lp)
		return;
	local_store_forget(lp);
	local_config_release(lp);
	free(lp);
}

static int local_init(const prov_host_api *host, const char *config_json, void **state)
{
	local_provider *lp = calloc(1, sizeof(*lp));

	*state = NULL;
	if (!lp)
		return -1;
	lp->host = host;
	if (local_config_load(lp, config_json) != 0) {
		local_fini(lp);
		return -1;
	}
	*state = lp;
	return 0;
}

static const prov_provider_interface local_interface = {
	.size = sizeof(prov_provider_interface),
	.init = local_init,
	.fini = local_fini,
	.list_servers = local_list_servers,
	.get_server = local_get_server,
	.create_server = local_create_server,
	.delete_server = local_delete_server,
	.start_server = local_start_server,
	.stop_server = local_stop_server,
	.reboot_server = local_reboot_server,
	.modify_server = local_modify_server,
	.list_plans = local_list_plans,
	.list_zones = local_list_zones,
};

static const prov_plugin_desc local_descriptor = {
	.size = sizeof(prov_plugin_desc),
	.abi_version = PROV_PLUGIN_ABI_CURRENT,
	.kind = PROV_PLUGIN_KIND_PROVIDER,
	.name = "local",
	.version = "0.1.0",
	.description = "Hermetic provider: servers as JSON records in a state directory",
	.flags = PROV_PLUGIN_FLAG_NOT_CONCURRENT,
	.interface = &local_interface,
};

PROV_PLUGIN_DEFINE(local_descriptor)
