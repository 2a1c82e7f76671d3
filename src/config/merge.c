/*
 * Layer merging: tables merge key by key, all the way down; an array or a
 * scalar in a higher layer replaces whatever was below. Trees are shared,
 * never changed: a merge builds new tables only along the paths where both
 * sides have tables and shares every other subtree.
 */
#include "config/private.h"
#include "core/err.h"

int prov_config_merge(const prov_value *base, const prov_value *overlay, prov_value **out)
{
	/* The merged table reports the higher layer as its origin. */
	prov_value *merged = prov_value_with_origin(base, (prov_source *)prov_value_source(overlay),
						    prov_value_line(overlay));

	*out = NULL;
	if (!merged)
		return PROV_ENOMEM;
	for (size_t i = 0; i < prov_table_len(overlay); i++) {
		size_t key_len;
		const char *key = prov_table_key_at(overlay, i, &key_len);
		prov_value *upper = prov_table_value_at(overlay, i);
		prov_value *lower = prov_table_get(merged, key, key_len);
		prov_value *value;
		int rc;

		if (prov_value_is(lower, PROV_VALUE_TABLE) && prov_value_is(upper, PROV_VALUE_TABLE))
			rc = prov_config_merge(lower, upper, &value);
		else
			rc = (value = prov_value_ref(upper)) ? PROV_OK : PROV_ENOMEM;
		if (rc == PROV_OK)
			rc = prov_table_set(merged, key, key_len, prov_table_key_line_at(overlay, i),
					    value);
		if (rc) {
			prov_value_unref(merged);
			return rc;
		}
	}
	*out = merged;
	return PROV_OK;
}

int prov_config_tree_set(prov_value *root, const char *path, prov_value *value)
{
	struct prov_path p;
	prov_value *table = root;
	int rc = prov_path_split(path, &p);

	if (rc == PROV_OK && p.count == 0)
		rc = prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "empty key path");
	for (size_t i = 0; rc == PROV_OK && i + 1 < p.count; i++) {
		struct prov_path_segment *s = &p.segments[i];
		prov_value *next = prov_table_get(table, s->text, s->len);

		if (!next) {
			next = prov_value_table((prov_source *)prov_value_source(value),
						prov_value_line(value));
			rc = next ? prov_table_set(table, s->text, s->len, 0, next) : PROV_ENOMEM;
		} else if (!prov_value_is(next, PROV_VALUE_TABLE)) {
			rc = prov_err_set(PROV_ECONFIG, PROV_ERRCAT_CONFIGURATION,
					  "key path '%s': '%s' is a %s, not a table", path, s->text,
					  prov_value_type_name(prov_value_type_of(next)));
		}
		table = next;
	}
	if (rc == PROV_OK) {
		struct prov_path_segment *last = &p.segments[p.count - 1];
		rc = prov_table_set(table, last->text, last->len, prov_value_line(value), value);
		value = NULL;
	}
	prov_value_unref(value);
	prov_path_release(&p);
	return rc;
}
