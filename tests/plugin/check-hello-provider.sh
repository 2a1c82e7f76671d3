#!/bin/sh
# Build the out-of-tree example provider against an installed copy of the
# library with nothing but pkg-config, install it into a plugin directory,
# and drive it through the registry from a program built the same way.
#
# usage: check-hello-provider.sh BUILD_DIR EXAMPLE_DIR DRIVER_SOURCE CC
set -eu
build=$1 example=$2 driver=$3 cc=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/dest"
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; exit 1; }
pcfile=$(find "$dest" -name provisioning.pc | head -n 1)
export PKG_CONFIG_PATH="$(dirname "$pcfile")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_LIBDIR="$PKG_CONFIG_PATH"

plugins="$tmp/plugins"
mkdir -m 0700 "$plugins"
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
	-o "$plugins/hello.so" "$example/hello.c" $(pkg-config --cflags provisioning)
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror -o "$tmp/driver" "$driver" \
	$(pkg-config --cflags --libs provisioning)
LD_LIBRARY_PATH=$(pkg-config --variable=libdir provisioning) \
	PROVISIONING_PLUGIN_PATH="$plugins" "$tmp/driver"
