#!/bin/sh
# Install the library into a temporary DESTDIR and build and run a program
# against it with nothing but pkg-config: what an outside user does.
#
# usage: check-consumer.sh BUILD_DIR CONSUMER_SOURCE CC
set -eu
build=$1 source=$2 cc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/dest"

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; exit 1; }

pcfile=$(find "$dest" -name provisioning.pc | head -n 1)
[ -n "$pcfile" ] || { echo "provisioning.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pcfile")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_LIBDIR="$PKG_CONFIG_PATH"

pluginsdir=$(pkg-config --variable=pluginsdir provisioning)
case "$pluginsdir" in
	*/provisioning/plugins) ;;
	*) echo "pluginsdir variable is '$pluginsdir'"; exit 1 ;;
esac

# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror -o "$tmp/consumer" "$source" \
	$(pkg-config --cflags --libs provisioning)
libdir=$(pkg-config --variable=libdir provisioning)
LD_LIBRARY_PATH="$libdir" "$tmp/consumer"
