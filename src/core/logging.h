/* Internal side of <provisioning/log.h>: how library code logs. */
#ifndef PROV_CORE_LOGGING_H
#define PROV_CORE_LOGGING_H

#include <provisioning/log.h>
#include "core/err.h"

#include <stdbool.h>

/* Cheap check, so callers skip building messages nobody receives. */
bool prov_log_enabled(int level);

void prov_log(int level, const char *component, const char *fmt, ...) PROV_PRINTF(3, 4);

#endif
