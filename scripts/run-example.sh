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
