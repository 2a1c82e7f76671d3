/*
 * libprovisioning: layered configuration.
 *
 * A resolver collects layers (files in TOML, YAML or JSON, strings, the
 * environment, "key.path=value" overrides), then resolves them into a
 * prov_config: one immutable tree in which every value remembers its layer,
 * file and line. Layers are ordered by their kind (prov_config_layer, lowest
 * precedence first), not by the order they were added; within a kind, later
 * additions win. Tables merge deeply; arrays and scalars replace.
 *
 * Keys are addressed by dotted paths ("providers.local.zone"); a segment of
 * digits indexes an array ("servers.0.name"); a key that itself contains a
 * dot or a quote is written in double quotes ("hosts.\"example.com\".ip",
 * with \" and \\ escapes inside). The root is "" (or NULL).
 */
#ifndef PROVISIONING_CONFIG_H
#define PROVISIONING_CONFIG_H

#include <provisioning/common.h>
#include <provisioning/format.h>

#include <stdint.h>

PROV_BEGIN_DECLS

/** Layer kinds, lowest precedence first. Values only grow at the end. */
typedef enum prov_config_layer {
	PROV_CONFIG_LAYER_BUILTIN = 0,   /**< compiled-in defaults */
	PROV_CONFIG_LAYER_DEFAULTS = 1,  /**< config.defaults.* in the installed data dir */
	PROV_CONFIG_LAYER_SYSTEM = 2,    /**< /etc/provisioning/config.* */
	PROV_CONFIG_LAYER_USER = 3,      /**< $XDG_CONFIG_HOME/provisioning/config.* */
	PROV_CONFIG_LAYER_PROJECT = 4,   /**< provisioning.* in the cwd or a parent */
	PROV_CONFIG_LAYER_WORKSPACE = 5, /**< config.* in the workspace directory */
	PROV_CONFIG_LAYER_ENV_FILE = 6,  /**< config.$PROVISIONING_ENV.* */
	PROV_CONFIG_LAYER_EXPLICIT = 7,  /**< files given by --config */
	PROV_CONFIG_LAYER_ENV_VARS = 8,  /**< PROVISIONING_A__B variables */
	PROV_CONFIG_LAYER_WORKFLOW = 9,  /**< a workflow definition's configuration */
	PROV_CONFIG_LAYER_RUNTIME = 10   /**< --set and prov_config_resolver_add_override() */
} prov_config_layer;

/** The types a config value can have. */
typedef enum prov_config_type {
	PROV_CONFIG_NULL = 0,
	PROV_CONFIG_BOOL = 1,
	PROV_CONFIG_INT = 2,
	PROV_CONFIG_DOUBLE = 3,
	PROV_CONFIG_STRING = 4,
	PROV_CONFIG_DATETIME = 5,  /**< a TOML date, time or date-time, read as its text */
	PROV_CONFIG_ARRAY = 6,
	PROV_CONFIG_TABLE = 7
} prov_config_type;

typedef struct prov_config_resolver prov_config_resolver;

/** A resolved configuration: immutable; any number of threads may read it at once. */
typedef struct prov_config prov_config;

/** A validation schema (see docs/CONFIG.md); immutable once loaded. */
typedef struct prov_config_schema prov_config_schema;

/**
 * Where prov_config_resolver_discover() looks. Every pointer may be NULL for
 * the standard location; an empty string "" skips that location. Strings
 * are copied; the struct need not outlive the call.
 */
typedef struct prov_config_discovery_options {
	unsigned int size;          /**< sizeof(prov_config_discovery_options) */
	const char *cwd;            /**< where the project search starts (NULL: the current directory) */
	const char *workspace_dir;  /**< NULL: $PROVISIONING_WORKSPACE, else no workspace layer */
	const char *env_name;       /**< NULL: $PROVISIONING_ENV, else no environment file */
	const char *defaults_dir;   /**< NULL: the installed data directory */
	const char *system_dir;     /**< NULL: /etc/provisioning */
	const char *user_dir;       /**< NULL: $XDG_CONFIG_HOME/provisioning or ~/.config/provisioning */
	/** "NAME=VALUE" strings ending with NULL, read instead of the process environment
	 *  (for variables, PROVISIONING_WORKSPACE/ENV, XDG_CONFIG_HOME, HOME); NULL: environ. */
	const char *const *environment;
} prov_config_discovery_options;

