#include "core/mem.h"
#include "core/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void prov_free(void *ptr)
{
	free(ptr);
}

void *prov_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		prov_err_nomem();
	return p;
}

void *prov_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (!p)
		prov_err_nomem();
	return p;
}

int prov_grow(void *ptr, size_t count, size_t size)
{
	void **slot = ptr;
	void *p;

	if (size && count > SIZE_MAX / size)
		return prov_err_nomem();
	p = realloc(*slot, count * size > 0 ? count * size : 1);
	if (!p)
		return prov_err_nomem();
	*slot = p;
	return PROV_OK;
}

char *prov_strndup(const char *s, size_t len)
{
	char *copy = prov_malloc(len + 1);

	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *prov_strdup(const char *s)
{
	return prov_strndup(s, strlen(s));
}
