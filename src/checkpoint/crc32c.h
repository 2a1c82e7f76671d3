/*
 * CRC-32C (Castagnoli), the checksum of journal records and lock files:
 * good at catching torn and partly written sectors, and cheap.
 */
#ifndef PROV_CHECKPOINT_CRC32C_H
#define PROV_CHECKPOINT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continue a checksum over more data: start from 0, and
 * prov_crc32c(prov_crc32c(0, a), b) is the checksum of a followed by b.
 */
uint32_t prov_crc32c(uint32_t crc, const void *data, size_t len);

#endif
