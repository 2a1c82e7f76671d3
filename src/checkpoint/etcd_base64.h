/*
 * Base64 (RFC 4648, with padding), as etcd's JSON gateway carries keys and
 * values: bytes in protobuf fields become base64 strings in JSON.
 */
#ifndef PROV_CHECKPOINT_ETCD_BASE64_H
#define PROV_CHECKPOINT_ETCD_BASE64_H

#include "core/strbuf.h"

#include <stddef.h>

/* Append the base64 form of len bytes; PROV_ENOMEM when the buffer failed. */
int prov_base64_append(prov_strbuf *out, const void *data, size_t len);

/*
 * Decode base64 text into a new NUL-terminated buffer (free with free());
 * *len gets its length. PROV_EPARSE, recording nothing, for text that is
 * not base64; PROV_ENOMEM.
 */
int prov_base64_decode(const char *text, size_t text_len, char **out, size_t *len);

#endif
