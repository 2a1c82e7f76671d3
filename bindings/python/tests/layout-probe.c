/*
 * Prints, as JSON, the size and member offsets of every public struct the
 * Python package declares, as the C compiler lays them out, so test_layout
 * can compare them with the ctypes declarations.
 */
#include <provisioning/provisioning.h>

#include <stddef.h>
#include <stdio.h>

struct member {
	const char *name;
	size_t offset;
};

struct layout {
	const char *name;
	size_t size;
	const struct member *members;
	size_t count;
};

#define M(type, member) { #member, offsetof(type, member) }
#define LAYOUT(type, members) { #type, sizeof(type), members, sizeof(members) / sizeof(members[0]) }

static const struct member error_members[] = {
	M(prov_error, size), M(prov_error, code), M(prov_error, category),
	M(prov_error, message), M(prov_error, file), M(prov_error, line), M(prov_error, key),
	M(prov_error, provider), M(prov_error, workflow_id), M(prov_error, operation_id),
	M(prov_error, resource_type), M(prov_error, resource_id),
};
static const struct member version_members[] = {
	M(prov_version_info, age), M(prov_version_info, major), M(prov_version_info, minor),
	M(prov_version_info, patch), M(prov_version_info, version),
	M(prov_version_info, plugin_abi), M(prov_version_info, plugin_abi_oldest),
	M(prov_version_info, pluginsdir), M(prov_version_info, features),
};
static const struct member discovery_members[] = {
	M(prov_config_discovery_options, size), M(prov_config_discovery_options, cwd),
	M(prov_config_discovery_options, workspace_dir),
	M(prov_config_discovery_options, env_name),
	M(prov_config_discovery_options, defaults_dir),
	M(prov_config_discovery_options, system_dir),
	M(prov_config_discovery_options, user_dir),
	M(prov_config_discovery_options, environment),
};
static const struct member retry_members[] = {
	M(prov_dag_retry_policy, size), M(prov_dag_retry_policy, max_attempts),
	M(prov_dag_retry_policy, backoff), M(prov_dag_retry_policy, initial_delay_ms),
	M(prov_dag_retry_policy, max_delay_ms), M(prov_dag_retry_policy, jitter),
};
static const struct member node_members[] = {
	M(prov_dag_node_options, size), M(prov_dag_node_options, retry),
	M(prov_dag_node_options, timeout_ms), M(prov_dag_node_options, on_failure),
};
static const struct member run_members[] = {
	M(prov_dag_run_options, size), M(prov_dag_run_options, parallelism),
	M(prov_dag_run_options, on_failure), M(prov_dag_run_options, retry),
	M(prov_dag_run_options, timeout_ms), M(prov_dag_run_options, clock),
	M(prov_dag_run_options, on_start), M(prov_dag_run_options, on_retry),
	M(prov_dag_run_options, on_finish), M(prov_dag_run_options, userdata),
	M(prov_dag_run_options, jitter_seed),
};
static const struct member bus_members[] = {
	M(prov_bus_options, size), M(prov_bus_options, capacity), M(prov_bus_options, flags),
};
static const struct member subscribe_members[] = {
	M(prov_bus_subscribe_options, size), M(prov_bus_subscribe_options, types),
};
static const struct member plugin_members[] = {
	M(prov_plugin_options, size), M(prov_plugin_options, paths),
	M(prov_plugin_options, ignore_environment), M(prov_plugin_options, ignore_default_dir),
	M(prov_plugin_options, allow_writable), M(prov_plugin_options, log),
	M(prov_plugin_options, publish), M(prov_plugin_options, config_get),
	M(prov_plugin_options, userdata),
};
static const struct member call_members[] = {
	M(prov_call_options, size), M(prov_call_options, workflow_id),
	M(prov_call_options, operation_id), M(prov_call_options, timeout_ms),
	M(prov_call_options, cancelled), M(prov_call_options, userdata),
};
static const struct member extension_members[] = {
	M(prov_extension_options, size), M(prov_extension_options, base_dir),
	M(prov_extension_options, paths), M(prov_extension_options, mode),
	M(prov_extension_options, allowed), M(prov_extension_options, blocked),
};

static const struct member etcd_members[] = {
	M(prov_checkpoint_etcd_options, size), M(prov_checkpoint_etcd_options, endpoints),
	M(prov_checkpoint_etcd_options, prefix), M(prov_checkpoint_etcd_options, lease_ttl_s),
	M(prov_checkpoint_etcd_options, connect_timeout_ms),
	M(prov_checkpoint_etcd_options, request_timeout_ms),
	M(prov_checkpoint_etcd_options, retry_timeout_ms),
	M(prov_checkpoint_etcd_options, ca_file), M(prov_checkpoint_etcd_options, cert_file),
	M(prov_checkpoint_etcd_options, key_file), M(prov_checkpoint_etcd_options, user),
	M(prov_checkpoint_etcd_options, password),
};
static const struct member store_members[] = {
	M(prov_checkpoint_store_options, size), M(prov_checkpoint_store_options, store),
	M(prov_checkpoint_store_options, dir), M(prov_checkpoint_store_options, etcd),
};
static const struct member list_members[] = {
	M(prov_checkpoint_list_options, size), M(prov_checkpoint_list_options, prefix),
	M(prov_checkpoint_list_options, after), M(prov_checkpoint_list_options, limit),
};

static const struct member workflow_members[] = {
	M(prov_workflow_options, size), M(prov_workflow_options, registry),
	M(prov_workflow_options, resolver), M(prov_workflow_options, store),
	M(prov_workflow_options, bus), M(prov_workflow_options, parallel_limit),
	M(prov_workflow_options, wait_ms),
};

static const struct layout layouts[] = {
	LAYOUT(prov_error, error_members),
	LAYOUT(prov_version_info, version_members),
	LAYOUT(prov_config_discovery_options, discovery_members),
	LAYOUT(prov_dag_retry_policy, retry_members),
	LAYOUT(prov_dag_node_options, node_members),
	LAYOUT(prov_dag_run_options, run_members),
	LAYOUT(prov_bus_options, bus_members),
	LAYOUT(prov_bus_subscribe_options, subscribe_members),
	LAYOUT(prov_plugin_options, plugin_members),
	LAYOUT(prov_call_options, call_members),
	LAYOUT(prov_extension_options, extension_members),
	LAYOUT(prov_checkpoint_etcd_options, etcd_members),
	LAYOUT(prov_checkpoint_store_options, store_members),
	LAYOUT(prov_checkpoint_list_options, list_members),
	LAYOUT(prov_workflow_options, workflow_members),
};

int main(void)
{
	size_t i, j;

	printf("{");
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];

		printf("%s\"%s\":{\"size\":%zu,\"members\":{", i ? "," : "", l->name, l->size);
		for (j = 0; j < l->count; j++)
			printf("%s\"%s\":%zu", j ? "," : "", l->members[j].name, l->members[j].offset);
		printf("}}");
	}
	printf("}\n");
	return 0;
}
