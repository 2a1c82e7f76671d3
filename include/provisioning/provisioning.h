/*
 * libprovisioning: the whole public API.
 *
 * Including this header is enough; each component also has a header of its
 * own for programs that use only part of the library.
 */
#ifndef PROVISIONING_H
#define PROVISIONING_H

#include <provisioning/common.h>
#include <provisioning/version.h>
#include <provisioning/error.h>
#include <provisioning/format.h>
#include <provisioning/config.h>
#include <provisioning/log.h>
#include <provisioning/process.h>
#include <provisioning/dag.h>
#include <provisioning/checkpoint.h>
#include <provisioning/plugin.h>
#include <provisioning/provider.h>
#include <provisioning/extension.h>
#include <provisioning/bus.h>
#include <provisioning/workflow.h>

#endif
