#include "bus/futex.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

bool bus_futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t deadline_ns)
{
	struct timespec deadline, *at = NULL;

	if (deadline_ns >= 0) {
		deadline.tv_sec = (time_t)(deadline_ns / 1000000000);
		deadline.tv_nsec = (long)(deadline_ns % 1000000000);
		at = &deadline;
	}
	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a
	 * wait interrupted by a signal resumes without recomputing it. */
	if (syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expected, at, NULL,
		    FUTEX_BITSET_MATCH_ANY) == 0)
		return true;
	return errno != ETIMEDOUT;
}

void bus_futex_wake_all(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}
