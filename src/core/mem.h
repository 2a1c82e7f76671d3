/*
 * Allocation helpers that record PROV_ENOMEM in the last error when they fail,
 * so callers only need to check for NULL and return the code.
 */
#ifndef PROV_CORE_MEM_H
#define PROV_CORE_MEM_H

#include <stddef.h>

void *prov_malloc(size_t size);
void *prov_calloc(size_t count, size_t size);
/* Grows *ptr to count elements of size bytes; on failure *ptr is untouched. */
int prov_grow(void *ptr, size_t count, size_t size);
char *prov_strdup(const char *s);
char *prov_strndup(const char *s, size_t len);

#endif
