/*
 * Interpolation of {{...}} references in string values.
 *
 * References: {{env.NAME}} and {{env.NAME:-default}}, {{now.date}},
 * {{now.datetime}}, {{git.branch}}, and any key's path ({{paths.base}} is
 * one). A string that is exactly one key reference takes the referenced
 * value itself, type and all; otherwise each reference is written into the
 * text. "\{{" is a literal "{{".
 *
 * Each string is resolved once, on demand, and remembered by its path, so a
 * value referenced many times costs one resolution, and a reference that
 * comes back to a string still being resolved is a cycle.
 */
#include "config/private.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/rfc3339.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reference chains longer than this are refused (they bound the recursion). */
#define MAX_CHAIN 32

struct memo_entry {
	char *path;
	prov_value *result;  /* NULL while being resolved */
};

struct interp {
	const prov_value *root;
	const struct prov_interp_options *opts;
	struct memo_entry *memo;
	size_t memo_cap, memo_count;
	const char *chain[MAX_CHAIN]; /* paths being resolved, for cycle messages */
	size_t chain_len;
	char *git_branch;
	char now[PROV_RFC3339_MAX];
};

static int resolve_node(struct interp *in, const prov_value *v, prov_strbuf *path,
			prov_value **out);

static bool has_reference(const prov_value *v)
{
	size_t len;
	const char *s;

	if (!prov_value_is(v, PROV_VALUE_STRING))
		return false;
	s = prov_value_get_str(v, &len);
	return len >= 2 && memmem(s, len, "{{", 2) != NULL;
}

static int fail_at(const prov_value *where, int code, const char *fmt, ...) PROV_PRINTF(3, 4);

static int fail_at(const prov_value *where, int code, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return prov_err_at(code, PROV_ERRCAT_CONFIGURATION, where ? prov_value_file(where) : "",
			   where ? (int)prov_value_line(where) : 0, "%s", message);
}

/* --- the memo: path -> resolved string, open addressing --- */

static uint32_t hash_path(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct memo_entry *memo_slot(struct interp *in, const char *path)
{
	size_t mask = in->memo_cap - 1;

	for (size_t i = hash_path(path) & mask;; i = (i + 1) & mask)
		if (!in->memo[i].path || strcmp(in->memo[i].path, path) == 0)
			return &in->memo[i];
}

static int memo_grow(struct interp *in)
{
	struct memo_entry *old = in->memo;
	size_t old_cap = in->memo_cap;

	in->memo_cap = old_cap ? old_cap * 2 : 64;
	if (!(in->memo = prov_calloc(in->memo_cap, sizeof(*in->memo)))) {
		in->memo = old;
		in->memo_cap = old_cap;
		return PROV_ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].path)
			*memo_slot(in, old[i].path) = old[i];
	free(old);
	return PROV_OK;
}

/* The entry for path, made (busy) when absent. */
static struct memo_entry *memo_entry(struct interp *in, const char *path, bool *is_new)
{
	struct memo_entry *e;

	if ((in->memo_count + 1) * 2 > in->memo_cap && memo_grow(in))
		return NULL;
	e = memo_slot(in, path);
	*is_new = !e->path;
	if (*is_new) {
		if (!(e->path = prov_strdup(path)))
			return NULL;
		in->memo_count++;
	}
	return e;
}

/* --- references --- */

static int cycle_error(struct interp *in, const prov_value *where, const char *path)
{
	prov_strbuf chain = PROV_STRBUF_INIT;
	size_t start = 0;
	int rc;

	while (start < in->chain_len && strcmp(in->chain[start], path) != 0)
		start++;
	for (size_t i = start; i < in->chain_len; i++)
		prov_strbuf_printf(&chain, "%s -> ", in->chain[i]);
	prov_strbuf_puts(&chain, path);
	rc = fail_at(where, PROV_ECYCLE, "reference cycle: %s", prov_strbuf_cstr(&chain));
	prov_err_context(PROV_ERR_KEY, path);
	prov_strbuf_release(&chain);
	return rc;
}

static int interpolate_text(struct interp *in, const prov_value *v, prov_value **out);

/* The resolved value of the string v at path (memoised). */
static int resolve_string(struct interp *in, const prov_value *v, const char *path,
			  prov_value **out)
{
	bool is_new;
	struct memo_entry *e = memo_entry(in, path, &is_new);
	prov_value *result;
	int rc;

	if (!e)
		return PROV_ENOMEM;
	if (!is_new && !e->result)
		return cycle_error(in, v, path);
	if (!is_new) {
		*out = prov_value_ref(e->result);
		return PROV_OK;
	}
	if (in->chain_len == MAX_CHAIN)
		return fail_at(v, PROV_ECONFIG, "references nested deeper than %d levels", MAX_CHAIN);
	in->chain[in->chain_len++] = e->path;
	rc = interpolate_text(in, v, &result);
	in->chain_len--;
	if (rc)
		return rc;
	/* The table may have moved while resolving; find the entry again. */
	e = memo_entry(in, path, &is_new);
	e->result = result;
	*out = prov_value_ref(result);
	return PROV_OK;
}

