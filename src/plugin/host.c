/*
 * The services the host offers plugins through prov_host_api. Each is a thin
 * bridge to the library's own helpers (logging, atomic files, the child
 * process runner) or to the callbacks the embedding program gave in
 * prov_plugin_options, so plugins depend on the headers alone.
 */
#include "plugin/instance.h"

#include "core/err.h"
#include "core/file.h"
#include "core/logging.h"
#include "core/mem.h"

#include <provisioning/process.h>

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field of the plugin's process request, or fallback when it lies past its size. */
#define HOST_PROCESS_FIELD(p, field, fallback) \
	((p)->size >= offsetof(prov_host_process, field) + sizeof((p)->field) \
	 ? (p)->field : (fallback))

static prov_instance *instance_of(const prov_host_api *host)
{
	return host->host_data;
}

static void host_log(const prov_host_api *host, int level, const char *message)
{
	prov_instance *inst = instance_of(host);
	const prov_plugin_options *s = &inst->services;

	if (!message)
		return;
	if (inst->in_init && level == PROV_LOG_ERROR)
		prov_copy_bounded(inst->init_error, sizeof(inst->init_error), message);
	if (s->log) {
		s->log(level, inst->name, message, s->userdata);
		return;
	}
	if (prov_log_enabled(level)) {
		char component[160];

		snprintf(component, sizeof(component), "provider:%s", inst->name);
		prov_log(level, component, "%s", message);
	}
}

static int host_publish(const prov_host_api *host, const char *event_json, size_t len)
{
	prov_instance *inst = instance_of(host);
	const prov_plugin_options *s = &inst->services;
	char *copy;
	int rc;

	if (!s->publish || !event_json)
		return PROV_OK;
	/* The embedding program gets a NUL-terminated copy whatever len says. */
	copy = prov_strndup(event_json, len);
	if (!copy)
		return PROV_ENOMEM;
	rc = s->publish(inst->name, copy, s->userdata);
	free(copy);
	return rc;
}

static int host_config_get(const prov_host_api *host, char *buf, size_t size,
			   size_t *needed, const char *key)
{
	const prov_plugin_options *s = &instance_of(host)->services;
	size_t dummy;

	if (!needed)
		needed = &dummy;
	*needed = 0;
	if (buf && size > 0)
		buf[0] = '\0';
	if (!key)
		return PROV_EINVAL;
	if (!s->config_get)
		return PROV_ENOTFOUND;
	return s->config_get(buf, size, needed, key, s->userdata);
}

static int host_make_private_dir(const prov_host_api *host, const char *path)
{
	return path ? prov_dir_create(path) : PROV_EINVAL;
}

static int host_write_file_atomic(const prov_host_api *host, const char *path,
				  const void *data, size_t len)
{
	char *dir, *parent;
	int rc;

	if (!path || (!data && len > 0))
		return PROV_EINVAL;
	dir = prov_strdup(path);
	if (!dir)
		return PROV_ENOMEM;
	parent = dirname(dir);
	rc = prov_dir_create(parent);
	free(dir);
	return rc == PROV_OK ? prov_file_write_atomic(path, data, len) : rc;
}

static int process_cancelled(void *userdata)
{
	const prov_call *call = userdata;

	return call->cancelled(call);
}

/* The earlier of the process's own timeout and the call's deadline. */
static long long process_timeout(const prov_call *call, const prov_host_process *process)
{
	int64_t left = call->remaining_ms(call);
	long long own = HOST_PROCESS_FIELD(process, timeout_ms, 0);

	if (left < 0)
		return own;
	if (left == 0)
		left = 1;
	return own > 0 && own < left ? own : left;
}

static void report_streams(const prov_host_process *process, const prov_process_result *r)
{
	void (*output)(int, const char *, size_t, int, void *) =
		HOST_PROCESS_FIELD(process, output, NULL);
	void *userdata = HOST_PROCESS_FIELD(process, userdata, NULL);
	const char *data;
	size_t len;
	int truncated;

	if (!output)
		return;
	data = prov_process_result_stdout(r, &len, &truncated);
	output(PROV_PLUGIN_STDOUT, data, len, truncated, userdata);
	data = prov_process_result_stderr(r, &len, &truncated);
	output(PROV_PLUGIN_STDERR, data, len, truncated, userdata);
}

#define SET_RESULT(result, field, value) \
	do { \
		if ((result)->size >= offsetof(prov_host_process_result, field) + \
				      sizeof((result)->field)) \
			(result)->field = (value); \
	} while (0)

static void fill_result(prov_host_process_result *result, const prov_process_result *r,
			int rc)
{
	SET_RESULT(result, exit_code, prov_process_result_exit_code(r));
	SET_RESULT(result, signal, prov_process_result_signal(r));
	SET_RESULT(result, timed_out, rc == PROV_ETIMEOUT);
	SET_RESULT(result, cancelled, rc == PROV_ECANCELLED);
	SET_RESULT(result, duration_ms, prov_process_result_duration_ms(r));
}

static int host_run_process(const prov_host_api *host, const prov_call *call,
			    const prov_host_process *process,
			    prov_host_process_result *result)
{
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *r = NULL;
	int rc;

	if (!call || !process || !result || !HOST_PROCESS_FIELD(process, argv, NULL))
		return PROV_EINVAL;
	opt.argv = process->argv;
	opt.envp = HOST_PROCESS_FIELD(process, envp, NULL);
	opt.cwd = HOST_PROCESS_FIELD(process, cwd, NULL);
	opt.stdin_data = HOST_PROCESS_FIELD(process, stdin_data, NULL);
	opt.stdin_len = HOST_PROCESS_FIELD(process, stdin_len, 0);
	opt.output_limit = HOST_PROCESS_FIELD(process, output_limit, 0);
	opt.timeout_ms = process_timeout(call, process);
	opt.cancelled = process_cancelled;
	opt.userdata = (void *)call;
	rc = prov_process_run(&r, &opt);
	if (!r) {
		if (result->size >= offsetof(prov_host_process_result, error) + sizeof(result->error))
			prov_copy_bounded(result->error, sizeof(result->error),
					  prov_error_last()->message);
		return rc;
	}
	report_streams(process, r);
	fill_result(result, r, rc);
	prov_process_result_free(r);
	return PROV_OK;
}

void prov_host_api_init(prov_instance *inst)
{
	prov_host_api *h = &inst->host;

	memset(h, 0, sizeof(*h));
	h->size = (uint32_t)sizeof(*h);
	h->abi_version = inst->plugin->abi_version;
	h->instance = inst->name;
	h->host_data = inst;
	h->log = host_log;
	h->publish = host_publish;
	h->config_get = host_config_get;
	h->write_file_atomic = host_write_file_atomic;
	h->make_private_dir = host_make_private_dir;
	h->run_process = host_run_process;
}
