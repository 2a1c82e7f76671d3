#!/bin/sh
# Set up, build and run the main job: the command's version and help.
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
"$build/src/cli/provisioning" --help

# The shipped providers, uninstalled: the build's plugins directory goes on
# the plugin search path, and the local provider keeps its servers under
# .provisioning/local in a scratch directory.
PROVISIONING_PLUGIN_PATH="$(pwd)/$build/plugins"
export PROVISIONING_PLUGIN_PATH
command="$(pwd)/$build/src/cli/provisioning"
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
cd "$demo"
"$command" plugins list
"$command" servers create --provider local --param hostname=web-1
"$command" servers list --provider local
