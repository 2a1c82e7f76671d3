/*
 * libprovisioning: the plugin ABI and the provider interface.
 *
 * This is what a provider plugin includes. It needs nothing beyond
 * <stdint.h> and <stddef.h>: a plugin is compiled against the headers alone
 * and never links the library. Extension plugins include <provisioning/
 * extension.h>, which builds on this header.
 *
 * A plugin exports two symbols (see PROV_PLUGIN_DEFINE):
 *   int prov_plugin_negotiate(uint32_t *abi_version);
 *   const prov_plugin_desc *prov_plugin_descriptor(uint32_t abi_version);
 * The host calls negotiate first with the newest ABI it speaks; the plugin
 * writes back the version it will use (the highest both speak) and returns
 * 0, or writes back its own newest version and returns non-zero. The host
 * then asks for the descriptor of the agreed version and validates it before
 * calling anything else.
 *
 * Every struct here starts with its size and only grows at the end. The
 * host reads no field past a plugin's declared size, and a plugin must check
 * a host struct's size before using a field newer than the version it agreed
 * to (PROV_HOST_HAS).
 *
 * Status values: plugin functions and host services return 0 for success
 * and non-zero for failure. Where a host service gives a reason it is one of
 * the negative status codes of <provisioning/error.h> (their numbers never
 * change); the few a plugin needs are repeated below as PROV_PLUGIN_E*.
 *
 * The full guide, with a complete minimal provider: docs/PLUGINS.md.
 */
#ifndef PROVISIONING_PROVIDER_H
#define PROVISIONING_PROVIDER_H

#include <provisioning/common.h>

#include <stddef.h>
#include <stdint.h>

PROV_BEGIN_DECLS

/** A plugin ABI version: major << 16 | minor, packed into a uint32_t. */
#define PROV_PLUGIN_ABI_VERSION(major, minor) \
	((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xffffu)))
#define PROV_PLUGIN_ABI_MAJOR(version) ((uint32_t)(version) >> 16)
#define PROV_PLUGIN_ABI_MINOR(version) ((uint32_t)(version) & 0xffffu)

/** The plugin ABI these headers describe. */
#define PROV_PLUGIN_ABI_CURRENT PROV_PLUGIN_ABI_VERSION(1, 0)

/** Marks a function the plugin exports to the host. */
#ifdef __cplusplus
#define PROV_PLUGIN_EXTERN_C extern "C"
#else
#define PROV_PLUGIN_EXTERN_C
#endif
#if defined(__GNUC__)
#define PROV_PLUGIN_EXPORT PROV_PLUGIN_EXTERN_C __attribute__((visibility("default")))
#else
#define PROV_PLUGIN_EXPORT PROV_PLUGIN_EXTERN_C
#endif

/** Status values a plugin may see from host services (same numbers as error.h). */
#define PROV_PLUGIN_OK 0
#define PROV_PLUGIN_ERROR (-1)
#define PROV_PLUGIN_ENOMEM (-2)
#define PROV_PLUGIN_EINVAL (-3)
#define PROV_PLUGIN_ENOTFOUND (-4)
#define PROV_PLUGIN_ERANGE (-25)
#define PROV_PLUGIN_EUNSUPPORTED (-23)

/** Log levels of prov_host_api.log (same numbers as <provisioning/log.h>). */
#define PROV_PLUGIN_LOG_ERROR 0
#define PROV_PLUGIN_LOG_WARNING 1
#define PROV_PLUGIN_LOG_INFO 2
#define PROV_PLUGIN_LOG_DEBUG 3

/** What a plugin provides: prov_plugin_desc.kind. */
#define PROV_PLUGIN_KIND_PROVIDER 1u
#define PROV_PLUGIN_KIND_EXTENSION 2u

/**
 * prov_plugin_desc.flags: one state of this plugin cannot serve two calls at
 * the same time, so the host serialises the calls to each instance.
 */
#define PROV_PLUGIN_FLAG_NOT_CONCURRENT (1u << 0)

typedef struct prov_call prov_call;
typedef struct prov_host_api prov_host_api;

/**
 * Passed to every provider call. Owned by the host and valid only during the
 * call; a plugin must not keep a pointer to it or call its functions from
 * another thread after the call returned.
 */