/*
 * Follow a key path through the tree; a string met on the way that is a
 * reference is resolved first, so {{a.b}} works when a = "{{other}}".
 */
/* A key of a resolved config: its value is final. */
static int resolve_final_key(struct interp *in, const prov_value *where, const char *name,
			     prov_value **out)
{
	struct prov_path p;
	const prov_value *v;
	size_t reached;

	*out = NULL;
	if (prov_path_split(name, &p))
		return fail_at(where, PROV_ECONFIG, "invalid reference {{%s}}", name);
	v = prov_path_follow(in->root, &p, &reached);
	prov_path_release(&p);
	if (!v)
		return fail_at(where, PROV_ECONFIG, "unknown reference {{%s}}", name);
	*out = prov_value_ref(v);
	return PROV_OK;
}

static int resolve_key(struct interp *in, const prov_value *where, const char *name,
		       prov_value **out)
{
	prov_strbuf path = PROV_STRBUF_INIT;
	const prov_value *v = in->root;
	prov_value *held = NULL;
	struct prov_path p;
	int rc;

	if (in->opts->final_root)
		return resolve_final_key(in, where, name, out);
	rc = prov_path_split(name, &p);
	*out = NULL;
	if (rc)
		return fail_at(where, PROV_ECONFIG, "invalid reference {{%s}}", name);
	for (size_t i = 0; rc == PROV_OK && v && i < p.count; i++) {
		const struct prov_path_segment *seg = &p.segments[i];

		/* Past a resolved string the values are final and need no path. */
		if (!held && prov_value_is(v, PROV_VALUE_ARRAY))
			prov_path_append_index(&path, (size_t)strtoul(seg->text, NULL, 10));
		else if (!held)
			prov_path_append_key(&path, seg->text, seg->len);
		v = prov_value_step(v, seg->text, seg->len);
		if (v && !held && has_reference(v) && i + 1 < p.count) {
			rc = resolve_string(in, v, prov_strbuf_cstr(&path), &held);
			v = held;
		}
	}
	if (rc == PROV_OK && !v)
		rc = fail_at(where, PROV_ECONFIG, "unknown reference {{%s}}", name);
	else if (rc == PROV_OK)
		rc = held ? ((*out = prov_value_ref(v)), PROV_OK)
			  : resolve_node(in, v, &path, out);
	prov_value_unref(held);
	prov_strbuf_release(&path);
	prov_path_release(&p);
	return rc;
}

