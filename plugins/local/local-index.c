/*
 * What a create looks up in the records, kept beside them: the live server
 * of each hostname and the sorted addresses in use. Without it every create
 * scanned every record (a hostname, a status, an address and an id per
 * record through json-c's hash lookups), so a workflow of n creates cost
 * n^2/2 lookups of each.
 *
 * A record's hostname and address never change once written; a server only
 * goes from live to deleted. Creates never add a second live server with a
 * hostname in use, so duplicates can come only from files written by other
 * means: when the build finds one, every change rebuilds the index, which
 * keeps "the live server with the lowest id" exact at the old cost.
 */
#include "local.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

bool local_is_live(json_object *record)
{
	const char *status = json_object_get_string(json_object_object_get(record, "status"));

	return !status || strcmp(status, "deleted") != 0;
}

static const char *hostname_of(json_object *record)
{
	return json_object_get_string(json_object_object_get(record, "hostname"));
}

/* The offset in the CIDR of a record's address; false when it is not in the CIDR. */
static bool address_offset(const local_provider *lp, json_object *record, uint32_t *offset)
{
	const char *a = json_object_get_string(json_object_object_get(record, "ip_address"));
	struct in_addr in;

	if (!a || inet_pton(AF_INET, a, &in) != 1 || ntohl(in.s_addr) - lp->network >= lp->host_count)
		return false;
	*offset = ntohl(in.s_addr) - lp->network;
	return true;
}

/* Where offset is, or would go, in the sorted offsets. */
static size_t offset_position(const local_index *ix, uint32_t offset)
{
	size_t lo = 0, hi = ix->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->offsets[mid] < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int insert_offset(local_index *ix, uint32_t offset)
{
	size_t at;

	if (ix->count == ix->capacity) {
		size_t capacity = ix->capacity ? ix->capacity * 2 : 64;
		uint32_t *grown = realloc(ix->offsets, capacity * sizeof(*grown));

		if (!grown)
			return -1;
		ix->offsets = grown;
		ix->capacity = capacity;
	}
	at = offset_position(ix, offset);
	memmove(ix->offsets + at + 1, ix->offsets + at, (ix->count - at) * sizeof(*ix->offsets));
	ix->offsets[at] = offset;
	ix->count++;
	return 0;
}

static void remove_offset(local_index *ix, uint32_t offset)
{
	size_t at = offset_position(ix, offset);

	if (at == ix->count || ix->offsets[at] != offset)
		return;
	ix->count--;
	memmove(ix->offsets + at, ix->offsets + at + 1, (ix->count - at) * sizeof(*ix->offsets));
}

/* Index a record; records must come in id order for the lowest id to win a hostname. */
static int index_add(local_index *ix, const local_provider *lp, json_object *record)
{
	const char *hostname = hostname_of(record);
	uint32_t offset;

	if (!local_is_live(record))
		return 0;
	if (hostname && json_object_object_get_ex(ix->hostnames, hostname, NULL))
		ix->shared_hostnames = true;
	else if (hostname &&
		 json_object_object_add(ix->hostnames, hostname, json_object_get(record)) != 0)
		return -1;
	return address_offset(lp, record, &offset) ? insert_offset(ix, offset) : 0;
}

static void index_remove(local_index *ix, const local_provider *lp, json_object *record)
{
	uint32_t offset;

	if (!local_is_live(record))
		return;
	if (hostname_of(record))
		json_object_object_del(ix->hostnames, hostname_of(record));
	if (address_offset(lp, record, &offset))
		remove_offset(ix, offset);
}

void local_index_clear(local_index *ix)
{
	json_object_put(ix->hostnames);
	free(ix->offsets);
	*ix = (local_index){ 0 };
}

int local_index_build(local_index *ix, const local_provider *lp, json_object *records)
{
	local_index_clear(ix);
	if (!(ix->hostnames = json_object_new_object()))
		return -1;
	for (size_t i = 0; i < json_object_array_length(records); i++) {
		if (index_add(ix, lp, json_object_array_get_idx(records, i)) != 0) {
			local_index_clear(ix);
			return -1;
		}
	}
	return 0;
}

int local_index_replace(local_index *ix, const local_provider *lp, json_object *records,
			json_object *old, json_object *record)
{
	if (ix->shared_hostnames)
		return local_index_build(ix, lp, records);
	if (old)
		index_remove(ix, lp, old);
	return index_add(ix, lp, record);
}

json_object *local_index_live_hostname(const local_index *ix, const char *hostname)
{
	json_object *record = NULL;

	json_object_object_get_ex(ix->hostnames, hostname, &record);
	return record;
}
