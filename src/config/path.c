/* Parsing, building and following config key paths. */
#include "config/path.h"
#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static int malformed(const char *path, const char *why)
{
	return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
			    "invalid key path '%s': %s", path, why);
}

static int push_segment(struct prov_path *p, prov_strbuf *segment)
{
	struct prov_path_segment *s;
	size_t len;

	if (prov_grow(&p->segments, p->count + 1, sizeof(*p->segments)))
		return PROV_ENOMEM;
	s = &p->segments[p->count];
	if (!(s->text = prov_strbuf_detach(segment, &len)))
		return PROV_ENOMEM;
	s->len = len;
	p->count++;
	return PROV_OK;
}

/* A quoted segment starting at *pp (on the quote); leaves *pp after the closing quote. */
static int read_quoted(const char *path, const char **pp, prov_strbuf *segment)
{
	const char *p = *pp + 1;

	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		prov_strbuf_putc(segment, *p);
	}
	if (*p != '"')
		return malformed(path, "unterminated quote");
	*pp = p + 1;
	return prov_strbuf_status(segment) ? prov_err_nomem() : PROV_OK;
}

int prov_path_split(const char *path, struct prov_path *out)
{
	prov_strbuf segment = PROV_STRBUF_INIT;
	const char *p = path ? path : "";
	int rc = PROV_OK;

	out->segments = NULL;
	out->count = 0;
	while (*p && rc == PROV_OK) {
		if (*p == '"') {
			rc = read_quoted(path, &p, &segment);
		} else {
			size_t len = strcspn(p, ".\"");
			if (len == 0)
				rc = malformed(path, "empty key");
			else if (prov_strbuf_append(&segment, p, len))
				rc = prov_err_nomem();
			p += len;
		}
		if (rc == PROV_OK && *p && *p != '.')
			rc = malformed(path, "a quoted key must be a whole segment");
		if (rc == PROV_OK && *p == '.' && !*++p)
			rc = malformed(path, "ends with '.'");
		if (rc == PROV_OK)
			rc = push_segment(out, &segment);
	}
	prov_strbuf_release(&segment);
	if (rc)
		prov_path_release(out);
	return rc;
}

void prov_path_release(struct prov_path *p)
{
	for (size_t i = 0; i < p->count; i++)
		free(p->segments[i].text);
	free(p->segments);
	p->segments = NULL;
	p->count = 0;
}

static bool needs_quotes(const char *key, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (key[i] == '.' || key[i] == '"' || key[i] == '\\')
			return true;
	return false;
}

void prov_path_append_key(prov_strbuf *path, const char *key, size_t len)
{
	if (path->len)
		prov_strbuf_putc(path, '.');
	if (!needs_quotes(key, len)) {
		prov_strbuf_append(path, key, len);
		return;
	}
	prov_strbuf_putc(path, '"');
	for (size_t i = 0; i < len; i++) {
		if (key[i] == '"' || key[i] == '\\')
			prov_strbuf_putc(path, '\\');
		prov_strbuf_putc(path, key[i]);
	}
	prov_strbuf_putc(path, '"');
}

void prov_path_append_index(prov_strbuf *path, size_t index)
{
	prov_strbuf_printf(path, path->len ? ".%zu" : "%zu", index);
}

prov_value *prov_path_follow(const prov_value *root, const struct prov_path *p, size_t *reached)
{
	const prov_value *v = root;
	size_t i;

	for (i = 0; i < p->count; i++) {
		const prov_value *next = prov_value_step(v, p->segments[i].text, p->segments[i].len);
		if (!next)
			break;
		v = next;
	}
	if (reached)
		*reached = i;
	return i == p->count ? (prov_value *)v : NULL;
}

prov_value *prov_path_lookup(const prov_value *root, const char *path)
{
	struct prov_path p;
	prov_value *v;

	size_t len = path ? strlen(path) : 0;

	if (len == 0)
		return (prov_value *)root;
	/* The common unquoted, well-formed path needs no copies. */
	if (!strchr(path, '"') && !strstr(path, "..") && path[0] != '.' && path[len - 1] != '.')
		return prov_value_lookup(root, path);
	if (prov_path_split(path, &p))
		return NULL;
	v = prov_path_follow(root, &p, NULL);
	prov_path_release(&p);
	return v;
}
