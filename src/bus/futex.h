/*
 * Sleeping on a 32-bit word (Linux futexes, private to the process): the
 * one place receivers block, so publishers never take a lock to wake them.
 */
#ifndef PROV_BUS_FUTEX_H
#define PROV_BUS_FUTEX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Sleep while *word still holds `expected`, at most until `deadline_ns` on
 * CLOCK_MONOTONIC (negative: no deadline). Returns false once the deadline
 * passed; true when woken, when the word changed, or on a spurious wake-up.
 */
bool bus_futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t deadline_ns);

/* Wake every thread sleeping on word. */
void bus_futex_wake_all(_Atomic uint32_t *word);

#endif
