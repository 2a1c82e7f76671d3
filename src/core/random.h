/* Random numbers for names and salts that must differ, never for secrets. */
#ifndef PROV_CORE_RANDOM_H
#define PROV_CORE_RANDOM_H

#include <stdint.h>

/*
 * 64 bits from getrandom(); should the kernel not give them at once, a mix
 * of the clock, the pid and a counter, so two calls still differ.
 */
uint64_t prov_random64(void);

#endif
