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

/*
 * Resolve as prov_config_resolve() with `tree` (a table, or NULL for none)
 * as one more layer of kind `layer`, for this resolution only: the resolver
 * is left as it was. Errors: those of prov_config_resolver_add_tree() and
 * prov_config_resolve().
 */
int prov_config_resolve_with_tree(prov_config **out, prov_config_resolver *r, int layer,
				  const prov_value *tree);

/*
 * Resolving {{...}} references in trees that are not part of a config (a
 * workflow operation's params) against a resolved config, the way resolving
 * treats the config's own strings: {{env.NAME}} and {{env.NAME:-default}}
 * from the resolver's environment, {{now.*}} at the moment the expander was
 * made, {{git.branch}}, and any key of the config. An expander is immutable:
 * any number of threads may use it at once.
 */
typedef struct prov_config_expander prov_config_expander;

/*
 * An expander over c (a reference is kept) with a copy of r's environment
 * (r may be NULL: the process environment). Errors: PROV_ENOMEM.
 */
int prov_config_expander_new(prov_config_expander **out, const prov_config_resolver *r,
			     const prov_config *c);
void prov_config_expander_free(prov_config_expander *x);

/* What a reference callback returns for a name it leaves to the config. */
#define PROV_CONFIG_REFERENCE_NOT_MINE 1

/*
 * Offered every reference first: return PROV_OK with *out (a new
 * reference), a PROV_E* code after recording an error that names `where`'s
 * file:line, or PROV_CONFIG_REFERENCE_NOT_MINE.
 */
typedef int (*prov_config_reference_fn)(prov_value **out, const char *name,
					const prov_value *where, void *userdata);

/*
 * A copy of v with every reference resolved (*out is v itself, with a new
 * reference, when it holds none). A string that is exactly one reference
 * takes the referenced value, type and all; "\{{" is a literal "{{".
 * `extra` (may be NULL) sees each reference before the config does.
 * Errors: PROV_ECONFIG (an unknown reference, an unset variable, a table
 * inside a string) naming the string's file:line; what `extra` returned;
 * PROV_ENOMEM.
 */
int prov_config_expand(prov_value **out, const prov_config_expander *x, const prov_value *v,
		       prov_config_reference_fn extra, void *userdata);

/* The value at a key path (quoted segments allowed), or NULL. Borrowed. */
const prov_value *prov_config_lookup(const prov_config *c, const char *path);

#endif
