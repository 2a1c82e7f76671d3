/* Versions the library knows about itself beyond <provisioning/version.h>. */
#ifndef PROV_CORE_VERSION_H
#define PROV_CORE_VERSION_H

/*
 * The plugin ABI this host speaks, packed major << 16 | minor. The plugin
 * component defines the real interface; these numbers must match
 * PROV_PLUGIN_ABI_VERSION there.
 */
#define PROV_HOST_PLUGIN_ABI ((1u << 16) | 0u)
#define PROV_HOST_PLUGIN_ABI_OLDEST ((1u << 16) | 0u)

#endif
