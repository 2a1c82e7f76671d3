#!/bin/sh
# Set up, build and run the main job: the example workflow, then the servers it made.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
# shellcheck disable=SC2086
prov_ensure_packages $PROV_BUILD_PACKAGES

build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dtests=false -Dbenchmarks=false > /dev/null
fi
meson compile -C "$build" > /dev/null

"$build/src/cli/provisioning" --version

# The first workflow, uninstalled: the build's plugins directory goes on the
# plugin search path; in a scratch directory, with no config file, the
# checkpoints and the local provider's servers live under .provisioning/.
PROVISIONING_PLUGIN_PATH="$(pwd)/$build/plugins"
export PROVISIONING_PLUGIN_PATH
command="$(pwd)/$build/src/cli/provisioning"
workflow="$(pwd)/examples/workflows/webapp.yaml"
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
cd "$demo"
"$command" workflow run "$workflow"
"$command" servers list --provider local
