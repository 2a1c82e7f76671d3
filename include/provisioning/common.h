/*
 * libprovisioning: definitions every public header shares.
 *
 * PROV_API marks a function the shared library exports. The library is built
 * with hidden visibility by default, so a function without the marker stays
 * internal even when its name starts with prov_.
 */
#ifndef PROVISIONING_COMMON_H
#define PROVISIONING_COMMON_H

#include <stddef.h>

#if defined(PROV_BUILDING_LIBRARY) && defined(__GNUC__)
#define PROV_API __attribute__((visibility("default")))
#else
#define PROV_API
#endif

#ifdef __cplusplus
#define PROV_BEGIN_DECLS extern "C" {
#define PROV_END_DECLS }
#else
#define PROV_BEGIN_DECLS
#define PROV_END_DECLS
#endif

PROV_BEGIN_DECLS

/**
 * Release memory the library handed to the caller as "owned" (strings, JSON
 * documents). Freeing NULL does nothing. Never pass memory to prov_free() that
 * the library documented as borrowed.
 *
 * Thread safety: may be called from any thread.
 */
PROV_API void prov_free(void *ptr);

PROV_END_DECLS

#endif