struct prov_call {
	uint32_t size;                 /**< sizeof(prov_call) of the host */
	uint32_t reserved;
	const char *action;            /**< "create_server", or an extension task's name */
	const char *params_json;       /**< the action's parameters, a JSON object ("{}" when none) */
	const char *workflow_id;       /**< "" outside a workflow */
	const char *operation_id;      /**< "" outside a workflow */
	const char *idempotency_key;   /**< "<workflow_id>/<operation_id>", "" outside a workflow */
	int64_t deadline_ms;           /**< CLOCK_MONOTONIC milliseconds; 0: no deadline */
	/** Milliseconds left before the deadline (0 when passed), -1 without a deadline. */
	int64_t (*remaining_ms)(const prov_call *call);
	/** Non-zero once the caller cancelled: stop early and return non-zero. */
	int (*cancelled)(const prov_call *call);
	/**
	 * Append to the output document: the action's result as JSON (a server
	 * record, a list). May be called several times; the pieces are joined.
	 * The host copies the bytes: nothing is freed across the boundary.
	 */
	int (*output)(const prov_call *call, const char *json, size_t len);
	/**
	 * Report the failure of this call: the provider's own error code
	 * ("QUOTA_EXCEEDED"), a one-line message and optional details (a JSON
	 * object, or NULL). The function then returns non-zero.
	 */
	int (*fail)(const prov_call *call, const char *code, const char *message,
		    const char *details_json);
	void *host_data;               /**< the host's; never touched by the plugin */
};

/** Streams of prov_host_process.output. */
#define PROV_PLUGIN_STDOUT 1
#define PROV_PLUGIN_STDERR 2

/**
 * A child process for prov_host_api.run_process: run from argv without a
 * shell, in its own process group, killed (SIGTERM, then SIGKILL, to the
 * whole group) at the earlier of timeout_ms and the call's deadline, or when
 * the call is cancelled.
 */
typedef struct prov_host_process {
	uint32_t size;                 /**< sizeof(prov_host_process) of the plugin */
	uint32_t reserved;
	const char *const *argv;       /**< NULL-terminated; argv[0] without '/' is looked up in PATH */
	const char *const *envp;       /**< NULL-terminated, or NULL to inherit */
	const char *cwd;               /**< or NULL */
	const char *stdin_data;        /**< written to the child's stdin, then closed */
	size_t stdin_len;
	size_t output_limit;           /**< cap per stream in bytes; 0: 16 MiB */
	int64_t timeout_ms;            /**< <= 0: the call's deadline only */
	/**
	 * Receives each captured stream once the process ended (stdout first).
	 * `data` is borrowed for the duration of the callback and NUL-terminated;
	 * `truncated` is non-zero when the cap cut it.
	 */
	void (*output)(int stream, const char *data, size_t len, int truncated,
		       void *userdata);
	void *userdata;
} prov_host_process;

/** How a process ended, filled by the host up to its `size`. */
typedef struct prov_host_process_result {
	uint32_t size;                 /**< sizeof(prov_host_process_result) of the plugin */
	int exit_code;                 /**< -1 when killed by a signal */
	int signal;                    /**< the signal that ended it, or 0 */
	int timed_out;                 /**< killed at the deadline */
	int cancelled;                 /**< killed because the call was cancelled */
	int64_t duration_ms;
	char error[256];               /**< why it could not start, when run_process failed */
} prov_host_process_result;

/**
 * The host's services, handed to init. Valid until fini returns; every
 * service may be called from any thread the host calls the plugin on. Check
 * PROV_HOST_HAS(host, member) before using a member newer than the ABI
 * version you agreed to.
 */
struct prov_host_api {
	uint32_t size;                 /**< sizeof(prov_host_api) of the host */
	uint32_t abi_version;          /**< the agreed plugin ABI version */
	const char *instance;          /**< this provider instance's or extension's name */
	void *host_data;               /**< the host's; never touched by the plugin */
	/** Log one line through the host's log, tagged with the instance. */
	void (*log)(const prov_host_api *host, int level, const char *message);
	/** Publish an event, a flat JSON object with a "type" member. */
	int (*publish)(const prov_host_api *host, const char *event_json, size_t len);
	/**
	 * Copy the value of a config key ("paths.base") as JSON text into buf
	 * (always NUL-terminated when size > 0). `needed` (may be NULL) receives
	 * the length without the NUL; PROV_PLUGIN_ERANGE when it did not fit,
	 * PROV_PLUGIN_ENOTFOUND when the key is not set.
	 */
	int (*config_get)(const prov_host_api *host, char *buf, size_t size,
			  size_t *needed, const char *key);
	/**
	 * Replace a file atomically (temporary file, fsync, rename, fsync of the
	 * directory) with mode 0600: a reader sees the old or the new content,
	 * never a mix. Creates missing parent directories with mode 0700.
	 */
	int (*write_file_atomic)(const prov_host_api *host, const char *path,
				 const void *data, size_t len);
	/** mkdir -p with mode 0700 for the directories it creates. */
	int (*make_private_dir)(const prov_host_api *host, const char *path);
	/**
	 * Run a child process to completion for `call` (see prov_host_process).
	 * Returns 0 when it ran and ended, whatever its status (see `result`);
	 * non-zero when it could not start, with result->error saying why.
	 */
	int (*run_process)(const prov_host_api *host, const prov_call *call,
			   const prov_host_process *process,
			   prov_host_process_result *result);
};

/** Whether a host struct has `member`: use before a service newer than your ABI. */
#define PROV_HOST_HAS(host, member) \
	((host)->size >= offsetof(prov_host_api, member) + sizeof((host)->member) && \
	 (host)->member != NULL)

