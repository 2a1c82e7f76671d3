/*
 * json-c at the edges: checkpoints, etcd, plugin documents. Positions do not
 * matter there, so json-c parses and prints, and these functions move data
 * between json-c objects and the value tree. A json-c object is never shared
 * between threads.
 */
#ifndef PROV_CORE_JSON_H
#define PROV_CORE_JSON_H

#include "core/value.h"

#include <json-c/json.h>

/* Nesting deeper than this is refused when parsing documents. */
#define PROV_JSON_MAX_DEPTH 128

/*
 * Parse one JSON document. `what` names it in errors ("checkpoint wf-1",
 * "output of provider local"); errors give the line of the problem.
 */
int prov_json_parse(const char *text, size_t len, const char *what, json_object **out);

/* A new tree from a json-c object (NULL object = JSON null). NULL on ENOMEM. */
prov_value *prov_value_from_json_c(json_object *obj, prov_source *src);

/*
 * A new json-c object from a tree. Datetimes become strings, NaN and
 * infinities become null (JSON has neither). *out is NULL for null.
 */
int prov_value_to_json_c(const prov_value *v, json_object **out);

/* Serialise compactly into a malloc'd string (free with free()). */
char *prov_json_to_string(json_object *obj, size_t *len);

/* Small getters that tolerate a missing or mistyped member. */
const char *prov_json_get_string(json_object *obj, const char *key);
bool prov_json_get_int64(json_object *obj, const char *key, int64_t *out);

#endif
