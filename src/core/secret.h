/*
 * The library's rule for which configuration values are secrets: keys whose
 * last part contains password, token, secret, private_key or api_key, in any
 * case. Every dump, event and log redacts them the same way.
 */
#ifndef PROV_CORE_SECRET_H
#define PROV_CORE_SECRET_H

#include <stdbool.h>

/* What a redacted value prints as. */
#define PROV_REDACTED "***"

/* Whether the dotted key path names a secret (NULL is not one). */
bool prov_key_is_secret(const char *path);

#endif
