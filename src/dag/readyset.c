#include "dag/readyset.h"

#include "core/mem.h"

#include <provisioning/error.h>
#include <stdlib.h>

int dag_readyset_init(struct dag_readyset *set, uint32_t capacity)
{
	size_t words[READYSET_MAX_LEVELS];
	size_t total = 0, n = capacity ? capacity : 1;
	unsigned int levels = 0;
	uint64_t *storage;

	do {
		n = (n + 63) / 64;
		words[levels++] = n;
		total += n;
	} while (n > 1 && levels < READYSET_MAX_LEVELS);
	storage = prov_calloc(total, sizeof(*storage));
	if (!storage)
		return PROV_ENOMEM;
	set->levels = levels;
	for (unsigned int l = 0; l < levels; l++) {
		set->level[l] = storage;
		storage += words[l];
	}
	return PROV_OK;
}

void dag_readyset_release(struct dag_readyset *set)
{
	free(set->level[0]);
	set->level[0] = NULL;
}
