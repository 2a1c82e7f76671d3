/*
 * SHA-256 (FIPS 180-4): the hash that names a workflow definition in its
 * checkpoint, so a run can tell whether a file still holds the definition a
 * stored run started from.
 */
#ifndef PROV_CORE_SHA256_H
#define PROV_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PROV_SHA256_SIZE 32
/* Hex digits of a digest plus the terminating NUL. */
#define PROV_SHA256_HEX_SIZE (2 * PROV_SHA256_SIZE + 1)

typedef struct prov_sha256 {
	uint32_t state[8];
	uint64_t length;        /* bytes hashed so far */
	uint8_t block[64];
	size_t used;            /* bytes waiting in block */
} prov_sha256;

void prov_sha256_init(prov_sha256 *ctx);
void prov_sha256_update(prov_sha256 *ctx, const void *data, size_t len);
void prov_sha256_final(prov_sha256 *ctx, uint8_t digest[PROV_SHA256_SIZE]);

/* The digest of data as lower-case hex. */
void prov_sha256_hex(const void *data, size_t len, char out[PROV_SHA256_HEX_SIZE]);

#endif
