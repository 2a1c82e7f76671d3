/*
 * A set of node indices that hands out its smallest member first: a bitmap
 * with a summary bitmap above it, one bit per 64-bit word below, up to a
 * single top word. Insert and pop-min touch one word per level (at most six
 * levels for 2^30 nodes), so taking nodes in insertion order costs about
 * what a plain queue does, while keeping the order deterministic.
 */
#ifndef PROV_DAG_READYSET_H
#define PROV_DAG_READYSET_H

#include <stdbool.h>
#include <stdint.h>

#define READYSET_MAX_LEVELS 6
#define READYSET_NONE UINT32_MAX

struct dag_readyset {
	uint64_t *level[READYSET_MAX_LEVELS];  /* level[0]: one bit per index */
	unsigned int levels;
};

/* Room for indices below capacity; PROV_OK or PROV_ENOMEM. */
int dag_readyset_init(struct dag_readyset *set, uint32_t capacity);
void dag_readyset_release(struct dag_readyset *set);

static inline bool dag_readyset_empty(const struct dag_readyset *set)
{
	return set->level[set->levels - 1][0] == 0;
}

static inline void dag_readyset_insert(struct dag_readyset *set, uint32_t index)
{
	for (unsigned int l = 0; l < set->levels; l++) {
		uint64_t *word = &set->level[l][index >> 6];
		bool was_empty = *word == 0;

		*word |= UINT64_C(1) << (index & 63);
		if (!was_empty)
			return;
		index >>= 6;
	}
}

static inline uint32_t dag_readyset_pop_min(struct dag_readyset *set)
{
	unsigned int top = set->levels - 1;
	uint32_t index, at;

	if (!set->level[top][0])
		return READYSET_NONE;
	index = (uint32_t)__builtin_ctzll(set->level[top][0]);
	for (unsigned int l = top; l-- > 0;)
		index = index << 6 | (uint32_t)__builtin_ctzll(set->level[l][index]);
	at = index;
	for (unsigned int l = 0; l < set->levels; l++) {
		uint64_t *word = &set->level[l][at >> 6];

		*word &= ~(UINT64_C(1) << (at & 63));
		if (*word)
			break;
		at >>= 6;
	}
	return index;
}

#endif
