#!/bin/sh
# Install the library into a temporary DESTDIR and build and run a program
# against it with nothing but pkg-config: what an outside user does. A .c
# source is built as C11, a .cpp source as C++17. The program runs in a
# scratch directory (its state goes there) with PROVISIONING_PLUGIN_PATH
# naming the installed plugins.
#
# usage: check-consumer.sh BUILD_DIR CONSUMER_SOURCE COMPILER
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

case "$source" in
	*.cpp) std=-std=c++17 ;;
	*) std=-std=c11 ;;
esac
# shellcheck disable=SC2046,SC2086
$cc $std -Wall -Wextra -Werror -o "$tmp/consumer" "$source" \
	$(pkg-config --cflags --libs provisioning)
libdir=$(pkg-config --variable=libdir provisioning)
# pkgconf puts the sysroot in front of variables; pkg-config does not.
case "$pluginsdir" in
	"$dest"/*) ;;
	*) pluginsdir="$dest$pluginsdir" ;;
esac
mkdir "$tmp/run"
cd "$tmp/run"
PROVISIONING_PLUGIN_PATH="$pluginsdir" LD_LIBRARY_PATH="$libdir" "$tmp/consumer"