#define PROV_CONFIG_DISCOVERY_OPTIONS_INIT \
	{ sizeof(prov_config_discovery_options), NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * A new, empty resolver (its only layer is the built-in defaults).
 * Free with prov_config_resolver_free(). Errors: PROV_ENOMEM.
 * Thread safety: a resolver is used by one thread at a time.
 */
PROV_API int prov_config_resolver_new(prov_config_resolver **out);

/** Free a resolver; NULL does nothing. Configs it resolved stay valid. */
PROV_API void prov_config_resolver_free(prov_config_resolver *r);

/**
 * Add the standard layers (docs/CONFIG.md): the defaults file, system,
 * user, project (found upward from the cwd; its directory becomes
 * paths.base, else the cwd does), workspace, environment files, and the
 * PROVISIONING_*__* environment variables. Missing files are skipped.
 * Errors: PROV_ECONFIG when one place holds the same file in two formats
 * (naming both), PROV_ENOTFOUND for a workspace directory that does not
 * exist, PROV_EPARSE and PROV_EIO for files that cannot be read, PROV_EINVAL
 * for bad options.
 */
PROV_API int prov_config_resolver_discover(prov_config_resolver *r,
					   const prov_config_discovery_options *opts);

/**
 * Set the directory paths.base defaults to (else the project directory
 * found by discovery, else the current directory). Relative paths are made
 * absolute against the current directory.
 */
PROV_API int prov_config_resolver_set_base_dir(prov_config_resolver *r, const char *dir);

/**
 * Add a file as an explicit layer (--config), in the format of its
 * extension. The file is read now. Errors: PROV_ENOTFOUND, PROV_EINVAL (a
 * directory, an unknown extension), PROV_EPARSE (with file:line), PROV_ECONFIG
 * (the top level is not a table).
 */
PROV_API int prov_config_resolver_add_file(prov_config_resolver *r, const char *path);

/**
 * Add a file as a layer of the given kind (a prov_config_layer).
 * Errors: as prov_config_resolver_add_file().
 */
PROV_API int prov_config_resolver_add_layer_file(prov_config_resolver *r, int layer,
						 const char *path);

/**
 * Add text in a format as a layer of the given kind; `name` names it in
 * origins and errors (like a file name). format must not be
 * PROV_FORMAT_AUTO. Errors: PROV_EINVAL, PROV_EPARSE, PROV_ECONFIG.
 */
PROV_API int prov_config_resolver_add_string(prov_config_resolver *r, int layer,
					     const char *name, const char *text, size_t len,
					     prov_format format);

/**
 * Add environment variables as a PROV_CONFIG_LAYER_ENV_VARS layer: each
 * PROVISIONING_ name containing "__" becomes a key ("__" separates levels,
 * lower-cased). A value takes the type the schema gives its key, else the
 * type the key has in lower layers, else it stays a string. The same
 * environment serves {{env.NAME}} references. `environment` is a
 * NULL-terminated list of "NAME=VALUE" strings (copied), NULL for the
 * process environment. Errors: PROV_ENOMEM, PROV_EINVAL (a malformed name).
 */
PROV_API int prov_config_resolver_add_environment(prov_config_resolver *r,
						  const char *const *environment);

/**
 * Add a runtime override "key.path=value" (--set). The value is typed like
 * an environment variable's. Errors: PROV_EINVAL naming the assignment.
 */
PROV_API int prov_config_resolver_add_override(prov_config_resolver *r, const char *assignment);

/**
 * Use this schema (a reference is taken) to type environment variables and
 * overrides, and as the schema of configs resolved from now on. Without it,
 * the `schema` key of the lower layers names a schema file (relative paths
 * against paths.base). NULL forgets a schema set before.
 */
PROV_API int prov_config_resolver_set_schema(prov_config_resolver *r,
					     const prov_config_schema *schema);

/**
 * Merge the layers, type the variables and overrides, and interpolate every
 * {{...}} reference. The resolver may be changed and resolved again later.
 * Free the result with prov_config_free(). Errors: PROV_ECONFIG (an unknown
 * reference, a missing environment variable, a value that does not convert),
 * PROV_ECYCLE (a reference cycle), each naming file:line; PROV_ENOMEM.
 */
PROV_API int prov_config_resolve(prov_config_resolver *r, prov_config **out);

/** Free a config; NULL does nothing. Strings borrowed from it become invalid. */
PROV_API void prov_config_free(prov_config *c);

/**
 * Getters. Each reads the value at `path` into *out. Borrowed strings stay
 * valid until prov_config_free(). Errors: PROV_ENOTFOUND when the path is not
 * set, PROV_ETYPE when the value has another type; both messages name the
 * path and the value's origin (file:line). get_int64 accepts only integers;
 * get_double accepts integers too; get_string accepts strings and datetimes.
 * Thread safety: any thread, at the same time as other readers.
 */
PROV_API int prov_config_get_string(const prov_config *c, const char *path, const char **out);
PROV_API int prov_config_get_int64(const prov_config *c, const char *path, int64_t *out);
PROV_API int prov_config_get_double(const prov_config *c, const char *path, double *out);
/** *out is 1 for true, 0 for false. */
PROV_API int prov_config_get_bool(const prov_config *c, const char *path, int *out);

/** The type of the value at path (a prov_config_type). Errors: PROV_ENOTFOUND. */
PROV_API int prov_config_get_type(const prov_config *c, const char *path, int *out);

/**
 * The value at path (any type, secrets included) as compact JSON text,
 * owned: free with prov_free(). Errors: PROV_ENOTFOUND, PROV_ENOMEM.
 */
PROV_API int prov_config_get_json(const prov_config *c, const char *path, char **out);

/** The number of elements of the array at path. Errors: PROV_ENOTFOUND, PROV_ETYPE. */
PROV_API int prov_config_get_array_length(const prov_config *c, const char *path, size_t *out);

/**
 * Key enumeration: the number of keys of the table at path, and the key at
 * an index (table order: the order of the lowest layer that set each key).
 * Keys are borrowed. Errors: PROV_ENOTFOUND, PROV_ETYPE (not a table),
 * PROV_ERANGE (index past the end).
 */
PROV_API int prov_config_get_key_count(const prov_config *c, const char *path, size_t *out);
PROV_API int prov_config_get_key_at(const prov_config *c, const char *path, size_t index,
				    const char **key);

/**
 * Where the value at path was set: the layer's name ("project", "runtime",
 * ...), the file (or "<builtin>", a variable's name, "override"), and the
 * 1-based line (0 when there is none). Each out-parameter may be NULL;
 * strings are borrowed. A value written as a single {{reference}} reports
 * where the reference was written. Errors: PROV_ENOTFOUND.
 */
PROV_API int prov_config_get_origin(const prov_config *c, const char *path, const char **layer,
				    const char **file, int *line);

/** Flags of prov_config_dump(). */
#define PROV_CONFIG_DUMP_SECRETS 1u  /**< print secrets instead of "***" */

/**
 * The subtree at path ("" for all) printed as TOML, YAML or JSON (format
 * must not be AUTO), owned: free with prov_free(). Secrets (see
 * prov_config_is_secret_key()) print as "***" unless PROV_CONFIG_DUMP_SECRETS.
 * Errors: PROV_ENOTFOUND, PROV_EINVAL (also: TOML output of something other
 * than a table), PROV_EUNSUPPORTED (TOML has no null), PROV_ENOMEM.
 * Thread safety: any thread, at the same time as other readers.
 */
PROV_API int prov_config_dump(const prov_config *c, const char *path, prov_format format,
			      unsigned int flags, char **out);

/**
 * Parse one document file alone (no layers, no interpolation) and print it
 * in a format, owned: free with prov_free(). The input format comes from the
 * file's extension. Secrets are redacted as in prov_config_dump(). Errors:
 * PROV_ENOTFOUND, PROV_EINVAL (a directory, an unknown extension), PROV_EPARSE
 * naming file:line, PROV_EINVAL/PROV_EUNSUPPORTED for TOML output of a
 * document TOML cannot hold (not a table, a null), PROV_ENOMEM.
 * Thread safety: any thread.
 */
PROV_API int prov_config_dump_file(const char *path, prov_format format, unsigned int flags,
				   char **out);

/**
 * Whether a key path names a secret: its last part contains "password",
 * "token", "secret", "private_key" or "api_key", in any case. Returns 1 or 0.
 * Thread safety: any thread.
 */
PROV_API int prov_config_is_secret_key(const char *path);

/** A static name for a layer kind ("project"); "unknown" for others. */
PROV_API const char *prov_config_layer_name(int layer);

/**
 * Load a schema file (TOML, YAML or JSON by extension). Free with
 * prov_config_schema_free(). Errors: PROV_ENOTFOUND, PROV_EPARSE, PROV_ECONFIG
 * (a malformed rule, naming file:line).
 */
PROV_API int prov_config_schema_load(prov_config_schema **out, const char *path);

/** A schema from text; `name` names it in errors. Errors: as prov_config_schema_load(). */
PROV_API int prov_config_schema_parse(prov_config_schema **out, const char *name,
				      const char *text, size_t len, prov_format format);

/** Free a schema; NULL does nothing. */
PROV_API void prov_config_schema_free(prov_config_schema *schema);

/** Flags of prov_config_validate(). */
#define PROV_CONFIG_VALIDATE_TEXT 1u  /**< report lines of text instead of JSON */

/**
 * Check a config against a schema (NULL: the schema the config was resolved
 * with). Every violation is found, not just the first. Deprecated keys that
 * are set are logged as warnings (component "config") and are not
 * violations. When `report` is not NULL it receives (owned, free with
 * prov_free()) a JSON array, empty when valid, of
 * {"key","message","layer","file","line"} objects; or, with
 * PROV_CONFIG_VALIDATE_TEXT, one line per violation:
 * "FILE:LINE (LAYER): MESSAGE\n".
 * Returns PROV_OK when valid; PROV_ECONFIG when not, with a message that
 * counts the violations and gives the first with its origin; PROV_EINVAL when
 * no schema is known. Thread safety: any thread.
 */
PROV_API int prov_config_validate(const prov_config *c, const prov_config_schema *schema,
				  unsigned int flags, char **report);

PROV_END_DECLS

#endif
