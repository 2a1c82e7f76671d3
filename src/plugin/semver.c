/*
 * Semver parsing and range matching. Every range form is reduced to a pair
 * of bounds [lower, upper) before comparing, so ^, ~, partial versions and
 * plain comparators share one check.
 */
#include "plugin/semver.h"

#include "core/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A version as written in a range: trailing parts may be missing, x or an asterisk. */
typedef struct partial {
	prov_semver v;
	int parts;                      /* how many of major.minor.patch were given */
} partial;

static bool read_number(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t n = 0;

	if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*out = n;
	*p = s;
	return true;
}

static bool read_suffix(const char **p, prov_semver *v)
{
	const char *s = *p;
	size_t n;

	if (*s == '-') {
		n = strspn(s + 1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.");
		if (n == 0 || n >= sizeof(v->prerelease) || s[1] == '.' || s[n] == '.')
			return false;
		memcpy(v->prerelease, s + 1, n);
		v->prerelease[n] = '\0';
		s += 1 + n;
	}
	if (*s == '+') {
		n = strspn(s + 1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.");
		if (n == 0)
			return false;
		s += 1 + n;
	}
	*p = s;
	return true;
}

/* Read "1", "1.2", "1.2.3-pre", "1.x", "*"; stops at the first other character. */
static bool read_partial(const char **p, partial *out)
{
	uint64_t *fields[3];
	const char *s = *p;

	memset(out, 0, sizeof(*out));
	fields[0] = &out->v.major;
	fields[1] = &out->v.minor;
	fields[2] = &out->v.patch;
	if (*s == 'v')
		s++;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*s != '.')
				break;
			s++;
		}
		if (*s == '*' || *s == 'x' || *s == 'X') {
			s++;
			*p = s;
			return true;
		}
		if (!read_number(&s, fields[i]))
			return false;
		out->parts = i + 1;
	}
	if (out->parts == 3 && !read_suffix(&s, &out->v))
		return false;
	*p = s;
	return true;
}

int prov_semver_parse(prov_semver *out, const char *text)
{
	const char *p = text ? text : "";
	partial v;

	if (!read_partial(&p, &v) || v.parts != 3 || *p != '\0')
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "'%s' is not a semantic version (MAJOR.MINOR.PATCH)", text ? text : "");
	*out = v.v;
	return PROV_OK;
}

static int compare_identifiers(const char *a, const char *b)
{
	while (*a && *b) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		bool na = strspn(a, "0123456789") == la, nb = strspn(b, "0123456789") == lb;
		int c;

		if (na && nb)
			c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
		else if (na != nb)
			c = na ? -1 : 1;
		else {
			c = strncmp(a, b, la < lb ? la : lb);
			if (c == 0 && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c;
		a += la + (a[la] == '.');
		b += lb + (b[lb] == '.');
	}
	return (*a != '\0') - (*b != '\0');
}

int prov_semver_compare(const prov_semver *a, const prov_semver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	if (!a->prerelease[0] || !b->prerelease[0])
		return (a->prerelease[0] == '\0') - (b->prerelease[0] == '\0');
	return compare_identifiers(a->prerelease, b->prerelease);
}

/* The first version past everything `p` matches as a partial (1.2 -> 1.3.0). */
static prov_semver next_after(const partial *p)
{
	prov_semver v = { 0 };

	if (p->parts == 1)
		v.major = p->v.major + 1;
	else if (p->parts == 2) {
		v.major = p->v.major;
		v.minor = p->v.minor + 1;
	} else {
		v = p->v;
		v.prerelease[0] = '\0';
		v.patch++;
	}
	return v;
}

/* The exclusive upper bound of ^p: bump the first non-zero part given. */
static prov_semver caret_upper(const partial *p)
{
	prov_semver v = { 0 };

	if (p->v.major > 0 || p->parts == 1)
		v.major = p->v.major + 1;
	else if (p->v.minor > 0 || p->parts == 2)
		v.minor = p->v.minor + 1;
	else
		v.patch = p->v.patch + 1;
	return v;
}

static prov_semver tilde_upper(const partial *p)
{
	prov_semver v = { 0 };

	v.major = p->v.major;
	if (p->parts == 1)
		v.major++;
	else
		v.minor = p->v.minor + 1;
	return v;
}

/* Whether version satisfies one comparator "OP PARTIAL". */
static bool comparator_holds(const char *op, const partial *p, const prov_semver *version)
{
	prov_semver upper;

	if (p->parts == 0)                  /* "*" or "x": anything */
		return op[0] != '<' && op[0] != '>';
	if (strcmp(op, ">=") == 0)
		return prov_semver_compare(version, &p->v) >= 0;
	if (strcmp(op, ">") == 0) {
		upper = next_after(p);
		return prov_semver_compare(version, &upper) >= 0;
	}
	if (strcmp(op, "<") == 0)
		return prov_semver_compare(version, &p->v) < 0;
	if (strcmp(op, "<=") == 0) {
		upper = next_after(p);
		return prov_semver_compare(version, &upper) < 0;
	}
	upper = op[0] == '^' ? caret_upper(p) : op[0] == '~' ? tilde_upper(p) : next_after(p);
	if (prov_semver_compare(version, &p->v) < 0)
		return false;
	return p->parts == 3 && op[0] != '^' && op[0] != '~'
	       ? prov_semver_compare(version, &p->v) == 0
	       : prov_semver_compare(version, &upper) < 0;
}

static const char *read_operator(const char **p)
{
	static const char *const ops[] = { ">=", "<=", ">", "<", "=", "^", "~", NULL };

	for (int i = 0; ops[i]; i++)
		if (strncmp(*p, ops[i], strlen(ops[i])) == 0) {
			*p += strlen(ops[i]);
			return ops[i];
		}
	return "";
}

static const char *skip_separators(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* One alternative: comparators up to "||" or the end; *p moves past it. */
static int match_set(const char **p, const char *range, const prov_semver *version, bool *all)
{
	const char *s = skip_separators(*p);
	int count = 0;

	*all = true;
	while (*s && strncmp(s, "||", 2) != 0) {
		const char *op = read_operator(&s);
		partial part;

		while (*s == ' ')
			s++;
		if (!read_partial(&s, &part) || (*s && !strchr(" \t,|", *s)))
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
					    "'%s' is not a version range (near '%s')", range, s);
		if (!comparator_holds(op, &part, version))
			*all = false;
		count++;
		s = skip_separators(s);
	}
	if (count == 0)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_CONFIGURATION,
				    "'%s' is not a version range (an empty alternative)", range);
	*p = s;
	return PROV_OK;
}

int prov_semver_satisfies(bool *satisfied, const char *range, const prov_semver *version)
{
	const char *p = range ? range : "";
	bool any = false;

	do {
		bool all;
		int rc = match_set(&p, range ? range : "", version, &all);

		if (rc != PROV_OK)
			return rc;
		any = any || all;
		if (strncmp(p, "||", 2) == 0)
			p += 2;
		else
			break;
	} while (true);
	*satisfied = any;
	return PROV_OK;
}
