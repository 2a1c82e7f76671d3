/*
 * The local provider's configuration: its section of providers.<name>.
 *   state_dir   where records live (default .provisioning/local under paths.base)
 *   cidr        addresses to hand out (default 10.10.0.0/16)
 *   plans       names or {"name", ...} objects (default three sizes)
 *   zones       names or {"name", ...} objects (default local-1)
 *   zone        the default zone (default: the first)
 *   latency_ms  added to every call; fail_on: hostnames whose create fails;
 *   fail_rate   probability that a call fails, drawn from `seed`
 * A bad value makes init fail with a log line naming the key.
 */
#include "local.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void local_log(const local_provider *lp, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	lp->host->log(lp->host, level, line);
}

static int config_error(const local_provider *lp, const char *key, const char *problem)
{
	local_log(lp, PROV_PLUGIN_LOG_ERROR, "providers.%s.%s: %s", lp->host->instance, key,
		  problem);
	return -1;
}

/* paths.base from the host's config, or NULL. */
static char *paths_base(const local_provider *lp)
{
	char buf[4096];
	json_object *value;
	char *base = NULL;

	if (!PROV_HOST_HAS(lp->host, config_get) ||
	    lp->host->config_get(lp->host, buf, sizeof(buf), NULL, "paths.base") != 0)
		return NULL;
	value = json_tokener_parse(buf);
	if (json_object_is_type(value, json_type_string))
		base = strdup(json_object_get_string(value));
	json_object_put(value);
	return base;
}

static int load_state_dir(local_provider *lp, json_object *config)
{
	json_object *v;
	char *base;
	size_t len;

	if (json_object_object_get_ex(config, "state_dir", &v)) {
		if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
			return config_error(lp, "state_dir", "must be a non-empty string");
		lp->state_dir = strdup(json_object_get_string(v));
	} else {
		base = paths_base(lp);
		len = (base ? strlen(base) : 1) + sizeof("/.provisioning/local");
		if ((lp->state_dir = malloc(len)))
			snprintf(lp->state_dir, len, "%s/.provisioning/local", base ? base : ".");
		free(base);
	}
	if (!lp->state_dir)
		return -1;
	len = strlen(lp->state_dir) + sizeof("/servers");
	if (!(lp->servers_dir = malloc(len)))
		return -1;
	snprintf(lp->servers_dir, len, "%s/servers", lp->state_dir);
	return 0;
}

static int parse_cidr(local_provider *lp, const char *text)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	struct in_addr in;
	char *end;
	long bits;

	if (!slash || (size_t)(slash - text) >= sizeof(addr))
		return -1;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	bits = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || bits < 8 || bits > 30 || inet_pton(AF_INET, addr, &in) != 1)
		return -1;
	lp->host_count = 1u << (32 - bits);
	lp->network = ntohl(in.s_addr) & ~(lp->host_count - 1);
	return 0;
}

static int load_cidr(local_provider *lp, json_object *config)
{
	json_object *v;
	const char *text = "10.10.0.0/16";

	if (json_object_object_get_ex(config, "cidr", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return config_error(lp, "cidr", "must be a string like 10.10.0.0/16");
		text = json_object_get_string(v);
	}
	if (parse_cidr(lp, text) != 0)
		return config_error(lp, "cidr", "must be an IPv4 network a.b.c.d/n with n from 8 to 30");
	return 0;
}

static json_object *named(const char *name)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	return o;
}

/* A list of names or {"name"} objects, normalised to objects. */
static int load_named_list(local_provider *lp, json_object *config, const char *key,
			   const char *const *defaults, json_object **out)
{
	json_object *v, *list = json_object_new_array();
	size_t n;

	*out = list;
	if (!json_object_object_get_ex(config, key, &v)) {
		for (; *defaults; defaults++)
			json_object_array_add(list, named(*defaults));
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) || !(n = json_object_array_length(v)))
		return config_error(lp, key, "must be a non-empty list");
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(v, i), *name;

		if (json_object_is_type(item, json_type_string))
			json_object_array_add(list, named(json_object_get_string(item)));
		else if (json_object_object_get_ex(item, "name", &name) &&
			 json_object_is_type(name, json_type_string))
			json_object_array_add(list, json_object_get(item));
		else
			return config_error(lp, key, "each entry must be a name or a table with a name");
	}
	return 0;
}

