#!/bin/sh
# Set up and run the whole test suite, with warnings as errors.
#
#   scripts/test.sh [meson test arguments...]
#
# BUILD_DIR (default: build-test) and MESON_ARGS (extra `meson setup`
# options) may be set in the environment.
set -eu
cd "$(dirname "$0")/.."
. scripts/deps.sh
# shellcheck disable=SC2086
prov_ensure_packages $PROV_BUILD_PACKAGES $PROV_TEST_PACKAGES

build=${BUILD_DIR:-build-test}
if [ ! -f "$build/build.ninja" ]; then
	# shellcheck disable=SC2086
	meson setup "$build" -Dwerror=true -Dtests=true ${MESON_ARGS:-}
fi
meson compile -C "$build"
meson test -C "$build" --print-errorlogs "$@"
