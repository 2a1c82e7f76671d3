/*
 * libprovisioning: where the library's log messages go.
 *
 * The library never prints. Messages go to a handler the embedding program
 * installs; without one they are dropped.
 */
#ifndef PROVISIONING_LOG_H
#define PROVISIONING_LOG_H

#include <provisioning/common.h>

PROV_BEGIN_DECLS

typedef enum prov_log_level {
	PROV_LOG_ERROR = 0,
	PROV_LOG_WARNING = 1,
	PROV_LOG_INFO = 2,
	PROV_LOG_DEBUG = 3
} prov_log_level;

/**
 * A log handler. `component` names the part of the library ("config",
 * "plugin", "provider:local", ...), `message` is one line. Both are borrowed
 * for the duration of the call. The handler may be called from any thread the
 * library runs work on, at the same time from several of them, so it must be
 * thread-safe. It must not call prov_log_set_handler().
 */
typedef void (*prov_log_fn)(int level, const char *component,
			    const char *message, void *userdata);

/**
 * Install a process-wide handler (NULL removes it) and the most verbose level
 * it receives. Messages above `max_level` are not even formatted.
 * Thread safety: may be called from any thread; a message being delivered
 * while the handler changes goes to either the old or the new one.
 */
PROV_API int prov_log_set_handler(prov_log_fn handler, int max_level,
				  void *userdata);

/** A static name for a level ("warning"). Never NULL. */
PROV_API const char *prov_log_level_name(int level);

PROV_END_DECLS

#endif