static const char *first_name(json_object *list)
{
	json_object *name;

	json_object_object_get_ex(json_object_array_get_idx(list, 0), "name", &name);
	return json_object_get_string(name);
}

bool local_has_name(json_object *list, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *item = json_object_array_get_idx(list, i), *v;

		if (json_object_object_get_ex(item, "name", &v) &&
		    strcmp(json_object_get_string(v), name) == 0)
			return true;
		if (json_object_is_type(item, json_type_string) &&
		    strcmp(json_object_get_string(item), name) == 0)
			return true;
	}
	return false;
}

static int load_catalogue(local_provider *lp, json_object *config)
{
	static const char *const plans[] = { "1xCPU-1GB", "2xCPU-4GB", "4xCPU-8GB", NULL };
	static const char *const zones[] = { "local-1", NULL };
	json_object *v;

	if (load_named_list(lp, config, "plans", plans, &lp->plans) != 0 ||
	    load_named_list(lp, config, "zones", zones, &lp->zones) != 0)
		return -1;
	lp->default_plan = first_name(lp->plans);
	lp->default_zone = first_name(lp->zones);
	if (json_object_object_get_ex(config, "zone", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    !local_has_name(lp->zones, json_object_get_string(v)))
			return config_error(lp, "zone", "must name one of the zones");
		lp->default_zone = json_object_get_string(v);
	}
	return 0;
}

static int load_knobs(local_provider *lp, json_object *config)
{
	json_object *v;

	if (json_object_object_get_ex(config, "latency_ms", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			return config_error(lp, "latency_ms", "must be an integer >= 0");
		lp->latency_ms = json_object_get_int64(v);
	}
	if (json_object_object_get_ex(config, "fail_on", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return config_error(lp, "fail_on", "must be a list of hostnames");
		lp->fail_on = json_object_get(v);
	}
	if (json_object_object_get_ex(config, "fail_rate", &v)) {
		if (!(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) ||
		    json_object_get_double(v) < 0 || json_object_get_double(v) > 1)
			return config_error(lp, "fail_rate", "must be a number from 0 to 1");
		lp->fail_rate = json_object_get_double(v);
	}
	lp->rng = 0x9e3779b97f4a7c15ull;
	if (json_object_object_get_ex(config, "seed", &v)) {
		if (!json_object_is_type(v, json_type_int))
			return config_error(lp, "seed", "must be an integer");
		lp->rng ^= (uint64_t)json_object_get_int64(v) * 0xbf58476d1ce4e5b9ull;
	}
	if (!lp->rng)
		lp->rng = 1;
	return 0;
}

int local_config_load(local_provider *lp, const char *config_json)
{
	json_object *config = json_tokener_parse(config_json);
	int rc;

	if (!json_object_is_type(config, json_type_object)) {
		json_object_put(config);
		local_log(lp, PROV_PLUGIN_LOG_ERROR, "providers.%s: the section must be a table",
			  lp->host->instance);
		return -1;
	}
	rc = load_state_dir(lp, config);
	if (rc == 0)
		rc = load_cidr(lp, config);
	if (rc == 0)
		rc = load_catalogue(lp, config);
	if (rc == 0)
		rc = load_knobs(lp, config);
	/* Kept: default_zone points into it (fail_on holds a reference of its own). */
	lp->config = config;
	return rc;
}

void local_config_release(local_provider *lp)
{
	free(lp->state_dir);
	free(lp->servers_dir);
	json_object_put(lp->plans);
	json_object_put(lp->zones);
	json_object_put(lp->fail_on);
	json_object_put(lp->config);
}
