/*
 * Config key paths: "providers.local.zone", with digits indexing arrays
 * ("servers.0") and double quotes around keys that hold a dot or a quote
 * ("hosts.\"example.com\".ip", \" and \\ escaped inside).
 */
#ifndef PROV_CONFIG_PATH_H
#define PROV_CONFIG_PATH_H

#include "core/strbuf.h"
#include "core/value.h"

struct prov_path_segment {
	char *text;
	size_t len;
};

struct prov_path {
	struct prov_path_segment *segments;
	size_t count;
};

/* Split a path ("" or NULL is the root, no segments). PROV_EINVAL naming the path when malformed. */
int prov_path_split(const char *path, struct prov_path *out);
void prov_path_release(struct prov_path *p);

/* Append one key to a path being built, quoting it when it needs quotes. */
void prov_path_append_key(prov_strbuf *path, const char *key, size_t len);
/* Append an array index. */
void prov_path_append_index(prov_strbuf *path, size_t index);

/*
 * Follow a split path from root. *reached is how many segments matched
 * (count when found); the result is NULL when the path is not set.
 */
prov_value *prov_path_follow(const prov_value *root, const struct prov_path *p, size_t *reached);

/* Follow a path given as text; NULL when missing or malformed. */
prov_value *prov_path_lookup(const prov_value *root, const char *path);

#endif
