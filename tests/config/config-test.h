/* Helpers shared by the config tests. */
#ifndef PROV_CONFIG_TEST_H
#define PROV_CONFIG_TEST_H

#include "test-util.h"

#include <provisioning/config.h>
#include <provisioning/error.h>

/* Resolve r, asserting success. */
static inline prov_config *resolve_ok(prov_config_resolver *r)
{
	prov_config *c = NULL;
	int rc = prov_config_resolve(r, &c);

	ck_assert_msg(rc == PROV_OK, "resolve failed: %s", prov_error_last()->message);
	return c;
}

/* Add a string layer, asserting success. */
static inline void add_text(prov_config_resolver *r, int layer, const char *name,
			    const char *text, prov_format format)
{
	int rc = prov_config_resolver_add_string(r, layer, name, text, strlen(text), format);

	ck_assert_msg(rc == PROV_OK, "add %s failed: %s", name, prov_error_last()->message);
}

static inline const char *get_str(const prov_config *c, const char *path)
{
	const char *s = NULL;
	int rc = prov_config_get_string(c, path, &s);

	ck_assert_msg(rc == PROV_OK, "get %s failed: %s", path, prov_error_last()->message);
	return s;
}

static inline int64_t get_int(const prov_config *c, const char *path)
{
	int64_t i = 0;
	int rc = prov_config_get_int64(c, path, &i);

	ck_assert_msg(rc == PROV_OK, "get %s failed: %s", path, prov_error_last()->message);
	return i;
}

/* The resolver's error message after a failed resolve with code. */
static inline const char *resolve_fails(prov_config_resolver *r, int code)
{
	prov_config *c = (prov_config *)1;

	ck_assert_int_eq(prov_config_resolve(r, &c), code);
	ck_assert_ptr_null(c);
	return prov_error_last()->message;
}

#define ck_assert_contains(haystack, needle) \
	ck_assert_msg(strstr((haystack), (needle)) != NULL, "'%s' does not contain '%s'", \
		      (haystack), (needle))

#endif
