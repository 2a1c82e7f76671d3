/* Clocks: monotonic time for deadlines, wall time for timestamps. */
#ifndef PROV_CORE_CLOCK_H
#define PROV_CORE_CLOCK_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC: for durations and deadlines only. */
int64_t prov_clock_monotonic_ns(void);

/* Milliseconds since the Unix epoch, UTC. */
int64_t prov_clock_realtime_ms(void);

/* Sleep for ms milliseconds, resuming after signals. */
void prov_clock_sleep_ms(int64_t ms);

#endif
