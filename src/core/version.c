#include <provisioning/version.h>

#include "build-config.h"
#include "core/version.h"

static const prov_version_info info = {
	.age = PROV_VERSION_INFO_AGE,
	.major = PROV_VERSION_MAJOR,
	.minor = PROV_VERSION_MINOR,
	.patch = PROV_VERSION_PATCH,
	.version = PROV_VERSION_STRING,
	.plugin_abi = PROV_HOST_PLUGIN_ABI,
	.plugin_abi_oldest = PROV_HOST_PLUGIN_ABI_OLDEST,
	.pluginsdir = PROV_PLUGINSDIR,
	.features = 0
#ifdef PROV_HAVE_ETCD
		| PROV_FEATURE_ETCD
#endif
	,
};

const prov_version_info *prov_version(void)
{
	return &info;
}
