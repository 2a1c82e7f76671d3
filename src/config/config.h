/*
 * The config resolver as seen from inside the library: the resolved tree for
 * components that read whole sections, and trees added as layers (the
 * workflow runner adds a definition's `configuration:` this way).
 */
#ifndef PROV_CONFIG_CONFIG_H
#define PROV_CONFIG_CONFIG_H

#include <provisioning/config.h>

#include "core/value.h"

/* The resolved tree (a table). Borrowed: valid while c is. */
const prov_value *prov_config_root(const prov_config *c);

/*
 * Add a tree (a table; a reference is taken, the tree is not changed) as a
 * layer of the given kind. Its values keep their files and lines and report
 * the layer's name. Errors: PROV_EINVAL for a bad kind, PROV_ECONFIG when the
 * tree is not a table (naming its file:line), PROV_ENOMEM.
 */
int prov_config_resolver_add_tree(prov_config_resolver *r, int layer, const prov_value *tree);

/* The value at a key path (quoted segments allowed), or NULL. Borrowed. */
const prov_value *prov_config_lookup(const prov_config *c, const char *path);

#endif
