/*
 * Deciding which discovered extensions load, and in what order: the
 * extension mode and allowed/blocked lists, compatibility with the package
 * version, name collisions, `requires` (present, loadable and of a matching
 * version), then an order where every extension follows what it requires.
 * Every extension left out keeps the reason, for `extensions list`.
 */
#ifndef PROV_PLUGIN_EXTENSIONS_H
#define PROV_PLUGIN_EXTENSIONS_H

#include "plugin/manifest.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum prov_extension_mode {
	PROV_EXTENSION_MODE_FULL,        /* every valid extension */
	PROV_EXTENSION_MODE_RESTRICTED,  /* only those on the allowed list */
	PROV_EXTENSION_MODE_DISABLED,    /* none */
} prov_extension_mode;

/* One discovered extension: its manifest when it could be read, else why not. */
typedef struct prov_extension_entry {
	char *manifest_path;
	char *name;                      /* the manifest's, or its directory's when unreadable */
	bool valid;                      /* manifest read and validated */
	prov_manifest manifest;
	bool loaded;
	char *reason;                    /* why it is not loaded; NULL when loaded */
	size_t order;                    /* position in the load order */
} prov_extension_entry;

typedef struct prov_extension_policy {
	prov_extension_mode mode;
	const char *const *allowed;      /* NULL-terminated, may be NULL */
	const char *const *blocked;      /* NULL-terminated, may be NULL */
	const char *package_version;     /* what compatibility ranges are checked against */
} prov_extension_policy;

/* "full", "restricted" or "disabled" (NULL: full); PROV_EINVAL naming the text. */
int prov_extension_mode_parse(prov_extension_mode *out, const char *text);

/*
 * Give every entry that may not load a reason, and every other one its
 * place in `order` (0 first). Entries come highest priority first: a name
 * seen earlier wins. Returns how many may load, or a negative error.
 */
long prov_extensions_resolve(prov_extension_entry *entries, size_t count,
			     const prov_extension_policy *policy);

/* Record why entry is not loaded (the first reason wins). */
int prov_extension_refuse(prov_extension_entry *entry, const char *fmt, ...)
	PROV_PRINTF(2, 3);

void prov_extension_entry_release(prov_extension_entry *entry);

#endif