/**
 * The provider interface, version 1. Each call takes the state init made and
 * the call; it returns 0 after writing its output with call->output, or
 * non-zero after call->fail. The server actions write a server record, a JSON
 * object with at least id, hostname, provider (the instance name), plan,
 * zone, ip_address, status (pending|running|stopped|error|deleted),
 * created_at (RFC 3339) and tags (a map of strings); list_servers writes an
 * array of them. create_server is idempotent by hostname: creating an
 * existing hostname writes the existing server.
 *
 * Required: init, fini, list_servers, get_server, create_server,
 * delete_server. The rest may be NULL, or lie past `size` in a plugin built
 * before they existed; the host then answers that the action is unsupported.
 */
typedef struct prov_provider_interface {
	uint32_t size;                 /**< sizeof(prov_provider_interface) of the plugin */
	uint32_t reserved;
	/** Make the state of one provider instance from its config section (JSON). */
	int (*init)(const prov_host_api *host, const char *config_json, void **state);
	void (*fini)(void *state);
	int (*list_servers)(void *state, const prov_call *call);
	int (*get_server)(void *state, const prov_call *call, const char *id);
	int (*create_server)(void *state, const prov_call *call, const char *spec_json);
	int (*delete_server)(void *state, const prov_call *call, const char *id);
	int (*start_server)(void *state, const prov_call *call, const char *id);
	int (*stop_server)(void *state, const prov_call *call, const char *id);
	int (*reboot_server)(void *state, const prov_call *call, const char *id);
	/** `changes_json`: the call's params (an object with "id" and the fields to change). */
	int (*modify_server)(void *state, const prov_call *call, const char *id,
			     const char *changes_json);
	int (*list_plans)(void *state, const prov_call *call);
	int (*list_zones)(void *state, const prov_call *call);
} prov_provider_interface;

/**
 * What prov_plugin_descriptor() returns: static, constant data that lives as
 * long as the plugin is loaded.
 */
typedef struct prov_plugin_desc {
	uint32_t size;                 /**< sizeof(prov_plugin_desc) of the plugin */
	uint32_t abi_version;          /**< the agreed version the host asked for */
	uint32_t kind;                 /**< PROV_PLUGIN_KIND_* */
	const char *name;              /**< non-empty; instances refer to the plugin by it */
	const char *version;           /**< the plugin's own version ("1.2.0") */
	const char *description;       /**< one line, or NULL */
	uint32_t flags;                /**< PROV_PLUGIN_FLAG_* */
	/** prov_provider_interface or prov_extension_interface, by kind. */
	const void *interface;
} prov_plugin_desc;

typedef int (*prov_plugin_negotiate_fn)(uint32_t *abi_version);
typedef const prov_plugin_desc *(*prov_plugin_descriptor_fn)(uint32_t abi_version);

#if defined(__GNUC__)
#define PROV_PLUGIN_VISIBLE __attribute__((visibility("default")))
#else
#define PROV_PLUGIN_VISIBLE
#endif
/** The two entry points every plugin exports (PROV_PLUGIN_DEFINE writes them). */
PROV_PLUGIN_VISIBLE int prov_plugin_negotiate(uint32_t *abi_version);
PROV_PLUGIN_VISIBLE const prov_plugin_desc *prov_plugin_descriptor(uint32_t abi_version);

/**
 * The usual negotiation for a plugin that speaks every minor version of one
 * major from `oldest` to `newest`: agree to the highest version both sides
 * speak. Returns 0, or non-zero (writing back `newest`) when there is none.
 */
static inline int prov_plugin_agree(uint32_t *abi_version, uint32_t oldest,
				    uint32_t newest)
{
	uint32_t host = *abi_version;

	if (PROV_PLUGIN_ABI_MAJOR(host) != PROV_PLUGIN_ABI_MAJOR(newest) || host < oldest) {
		*abi_version = newest;
		return 1;
	}
	*abi_version = host < newest ? host : newest;
	return 0;
}

/**
 * Define both exported entry points for a plugin whose one descriptor is
 * `desc` and which speaks exactly the ABI of these headers:
 *
 *     static const prov_plugin_desc my_plugin = { ... };
 *     PROV_PLUGIN_DEFINE(my_plugin)
 */
#define PROV_PLUGIN_DEFINE(desc) \
	PROV_PLUGIN_EXPORT int prov_plugin_negotiate(uint32_t *abi_version) \
	{ \
		return prov_plugin_agree(abi_version, PROV_PLUGIN_ABI_CURRENT, \
					 PROV_PLUGIN_ABI_CURRENT); \
	} \
	PROV_PLUGIN_EXPORT const prov_plugin_desc *prov_plugin_descriptor(uint32_t abi_version) \
	{ \
		return abi_version == PROV_PLUGIN_ABI_CURRENT ? &(desc) : NULL; \
	}

PROV_END_DECLS

#endif
