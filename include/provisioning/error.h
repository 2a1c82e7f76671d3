/*
 * libprovisioning: status codes and the per-thread last error.
 *
 * Every fallible function returns an int: PROV_OK (0) or one of the negative
 * PROV_E* codes below. The codes are stable: a code keeps its number forever,
 * new codes only take new numbers. Details of the most recent failure on the
 * calling thread are available from prov_error_last().
 */
#ifndef PROVISIONING_ERROR_H
#define PROVISIONING_ERROR_H

#include <provisioning/common.h>

PROV_BEGIN_DECLS

/** Status codes. Zero is success; failures are negative and never renumbered. */
typedef enum prov_status {
	PROV_OK = 0,
	PROV_ERROR = -1,        /**< a failure with no more specific code */
	PROV_ENOMEM = -2,       /**< out of memory */
	PROV_EINVAL = -3,       /**< invalid argument */
	PROV_ENOTFOUND = -4,    /**< a key, file, node, plugin or workflow does not exist */
	PROV_ETYPE = -5,        /**< a value exists but has another type */
	PROV_EPARSE = -6,       /**< malformed document (TOML, YAML, JSON, ...) */
	PROV_ECONFIG = -7,      /**< configuration is invalid (schema, references, layers) */
	PROV_EIO = -8,          /**< an operating-system call on a file or pipe failed */
	PROV_EEXISTS = -9,      /**< something that must be new already exists */
	PROV_ECYCLE = -10,      /**< a dependency or reference cycle */
	PROV_ETIMEOUT = -11,    /**< a deadline passed */
	PROV_ECANCELLED = -12,  /**< the operation was cancelled */
	PROV_EPROVIDER = -13,   /**< a provider reported a failure */
	PROV_EABI = -14,        /**< a plugin speaks an incompatible ABI or is malformed */
	PROV_EPLUGIN = -15,     /**< a plugin could not be loaded or refused to start */
	PROV_ECONFLICT = -16,   /**< a different definition already owns this id */
	PROV_EBUSY = -17,       /**< another owner holds the resource (already running) */
	PROV_ESTALE = -18,      /**< a write presented a released or superseded token */
	PROV_EVERSION = -19,    /**< a document's format_version is newer than this library */
	PROV_ELAGGED = -20,     /**< a subscriber fell behind and missed events */
	PROV_ECLOSED = -21,     /**< the channel or handle was closed */
	PROV_EAGAIN = -22,      /**< nothing available now; try again */
	PROV_EUNSUPPORTED = -23,/**< the operation is not supported here */
	PROV_EWORKFLOW = -24,   /**< a workflow ended in error */
	PROV_ERANGE = -25,      /**< a number is out of range */
	PROV_EPROCESS = -26,    /**< a child process failed to start or exited badly */
	PROV_EPARTIAL = -27,    /**< part of the work failed, the rest succeeded */
	PROV_EPERM = -28,       /**< refused for safety (permissions, allow lists) */
	PROV_ESTORE = -29       /**< a checkpoint store failed or holds damaged data */
} prov_status;

/** What a failure is about; bindings map categories to exception classes. */
typedef enum prov_error_category {
	PROV_ERRCAT_NONE = 0,
	PROV_ERRCAT_INVALID_ARGUMENT = 1,
	PROV_ERRCAT_MEMORY = 2,
	PROV_ERRCAT_IO = 3,
	PROV_ERRCAT_SYSTEM = 4,        /**< processes, threads, clocks */
	PROV_ERRCAT_CONFIGURATION = 5,
	PROV_ERRCAT_PROVIDER = 6,
	PROV_ERRCAT_WORKFLOW = 7,
	PROV_ERRCAT_RESOURCE = 8,
	PROV_ERRCAT_ABI = 9,           /**< plugin loading and negotiation */
	PROV_ERRCAT_CHECKPOINT = 10,
	PROV_ERRCAT_DOCUMENT = 11,     /**< malformed JSON/TOML/YAML documents */
	PROV_ERRCAT_INTERNAL = 12
} prov_error_category;

/**
 * The last error of the calling thread. All strings are NUL-terminated UTF-8
 * (possibly truncated, never NULL: an unknown field is ""), and `line` is 0
 * when unknown. Fields are only appended, never moved; `size` is
 * sizeof(prov_error) of the library that filled it.
 */
typedef struct prov_error {
	unsigned int size;
	int code;                   /**< a PROV_E* status */
	int category;               /**< a PROV_ERRCAT_* value */
	const char *message;        /**< one line, no trailing newline */
	const char *file;           /**< the file the error is about */
	int line;                   /**< 1-based line in `file` */
	const char *key;            /**< a config key path */
	const char *provider;       /**< a provider instance name */
	const char *workflow_id;
	const char *operation_id;
	const char *resource_type;
	const char *resource_id;
} prov_error;

/**
 * The calling thread's most recent error. Borrowed: valid until the next
 * library call on this thread that fails or clears the error. Never NULL;
 * when no error happened, code is PROV_OK and the message is "".
 *
 * A successful call does not clear the last error; only failures replace it.
 * Thread safety: each thread sees only its own errors.
 */
PROV_API const prov_error *prov_error_last(void);

/** Forget the calling thread's last error. */
PROV_API void prov_error_clear(void);

/**
 * A static English name for a status code ("not found"). Never NULL; unknown
 * codes give "unknown error". Thread safety: any thread.
 */
PROV_API const char *prov_strerror(int code);

/** A static name for an error category ("configuration"). Never NULL. */
PROV_API const char *prov_error_category_name(int category);

PROV_END_DECLS

#endif