static int env_reference(struct interp *in, const prov_value *where, const char *name,
			 prov_value **out)
{
	const char *fallback = strstr(name, ":-");
	size_t name_len = fallback ? (size_t)(fallback - name) : strlen(name);
	char var[256];
	const char *value;

	if (name_len == 0 || name_len >= sizeof(var) || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789_") != name_len)
		return fail_at(where, PROV_ECONFIG, "invalid environment variable name in {{env.%s}}",
			       name);
	memcpy(var, name, name_len);
	var[name_len] = '\0';
	value = prov_environment_get(in->opts->env, var);
	if (fallback && (!value || !*value))
		value = fallback + 2;
	if (!value)
		return fail_at(where, PROV_ECONFIG,
			       "environment variable %s is not set (write {{env.%s:-default}} "
			       "to give a default)", var, var);
	*out = prov_value_string(value, strlen(value), (prov_source *)prov_value_source(where),
				 prov_value_line(where));
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int git_reference(struct interp *in, const prov_value *where, prov_value **out)
{
	prov_value *base = NULL;
	int rc = PROV_OK;

	if (!in->git_branch) {
		rc = resolve_key(in, where, "paths.base", &base);
		if (rc == PROV_OK && !prov_value_is(base, PROV_VALUE_STRING))
			rc = fail_at(where, PROV_ECONFIG, "{{git.branch}} needs paths.base to be a path");
		if (rc == PROV_OK && prov_git_branch(prov_value_get_str(base, NULL), &in->git_branch))
			rc = fail_at(where, prov_err_code(), "{{git.branch}}: %s",
				     prov_error_last()->message);
		prov_value_unref(base);
	}
	if (rc)
		return rc;
	*out = prov_value_string(in->git_branch, strlen(in->git_branch),
				 (prov_source *)prov_value_source(where), prov_value_line(where));
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int now_reference(struct interp *in, const prov_value *where, bool date_only,
			 prov_value **out)
{
	if (!in->now[0])
		prov_rfc3339_format(in->opts->now_ms, false, in->now);
	*out = prov_value_string(in->now, date_only ? 10 : strlen(in->now),
				 (prov_source *)prov_value_source(where), prov_value_line(where));
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int resolve_reference(struct interp *in, const prov_value *where, const char *name,
			     prov_value **out)
{
	if (in->opts->extra) {
		int rc = in->opts->extra(out, name, where, in->opts->userdata);

		if (rc != PROV_CONFIG_REFERENCE_NOT_MINE)
			return rc;
	}
	if (strncmp(name, "env.", 4) == 0)
		return env_reference(in, where, name + 4, out);
	if (strcmp(name, "now.date") == 0 || strcmp(name, "now.datetime") == 0)
		return now_reference(in, where, strcmp(name, "now.date") == 0, out);
	if (strcmp(name, "git.branch") == 0)
		return git_reference(in, where, out);
	return resolve_key(in, where, name, out);
}

/* --- strings --- */

static int append_scalar(prov_strbuf *text, const prov_value *where, const char *name,
			 const prov_value *v)
{
	char number[32];
	const char *s;
	size_t len;

	switch (prov_value_type_of(v)) {
	case PROV_VALUE_STRING:
	case PROV_VALUE_DATETIME:
		s = prov_value_get_str(v, &len);
		return prov_strbuf_append(text, s, len);
	case PROV_VALUE_INT:
		return prov_strbuf_printf(text, "%lld", (long long)prov_value_get_int(v));
	case PROV_VALUE_DOUBLE:
		return prov_strbuf_append(text, number,
					  prov_format_double(prov_value_get_double(v), number));
	case PROV_VALUE_BOOL:
		return prov_strbuf_puts(text, prov_value_get_bool(v) ? "true" : "false");
	default:
		return fail_at(where, PROV_ECONFIG, "{{%s}} is %s %s and cannot be part of a string",
			       name, prov_value_is(v, PROV_VALUE_ARRAY) ? "an" : "a",
			       prov_value_type_name(prov_value_type_of(v)));
	}
}

/* The name between "{{" and "}}", spaces trimmed, as a new string. */
static char *reference_name(const char *start, const char *end)
{
	while (start < end && *start == ' ')
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	return prov_strndup(start, (size_t)(end - start));
}

static int expand(struct interp *in, const prov_value *v, const char *open, const char *close,
		  bool whole, prov_strbuf *text, prov_value **single)
{
	char *name = reference_name(open + 2, close);
	prov_value *value = NULL;
	int rc = name ? PROV_OK : PROV_ENOMEM;

	if (rc == PROV_OK && !*name)
		rc = fail_at(v, PROV_ECONFIG, "%s", "empty reference {{}}");
	if (rc == PROV_OK)
		rc = resolve_reference(in, v, name, &value);
	if (rc == PROV_OK && whole)
		*single = prov_value_with_origin(value, (prov_source *)prov_value_source(v),
						 prov_value_line(v));
	else if (rc == PROV_OK)
		rc = append_scalar(text, v, name, value);
	if (rc == PROV_OK && whole && !*single)
		rc = PROV_ENOMEM;
	prov_value_unref(value);
	free(name);
	return rc;
}

static int interpolate_text(struct interp *in, const prov_value *v, prov_value **out)
{
	size_t len;
	const char *s = prov_value_get_str(v, &len), *end = s + len, *p = s;
	prov_strbuf text = PROV_STRBUF_INIT;
	int rc = PROV_OK;

	*out = NULL;
	while (rc == PROV_OK && p < end && !*out) {
		const char *close;

		if (p[0] == '\\' && end - p >= 3 && p[1] == '{' && p[2] == '{') {
			rc = prov_strbuf_append(&text, "{{", 2);
			p += 3;
		} else if (p[0] == '{' && end - p >= 2 && p[1] == '{') {
			close = memmem(p + 2, (size_t)(end - p - 2), "}}", 2);
			if (!close)
				rc = fail_at(v, PROV_ECONFIG, "%s", "unterminated reference: '{{' without '}}'");
			else
				rc = expand(in, v, p, close, p == s && close + 2 == end, &text, out);
			p = close ? close + 2 : end;
		} else {
			rc = prov_strbuf_putc(&text, *p++);
		}
	}
	if (rc == PROV_OK && !*out) {
		*out = prov_value_string(text.data ? text.data : "", text.len,
					 (prov_source *)prov_value_source(v), prov_value_line(v));
		rc = *out ? PROV_OK : prov_err_nomem();
	}
	prov_strbuf_release(&text);
	return rc;
}

/* --- the walk --- */

static int resolve_members(struct interp *in, const prov_value *t, prov_strbuf *path,
			   prov_value **out)
{
	size_t mark = path->len;
	prov_value *copy = NULL;
	int rc = PROV_OK;

	for (size_t i = 0; rc == PROV_OK && i < prov_table_len(t); i++) {
		size_t key_len;
		const char *key = prov_table_key_at(t, i, &key_len);
		prov_value *child, *value;

		child = prov_table_value_at(t, i);
		prov_path_append_key(path, key, key_len);
		rc = resolve_node(in, child, path, &value);
		prov_strbuf_truncate(path, mark);
		if (rc == PROV_OK && value == child) {
			prov_value_unref(value);
			continue;
		}
		if (rc == PROV_OK && !copy && !(copy = prov_value_shallow_copy(t)))
			rc = PROV_ENOMEM;
		if (rc == PROV_OK)
			rc = prov_table_set(copy, key, key_len, prov_table_key_line_at(t, i), value);
		else
			prov_value_unref(value);
	}
	if (rc) {
		prov_value_unref(copy);
		return rc;
	}
	*out = copy ? copy : prov_value_ref(t);
	return PROV_OK;
}

static int resolve_items(struct interp *in, const prov_value *a, prov_strbuf *path,
			 prov_value **out)
{
	size_t mark = path->len;
	prov_value *copy = NULL;
	int rc = PROV_OK;

	for (size_t i = 0; rc == PROV_OK && i < prov_array_len(a); i++) {
		prov_value *child = prov_array_at(a, i), *value;

		prov_path_append_index(path, i);
		rc = resolve_node(in, child, path, &value);
		prov_strbuf_truncate(path, mark);
		if (rc == PROV_OK && value != child && !copy) {
			/* The first change: copy the items before it. */
			copy = prov_value_array((prov_source *)prov_value_source(a), prov_value_line(a));
			for (size_t j = 0; copy && j < i; j++)
				prov_array_push(copy, prov_value_ref(prov_array_at(a, j)));
			if (!copy)
				rc = PROV_ENOMEM;
		}
		if (rc == PROV_OK && copy)
			rc = prov_array_push(copy, value);
		else
			prov_value_unref(value);
	}
	if (rc == PROV_OK && copy && prov_array_len(copy) != prov_array_len(a))
		rc = prov_err_nomem();
	if (rc) {
		prov_value_unref(copy);
		return rc;
	}
	*out = copy ? copy : prov_value_ref(a);
	return PROV_OK;
}

static int resolve_node(struct interp *in, const prov_value *v, prov_strbuf *path,
			prov_value **out)
{
	*out = NULL;
	if (prov_strbuf_status(path))
		return prov_err_nomem();
	/* "\{{" contains "{{" too, so escapes are found here as well. */
	if (has_reference(v))
		return resolve_string(in, v, prov_strbuf_cstr(path), out);
	if (prov_value_is(v, PROV_VALUE_TABLE))
		return resolve_members(in, v, path, out);
	if (prov_value_is(v, PROV_VALUE_ARRAY))
		return resolve_items(in, v, path, out);
	*out = prov_value_ref(v);
	return PROV_OK;
}

static void release_interp(struct interp *in)
{
	for (size_t i = 0; i < in->memo_cap; i++) {
		free(in->memo[i].path);
		prov_value_unref(in->memo[i].result);
	}
	free(in->memo);
	free(in->git_branch);
}

int prov_config_interpolate(const prov_value *root, const struct prov_interp_options *opts,
			    prov_value **out)
{
	struct interp in = { .root = root, .opts = opts };
	prov_strbuf path = PROV_STRBUF_INIT;
	int rc = prov_strbuf_reserve(&path, 64) ? prov_err_nomem()
						: resolve_node(&in, root, &path, out);

	prov_strbuf_release(&path);
	release_interp(&in);
	return rc;
}

int prov_config_interpolate_path(const prov_value *root, const struct prov_interp_options *opts,
				 const char *path, prov_value **out)
{
	struct interp in = { .root = root, .opts = opts };
	int rc = PROV_OK;

	*out = NULL;
	if (prov_path_lookup(root, path))
		rc = resolve_key(&in, NULL, path, out);
	release_interp(&in);
	return rc;
}

int prov_config_interpolate_detached(const prov_value *root,
				     const struct prov_interp_options *opts,
				     const prov_value *v, prov_value **out)
{
	struct interp in = { .root = root, .opts = opts };
	prov_strbuf path = PROV_STRBUF_INIT;
	int rc = prov_strbuf_reserve(&path, 64) ? prov_err_nomem()
						: resolve_node(&in, v, &path, out);

	prov_strbuf_release(&path);
	release_interp(&in);
	return rc;
}
