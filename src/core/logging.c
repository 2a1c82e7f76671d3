/*
 * The process-wide log handler.
 *
 * The handler and its userdata change together under a read-write lock, so a
 * message never reaches a handler with another handler's userdata. The level
 * is read without the lock on the hot path: a stale level only means one
 * message more or less around the moment it changes.
 */
#include "core/logging.h"
#include "core/err.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#define LOG_LINE_MAX 2048

static pthread_rwlock_t handler_lock = PTHREAD_RWLOCK_INITIALIZER;
static prov_log_fn handler;
static void *handler_userdata;
static atomic_int handler_level = -1;

int prov_log_set_handler(prov_log_fn fn, int max_level, void *userdata)
{
	if (fn && (max_level < PROV_LOG_ERROR || max_level > PROV_LOG_DEBUG))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "log level %d is not a prov_log_level", max_level);
	pthread_rwlock_wrlock(&handler_lock);
	handler = fn;
	handler_userdata = userdata;
	atomic_store_explicit(&handler_level, fn ? max_level : -1, memory_order_relaxed);
	pthread_rwlock_unlock(&handler_lock);
	return PROV_OK;
}

bool prov_log_enabled(int level)
{
	return level <= atomic_load_explicit(&handler_level, memory_order_relaxed);
}

void prov_log(int level, const char *component, const char *fmt, ...)
{
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
	va_list ap;

	if (!prov_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	prov_copy_bounded(line, sizeof(line), raw);
	pthread_rwlock_rdlock(&handler_lock);
	if (handler && level <= atomic_load_explicit(&handler_level, memory_order_relaxed))
		handler(level, component ? component : "", line, handler_userdata);
	pthread_rwlock_unlock(&handler_lock);
}

const char *prov_log_level_name(int level)
{
	switch (level) {
	case PROV_LOG_ERROR: return "error";
	case PROV_LOG_WARNING: return "warning";
	case PROV_LOG_INFO: return "info";
	case PROV_LOG_DEBUG: return "debug";
	default: return "unknown";
	}
}
