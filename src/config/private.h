/* What the files of the config component share among themselves. */
#ifndef PROV_CONFIG_PRIVATE_H
#define PROV_CONFIG_PRIVATE_H

#include "config/config.h"
#include "config/path.h"
#include "core/strbuf.h"

#include <stdatomic.h>
#include <stdbool.h>

/* The number of layer kinds (prov_config_layer). */
#define PROV_CONFIG_LAYER_COUNT (PROV_CONFIG_LAYER_RUNTIME + 1)

/* A value given as text whose type is decided at resolve time. */
struct prov_assignment {
	char *path;
	char *text;
	prov_source *src;  /* the variable's name, or "override" */
};

struct prov_layer {
	int kind;
	prov_value *tree;                     /* a table, or NULL for assignments */
	struct prov_assignment *assignments;
	size_t assignment_count;
};

/* Reads environment variables: a copied list, or the process environment. */
struct prov_environment {
	char **vars;   /* NULL-terminated "NAME=VALUE"; NULL means environ */
};

struct prov_config_resolver {
	struct prov_layer *layers;
	size_t layer_count;
	struct prov_environment env;
	char *base_dir;
	prov_config_schema *schema;
};

struct prov_config {
	prov_value *root;
	prov_config_schema *schema;   /* may be NULL */
};

/* environment.c */
const char *prov_environment_get(const struct prov_environment *env, const char *name);
int prov_environment_copy(struct prov_environment *env, const char *const *vars);
void prov_environment_release(struct prov_environment *env);
/* The PROVISIONING_A__B variables of env as assignments. */
int prov_environment_assignments(const struct prov_environment *env, struct prov_layer *layer);

/* merge.c: a new table, overlay deeply merged over base (both tables). */
int prov_config_merge(const prov_value *base, const prov_value *overlay, prov_value **out);
/* Set a value (reference taken) at a path in a table this code built; intermediate tables are made. */
int prov_config_tree_set(prov_value *root, const char *path, prov_value *value);

/* typing.c: the typed value of an assignment, given the schema and the tree below it. */
int prov_config_type_assignment(const struct prov_assignment *a, const prov_config_schema *schema,
				const prov_value *below, prov_value **out);
/* Convert text to a value of a type; PROV_ETYPE (nothing recorded) when it does not convert. */
int prov_config_convert(const char *text, prov_value_type type, prov_source *src,
			prov_value **out);

/* defaults.c: the built-in defaults, with paths.base set to base_dir. */
int prov_config_builtin_tree(const char *base_dir, prov_value **out);

/* interpolate.c */
struct prov_interp_options {
	const struct prov_environment *env;
	int64_t now_ms;  /* the time {{now.*}} gives */
	/* The root is a resolved config: its values are final, never resolved again. */
	bool final_root;
	prov_config_reference_fn extra;  /* may be NULL: see prov_config_expand() */
	void *userdata;
};
/* A new tree with every {{...}} reference resolved. */
int prov_config_interpolate(const prov_value *root, const struct prov_interp_options *opts,
			    prov_value **out);
/* A copy of v, outside root, with its references resolved against root. */
int prov_config_interpolate_detached(const prov_value *root,
				     const struct prov_interp_options *opts,
				     const prov_value *v, prov_value **out);
/* The resolved value at one path of root (NULL when the path is not set). */
int prov_config_interpolate_path(const prov_value *root, const struct prov_interp_options *opts,
				 const char *path, prov_value **out);

/* git.c: the current branch (or detached short hash) of the repository above dir. */
int prov_git_branch(const char *dir, char **out);

/* schema.c */
prov_config_schema *prov_config_schema_ref(const prov_config_schema *schema);
/* The type a schema gives path, or false when it gives none. */
bool prov_config_schema_type_of(const prov_config_schema *schema, const char *path,
				prov_value_type *type, bool *number);

/* config.c: "file:line (layer)" of a value, for messages. */
void prov_config_describe_origin(prov_strbuf *out, const prov_value *v);

#endif
