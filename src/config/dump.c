/* Dumping a config in any format, with secrets redacted unless asked for. */
#include "config/private.h"
#include "format/format.h"
#include "core/err.h"

#include <string.h>

#define REDACTED "***"

static prov_value *redact(const prov_value *v);

static prov_value *stars(const prov_value *secret)
{
	return prov_value_string(REDACTED, strlen(REDACTED), (prov_source *)prov_value_source(secret),
				 prov_value_line(secret));
}

static prov_value *redact_table(const prov_value *t)
{
	prov_value *copy = NULL;

	for (size_t i = 0; i < prov_table_len(t); i++) {
		size_t key_len;
		const char *key = prov_table_key_at(t, i, &key_len);
		prov_value *child = prov_table_value_at(t, i);
		prov_value *changed = prov_config_is_secret_key(key) ? stars(child) : redact(child);

		if (changed == child) {
			prov_value_unref(changed);
			continue;
		}
		if (!changed || (!copy && !(copy = prov_value_shallow_copy(t)))) {
			prov_value_unref(changed);
			goto fail;
		}
		if (prov_table_set(copy, key, key_len, prov_table_key_line_at(t, i), changed))
			goto fail;
	}
	return copy ? copy : prov_value_ref(t);
fail:
	prov_value_unref(copy);
	return NULL;
}

static prov_value *redact_array(const prov_value *a)
{
	prov_value *copy = prov_value_array((prov_source *)prov_value_source(a), prov_value_line(a));
	bool changed = false;

	for (size_t i = 0; copy && i < prov_array_len(a); i++) {
		prov_value *item = redact(prov_array_at(a, i));

		changed |= item != prov_array_at(a, i);
		if (!item || prov_array_push(copy, item)) {
			prov_value_unref(copy);
			return NULL;
		}
	}
	if (copy && !changed) {
		prov_value_unref(copy);
		return prov_value_ref(a);
	}
	return copy;
}

/* A copy of v with every secret's value replaced; subtrees without secrets are shared. */
static prov_value *redact(const prov_value *v)
{
	if (prov_value_is(v, PROV_VALUE_TABLE))
		return redact_table(v);
	if (prov_value_is(v, PROV_VALUE_ARRAY))
		return redact_array(v);
	return prov_value_ref(v);
}

static int print_tree(const prov_value *v, prov_format format, unsigned int flags, bool secret,
		      char **out)
{
	prov_strbuf text = PROV_STRBUF_INIT;
	prov_value *printed;
	int rc;

	if (format == PROV_FORMAT_AUTO)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "a dump needs a format: toml, yaml or json");
	if (flags & PROV_CONFIG_DUMP_SECRETS)
		printed = prov_value_ref(v);
	else
		printed = secret ? stars(v) : redact(v);
	if (!printed)
		return prov_err_nomem();
	rc = prov_format_print(&text, format, printed);
	prov_value_unref(printed);
	if (rc == PROV_OK && !(*out = prov_strbuf_detach(&text, NULL)))
		rc = prov_err_nomem();
	prov_strbuf_release(&text);
	return rc;
}

int prov_config_dump(const prov_config *c, const char *path, prov_format format,
		     unsigned int flags, char **out)
{
	const prov_value *v = prov_path_lookup(c->root, path);

	*out = NULL;
	if (!v)
		return prov_config_get_type(c, path, &(int){ 0 });
	return print_tree(v, format, flags, path && *path && prov_config_is_secret_key(path), out);
}

int prov_config_dump_file(const char *path, prov_format format, unsigned int flags, char **out)
{
	prov_value *tree;
	int rc = prov_format_load_file(path, PROV_FORMAT_AUTO, NULL, &tree);

	*out = NULL;
	if (rc)
		return rc;
	rc = print_tree(tree, format, flags, false, out);
	prov_value_unref(tree);
	return rc;
}
