/*
 * Extension manifests (extension.toml), validated from the value tree the
 * TOML reader produces:
 *
 *   [extension]      name, version (semver), type (provider | taskserv |
 *                    cluster | workflow), description, library (a path
 *                    relative to the manifest, inside its directory)
 *   [compatibility]  provisioning = a semver range against the package version
 *   [dependencies]   requires = ["other-extension >=0.3", ...]
 *
 * Every problem is reported as "FILE:LINE: message" with PROV_ECONFIG.
 */
#ifndef PROV_PLUGIN_MANIFEST_H
#define PROV_PLUGIN_MANIFEST_H

#include "core/value.h"
#include "plugin/semver.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct prov_requirement {
	char *name;
	char *range;                    /* "*" when none was given */
} prov_requirement;

typedef struct prov_manifest {
	char *path;                     /* the manifest file */
	char *name;
	char *version;
	prov_semver semver;
	char *type;
	char *description;              /* "" when absent */
	char *library;                  /* absolute: the manifest's directory + library */
	char *compatibility;            /* "*" when absent */
	prov_requirement *requires;
	size_t require_count;
} prov_manifest;

/* Validate root (read from path) into out; release out whatever the result. */
int prov_manifest_from_value(prov_manifest *out, const prov_value *root, const char *path);

/* Whether a manifest of this type holds a provider plugin (else an extension plugin). */
bool prov_manifest_is_provider(const prov_manifest *m);

void prov_manifest_release(prov_manifest *m);

#endif
