/*
 * What goes into an event's text: type names, payload objects and JSON
 * field values, each checked before a publisher takes the publish lock.
 */
#ifndef PROV_BUS_PAYLOAD_H
#define PROV_BUS_PAYLOAD_H

#include "core/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Check a type name (PROV_EINVAL names it); its length goes to *len. */
int bus_check_type(const char *type, size_t *len);

/*
 * The members of a payload object, without braces. Trusted payloads are
 * only checked for braces and borrowed; others are parsed, checked for
 * reserved members and rewritten compactly into *owned (free with free()).
 * NULL stands for no members.
 */
int bus_payload_members(const char *payload, bool trusted, const char **members,
			size_t *len, char **owned);

/*
 * Append a JSON document compactly ("null" for NULL) after checking it.
 * `event` and `field` name it in errors.
 */
int bus_append_json(prov_strbuf *b, const char *json, const char *event, const char *field);

#endif
