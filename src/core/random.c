#include "core/random.h"

#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uint64_t prov_random64(void)
{
	static atomic_uint_fast64_t counter;
	uint64_t value;
	struct timespec ts;

	if (getrandom(&value, sizeof(value), GRND_NONBLOCK) == (ssize_t)sizeof(value))
		return value;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec << 32) ^ ((uint64_t)ts.tv_nsec << 20) ^
	       ((uint64_t)getpid() << 8) ^ atomic_fetch_add(&counter, 1);
}
